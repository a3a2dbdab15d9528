/**
 * Benchmark of the offline plan (`npm run plan`) on fleets of 1, 10 and 50 clusters.
 *
 * The fleet stack is generated from the default `local` stack: its one cluster is copied N times as
 * `c1..cN` (each with its own kubeconfig context, hence its own provider, so every namespaced name is per
 * cluster), every other key of the stack file kept. Pulumi's mocks are process-global, so each plan runs
 * in its own child process (this file with `--child`), which times `runPlan` itself (wall and CPU time;
 * module loading is reported apart) and reports its peak RSS and the heap it still holds after a full GC
 * (peak RSS is mostly garbage V8 had not collected yet). Best of `repeats` runs per size; the machine may
 * be shared, so the ratios (time per cluster at 50 vs 1 and 10) matter more than the absolute figures.
 * Aim: linear (time per cluster roughly constant) and under 1 s per cluster.
 *
 * With charts (`npm run bench -- --charts DIR`, else the chart cache): each size is planned a second time with
 * every Helm chart rendered (cli/lib/charts.ts; Helm from $HELM, PATH, or the one the tests unpack), and the
 * table gives the time of that plan as a ratio to the plan without rendering.
 *
 * Checks, so the figures are for real plans: every run completes (exit 0, or 1 for mandatory violations
 * the local stack itself has, reported in the table), no policy errors, and N clusters give exactly N
 * times the resources of one.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";

const ROOT = resolve(__dirname, "..");
const CLUSTERS_KEY = "kube-secrets-platform:clusters";

/** The `local` stack file with its one cluster copied `n` times as `c1..cN`. */
export function fleetStackYaml(n: number, baseFile = join(ROOT, "stacks", "Pulumi.local.yaml")): string {
  const doc = parse(readFileSync(baseFile, "utf8")) as { config: Record<string, unknown> };
  const clusters = doc.config[CLUSTERS_KEY] as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(clusters) || clusters.length !== 1) throw new Error(`${baseFile}: expected exactly one cluster under ${CLUSTERS_KEY}`);
  const base = clusters[0];
  const fleet = Array.from({ length: n }, (_, i) => {
    const name = `c${i + 1}`;
    const copy = structuredClone(base);
    copy.name = name;
    copy.kubernetes = { context: `kind-${name}` };
    return copy;
  });
  return stringify({ ...doc, config: { ...doc.config, [CLUSTERS_KEY]: fleet } });
}

/** What a child run reports on stdout (one JSON line). */
interface ChildReport {
  exitCode: number;
  /** Loading the CLI modules (tsx, Pulumi SDK, components, policy pack). */
  loadMs: number;
  /** `runPlan` itself: config, program under mocks, policies, files (wall clock). */
  planMs: number;
  /** CPU time (user + system) of the child during `runPlan`: steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Peak resident set size of the child, in KiB. */
  maxRssKb: number;
  /** Heap still in use after the plan and a full GC, in KiB (what the run retains, garbage excluded). */
  retainedHeapKb: number;
  resources: number;
  mandatory: number;
  advisory: number;
  policyErrors: number;
  messages: string[];
  /** Charts rendered and not rendered (both 0 when rendering was off). */
  chartsRendered: number;
  chartsNotRendered: number;
  /** Why the first chart that was not rendered was not. */
  notRenderedReason?: string;
}

/** Where a plan with charts gets them: undefined = rendering off. */
export interface BenchCharts {
  chartsDir?: string;
  helm: string;
}

/** Child mode: one plan, measured, reported as JSON on stdout. */
async function child(stack: string, stacksDir: string, outDir: string, charts?: BenchCharts): Promise<void> {
  const t0 = performance.now();
  const { runPlan } = await import("../cli/lib/plan");
  const policies = (await import("../policy-pack/policies")).allPolicies;
  await import("../stacks/program");
  const t1 = performance.now();
  const cpu = process.cpuUsage();
  const outcome = await runPlan({ stack, stacksDir, outDir, policies, ...(charts ? { charts: { chartsDir: charts.chartsDir, helm: charts.helm, pull: false } } : {}) });
  const t2 = performance.now();
  const cpuUsed = process.cpuUsage(cpu);
  (globalThis as { gc?: () => void }).gc?.();
  const violations = outcome.plan?.policy.violations ?? [];
  const report: ChildReport = {
    exitCode: outcome.exitCode,
    loadMs: t1 - t0,
    planMs: t2 - t1,
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    retainedHeapKb: process.memoryUsage().heapUsed / 1024,
    resources: outcome.plan?.resources.length ?? 0,
    mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
    advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
    policyErrors: outcome.plan?.policy.errors?.length ?? 0,
    messages: outcome.messages,
    chartsRendered: outcome.plan?.charts?.filter((c) => c.rendered).length ?? 0,
    chartsNotRendered: outcome.plan?.charts?.filter((c) => !c.rendered).length ?? 0,
    notRenderedReason: outcome.plan?.charts?.find((c) => !c.rendered)?.reason,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(stack: string, stacksDir: string, outDir: string, charts?: BenchCharts): ChildReport {
  const chartArgs = charts ? [charts.helm, charts.chartsDir ?? ""] : [];
  const res = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", __filename, "--child", stack, stacksDir, outDir, ...chartArgs], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !line.startsWith("{")) {
    throw new Error(`plan of ${stack} failed (exit ${res.status ?? res.signal}):\n${res.stderr.slice(-4000)}`);
  }
  return JSON.parse(line) as ChildReport;
}

export interface FleetMeasure {
  clusters: number;
  runs: ChildReport[];
  best: ChildReport;
  /** The same plans with every chart rendered (when the bench has charts). */
  withCharts?: { runs: ChildReport[]; best: ChildReport };
}

/**
 * Plans a fleet of each size `repeats` times (fresh process each) and prints a table. A run that exits 2
 * (invalid config) or crashes, or whose policies error, fails the benchmark; mandatory violations are
 * reported (they are the stack's, scaled by N) but do not stop it.
 */
export function runFleetBench(sizes = [1, 10, 50], repeats = 3, charts?: BenchCharts): FleetMeasure[] {
  const dir = mkdtempSync(join(tmpdir(), "fleet-bench-"));
  const measures: FleetMeasure[] = [];
  try {
    for (const n of sizes) {
      const stack = `fleet-${n}`;
      writeFileSync(join(dir, `Pulumi.${stack}.yaml`), fleetStackYaml(n));
      const runs: ChildReport[] = [];
      for (let r = 0; r < repeats; r++) {
        const rep = runChild(stack, dir, join(dir, "out"));
        if (rep.exitCode === 2 || rep.policyErrors > 0 || rep.resources === 0) {
          throw new Error(`plan of ${stack} exited ${rep.exitCode} (${rep.policyErrors} policy errors): ${rep.messages.join("\n")}`);
        }
        runs.push(rep);
      }
      const best = runs.reduce((a, b) => (b.planMs < a.planMs ? b : a));
      let withCharts: FleetMeasure["withCharts"];
      if (charts) {
        const chartRuns: ChildReport[] = [];
        for (let r = 0; r < repeats; r++) {
          const rep = runChild(stack, dir, join(dir, "out"), charts);
          if (rep.exitCode === 2 || rep.policyErrors > 0) throw new Error(`plan of ${stack} with charts exited ${rep.exitCode}: ${rep.messages.join("\n")}`);
          chartRuns.push(rep);
        }
        withCharts = { runs: chartRuns, best: chartRuns.reduce((a, b) => (b.planMs < a.planMs ? b : a)) };
      }
      measures.push({
        withCharts,
        clusters: n,
        runs,
        best: {
          ...best,
          loadMs: Math.min(...runs.map((x) => x.loadMs)),
          cpuMs: Math.min(...runs.map((x) => x.cpuMs)),
          maxRssKb: Math.min(...runs.map((x) => x.maxRssKb)),
          retainedHeapKb: Math.min(...runs.map((x) => x.retainedHeapKb)),
        },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  checkScaling(measures);
  printTable(measures, repeats);
  if (charts) printChartsTable(measures, repeats);
  return measures;
}

/** Every cluster is a full copy: resources(N) - 1 (the stack) is N times that of one cluster. */
function checkScaling(measures: FleetMeasure[]): void {
  const one = measures.find((m) => m.clusters === 1);
  if (!one) return;
  const perCluster = one.best.resources - 1;
  for (const m of measures) {
    if (m.best.resources - 1 !== perCluster * m.clusters) {
      throw new Error(`fleet-${m.clusters}: ${m.best.resources} resources, expected 1 + ${m.clusters} x ${perCluster}`);
    }
  }
}

function printTable(measures: FleetMeasure[], repeats: number): void {
  const first = measures[0];
  const wallPer = (m: FleetMeasure) => m.best.planMs / m.clusters;
  const cpuPer = (m: FleetMeasure) => m.best.cpuMs / m.clusters;
  const mb = (kb: number) => kb / 1024;
  const rows: string[][] = [
    ["clusters", "resources", "exit", "mandatory", "load ms", "plan ms", "ms/cluster", "cpu ms/cluster", "peak RSS MB", "RSS MB/cluster", "heap after GC MB", "heap MB/cluster"],
  ];
  for (const m of measures) {
    rows.push([
      String(m.clusters),
      String(m.best.resources),
      String(m.best.exitCode),
      String(m.best.mandatory),
      m.best.loadMs.toFixed(0),
      m.best.planMs.toFixed(0),
      wallPer(m).toFixed(0),
      cpuPer(m).toFixed(0),
      mb(m.best.maxRssKb).toFixed(0),
      // growth over the smallest fleet, per added cluster
      m === first ? "-" : (mb(m.best.maxRssKb - first.best.maxRssKb) / (m.clusters - first.clusters)).toFixed(1),
      mb(m.best.retainedHeapKb).toFixed(0),
      m === first ? "-" : (mb(m.best.retainedHeapKb - first.best.retainedHeapKb) / (m.clusters - first.clusters)).toFixed(2),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(`Offline plan of a fleet of N copies of the local cluster (own process per run; best of ${repeats}; load = module loading, not in plan ms)`);
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
  const failing = measures.filter((m) => m.best.exitCode !== 0);
  if (failing.length > 0) {
    console.log(`note: plans exited 1 (mandatory violations: ${failing.map((m) => `${m.best.mandatory} at ${m.clusters}`).join(", ")}); they ran to completion`);
  }
  if (measures.length < 2) return;
  const last = measures[measures.length - 1];
  for (const m of measures.slice(0, -1)) {
    console.log(
      `time per cluster at ${last.clusters} vs ${m.clusters}: wall ${(wallPer(last) / wallPer(m)).toFixed(2)}, cpu ${(cpuPer(last) / cpuPer(m)).toFixed(2)} (1.00 = linear)`,
    );
  }
  const prev = measures[measures.length - 2];
  const added = last.clusters - prev.clusters;
  console.log(
    `marginal cost per cluster ${prev.clusters}->${last.clusters}: wall ${((last.best.planMs - prev.best.planMs) / added).toFixed(0)} ms, ` +
      `cpu ${((last.best.cpuMs - prev.best.cpuMs) / added).toFixed(0)} ms, ` +
      `peak RSS ${(mb(last.best.maxRssKb - prev.best.maxRssKb) / added).toFixed(1)} MB, heap after GC ${(mb(last.best.retainedHeapKb - prev.best.retainedHeapKb) / added).toFixed(2)} MB`,
  );
}

/** Plan time with every chart rendered, as a ratio to the plan without rendering, per fleet size. */
function printChartsTable(measures: FleetMeasure[], repeats: number): void {
  const rows: string[][] = [["clusters", "charts rendered", "not rendered", "resources", "plan ms", "plan ms with charts", "ratio", "cpu ratio", "exit", "mandatory"]];
  for (const m of measures) {
    const w = m.withCharts!.best;
    rows.push([
      String(m.clusters), String(w.chartsRendered), String(w.chartsNotRendered), String(w.resources), m.best.planMs.toFixed(0), w.planMs.toFixed(0),
      (w.planMs / m.best.planMs).toFixed(2), (Math.min(...m.withCharts!.runs.map((x) => x.cpuMs)) / m.best.cpuMs).toFixed(2), String(w.exitCode), String(w.mandatory),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log("");
  console.log(`The same fleets with every Helm chart rendered by Helm (best of ${repeats}; ratio = plan with charts / plan without; cpu excludes Helm's own processes)`);
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
  const skipped = measures.find((m) => m.withCharts!.best.chartsNotRendered > 0);
  if (skipped) console.log(`note: charts were not rendered (${skipped.withCharts!.best.notRenderedReason}): pass --charts DIR; the ratio then measures nothing`);
}

if (require.main === module && process.argv[2] === "--child") {
  const [stack, stacksDir, outDir, helm, chartsDir] = process.argv.slice(3);
  child(stack, stacksDir, outDir, helm ? { helm, chartsDir: chartsDir || undefined } : undefined).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(1);
    },
  );
}
