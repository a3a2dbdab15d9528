/**
 * `npm run bench [-- NAME...]`: runs every benchmark, or only the named ones (`rbac`, `fleet`, `scan`).
 * Never part of `npm test`; no timing assertions anywhere.
 */
import { runFleetBench } from "./fleet";
import { runRbacBench } from "./rbac";
import { runScanBench } from "./scan";

const BENCHES: Record<string, () => unknown> = {
  rbac: () => runRbacBench(),
  fleet: () => runFleetBench(),
  scan: () => runScanBench(),
};

const wanted = process.argv.slice(2);
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
