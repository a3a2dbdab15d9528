/**
 * Invoke results the offline plan answers with. Values are obviously fake placeholders (account
 * 123456789012, project number 123456789) so that nothing in a plan can be mistaken for a real
 * environment. An invoke not listed here fails the plan with its token.
 */
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
  "azure-native:authorization:getClientConfig": () => ({
    tenantId: PLACEHOLDER.azureTenantId,
    subscriptionId: PLACEHOLDER.azureSubscriptionId,
    objectId: PLACEHOLDER.azureObjectId,
    clientId: PLACEHOLDER.azureObjectId,
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
