// Property: a mutation of a shipped stack file is either planned (exit 0/1 with a valid plan.json) or refused
// with exit 2 and messages that each name a config key path; never a crash (runPlan throwing, exit 3), never
// a component's internal name instead of the config path. Plans run in-process; a bounded number of runs
// (FC_RUNS, default 30) with a fixed seed (FC_SEED to explore others) keeps the run time modest.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { runPlan } from "../../cli/lib/plan";

const FILES = ["local", "aws-prod", "gcp-prod", "azure-prod", "fleet"];
const docs = Object.fromEntries(FILES.map((s) => [s, parse(readFileSync(`stacks/Pulumi.${s}.yaml`, "utf8"))]));

/** Every path (object keys and array indexes) below the config of a stack file. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}
const pathsByStack = Object.fromEntries(FILES.map((s) => [s, paths(docs[s].config)]));

/** Values a careless user or a compromised CI writes. */
const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    null, "", "lots", "-10Gi", "0", 0, -1, 1e12, true, [], {}, "../../etc/passwd", "/vault/audit/../x", "0.0.0.0/0", ["0.0.0.0/1", "128.0.0.0/1"],
    "kube-system", "system:serviceaccounts", "system:anonymous", "P10Y", "-1h", "*", "secret/*", "Bad_Name!", "a".repeat(254), "alpine/k8s:latest",
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1_000_000, max: 1_000_000_000 }),
);

type Mutation = { stack: string; path: Array<string | number>; op: "set" | "delete"; value?: unknown };

const mutation: fc.Arbitrary<Mutation> = fc
  .constantFrom(...FILES)
  .chain((stack) =>
    fc.record({
      stack: fc.constant(stack),
      path: fc.constantFrom(...pathsByStack[stack]),
      op: fc.constantFrom<"set" | "delete">("set", "set", "set", "delete"),
      value: hostile,
    }),
  );

function apply(m: Mutation): Record<string, unknown> {
  const doc = structuredClone(docs[m.stack]);
  let node: any = doc.config;
  for (const p of m.path.slice(0, -1)) node = node[p];
  const last = m.path[m.path.length - 1];
  if (m.op === "delete") {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = m.value;
  return doc;
}

test("mutated stack files: exit 0/1 with a valid plan, or exit 2 naming a config path; never a crash", async () => {
  const stacksDir = mkdtempSync(join(tmpdir(), "plan-mutations-"));
  let planned = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const stackPath = join(stacksDir, "Pulumi.m.yaml");
      writeFileSync(stackPath, stringify(apply(m)));
      const outDir = mkdtempSync(join(tmpdir(), "plan-mutations-out-"));
      const outcome = await runPlan({ stack: "m", stacksDir, outDir }); // throwing fails the property (a crash)
      if (outcome.exitCode === 2) {
        refused++;
        assert.ok(outcome.messages.length > 0);
        for (const message of outcome.messages) {
          // `<file>: <namespace>:<key>[.path]: <rule>`: a config key path, never a component's name.
          assert.match(message, new RegExp(`^${stackPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: [A-Za-z0-9_.-]+:[^\\s:]*(: |$)`), message);
        }
        assert.equal(existsSync(join(outDir, "m")), false, "nothing written");
        return;
      }
      assert.ok(outcome.exitCode === 0 || outcome.exitCode === 1, `exit ${outcome.exitCode}: ${outcome.messages.join("\n")}`);
      planned++;
      const doc = JSON.parse(readFileSync(join(outDir, "m", "plan.json"), "utf8"));
      assert.equal(doc.stack, "m");
      assert.ok(doc.resources.some((r: { type: string }) => r.type === "pulumi:pulumi:Stack"));
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 30), seed: Number(process.env.FC_SEED ?? 20261202), endOnFailure: true },
  );
  // Both outcomes occur: the property is not vacuous.
  assert.ok(planned > 0 && refused > 0, `planned ${planned}, refused ${refused}`);
});
