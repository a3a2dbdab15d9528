import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { InvalidArgumentsError, VaultPolicy, parseVaultPolicyDocument, vaultPolicyDocument, vaultPolicyProblems, type VaultPolicyRule } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";
import { hclStringProblem } from "../../../components/vault/hcl";

test("vaultPolicyDocument: golden HCL, sorted and canonical regardless of input order", () => {
  const rules: VaultPolicyRule[] = [
    {
      path: "secret/data/team-a/*",
      capabilities: ["read", "create", "update"],
      allowedParameters: { version: [], data: ["x", "a"] },
      deniedParameters: { zz: ["1"] },
      requiredParameters: ["data", "data"],
      maxWrappingTtl: "90s",
      minWrappingTtl: "1s",
    },
    { path: "secret/metadata/team-a/+/config", capabilities: ["list", "read"] },
    { path: "auth/token/lookup-self", capabilities: ["read"] },
  ];
  const golden = `# Managed by kube-secrets-platform: changes made in Vault are overwritten.

path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "secret/data/team-a/*" {
  capabilities = ["create", "read", "update"]
  required_parameters = ["data"]
  allowed_parameters = {
    "data" = ["a", "x"]
    "version" = []
  }
  denied_parameters = {
    "zz" = ["1"]
  }
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "90s"
}

path "secret/metadata/team-a/+/config" {
  capabilities = ["read", "list"]
}
`;
  assert.equal(vaultPolicyDocument(rules), golden);
  assert.equal(vaultPolicyDocument([...rules].reverse()), golden, "input order does not change the document");
});

test("vaultPolicyDocument: escapes quotes, backslashes and control characters; writes ${…} and %{ as HCL v1 reads them", () => {
  const hcl = vaultPolicyDocument([
    { path: 'secret/data/we"ird\\path', capabilities: ["read"], allowedParameters: { 'k"ey': ["${env}", "%{if}", "a\nb\tc\u0001"] } },
  ]);
  assert.equal(
    hcl.split("\n").slice(2).join("\n"),
    [
      'path "secret/data/we\\"ird\\\\path" {',
      '  capabilities = ["read"]',
      "  allowed_parameters = {",
      '    "k\\"ey" = ["${env}", "%{if}", "a\\nb\\tc\\u0001"]',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});

test("vaultPolicyDocument: any generated rule set renders deterministically and balanced", () => {
  const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
  const ruleArb = fc.record({
    path: fc.array(segment, { minLength: 2, maxLength: 4 }).map((s) => s.join("/")),
    capabilities: fc.subarray(["read", "list", "create", "update", "patch", "delete"], { minLength: 1 }).filter((c) => !["create", "read", "update", "delete", "list"].every((x) => c.includes(x))),
  });
  fc.assert(
    fc.property(fc.uniqueArray(ruleArb, { minLength: 1, maxLength: 6, selector: (r) => r.path }), (rules) => {
      const doc = vaultPolicyDocument(rules);
      assert.equal(doc, vaultPolicyDocument([...rules].reverse()));
      assert.equal((doc.match(/^path "/gm) ?? []).length, rules.length);
      assert.equal((doc.match(/{/g) ?? []).length, (doc.match(/}/g) ?? []).length);
    }),
    { numRuns: 200 },
  );
});

test("vaultPolicyProblems: rejects sudo, everything-grants and root globs unless opted in", () => {
  const risky: VaultPolicyRule[] = [
    { path: "sys/mounts", capabilities: ["read", "sudo"] },
    { path: "secret/data/app", capabilities: ["create", "read", "update", "delete", "list"] },
    { path: "*", capabilities: ["read"] },
    { path: "sys/*", capabilities: ["read"] },
    { path: "auth/*", capabilities: ["read"] },
    { path: "+/*", capabilities: ["read"] },
    { path: "secret*", capabilities: ["read"] },
  ];
  assert.deepEqual(vaultPolicyProblems(risky), [
    `rules[0].capabilities: 'sudo' is not allowed without allowSudo, got ["read","sudo"]`,
    `rules[1].capabilities: granting every capability is not allowed without allowAllCapabilities, got ["create","read","update","delete","list"]`,
    `rules[2].path: glob at the root is not allowed without allowRootGlobs, got "*"`,
    `rules[3].path: glob at the root is not allowed without allowRootGlobs, got "sys/*"`,
    `rules[4].path: glob at the root is not allowed without allowRootGlobs, got "auth/*"`,
    `rules[5].path: glob at the root is not allowed without allowRootGlobs, got "+/*"`,
    `rules[6].path: glob at the root is not allowed without allowRootGlobs, got "secret*"`,
  ]);
  assert.deepEqual(vaultPolicyProblems(risky, { allowSudo: true, allowAllCapabilities: true, allowRootGlobs: true, allowEscalationPaths: true }), []);
  // Opting in to root globs does not opt in to the escalation paths they reach (a separate opt-in).
  assert.deepEqual(vaultPolicyProblems(risky, { allowSudo: true, allowAllCapabilities: true, allowRootGlobs: true }), [
    `rules[2].path: escalation path not allowed without allowEscalationPaths: "*" with read reaches sys/raw*: reads or writes Vault's raw storage`,
    `rules[3].path: escalation path not allowed without allowEscalationPaths: "sys/*" with read reaches sys/raw*: reads or writes Vault's raw storage`,
    `rules[5].path: escalation path not allowed without allowEscalationPaths: "+/*" with read reaches sys/raw*: reads or writes Vault's raw storage`,
  ]);
  // Narrow paths under system backends stay allowed.
  assert.deepEqual(vaultPolicyProblems([{ path: "sys/leases/renew", capabilities: ["update"] }, { path: "auth/token/renew-self", capabilities: ["update"] }]), []);
});

test("vaultPolicyProblems: structural problems, each naming the field", () => {
  assert.deepEqual(vaultPolicyProblems([]), ["rules: must contain at least one rule"]);
  assert.deepEqual(
    vaultPolicyProblems(
      [
        { path: "", capabilities: [] },
        { path: "/secret/*/x", capabilities: ["read", "write", "read"] },
        { path: "kv/a", capabilities: ["deny", "read"], maxWrappingTtl: "soon" },
        { path: "kv/a", capabilities: ["read"] },
      ],
      { fieldPrefix: "spec.rules" },
    ),
    [
      `spec.rules[0].path: must be a non-empty string, got ""`,
      `spec.rules[0].capabilities: must list at least one capability, got []`,
      `spec.rules[1].path: must not start with '/', got "/secret/*/x"`,
      `spec.rules[1].path: '*' is only allowed as the last character, got "/secret/*/x"`,
      `spec.rules[1].capabilities: must be among create, read, update, patch, delete, list, sudo, deny, subscribe, recover, got ["write"]`,
      `spec.rules[1].capabilities: must not repeat a capability, got ["read","write","read"]`,
      `spec.rules[2].capabilities: 'deny' overrides every other capability and must be used alone, got ["deny","read"]`,
      `spec.rules[2].maxWrappingTtl: must be a Vault duration such as 30s or 5m, got "soon"`,
      `spec.rules[3].path: duplicates spec.rules[2].path, got "kv/a"`,
    ],
  );
  assert.throws(() => vaultPolicyDocument([{ path: "*", capabilities: ["read"] }]), /rules\[0\]\.path: glob at the root/);
});

test("VaultPolicy: registers a vault.Policy with the rendered document; sudo without opt-in registers nothing", async () => {
  let policy: VaultPolicy | undefined;
  const stack = await runProgram(() => {
    policy = new VaultPolicy("eso", { name: "external-secrets", rules: [{ path: "secret/data/platform/*", capabilities: ["read"] }] });
    assert.throws(
      () => new VaultPolicy("admin", { rules: [{ path: "sys/policies/acl/x", capabilities: ["update", "sudo"] }] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          'rules[0].path: escalation path not allowed without allowEscalationPaths: "sys/policies/acl/x" with update reaches sys/policies/acl/*: writes ACL policies (can grant itself any capability)',
          `rules[0].capabilities: 'sudo' is not allowed without allowSudo, got ["update","sudo"]`,
        ]);
        return true;
      },
    );
    assert.throws(() => new VaultPolicy("root", { name: "root", rules: [{ path: "kv/x", capabilities: ["read"] }] }), /name: must be a non-empty policy name/);
  });
  const component = stack.one("kube-secrets-platform:index:VaultPolicy", "eso");
  const res = stack.one("vault:index/policy:Policy", "eso-policy");
  assert.equal(res.parent, component.urn);
  assert.deepEqual(res.inputs, {
    name: "external-secrets",
    policy: '# Managed by kube-secrets-platform: changes made in Vault are overwritten.\n\npath "secret/data/platform/*" {\n  capabilities = ["read"]\n}\n',
  });
  assert.equal(await unwrap(policy!.policyName), "external-secrets");
  assert.deepEqual(stack.all("kube-secrets-platform:index:VaultPolicy", "admin"), []);
  assert.deepEqual(stack.all("vault:index/policy:Policy").map((r) => r.name), ["eso-policy"]);

  const sudoOk = await runProgram(() => {
    new VaultPolicy("ops", { allowSudo: true, rules: [{ path: "sys/raft/snapshot", capabilities: ["read", "sudo"] }] });
  });
  assert.match(sudoOk.one("vault:index/policy:Policy").inputs.policy, /capabilities = \["read", "sudo"\]/);
});

test("parseVaultPolicyDocument: reads hand-written HCL (comments, legacy policy, parameter blocks) for the checker", () => {
  const hcl = `
# team policy
path "secret/data/team-a/*" {
  capabilities = ["read", "list",]   // trailing comma
  allowed_parameters = { "version" = [] }
}
/* legacy shorthand */
path "secret/data/legacy" { policy = "write" }
path "sys/*" {
  capabilities = ["read", "sudo"]
  denied_parameters {
    "force" = ["true"]
  }
  max_wrapping_ttl = "5m"
}
path "empty" { capabilities = [] }
`;
  const rules = parseVaultPolicyDocument(hcl);
  assert.deepEqual(rules, [
    { path: "secret/data/team-a/*", capabilities: ["read", "list"], allowedParameters: { version: [] } },
    { path: "secret/data/legacy", capabilities: ["create", "read", "update", "delete", "list"] },
    { path: "sys/*", capabilities: ["read", "sudo"], deniedParameters: { force: ["true"] }, maxWrappingTtl: "5m" },
    { path: "empty", capabilities: [] },
  ]);
  assert.deepEqual(vaultPolicyProblems(rules), [
    `rules[1].capabilities: granting every capability is not allowed without allowAllCapabilities, got ["create","read","update","delete","list"]`,
    `rules[2].path: glob at the root is not allowed without allowRootGlobs, got "sys/*"`,
    `rules[2].capabilities: 'sudo' is not allowed without allowSudo, got ["read","sudo"]`,
    "rules[3].capabilities: must list at least one capability, got []",
  ]);
  assert.deepEqual(parseVaultPolicyDocument(JSON.stringify({ path: { "kv/data/x": { capabilities: ["read"] }, "*": { policy: "sudo" } } })), [
    { path: "kv/data/x", capabilities: ["read"] },
    { path: "*", capabilities: ["create", "read", "update", "delete", "list", "sudo"] },
  ]);
  assert.throws(() => parseVaultPolicyDocument('path "x" { capabilities = ["read" }'), /expected ',' or '\]' at offset/);
  assert.throws(() => parseVaultPolicyDocument('path "x" { capabilities = ["read"]'), /unexpected end of policy, expected '}'/);
  assert.throws(() => parseVaultPolicyDocument('path "x" { policy = "admin" }'), /unknown policy "admin"/);
  assert.throws(() => parseVaultPolicyDocument('path "x" { policy = "constructor" }'), /unknown policy "constructor"/);
  const tricky = parseVaultPolicyDocument(vaultPolicyDocument([{ path: "kv/x", capabilities: ["update"], allowedParameters: JSON.parse('{"__proto__": ["a"], "constructor": []}') }]));
  assert.deepEqual(Object.entries(tricky[0].allowedParameters!), [["__proto__", ["a"]], ["constructor", []]]);
});

test("parseVaultPolicyDocument: inverts vaultPolicyDocument for any rule set (escapes included)", () => {
  // Strings HCL v1 can carry (hclStringProblem: a "${" without its "}" cannot be written at all).
  const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => hclStringProblem(s) === undefined);
  const ruleArb = fc.record(
    {
      path: fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), text.filter((s) => !/[\s*]/.test(s))).map(([a, b]) => `${a}/${b}`),
      capabilities: fc.subarray(["read", "list", "update", "patch"], { minLength: 1 }),
      allowedParameters: fc.dictionary(text, fc.uniqueArray(text, { maxLength: 3 }), { maxKeys: 3 }),
      maxWrappingTtl: fc.constantFrom("30s", "5m", "1h"),
    },
    { requiredKeys: ["path", "capabilities"] },
  );
  fc.assert(
    fc.property(fc.uniqueArray(ruleArb, { minLength: 1, maxLength: 5, selector: (r) => r.path }), (rules) => {
      // The round trip, not the checker, is under test here: every path shape is opted in.
      const parsed = parseVaultPolicyDocument(vaultPolicyDocument(rules, { allowMountGlobs: true, allowEscalationPaths: true }));
      const canonical = (r: VaultPolicyRule) => ({
        path: r.path,
        capabilities: [...r.capabilities].sort(),
        allowedParameters: Object.keys(r.allowedParameters ?? {}).length
          ? Object.fromEntries(Object.entries(r.allowedParameters!).map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : undefined,
        maxWrappingTtl: r.maxWrappingTtl,
      });
      const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
      assert.deepEqual(parsed.map(canonical).sort(byPath), rules.map(canonical).sort(byPath));
    }),
    { numRuns: 300 },
  );
});
