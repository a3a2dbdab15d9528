/**
 * A recording fake {@link StackRunner} for the rollout tests. Every call is logged (`start`/`end` per
 * stack and phase, in the order they happen); operations finish after a scripted number of event-loop
 * turns (`setImmediate`, never timers) or when a test opens a gate, so concurrency is measured from the
 * order of events, not from time.
 */
import type { OperationResult, Phase, StackOperationOptions, StackRunner } from "../../stacks/rollout/types";

export interface ScriptedOperation {
  /** What the operation resolves with (default: ok, `{ same: 1 }`), or an error it throws. */
  result?: Partial<OperationResult> | Error;
  /** Event-loop turns before it finishes (default 1). */
  turns?: number;
  /** When set, the operation also waits for this promise. */
  gate?: Promise<void>;
}

export interface LogEntry {
  event: "start" | "end";
  stack: string;
  phase: Phase;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeRunner implements StackRunner {
  readonly log: LogEntry[] = [];
  readonly options: Array<{ stack: string; phase: Phase; opts: StackOperationOptions }> = [];
  private running = 0;
  /** Most operations in flight at once. */
  maxOperationsInFlight = 0;

  constructor(private readonly script: Record<string, { preview?: ScriptedOperation; up?: ScriptedOperation }> = {}) {}

  preview(stack: string, opts: StackOperationOptions): Promise<OperationResult> {
    return this.run(stack, "preview", opts);
  }

  up(stack: string, opts: StackOperationOptions): Promise<OperationResult> {
    return this.run(stack, "up", opts);
  }

  private async run(stack: string, phase: Phase, opts: StackOperationOptions): Promise<OperationResult> {
    this.log.push({ event: "start", stack, phase });
    this.options.push({ stack, phase, opts });
    this.running += 1;
    this.maxOperationsInFlight = Math.max(this.maxOperationsInFlight, this.running);
    const op = this.script[stack]?.[phase] ?? {};
    try {
      for (let i = 0; i < (op.turns ?? 1); i++) await turn();
      if (op.gate) await op.gate;
    } finally {
      this.running -= 1;
      this.log.push({ event: "end", stack, phase });
    }
    if (op.result instanceof Error) throw op.result;
    return { ok: true, changes: { same: 1 }, violations: [], ...op.result };
  }

  /** `phase:stack` for every call, in call order. */
  calls(): string[] {
    return this.log.filter((e) => e.event === "start").map((e) => `${e.phase}:${e.stack}`);
  }

  /** Index in the log of the first/last event matching. */
  index(which: "first" | "last", match: Partial<LogEntry>): number {
    const ok = (e: LogEntry) => Object.entries(match).every(([k, v]) => e[k as keyof LogEntry] === v);
    return which === "first" ? this.log.findIndex(ok) : this.log.findLastIndex(ok);
  }

  /**
   * Most stacks in flight at once: a stack is in flight from the start of its first operation to the end
   * of its last one (so the gap between its preview and its up counts too).
   */
  maxStacksInFlight(): number {
    const spans = new Map<string, [number, number]>();
    this.log.forEach((e, i) => {
      const span = spans.get(e.stack);
      spans.set(e.stack, span ? [span[0], i] : [i, i]);
    });
    let max = 0;
    for (let i = 0; i < this.log.length; i++) {
      max = Math.max(max, [...spans.values()].filter(([a, b]) => a <= i && i <= b).length);
    }
    return max;
  }

  /** Resolves once `predicate` holds, checking after every event-loop turn (gives up after 10000 turns). */
  async until(predicate: () => boolean): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      if (predicate()) return;
      await turn();
    }
    throw new Error("FakeRunner.until: condition never held");
  }
}

/** A promise and the function that resolves it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const OPERATION: StackOperationOptions = { policyPacks: ["policy-pack"], policyPackConfigs: ["/abs/policy-config.json"], refresh: false };
