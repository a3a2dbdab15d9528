/**
 * Validation of a `--policy-pack-config` shaped policy configuration against the pack's policies and their
 * config schemas, so that a typo can never turn a mandatory policy off: an unknown policy, an unknown
 * enforcement level, an unknown property or a value of the wrong type is a problem (exit 2), never ignored.
 * The Pulumi engine validates the same file against the same schemas (`--policy-pack-config`), but only for
 * properties; here unknown policy names are refused too, since a misspelled name silently configures nothing.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import type { AnyPolicy } from "./policyRunner";

/** The enforcement levels of @pulumi/policy (`EnforcementLevel`). */
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

type Schema = { type?: string | string[]; items?: Schema; enum?: unknown[]; minimum?: number; maximum?: number; properties?: Record<string, Schema> };

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Problems of `value` against the JSON-schema subset the pack's config schemas use. */
function schemaProblems(value: unknown, schema: Schema, path: string): string[] {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = typeName(value);
  if (types.length > 0 && !types.some((t) => t === actual || (t === "number" && actual === "integer"))) {
    return [`${path}: must be ${types.join(" or ")}, got ${actual}`];
  }
  const problems: string[] = [];
  if (schema.enum && !schema.enum.some((e) => e === value)) problems.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: must be >= ${schema.minimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: must be <= ${schema.maximum}, got ${value}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => problems.push(...schemaProblems(v, schema.items!, `${path}[${i}]`)));
  return problems;
}

/**
 * Every problem of `config` (parsed JSON) for `policies`, as `<policy>[.<property>]: <rule>`; empty when valid.
 * Accepted: an object whose keys are `all` (a level, or `{ enforcementLevel }`) and policy names (a level, or
 * an object with an optional `enforcementLevel` and the policy's schema properties).
 */
export function policyConfigProblems(config: unknown, policies: AnyPolicy[]): string[] {
  if (typeName(config) !== "object") return [`must be a JSON object of policy names, got ${typeName(config)}`];
  const byName = new Map(policies.map((p) => [p.name, p]));
  const problems: string[] = [];
  const level = (v: unknown, path: string) => {
    if (typeof v !== "string" || !(ENFORCEMENT_LEVELS as readonly string[]).includes(v)) {
      problems.push(`${path}: must be one of ${ENFORCEMENT_LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
    }
  };
  for (const [name, entry] of Object.entries(config as Record<string, unknown>)) {
    const policy = byName.get(name);
    if (name !== "all" && !policy) {
      problems.push(`${name}: unknown policy (the pack's policies: ${[...byName.keys()].sort().join(", ")})`);
      continue;
    }
    if (typeof entry === "string") {
      level(entry, name);
      continue;
    }
    if (typeName(entry) !== "object") {
      problems.push(`${name}: must be an enforcement level or an object, got ${typeName(entry)}`);
      continue;
    }
    const properties = (policy?.configSchema?.properties ?? {}) as Record<string, Schema>;
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
      if (key === "enforcementLevel") level(value, `${name}.enforcementLevel`);
      else if (!(key in properties)) {
        const known = Object.keys(properties);
        problems.push(`${name}.${key}: unknown property (${known.length ? `known: enforcementLevel, ${known.join(", ")}` : "only enforcementLevel"})`);
      } else problems.push(...schemaProblems(value, properties[key], `${name}.${key}`));
    }
    for (const key of policy?.configSchema?.required ?? []) {
      const schema = properties[key] as { default?: unknown } | undefined;
      if (!(key in (entry as object)) && schema?.default === undefined) problems.push(`${name}.${key}: required`);
    }
  }
  return problems;
}
