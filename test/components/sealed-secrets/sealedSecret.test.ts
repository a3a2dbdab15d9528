import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "node:crypto";
import { InvalidArgumentsError, SealedSecret, sealValueWithSeed, unsealValue, type SealedSecretArgs, type SealingScope } from "../../../components";
import { redact } from "../../../cli/lib/mockRuntime";
import { runProgram, unwrap, type TestStack } from "../../harness/pulumi";
import { testKeyPair } from "./testCerts";

const SS = "kubernetes:bitnami.com/v1alpha1:SealedSecret";
const SEED = "random:index/randomBytes:RandomBytes";
/** What the random provider computes for the seed (the engine then keeps it in state across runs). */
const seedState = (seed: string) => (args: { type: string }) => (args.type === SEED ? { base64: seed } : undefined);
const SEED_1 = randomBytes(32).toString("base64");
const key = testKeyPair(2048);

const plain = (v: Buffer) => v.toString("utf8");

test("SealedSecret: a bitnami.com/v1alpha1 SealedSecret whose values unseal only where they were sealed for", async () => {
  let strictSs: SealedSecret | undefined;
  const stack = await runProgram(() => {
    strictSs = new SealedSecret("db", {
      namespace: "team-a",
      name: "db-credentials",
      certificatePem: key.certificatePem,
      data: { username: "app", password: pulumi.secret("hunter2-correct-horse") },
      type: "kubernetes.io/basic-auth",
      labels: { app: "api" },
      annotations: { owner: "team-a" },
    });
    new SealedSecret("shared", { namespace: "team-a", certificatePem: key.certificatePem, scope: "namespace-wide", data: { token: "ns-token-value" } });
    new SealedSecret("global", { namespace: "team-a", certificatePem: key.certificatePem, scope: "cluster-wide", data: { token: "cluster-token-value" } });
  }, { resourceState: seedState(SEED_1) });

  const component = stack.one("kube-secrets-platform:index:SealedSecret", "db");
  const cr = stack.one(SS, "db-sealed-secret");
  assert.equal(cr.parent, component.urn);
  // No dynamic provider anywhere (pulumi/pulumi#5455): the seed is an ordinary provider resource.
  const seed = stack.one(SEED, "db-seal-seed");
  assert.equal(seed.parent, component.urn);
  assert.deepEqual(seed.inputs, { length: 32 });
  assert.deepEqual([...new Set(seed.options.additionalSecretOutputs)].sort(), ["base64", "hex"], "the seed is a secret in state");
  assert.deepEqual(stack.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")), []);
  const { encryptedData, ...spec } = cr.inputs.spec;
  assert.deepEqual(
    { apiVersion: cr.inputs.apiVersion, kind: cr.inputs.kind, metadata: cr.inputs.metadata, spec },
    {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: {
        name: "db-credentials",
        namespace: "team-a",
        labels: {
          "app.kubernetes.io/name": "sealed-secret",
          "app.kubernetes.io/instance": "db",
          "app.kubernetes.io/component": "sealed-secret",
          "app.kubernetes.io/part-of": "kube-secrets-platform",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
      spec: {
        template: {
          type: "kubernetes.io/basic-auth",
          metadata: { name: "db-credentials", namespace: "team-a", labels: { app: "api" }, annotations: { owner: "team-a" } },
        },
      },
    },
  );
  assert.deepEqual(Object.keys(encryptedData).sort(), ["password", "username"]);
  const unseal = (sealed: string, ns: string, name: string, scope: SealingScope = "strict") =>
    plain(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: ns, name, scope, sealed }));
  assert.equal(unseal(encryptedData.password, "team-a", "db-credentials"), "hunter2-correct-horse");
  assert.equal(unseal(encryptedData.username, "team-a", "db-credentials"), "app");
  assert.throws(() => unseal(encryptedData.password, "team-a", "db"));
  assert.deepEqual(await unwrap(strictSs!.encryptedData), encryptedData);
  assert.equal(await unwrap(strictSs!.sealedSecretName), "db-credentials");

  const shared = stack.one(SS, "shared-sealed-secret").inputs;
  assert.deepEqual(shared.metadata.annotations, { "sealedsecrets.bitnami.com/namespace-wide": "true" });
  assert.deepEqual(shared.spec.template.metadata.annotations, { "sealedsecrets.bitnami.com/namespace-wide": "true" });
  assert.equal(shared.metadata.name, "shared", "the name defaults to the resource name");
  assert.equal(shared.spec.template.type, "Opaque");
  assert.equal(unseal(shared.spec.encryptedData.token, "team-a", "anything", "namespace-wide"), "ns-token-value");
  const global = stack.one(SS, "global-sealed-secret").inputs;
  assert.deepEqual(global.metadata.annotations, { "sealedsecrets.bitnami.com/cluster-wide": "true" });
  assert.equal(unseal(global.spec.encryptedData.token, "other-ns", "x", "cluster-wide"), "cluster-token-value");

  // The plaintext is only ever a secret input: never in any recorded input once secrets are redacted.
  const redacted = JSON.stringify(stack.resources.map((r) => redact(r.rawInputs)));
  for (const secret of ["hunter2-correct-horse", "ns-token-value", "cluster-token-value"]) assert.ok(!redacted.includes(secret), secret);
  assert.ok(!stack.isSecret(cr, ["spec", "encryptedData"]), "ciphertext is deliberately public");
});

/** Runs the same program twice; the seed keeps its value in state between runs, as the engine keeps it. */
async function twoRuns(first: SealedSecretArgs, second: SealedSecretArgs): Promise<[TestStack, TestStack]> {
  const run1 = await runProgram(() => new SealedSecret("app", first), { resourceState: seedState(SEED_1) });
  const run2 = await runProgram(() => new SealedSecret("app", second), { resourceState: seedState(SEED_1) });
  return [run1, run2];
}

const certB = testKeyPair(4096);
const base: SealedSecretArgs = { namespace: "team-a", certificatePem: key.certificatePem, data: { a: "alpha-value", b: "beta-value" } };

test("SealedSecret: rebuilding with unchanged inputs yields identical SealedSecret inputs", async () => {
  const [run1, run2] = await twoRuns(base, { ...base, data: { b: "beta-value", a: pulumi.secret("alpha-value") } });
  assert.deepEqual(run2.one(SS, "app-sealed-secret").inputs, run1.one(SS, "app-sealed-secret").inputs);
  // Another seed (another stack, or a replaced seed) seals differently: the text depends on the secret seed.
  const other = await runProgram(() => new SealedSecret("app", base), { resourceState: seedState(randomBytes(32).toString("base64")) });
  assert.notDeepEqual(other.one(SS, "app-sealed-secret").inputs.spec.encryptedData, run1.one(SS, "app-sealed-secret").inputs.spec.encryptedData);
});

test("SealedSecret: a changed value reseals only that key; a changed certificate, scope or name reseals all", async () => {
  const enc = (s: TestStack) => s.one(SS, "app-sealed-secret").inputs.spec.encryptedData as Record<string, string>;
  {
    const [run1, run2] = await twoRuns(base, { ...base, data: { a: "alpha-value", b: "beta-CHANGED" } });
    assert.equal(enc(run2).a, enc(run1).a);
    assert.notEqual(enc(run2).b, enc(run1).b);
    assert.equal(plain(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "team-a", name: "app", sealed: enc(run2).b })), "beta-CHANGED");
  }
  {
    const [run1, run2] = await twoRuns(base, { ...base, certificatePem: certB.certificatePem });
    assert.notEqual(enc(run2).a, enc(run1).a);
    assert.notEqual(enc(run2).b, enc(run1).b);
    assert.equal(plain(unsealValue({ privateKeyPem: certB.privateKeyPem, namespace: "team-a", name: "app", sealed: enc(run2).a })), "alpha-value");
    assert.ok(enc(run2).a.startsWith("Ag"), "resealed with the 4096-bit certificate");
  }
  {
    const [run1, run2] = await twoRuns(base, { ...base, scope: "cluster-wide" });
    assert.notEqual(enc(run2).a, enc(run1).a);
    assert.equal(plain(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "x", name: "y", scope: "cluster-wide", sealed: enc(run2).a })), "alpha-value");
  }
  {
    const [run1, run2] = await twoRuns(base, { ...base, name: "renamed" });
    assert.notEqual(enc(run2).b, enc(run1).b);
    assert.equal(plain(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "team-a", name: "renamed", sealed: enc(run2).b })), "beta-value");
  }
  {
    const [run1, run2] = await twoRuns(base, { ...base, data: { a: "alpha-value", c: "gamma-value" } });
    assert.equal(enc(run2).a, enc(run1).a);
    assert.deepEqual(Object.keys(enc(run2)).sort(), ["a", "c"]);
  }
});

test("sealValueWithSeed: deterministic per input, kubeseal's format, decrypted by OpenSSL's own OAEP-SHA256 with the scope label", () => {
  const seed = randomBytes(32);
  const args = { certificatePem: key.certificatePem, namespace: "ns", name: "n", dataKey: "k", value: "v-1", seed };
  const a = sealValueWithSeed(args);
  assert.equal(sealValueWithSeed(args), a, "same inputs, same text");
  // unsealValue decrypts with crypto.privateDecrypt (OpenSSL RSA_PKCS1_OAEP_PADDING, SHA-256, label "ns/n"), the
  // same RSAES-OAEP-DECRYPT as Go's rsa.DecryptOAEP in the controller (bitnami-labs/sealed-secrets pkg/crypto/crypto.go).
  assert.equal(plain(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "ns", name: "n", sealed: a })), "v-1");
  assert.ok(a.startsWith("AQ"), "2-byte big-endian length of a 2048-bit RSA block (256 = 0x0100), as kubeseal writes");
  for (const change of [{ value: "v-2" }, { dataKey: "j" }, { name: "m" }, { namespace: "other" }, { seed: randomBytes(32) }, { certificatePem: certB.certificatePem }]) {
    assert.notEqual(sealValueWithSeed({ ...args, ...change }), a, JSON.stringify(Object.keys(change)));
  }
  assert.throws(() => sealValueWithSeed({ ...args, seed: Buffer.alloc(16) }), /seed: must be at least 32 bytes/);
  assert.throws(() => unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "ns", name: "other", sealed: a }), /cannot be decrypted/);
});

test("SealedSecret: a certificate not computed yet leaves the ciphertexts unknown, as in a preview", async () => {
  const stack = await runProgram(() => {
    new SealedSecret("later", { namespace: "team-a", certificatePem: pulumi.output(undefined as unknown as string), data: { token: "t-value" } });
  });
  // The mock runtime records an unknown input of a non-preview run as undefined: the key is there, its
  // ciphertext is not (a real `pulumi up` would refuse the unknown instead of creating an empty value).
  const sealed = stack.one(SS, "later-sealed-secret");
  assert.deepEqual(Object.keys(sealed.inputs.spec.encryptedData), ["token"]);
  assert.equal(sealed.inputs.spec.encryptedData.token, undefined);
  assert.ok(!JSON.stringify(sealed.rawInputs).includes("t-value"));
});

test("SealedSecret: invalid args throw at construction, naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new SealedSecret("bad", {
          namespace: "Team_A",
          name: "Bad_Name",
          certificatePem: "not a certificate",
          scope: "global",
          data: { "bad key": "v", good: "v" },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `scope: must be one of strict, namespace-wide, cluster-wide, got "global"`,
          `name: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "Bad_Name"`,
          `namespace: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "Team_A"`,
          "data.bad key: the key must match [-._a-zA-Z0-9]+ (at most 253 characters)",
          "certificatePem: must be a PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE-----)",
        ]);
        assert.match(e.message, /^SealedSecret "bad": invalid arguments:/);
        return true;
      },
    );
    assert.throws(() => new SealedSecret("empty", { namespace: "a", certificatePem: key.certificatePem, data: {} }), /data: must hold at least one key/);
    assert.throws(() => new SealedSecret("x", { namespace: "", certificatePem: key.certificatePem, data: { a: "b" } }), /namespace: must not be empty/);
    assert.throws(() => new SealedSecret("x", { namespace: "a", certificatePem: key.certificatePem, data: { a: "b" }, extra: 1 } as never), /extra: unknown field/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
