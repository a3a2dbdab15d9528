export { HardenedNamespace, POD_SECURITY_LEVELS, DEFAULT_POD_SECURITY_VERSION, podSecurityVersion, validateHardenedNamespace } from "./hardenedNamespace";
export {
  esoNetworkPolicies,
  vaultNetworkPolicies,
  csiProviderNetworkPolicies,
  apiOnlyNetworkPolicies,
  sealedSecretsNetworkPolicies,
  networkPolicySettings,
  DNS_EGRESS,
  LINK_LOCAL_CIDR,
} from "./networkPolicies";
export type { PlatformNetworkPoliciesArgs, NetworkPolicyObject, EsoNetworkInput, VaultNetworkInput } from "./networkPolicies";
export type { HardenedNamespaceArgs, PodSecurityArgs } from "./hardenedNamespace";
export { SecretsPlatform, validateSecretsPlatform, platformStoreArgs, storeBoundAccount, controllerIdentityKinds, AUDIT_POLICY_CONFIGMAP, AUDIT_FLAGS_ANNOTATION, CLUSTER_KINDS } from "./secretsPlatform";
export type {
  SecretsPlatformArgs,
  PlatformEncryptionArgs,
  PlatformReencryptionArgs,
  PlatformVaultArgs,
  PlatformVaultConfigurationArgs,
  PlatformVaultRoleArgs,
  PlatformVaultRemoteClusterArgs,
  PlatformVaultStoreArgs,
  PlatformExternalSecretsArgs,
  PlatformSealedSecretsArgs,
  PlatformSealedSecretArgs,
  PlatformAuditArgs,
} from "./secretsPlatform";
export { SEALING_KEY_STORE_NAME, SEALING_KEY_STORE_ACCOUNT, SEALING_KEY_VAULT_ROLE, sealingKeyVaultRules } from "./sealingKeyStore";
export type { PlatformSealingKeyStoreArgs, SealingKeyAwsStoreArgs, SealingKeyGcpStoreArgs, SealingKeyAzureStoreArgs, SealingKeyVaultStoreArgs } from "./sealingKeyStore";
