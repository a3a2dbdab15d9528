/**
 * Encryption at rest of Kubernetes Secrets on the managed clusters, and the KMS keys behind it. Each
 * policy checks the raw inputs of the cloud resource (no component needed).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: "EKS clusters envelope-encrypt `secrets` with a KMS key (encryptionConfig).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set `encryptionConfig: { resources: [\"secrets\"], provider: { keyArn } }` (EksSecretsEncryption outputs it). It cannot be removed once enabled.",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:eks/cluster:Cluster") return;
    const cfg = args.props.encryptionConfig;
    if (!cfg) return reportViolation(`EKS cluster ${args.name}: encryptionConfig is not set, Secrets are stored unencrypted by a customer key`);
    if (!(cfg.resources ?? []).includes("secrets")) reportViolation(`EKS cluster ${args.name}: encryptionConfig.resources must include "secrets", got ${JSON.stringify(cfg.resources ?? [])}`);
    if (!cfg.provider?.keyArn) reportViolation(`EKS cluster ${args.name}: encryptionConfig.provider.keyArn is not set`);
  },
};

export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation-and-deletion-window",
  description: "KMS keys rotate automatically and keep a long deletion window (AWS KMS keys, GCP CryptoKeys).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "AWS: `enableKeyRotation: true`, `deletionWindowInDays` >= the configured minimum (default 30). GCP: `rotationPeriod` at most 90 days (7776000s).",
  configSchema: {
    properties: {
      minimumDeletionWindowDays: { type: "number", default: 30, minimum: 7, maximum: 30 },
      maximumRotationPeriodDays: { type: "number", default: 90, minimum: 1, maximum: 365 },
    },
  },
  validateResource: (args, reportViolation) => {
    const { minimumDeletionWindowDays, maximumRotationPeriodDays } = args.getConfig<{ minimumDeletionWindowDays: number; maximumRotationPeriodDays: number }>();
    if (args.type === "aws:kms/key:Key") {
      const symmetric = (args.props.customerMasterKeySpec ?? args.props.keySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
      if (symmetric && args.props.enableKeyRotation !== true) reportViolation(`KMS key ${args.name}: enableKeyRotation must be true, got ${String(args.props.enableKeyRotation)}`);
      const window = args.props.deletionWindowInDays ?? 30;
      if (window < minimumDeletionWindowDays) reportViolation(`KMS key ${args.name}: deletionWindowInDays must be >= ${minimumDeletionWindowDays}, got ${window}`);
    } else if (args.type === "gcp:kms/cryptoKey:CryptoKey") {
      const period = args.props.rotationPeriod as string | undefined;
      const seconds = period ? Number(period.replace(/s$/, "")) : undefined;
      if (seconds === undefined || !Number.isFinite(seconds) || seconds > maximumRotationPeriodDays * 86400) {
        reportViolation(`CryptoKey ${args.name}: rotationPeriod must be at most ${maximumRotationPeriodDays * 86400}s, got ${period ?? "unset"}`);
      }
    }
  },
};

export const gkeDatabaseEncryption: ResourceValidationPolicy = {
  name: "gke-database-encryption",
  description: "GKE clusters encrypt Secrets in etcd with a Cloud KMS key (databaseEncryption ENCRYPTED).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set `databaseEncryption: { state: \"ENCRYPTED\", keyName }` (GkeSecretsEncryption outputs it).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "gcp:container/cluster:Cluster") return;
    const db = args.props.databaseEncryption;
    if (db?.state !== "ENCRYPTED") reportViolation(`GKE cluster ${args.name}: databaseEncryption.state must be ENCRYPTED, got ${db?.state ?? "unset"}`);
    else if (!db.keyName) reportViolation(`GKE cluster ${args.name}: databaseEncryption.keyName is not set`);
  },
};

export const aksKmsEncryption: ResourceValidationPolicy = {
  name: "aks-kms-encryption",
  description: "AKS clusters encrypt Secrets with Azure Key Vault KMS (securityProfile.azureKeyVaultKms).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set `securityProfile.azureKeyVaultKms: { enabled: true, keyId, keyVaultNetworkAccess }` (AksSecretsEncryption outputs it).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:containerservice:ManagedCluster") return;
    const kms = args.props.securityProfile?.azureKeyVaultKms;
    if (kms?.enabled !== true) reportViolation(`AKS cluster ${args.name}: securityProfile.azureKeyVaultKms.enabled must be true, got ${String(kms?.enabled)}`);
    else if (!kms.keyId) reportViolation(`AKS cluster ${args.name}: securityProfile.azureKeyVaultKms.keyId is not set`);
  },
};

export const keyVaultPurgeProtection: ResourceValidationPolicy = {
  name: "key-vault-purge-protection",
  description: "Azure Key Vaults holding KMS keys have purge protection (and soft delete) on.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set `properties.enablePurgeProtection: true` and keep `enableSoftDelete` true; a purged KMS key makes every Secret in the cluster unreadable.",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:keyvault:Vault") return;
    const p = args.props.properties ?? {};
    if (p.enablePurgeProtection !== true) reportViolation(`Key Vault ${args.name}: properties.enablePurgeProtection must be true, got ${String(p.enablePurgeProtection)}`);
    if (p.enableSoftDelete === false) reportViolation(`Key Vault ${args.name}: properties.enableSoftDelete must not be false`);
  },
};
