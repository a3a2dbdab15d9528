// Small builders for RBAC objects used by the engine and policy tests.
import type { KubeObject, PolicyRule, Subject } from "../../../policy-pack/rbac";

export const SECRETS_READ: PolicyRule = { verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["secrets"] };

export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>, selectors?: KubeObject["aggregationRule"]): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, ...(labels ? { labels } : {}) }, rules, ...(selectors ? { aggregationRule: selectors } : {}) };
}
export function role(namespace: string, name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace }, rules };
}
export function clusterRoleBinding(name: string, roleName: string, subjects: Subject[], kind = "ClusterRole"): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName }, subjects };
}
export function roleBinding(namespace: string, name: string, kind: string, roleName: string, subjects: Subject[]): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName }, subjects };
}
export const sa = (name: string, namespace?: string): Subject => ({ kind: "ServiceAccount", name, ...(namespace ? { namespace } : {}) });
export const user = (name: string): Subject => ({ kind: "User", name, apiGroup: "rbac.authorization.k8s.io" });
export const group = (name: string): Subject => ({ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" });
