import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";
import { boundServiceAccountsSchema, duplicateAccountProblems, type BoundServiceAccountArgs } from "./common";

/** Arguments of {@link GcpSecretManagerAccess}. */
export interface GcpSecretManagerAccessArgs {
  /** Project of the GKE cluster: hosts the Google service account and the `<project>.svc.id.goog` workload pool. */
  project: pulumi.Input<string>;
  /** Project holding the secrets. Default: `project`. */
  secretProject?: pulumi.Input<string>;
  /**
   * Secret Manager secret ids ESO may read (`db-password`, not a full resource name). Each gets its own
   * `roles/secretmanager.secretAccessor` binding on that secret, never on the project. At least one;
   * plain values (each decides a binding).
   */
  secrets: string[];
  /** Google service account id (6-30 characters). Default: `eso-<resource name>` cut to 30 characters. */
  accountId?: pulumi.Input<string>;
  /**
   * The Kubernetes service accounts that may act as the Google service account: the stores' own accounts
   * (`SecretStore` `serviceAccount`), each with its own `roles/iam.workloadIdentityUser` binding for
   * `serviceAccount:<project>.svc.id.goog[<ns>/<name>]`. Required, at least one (SecretsPlatform adds its
   * stores' accounts). ESO mints their tokens for the workload pool and exchanges them
   * (providers/v1/gcp/secretmanager/workload_identity.go), so ESO's controller needs no identity.
   */
  serviceAccounts?: BoundServiceAccountArgs[];
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;

const argsSchema = z.strictObject({
  project: input(z.string().min(1)),
  secretProject: input(z.string().min(1)).optional(),
  secrets: z.array(z.string()).min(1, { message: "list at least one secret id" }),
  accountId: input(z.string().regex(ACCOUNT_ID, { message: "must be 6-30 lower-case letters, digits and '-', starting with a letter" })).optional(),
  serviceAccounts: boundServiceAccountsSchema.optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateGcpSecretManagerAccess(args: GcpSecretManagerAccessArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.serviceAccounts === undefined) problems.push("serviceAccounts: list at least one service account (a store's own account)");
  problems.push(...duplicateAccountProblems("serviceAccounts", args.serviceAccounts));
  const seen = new Set<string>();
  (Array.isArray(args.secrets) ? args.secrets : []).forEach((s, i) => {
    if (typeof s !== "string") return;
    if (s.includes("*")) problems.push(`secrets[${i}]: wildcards are not allowed (list each secret), got "${s}"`);
    else if (!SECRET_ID.test(s)) problems.push(`secrets[${i}]: must be a Secret Manager secret id (letters, digits, '_' and '-'), got "${s}"`);
    if (seen.has(s)) problems.push(`secrets[${i}]: duplicate secret "${s}"`);
    seen.add(s);
  });
  return problems;
}

function defaultAccountId(name: string): string {
  const id = `eso-${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 30).replace(/-+$/, "");
  return id.length >= 6 ? id : `${id}-gsa`.slice(0, 30);
}

/**
 * A Google service account with `roles/secretmanager.secretAccessor` on each listed secret (not on the
 * project) and `roles/iam.workloadIdentityUser` for exactly the listed Kubernetes service accounts (the
 * stores' own) through GKE Workload Identity. Give `serviceAccountAnnotations` to those accounts.
 */
export class GcpSecretManagerAccess extends pulumi.ComponentResource {
  /** Email of the Google service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** `{ "iam.gke.io/gcp-service-account": <email> }` for the stores' accounts (ESO impersonates it with their tokens). */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GcpSecretManagerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("GcpSecretManagerAccess", name, validateGcpSecretManagerAccess(args));
    super(typeToken("GcpSecretManagerAccess"), name, {}, opts);

    const account = new gcp.serviceaccount.Account(
      childName(name, "gsa"),
      {
        project: args.project,
        accountId: args.accountId ?? defaultAccountId(name),
        displayName: "External Secrets Operator",
        description: "Reads the Secret Manager secrets listed for External Secrets Operator",
      },
      { parent: this },
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;

    for (const secret of args.secrets) {
      new gcp.secretmanager.SecretIamMember(
        childName(name, `accessor-${secret}`),
        { project: args.secretProject ?? args.project, secretId: secret, role: "roles/secretmanager.secretAccessor", member },
        { parent: this },
      );
    }

    const accounts = args.serviceAccounts!;
    for (const a of accounts) {
      new gcp.serviceaccount.IAMMember(
        childName(name, `workload-identity-${a.namespace}-${a.name}`),
        {
          serviceAccountId: account.name,
          role: "roles/iam.workloadIdentityUser",
          member: pulumi.interpolate`serviceAccount:${args.project}.svc.id.goog[${a.namespace}/${a.name}]`,
        },
        { parent: this },
      );
    }

    this.serviceAccountEmail = account.email;
    this.serviceAccountAnnotations = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
    this.registerOutputs({ serviceAccountEmail: this.serviceAccountEmail, serviceAccountAnnotations: this.serviceAccountAnnotations });
  }
}
