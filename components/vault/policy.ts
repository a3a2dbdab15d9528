import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { typeToken } from "../internal/naming";
import { assertValid, known } from "../internal/validation";
import { hclString, hclStringList, hclStringProblem } from "./hcl";
import { escalationProblems, wholeMountGlob } from "./policyEscalation";

/**
 * Vault ACL capabilities in the order the rendered HCL lists them
 * (https://developer.hashicorp.com/vault/docs/concepts/policies#capabilities).
 */
export const VAULT_CAPABILITIES = ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "recover"] as const;

/** The capabilities that together grant everything on a path (with or without `patch`/`sudo`). */
const EVERYTHING = ["create", "read", "update", "delete", "list"] as const;

/** Vault system backends that must never be granted with a glob over the whole backend. */
const SYSTEM_BACKENDS = ["sys", "auth", "identity", "cubbyhole"];

/** One `path` block of a Vault ACL policy. */
export interface VaultPolicyRule {
  /**
   * The API path, without a leading `/` (`secret/data/team-a/*`). `*` is only allowed as the last
   * character; `+` matches exactly one segment.
   */
  path: string;
  /** Capabilities granted (`create`, `read`, `update`, `patch`, `delete`, `list`, `sudo`, `deny`, `subscribe`, `recover`). */
  capabilities: string[];
  /** Parameters a request must contain. Default: none. */
  requiredParameters?: string[];
  /** Parameters a request may contain, each with the values it may take (`[]` = any value). Default: any. */
  allowedParameters?: Record<string, string[]>;
  /** Parameters a request must not contain (or values it must not use). Default: none. */
  deniedParameters?: Record<string, string[]>;
  /** Minimum response-wrapping TTL (Vault duration such as `1s`). Default: not set. */
  minWrappingTtl?: string;
  /** Maximum response-wrapping TTL (Vault duration such as `90s`). Default: not set. */
  maxWrappingTtl?: string;
}

/** Opt-ins for what {@link vaultPolicyProblems} rejects by default. */
export interface VaultPolicyOptions {
  /** Allow the `sudo` capability (root-protected endpoints). Default false. */
  allowSudo?: boolean;
  /** Allow a rule that grants every capability (create, read, update, delete and list together). Default false. */
  allowAllCapabilities?: boolean;
  /**
   * Allow globs at the root: `*`, `+/…`, a first segment containing `*`, or a glob over a whole system
   * backend (`sys/*`, `auth/*`, `identity/*`, `cubbyhole/*`, `sys/+…`). Default false.
   */
  allowRootGlobs?: boolean;
  /**
   * Allow a glob over a whole secrets engine (`secret/*`, `secret/+/*`, `secret/data/*`): every secret of
   * the mount. Default false.
   */
  allowMountGlobs?: boolean;
  /**
   * Allow Vault's escalation paths: writing ACL policies (`sys/policies/acl/*`, `sys/policy/*`), minting
   * tokens (`auth/token/create*`), token roles, auth method roles and config (`auth/<mount>/role/*`),
   * `identity/*`, `sys/auth*`, `sys/mounts*`, `sys/audit*`, `sys/raw*`, root generation and rekeying.
   * Default false.
   */
  allowEscalationPaths?: boolean;
  /** Field path the messages start with. Default `rules`. */
  fieldPrefix?: string;
}

const DURATION = /^\d+(ns|us|µs|ms|s|m|h)?$|^(\d+h)?(\d+m)?(\d+s)?$/;

function rootGlob(path: string): boolean {
  const [first, second] = path.split("/");
  if (first === "+" || first.includes("*")) return true;
  if (SYSTEM_BACKENDS.includes(first) && second !== undefined && (second === "+" || second.startsWith("*"))) return true;
  return false;
}

/**
 * Every problem with a list of Vault policy rules as `rules[i].field: rule, got X` strings ([] when
 * valid). Rejected unless opted in: `sudo`, a rule granting every capability, and globs at the root.
 * Always rejected: empty or malformed paths, unknown or repeated capabilities, `deny` mixed with other
 * capabilities, the same path twice, malformed wrapping TTLs. Pure: the policy pack reuses it.
 */
export function vaultPolicyProblems(rules: readonly VaultPolicyRule[], options: VaultPolicyOptions = {}): string[] {
  const prefix = options.fieldPrefix ?? "rules";
  const problems: string[] = [];
  if (!Array.isArray(rules) || rules.length === 0) return [`${prefix}: must contain at least one rule`];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const at = `${prefix}[${i}]`;
    const path = rule?.path;
    if (typeof path !== "string" || path.length === 0) {
      problems.push(`${at}.path: must be a non-empty string, got ${JSON.stringify(path)}`);
    } else {
      if (path.startsWith("/")) problems.push(`${at}.path: must not start with '/', got "${path}"`);
      if (path.indexOf("*") !== -1 && path.indexOf("*") !== path.length - 1) {
        problems.push(`${at}.path: '*' is only allowed as the last character, got "${path}"`);
      }
      if (/\s/.test(path)) problems.push(`${at}.path: must not contain whitespace, got "${path}"`);
      const hcl = hclStringProblem(path);
      if (hcl) problems.push(`${at}.path: ${hcl}, got ${JSON.stringify(path)}`);
      // vault/policy.go parsePaths refuses it ("invalid use of wildcards ('+*' is forbidden)").
      if (path.includes("+*")) problems.push(`${at}.path: '+*' is refused by Vault's policy parser, got "${path}"`);
      const mount = wholeMountGlob(path);
      if (mount !== undefined && !options.allowMountGlobs && !options.allowRootGlobs && !rootGlob(path)) {
        problems.push(`${at}.path: glob over the whole "${mount}" mount (every secret in it) is not allowed without allowMountGlobs, got "${path}"; name the secrets' path prefix (e.g. ${mount}/data/<team>/<app>/*)`);
      }
      // A root glob is refused above already (and reaches every escalation path): said once.
      if (!options.allowEscalationPaths && Array.isArray(rule?.capabilities) && !(rootGlob(path) && !options.allowRootGlobs)) {
        const reached = escalationProblems(path, rule.capabilities);
        if (reached.length > 0) problems.push(`${at}.path: escalation path not allowed without allowEscalationPaths: ${reached.join("; ")}`);
      }
      if (!options.allowRootGlobs && rootGlob(path)) {
        problems.push(`${at}.path: glob at the root is not allowed without allowRootGlobs, got "${path}"`);
      }
      const previous = seen.get(path);
      if (previous !== undefined) problems.push(`${at}.path: duplicates ${prefix}[${previous}].path, got "${path}"`);
      else seen.set(path, i);
    }
    const caps = rule?.capabilities;
    if (!Array.isArray(caps) || caps.length === 0) {
      problems.push(`${at}.capabilities: must list at least one capability, got ${JSON.stringify(caps)}`);
      return;
    }
    const unknown = caps.filter((c) => !(VAULT_CAPABILITIES as readonly string[]).includes(c));
    if (unknown.length > 0) {
      problems.push(`${at}.capabilities: must be among ${VAULT_CAPABILITIES.join(", ")}, got ${JSON.stringify(unknown)}`);
    }
    if (new Set(caps).size !== caps.length) problems.push(`${at}.capabilities: must not repeat a capability, got ${JSON.stringify(caps)}`);
    if (caps.includes("deny") && caps.length > 1) {
      problems.push(`${at}.capabilities: 'deny' overrides every other capability and must be used alone, got ${JSON.stringify(caps)}`);
    }
    if (caps.includes("sudo") && !options.allowSudo) {
      problems.push(`${at}.capabilities: 'sudo' is not allowed without allowSudo, got ${JSON.stringify(caps)}`);
    }
    if (!options.allowAllCapabilities && EVERYTHING.every((c) => caps.includes(c))) {
      problems.push(`${at}.capabilities: granting every capability is not allowed without allowAllCapabilities, got ${JSON.stringify(caps)}`);
    }
    for (const key of ["minWrappingTtl", "maxWrappingTtl"] as const) {
      const v = rule[key];
      if (v !== undefined && (typeof v !== "string" || !DURATION.test(v) || v === "")) {
        problems.push(`${at}.${key}: must be a Vault duration such as 30s or 5m, got ${JSON.stringify(v)}`);
      }
    }
    for (const key of ["allowedParameters", "deniedParameters"] as const) {
      const params = rule[key];
      if (params === undefined) continue;
      for (const [name, values] of Object.entries(params)) {
        if (!Array.isArray(values) || values.some((x) => typeof x !== "string")) {
          problems.push(`${at}.${key}.${name}: must be a list of strings, got ${JSON.stringify(values)}`);
          continue;
        }
        for (const text of [name, ...values]) {
          const hcl = hclStringProblem(text);
          if (hcl) problems.push(`${at}.${key}.${name}: ${hcl}, got ${JSON.stringify(text)}`);
        }
      }
    }
  });
  return problems;
}

function parameterMap(name: string, params: Record<string, string[]>): string[] {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return [];
  return [`  ${name} = {`, ...keys.map((k) => `    ${hclString(k)} = ${hclStringList([...new Set(params[k])].sort())}`), "  }"];
}

/**
 * Renders rules to a Vault ACL policy in HCL. Deterministic: rules sorted by path, capabilities in
 * {@link VAULT_CAPABILITIES} order, parameters sorted; every string escaped (quotes, backslashes,
 * control characters, `${`/`%{`). Throws when {@link vaultPolicyProblems} reports anything.
 */
export function vaultPolicyDocument(rules: readonly VaultPolicyRule[], options: VaultPolicyOptions = {}): string {
  const problems = vaultPolicyProblems(rules, options);
  if (problems.length > 0) throw new Error(`invalid Vault policy:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const blocks = [...rules]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((rule) => {
      const caps = VAULT_CAPABILITIES.filter((c) => rule.capabilities.includes(c));
      const lines = [`path ${hclString(rule.path)} {`, `  capabilities = ${hclStringList(caps)}`];
      if (rule.requiredParameters && rule.requiredParameters.length > 0) {
        lines.push(`  required_parameters = ${hclStringList([...new Set(rule.requiredParameters)].sort())}`);
      }
      if (rule.allowedParameters) lines.push(...parameterMap("allowed_parameters", rule.allowedParameters));
      if (rule.deniedParameters) lines.push(...parameterMap("denied_parameters", rule.deniedParameters));
      if (rule.minWrappingTtl) lines.push(`  min_wrapping_ttl = ${hclString(rule.minWrappingTtl)}`);
      if (rule.maxWrappingTtl) lines.push(`  max_wrapping_ttl = ${hclString(rule.maxWrappingTtl)}`);
      lines.push("}");
      return lines.join("\n");
    });
  return `# Managed by kube-secrets-platform: changes made in Vault are overwritten.\n\n${blocks.join("\n\n")}\n`;
}

/** Arguments of {@link VaultPolicy}. */
export interface VaultPolicyArgs {
  /** Policy name in Vault. Default: the resource name. */
  name?: pulumi.Input<string>;
  /** The rules (plain values: they are checked at construction). At least one. */
  rules: VaultPolicyRule[];
  /** Allow the `sudo` capability. Default false. */
  allowSudo?: boolean;
  /** Allow a rule granting every capability. Default false. */
  allowAllCapabilities?: boolean;
  /** Allow globs at the root (`*`, `sys/*`, `auth/*`, `+/*`…). Default false. */
  allowRootGlobs?: boolean;
  /** Allow a glob over a whole secrets engine (`secret/*`, `secret/data/*`). Default false. */
  allowMountGlobs?: boolean;
  /** Allow Vault's escalation paths (writing policies, minting tokens, rewriting auth roles…; see vaultPolicyProblems). Default false. */
  allowEscalationPaths?: boolean;
  /** Vault Enterprise namespace. Default: the provider's. */
  vaultNamespace?: pulumi.Input<string>;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultPolicy(args: VaultPolicyArgs): string[] {
  const problems = vaultPolicyProblems(args.rules ?? [], {
    allowSudo: args.allowSudo,
    allowAllCapabilities: args.allowAllCapabilities,
    allowRootGlobs: args.allowRootGlobs,
    allowMountGlobs: args.allowMountGlobs,
    allowEscalationPaths: args.allowEscalationPaths,
  });
  const name = known(args.name);
  if (typeof name === "string" && (name.length === 0 || /[\s/]/.test(name) || name === "root")) {
    problems.push(`name: must be a non-empty policy name without '/' or whitespace and not 'root', got "${name}"`);
  }
  return problems;
}

/**
 * A Vault ACL policy rendered from typed rules by {@link vaultPolicyDocument} (least privilege: no
 * `sudo`, no everything-grants and no root globs unless opted in). Configure Vault through a
 * `vault.Provider` passed in `opts` (`provider` / `providers`), e.g. one pointing at the address and CA
 * of a {@link VaultCluster} deployed by another stack.
 */
export class VaultPolicy extends pulumi.ComponentResource {
  /** The policy name in Vault. */
  public readonly policyName: pulumi.Output<string>;
  /** The rendered HCL document. */
  public readonly document: pulumi.Output<string>;

  constructor(name: string, args: VaultPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultPolicy", name, validateVaultPolicy(args));
    super(typeToken("VaultPolicy"), name, {}, opts);
    const hcl = vaultPolicyDocument(args.rules, {
      allowSudo: args.allowSudo,
      allowAllCapabilities: args.allowAllCapabilities,
      allowRootGlobs: args.allowRootGlobs,
      allowMountGlobs: args.allowMountGlobs,
      allowEscalationPaths: args.allowEscalationPaths,
    });
    const policy = new vault.Policy(
      `${name}-policy`,
      { name: args.name ?? name, policy: hcl, namespace: args.vaultNamespace },
      { parent: this },
    );
    this.policyName = policy.name;
    this.document = pulumi.output(hcl);
    this.registerOutputs({ policyName: this.policyName, document: this.document });
  }
}
