import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeRule, type PolicyRule } from "../rbac";
import { RBAC_TYPES, k8sName, matchesAny } from "./common";

/** Roles and ClusterRoles whose rules use `*` in verbs, apiGroups or resources. */
export const noWildcardRules: ResourceValidationPolicy = {
  name: "no-wildcard-rbac-rules",
  description: "Roles and ClusterRoles name their verbs, API groups and resources instead of using `*`.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps: "Replace `*` with the exact verbs, API groups and resources the workload needs; wildcards also grant every resource added to the cluster later.",
  configSchema: { properties: { exemptRoles: { type: "array", items: { type: "string" }, default: [], description: "`ClusterRole name` / `Role ns/name` (trailing `*` allowed) exempted." } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== RBAC_TYPES.role && args.type !== RBAC_TYPES.clusterRole) return;
    const id = k8sName(args.type, args.props);
    if (matchesAny(id, args.getConfig<{ exemptRoles: string[] }>().exemptRoles)) return;
    const rules: PolicyRule[] = args.props.rules ?? [];
    rules.forEach((rule, i) => {
      const fields = (["verbs", "apiGroups", "resources"] as const).filter((f) => (rule[f] ?? []).includes("*"));
      if (fields.length > 0) reportViolation(`${id} ${describeRule(rule, i)}: wildcard in ${fields.join(", ")}`);
    });
  },
};
