/**
 * The requests that matter for Secret access and privilege escalation, expressed as API requests so that
 * a rule is tested with the authorizer's own matching (see match.ts), never by string search.
 */
import { apiGroupMatches, resourceMatches, verbMatches } from "./match";
import type { PolicyRule } from "./types";

/** What a probe means when a rule allows it. */
export type ProbeKind =
  | "secret-read"
  | "secret-write"
  | "pod-create"
  | "workload-write"
  | "exec"
  | "ephemeral-containers"
  | "nodes-proxy"
  | "token-create"
  | "impersonate-serviceaccounts"
  | "impersonate-users"
  | "impersonate-groups"
  | "impersonate-uids"
  | "impersonate-userextras"
  | "bind-roles"
  | "bind-clusterroles"
  | "create-rolebindings"
  | "create-clusterrolebindings"
  | "escalate-roles"
  | "escalate-clusterroles"
  | "csr-approval"
  | "signer-approve"
  | "admission-webhooks"
  | "persistentvolume-create";

export interface Probe {
  id: string;
  /** Key of this request for any object everywhere (`<id>|*|*`), used by the engine's subsumption. */
  anyKey: string;
  kind: ProbeKind;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  /**
   * The request carries no object name (create on a collection, deletecollection, collection
   * list/watch): a rule with resourceNames never matches it. List/watch are modelled as named
   * (single-name field selector) and flagged by `list`.
   */
  nameless: boolean;
  /** list/watch: with resourceNames only `fieldSelector=metadata.name=<name>` requests are served. */
  list: boolean;
  /**
   * The request has no namespace, so only ClusterRoleBindings can grant it (inert in a RoleBinding).
   * `bind` is checked in the binding's namespace even for clusterroles, so it is not cluster-scoped.
   */
  clusterScoped: boolean;
  /** Grants acting as service accounts of the namespace (all of them, or the named ones). */
  actsAsServiceAccounts: boolean;
  /** Only before Kubernetes 1.35 (WebSocket exec/attach authorized with `get`). */
  before135?: boolean;
  /** Custom matcher (userextras, where the subresource is the extra's key). */
  matches?: (rule: PolicyRule) => boolean;
}

function probe(
  kind: ProbeKind,
  verb: string,
  apiGroup: string,
  combined: string,
  flags: Partial<Pick<Probe, "nameless" | "list" | "clusterScoped" | "actsAsServiceAccounts" | "before135" | "matches">> = {},
): Probe {
  const [resource, subresource = ""] = combined.split("/");
  const id = `${kind}:${verb}:${apiGroup}:${combined}`;
  return {
    id,
    anyKey: `${id}|*|*`,
    kind,
    verb,
    apiGroup,
    resource,
    subresource,
    nameless: flags.nameless ?? false,
    list: flags.list ?? false,
    clusterScoped: flags.clusterScoped ?? false,
    actsAsServiceAccounts: flags.actsAsServiceAccounts ?? false,
    before135: flags.before135,
    matches: flags.matches,
  };
}

const WORKLOADS: Array<[string, string]> = [
  ["apps", "deployments"],
  ["apps", "replicasets"],
  ["apps", "statefulsets"],
  ["apps", "daemonsets"],
  ["extensions", "deployments"],
  ["extensions", "replicasets"],
  ["extensions", "daemonsets"],
  ["batch", "jobs"],
  ["batch", "cronjobs"],
  ["", "replicationcontrollers"],
];

const RBAC = "rbac.authorization.k8s.io";

export const PROBES: readonly Probe[] = [
  probe("secret-read", "get", "", "secrets"),
  probe("secret-read", "list", "", "secrets", { list: true }),
  probe("secret-read", "watch", "", "secrets", { list: true }),
  probe("secret-write", "create", "", "secrets", { nameless: true }),
  probe("secret-write", "update", "", "secrets"),
  probe("secret-write", "patch", "", "secrets"),
  probe("secret-write", "delete", "", "secrets"),
  probe("secret-write", "deletecollection", "", "secrets", { nameless: true }),
  probe("pod-create", "create", "", "pods", { nameless: true, actsAsServiceAccounts: true }),
  ...WORKLOADS.flatMap(([g, r]) => [
    probe("workload-write", "create", g, r, { nameless: true, actsAsServiceAccounts: true }),
    probe("workload-write", "update", g, r, { actsAsServiceAccounts: true }),
    probe("workload-write", "patch", g, r, { actsAsServiceAccounts: true }),
  ]),
  probe("exec", "create", "", "pods/exec"),
  probe("exec", "create", "", "pods/attach"),
  probe("exec", "get", "", "pods/exec", { before135: true }),
  probe("exec", "get", "", "pods/attach", { before135: true }),
  probe("ephemeral-containers", "update", "", "pods/ephemeralcontainers"),
  probe("ephemeral-containers", "patch", "", "pods/ephemeralcontainers"),
  probe("nodes-proxy", "get", "", "nodes/proxy", { clusterScoped: true }),
  probe("nodes-proxy", "create", "", "nodes/proxy", { clusterScoped: true }),
  probe("token-create", "create", "", "serviceaccounts/token", { actsAsServiceAccounts: true }),
  probe("impersonate-serviceaccounts", "impersonate", "", "serviceaccounts", { actsAsServiceAccounts: true }),
  probe("impersonate-users", "impersonate", "", "users", { clusterScoped: true }),
  probe("impersonate-groups", "impersonate", "", "groups", { clusterScoped: true }),
  probe("impersonate-uids", "impersonate", "authentication.k8s.io", "uids", { clusterScoped: true }),
  probe("impersonate-userextras", "impersonate", "authentication.k8s.io", "userextras/*", {
    clusterScoped: true,
    // The request's subresource is the extra's key: `userextras/<key>`, `*/<key>` or `*` match it.
    matches: (rule) =>
      verbMatches(rule, "impersonate") &&
      apiGroupMatches(rule, "authentication.k8s.io") &&
      (rule.resources ?? []).some((r) => r === "*" || (r.startsWith("userextras/") && r.length > 11) || (r.startsWith("*/") && r.length > 2)),
  }),
  probe("bind-roles", "bind", RBAC, "roles"),
  probe("bind-clusterroles", "bind", RBAC, "clusterroles"),
  probe("create-rolebindings", "create", RBAC, "rolebindings", { nameless: true }),
  probe("create-clusterrolebindings", "create", RBAC, "clusterrolebindings", { nameless: true, clusterScoped: true }),
  probe("escalate-roles", "escalate", RBAC, "roles"),
  probe("escalate-clusterroles", "escalate", RBAC, "clusterroles", { clusterScoped: true }),
  probe("csr-approval", "update", "certificates.k8s.io", "certificatesigningrequests/approval", { clusterScoped: true }),
  probe("signer-approve", "approve", "certificates.k8s.io", "signers", { clusterScoped: true }),
  ...["mutatingwebhookconfigurations", "validatingwebhookconfigurations"].flatMap((r) =>
    ["create", "update", "patch"].map((v) =>
      probe("admission-webhooks", v, "admissionregistration.k8s.io", r, { clusterScoped: true, nameless: v === "create" }),
    ),
  ),
  probe("persistentvolume-create", "create", "", "persistentvolumes", { clusterScoped: true, nameless: true }),
];

/** Probes indexed by the rule `resources` entry that can match them exactly (`*` and `*\/sub` handled separately). */
const BY_COMBINED = new Map<string, Probe[]>();
const BY_SUBRESOURCE = new Map<string, Probe[]>();
const CUSTOM: Probe[] = [];
for (const p of PROBES) {
  if (p.matches) {
    CUSTOM.push(p);
    continue;
  }
  const combined = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  BY_COMBINED.set(combined, [...(BY_COMBINED.get(combined) ?? []), p]);
  if (p.subresource) BY_SUBRESOURCE.set(p.subresource, [...(BY_SUBRESOURCE.get(p.subresource) ?? []), p]);
}

export interface ProbeMatch {
  probe: Probe;
  /** null: any object; otherwise only these names. */
  names: string[] | null;
}

/**
 * The probes `rule` allows, with the names it narrows them to. Matching is the authorizer's: a rule with
 * resourceNames never allows a nameless request (create, deletecollection).
 */
export function probesAllowedBy(rule: PolicyRule, kubernetesMinor: number | undefined): ProbeMatch[] {
  const resources = rule.resources ?? [];
  if (resources.length === 0 || (rule.verbs ?? []).length === 0) return [];
  let candidates: readonly Probe[];
  if (resources.includes("*")) candidates = PROBES;
  else {
    // Usually one or two short lists: concatenate, and deduplicate only when several entries matched.
    const found: Probe[] = [];
    let lists = 0;
    for (const r of resources) {
      const exact = BY_COMBINED.get(r);
      if (exact) {
        found.push(...exact);
        lists++;
      }
      if (r.startsWith("*/")) {
        const sub = BY_SUBRESOURCE.get(r.slice(2));
        if (sub) {
          found.push(...sub);
          lists++;
        }
      }
    }
    const verbs = rule.verbs ?? [];
    if (verbs.includes("impersonate") || verbs.includes("*")) {
      found.push(...CUSTOM);
      lists++;
    }
    if (lists === 0) return [];
    candidates = lists > 1 ? [...new Set(found)] : found;
  }
  const names = rule.resourceNames ?? [];
  const out: ProbeMatch[] = [];
  for (const p of candidates) {
    if (p.before135 && kubernetesMinor !== undefined && kubernetesMinor >= 35) continue;
    const ok = p.matches
      ? p.matches(rule)
      : verbMatches(rule, p.verb) &&
        apiGroupMatches(rule, p.apiGroup) &&
        resourceMatches(rule, p.subresource ? `${p.resource}/${p.subresource}` : p.resource, p.subresource);
    if (!ok) continue;
    if (names.length === 0) out.push({ probe: p, names: null });
    else if (!p.nameless) out.push({ probe: p, names: [...names] });
  }
  return out;
}

/** Resources that are not namespaced: a Role or a RoleBinding can never grant them. */
export const CLUSTER_SCOPED_RESOURCES: ReadonlySet<string> = new Set([
  "nodes",
  "persistentvolumes",
  "clusterroles",
  "clusterrolebindings",
  "customresourcedefinitions",
  "storageclasses",
  "csidrivers",
  "csinodes",
  "volumeattachments",
  "certificatesigningrequests",
  "signers",
  "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations",
  "validatingadmissionpolicies",
  "validatingadmissionpolicybindings",
  "apiservices",
  "priorityclasses",
  "runtimeclasses",
  "ingressclasses",
  "componentstatuses",
  "users",
  "groups",
  "uids",
  "userextras",
  "tokenreviews",
  "selfsubjectaccessreviews",
  "selfsubjectrulesreviews",
  "subjectaccessreviews",
]);
