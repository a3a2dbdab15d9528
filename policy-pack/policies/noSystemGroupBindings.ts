import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isSystemGroup } from "../rbac";
import { RBAC_TYPES, k8sName, matchesAny } from "./common";

/** Bindings to groups whose membership the API server decides (every user, every service account, ...). */
export const noSystemGroupBindings: ResourceValidationPolicy = {
  name: "no-system-group-bindings",
  description: "No binding grants a role to system:authenticated, system:unauthenticated, system:serviceaccounts[:<ns>] or system:masters.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Bind the role to the specific users, groups or service accounts that need it. These groups include every authenticated user, anonymous requests, or every service account.",
  configSchema: { properties: { allowedBindings: { type: "array", items: { type: "string" }, default: [], description: "Bindings (`ClusterRoleBinding name`, `RoleBinding ns/name`; trailing `*`) allowed to name system groups." } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== RBAC_TYPES.roleBinding && args.type !== RBAC_TYPES.clusterRoleBinding) return;
    const id = k8sName(args.type, args.props);
    if (matchesAny(id, args.getConfig<{ allowedBindings: string[] }>().allowedBindings)) return;
    const ref = args.props.roleRef ?? {};
    for (const s of args.props.subjects ?? []) {
      if (s.kind === "Group" && isSystemGroup(s.name ?? "")) reportViolation(`${id} binds ${ref.kind ?? "?"} ${ref.name ?? "?"} to system group ${s.name}`);
    }
  },
};
