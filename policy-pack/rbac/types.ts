/**
 * Types of the RBAC effective-access engine. Plain data only: a `KubeObject` is a Kubernetes object as
 * a Pulumi resource's inputs (or a manifest) hold it.
 */

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

export interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
  apiGroup?: string;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A plain Kubernetes object (RBAC objects, ServiceAccounts, Pods and pod-template workloads are used). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  rules?: PolicyRule[];
  roleRef?: RoleRef;
  subjects?: Subject[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
  [key: string]: unknown;
}

export type RbacFindingCode =
  | "secret-read"
  | "secret-write"
  | "indirect-secret-read"
  | "escalation"
  | "ineffective-rule"
  | "missing-role"
  | "external-secret-access";

export type RbacSeverity = "low" | "medium" | "high" | "critical";

export interface RbacFinding {
  code: RbacFindingCode;
  /**
   * Who holds the access: `ServiceAccount team-a/api`, `Group system:authenticated`, `User alice`. For
   * findings about a role or binding that apply to nobody in particular (`ineffective-rule`), the
   * object they are about: `Role team-a/x`, `ClusterRole x`, `RoleBinding team-a/y`.
   */
  subject: string;
  /** The namespace the access applies in, or `*` for cluster-wide. */
  namespace: string;
  severity: RbacSeverity;
  /** The chain that grants it: binding -> role -> (aggregation steps) -> rule, acting-as steps. */
  path: string[];
  message: string;
  /** Verbs the chain grants for this access (e.g. `get`, `list`, `watch`). */
  verbs: string[];
  /** Resource names the access is limited to; absent when it covers every object. */
  resourceNames?: string[];
  /**
   * Set when the access is inherited: the subject obtains it by acting as this service account (token,
   * impersonation, a pod running as it), not by a grant of its own. Absent for direct access.
   */
  actingAs?: string;
  /**
   * For `external-secret-access`: the ESO stores of the analysed objects usable in the namespace, each
   * `SecretStore ns/name` / `ClusterSecretStore name` with how it authenticates.
   */
  stores?: string[];
}

export interface AnalyzeOptions {
  /**
   * Subjects whose findings are dropped (their access still counts when someone else can act as
   * them). Exact subject strings (`ServiceAccount external-secrets/external-secrets`) or a trailing-`*`
   * prefix (`ServiceAccount vault/*`).
   */
  exemptSubjects?: string[];
  /**
   * Kubernetes version of the cluster (`1.34`, `v1.35.1`). Before 1.35 a `get` on `pods/exec` and
   * `pods/attach` suffices to exec (WebSocket upgrade); from 1.35 only `create` does. Default: unknown,
   * which assumes the older, more permissive behaviour.
   */
  kubernetesVersion?: string;
  /**
   * Whether the built-in ClusterRoles of the Kubernetes bootstrap policy (`cluster-admin`, `admin`,
   * `edit`, `view`, `system:*`) exist in the analysed cluster when the objects do not define them.
   * Default true.
   */
  includeBuiltinRoles?: boolean;
  /** Namespace assumed for a namespaced object without `metadata.namespace`. Default `default`. */
  defaultNamespace?: string;
}

export interface RbacAnalysis {
  findings: RbacFinding[];
}
