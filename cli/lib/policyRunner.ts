/**
 * Runs CrossGuard policies outside the Pulumi engine, over recorded resources, with arguments shaped
 * like those of the current `@pulumi/policy` (stackTags, a throwing `notApplicable`, props wrapped so that
 * touching an unknown preview value makes the policy not applicable). Used by `npm run plan` and tests.
 */
import type {
  EnforcementLevel,
  Policy,
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ENFORCEMENT_LEVELS } from "./policyConfig";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy: { unknownCheckingProxy<T>(v: T): T; UnknownValueError: new (...a: any[]) => Error } = require("@pulumi/policy/proxy");

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** A resource as policies see it: plain (revealed) inputs. */
export interface PolicyInputResource {
  urn: string;
  type: string;
  name: string;
  parent?: string | null;
  props: Record<string, any>;
  /** The explicit provider reference (`<provider urn>::<id>`), when the resource has one. */
  provider?: string;
}

export interface PolicyViolation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
  message: string;
}

export interface PolicyRunResult {
  violations: PolicyViolation[];
  /** Policies that declared themselves not applicable (or touched an unknown value), with the reason. */
  notApplicable: Array<{ policy: string; urn?: string; reason: string }>;
  /** Policies that threw: a bug in the policy, reported, never swallowed. */
  errors: Array<{ policy: string; urn?: string; error: string }>;
}

/**
 * `--policy-pack-config` shaped configuration: `{ all?: level | { enforcementLevel }, <policy>?: level |
 * { enforcementLevel?, ...properties } }`.
 */
export type PolicyPackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function levelAndConfig(policy: Policy, packLevel: EnforcementLevel, config: PolicyPackConfig) {
  let level: EnforcementLevel = policy.enforcementLevel ?? packLevel;
  const all = config.all;
  if (typeof all === "string") level = all;
  else if (all?.enforcementLevel) level = all.enforcementLevel;
  const own = config[policy.name];
  let props: Record<string, unknown> = {};
  if (typeof own === "string") level = own;
  else if (own) {
    const { enforcementLevel, ...rest } = own;
    if (enforcementLevel) level = enforcementLevel;
    props = rest;
  }
  const defaults: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (schema && typeof schema === "object" && "default" in schema) defaults[k] = (schema as { default: unknown }).default;
  }
  for (const key of policy.configSchema?.required ?? []) {
    if (!(key in props) && !(key in defaults)) throw new Error(`policy ${policy.name}: config property "${key}" is required`);
  }
  for (const key of Object.keys(props)) {
    if (!(key in (policy.configSchema?.properties ?? {}))) throw new Error(`policy ${policy.name}: unknown config property "${key}"`);
  }
  // Fail closed: a level the SDK does not know (a typo that passed no validation) enforces, never silences.
  if (!ENFORCEMENT_LEVELS.includes(level)) level = "mandatory";
  return { level, settings: { ...defaults, ...props } };
}

function typeOf(cls: unknown): string | undefined {
  return (cls as { __pulumiType?: string } | undefined)?.__pulumiType;
}

/**
 * Runs every policy over `resources`. Resource policies see one resource at a time; stack policies see
 * all of them. Disabled policies are skipped.
 */
export async function runPolicies(
  policies: AnyPolicy[],
  resources: PolicyInputResource[],
  options: { config?: PolicyPackConfig; packEnforcementLevel?: EnforcementLevel; stackTags?: Record<string, string> } = {},
): Promise<PolicyRunResult> {
  const result: PolicyRunResult = { violations: [], notApplicable: [], errors: [] };
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "not applicable");
  };
  const byUrn = new Map<string, PolicyResource>();
  const policyResources: PolicyResource[] = resources.map((r) => {
    const pr: PolicyResource = {
      type: r.type,
      props: proxy.unknownCheckingProxy(r.props),
      urn: r.urn,
      name: r.name,
      opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], replaceOnChanges: [], retainOnDelete: false } as any,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: (cls) => (typeOf(cls) === r.type ? (pr.props as any) : undefined),
    };
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    if (r.parent) policyResources[i].parent = byUrn.get(r.parent);
    if (r.provider) {
      const providerUrn = r.provider.slice(0, r.provider.lastIndexOf("::"));
      const p = byUrn.get(providerUrn);
      policyResources[i].provider = { type: p?.type ?? providerUrn.slice(providerUrn.lastIndexOf("::") + 2), props: p?.props ?? {}, urn: providerUrn, name: p?.name ?? providerUrn.slice(providerUrn.lastIndexOf("::") + 2) };
    }
  });

  for (const policy of policies) {
    const { level, settings } = levelAndConfig(policy, options.packEnforcementLevel ?? "advisory", options.config ?? {});
    if (level === "disabled") continue;
    const getConfig = <T extends object>() => settings as T;
    const handle = async (fn: (report: ReportViolation) => unknown, urn?: string) => {
      try {
        await fn((message, violationUrn) => {
          result.violations.push({ policy: policy.name, enforcementLevel: level, urn: violationUrn ?? urn, message });
        });
      } catch (e) {
        if (e instanceof NotApplicable) result.notApplicable.push({ policy: policy.name, urn, reason: e.reason });
        else if (e instanceof proxy.UnknownValueError) {
          result.notApplicable.push({ policy: policy.name, urn, reason: `unknown value: ${(e).message}` });
        } else result.errors.push({ policy: policy.name, urn, error: e instanceof Error ? e.message : String(e) });
      }
    };
    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const pr of policyResources) {
        for (const validate of validations) {
          await handle(
            (report) =>
              validate(
                {
                  type: pr.type,
                  props: pr.props,
                  urn: pr.urn,
                  name: pr.name,
                  opts: pr.opts,
                  stackTags,
                  isType: (cls) => pr.isType(cls),
                  asType: ((cls: unknown) => pr.asType(cls as any)) as any,
                  getConfig,
                  notApplicable,
                },
                report,
              ),
            pr.urn,
          );
        }
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const validate = policy.validateStack;
      await handle((report) => validate({ resources: policyResources, stackTags, getConfig, notApplicable }, report));
    }
  }
  return result;
}
