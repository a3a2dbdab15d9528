import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { discoverStacks, parseRolloutArgs, RolloutUsageError } from "../../stacks/rollout/args";

function fixture(): { root: string; stacksDir: string } {
  const root = mkdtempSync(join(tmpdir(), "rollout-args-"));
  const stacksDir = join(root, "stacks");
  mkdirSync(stacksDir);
  for (const s of ["local", "gcp-prod", "aws-prod", "fleet"]) writeFileSync(join(stacksDir, `Pulumi.${s}.yaml`), "config: {}\n");
  // Not stack files:
  writeFileSync(join(stacksDir, "Pulumi.yaml.bak"), "");
  writeFileSync(join(stacksDir, "config.ts"), "");
  writeFileSync(join(root, "policy.json"), JSON.stringify({ all: "mandatory", "who-can-read-secrets": { exemptSubjects: ["ServiceAccount vault/vault"] } }));
  writeFileSync(join(root, "broken.json"), "{ not json");
  writeFileSync(join(root, "array.json"), "[]");
  // Per-stack configs as `npm run plan -- --stack S --out plans` writes them; gcp-prod has none, fleet's is broken.
  for (const s of ["local", "aws-prod", "fleet"]) mkdirSync(join(root, "plans", s), { recursive: true });
  writeFileSync(join(root, "plans", "local", "policy-config.json"), JSON.stringify({ "who-can-read-secrets": { exemptSubjects: ["ServiceAccount kube-system/sealed-secrets-controller"] } }));
  writeFileSync(join(root, "plans", "aws-prod", "policy-config.json"), JSON.stringify({ "who-can-read-secrets": { exemptSubjects: ["ServiceAccount external-secrets/external-secrets"] } }));
  writeFileSync(join(root, "plans", "fleet", "policy-config.json"), "[]");
  return { root, stacksDir };
}

const { root, stacksDir } = fixture();
const parse = (...argv: string[]) => parseRolloutArgs(argv, { stacksDir, cwd: root });

function usageError(argv: string[]): string {
  try {
    parse(...argv);
  } catch (e) {
    assert.ok(e instanceof RolloutUsageError, `expected RolloutUsageError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected ${argv.join(" ")} to be rejected`);
}

test("discoverStacks: Pulumi.<stack>.yaml files only, sorted; a missing directory has none", () => {
  assert.deepEqual(discoverStacks(stacksDir), ["aws-prod", "fleet", "gcp-prod", "local"]);
  assert.deepEqual(discoverStacks(join(root, "nope")), []);
});

test("parseRolloutArgs: --all with defaults (canary 1, concurrency 2, no dry run)", () => {
  assert.deepEqual(parse("--all"), {
    help: false,
    stacks: ["aws-prod", "fleet", "gcp-prod", "local"],
    waves: [
      { index: 1, name: "canary", stacks: ["aws-prod"], concurrency: 2 },
      { index: 2, name: "rest", stacks: ["fleet", "gcp-prod", "local"], concurrency: 2 },
    ],
    dryRun: false,
    refresh: false,
    verbose: false,
  });
});

test("parseRolloutArgs: --stacks keeps its order (also repeated), --canary list, --concurrency, flags, --policy-config made absolute", () => {
  const cmd = parse("--stacks", "local,fleet", "--stacks", "aws-prod", "--canary", "fleet", "--concurrency", "3", "--dry-run", "--refresh", "-v", "--policy-config", "policy.json");
  assert.deepEqual(cmd, {
    help: false,
    stacks: ["local", "fleet", "aws-prod"],
    waves: [
      { index: 1, name: "canary", stacks: ["fleet"], concurrency: 3 },
      { index: 2, name: "rest", stacks: ["local", "aws-prod"], concurrency: 3 },
    ],
    dryRun: true,
    refresh: true,
    verbose: true,
    policyConfig: join(root, "policy.json"),
  });
  assert.deepEqual(parse("--stacks", " local , fleet ", "--canary", "0").waves, [{ index: 1, name: "rest", stacks: ["local", "fleet"], concurrency: 2 }]);
  assert.deepEqual(parse("--all", "--canary", "2").waves[0].stacks, ["aws-prod", "fleet"]);
});

test("parseRolloutArgs: --policy-config-dir gives each stack its own config (made absolute); every missing or bad one is named", () => {
  assert.deepEqual(parse("--stacks", "local,aws-prod", "--policy-config-dir", "plans").policyConfigs, {
    local: join(root, "plans", "local", "policy-config.json"),
    "aws-prod": join(root, "plans", "aws-prod", "policy-config.json"),
  });
  assert.equal(parse("--stacks", "local", "--policy-config-dir", "plans").policyConfig, undefined);
  assert.equal(
    usageError(["--stacks", "local,gcp-prod,fleet", "--policy-config-dir", "plans"]),
    [
      `--policy-config-dir: ${join("plans", "gcp-prod", "policy-config.json")}: file does not exist (npm run plan -- --stack gcp-prod --out plans writes it)`,
      `--policy-config-dir: ${join("plans", "fleet", "policy-config.json")}: must be a JSON object of policy names to settings`,
    ].join("\n"),
  );
  assert.equal(
    usageError(["--all", "--policy-config", "policy.json", "--policy-config-dir", "plans"]),
    "--policy-config and --policy-config-dir are mutually exclusive (one file for every stack, or one per stack)",
  );
});

test("parseRolloutArgs: --help needs nothing else", () => {
  assert.deepEqual(parse("--help"), { help: true, stacks: [], waves: [], dryRun: false, refresh: false, verbose: false });
  assert.equal(parse("-h", "--concurrency", "0").help, true);
});

test("parseRolloutArgs: every bad argument is rejected with a message naming the option", () => {
  assert.equal(usageError([]), "choose the stacks to roll out: --stacks a,b,c or --all");
  assert.equal(usageError(["--all", "--stacks", "local"]), "--stacks and --all are mutually exclusive");
  assert.equal(
    usageError(["--stacks", "local,prod,staging"]),
    `--stacks: no stack file for "prod", "staging" (expected Pulumi.prod.yaml, Pulumi.staging.yaml in ${stacksDir}; known stacks: aws-prod, fleet, gcp-prod, local)`,
  );
  assert.equal(usageError(["--stacks", "local,,fleet"]), '--stacks: empty stack name in "local,,fleet"');
  assert.equal(usageError(["--stacks", "local,local"]), '--stacks: "local" is listed more than once');
  assert.equal(usageError(["--all", "--concurrency", "0"]), "--concurrency: must be an integer >= 1, got 0");
  assert.equal(usageError(["--all", "--concurrency", "two"]), '--concurrency: must be an integer, got "two"');
  assert.equal(usageError(["--all", "--concurrency=-1"]), '--concurrency: must be an integer, got "-1"');
  assert.equal(usageError(["--all", "--canary", "9"]), "--canary: 9 is more than the 4 stack(s) rolled out");
  assert.equal(usageError(["--stacks", "local,fleet", "--canary", "aws-prod"]), '--canary: "aws-prod" is not one of the stacks rolled out (local, fleet)');
  assert.equal(usageError(["--all", "--canary", "local,"]), '--canary: empty stack name in "local,"');
  assert.equal(usageError(["--all", "--policy-config", "missing.json"]), "--policy-config: missing.json: file does not exist");
  assert.match(usageError(["--all", "--policy-config", "broken.json"]), /^--policy-config: broken\.json: .*JSON/);
  assert.equal(usageError(["--all", "--policy-config", "array.json"]), "--policy-config: array.json: must be a JSON object of policy names to settings");
  assert.match(usageError(["--all", "--cannary", "1"]), /^Unknown option '--cannary'/);
  assert.match(usageError(["--all", "local"]), /^Unexpected argument 'local'/);
  assert.match(usageError(["--all", "--concurrency"]), /^Option '--concurrency <value>' argument missing/);
});

test("parseRolloutArgs: --all with no stack files", () => {
  const empty = mkdtempSync(join(tmpdir(), "rollout-empty-"));
  assert.throws(() => parseRolloutArgs(["--all"], { stacksDir: empty }), { name: "RolloutUsageError", message: `--all: no stack files (Pulumi.<stack>.yaml) in ${empty}` });
});

test("parseRolloutArgs: a policy config is validated against the pack's policies and schemas before any stack runs", () => {
  const write = (name: string, config: unknown) => {
    writeFileSync(join(root, name), JSON.stringify(config));
    return name;
  };
  assert.equal(
    usageError(["--stacks", "local", "--policy-config", write("bogus-level.json", { "who-can-read-secrets": "bogus-level" })]),
    `--policy-config: bogus-level.json: who-can-read-secrets: must be one of advisory, mandatory, remediate, disabled, got "bogus-level"`,
  );
  assert.match(usageError(["--stacks", "local", "--policy-config", write("typo.json", { "who-can-read-secret": "mandatory" })]), /^--policy-config: typo\.json: who-can-read-secret: unknown policy \(the pack's policies: /);
  assert.match(
    usageError(["--stacks", "local", "--policy-config", write("prop.json", { "no-wildcard-rbac-rules": { exemptRole: [] } })]),
    /^--policy-config: prop\.json: no-wildcard-rbac-rules\.exemptRole: unknown property/,
  );
  // A file that is not JSON: named, its text never echoed.
  writeFileSync(join(root, "broken.json"), '{"who-can-read-secrets": hvs.leaked-token}');
  assert.equal(usageError(["--stacks", "local", "--policy-config", "broken.json"]), "--policy-config: broken.json: not valid JSON");
  // The documented example passes.
  assert.equal(parse("--stacks", "local", "--policy-config", join(process.cwd(), "policy-pack", "config.example.json")).stacks[0], "local");
});
