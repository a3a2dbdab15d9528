/**
 * The offline plan: runs the stack program under the mock runtime with a stack file's config, runs the
 * policy pack over the recorded resources and writes plan.json, manifests/ and report.md.
 * Exit codes: 0 success, 1 a mandatory policy violated (or a policy crashed), 2 invalid config or stack file.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentsError } from "../../components/internal/validation";
import { PROJECT, StackConfigError, parseStackConfig, projectConfig } from "../../stacks/config";
import { renderCharts, type ChartRenderSettings } from "./charts";
import { planInvokes } from "./invokes";
import { planCheck, planResourceState } from "./planState";
import { manifestYaml, planManifests } from "./manifests";
import { isSecretValue, redact, reveal, runWithMocks, type MockRunOptions } from "./mockRuntime";
import type { PlanDocument } from "./planDocument";
import { runPolicies, type AnyPolicy, type PolicyPackConfig } from "./policyRunner";
import { renderReport } from "./report";
import { StackFileError, readStackFile } from "./stackFile";

export interface PlanOptions {
  stack: string;
  /** Folder holding `Pulumi.<stack>.yaml`. */
  stacksDir: string;
  /** Output root; files go to `<outDir>/<stack>/`. */
  outDir: string;
  /** The program to run. Default: the stacks/ program (whose config is validated before it runs). */
  program?: () => unknown;
  /** Policies to run. Default: the whole pack. */
  policies?: AnyPolicy[];
  /** `--policy-pack-config` shaped policy configuration. */
  policyConfig?: PolicyPackConfig;
  /** Extra config (full keys), e.g. for tests; merged over the stack file. */
  extraConfig?: Record<string, string>;
  extraSecretKeys?: string[];
  /** Extra invoke mocks. */
  invokes?: MockRunOptions["invokes"];
  /** Render every helm.v4.Chart with the pinned chart and Helm (cli/lib/charts.ts). Default: not rendered. */
  charts?: ChartRenderSettings;
}

export interface PlanOutcome {
  exitCode: 0 | 1 | 2;
  /** Human-readable lines (summary or errors). */
  messages: string[];
  plan?: PlanDocument;
  dir?: string;
  files?: string[];
}

/** Runs a plan; never throws for invalid input (exit code 2 with messages instead). */
export async function runPlan(options: PlanOptions): Promise<PlanOutcome> {
  const stackPath = join(options.stacksDir, `Pulumi.${options.stack}.yaml`);
  let stackFile;
  try {
    stackFile = readStackFile(stackPath, PROJECT);
  } catch (e) {
    if (e instanceof StackFileError) return { exitCode: 2, messages: [e.message] };
    throw e;
  }
  const config = { ...stackFile.config, ...(options.extraConfig ?? {}) };
  const secretKeys = [...stackFile.secretKeys, ...(options.extraSecretKeys ?? [])];

  let program = options.program;
  if (!program) {
    // Validate before running anything, so a bad stack file never half-runs the program.
    try {
      parseStackConfig(projectConfig(config));
    } catch (e) {
      const invalid = invalidInputOutcome(e, stackPath);
      if (invalid) return invalid;
      throw e;
    }
    program = (await import("../../stacks/program")).program;
  }
  const policies = options.policies ?? (await import("../../policy-pack/policies")).allPolicies;

  let run;
  try {
    run = await runWithMocks(program, {
      project: PROJECT,
      stack: options.stack,
      config,
      secretKeys,
      invokes: { ...planInvokes, ...(options.invokes ?? {}) },
      resourceState: planResourceState,
      check: planCheck,
    });
  } catch (e) {
    const invalid = invalidInputOutcome(e, stackPath);
    if (invalid) return invalid;
    throw e;
  }
  // The charts' rendered objects become the Charts' children, as helm.v4.Chart registers them in a preview.
  const charts = options.charts ? await renderCharts(run.resources, options.charts) : undefined;
  if (charts && charts.problems.length > 0) return { exitCode: 2, messages: charts.problems };
  if (charts) run = { ...run, resources: charts.resources };

  // Everything written is redacted twice: values the program marked secret become "[secret]", and any
  // string carrying a secret (a secret input, or a secret config value that reached a plain input, e.g.
  // through a structured config key) is replaced as well, so no secret reaches a file or a message.
  const secrets = collectSecretStrings(run.resources.map((r) => r.rawInputs));
  for (const placeholder of stackFile.secretValues) secrets.add(placeholder);
  for (const key of options.extraSecretKeys ?? []) collectLeaves(config[key], secrets);
  // One answer per distinct string: rendered charts repeat the same long strings (CRD schemas) on every cluster.
  const secretList = [...secrets];
  const holdsSecret = new Map<string, boolean>();
  const scrubValue = (v: unknown): unknown => {
    if (typeof v === "string") {
      let found = holdsSecret.get(v);
      if (found === undefined) holdsSecret.set(v, (found = secretList.some((sec) => v.includes(sec))));
      return found ? "[secret]" : v;
    }
    if (Array.isArray(v)) return v.map(scrubValue);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubValue(x)]));
    return v;
  };
  const scrub = (s: string) => [...secrets].reduce((acc, sec) => acc.split(sec).join("[secret]"), s);
  const resources = run.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    ...(r.provider ? { provider: r.provider } : {}),
    inputs: scrubValue(redact(r.rawInputs)) as Record<string, unknown>,
  }));
  // One configuration for the policies, the report and policy-config.json: the exemptions shown are the applied ones.
  const policyConfig = withStackExemptions(options.policyConfig, run.outputs?.policyExemptions);
  const policyResult = await runPolicies(
    policies,
    run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, provider: r.provider, props: reveal(r.rawInputs) })),
    { config: policyConfig, stackTags: { stack: options.stack } },
  );
  const plan: PlanDocument = {
    stack: options.stack,
    project: PROJECT,
    resources,
    ...(charts ? { charts: charts.charts.map(({ name, chart, version, rendered, reason, objects, skippedHooks }) => ({ name, chart, version, rendered, reason: scrub(reason), objects, skippedHooks })) } : {}),
    policy: {
      violations: policyResult.violations.map((v) => ({ ...v, message: scrub(v.message) })),
      notApplicable: policyResult.notApplicable.map((n) => ({ ...n, reason: scrub(n.reason) })),
      errors: policyResult.errors.map((x) => ({ ...x, error: scrub(x.error) })),
    },
  };

  const dir = join(options.outDir, options.stack);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "manifests"), { recursive: true });
  const files: string[] = [];
  const write = (rel: string, content: string) => {
    writeFileSync(join(dir, rel), content);
    files.push(join(dir, rel));
  };
  write("plan.json", `${JSON.stringify(plan, null, 2)}\n`);
  for (const m of planManifests(resources)) write(join("manifests", m.fileName), manifestYaml(m));
  const providers = Object.fromEntries(run.resources.map((r) => [r.urn, r.provider]));
  write("report.md", renderReport(plan, { providers, policyConfig }));
  // The same policy configuration for `pulumi preview --policy-pack policy-pack --policy-pack-config <file>`.
  write("policy-config.json", `${JSON.stringify(policyConfig, null, 2)}\n`);

  const mandatory = plan.policy.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const failed = mandatory > 0 || (plan.policy.errors?.length ?? 0) > 0;
  return { exitCode: failed ? 1 : 0, messages: [], plan, dir, files };
}

/** The policy-pack config name of the RBAC policy whose exemptions the stack supplies. */
export const WHO_CAN_READ_SECRETS = "who-can-read-secrets";

/**
 * `config` with the stack's `policyExemptions` output (the controllers its platforms install that must read
 * Secrets) added to who-can-read-secrets' `exemptSubjects`. Explicit subjects, never a blanket rule: each is
 * one ServiceAccount a component names.
 */
export function withStackExemptions(config: PolicyPackConfig | undefined, exemptions: unknown): PolicyPackConfig {
  const out: PolicyPackConfig = { ...(config ?? {}) };
  const subjects = Array.isArray(exemptions) ? exemptions.filter((x): x is string => typeof x === "string") : [];
  if (subjects.length === 0) return out;
  const current = out[WHO_CAN_READ_SECRETS];
  const base = typeof current === "string" ? { enforcementLevel: current } : { ...(current ?? {}) };
  const existing = Array.isArray(base.exemptSubjects) ? (base.exemptSubjects as string[]) : [];
  out[WHO_CAN_READ_SECRETS] = { ...base, exemptSubjects: [...new Set([...existing, ...subjects])] };
  return out;
}

/**
 * The exit-2 outcome for a run that failed on invalid input: the stack config, or a value the config
 * schema let through but a component refused (the sections check with the components' validators, so that
 * is a gap in a section, still not a crash). Undefined for any other error.
 */
export function invalidInputOutcome(e: unknown, stackPath: string): PlanOutcome | undefined {
  const config = findCause(e, StackConfigError);
  if (config) return { exitCode: 2, messages: config.problems.map((p) => `${stackPath}: ${p}`) };
  const args = findCause(e, InvalidArgumentsError);
  if (args) return { exitCode: 2, messages: args.problems.map((p) => `${stackPath}: ${args.component} "${args.resourceName}": ${p}`) };
  return undefined;
}

/** `e` or one of its causes that is a `type` (by class, or by name across module copies). */
function findCause<T extends Error>(e: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof type) return cur;
    if (cur instanceof Error && cur.name === type.name) return cur as T;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Adds the string leaves (at least 4 characters) of a config value, raw or JSON, to `out`. */
function collectLeaves(value: string | undefined, out: Set<string>): void {
  if (value === undefined) return;
  let parsed: unknown = value;
  try {
    parsed = JSON.parse(value);
  } catch {
    // a plain string
  }
  const walk = (v: unknown) => {
    if (typeof v === "string" && v.length >= 4) out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(parsed);
}

/** Every string held in a secret (at least 4 characters, to avoid scrubbing trivial values). */
function collectSecretStrings(inputs: unknown[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, inSecret: boolean) => {
    if (typeof v === "string") {
      if (inSecret && v.length >= 4) out.add(v);
      return;
    }
    if (Array.isArray(v)) return v.forEach((x) => walk(x, inSecret));
    if (v && typeof v === "object") {
      const secret = inSecret || isSecretValue(v);
      for (const x of Object.values(v)) walk(x, secret);
    }
  };
  inputs.forEach((i) => walk(i, false));
  return out;
}
