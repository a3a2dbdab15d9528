/**
 * The real {@link StackRunner}: drives the Pulumi CLI through the Automation API (`LocalWorkspace`),
 * one stack of this repository's program at a time.
 *
 * Needs the Pulumi CLI on PATH, a logged-in backend (`pulumi login`), credentials for every cloud the
 * stacks touch, and the policy pack's dependencies installed (the CLI runs `policy-pack/` as a Node.js
 * policy pack). None of that exists where the tests run, so `LocalWorkspace.createOrSelectStack` itself
 * is not exercised by the tests; everything after it (engine events and errors mapped to structured
 * results) is, through the injectable `selectStack`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EngineEvent, OpMap, PreviewOptions, UpOptions } from "@pulumi/pulumi/automation";
import type { ChangeSummary, OperationResult, RolloutPolicyViolation, StackOperationOptions, StackRunner } from "./types";

/** The part of an Automation API `Stack` the runner uses. */
export interface AutomationStack {
  preview(opts: PreviewOptions): Promise<{ changeSummary: OpMap }>;
  up(opts: UpOptions): Promise<{ summary: { result: string; resourceChanges?: OpMap } }>;
}

export interface LocalRunnerOptions {
  /** The project directory (holding `Pulumi.yaml`): the repository root. */
  workDir: string;
  /** Receives the engine's plain-text output, per stack (e.g. to stream it prefixed with the stack name). */
  onOutput?: (stack: string, text: string) => void;
  /**
   * Opens a stack. Default: `LocalWorkspace.createOrSelectStack({ stackName, workDir })` (a stack with a
   * `Pulumi.<stack>.yaml` but not yet in the backend is created on first rollout).
   */
  selectStack?: (stackName: string, workDir: string) => Promise<AutomationStack>;
  /** Aborting it sends SIGINT to running operations (Pulumi then cancels them gracefully). Not used by default. */
  signal?: AbortSignal;
  /**
   * Directory for the update plans (`pulumi preview --save-plan`, then `pulumi up --plan`). Default: a
   * private temporary directory (mode 0700) made on first use. A plan is removed once its update ran.
   */
  planDir?: string;
}

async function createOrSelectStack(stackName: string, workDir: string): Promise<AutomationStack> {
  // Loaded lazily so that argument errors and `--help` do not pay for the Automation API.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  // Update plans (`--save-plan` / `--plan`) are an experimental CLI feature: the CLI accepts the flags only
  // with PULUMI_EXPERIMENTAL set.
  return LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars: { PULUMI_EXPERIMENTAL: "true" } });
}

/** Collects what the engine reports during one operation: policy violations, error diagnostics, the change summary. */
export class EngineEventCollector {
  readonly violations: RolloutPolicyViolation[] = [];
  readonly errors: string[] = [];
  changes: ChangeSummary | undefined;

  readonly onEvent = (event: EngineEvent): void => {
    const policy = event.policyEvent;
    if (policy) {
      this.violations.push({
        policy: policy.policyName,
        ...(policy.policyPackName ? { pack: policy.policyPackName } : {}),
        // The engine calls the advisory level "warning" in events.
        enforcementLevel: (policy.enforcementLevel as string) === "warning" ? "advisory" : policy.enforcementLevel,
        ...(policy.resourceUrn ? { urn: policy.resourceUrn } : {}),
        message: policy.message.trim(),
      });
    }
    const diag = event.diagnosticEvent;
    if (diag && diag.severity === "error") {
      const text = `${diag.urn ? `${diag.urn}: ` : ""}${diag.message.trim()}`;
      if (text && !this.errors.includes(text)) this.errors.push(text);
    }
    if (event.summaryEvent) this.changes = { ...event.summaryEvent.resourceChanges };
  };

  /** The structured result of the operation. */
  result(ok: boolean, changes: ChangeSummary | undefined, error?: unknown): OperationResult {
    const result: OperationResult = { ok, changes: { ...(changes ?? this.changes ?? {}) }, violations: this.violations };
    if (!ok) result.error = this.errors.length > 0 ? this.errors.join("\n") : errorText(error);
    return result;
  }
}

const MAX_ERROR_LINES = 20;

/**
 * The useful part of an error thrown by the Automation API: a `CommandError`'s message is the whole
 * command result (`code`, `stdout`, `stderr`, `err?`); its stderr is what explains the failure.
 */
export function errorText(error: unknown): string {
  if (error === undefined) return "the operation failed without an error message";
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error) ?? "unknown error";
  const stderr = /\n stderr: ([\s\S]*?)\n err\?: /.exec(message)?.[1]?.trim();
  const text = stderr || message.trim() || (error instanceof Error ? error.name : "unknown error");
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (/spawn pulumi ENOENT/.test(text)) lines.push("the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/) and log in to a backend");
  return lines.length > MAX_ERROR_LINES ? [...lines.slice(0, MAX_ERROR_LINES), `… (${lines.length - MAX_ERROR_LINES} more lines)`].join("\n") : lines.join("\n");
}

/**
 * A {@link StackRunner} running `pulumi preview` / `pulumi up` on stacks of the project in `workDir`. Each
 * update is bound to what its preview showed: the preview saves an update plan (Automation API `plan`, i.e.
 * `pulumi preview --save-plan FILE`) and the update runs with it (`pulumi up --plan FILE`), so the engine
 * refuses any change the preview did not show (e.g. a config or cloud change between the two). An update
 * of a stack without a successful preview in this runner fails without running.
 */
export function createLocalWorkspaceRunner(options: LocalRunnerOptions): StackRunner {
  const workDir = resolve(options.workDir);
  let planDir = options.planDir;
  const planFile = (stack: string): string => {
    planDir ??= mkdtempSync(join(tmpdir(), "kube-secrets-platform-plans-"));
    return join(planDir, `${stack}.plan.json`);
  };
  const plans = new Map<string, string>();
  const select = options.selectStack ?? createOrSelectStack;
  // A stack is opened once for its preview and its update (each opening runs the Pulumi CLI); a failed
  // opening is not kept, so a later operation tries again.
  const opened = new Map<string, Promise<AutomationStack>>();
  const open = (stack: string): Promise<AutomationStack> => {
    let s = opened.get(stack);
    if (!s) {
      s = select(stack, workDir);
      opened.set(stack, s);
      s.catch(() => opened.delete(stack));
    }
    return s;
  };
  const common = (stack: string, opts: StackOperationOptions, collector: EngineEventCollector) => ({
    // The CLI runs in workDir; absolute paths keep the pack and its config independent of it.
    policyPacks: opts.policyPacks.map((p) => resolve(workDir, p)),
    policyPackConfigs: opts.policyPackConfigs.map((p) => resolve(p)),
    refresh: opts.refresh,
    color: "never" as const,
    onEvent: collector.onEvent,
    ...(options.onOutput ? { onOutput: (text: string) => options.onOutput!(stack, text) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });

  return {
    async preview(stack, opts) {
      const collector = new EngineEventCollector();
      plans.delete(stack);
      try {
        const s = await open(stack);
        const plan = planFile(stack);
        const r = await s.preview({ ...common(stack, opts, collector), plan });
        plans.set(stack, plan);
        return collector.result(true, r.changeSummary);
      } catch (e) {
        return collector.result(false, undefined, e);
      }
    },
    async up(stack, opts) {
      const collector = new EngineEventCollector();
      const plan = plans.get(stack);
      if (!plan) return collector.result(false, {}, new Error(`no saved preview plan for stack ${stack}: an update runs only with the plan of its successful preview`));
      plans.delete(stack);
      try {
        const s = await open(stack);
        const r = await s.up({ ...common(stack, opts, collector), plan }).finally(() => rmSync(plan, { force: true }));
        const ok = r.summary.result === "succeeded";
        return collector.result(ok, r.summary.resourceChanges, ok ? undefined : new Error(`update finished with result "${r.summary.result}"`));
      } catch (e) {
        return collector.result(false, undefined, e);
      }
    },
  };
}
