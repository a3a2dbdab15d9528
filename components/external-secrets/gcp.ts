import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";
import { boundServiceAccountsSchema, duplicateAccountProblems, ESO_MANAGED_BY, type BoundServiceAccountArgs } from "./common";

/** Arguments of {@link GcpSecretManagerAccess}. */
export interface GcpSecretManagerAccessArgs {
  /** Project of the GKE cluster: hosts the Google service account and the `<project>.svc.id.goog` workload pool. */
  project: pulumi.Input<string>;
  /** Project holding the secrets. Default: `project`. */
  secretProject?: pulumi.Input<string>;
  /**
   * Secret Manager secret ids ESO may read (`db-password`, not a full resource name). Each gets its own
   * `roles/secretmanager.secretAccessor` binding on that secret, never on the project. Plain values (each
   * decides a binding). At least one secret in `secrets` or `pushSecrets`.
   */
  secrets?: string[];
  /**
   * Secret Manager secret ids ESO may write through a `PushSecret` (e.g. the Sealed Secrets key backup):
   * same rules as `secrets` (plain ids, no wildcards, no duplicates) and not also listed there. Default none.
   *
   * What ESO 2.9 calls on push (external-secrets v2.9.0 providers/v1/gcp/secretmanager/client.go
   * `PushSecret`, push_secret.go): `GetSecret` (`secretmanager.secrets.get`); when the secret is missing,
   * `CreateSecret` on the project (`secretmanager.secrets.create`, which only a project-level grant gives,
   * so it is never granted); for a push without `property` it refuses a secret without the label
   * `managed-by: external-secrets` and calls `UpdateSecret` (`secretmanager.secrets.update`, never granted:
   * it could also set `expireTime`/`ttl` and have Google delete the backup) whenever the secret's labels,
   * annotations or topics differ from what the PushSecret asks for (its metadata's labels plus
   * `managed-by`; with no metadata, exactly `{ managed-by: external-secrets }`, no annotations, no topics);
   * then `AccessSecretVersion` on `versions/latest` (`secretmanager.versions.access`, NotFound tolerated) to
   * skip an unchanged payload, and `AddSecretVersion` (`secretmanager.versions.add`).
   *
   * So each listed secret is created here, in `secretProject` (default `project`), with automatic
   * replication and labels exactly `{ "managed-by": "external-secrets" }`, and the Google service account
   * gets three bindings on that secret only (never on the project): `roles/secretmanager.viewer`
   * (`secrets.get`; also `versions.list`, which `updatePolicy: IfNotExists` needs), `roles/secretmanager.secretAccessor`
   * (`versions.access`; it also lets an ExternalSecret read the backup back) and
   * `roles/secretmanager.secretVersionAdder` (`versions.add`). The secret has `retainOnDelete`: a backup
   * survives `pulumi destroy` and its removal from this list (the bindings go; the secret and its versions
   * stay in Secret Manager).
   *
   * A push with `property` works too: ESO then keeps the secret's labels, annotations and topics and only
   * adds `managed-by`, already there.
   *
   * Requirements this grant relies on: the PushSecret's provider metadata (if any) sets no labels,
   * annotations or topics; its `deletionPolicy` is `None` (`Delete` needs `secrets.delete`); the store is
   * global (no `location`: regional secrets are other resources) with `projectID` the secrets' project;
   * and the gcp provider adds no labels of its own. pulumi-gcp 8+ adds
   * `goog-pulumi-provisioned: "true"` to every resource it creates unless `addPulumiAttributionLabel` is
   * `false`, and adds its `defaultLabels`: either makes ESO call UpdateSecret on every push, which fails.
   * With the default provider this is checked (`gcp:addPulumiAttributionLabel` must be `false`,
   * `gcp:defaultLabels` unset or empty); an explicit gcp provider (this component's or a parent's) cannot be
   * read at construction and must be configured so by hand.
   */
  pushSecrets?: string[];
  /**
   * The `pushSecrets` exist already (e.g. a sealing-key backup this cluster also imports): they are not
   * created (a create would fail with ALREADY_EXISTS), only bound. Their labels must then be exactly
   * `managed-by: external-secrets` (a secret created by this component with the attribution label off is).
   * Default `false`. A plain value.
   */
  pushSecretsExist?: boolean;
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
  secrets: z.array(z.string()).optional(),
  pushSecrets: z.array(z.string()).optional(),
  pushSecretsExist: z.boolean().optional(),
  accountId: input(z.string().regex(ACCOUNT_ID, { message: "must be 6-30 lower-case letters, digits and '-', starting with a letter" })).optional(),
  serviceAccounts: boundServiceAccountsSchema.optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateGcpSecretManagerAccess(args: GcpSecretManagerAccessArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.serviceAccounts === undefined) problems.push("serviceAccounts: list at least one service account (a store's own account)");
  problems.push(...duplicateAccountProblems("serviceAccounts", args.serviceAccounts));
  const reads = Array.isArray(args.secrets) ? args.secrets : [];
  const pushes = Array.isArray(args.pushSecrets) ? args.pushSecrets : [];
  if (reads.length === 0 && pushes.length === 0) problems.push("secrets: list at least one secret id (or pushSecrets)");
  const ids = (field: string, list: unknown[]) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (typeof s !== "string") return;
      if (s.includes("*")) problems.push(`${field}[${i}]: wildcards are not allowed (list each secret), got "${s}"`);
      else if (!SECRET_ID.test(s)) problems.push(`${field}[${i}]: must be a Secret Manager secret id (letters, digits, '_' and '-'), got "${s}"`);
      if (seen.has(s)) problems.push(`${field}[${i}]: duplicate secret "${s}"`);
      seen.add(s);
    });
  };
  ids("secrets", reads);
  ids("pushSecrets", pushes);
  pushes.forEach((s, i) => {
    if (typeof s === "string" && reads.includes(s)) problems.push(`pushSecrets[${i}]: "${s}" is also in secrets (a push secret is readable through its own bindings; list it once)`);
  });
  return problems;
}

/**
 * The Secret Manager roles bound on each push secret (see {@link GcpSecretManagerAccessArgs.pushSecrets}), by
 * the ESO call each serves. The keys name the bindings (`<name>-push-<key>-<secret id>`).
 */
export const GCP_PUSH_SECRET_ROLES: Readonly<Record<string, string>> = {
  /** GetSecret (`secretmanager.secrets.get`). */
  viewer: "roles/secretmanager.viewer",
  /** AccessSecretVersion on `versions/latest` (`secretmanager.versions.access`). */
  accessor: "roles/secretmanager.secretAccessor",
  /** AddSecretVersion (`secretmanager.versions.add`). */
  "version-adder": "roles/secretmanager.secretVersionAdder",
};


const SECRET_TYPE = "gcp:secretmanager/secret:Secret";

/** Whether the secrets would be created by an explicit gcp provider (this component's, or inherited from its parent). */
function explicitGcpProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  const providers = opts?.providers;
  const own = [opts?.provider, ...(Array.isArray(providers) ? providers : Object.values(providers ?? {}))];
  return own.some((p) => gcp.Provider.isInstance(p)) || opts?.parent?.getProvider(SECRET_TYPE) !== undefined;
}

/**
 * Labels the default gcp provider would add to the push secrets (its attribution label and
 * `defaultLabels`), each making ESO call UpdateSecret, which is not granted. [] with no push secrets or
 * an explicit gcp provider (whose arguments cannot be read here).
 */
function providerLabelProblems(args: GcpSecretManagerAccessArgs, opts: pulumi.ComponentResourceOptions | undefined): string[] {
  if (!Array.isArray(args.pushSecrets) || args.pushSecrets.length === 0 || args.pushSecretsExist || explicitGcpProvider(opts)) return [];
  const why = "so ESO finds labels other than managed-by on every push and calls UpdateSecret (secretmanager.secrets.update, not granted), which fails";
  const problems: string[] = [];
  if (gcp.config.addPulumiAttributionLabel !== false) {
    problems.push(
      `pushSecrets: the default gcp provider labels every secret it creates goog-pulumi-provisioned=true (gcp:addPulumiAttributionLabel is not false), ${why}; ` +
        "set gcp:addPulumiAttributionLabel to false, or give this component a gcp provider with addPulumiAttributionLabel: false",
    );
  }
  const defaults = Object.keys(gcp.config.defaultLabels ?? {});
  if (defaults.length > 0) {
    problems.push(`pushSecrets: the default gcp provider adds its defaultLabels (${defaults.join(", ")}) to every secret it creates, ${why}; unset gcp:defaultLabels, or give this component a gcp provider without defaultLabels`);
  }
  return problems;
}

function defaultAccountId(name: string): string {
  const id = `eso-${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 30).replace(/-+$/, "");
  return id.length >= 6 ? id : `${id}-gsa`.slice(0, 30);
}

/**
 * A Google service account with `roles/secretmanager.secretAccessor` on each listed secret (not on the
 * project) and `roles/iam.workloadIdentityUser` for exactly the listed Kubernetes service accounts (the
 * stores' own) through GKE Workload Identity. Give `serviceAccountAnnotations` to those accounts. With
 * `pushSecrets`, it also creates those secrets (kept on delete) and binds on each exactly what an ESO
 * PushSecret needs (see {@link GcpSecretManagerAccessArgs.pushSecrets}).
 */
export class GcpSecretManagerAccess extends pulumi.ComponentResource {
  /** Email of the Google service account. */
  public readonly serviceAccountEmail: pulumi.Output<string>;
  /** `{ "iam.gke.io/gcp-service-account": <email> }` for the stores' accounts (ESO impersonates it with their tokens). */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  /** Ids of the secrets created for `pushSecrets` (the PushSecret's `remoteKey`s), in order; [] without. */
  public readonly pushSecretIds: pulumi.Output<string[]>;

  constructor(name: string, args: GcpSecretManagerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("GcpSecretManagerAccess", name, [...validateGcpSecretManagerAccess(args), ...providerLabelProblems(args, opts)]);
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

    const secretProject = args.secretProject ?? args.project;
    for (const secret of args.secrets ?? []) {
      new gcp.secretmanager.SecretIamMember(
        childName(name, `accessor-${secret}`),
        { project: secretProject, secretId: secret, role: "roles/secretmanager.secretAccessor", member },
        { parent: this },
      );
    }

    const pushed = (args.pushSecrets ?? []).map((id) => {
      // Created here (ESO's own CreateSecret needs secrets.create on the project) with exactly the labels
      // ESO compares with, so it never calls UpdateSecret. Kept on delete: it is a backup.
      const secretId: pulumi.Input<string> = args.pushSecretsExist
        ? id
        : new gcp.secretmanager.Secret(
            childName(name, `push-secret-${id}`),
            { project: secretProject, secretId: id, replication: { auto: {} }, labels: { ...ESO_MANAGED_BY } },
            { parent: this, retainOnDelete: true },
          ).secretId;
      for (const [what, role] of Object.entries(GCP_PUSH_SECRET_ROLES)) {
        new gcp.secretmanager.SecretIamMember(childName(name, `push-${what}-${id}`), { project: secretProject, secretId, role, member }, { parent: this });
      }
      return pulumi.output(secretId);
    });

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
    this.pushSecretIds = pulumi.output(pushed);
    this.registerOutputs({ serviceAccountEmail: this.serviceAccountEmail, serviceAccountAnnotations: this.serviceAccountAnnotations, pushSecretIds: this.pushSecretIds });
  }
}
