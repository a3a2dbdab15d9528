/**
 * The built-in ClusterRoles a cluster's API server creates at startup (Kubernetes bootstrap policy,
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), so that bindings to `cluster-admin`,
 * `admin`, `edit`, `view` or the common `system:` roles are understood. `admin`, `edit` and `view`
 * are aggregated roles exactly as upstream: their rules come from `system:aggregate-to-*` and from any
 * ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-<role>: "true"`.
 */
import type { KubeObject, PolicyRule } from "./types";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE = [...READ, ...WRITE];

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
}
function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}
const events = rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);

const AGG = "rbac.authorization.k8s.io/aggregate-to-";

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): KubeObject {
  const obj: KubeObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels } },
    rules,
  };
  if (aggregateFrom) obj.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`${AGG}${aggregateFrom}`]: "true" } }] };
  return obj;
}

/** The built-in ClusterRoles, newest bootstrap policy. Returns fresh objects on each call. */
export function builtinClusterRoles(): KubeObject[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
    clusterRole("system:discovery", [urls(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"])]),
    clusterRole("system:basic-user", [rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"])]),
    clusterRole("system:public-info-viewer", [urls(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/"])]),
    clusterRole("admin", [], {}, "admin"),
    clusterRole("edit", [], { [`${AGG}admin`]: "true" }, "edit"),
    clusterRole("view", [], { [`${AGG}edit`]: "true" }, "view"),
    clusterRole(
      "system:aggregate-to-admin",
      [rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]), rule(READ_WRITE, ["rbac.authorization.k8s.io"], ["roles", "rolebindings"])],
      { [`${AGG}admin`]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-edit",
      [
        rule(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
        rule(["impersonate"], [""], ["serviceaccounts"]),
        rule(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
        rule(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy", "endpoints", "persistentvolumeclaims", "configmaps", "secrets"]),
        rule(WRITE, ["apps"], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"]),
        rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
        rule(WRITE, ["batch"], ["jobs", "cronjobs"]),
        rule(WRITE, ["extensions"], ["daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"]),
        rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
        rule(WRITE, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
        rule(WRITE, ["coordination.k8s.io"], ["leases"]),
      ],
      { [`${AGG}edit`]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-view",
      [
        rule(READ, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
        rule(READ, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
        rule(READ, [""], ["namespaces"]),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        rule(READ, ["apps"], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
        rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
        rule(READ, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"]),
        rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(READ, ["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"]),
        rule(READ, ["coordination.k8s.io"], ["leases"]),
      ],
      { [`${AGG}view`]: "true" },
    ),
    clusterRole("system:node", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
      rule(READ, [""], ["services"]),
      rule(["create", "get", "list", "watch"], [""], ["nodes"]),
      rule(["update", "patch"], [""], ["nodes/status"]),
      rule(["update", "patch"], [""], ["nodes"]),
      events,
      rule(READ, [""], ["pods"]),
      rule(["create", "delete"], [""], ["pods"]),
      rule(["update", "patch"], [""], ["pods/status"]),
      rule(["create"], [""], ["pods/eviction"]),
      rule(["get"], [""], ["secrets", "configmaps"]),
      rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
      rule(["get"], [""], ["endpoints"]),
      rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
      rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
      rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
      rule(["create"], [""], ["serviceaccounts/token"]),
      rule(["get", "list", "watch"], ["node.k8s.io"], ["runtimeclasses"]),
    ]),
    clusterRole("system:node-problem-detector", [rule(["get"], [""], ["nodes"]), rule(["patch"], [""], ["nodes/status"]), events]),
    clusterRole("system:kubelet-api-admin", [
      rule(["get", "list", "watch"], [""], ["nodes"]),
      rule(["proxy"], [""], ["nodes"]),
      rule(["*"], [""], ["nodes/proxy", "nodes/metrics", "nodes/spec", "nodes/stats", "nodes/log"]),
    ]),
    clusterRole("system:node-bootstrapper", [rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"])]),
    clusterRole("system:auth-delegator", [
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:kube-aggregator", [rule(READ, [""], ["services", "endpoints"])]),
    clusterRole("system:kube-controller-manager", [
      events,
      rule(["create"], ["coordination.k8s.io"], ["leases"]),
      rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-controller-manager"]),
      rule(["create"], [""], ["secrets", "serviceaccounts"]),
      rule(["delete"], [""], ["secrets"]),
      rule(["get"], [""], ["namespaces", "secrets", "serviceaccounts", "configmaps"]),
      rule(["update"], [""], ["secrets", "serviceaccounts"]),
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
      rule(["list", "watch"], ["*"], ["*"]),
      rule(["create"], [""], ["serviceaccounts/token"]),
    ]),
    clusterRole("system:kube-scheduler", [
      events,
      rule(["create"], ["coordination.k8s.io"], ["leases"]),
      rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
      rule(["delete", "get", "list", "watch"], [""], ["pods"]),
      rule(["create"], [""], ["pods/binding", "bindings"]),
      rule(["patch", "update"], [""], ["pods/status"]),
      rule(READ, [""], ["nodes", "namespaces", "persistentvolumeclaims", "persistentvolumes", "replicationcontrollers", "services"]),
      rule(READ, ["apps", "extensions"], ["replicasets", "statefulsets"]),
      rule(READ, ["policy"], ["poddisruptionbudgets"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"]),
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    ]),
    clusterRole("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
    clusterRole("system:persistent-volume-provisioner", [
      rule(["get", "list", "watch", "create", "delete"], [""], ["persistentvolumes"]),
      rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses"]),
      rule(["watch"], [""], ["events"]),
      events,
    ]),
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [""], ["services", "endpoints"]),
      rule(["get", "list", "watch"], [""], ["nodes"]),
      events,
      rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
    ]),
    clusterRole("system:volume-scheduler", [
      rule(["get", "list", "watch", "update", "patch"], [""], ["persistentvolumes"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses"]),
      rule(["get", "list", "watch", "update", "patch"], [""], ["persistentvolumeclaims"]),
    ]),
    clusterRole("system:monitoring", [urls(["get"], ["/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"])]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"])]),
    clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"])]),
    clusterRole("system:certificates.k8s.io:kube-apiserver-client-approver", [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client"])]),
    clusterRole("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"])]),
    clusterRole("system:certificates.k8s.io:kubelet-serving-approver", [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kubelet-serving"])]),
    clusterRole("system:certificates.k8s.io:legacy-unknown-approver", [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/legacy-unknown"])]),
  ];
}

/** Names of the built-in ClusterRoles. */
export const BUILTIN_CLUSTER_ROLE_NAMES: ReadonlySet<string> = new Set(builtinClusterRoles().map((r) => r.metadata!.name!));

/** The groups the API server itself treats specially. */
export const SYSTEM_GROUPS = {
  authenticated: "system:authenticated",
  unauthenticated: "system:unauthenticated",
  serviceAccounts: "system:serviceaccounts",
  masters: "system:masters",
} as const;

/** True for the system groups whose membership is decided by the API server, not by the subjects' owners. */
export function isSystemGroup(name: string): boolean {
  return (
    name === SYSTEM_GROUPS.authenticated ||
    name === SYSTEM_GROUPS.unauthenticated ||
    name === SYSTEM_GROUPS.serviceAccounts ||
    name.startsWith(`${SYSTEM_GROUPS.serviceAccounts}:`) ||
    name === SYSTEM_GROUPS.masters
  );
}
