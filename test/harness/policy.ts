/**
 * Test harness for policies: runs one policy module (or several) outside the Pulumi engine with
 * arguments shaped like the current `@pulumi/policy`, and collects violations.
 *
 *   const r = await runPolicy(noWildcards, [k8sResource("kubernetes:rbac.authorization.k8s.io/v1:Role", {...})]);
 *   assert.deepEqual(r.messages, ["..."]);
 */
import { runPolicies, type AnyPolicy, type PolicyInputResource, type PolicyPackConfig, type PolicyRunResult } from "../../cli/lib/policyRunner";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy");

/** Values a preview leaves unknown; a policy touching one becomes not-applicable, like in the engine. */
export const UNKNOWN = {
  string: proxy.unknownStringValue as string,
  number: proxy.unknownNumberValue as number,
  boolean: proxy.unknownBooleanValue as boolean,
  array: proxy.unknownArrayValue as unknown[],
  object: proxy.unknownObjectValue as Record<string, unknown>,
};

export interface PolicyTestResult extends PolicyRunResult {
  /** The violation messages in report order. */
  messages: string[];
}

let counter = 0;

/** A resource for a policy test; the URN is derived from type and name. */
export function resource(type: string, props: Record<string, any>, name?: string): PolicyInputResource {
  const n = name ?? (props?.metadata?.name as string | undefined) ?? `r${++counter}`;
  return { urn: `urn:pulumi:test::kube-secrets-platform::${type}::${n}`, type, name: n, parent: null, props };
}

/** Runs the given policies over `resources`; fails the test if a policy crashed. */
export async function runPolicy(
  policies: AnyPolicy | AnyPolicy[],
  resources: PolicyInputResource[],
  config?: PolicyPackConfig,
  options: { allowErrors?: boolean } = {},
): Promise<PolicyTestResult> {
  const result = await runPolicies(Array.isArray(policies) ? policies : [policies], resources, { config, stackTags: { stack: "test" } });
  if (!options.allowErrors && result.errors.length > 0) {
    throw new Error(`policy crashed: ${result.errors.map((e) => `${e.policy}: ${e.error}`).join("; ")}`);
  }
  return { ...result, messages: result.violations.map((v) => v.message) };
}
