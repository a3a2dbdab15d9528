// Cloud and platform policies over raw resource inputs: baseline, exact messages, config.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import { aksAuditDiagnostics, eksAuditLogging, gkeDataAccessAudit } from "../../../policy-pack/policies/cloudAudit";
import { aksKmsEncryption, eksSecretsEncryption, gkeDatabaseEncryption, keyVaultPurgeProtection, kmsKeyRotation } from "../../../policy-pack/policies/cloudEncryption";
import { clusterSecretStoreConditions, esoIamNoWildcardResources, externalSecretRefreshInterval } from "../../../policy-pack/policies/externalSecrets";
import { sealedSecretsScope } from "../../../policy-pack/policies/sealedSecretsScope";
import { selfManagedEncryptionConfiguration } from "../../../policy-pack/policies/selfManagedEncryption";
import { vaultChartHardening, vaultKubernetesRoleBindings } from "../../../policy-pack/policies/vault";
import { UNKNOWN, resource, runPolicy } from "../../harness/policy";

const msgs = async (policy: Parameters<typeof runPolicy>[0], type: string, props: Record<string, any>, config?: Parameters<typeof runPolicy>[2]) =>
  (await runPolicy(policy, [resource(type, props, "x")], config)).messages;

test("eks-secrets-encryption and eks-audit-logging", async () => {
  const ok = { encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/k" } }, enabledClusterLogTypes: ["api", "audit"] };
  assert.deepEqual(await msgs(eksSecretsEncryption, "aws:eks/cluster:Cluster", ok), []);
  assert.deepEqual(await msgs(eksSecretsEncryption, "aws:eks/cluster:Cluster", {}), ["EKS cluster x: encryptionConfig is not set, Secrets are stored unencrypted by a customer key"]);
  assert.deepEqual(await msgs(eksSecretsEncryption, "aws:eks/cluster:Cluster", { encryptionConfig: { resources: [], provider: {} } }), [
    'EKS cluster x: encryptionConfig.resources must include "secrets", got []',
    "EKS cluster x: encryptionConfig.provider.keyArn is not set",
  ]);
  const unknown = await runPolicy(eksSecretsEncryption, [resource("aws:eks/cluster:Cluster", { encryptionConfig: UNKNOWN.object }, "x")]);
  assert.deepEqual(unknown.messages, []);
  assert.equal(unknown.notApplicable.length, 1, "an unknown encryptionConfig is not applicable, not compliant");
  assert.deepEqual(await msgs(eksAuditLogging, "aws:eks/cluster:Cluster", ok), []);
  assert.deepEqual(await msgs(eksAuditLogging, "aws:eks/cluster:Cluster", { enabledClusterLogTypes: ["api"] }), ['EKS cluster x: enabledClusterLogTypes must include "audit", got ["api"]']);
});

test("kms-key-rotation-and-deletion-window", async () => {
  assert.deepEqual(await msgs(kmsKeyRotation, "aws:kms/key:Key", { enableKeyRotation: true, deletionWindowInDays: 30 }), []);
  assert.deepEqual(await msgs(kmsKeyRotation, "aws:kms/key:Key", { deletionWindowInDays: 7 }), ["KMS key x: enableKeyRotation must be true, got undefined", "KMS key x: deletionWindowInDays must be >= 30, got 7"]);
  assert.deepEqual(await msgs(kmsKeyRotation, "aws:kms/key:Key", { enableKeyRotation: true, deletionWindowInDays: 7 }, { "kms-key-rotation-and-deletion-window": { minimumDeletionWindowDays: 7 } }), []);
  assert.deepEqual(await msgs(kmsKeyRotation, "gcp:kms/cryptoKey:CryptoKey", { rotationPeriod: "7776000s" }), []);
  assert.deepEqual(await msgs(kmsKeyRotation, "gcp:kms/cryptoKey:CryptoKey", {}), ["CryptoKey x: rotationPeriod must be at most 7776000s, got unset"]);
});

test("gke-database-encryption, aks-kms-encryption, key-vault-purge-protection", async () => {
  assert.deepEqual(await msgs(gkeDatabaseEncryption, "gcp:container/cluster:Cluster", { databaseEncryption: { state: "ENCRYPTED", keyName: "k" } }), []);
  assert.deepEqual(await msgs(gkeDatabaseEncryption, "gcp:container/cluster:Cluster", { databaseEncryption: { state: "DECRYPTED" } }), ["GKE cluster x: databaseEncryption.state must be ENCRYPTED, got DECRYPTED"]);
  assert.deepEqual(await msgs(aksKmsEncryption, "azure-native:containerservice:ManagedCluster", { securityProfile: { azureKeyVaultKms: { enabled: true, keyId: "https://v/keys/k/1" } } }), []);
  assert.deepEqual(await msgs(aksKmsEncryption, "azure-native:containerservice:ManagedCluster", {}), ["AKS cluster x: securityProfile.azureKeyVaultKms.enabled must be true, got undefined"]);
  assert.deepEqual(await msgs(keyVaultPurgeProtection, "azure-native:keyvault:Vault", { properties: { enablePurgeProtection: true } }), []);
  assert.deepEqual(await msgs(keyVaultPurgeProtection, "azure-native:keyvault:Vault", { properties: { enableSoftDelete: false } }), [
    "Key Vault x: properties.enablePurgeProtection must be true, got undefined",
    "Key Vault x: properties.enableSoftDelete must not be false",
  ]);
});

test("aks-kube-audit-diagnostics and gke-data-access-audit", async () => {
  const uri = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c";
  assert.deepEqual(await msgs(aksAuditDiagnostics, "azure-native:monitor:DiagnosticSetting", { resourceUri: uri, logs: [{ category: "kube-audit", enabled: true }] }), []);
  assert.deepEqual(await msgs(aksAuditDiagnostics, "azure-native:monitor:DiagnosticSetting", { resourceUri: uri, logs: [{ category: "kube-apiserver", enabled: true }] }), [`Diagnostic setting x: no enabled kube-audit log category for ${uri}`]);
  const cluster = resource("gcp:container/cluster:Cluster", {}, "gke");
  const audit = (types: string[]) => resource("gcp:projects/iAMAuditConfig:IAMAuditConfig", { service: "container.googleapis.com", auditLogConfigs: types.map((logType) => ({ logType })) }, "audit");
  assert.deepEqual((await runPolicy(gkeDataAccessAudit, [cluster, audit(["DATA_READ", "DATA_WRITE"])])).messages, []);
  assert.deepEqual((await runPolicy(gkeDataAccessAudit, [cluster, audit(["DATA_READ"])])).messages, ["GKE cluster gke: no IAMAuditConfig for container.googleapis.com enables DATA_WRITE"]);
  assert.deepEqual((await runPolicy(gkeDataAccessAudit, [audit([])])).messages, [], "no GKE cluster, nothing to audit");
});

test("self-managed-encryption-configuration parses the YAML (plain or base64) without echoing keys", async () => {
  const config = (first: Record<string, unknown>) => stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [{ resources: ["secrets"], providers: [first, { identity: {} }] }],
  });
  const aes = { aescbc: { keys: [{ name: "k1", secret: "c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcy14eHg=" }] } };
  assert.deepEqual(await msgs(selfManagedEncryptionConfiguration, "kubernetes:core/v1:Secret", { stringData: { "config.yaml": config(aes) } }), []);
  const bad = config({ identity: {} });
  // The component's own validator (validateEncryptionConfiguration) decides, with its messages.
  const expected = [
    "kubernetes:core/v1:Secret x: EncryptionConfiguration resources[0].providers[0].identity: identity must not be the first provider (it would store new Secrets unencrypted)",
  ];
  assert.deepEqual(await msgs(selfManagedEncryptionConfiguration, "kubernetes:core/v1:Secret", { stringData: { "config.yaml": bad } }), expected);
  assert.deepEqual(await msgs(selfManagedEncryptionConfiguration, "kubernetes:core/v1:Secret", { data: { "config.yaml": Buffer.from(bad).toString("base64") } }), expected);
  const noSecrets = stringify({ apiVersion: "apiserver.config.k8s.io/v1", kind: "EncryptionConfiguration", resources: [{ resources: ["configmaps"], providers: [aes] }] });
  assert.deepEqual(await msgs(selfManagedEncryptionConfiguration, "kubernetes:core/v1:ConfigMap", { data: { c: noSecrets } }), ["kubernetes:core/v1:ConfigMap x: EncryptionConfiguration resources: no entry covers secrets"]);
  // API-server rules apply too: a 10-byte aescbc key is refused without echoing it.
  const shortKey = config({ aescbc: { keys: [{ name: "k1", secret: Buffer.from("0123456789").toString("base64") }] } });
  const short = await msgs(selfManagedEncryptionConfiguration, "kubernetes:core/v1:Secret", { stringData: { "config.yaml": shortKey } });
  assert.deepEqual(short, ["kubernetes:core/v1:Secret x: EncryptionConfiguration resources[0].providers[0].aescbc.keys[0].secret: must decode to 16, 24, 32 bytes, got 10"]);
  assert.ok(!short[0].includes(Buffer.from("0123456789").toString("base64")));
});

test("ESO: ClusterSecretStore conditions, refresh interval, IAM without * resources", async () => {
  const css = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
  assert.deepEqual(await msgs(clusterSecretStoreConditions, css, { metadata: { name: "aws" }, spec: { conditions: [{ namespaces: ["apps"] }] } }), []);
  assert.deepEqual(await msgs(clusterSecretStoreConditions, css, { metadata: { name: "aws" }, spec: {} }), ["ClusterSecretStore aws: spec.conditions: no conditions, so every namespace may use the store"]);
  assert.deepEqual(await msgs(clusterSecretStoreConditions, css, { metadata: { name: "aws" }, spec: { conditions: [{ namespaceSelector: {} }] } }), [
    "ClusterSecretStore aws: spec.conditions[0].namespaceSelector: the empty selector matches every namespace that carries no other label (a new namespace), so it restricts nothing",
  ]);
  const es = "kubernetes:external-secrets.io/v1:ExternalSecret";
  assert.deepEqual(await msgs(externalSecretRefreshInterval, es, { metadata: { name: "db", namespace: "apps" }, spec: { refreshInterval: "1h" } }), []);
  assert.deepEqual(await msgs(externalSecretRefreshInterval, es, { metadata: { name: "db", namespace: "apps" }, spec: { refreshInterval: "10s" } }), ["ExternalSecret apps/db: refreshInterval 10s is below the minimum 1m"]);
  assert.deepEqual(await msgs(externalSecretRefreshInterval, es, { metadata: { name: "db", namespace: "apps" }, spec: { refreshInterval: "30m" } }, { "external-secret-refresh-interval": { minimumRefreshInterval: "1h" } }), [
    "ExternalSecret apps/db: refreshInterval 30m is below the minimum 1h",
  ]);
  const policy = (resource: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: resource }] });
  assert.deepEqual(await msgs(esoIamNoWildcardResources, "aws:iam/policy:Policy", { policy: policy(["arn:aws:secretsmanager:eu-west-1:1:secret:apps/*"]) }), []);
  assert.deepEqual(await msgs(esoIamNoWildcardResources, "aws:iam/policy:Policy", { policy: policy("*") }), ['IAM policy x: Statement[0] allows secretsmanager:GetSecretValue on Resource "*" (every resource of the account)']);
});

test("vault-chart-hardening and vault-kubernetes-role-bindings", async () => {
  const chart = "kubernetes:helm.sh/v4:Chart";
  const good = { chart: "vault", values: { global: { tlsDisable: false }, server: { ha: { enabled: true, replicas: 3, raft: { enabled: true } } } } };
  assert.deepEqual(await msgs(vaultChartHardening, chart, good), []);
  assert.deepEqual(await msgs(vaultChartHardening, chart, { chart: "vault", values: { server: { dev: { enabled: true } } } }), [
    "Vault chart x: server.dev.enabled is true (in-memory, unsealed, root token)",
    "Vault chart x: server.ha.enabled must be true",
    "Vault chart x: global.tlsDisable must be false (the chart defaults to true), got undefined",
  ]);
  assert.deepEqual(await msgs(vaultChartHardening, chart, { chart: "external-secrets", values: {} }), []);
  // A CSI-provider-only release runs no server; dev mode is still refused there.
  assert.deepEqual(await msgs(vaultChartHardening, chart, { chart: "vault", values: { server: { enabled: false }, csi: { enabled: true } } }), []);
  assert.deepEqual(await msgs(vaultChartHardening, chart, { chart: "vault", values: { server: { enabled: false, dev: { enabled: true } } } }), [
    "Vault chart x: server.dev.enabled is true (in-memory, unsealed, root token)",
  ]);
  const role = "vault:kubernetes/authBackendRole:AuthBackendRole";
  assert.deepEqual(await msgs(vaultKubernetesRoleBindings, role, { roleName: "app", boundServiceAccountNames: ["api"], boundServiceAccountNamespaces: ["apps"] }), []);
  assert.deepEqual(await msgs(vaultKubernetesRoleBindings, role, { roleName: "app", boundServiceAccountNames: ["*"], boundServiceAccountNamespaces: ["apps"] }), [
    'Vault role app: boundServiceAccountNames contains a wildcard, got ["*"]',
  ]);
});

test("sealed-secrets-scope", async () => {
  const t = "kubernetes:bitnami.com/v1alpha1:SealedSecret";
  assert.deepEqual(await msgs(sealedSecretsScope, t, { metadata: { name: "db", namespace: "apps" } }), []);
  const cw = { metadata: { name: "db", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" } } };
  assert.deepEqual(await msgs(sealedSecretsScope, t, cw), ["SealedSecret apps/db is sealed cluster-wide: it can be unsealed in any namespace under any name"]);
  assert.deepEqual(await msgs(sealedSecretsScope, t, cw, { "sealed-secrets-scope": { allowClusterWide: ["apps/*"] } }), []);
});
