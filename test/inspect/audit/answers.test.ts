/**
 * The answers over the scenario: per Secret, per identity, unusual reads, list expansion with an inventory,
 * and could-vs-did with the never-widening proposal. The proposal is checked as its readers decode it:
 * the RBAC engine (policy-pack/rbac) over the proposed YAML, and the Pulumi mock runtime running the
 * Pulumi snippet with @pulumi/kubernetes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { runInThisContext } from "node:vm";
import fc from "fast-check";
import * as ts from "typescript";
import * as YAML from "yaml";
import { buildReport, readAudit } from "../../../inspect/audit/command";
import { parseInventory } from "../../../inspect/audit/inventory";
import { renderMarkdown } from "../../../inspect/audit/report";
import { grantCovers, proposalObjects, proposeAccess, type AccessTuple } from "../../../inspect/audit/proposal";
import { effectiveSecretAccessTable } from "../../../policy-pack/rbac";
import { runProgram } from "../../harness/pulumi";
import * as S from "../../fixtures/audit/scenario";

const INVENTORY = readFileSync(join(__dirname, "../../fixtures/audit/inventory.yaml"), "utf8");
const src = (name: string, text: string) => ({ name, open: () => Readable.from([Buffer.from(text)]) });

async function scenarioReport(withInventory: boolean) {
  const result = await readAudit([src("k8s.jsonl", S.kubernetesJsonLines()), src("vault.jsonl", S.vaultJsonLines())], { cluster: "prod" });
  return buildReport(result, { inputs: ["k8s.jsonl", "vault.jsonl"], ...(withInventory ? { inventory: parseInventory(INVENTORY, "inventory.yaml", "prod") } : {}) });
}

test("per Secret: who read it, via what, how often, first/last, from which trusted address", async () => {
  const r = await scenarioReport(false);
  assert.deepEqual(r.window, { first: "2026-11-30T10:00:00.123Z", last: "2026-11-30T14:00:00.000Z", baselineUntil: "2026-11-30T12:00:00.061Z" });
  assert.deepEqual(r.secrets, [
    { cluster: "prod", namespace: "kube-system", name: "bootstrap-token-abcdef", reads: 0, first: "", last: "", readers: [], denied: 1 },
    {
      cluster: "prod",
      namespace: "shop",
      name: "db-password",
      reads: 2,
      first: "2026-11-30T10:00:00.123Z",
      last: "2026-11-30T13:00:00.000Z",
      // carol impersonating the ServiceAccount is judged (and counted) as the ServiceAccount.
      readers: [{ identity: "ServiceAccount shop/api", via: "direct", count: 2, first: "2026-11-30T10:00:00.123Z", last: "2026-11-30T13:00:00.000Z", verbs: ["get"], addresses: [{ ip: "10.0.1.20", count: 1 }, { ip: "198.51.100.30", count: 1 }], userAgents: ["api/1.4.2 (linux/amd64) kubernetes/client-go", "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0"] }],
      denied: 0,
    },
    { cluster: "prod", namespace: "shop", name: "stripe-key", reads: 1, first: "2026-11-30T14:00:00.000Z", last: "2026-11-30T14:00:00.000Z", readers: [{ identity: "ServiceAccount shop/api", via: "direct", count: 1, first: "2026-11-30T14:00:00.000Z", last: "2026-11-30T14:00:00.000Z", verbs: ["get"], addresses: [{ ip: "10.0.9.9", count: 1 }], userAgents: ["api/1.4.2 (linux/amd64) kubernetes/client-go"] }], denied: 0 },
    { cluster: "prod", namespace: "shop", name: "tls-cert", reads: 1, first: "2026-11-30T10:05:00.500Z", last: "2026-11-30T10:05:00.500Z", readers: [{ identity: "ServiceAccount shop/api", via: "direct", count: 1, first: "2026-11-30T10:05:00.500Z", last: "2026-11-30T10:05:00.500Z", verbs: ["watch"], addresses: [{ ip: "10.0.1.20", count: 1 }], userAgents: ["api/1.4.2 (linux/amd64) kubernetes/client-go"] }], denied: 0 },
  ]);
  assert.deepEqual(r.vaultPaths, [{ path: "secret/data/shop/db", mount: "secret/", readers: [{ identity: "Vault ServiceAccount shop/api", operations: ["read"], count: 1, first: "2026-11-30T10:00:01.000Z", last: "2026-11-30T10:00:01.000Z" }] }]);
});

test("per identity: what it read, lists, Vault paths, denied attempts, pods and nodes", async () => {
  const r = await scenarioReport(false);
  assert.deepEqual(r.identities.map((i) => i.identity), ["ServiceAccount shop/api", "User alice@example.com", "User bob@example.com", "Vault ServiceAccount shop/api"]);
  const api = r.identities[0];
  assert.deepEqual(api.users, ["carol@example.com as system:serviceaccount:shop:api", "system:serviceaccount:shop:api"]);
  assert.deepEqual(api.pods, ["api-7d9c4b6f5-x2x9q"]);
  assert.deepEqual(api.nodes, ["ip-10-0-1-20.ec2.internal"]);
  assert.deepEqual(api.secrets.map((s) => [s.namespace, s.name, s.verbs, s.count]), [["shop", "db-password", ["get"], 2], ["shop", "stripe-key", ["get"], 1], ["shop", "tls-cert", ["watch"], 1]]);
  assert.deepEqual(api.lists, [{ verb: "watch", namespace: "shop", name: "tls-cert", fieldSelector: "metadata.name=tls-cert", count: 1, first: "2026-11-30T10:05:00.500Z", last: "2026-11-30T10:05:00.500Z" }]);
  assert.deepEqual(api.addresses.map((a) => a.ip), ["10.0.1.20", "10.0.9.9", "198.51.100.30"]);
  const bob = r.identities[2];
  assert.deepEqual(bob.lists, [{ verb: "list", namespace: "*", count: 1, first: "2026-11-30T12:00:00.250Z", last: "2026-11-30T12:00:00.250Z" }]);
  assert.deepEqual(r.identities[1].denied, [{ verb: "get", target: "kube-system/bootstrap-token-abcdef", count: 1, first: "2026-11-30T11:00:00.000Z", last: "2026-11-30T11:00:00.000Z" }]);
  assert.deepEqual(r.identities[3].denied, [{ verb: "read", target: "secret/data/payments/stripe", reason: "1 error occurred: * permission denied", count: 1, first: "2026-11-30T12:00:00.000Z", last: "2026-11-30T12:00:00.000Z" }]);
});

test("unusual reads: denied attempts, a new identity, a Secret and addresses outside the usual set", async () => {
  const r = await scenarioReport(false);
  const cut = "2026-11-30T12:00:00.061Z";
  assert.deepEqual(r.unusual, [
    { kind: "denied", identity: "User alice@example.com", cluster: "prod", target: "kube-system/bootstrap-token-abcdef", count: 1, first: "2026-11-30T11:00:00.000Z", detail: "get denied" },
    { kind: "denied", identity: "Vault ServiceAccount shop/api", cluster: "prod", target: "secret/data/payments/stripe", count: 1, first: "2026-11-30T12:00:00.000Z", detail: "read denied: 1 error occurred: * permission denied" },
    { kind: "new-identity", identity: "User bob@example.com", cluster: "prod", target: "User bob@example.com", count: 1, first: "2026-11-30T12:00:00.250Z", detail: "first seen after the baseline period" },
    { kind: "new-secret", identity: "ServiceAccount shop/api", cluster: "prod", target: "shop/stripe-key", count: 1, first: "2026-11-30T14:00:00.000Z", detail: `get of a Secret this identity did not read before ${cut}` },
    { kind: "new-address", identity: "ServiceAccount shop/api", cluster: "prod", target: "10.0.9.9", count: 1, first: "2026-11-30T14:00:00.000Z", detail: `requests from an address not seen for this identity before ${cut}` },
    { kind: "new-address", identity: "ServiceAccount shop/api", cluster: "prod", target: "198.51.100.30", count: 1, first: "2026-11-30T13:00:00.000Z", detail: `requests from an address not seen for this identity before ${cut}` },
  ]);
});

test("report.md: logged text in a table cell cannot end the cell or inject markup", async () => {
  const r = await scenarioReport(false);
  // A Vault error or an authorizer reason is logged text: pipes, backslashes, newlines and tags stay in their cell.
  r.unusual = [{ ...r.unusual[0], detail: "get denied: a\\|b | c\n<img src=x>" }];
  const rows = renderMarkdown(r).split("\n").filter((l) => l.startsWith("| denied |"));
  assert.deepEqual(rows, ["| denied | prod | User alice@example.com | kube-system/bootstrap-token-abcdef | 1 | 2026-11-30 11:00:00Z | get denied: a\\\\\\|b \\| c &lt;img src=x&gt; |"]);
});

test("inventory: list/watch expanded to the Secrets they returned; Secret values and annotations dropped on read", async () => {
  const inv = parseInventory(INVENTORY, "inventory.yaml", "prod");
  assert.ok(!JSON.stringify(inv).includes(S.MARKER));
  assert.ok(!JSON.stringify(inv).includes("TUFSS0VS"));
  const r = await scenarioReport(true);
  const bob = r.identities.find((i) => i.identity === "User bob@example.com")!;
  assert.deepEqual(bob.lists[0].returned, ["kube-system/bootstrap-token-abcdef", "payments/card-key", "shop/db-password", "shop/stripe-key", "shop/tls-cert", "shop/unused-1"]);
  const unused = r.secrets.find((s) => s.name === "unused-1")!;
  assert.deepEqual(unused.readers, [{ identity: "User bob@example.com", via: "list", count: 1, first: "2026-11-30T12:00:00.250Z", last: "2026-11-30T12:00:00.250Z", verbs: ["list"], addresses: [], userAgents: [] }]);
  assert.equal(unused.reads, 0); // returned by a list, not read by name
});

test("inventory scan.json: a bad grant is named by its index in the file (indirect grants before it count)", () => {
  const grant = { subject: "ServiceAccount shop/api", access: "read", mechanism: "secret-read", verbs: ["get"], namespace: "shop", path: [] };
  const scan = { schemaVersion: 1, clusters: [{ name: "prod", secrets: [], grants: [{ ...grant, access: "indirect", mechanism: "pod-create" }, grant, { ...grant, namespace: undefined }] }] };
  assert.throws(() => parseInventory(JSON.stringify(scan), "scan.json"), { message: "scan.json: clusters[0].grants[2]: subject, verbs and namespace are required" });
});

test("could vs did: granted but unused over the window, what was used, a proposal that never widens", async () => {
  const r = await scenarioReport(true);
  const cvd = r.couldVsDid!;
  assert.deepEqual(cvd.matched, []);
  assert.deepEqual(cvd.idle.map((i) => i.subject), ["ServiceAccount shop/idle"]);
  const api = cvd.identities.find((c) => c.identity === "ServiceAccount shop/api")!;
  assert.deepEqual(api.window, { first: "2026-11-30T10:00:00.123Z", last: "2026-11-30T14:00:00.000Z" });
  assert.deepEqual(api.grants.map(({ path: _p, ...g }) => g), [{ subject: "ServiceAccount shop/api", namespace: "shop", verbs: ["get", "list", "watch"], holder: "own", reaches: 4, used: ["shop/db-password", "shop/stripe-key", "shop/tls-cert"], unused: ["shop/unused-1"], unusedVerbs: ["list"] }]);
  assert.deepEqual(api.proposal, {
    proposed: [
      { verb: "get", namespace: "shop", name: "db-password" },
      { verb: "get", namespace: "shop", name: "stripe-key" },
      { verb: "watch", namespace: "shop", name: "tls-cert" },
    ],
    broadListsNotProposed: [],
    usedNotInGrants: [],
    wantedNotGranted: [],
  });
  assert.deepEqual(api.diff, [
    '- get,list,watch secrets in shop via RoleBinding shop/api-secrets -> Role shop/api-secrets rules[0] verbs=get,list,watch apiGroups="" resources=secrets',
    "+ get secrets in shop named db-password, stripe-key via Role shop/observed-secret-reads-shop-api",
    "+ watch secrets in shop named tls-cert via Role shop/observed-secret-reads-shop-api",
  ]);
  // The RBAC engine reading the proposed YAML grants exactly the proposal, nothing else.
  const objects = YAML.parseAllDocuments(api.yaml).map((d) => d.toJS());
  const rows = effectiveSecretAccessTable(objects, { includeBuiltinRoles: false }).filter((row) => row.subject === "ServiceAccount shop/api");
  assert.deepEqual(rows.map((row) => ({ access: row.access, namespace: row.namespace, verbs: row.verbs, resourceNames: row.resourceNames })), [
    { access: "read", namespace: "shop", verbs: ["get"], resourceNames: ["db-password", "stripe-key"] },
    { access: "read", namespace: "shop", verbs: ["watch"], resourceNames: ["tls-cert"] },
  ]);
  // bob only listed everything: nothing proposed, the group grant shown as shared.
  const bob = cvd.identities.find((c) => c.identity === "User bob@example.com")!;
  assert.deepEqual(bob.proposal.broadListsNotProposed, [{ verb: "list", namespace: "*", name: null }]);
  assert.deepEqual(bob.proposal.proposed, []);
  assert.equal(bob.yaml, "");
  assert.deepEqual(bob.grants.map((g) => [g.holder, g.unusedVerbs]), [["group", ["get", "watch"]]]);
  // alice was denied: wanted, not granted.
  const alice = cvd.identities.find((c) => c.identity === "User alice@example.com")!;
  assert.deepEqual(alice.proposal.wantedNotGranted, [{ verb: "get", namespace: "kube-system", name: "bootstrap-token-abcdef" }]);
  assert.deepEqual(alice.grants, []);
});

test("the Pulumi snippet runs under the Pulumi mock runtime and registers the proposed Role and RoleBinding", async () => {
  const r = await scenarioReport(true);
  const api = r.couldVsDid!.identities.find((c) => c.identity === "ServiceAccount shop/api")!;
  const js = ts.transpileModule(api.pulumi, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const stack = await runProgram(() => {
    const mod = { exports: {} };
    (runInThisContext(`(function (require, module, exports) {${js}\n})`) as (r: NodeRequire, m: object, e: object) => void)(require, mod, mod.exports);
  });
  const role = stack.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
  const yamlObjects = YAML.parseAllDocuments(api.yaml).map((d) => d.toJS());
  assert.deepEqual(role.inputs.rules, yamlObjects[0].rules);
  assert.deepEqual(role.inputs.metadata, { name: "observed-secret-reads-shop-api", namespace: "shop" });
  const binding = stack.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "api", namespace: "shop" }]);
  assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "observed-secret-reads-shop-api" });
});

const tupleArb = fc.record({
  verb: fc.constantFrom("get", "list", "watch"),
  namespace: fc.constantFrom("a", "b", "*"),
  name: fc.option(fc.constantFrom("x", "y", "z"), { nil: null }),
});
const grantArb = fc.record({
  verbs: fc.subarray(["get", "list", "watch", "*"], { minLength: 1 }),
  namespace: fc.constantFrom("a", "b", "*"),
  resourceNames: fc.option(fc.subarray(["x", "y", "z"], { minLength: 1 }), { nil: undefined }),
});

test("property: every proposed access was used and is granted (proposal ⊆ used ∩ granted), named and namespaced", () => {
  fc.assert(
    fc.property(fc.array(tupleArb, { maxLength: 12 }), fc.array(grantArb, { maxLength: 5 }), fc.array(tupleArb, { maxLength: 4 }), (used, grants, denied) => {
      const p = proposeAccess(used, grants.map((g) => (g.resourceNames ? g : { verbs: g.verbs, namespace: g.namespace })), denied);
      const key = (t: AccessTuple) => `${t.verb} ${t.namespace} ${t.name}`;
      const usedKeys = new Set(used.map(key));
      for (const t of p.proposed) {
        assert.ok(usedKeys.has(key(t)), `proposed ${key(t)} was not used`);
        assert.ok(grants.some((g) => grantCovers(g, t)), `proposed ${key(t)} is not granted`);
        assert.ok(t.name !== null && t.namespace !== "*");
      }
      // What the proposed objects grant, as the RBAC engine reads them, is exactly the proposal.
      const rows = effectiveSecretAccessTable(proposalObjects("ServiceAccount a/sa", p.proposed), { includeBuiltinRoles: false });
      const granted = new Set(rows.flatMap((row) => row.verbs.flatMap((v) => (row.resourceNames ?? []).map((n) => `${v} ${row.namespace} ${n}`))));
      assert.deepEqual([...granted].sort(), [...new Set(p.proposed.map(key))].sort());
      assert.ok(rows.every((row) => row.resourceNames && row.namespace !== "*"));
    }),
    { numRuns: 300 },
  );
});
