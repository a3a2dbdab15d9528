import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describeRule, type PolicyRule } from "../rbac";
import { RBAC_TYPES, k8sName, matchesAny } from "./common";

const ESCALATION_VERBS = ["escalate", "bind", "impersonate"];

/** Roles granting the verbs that bypass RBAC's escalation prevention. */
export const noEscalationVerbs: ResourceValidationPolicy = {
  name: "no-escalation-verbs",
  description: "Roles and ClusterRoles do not grant escalate, bind or impersonate (nor `*` verbs on RBAC roles or identities).",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps: "Remove escalate/bind/impersonate; let an administrator create the bindings. Controllers that must bind a fixed role: restrict `bind` with resourceNames and exempt the role in `exemptRoles`.",
  configSchema: { properties: { exemptRoles: { type: "array", items: { type: "string" }, default: [], description: "`ClusterRole name` / `Role ns/name` (trailing `*`) exempted." } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== RBAC_TYPES.role && args.type !== RBAC_TYPES.clusterRole) return;
    const id = k8sName(args.type, args.props);
    if (matchesAny(id, args.getConfig<{ exemptRoles: string[] }>().exemptRoles)) return;
    const rules: PolicyRule[] = args.props.rules ?? [];
    rules.forEach((rule, i) => {
      const verbs = (rule.verbs ?? []).filter((v) => ESCALATION_VERBS.includes(v));
      if ((rule.verbs ?? []).includes("*")) {
        const res = rule.resources ?? [];
        const groups = rule.apiGroups ?? [];
        const rbac = groups.some((g) => g === "*" || g === "rbac.authorization.k8s.io") && res.some((r) => ["*", "roles", "clusterroles"].includes(r));
        const ident = groups.some((g) => g === "*" || g === "") && res.some((r) => ["*", "users", "groups", "serviceaccounts"].includes(r));
        if (rbac || ident) verbs.push("* (includes escalate, bind, impersonate)");
      }
      if (verbs.length > 0) reportViolation(`${id} ${describeRule(rule, i)}: grants ${verbs.join(", ")}`);
    });
  },
};
