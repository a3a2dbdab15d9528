/**
 * `kube-secrets-platform access` end to end: files, globs, gzip and stdin; access.json, report.md,
 * report.html and records.jsonl; no Secret value anywhere (request/response bodies of every format carry a
 * marker, including a truncated line); exit codes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { runAccess } from "../../inspect/audit/command";
import * as S from "../fixtures/audit/scenario";

const dir = mkdtempSync(join(tmpdir(), "access-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const logs = join(dir, "logs");
mkdirSync(logs);
const lines = S.kubernetesJsonLines().trim().split("\n");
// A truncated line that still holds a value: reported by line, never echoed.
const truncated = lines[3].slice(0, lines[3].indexOf(S.MARKER) + S.MARKER.length + 3);
writeFileSync(join(logs, "audit-1.log"), [...lines.slice(0, 6), truncated].join("\n") + "\n");
writeFileSync(join(logs, "audit-2.log.gz"), gzipSync(lines.slice(6).join("\n") + "\n") as unknown as Uint8Array);
writeFileSync(join(dir, "vault.jsonl"), S.vaultJsonLines());
writeFileSync(join(dir, "gke.json"), S.gkeGcloudJson());
writeFileSync(join(dir, "aks.json"), S.aksAuditCliJson());
writeFileSync(join(dir, "policy.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n    resources: [{ group: \"\", resources: [secrets] }]\n");
writeFileSync(join(dir, "inventory.yaml"), readFileSync(join(__dirname, "../fixtures/audit/inventory.yaml"), "utf8"));

function capture() {
  const io = { out: "", err: "", stdout: (t: string) => (io.out += t), stderr: (t: string) => (io.err += t) };
  return io;
}

test("files, a glob with gzip, inventory and audit policy: every output written, no value in any", async () => {
  const out = join(dir, "out");
  const io = capture();
  const code = await runAccess(["--out", out, "--cluster", "prod", "--inventory", join(dir, "inventory.yaml"), "--audit-policy", join(dir, "policy.yaml"), join(logs, "audit-*"), join(dir, "vault.jsonl")], io);
  assert.equal(code, 0);
  const report = JSON.parse(readFileSync(join(out, "access.json"), "utf8"));
  assert.equal(report.schemaVersion, 1);
  assert.deepEqual(report.inputs, [join(logs, "audit-1.log"), join(logs, "audit-2.log.gz"), join(dir, "vault.jsonl")]);
  // Line 7 of audit-1.log (the truncated copy of request 2's ResponseComplete) is a problem; the gzip file
  // holds the same event in full, so every access is still read.
  assert.deepEqual(report.problems, [{ file: join(logs, "audit-1.log"), line: 7, message: `not valid JSON (error at character ${truncated.length + 1}; truncated or corrupt)` }]);
  assert.equal(report.counts.records, 8);
  assert.deepEqual(
    report.coverage.filter((w: any) => w.code === "policy-values").map((w: any) => w.message),
    ["get", "list", "watch"].map((v) => `audit policy rule 1 logs Secret ${v} at level RequestResponse: Secret values are written to the audit log (use Metadata)`),
  );
  assert.deepEqual(report.couldVsDid.identities.map((c: any) => c.identity), ["ServiceAccount shop/api", "User alice@example.com", "User bob@example.com"]);
  // One line per access, in the order read: the six Kubernetes requests, then the two Vault ones.
  const recordIds = readFileSync(join(out, "records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).id);
  assert.deepEqual(recordIds, [...S.SCENARIO.map((a) => a.id), "5c1d2e3f-0001-4a5b-8c9d-0e1f2a3b4c5d", "5c1d2e3f-0002-4a5b-8c9d-0e1f2a3b4c5d"]);
  const md = readFileSync(join(out, "report.md"), "utf8");
  for (const h of ["## Coverage warnings", "## Per Secret: who read it", "## Per identity: what it read", "## Unusual reads", "## Could vs did", "### Diff against current grants", "## Problems reading the input"]) assert.ok(md.includes(h), h);
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.ok(html.startsWith("<!doctype html>"));
  // The scan report's shell (inspect/html.ts): a CSP forbidding every fetch, no external resource.
  assert.ok(html.includes('http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;'));
  assert.ok(!/\bsrc=|href=|@import|url\(/i.test(html), "self-contained: no external resource");
  for (const f of ["access.json", "report.md", "report.html", "records.jsonl"]) {
    const text = readFileSync(join(out, f), "utf8");
    assert.ok(!text.includes(S.MARKER), `${f} holds no value`);
    assert.ok(!text.includes(Buffer.from(S.MARKER).toString("base64")), `${f} holds no base64 value`);
  }
  assert.ok(!io.out.includes(S.MARKER) && !io.err.includes(S.MARKER));
  assert.match(io.err, /1 problem\(s\) reading the input \(the rest was read\):\n {2}.*audit-1\.log:7: not valid JSON/);
});

test("stdin through the cli entry, with --format; bad arguments exit 2 before anything is written", () => {
  const out = join(dir, "out-stdin");
  const run = (args: string[], input?: string) => spawnSync(process.execPath, ["--import", "tsx", "cli/access.ts", ...args], { input, encoding: "utf8", cwd: join(__dirname, "../..") });
  const r = run(["--out", out, "--format", "gke", "-"], S.gkeSinkJsonLines());
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^access: 5 Secret\/Vault accesses by 3 identities;/);
  assert.equal(JSON.parse(readFileSync(join(out, "access.json"), "utf8")).counts.byFormat["gke-logging"], 5);
  const missing = run(["--out", join(dir, "never"), join(dir, "nope.log")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.log: no such file/);
  const badFormat = run(["--out", join(dir, "never"), "--format", "splunk", "x"]);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /--format: expected one of k8s, eks, gke, aks, vault, got "splunk"/);
  const noOut = run([join(dir, "gke.json")]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /^access: --out DIR is required\n/);
  assert.throws(() => readFileSync(join(dir, "never", "access.json")));
  assert.equal(existsSync(join(dir, "never")), false, "nothing is created");
});

test("a bad inventory or audit policy exits 2 naming the file", async () => {
  writeFileSync(join(dir, "bad-scan.json"), JSON.stringify({ schemaVersion: 9, clusters: [] }));
  const io = capture();
  assert.equal(await runAccess(["--out", join(dir, "o2"), "--inventory", join(dir, "bad-scan.json"), join(dir, "aks.json")], io), 2);
  assert.match(io.err, /bad-scan\.json: schemaVersion 9 is not supported \(this reader knows version 1\)/);
  const io2 = capture();
  assert.equal(await runAccess(["--out", join(dir, "o2"), "--audit-policy", join(dir, "aks.json"), join(dir, "aks.json")], io2), 2);
  assert.match(io2.err, /aks\.json: not an audit\.k8s\.io Policy/);
});

test("--inventory scan.json (schema version 1): Secrets and direct read grants per cluster", async () => {
  const scan = {
    schemaVersion: 1,
    clusters: [
      {
        name: "prod",
        secrets: ["db-password", "tls-cert", "stripe-key", "unused-1"].map((name) => ({ id: `prod/shop/${name}`, cluster: "prod", namespace: "shop", name, labels: {} })),
        grants: [
          { id: 0, subject: "ServiceAccount shop/api", subjectKind: "ServiceAccount", access: "read", mechanism: "secret-read", verbs: ["get", "list", "watch"], namespace: "shop", inherited: false, path: ["RoleBinding shop/api-secrets", "Role shop/api-secrets rules[0]"], severity: "high", exempt: false, message: "" },
          { id: 1, subject: "ServiceAccount shop/api", subjectKind: "ServiceAccount", access: "indirect", mechanism: "pod-create", verbs: ["create"], namespace: "shop", inherited: false, path: ["RoleBinding shop/deployer"], severity: "high", exempt: false, message: "" },
        ],
      },
    ],
  };
  writeFileSync(join(dir, "scan.json"), JSON.stringify(scan));
  writeFileSync(join(dir, "k8s.jsonl"), S.kubernetesJsonLines());
  const out = join(dir, "out-scan");
  assert.equal(await runAccess(["--out", out, "--cluster", "prod", "--inventory", join(dir, "scan.json"), join(dir, "k8s.jsonl")], capture()), 0);
  const report = JSON.parse(readFileSync(join(out, "access.json"), "utf8"));
  assert.equal(report.couldVsDid.inventory, "scan");
  const api = report.couldVsDid.identities.find((c: any) => c.identity === "ServiceAccount shop/api");
  // The pod-create grant is an indirect path, not a direct read: only the secret-read grant is compared.
  assert.deepEqual(api.grants.map((g: any) => [g.holder, g.unused, g.unusedVerbs]), [["own", ["shop/unused-1"], ["list"]]]);
  assert.deepEqual(api.proposal.proposed.map((t: any) => `${t.verb} ${t.namespace}/${t.name}`), ["get shop/db-password", "get shop/stripe-key", "watch shop/tls-cert"]);
});

test("the package bin dispatches to access and lists it", () => {
  const bin = join(__dirname, "..", "..", "bin", "kube-secrets-platform.cjs");
  const q = spawnSync(process.execPath, [bin, "access", "--query", "eks", "--cluster", "prod"], { encoding: "utf8" });
  assert.equal(q.status, 0, q.stderr);
  assert.ok(q.stdout.startsWith("# CloudWatch Logs Insights: Secret reads (get, list, watch)\nfields @timestamp, @message, @logStream, @log\n"));
  const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.match(help.stdout, /\n {2}access {2}read audit logs: who accessed which Secret/);
});
