import type { ResourceValidationPolicy } from "@pulumi/policy";
import { vaultPolicyProblems } from "../../components/vault/policy";
import { parseVaultPolicyDocument } from "../../components/vault/policyParser";

export interface VaultPolicyDocumentsConfig {
  /** Vault policy names allowed to use `sudo`. */
  allowSudo: string[];
  /**
   * Vault policy names allowed to grant every capability, to glob at the root (`*`, `sys/*`, `auth/*`, `+/*`)
   * or over a whole mount, and to use Vault's escalation paths (operator policies).
   */
  allowBroad: string[];
}

/**
 * Vault ACL policies (`vault:index/policy:Policy`) are least-privilege: their HCL is parsed and checked with
 * the same checker `VaultPolicy` uses at construction (no `sudo`, no everything-grants, no root globs).
 */
export const vaultPolicyDocuments: ResourceValidationPolicy = {
  name: "vault-policy-least-privilege",
  description:
    "Vault ACL policies grant no sudo, no everything-grants, no globs at the root or over a whole mount, and no escalation paths " +
    "(writing policies, minting tokens, rewriting auth roles and config, identity, auth methods, mounts, audit devices); paths Vault refuses (`+*`) fail.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Write each path out (e.g. secret/data/apps/api/*) with only the capabilities the workload needs (read, list). " +
    "If an operator policy really needs sudo or a root glob, name it in this policy's allowSudo / allowBroad config.",
  configSchema: {
    properties: {
      allowSudo: { type: "array", items: { type: "string" }, default: [], description: "Vault policy names that may use sudo." },
      allowBroad: { type: "array", items: { type: "string" }, default: [], description: "Vault policy names that may grant everything, glob at the root or over a mount, and use escalation paths." },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== "vault:index/policy:Policy") return;
    const name = String(args.props.name ?? args.name);
    const document = args.props.policy;
    if (typeof document !== "string") return;
    const config = args.getConfig<VaultPolicyDocumentsConfig>();
    let rules;
    try {
      rules = parseVaultPolicyDocument(document);
    } catch (e) {
      reportViolation(`Vault policy ${name}: cannot be parsed: ${(e as Error).message}`);
      return;
    }
    const broad = config.allowBroad.includes(name);
    const options = { allowSudo: config.allowSudo.includes(name), allowAllCapabilities: broad, allowRootGlobs: broad, allowMountGlobs: broad, allowEscalationPaths: broad };
    for (const problem of vaultPolicyProblems(rules, options)) {
      reportViolation(`Vault policy ${name}: ${problem}`);
    }
  },
};
