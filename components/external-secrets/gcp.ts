import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";
import { DEFAULT_ESO_NAMESPACE, DEFAULT_ESO_SERVICE_ACCOUNT } from "./common";

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
  /** Namespace of ESO's service account. Default `external-secrets`. */
  namespace?: pulumi.Input<string>;
  /** ESO's controller service account. Default `external-secrets`. */
  serviceAccountName?: pulumi.Input<string>;
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;

const argsSchema = z.strictObject({
  project: input(z.string().min(1)),
  secretProject: input(z.string().min(1)).optional(),
  secrets: z.array(z.string()).min(1, { message: "list at least one secret id" }),
  accountId: input(z.string().regex(ACCOUNT_ID, { message: "must be 6-30 lower-case letters, digits and '-', starting with a letter" })).optional(),
  namespace: input(z.string().min(1)).optional(),
  serviceAccountName: input(z.string().min(1)).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateGcpSecretManagerAccess(args: GcpSecretManagerAccessArgs): string[] {
  const problems = zodProblems(argsSchema, args);
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
 * A Google service account for ESO with `roles/secretmanager.secretAccessor` on each listed secret (not
 * on the project) and `roles/iam.workloadIdentityUser` for ESO's Kubernetes service account through GKE
 * Workload Identity. Give `serviceAccountAnnotations` to the operator's `serviceAccount.annotations`.
 */
export class GcpSecretManagerAccess extends pulumi.ComponentResource {
  /** Email of the Google service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** `{ "iam.gke.io/gcp-service-account": <email> }` for ESO's service account. */
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

    new gcp.serviceaccount.IAMMember(
      childName(name, "workload-identity"),
      {
        serviceAccountId: account.name,
        role: "roles/iam.workloadIdentityUser",
        member: pulumi.interpolate`serviceAccount:${args.project}.svc.id.goog[${args.namespace ?? DEFAULT_ESO_NAMESPACE}/${args.serviceAccountName ?? DEFAULT_ESO_SERVICE_ACCOUNT}]`,
      },
      { parent: this },
    );

    this.serviceAccountEmail = account.email;
    this.serviceAccountAnnotations = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
    this.registerOutputs({ serviceAccountEmail: this.serviceAccountEmail, serviceAccountAnnotations: this.serviceAccountAnnotations });
  }
}
