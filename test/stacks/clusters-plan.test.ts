import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { parse } from "yaml";
import { planInvokes } from "../../cli/lib/invokes";
import { invalidInputOutcome, runPlan } from "../../cli/lib/plan";
import { planResourceState } from "../../cli/lib/planState";
import { readStackFile } from "../../cli/lib/stackFile";
import { EKS_LOG_TYPES, InvalidArgumentsError, gkeSecretAccessFilter, triggerHash } from "../../components";
import { PROJECT, StackConfigError } from "../../stacks/config";
import { program } from "../../stacks/program";
import { runProgram, unwrap, type TestResource, type TestStack } from "../harness/pulumi";

const FIXTURES = join(__dirname, "..", "fixtures", "stacks");

/**
 * Runs the stack program on a fixture with the plan's provider-computed outputs, remembering the state every
 * resource got (so tests compare the cluster's inputs with the key's real outputs), and the invokes made.
 */
async function runFixture(stack: string) {
  const file = readStackFile(join(FIXTURES, `Pulumi.${stack}.yaml`), PROJECT);
  const states = new Map<string, Record<string, unknown>>();
  const invoked: Array<{ token: string; inputs: Record<string, unknown> }> = [];
  let outputs: any;
  const invokes = Object.fromEntries(
    Object.entries(planInvokes).map(([token, mock]) => [token, (inputs: Record<string, any>) => (invoked.push({ token, inputs }), mock(inputs))]),
  );
  const run = await runProgram(
    async () => {
      outputs = await program();
      return outputs;
    },
    {
      project: PROJECT,
      config: file.config,
      invokes,
      resourceState: (args: MockResourceArgs) => {
        const state = planResourceState(args);
        states.set(`${args.type}::${args.name}`, { ...args.inputs, ...state });
        return state;
      },
    },
  );
  const state = (type: string, name: string) => states.get(`${type}::${name}`) ?? assert.fail(`no state for ${type} ${name}`);
  return { stack: run, outputs, state, invoked };
}

/** Every resource below `root` in the parent tree. */
function descendants(stack: TestStack, root: TestResource): TestResource[] {
  const out: TestResource[] = [];
  const walk = (r: TestResource) => stack.children(r).forEach((c) => (out.push(c), walk(c)));
  walk(root);
  return out;
}

/** The created cluster's provider is the one every Kubernetes resource uses; the platform creates no cloud part again. */
function assertPlatformOnCreatedProvider(stack: TestStack, cluster: string, cloudPrefix: string) {
  const provider = stack.one("pulumi:providers:kubernetes", `${cluster}-k8s`);
  const kube = stack.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
  assert.ok(kube.length > 0);
  for (const r of kube) assert.equal(r.provider, `${provider.urn}::${provider.urn.split("::").pop()}-id`, `${r.type} ${r.name} uses the created cluster's provider`);
  const platform = stack.one("kube-secrets-platform:index:SecretsPlatform", cluster);
  const cloudInPlatform = descendants(stack, platform).filter((r) => r.type.startsWith(cloudPrefix) || /SecretsEncryption$|AuditLogging$/.test(r.type));
  assert.deepEqual(cloudInPlatform.map((r) => r.type), [], "the platform creates no second key or audit log");
  assert.ok(stack.isSecret(provider, ["kubeconfig"]), "the provider's kubeconfig is a secret");
  return parse(String(provider.inputs.kubeconfig));
}

test("create-eks: key and log group first, the cluster wired to them, the platform on the built kubeconfig", async () => {
  const { stack, outputs, state } = await runFixture("create-eks");
  // One key component, one audit component, one log group: nothing twice.
  assert.equal(stack.all("kube-secrets-platform:index:EksSecretsEncryption").length, 1);
  assert.equal(stack.all("kube-secrets-platform:index:EksAuditLogging").length, 1);
  assert.equal(stack.all("aws:cloudwatch/logGroup:LogGroup").length, 1);
  assert.deepEqual(stack.all("aws:kms/key:Key").map((k) => k.name).sort(), ["prod-eks-audit-logs-key", "prod-eks-encryption-key"]);

  const keyArn = state("aws:kms/key:Key", "prod-eks-encryption-key").arn as string;
  assert.match(keyArn, /^arn:aws:kms:us-east-1:123456789012:key\//);
  const cluster = stack.one("aws:eks/cluster:Cluster", "prod-eks-cluster");
  assert.deepEqual(cluster.inputs.encryptionConfig, { provider: { keyArn }, resources: ["secrets"] });
  assert.deepEqual(cluster.inputs.enabledClusterLogTypes, [...EKS_LOG_TYPES]);
  assert.equal(cluster.inputs.name, "prod-eks");
  assert.equal(cluster.inputs.version, "1.33");
  assert.equal(cluster.inputs.roleArn, "arn:aws:iam::123456789012:role/prod-eks-cluster");
  assert.deepEqual(cluster.inputs.vpcConfig, { subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"], endpointPrivateAccess: true, endpointPublicAccess: false });
  assert.deepEqual(cluster.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
  const logGroup = stack.one("aws:cloudwatch/logGroup:LogGroup", "prod-eks-audit-log-group");
  assert.equal(logGroup.inputs.name, "/aws/eks/prod-eks/cluster", "the log group EKS writes to");
  assert.ok(cluster.options.dependsOn.includes(logGroup.urn), "the cluster waits for its log group");

  const kubeconfig = assertPlatformOnCreatedProvider(stack, "prod-eks", "aws:");
  const clusterState = state("aws:eks/cluster:Cluster", "prod-eks-cluster") as any;
  assert.deepEqual(kubeconfig.clusters, [{ name: "prod-eks", cluster: { server: clusterState.endpoint, "certificate-authority-data": clusterState.certificateAuthority.data } }]);
  assert.deepEqual(kubeconfig.users[0].user.exec.command, "aws");
  assert.deepEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "prod-eks", "--region", "us-east-1", "--output", "json"]);
  assert.ok(stack.one("pulumi:providers:kubernetes", "prod-eks-k8s").options.dependsOn.includes(cluster.urn));

  // The platform's rewrite Job is keyed on the key the created cluster reports, and so waits for the cluster.
  const jobs = stack.all("kubernetes:batch/v1:Job");
  assert.deepEqual(jobs.map((j) => j.inputs.metadata.name), [`secrets-reencrypt-${triggerHash(keyArn)}`]);
  assert.ok(jobs[0].options.dependsOn.includes(cluster.urn), "the rewrite depends on the cluster resource (its encryptionConfig output)");

  const out = outputs.clusters["prod-eks"];
  assert.deepEqual(await unwrap(out.eksEncryptionConfig), { provider: { keyArn }, resources: ["secrets"] });
  assert.deepEqual(await unwrap(out.eksEnabledClusterLogTypes), [...EKS_LOG_TYPES]);
  assert.deepEqual(await unwrap(pulumi.output(out.created)), { name: "prod-eks", arn: "arn:aws:eks:us-east-1:123456789012:cluster/prod-eks", endpoint: clusterState.endpoint });
});

test("create-gke: the cluster gets the Cloud KMS key, Workload Identity, shielded nodes and its release channel", async () => {
  const { stack, state } = await runFixture("create-gke");
  assert.equal(stack.all("kube-secrets-platform:index:GkeSecretsEncryption").length, 1);
  assert.equal(stack.all("kube-secrets-platform:index:GkeAuditLogging").length, 1);
  assert.equal(stack.all("gcp:kms/cryptoKey:CryptoKey").length, 1);
  const cluster = stack.one("gcp:container/cluster:Cluster", "prod-gke-cluster");
  const keyName = "projects/example-project/locations/europe-west1/keyRings/prod-gke-encryption-gke-secrets/cryptoKeys/gke-secrets";
  assert.equal(stack.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").inputs.cryptoKeyId, keyName);
  assert.deepEqual(cluster.inputs.databaseEncryption, { state: "ENCRYPTED", keyName });
  assert.deepEqual(cluster.inputs.workloadIdentityConfig, { workloadPool: "example-project.svc.id.goog" });
  assert.equal(cluster.inputs.enableShieldedNodes, true);
  assert.equal(cluster.inputs.enableLegacyAbac, false);
  assert.deepEqual(cluster.inputs.releaseChannel, { channel: "STABLE" });
  assert.deepEqual(cluster.inputs.masterAuth, { clientCertificateConfig: { issueClientCertificate: false } });
  assert.deepEqual(cluster.inputs.masterAuthorizedNetworksConfig, { cidrBlocks: [{ cidrBlock: "198.51.100.0/24", displayName: "office" }] });
  assert.deepEqual(cluster.inputs.nodeConfig, {
    machineType: "e2-standard-4",
    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    workloadMetadataConfig: { mode: "GKE_METADATA" },
  });
  assert.equal(cluster.inputs.deletionProtection, true);

  const sink = stack.one("gcp:logging/projectSink:ProjectSink");
  assert.equal(sink.inputs.filter, gkeSecretAccessFilter("prod-gke"), "the secret-access sink filters on the created cluster");

  const kubeconfig = assertPlatformOnCreatedProvider(stack, "prod-gke", "gcp:");
  const clusterState = state("gcp:container/cluster:Cluster", "prod-gke-cluster") as any;
  assert.deepEqual(kubeconfig.clusters[0].cluster, { server: `https://${clusterState.endpoint}`, "certificate-authority-data": clusterState.masterAuth.clusterCaCertificate });
  assert.equal(kubeconfig.users[0].user.exec.command, "gke-gcloud-auth-plugin");
});

test("create-aks: KMS key and identity wired into the cluster, audit on the created cluster's id, user credentials as the kubeconfig", async () => {
  const { stack, invoked } = await runFixture("create-aks");
  assert.equal(stack.all("kube-secrets-platform:index:AksSecretsEncryption").length, 1);
  assert.equal(stack.all("azure-native:keyvault:Key").length, 1);
  assert.equal(stack.all("azure-native:monitor:DiagnosticSetting").length, 1);
  const cluster = stack.one("azure-native:containerservice:ManagedCluster", "prod-aks-cluster");
  // The key's current version, read after the key on every run (so the run after a rotation updates the cluster).
  const reads = invoked.filter((i) => i.token === "azure-native:keyvault:getKey");
  assert.deepEqual(reads.map((i) => i.inputs.keyName), ["aks-kms"]);
  const keyId = (planInvokes["azure-native:keyvault:getKey"](reads[0].inputs) as Record<string, unknown>).keyUriWithVersion as string;
  assert.match(keyId, /\/keys\/aks-kms\/[0-9a-f]{32}$/);
  assert.deepEqual(cluster.inputs.securityProfile, { azureKeyVaultKms: { enabled: true, keyId, keyVaultNetworkAccess: "Public" }, workloadIdentity: { enabled: true } });
  assert.deepEqual(cluster.inputs.identity, { type: "UserAssigned", userAssignedIdentities: ["prod-aks-encryption-identity-id"] });
  assert.deepEqual(cluster.inputs.oidcIssuerProfile, { enabled: true });
  assert.equal(cluster.inputs.disableLocalAccounts, true);
  assert.deepEqual(cluster.inputs.aadProfile, { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["11111111-2222-4333-8444-555555555555"] });
  assert.equal(cluster.inputs.resourceName, "prod-aks");

  const setting = stack.one("azure-native:monitor:DiagnosticSetting", "prod-aks-audit-diagnostic-setting");
  assert.equal(setting.inputs.resourceUri, "prod-aks-cluster-id", "the diagnostic setting targets the created cluster");
  assert.ok(setting.options.dependsOn.includes(cluster.urn));

  assert.deepEqual(
    invoked.filter((i) => i.token === "azure-native:containerservice:listManagedClusterUserCredentials").map((i) => i.inputs),
    [{ resourceGroupName: "rg-prod-aks", resourceName: "prod-aks", format: "exec" }],
  );
  const kubeconfig = assertPlatformOnCreatedProvider(stack, "prod-aks", "azure-native:");
  assert.equal(kubeconfig["current-context"], "prod-aks");
  assert.equal(kubeconfig.users[0].user.exec.command, "kubelogin");
  // AKS hands out devicecode; the stack's kubeconfig logs in unattended through the Azure CLI.
  assert.deepEqual(kubeconfig.users[0].user.exec.args, [
    "get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
    "--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", "00000000-0000-0000-0000-000000000000", "--login", "azurecli",
  ]);
});

test("create fixtures plan offline: exit 0, no violation, the kubeconfig redacted", async () => {
  const out = mkdtempSync(join(tmpdir(), "clusters-plan-"));
  try {
    for (const [stack, clusterType] of [
      ["create-eks", "aws:eks/cluster:Cluster"],
      ["create-gke", "gcp:container/cluster:Cluster"],
      ["create-aks", "azure-native:containerservice:ManagedCluster"],
    ] as const) {
      const outcome = await runPlan({ stack, stacksDir: FIXTURES, outDir: out });
      assert.equal(outcome.exitCode, 0, `${stack}: ${outcome.messages.join("\n")}`);
      assert.deepEqual(outcome.plan!.policy.violations, [], stack);
      assert.equal(outcome.plan!.resources.filter((r) => r.type === clusterType).length, 1, stack);
      const providers = outcome.plan!.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
      assert.deepEqual(providers.map((p) => p.inputs.kubeconfig), ["[secret]"], stack);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a create fixture with an error exits 2 naming the key path", async () => {
  const out = mkdtempSync(join(tmpdir(), "clusters-plan-"));
  try {
    const outcome = await runPlan({
      stack: "create-eks",
      stacksDir: FIXTURES,
      outDir: out,
      extraConfig: {
        [`${PROJECT}:clusters`]: JSON.stringify([
          { name: "prod-eks", kind: "eks", kubernetes: { context: "prod" }, create: { eks: { subnetIds: ["subnet-0a1", "subnet-0b2"] } }, encryption: { eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/r" } }, audit: { eks: { clusterName: "prod-eks" } } },
        ]),
      },
    });
    assert.equal(outcome.exitCode, 2);
    assert.deepEqual(outcome.messages, [
      `${join(FIXTURES, "Pulumi.create-eks.yaml")}: kube-secrets-platform:clusters[0].create: set either create (the stack creates the cluster) or kubernetes (adopt an existing one), got both`,
    ]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("invalid input found while the program runs exits 2 naming it: stack config, or a value a component refused", () => {
  const file = "stacks/Pulumi.x.yaml";
  const refused = new InvalidArgumentsError("VaultCluster", "prod-vault", ["replicas: must be an odd number from 3 to 7, got 4"]);
  // As the SDK reports it: wrapped by the stack's run.
  assert.deepEqual(invalidInputOutcome(new Error("program failed", { cause: refused }), file), {
    exitCode: 2,
    messages: [`${file}: VaultCluster "prod-vault": replicas: must be an odd number from 3 to 7, got 4`],
  });
  assert.deepEqual(invalidInputOutcome(new StackConfigError(["kube-secrets-platform:clusters[0].vault.replicas: bad"]), file), {
    exitCode: 2,
    messages: [`${file}: kube-secrets-platform:clusters[0].vault.replicas: bad`],
  });
  assert.equal(invalidInputOutcome(new Error("network down"), file), undefined, "anything else still fails loudly");
});

test("create-aks-private: API Server VNet Integration on the cluster, private KMS, the cluster's identity a stack output", async () => {
  const { stack, state, outputs, invoked } = await runFixture("create-aks-private");
  const cluster = stack.one("azure-native:containerservice:ManagedCluster", "prod-aks-cluster");
  const net = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets";
  // azure-native ManagedClusterAPIServerAccessProfile: enableVnetIntegration + subnetId; the pool's vnetSubnetID.
  assert.deepEqual(cluster.inputs.apiServerAccessProfile, { enableVnetIntegration: true, subnetId: `${net}/aks-apiserver` });
  assert.equal(cluster.inputs.agentPoolProfiles[0].vnetSubnetID, `${net}/aks-nodes`);
  const keyId = (planInvokes["azure-native:keyvault:getKey"](invoked.find((i) => i.token === "azure-native:keyvault:getKey")!.inputs) as Record<string, unknown>).keyUriWithVersion as string;
  const vaultId = state("azure-native:keyvault:Vault", "prod-aks-encryption-vault").id ?? "prod-aks-encryption-vault-id";
  assert.deepEqual(cluster.inputs.securityProfile.azureKeyVaultKms, { enabled: true, keyId, keyVaultNetworkAccess: "Private", keyVaultResourceId: vaultId });
  assert.equal(await unwrap(pulumi.output(outputs.clusters["prod-aks"].aksKmsIdentityId)), "prod-aks-encryption-identity-id");
});
