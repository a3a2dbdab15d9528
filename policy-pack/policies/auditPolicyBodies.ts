import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import { validateAuditPolicy, type AuditPolicy } from "../../components/audit/policy";

/** Every audit.k8s.io Policy document held in a resource's inputs (a ConfigMap's data, a file's content...). */
function auditPolicies(value: unknown, depth: number, out: AuditPolicy[]): void {
  if (depth > 8 || value === null || value === undefined) return;
  if (typeof value === "string") {
    if (!value.includes("audit.k8s.io") || !/kind:\s*Policy|"kind"\s*:\s*"Policy"/.test(value)) return;
    try {
      const doc = parse(value) as AuditPolicy | null;
      if (doc && typeof doc === "object" && doc.kind === "Policy" && String(doc.apiVersion).startsWith("audit.k8s.io/")) out.push(doc);
    } catch {
      // not YAML: not a policy
    }
    return;
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o.kind === "Policy" && String(o.apiVersion).startsWith("audit.k8s.io/")) {
      out.push(o as unknown as AuditPolicy);
      return;
    }
    for (const v of Object.values(o)) auditPolicies(v, depth + 1, out);
  }
}

/**
 * Kubernetes audit policies keep Secret bodies out of the log and audit credential access: every audit
 * Policy document a stack ships (e.g. the ConfigMap `kubernetesAuditPolicy()` renders) is evaluated the way
 * the API server evaluates it (first match), with `validateAuditPolicy`.
 */
export const auditPolicyBodies: ResourceValidationPolicy = {
  name: "audit-policy-keeps-secret-bodies-out",
  description: "Audit policies log Secrets, ConfigMaps, tokens and token reviews at Metadata (never bodies, never nothing) and audit exec/attach/proxy.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Put a Metadata rule for secrets, configmaps, serviceaccounts/token and tokenreviews before any rule at Request/RequestResponse or None, " +
    "and audit pods/exec, pods/attach, pods/portforward and the proxy subresources (kubernetesAuditPolicy() generates such a policy).",
  validateResource: (args, reportViolation) => {
    if (args.type.startsWith("kubernetes:") && args.type !== "kubernetes:core/v1:ConfigMap" && args.type !== "kubernetes:core/v1:Secret") return;
    const found: AuditPolicy[] = [];
    auditPolicies(args.props, 0, found);
    for (const policy of found) for (const problem of validateAuditPolicy(policy)) reportViolation(`audit policy in ${args.name}: ${problem}`);
  },
};
