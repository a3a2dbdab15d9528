import { createHash } from "node:crypto";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { boundServiceAccountsSchema, duplicateAccountProblems, ESO_MANAGED_BY, type BoundServiceAccountArgs } from "./common";

/** Built-in role "Key Vault Secrets User": read secret contents, nothing else. */
export const KEY_VAULT_SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6";
/** Audience of Azure AD workload identity federation. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
/**
 * A user-assigned identity accepts at most this many federated identity credentials: a fleet sharing
 * one identity across clusters runs out; use one identity per cluster (one of these components each).
 */
export const MAX_FEDERATED_CREDENTIALS_PER_IDENTITY = 20;
/**
 * The data actions ESO 2.9 needs to push one secret, and nothing else: `setKeyVaultSecret` (keyvault.go) and
 * `setKeyVaultSecretWithNewSDK` (keyvault_new_sdk.go) call GetSecret (latest version: tags and value, to
 * check `managed-by` and skip unchanged values) and then SetSecret (a new version). Names and meanings from
 * Microsoft's "Azure permissions for Security" (Microsoft.KeyVault): getSecret/action "Gets the value of a
 * secret", setSecret/action "Sets the value of a secret … a new version is created". No readMetadata (ESO
 * never lists), update, delete, purge, backup or restore: a PushSecret with `deletionPolicy: Delete` fails
 * its delete (keep the default `None`).
 */
export const ESO_PUSH_DATA_ACTIONS: readonly string[] = ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/setSecret/action"];
/** The tag ESO puts on what it pushes, and requires on an existing secret before it overwrites it (`canCreate`). */
export const ESO_MANAGED_BY_TAGS = ESO_MANAGED_BY;
/**
 * The value a push secret is created with (not sensitive): ESO sees a secret it manages with another value
 * and writes the Kubernetes Secret over it as a new version on its first sync. Until then the secret holds
 * only this text: whatever reads it back (a restore of the sealing key) finds no `tls.crt`/`tls.key`.
 */
export const PUSH_SECRET_PLACEHOLDER = "placeholder: External Secrets Operator writes this secret on its first PushSecret sync";

/** The parts of a Key Vault resource id (`/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>`). */
export function parseKeyVaultId(id: string): { subscriptionId: string; resourceGroupName: string; vaultName: string } {
  const m = KEY_VAULT_ID.exec(id);
  if (!m) throw new Error(`not a Key Vault resource id: "${id}"`);
  return { subscriptionId: m[1], resourceGroupName: m[2], vaultName: m[3] };
}

/** A stable GUID (RFC 4122 version 5 layout over SHA-1) for the given parts: the same stack, component and vault give the same role id. */
export function stableGuid(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("\n")).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Arguments of {@link AzureKeyVaultAccess}. */
export interface AzureKeyVaultAccessArgs {
  /** Resource group for the user-assigned identity. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region of the identity. Default: the resource group's. */
  location?: pulumi.Input<string>;
  /** Resource id of the Key Vault (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/<name>`). */
  keyVaultId: pulumi.Input<string>;
  /**
   * The Key Vault secrets the stores read (names, 1-127 letters, digits or `-`). "Key Vault Secrets User" is
   * assigned on each one (`<keyVaultId>/secrets/<name>`, a scope Key Vault RBAC supports), never on the whole
   * vault, so the identity reads exactly these. Required, at least one.
   */
  secretNames?: pulumi.Input<string>[];
  /**
   * The Key Vault secrets PushSecrets of the stores write (same names rule; none also in `secretNames`). Each
   * is created through ARM first (tag `managed-by: external-secrets`, a placeholder value
   * {@link PUSH_SECRET_PLACEHOLDER}, kept when the stack is destroyed, its value and tags never written back
   * by Pulumi), so that a custom role holding only {@link ESO_PUSH_DATA_ACTIONS} can be assigned on exactly
   * that secret before ESO first writes it. At least one of `secretNames` and `pushSecretNames`.
   */
  pushSecretNames?: pulumi.Input<string>[];
  /**
   * The `pushSecretNames` exist already and are not created, only assigned (e.g. a sealing-key backup this
   * cluster also imports: an ARM PUT would write the placeholder as the secret's newest version, which the
   * import would then read). Default `false`. A plain value.
   */
  pushSecretsExist?: boolean;
  /** The AKS cluster's OIDC issuer URL (`oidcIssuerProfile.issuerURL`), `https://`. */
  oidcIssuerUrl: pulumi.Input<string>;
  /**
   * The Kubernetes service accounts the identity trusts: the stores' own accounts, each with its own
   * federated credential (subject `system:serviceaccount:<ns>:<name>`, audience `api://AzureADTokenExchange`,
   * the audience ESO requests: providers/v1/azure/keyvault/keyvault.go). Required, 1 to 20 (SecretsPlatform
   * adds its stores' accounts).
   */
  serviceAccounts?: BoundServiceAccountArgs[];
  /** Name of the identity. Default: `<resource name>-eso`. */
  identityName?: pulumi.Input<string>;
  /** Tags on the identity. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Key Vault resource id, capturing subscription, resource group and vault name. */
const KEY_VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([A-Za-z0-9-]{3,24})$/i;
const SECRET_NAME = input(z.string().regex(/^[0-9A-Za-z-]{1,127}$/, { message: "must be a Key Vault secret name (1-127 letters, digits or '-'; no wildcards)" }));

const argsSchema = z.strictObject({
  resourceGroupName: input(z.string().min(1)),
  location: input(z.string().min(1)).optional(),
  keyVaultId: input(z.string().regex(KEY_VAULT_ID, { message: "must be a Key Vault resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)" })),
  oidcIssuerUrl: input(z.string().regex(/^https:\/\/\S+$/, { message: "must be an https:// URL" })),
  secretNames: z.array(SECRET_NAME).optional(),
  pushSecretNames: z.array(SECRET_NAME).optional(),
  pushSecretsExist: z.boolean().optional(),
  serviceAccounts: boundServiceAccountsSchema.max(MAX_FEDERATED_CREDENTIALS_PER_IDENTITY, { message: `an identity holds at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} federated credentials` }).optional(),
  identityName: input(z.string().min(3)).optional(),
  tags: z.any().optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateAzureKeyVaultAccess(args: AzureKeyVaultAccessArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.serviceAccounts === undefined) problems.push("serviceAccounts: list at least one service account (a store's own account)");
  if ((args.secretNames ?? []).length === 0 && (args.pushSecretNames ?? []).length === 0) {
    problems.push("secretNames: list at least one secret the stores read, or in pushSecretNames one they push (roles are assigned on each secret, not on the vault)");
  }
  const names = (args.secretNames ?? []).map((n) => known(n));
  names.forEach((n, i) => {
    if (typeof n === "string" && names.indexOf(n) !== i) problems.push(`secretNames[${i}]: duplicate "${n}"`);
  });
  // Key Vault secret names are case-insensitive: "Backup" and "backup" are one secret.
  const read = new Set(names.filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase()));
  const pushed = (args.pushSecretNames ?? []).map((n) => known(n));
  pushed.forEach((n, i) => {
    if (typeof n !== "string") return;
    if (pushed.findIndex((m) => typeof m === "string" && m.toLowerCase() === n.toLowerCase()) !== i) problems.push(`pushSecretNames[${i}]: duplicate "${n}"`);
    else if (read.has(n.toLowerCase())) problems.push(`pushSecretNames[${i}]: "${n}" is also in secretNames (list a secret once: a pushed secret is read through its push role)`);
  });
  problems.push(...duplicateAccountProblems("serviceAccounts", args.serviceAccounts));
  const scope = known(args.keyVaultId);
  if (typeof scope === "string" && scope.includes("*")) problems.push(`keyVaultId: wildcards are not allowed, got "${scope}"`);
  return problems;
}

/**
 * A user-assigned managed identity, one federated identity credential per listed service account (the
 * stores' own: issuer, `system:serviceaccount:<ns>:<sa>`, audience `api://AzureADTokenExchange`), and "Key
 * Vault Secrets User" on each listed secret of one vault (RBAC-mode vaults); for `pushSecretNames`, each
 * secret created through ARM and a custom GetSecret/SetSecret role assigned on it (ESO 2.9 PushSecret).
 * Give `storeServiceAccountAnnotations` to those accounts: ESO mints their tokens itself, so ESO's controller needs neither annotations nor the webhook's
 * pod label. An identity holds at most 20 federated credentials: use one per cluster in a fleet.
 */
export class AzureKeyVaultAccess extends pulumi.ComponentResource {
  /** Client id of the identity. */
  public readonly clientId: pulumi.Output<string>;
  /** Principal (object) id of the identity. */
  public readonly principalId: pulumi.Output<string>;
  /** Tenant of the identity. */
  public readonly tenantId: pulumi.Output<string>;
  /**
   * `azure.workload.identity/client-id` and `azure.workload.identity/tenant-id` (for an account whose store
   * sets no `tenantId`: ESO refuses a tenant given both in the store and on the account).
   */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  /** `azure.workload.identity/client-id` only, for the account of a store that sets `tenantId`. */
  public readonly storeServiceAccountAnnotations: pulumi.Output<Record<string, string>>;
  /** `{ "azure.workload.identity/use": "true" }`: only for pods that use the identity themselves (not ESO's stores). */
  public readonly podLabels: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AzureKeyVaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("AzureKeyVaultAccess", name, validateAzureKeyVaultAccess(args));
    super(typeToken("AzureKeyVaultAccess"), name, {}, opts);

    const client = authorization.getClientConfigOutput({ parent: this });
    const identity = new managedidentity.UserAssignedIdentity(
      childName(name, "identity"),
      { resourceGroupName: args.resourceGroupName, location: args.location, resourceName: args.identityName ?? `${name}-eso`, tags: args.tags },
      { parent: this },
    );

    // Federated credentials of one identity are written one at a time (Azure rejects concurrent writes).
    let previous: pulumi.Resource | undefined;
    for (const a of args.serviceAccounts!) {
      previous = new managedidentity.FederatedIdentityCredential(
        childName(name, `federated-${a.namespace}-${a.name}`),
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: identity.name,
          federatedIdentityCredentialResourceName: `${a.namespace}-${a.name}`.slice(0, 120),
          issuer: args.oidcIssuerUrl,
          subject: `system:serviceaccount:${a.namespace}:${a.name}`,
          audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
        },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
    }

    // One assignment per secret (Key Vault RBAC scope `<vault id>/secrets/<name>`): the identity reads exactly these.
    (args.secretNames ?? []).forEach((secretName, i) => {
      new authorization.RoleAssignment(
        childName(name, `secrets-user-${i}`),
        {
          scope: pulumi.interpolate`${args.keyVaultId}/secrets/${secretName}`,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`,
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          description: pulumi.interpolate`External Secrets Operator reads the secret ${secretName} of this vault`,
        },
        { parent: this },
      );
    });

    // Push: one custom role (GetSecret + SetSecret only) assignable in the vault's resource group, assigned on each
    // push secret, which ARM creates first so that the assignment has its `<vault id>/secrets/<name>` scope.
    const pushNames = args.pushSecretNames ?? [];
    if (pushNames.length > 0) {
      const vault = pulumi.output(args.keyVaultId).apply(parseKeyVaultId);
      const stack = pulumi.getStack();
      // The role's GUID is derived, not random: the assignments name it at preview, so the policy pack judges them.
      const roleGuid = pulumi.output(args.keyVaultId).apply((id) => stableGuid("kube-secrets-platform", "eso-push", pulumi.getProject(), stack, name, id.toLowerCase()));
      const role = new authorization.RoleDefinition(
        childName(name, "push-role"),
        {
          scope: pulumi.interpolate`/subscriptions/${vault.subscriptionId}`,
          roleDefinitionId: roleGuid,
          // Role names are unique in the tenant: the stack and the vault keep two stacks' components apart.
          roleName: vault.vaultName.apply((v) => `ESO push ${name} on ${v} (stack ${stack})`.slice(0, 128)),
          roleType: "CustomRole",
          description: pulumi.interpolate`External Secrets Operator pushes (GetSecret, SetSecret) the secrets it is assigned on, in ${args.keyVaultId}`,
          // The vault's resource group: a documented assignable scope for custom roles (management group,
          // subscription, resource group); the role is still only assigned on single secrets.
          assignableScopes: [pulumi.interpolate`/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroupName}`],
          permissions: [{ actions: [], notActions: [], dataActions: [...ESO_PUSH_DATA_ACTIONS], notDataActions: [] }],
        },
        { parent: this },
      );
      const roleDefinitionId = pulumi.interpolate`/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
      pushNames.forEach((secretName, i) => {
        const plain = known(secretName);
        const key = typeof plain === "string" ? plain : `#${i}`;
        const secret = args.pushSecretsExist ? undefined : new keyvault.Secret(
          childName(name, `push-secret-${key}`),
          {
            resourceGroupName: vault.resourceGroupName,
            vaultName: vault.vaultName,
            secretName,
            properties: { value: PUSH_SECRET_PLACEHOLDER },
            tags: { ...ESO_MANAGED_BY_TAGS },
          },
          // ESO writes the versions after this one (and its tags): Pulumi never writes the placeholder back, and
          // the backup outlives the stack.
          { parent: this, retainOnDelete: true, ignoreChanges: ["properties", "tags"] },
        );
        new authorization.RoleAssignment(
          childName(name, `push-${key}`),
          {
            scope: pulumi.interpolate`${args.keyVaultId}/secrets/${secretName}`,
            roleDefinitionId,
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            description: pulumi.interpolate`External Secrets Operator pushes the secret ${secretName} of this vault`,
          },
          { parent: this, dependsOn: secret ? [secret, role] : [role] },
        );
      });
    }

    this.clientId = identity.clientId;
    this.principalId = identity.principalId;
    this.tenantId = identity.tenantId;
    this.serviceAccountAnnotations = pulumi
      .all([identity.clientId, identity.tenantId])
      .apply(([clientId, tenantId]): Record<string, string> => ({ "azure.workload.identity/client-id": clientId, "azure.workload.identity/tenant-id": tenantId }));
    this.storeServiceAccountAnnotations = identity.clientId.apply((clientId): Record<string, string> => ({ "azure.workload.identity/client-id": clientId }));
    this.podLabels = pulumi.output<Record<string, string>>({ "azure.workload.identity/use": "true" });
    this.registerOutputs({
      clientId: this.clientId,
      principalId: this.principalId,
      tenantId: this.tenantId,
      serviceAccountAnnotations: this.serviceAccountAnnotations,
      storeServiceAccountAnnotations: this.storeServiceAccountAnnotations,
      podLabels: this.podLabels,
    });
  }
}
