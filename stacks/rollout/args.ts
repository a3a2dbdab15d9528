/**
 * Command line of `npm run rollout`: parsing, validation and stack discovery. Every problem is a
 * {@link RolloutUsageError} (exit code 2) whose message names the option.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { policyConfigProblems } from "../../cli/lib/policyConfig";
import { allPolicies } from "../../policy-pack/policies";
import { planWaves, RolloutPlanError, type Wave } from "./waves";

export const USAGE = `usage: npm run rollout -- (--stacks a,b,c | --all) [options]

Rolls this Pulumi program across stacks in waves: a canary wave first, then the rest, each stack
previewed with the policy pack (policy-pack/) before it is updated. Stops at the first mandatory policy
violation, failed preview or failed update.

  --stacks a,b,c        stacks to roll out, in this order (each needs stacks/Pulumi.<stack>.yaml)
  --all                 every stack with a stacks/Pulumi.<stack>.yaml, in name order
  --canary N|a,b        canary wave: the first N stacks, or these stacks (default 1; 0 = no canary wave)
  --concurrency N       stacks in flight at once in a wave, >= 1 (default 2)
  --policy-config FILE  JSON policy pack config (as for pulumi --policy-pack-config), for every stack
  --policy-config-dir DIR
                        one config per stack: DIR/<stack>/policy-config.json, as written by
                        npm run plan -- --stack <stack> --out DIR (with the stack's own exemptions)
  --dry-run             preview only; never update
  --refresh             refresh each stack's state before previewing and updating
  -v, --verbose         stream the Pulumi engine output, each line prefixed with its stack
  -h, --help            show this help

exit codes: 0 rolled out (or previewed), 1 stopped by a violation or a failure, 2 invalid arguments,
130 interrupted (Ctrl-C)`;

/** An invalid command line; the message says which option and why. */
export class RolloutUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RolloutUsageError";
  }
}

export interface RolloutCommand {
  help: boolean;
  /** Stacks in rollout order. */
  stacks: string[];
  waves: Wave[];
  dryRun: boolean;
  refresh: boolean;
  verbose: boolean;
  /** Absolute path of the policy pack config for every stack (`--policy-config`), when given. */
  policyConfig?: string;
  /** Absolute path of each stack's policy pack config (`--policy-config-dir`), when given. */
  policyConfigs?: Record<string, string>;
}

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

/** Stack names with a `Pulumi.<stack>.yaml` in `stacksDir`, sorted by name. */
export function discoverStacks(stacksDir: string): string[] {
  if (!existsSync(stacksDir) || !statSync(stacksDir).isDirectory()) return [];
  return readdirSync(stacksDir)
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function splitList(option: string, raw: string): string[] {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new RolloutUsageError(`--${option}: empty stack name in "${raw}"`);
  return items;
}

function integer(option: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new RolloutUsageError(`--${option}: must be an integer, got "${raw}"`);
  return Number(raw.trim());
}

/**
 * Parses `argv` (the arguments after `npm run rollout --`). `stacksDir` is where the stack files live
 * (`stacks/` of the repository); relative `--policy-config` / `--policy-config-dir` paths resolve against `cwd`.
 */
export function parseRolloutArgs(argv: string[], env: { stacksDir: string; cwd?: string }): RolloutCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stacks: { type: "string", multiple: true },
        all: { type: "boolean", default: false },
        canary: { type: "string" },
        concurrency: { type: "string" },
        "policy-config": { type: "string" },
        "policy-config-dir": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        refresh: { type: "boolean", default: false },
        verbose: { type: "boolean", short: "v", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new RolloutUsageError((e as Error).message);
  }
  const base = { dryRun: values["dry-run"] ?? false, refresh: values.refresh ?? false, verbose: values.verbose ?? false };
  if (values.help) return { help: true, stacks: [], waves: [], ...base };

  const known = discoverStacks(env.stacksDir);
  let stacks: string[];
  if (values.stacks && values.all) throw new RolloutUsageError("--stacks and --all are mutually exclusive");
  if (values.stacks) {
    stacks = values.stacks.flatMap((raw) => splitList("stacks", raw));
    const unknown = [...new Set(stacks.filter((s) => !known.includes(s)))];
    if (unknown.length > 0) {
      throw new RolloutUsageError(
        `--stacks: no stack file for ${unknown.map((s) => `"${s}"`).join(", ")} (expected ${unknown.map((s) => `Pulumi.${s}.yaml`).join(", ")} in ${env.stacksDir}; known stacks: ${known.join(", ") || "none"})`,
      );
    }
  } else if (values.all) {
    stacks = known;
    if (stacks.length === 0) throw new RolloutUsageError(`--all: no stack files (Pulumi.<stack>.yaml) in ${env.stacksDir}`);
  } else {
    throw new RolloutUsageError("choose the stacks to roll out: --stacks a,b,c or --all");
  }

  const concurrency = values.concurrency === undefined ? undefined : integer("concurrency", values.concurrency);
  let canary: number | string[] | undefined;
  if (values.canary !== undefined) canary = /^\s*\d+\s*$/.test(values.canary) ? integer("canary", values.canary) : splitList("canary", values.canary);

  let waves: Wave[];
  try {
    waves = planWaves(stacks, { ...(canary !== undefined ? { canary } : {}), ...(concurrency !== undefined ? { concurrency } : {}) });
  } catch (e) {
    if (e instanceof RolloutPlanError) throw new RolloutUsageError(e.problems.map((p) => `--${p}`).join("\n"));
    throw e;
  }

  const cwd = env.cwd ?? process.cwd();
  if (values["policy-config"] !== undefined && values["policy-config-dir"] !== undefined) {
    throw new RolloutUsageError("--policy-config and --policy-config-dir are mutually exclusive (one file for every stack, or one per stack)");
  }
  let policyConfig: string | undefined;
  if (values["policy-config"] !== undefined) {
    policyConfig = resolve(cwd, values["policy-config"]);
    const problem = policyConfigProblem(policyConfig);
    if (problem) throw new RolloutUsageError(`--policy-config: ${values["policy-config"]}: ${problem}`);
  }
  let policyConfigs: Record<string, string> | undefined;
  if (values["policy-config-dir"] !== undefined) {
    const dir = values["policy-config-dir"];
    policyConfigs = Object.fromEntries(stacks.map((s) => [s, resolve(cwd, dir, s, "policy-config.json")]));
    const problems = stacks.flatMap((s) => {
      const problem = policyConfigProblem(policyConfigs![s]);
      return problem ? [`--policy-config-dir: ${join(dir, s, "policy-config.json")}: ${problem}${problem === "file does not exist" ? ` (npm run plan -- --stack ${s} --out ${dir} writes it)` : ""}`] : [];
    });
    if (problems.length > 0) throw new RolloutUsageError(problems.join("\n"));
  }

  return { help: false, stacks, waves, ...base, ...(policyConfig !== undefined ? { policyConfig } : {}), ...(policyConfigs !== undefined ? { policyConfigs } : {}) };
}

/** Why `file` is not a usable policy pack config (a JSON object of policy names to settings); undefined if it is. */
function policyConfigProblem(file: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "file does not exist";
    // Node's JSON message quotes the text around the error: never echo the file.
    return e instanceof SyntaxError ? "not valid JSON" : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "must be a JSON object of policy names to settings";
  // The pack's policies and their config schemas (cli/lib/policyConfig.ts, as `npm run plan` checks them): a
  // misspelled policy, level or property must never switch a mandatory check off for a whole rollout.
  const problems = policyConfigProblems(parsed, allPolicies);
  return problems.length > 0 ? problems.join("; ") : undefined;
}
