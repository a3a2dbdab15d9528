/**
 * The offline plan: runs the stack program under the mock runtime with a stack file's config, runs the
 * policy pack over the recorded resources and writes plan.json, manifests/ and report.md.
 * Exit codes: 0 success, 1 a mandatory policy violated (or a policy threw: the pack fails closed), 2 invalid
 * input (arguments, stack file, config, policy config, an unusable --out or a concurrent run), 3 an internal
 * error (cli/plan.ts: anything runPlan throws).
 */
import { join } from "node:path";
import { InvalidArgumentsError } from "../../components/internal/validation";
import { useOfflineSealing } from "../../components/sealed-secrets/crypto";
import { PROJECT, StackConfigError, configKeyProblems, parseStackConfig, projectConfig } from "../../stacks/config";
import { renderCharts, type ChartRenderSettings } from "./charts";
import { planInvokes } from "./invokes";
import { PLAN_PLACEHOLDER_CERTIFICATE, planCheck, planResourceState } from "./planState";
import { manifestYaml, planManifests } from "./manifests";
import { isSecretValue, redact, reveal, runWithMocks, type MockRunOptions } from "./mockRuntime";
import type { PlanDocument } from "./planDocument";
import { runPolicies, type AnyPolicy, type PolicyPackConfig } from "./policyRunner";
import { OutputError, lockOutput, outDirProblem, stackNameProblem, writeOutputAtomically } from "./output";
import { policyConfigProblems } from "./policyConfig";
import { Redactor, secretLeaves, shortSecretProblems } from "./redaction";
import { renderReport } from "./report";
import { StackFileError, readStackFile, type StackFileConfig } from "./stackFile";

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
  exitCode: 0 | 1 | 2 | 3;
  /** Human-readable lines (summary or errors). */
  messages: string[];
  plan?: PlanDocument;
  dir?: string;
  files?: string[];
}

/** Runs a plan; never throws for invalid input (exit code 2 with messages instead). */
export async function runPlan(options: PlanOptions): Promise<PlanOutcome> {
  // Arguments first: nothing is read or written with a stack name that is a path or an --out that is a file.
  const nameProblem = stackNameProblem(options.stack);
  if (nameProblem) return { exitCode: 2, messages: [`--stack: ${nameProblem}`] };
  const outProblem = outDirProblem(options.outDir);
  if (outProblem) return { exitCode: 2, messages: [`--out ${options.outDir}: ${outProblem}`] };
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
  // Secrets given as values (tests, callers); the stack file's `secure` values are placeholders offline.
  const short = shortSecretProblems(config, options.extraSecretKeys ?? []);
  if (short.length > 0) return { exitCode: 2, messages: short.map((p) => `${stackPath}: ${p}`) };
  if (options.policyConfig !== undefined) {
    const problems = policyConfigProblems(options.policyConfig, options.policies ?? (await import("../../policy-pack/policies")).allPolicies);
    if (problems.length > 0) return { exitCode: 2, messages: problems.map((p) => `--policy-config: ${p}`) };
  }

  let program = options.program;
  if (!program) {
    // Validate before running anything, so a bad stack file never half-runs the program.
    try {
      const parsed = parseStackConfig(projectConfig(config));
      const missing = configKeyProblems(parsed, config, new Set(secretKeys));
      if (missing.length > 0) throw new StackConfigError(missing);
    } catch (e) {
      const invalid = invalidInputOutcome(e, stackPath);
      if (invalid) return invalid;
      throw e;
    }
    program = (await import("../../stacks/program")).program;
  }
  const policies = options.policies ?? (await import("../../policy-pack/policies")).allPolicies;

  let lock;
  try {
    lock = lockOutput(options.outDir, options.stack);
  } catch (e) {
    if (e instanceof OutputError) return { exitCode: 2, messages: [e.message] };
    throw e;
  }
  try {
    return await renderAndWrite(options, { stackPath, stackFile, config, secretKeys, program, policies });
  } finally {
    lock.release();
  }
}

async function renderAndWrite(
  options: PlanOptions,
  input: { stackPath: string; stackFile: StackFileConfig; config: Record<string, string>; secretKeys: string[]; program: () => unknown; policies: AnyPolicy[] },
): Promise<PlanOutcome> {
  const { stackPath, stackFile, config, secretKeys, program, policies } = input;
  let run;
  // Placeholders of `secure` values are only ever sealed to the discard certificate (useOfflineSealing).
  const restoreSealing = useOfflineSealing({ placeholders: new Set(stackFile.secretValues), discardCertificatePem: PLAN_PLACEHOLDER_CERTIFICATE });
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
  } finally {
    restoreSealing();
  }
  const duplicates = duplicateUrns(run.resources.map((r) => r.urn));
  if (duplicates.length > 0) {
    return { exitCode: 2, messages: duplicates.map((u) => `${stackPath}: two resources would have the same URN ${u} (rename one of the objects the config declares)`) };
  }
  // The charts' rendered objects become the Charts' children, as helm.v4.Chart registers them in a preview.
  const charts = options.charts ? await renderCharts(run.resources, options.charts) : undefined;
  if (charts && charts.problems.length > 0) return { exitCode: 2, messages: charts.problems };
  if (charts) run = { ...run, resources: charts.resources };

  // Everything written is redacted twice: values the program marked secret become "[secret]", and every
  // occurrence of a secret (a secret input, or a secret config value that reached a plain input, e.g.
  // through a structured config key) in any other string is replaced as well (redaction.ts).
  const secrets = collectSecretStrings(run.resources.map((r) => r.rawInputs));
  for (const placeholder of stackFile.secretValues) secrets.add(placeholder);
  for (const key of options.extraSecretKeys ?? []) for (const leaf of secretLeaves(config[key])) secrets.add(leaf.value);
  const redactor = new Redactor(secrets);
  const resources = run.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    ...(r.provider ? { provider: r.provider } : {}),
    inputs: redactor.value(redact(r.rawInputs)) as Record<string, unknown>,
  }));
  // One configuration for the policies, the report and policy-config.json: the exemptions shown are the applied ones.
  const policyConfig = withStackExemptions(options.policyConfig, run.outputs?.policyExemptions);
  const policyResult = await runPolicies(
    policies,
    run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, provider: r.provider, props: reveal(r.rawInputs) })),
    { config: policyConfig, stackTags: { stack: options.stack } },
  );
  const scrub = (s: string) => redactor.string(s);
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

  const files: Array<{ path: string; content: string }> = [];
  files.push({ path: "plan.json", content: `${JSON.stringify(plan, null, 2)}\n` });
  for (const m of planManifests(resources)) files.push({ path: join("manifests", m.fileName), content: manifestYaml(m) });
  const providers = Object.fromEntries(run.resources.map((r) => [r.urn, r.provider]));
  files.push({ path: "report.md", content: scrub(renderReport(plan, { providers, policyConfig })) });
  // The same policy configuration for `pulumi preview --policy-pack policy-pack --policy-pack-config <file>`.
  files.push({ path: "policy-config.json", content: `${JSON.stringify(redactor.value(policyConfig), null, 2)}\n` });
  let written: string[];
  try {
    written = writeOutputAtomically(options.outDir, options.stack, files);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return { exitCode: 2, messages: [`--out ${options.outDir}: cannot write the plan (${code})`] };
    throw e;
  }

  const mandatory = plan.policy.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  // Fail closed: a policy that threw counts like a mandatory violation.
  const failed = mandatory > 0 || (plan.policy.errors?.length ?? 0) > 0;
  return { exitCode: failed ? 1 : 0, messages: [], plan, dir: join(options.outDir, options.stack), files: written };
}

/** URNs registered more than once (the engine refuses the second registration at deploy time). */
export function duplicateUrns(urns: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const u of urns) (seen.has(u) ? dup : seen).add(u);
  return [...dup];
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

/** PEM text made only of certificates: public by design, even when it travels inside a secret (a TLS Secret). */
const ONLY_CERTIFICATES = /^\s*(-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*)+$/;

/**
 * Every string held in a secret (the Redactor ignores those too short to replace safely), except
 * certificates: a CA bundle is published on purpose and stays readable wherever it is not itself marked.
 */
function collectSecretStrings(inputs: unknown[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, inSecret: boolean) => {
    if (typeof v === "string") {
      if (inSecret && !ONLY_CERTIFICATES.test(v)) out.add(v);
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
