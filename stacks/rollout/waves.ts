/**
 * Wave logic of `npm run rollout`: which stacks go in which wave ({@link planWaves}) and how a rollout
 * proceeds ({@link runRollout}). Pure apart from the {@link StackRunner} it is handed, so every rule here
 * is tested with a recording fake runner.
 *
 * Rules:
 * - Waves run strictly one after another: the canary wave completes (every stack previewed and updated)
 *   before any stack of the next wave starts.
 * - Inside a wave, at most `concurrency` stacks are in flight at once. Each stack is previewed (with the
 *   policy packs) and, only when the preview succeeded without a mandatory violation, updated.
 * - The first mandatory violation, failed preview or failed update stops the rollout: no new operation
 *   starts, neither on a new stack nor the `up` of a stack whose preview was in flight. Operations already
 *   running are never interrupted (an interrupted `pulumi up` leaves pending operations in the state);
 *   they finish and their results are reported.
 * - An aborted `signal` (Ctrl-C in the CLI) stops the rollout the same way.
 * - A dry run previews every stack and never calls `up`.
 */
import type { OperationResult, Phase, RolloutPolicyViolation, StackOperationOptions, StackRunner } from "./types";

/** Stack names as this project's stack files spell them (`Pulumi.<name>.yaml`). */
export const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Default number of stacks in flight at once. */
export const DEFAULT_CONCURRENCY = 2;

/** Default canary wave: the first stack. */
export const DEFAULT_CANARY = 1;

/** Thrown by {@link planWaves} with one `option: rule` message per problem. */
export class RolloutPlanError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rollout plan:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "RolloutPlanError";
  }
}

export interface WaveOptions {
  /**
   * The canary wave: the first N stacks (a number, 0 for no canary wave) or an explicit list of stacks,
   * each of which must be one of the stacks rolled out. Default: {@link DEFAULT_CANARY} (the first stack).
   */
  canary?: number | string[];
  /** Stacks in flight at once in every wave, an integer >= 1. Default: {@link DEFAULT_CONCURRENCY}. */
  concurrency?: number;
}

export interface Wave {
  /** 1-based position of the wave. */
  index: number;
  /** `canary` or `rest`. */
  name: string;
  /** Stacks of the wave, in the order they are started. */
  stacks: string[];
  /** Stacks in flight at once. */
  concurrency: number;
}

/**
 * Splits `stacks` (in rollout order) into a canary wave and the rest. An explicit canary list keeps its
 * own order; the rest keeps the order of `stacks`. A wave without stacks is left out.
 * Throws {@link RolloutPlanError} listing every problem.
 */
export function planWaves(stacks: readonly string[], options: WaveOptions = {}): Wave[] {
  const problems: string[] = [];
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const canary = options.canary ?? Math.min(DEFAULT_CANARY, stacks.length);

  if (stacks.length === 0) problems.push("stacks: no stacks to roll out");
  for (const s of stacks) {
    if (!STACK_NAME.test(s)) problems.push(`stacks: invalid stack name "${s}" (letters, digits, "-", "_" and "." only)`);
  }
  for (const s of duplicates(stacks)) problems.push(`stacks: "${s}" is listed more than once`);
  if (!Number.isInteger(concurrency) || concurrency < 1) problems.push(`concurrency: must be an integer >= 1, got ${String(concurrency)}`);

  let canaryStacks: string[] = [];
  if (typeof canary === "number") {
    if (!Number.isInteger(canary) || canary < 0) problems.push(`canary: must be an integer >= 0 or a list of stacks, got ${String(canary)}`);
    else if (stacks.length > 0 && canary > stacks.length) {
      problems.push(`canary: ${canary} is more than the ${stacks.length} stack(s) rolled out`);
    } else canaryStacks = stacks.slice(0, canary);
  } else {
    if (canary.length === 0) problems.push("canary: the list of canary stacks is empty (use 0 for no canary wave)");
    for (const s of duplicates(canary)) problems.push(`canary: "${s}" is listed more than once`);
    for (const s of canary) {
      if (!stacks.includes(s)) problems.push(`canary: "${s}" is not one of the stacks rolled out (${stacks.join(", ")})`);
    }
    canaryStacks = [...new Set(canary)];
  }
  if (problems.length > 0) throw new RolloutPlanError(problems);

  const rest = stacks.filter((s) => !canaryStacks.includes(s));
  const waves: Wave[] = [];
  if (canaryStacks.length > 0) waves.push({ index: waves.length + 1, name: "canary", stacks: canaryStacks, concurrency });
  if (rest.length > 0) waves.push({ index: waves.length + 1, name: "rest", stacks: rest, concurrency });
  return waves;
}

function duplicates(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of xs) (seen.has(x) ? dup : seen).add(x);
  return [...dup];
}

/**
 * What happened to one operation of one stack:
 * `succeeded`, `failed`, `policy-violation` (a mandatory violation), `skipped-dry-run` (an `up` in a dry
 * run) or `not-started` (the rollout stopped first).
 */
export type OperationStatus = "succeeded" | "failed" | "policy-violation" | "skipped-dry-run" | "not-started";

/** Why and where a rollout stopped. */
export interface RolloutStop {
  stack: string;
  wave: Wave;
  phase: Phase;
  /** `policy-violation` or `failed`. */
  reason: "policy-violation" | "failed";
  /** What the engine said: the mandatory violations, or the error. */
  message: string;
}

/** One stack's line in the summary. */
export interface StackOutcome {
  stack: string;
  wave: Wave;
  preview: OperationStatus;
  up: OperationStatus;
  previewResult?: OperationResult;
  upResult?: OperationResult;
  /** From the start of the preview to the end of the last operation; absent when nothing started. */
  durationMs?: number;
}

export interface RolloutResult {
  /** True when every stack was previewed (and, unless a dry run, updated) successfully. */
  ok: boolean;
  dryRun: boolean;
  /** One per planned stack, in plan order (waves, then stacks within a wave). */
  outcomes: StackOutcome[];
  /** The failure that stopped the rollout (the first one, when in-flight stacks failed too). */
  stop?: RolloutStop;
  /** Every failure, in the order they happened (the first is `stop`). */
  failures: RolloutStop[];
  /** True when the `signal` stopped the rollout before every stack was done. */
  interrupted: boolean;
}

/** Progress notifications, e.g. for a CLI's log. */
export type RolloutEvent =
  | { type: "wave-start"; wave: Wave }
  | { type: "wave-end"; wave: Wave }
  | { type: "operation-start"; stack: string; wave: Wave; phase: Phase }
  | { type: "operation-end"; stack: string; wave: Wave; phase: Phase; status: OperationStatus; result: OperationResult; durationMs: number }
  | { type: "stop"; stop: RolloutStop }
  | { type: "interrupted" };

export interface RolloutOptions {
  /** Options passed to every preview and update (policy packs, their config, refresh), or to those of a stack. */
  operation: StackOperationOptions | ((stack: string) => StackOperationOptions);
  /** Preview only; `up` is never called. Default false. */
  dryRun?: boolean;
  /** Aborting it stops the rollout like a failure does: no new operation starts. */
  signal?: AbortSignal;
  onEvent?: (event: RolloutEvent) => void;
  /** Clock in milliseconds, for durations. Default `performance.now`. */
  now?: () => number;
}

/** Mandatory violations among `violations`. */
export function mandatoryViolations(violations: readonly RolloutPolicyViolation[]): RolloutPolicyViolation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** The status of a finished operation: a mandatory violation wins over a plain failure. */
export function classify(result: OperationResult): "succeeded" | "failed" | "policy-violation" {
  if (mandatoryViolations(result.violations).length > 0) return "policy-violation";
  return result.ok ? "succeeded" : "failed";
}

/** One line per mandatory violation: `policy: message (urn)`. */
export function describeViolations(violations: readonly RolloutPolicyViolation[]): string {
  return violations.map((v) => `${v.policy}: ${v.message.trim()}${v.urn ? ` (${v.urn})` : ""}`).join("\n");
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Accepts whatever a runner resolved with and fills in what is missing, so a sloppy runner cannot crash the rollout. */
function normalize(r: Partial<OperationResult> | undefined): OperationResult {
  return {
    ok: r?.ok === true,
    changes: r?.changes ?? {},
    violations: Array.isArray(r?.violations) ? r.violations : [],
    ...(r?.error !== undefined ? { error: r.error } : r?.ok === true ? {} : { error: "the runner reported a failure without an error message" }),
  };
}

/**
 * Runs `waves` (from {@link planWaves}) with `runner`. Never throws for a failed stack: failures are in
 * the result. Rethrows only an exception raised by `onEvent`, after every in-flight operation finished.
 */
export async function runRollout(waves: readonly Wave[], runner: StackRunner, options: RolloutOptions): Promise<RolloutResult> {
  const now = options.now ?? (() => performance.now());
  const dryRun = options.dryRun ?? false;
  const failures: RolloutStop[] = [];
  let interrupted = false;
  let listenerError: { error: unknown } | undefined;
  const emit = (event: RolloutEvent): void => {
    if (!options.onEvent) return;
    try {
      options.onEvent(event);
    } catch (error) {
      listenerError ??= { error };
    }
  };
  /** True when no new operation may start. */
  const stopping = (): boolean => {
    if (failures.length > 0 || interrupted) return true;
    if (options.signal?.aborted) {
      interrupted = true;
      emit({ type: "interrupted" });
      return true;
    }
    return false;
  };

  const outcomes = new Map<string, StackOutcome>();
  for (const wave of waves) {
    for (const stack of wave.stacks) outcomes.set(stack, { stack, wave, preview: "not-started", up: "not-started" });
  }

  const operate = async (stack: string, wave: Wave, phase: Phase): Promise<{ status: OperationStatus; result: OperationResult }> => {
    emit({ type: "operation-start", stack, wave, phase });
    const started = now();
    let result: OperationResult;
    try {
      const opts = typeof options.operation === "function" ? options.operation(stack) : options.operation;
      result = normalize(await (phase === "preview" ? runner.preview(stack, opts) : runner.up(stack, opts)));
    } catch (e) {
      result = { ok: false, changes: {}, violations: [], error: errorText(e) };
    }
    const status = classify(result);
    emit({ type: "operation-end", stack, wave, phase, status, result, durationMs: now() - started });
    if (status !== "succeeded") {
      const stop: RolloutStop =
        status === "policy-violation"
          ? { stack, wave, phase, reason: "policy-violation", message: describeViolations(mandatoryViolations(result.violations)) }
          : { stack, wave, phase, reason: "failed", message: result.error ?? "failed" };
      failures.push(stop);
      if (failures.length === 1) emit({ type: "stop", stop });
    }
    return { status, result };
  };

  const runStack = async (stack: string, wave: Wave): Promise<void> => {
    const outcome = outcomes.get(stack)!;
    const started = now();
    const preview = await operate(stack, wave, "preview");
    outcome.preview = preview.status;
    outcome.previewResult = preview.result;
    if (preview.status === "succeeded") {
      if (dryRun) outcome.up = "skipped-dry-run";
      else if (!stopping()) {
        const up = await operate(stack, wave, "up");
        outcome.up = up.status;
        outcome.upResult = up.result;
      }
    }
    outcome.durationMs = now() - started;
  };

  for (const wave of waves) {
    if (stopping()) break;
    emit({ type: "wave-start", wave });
    const queue = [...wave.stacks];
    const worker = async (): Promise<void> => {
      while (queue.length > 0 && !stopping()) await runStack(queue.shift()!, wave);
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, wave.concurrency), queue.length) }, worker));
    emit({ type: "wave-end", wave });
  }

  if (listenerError) throw listenerError.error;
  const ordered = waves.flatMap((w) => w.stacks.map((s) => outcomes.get(s)!));
  return {
    ok: failures.length === 0 && !interrupted,
    dryRun,
    outcomes: ordered,
    ...(failures.length > 0 ? { stop: failures[0] } : {}),
    failures,
    interrupted,
  };
}
