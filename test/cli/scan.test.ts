/**
 * `kube-secrets-platform scan` end to end: dumps with Secret values and marker strings (JSON, YAML, gzip)
 * and the live path (HTTPS API server on 127.0.0.1) write the four outputs without any value in them;
 * --fail-on sets the exit code; bad arguments exit 2 with the rule; outputs replace only their own files.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { runScanCommand } from "../../inspect/command";
import type { ScanDocument } from "../../inspect/scanSchema";
import { startApiServer, type FakeApiServer } from "../inspect/fixtures/apiserver";
import { MARKER, fixtureCluster } from "../inspect/fixtures/cluster";

const dir = mkdtempSync(join(tmpdir(), "scan-cli-"));
const items = fixtureCluster();
const jsonDump = join(dir, "cluster.json");
writeFileSync(jsonDump, JSON.stringify({ apiVersion: "v1", kind: "List", items: items.filter((o) => o.kind !== "Secret") }));
const yamlDump = join(dir, "secrets.yaml.gz");
writeFileSync(yamlDump, new Uint8Array(gzipSync(items.filter((o) => o.kind === "Secret").map((o) => stringify(o)).join("---\n"))));
const EXEMPT = ["--exempt", "ServiceAccount external-secrets/*", "--exempt", "ServiceAccount sealed-secrets/*"];
const OUTPUTS = ["report.html", "report.md", "scan.json", "scan.sarif"];

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return runScanCommand(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }).then((r) => ({ ...r, stdout: out.join(""), stderr: err.join("") }));
}

/** Every form a value could take in an output: the marker, its base64, and the base64 of each fixture value. */
function assertNoValue(outDir: string) {
  const needles = [MARKER, Buffer.from(MARKER).toString("base64").slice(0, 16)];
  for (const o of items) if (o.kind === "Secret") for (const v of Object.values(o.data as Record<string, string>)) needles.push(v);
  for (const f of OUTPUTS) {
    const text = readFileSync(join(outDir, f), "utf8");
    for (const n of needles) assert.equal(text.includes(n), false, `${f} contains ${n}`);
    assert.equal(text.includes("last-applied-configuration"), false, `${f} mentions last-applied-configuration`);
  }
}

let server: FakeApiServer;
before(async () => {
  server = await startApiServer(items);
});
after(async () => server.close());

test("dumps: four outputs, no value in any of them, a summary on stdout", async () => {
  const out = join(dir, "out-dump");
  const r = await run(["--from", jsonDump, yamlDump, "--out", out, "--cluster", "prod", "--now", "2026-03-01T00:00:00Z", ...EXEMPT]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), OUTPUTS);
  assertNoValue(out);
  const doc = JSON.parse(readFileSync(join(out, "scan.json"), "utf8")) as ScanDocument;
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.generatedAt, "2026-03-01T00:00:00.000Z");
  assert.deepEqual(doc.clusters.map((c) => c.name), ["prod"]);
  assert.deepEqual(doc.clusters[0].input, { kind: "dump", files: [jsonDump, yamlDump] });
  assert.deepEqual(doc.summary, { secrets: 11, findings: { low: 1, medium: 5, high: 6, critical: 0 }, highestSeverity: "high" });
  assert.match(r.stdout, /^cluster prod: 11 Secrets, \d+ subjects, 3 workloads; findings 0 critical, 6 high, 5 medium, 1 low; 1 narrowing proposals\n/);
  const md = readFileSync(join(out, "report.md"), "utf8");
  assert.match(md, /^# Secret scan\n/);
  assert.match(md, /\| shop\/shop-config \| static: nothing manages it \(written by kubectl-client-side-apply\) \| Deployment shop\/web \(api\) \| ServiceAccount ci\/deployer \(pod-create\), ServiceAccount ci\/deployer \(workload-write\), ServiceAccount shop\/web \(secret-read\) \|/);
  assert.match(md, /#### ServiceAccount shop\/web\n/);
  assert.match(md, /```diff\n- read Secrets \[get,list\] in shop via RoleBinding shop\/web-secrets\n\+ read Secrets \[get\] in shop \(only shop-config\)/);
});

test("live: the same outputs from the API server, no value in any of them", async () => {
  const out = join(dir, "out-live");
  const r = await run(["--kubeconfig", server.kubeconfigPath, "--context", "loopback", "--out", out, "--now", "2026-03-01T00:00:00Z", ...EXEMPT]);
  assert.equal(r.exitCode, 0, r.stderr);
  assertNoValue(out);
  const doc = JSON.parse(readFileSync(join(out, "scan.json"), "utf8")) as ScanDocument;
  assert.deepEqual(doc.clusters[0].input, { kind: "live", context: "loopback", server: server.url });
  assert.equal(doc.clusters[0].kubernetesVersion, "v1.34.2");
  assert.equal(doc.summary.secrets, 11);
  assert.deepEqual(doc.summary.findings, { low: 1, medium: 5, high: 6, critical: 0 });
});

test("--fail-on: exit 1 at or above the severity, 0 below", async () => {
  const base = ["--from", jsonDump, yamlDump, ...EXEMPT];
  assert.equal((await run([...base, "--out", join(dir, "f1"), "--fail-on", "high"])).exitCode, 1);
  assert.equal((await run([...base, "--out", join(dir, "f2"), "--fail-on", "critical"])).exitCode, 0);
  // Without the controller exemptions, ESO and Sealed Secrets read every Secret: critical.
  const r = await run(["--from", jsonDump, yamlDump, "--out", join(dir, "f3"), "--fail-on", "critical"]);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /findings at or above critical \(highest: critical\)/);
});

test("invalid arguments exit 2 with the rule, before anything is written", async () => {
  const out = join(dir, "never");
  const cases: Array<[string[], RegExp]> = [
    [["--out", out], /nothing to scan: give --context NAME, --kubeconfig PATH or --from FILE/],
    [["--from", jsonDump, "--context", "x", "--out", out], /--from cannot be combined with --context\/--kubeconfig/],
    [["--from", jsonDump, "--fail-on", "severe", "--out", out], /--fail-on: must be one of low, medium, high, critical, got "severe"/],
    [["--from", jsonDump, "--exempt", "ci-bot", "--out", out], /--exempt: "ci-bot" is not a subject/],
    [["--from", join(dir, "missing.json"), "--out", out], /--from: .*ENOENT/],
    [["--kubeconfig", server.kubeconfigPath, "--context", "nope", "--out", out], /--context: no context "nope"/],
    [["--from", jsonDump, "--bogus", "--out", out], /Unknown option '--bogus'/],
    [["stray.json", "--out", out], /unexpected argument "stray.json"/],
    [["--from", jsonDump, "--now", "yesterday", "--out", out], /--now: not an ISO time/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(argv);
    assert.equal(r.exitCode, 2, argv.join(" "));
    assert.match(r.stderr, message);
  }
  assert.equal(existsSync(out), false);
  const file = join(dir, "a-file");
  writeFileSync(file, "x");
  const r = await run(["--from", jsonDump, "--out", file]);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /--out: .* exists and is not a directory/);
});

test("outputs replace only their own files; a symlink at an output name is replaced, not followed", async () => {
  const out = join(dir, "shared");
  mkdirSync(out);
  writeFileSync(join(out, "keep.txt"), "mine");
  const target = join(dir, "victim.txt");
  writeFileSync(target, "do not overwrite");
  symlinkSync(target, join(out, "report.md"));
  const r = await run(["--from", jsonDump, "--out", out]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(readFileSync(join(out, "keep.txt"), "utf8"), "mine");
  assert.equal(readFileSync(target, "utf8"), "do not overwrite");
  assert.equal(lstatSync(join(out, "report.md")).isSymbolicLink(), false);
  assert.deepEqual(readdirSync(out).sort(), ["keep.txt", ...OUTPUTS], "no temporary directory left behind");
});

test("the package bin dispatches to scan (and lists its commands)", () => {
  const bin = join(__dirname, "..", "..", "bin", "kube-secrets-platform.cjs");
  const out = join(dir, "bin-out");
  const r = spawnSync(process.execPath, [bin, "scan", "--from", jsonDump, yamlDump, "--out", out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^cluster dump: 11 Secrets/);
  assert.ok(existsSync(join(out, "scan.sarif")));
  const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /\n {2}scan {2}scan a running cluster/);
  const unknown = spawnSync(process.execPath, [bin, "scna"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "scna"/);
});
