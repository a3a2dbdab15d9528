import assert from "node:assert/strict";
import { test } from "node:test";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";

const COMPONENTS = ["EksSecretsEncryption", "GkeSecretsEncryption", "AksSecretsEncryption", "SelfManagedSecretsEncryption", "SecretsReencryption"];

test("the SDK's component analyzer infers every encryption component (cross-language surface)", () => {
  const result = new Analyzer(process.cwd(), "kube-secrets-platform", { name: "kube-secrets-platform", main: "components/index.ts" }, new Set(COMPONENTS)).analyze();
  for (const name of COMPONENTS) assert.ok(result.components[name], `${name} was not inferred`);
  const sm = result.components.SelfManagedSecretsEncryption;
  assert.deepEqual(Object.keys(sm.outputs).sort(), ["configYaml", "writeProvider"]);
  assert.deepEqual(Object.keys(result.components.EksSecretsEncryption.inputs).sort(), [
    "administratorArns",
    "alias",
    "clusterCreatorArns",
    "clusterRoleArn",
    "deletionWindowInDays",
    "description",
    "rotationPeriodInDays",
    "tags",
  ]);
  assert.equal(result.components.EksSecretsEncryption.inputs.clusterRoleArn.optional, undefined, "clusterRoleArn is required");
});
