// npm run plan: the output never destroys what the plan does not own, never hangs, and every failure is a
// message with exit 2 (input) or 3 (internal error); exit 1 stays "a mandatory policy is violated".
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runPlan } from "../../cli/lib/plan";
import { lockOutput } from "../../cli/lib/output";

function plan(args: string[], extraNodeArgs: string[] = []) {
  return spawnSync(process.execPath, [...extraNodeArgs, "--import", "tsx", "cli/plan.ts", ...args], { encoding: "utf8", timeout: 120_000 });
}
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

describe("plan output safety", () => {
  test("a stack name that is a path is refused; nothing outside --out is touched", () => {
    const root = tmp("plan-victim-");
    const victim = join(root, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "keep.txt"), "mine");
    const out = join(root, "a", "b", "out");
    const r = plan(["--stack", "x/../../../victim", "--out", out]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `--stack: must be a stack name (letters, digits, '-', '_' and '.', not starting with '.' or '-'), not a path: got "x/../../../victim"\n`);
    assert.equal(readFileSync(join(victim, "keep.txt"), "utf8"), "mine");
    assert.equal(existsSync(out), false);
    for (const name of ["..", ".", ".hidden", "-rf", "a".repeat(101)]) {
      assert.equal(plan(["--stack", name, "--out", out]).status, 2, name);
    }
  });

  test("--out naming a file is exit 2; --out under /proc is exit 2 (never a hang)", () => {
    const file = join(tmp("plan-outfile-"), "file");
    writeFileSync(file, "not a directory");
    const r = plan(["--out", file]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `--out ${file}: exists and is not a directory\n`);
    assert.equal(readFileSync(file, "utf8"), "not a directory");
    const proc = plan(["--out", "/proc/x"]);
    assert.equal(proc.status, 2, proc.stderr);
    assert.match(proc.stderr, /^--out \/proc\/x: cannot be created \((ENOENT|EACCES|EPERM|EROFS)\)\n$/);
  });

  test("a FIFO, a directory or an oversized file as the stack file is refused without reading it", () => {
    const dir = tmp("plan-fifo-");
    execFileSync("mkfifo", [join(dir, "Pulumi.fifo.yaml")]);
    mkdirSync(join(dir, "Pulumi.dir.yaml"));
    writeFileSync(join(dir, "Pulumi.big.yaml"), `config:\n  x: "${"a".repeat(1024 * 1024)}"\n`);
    const fifo = plan(["--stack", "fifo", "--stacks-dir", dir, "--out", join(dir, "out")]);
    assert.equal(fifo.status, 2);
    assert.equal(fifo.stderr, `${join(dir, "Pulumi.fifo.yaml")}: must be a regular file\n`);
    const d = plan(["--stack", "dir", "--stacks-dir", dir, "--out", join(dir, "out")]);
    assert.equal(d.stderr, `${join(dir, "Pulumi.dir.yaml")}: must be a regular file\n`);
    const big = plan(["--stack", "big", "--stacks-dir", dir, "--out", join(dir, "out")]);
    assert.equal(big.stderr, `${join(dir, "Pulumi.big.yaml")}: larger than 1048576 bytes\n`);
    assert.equal(existsSync(join(dir, "out")), false);
  });

  test("a concurrent run into the same output fails clearly; a stale lock is taken over", async () => {
    const out = tmp("plan-lock-");
    const held = lockOutput(out, "local");
    try {
      const r = await runPlan({ stack: "local", stacksDir: "stacks", outDir: out });
      assert.equal(r.exitCode, 2);
      assert.deepEqual(r.messages, [`--out ${out}: another plan (pid ${process.pid}) is writing ${join(out, "local")}; lock file ${join(out, ".local.lock")}`]);
      assert.equal(existsSync(join(out, "local")), false);
    } finally {
      held.release();
    }
    // A lock whose process is gone (a killed run) does not block forever.
    writeFileSync(join(out, ".local.lock"), "999999999\n");
    const again = await runPlan({ stack: "local", stacksDir: "stacks", outDir: out });
    assert.equal(again.exitCode, 0, again.messages.join("\n"));
    assert.deepEqual(readdirSync(out).sort(), ["local"], "no lock or temporary directory is left behind");
  });

  test("output is replaced as a whole: files of the previous run do not survive, nothing else in --out is touched", async () => {
    const out = tmp("plan-replace-");
    mkdirSync(join(out, "local", "manifests"), { recursive: true });
    writeFileSync(join(out, "local", "manifests", "stale.yaml"), "old");
    writeFileSync(join(out, "neighbour.txt"), "keep");
    const r = await runPlan({ stack: "local", stacksDir: "stacks", outDir: out });
    assert.equal(r.exitCode, 0, r.messages.join("\n"));
    assert.equal(existsSync(join(out, "local", "manifests", "stale.yaml")), false);
    assert.ok(existsSync(join(out, "local", "plan.json")));
    assert.equal(readFileSync(join(out, "neighbour.txt"), "utf8"), "keep");
    assert.deepEqual(readdirSync(out).sort(), ["local", "neighbour.txt"]);
  });

  test("an internal error is exit 3 with one line; the stack trace only with --debug", () => {
    // A preload that breaks the temporary-directory call the writer makes: not an input problem.
    const preload = join(tmp("plan-crash-"), "crash.cjs");
    writeFileSync(preload, `const fs = require("node:fs"); fs.mkdtempSync = () => { throw new TypeError("simulated failure"); };\n`);
    const out = tmp("plan-crash-out-");
    const r = plan(["--out", out], ["--require", preload]);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stderr, "plan: internal error: TypeError: simulated failure (run with --debug for the stack trace)\n");
    const d = plan(["--out", out, "--debug"], ["--require", preload]);
    assert.equal(d.status, 3);
    assert.match(d.stderr, /^plan: internal error: TypeError: simulated failure\nTypeError: simulated failure\n\s+at /);
  });

  test("valid names of 250-253 characters: file names shortened deterministically, no crash", async () => {
    const doc = parse(readFileSync("stacks/Pulumi.local.yaml", "utf8"));
    const c = doc.config["kube-secrets-platform:clusters"][0];
    const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`; // 253
    c.rbac.clusterRoles = [{ name: long, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] }];
    c.sealedSecrets.secrets.push({ name: long.slice(0, 250), namespace: "apps", values: { k: "v" } });
    const stacksDir = tmp("plan-long-");
    writeFileSync(join(stacksDir, "Pulumi.long.yaml"), stringify(doc));
    const names: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const out = tmp("plan-long-out-");
      const r = await runPlan({ stack: "long", stacksDir, outDir: out });
      assert.ok(r.exitCode === 0 || r.exitCode === 1, r.messages.join("\n"));
      const files = readdirSync(join(out, "long", "manifests"));
      for (const f of files) assert.ok(Buffer.byteLength(f) <= 255, f);
      names.push(files.sort());
      const role = files.filter((f) => f.startsWith("clusterrole.cluster.aaaa"));
      assert.equal(role.length, 1);
      assert.match(role[0], /^clusterrole\.cluster\.a{63}\.b{63}\.c+-[0-9a-f]{16}\.yaml$/);
      assert.equal(parse(readFileSync(join(out, "long", "manifests", role[0]), "utf8")).metadata.name, long);
    }
    assert.deepEqual(names[0], names[1]);
  });
});
