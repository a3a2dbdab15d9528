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
  | "persistentvolume-create"
  | "pod-update"
  | "eso-pull"
  | "eso-store"
  | "eso-push"
  | "token-secret"
  | "eso-exfiltrate";

export interface Probe {
  id: string;
  /** Position in PROBES: the engine keys its per-principal grant maps by numbers built from it. */
  index: number;
  kind: ProbeKind;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** `resource` or `resource/subresource`, as a rule's resources entry names it exactly. */
  combined: string;
  /**
   * The request carries no object name (create on a collection, deletecollection, collection
   * list/watch): its name is "", so a rule with resourceNames matches it only when they include "".
   * List/watch are modelled as named (single-name field selector) and flagged by `list`.
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
  /**
   * With resourceNames, the names are service accounts (token creation, impersonation), so only those are
   * reached. Otherwise they name the object acted on (a workload to update), whose pod template can then
   * run as any service account of the namespace.
   */
  namesAreServiceAccounts: boolean;
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
  flags: Partial<Pick<Probe, "nameless" | "list" | "clusterScoped" | "actsAsServiceAccounts" | "namesAreServiceAccounts" | "before135" | "matches">> = {},
): Probe {
  const [resource, subresource = ""] = combined.split("/");
  return {
    id: `${kind}:${verb}:${apiGroup}:${combined}`,
    index: 0, // set below, once PROBES is built
    kind,
    verb,
    apiGroup,
    resource,
    subresource,
    combined,
    nameless: flags.nameless ?? false,
    list: flags.list ?? false,
    clusterScoped: flags.clusterScoped ?? false,
    actsAsServiceAccounts: flags.actsAsServiceAccounts ?? false,
    namesAreServiceAccounts: flags.namesAreServiceAccounts ?? false,
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
  // A running pod's container images are mutable: whoever updates or patches a pod runs code of their
  // choosing as the pod's service account, with the Secrets mounted in it (any service account of the
  // namespace: a pod may run as any of them).
  probe("pod-update", "update", "", "pods", { actsAsServiceAccounts: true }),
  probe("pod-update", "patch", "", "pods", { actsAsServiceAccounts: true }),
  probe("exec", "create", "", "pods/exec"),
  probe("exec", "create", "", "pods/attach"),
  probe("exec", "get", "", "pods/exec", { before135: true }),
  probe("exec", "get", "", "pods/attach", { before135: true }),
  probe("ephemeral-containers", "update", "", "pods/ephemeralcontainers"),
  probe("ephemeral-containers", "patch", "", "pods/ephemeralcontainers"),
  probe("nodes-proxy", "get", "", "nodes/proxy", { clusterScoped: true }),
  probe("nodes-proxy", "create", "", "nodes/proxy", { clusterScoped: true }),
  probe("token-create", "create", "", "serviceaccounts/token", { actsAsServiceAccounts: true, namesAreServiceAccounts: true }),
  probe("impersonate-serviceaccounts", "impersonate", "", "serviceaccounts", { actsAsServiceAccounts: true, namesAreServiceAccounts: true }),
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
  // External Secrets Operator (external-secrets.io, aggregated into edit/admin by its chart): an
  // ExternalSecret pulls whatever the stores usable in its namespace reach; a SecretStore authenticates as
  // the controller (no auth) or as any service account of the namespace (serviceAccountRef; the
  // kubernetes provider's auth.serviceAccount has ESO mint that account's token); a PushSecret copies
  // Secrets of the namespace to a store.
  ...["create", "update", "patch"].flatMap((v) => [
    probe("eso-pull", v, "external-secrets.io", "externalsecrets", { nameless: v === "create" }),
    probe("eso-store", v, "external-secrets.io", "secretstores", { nameless: v === "create", actsAsServiceAccounts: true }),
    probe("eso-push", v, "external-secrets.io", "pushsecrets", { nameless: v === "create" }),
  ]),
  // Not matched by any rule: derived by the engine from create + get on secrets (a Secret of type
  // kubernetes.io/service-account-token naming any service account is filled in by the token controller).
  probe("token-secret", "create", "", "secrets", { actsAsServiceAccounts: true, matches: () => false }),
  // Not matched by any rule: derived from create on SecretStores + PushSecrets in one namespace (a store of
  // one's own, e.g. pointing at one's own Vault, and a PushSecret copying every Secret of the namespace to it).
  probe("eso-exfiltrate", "create", "external-secrets.io", "pushsecrets", { matches: () => false }),
];
PROBES.forEach((p, i) => (p.index = i));

/**
 * Probes indexed by the rule `resources` entry that names them exactly: `resource`, `resource/sub` or
 * `*\/sub` (`*` is handled separately, and so are the probes with a custom matcher).
 */
const BY_ENTRY = new Map<string, Probe[]>();
const CUSTOM: Probe[] = [];
for (const p of PROBES) {
  if (p.matches) {
    CUSTOM.push(p);
    continue;
  }
  const entries = p.subresource ? [p.combined, `*/${p.subresource}`] : [p.combined];
  for (const e of entries) BY_ENTRY.set(e, [...(BY_ENTRY.get(e) ?? []), p]);
}

export interface ProbeMatch {
  probe: Probe;
  /** null: any object; otherwise only these names. */
  names: string[] | null;
}

/**
 * The probes `rule` allows, with the names it narrows them to. Matching is the authorizer's: a rule with
 * resourceNames allows a nameless request (create, deletecollection, unfiltered list) only when they
 * include "" (and then for every object).
 */
export function probesAllowedBy(rule: PolicyRule, kubernetesMinor: number | undefined): ProbeMatch[] {
  const out: ProbeMatch[] = [];
  forEachProbeAllowedBy(rule, kubernetesMinor, (probe, names) => out.push({ probe, names }));
  return out;
}

/**
 * probesAllowedBy without the result array: calls `found` for each allowed probe, in PROBES order for a
 * `*` rule, otherwise in the order of the rule's resources. All calls for one rule share one copy of its
 * resourceNames (null when the rule has none). Used by the engine, which sees every rule of every role.
 */
export function forEachProbeAllowedBy(rule: PolicyRule, kubernetesMinor: number | undefined, found: (probe: Probe, names: string[] | null) => void): void {
  const resources = rule.resources ?? [];
  const verbs = rule.verbs ?? [];
  if (resources.length === 0 || verbs.length === 0) return;
  const names = rule.resourceNames?.length ? [...rule.resourceNames] : null;
  if (resources.includes("*")) {
    for (const p of PROBES) offer(p, rule, kubernetesMinor, names, found);
    return;
  }
  // Candidates of each resources entry, each offered once: a rule usually has one entry that names a
  // probe, so the set of what was offered is only built from the second such entry on.
  let first: Probe[] | undefined;
  let seen: Set<Probe> | undefined;
  const custom = verbs.includes("impersonate") || verbs.includes("*");
  for (let i = 0; i <= resources.length; i++) {
    const list = i < resources.length ? BY_ENTRY.get(resources[i]) : custom ? CUSTOM : undefined;
    if (!list) continue;
    if (!first) {
      first = list;
      for (const p of list) offer(p, rule, kubernetesMinor, names, found);
      continue;
    }
    seen ??= new Set(first);
    for (const p of list) {
      if (seen.has(p)) continue;
      seen.add(p);
      offer(p, rule, kubernetesMinor, names, found);
    }
  }
}

/**
 * Calls `found` if the rule allows the probe, with the names it narrows it to. ResourceNameMatches
 * (k8s.io/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go) compares the request's name, which is ""
 * for create, deletecollection and an unfiltered list/watch: a rule whose resourceNames include "" allows
 * those requests, i.e. every object (and "" names no object a get/update/delete could ask for).
 */
function offer(p: Probe, rule: PolicyRule, kubernetesMinor: number | undefined, names: string[] | null, found: (probe: Probe, names: string[] | null) => void): void {
  if (p.before135 && kubernetesMinor !== undefined && kubernetesMinor >= 35) return;
  const ok = p.matches ? p.matches(rule) : verbMatches(rule, p.verb) && apiGroupMatches(rule, p.apiGroup) && resourceMatches(rule, p.combined, p.subresource);
  if (!ok) return;
  if (names === null) return found(p, null);
  const empty = names.includes("");
  if (empty && (p.nameless || p.list)) return found(p, null);
  if (p.nameless) return;
  if (!empty) return found(p, names);
  const named = names.filter((n) => n !== "");
  if (named.length > 0) found(p, named);
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
