/**
 * Benchmark of the RBAC engine on synthetic stacks of 10k, 50k and 100k RBAC objects (Roles,
 * ClusterRoles with aggregation, RoleBindings, ClusterRoleBindings, ServiceAccounts, some tokens and
 * pod creators for the acting-as fixpoint). For each size: engine time and heap growth, and the same for
 * JSON.parse plus a full walk of the same objects, measured in the same run. Two ratios: engine/walk
 * (analyzeRbac alone over parse + walk: the engine's cost relative to reading the input once, the issue's
 * aim of <= 3 with linear growth), and (parse + engine)/walk, stricter, where the engine side also pays
 * the parse and the GC of promoting the freshly parsed objects, which the allocation-free walk never does.
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

/** Wall time of one call, in ms. */
function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  if (fn() === undefined) throw new Error("benchmark function returned nothing");
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Heap growth of one call after a full GC: what it allocated and still held at its end, in MB. */
function heapGrowth(fn: () => unknown): number {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const result = fn();
  const mb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  if (result === undefined) throw new Error("benchmark function returned nothing");
  return mb;
}

const min = (xs: number[]) => Math.min(...xs);

/**
 * For each size, in one process:
 * - walk: `JSON.parse` of the stack's JSON text plus a walk of every value (the reference);
 * - engine: `analyzeRbac` on objects just parsed from the same text (the parse is not timed, but the
 *   objects are as young as the walk's, so the GC cost of keeping them is the engine's);
 * - parse + engine: both timed, the stricter comparison with the walk.
 * One untimed warm-up of each (so that JIT compilation is not what is measured; the engine's first call
 * is still reported), then `repeats` rounds alternating the three so that load on this shared machine
 * hits all alike, no forced GC between timed runs (a full GC shrinks the young generation and then
 * penalizes whatever allocates next); the best time of each. Heap growth is measured in separate runs,
 * each after a full GC (run with --expose-gc, as `npm run bench` does).
 */
export function runRbacBench(sizes = [10_000, 50_000, 100_000], repeats = 7): void {
  if (!gc) console.warn("run with --expose-gc for stable memory figures");
  const header = ["objects", "findings", "walk ms", "engine ms", "engine/walk", "parse+engine ms", "(parse+engine)/walk", "engine µs/object", "engine 1st call ms", "walk heap MB", "engine heap MB"];
  const rows: string[][] = [header];
  let firstCall = true;
  for (const n of sizes) {
    const text = JSON.stringify(syntheticStack(n));
    let findings = 0;
    const analyze = (objects: KubeObject[]) => {
      const r = analyzeRbac(objects, { kubernetesVersion: "1.35" });
      findings = r.findings.length;
      return r;
    };
    const walkRun = () => walk(JSON.parse(text));
    const engineRun = () => {
      const objects = JSON.parse(text) as KubeObject[];
      return time(() => analyze(objects));
    };
    const parseAndEngineRun = () => analyze(JSON.parse(text) as KubeObject[]);
    time(walkRun);
    const first = engineRun();
    const times = { walk: [] as number[], engine: [] as number[], both: [] as number[] };
    for (let r = 0; r < repeats; r++) {
      times.walk.push(time(walkRun));
      times.engine.push(engineRun());
      times.both.push(time(parseAndEngineRun));
    }
    const walkHeap = heapGrowth(walkRun);
    const engineHeap = heapGrowth(parseAndEngineRun);
    const [w, e, b] = [min(times.walk), min(times.engine), min(times.both)];
    rows.push([
      String(n),
      String(findings),
      w.toFixed(1),
      e.toFixed(1),
      (e / w).toFixed(2),
      b.toFixed(1),
      (b / w).toFixed(2),
      ((e * 1000) / n).toFixed(2),
      `${first.toFixed(1)}${firstCall ? " (cold)" : ""}`,
      walkHeap.toFixed(1),
      engineHeap.toFixed(1),
    ]);
    firstCall = false;
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`RBAC engine vs JSON.parse + full walk, best of ${repeats} after a warm-up (aim: engine/walk <= 3, linear)`);
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
  console.log("heap MB: growth of one call (parse included) after a full GC; 1st call: the engine's first call at that size");
}
