import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";

const COMPONENTS = [
  "ExternalSecretsOperator",
  "AwsSecretsManagerAccess",
  "GcpSecretManagerAccess",
  "AzureKeyVaultAccess",
  "SecretStore",
  "ExternalSecret",
  "ClusterExternalSecret",
  "PushSecret",
  "ExternalSecretsAlerts",
];

test("the SDK's component analyzer infers every external-secrets component (cross-language surface)", () => {
  const root = join(__dirname, "../../..");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const result = new Analyzer(root, "kube-secrets-platform", pkg, new Set(COMPONENTS)).analyze();
  for (const name of COMPONENTS) assert.ok(result.components[name], `${name} was not inferred`);
  const store = result.components.SecretStore.inputs;
  assert.equal(store.clusterScoped.plain, true, "clusterScoped decides the kind: plain");
  assert.equal(result.components.AwsSecretsManagerAccess.inputs.mode.plain, true);
  assert.ok(result.components.ExternalSecretsOperator.outputs.serviceAccountName);
});
