// Adopted clusters are read into the stack (stacks/adopted.ts) so the pack judges their real encryption and
// audit logs: Pulumi sends neither read resources nor invoke results to a policy pack (pulumi/pulumi#3950), so
// the observed state is the `observed` input of an AdoptedCluster component. Each hole has its attacker's
// (careless) cluster, caught at mandatory level, and its compliant twin.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { adoptedEksClusterState } from "../../cli/lib/invokes";
import { runPlan, type PlanOptions } from "../../cli/lib/plan";
import { planResourceState } from "../../cli/lib/planState";
import { runPolicies } from "../../cli/lib/policyRunner";
import { allPolicies } from "../../policy-pack/policies";
import { PROJECT, StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { runProgram } from "../harness/pulumi";

const ROOT = join(__dirname, "../..");
const ADOPTED = "kube-secrets-platform:index:AdoptedCluster";

function clustersOf(stack: string): any[] {
  return parse(readFileSync(join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")).config["kube-secrets-platform:clusters"];
}

async function plan(stack: string, extra: Partial<PlanOptions> = {}) {
  const out = mkdtempSync(join(tmpdir(), "adopted-"));
  try {
    const outcome = await runPlan({ stack, stacksDir: join(ROOT, "stacks"), outDir: out, ...extra });
    const mandatory = (outcome.plan?.policy.violations ?? []).filter((v) => v.enforcementLevel === "mandatory");
    return { outcome, mandatory, adopted: outcome.plan?.resources.filter((r) => r.type === ADOPTED).map((r) => r.inputs as any) ?? [] };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test("aws-prod: the adopted EKS cluster is read (aws.eks.Cluster.get) and judged as read: compliant, no mandatory violation", async () => {
  const { outcome, mandatory, adopted } = await plan("aws-prod");
  assert.equal(outcome.exitCode, 0, outcome.messages.join("\n"));
  assert.deepEqual(mandatory, []);
  const read = adoptedEksClusterState("prod-use1");
  assert.deepEqual(adopted, [
    { observed: { kind: "eks", name: "prod-use1", encryptionConfig: read.encryptionConfig, enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] } },
  ]);
});

test("adopted EKS cluster without envelope encryption or audit logs: eks-secrets-encryption and eks-audit-logging fail (mandatory)", async () => {
  const [cluster] = clustersOf("aws-prod");
  const careless = (args: any) =>
    args.type === "aws:eks/cluster:Cluster" && args.id ? { ...adoptedEksClusterState(args.id), encryptionConfig: undefined, enabledClusterLogTypes: ["api"] } : planResourceState(args);
  const stack = await runProgram(program, { project: PROJECT, config: { "kube-secrets-platform:clusters": JSON.stringify([cluster]) }, resourceState: careless });
  const result = await runPolicies(
    allPolicies,
    stack.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, props: r.inputs })),
    { stackTags: { stack: "test" } },
  );
  assert.deepEqual(
    result.violations.filter((v) => v.enforcementLevel === "mandatory" && /adopted/.test(v.message)).map((v) => [v.policy, v.message]),
    [
      ["eks-secrets-encryption", "adopted EKS cluster prod-use1 (as read): encryptionConfig is not set, Secrets are stored unencrypted by a customer key"],
      ["eks-audit-logging", 'adopted EKS cluster prod-use1 (as read): enabledClusterLogTypes must include "audit", got ["api"]'],
    ],
  );
});

test("adopted GKE cluster: databaseEncryption as read decides gke-database-encryption", async () => {
  const twin = await plan("gcp-prod");
  assert.equal(twin.outcome.exitCode, 0, twin.outcome.messages.join("\n"));
  assert.deepEqual(twin.adopted, [
    {
      observed: { kind: "gke", name: "prod-usc1", databaseEncryption: { state: "ENCRYPTED", keyName: "projects/example-project/locations/us-central1/keyRings/gke/cryptoKeys/prod-usc1-secrets" } },
    },
  ]);
  const careless = await plan("gcp-prod", { invokes: { "gcp:container/getCluster:getCluster": (i) => ({ name: i.name, masterVersion: "1.33.5-gke.1", databaseEncryptions: [{ state: "DECRYPTED", keyName: "" }] }) } });
  assert.equal(careless.outcome.exitCode, 1);
  assert.deepEqual(careless.mandatory.map((v) => [v.policy, v.message]), [["gke-database-encryption", "adopted GKE cluster prod-usc1 (as read): databaseEncryption.state must be ENCRYPTED, got DECRYPTED"]]);
});

test("adopted AKS cluster with no diagnostic setting fails aks-audit-diagnostics-present; the stack's own setting or one read from the cluster passes", async () => {
  const withAudit = await plan("azure-prod");
  assert.equal(withAudit.outcome.exitCode, 0, withAudit.outcome.messages.join("\n"));
  assert.equal(withAudit.adopted[0].observed.id, "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/prod-weu");
  assert.equal(withAudit.adopted[0].observed.securityProfile.azureKeyVaultKms.enabled, true);

  // The careless twin: the same adopted cluster, nobody ships its audit log.
  const [cluster] = clustersOf("azure-prod");
  const noAudit = { ...cluster, audit: { enabled: false }, adopted: { name: "prod-weu", resourceGroupName: "rg-prod-weu" } };
  const careless = await plan("azure-prod", { extraConfig: { "kube-secrets-platform:clusters": JSON.stringify([noAudit]) } });
  assert.equal(careless.outcome.exitCode, 1, careless.outcome.messages.join("\n"));
  assert.deepEqual(careless.mandatory.map((v) => [v.policy, v.message]), [
    [
      "aks-audit-diagnostics-present",
      "adopted AKS cluster prod-weu (as read): no diagnostic setting ships kube-audit (none created by the stack on /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/prod-weu, none read); Secret reads leave no trace",
    ],
  ]);

  // An existing setting on the cluster, read by name (monitor.getDiagnosticSetting), that ships kube-audit.
  const existing = { ...noAudit, adopted: { ...noAudit.adopted, diagnosticSettings: ["to-sentinel"] } };
  const read = await plan("azure-prod", { extraConfig: { "kube-secrets-platform:clusters": JSON.stringify([existing]) } });
  assert.equal(read.outcome.exitCode, 0, read.mandatory.map((v) => v.message).join("\n"));
  assert.deepEqual(read.adopted[0].observed.diagnosticSettings[0].logs[0], { category: "kube-audit", enabled: true });

  // ... but one that only ships other categories does not count.
  const apiOnly = await plan("azure-prod", {
    extraConfig: { "kube-secrets-platform:clusters": JSON.stringify([existing]) },
    invokes: { "azure-native:monitor:getDiagnosticSetting": (i) => ({ name: i.name, logs: [{ category: "kube-apiserver", enabled: true }] }) },
  });
  assert.deepEqual(apiOnly.mandatory.map((v) => v.policy), ["aks-audit-diagnostics-present"]);
});

test("adopted clusters: one the config cannot identify is refused unless adopted.read is false; the PSA version follows the cluster as read", async () => {
  const [cluster] = clustersOf("azure-prod");
  const { audit: _audit, ...rest } = cluster;
  const unnamed = { ...rest, audit: { enabled: false } };
  assert.throws(
    () => parseStackConfig({ environment: "prod", clusters: [unnamed] }),
    (e: unknown) =>
      e instanceof StackConfigError &&
      e.problems.includes(
        "kube-secrets-platform:clusters[0].adopted: cannot tell which aks cluster to read: set adopted.name and adopted.resourceGroupName (or audit.aks.clusterId), or adopted.read: false (the pack then cannot judge its encryption and audit logs)",
      ),
  );
  assert.doesNotThrow(() => parseStackConfig({ environment: "prod", clusters: [{ ...unnamed, adopted: { read: false } }] }));
  const { outcome } = await plan("gcp-prod", {
    invokes: { "gcp:container/getCluster:getCluster": (i) => ({ name: i.name, masterVersion: "1.31.2-gke.1146000", databaseEncryptions: [{ state: "ENCRYPTED", keyName: "projects/p/locations/l/keyRings/r/cryptoKeys/k" }] }) },
  });
  const payments = outcome.plan!.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.name === "payments");
  assert.equal((payments?.inputs as any).metadata.labels["pod-security.kubernetes.io/enforce-version"], "v1.31", "the cluster's version as read, not v1.33 or latest");
});
