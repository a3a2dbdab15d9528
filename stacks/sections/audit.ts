/**
 * Stack section `audit` of a cluster: the Kubernetes audit Policy and, for self-managed clusters, the
 * kube-apiserver flags that enable it. The policy is emitted as a ConfigMap in `kube-system`
 * (`kube-secrets-platform-audit-policy`, key `policy.yaml`) so that it is versioned with the platform and
 * can be synced to the control-plane nodes' `--audit-policy-file`; the flags are a stack output. Cloud
 * clusters use EksAuditLogging / GkeAuditLogging / AksAuditLogging instead (composed by the platform).
 */
import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import {
  apiServerAuditFlags,
  auditPolicyYaml,
  kubernetesAuditPolicy,
  validateApiServerAuditFlagsOptions,
  validateKubernetesAuditPolicyOptions,
} from "../../components/audit/policy";
import { standardLabels } from "../../components/internal/labels";
import type { ClusterContext } from "./context";

/** Name of the ConfigMap holding the policy. */
export const AUDIT_POLICY_CONFIGMAP = "kube-secrets-platform-audit-policy";
/** Annotation on the ConfigMap listing the kube-apiserver flags (self-managed clusters). */
export const FLAGS_ANNOTATION = "audit.kube-secrets-platform.io/kube-apiserver-flags";

const sensitiveResource = z.strictObject({
  /** API group; "" (default) is the core group. */
  group: z.string().default(""),
  /** Resources (optionally `resource/subresource`) logged at Metadata only. */
  resources: z.array(z.string()).min(1),
});

export const auditSection = z
  .strictObject({
    /** Emit the audit policy and flags. Default true. */
    enabled: z.boolean().default(true),
    /** Namespaces whose ordinary traffic is not logged (credentials, exec and RBAC are still logged). */
    silencedNamespaces: z.array(z.string()).default([]),
    /** Users whose ordinary traffic is not logged. */
    silencedUsers: z.array(z.string()).default([]),
    /** User groups whose ordinary traffic is not logged. */
    silencedUserGroups: z.array(z.string()).default([]),
    /** Extra resources treated like Secrets (Metadata only). */
    sensitiveResources: z.array(sensitiveResource).default([]),
    /** Self-managed kube-apiserver: policy file path on the control-plane nodes. */
    policyFile: z.string().default("/etc/kubernetes/audit/policy.yaml"),
    /** Self-managed kube-apiserver: audit log path. */
    logPath: z.string().default("/var/log/kubernetes/audit/audit.log"),
    /** `--audit-log-maxage` (>= 30). */
    maxAgeDays: z.number().int().default(30),
    /** `--audit-log-maxbackup` (>= 10). */
    maxBackups: z.number().int().default(10),
    /** `--audit-log-maxsize` in MB (>= 100). */
    maxSizeMegabytes: z.number().int().default(100),
  })
  .superRefine((s, ctx) => {
    const policyProblems = validateKubernetesAuditPolicyOptions({
      silencedNamespaces: s.silencedNamespaces,
      silencedUsers: s.silencedUsers,
      silencedUserGroups: s.silencedUserGroups,
      sensitiveResources: s.sensitiveResources,
    });
    const flagProblems = validateApiServerAuditFlagsOptions({
      policyFile: s.policyFile,
      logPath: s.logPath,
      maxAgeDays: s.maxAgeDays,
      maxBackups: s.maxBackups,
      maxSizeMegabytes: s.maxSizeMegabytes,
    });
    for (const p of [...policyProblems, ...flagProblems]) {
      // "field[0].sub: rule" -> path ["field", 0, "sub"], message "rule"
      const sep = p.indexOf(": ");
      const path = p
        .slice(0, sep)
        .split(/\.|\[(\d+)\]/)
        .filter((x) => x !== undefined && x !== "")
        .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
      ctx.addIssue({ code: "custom", path, message: p.slice(sep + 2) });
    }
  })
  .default({
    enabled: true,
    silencedNamespaces: [],
    silencedUsers: [],
    silencedUserGroups: [],
    sensitiveResources: [],
    policyFile: "/etc/kubernetes/audit/policy.yaml",
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAgeDays: 30,
    maxBackups: 10,
    maxSizeMegabytes: 100,
  });
export type AuditSection = z.infer<typeof auditSection>;

/** Emits the policy ConfigMap and returns the outputs: ConfigMap name and (self-managed) kube-apiserver flags. */
export function deployAudit(ctx: ClusterContext, section: AuditSection): Record<string, unknown> {
  if (!section.enabled) return {};
  const flags =
    ctx.kind === "self-managed"
      ? apiServerAuditFlags({
          policyFile: section.policyFile,
          logPath: section.logPath,
          maxAgeDays: section.maxAgeDays,
          maxBackups: section.maxBackups,
          maxSizeMegabytes: section.maxSizeMegabytes,
        })
      : undefined;
  const policy = kubernetesAuditPolicy({
    silencedNamespaces: section.silencedNamespaces,
    silencedUsers: section.silencedUsers,
    silencedUserGroups: section.silencedUserGroups,
    sensitiveResources: section.sensitiveResources,
  });
  const configMap = new k8s.core.v1.ConfigMap(
    `${ctx.name}-audit-policy`,
    {
      metadata: {
        name: AUDIT_POLICY_CONFIGMAP,
        namespace: "kube-system",
        labels: standardLabels("audit-policy", ctx.name),
        // The offline plan shows manifests, not stack outputs: carry the flags on the object too.
        annotations: flags ? { [FLAGS_ANNOTATION]: flags.join(" ") } : undefined,
      },
      data: { "policy.yaml": auditPolicyYaml(policy) },
    },
    { provider: ctx.provider },
  );
  const out: Record<string, unknown> = {
    policyConfigMap: { namespace: "kube-system", name: configMap.metadata.name, key: "policy.yaml" },
  };
  if (flags) out.apiServerFlags = flags;
  return out;
}
