import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { parse } from "yaml";
import { triggerHash, validateEncryptionConfiguration } from "../../components";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
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

/** The stack program with one self-managed cluster `local` whose encryption section is `encryption`. */
async function runLocal(encryption: unknown): Promise<{ stack: Awaited<ReturnType<typeof runProgram>>; outputs: any }> {
  let outputs: any;
  const stack = await runProgram(
    async () => {
      outputs = await program();
      return outputs;
    },
    {
      project: "kube-secrets-platform",
      config: { "kube-secrets-platform:clusters": JSON.stringify([{ name: "local", kind: "self-managed", encryption }]) },
      resourceState: (args) => (args.type === "random:index/randomBytes:RandomBytes" ? { base64: randomBytes(32).toString("base64") } : undefined),
    },
  );
  return { stack, outputs };
}

test("encryption section: defaults and strictness", () => {
  const parsed = parseStackConfig(cluster({ selfManaged: { keys: [{ name: "k1" }] }, reencryption: {} }));
  assert.deepEqual(parsed.clusters[0].encryption, {
    enabled: true,
    selfManaged: { provider: "secretbox", keys: [{ name: "k1" }], identityFallback: false, resources: ["secrets"] },
    reencryption: { enabled: true, jobNamespace: "secrets-reencryption", chunkSize: 100, allowUnpinnedImage: false },
  });
  assert.equal(parseStackConfig(cluster(undefined)).clusters[0].encryption, undefined);
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k1" }], typo: 1 } })), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged.typo: unknown key",
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms" } })), ["kube-secrets-platform:clusters[0].encryption.selfManaged.kms: is required when provider is kms"]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "aescbc" } })), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged.keys: at least one key is required when provider is aescbc",
  ]);
  // SelfManagedSecretsEncryption's own rules at the config's paths (before, these passed the config and
  // made the program throw).
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "a" }, { name: "a" }] } })), [
    `kube-secrets-platform:clusters[0].encryption.selfManaged.keys[1].name: key names must be unique, got "a" (also at keys[0].name)`,
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms", kms: { name: "k", endpoint: "unix:///s", timeout: "soon" } } })), [
    `kube-secrets-platform:clusters[0].encryption.selfManaged.kms.timeout: must be a duration such as "3s", got "soon"`,
  ]);
  assert.deepEqual(problems(cluster({ reencryption: { chunkSize: 0 } })), [
    "kube-secrets-platform:clusters[0].encryption.reencryption.chunkSize: Too small: expected number to be >=1",
  ]);
  // The old `trigger` is gone: the config states the key the cluster encrypts with instead.
  assert.deepEqual(problems(cluster({ reencryption: { trigger: "x" } })), ["kube-secrets-platform:clusters[0].encryption.reencryption.trigger: unknown key"]);
});

test("encryption section: the local stack renders a valid secret EncryptionConfiguration and the rewrite Job", async () => {
  const { stack, outputs } = await runLocal({ selfManaged: { keys: [{ name: "key-2" }, { name: "key-1" }], identityFallback: true }, reencryption: { encryptingWith: "secretbox/key-2" } });
  const local = outputs.clusters.local;
  assert.equal(await isSecretOutput(local.encryptionConfigYaml), true, "the generated EncryptionConfiguration is a secret stack output");
  const config = parse(await unwrap(local.encryptionConfigYaml));
  assert.deepEqual(validateEncryptionConfiguration(config), []);
  assert.deepEqual(config.resources[0].providers.map((p: object) => Object.keys(p)[0]), ["secretbox", "identity"]);
  assert.deepEqual(config.resources[0].providers[0].secretbox.keys.map((k: any) => k.name), ["key-2", "key-1"]);
  assert.deepEqual(stack.all("random:index/randomBytes:RandomBytes").map((r) => r.name).sort(), ["local-encryption-key-key-1", "local-encryption-key-key-2"]);
  const job = stack.one("kubernetes:batch/v1:Job", "local-reencryption-job");
  assert.equal(job.inputs.metadata.name, `secrets-reencrypt-${triggerHash("secretbox/key-2")}`, "the trigger is the stated write provider");
  assert.deepEqual(await unwrap(outputs.policyExemptions), ["ServiceAccount secrets-reencryption/secrets-reencryption"]);
  assert.match(job.provider ?? "", /pulumi:providers:kubernetes::local-k8s::/, "the Job uses the cluster's provider");
});

test("encryption section: keys must match the cluster kind; cloud keys are validated by their components", () => {
  const sm = { selfManaged: { keys: [{ name: "k" }] } };
  assert.deepEqual(problems(cluster(sm, "eks")), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged: only for clusters of kind self-managed, got kind eks",
    // An adopted cloud cluster without its audit logs is never silently accepted.
    "kube-secrets-platform:clusters[0].audit.eks: required on a eks cluster: audit.eks (the control plane's audit log); set audit.enabled: false to opt out explicitly",
  ]);
  assert.deepEqual(problems(cluster({ eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/c" } }, "gke")).filter((p) => !p.includes("required on a") && !p.includes(".adopted:")), [
    "kube-secrets-platform:clusters[0].encryption.eks: only for clusters of kind eks, got kind gke",
  ]);
  const eksProblems = problems(cluster({ eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/c", deletionWindowInDays: 3, rotationPeriodInDays: 30 } }, "eks")).filter((p) => p.includes(".encryption."));
  assert.equal(eksProblems.length, 2, eksProblems.join("\n"));
  assert.match(eksProblems[0], /^kube-secrets-platform:clusters\[0\]\.encryption\.eks\.(rotationPeriodInDays|deletionWindowInDays): /);
  assert.deepEqual(problems(cluster({ ...sm, eks: { clusterRoleArn: "x" } })).filter((p) => p.includes("set one of")), [
    "kube-secrets-platform:clusters[0].encryption.eks: set one of selfManaged, eks, gke, aks, got selfManaged and eks",
  ]);
  // No rewrite Job without a reencryption section.
  assert.equal(parseStackConfig(cluster(sm)).clusters[0].encryption?.reencryption, undefined);
});

test("encryption section: switching to kms keeps the leftover keys as read providers after kms; the keys' provider must be named", async () => {
  const kms = { name: "vault-kms", endpoint: "unix:///var/run/kms/socket.sock" };
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms", kms, keys: [{ name: "key-1" }, { name: "key-0" }] } })), [
    `kube-secrets-platform:clusters[0].encryption.selfManaged.keysProvider: is required with provider kms and keys: name the provider keys "key-1", "key-0" were written with (secretbox, aesgcm, aescbc); they stay as read providers after kms`,
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "secretbox", keysProvider: "aescbc", keys: [{ name: "k" }] } })), [
    "kube-secrets-platform:clusters[0].encryption.selfManaged.keysProvider: must be the provider (secretbox) or left out, got aescbc",
  ]);
  const { stack, outputs } = await runLocal({ selfManaged: { provider: "kms", kms, keysProvider: "aescbc", keys: [{ name: "key-1" }] }, reencryption: { encryptingWith: "kms/vault-kms" } });
  const config = parse(await unwrap(outputs.clusters.local.encryptionConfigYaml));
  assert.deepEqual(validateEncryptionConfiguration(config), []);
  // kube-apiserver writes with the first provider and reads with each in order (k8s.io/apiserver
  // pkg/server/options/encryptionconfig/config.go): Secrets still under aescbc/key-1 stay readable.
  assert.deepEqual(config.resources[0].providers.map((p: object) => Object.keys(p)[0]), ["kms", "aescbc"]);
  assert.deepEqual(config.resources[0].providers[0].kms, { apiVersion: "v2", name: "vault-kms", endpoint: "unix:///var/run/kms/socket.sock", timeout: "3s" });
  assert.deepEqual(config.resources[0].providers[1].aescbc.keys.map((k: any) => k.name), ["key-1"]);
  assert.equal(stack.one("random:index/randomBytes:RandomBytes").options.protect, true);
  assert.equal(stack.one("kubernetes:batch/v1:Job").inputs.metadata.name, `secrets-reencrypt-${triggerHash("kms/vault-kms")}`);
});

test("encryption section: retiring a key is explicit and needs the rewrite with the write key; anything else is exit 2 naming the key", () => {
  const P = "kube-secrets-platform:clusters[0].encryption";
  const kms = { name: "vault-kms", endpoint: "unix:///var/run/kms/socket.sock" };
  // Retire key-1 after switching to kms: only with the rewrite stated for kms/vault-kms.
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms", kms, retiredKeys: [{ name: "key-1" }] }, reencryption: { encryptingWith: "kms/vault-kms" } })), []);
  assert.deepEqual(problems(cluster({ selfManaged: { provider: "kms", kms, retiredKeys: [{ name: "key-1" }] } })), [
    `${P}.selfManaged.retiredKeys[0]: key "key-1" may still encrypt Secrets: retire it only with a rewrite with the write key "kms/vault-kms" (the key the cluster encrypts with now), got no rewrite (set reencryption.encryptingWith)`,
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k2" }, { name: "k1" }], retiredKeys: [{ name: "k0" }] }, reencryption: { encryptingWith: "secretbox/k1" } })), [
    `${P}.selfManaged.retiredKeys[0]: key "k0" may still encrypt Secrets: retire it only with a rewrite with the write key "secretbox/k2" (the key the cluster encrypts with now), got a rewrite with "secretbox/k1" (set reencryption.encryptingWith)`,
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k2" }], retiredKeys: [{ name: "k0" }] }, reencryption: { enabled: false, encryptingWith: "secretbox/k2" } })), [
    `${P}.selfManaged.retiredKeys[0]: key "k0" may still encrypt Secrets: retire it only with a rewrite with the write key "secretbox/k2" (the key the cluster encrypts with now), got no rewrite (set reencryption.encryptingWith)`,
  ]);
  // A key both in use and retired.
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k2" }, { name: "k1" }], retiredKeys: [{ name: "k1" }] }, reencryption: { encryptingWith: "secretbox/k2" } })), [
    `${P}.selfManaged.retiredKeys[0].name: key "k1" is retired and still at keys[1].name: retire a key by moving it from the providers to retiredKeys`,
  ]);
  assert.deepEqual(problems(cluster({ selfManaged: { keys: [{ name: "k2" }] }, reencryption: { encryptingWith: "secretbox/k9" } })), [
    `${P}.reencryption.encryptingWith: must be one of this configuration's keys (secretbox/k2), got "secretbox/k9"`,
  ]);
});
