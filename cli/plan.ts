/**
 * `npm run plan -- [--stack NAME] [--out DIR] [--stacks-dir DIR] [--policy-config FILE] [--charts DIR] [--helm PATH]`
 *
 * Renders a stack offline (Pulumi mock runtime, no cloud, no CLI), renders its Helm charts with the pinned
 * charts and Helm 3 (`--charts DIR` of `<chart>-<version>.tgz`, else the chart cache, else a pull; `--helm`,
 * else `$HELM`, else `helm` on PATH; see cli/lib/charts.ts), runs the kube-secrets-guard policies over it and
 * writes `<out>/<stack>/plan.json`, `manifests/*.yaml` and `report.md`.
 * Exit 0 on success, 1 when a mandatory policy is violated, 2 on invalid config or arguments.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { countByLevel, countByType } from "./lib/report";
import { runPlan } from "./lib/plan";
import type { PolicyPackConfig } from "./lib/policyRunner";

const USAGE = "usage: npm run plan -- [--stack NAME] [--out DIR] [--stacks-dir DIR] [--policy-config FILE] [--charts DIR] [--helm PATH]";

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
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let policyConfig: PolicyPackConfig | undefined;
  if (values["policy-config"]) {
    try {
      policyConfig = JSON.parse(readFileSync(values["policy-config"], "utf8")) as PolicyPackConfig;
    } catch (e) {
      console.error(`plan: ${values["policy-config"]}: ${(e as Error).message}`);
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
  if (outcome.exitCode === 2 || !outcome.plan) {
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
    console.error(`plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
