import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { createdClusterName, kubeconfigYaml, platformParts, withKubeloginMode } from "../../stacks/clusters";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { unwrap } from "../harness/pulumi";

const P = "kube-secrets-platform:clusters[0]";
const ROLE = "arn:aws:iam::123456789012:role/prod-eks-cluster";
const SUBNETS = ["subnet-0a1", "subnet-0b2"];

/** A valid EKS create-mode cluster, with `patch` merged over it. */
function eks(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "prod",
    kind: "eks",
    create: { eks: { subnetIds: SUBNETS } },
    encryption: { eks: { clusterRoleArn: ROLE } },
    audit: { eks: { clusterName: "prod" } },
    ...patch,
  };
}
const problems = (cluster: Record<string, unknown>): string[] => {
  try {
    parseStackConfig({ clusters: [cluster] });
    return [];
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
};

test("create block: defaults of a valid EKS cluster (private endpoint, creator admin entry)", () => {
  const parsed = parseStackConfig({ clusters: [eks()] }).clusters[0];
  assert.deepEqual(parsed.create, { eks: { subnetIds: SUBNETS, endpointPublicAccess: false, bootstrapClusterCreatorAdminPermissions: true } });
  assert.deepEqual(parsed.kubernetes, {});
  assert.equal(createdClusterName(parsed), "prod");
  assert.equal(createdClusterName({ name: "prod", create: { eks: { ...parsed.create.eks, name: "prod-eks-1" } } }), "prod-eks-1");
});

test("create block: GKE and AKS defaults", () => {
  const gke = parseStackConfig({
    clusters: [{ name: "g", kind: "gke", create: { gke: { location: "europe-west1" } }, encryption: { gke: { location: "europe-west1" } }, audit: { gke: { project: "example-project" } } }],
  }).clusters[0];
  assert.deepEqual(gke.create, { gke: { location: "europe-west1", releaseChannel: "REGULAR", initialNodeCount: 1, machineType: "e2-standard-4", deletionProtection: true } });
  const clusterId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a";
  const aks = parseStackConfig({
    clusters: [
      {
        name: "a",
        kind: "aks",
        create: { aks: { resourceGroupName: "rg", adminGroupObjectIds: ["11111111-2222-4333-8444-555555555555"] } },
        encryption: { aks: { resourceGroupName: "rg" } },
        audit: { aks: { clusterId, workspaceId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w" } },
      },
    ],
  }).clusters[0];
  assert.deepEqual(aks.create, { aks: { resourceGroupName: "rg", adminGroupObjectIds: ["11111111-2222-4333-8444-555555555555"], nodeCount: 3, vmSize: "Standard_D4s_v5", kubeloginMode: "azurecli" } });
});

test("create block: create and kubernetes are mutually exclusive", () => {
  assert.deepEqual(problems(eks({ kubernetes: { context: "prod" } })), [`${P}.create: set either create (the stack creates the cluster) or kubernetes (adopt an existing one), got both`]);
  assert.deepEqual(problems(eks({ kubernetes: { kubeconfig: "~/.kube/config" } })), [`${P}.create: set either create (the stack creates the cluster) or kubernetes (adopt an existing one), got both`]);
});

test("create block: exactly one member, matching the cluster kind", () => {
  assert.deepEqual(problems(eks({ create: {} })), [`${P}.create: set exactly one of eks, gke, aks, got none`]);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS }, gke: { location: "europe-west1" } } })), [`${P}.create: set exactly one of eks, gke, aks, got eks and gke`]);
  assert.deepEqual(problems(eks({ kind: "gke", encryption: undefined, audit: undefined })), [`${P}.create.eks: only for clusters of kind eks, got kind gke`]);
  assert.deepEqual(problems({ name: "x", create: { eks: { subnetIds: SUBNETS } } }), [`${P}.create.eks: only for clusters of kind eks, got kind self-managed`]);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, typo: true } } })), [`${P}.create.eks.typo: unknown key`]);
});

test("create block: the key and the audit logs are required, the rewrite trigger is the key the cluster reports", () => {
  assert.deepEqual(problems(eks({ encryption: undefined })), [`${P}.create.eks: needs encryption.eks (the key the created cluster encrypts Secrets with)`]);
  assert.deepEqual(problems(eks({ audit: {} })), [`${P}.create.eks: needs audit.eks with audit enabled (the created cluster's audit logs)`]);
  assert.deepEqual(problems(eks({ audit: { enabled: false, eks: { clusterName: "prod" } } })), [`${P}.create.eks: needs audit.eks with audit enabled (the created cluster's audit logs)`]);
  assert.deepEqual(problems(eks({ encryption: { eks: { clusterRoleArn: ROLE }, reencryption: { encryptingWith: "k1" } } })), [
    `${P}.create.eks: encryption.reencryption.encryptingWith must be left out: the created cluster reports the key it encrypts with`,
  ]);
});

test("create block: a key with explicit administrators must let the creator create the cluster", () => {
  assert.deepEqual(problems(eks({ encryption: { eks: { clusterRoleArn: ROLE, administratorArns: ["arn:aws:iam::123456789012:role/admins"] } } })), [
    `${P}.create.eks: needs encryption.eks.clusterCreatorArns (the identity running pulumi up creates the cluster and needs kms:CreateGrant; with administratorArns the key policy has no account-root statement)`,
  ]);
  assert.deepEqual(problems(eks({ encryption: { eks: { clusterRoleArn: ROLE, administratorArns: ["arn:aws:iam::123456789012:role/admins"], clusterCreatorArns: ["arn:aws:iam::123456789012:role/deployer"] } } })), []);
});

test("create block: required fields and unsafe values", () => {
  assert.deepEqual(problems(eks({ create: { eks: {} } })), [`${P}.create.eks.subnetIds: Invalid input: expected array, received undefined`]);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: ["subnet-0a1"] } } })), [`${P}.create.eks.subnetIds: must list at least two subnets (in two availability zones)`]);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, endpointPublicAccess: true } } })), [`${P}.create.eks.publicAccessCidrs: is required when endpointPublicAccess is true`]);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } } })), [
    `${P}.create.eks.publicAccessCidrs: must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)`,
  ]);
  // The union counts, not each entry: two halves are the whole address space.
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } } })), [
    `${P}.create.eks.publicAccessCidrs: must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)`,
  ]);
  // Its least-privilege twin: one office network.
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } } })), []);
  assert.deepEqual(problems(eks({ create: { eks: { subnetIds: SUBNETS, publicAccessCidrs: ["203.0.113.0/24"] } } })), [`${P}.create.eks.publicAccessCidrs: is only used when endpointPublicAccess is true`]);
  assert.deepEqual(problems({ name: "g", kind: "gke", create: { gke: {} }, encryption: { gke: { location: "europe-west1" } }, audit: { gke: { project: "example-project" } } }), [
    `${P}.create.gke.location: Invalid input: expected string, received undefined`,
  ]);
  assert.deepEqual(
    problems({ name: "a", kind: "aks", create: { aks: { resourceGroupName: "rg", adminGroupObjectIds: [] } }, encryption: { aks: { resourceGroupName: "rg" } }, audit: { aks: { clusterId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a", workspaceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w" } } }),
    [`${P}.create.aks.adminGroupObjectIds: must name at least one admin group (local accounts are disabled)`],
  );
});

test("create block: the audit section must name the cluster the stack creates", () => {
  assert.deepEqual(problems(eks({ create: { eks: { name: "prod-eks", subnetIds: SUBNETS } } })), [`${P}.create.eks.name: the created cluster is named "prod-eks" but audit.eks.clusterName is "prod"`]);
  assert.deepEqual(
    problems({ name: "g", kind: "gke", create: { gke: { location: "europe-west1" } }, encryption: { gke: { location: "europe-west1" } }, audit: { gke: { project: "example-project", clusterName: "other" } } }),
    [`${P}.create.gke.name: the created cluster is named "g" but audit.gke.clusterName is "other"`],
  );
  const otherId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/other";
  assert.deepEqual(
    problems({ name: "a", kind: "aks", create: { aks: { resourceGroupName: "rg", adminGroupObjectIds: ["11111111-2222-4333-8444-555555555555"] } }, encryption: { aks: { resourceGroupName: "rg" } }, audit: { aks: { clusterId: otherId, workspaceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w" } } }),
    [`${P}.create.aks.name: the created cluster is ".../resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a" but audit.aks.clusterId is "${otherId}"`],
  );
});

test("audit identity: optional when the stack creates the cluster, required when it adopts one", () => {
  const { audit } = parseStackConfig({ clusters: [eks({ audit: { eks: { retentionInDays: 90 } } })] }).clusters[0];
  assert.deepEqual(audit.eks, { retentionInDays: 90 });
  const workspaceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w";
  const createdAks = { name: "a", kind: "aks", create: { aks: { resourceGroupName: "rg", adminGroupObjectIds: ["11111111-2222-4333-8444-555555555555"] } }, encryption: { aks: { resourceGroupName: "rg" } }, audit: { aks: { workspaceId } } };
  assert.deepEqual(problems(createdAks), []);
  assert.deepEqual(problems({ name: "prod", kind: "eks", encryption: { enabled: false }, audit: { eks: { retentionInDays: 90 } } }), [
    `${P}.audit.eks.clusterName: required: the adopted EKS cluster's name (only a cluster the stack creates, create.eks, may leave it out)`,
  ]);
  assert.deepEqual(problems({ name: "a", kind: "aks", encryption: { enabled: false }, audit: { aks: { workspaceId } } }), [
    `${P}.audit.aks.clusterId: required: the adopted AKS cluster's resource id (only a cluster the stack creates, create.aks, may leave it out)`,
  ]);
  // The rest of the member is still checked when the identity is left out.
  assert.deepEqual(problems(eks({ audit: { eks: { retentionInDays: 90, logTypes: ["api"] } } })), [
    `${P}.audit.eks.logTypes: must include "audit" (the Kubernetes audit log is what this component is for), got ["api"]`,
  ]);
});

test("platformParts: adopt mode keeps every part (the rewrite once a key is stated); create mode drops the cloud key and logs and triggers the rewrite by the key", async () => {
  const encryption = { eks: { clusterRoleArn: ROLE }, reencryption: { jobNamespace: "secrets-reencryption", chunkSize: 100 } };
  const audit = { policyConfigMap: false, silencedNamespaces: ["kube-system"], eks: { clusterName: "prod" } };
  // Adopted, no key stated: no rewrite yet (the key the stack creates is not the cluster's until it is set there).
  assert.deepEqual(platformParts(undefined, encryption, audit), { encryption: { eks: encryption.eks }, audit });
  const stated = { ...encryption, reencryption: { ...encryption.reencryption, trigger: "arn:aws:kms:us-east-1:123456789012:key/old" } };
  assert.deepEqual(platformParts(undefined, stated, audit), { encryption: stated, audit });
  const keyId = pulumi.output("arn:aws:kms:us-east-1:123456789012:key/k");
  const parts = platformParts({ keyId }, encryption, audit);
  assert.deepEqual(Object.keys(parts.encryption!), ["reencryption"]);
  assert.equal(await unwrap(parts.encryption!.reencryption!.trigger!), "arn:aws:kms:us-east-1:123456789012:key/k");
  assert.equal(parts.encryption!.reencryption!.chunkSize, 100);
  assert.deepEqual(parts.audit, { policyConfigMap: false, silencedNamespaces: ["kube-system"] });
  // Without a rewrite nothing is invented.
  assert.deepEqual(platformParts({ keyId }, { gke: { location: "europe-west1" } }, undefined), { encryption: {}, audit: undefined });
});

test("kubeconfigYaml: one cluster, one non-interactive exec user, one current context", () => {
  const doc = parse(kubeconfigYaml({ name: "prod", server: "https://api.example.invalid", certificateAuthorityData: "Q0E=", exec: { command: "aws", args: ["eks", "get-token", "--cluster-name", "prod"] } }));
  assert.deepEqual(doc, {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "prod", cluster: { server: "https://api.example.invalid", "certificate-authority-data": "Q0E=" } }],
    users: [{ name: "prod", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "prod"], interactiveMode: "Never", provideClusterInfo: false } } }],
    contexts: [{ name: "prod", context: { cluster: "prod", user: "prod" } }],
    "current-context": "prod",
  });
});

test("withKubeloginMode: switches only kubelogin users' --login", () => {
  const kubeconfig = [
    "users:",
    "- name: aad",
    "  user:",
    "    exec: { command: kubelogin, args: [get-token, --login, devicecode, --server-id, s] }",
    "- name: other",
    "  user:",
    "    exec: { command: aws, args: [eks, get-token, --login, x] }",
    "- name: no-login",
    "  user:",
    "    exec: { command: /usr/local/bin/kubelogin, args: [get-token] }",
  ].join("\n");
  const users = parse(withKubeloginMode(kubeconfig, "azurecli")).users;
  assert.deepEqual(users.map((u: any) => u.user.exec.args), [["get-token", "--login", "azurecli", "--server-id", "s"], ["eks", "get-token", "--login", "x"], ["get-token", "--login", "azurecli"]]);
});

test("create.aks: a private Key Vault needs API Server VNet Integration; both subnets together", () => {
  const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets";
  const aks = (create: Record<string, unknown>, access = "Private") => ({
    name: "a",
    kind: "aks",
    create: { aks: { resourceGroupName: "rg", adminGroupObjectIds: ["11111111-2222-4333-8444-555555555555"], ...create } },
    encryption: { aks: { resourceGroupName: "rg", keyVaultNetworkAccess: access } },
    audit: { aks: { workspaceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w" } },
  });
  assert.deepEqual(problems(aks({})), [
    `${P}.create.aks.apiServerSubnetId: is required with encryption.aks.keyVaultNetworkAccess Private (AKS KMS with a private Key Vault needs API Server VNet Integration)`,
  ]);
  assert.deepEqual(problems(aks({ apiServerSubnetId: `${SUB}/apiserver` })), [
    `${P}.create.aks.nodeSubnetId: set apiServerSubnetId and nodeSubnetId together (VNet integration needs the nodes in the same VNet)`,
  ]);
  assert.deepEqual(problems(aks({ apiServerSubnetId: `${SUB}/apiserver`, nodeSubnetId: `${SUB}/nodes` })), []);
  assert.deepEqual(problems(aks({ apiServerSubnetId: "subnet-1", nodeSubnetId: `${SUB}/nodes` })), [
    `${P}.create.aks.apiServerSubnetId: must be a subnet resource id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>)`,
  ]);
  assert.deepEqual(problems(aks({}, "Public")), []);
});
