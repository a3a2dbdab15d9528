/**
 * `npm run plan -- [--stack NAME] [--out DIR] [--stacks-dir DIR] [--policy-config FILE] [--charts DIR] [--helm PATH] [--debug]`
 *
 * Renders a stack offline (Pulumi mock runtime, no cloud, no CLI), renders its Helm charts with the pinned
 * charts and Helm 3 (`--charts DIR` of `<chart>-<version>.tgz`, else the chart cache, else a pull; `--helm`,
 * else `$HELM`, else `helm` on PATH; see cli/lib/charts.ts), runs the kube-secrets-guard policies over it and
 * writes `<out>/<stack>/plan.json`, `manifests/*.yaml` and `report.md`.
 * Exit codes: 0 success; 1 a mandatory policy is violated (or a policy threw: the pack fails closed); 2 invalid
 * input (arguments, stack file, stack config, policy config, an unusable --out, a concurrent run into the
 * same output, a chart refused or failing to render); 3 an internal error (one line; the stack trace only with --debug).
 */
import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { countByLevel, countByType } from "./lib/report";
import { runPlan } from "./lib/plan";
import type { PolicyPackConfig } from "./lib/policyRunner";

const USAGE = "usage: npm run plan -- [--stack NAME] [--out DIR] [--stacks-dir DIR] [--policy-config FILE] [--charts DIR] [--helm PATH] [--debug]";

/** The policy configuration file: a regular file of at most 1 MiB holding JSON. */
function readPolicyConfig(path: string): unknown {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error("must be a regular file");
    if (st.size > 1024 * 1024) throw new Error("larger than 1048576 bytes");
    try {
      return JSON.parse(readFileSync(fd, "utf8"));
    } catch (e) {
      // Node's message quotes the text around the error: never echo the file.
      if (e instanceof SyntaxError) throw new Error("not valid JSON");
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

let debug = false;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "local" },
        out: { type: "string", default: "out" },
        "stacks-dir": { type: "string", default: "stacks" },
        "policy-config": { type: "string" },
        debug: { type: "boolean", default: false },
        charts: { type: "string" },
        helm: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`plan: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  debug = values.debug === true;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let policyConfig: PolicyPackConfig | undefined;
  if (values["policy-config"] !== undefined) {
    try {
      // Validated against the pack's policies and schemas by runPlan (exit 2 on any problem).
      policyConfig = readPolicyConfig(values["policy-config"]) as PolicyPackConfig;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      console.error(`plan: --policy-config ${values["policy-config"]}: ${code ?? (e as Error).message.split("\n")[0]}`);
      return 2;
    }
  }
  const outcome = await runPlan({
    stack: values.stack ?? "local",
    outDir: values.out ?? "out",
    stacksDir: values["stacks-dir"] ?? "stacks",
    policyConfig,
    charts: { chartsDir: values.charts, helm: values.helm },
  });
  if (outcome.exitCode >= 2 || !outcome.plan) {
    for (const m of outcome.messages) console.error(m);
    return outcome.exitCode;
  }
  const plan = outcome.plan;
  const rows = countByType(plan.resources);
  const width = Math.max(...rows.map(([t]) => t.length), 4);
  console.log(`stack ${plan.stack}: ${plan.resources.length} resources`);
  console.log(`  ${"type".padEnd(width)}  count`);
  for (const [t, n] of rows) console.log(`  ${t.padEnd(width)}  ${String(n).padStart(5)}`);
  for (const c of plan.charts ?? []) {
    console.log(c.rendered ? `chart ${c.name} (${c.chart} ${c.version}): ${c.objects} objects rendered` : `chart ${c.name} (${c.chart} ${c.version}): NOT RENDERED: ${c.reason}`);
  }
  const levels = countByLevel(plan);
  console.log(`policy: ${levels.mandatory} mandatory, ${levels.advisory} advisory violations` + (plan.policy.errors?.length ? `, ${plan.policy.errors.length} policy errors` : ""));
  for (const v of plan.policy.violations.filter((x) => x.enforcementLevel === "mandatory")) {
    console.log(`  [mandatory] ${v.policy}: ${v.message.split("\n")[0]}`);
  }
  for (const e of plan.policy.errors ?? []) console.log(`  [error] ${e.policy}: ${e.error}`);
  console.log(`wrote ${outcome.dir}/plan.json, ${outcome.dir}/manifests/ (${outcome.files?.filter((f) => f.includes("/manifests/")).length ?? 0} files), ${outcome.dir}/report.md, ${outcome.dir}/policy-config.json`);
  return outcome.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Not the user's input: exit 3 (never 1, which means "a mandatory policy is violated").
    const line = e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e).split("\n")[0];
    console.error(`plan: internal error: ${line}${debug ? "" : " (run with --debug for the stack trace)"}`);
    if (debug && e instanceof Error && e.stack) console.error(e.stack);
    process.exit(3);
  },
);
