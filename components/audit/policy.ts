/**
 * The Kubernetes API server audit Policy (`audit.k8s.io/v1`): a generator that answers "who read which
 * Secret, when, from where" without ever copying a Secret body into the audit trail, an evaluator that
 * picks a request's level exactly like the API server does, and a validator built on it.
 *
 * Evaluation semantics follow k8s.io/apiserver `pkg/audit/policy/checker.go`: rules are tried in order and
 * the FIRST match decides; no match means level `None`. Within a rule every non-empty field must match:
 * `users` (user name), `userGroups` (any of the user's groups), `verbs`; then, when `namespaces` or
 * `resources` is set the rule only matches resource requests (`namespaces` compared to the request's
 * namespace, `""` for cluster-scoped; `resources[].group` compared exactly, `""` is the core group; a
 * resource entry matches `resource` or `resource/subresource` exactly, `*` matches everything, `*` followed by `/sub`
 * matches that subresource of any resource, `res/*` matches `res` and all its subresources;
 * `resourceNames` narrows to named objects); otherwise, when `nonResourceURLs` is set it only matches
 * non-resource requests (`*`, exact path, or a trailing `*` prefix); a rule with none of them matches
 * every request.
 *
 * Impersonation: the API server evaluates the policy before it applies impersonation headers, so a rule
 * sees the impersonating user; every event at `Metadata` or above records `impersonatedUser`. Grants of
 * the `impersonate` verb are RBAC changes, which the generated policy logs at `RequestResponse`.
 */
import { stringify } from "yaml";
import { DNS1123_SUBDOMAIN } from "../internal/naming";
import { assertValid } from "../internal/validation";

/** Audit levels, from least to most detailed. */
export const AUDIT_LEVELS = ["None", "Metadata", "Request", "RequestResponse"] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];
/** Audit stages an event can be generated at. */
export const AUDIT_STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

/** Resources of one API group (`audit.k8s.io/v1` GroupResources). */
export interface AuditGroupResources {
  /** API group; `""` is the core group. Compared exactly (there is no group wildcard). */
  group?: string;
  /** `pods`, `pods/log`, `*`, `pods/*`, a `*` with `/scale`; empty means every resource of the group. */
  resources?: string[];
  /** Object names; requires `resources`. */
  resourceNames?: string[];
}

/** One rule of an audit Policy (`audit.k8s.io/v1` PolicyRule). */
export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: AuditGroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** An `audit.k8s.io/v1` Policy, the file passed to kube-apiserver `--audit-policy-file`. */
export interface AuditPolicy {
  apiVersion: "audit.k8s.io/v1";
  kind: "Policy";
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
  rules: AuditPolicyRule[];
}

/** A resource (optionally a subresource) of an API group, e.g. `{ group: "", resource: "serviceaccounts/token" }`. */
export interface AuditSensitiveResource {
  /** API group; `""` (the default) is the core group. */
  group?: string;
  /** Resources of the group whose bodies must never be logged, e.g. `["secrets"]` or `["widgets", "widgets/token"]`. */
  resources: string[];
}

/** Options of {@link kubernetesAuditPolicy}. */
export interface KubernetesAuditPolicyOptions {
  /**
   * Namespaces whose ordinary traffic is not logged (level `None`). Secret, exec/attach/proxy and RBAC
   * requests in them are still logged: those rules come first. Default none.
   */
  silencedNamespaces?: string[];
  /** Users (authenticated user names) whose ordinary traffic is not logged, with the same exceptions. Default none. */
  silencedUsers?: string[];
  /** User groups whose ordinary traffic is not logged, with the same exceptions. Default none. */
  silencedUserGroups?: string[];
  /**
   * Extra resources logged at `Metadata` only, like Secrets (for example custom resources that carry
   * credentials). Always added to: core `secrets`, `configmaps`, `serviceaccounts/token` and
   * `authentication.k8s.io` `tokenreviews`.
   */
  sensitiveResources?: AuditSensitiveResource[];
  /** Drop `managedFields` from logged bodies. Default `true`. */
  omitManagedFields?: boolean;
}

/** Resources whose request or response bodies carry credentials: logged at `Metadata` at most. */
export const AUDIT_SENSITIVE_RESOURCES: readonly Required<AuditSensitiveResource>[] = [
  { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
  { group: "authentication.k8s.io", resources: ["tokenreviews"] },
];

/** Subresources that run commands in, attach to, or tunnel into workloads and nodes: they must be audited. */
export const AUDIT_REMOTE_ACCESS_SUBRESOURCES: readonly { group: string; resource: string }[] = [
  { group: "", resource: "pods/exec" },
  { group: "", resource: "pods/attach" },
  { group: "", resource: "pods/portforward" },
  { group: "", resource: "pods/proxy" },
  { group: "", resource: "services/proxy" },
  { group: "", resource: "nodes/proxy" },
  { group: "", resource: "pods/ephemeralcontainers" },
];

const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"];
const READ_VERBS = ["get", "list", "watch"];
/** Verbs checked for sensitive resources and remote-access subresources. */
const CHECKED_VERBS = [...READ_VERBS, ...WRITE_VERBS];

function problemsOfResourceList(list: AuditSensitiveResource[] | undefined, path: string): string[] {
  const problems: string[] = [];
  (list ?? []).forEach((entry, i) => {
    const group = entry.group ?? "";
    if (group !== "" && (group.length > 253 || !DNS1123_SUBDOMAIN.test(group))) {
      problems.push(`${path}[${i}].group: must be "" (core) or an API group name (DNS subdomain), got "${group}"`);
    }
    if (!Array.isArray(entry.resources) || entry.resources.length === 0) {
      problems.push(`${path}[${i}].resources: must list at least one resource`);
      return;
    }
    entry.resources.forEach((r, j) => {
      const at = `${path}[${i}].resources[${j}]`;
      if (r.startsWith("/")) {
        problems.push(`${at}: must be a resource name such as "widgets" or "widgets/token", not a non-resource URL, got "${r}"`);
      } else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/.test(r)) {
        problems.push(`${at}: must be a lower-case resource name with an optional "/subresource" (no wildcards), got "${r}"`);
      }
    });
  });
  return problems;
}

/** Every problem with {@link KubernetesAuditPolicyOptions} as `field.path: rule` strings ([] when valid). */
export function validateKubernetesAuditPolicyOptions(options: KubernetesAuditPolicyOptions = {}): string[] {
  const problems: string[] = [];
  const known = new Set(["silencedNamespaces", "silencedUsers", "silencedUserGroups", "sensitiveResources", "omitManagedFields"]);
  for (const key of Object.keys(options)) if (!known.has(key)) problems.push(`${key}: unknown field`);
  (options.silencedNamespaces ?? []).forEach((ns, i) => {
    if (ns === "kube-system") problems.push(`silencedNamespaces[${i}]: kube-system holds the control plane's credentials and cannot be silenced`);
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) {
      problems.push(`silencedNamespaces[${i}]: must be an RFC 1123 label (a namespace name), got "${ns}"`);
    }
  });
  for (const field of ["silencedUsers", "silencedUserGroups"] as const) {
    (options[field] ?? []).forEach((u, i) => {
      if (u.trim() === "" || u === "*") problems.push(`${field}[${i}]: must be a non-empty name (no wildcards), got "${u}"`);
      if (field === "silencedUserGroups" && (u === "system:authenticated" || u === "system:unauthenticated" || u === "system:masters")) {
        problems.push(`${field}[${i}]: silencing ${u} would hide most of the cluster's traffic, got "${u}"`);
      }
    });
  }
  problems.push(...problemsOfResourceList(options.sensitiveResources, "sensitiveResources"));
  return problems;
}

/** Merges sensitive resources into one `GroupResources` per group, in first-seen order, without duplicates. */
function mergeByGroup(list: readonly AuditSensitiveResource[]): Required<AuditSensitiveResource>[] {
  const byGroup = new Map<string, string[]>();
  for (const e of list) {
    const g = e.group ?? "";
    const rs = byGroup.get(g) ?? [];
    for (const r of e.resources) if (!rs.includes(r)) rs.push(r);
    byGroup.set(g, rs);
  }
  return [...byGroup].map(([group, resources]) => ({ group, resources }));
}

/**
 * The audit Policy for clusters that hold secrets. Rules, in order (the first match decides):
 *
 * 1. `None`: noisy read-only system traffic (authenticated health/discovery URL reads — anonymous probing is
 *    still logged —, kube-proxy's watches, kubelets reading node objects, controller leader-election reads);
 *    none of these cover a sensitive resource.
 * 2. `Metadata`: `secrets`, `configmaps`, `serviceaccounts/token`, `tokenreviews` and
 *    `options.sensitiveResources`, every verb: who, what, when, from where, but never the body.
 * 3. `Metadata`: exec, attach, port-forward and proxy subresources (the command is in the request URI).
 * 4. `Request`: `pods/ephemeralcontainers` (records the injected container).
 * 5. `RequestResponse`: writes to Roles, ClusterRoles and their bindings (including grants of `impersonate`).
 * 6. `None`: the silenced namespaces, users and groups (after the rules above, so they never hide access
 *    to credentials or workloads).
 * 7. `Metadata`: events (high volume, bodies of no audit value).
 * 8. `Request`: every other write.
 * 9. `Metadata`: everything else.
 *
 * The `RequestReceived` stage is omitted (every request is still logged at `ResponseComplete`, or
 * `ResponseStarted` for long-running ones). Throws `InvalidArgumentsError` on invalid options.
 */
export function kubernetesAuditPolicy(options: KubernetesAuditPolicyOptions = {}): AuditPolicy {
  assertValid("kubernetesAuditPolicy", "options", validateKubernetesAuditPolicyOptions(options));
  const sensitive = mergeByGroup([...AUDIT_SENSITIVE_RESOURCES, ...(options.sensitiveResources ?? [])]);
  const rules: AuditPolicyRule[] = [
    {
      level: "None",
      userGroups: ["system:authenticated"],
      verbs: ["get"],
      nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/version/", "/api", "/api/*", "/apis", "/apis/*", "/openapi/*"],
    },
    {
      level: "None",
      users: ["system:kube-proxy"],
      verbs: ["watch"],
      resources: [
        { group: "", resources: ["endpoints", "services", "services/status", "nodes"] },
        { group: "discovery.k8s.io", resources: ["endpointslices"] },
      ],
    },
    { level: "None", userGroups: ["system:nodes"], verbs: [...READ_VERBS], resources: [{ group: "", resources: ["nodes", "nodes/status"] }] },
    {
      level: "None",
      users: ["system:kube-controller-manager", "system:kube-scheduler", "system:serviceaccount:kube-system:endpoint-controller"],
      verbs: [...READ_VERBS],
      resources: [
        { group: "", resources: ["endpoints"] },
        { group: "coordination.k8s.io", resources: ["leases"] },
      ],
    },
    { level: "Metadata", resources: sensitive },
    {
      level: "Metadata",
      resources: [{ group: "", resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy"] }],
    },
    { level: "Request", resources: [{ group: "", resources: ["pods/ephemeralcontainers"] }] },
    {
      level: "RequestResponse",
      verbs: [...WRITE_VERBS],
      resources: [{ group: "rbac.authorization.k8s.io", resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"] }],
    },
  ];
  if (options.silencedNamespaces?.length) rules.push({ level: "None", namespaces: [...options.silencedNamespaces] });
  if (options.silencedUsers?.length) rules.push({ level: "None", users: [...options.silencedUsers] });
  if (options.silencedUserGroups?.length) rules.push({ level: "None", userGroups: [...options.silencedUserGroups] });
  rules.push(
    {
      level: "Metadata",
      resources: [
        { group: "", resources: ["events"] },
        { group: "events.k8s.io", resources: ["events"] },
      ],
    },
    { level: "Request", verbs: [...WRITE_VERBS] },
    { level: "Metadata" },
  );
  return {
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    omitManagedFields: options.omitManagedFields ?? true,
    rules,
  };
}

/** The policy as the YAML file kube-apiserver reads with `--audit-policy-file`. */
export function auditPolicyYaml(policy: AuditPolicy): string {
  return stringify(policy, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Where and how long kube-apiserver keeps the audit log (self-managed clusters). */
export interface ApiServerAuditFlagsOptions {
  /** Path of the policy file on the control-plane node. Default `/etc/kubernetes/audit/policy.yaml`. */
  policyFile?: string;
  /** Path of the audit log. Default `/var/log/kubernetes/audit/audit.log`. */
  logPath?: string;
  /** Days to keep rotated files (`--audit-log-maxage`). Default 30, the CIS Kubernetes Benchmark minimum. */
  maxAgeDays?: number;
  /** Rotated files to keep (`--audit-log-maxbackup`). Default 10, the CIS minimum. */
  maxBackups?: number;
  /** Size in MB at which the log rotates (`--audit-log-maxsize`). Default 100, the CIS minimum. */
  maxSizeMegabytes?: number;
}

/** Every problem with {@link ApiServerAuditFlagsOptions} ([] when valid). */
export function validateApiServerAuditFlagsOptions(options: ApiServerAuditFlagsOptions = {}): string[] {
  const problems: string[] = [];
  for (const key of ["policyFile", "logPath"] as const) {
    const v = options[key];
    if (v !== undefined && (!v.startsWith("/") || /\s/.test(v))) problems.push(`${key}: must be an absolute path without spaces, got "${v}"`);
  }
  const minimums = { maxAgeDays: 30, maxBackups: 10, maxSizeMegabytes: 100 } as const;
  for (const [key, min] of Object.entries(minimums) as [keyof typeof minimums, number][]) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v < min)) {
      problems.push(`${key}: must be an integer >= ${min} (CIS Kubernetes Benchmark), got ${v}`);
    }
  }
  return problems;
}

/**
 * The kube-apiserver flags that enable audit logging with the policy (CIS Kubernetes Benchmark 1.2.x:
 * `--audit-log-path`, `--audit-log-maxage` >= 30, `--audit-log-maxbackup` >= 10, `--audit-log-maxsize` >= 100).
 * The policy file and the log directory must be mounted into the kube-apiserver static pod.
 */
export function apiServerAuditFlags(options: ApiServerAuditFlagsOptions = {}): string[] {
  assertValid("apiServerAuditFlags", "options", validateApiServerAuditFlagsOptions(options));
  return [
    `--audit-policy-file=${options.policyFile ?? "/etc/kubernetes/audit/policy.yaml"}`,
    `--audit-log-path=${options.logPath ?? "/var/log/kubernetes/audit/audit.log"}`,
    "--audit-log-format=json",
    `--audit-log-maxage=${options.maxAgeDays ?? 30}`,
    `--audit-log-maxbackup=${options.maxBackups ?? 10}`,
    `--audit-log-maxsize=${options.maxSizeMegabytes ?? 100}`,
  ];
}

// ---------------------------------------------------------------------------------------------------
// Evaluation (exactly the API server's first-match semantics)
// ---------------------------------------------------------------------------------------------------

/** The attributes of one API request the policy is evaluated against. */
export interface AuditRequest {
  /** Authenticated user name; omitted for an anonymous request without user info. */
  user?: string;
  /** The user's groups. */
  groups?: string[];
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection (or the HTTP-derived verb of a non-resource request). */
  verb: string;
  /** API group of a resource request; `""` (default) is the core group. */
  apiGroup?: string;
  /** Resource of a resource request (`secrets`); absent for a non-resource request. */
  resource?: string;
  /** Subresource (`exec`, `token`). */
  subresource?: string;
  /** Namespace; `""` or absent for cluster-scoped resources. */
  namespace?: string;
  /** Object name. */
  name?: string;
  /** URL path of a non-resource request (`/healthz`). */
  path?: string;
}

function nonEmpty<T>(xs: T[] | undefined): xs is T[] {
  return Array.isArray(xs) && xs.length > 0;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === "*" || spec === path) return true;
  return spec.endsWith("*") && path.startsWith(spec.replace(/\*+$/, ""));
}

function resourceEntryMatches(entry: string, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  if (entry === combined || entry === "*") return true;
  if (subresource && entry.startsWith("*/") && entry.slice(2) === subresource) return true;
  return entry.endsWith("/*") && entry.slice(0, -2) === resource;
}

/** Whether `rule` matches `request` (the API server's `ruleMatches`). */
export function auditRuleMatches(rule: AuditPolicyRule, request: AuditRequest): boolean {
  if (nonEmpty(rule.users) && (request.user === undefined || !rule.users.includes(request.user))) return false;
  if (nonEmpty(rule.userGroups)) {
    if (request.user === undefined) return false;
    if (!(request.groups ?? []).some((g) => rule.userGroups!.includes(g))) return false;
  }
  if (nonEmpty(rule.verbs) && !rule.verbs.includes(request.verb)) return false;
  const isResourceRequest = request.resource !== undefined;
  if (nonEmpty(rule.namespaces) || nonEmpty(rule.resources)) {
    if (!isResourceRequest) return false;
    if (nonEmpty(rule.namespaces) && !rule.namespaces.includes(request.namespace ?? "")) return false;
    if (!nonEmpty(rule.resources)) return true;
    const group = request.apiGroup ?? "";
    for (const gr of rule.resources) {
      if ((gr.group ?? "") !== group) continue;
      if (!nonEmpty(gr.resources)) return true;
      if (nonEmpty(gr.resourceNames) && !gr.resourceNames.includes(request.name ?? "")) continue;
      if (gr.resources.some((r) => resourceEntryMatches(r, request.resource!, request.subresource ?? ""))) return true;
    }
    return false;
  }
  if (nonEmpty(rule.nonResourceURLs)) {
    if (isResourceRequest) return false;
    return rule.nonResourceURLs.some((spec) => pathMatches(request.path ?? "", spec));
  }
  return true;
}

/** Index of the first rule matching `request`, or -1 when none does (level `None`). */
export function matchingAuditRule(policy: AuditPolicy, request: AuditRequest): number {
  return policy.rules.findIndex((rule) => auditRuleMatches(rule, request));
}

/** The level the API server records `request` at under `policy` (first matching rule; `None` without one). */
export function auditLevelFor(policy: AuditPolicy, request: AuditRequest): AuditLevel {
  const i = matchingAuditRule(policy, request);
  return i < 0 ? "None" : policy.rules[i].level;
}

// ---------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------

/** Options of {@link validateAuditPolicy}. */
export interface ValidateAuditPolicyOptions {
  /** Resources checked like Secrets besides {@link AUDIT_SENSITIVE_RESOURCES}. */
  sensitiveResources?: AuditSensitiveResource[];
}

/** Structural problems the API server itself rejects (validation.go + reader.go), plus a strict schema. */
function structuralProblems(policy: any): string[] {
  const problems: string[] = [];
  if (!policy || typeof policy !== "object") return ["(root): must be an audit.k8s.io/v1 Policy object"];
  if (policy.apiVersion !== "audit.k8s.io/v1") problems.push(`apiVersion: must be "audit.k8s.io/v1", got ${JSON.stringify(policy.apiVersion)}`);
  if (policy.kind !== "Policy") problems.push(`kind: must be "Policy", got ${JSON.stringify(policy.kind)}`);
  const stages = (value: unknown, path: string) => {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      problems.push(`${path}: must be a list of stages`);
      return;
    }
    value.forEach((s, i) => {
      if (!(AUDIT_STAGES as readonly unknown[]).includes(s)) problems.push(`${path}[${i}]: must be one of ${AUDIT_STAGES.join(", ")}, got ${JSON.stringify(s)}`);
    });
  };
  stages(policy.omitStages, "omitStages");
  for (const key of Object.keys(policy)) {
    if (!["apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"].includes(key)) problems.push(`${key}: unknown field`);
  }
  if (!Array.isArray(policy.rules) || policy.rules.length === 0) {
    problems.push("rules: must have at least one rule (the API server rejects an empty policy)");
    return problems;
  }
  const ruleKeys = ["level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields"];
  policy.rules.forEach((rule: any, i: number) => {
    const at = `rules[${i}]`;
    if (!rule || typeof rule !== "object") {
      problems.push(`${at}: must be an object`);
      return;
    }
    for (const key of Object.keys(rule)) if (!ruleKeys.includes(key)) problems.push(`${at}.${key}: unknown field`);
    if (!(AUDIT_LEVELS as readonly unknown[]).includes(rule.level)) {
      problems.push(`${at}.level: must be one of ${AUDIT_LEVELS.join(", ")}, got ${JSON.stringify(rule.level)}`);
    }
    for (const key of ["users", "userGroups", "verbs", "namespaces", "nonResourceURLs"]) {
      const v = rule[key];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) problems.push(`${at}.${key}: must be a list of strings`);
    }
    stages(rule.omitStages, `${at}.omitStages`);
    if (Array.isArray(rule.nonResourceURLs)) {
      rule.nonResourceURLs.forEach((url: string, j: number) => {
        if (url === "*") return;
        if (!url.startsWith("/")) problems.push(`${at}.nonResourceURLs[${j}]: must begin with "/", got "${url}"`);
        if (url.slice(0, -1).includes("*")) problems.push(`${at}.nonResourceURLs[${j}]: '*' is only allowed as the final character, got "${url}"`);
      });
      if (rule.nonResourceURLs.length > 0 && (nonEmpty(rule.resources) || nonEmpty(rule.namespaces))) {
        problems.push(`${at}.nonResourceURLs: a rule cannot apply to both resources/namespaces and non-resource URLs`);
      }
    }
    if (rule.resources !== undefined) {
      if (!Array.isArray(rule.resources)) {
        problems.push(`${at}.resources: must be a list of group resources`);
        return;
      }
      rule.resources.forEach((gr: any, j: number) => {
        const gat = `${at}.resources[${j}]`;
        for (const key of Object.keys(gr ?? {})) if (!["group", "resources", "resourceNames"].includes(key)) problems.push(`${gat}.${key}: unknown field`);
        const group = gr?.group ?? "";
        if (group !== "" && (typeof group !== "string" || group.length > 253 || !DNS1123_SUBDOMAIN.test(group))) {
          problems.push(`${gat}.group: must be "" (core) or a DNS-subdomain API group (there is no group wildcard), got ${JSON.stringify(group)}`);
        }
        if (nonEmpty(gr?.resourceNames) && !nonEmpty(gr?.resources)) problems.push(`${gat}.resourceNames: requires at least one resource`);
      });
    }
  });
  return problems;
}

type MatchScope = "all" | "some" | "none";
type Placement = "namespaced" | "cluster" | "unknown";

/** Whether a checked resource lives in namespaces (known built-ins), so namespace-restricted rules are judged exactly. */
function placementOf(group: string, resourcePath: string): Placement {
  const resource = resourcePath.split("/")[0];
  if (group === "" && ["secrets", "configmaps", "serviceaccounts", "pods", "services"].includes(resource)) return "namespaced";
  if ((group === "" && resource === "nodes") || (group === "authentication.k8s.io" && resource === "tokenreviews")) return "cluster";
  return "unknown";
}

/**
 * How much of the request set "`verb` on `group`/`resource` by anyone, in any namespace" a rule matches:
 * all of it, part of it (narrowed by users, groups, namespaces or object names), or none of it.
 */
function ruleScope(
  rule: AuditPolicyRule,
  group: string,
  resource: string,
  subresource: string,
  verb: string,
  placement: Placement,
): { scope: MatchScope; narrowedBy: string[] } {
  const narrowedBy: string[] = [];
  if (nonEmpty(rule.users)) narrowedBy.push(`users ${rule.users.join(", ")}`);
  if (nonEmpty(rule.userGroups)) narrowedBy.push(`groups ${rule.userGroups.join(", ")}`);
  if (nonEmpty(rule.verbs) && !rule.verbs.includes(verb)) return { scope: "none", narrowedBy };
  if (nonEmpty(rule.namespaces) || nonEmpty(rule.resources)) {
    if (nonEmpty(rule.namespaces)) {
      const clusterScoped = rule.namespaces.includes("");
      const named = rule.namespaces.filter((n) => n !== "");
      // A cluster-scoped resource only has namespace ""; a namespaced one never does.
      if (placement === "cluster" && !clusterScoped) return { scope: "none", narrowedBy };
      if (placement === "namespaced" && named.length === 0) return { scope: "none", narrowedBy };
      if (placement !== "cluster") narrowedBy.push(`namespaces ${rule.namespaces.map((n) => (n === "" ? '""' : n)).join(", ")}`);
    }
    if (nonEmpty(rule.resources)) {
      let matched: "all" | "named" | undefined;
      for (const gr of rule.resources) {
        if ((gr.group ?? "") !== group) continue;
        const hit = !nonEmpty(gr.resources) || gr.resources.some((r) => resourceEntryMatches(r, resource, subresource));
        if (!hit) continue;
        if (nonEmpty(gr.resources) && nonEmpty(gr.resourceNames)) matched ??= "named";
        else matched = "all";
        if (matched === "all") break;
      }
      if (!matched) return { scope: "none", narrowedBy };
      if (matched === "named") narrowedBy.push(`object names ${rule.resources.flatMap((g) => g.resourceNames ?? []).join(", ")}`);
    }
  } else if (nonEmpty(rule.nonResourceURLs)) {
    return { scope: "none", narrowedBy };
  }
  return { scope: narrowedBy.length > 0 ? "some" : "all", narrowedBy };
}

function describe(group: string, resource: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

interface Finding {
  key: string;
  verbs: string[];
  message: (verbs: string) => string;
}

/**
 * Walks the rules for every checked verb of `group`/`resource` and reports each rule (or the default) that
 * decides some of those requests at a level `isBad` rejects.
 */
function checkResource(
  policy: AuditPolicy,
  group: string,
  resourcePath: string,
  verbs: readonly string[],
  isBad: (level: AuditLevel) => string | undefined,
): string[] {
  const [resource, subresource = ""] = resourcePath.split("/", 2);
  const findings: Finding[] = [];
  const add = (key: string, verb: string, message: (verbs: string) => string) => {
    const existing = findings.find((f) => f.key === key);
    if (existing) existing.verbs.push(verb);
    else findings.push({ key, verbs: [verb], message });
  };
  const name = describe(group, resourcePath);
  for (const verb of verbs) {
    let decided = false;
    for (let i = 0; i < policy.rules.length; i++) {
      const rule = policy.rules[i];
      const { scope, narrowedBy } = ruleScope(rule, group, resource, subresource, verb, placementOf(group, resourcePath));
      if (scope === "none") continue;
      // Events are written at RequestReceived and at ResponseComplete (ResponseStarted only for long-running
      // requests): omitting both of the former leaves ordinary requests without any event.
      const omitted = new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])]);
      const silent = rule.level !== "None" && omitted.has("RequestReceived") && omitted.has("ResponseComplete");
      const why = isBad(silent ? "None" : rule.level);
      if (why) {
        const who = scope === "some" ? ` (for ${narrowedBy.join("; ")})` : "";
        const how = silent ? `${rule.level} but omitStages drops RequestReceived and ResponseComplete, so no event is written` : rule.level;
        add(`${i}|${who}`, verb, (vs) => `rules[${i}]: ${name} ${vs} requests${who} are logged at ${how}: ${why}`);
      }
      if (scope === "all") {
        decided = true;
        break;
      }
    }
    if (!decided) {
      const why = isBad("None");
      if (why) add("default", verb, (vs) => `rules: ${name} ${vs} requests match no rule and get the default level None: ${why}`);
    }
  }
  const order = (f: Finding) => (f.key === "default" ? Number.MAX_SAFE_INTEGER : Number(f.key.split("|")[0]));
  return findings.sort((a, b) => order(a) - order(b)).map((f) => f.message(f.verbs.join(", ")));
}

/**
 * Every problem with an audit Policy ([] when valid), evaluating it like the API server (first match):
 *
 * - structural problems the API server rejects (levels, stages, non-resource URL syntax, group names,
 *   `resourceNames` without `resources`, rules mixing resources and non-resource URLs, no rules);
 * - each sensitive resource (Secrets, ConfigMaps, ServiceAccount tokens, TokenReviews and
 *   `options.sensitiveResources`) whose first matching rule, for any verb and any user/namespace, logs
 *   bodies (`Request`/`RequestResponse` would copy credentials into the log) or logs nothing (`None`, or
 *   a level whose effective `omitStages` drops both `RequestReceived` and `ResponseComplete`);
 * - each exec/attach/port-forward/proxy/ephemeral-container subresource left unaudited (`None`).
 *
 * The policy pack reuses it. Messages name the rule (`rules[3]: ...`).
 */
export function validateAuditPolicy(policy: AuditPolicy, options: ValidateAuditPolicyOptions = {}): string[] {
  const problems = structuralProblems(policy);
  problems.push(...problemsOfResourceList(options.sensitiveResources, "options.sensitiveResources"));
  if (problems.length > 0) return problems;
  const sensitive = mergeByGroup([...AUDIT_SENSITIVE_RESOURCES, ...(options.sensitiveResources ?? [])]);
  const sensitiveLevel = (level: AuditLevel) =>
    level === "None"
      ? "access to credentials is not audited"
      : level === "Request" || level === "RequestResponse"
        ? "bodies carrying credentials would be written to the audit log (use Metadata)"
        : undefined;
  for (const { group, resources } of sensitive) {
    for (const r of resources) problems.push(...checkResource(policy, group, r, CHECKED_VERBS, sensitiveLevel));
  }
  const sensitiveKeys = new Set(sensitive.flatMap((s) => s.resources.map((r) => `${s.group}/${r}`)));
  for (const { group, resource } of AUDIT_REMOTE_ACCESS_SUBRESOURCES) {
    if (sensitiveKeys.has(`${group}/${resource}`)) continue;
    problems.push(
      ...checkResource(policy, group, resource, CHECKED_VERBS, (level) =>
        level === "None" ? "commands run in, or tunnels into, workloads are not audited" : undefined,
      ),
    );
  }
  return problems;
}
