import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { AksAuditLogging, type AksAuditLoggingArgs } from "../audit/aks";
import { EksAuditLogging, type EksAuditLoggingArgs } from "../audit/eks";
import { GkeAuditLogging, type GkeAuditLoggingArgs } from "../audit/gke";
import { auditPolicyYaml, kubernetesAuditPolicy, validateKubernetesAuditPolicyOptions, type AuditSensitiveResource } from "../audit/policy";
import { AksSecretsEncryption, type AksSecretsEncryptionArgs, type AksSecurityProfileFragment } from "../encryption/aks";
import { EksSecretsEncryption, type EksEncryptionConfig, type EksSecretsEncryptionArgs } from "../encryption/eks";
import { GkeSecretsEncryption, type GkeDatabaseEncryption, type GkeSecretsEncryptionArgs } from "../encryption/gke";
import { SecretsReencryption, type ReencryptionResourcesArgs } from "../encryption/reencryption";
import { keyRetirementProblems, providerKeyIds, SelfManagedSecretsEncryption, type SelfManagedSecretsEncryptionArgs } from "../encryption/selfManaged";
import { AwsSecretsManagerAccess, type AwsSecretsManagerAccessArgs } from "../external-secrets/aws";
import { AzureKeyVaultAccess, type AzureKeyVaultAccessArgs } from "../external-secrets/azure";
import { ExternalSecretsAlerts, type ExternalSecretsAlertsArgs } from "../external-secrets/alerts";
import {
  ClusterExternalSecret,
  ExternalSecret,
  PushSecret,
  type ClusterExternalSecretArgs,
  type ExternalSecretArgs,
  type PushSecretArgs,
} from "../external-secrets/externalSecret";
import { GcpSecretManagerAccess, type GcpSecretManagerAccessArgs } from "../external-secrets/gcp";
import { ESO_RELEASE_NAME, ExternalSecretsOperator, type ExternalSecretsOperatorArgs } from "../external-secrets/operator";
import { providerServiceAccountRefs, SecretStore, storeServiceAccountName, type SecretStoreArgs } from "../external-secrets/secretStore";
import type { BoundServiceAccountArgs } from "../external-secrets/common";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, typeToken } from "../internal/naming";
import { assertValid, known } from "../internal/validation";
import { SealedSecret } from "../sealed-secrets/sealedSecret";
import { SealedSecretsController, type SealedSecretsControllerArgs } from "../sealed-secrets/controller";
import { VaultCluster, type VaultClusterArgs } from "../vault/cluster";
import { SecretsStoreCsiDriver, VaultSecretProviderClass, type SecretsStoreCsiDriverArgs, type VaultSecretObjectArgs } from "../vault/csi";
import {
  VaultAuditDevice,
  VaultDatabaseCredentials,
  VaultKvEngine,
  type VaultAuditDeviceArgs,
  type VaultDatabaseCredentialsArgs,
  type VaultKvEngineArgs,
} from "../vault/engines";
import { VAULT_TOKEN_AUDIENCE, VaultKubernetesAuth } from "../vault/kubernetesAuth";
import { VaultPolicy, vaultPolicyProblems, type VaultPolicyRule } from "../vault/policy";
import { DEFAULT_POD_SECURITY_VERSION, HardenedNamespace, podSecurityVersion, type HardenedNamespaceArgs } from "./hardenedNamespace";
import {
  apiOnlyNetworkPolicies,
  csiProviderNetworkPolicies,
  esoNetworkPolicies,
  networkPolicySettings,
  sealedSecretsNetworkPolicies,
  urlPort,
  vaultNetworkPolicies,
  type NetworkPolicyObject,
  type PlatformNetworkPoliciesArgs,
} from "./networkPolicies";
import {
  SEALING_KEY_STORE_ACCOUNT,
  SEALING_KEY_STORE_NAME,
  SEALING_KEY_VAULT_ROLE,
  sealingKeyAwsArgs,
  sealingKeyAzureArgs,
  sealingKeyGcpArgs,
  sealingKeyRemoteKeys,
  sealingKeyStoreAccount,
  sealingKeyStoreKind,
  sealingKeyStoreProblems,
  sealingKeyVaultRules,
  type PlatformSealingKeyStoreArgs,
} from "./sealingKeyStore";

/** Cluster kinds a platform can target. */
export const CLUSTER_KINDS = ["self-managed", "eks", "gke", "aks"] as const;

/** The re-encryption Job of a platform (see {@link SecretsReencryption}). */
export interface PlatformReencryptionArgs {
  /**
   * The key the cluster encrypts Secrets with now, as the cluster states it (see `SecretsReencryption`'s
   * `trigger`): the Job runs when it changes, e.g. after each rotation. Required: never defaulted to a key the
   * platform creates, since the cluster does not use that key until it is configured with it (an output of
   * the cluster resource when the same program creates the cluster). Self-managed: one of the configuration's
   * `<kind>/<name>`; with `selfManaged.retiredKeys`, exactly its write provider.
   */
  trigger?: pulumi.Input<string>;
  /** Namespaces to rewrite. Default: every namespace. */
  namespaces?: string[];
  /** Namespace of the Job. Default `secrets-reencryption`. */
  jobNamespace?: string;
  /** Container image (pinned). Default: SecretsReencryption's pinned image. */
  image?: pulumi.Input<string>;
  /** Secrets per list page. Default: SecretsReencryption's. */
  chunkSize?: pulumi.Input<number>;
  /** Job resources. Default: SecretsReencryption's. */
  resources?: ReencryptionResourcesArgs;
}

/** Encryption at rest: exactly one of the key kinds, matching the cluster kind, and the rewrite Job. */
export interface PlatformEncryptionArgs {
  /** Self-managed clusters: the EncryptionConfiguration (output `encryptionConfigYaml`, a secret). */
  selfManaged?: SelfManagedSecretsEncryptionArgs;
  /** EKS: the KMS key (output `eksEncryptionConfig` for `aws.eks.Cluster.encryptionConfig`). */
  eks?: EksSecretsEncryptionArgs;
  /** GKE: the Cloud KMS key (output `gkeDatabaseEncryption`). GKE re-encrypts existing Secrets itself. */
  gke?: GkeSecretsEncryptionArgs;
  /** AKS: the Key Vault key and identity (output `aksSecurityProfile`). */
  aks?: AksSecretsEncryptionArgs;
  /** Rewrite every existing Secret once the cluster encrypts with `reencryption.trigger` (runs again when it changes). Default: off. */
  reencryption?: PlatformReencryptionArgs;
}

/** A Vault Kubernetes auth role with its own least-privilege policy (named like the role). */
export interface PlatformVaultRoleArgs {
  /** Role name; also the name of its policy. */
  name: string;
  /** Service accounts bound to the role (no `*`). */
  serviceAccounts: string[];
  /** Namespaces bound to the role (no `*`). */
  namespaces: string[];
  /** The policy's rules: no sudo, no root globs, no everything-grants. */
  rules: VaultPolicyRule[];
  /** Token TTL in seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** Token max TTL in seconds. Default 86400. */
  tokenMaxTtlSeconds?: number;
  /**
   * Audience the login token must carry (the role's `audience`; the role's SecretProviderClass asks the CSI
   * provider for a token with it). Default `vault`.
   */
  audience?: string;
  /** Values mounted with the CSI driver in the role's first namespace (a SecretProviderClass named like the role). */
  csiObjects?: VaultSecretObjectArgs[];
}

/**
 * A Kubernetes auth mount of this Vault for another cluster of the fleet (Vault does not run there): its
 * workloads log in to this Vault through their own mount, so each cluster's service accounts stay distinct.
 */
export interface PlatformVaultRemoteClusterArgs {
  /** Auth mount path, e.g. `kubernetes-<cluster>`. */
  path: string;
  /** The cluster's API server URL (https). */
  kubernetesHost: pulumi.Input<string>;
  /** The cluster's API server CA certificate (PEM). */
  kubernetesCaCert: pulumi.Input<string>;
  /** A token of a service account allowed to create TokenReviews in that cluster (a secret). */
  tokenReviewerJwt: pulumi.Input<string>;
  /** Roles of the mount; each policy is named `<path>-<role>`. */
  roles: PlatformVaultRoleArgs[];
}

/** AppRole login of the platform's `vault.Provider` (instead of a token). */
export interface PlatformVaultAppRoleLoginArgs {
  /** AppRole auth mount. Default `approle`. */
  mountPath?: string;
  /** The role id. */
  roleId: pulumi.Input<string>;
  /** The secret id (a Pulumi secret). */
  secretId: pulumi.Input<string>;
}

/**
 * Vault's own configuration ("stage 2"), applied through a `vault.Provider` the platform creates. Only for a
 * Vault that is initialized and unsealed and that Pulumi can reach: pass it in a later `up` than the one that
 * created the VaultCluster (see docs/vault-bootstrap.md). No run both creates and configures Vault.
 */
export interface PlatformVaultConfigurationArgs {
  /** Token for the Vault provider (a Pulumi secret; never plain text in a stack file). Exactly one of `token` / `appRoleLogin`. */
  token?: pulumi.Input<string>;
  /** AppRole login for the Vault provider (`auth/<mountPath>/login`). Exactly one of `token` / `appRoleLogin`. */
  appRoleLogin?: PlatformVaultAppRoleLoginArgs;
  /**
   * Where Pulumi reaches Vault (https), e.g. `https://127.0.0.1:8200` through `kubectl port-forward` or the
   * exposed address. Required: the in-cluster address does not resolve from where Pulumi runs.
   */
  address: pulumi.Input<string>;
  /** Path of the file with Vault's CA certificate (the `vaultCaCertificatePem` stack output) on the machine running Pulumi. Required. */
  caCertFile: pulumi.Input<string>;
  /** TLS server name to verify when `address` is not a name on the certificate. Default: the host of `address`. */
  tlsServerName?: pulumi.Input<string>;
  /** Kubernetes auth mount path. Default `kubernetes`. */
  authPath?: string;
  /** Roles, each with its policy. The role for External Secrets is added by the platform (see `externalSecrets.vaultStore`). */
  roles?: PlatformVaultRoleArgs[];
  /** KV v2 engine. Default: mounted at `secret` with check-and-set. */
  kv?: VaultKvEngineArgs;
  /**
   * Audit devices. Default two, so a full or failing audit volume cannot block Vault (Vault refuses a request
   * only when no enabled device can record it): `file` on the audit volume (`/vault/audit/vault-audit.log`, mode
   * 0600, rotated by VaultCluster's reloader) and `stdout` (a file device writing to the container log, which the
   * kubelet rotates).
   */
  auditDevices?: VaultAuditDeviceArgs[];
  /** Dynamic database credentials engines. Default: none. */
  databases?: VaultDatabaseCredentialsArgs[];
  /** Auth mounts for other clusters of a fleet (one per cluster). Default: none. */
  remoteClusters?: PlatformVaultRemoteClusterArgs[];
}

/** Vault in HA and its configuration. */
export interface PlatformVaultArgs {
  /** The Vault cluster. Default: VaultCluster's production defaults (3 replicas, raft, TLS, Shamir). */
  cluster?: VaultClusterArgs;
  /** The Secrets Store CSI driver (installed when the VaultCluster's CSI provider is on). Default: sync off, rotation on. */
  csiDriver?: SecretsStoreCsiDriverArgs;
  /** Vault's configuration (auth, policies, KV, audit, databases): stage 2, for an initialized Vault. Default: not managed (stage 1). */
  configuration?: PlatformVaultConfigurationArgs;
}

/**
 * A SecretStore per namespace on the platform's Vault, each logging in as its own service account
 * (`eso-<storeName>` in that namespace, token audience `vault`) through a Vault role the platform creates,
 * bound to exactly those accounts, with read access to `paths` only.
 */
export interface PlatformVaultStoreArgs {
  /** Namespaces that get a SecretStore. At least one. */
  namespaces: string[];
  /** Store name. Default `vault`. */
  storeName?: string;
  /** Vault role name. Default `external-secrets`. */
  role?: string;
  /** KV v2 data paths External Secrets may read. Default `["secret/data/platform/*"]`. */
  paths?: string[];
}

/**
 * External Secrets Operator, the cloud identities of its stores, the stores and ExternalSecrets. The
 * controller gets no cloud identity: every store without a service account of its own gets one
 * (`eso-<storeName>`, in the store's namespace or, for a ClusterSecretStore, the operator's), which the
 * store's cloud identity trusts and carries the identity's annotations.
 */
export interface PlatformExternalSecretsArgs {
  /** The operator. Default: ExternalSecretsOperator's defaults (HA, kept CRDs, no cloud identity). */
  operator?: ExternalSecretsOperatorArgs;
  /** AWS Secrets Manager access: trusts the `aws` stores' accounts (added to its `serviceAccounts`). */
  aws?: AwsSecretsManagerAccessArgs;
  /** Google Secret Manager access: Workload Identity for the `gcpsm` stores' accounts. */
  gcp?: GcpSecretManagerAccessArgs;
  /** Azure Key Vault access: a federated credential per `azurekv` store account. */
  azure?: AzureKeyVaultAccessArgs;
  /** Stores on the platform's own Vault (needs `vault`; the Vault role comes with `vault.configuration`). */
  vaultStore?: PlatformVaultStoreArgs;
  /** Other stores. */
  stores?: SecretStoreArgs[];
  /** ExternalSecrets (created after the stores). */
  externalSecrets?: ExternalSecretArgs[];
  /** ClusterExternalSecrets (created after the stores). */
  clusterExternalSecrets?: ClusterExternalSecretArgs[];
  /** PushSecrets (created after the stores). */
  pushSecrets?: PushSecretArgs[];
  /** PrometheusRule alerts on ESO's metrics. Default: none. */
  alerts?: ExternalSecretsAlertsArgs;
}

/** A SealedSecret of the platform (see {@link SealedSecret}). */
export interface PlatformSealedSecretArgs {
  /** Namespace of the Secret. */
  namespace: string;
  /** Name of the Secret. */
  name: string;
  /** Sealing certificate. Default: the controller's (its managed key). */
  certificatePem?: pulumi.Input<string>;
  /** `strict` (default), `namespace-wide` or `cluster-wide`. */
  scope?: pulumi.Input<string>;
  /** The values (Pulumi secrets; sealed, never stored in plain text). */
  data: Record<string, pulumi.Input<string>>;
  /** Secret type. Default `Opaque`. */
  type?: pulumi.Input<string>;
  /** Labels of the Secret. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Sealed Secrets. */
export interface PlatformSealedSecretsArgs {
  /** The controller. Default: SealedSecretsController's defaults. */
  controller?: SealedSecretsControllerArgs;
  /**
   * The store of the sealing key's backup and import, created by the platform with an identity of its own
   * that reaches exactly the backup secret (see {@link PlatformSealingKeyStoreArgs}). Required for
   * `controller.keyBackup`/`keyImport` unless they name a store, which must then be a SecretStore in the
   * controller's namespace that is not one of `externalSecrets.stores` (their identities are shared with
   * every namespace they serve, and a ClusterSecretStore serves every namespace it admits).
   */
  keyStore?: PlatformSealingKeyStoreArgs;
  /** SealedSecrets, sealed with the controller's certificate unless one is given. */
  secrets?: PlatformSealedSecretArgs[];
}

/** Audit: the API server audit policy (self-managed) and the managed control planes' audit logs. */
export interface PlatformAuditArgs {
  /**
   * Emit the audit policy (`kubernetesAuditPolicy()`) as a ConfigMap for the API server's
   * `--audit-policy-file`. Default: true on self-managed clusters (when the `audit` part is present).
   */
  policyConfigMap?: boolean;
  /** Namespaces whose routine traffic is not audited (never Secret access). Default: none. */
  silencedNamespaces?: string[];
  /** Users whose routine traffic is not audited. Default: none. */
  silencedUsers?: string[];
  /** User groups whose routine traffic is not audited. Default: none. */
  silencedUserGroups?: string[];
  /** Extra resources treated like Secrets (logged at Metadata only). Default: none. */
  sensitiveResources?: AuditSensitiveResource[];
  /**
   * The kube-apiserver flags that load the policy (`apiServerAuditFlags()`), recorded on the ConfigMap as the
   * annotation `audit.kube-secrets-platform.io/kube-apiserver-flags` for the operators who install it.
   */
  apiServerFlags?: string[];
  /** EKS control-plane audit logs. */
  eks?: EksAuditLoggingArgs;
  /** GKE data-access audit logs. */
  gke?: GkeAuditLoggingArgs;
  /** AKS diagnostic settings. */
  aks?: AksAuditLoggingArgs;
}

/** Arguments of {@link SecretsPlatform}. */
export interface SecretsPlatformArgs {
  /** The cluster's name (RFC 1123 label); part of every child's name. */
  clusterName: string;
  /** `self-managed`, `eks`, `gke` or `aks`. Default `self-managed`. */
  clusterKind?: string;
  /**
   * Hardened namespaces for application workloads (each with its `namespace` set). Default-deny (plus DNS
   * egress) unless `defaultDenyNetworkPolicy: false`, while `networkPolicies.enabled`; PSA pinned at the
   * cluster's version unless `podSecurity.version` is given.
   */
  namespaces?: HardenedNamespaceArgs[];
  /**
   * The cluster's Kubernetes version (`1.33`, `v1.33.2`): the Pod Security Admission version its namespaces
   * pin. Default: {@link DEFAULT_POD_SECURITY_VERSION}.
   */
  kubernetesVersion?: pulumi.Input<string>;
  /**
   * NetworkPolicies: default-deny plus exactly the traffic each controller needs, in every namespace the
   * platform creates (External Secrets, Vault, the CSI provider and driver, the re-encryption Job, the
   * application namespaces) and on the Sealed Secrets controller's pods. Default on.
   */
  networkPolicies?: PlatformNetworkPoliciesArgs;
  encryption?: PlatformEncryptionArgs;
  vault?: PlatformVaultArgs;
  externalSecrets?: PlatformExternalSecretsArgs;
  sealedSecrets?: PlatformSealedSecretsArgs;
  audit?: PlatformAuditArgs;
}

const ENCRYPTION_BY_KIND: Record<string, keyof PlatformEncryptionArgs> = { "self-managed": "selfManaged", eks: "eks", gke: "gke", aks: "aks" };
const AUDIT_BY_KIND: Record<string, keyof PlatformAuditArgs> = { eks: "eks", gke: "gke", aks: "aks" };

/** The ConfigMap (namespace kube-system) that holds the audit policy on self-managed clusters. */
export const AUDIT_POLICY_CONFIGMAP = "kube-secrets-platform-audit-policy";
/** Annotation on that ConfigMap listing the kube-apiserver flags. */
export const AUDIT_FLAGS_ANNOTATION = "audit.kube-secrets-platform.io/kube-apiserver-flags";

/** Which provider a store uses. */
function storeProviderKind(s: SecretStoreArgs): "aws" | "gcpsm" | "azurekv" | "vault" | undefined {
  return (["aws", "gcpsm", "azurekv", "vault"] as const).find((k) => s.provider?.[k] !== undefined);
}

/** True when the store names an account itself (a provider `serviceAccountRef`). */
function hasProviderRef(s: SecretStoreArgs): boolean {
  const p = s.provider ?? {};
  return providerServiceAccountRefs(p).some(([, ref]) => ref !== undefined && ref !== null);
}

/**
 * The store with the platform's defaults for its own account: a store that names no account (and does not
 * opt in to the controller's identity) gets `serviceAccount` (`eso-<storeName>`; a ClusterSecretStore's in
 * the operator's namespace), minted for by the platform's ESO controller; Vault stores ask for audience `vault`.
 */
export function platformStoreArgs(s: SecretStoreArgs, esoNamespace: string, esoServiceAccount: string, controllerIdentityKinds: readonly string[] = []): SecretStoreArgs {
  if (s.allowControllerIdentity || hasProviderRef(s)) return s;
  // The identity itself was opted in to the controller (AWS Pod Identity): its stores use it, explicitly.
  if (s.serviceAccount === undefined && controllerIdentityKinds.includes(storeProviderKind(s) ?? "")) return { ...s, allowControllerIdentity: true };
  const own = s.serviceAccount ?? {};
  return {
    ...s,
    serviceAccount: {
      ...own,
      namespace: own.namespace ?? (s.clusterScoped ? esoNamespace : undefined),
      audiences: own.audiences ?? (storeProviderKind(s) === "vault" ? [VAULT_TOKEN_AUDIENCE] : undefined),
      controllerNamespace: own.controllerNamespace ?? esoNamespace,
      controllerServiceAccountName: own.controllerServiceAccountName ?? esoServiceAccount,
    },
  };
}

/** Provider kinds whose identity is ESO's controller's own (an explicit opt-in on the identity). */
export function controllerIdentityKinds(eso: Pick<PlatformExternalSecretsArgs, "aws">): string[] {
  return eso.aws?.mode === "pod-identity" && eso.aws.allowControllerIdentity ? ["aws"] : [];
}

/** The resource name of a platform store (also what names its account by default). */
function storeResourceName(name: string, s: SecretStoreArgs, i: number): string {
  return childName(name, `store-${String(known(s.storeName) ?? i)}-${String(known(s.namespace) ?? "cluster")}`);
}

/** The account a store (after {@link platformStoreArgs}) authenticates as, when it has one of its own. */
export function storeBoundAccount(resourceName: string, s: SecretStoreArgs): BoundServiceAccountArgs | undefined {
  if (!s.serviceAccount) return undefined;
  const namespace = s.clusterScoped ? s.serviceAccount.namespace : known(s.namespace);
  return typeof namespace === "string" ? { namespace, name: storeServiceAccountName(resourceName, s) } : undefined;
}

/**
 * The platform's default Vault audit devices: a file on the audit volume and stdout. Vault blocks a request only
 * when no enabled audit device records it (Vault docs, "Audit devices": blocked audit devices), so with two a full
 * volume degrades to stdout instead of an outage.
 */
export const DEFAULT_VAULT_AUDIT_DEVICES: VaultAuditDeviceArgs[] = [
  { path: "file", file: { filePath: "/vault/audit/vault-audit.log", mode: "0600" } },
  { path: "stdout", file: { filePath: "stdout" } },
];

/** The Vault role External Secrets logs in with (default `external-secrets`). */
function vaultStoreRole(store: PlatformVaultStoreArgs): string {
  return store.role ?? "external-secrets";
}

/** The service account each vaultStore SecretStore logs in as (`eso-<storeName>`, one per namespace). */
function vaultStoreAccount(store: PlatformVaultStoreArgs): string {
  return `eso-${store.storeName ?? "vault"}`;
}

/** The KV v2 data paths External Secrets may read (default `secret/data/platform/*`). */
function vaultStorePaths(store: PlatformVaultStoreArgs): string[] {
  return store.paths ?? ["secret/data/platform/*"];
}

/** The policy rules for `paths`: read each, and read/list its KV v2 metadata (ESO lists versions). */
function vaultStoreRules(paths: string[]): PlatformVaultRoleArgs["rules"] {
  return paths.flatMap((path) => [
    { path, capabilities: ["read"] },
    ...(path.includes("/data/") ? [{ path: path.replace("/data/", "/metadata/"), capabilities: ["read", "list"] }] : []),
  ]);
}

function auditPolicyOptions(audit: PlatformAuditArgs) {
  return {
    silencedNamespaces: audit.silencedNamespaces,
    silencedUsers: audit.silencedUsers,
    silencedUserGroups: audit.silencedUserGroups,
    sensitiveResources: audit.sensitiveResources,
  };
}

/**
 * Problems with the platform's own wiring rules, as `field.path: rule` strings ([] when valid). Each part's
 * own arguments are checked by its component when it is constructed (with the same field names).
 */
export function validateSecretsPlatform(args: SecretsPlatformArgs, name: string = args.clusterName ?? ""): string[] {
  const problems: string[] = [];
  problems.push(...dns1123LabelProblems(args.clusterName ?? "").map((p) => `clusterName: ${p}`));
  const kind = args.clusterKind ?? "self-managed";
  if (!(CLUSTER_KINDS as readonly string[]).includes(kind)) problems.push(`clusterKind: must be one of ${CLUSTER_KINDS.join(", ")}, got "${kind}"`);
  const enc = args.encryption ?? {};
  const keyKinds = (["selfManaged", "eks", "gke", "aks"] as const).filter((k) => enc[k] !== undefined);
  if (keyKinds.length > 1) problems.push(`encryption: set one of selfManaged, eks, gke, aks, got ${keyKinds.join(" and ")}`);
  for (const k of keyKinds) {
    if (ENCRYPTION_BY_KIND[kind] !== k) problems.push(`encryption.${k}: does not match clusterKind "${kind}" (use encryption.${ENCRYPTION_BY_KIND[kind] ?? "?"})`);
  }
  if (enc.reencryption && enc.reencryption.trigger === undefined) {
    problems.push("encryption.reencryption.trigger: required: the key the cluster encrypts Secrets with now (e.g. the KMS key ARN the cluster reports)");
  }
  if (enc.selfManaged) {
    const stated = enc.reencryption ? known(enc.reencryption.trigger) : undefined;
    const ids = providerKeyIds(enc.selfManaged);
    if (typeof stated === "string" && !ids.includes(stated)) {
      problems.push(`encryption.reencryption.trigger: "${stated}" is not a key of encryption.selfManaged (one of ${ids.join(", ")})`);
    }
    if (!enc.reencryption || enc.reencryption.trigger === undefined || typeof stated === "string") {
      problems.push(...keyRetirementProblems(enc.selfManaged, enc.reencryption ? (stated) : undefined).map((p) => `encryption.selfManaged.${p}`));
    }
  }
  const audit = args.audit ?? {};
  for (const k of ["eks", "gke", "aks"] as const) {
    if (audit[k] !== undefined && AUDIT_BY_KIND[kind] !== k) problems.push(`audit.${k}: does not match clusterKind "${kind}"`);
  }
  problems.push(
    ...validateKubernetesAuditPolicyOptions(auditPolicyOptions(audit)).map((p) => `audit.${p}`),
  );
  const eso = args.externalSecrets;
  if (eso) {
    const esoNs = String(known(eso.operator?.namespace) ?? "external-secrets");
    const esoSa = String(known(eso.operator?.serviceAccount?.name) ?? ESO_RELEASE_NAME);
    const stores = (eso.stores ?? []).map((s) => platformStoreArgs(s, esoNs, esoSa, controllerIdentityKinds(eso)));
    const identities = [["aws", "aws", eso.aws], ["gcp", "gcpsm", eso.gcp], ["azure", "azurekv", eso.azure]] as const;
    for (const [field, kind, identity] of identities) {
      if (!identity) continue;
      const bound = stores.filter((s) => storeProviderKind(s) === kind && s.serviceAccount !== undefined);
      if (bound.length === 0 && (identity.serviceAccounts ?? []).length === 0 && !controllerIdentityKinds(eso).includes(kind)) {
        problems.push(`externalSecrets.${field}: no ${kind} store authenticates with it (the controller has no cloud identity); add a ${kind} store or serviceAccounts`);
      }
    }
  }
  const conf = args.vault?.configuration;
  if (conf) {
    const logins = [conf.token !== undefined && "token", conf.appRoleLogin !== undefined && "appRoleLogin"].filter(Boolean);
    if (logins.length !== 1) problems.push(`vault.configuration: set exactly one of token, appRoleLogin, got ${logins.length === 0 ? "none" : logins.join(" and ")}`);
    const address = known(conf.address);
    if (address === undefined && !pulumi.Output.isInstance(conf.address)) problems.push("vault.configuration.address: required (where Pulumi reaches Vault; the in-cluster address does not resolve outside the cluster)");
    else if (typeof address === "string" && !/^https:\/\/[^/]+/.test(address)) problems.push(`vault.configuration.address: must be an https:// URL, got "${address}"`);
    if (conf.caCertFile === undefined) problems.push("vault.configuration.caCertFile: required (the file holding Vault's CA certificate on the machine running Pulumi)");
  }
  const store = args.externalSecrets?.vaultStore;
  if (store) {
    if (!args.vault) problems.push("externalSecrets.vaultStore: needs vault (the platform's Vault the stores point at)");
    if (store.namespaces.length === 0) problems.push("externalSecrets.vaultStore.namespaces: must name at least one namespace");
    store.namespaces.forEach((ns, i) => problems.push(...dns1123LabelProblems(ns).map((p) => `externalSecrets.vaultStore.namespaces[${i}]: ${p}`)));
    // Exactly the rules the platform grants (vaultStoreRules), each problem named after the path it comes from.
    vaultStorePaths(store).forEach((path, i) =>
      problems.push(...vaultPolicyProblems(vaultStoreRules([path]), { fieldPrefix: "p" }).map((p) => p.replace(/^p\[\d+\]\.path: /, `externalSecrets.vaultStore.paths[${i}]: `))),
    );
    const names = (args.vault?.configuration?.roles ?? []).map((r) => r.name);
    if (names.includes(vaultStoreRole(store))) {
      problems.push(`externalSecrets.vaultStore.role: "${vaultStoreRole(store)}" is also in vault.configuration.roles (the platform creates it)`);
    }
  }
  if (args.externalSecrets?.alerts && args.externalSecrets.operator?.serviceMonitor?.enabled !== true) {
    problems.push("externalSecrets.alerts: needs externalSecrets.operator.serviceMonitor.enabled (alert rules over metrics no Prometheus scrapes never fire)");
  }
  const mounts = new Set([args.vault?.configuration?.authPath ?? "kubernetes"]);
  (args.vault?.configuration?.remoteClusters ?? []).forEach((remote, i) => {
    if (mounts.has(remote.path)) problems.push(`vault.configuration.remoteClusters[${i}].path: duplicate auth mount "${remote.path}"`);
    mounts.add(remote.path);
    remote.roles.forEach((r, j) => problems.push(...vaultPolicyProblems(r.rules, { fieldPrefix: `vault.configuration.remoteClusters[${i}].roles[${j}].rules` })));
  });
  (args.vault?.configuration?.roles ?? []).forEach((r, i) => {
    problems.push(...vaultPolicyProblems(r.rules, { fieldPrefix: `vault.configuration.roles[${i}].rules` }));
    if ((r.csiObjects?.length ?? 0) > 0 && args.vault?.cluster?.csiProvider?.enabled === false) {
      problems.push(`vault.configuration.roles[${i}].csiObjects: needs the CSI provider (vault.cluster.csiProvider.enabled)`);
    }
  });
  if (args.sealedSecrets) {
    const ctrlNs = sealedSecretsNamespace(args);
    const shared = [
      ...(eso?.stores ?? []).filter((s) => s.clusterScoped || known(s.namespace) === ctrlNs).map((s) => known(s.storeName)),
      ...(eso?.vaultStore && eso.vaultStore.namespaces.includes(ctrlNs) ? [eso.vaultStore.storeName ?? "vault"] : []),
    ].filter((n): n is string => typeof n === "string");
    problems.push(
      ...sealingKeyStoreProblems({
        platformName: name,
        clusterName: args.clusterName ?? "",
        controllerResourceName: sealedSecretsResourceName(name),
        controllerNamespace: ctrlNs,
        keyStore: args.sealedSecrets.keyStore,
        controller: args.sealedSecrets.controller,
        hasExternalSecrets: eso !== undefined,
        sources: { aws: eso?.aws, gcp: eso?.gcp, azure: eso?.azure },
        sharedStoreNames: shared,
        hasVault: args.vault !== undefined,
        hasVaultConfiguration: args.vault?.configuration !== undefined,
      }),
    );
  }
  const kv = known(args.kubernetesVersion);
  if (typeof kv === "string" && podSecurityVersion(kv) === undefined) {
    problems.push(`kubernetesVersion: must be a Kubernetes version such as 1.33, got "${kv}"`);
  }
  const net = networkPolicySettings(args.networkPolicies);
  if (net.enabled && (args.vault?.configuration?.remoteClusters ?? []).length > 0 && net.vaultClientCidrs.length === 0) {
    problems.push(
      "networkPolicies.vaultClientCidrs: the clusters of vault.configuration.remoteClusters reach Vault from outside this cluster; list their egress CIDRs (or disable networkPolicies)",
    );
  }
  const sealed = new Set<string>();
  (args.sealedSecrets?.secrets ?? []).forEach((x, i) => {
    if (sealed.has(`${x.namespace}/${x.name}`)) problems.push(`sealedSecrets.secrets[${i}]: duplicate ${x.namespace}/${x.name}`);
    sealed.add(`${x.namespace}/${x.name}`);
  });
  args.namespaces?.forEach((ns, i) => {
    if (known(ns.namespace) === undefined) problems.push(`namespaces[${i}].namespace: required`);
  });
  return problems;
}

/** The Sealed Secrets controller's namespace (default `kube-system`). */
function sealedSecretsNamespace(args: SecretsPlatformArgs): string {
  return String(known(args.sealedSecrets?.controller?.namespace) ?? "kube-system");
}

/** The resource name of a platform's SealedSecretsController (it names the default backup key). */
export function sealedSecretsResourceName(name: string): string {
  return childName(name, "sealed-secrets");
}

/**
 * One cluster's whole secrets platform from one args object: encryption at rest (per cloud or
 * self-managed) and the Secret rewrite, External Secrets with its cloud identity and stores, Vault in HA and
 * its configuration, Sealed Secrets, and audit. Each part is on when its args are present.
 *
 * Pass the cluster's Kubernetes provider as `providers: { kubernetes: provider }` (or `provider`): every
 * Kubernetes child uses it. Cloud children use the default (or given) cloud providers.
 *
 * Wiring done here, so stacks do not have to:
 * - the re-encryption Job runs once the cluster encrypts with `reencryption.trigger` (the key the cluster
 *   states); self-managed keys in `retiredKeys` leave the EncryptionConfiguration only after that Job completed;
 * - every store gets a service account of its own (no mounted token) and a Role letting ESO's controller mint
 *   tokens for exactly it; the cloud identities trust exactly those accounts and annotate them; the
 *   controller itself has no cloud identity;
 * - the Sealed Secrets key backup and import go through `sealedSecrets.keyStore`: a SecretStore of their own
 *   in the controller's namespace with an identity of its own reaching exactly the backup secret, and they
 *   wait for ESO's chart and stores;
 * - Vault in two stages: `vault.cluster` alone is stage 1 (no call to Vault's API); `vault.configuration` is
 *   stage 2, for a Vault that is initialized and reachable at `configuration.address` (docs/vault-bootstrap.md);
 * - `externalSecrets.vaultStore` creates a SecretStore per namespace on the platform's Vault (its in-cluster
 *   address and CA), each logging in as its own account, and, in stage 2, a Vault role bound to exactly those
 *   accounts (audience `vault`) with a policy reading only the given paths;
 * - the SecretProviderClasses of Vault roles use the CSI provider's auth mount;
 * - `exemptSubjects` lists the controllers that must read Secrets (ESO, Sealed Secrets, the rewrite Job,
 *   Vault's CSI provider): pass it to the policy pack's who-can-read-secrets `exemptSubjects`.
 */
export class SecretsPlatform extends pulumi.ComponentResource {
  /** Subjects that must read Secrets to do their job, as the policy pack names them. */
  public readonly exemptSubjects: pulumi.Output<string[]>;
  /** The EncryptionConfiguration for the API servers (self-managed; a secret). */
  public readonly encryptionConfigYaml: pulumi.Output<string | undefined>;
  /** `aws.eks.Cluster.encryptionConfig` (EKS). */
  public readonly eksEncryptionConfig: pulumi.Output<EksEncryptionConfig | undefined>;
  /** `gcp.container.Cluster.databaseEncryption` (GKE). */
  public readonly gkeDatabaseEncryption: pulumi.Output<GkeDatabaseEncryption | undefined>;
  /** azure-native `ManagedCluster.securityProfile` fragment (AKS). */
  public readonly aksSecurityProfile: pulumi.Output<AksSecurityProfileFragment | undefined>;
  /**
   * Resource id of the user-assigned identity the AKS cluster must run as (control-plane identity: `az aks
   * update --assign-identity <id>`); AKS KMS uses it to reach the key (AKS).
   */
  public readonly aksKmsIdentityId: pulumi.Output<string | undefined>;
  /** EKS `enabledClusterLogTypes`. */
  public readonly eksEnabledClusterLogTypes: pulumi.Output<string[] | undefined>;
  /** Vault's in-cluster address (`https://…:8200`). */
  public readonly vaultAddress: pulumi.Output<string | undefined>;
  /** Vault's CA certificate (PEM). */
  public readonly vaultCaCertificatePem: pulumi.Output<string | undefined>;
  /** The Sealed Secrets certificate (PEM), when known. */
  public readonly sealingCertificatePem: pulumi.Output<string | undefined>;
  /** The namespace of External Secrets' controller. */
  public readonly externalSecretsNamespace: pulumi.Output<string | undefined>;

  constructor(name: string, args: SecretsPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SecretsPlatform", name, validateSecretsPlatform(args, name));
    super(typeToken("SecretsPlatform"), name, {}, opts);
    const kind = args.clusterKind ?? "self-managed";
    const child = { parent: this };
    // The sealing key's own store (sealedSecrets.keyStore): its provider, namespace and remote keys.
    const sealingKind = sealingKeyStoreKind(args.sealedSecrets?.keyStore);
    const sealedNamespace = sealedSecretsNamespace(args);
    // ESO's controller logs in to the platform's Vault for the vaultStore stores or the sealing-key store.
    const esoUsesVault = args.externalSecrets?.vaultStore !== undefined || sealingKind === "vault";
    const sealingKeys = sealingKeyRemoteKeys(sealedSecretsResourceName(name), args.sealedSecrets?.controller);
    const exempt: pulumi.Output<string[]>[] = [];
    const none = pulumi.output(undefined);

    const net = networkPolicySettings(args.networkPolicies);
    const psaVersion = pulumi.output(args.kubernetesVersion).apply((v) => podSecurityVersion(v) ?? DEFAULT_POD_SECURITY_VERSION);
    const appNamespaces = (args.namespaces ?? []).map(
      (ns) =>
        new HardenedNamespace(
          childName(name, `ns-${String(known(ns.namespace))}`),
          { ...ns, podSecurity: { ...ns.podSecurity, version: ns.podSecurity?.version ?? psaVersion }, defaultDenyNetworkPolicy: ns.defaultDenyNetworkPolicy ?? net.enabled },
          child,
        ),
    );
    // NetworkPolicies of the controllers' namespaces, created once the controller's component exists.
    const netpols = (list: NetworkPolicyObject[], after: pulumi.Resource) => {
      if (!net.enabled) return;
      for (const np of list) {
        new k8s.networking.v1.NetworkPolicy(
          childName(name, `netpol-${np.namespace}-${np.name}`),
          { metadata: { name: np.name, namespace: np.namespace, labels: standardLabels("network-policy", name) }, spec: np.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
          { parent: this, dependsOn: [after] },
        );
      }
    };

    // Encryption at rest.
    const enc = args.encryption ?? {};
    this.encryptionConfigYaml = none;
    this.eksEncryptionConfig = none;
    this.gkeDatabaseEncryption = none;
    this.aksSecurityProfile = none;
    this.aksKmsIdentityId = none;
    // The rewrite first: retired self-managed keys wait for it.
    let rewrite: SecretsReencryption | undefined;
    if (enc.reencryption) {
      rewrite = new SecretsReencryption(childName(name, "reencryption"), { ...enc.reencryption, trigger: enc.reencryption.trigger! }, child);
      exempt.push(rewrite.exemptSubjects);
      netpols(apiOnlyNetworkPolicies(enc.reencryption.jobNamespace ?? "secrets-reencryption", net), rewrite);
    }
    if (enc.selfManaged) {
      const retiring = (enc.selfManaged.retiredKeys?.length ?? 0) > 0;
      const sm = new SelfManagedSecretsEncryption(
        childName(name, "encryption"),
        { ...enc.selfManaged, retireAfter: enc.selfManaged.retireAfter ?? (retiring ? rewrite?.rewrittenWith : undefined) },
        child,
      );
      this.encryptionConfigYaml = sm.configYaml;
    }
    if (enc.eks) {
      const eks = new EksSecretsEncryption(childName(name, "encryption"), enc.eks, child);
      this.eksEncryptionConfig = eks.encryptionConfig;
    }
    if (enc.gke) {
      const gke = new GkeSecretsEncryption(childName(name, "encryption"), enc.gke, child);
      this.gkeDatabaseEncryption = gke.databaseEncryption;
    }
    if (enc.aks) {
      const aks = new AksSecretsEncryption(childName(name, "encryption"), enc.aks, child);
      this.aksSecurityProfile = aks.securityProfile;
      this.aksKmsIdentityId = aks.identityId;
    }

    // Vault.
    let vaultCluster: VaultCluster | undefined;
    let vaultAuthPath = "kubernetes";
    this.vaultAddress = none;
    this.vaultCaCertificatePem = none;
    const vaultArgs = args.vault;
    const esoNamespace = String(known(args.externalSecrets?.operator?.namespace) ?? "external-secrets");
    const esoServiceAccount = String(known(args.externalSecrets?.operator?.serviceAccount?.name) ?? ESO_RELEASE_NAME);
    if (vaultArgs) {
      const csiOn = vaultArgs.cluster?.csiProvider?.enabled ?? true;
      vaultAuthPath = vaultArgs.configuration?.authPath ?? "kubernetes";
      const driver = csiOn ? new SecretsStoreCsiDriver(childName(name, "csi-driver"), vaultArgs.csiDriver ?? {}, child) : undefined;
      const vc = new VaultCluster(
        childName(name, "vault"),
        { ...vaultArgs.cluster, csiProvider: { enabled: csiOn, ...vaultArgs.cluster?.csiProvider, authMountPath: vaultArgs.cluster?.csiProvider?.authMountPath ?? vaultAuthPath } },
        { parent: this, dependsOn: driver ? [driver] : [] },
      );
      vaultCluster = vc;
      this.vaultAddress = vc.address;
      this.vaultCaCertificatePem = vc.caCertificatePem;
      exempt.push(vc.exemptSubjects);
      if (driver) netpols(apiOnlyNetworkPolicies(String(known(vaultArgs.csiDriver?.namespace) ?? "secrets-store-csi"), net), driver);
      const vaultNs = String(known(vaultArgs.cluster?.namespace) ?? "vault");
      const csiNs = String(known(vaultArgs.cluster?.csiProvider?.namespace) ?? `${vaultNs}-csi-provider`);
      const unseal = vaultArgs.cluster?.autoUnseal;
      const conf0 = vaultArgs.configuration;
      netpols(
        vaultNetworkPolicies(
          {
            namespace: vaultNs,
            // Who calls Vault: ESO's controller (stores on this Vault), the CSI provider, the roles' workloads.
            clientNamespaces: [
              ...(esoUsesVault ? [esoNamespace] : []),
              ...(csiOn ? [csiNs] : []),
              ...(conf0?.roles ?? []).flatMap((r) => r.namespaces),
            ],
            injector: vaultArgs.cluster?.injector?.enabled ?? false,
            cloudKms: unseal !== undefined && Object.keys(unseal).length > 0,
            metadataAgent: unseal?.awsKms?.podIdentity ? "eks-pod-identity" : unseal?.gcpCkms ? "gke-metadata" : undefined,
          },
          net,
        ),
        vc,
      );
      if (csiOn) netpols(csiProviderNetworkPolicies(csiNs, vaultNs, net), vc);

      const conf = vaultArgs.configuration;
      if (conf) {
        const login = conf.appRoleLogin;
        const vaultProvider = new vault.Provider(
          childName(name, "vault-config"),
          {
            address: conf.address,
            caCertFile: conf.caCertFile,
            tlsServerName: conf.tlsServerName,
            skipTlsVerify: false,
            skipChildToken: false,
            // A token from config, or an AppRole login (the provider's generic auth_login: POST auth/<mount>/login).
            ...(login
              ? {
                  authLogin: {
                    path: `auth/${login.mountPath ?? "approle"}/login`,
                    parameters: pulumi.secret(pulumi.all([login.roleId, login.secretId]).apply(([roleId, secretId]) => ({ role_id: roleId, secret_id: secretId }))),
                  },
                }
              : { token: pulumi.secret(conf.token!) }),
          },
          child,
        );
        const vaultOpts = { parent: this, provider: vaultProvider, dependsOn: [vc] };
        const kv = new VaultKvEngine(childName(name, "vault-kv"), { casRequired: true, ...conf.kv }, vaultOpts);
        for (const device of conf.auditDevices ?? DEFAULT_VAULT_AUDIT_DEVICES) {
          new VaultAuditDevice(childName(name, `vault-audit-${device.path ?? (device.socket ? "socket" : "file")}`), device, vaultOpts);
        }
        (conf.databases ?? []).forEach((db) => new VaultDatabaseCredentials(childName(name, `vault-db-${db.path ?? "database"}`), db, vaultOpts));

        const roles: PlatformVaultRoleArgs[] = [...(conf.roles ?? [])];
        if (sealingKind === "vault") {
          // The sealing-key store's own role: its account in the controller's namespace, exactly the backup paths.
          roles.push({
            name: SEALING_KEY_VAULT_ROLE,
            serviceAccounts: [SEALING_KEY_STORE_ACCOUNT],
            namespaces: [sealedNamespace],
            rules: sealingKeyVaultRules(sealingKeys, args.sealedSecrets?.keyStore?.vault?.mount ?? "secret"),
            audience: VAULT_TOKEN_AUDIENCE,
          });
        }
        const store = args.externalSecrets?.vaultStore;
        if (store) {
          // One account name (the store's) in each store namespace: exactly the intended pairs.
          roles.push({
            name: vaultStoreRole(store),
            serviceAccounts: [vaultStoreAccount(store)],
            namespaces: store.namespaces,
            rules: vaultStoreRules(vaultStorePaths(store)),
            audience: VAULT_TOKEN_AUDIENCE,
          });
        }
        const policies = roles.map((r) => new VaultPolicy(childName(name, `vault-policy-${r.name}`), { name: r.name, rules: r.rules }, { ...vaultOpts, dependsOn: [vc, kv] }));
        if (roles.length > 0) {
          new VaultKubernetesAuth(
            childName(name, "vault-k8s-auth"),
            {
              path: vaultAuthPath,
              description: `Kubernetes auth for cluster ${args.clusterName}`,
              roles: roles.map((r, i) => ({
                name: r.name,
                serviceAccountNames: r.serviceAccounts,
                namespaces: r.namespaces,
                policies: [policies[i].policyName],
                tokenTtlSeconds: r.tokenTtlSeconds,
                tokenMaxTtlSeconds: r.tokenMaxTtlSeconds,
                audience: r.audience ?? VAULT_TOKEN_AUDIENCE,
              })),
            },
            vaultOpts,
          );
        }
        for (const remote of conf.remoteClusters ?? []) {
          const remotePolicies = remote.roles.map(
            (r) => new VaultPolicy(childName(name, `vault-policy-${remote.path}-${r.name}`), { name: `${remote.path}-${r.name}`, rules: r.rules }, { ...vaultOpts, dependsOn: [vc, kv] }),
          );
          new VaultKubernetesAuth(
            childName(name, `vault-auth-${remote.path}`),
            {
              path: remote.path,
              description: `Kubernetes auth for fleet cluster ${remote.path}`,
              kubernetesHost: remote.kubernetesHost,
              kubernetesCaCert: remote.kubernetesCaCert,
              tokenReviewerJwt: pulumi.secret(remote.tokenReviewerJwt),
              disableLocalCaJwt: true,
              roles: remote.roles.map((r, i) => ({
                name: r.name,
                serviceAccountNames: r.serviceAccounts,
                namespaces: r.namespaces,
                policies: [remotePolicies[i].policyName],
                tokenTtlSeconds: r.tokenTtlSeconds,
                tokenMaxTtlSeconds: r.tokenMaxTtlSeconds,
                audience: r.audience ?? VAULT_TOKEN_AUDIENCE,
              })),
            },
            vaultOpts,
          );
        }
        for (const r of roles.filter((x) => (x.csiObjects?.length ?? 0) > 0)) {
          new VaultSecretProviderClass(
            childName(name, `spc-${r.name}`),
            { name: r.name, namespace: r.namespaces[0], roleName: r.name, authMountPath: vaultAuthPath, vaultAddress: vc.address, audience: r.audience ?? VAULT_TOKEN_AUDIENCE, objects: r.csiObjects! },
            { parent: this, dependsOn: driver ? [driver] : [] },
          );
        }
      }
    }

    // External Secrets.
    this.externalSecretsNamespace = none;
    const eso = args.externalSecrets;
    // Resolves once ESO's chart (its CRDs) and the stores exist: the Sealed Secrets key backup/import wait for it.
    let esoReady: pulumi.Output<unknown> | undefined;
    if (eso) {
      // Every store authenticates as its own account; the cloud identities trust exactly those accounts.
      const controllerKinds = controllerIdentityKinds(eso);
      const storeArgs = (eso.stores ?? []).map((s) => platformStoreArgs(s, esoNamespace, esoServiceAccount, controllerKinds));
      const storeNames = (eso.stores ?? []).map((s, i) => storeResourceName(name, s, i));
      const accountsOf = (kind: string) =>
        storeArgs.flatMap((s, i) => (storeProviderKind(s) === kind ? [storeBoundAccount(storeNames[i], s)].filter((a): a is BoundServiceAccountArgs => a !== undefined) : []));
      const merge = (given: BoundServiceAccountArgs[] | undefined, kind: string) => {
        const all = [...(given ?? []), ...accountsOf(kind)];
        return all.filter((a, i) => all.findIndex((b) => b.namespace === a.namespace && b.name === a.name) === i);
      };
      const identityAnnotations: Record<string, pulumi.Output<Record<string, string>>> = {};
      let azureTenant: pulumi.Output<string> | undefined;
      if (eso.aws) {
        // Pod Identity (opted in) binds the controller itself; IRSA the stores' own accounts.
        const accounts = controllerKinds.includes("aws") ? (eso.aws.serviceAccounts ?? [{ namespace: esoNamespace, name: esoServiceAccount }]) : merge(eso.aws.serviceAccounts, "aws");
        identityAnnotations.aws = new AwsSecretsManagerAccess(childName(name, "eso-aws"), { ...eso.aws, serviceAccounts: accounts }, child).serviceAccountAnnotations;
      }
      if (eso.gcp) {
        identityAnnotations.gcpsm = new GcpSecretManagerAccess(childName(name, "eso-gcp"), { ...eso.gcp, serviceAccounts: merge(eso.gcp.serviceAccounts, "gcpsm") }, child).serviceAccountAnnotations;
      }
      if (eso.azure) {
        const azure = new AzureKeyVaultAccess(childName(name, "eso-azure"), { ...eso.azure, serviceAccounts: merge(eso.azure.serviceAccounts, "azurekv") }, child);
        identityAnnotations.azurekv = azure.storeServiceAccountAnnotations;
        azureTenant = azure.tenantId;
      }
      const operator = new ExternalSecretsOperator(childName(name, "eso"), { ...eso.operator, namespace: esoNamespace }, child);
      this.externalSecretsNamespace = operator.namespace;
      exempt.push(operator.exemptSubjects);
      const externalPorts = storeArgs.flatMap((st) => {
        const server = known(st.provider.vault?.server);
        const port = typeof server === "string" ? urlPort(server) : undefined;
        return port !== undefined ? [port] : [];
      });
      netpols(
        esoNetworkPolicies(
          { namespace: esoNamespace, vaultNamespace: esoUsesVault && vaultCluster ? String(known(vaultArgs?.cluster?.namespace) ?? "vault") : undefined, externalPorts: [...new Set(externalPorts)].sort((a, b) => a - b) },
          net,
        ),
        operator,
      );
      const stores: pulumi.Resource[] = [];
      // A store on the platform's Vault: its in-cluster address and CA, Kubernetes auth with `role`.
      const platformVaultProvider = (vc: VaultCluster, role: string, extra: { path?: string; checkAndSet?: boolean } = {}): SecretStoreArgs["provider"] => ({
        vault: { server: vc.address, path: extra.path ?? "secret", version: "v2", caBundle: vc.caCertificatePem, checkAndSet: extra.checkAndSet, auth: { kubernetes: { mountPath: vaultAuthPath, role } } },
      });
      if (eso.vaultStore && vaultCluster) {
        for (const ns of eso.vaultStore.namespaces) {
          stores.push(
            new SecretStore(
              childName(name, `store-${eso.vaultStore.storeName ?? "vault"}-${ns}`),
              {
                namespace: ns,
                storeName: eso.vaultStore.storeName ?? "vault",
                serviceAccount: {
                  name: vaultStoreAccount(eso.vaultStore),
                  audiences: [VAULT_TOKEN_AUDIENCE],
                  controllerNamespace: esoNamespace,
                  controllerServiceAccountName: esoServiceAccount,
                },
                provider: platformVaultProvider(vaultCluster, vaultStoreRole(eso.vaultStore)),
              },
              { parent: this, dependsOn: [operator, ...appNamespaces] },
            ),
          );
        }
      }
      if (sealingKind && args.sealedSecrets) {
        // The sealing key's store: a SecretStore in the controller's namespace, as an account and identity of its own.
        const ks = args.sealedSecrets.keyStore!;
        const account = sealingKeyStoreAccount(sealedNamespace);
        let annotations: pulumi.Output<Record<string, string>> | undefined;
        let provider: SecretStoreArgs["provider"];
        if (sealingKind === "aws") {
          annotations = new AwsSecretsManagerAccess(childName(name, "sealing-key-aws"), sealingKeyAwsArgs(eso.aws, sealedNamespace, sealingKeys), child).serviceAccountAnnotations;
          provider = { aws: { region: ks.aws!.region } };
        } else if (sealingKind === "gcp") {
          const gcpArgs = sealingKeyGcpArgs(eso.gcp, ks.gcp!, args.clusterName, sealedNamespace, sealingKeys);
          annotations = new GcpSecretManagerAccess(childName(name, "sealing-key-gcp"), gcpArgs, child).serviceAccountAnnotations;
          provider = { gcpsm: { projectId: gcpArgs.secretProject ?? gcpArgs.project } };
        } else if (sealingKind === "azure") {
          const access = new AzureKeyVaultAccess(childName(name, "sealing-key-azure"), sealingKeyAzureArgs(eso.azure, name, sealedNamespace, sealingKeys), child);
          annotations = access.storeServiceAccountAnnotations;
          provider = { azurekv: { vaultUrl: ks.azure!.vaultUrl, tenantId: access.tenantId } };
        } else {
          // The platform's KV mount requires check-and-set unless configured otherwise.
          provider = platformVaultProvider(vaultCluster!, SEALING_KEY_VAULT_ROLE, { path: ks.vault!.mount, checkAndSet: args.vault?.configuration?.kv?.casRequired !== false });
        }
        stores.push(
          new SecretStore(
            childName(name, SEALING_KEY_STORE_NAME),
            {
              namespace: account.namespace,
              storeName: SEALING_KEY_STORE_NAME,
              serviceAccount: {
                name: account.name,
                annotations,
                audiences: sealingKind === "vault" ? [VAULT_TOKEN_AUDIENCE] : undefined,
                controllerNamespace: esoNamespace,
                controllerServiceAccountName: esoServiceAccount,
              },
              provider,
            },
            { parent: this, dependsOn: [operator, ...appNamespaces] },
          ),
        );
      }
      storeArgs.forEach((s, i) => {
        const kind = storeProviderKind(s);
        const annotations = kind ? identityAnnotations[kind] : undefined;
        let withIdentity: SecretStoreArgs = s;
        if (s.serviceAccount && annotations) {
          const own = s.serviceAccount.annotations ?? {};
          withIdentity = { ...s, serviceAccount: { ...s.serviceAccount, annotations: pulumi.all([annotations, own]).apply(([a, o]) => ({ ...a, ...o })) } };
        }
        // ESO refuses a tenant given both on the account and in the store: the store carries it.
        if (kind === "azurekv" && azureTenant && withIdentity.provider.azurekv!.tenantId === undefined) {
          withIdentity = { ...withIdentity, provider: { azurekv: { ...withIdentity.provider.azurekv!, tenantId: azureTenant } } };
        }
        stores.push(new SecretStore(storeNames[i], withIdentity, { parent: this, dependsOn: [operator, ...appNamespaces] }));
      });
      (eso.externalSecrets ?? []).forEach((e, i) =>
        new ExternalSecret(childName(name, `es-${String(known(e.namespace) ?? "ns")}-${String(known(e.externalSecretName) ?? i)}`), e, { parent: this, dependsOn: [operator, ...stores] }),
      );
      (eso.clusterExternalSecrets ?? []).forEach((c, i) =>
        new ClusterExternalSecret(childName(name, `ces-${String(known(c.externalSecretName) ?? i)}`), c, { parent: this, dependsOn: [operator, ...stores, ...appNamespaces] }),
      );
      (eso.pushSecrets ?? []).forEach((p, i) =>
        new PushSecret(childName(name, `push-${String(known(p.namespace) ?? "ns")}-${String(known(p.pushSecretName) ?? i)}`), p, { parent: this, dependsOn: [operator, ...stores] }),
      );
      esoReady = pulumi.all([operator.urn, ...stores.map((r) => r.urn)]);
      if (eso.alerts) {
        new ExternalSecretsAlerts(
          childName(name, "eso-alerts"),
          { namespace: esoNamespace, operatorNamespace: esoNamespace, metricsJob: `${ESO_RELEASE_NAME}-metrics`, ...eso.alerts },
          { parent: this, dependsOn: [operator] },
        );
      }
    }

    // Sealed Secrets.
    this.sealingCertificatePem = none;
    if (args.sealedSecrets) {
      const c = args.sealedSecrets.controller ?? {};
      // The key backup's PushSecret and the key import's ExternalSecret are ESO custom resources: through the
      // store name they depend on ESO's chart (CRDs, controller) and the stores of this platform.
      const afterEso = (storeName: pulumi.Input<string>) => (esoReady ? pulumi.all([storeName, esoReady]).apply(([n]) => n) : storeName);
      // Through the platform's sealing-key store (a SecretStore in the controller's namespace) unless one is named.
      const viaStore = <T extends { secretStoreName?: pulumi.Input<string>; secretStoreKind?: pulumi.Input<string> }>(part: T | undefined): T | undefined =>
        part && {
          ...part,
          secretStoreName: afterEso(part.secretStoreName ?? SEALING_KEY_STORE_NAME),
          secretStoreKind: part.secretStoreName === undefined ? "SecretStore" : part.secretStoreKind,
        };
      const controller = new SealedSecretsController(
        childName(name, "sealed-secrets"),
        {
          ...c,
          keyBackup: viaStore(c.keyBackup),
          keyImport: viaStore(c.keyImport),
        },
        child,
      );
      this.sealingCertificatePem = controller.certificatePem;
      exempt.push(controller.exemptSubjects);
      netpols(sealedSecretsNetworkPolicies(sealedNamespace, net), controller);
      for (const s of args.sealedSecrets.secrets ?? []) {
        new SealedSecret(
          childName(name, `sealed-${s.namespace}-${s.name}`),
          { ...s, certificatePem: s.certificatePem ?? controller.certificatePem.apply((c) => c ?? "") },
          // The SealedSecret CRD comes with the controller's chart.
          { parent: this, dependsOn: [controller, ...appNamespaces] },
        );
      }
    }

    // Audit.
    const audit = args.audit ?? {};
    this.eksEnabledClusterLogTypes = none;
    if (args.audit && (audit.policyConfigMap ?? kind === "self-managed")) {
      const policy = kubernetesAuditPolicy(auditPolicyOptions(audit));
      new k8s.core.v1.ConfigMap(
        childName(name, "audit-policy"),
        {
          metadata: {
            name: AUDIT_POLICY_CONFIGMAP,
            namespace: "kube-system",
            labels: standardLabels("audit-policy", name),
            annotations: audit.apiServerFlags ? { [AUDIT_FLAGS_ANNOTATION]: audit.apiServerFlags.join(" ") } : undefined,
          },
          data: { "policy.yaml": auditPolicyYaml(policy) },
        },
        child,
      );
    }
    if (audit.eks) this.eksEnabledClusterLogTypes = new EksAuditLogging(childName(name, "audit"), audit.eks, child).enabledClusterLogTypes;
    if (audit.gke) new GkeAuditLogging(childName(name, "audit"), audit.gke, child);
    if (audit.aks) new AksAuditLogging(childName(name, "audit"), audit.aks, child);

    this.exemptSubjects = pulumi.all(exempt).apply((lists) => [...new Set(lists.flat())].sort());
    this.registerOutputs({
      exemptSubjects: this.exemptSubjects,
      encryptionConfigYaml: this.encryptionConfigYaml,
      eksEncryptionConfig: this.eksEncryptionConfig,
      gkeDatabaseEncryption: this.gkeDatabaseEncryption,
      aksSecurityProfile: this.aksSecurityProfile,
      aksKmsIdentityId: this.aksKmsIdentityId,
      eksEnabledClusterLogTypes: this.eksEnabledClusterLogTypes,
      vaultAddress: this.vaultAddress,
      vaultCaCertificatePem: this.vaultCaCertificatePem,
      sealingCertificatePem: this.sealingCertificatePem,
      externalSecretsNamespace: this.externalSecretsNamespace,
    });
  }
}
