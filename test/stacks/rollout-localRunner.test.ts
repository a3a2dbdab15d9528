// The Automation API runner, minus the Pulumi CLI: `selectStack` is replaced by a fake Automation API
// stack that emits the engine events a real `pulumi preview/up` emits and throws the SDK's own
// CommandError, so the mapping from engine output to structured results is what is tested.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import type { EngineEvent, PreviewOptions, UpOptions } from "@pulumi/pulumi/automation";
import { createLocalWorkspaceRunner, errorText, type AutomationStack } from "../../stacks/rollout/localRunner";

// Internal SDK helpers, used so the errors are exactly what the Automation API throws.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as { CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => object };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError: (r: object) => Error };

const commandError = (stderr: string, stdout = "Previewing update (aws-prod)\n", code = 255) => createCommandError(new CommandResult(stdout, stderr, code));

const OPTS = { policyPacks: ["policy-pack"], policyPackConfigs: ["cfg/policy.json"], refresh: true };
const WORKDIR = "/repo";

function policyEvent(policyName: string, enforcementLevel: string, message: string, resourceUrn?: string): EngineEvent {
  return {
    sequence: 1,
    timestamp: 0,
    policyEvent: { policyName, enforcementLevel: enforcementLevel as "mandatory", message, resourceUrn, color: "never", policyPackName: "kube-secrets-guard", policyPackVersion: "0.1.0", policyPackVersionTag: "v0.1.0" },
  };
}

function diagnostic(severity: "error" | "warning" | "info", message: string, urn?: string): EngineEvent {
  return { sequence: 2, timestamp: 0, diagnosticEvent: { severity, message, urn, color: "never" } };
}

class FakeStack implements AutomationStack {
  previewOptions?: PreviewOptions;
  upOptions?: UpOptions;
  constructor(
    private readonly events: EngineEvent[],
    private readonly outcome: { preview?: { changeSummary: Record<string, number> } | Error; up?: { summary: { result: string; resourceChanges?: Record<string, number> } } | Error },
  ) {}
  async preview(opts: PreviewOptions) {
    this.previewOptions = opts;
    for (const e of this.events) opts.onEvent?.(e);
    opts.onOutput?.("Previewing update (s)\n   pulumi:pulumi:Stack  create\n");
    if (this.outcome.preview instanceof Error) throw this.outcome.preview;
    return this.outcome.preview ?? { changeSummary: {} };
  }
  async up(opts: UpOptions) {
    this.upOptions = opts;
    for (const e of this.events) opts.onEvent?.(e);
    if (this.outcome.up instanceof Error) throw this.outcome.up;
    return this.outcome.up ?? { summary: { result: "succeeded" } };
  }
}

function runnerFor(stack: FakeStack, output?: string[]) {
  const selected: Array<[string, string]> = [];
  const runner = createLocalWorkspaceRunner({
    workDir: WORKDIR,
    selectStack: async (name, workDir) => {
      selected.push([name, workDir]);
      return stack;
    },
    ...(output ? { onOutput: (s: string, text: string) => void output.push(`${s}|${text}`) } : {}),
  });
  return { runner, selected };
}

test("a stack is opened once for its preview and its update", async () => {
  const { runner, selected } = runnerFor(new FakeStack([], {}));
  await runner.preview("aws-prod", OPTS);
  await runner.up("aws-prod", OPTS);
  await runner.preview("gcp-prod", OPTS);
  assert.deepEqual(selected, [["aws-prod", WORKDIR], ["gcp-prod", WORKDIR]]);
});

test("preview: policy packs resolved against the repo, config against the cwd, refresh, plain output; changes from the result", async () => {
  const stack = new FakeStack([policyEvent("audit-level", "warning", "  Metadata only  ", "urn:a")], { preview: { changeSummary: { create: 3, same: 9 } } });
  const output: string[] = [];
  const { runner, selected } = runnerFor(stack, output);
  const result = await runner.preview("aws-prod", OPTS);

  assert.deepEqual(selected, [["aws-prod", WORKDIR]]);
  const { onEvent, onOutput, plan, ...rest } = stack.previewOptions!;
  assert.deepEqual(rest, { policyPacks: ["/repo/policy-pack"], policyPackConfigs: [resolve("cfg/policy.json")], refresh: true, color: "never" });
  assert.match(plan ?? "", /aws-prod\.plan\.json$/, "the preview saves an update plan (--save-plan)");
  assert.equal(typeof onEvent, "function");
  assert.equal(typeof onOutput, "function");
  assert.deepEqual(output, ["aws-prod|Previewing update (s)\n   pulumi:pulumi:Stack  create\n"]);
  assert.deepEqual(result, {
    ok: true,
    changes: { create: 3, same: 9 },
    violations: [{ policy: "audit-level", pack: "kube-secrets-guard", enforcementLevel: "advisory", urn: "urn:a", message: "Metadata only" }],
  });
});

test("preview: a mandatory violation fails the CLI; the result carries the violations and the error diagnostics", async () => {
  const stack = new FakeStack(
    [
      diagnostic("warning", "kubernetes:helm.sh/v4:Chart is in preview"),
      policyEvent("secret-rbac-least-privilege", "mandatory", "Role apps/reader grants get on secrets", "urn:pulumi:aws-prod::kube-secrets-platform::kubernetes:rbac.authorization.k8s.io/v1:Role::reader"),
      diagnostic("error", "preview failed: 1 mandatory policy violation\n"),
      diagnostic("error", "preview failed: 1 mandatory policy violation\n"),
    ],
    { preview: commandError("error: preview failed\n") },
  );
  const result = await runnerFor(stack).runner.preview("aws-prod", OPTS);
  assert.deepEqual(result, {
    ok: false,
    changes: {},
    violations: [
      {
        policy: "secret-rbac-least-privilege",
        pack: "kube-secrets-guard",
        enforcementLevel: "mandatory",
        urn: "urn:pulumi:aws-prod::kube-secrets-platform::kubernetes:rbac.authorization.k8s.io/v1:Role::reader",
        message: "Role apps/reader grants get on secrets",
      },
    ],
    error: "preview failed: 1 mandatory policy violation",
  });
});

test("up: changes from the summary event and result; error diagnostics name the resource", async () => {
  const ok = new FakeStack([{ sequence: 9, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 4, resourceChanges: { create: 1 }, policyPacks: {} } }], {
    up: { summary: { result: "succeeded", resourceChanges: { create: 2, same: 3 } } },
  });
  const { runner } = runnerFor(ok);
  await runner.preview("local", OPTS);
  assert.deepEqual(await runner.up("local", OPTS), { ok: true, changes: { create: 2, same: 3 }, violations: [] });
  assert.deepEqual(ok.upOptions?.policyPacks, ["/repo/policy-pack"]);

  const failed = new FakeStack(
    [
      diagnostic("error", "creating KMS Key: AccessDeniedException: not authorized\n", "urn:pulumi:aws-prod::p::aws:kms/key:Key::secrets"),
      { sequence: 9, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 4, resourceChanges: { create: 5, same: 1 }, policyPacks: {} } },
    ],
    { up: commandError("error: update failed\n") },
  );
  const failedRunner = runnerFor(failed).runner;
  await failedRunner.preview("aws-prod", OPTS);
  assert.deepEqual(await failedRunner.up("aws-prod", OPTS), {
    ok: false,
    changes: { create: 5, same: 1 },
    violations: [],
    error: "urn:pulumi:aws-prod::p::aws:kms/key:Key::secrets: creating KMS Key: AccessDeniedException: not authorized",
  });
});

test("up: a summary that did not succeed is a failure even without an exception", async () => {
  const stack = new FakeStack([], { up: { summary: { result: "failed", resourceChanges: {} } } });
  const r = runnerFor(stack).runner;
  await r.preview("local", OPTS);
  assert.deepEqual(await r.up("local", OPTS), { ok: false, changes: {}, violations: [], error: 'update finished with result "failed"' });
});

test("errors without diagnostics: stderr of the CommandError, selectStack failures, a missing CLI", async () => {
  const stack = new FakeStack([], { preview: commandError("error: could not find kubeconfig context \"gke-prod\"\n\n") });
  assert.deepEqual(await runnerFor(stack).runner.preview("gcp-prod", OPTS), { ok: false, changes: {}, violations: [], error: 'error: could not find kubeconfig context "gke-prod"' });

  const runner = createLocalWorkspaceRunner({
    workDir: WORKDIR,
    selectStack: async () => {
      throw commandError("error: [409] Conflict: Another update is currently in progress.\n");
    },
  });
  assert.deepEqual(await runner.preview("fleet", OPTS), { ok: false, changes: {}, violations: [], error: "error: [409] Conflict: Another update is currently in progress." });

  assert.equal(
    errorText(new Error("Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT")),
    "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\nthe Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) and log in to a backend",
  );
  // An empty stderr falls back to the whole message; long output is cut.
  assert.match(errorText(commandError("", "")), /^code: 255\n stdout: /);
  const long = errorText(commandError(Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n")));
  assert.deepEqual(long.split("\n").slice(-2), ["line 19", "… (10 more lines)"]);
  assert.equal(errorText("plain string"), "plain string");
});

test("up is bound to its preview: the plan the preview saved (--save-plan) is the plan the update runs with (--plan), then removed", async () => {
  const planDir = mkdtempSync(join(tmpdir(), "rollout-plans-"));
  try {
    const stack = new FakeStack([], {});
    const runner = createLocalWorkspaceRunner({ workDir: WORKDIR, planDir, selectStack: async () => stack });
    // Automation API: PreviewOptions.plan -> `pulumi preview --save-plan`, UpOptions.plan -> `pulumi up --plan`
    // (@pulumi/pulumi automation/stack.js).
    assert.deepEqual(await runner.up("local", OPTS), {
      ok: false,
      changes: {},
      violations: [],
      error: "no saved preview plan for stack local: an update runs only with the plan of its successful preview",
    });
    assert.equal(stack.upOptions, undefined, "no update without a preview");
    await runner.preview("local", OPTS);
    assert.equal(stack.previewOptions?.plan, join(planDir, "local.plan.json"));
    writeFileSync(join(planDir, "local.plan.json"), "{}"); // what the CLI writes
    await runner.up("local", OPTS);
    assert.equal((stack.upOptions as UpOptions | undefined)?.plan, join(planDir, "local.plan.json"));
    assert.equal(existsSync(join(planDir, "local.plan.json")), false, "a used plan is removed");
    // A plan serves one update: the next update needs a new preview.
    assert.equal((await runner.up("local", OPTS)).ok, false);
    // A failed preview leaves no plan behind to update with.
    const failing = new FakeStack([], { preview: new Error("boom") });
    const r2 = createLocalWorkspaceRunner({ workDir: WORKDIR, planDir, selectStack: async () => failing });
    await r2.preview("x", OPTS);
    assert.equal((await r2.up("x", OPTS)).ok, false);
    assert.equal(failing.upOptions, undefined);
  } finally {
    rmSync(planDir, { recursive: true, force: true });
  }
});
