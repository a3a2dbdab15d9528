export { HardenedNamespace, POD_SECURITY_LEVELS, validateHardenedNamespace } from "./hardenedNamespace";
export type { HardenedNamespaceArgs, PodSecurityArgs } from "./hardenedNamespace";
export { SecretsPlatform, validateSecretsPlatform, AUDIT_POLICY_CONFIGMAP, AUDIT_FLAGS_ANNOTATION, CLUSTER_KINDS } from "./secretsPlatform";
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
