import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";

const IDENTITY = "identity";

/** Problems of an apiserver.config.k8s.io EncryptionConfiguration for Secrets (never echoes key material). */
export function encryptionConfigurationProblems(config: any): string[] {
  const problems: string[] = [];
  const entries: any[] = Array.isArray(config?.resources) ? config.resources : [];
  const covering = entries.findIndex((e) => (e?.resources ?? []).some((r: string) => r === "secrets" || r === "*.*" || r === "*."));
  if (covering < 0) return ["resources: no entry covers secrets"];
  const first = entries[covering].providers?.[0];
  const kind = first ? Object.keys(first)[0] : undefined;
  if (!kind) problems.push(`resources[${covering}].providers: empty`);
  else if (kind === IDENTITY) problems.push(`resources[${covering}].providers[0]: identity writes Secrets unencrypted (put a kms/aescbc/aesgcm/secretbox provider first)`);
  return problems;
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
