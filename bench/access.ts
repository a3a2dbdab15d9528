/**
 * Benchmark of the audit-log reader of `kube-secrets-platform access` (inspect/audit).
 *
 * Generates one file of 1,000,000 Kubernetes audit Events (JSON lines as the API server's log backend
 * writes them, spread over 24 hours; half Secret get/list/watch by 2,000 service accounts and users, half
 * other resources; a pod keeps its address) and its gzip copy in a temporary directory. Each file is then read twice, each run in
 * its own process so its peak RSS is its own:
 * - bare: the same chunked read (and gunzip) with one JSON.parse per line and nothing else;
 * - access: the command's reader (readAudit: format detection, normalisation, once-per-auditID
 *   de-duplication, every answer's aggregation).
 * The ratio is access events per CPU second over bare events per CPU second (goal: at least 0.5); CPU
 * time rather than wall time, because on a shared machine wall time measures the neighbours. Peak RSS shows memory stays
 * bounded (the file is 100s of MB). Not part of `npm test`; no assertion on time.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGunzip, createGzip, constants } from "node:zlib";

const ROOT = resolve(__dirname, "..");
export const BENCH_EVENTS = Number(process.env.ACCESS_BENCH_EVENTS ?? 1_000_000);

/** Deterministic audit Events, `n` of them, as JSON lines. */
function* eventLines(n: number): Generator<string> {
  // mulberry32: an LCG's low bits alternate, which would make every coin flip the same.
  let seed = 7;
  const rnd = (m: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % m;
  };
  const start = Date.parse("2026-11-30T00:00:00Z");
  const step = (24 * 3600 * 1000) / n;
  const resources = ["pods", "configmaps", "services", "endpoints", "leases"];
  for (let i = 0; i < n; i++) {
    const t = new Date(start + Math.floor(i * step)).toISOString().replace("Z", "123Z");
    const nsIndex = rnd(50);
    const ns = `team-${nsIndex}`;
    const secret = rnd(2) === 0;
    const verb = secret ? ["get", "get", "get", "list", "watch"][rnd(5)] : ["get", "list", "watch", "update"][rnd(4)];
    const sa = rnd(10) !== 0;
    const app = rnd(40);
    const username = sa ? `system:serviceaccount:${ns}:app-${app}` : `user-${rnd(200)}@example.com`;
    const name = verb === "get" ? `${secret ? "secret" : "obj"}-${rnd(30)}` : undefined;
    // Each service account runs 3 pods, and a pod keeps its address; a person works from a handful.
    const pod = (nsIndex * 40 + app) * 3 + rnd(3);
    const ip = sa ? `10.${pod >> 16}.${(pod >> 8) & 255}.${pod & 255}` : `198.51.100.${rnd(8)}`;
    const ev = {
      kind: "Event",
      apiVersion: "audit.k8s.io/v1",
      level: "Metadata",
      auditID: `a${i.toString(16).padStart(8, "0")}-6a39-4bd4-a6c1-5d0c1a7e9b01`,
      stage: "ResponseComplete",
      requestURI: `/api/v1/namespaces/${ns}/${secret ? "secrets" : resources[rnd(5)]}${name ? `/${name}` : ""}`,
      verb,
      user: { username, uid: "c0a8f3e2-1111-4c3b-9d2e-7f6a5b4c3d2e", groups: sa ? ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"] : ["developers", "system:authenticated"], ...(sa ? { extra: { "authentication.kubernetes.io/pod-name": [`app-${pod}`], "authentication.kubernetes.io/node-name": [`node-${pod % 100}`] } } : {}) },
      sourceIPs: [ip],
      userAgent: "app/1.0 (linux/amd64) kubernetes/client-go",
      objectRef: { resource: secret ? "secrets" : resources[rnd(5)], namespace: ns, ...(name ? { name } : {}), apiVersion: "v1" },
      responseStatus: { metadata: {}, code: rnd(50) === 0 ? 403 : 200 },
      requestReceivedTimestamp: t,
      stageTimestamp: t,
      annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": `RBAC: allowed by RoleBinding "app/${ns}" of Role "app" to ServiceAccount "app/${ns}"` },
    };
    yield JSON.stringify(ev) + "\n";
  }
}

async function generate(dir: string): Promise<{ plain: string; gz: string }> {
  const plain = join(dir, "audit.log");
  const gz = join(dir, "audit.log.gz");
  async function* chunks() {
    let buf = "";
    for (const line of eventLines(BENCH_EVENTS)) {
      buf += line;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = "";
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(chunks()), createWriteStream(plain));
  await pipeline(createReadStream(plain), createGzip({ level: constants.Z_BEST_SPEED }), createWriteStream(gz));
  return { plain, gz };
}

/** The bare loop: chunked read (gunzip when .gz), split lines, JSON.parse each. */
async function bare(file: string): Promise<number> {
  let stream: Readable = createReadStream(file, { highWaterMark: 1 << 20 });
  if (file.endsWith(".gz")) stream = stream.pipe(createGunzip());
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let n = 0;
  for await (const chunk of stream) {
    const text = carry + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      if (nl > from && JSON.parse(text.slice(from, nl)) !== undefined) n++;
      from = nl + 1;
    }
    carry = text.slice(from);
  }
  return n;
}

async function child(mode: string, file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let events: number;
  let records = 0;
  let answersCpuMs = 0;
  let readCpu = c0;
  if (mode === "bare") {
    events = await bare(file);
    readCpu = process.cpuUsage(c0);
  } else {
    const { readAudit } = await import("../inspect/audit/command");
    const { fileSource } = await import("../inspect/audit/stream");
    const r = await readAudit([fileSource(file)], { cluster: "bench" });
    readCpu = process.cpuUsage(c0);
    const answers = r.aggregator.answers();
    const all = process.cpuUsage(c0);
    answersCpuMs = (all.user + all.system - readCpu.user - readCpu.system) / 1000;
    events = r.decoder.events;
    records = r.aggregator.records;
    if (r.problemCount > 0 || answers.identities.length === 0) throw new Error(`access read ${r.problemCount} problems, ${answers.identities.length} identities`);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, cpuMs: (readCpu.user + readCpu.system) / 1000, answersCpuMs, events, records, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

interface Run {
  ms: number;
  /** CPU time of reading (bare: the parse loop; access: readAudit, which also aggregates every record). */
  cpuMs: number;
  /** access: CPU time of computing the answers from the aggregates afterwards. */
  answersCpuMs: number;
  events: number;
  records: number;
  maxRssMb: number;
}

function runChild(mode: string, file: string): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench", "access.ts"), "--child", mode, file], { encoding: "utf8", cwd: ROOT, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench child ${mode} ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

export function runAccessBench(): void {
  const dir = mkdtempSync(join(tmpdir(), "access-bench-"));
  try {
    const gen = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench", "access.ts"), "--generate", dir], { encoding: "utf8", cwd: ROOT });
    if (gen.status !== 0) throw new Error(`generation failed: ${gen.stderr}`);
    const files = { plain: join(dir, "audit.log"), gzip: join(dir, "audit.log.gz") };
    console.log(`access: ${BENCH_EVENTS.toLocaleString("en")} audit Events (JSON lines, ${Math.round(statSync(files.plain).size / 1e6)} MB; gzip ${Math.round(statSync(files.gzip).size / 1e6)} MB), bare JSON.parse loop vs the command's reader, own process each`);
    console.log("input   reader     events     records   wall s  read CPU s  answers CPU s  events/CPU s  peak RSS MB  ratio  ratio with answers");
    for (const [label, file] of Object.entries(files)) {
      const b = runChild("bare", file);
      const a = runChild("access", file);
      if (a.events !== b.events) throw new Error(`the reader saw ${a.events} events, the bare loop ${b.events}`);
      const rate = (r: Run) => r.events / (r.cpuMs / 1000);
      const row = (name: string, r: Run, ratio: string, full: string) =>
        console.log(
          `${label.padEnd(7)} ${name.padEnd(8)} ${String(r.events).padStart(9)} ${String(r.records).padStart(11)} ${(r.ms / 1000).toFixed(2).padStart(8)} ${(r.cpuMs / 1000).toFixed(2).padStart(11)} ${(r.answersCpuMs / 1000).toFixed(2).padStart(14)} ${Math.round(rate(r)).toLocaleString("en").padStart(13)} ${r.maxRssMb.toFixed(0).padStart(12)}  ${ratio.padStart(5)}  ${full.padStart(18)}`,
        );
      row("bare", b, "", "");
      row("access", a, (b.cpuMs / a.cpuMs).toFixed(2), (b.cpuMs / (a.cpuMs + a.answersCpuMs)).toFixed(2));
    }
    console.log("ratio = the reader's events per CPU second / the bare loop's (goal >= 0.50); the reader aggregates every record as it reads.");
    console.log("ratio with answers also counts computing every answer from the aggregates at the end. CPU time (user + system, every");
    console.log("thread, GC included), not wall time: the machine may be shared, and wall time then measures the neighbours.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [flag, a, b] = process.argv.slice(2);
  if (flag === "--child") void child(a, b);
  else if (flag === "--generate") void generate(a);
  else runAccessBench();
}
