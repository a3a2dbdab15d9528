import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { validateEncryptionConfiguration } from "../../components";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { deployEncryption, type EncryptionSection } from "../../stacks/sections/encryption";
import { isSecretOutput, runProgram, unwrap } from "../harness/pulumi";

const cluster = (encryption: unknown, kind = "self-managed") => ({ clusters: [{ name: "local", kind, encryption }] });
const problems = (raw: unknown): string[] => {
  try {
    parseStackConfig(raw as Record<string, unknown>);
    return [];
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
};

test("encryption section: defaults and strictness", () => {
  const parsed = parseStackConfig(cluster({ selfManaged: { keys: [{ name: "k1" }] }, reencryption: {} }));
  assert.deepEqual(parsed.clusters[0].encryption, {
    selfManaged: { provider: "secretbox", keys: [{ name: "k1" }], identityFallback: false, resources: ["secrets"] },
    reencryption: { enabled: true, jobNamespace: "secrets-reencryption", chunkSize: 100 },
  });
  assert.equal(parseStackConfig(cluster(undefined)).clusters[0].encryption, undefined);
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k1" }], typo: 1 } })), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged.typo: unknown key",
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms" } })), ["kube-secrets-platform:clusters[0].encryption.selfManaged.kms: is required when provider is kms"]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "aescbc" } })), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged.keys: at least one key is required when provider is aescbc",
  ]);
  assert.deepEqual(problems(cluster({ reencryption: { chunkSize: 0 } })), [
    "kube-secrets-platform:clusters[0].encryption.reencryption.chunkSize: Too small: expected number to be >=1",
    "kube-secrets-platform:clusters[0].encryption.reencryption.trigger: is required without selfManaged (e.g. the KMS key ARN)",
  ]);
});

test("encryption section: the local stack renders a valid secret EncryptionConfiguration and the rewrite Job", async () => {
  let outputs: any;
  const stack = await runProgram(
    async () => {
      outputs = await program();
      return outputs;
    },
    {
      project: "kube-secrets-platform",
      config: {
        "kube-secrets-platform:clusters": JSON.stringify([
          { name: "local", kind: "self-managed", encryption: { selfManaged: { keys: [{ name: "key-2" }, { name: "key-1" }], identityFallback: true }, reencryption: {} } },
        ]),
      },
      resourceState: (args) =>
        args.type === "random:index/randomBytes:RandomBytes" ? { base64: randomBytes(32).toString("base64") } : undefined,
    },
  );
  const enc = outputs.clusters.local.encryption;
  assert.equal(await isSecretOutput(enc.configYaml), true, "the generated EncryptionConfiguration is a secret stack output");
  const config = parse(await unwrap(enc.configYaml));
  assert.deepEqual(validateEncryptionConfiguration(config), []);
  assert.deepEqual(config.resources[0].providers.map((p: object) => Object.keys(p)[0]), ["secretbox", "identity"]);
  assert.deepEqual(config.resources[0].providers[0].secretbox.keys.map((k: any) => k.name), ["key-2", "key-1"]);
  assert.equal(await unwrap(enc.writeProvider), "secretbox/key-2");
  assert.deepEqual(stack.all("random:index/randomBytes:RandomBytes").map((r) => r.name).sort(), ["local-encryption-key-key-1", "local-encryption-key-key-2"]);
  const job = stack.one("kubernetes:batch/v1:Job", "local-reencryption-job");
  assert.equal(job.inputs.metadata.name, await unwrap(enc.reencryption.jobName));
  assert.equal(await unwrap(enc.reencryption.exemptSubject), "ServiceAccount secrets-reencryption/secrets-reencryption");
  assert.match(job.provider ?? "", /pulumi:providers:kubernetes::local-k8s::/, "the Job uses the cluster's provider");
});

test("encryption section: selfManaged on a managed cluster is a config error; no rewrite without the section", async () => {
  await runProgram(() => {
    const provider = new k8s.Provider("p", {});
    const section = { selfManaged: { provider: "secretbox", keys: [{ name: "k" }], identityFallback: false, resources: ["secrets"] } } as EncryptionSection;
    assert.throws(() => deployEncryption({ name: "prod", kind: "eks", provider }, section), (e: unknown) => {
      assert.ok(e instanceof StackConfigError);
      assert.deepEqual(e.problems, [
        "kube-secrets-platform:clusters[name=prod].encryption.selfManaged: only for kind self-managed (managed control planes take a KMS key instead), got kind eks",
      ]);
      return true;
    });
    const out = deployEncryption({ name: "local", kind: "self-managed", provider }, section);
    assert.deepEqual(Object.keys(out), ["configYaml", "writeProvider"], "no rewrite Job until a reencryption section is added");
    const eks = deployEncryption({ name: "eks", kind: "eks", provider }, {
      reencryption: { enabled: true, trigger: "arn:aws:kms:us-east-1:123456789012:key/1", jobNamespace: "rewrite", chunkSize: 50 },
    });
    assert.deepEqual(Object.keys(eks), ["reencryption"]);
  });
});
