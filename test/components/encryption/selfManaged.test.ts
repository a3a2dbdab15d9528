import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import {
  InvalidArgumentsError,
  SelfManagedSecretsEncryption,
  validateEncryptionConfiguration,
  validateSelfManagedSecretsEncryption,
  type SelfManagedSecretsEncryptionArgs,
} from "../../../components";
import { isSecretOutput, runProgram, unwrap } from "../../harness/pulumi";

/** RandomBytes under mocks: real random bytes of the requested length, as the provider would return. */
const randomState = {
  resourceState: (args: { type: string; inputs: any }) => {
    if (args.type !== "random:index/randomBytes:RandomBytes") return undefined;
    const bytes = randomBytes(args.inputs.length);
    return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
  },
};

test("SelfManagedSecretsEncryption: secretbox with rotation, generated 32-byte keys, identity fallback; all secret", async () => {
  const imported = randomBytes(32).toString("base64");
  let enc: SelfManagedSecretsEncryption | undefined;
  const stack = await runProgram(() => {
    enc = new SelfManagedSecretsEncryption("local", {
      providers: [{ secretbox: { keys: [{ name: "key-2026-11" }, { name: "key-2026-05", secret: imported }] } }, { identity: true }],
    });
  }, randomState);

  const component = stack.one("kube-secrets-platform:index:SelfManagedSecretsEncryption", "local");
  const bytes = stack.one("random:index/randomBytes:RandomBytes", "local-key-key-2026-11");
  assert.equal(bytes.parent, component.urn);
  assert.deepEqual(bytes.inputs, { length: 32 });
  assert.deepEqual(stack.all("random:index/randomBytes:RandomBytes").map((r) => r.name), ["local-key-key-2026-11"], "a given key is not generated");

  const yaml = await unwrap(enc!.configYaml);
  const config = parse(yaml);
  const newKey: string = config.resources[0].providers[0].secretbox.keys[0].secret;
  assert.equal(Buffer.from(newKey, "base64").length, 32);
  assert.deepEqual(config, {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [
      {
        resources: ["secrets"],
        providers: [
          { secretbox: { keys: [{ name: "key-2026-11", secret: newKey }, { name: "key-2026-05", secret: imported }] } },
          { identity: {} },
        ],
      },
    ],
  });
  assert.deepEqual(validateEncryptionConfiguration(config), []);
  assert.equal(await isSecretOutput(enc!.configYaml), true, "configYaml must be secret");
  assert.equal(await unwrap(enc!.writeProvider), "secretbox/key-2026-11");
  assert.equal(await isSecretOutput(enc!.writeProvider), false, "names only: usable as a Job trigger");
});

test("SelfManagedSecretsEncryption: KMS v2 first with an aescbc read fallback (migration to KMS)", async () => {
  const old = randomBytes(32).toString("base64");
  let enc: SelfManagedSecretsEncryption | undefined;
  await runProgram(() => {
    enc = new SelfManagedSecretsEncryption("kms", {
      resources: ["secrets", "configmaps"],
      providers: [{ kms: { name: "vault-kms", endpoint: "unix:///var/run/kmsplugin/socket.sock" } }, { aescbc: { keys: [{ name: "legacy", secret: old }] } }],
    });
  }, randomState);
  assert.deepEqual(parse(await unwrap(enc!.configYaml)), {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [
      {
        resources: ["secrets", "configmaps"],
        providers: [
          { kms: { apiVersion: "v2", name: "vault-kms", endpoint: "unix:///var/run/kmsplugin/socket.sock", timeout: "3s" } },
          { aescbc: { keys: [{ name: "legacy", secret: old }] } },
        ],
      },
    ],
  });
  assert.equal(await unwrap(enc!.writeProvider), "kms/vault-kms");
  assert.equal(await isSecretOutput(enc!.configYaml), true);
});

test("SelfManagedSecretsEncryption: invalid args throw naming each field before anything registers", async () => {
  const tenBytes = randomBytes(10).toString("base64");
  const stack = await runProgram(() => {
    assert.throws(
      () => new SelfManagedSecretsEncryption("bad", { providers: [{ identity: true }, { aescbc: { keys: [{ name: "k", secret: tenBytes }] } }] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "providers[0].identity: identity must not be the first provider (it would store new Secrets unencrypted)",
          "providers[1].aescbc.keys[0].secret: must decode to 16, 24, 32 bytes, got 10",
        ]);
        assert.doesNotMatch(e.message, new RegExp(tenBytes.replace(/[+/]/g, "\\$&")));
        return true;
      },
    );
    assert.throws(
      () =>
        new SelfManagedSecretsEncryption("bad2", {
          resources: ["Secrets"],
          providers: [
            { kms: { name: "a:b", endpoint: "tcp://x", timeout: "0s" }, secretbox: { keys: [{ name: "x" }] } },
            { secretbox: { keys: [{ name: "dup" }, { name: "dup" }] } },
          ],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `providers[1].secretbox.keys[1].name: key names must be unique, got "dup" (also at providers[1].secretbox.keys[0].name)`,
          `resources[0]: resource names must not contain capital letters, got "Secrets"`,
          "providers[0]: must set exactly one provider kind per element, got kms and secretbox",
        ]);
        return true;
      },
    );
    assert.throws(() => new SelfManagedSecretsEncryption("bad3", { providers: [] }), /providers: at least one provider is required/);
    assert.throws(() => new SelfManagedSecretsEncryption("bad4", { providers: [{ secretbox: { keys: [{ name: "Key_1" }] } }] }), /providers\[0\]\.secretbox\.keys\[0\]\.name: must be lower-case alphanumerics and '-'/);
    assert.throws(() => new SelfManagedSecretsEncryption("bad5", { providers: [{ kms: { name: "k", endpoint: "unix:///s", timeout: "soon" } }] }), /providers\[0\]\.kms\.timeout: must be a duration such as "3s", got "soon"/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "no resource may be registered for invalid args");
});

// Arbitrary args the component accepts: 1-3 local/KMS providers with generated or given keys, optional identity last.
const LOCAL_SIZES = { secretbox: [32], aesgcm: [16, 24, 32], aescbc: [16, 24, 32] } as const;
const argsArb = fc
  .record({
    resources: fc.uniqueArray(fc.constantFrom("secrets", "configmaps", "*.apps", "widgets.example.com"), { minLength: 1, maxLength: 3 }),
    providers: fc.array(
      fc.record({
        kind: fc.constantFrom("kms", "secretbox", "aesgcm", "aescbc"),
        keys: fc.array(fc.record({ given: fc.boolean(), size: fc.nat(2) }), { minLength: 1, maxLength: 3 }),
        timeout: fc.constantFrom(undefined, "3s", "10s", "1m"),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    identity: fc.boolean(),
  })
  .map(({ resources, providers, identity }, ): SelfManagedSecretsEncryptionArgs => ({
    resources,
    providers: [
      ...providers.map((p, i) =>
        p.kind === "kms"
          ? { kms: { name: `kms-${i}`, endpoint: `unix:///run/kms-${i}.sock`, timeout: p.timeout } }
          : {
              [p.kind]: {
                keys: p.keys.map((k, j) => ({
                  name: `k${i}-${j}`,
                  secret: k.given ? randomBytes(LOCAL_SIZES[p.kind as keyof typeof LOCAL_SIZES][k.size % LOCAL_SIZES[p.kind as keyof typeof LOCAL_SIZES].length]).toString("base64") : undefined,
                })),
              },
            },
      ),
      ...(identity ? [{ identity: true }] : []),
    ],
  }));

test("property: every configuration the component accepts passes validateEncryptionConfiguration", async () => {
  const samples = fc.sample(argsArb, { numRuns: 60, seed: 20261128 }).filter((a) => validateSelfManagedSecretsEncryption(a).length === 0);
  assert.ok(samples.length >= 50, `most generated args are valid (${samples.length})`);
  const components: SelfManagedSecretsEncryption[] = [];
  await runProgram(() => {
    samples.forEach((args, i) => components.push(new SelfManagedSecretsEncryption(`p${i}`, args)));
  }, randomState);
  for (const [i, c] of components.entries()) {
    const config = parse(await unwrap(c.configYaml));
    assert.deepEqual(validateEncryptionConfiguration(config), [], `sample ${i}: ${JSON.stringify(samples[i])}`);
    assert.equal(config.resources[0].providers.length, samples[i].providers.length);
    assert.equal(await isSecretOutput(c.configYaml), true);
  }
});
