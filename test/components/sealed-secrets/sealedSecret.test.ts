import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentsError, SealedSecret, unsealValue, type SealedSecretArgs, type SealingScope } from "../../../components";
import {
  changedKeys,
  createOutputs,
  stableCiphertextProvider,
  updateOutputs,
  type StableCiphertextInputs,
  type StableCiphertextOutputs,
} from "../../../components/sealed-secrets/stableCiphertext";
import { redact, reveal } from "../../../cli/lib/mockRuntime";
import { runProgram, unwrap, type TestStack } from "../../harness/pulumi";
import { testKeyPair } from "./testCerts";

const SS = "kubernetes:bitnami.com/v1alpha1:SealedSecret";
const DYN = "pulumi-nodejs:dynamic/kube-secrets-platform:StableCiphertext";
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
  });

  const component = stack.one("kube-secrets-platform:index:SealedSecret", "db");
  const cr = stack.one(SS, "db-sealed-secret");
  assert.equal(cr.parent, component.urn);
  assert.equal(stack.one(DYN, "db-ciphertext").parent, component.urn);
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

  // The plaintext is only ever a secret input: never in any recorded input once secrets are redacted,
  // never in the serialized provider.
  const redacted = JSON.stringify(stack.resources.map((r) => redact(r.rawInputs)));
  for (const secret of ["hunter2-correct-horse", "ns-token-value", "cluster-token-value"]) assert.ok(!redacted.includes(secret), secret);
  const dyn = stack.one(DYN, "db-ciphertext");
  assert.ok(stack.isSecret(dyn, ["values"]), "values are a secret input");
  assert.ok(!stack.isSecret(cr, ["spec", "encryptedData"]), "ciphertext is deliberately public");
  assert.ok(!String(dyn.inputs.__provider).includes("hunter2"), "the serialized provider captures no values");
  assert.match(String(dyn.inputs.__provider), /exports\.handler/);
});

/** Runs the same program twice; the second run answers the dynamic resource the way the engine would. */
async function twoRuns(first: SealedSecretArgs, second: SealedSecretArgs): Promise<[TestStack, TestStack]> {
  const states = new Map<string, StableCiphertextOutputs>();
  const run1 = await runProgram(() => new SealedSecret("app", first));
  const dyn1 = run1.one(DYN, "app-ciphertext").inputs as StableCiphertextInputs;
  // Engine: create() stores its outputs.
  states.set("app-ciphertext", createOutputs(dyn1));
  const run2 = await runProgram(() => new SealedSecret("app", second), {
    resourceState: (args) => {
      if (args.type !== DYN) return undefined;
      const olds = states.get(args.name)!;
      const news = reveal(args.inputs) as StableCiphertextInputs;
      // Engine: diff() without changes keeps the old outputs (a "same" step); otherwise update().
      const outs = changedKeys(olds, news).length === 0 ? { ...olds } : updateOutputs(olds, news);
      return outs as unknown as Record<string, unknown>;
    },
  });
  return [run1, run2];
}

const certB = testKeyPair(4096);
const base: SealedSecretArgs = { namespace: "team-a", certificatePem: key.certificatePem, data: { a: "alpha-value", b: "beta-value" } };

test("SealedSecret: rebuilding with unchanged inputs yields identical SealedSecret inputs", async () => {
  const [run1, run2] = await twoRuns(base, { ...base, data: { b: "beta-value", a: pulumi.secret("alpha-value") } });
  assert.deepEqual(run2.one(SS, "app-sealed-secret").inputs, run1.one(SS, "app-sealed-secret").inputs);
  // The fresh proposals differ every run: it is the pinning that keeps the resource stable.
  assert.notDeepEqual(run2.one(DYN, "app-ciphertext").inputs.encryptedData, run1.one(DYN, "app-ciphertext").inputs.encryptedData);
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

test("stable ciphertext provider: create, diff and update as the engine calls them", async () => {
  const inputs: StableCiphertextInputs = {
    certificatePem: key.certificatePem,
    namespace: "ns",
    name: "n",
    scope: "strict",
    values: { k: "value-one" },
    encryptedData: { k: "proposal-1" },
  };
  const created = await stableCiphertextProvider.create(inputs);
  const outs = created.outs as StableCiphertextOutputs;
  assert.deepEqual(outs.encryptedData, { k: "proposal-1" });
  assert.equal(Buffer.from(outs.hashKey, "base64").length, 32);
  assert.ok(!JSON.stringify(outs).includes("value-one"), "no plaintext in the outputs");
  const same = await stableCiphertextProvider.diff!(created.id, outs, { ...inputs, encryptedData: { k: "proposal-2" } });
  assert.equal(same.changes, false);
  const changed = await stableCiphertextProvider.diff!(created.id, outs, { ...inputs, values: { k: "value-two" }, encryptedData: { k: "proposal-3" } });
  assert.equal(changed.changes, true);
  const updated = await stableCiphertextProvider.update!(created.id, outs, { ...inputs, values: { k: "value-one", j: "new" }, encryptedData: { k: "p4", j: "p5" } });
  assert.deepEqual(updated.outs.encryptedData, { j: "p5", k: "proposal-1" });
  assert.equal(updated.outs.hashKey, outs.hashKey, "the HMAC key is kept");
  // A different HMAC key gives different hashes for the same inputs: the hash is keyed.
  assert.notDeepEqual(createOutputs(inputs).hashes, outs.hashes);
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

test("stable ciphertext provider: inputs that cannot be hashed yet (a preview's unknown certificate) mean every key may change", () => {
  const inputs: StableCiphertextInputs = {
    certificatePem: key.certificatePem,
    namespace: "ns",
    name: "n",
    scope: "strict",
    values: { k: "v", j: "w" },
    encryptedData: { k: "c1", j: "c2" },
  };
  const olds = createOutputs(inputs);
  assert.deepEqual(changedKeys(olds, inputs), []);
  assert.deepEqual(changedKeys(olds, { ...inputs, certificatePem: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), ["j", "k"]);
  assert.deepEqual(changedKeys({ encryptedData: {}, hashKey: "", hashes: {} }, inputs), ["j", "k"], "no stored state: everything is new");
});
