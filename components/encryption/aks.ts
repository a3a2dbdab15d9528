import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ISO_DURATION } from "../internal/duration";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";

/** Built-in role "Key Vault Crypto User": cryptographic operations with keys, nothing else. */
export const KEY_VAULT_CRYPTO_USER_ROLE_ID = "12338af0-0e69-4776-bea7-57ae8d297424";
/** Built-in role "Key Vault Contributor": manages the vault (AKS needs it to set up private link to a private vault). */
export const KEY_VAULT_CONTRIBUTOR_ROLE_ID = "f25e0fa2-a7c8-4377-a976-54943a77a395";

/** A Key Vault that already exists (instead of creating one). */
export interface AksExistingKeyVaultArgs {
  /** Vault name. */
  name: pulumi.Input<string>;
  /** Resource group of the vault. */
  resourceGroupName: pulumi.Input<string>;
  /**
   * The vault's resource id. Required when `keyVaultNetworkAccess` is `Private` (AKS reaches a private vault
   * by id); otherwise derived from the subscription, resource group and name.
   */
  resourceId?: pulumi.Input<string>;
}

/** Arguments of `AksSecretsEncryption`. */
export interface AksSecretsEncryptionArgs {
  /** Resource group for the vault (when created) and the identity. Required. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. Default: the resource group's location. */
  location?: pulumi.Input<string>;
  /** Entra tenant of the vault. Default: the provider's tenant (BYO vaults from other tenants are not supported by AKS). */
  tenantId?: pulumi.Input<string>;
  /**
   * `Public` (the vault accepts traffic from all networks; AKS does not support vault firewalls that allow only
   * some networks) or `Private` (public access disabled; the cluster needs API Server VNet Integration).
   * Cannot be changed on a cluster without turning KMS off first. Default `Public`. A plain value: it decides
   * whether the "Key Vault Contributor" assignment exists.
   */
  keyVaultNetworkAccess?: string;
  /** Use this vault instead of creating one. */
  existingKeyVault?: AksExistingKeyVaultArgs;
  /** Name of the created vault, 3–24 characters. Default: auto-named from the resource name. */
  keyVaultName?: pulumi.Input<string>;
  /** Soft-delete retention of the created vault, 7–90 days. Default `90`. */
  softDeleteRetentionInDays?: pulumi.Input<number>;
  /** Key name. Default `aks-kms`. */
  keyName?: pulumi.Input<string>;
  /** RSA key size: 2048, 3072 or 4096. Default `2048`. */
  keySize?: pulumi.Input<number>;
  /** ISO 8601 duration after creation at which Key Vault rotates the key. Default `P90D`. */
  rotateAfter?: pulumi.Input<string>;
  /** ISO 8601 lifetime of each key version (after rotation is due). Default `P1Y`. */
  keyExpiresAfter?: pulumi.Input<string>;
  /** Tags for the created resources. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const argsSchema = z.strictObject({
  resourceGroupName: input(z.string().min(1)),
  location: input(z.string()).optional(),
  tenantId: input(z.string().uuid({ message: "must be a tenant id (UUID)" })).optional(),
  keyVaultNetworkAccess: z.enum(["Public", "Private"], { error: (i) => `must be Public or Private, got ${JSON.stringify(i.input)}` }).optional(),
  existingKeyVault: z.strictObject({ name: input(z.string()), resourceGroupName: input(z.string()), resourceId: input(z.string()).optional() }).optional(),
  keyVaultName: input(z.string().regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, { message: "must be 3-24 letters, digits and single '-', starting with a letter" })).optional(),
  softDeleteRetentionInDays: input(z.number().int().min(7, { message: "must be between 7 and 90" }).max(90, { message: "must be between 7 and 90" })).optional(),
  keyName: input(z.string().regex(/^[a-zA-Z0-9-]{1,127}$/, { message: "must be 1-127 letters, digits or '-'" })).optional(),
  keySize: input(z.number().refine((n) => [2048, 3072, 4096].includes(n), { error: (i) => `must be 2048, 3072 or 4096, got ${JSON.stringify(i.input)}` })).optional(),
  rotateAfter: input(z.string().regex(ISO_DURATION, { message: "must be an ISO 8601 duration such as P90D" })).optional(),
  keyExpiresAfter: input(z.string().regex(ISO_DURATION, { message: "must be an ISO 8601 duration such as P1Y" })).optional(),
  tags: z.any().optional(),
});

/** Every problem with `args` as `field.path: rule, got X` strings ([] when valid). */
export function validateAksSecretsEncryption(args: AksSecretsEncryptionArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.keyVaultNetworkAccess === "Private" && args.existingKeyVault && args.existingKeyVault.resourceId === undefined) {
    problems.push("existingKeyVault.resourceId: is required when keyVaultNetworkAccess is Private (AKS reaches a private vault by resource id), got undefined");
  }
  if (args.existingKeyVault && (args.keyVaultName !== undefined || args.softDeleteRetentionInDays !== undefined)) {
    problems.push("keyVaultName: keyVaultName and softDeleteRetentionInDays apply only to a created vault, not to existingKeyVault");
  }
  return problems;
}

/** The `securityProfile.azureKeyVaultKms` fragment of an azure-native `ManagedCluster`. */
export interface AzureKeyVaultKmsFragment {
  /** Always `true`. */
  enabled: boolean;
  /** Versioned key identifier. */
  keyId: string;
  /** `Public` or `Private`. */
  keyVaultNetworkAccess: string;
  /** The vault's resource id, set only when `Private`. */
  keyVaultResourceId?: string;
}

/** The `securityProfile` fragment of an azure-native `ManagedCluster`. */
export interface AksSecurityProfileFragment {
  /** Azure Key Vault KMS settings. */
  azureKeyVaultKms: AzureKeyVaultKmsFragment;
}

/** The key's name when `keyName` is not given. */
const DEFAULT_AKS_KEY_NAME = "aks-kms";

/**
 * Azure Key Vault KMS etcd encryption for AKS: a Key Vault (RBAC authorization, soft delete, purge protection,
 * public network access per `keyVaultNetworkAccess`) or an existing one, an RSA key (2048+) with a rotation
 * policy, a user-assigned identity, and "Key Vault Crypto User" for that identity scoped to the key (plus
 * "Key Vault Contributor" for a private vault, which AKS needs to set up private link).
 *
 * Use `securityProfile` as `ManagedCluster.securityProfile` and `identityId` as the cluster's
 * control-plane identity (`identity: { type: "UserAssigned", userAssignedIdentities: [identityId] }`): AKS KMS
 * does not work with a system-assigned identity. Limits: with the legacy KMS (v1) plugin a cluster holds at
 * most 2,000 Secrets (KMS v2 clusters, Kubernetes 1.27+, do not have that cap); deleting the key, vault or
 * identity breaks the cluster; the keyId is versioned: it is read from the key's current version on every run,
 * so the `pulumi up` after Key Vault rotates the key (every `rotateAfter`) updates the cluster to it. Existing Secrets are not rewritten by AKS: run `SecretsReencryption`.
 */
export class AksSecretsEncryption extends pulumi.ComponentResource {
  /** The versioned key identifier (`https://<vault>.vault.azure.net/keys/<name>/<version>`). */
  public readonly keyId: pulumi.Output<string>;
  /** The vault's resource id. */
  public readonly keyVaultResourceId: pulumi.Output<string>;
  /** Resource id of the user-assigned identity the cluster must use. */
  public readonly identityId: pulumi.Output<string>;
  /** Principal (object) id of that identity. */
  public readonly identityPrincipalId: pulumi.Output<string>;
  /** `{ azureKeyVaultKms: { enabled, keyId, keyVaultNetworkAccess, keyVaultResourceId (Private only) } }`. */
  public readonly securityProfile: pulumi.Output<AksSecurityProfileFragment>;

  constructor(name: string, args: AksSecretsEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("AksSecretsEncryption", name, validateAksSecretsEncryption(args));
    super(typeToken("AksSecretsEncryption"), name, {}, opts);

    const client = authorization.getClientConfigOutput({ parent: this });
    const access = args.keyVaultNetworkAccess ?? "Public";
    const isPrivate = access === "Private";

    let vaultName: pulumi.Output<string>;
    let vaultResourceGroup: pulumi.Output<string>;
    if (args.existingKeyVault) {
      const existing = args.existingKeyVault;
      vaultName = pulumi.output(existing.name);
      vaultResourceGroup = pulumi.output(existing.resourceGroupName);
      this.keyVaultResourceId = existing.resourceId
        ? pulumi.output(existing.resourceId)
        : pulumi.interpolate`/subscriptions/${client.subscriptionId}/resourceGroups/${existing.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${existing.name}`;
    } else {
      const vault = new keyvault.Vault(
        childName(name, "vault"),
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          vaultName: args.keyVaultName,
          properties: {
            tenantId: args.tenantId ?? client.tenantId,
            sku: { family: "A", name: "standard" },
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: args.softDeleteRetentionInDays ?? 90,
            enablePurgeProtection: true,
            enabledForDeployment: false,
            enabledForDiskEncryption: false,
            enabledForTemplateDeployment: false,
            publicNetworkAccess: isPrivate ? "Disabled" : "Enabled",
            networkAcls: { bypass: "AzureServices", defaultAction: isPrivate ? "Deny" : "Allow" },
          },
          tags: args.tags,
        },
        { parent: this },
      );
      vaultName = vault.name;
      vaultResourceGroup = pulumi.output(args.resourceGroupName);
      this.keyVaultResourceId = vault.id;
    }

    const key = new keyvault.Key(
      childName(name, "key"),
      {
        resourceGroupName: vaultResourceGroup,
        vaultName,
        keyName: args.keyName ?? DEFAULT_AKS_KEY_NAME,
        properties: {
          kty: "RSA",
          keySize: args.keySize ?? 2048,
          keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
          attributes: { enabled: true },
          rotationPolicy: {
            attributes: { expiryTime: args.keyExpiresAfter ?? "P1Y" },
            lifetimeActions: [
              { action: { type: "rotate" }, trigger: { timeAfterCreate: args.rotateAfter ?? "P90D" } },
              { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
            ],
          },
        },
        tags: args.tags,
      },
      { parent: this },
    );
    // AKS takes a versioned key id and does not follow Key Vault's rotation by itself. The key's current
    // version is read on every run (ordered after the key), so the `pulumi up` after a rotation hands the
    // cluster the new version; the old one stays usable for reads until the rewrite Job ran.
    const current = keyvault.getKeyOutput(
      { resourceGroupName: vaultResourceGroup, vaultName, keyName: args.keyName ?? DEFAULT_AKS_KEY_NAME },
      { parent: this, dependsOn: [key] },
    );
    this.keyId = current.keyUriWithVersion;

    const identity = new managedidentity.UserAssignedIdentity(
      childName(name, "identity"),
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    this.identityId = identity.id;
    this.identityPrincipalId = identity.principalId;

    const roleDefinition = (id: string) => pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
    const assignments: pulumi.Resource[] = [
      new authorization.RoleAssignment(
        childName(name, "crypto-user"),
        {
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: roleDefinition(KEY_VAULT_CRYPTO_USER_ROLE_ID),
          // On the key itself (Key Vault RBAC scope `<vault id>/keys/<name>`), not the vault: the identity
          // uses exactly the cluster's key.
          scope: pulumi.interpolate`${this.keyVaultResourceId}/keys/${args.keyName ?? DEFAULT_AKS_KEY_NAME}`,
          description: "AKS KMS etcd encryption: encrypt/decrypt with the cluster's key",
        },
        { parent: this },
      ),
    ];
    if (isPrivate) {
      assignments.push(
        new authorization.RoleAssignment(
          childName(name, "vault-contributor"),
          {
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinition(KEY_VAULT_CONTRIBUTOR_ROLE_ID),
            scope: this.keyVaultResourceId,
            description: "AKS KMS etcd encryption: private link to the private key vault",
          },
          { parent: this },
        ),
      );
    }

    // Derived from the role assignments too, so the cluster is created only once the identity may use the key.
    this.securityProfile = pulumi
      .all([this.keyId, this.keyVaultResourceId, ...assignments.map((a) => (a as authorization.RoleAssignment).id)])
      .apply(([keyId, vaultId]): AksSecurityProfileFragment => ({
        azureKeyVaultKms: {
          enabled: true,
          keyId,
          keyVaultNetworkAccess: access,
          ...(isPrivate ? { keyVaultResourceId: vaultId } : {}),
        },
      }));

    this.registerOutputs({
      keyId: this.keyId,
      keyVaultResourceId: this.keyVaultResourceId,
      identityId: this.identityId,
      identityPrincipalId: this.identityPrincipalId,
      securityProfile: this.securityProfile,
    });
  }
}
