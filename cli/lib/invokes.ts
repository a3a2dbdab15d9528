/**
 * Invoke results the offline plan answers with. Values are obviously fake placeholders (account
 * 123456789012, project number 123456789) so that nothing in a plan can be mistaken for a real
 * environment. An invoke not listed here fails the plan with its token.
 */
import { createHash } from "node:crypto";
import type { InvokeMock } from "./mockRuntime";

export const PLACEHOLDER = {
  awsAccountId: "123456789012",
  awsRegion: "us-east-1",
  gcpProject: "example-project",
  gcpProjectNumber: "123456789",
  azureTenantId: "00000000-0000-0000-0000-000000000000",
  azureSubscriptionId: "00000000-0000-0000-0000-000000000001",
  azureObjectId: "00000000-0000-0000-0000-000000000002",
} as const;

/** A stable hex id from a name (placeholder OIDC ids and key ids). */
function placeholderHex(seed: string, length: number): string {
  let h = 2166136261;
  let out = "";
  while (out.length < length) {
    for (const c of `${seed}${out.length}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, length).toUpperCase();
}

/**
 * What `aws.eks.Cluster.get` reads for an adopted cluster in the offline plan: a compliant, realistic EKS
 * cluster (envelope encryption of `secrets` with a customer key, every control-plane log type, an OIDC
 * issuer, Kubernetes 1.33). The plan cannot see the real cluster; a real preview reads it.
 */
export function adoptedEksClusterState(name: string): Record<string, unknown> {
  const oidc = placeholderHex(name, 32);
  return {
    name,
    arn: `arn:aws:eks:${PLACEHOLDER.awsRegion}:${PLACEHOLDER.awsAccountId}:cluster/${name}`,
    version: "1.33",
    encryptionConfig: { provider: { keyArn: `arn:aws:kms:${PLACEHOLDER.awsRegion}:${PLACEHOLDER.awsAccountId}:key/${placeholderHex(`${name}-key`, 8).toLowerCase()}-0000-4000-8000-000000000000` }, resources: ["secrets"] },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    identities: [{ oidcs: [{ issuer: `https://oidc.eks.${PLACEHOLDER.awsRegion}.amazonaws.com/id/${oidc}` }] }],
  };
}

export const planInvokes: Record<string, InvokeMock> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: PLACEHOLDER.awsAccountId,
    arn: `arn:aws:iam::${PLACEHOLDER.awsAccountId}:user/plan`,
    userId: "AIDAPLAN",
    id: PLACEHOLDER.awsAccountId,
  }),
  "aws:index/getRegion:getRegion": () => ({ name: PLACEHOLDER.awsRegion, region: PLACEHOLDER.awsRegion, id: PLACEHOLDER.awsRegion }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "gcp:organizations/getProject:getProject": (inputs) => ({
    projectId: inputs.projectId ?? PLACEHOLDER.gcpProject,
    number: PLACEHOLDER.gcpProjectNumber,
    name: inputs.projectId ?? PLACEHOLDER.gcpProject,
    id: `projects/${inputs.projectId ?? PLACEHOLDER.gcpProject}`,
  }),
  "gcp:organizations/getClientConfig:getClientConfig": () => ({ project: PLACEHOLDER.gcpProject, region: "us-central1", zone: "us-central1-a" }),
  // A project whose IAM policy has no audit configs yet (GkeAuditLogging merges what it finds).
  "gcp:projects/getIamPolicy:getIamPolicy": (inputs) => ({ project: inputs.project, policyData: "{}", etag: "BwPlan", id: inputs.project }),
  // The key's current version (AksSecretsEncryption reads it on every run): a placeholder version per vault and key.
  "azure-native:keyvault:getKey": (inputs) => {
    const vault = String(inputs.vaultName ?? "plan-vault");
    const uri = `https://${vault}.vault.example.invalid/keys/${String(inputs.keyName)}`;
    const version = createHash("sha256").update(`${vault}/${String(inputs.keyName)}`).digest("hex").slice(0, 32);
    return { name: inputs.keyName, keyUri: uri, keyUriWithVersion: `${uri}/${version}` };
  },
  "azure-native:authorization:getClientConfig": () => ({
    tenantId: PLACEHOLDER.azureTenantId,
    subscriptionId: PLACEHOLDER.azureSubscriptionId,
    objectId: PLACEHOLDER.azureObjectId,
    clientId: PLACEHOLDER.azureObjectId,
  }),
  // Adopted clusters (stacks/adopted.ts): compliant, realistic configurations.
  "gcp:container/getCluster:getCluster": (inputs) => ({
    name: inputs.name,
    location: inputs.location,
    project: inputs.project ?? PLACEHOLDER.gcpProject,
    masterVersion: "1.33.5-gke.1080000",
    databaseEncryptions: [
      { state: "ENCRYPTED", keyName: `projects/${inputs.project ?? PLACEHOLDER.gcpProject}/locations/${inputs.location}/keyRings/gke/cryptoKeys/${inputs.name}-secrets` },
    ],
    workloadIdentityConfigs: [{ workloadPool: `${inputs.project ?? PLACEHOLDER.gcpProject}.svc.id.goog` }],
  }),
  "azure-native:containerservice:getManagedCluster": (inputs) => ({
    id: `/subscriptions/${PLACEHOLDER.azureSubscriptionId}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${inputs.resourceName}`,
    name: inputs.resourceName,
    kubernetesVersion: "1.33",
    currentKubernetesVersion: "1.33.3",
    oidcIssuerProfile: { enabled: true, issuerURL: `https://westeurope.oic.prod-aks.azure.com/${PLACEHOLDER.azureTenantId}/${placeholderHex(inputs.resourceName, 8).toLowerCase()}/` },
    securityProfile: {
      azureKeyVaultKms: { enabled: true, keyId: `https://kv-${inputs.resourceName}.vault.azure.net/keys/etcd/${placeholderHex(inputs.resourceName, 32).toLowerCase()}`, keyVaultNetworkAccess: "Private" },
      workloadIdentity: { enabled: true },
    },
  }),
  "azure-native:monitor:getDiagnosticSetting": (inputs) => ({
    id: `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${inputs.name}`,
    name: inputs.name,
    workspaceId: `/subscriptions/${PLACEHOLDER.azureSubscriptionId}/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/audit`,
    logs: [
      { category: "kube-audit", enabled: true },
      { category: "kube-audit-admin", enabled: true },
      { category: "guard", enabled: true },
    ],
  }),
  // A placeholder user kubeconfig (exec kubelogin, as AKS returns with Entra ID and local accounts disabled).
  "azure-native:containerservice:listManagedClusterUserCredentials": (inputs) => ({
    kubeconfigs: [
      {
        name: "clusterUser",
        value: Buffer.from(
          [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            `- name: ${inputs.resourceName}`,
            "  cluster:",
            `    server: https://${inputs.resourceName}.hcp.example.invalid:443`,
            "    certificate-authority-data: cGxhY2Vob2xkZXI=",
            "users:",
            `- name: clusterUser_${inputs.resourceGroupName}_${inputs.resourceName}`,
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1beta1",
            "      command: kubelogin",
            "      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, 00000000-0000-0000-0000-000000000000, --login, devicecode]",
            "contexts:",
            `- name: ${inputs.resourceName}`,
            "  context:",
            `    cluster: ${inputs.resourceName}`,
            `    user: clusterUser_${inputs.resourceGroupName}_${inputs.resourceName}`,
            `current-context: ${inputs.resourceName}`,
            "",
          ].join("\n"),
        ).toString("base64"),
      },
    ],
  }),
};
