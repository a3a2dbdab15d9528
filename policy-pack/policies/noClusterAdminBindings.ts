import type { ResourceValidationPolicy } from "@pulumi/policy";
import { subjectIdentity } from "../rbac";
import { RBAC_TYPES, k8sName, matchesAny } from "./common";

/** Bindings of `cluster-admin` to anyone outside an allow-list. */
export const noClusterAdminBindings: ResourceValidationPolicy = {
  name: "no-cluster-admin-bindings",
  description: "The cluster-admin ClusterRole is bound only to allow-listed subjects.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Bind a narrower role (admin/edit in a namespace, or a dedicated ClusterRole). If break-glass access is intended, add the subject to `allowedSubjects`.",
  configSchema: { properties: { allowedSubjects: { type: "array", items: { type: "string" }, default: [], description: "Subjects (`User x`, `Group g`, `ServiceAccount ns/name`; trailing `*`) allowed to hold cluster-admin." } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== RBAC_TYPES.roleBinding && args.type !== RBAC_TYPES.clusterRoleBinding) return;
    const ref = args.props.roleRef ?? {};
    if (ref.kind !== "ClusterRole" || ref.name !== "cluster-admin") return;
    const cluster = args.type === RBAC_TYPES.clusterRoleBinding;
    const allowed = args.getConfig<{ allowedSubjects: string[] }>().allowedSubjects;
    for (const s of args.props.subjects ?? []) {
      const id = subjectIdentity(s, cluster ? null : (args.props.metadata?.namespace ?? "default"));
      if (id && !matchesAny(id, allowed)) {
        reportViolation(`${k8sName(args.type, args.props)} grants cluster-admin to ${id}${cluster ? " in every namespace" : ` in namespace ${args.props.metadata?.namespace ?? "default"}`}`);
      }
    }
  },
};
