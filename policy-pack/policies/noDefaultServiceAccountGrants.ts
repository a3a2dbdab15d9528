import type { ResourceValidationPolicy } from "@pulumi/policy";
import { subjectIdentity } from "../rbac";
import { RBAC_TYPES, k8sName } from "./common";

/** Bindings that grant anything to a namespace's `default` service account (used by every pod that names none). */
export const noDefaultServiceAccountGrants: ResourceValidationPolicy = {
  name: "no-default-service-account-grants",
  description: "No role is bound to a `default` service account: every pod without its own service account would inherit it.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Create a dedicated ServiceAccount for the workload, bind the role to it, and set `serviceAccountName` on the pod template.",
  validateResource: (args, reportViolation) => {
    if (args.type !== RBAC_TYPES.roleBinding && args.type !== RBAC_TYPES.clusterRoleBinding) return;
    const cluster = args.type === RBAC_TYPES.clusterRoleBinding;
    for (const s of args.props.subjects ?? []) {
      const id = subjectIdentity(s, cluster ? null : (args.props.metadata?.namespace ?? "default"));
      if (id?.startsWith("ServiceAccount ") && id.endsWith("/default")) {
        reportViolation(`${k8sName(args.type, args.props)} grants ${args.props.roleRef?.kind ?? "?"} ${args.props.roleRef?.name ?? "?"} to ${id}`);
      }
    }
  },
};
