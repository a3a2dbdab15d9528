import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStop, formatChanges, formatDuration, formatSummary } from "../../stacks/rollout/summary";
import { planWaves, runRollout } from "../../stacks/rollout/waves";
import { FakeRunner, gate, OPERATION } from "./rollout-fake";

test("formatChanges: known operations first, then others, same last; zeros dropped", () => {
  assert.equal(formatChanges({ same: 12, delete: 1, create: 3, update: 0, "create-replacement": 2, replace: 2 }), "create 3, replace 2, delete 1, create-replacement 2, same 12");
  assert.equal(formatChanges({ same: 0 }), "-");
  assert.equal(formatChanges(undefined), "-");
});

test("formatDuration: ms, seconds, minutes", () => {
  assert.equal(formatDuration(undefined), "-");
  assert.equal(formatDuration(849.6), "850ms");
  assert.equal(formatDuration(12_340), "12.3s");
  assert.equal(formatDuration(245_000), "4m05s");
});

/** A clock advancing 1 s per reading, so durations are exact. */
function clock() {
  let t = 0;
  return () => (t += 1000);
}

test("formatSummary: a completed rollout with an advisory violation", async () => {
  const runner = new FakeRunner({
    a: { preview: { result: { changes: { create: 2, same: 5 } } }, up: { result: { changes: { create: 2, same: 5 }, violations: [{ policy: "audit-level", enforcementLevel: "advisory", urn: "urn:x", message: "Metadata only\nsecond line" }] } } },
    b: { up: { result: { changes: { same: 7 } } } },
  });
  const result = await runRollout(planWaves(["a", "b"], { concurrency: 1 }), runner, { operation: OPERATION, now: clock() });
  assert.equal(
    formatSummary(result),
    [
      "stack  wave      preview  up  duration  changes",
      "-----  --------  -------  --  --------  ----------------",
      "a      1 canary  ok       ok  5.0s      create 2, same 5",
      "b      2 rest    ok       ok  5.0s      same 7",
      "",
      "rollout complete: 2 stack(s) previewed and updated",
      "advisory policy violations (1):",
      "  a: [advisory] audit-level: Metadata only (urn:x)",
    ].join("\n"),
  );
});

test("formatSummary: a dry run shows planned changes", async () => {
  const runner = new FakeRunner({ a: { preview: { result: { changes: { create: 40 } } } } });
  const result = await runRollout(planWaves(["a"]), runner, { operation: OPERATION, dryRun: true, now: clock() });
  assert.equal(
    formatSummary(result),
    [
      "stack  wave      preview  up                 duration  changes",
      "-----  --------  -------  -----------------  --------  -------------------",
      "a      1 canary  ok       skipped (dry run)  3.0s      create 40 (planned)",
      "",
      "dry run: 1 stack(s) previewed, nothing was changed",
    ].join("\n"),
  );
});

test("formatSummary: where it stopped, what else failed in flight, what never started", async () => {
  const held = gate();
  const runner = new FakeRunner({
    b: { preview: { result: { ok: false, violations: [{ policy: "no-wildcard-secret-access", enforcementLevel: "mandatory", urn: "urn:r", message: "ClusterRole grants * on secrets" }] } } },
    c: { preview: { gate: held.promise, result: { ok: false, error: "error: kubeconfig context gke-prod not found" } } },
  });
  const running = runRollout(planWaves(["a", "b", "c", "d"], { concurrency: 2 }), runner, { operation: OPERATION, now: clock() });
  await runner.until(() => runner.index("first", { stack: "b", event: "end" }) >= 0);
  held.open();
  const result = await running;
  assert.equal(describeStop(result.stop!), 'stack "b" (wave 2 "rest"), preview: mandatory policy violation: no-wildcard-secret-access: ClusterRole grants * on secrets (urn:r)');
  assert.equal(
    formatSummary(result),
    [
      "stack  wave      preview           up           duration  changes",
      "-----  --------  ----------------  -----------  --------  -------",
      "a      1 canary  ok                ok           5.0s      same 1",
      "b      2 rest    POLICY VIOLATION  not started  5.0s      -",
      "c      2 rest    FAILED            not started  5.0s      -",
      "d      2 rest    not started       not started  -         -",
      "",
      'rollout stopped at stack "b" (wave 2 "rest"), preview: mandatory policy violation: no-wildcard-secret-access: ClusterRole grants * on secrets (urn:r)',
      'also failed (already in flight): stack "c" (wave 2 "rest"), preview: failed: error: kubeconfig context gke-prod not found',
      "not started: d",
    ].join("\n"),
  );
});

test("formatSummary: multi-line messages are indented under the stop line; an interrupted rollout says what is left", async () => {
  const runner = new FakeRunner({ a: { up: { result: { ok: false, error: "error: update failed\n  aws:kms:Key (key): AccessDenied" } } } });
  const failed = await runRollout(planWaves(["a"]), runner, { operation: OPERATION });
  assert.match(formatSummary(failed), /\nrollout stopped at stack "a" \(wave 1 "canary"\), up: failed:\n {4}error: update failed\n {6}aws:kms:Key \(key\): AccessDenied$/);

  const controller = new AbortController();
  controller.abort();
  const interrupted = await runRollout(planWaves(["a", "b"]), new FakeRunner(), { operation: OPERATION, signal: controller.signal });
  assert.match(formatSummary(interrupted), /\nrollout interrupted; not \(fully\) rolled out: a, b$/);
});
