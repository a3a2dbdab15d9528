// Every stack in stacks/: `npm run plan` exits 0 with no mandatory violation and renders what the stack is
// for; and each stack's config reports errors at their key paths.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { StackConfigError, parseStackConfig } from "../../stacks/config";

const STACKS = readdirSync("stacks")
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

function raw(stack: string): Record<string, any> {
  const config = parse(readFileSync(join("stacks", `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
  return Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith("kube-secrets-platform:")).map(([k, v]) => [k.slice("kube-secrets-platform:".length), v]));
}

function problems(cfg: Record<string, unknown>): string[] {
  try {
    parseStackConfig(cfg);
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
  return [];
}

test("the stacks are local, aws-prod, gcp-prod, azure-prod and fleet", () => {
  assert.deepEqual(STACKS, ["aws-prod", "azure-prod", "fleet", "gcp-prod", "local"]);
});

describe("npm run plan for every stack", () => {
  const expected: Record<string, { types: string[]; clusters: number }> = {
    local: { types: ["kubernetes:batch/v1:Job", "kubernetes:external-secrets.io/v1:SecretStore", "kubernetes:bitnami.com/v1alpha1:SealedSecret"], clusters: 1 },
    "aws-prod": { types: ["aws:kms/key:Key", "aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:cloudwatch/logGroup:LogGroup"], clusters: 1 },
    "gcp-prod": { types: ["gcp:kms/cryptoKey:CryptoKey", "gcp:projects/iAMAuditConfig:IAMAuditConfig", "gcp:secretmanager/secretIamMember:SecretIamMember"], clusters: 1 },
    "azure-prod": { types: ["azure-native:keyvault:Vault", "azure-native:monitor:DiagnosticSetting", "azure-native:managedidentity:FederatedIdentityCredential"], clusters: 1 },
    fleet: { types: ["kube-secrets-platform:index:VaultTokenReviewer", "kubernetes:external-secrets.io/v1:ExternalSecret"], clusters: 3 },
  };
  for (const stack of STACKS) {
    test(`${stack}: exit 0, no mandatory violation, one platform per cluster`, () => {
      const out = mkdtempSync(join(tmpdir(), `plan-${stack}-`));
      const r = spawnSync(process.execPath, ["--import", "tsx", "cli/plan.ts", "--stack", stack, "--out", out], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const plan = JSON.parse(readFileSync(join(out, stack, "plan.json"), "utf8"));
      assert.deepEqual(plan.policy.violations.filter((v: any) => v.enforcementLevel === "mandatory"), []);
      assert.deepEqual(plan.policy.errors ?? [], []);
      const types = new Set(plan.resources.map((x: any) => x.type));
      for (const t of expected[stack].types) assert.ok(types.has(t), `${stack} plans a ${t}`);
      assert.equal(plan.resources.filter((x: any) => x.type === "kube-secrets-platform:index:SecretsPlatform").length, expected[stack].clusters);
      // Shipped at stage 1: nothing talks to Vault's API on the first `up` (no vault provider, no vault resource),
      // and every Vault chart's server pods are Ready while sealed/uninitialized (vault-helm's statefulset template
      // turns server.readinessProbe.path into an httpGet probe when set).
      assert.deepEqual(plan.resources.filter((x: any) => x.type.startsWith("vault:") || x.type === "pulumi:providers:vault").map((x: any) => x.name), []);
      for (const chart of plan.resources.filter((x: any) => x.type === "kubernetes:helm.sh/v4:Chart" && x.inputs.chart === "vault" && x.inputs.values.server?.enabled)) {
        assert.deepEqual(chart.inputs.values.server.readinessProbe, { enabled: true, path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204", port: 8200 });
      }
    });
  }
});

test("fleet: the same secret synced in every cluster, and one Vault auth mount per cluster", () => {
  const cfg = parseStackConfig(raw("fleet"));
  const synced = cfg.clusters.map((c) => c.externalSecrets?.externalSecrets.find((e) => e.name === "shared-api-key")?.data[0].key);
  assert.deepEqual(synced, ["platform/shared/api-key", "platform/shared/api-key", "platform/shared/api-key"]);
  const hub = cfg.clusters.find((c) => c.name === "hub")!;
  const mounts = hub.vault!.configuration!.remoteClusters.map((r) => r.path);
  assert.deepEqual(mounts, ["kubernetes-fleet-aws", "kubernetes-fleet-gcp"]);
  const stores = cfg.clusters.filter((c) => c.name !== "hub").map((c) => c.externalSecrets!.stores[0].vault!.mountPath);
  assert.deepEqual(stores, mounts, "each remote cluster logs in through its own mount");
});

test("config errors name the key path, per stack", () => {
  const aws = raw("aws-prod");
  aws.clusters[0].encryption.eks.deletionWindowInDays = 3;
  aws.clusters[0].externalSecrets.identity.aws.secretArns = ["*"];
  assert.deepEqual(problems(aws), [
    "kube-secrets-platform:clusters[0].encryption.eks.deletionWindowInDays: must be between 7 and 30, got 3",
    'kube-secrets-platform:clusters[0].externalSecrets.identity.aws.secretArns[0]: wildcards are not allowed (list each ARN), got "*"',
  ]);
  const gcp = raw("gcp-prod");
  gcp.clusters[0].kind = "eks";
  assert.deepEqual(problems(gcp), [
    "kube-secrets-platform:clusters[0].encryption.gke: only for clusters of kind gke, got kind eks",
    "kube-secrets-platform:clusters[0].audit.gke: only for clusters of kind gke, got kind eks",
  ]);
  const azure = raw("azure-prod");
  delete azure.clusters[0].vault.autoUnseal.azureKeyVault.keyName;
  assert.deepEqual(problems(azure), ["kube-secrets-platform:clusters[0].vault.autoUnseal.azureKeyVault.keyName: Invalid input: expected string, received undefined"]);
  const fleet = raw("fleet");
  fleet.clusters[0].vault.configuration.remoteClusters[1].path = "kubernetes-fleet-aws";
  fleet.clusters[1].name = "hub";
  assert.deepEqual(problems(fleet), [
    'kube-secrets-platform:clusters[0].vault.configuration.remoteClusters[1].path: duplicate auth mount "kubernetes-fleet-aws"',
    'kube-secrets-platform:clusters[1].name: duplicate cluster name "hub"',
    // fleet-aws is no longer a cluster of the stack: the hub's mount cannot create its reviewer account there.
    'kube-secrets-platform:clusters[0].vault.configuration.remoteClusters[0].cluster: must name another cluster of this stack, got "fleet-aws"',
  ]);
  const local = raw("local");
  local.clusters[0].externalSecrets.vaultStore.namespaces = [];
  local.clusters[0].vault.enabled = false;
  assert.deepEqual(problems(local), [
    "kube-secrets-platform:clusters[0].externalSecrets.vaultStore.namespaces: Too small: expected array to have >=1 items",
    'kube-secrets-platform:clusters[0].externalSecrets.externalSecrets[0].store: must name a store of externalSecrets.stores or the vaultStore in its namespace, got "vault"',
    "kube-secrets-platform:clusters[0].externalSecrets.vaultStore: needs the vault section (the stores point at this cluster's Vault; its role is created in stage 2, vault.configuration.initialized)",
  ]);
});
