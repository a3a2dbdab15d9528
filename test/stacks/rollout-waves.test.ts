import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { planWaves, RolloutPlanError, runRollout, type RolloutEvent, type Wave } from "../../stacks/rollout/waves";
import { FakeRunner, gate, OPERATION } from "./rollout-fake";

const STACKS = ["local", "aws-prod", "gcp-prod", "azure-prod", "fleet"];

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RolloutPlanError, `expected RolloutPlanError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("expected planWaves to throw");
}

test("planWaves: default canary is the first stack, then the rest in order, concurrency 2", () => {
  assert.deepEqual(planWaves(STACKS), [
    { index: 1, name: "canary", stacks: ["local"], concurrency: 2 },
    { index: 2, name: "rest", stacks: ["aws-prod", "gcp-prod", "azure-prod", "fleet"], concurrency: 2 },
  ]);
});

test("planWaves: first N, an explicit canary list (its own order), no canary, everything canary", () => {
  assert.deepEqual(planWaves(STACKS, { canary: 2, concurrency: 3 }), [
    { index: 1, name: "canary", stacks: ["local", "aws-prod"], concurrency: 3 },
    { index: 2, name: "rest", stacks: ["gcp-prod", "azure-prod", "fleet"], concurrency: 3 },
  ]);
  assert.deepEqual(planWaves(STACKS, { canary: ["fleet", "gcp-prod"] }), [
    { index: 1, name: "canary", stacks: ["fleet", "gcp-prod"], concurrency: 2 },
    { index: 2, name: "rest", stacks: ["local", "aws-prod", "azure-prod"], concurrency: 2 },
  ]);
  assert.deepEqual(planWaves(STACKS, { canary: 0, concurrency: 1 }), [{ index: 1, name: "rest", stacks: STACKS, concurrency: 1 }]);
  assert.deepEqual(planWaves(["a", "b"], { canary: 2 }), [{ index: 1, name: "canary", stacks: ["a", "b"], concurrency: 2 }]);
  assert.deepEqual(planWaves(["only"]), [{ index: 1, name: "canary", stacks: ["only"], concurrency: 2 }]);
});

test("planWaves: every problem is reported, naming the option", () => {
  assert.deepEqual(problems(() => planWaves([])), ["stacks: no stacks to roll out"]);
  assert.deepEqual(problems(() => planWaves(["a", "b", "a", "bad/name"], { concurrency: 0 })), [
    'stacks: invalid stack name "bad/name" (letters, digits, "-", "_" and "." only)',
    'stacks: "a" is listed more than once',
    "concurrency: must be an integer >= 1, got 0",
  ]);
  assert.deepEqual(problems(() => planWaves(["a"], { concurrency: 1.5 })), ["concurrency: must be an integer >= 1, got 1.5"]);
  assert.deepEqual(problems(() => planWaves(["a", "b"], { canary: 3 })), ["canary: 3 is more than the 2 stack(s) rolled out"]);
  assert.deepEqual(problems(() => planWaves(["a", "b"], { canary: -1 })), ["canary: must be an integer >= 0 or a list of stacks, got -1"]);
  assert.deepEqual(problems(() => planWaves(["a", "b"], { canary: [] })), ["canary: the list of canary stacks is empty (use 0 for no canary wave)"]);
  assert.deepEqual(problems(() => planWaves(["a", "b"], { canary: ["b", "c", "b"] })), [
    'canary: "b" is listed more than once',
    'canary: "c" is not one of the stacks rolled out (a, b)',
  ]);
});

test("runRollout: canary wave completes (preview and up) strictly before the rest starts; each stack previewed before up", async () => {
  const runner = new FakeRunner({
    // The canary that finishes last is slow on purpose: the rest must still wait for it.
    local: { preview: { turns: 1 }, up: { turns: 12 } },
    "aws-prod": { preview: { turns: 2 }, up: { turns: 1 } },
    "gcp-prod": { preview: { turns: 1 } },
  });
  const waves = planWaves(STACKS, { canary: ["local", "aws-prod"], concurrency: 2 });
  const result = await runRollout(waves, runner, { operation: OPERATION });

  assert.equal(result.ok, true);
  const lastCanaryEnd = Math.max(runner.index("last", { stack: "local", event: "end" }), runner.index("last", { stack: "aws-prod", event: "end" }));
  const firstRestStart = Math.min(...["gcp-prod", "azure-prod", "fleet"].map((s) => runner.index("first", { stack: s, event: "start" })));
  assert.ok(lastCanaryEnd < firstRestStart, `canary ended at ${lastCanaryEnd}, rest started at ${firstRestStart}`);
  assert.equal(runner.index("last", { stack: "local", phase: "up", event: "end" }), lastCanaryEnd);
  for (const s of STACKS) {
    assert.ok(runner.index("first", { stack: s, phase: "preview", event: "end" }) < runner.index("first", { stack: s, phase: "up", event: "start" }), s);
  }
  // Every stack previewed and updated exactly once, with the policy pack options.
  assert.deepEqual(runner.calls().sort(), STACKS.flatMap((s) => [`preview:${s}`, `up:${s}`]).sort());
  assert.ok(runner.options.every((o) => o.opts === OPERATION));
  assert.deepEqual(
    result.outcomes.map((o) => [o.stack, o.wave.name, o.preview, o.up]),
    [
      ["local", "canary", "succeeded", "succeeded"],
      ["aws-prod", "canary", "succeeded", "succeeded"],
      ["gcp-prod", "rest", "succeeded", "succeeded"],
      ["azure-prod", "rest", "succeeded", "succeeded"],
      ["fleet", "rest", "succeeded", "succeeded"],
    ],
  );
  assert.deepEqual(result.failures, []);
  assert.equal(result.stop, undefined);
});

test("runRollout: the concurrency bound is reached and never exceeded (stacks in flight, from the call log)", async () => {
  const stacks = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"];
  for (const concurrency of [1, 2, 3, 10]) {
    const script = Object.fromEntries(stacks.map((s, i) => [s, { preview: { turns: 1 + (i % 3) }, up: { turns: 1 + ((i * 2) % 5) } }]));
    const runner = new FakeRunner(script);
    const result = await runRollout(planWaves(stacks, { canary: 1, concurrency }), runner, { operation: OPERATION });
    assert.equal(result.ok, true);
    // The rest wave has 6 stacks, so the bound is reachable up to 6.
    assert.equal(runner.maxStacksInFlight(), Math.min(concurrency, 6), `concurrency ${concurrency}`);
    assert.ok(runner.maxOperationsInFlight <= concurrency);
  }
});

test("runRollout (property): for any plan and operation lengths, canary before rest, bound respected, preview before up", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 8 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          canary: fc.integer({ min: 0, max: n }),
          concurrency: fc.integer({ min: 1, max: 4 }),
          turns: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { minLength: n, maxLength: n }),
        }),
      ),
      async ({ n, canary, concurrency, turns }) => {
        const stacks = Array.from({ length: n }, (_, i) => `s${i}`);
        const runner = new FakeRunner(Object.fromEntries(stacks.map((s, i) => [s, { preview: { turns: turns[i][0] }, up: { turns: turns[i][1] } }])));
        const result = await runRollout(planWaves(stacks, { canary, concurrency }), runner, { operation: OPERATION });
        assert.equal(result.ok, true);
        assert.ok(runner.maxStacksInFlight() <= concurrency);
        const canaryStacks = stacks.slice(0, canary);
        const rest = stacks.slice(canary);
        if (canaryStacks.length > 0 && rest.length > 0) {
          const lastCanaryEnd = Math.max(...canaryStacks.map((s) => runner.index("last", { stack: s, event: "end" })));
          const firstRestStart = Math.min(...rest.map((s) => runner.index("first", { stack: s, event: "start" })));
          assert.ok(lastCanaryEnd < firstRestStart);
        }
        for (const s of stacks) {
          assert.ok(runner.index("first", { stack: s, phase: "preview", event: "end" }) < runner.index("first", { stack: s, phase: "up", event: "start" }));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test("runRollout: a mandatory violation in a canary preview stops everything; the rest never starts", async () => {
  const runner = new FakeRunner({
    local: {
      preview: {
        result: {
          ok: false,
          changes: { create: 4 },
          error: "preview failed",
          violations: [
            { policy: "secret-rbac-least-privilege", pack: "kube-secrets-guard", enforcementLevel: "mandatory", urn: "urn:pulumi:local::p::kubernetes:rbac.authorization.k8s.io/v1:Role::reader", message: "Role reader grants get on secrets\nmore detail" },
            { policy: "audit-policy", enforcementLevel: "advisory", message: "audit level Metadata" },
          ],
        },
      },
    },
  });
  const events: RolloutEvent[] = [];
  const result = await runRollout(planWaves(STACKS), runner, { operation: OPERATION, onEvent: (e) => events.push(e) });

  assert.equal(result.ok, false);
  assert.deepEqual(runner.calls(), ["preview:local"]);
  assert.deepEqual(
    { ...result.stop, wave: result.stop?.wave.name },
    {
      stack: "local",
      wave: "canary",
      phase: "preview",
      reason: "policy-violation",
      message: "secret-rbac-least-privilege: Role reader grants get on secrets\nmore detail (urn:pulumi:local::p::kubernetes:rbac.authorization.k8s.io/v1:Role::reader)",
    },
  );
  assert.deepEqual(result.failures, [result.stop]);
  assert.deepEqual(
    result.outcomes.map((o) => [o.stack, o.preview, o.up]),
    [
      ["local", "policy-violation", "not-started"],
      ["aws-prod", "not-started", "not-started"],
      ["gcp-prod", "not-started", "not-started"],
      ["azure-prod", "not-started", "not-started"],
      ["fleet", "not-started", "not-started"],
    ],
  );
  assert.deepEqual(
    events.map((e) => e.type),
    ["wave-start", "operation-start", "operation-end", "stop", "wave-end"],
  );
});

test("runRollout: a mandatory violation wins even when the runner says ok; advisory violations do not stop", async () => {
  const runner = new FakeRunner({
    "aws-prod": { preview: { result: { ok: true, violations: [{ policy: "p", enforcementLevel: "mandatory", message: "m" }] } } },
    local: { preview: { result: { ok: true, violations: [{ policy: "a", enforcementLevel: "advisory", message: "only advice" }] } } },
  });
  const result = await runRollout(planWaves(["local", "aws-prod", "gcp-prod"], { concurrency: 1 }), runner, { operation: OPERATION });
  assert.deepEqual(runner.calls(), ["preview:local", "up:local", "preview:aws-prod"]);
  assert.equal(result.stop?.stack, "aws-prod");
  assert.equal(result.stop?.reason, "policy-violation");
  assert.equal(result.stop?.message, "p: m");
});

test("runRollout: a failed preview in the rest wave: in-flight preview finishes but its up does not start; no new stacks", async () => {
  const held = gate();
  const runner = new FakeRunner({
    b: { preview: { turns: 1, result: { ok: false, error: "error: program failed: clusters[0].vault.replicas must be odd" } } },
    c: { preview: { gate: held.promise } },
  });
  const running = runRollout(planWaves(["a", "b", "c", "d", "e"], { canary: 1, concurrency: 2 }), runner, { operation: OPERATION });
  // c's preview is in flight when b fails; let it finish only afterwards.
  await runner.until(() => runner.index("first", { stack: "b", phase: "preview", event: "end" }) >= 0);
  assert.equal(runner.index("first", { stack: "c", event: "end" }), -1);
  held.open();
  const result = await running;

  assert.deepEqual(runner.calls(), ["preview:a", "up:a", "preview:b", "preview:c"]);
  assert.deepEqual(
    result.outcomes.map((o) => [o.stack, o.preview, o.up]),
    [
      ["a", "succeeded", "succeeded"],
      ["b", "failed", "not-started"],
      ["c", "succeeded", "not-started"],
      ["d", "not-started", "not-started"],
      ["e", "not-started", "not-started"],
    ],
  );
  assert.deepEqual(
    { stack: result.stop?.stack, wave: result.stop?.wave.index, phase: result.stop?.phase, reason: result.stop?.reason, message: result.stop?.message },
    { stack: "b", wave: 2, phase: "preview", reason: "failed", message: "error: program failed: clusters[0].vault.replicas must be odd" },
  );
});

test("runRollout: a failed up stops the rollout; an up already in flight finishes and is reported, failures keep their order", async () => {
  const held = gate();
  const runner = new FakeRunner({
    b: { up: { result: new Error("update failed: aws:kms:Key: AccessDeniedException") } },
    c: { up: { gate: held.promise, result: { ok: false, changes: { create: 1 }, error: "update failed: timeout" } } },
  });
  const running = runRollout(planWaves(["a", "b", "c", "d"], { canary: 1, concurrency: 2 }), runner, { operation: OPERATION });
  await runner.until(() => runner.index("first", { stack: "b", phase: "up", event: "end" }) >= 0);
  assert.ok(runner.index("first", { stack: "c", phase: "up", event: "start" }) >= 0, "c's up is in flight");
  held.open();
  const result = await running;

  assert.deepEqual(runner.calls(), ["preview:a", "up:a", "preview:b", "preview:c", "up:b", "up:c"]);
  assert.deepEqual(
    result.failures.map((f) => [f.stack, f.phase, f.reason, f.message]),
    [
      ["b", "up", "failed", "update failed: aws:kms:Key: AccessDeniedException"],
      ["c", "up", "failed", "update failed: timeout"],
    ],
  );
  assert.equal(result.stop, result.failures[0]);
  assert.deepEqual(
    result.outcomes.map((o) => [o.stack, o.preview, o.up]),
    [
      ["a", "succeeded", "succeeded"],
      ["b", "succeeded", "failed"],
      ["c", "succeeded", "failed"],
      ["d", "not-started", "not-started"],
    ],
  );
  assert.deepEqual(result.outcomes[1].upResult, { ok: false, changes: {}, violations: [], error: "update failed: aws:kms:Key: AccessDeniedException" });
});

test("runRollout: dry run previews every stack and never calls up", async () => {
  const runner = new FakeRunner({ b: { preview: { result: { changes: { create: 3, same: 2 } } } } });
  const result = await runRollout(planWaves(["a", "b", "c"], { concurrency: 3 }), runner, { operation: OPERATION, dryRun: true });
  assert.equal(result.ok, true);
  assert.equal(result.dryRun, true);
  assert.deepEqual(runner.calls(), ["preview:a", "preview:b", "preview:c"]);
  assert.deepEqual(result.outcomes.map((o) => o.up), ["skipped-dry-run", "skipped-dry-run", "skipped-dry-run"]);
  assert.deepEqual(result.outcomes[1].previewResult?.changes, { create: 3, same: 2 });
});

test("runRollout: dry run still stops at a failed preview", async () => {
  const runner = new FakeRunner({ a: { preview: { result: new Error("boom") } } });
  const result = await runRollout(planWaves(["a", "b"]), runner, { operation: OPERATION, dryRun: true });
  assert.deepEqual(runner.calls(), ["preview:a"]);
  assert.deepEqual([result.stop?.stack, result.stop?.phase, result.stop?.message], ["a", "preview", "boom"]);
});

test("runRollout: an aborted signal stops the rollout between operations (interrupted, not failed)", async () => {
  const controller = new AbortController();
  const runner = new FakeRunner();
  const events: string[] = [];
  const result = await runRollout(planWaves(["a", "b", "c"]), runner, {
    operation: OPERATION,
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e.type);
      if (e.type === "operation-end" && e.stack === "a" && e.phase === "up") controller.abort();
    },
  });
  assert.deepEqual(runner.calls(), ["preview:a", "up:a"]);
  assert.equal(result.ok, false);
  assert.equal(result.interrupted, true);
  assert.deepEqual(result.failures, []);
  assert.deepEqual(events.filter((t) => t === "interrupted"), ["interrupted"]);
  assert.deepEqual(result.outcomes.map((o) => o.preview), ["succeeded", "not-started", "not-started"]);
});

test("runRollout: a runner resolving with nothing is a failure with a clear message, not a crash", async () => {
  const runner: FakeRunner = new FakeRunner();
  const sloppy = { preview: async () => undefined as never, up: runner.up.bind(runner) };
  const result = await runRollout(planWaves(["a"]), sloppy, { operation: OPERATION });
  assert.equal(result.stop?.message, "the runner reported a failure without an error message");
  assert.deepEqual(runner.calls(), []);
});

test("runRollout: durations come from the injected clock; outcome order is plan order", async () => {
  let clock = 0;
  const now = () => (clock += 250);
  const runner = new FakeRunner({ x: { preview: { turns: 3 } } });
  const waves: Wave[] = planWaves(["x", "y"], { canary: 0, concurrency: 1 });
  const result = await runRollout(waves, runner, { operation: OPERATION, now });
  // x: stack start 250, preview 500..750, up 1000..1250, stack end 1500 -> 1250; same for y.
  assert.deepEqual(result.outcomes.map((o) => [o.stack, o.durationMs]), [
    ["x", 1250],
    ["y", 1250],
  ]);
});

test("runRollout: an exception from onEvent is rethrown after in-flight work finished", async () => {
  const runner = new FakeRunner();
  await assert.rejects(
    runRollout(planWaves(["a"]), runner, {
      operation: OPERATION,
      onEvent: (e) => {
        if (e.type === "operation-start") throw new Error("logger broke");
      },
    }),
    /logger broke/,
  );
  assert.deepEqual(runner.calls(), ["preview:a", "up:a"]);
});

test("runRollout: an interrupt while updates are in flight lets them finish and starts nothing new", async () => {
  const controller = new AbortController();
  let openA!: () => void;
  let openB!: () => void;
  const gateA = new Promise<void>((r) => (openA = r));
  const gateB = new Promise<void>((r) => (openB = r));
  // One wave of four stacks, two at a time: a and b are updating when the interrupt comes.
  const runner = new FakeRunner({ a: { up: { gate: gateA } }, b: { up: { gate: gateB } } });
  const running = runRollout([{ index: 1, name: "all", stacks: ["a", "b", "c", "d"], concurrency: 2 }], runner, {
    operation: OPERATION,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === "operation-start" && e.stack === "b" && e.phase === "up") {
        controller.abort(); // SIGINT/SIGTERM in stacks/rollout.ts
        setImmediate(() => (openA(), openB()));
      }
    },
  });
  const result = await running;
  // Both in-flight updates ran to the end and their results count; c and d never started.
  assert.deepEqual(runner.calls(), ["preview:a", "preview:b", "up:a", "up:b"]);
  assert.ok(runner.index("last", { stack: "a", phase: "up", event: "end" }) > 0 && runner.index("last", { stack: "b", phase: "up", event: "end" }) > 0);
  assert.deepEqual(result.outcomes.map((o) => [o.stack, o.preview, o.up]), [
    ["a", "succeeded", "succeeded"],
    ["b", "succeeded", "succeeded"],
    ["c", "not-started", "not-started"],
    ["d", "not-started", "not-started"],
  ]);
  assert.equal(result.interrupted, true);
  assert.deepEqual(result.failures, []);
});
