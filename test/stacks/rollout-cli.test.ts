import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { rolloutMain, type RolloutCliEnv } from "../../stacks/rollout/cli";
import type { StackRunner } from "../../stacks/rollout/types";
import type { RolloutResult } from "../../stacks/rollout/waves";
import { FakeRunner } from "./rollout-fake";

const repoRoot = mkdtempSync(join(tmpdir(), "rollout-cli-"));
mkdirSync(join(repoRoot, "stacks"));
for (const s of ["local", "aws-prod", "gcp-prod"]) writeFileSync(join(repoRoot, "stacks", `Pulumi.${s}.yaml`), "config: {}\n");
writeFileSync(join(repoRoot, "policy.json"), '{"all":"mandatory"}');
for (const s of ["local", "aws-prod"]) {
  mkdirSync(join(repoRoot, "out", s), { recursive: true });
  writeFileSync(join(repoRoot, "out", s, "policy-config.json"), `{"who-can-read-secrets":{"exemptSubjects":["ServiceAccount ${s}/controller"]}}`);
}

async function run(argv: string[], runner: StackRunner = new FakeRunner(), extra: Partial<RolloutCliEnv> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const created: Array<{ repoRoot: string; verbose: boolean }> = [];
  let result: RolloutResult | undefined;
  const code = await rolloutMain(argv, {
    repoRoot,
    cwd: repoRoot,
    createRunner: (o) => {
      created.push({ repoRoot: o.repoRoot, verbose: o.onOutput !== undefined });
      if (!o.onOutput) return runner;
      const onOutput = o.onOutput;
      // Engine output arrives in arbitrary chunks while an operation runs.
      return {
        preview: async (stack, opts) => {
          if (stack === "local") {
            onOutput("local", "Previewing update (local)\n  + 3 to cre");
            onOutput("local", "ate\npartial");
          }
          return runner.preview(stack, opts);
        },
        up: (stack, opts) => runner.up(stack, opts),
      };
    },
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    onResult: (r) => (result = r),
    ...extra,
  });
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), created, result };
}

test("rollout CLI: --policy-config-dir passes each stack's own config to its preview and update", async () => {
  const runner = new FakeRunner();
  const { code, stdout } = await run(["--stacks", "local,aws-prod", "--policy-config-dir", "out"], runner);
  assert.equal(code, 0);
  assert.ok(stdout.startsWith("rollout of 2 stack(s) with policy pack policy-pack/ (each stack's config from --policy-config-dir)\n"), stdout);
  assert.deepEqual(
    runner.options.map((o) => `${o.phase}:${o.stack} ${o.opts.policyPackConfigs.join(",")}`),
    ["preview", "up", "preview", "up"].map((phase, i) => {
      const stack = i < 2 ? "local" : "aws-prod";
      return `${phase}:${stack} ${join(repoRoot, "out", stack, "policy-config.json")}`;
    }),
  );
});

test("rollout CLI: rolls out with the policy pack and its config, prints progress and the summary, exit 0", async () => {
  const runner = new FakeRunner();
  const { code, stdout, stderr, created } = await run(["--stacks", "local,aws-prod", "--policy-config", "policy.json", "--refresh"], runner);
  assert.equal(code, 0);
  assert.equal(stderr, "");
  assert.deepEqual(created, [{ repoRoot, verbose: false }]);
  assert.deepEqual(runner.calls(), ["preview:local", "up:local", "preview:aws-prod", "up:aws-prod"]);
  for (const o of runner.options) assert.deepEqual(o.opts, { policyPacks: ["policy-pack"], policyPackConfigs: [join(repoRoot, "policy.json")], refresh: true });
  assert.ok(stdout.startsWith(`rollout of 2 stack(s) with policy pack policy-pack/ (config ${join(repoRoot, "policy.json")})\nwave 1 (canary, concurrency 2): local\n  local: preview started\n`), stdout);
  assert.match(stdout, /\n {2}aws-prod: up ok in \S+ \(same 1\)\n/);
  assert.match(stdout, /\nrollout complete: 2 stack\(s\) previewed and updated$/);
});

test("rollout CLI: --dry-run never updates; --verbose streams engine output line by line with the stack name", async () => {
  const runner = new FakeRunner();
  const { code, stdout, created, result } = await run(["--all", "--dry-run", "--verbose", "--canary", "0", "--concurrency", "3"], runner);
  assert.equal(code, 0);
  assert.deepEqual(created, [{ repoRoot, verbose: true }]);
  assert.deepEqual(runner.calls().sort(), ["preview:aws-prod", "preview:gcp-prod", "preview:local"]);
  assert.equal(result?.dryRun, true);
  assert.match(stdout, /^dry run \(preview only\) of 3 stack\(s\)/);
  assert.match(stdout, /\n\[local\] Previewing update \(local\)\n\[local\] {3}\+ 3 to create\n/);
  // The unterminated last chunk is flushed before the summary.
  assert.match(stdout, /\n\[local\] partial\n\nstack /);
  assert.match(stdout, /\ndry run: 3 stack\(s\) previewed, nothing was changed$/);
});

test("rollout CLI: a violation stops the rollout with exit 1 and says where", async () => {
  const runner = new FakeRunner({ local: { preview: { result: { ok: false, violations: [{ policy: "encryption-at-rest", enforcementLevel: "mandatory", message: "no KMS provider" }] } } } });
  const { code, stdout } = await run(["--all", "--canary", "local"], runner);
  assert.equal(code, 1);
  assert.deepEqual(runner.calls(), ["preview:local"]);
  assert.match(stdout, /\nstopping: stack "local" \(wave 1 "canary"\), preview: mandatory policy violation: encryption-at-rest: no KMS provider\n/);
  assert.match(stdout, /\nnot started: aws-prod, gcp-prod$/);
});

test("rollout CLI: an interrupt (aborted signal) exits 130", async () => {
  const controller = new AbortController();
  controller.abort();
  const runner = new FakeRunner();
  const { code, stdout } = await run(["--all"], runner, { signal: controller.signal });
  assert.equal(code, 130);
  assert.deepEqual(runner.calls(), []);
  assert.match(stdout, /rollout interrupted; not \(fully\) rolled out: aws-prod, gcp-prod, local$/);
});

test("rollout CLI: bad arguments exit 2 with the message on stderr and nothing run", async () => {
  for (const [argv, message] of [
    [[], "rollout: choose the stacks to roll out: --stacks a,b,c or --all"],
    [["--all", "--concurrency", "0"], "rollout: --concurrency: must be an integer >= 1, got 0"],
    [["--stacks", "local", "--canary", "gcp-prod"], 'rollout: --canary: "gcp-prod" is not one of the stacks rolled out (local)'],
    [["--all", "--policy-config", "nope.json"], "rollout: --policy-config: nope.json: file does not exist"],
  ] as const) {
    const runner = new FakeRunner();
    const { code, stdout, stderr, created } = await run([...argv], runner);
    assert.equal(code, 2, argv.join(" "));
    assert.equal(stderr, `${message}\nrun \`npm run rollout -- --help\` for usage`);
    assert.equal(stdout, "");
    assert.deepEqual(created, []);
    assert.deepEqual(runner.calls(), []);
  }
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: npm run rollout -- \(--stacks a,b,c \| --all\) \[options\]/);
});

test("stacks/rollout.ts (the npm script's entry): argument errors exit 2 before touching Pulumi", () => {
  const entry = resolve(__dirname, "../../stacks/rollout.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", entry, "--stacks", "no-such-stack"], { encoding: "utf8", cwd: resolve(__dirname, "../..") });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^rollout: --stacks: no stack file for "no-such-stack" \(expected Pulumi\.no-such-stack\.yaml in .*stacks; known stacks: .*local.*\)\n/);
  assert.equal(r.stdout, "");
});
