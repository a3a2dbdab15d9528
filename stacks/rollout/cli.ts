/**
 * `npm run rollout` as a function: parses the arguments, plans the waves, runs them with a
 * {@link StackRunner} and prints progress and the summary. The runner is a parameter so that the whole
 * command is testable without the Pulumi CLI; `stacks/rollout.ts` passes the Automation API runner.
 */
import { join } from "node:path";
import { parseRolloutArgs, RolloutUsageError, USAGE } from "./args";
import { describeStop, formatChanges, formatDuration, formatSummary } from "./summary";
import type { StackRunner } from "./types";
import { runRollout, type RolloutEvent, type RolloutResult } from "./waves";

/** The policy pack every preview and update enforces, relative to the repository root. */
export const POLICY_PACK_DIR = "policy-pack";

export interface RolloutCliEnv {
  /** Repository root: holds `Pulumi.yaml`, `stacks/` and `policy-pack/`. */
  repoRoot: string;
  /** Makes the runner; `onOutput` is set with `--verbose`. */
  createRunner: (options: { repoRoot: string; onOutput?: (stack: string, text: string) => void }) => StackRunner;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Relative `--policy-config` paths resolve against it. Default `process.cwd()`. */
  cwd?: string;
  /** Aborting it (Ctrl-C) stops the rollout: nothing new starts. */
  signal?: AbortSignal;
  /** Receives the result, for callers that want more than the exit code. */
  onResult?: (result: RolloutResult) => void;
}

function progress(event: RolloutEvent, out: (line: string) => void): void {
  switch (event.type) {
    case "wave-start":
      out(`wave ${event.wave.index} (${event.wave.name}, concurrency ${event.wave.concurrency}): ${event.wave.stacks.join(", ")}`);
      break;
    case "operation-start":
      out(`  ${event.stack}: ${event.phase} started`);
      break;
    case "operation-end": {
      const status = event.status === "succeeded" ? "ok" : event.status === "policy-violation" ? "MANDATORY POLICY VIOLATION" : "FAILED";
      out(`  ${event.stack}: ${event.phase} ${status} in ${formatDuration(event.durationMs)} (${formatChanges(event.result.changes)})`);
      break;
    }
    case "stop":
      out(`stopping: ${describeStop(event.stop)}`);
      out("  no new stack or operation starts; operations in flight finish");
      break;
    case "interrupted":
      out("interrupted: no new stack or operation starts; operations in flight finish");
      break;
    case "wave-end":
      break;
  }
}

/** Splits streamed engine output into whole lines, prefixed with the stack name. */
function lineWriter(out: (line: string) => void): { write: (stack: string, text: string) => void; flush: () => void } {
  const pending = new Map<string, string>();
  return {
    write(stack, text) {
      const lines = ((pending.get(stack) ?? "") + text).split(/\r?\n/);
      pending.set(stack, lines.pop()!);
      for (const l of lines) out(`[${stack}] ${l}`);
    },
    flush() {
      for (const [stack, rest] of pending) if (rest) out(`[${stack}] ${rest}`);
      pending.clear();
    },
  };
}

/** Runs the command; resolves with the exit code (0 done, 1 stopped, 2 invalid arguments, 130 interrupted). */
export async function rolloutMain(argv: string[], env: RolloutCliEnv): Promise<number> {
  let command;
  try {
    command = parseRolloutArgs(argv, { stacksDir: join(env.repoRoot, "stacks"), ...(env.cwd ? { cwd: env.cwd } : {}) });
  } catch (e) {
    if (!(e instanceof RolloutUsageError)) throw e;
    env.stderr(`rollout: ${e.message}`);
    env.stderr("run `npm run rollout -- --help` for usage");
    return 2;
  }
  if (command.help) {
    env.stdout(USAGE);
    return 0;
  }

  const lines = lineWriter(env.stdout);
  const runner = env.createRunner({ repoRoot: env.repoRoot, ...(command.verbose ? { onOutput: lines.write } : {}) });
  env.stdout(
    `${command.dryRun ? "dry run (preview only)" : "rollout"} of ${command.stacks.length} stack(s) with policy pack ${POLICY_PACK_DIR}/` +
      (command.policyConfig ? ` (config ${command.policyConfig})` : "") +
      (command.policyConfigs ? " (each stack's config from --policy-config-dir)" : ""),
  );
  const configs = command.policyConfigs;
  const operation = (stack: string) => ({
    policyPacks: [POLICY_PACK_DIR],
    policyPackConfigs: configs ? [configs[stack]] : command.policyConfig ? [command.policyConfig] : [],
    refresh: command.refresh,
  });
  const result = await runRollout(command.waves, runner, {
    operation,
    dryRun: command.dryRun,
    ...(env.signal ? { signal: env.signal } : {}),
    onEvent: (event) => progress(event, env.stdout),
  });
  lines.flush();
  env.stdout("");
  env.stdout(formatSummary(result));
  env.onResult?.(result);
  if (result.ok) return 0;
  return result.failures.length > 0 ? 1 : 130;
}
