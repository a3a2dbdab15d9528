/**
 * Benchmark of the RBAC engine on synthetic stacks of 10k, 50k and 100k RBAC objects (Roles,
 * ClusterRoles with aggregation, RoleBindings, ClusterRoleBindings, ServiceAccounts, some tokens and
 * pod creators for the acting-as fixpoint). For each size: engine time and heap growth, and the same for
 * JSON.parse plus a full walk of the same objects, measured in the same run; the ratio is engine/walk.
 * Aim: ratio <= 3 and linear growth (time per object roughly constant).
 */
import { analyzeRbac, type KubeObject } from "../policy-pack/rbac";

const API = "rbac.authorization.k8s.io/v1";
const VERBS = [["get"], ["get", "list"], ["get", "list", "watch"], ["create", "update", "patch"], ["delete"]];
const RESOURCES = [["configmaps"], ["pods"], ["secrets"], ["deployments"], ["services", "endpoints"], ["pods/log"], ["jobs"]];
const GROUPS = [[""], [""], [""], ["apps"], [""], [""], ["batch"]];

/** A deterministic synthetic stack of about `n` objects. */
export function syntheticStack(n: number): KubeObject[] {
  const objs: KubeObject[] = [];
  let seed = 42;
  const rnd = (m: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  const namespaces = Math.max(1, Math.round(n / 100));
  const clusterRoles = Math.round(n * 0.05);
  // Aggregated ClusterRoles (one per 20 leaves) selecting labelled leaves, some two levels deep.
  for (let i = 0; i < clusterRoles; i++) {
    const agg = i % 20 === 0;
    const k = rnd(RESOURCES.length);
    objs.push({
      apiVersion: API,
      kind: "ClusterRole",
      metadata: { name: `cr-${i}`, labels: { "bench.io/aggregate-to": `agg-${Math.floor(i / 20)}`, tier: agg ? "top" : "leaf" } },
      ...(agg
        ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "bench.io/aggregate-to": `agg-${Math.floor(i / 20)}`, tier: "leaf" } }] } }
        : { rules: [{ apiGroups: GROUPS[k], resources: RESOURCES[k], verbs: VERBS[rnd(VERBS.length)] }, { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] }),
    });
  }
  let i = 0;
  while (objs.length < n) {
    const ns = `ns-${i % namespaces}`;
    const k = rnd(RESOURCES.length);
    objs.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: `sa-${i}`, namespace: ns } });
    objs.push({
      apiVersion: API,
      kind: "Role",
      metadata: { name: `role-${i}`, namespace: ns },
      rules: [
        { apiGroups: GROUPS[k], resources: RESOURCES[k], verbs: VERBS[rnd(VERBS.length)], ...(rnd(4) === 0 ? { resourceNames: [`obj-${i}`] } : {}) },
        ...(i % 500 === 0 ? [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }] : []),
      ],
    });
    objs.push({
      apiVersion: API,
      kind: "RoleBinding",
      metadata: { name: `rb-${i}`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `role-${i}` },
      subjects: [{ kind: "ServiceAccount", name: `sa-${i}` }, ...(rnd(3) === 0 ? [{ kind: "User", name: `user-${rnd(1000)}`, apiGroup: "rbac.authorization.k8s.io" }] : [])],
    });
    if (i % 3 === 0) {
      objs.push({
        apiVersion: API,
        kind: "RoleBinding",
        metadata: { name: `rbc-${i}`, namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: i % 30 === 0 ? ["view", "edit", "admin"][rnd(3)] : `cr-${rnd(clusterRoles)}` },
        subjects: [{ kind: "Group", name: `team-${rnd(200)}`, apiGroup: "rbac.authorization.k8s.io" }],
      });
    }
    if (i % 50 === 0) {
      objs.push({
        apiVersion: API,
        kind: "ClusterRoleBinding",
        metadata: { name: `crb-${i}` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `cr-${rnd(clusterRoles)}` },
        subjects: [{ kind: "ServiceAccount", name: `sa-${i}`, namespace: ns }],
      });
    }
    i++;
  }
  return objs.slice(0, n);
}

/** Visits every value of a JSON document (the baseline a policy engine cannot beat: look at everything once). */
function walk(value: unknown): number {
  if (value === null || typeof value !== "object") return 1;
  let count = 1;
  if (Array.isArray(value)) for (const v of value) count += walk(v);
  else for (const key in value as Record<string, unknown>) count += walk((value as Record<string, unknown>)[key]);
  return count;
}

const gc = (globalThis as { gc?: () => void }).gc;

interface Measure {
  ms: number;
  heapMb: number;
}

function measure(fn: () => unknown, repeats: number): Measure {
  let best = Infinity;
  let heap = 0;
  for (let r = 0; r < repeats; r++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    const result = fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const after = process.memoryUsage().heapUsed;
    if (ms < best) best = ms;
    heap = Math.max(heap, (after - before) / 1024 / 1024);
    if (result === undefined) throw new Error("benchmark function returned nothing");
  }
  return { ms: best, heapMb: heap };
}

export function runRbacBench(sizes = [10_000, 50_000, 100_000], repeats = 3): void {
  if (!gc) console.warn("run with --expose-gc for stable memory figures");
  const rows: string[][] = [["objects", "findings", "walk ms", "engine ms", "ratio", "engine µs/object", "walk heap MB", "engine heap MB"]];
  for (const n of sizes) {
    const text = JSON.stringify(syntheticStack(n));
    const baseline = measure(() => walk(JSON.parse(text)), repeats);
    let findings = 0;
    const engine = measure(() => {
      const r = analyzeRbac(JSON.parse(text) as KubeObject[], { kubernetesVersion: "1.35" });
      findings = r.findings.length;
      return r;
    }, repeats);
    rows.push([
      String(n),
      String(findings),
      baseline.ms.toFixed(1),
      engine.ms.toFixed(1),
      (engine.ms / baseline.ms).toFixed(2),
      ((engine.ms * 1000) / n).toFixed(2),
      baseline.heapMb.toFixed(1),
      engine.heapMb.toFixed(1),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log("RBAC engine (JSON.parse + analyzeRbac) vs JSON.parse + full walk, best of", repeats);
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
}
