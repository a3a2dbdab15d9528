// The SDK's component analyzer (what `pulumi package add` uses) must infer every Vault component.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";

const ROOT = join(__dirname, "..", "..", "..");
const COMPONENTS = [
  "VaultCluster",
  "VaultKubernetesAuth",
  "VaultPolicy",
  "VaultKvEngine",
  "VaultDatabaseCredentials",
  "VaultAuditDevice",
  "SecretsStoreCsiDriver",
  "VaultSecretProviderClass",
];

test("component analyzer infers every Vault component with its documented inputs", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(join(ROOT, "package.json"));
  const result = new Analyzer(ROOT, "kube-secrets-platform", pkg, new Set(COMPONENTS)).analyze();
  assert.deepEqual(Object.keys(result.components).sort(), [...COMPONENTS].sort());
  const cluster = result.components.VaultCluster;
  assert.ok(cluster.inputs.replicas, "replicas is an input");
  assert.ok(cluster.inputs.autoUnseal, "autoUnseal is an input");
  assert.match(cluster.inputs.replicas.description ?? "", /odd number from 3 to 7/);
  for (const out of ["namespace", "address", "caCertificatePem", "serverServiceAccountName"]) {
    assert.ok(cluster.outputs[out], `VaultCluster output ${out}`);
  }
  assert.ok(result.typeDefinitions.VaultAutoUnsealArgs ?? Object.keys(result.typeDefinitions).find((k) => /AutoUnseal/.test(k)));
});
