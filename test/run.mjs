// Runs every test file under test/ with Node's test runner through tsx, one process per file (Pulumi
// mocks are process-global). Extra arguments are passed to node --test (e.g. a file filter).
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

function find(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) return entry === "fixtures" ? [] : find(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}

const filter = process.argv.slice(2);
const files = find("test")
  .map((f) => relative(".", f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("test/run.mjs: no test files matched");
  process.exit(1);
}
const concurrency = Math.max(2, availableParallelism());
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit", env: { ...process.env, PULUMI_TEST_MODE: "true" } },
);
process.exit(result.status ?? 1);
