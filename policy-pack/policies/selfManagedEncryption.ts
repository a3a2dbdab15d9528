import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import { validateEncryptionConfiguration } from "../../components/encryption/encryptionConfiguration";

/**
 * Problems of an apiserver.config.k8s.io EncryptionConfiguration (never echoes key material): the API
 * server's own rules and this package's (`validateEncryptionConfiguration`: one provider per entry, key
 * lengths, identity never first, KMS v2 explicit...), plus: some entry must cover `secrets`.
 */
export function encryptionConfigurationProblems(config: any): string[] {
  const entries: any[] = Array.isArray(config?.resources) ? config.resources : [];
  const covers = entries.some((e) => (Array.isArray(e?.resources) ? e.resources : []).some((r: unknown) => r === "secrets" || r === "*.*" || r === "*."));
  return [...(covers ? [] : ["resources: no entry covers secrets"]), ...validateEncryptionConfiguration(config ?? {})];
}

function findConfigs(value: unknown, depth: number, out: any[]): void {
  if (depth > 8 || value === null || value === undefined) return;
  if (typeof value === "string") {
    const candidates = [value];
    if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.length % 4 === 0 && value.length > 16) candidates.push(Buffer.from(value, "base64").toString("utf8"));
    for (const c of candidates) {
      if (!c.includes("EncryptionConfiguration")) continue;
      try {
        const doc = parse(c);
        if (doc?.kind === "EncryptionConfiguration") out.push(doc);
      } catch {
        // not YAML
      }
    }
    return;
  }
  if (typeof value === "object") for (const v of Object.values(value)) findConfigs(v, depth + 1, out);
}

/**
 * Self-managed clusters: any resource carrying an EncryptionConfiguration document (a Secret, ConfigMap,
 * file or command input; plain or base64) must encrypt Secrets with a non-identity first provider.
 */
export const selfManagedEncryptionConfiguration: ResourceValidationPolicy = {
  name: "self-managed-encryption-configuration",
  description: "EncryptionConfigurations cover secrets with a non-identity first provider.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Make the first provider of the entry covering `secrets` kms (v2) or aescbc/aesgcm/secretbox; keep identity only last, for reading old data (SelfManagedSecretsEncryption does this).",
  validateResource: (args, reportViolation) => {
    // Kubernetes objects other than Secrets/ConfigMaps (e.g. charts) never carry the apiserver's config.
    if (args.type.startsWith("kubernetes:") && args.type !== "kubernetes:core/v1:Secret" && args.type !== "kubernetes:core/v1:ConfigMap") return;
    const found: any[] = [];
    findConfigs(args.props, 0, found);
    for (const doc of found) for (const p of encryptionConfigurationProblems(doc)) reportViolation(`${args.type} ${args.name}: EncryptionConfiguration ${p}`);
  },
};
