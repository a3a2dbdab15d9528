/**
 * Runs the rewrite Job's real shell script against a stand-in `kubectl` (a small Node program on PATH that
 * answers the three calls the script makes, with the output formats of kubectl 1.30: `secret/<name>
 * replaced` on stdout, one `Error from server (<Reason>): error when replacing "STDIN": ...` line per failed
 * item on stderr, as kubernetes/kubectl pkg/cmd/replace/replace.go (ContinueOnError + Flatten, one Replace per
 * item) and pkg/cmd/util/helpers.go (aggregate errors, one line each) print them) and counts processes and
 * update requests per Secret.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REENCRYPTION_SCRIPT } from "../../../components/encryption/reencryptionScript";

const FAKE_KUBECTL = `#!${process.execPath}
const fs = require("node:fs");
const dir = process.env.FAKE;
const args = process.argv.slice(2);
fs.appendFileSync(dir + "/calls", args.join(" ") + "\\n");
const read = (f) => (fs.existsSync(dir + "/" + f) ? fs.readFileSync(dir + "/" + f, "utf8") : "");
const secrets = read("secrets").split("\\n").filter(Boolean).map((l) => l.trim().split(/\\s+/));
if (args[0] === "get" && args[1] === "secrets") {
  if (fs.existsSync(dir + "/list-fails")) { process.stderr.write("Error from server (Forbidden): secrets is forbidden\\n"); process.exit(1); }
  if (args[2] === "--all-namespaces") {
    process.stdout.write(secrets.map(([ns]) => ns + "\\n").join(""));
    process.exit(0);
  }
  const ns = args[3];
  const items = secrets.filter(([n]) => n === ns).map(([n, name]) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: n, resourceVersion: "1" }, data: { k: "c2VjcmV0" } }));
  process.stdout.write(JSON.stringify({ apiVersion: "v1", kind: "List", items, metadata: { resourceVersion: "" } }, null, 4) + "\\n");
  process.exit(0);
}
if (args[0] === "replace" && args[1] === "-f" && args[2] === "-") {
  const input = fs.readFileSync(0, "utf8");
  if (!input.trim()) { process.stderr.write("error: no objects passed to replace\\n"); process.exit(1); }
  const list = JSON.parse(input);
  if (list.items.length === 0) { process.stderr.write("error: no objects passed to replace\\n"); process.exit(1); }
  const errors = [];
  for (const item of list.items) {
    const name = item.metadata.name;
    fs.appendFileSync(dir + "/puts", item.metadata.namespace + "/" + name + "@" + item.metadata.resourceVersion + "\\n");
    if (fs.existsSync(dir + "/conflict-" + name)) errors.push('Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on secrets "' + name + '": the object has been modified; please apply your changes to the latest version and try again');
    else if (fs.existsSync(dir + "/gone-" + name)) errors.push('Error from server (NotFound): error when replacing "STDIN": secrets "' + name + '" not found');
    else if (fs.existsSync(dir + "/forbidden-" + name)) errors.push('Error from server (Forbidden): error when replacing "STDIN": secrets "' + name + '" is forbidden');
    else process.stdout.write("secret/" + name + " replaced\\n");
  }
  if (errors.length) { process.stderr.write(errors.join("\\n") + "\\n"); process.exit(1); }
  process.exit(0);
}
process.stderr.write("unexpected kubectl call: " + args.join(" ") + "\\n");
process.exit(2);
`;

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "reencrypt-"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "kubectl"), FAKE_KUBECTL);
  writeFileSync(join(dir, "bin", "sleep"), `#!/bin/sh\necho "$1" >> "$FAKE/sleeps"\n`);
  chmodSync(join(dir, "bin", "kubectl"), 0o755);
  chmodSync(join(dir, "bin", "sleep"), 0o755);
  mkdirSync(join(dir, "tmp"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function run(dir: string, env: Record<string, string>) {
  const result = spawnSync("sh", ["-c", REENCRYPTION_SCRIPT], {
    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE: dir, TMPDIR: join(dir, "tmp"), ...env },
    encoding: "utf8",
  });
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8").trim().split("\n").filter(Boolean) : []);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, puts: read("puts"), calls: read("calls"), sleeps: read("sleeps") };
}

const SECRETS = "default app-token\nteam-a db\nteam-a gone-one\nteam-a busy\nkube-system bootstrap\n";

test("rewrite script: one update per Secret, two kubectl processes per namespace, conflicts and deletions count as done", () => {
  const dir = setup({ secrets: SECRETS, "conflict-busy": "", "gone-gone-one": "" });
  try {
    const r = run(dir, { CHUNK_SIZE: "50", MAX_ATTEMPTS: "5" });
    assert.equal(r.status, 0, r.stderr);
    // Exactly one PUT per Secret, each with the listed resourceVersion (never a blind overwrite).
    assert.deepEqual(r.puts.sort(), ["default/app-token@1", "kube-system/bootstrap@1", "team-a/busy@1", "team-a/db@1", "team-a/gone-one@1"]);
    // The two processes of a namespace run concurrently (a pipe): compare the calls as a sorted list.
    assert.equal(r.calls[0], "get secrets --all-namespaces --chunk-size=50 --no-headers -o custom-columns=NAMESPACE:.metadata.namespace");
    assert.deepEqual(r.calls.slice(1).sort(), [
      "get secrets --namespace default --chunk-size=50 -o json",
      "get secrets --namespace kube-system --chunk-size=50 -o json",
      "get secrets --namespace team-a --chunk-size=50 -o json",
      "replace -f -",
      "replace -f -",
      "replace -f -",
    ]);
    assert.deepEqual(r.sleeps, []);
    assert.match(r.stdout, /secrets: 3 rewritten, 2 changed or deleted meanwhile, 0 failed, 0 namespaces not listed/);
    assert.doesNotMatch(r.stdout + r.stderr, /c2VjcmV0/, "secret data is never printed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite script: only the given namespaces; an empty namespace is fine; a forbidden update fails the run", () => {
  const dir = setup({ secrets: SECRETS + "team-b locked\n", "forbidden-locked": "" });
  try {
    const r = run(dir, { NAMESPACES: "team-b team-c", CHUNK_SIZE: "10" });
    assert.equal(r.status, 1);
    assert.deepEqual(r.puts, ["team-b/locked@1"]);
    assert.deepEqual(r.calls.sort(), ["get secrets --namespace team-b --chunk-size=10 -o json", "get secrets --namespace team-c --chunk-size=10 -o json", "replace -f -", "replace -f -"]);
    assert.match(r.stderr, /^FAILED team-b: Error from server \(Forbidden\): error when replacing "STDIN": secrets "locked" is forbidden$/m);
    assert.doesNotMatch(r.stderr, /no objects passed/, "an empty namespace is not an error");
    assert.match(r.stdout, /secrets: 0 rewritten, 0 changed or deleted meanwhile, 1 failed, 0 namespaces not listed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite script: a list that keeps failing is retried MAX_ATTEMPTS times and fails the run without an update", () => {
  const dir = setup({ secrets: SECRETS, "list-fails": "" });
  try {
    const r = run(dir, { MAX_ATTEMPTS: "3" });
    assert.equal(r.status, 1);
    assert.deepEqual(r.puts, []);
    assert.equal(r.calls.length, 3);
    assert.deepEqual(r.sleeps, ["2", "3"], "a growing pause between attempts");
    assert.match(r.stderr, /listing Secrets failed/);

    const r2 = run(dir, { NAMESPACES: "team-a", MAX_ATTEMPTS: "2" });
    assert.equal(r2.status, 1);
    assert.deepEqual(r.puts, []);
    assert.match(r2.stderr, /FAILED namespace team-a: listing Secrets failed/);
    assert.match(r2.stdout, /1 namespaces not listed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite script: running it again rewrites the same Secrets again (idempotent)", () => {
  const dir = setup({ secrets: "default a\ndefault b\n" });
  try {
    assert.equal(run(dir, {}).status, 0);
    const r = run(dir, {});
    assert.equal(r.status, 0);
    assert.deepEqual(r.puts, ["default/a@1", "default/b@1", "default/a@1", "default/b@1"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
