/**
 * Coverage warnings. Audit policy semantics follow k8s.io/apiserver/pkg/audit/policy/checker.go: rules are
 * tried in order, the first match decides the level, no match means None; a rule with users, userGroups,
 * namespaces or resourceNames only matches some requests.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditPolicyWarnings, coverageWarnings, parseCoverageStatement, timeGaps, type CoverageStatements } from "../../../inspect/audit/coverage";
import { auditPolicyYaml, kubernetesAuditPolicy } from "../../../components/audit/policy";
import * as S from "../../fixtures/audit/scenario";
import { read } from "./helpers";

const policy = (rules: string, extra = "") => `apiVersion: audit.k8s.io/v1\nkind: Policy\n${extra}rules:\n${rules}`;

test("audit policy: the platform's own policy (components/audit/policy.ts) logs every Secret read: no warning", () => {
  assert.deepEqual(auditPolicyWarnings(auditPolicyYaml(kubernetesAuditPolicy()), "platform-policy.yaml"), []);
});

test("audit policy: Secrets at Metadata after a scoped None rule for other resources gives no warning", () => {
  const p = policy(`  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources: [{ group: "", resources: ["endpoints", "services"] }]
  - level: Metadata
    resources: [{ group: "", resources: ["secrets", "configmaps"] }]
  - level: Request
    resources: [{ group: "" }]
`, "omitStages: [RequestReceived]\n");
  assert.deepEqual(auditPolicyWarnings(p, "policy.yaml"), []);
});

test("audit policy: Secret reads at None, absent, partly silenced, or at RequestResponse are warned", () => {
  assert.deepEqual(auditPolicyWarnings(policy("  - level: None\n    resources: [{ group: \"\", resources: [secrets] }]\n  - level: Metadata\n"), "p").map((w) => [w.code, w.severity, w.message]), [
    ["policy-none", "high", "audit policy rule 1 logs Secret get at level None: no Secret get is ever logged"],
    ["policy-none", "high", "audit policy rule 1 logs Secret list at level None: no Secret list is ever logged"],
    ["policy-none", "high", "audit policy rule 1 logs Secret watch at level None: no Secret watch is ever logged"],
  ]);
  assert.deepEqual(auditPolicyWarnings(policy("  - level: Metadata\n    resources: [{ group: \"\", resources: [pods] }]\n"), "p").map((w) => w.message), [
    "no audit policy rule matches Secret get: such requests are logged at level None (not at all)",
    "no audit policy rule matches Secret list: such requests are logged at level None (not at all)",
    "no audit policy rule matches Secret watch: such requests are logged at level None (not at all)",
  ]);
  // A careless exemption: a controller's reads are never logged; the rest are.
  const partial = auditPolicyWarnings(policy("  - level: None\n    userGroups: [\"system:serviceaccounts:ci\"]\n    verbs: [get]\n  - level: Metadata\n"), "p");
  assert.deepEqual(partial.map((w) => [w.code, w.message]), [["policy-partial", "audit policy rule 1 logs Secret get at level None for groups system:serviceaccounts:ci: those reads never reach any log"]]);
  const values = auditPolicyWarnings(policy("  - level: RequestResponse\n    verbs: [get, list, watch]\n"), "p");
  assert.deepEqual(values.map((w) => w.code), ["policy-values", "policy-values", "policy-values"]);
  assert.throws(() => auditPolicyWarnings("kind: Pod\napiVersion: v1\n", "pod.yaml"), /pod.yaml: not an audit.k8s.io Policy \(kind and apiVersion\)/);
});

test("GKE: Admin Activity without Data Access entries warns that Secret reads are not logged", async () => {
  const { result } = await read(JSON.stringify(S.gkeActivityEntry()) + "\n");
  const w = coverageWarnings(result.decoder.facts, result.decoder.activity, {}, [], 30, 1);
  assert.deepEqual(w.map((x) => [x.code, x.message]), [["gke-data-access-off", "GKE prod: 1 Admin Activity entries and no Data Access entry: Data Access audit logs for container.googleapis.com look off, so Secret get/list/watch are not logged"]]);
  // With the scenario's Data Access entries, no warning.
  const both = await read(JSON.stringify(S.gkeActivityEntry()) + "\n" + S.gkeSinkJsonLines());
  assert.deepEqual(coverageWarnings(both.result.decoder.facts, new Map(), {}, [], 30, 6), []);
  // Stated.
  assert.deepEqual(coverageWarnings({ gke: {}, aks: {}, vaultEntries: 0, levels: {} }, new Map(), { gkeDataAccess: "off" }, [], 30, 1).map((x) => x.code), ["gke-data-access-off"]);
});

test("AKS: exporting kube-audit-admin only (it excludes get and list) is warned; kube-audit is not", async () => {
  const admin = await read(S.aksDiagnosticsRows("kube-audit-admin"));
  assert.deepEqual(coverageWarnings(admin.result.decoder.facts, new Map(), {}, [], 30, 6).map((x) => x.message), ["AKS: only kube-audit-admin (AKSAuditAdmin) events (6 rows): that category excludes get and list, so Secret reads are not in these logs; export kube-audit"]);
  const full = await read(S.aksDiagnosticsRows("kube-audit"));
  assert.deepEqual(coverageWarnings(full.result.decoder.facts, new Map(), {}, [], 30, 6), []);
  const stated: CoverageStatements = {};
  assert.equal(parseCoverageStatement("aks-categories=kube-audit-admin,guard", stated), undefined);
  assert.deepEqual(coverageWarnings({ gke: {}, aks: {}, vaultEntries: 0, levels: {} }, new Map(), stated, [], 30, 1).map((x) => x.code), ["aks-admin-only"]);
});

test("Vault: a single audit device, inferred from a logged sys/audit read or stated", async () => {
  const { result } = await read(S.vaultJsonLines());
  assert.deepEqual(coverageWarnings(result.decoder.facts, new Map(), {}, [], 30, 6).map((x) => x.message), ["Vault has a single audit device (file/): when it cannot write, Vault refuses requests, and the trail exists once; enable a second device"]);
  const facts = { gke: {}, aks: {}, vaultEntries: 4, levels: {} };
  assert.deepEqual(coverageWarnings(facts, new Map(), {}, [], 30, 4).map((x) => x.code), ["vault-devices-unknown"]);
  assert.deepEqual(coverageWarnings(facts, new Map(), { vaultAuditDevices: 2 }, [], 30, 4), []);
  assert.deepEqual(coverageWarnings(facts, new Map(), { vaultAuditDevices: 1 }, [], 30, 4).map((x) => x.code), ["vault-single-device"]);
  assert.equal(parseCoverageStatement("vault-audit-devices=two", {}), "--coverage vault-audit-devices: expected a whole number");
  assert.equal(parseCoverageStatement("bogus=1", {}), "--coverage bogus: unknown key (known: gke-data-access, aks-categories, vault-audit-devices)");
});

test("time gaps per stream; no events at all", async () => {
  const { result } = await read(S.kubernetesJsonLines(), { cluster: "prod" });
  assert.deepEqual(timeGaps(result.decoder.activity, 60), []);
  assert.deepEqual(timeGaps(result.decoder.activity, 45), [
    { stream: "k8s prod", from: "2026-11-30T11:01:00.000Z", to: "2026-11-30T12:00:00.000Z", minutes: 59 },
    { stream: "k8s prod", from: "2026-11-30T12:01:00.000Z", to: "2026-11-30T13:00:00.000Z", minutes: 59 },
    { stream: "k8s prod", from: "2026-11-30T13:01:00.000Z", to: "2026-11-30T14:00:00.000Z", minutes: 59 },
  ]);
  assert.deepEqual(coverageWarnings({ gke: {}, aks: {}, vaultEntries: 0, levels: {} }, new Map(), {}, [], 30, 0).map((x) => x.code), ["no-events"]);
});
