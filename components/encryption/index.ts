// Encryption at rest: KMS keys for EKS/GKE/AKS, EncryptionConfiguration for self-managed clusters, and the
// Secret rewrite Job.
export {
  validateEncryptionConfiguration,
  base64DecodedLength,
  ENCRYPTION_PROVIDER_KINDS,
  KEY_SIZES,
  type EncryptionConfiguration,
  type EncryptionResourceConfiguration,
  type EncryptionProviderConfiguration,
  type KmsProviderConfiguration,
  type EncryptionKey,
} from "./encryptionConfiguration";
export * from "./selfManaged";
export * from "./reencryption";
export * from "./eks";
export * from "./gke";
export * from "./aks";
