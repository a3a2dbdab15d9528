/**
 * Encryption at rest of Kubernetes Secrets on the managed clusters, and the KMS keys behind it. Each
 * policy checks the raw inputs of the cloud resource (no component needed).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

/**
 * The component an adopted cluster's observed state is registered on (stacks/adopted.ts): Pulumi sends
 * neither read resources nor invoke results to a pack, so the stack records what it read as this
 * component's `observed` input, with the cloud resource's field names.
 */
export const ADOPTED_CLUSTER_TYPE = "kube-secrets-platform:index:AdoptedCluster";

/** The observed state of an adopted cluster of `kind`, when `args` is one. */
export function adoptedState(args: { type: string; props: Record<string, any> }, kind: string): Record<string, any> | undefined {
  if (args.type !== ADOPTED_CLUSTER_TYPE) return undefined;
  const observed = args.props.observed;
  return observed?.kind === kind ? observed : undefined;
}

/**
 * What a cluster policy judges in `args`: a cloud cluster resource of `type` (its inputs) or an adopted
 * cluster of `kind` (its observed state, with the same field names), and how messages name it; undefined
 * for any other resource.
 */
export function judgedCluster(
  args: { type: string; name: string; props: Record<string, any> },
  type: string,
  kind: string,
  label: string,
): { props: Record<string, any>; what: string } | undefined {
  const adopted = adoptedState(args, kind);
  if (adopted) return { props: adopted, what: `adopted ${label} cluster ${adopted.name} (as read)` };
  return args.type === type ? { props: args.props, what: `${label} cluster ${args.name}` } : undefined;
}

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: "EKS clusters envelope-encrypt `secrets` with a KMS key (encryptionConfig).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set `encryptionConfig: { resources: [\"secrets\"], provider: { keyArn } }` (EksSecretsEncryption outputs it). It cannot be removed once enabled.",
  validateResource: (args, reportViolation) => {
    const cluster = judgedCluster(args, "aws:eks/cluster:Cluster", "eks", "EKS");
    if (!cluster) return;
    const { props, what } = cluster;
    const cfg = props.encryptionConfig;
    if (!cfg) return reportViolation(`${what}: encryptionConfig is not set, Secrets are stored unencrypted by a customer key`);
    if (!(cfg.resources ?? []).includes("secrets")) reportViolation(`${what}: encryptionConfig.resources must include "secrets", got ${JSON.stringify(cfg.resources ?? [])}`);
    if (!cfg.provider?.keyArn) reportViolation(`${what}: encryptionConfig.provider.keyArn is not set`);
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
    const cluster = judgedCluster(args, "gcp:container/cluster:Cluster", "gke", "GKE");
    if (!cluster) return;
    const { props, what } = cluster;
    const db = props.databaseEncryption;
    if (db?.state !== "ENCRYPTED") reportViolation(`${what}: databaseEncryption.state must be ENCRYPTED, got ${db?.state ?? "unset"}`);
    else if (!db.keyName) reportViolation(`${what}: databaseEncryption.keyName is not set`);
  },
};

export const aksKmsEncryption: ResourceValidationPolicy = {
  name: "aks-kms-encryption",
  description: "AKS clusters encrypt Secrets with Azure Key Vault KMS (securityProfile.azureKeyVaultKms).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set `securityProfile.azureKeyVaultKms: { enabled: true, keyId, keyVaultNetworkAccess }` (AksSecretsEncryption outputs it).",
  validateResource: (args, reportViolation) => {
    const cluster = judgedCluster(args, "azure-native:containerservice:ManagedCluster", "aks", "AKS");
    if (!cluster) return;
    const { props, what } = cluster;
    const kms = props.securityProfile?.azureKeyVaultKms;
    if (kms?.enabled !== true) reportViolation(`${what}: securityProfile.azureKeyVaultKms.enabled must be true, got ${String(kms?.enabled)}`);
    else if (!kms.keyId) reportViolation(`${what}: securityProfile.azureKeyVaultKms.keyId is not set`);
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
