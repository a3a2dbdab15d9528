import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { validateEncryptionConfiguration, type EncryptionConfiguration } from "../../../components/encryption";
import { parseGoDuration } from "../../../components/internal/duration";

const key = (name: string, bytes: number) => ({ name, secret: randomBytes(bytes).toString("base64") });
const base = (providers: object[], resources: string[] = ["secrets"]): EncryptionConfiguration => {
  const config: unknown = { apiVersion: "apiserver.config.k8s.io/v1", kind: "EncryptionConfiguration", resources: [{ resources, providers }] };
  return config as EncryptionConfiguration;
};

test("validateEncryptionConfiguration: accepts KMS v2, every local provider and an identity read fallback", () => {
  assert.deepEqual(
    validateEncryptionConfiguration(
      base(
        [
          { kms: { apiVersion: "v2", name: "vault-kms", endpoint: "unix:///var/run/kms/socket.sock", timeout: "3s" } },
          { secretbox: { keys: [key("k2", 32), key("k1", 32)] } },
          { aesgcm: { keys: [key("g1", 16), key("g2", 24), key("g3", 32)] } },
          { aescbc: { keys: [key("c1", 32)] } },
          { identity: {} },
        ],
        ["secrets", "configmaps", "*.apps"],
      ),
    ),
    [],
  );
});

test("validateEncryptionConfiguration: the API server's rules, each named by path (secrets never echoed)", () => {
  const tenBytes = key("short", 10);
  assert.deepEqual(validateEncryptionConfiguration(base([{ aescbc: { keys: [tenBytes] } }])), [
    "resources[0].providers[0].aescbc.keys[0].secret: must decode to 16, 24, 32 bytes, got 10",
  ]);
  assert.deepEqual(validateEncryptionConfiguration(base([{ secretbox: { keys: [key("a", 16)] } }])), [
    "resources[0].providers[0].secretbox.keys[0].secret: must decode to 32 bytes, got 16",
  ]);
  const problems = validateEncryptionConfiguration({
    apiVersion: "v1",
    kind: "Config",
    resources: [
      {
        resources: ["Secrets", "*", "events.events.k8s.io", "ingresses.extensions", "pods.*", "serviceipallocations"],
        providers: [
          { secretbox: { keys: [key("a", 32)] }, aesgcm: { keys: [key("b", 32)] } },
          {},
          { aesgcm: { keys: [{ name: "", secret: "not base64!" }] } },
          { kms: { apiVersion: "v2", name: "a:b", endpoint: "https://kms.example", timeout: "0s", cachesize: 10 } },
          { kms: { name: "plain", endpoint: "unix:///s" } },
          { kms: { apiVersion: "v2", name: "dup", endpoint: "unix:///a", timeout: "soon" } },
          { kms: { apiVersion: "v2", name: "dup", endpoint: "unix:///b" } },
          { secretbox: { keys: [] } },
        ],
      },
      { resources: ["secrets", "*."], providers: [] },
      { resources: ["configmaps", "configmaps"], providers: [{ foo: {} }] },
      { resources: [], providers: [{ identity: { x: 1 } }] },
    ],
  });
  assert.deepEqual(problems, [
    `apiVersion: must be "apiserver.config.k8s.io/v1", got "v1"`,
    `kind: must be "EncryptionConfiguration", got "Config"`,
    `resources[0].resources[0]: resource names must not contain capital letters, got "Secrets"`,
    `resources[0].resources[1]: use "*." for every core resource or "*.*" for every resource, got "*"`,
    `resources[0].resources[2]: events.k8s.io objects are stored as core "events"; use "events", got "events.events.k8s.io"`,
    `resources[0].resources[3]: the "extensions" group was removed and cannot be encrypted, got "ingresses.extensions"`,
    `resources[0].resources[4]: encrypting one resource across all groups is not supported, got "pods.*"`,
    `resources[0].resources[5]: resources without a REST API cannot be encrypted, got "serviceipallocations"`,
    `resources[0].resources: overlapping entries (such as "secrets" and "*.") mask each other, got ["Secrets","*","events.events.k8s.io","ingresses.extensions","pods.*","serviceipallocations"]`,
    "resources[0].providers[0]: must set exactly one provider kind per element, got aesgcm and secretbox",
    "resources[0].providers[1]: must set exactly one of kms, aesgcm, aescbc, secretbox, identity, got none",
    "resources[0].providers[2].aesgcm.keys[0].name: is required, got \"\"",
    "resources[0].providers[2].aesgcm.keys[0].secret: must be standard base64",
    `resources[0].providers[3].kms.name: a KMS v2 provider name must not contain ':', got "a:b"`,
    `resources[0].providers[3].kms.endpoint: only unix:// sockets are supported, got "https://kms.example"`,
    `resources[0].providers[3].kms.timeout: must be positive, got "0s"`,
    "resources[0].providers[3].kms.cachesize: is not supported by KMS v2, got 10",
    `resources[0].providers[4].kms.apiVersion: must be "v2" (KMS v1 is deprecated and disabled by default since Kubernetes 1.29), got undefined`,
    `resources[0].providers[5].kms.timeout: must be a duration such as "3s", got "soon"`,
    `resources[0].providers[6].kms.name: KMS provider names must be unique, got "dup" twice`,
    "resources[0].providers[7].secretbox.keys: at least one key is required, got []",
    `resources[1].resources: overlapping entries (such as "secrets" and "*.") mask each other, got ["secrets","*."]`,
    "resources[1].providers: at least one provider is required, got []",
    `resources[2].resources: the same resource must not be listed twice, got ["configmaps","configmaps"]`,
    "resources[2].providers[0].foo: unknown provider kind (expected one of kms, aesgcm, aescbc, secretbox, identity)",
    "resources[3].resources: at least one resource is required, got []",
    `resources[3].providers[0].identity: must be an empty object {}, got {"x":1}`,
    "resources[3].providers[0].identity: identity must not be the first provider (it would store new Secrets unencrypted)",
  ]);
  for (const p of problems) assert.doesNotMatch(p, /not base64!/);
});

test("validateEncryptionConfiguration: identity never first, only last", () => {
  assert.deepEqual(validateEncryptionConfiguration(base([{ identity: {} }, { secretbox: { keys: [key("a", 32)] } }])), [
    "resources[0].providers[0].identity: identity must not be the first provider (it would store new Secrets unencrypted)",
  ]);
  assert.deepEqual(
    validateEncryptionConfiguration(base([{ secretbox: { keys: [key("a", 32)] } }, { identity: {} }, { aescbc: { keys: [key("b", 32)] } }])),
    ["resources[0].providers[1].identity: identity may only be the last provider (the read fallback during migration)"],
  );
  assert.deepEqual(validateEncryptionConfiguration({}), [
    "apiVersion: must be \"apiserver.config.k8s.io/v1\", got undefined",
    "kind: must be \"EncryptionConfiguration\", got undefined",
    "resources: at least one entry is required, got undefined",
  ]);
});

test("parseGoDuration follows Go's time.ParseDuration for the forms KMS timeouts use", () => {
  assert.equal(parseGoDuration("3s"), 3e9);
  assert.equal(parseGoDuration("1m30s"), 90e9);
  assert.equal(parseGoDuration("1.5h"), 5400e9);
  assert.equal(parseGoDuration("500ms"), 5e8);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("-2s"), -2e9);
  assert.equal(parseGoDuration("3"), undefined);
  assert.equal(parseGoDuration("s"), undefined);
});

// ---- properties -------------------------------------------------------------------------------------------

const LOCAL = { secretbox: [32], aesgcm: [16, 24, 32], aescbc: [16, 24, 32] } as const;
type LocalKind = keyof typeof LOCAL;

/** Valid configurations: unique KMS v2 names, real random keys of valid sizes, identity only last (after another). */
const validConfig = fc
  .record({
    resources: fc.uniqueArray(fc.constantFrom("secrets", "configmaps", "leases.coordination.k8s.io", "widgets.example.com", "*.apps"), { minLength: 1, maxLength: 4 }),
    providers: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("kms" as const), timeout: fc.constantFrom(undefined, "3s", "1m", "250ms") }),
        fc.record({
          kind: fc.constantFrom<LocalKind>("secretbox", "aesgcm", "aescbc"),
          sizes: fc.array(fc.nat(2), { minLength: 1, maxLength: 3 }),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    identityLast: fc.boolean(),
  })
  .map(({ resources, providers, identityLast }) => {
    const ps: any[] = providers.map((p, i) => {
      if (p.kind === "kms") return { kms: { apiVersion: "v2", name: `kms-${i}`, endpoint: `unix:///run/kms-${i}.sock`, ...(p.timeout ? { timeout: p.timeout } : {}) } };
      const sizes = LOCAL[p.kind];
      return { [p.kind]: { keys: p.sizes.map((s, j) => key(`key-${i}-${j}`, sizes[s % sizes.length])) } };
    });
    if (identityLast) ps.push({ identity: {} });
    return base(ps, resources);
  });

test("property: every well-formed configuration passes", () => {
  fc.assert(fc.property(validConfig, (config) => validateEncryptionConfiguration(config).length === 0), { numRuns: 200 });
});

/** Rule breakers: each takes a valid config and returns it broken plus the message it must produce. */
const breakers: Array<[string, (c: any, n: number) => RegExp]> = [
  ["identity first", (c) => (c.resources[0].providers.unshift({ identity: {} }), /^resources\[0\]\.providers\[0\]\.identity: identity must not be the first provider/)],
  [
    "identity in the middle",
    (c) => {
      c.resources[0].providers.splice(1, 0, { identity: {} }, { secretbox: { keys: [key("tail", 32)] } });
      return /^resources\[0\]\.providers\[1\]\.identity: identity may only be the last provider/;
    },
  ],
  [
    "two kinds in one element",
    (c) => ((c.resources[0].providers[0].identity = {}), /^resources\[0\]\.providers\[0\]: must set exactly one provider kind per element/),
  ],
  [
    "wrong key length",
    (c, n) => {
      const bad = [0, 1, 8, 10, 15, 17, 31, 33, 64][n % 9];
      c.resources[0].providers.unshift({ aescbc: { keys: [{ name: "bad", secret: bad === 0 ? "" : randomBytes(bad).toString("base64") }] } });
      return bad === 0 ? /providers\[0\]\.aescbc\.keys\[0\]\.secret: is required/ : new RegExp(`providers\\[0\\]\\.aescbc\\.keys\\[0\\]\\.secret: must decode to 16, 24, 32 bytes, got ${bad}$`);
    },
  ],
  [
    "secretbox key not 32 bytes",
    (c, n) => {
      const bad = [16, 24, 31, 33][n % 4];
      c.resources[0].providers.unshift({ secretbox: { keys: [key("sb", bad)] } });
      return new RegExp(`providers\\[0\\]\\.secretbox\\.keys\\[0\\]\\.secret: must decode to 32 bytes, got ${bad}$`);
    },
  ],
  ["KMS v2 name with ':'", (c) => (c.resources[0].providers.unshift({ kms: { apiVersion: "v2", name: "a:b", endpoint: "unix:///x" } }), /providers\[0\]\.kms\.name: a KMS v2 provider name must not contain ':'/)],
  [
    "duplicate KMS names",
    (c) => (
      c.resources[0].providers.unshift({ kms: { apiVersion: "v2", name: "same", endpoint: "unix:///a" } }, { kms: { apiVersion: "v2", name: "same", endpoint: "unix:///b" } }),
      /providers\[1\]\.kms\.name: KMS provider names must be unique/
    ),
  ],
  ["non-unix endpoint", (c) => (c.resources[0].providers.unshift({ kms: { apiVersion: "v2", name: "k", endpoint: "tcp://10.0.0.1:80" } }), /providers\[0\]\.kms\.endpoint: only unix:\/\/ sockets/)],
  ["KMS v1", (c) => (c.resources[0].providers.unshift({ kms: { apiVersion: "v1", name: "old", endpoint: "unix:///x" } }), /providers\[0\]\.kms\.apiVersion: must be "v2"/)],
  ["no providers", (c) => ((c.resources[0].providers = []), /^resources\[0\]\.providers: at least one provider is required/)],
  ["no resources", (c) => ((c.resources[0].resources = []), /^resources\[0\]\.resources: at least one resource is required/)],
  ["capital letters", (c) => (c.resources[0].resources.push("ConfigMaps"), /^resources\[0\]\.resources\[\d+\]: resource names must not contain capital letters/)],
  ["duplicate resource", (c) => (c.resources[0].resources.push(c.resources[0].resources[0]), /^resources\[0\]\.resources: the same resource must not be listed twice/)],
];

test("property: breaking any rule of a valid configuration is rejected with a message naming the field", () => {
  fc.assert(
    fc.property(validConfig, fc.nat(breakers.length - 1), fc.nat(100), (config, which, n) => {
      const broken = structuredClone(config) as any;
      const expected = breakers[which][1](broken, n);
      const problems = validateEncryptionConfiguration(broken);
      assert.ok(problems.some((p) => expected.test(p)), `${breakers[which][0]}: expected ${expected} in ${JSON.stringify(problems)}`);
      // Key material never appears in a message.
      const secrets = JSON.stringify(broken).match(/"secret":"([^"]+)"/g) ?? [];
      for (const s of secrets) for (const p of problems) assert.ok(!p.includes(s.slice(10, -1)), "a message leaked a key");
    }),
    { numRuns: 300 },
  );
});
