/**
 * analyzeRbac: who can really read (or write, or indirectly obtain) Secrets, and who can escalate, in a
 * set of Kubernetes objects, following the API server's RBAC authorizer:
 *
 * - rules are matched with the authorizer's own helpers (match.ts) against concrete requests (probes.ts);
 * - a ClusterRoleBinding grants cluster-wide; a RoleBinding grants in its namespace only, also when it
 *   references a ClusterRole, and then the ClusterRole's cluster-scoped grants are inert;
 * - subjects: ServiceAccount (namespace defaults to the RoleBinding's; none in a ClusterRoleBinding
 *   matches nothing), User (`system:serviceaccount:<ns>:<name>` is that service account), Group (the
 *   system groups included: a service account is in `system:serviceaccounts`,
 *   `system:serviceaccounts:<ns>` and `system:authenticated`);
 * - ClusterRoles with an aggregationRule get the rules of every other ClusterRole any selector matches,
 *   transitively (the aggregation controller's fixpoint), replacing their own rules;
 * - whoever can act as a service account (create its token, impersonate it, or run a pod as it: create
 *   pods, or create or change a workload, whose pod template can name any service account of the
 *   namespace even when the rule names the workload) inherits everything it can do, and what its groups
 *   `system:serviceaccounts[:<ns>]` can do, followed to a fixpoint.
 *
 * Findings are per subject as bound: a group's access is reported under the group (never repeated for
 * each member, as for `system:authenticated`), so a service account acting as another member of its own
 * group does not inherit that group's grants again. What a subject can really read is its findings and
 * those of its groups (test/policy-pack/rbac/oracle.test.ts checks exactly that against a model).
 */
import { storeAuthProblems, storeProviderName } from "../../components/internal/esoStoreAuth";
import { conditionsAdmitNamespace, type NamespaceConditionLike } from "../../components/internal/namespaceConditions";
import { SYSTEM_GROUPS, builtinClusterRoles } from "./builtin";
import { selectorMatches } from "./match";
import { CLUSTER_SCOPED_RESOURCES, PROBES, forEachProbeAllowedBy, type Probe, type ProbeKind } from "./probes";

import type { AnalyzeOptions, KubeObject, LabelSelector, PolicyRule, RbacAnalysis, RbacFinding, RbacFindingCode, RbacSeverity } from "./types";

/*
 * Performance notes (see `npm run bench -- rbac`): the engine runs over every RBAC object of a stack in
 * each preview, so its hot paths avoid building strings to look things up. Namespaces get small numbers,
 * and a grant's key is a number (`namespace * PROBES.length + probe`, namespace 0 = every namespace)
 * unless it is narrowed to resource names; roles, service accounts, users and groups are found through
 * maps keyed by the names as they appear in the objects. Human-readable ids and chains are only built
 * once per object, or lazily when a finding needs them.
 */

interface RoleDef {
  kind: "Role" | "ClusterRole";
  name: string;
  namespace: string;
  id: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
  selectors: LabelSelector[] | null;
  builtin: boolean;
  /** Position in the role list (a later object with the same kind, namespace and name replaces it there). */
  position: number;
  /** Caches, filled on first use: aggregated members, effective rules and the probes they allow. */
  members?: Array<{ role: RoleDef; selector: LabelSelector }>;
  effective?: EffectiveRule[];
  grants?: Grant[];
}

const NO_STEPS: readonly string[] = Object.freeze([]);

/** A rule a role effectively has, with the steps that lead to it (aggregation, if any), described lazily. */
class EffectiveRule {
  private cached?: string[];
  private cachedText?: string;
  constructor(
    readonly rule: PolicyRule,
    private readonly index: number,
    private readonly origin: string,
    private readonly via: readonly string[],
  ) {}

  /** Path steps: aggregation (if any) and the rule itself. */
  get path(): string[] {
    return (this.cached ??= [...this.via, `${this.origin} ${describeRule(this.rule, this.index)}`]);
  }

  /** The path as one line (` -> ` between steps). */
  get pathText(): string {
    return (this.cachedText ??= this.path.join(" -> "));
  }
}

interface Grant {
  probe: Probe;
  names: string[] | null;
  eff: EffectiveRule;
}

/** Kinds whose inherited grants are covered by being able to run pods in the namespace. */
const READ_KINDS = new Set<ProbeKind>(["secret-read", "pod-create", "workload-write", "exec", "ephemeral-containers", "pod-update", "eso-exfiltrate"]);
/** Kinds only reported in combination (bind + create bindings, CSR approval + signer approval). */
const COMBINED_KINDS = new Set<ProbeKind>(["bind-roles", "bind-clusterroles", "create-rolebindings", "create-clusterrolebindings", "csr-approval", "signer-approve"]);

const PROBE_COUNT = PROBES.length;
const probeOf = (kind: ProbeKind, verb = "create") => PROBES.find((p) => p.kind === kind && p.verb === verb)!;
/**
 * Grants that together amount to a third (see pairGrants): create (any name) + get on secrets mint
 * service-account token Secrets (a Secret of type kubernetes.io/service-account-token naming any service
 * account is filled in by the token controller; the creator picks the name, so get on that name
 * suffices); create on SecretStores + PushSecrets copies every Secret of the namespace to a store of
 * one's own.
 */
const PAIRS: ReadonlyArray<{ a: Probe; b: Probe; result: Probe }> = [
  { a: probeOf("secret-write"), b: probeOf("secret-read", "get"), result: probeOf("token-secret") },
  { a: probeOf("eso-store"), b: probeOf("eso-push"), result: probeOf("eso-exfiltrate") },
];
const PAIRED = new Set<Probe>(PAIRS.flatMap((p) => [p.a, p.b]));
/** Per probe index: whether its kind is a read kind. */
const READ_PROBE: readonly boolean[] = PROBES.map((p) => READ_KINDS.has(p.kind));
/** Per probe index: a number for its kind (findings are grouped by kind). */
const KINDS: readonly ProbeKind[] = [...new Set(PROBES.map((p) => p.kind))];
const KIND_NUMBER: readonly number[] = PROBES.map((p) => KINDS.indexOf(p.kind));
const KIND_COUNT = KINDS.length;

/** A grant or target-set key: a number for a whole namespace (0 = every namespace), a string when narrowed to names. */
type Key = number | string;

/**
 * One request a principal can make, in a namespace (or `*`), for all or the named objects. The chain is
 * built lazily: a direct grant is binding + role path, an inherited one is the acting-as grant, a step
 * and the grant it inherits. Keys are computed once and shared with inherited copies.
 */
class Item {
  private cached?: string[];
  private cachedText?: string;
  readonly key: Key;
  /** The same request for any object in this namespace. */
  readonly anyHere: number;

  constructor(
    readonly probe: Probe,
    readonly ns: string,
    /** The namespace's number in this analysis (0 = every namespace). */
    readonly nsId: number,
    readonly names: string[] | null,
    private readonly head: string | Item,
    private readonly tail: EffectiveRule | Item,
    readonly via?: string,
    private readonly step?: string,
  ) {
    if (tail instanceof Item && tail.probe === probe) {
      // An inherited copy: the same request, so the same key.
      this.key = tail.key;
      this.anyHere = tail.anyHere;
    } else {
      this.anyHere = nsId * PROBE_COUNT + probe.index;
      this.key = names ? `${this.anyHere}|${names.join(",")}` : this.anyHere;
    }
  }

  /** Whether `p` already has this grant: the same request for any object here or everywhere, or pod creation (read kinds). */
  coveredBy(p: Principal): boolean {
    const items = p.items!;
    if (items.has(this.key)) return true;
    if (READ_PROBE[this.probe.index] && p.runsPods !== null && (p.runsPods.has(0) || p.runsPods.has(this.nsId))) return true;
    if (items.has(this.probe.index)) return true; // the request for any object in every namespace
    return this.names !== null && items.has(this.anyHere);
  }

  /** Creating this lets the holder run a pod of its choosing (mounting any Secret of the namespace). */
  get runsPods(): boolean {
    return (this.probe.kind === "pod-create" || this.probe.kind === "workload-write") && this.probe.verb === "create";
  }

  /**
   * For an acting-as grant: the service accounts it reaches, the named ones or all of the namespace (a
   * named workload's pod template can run as any of them).
   */
  get serviceAccountNames(): string[] | null {
    return this.probe.namesAreServiceAccounts ? this.names : null;
  }

  /** For an acting-as grant: which service accounts it reaches (namespace and names), as a key. */
  get actKey(): Key {
    const names = this.serviceAccountNames;
    return names ? `${this.nsId}|${names.join(",")}` : this.nsId;
  }

  /** The chain as one line (shared by every principal the grant was bound to). */
  get pathText(): string {
    // Composed from the parts' own (cached) texts rather than joined again: an inherited grant's chain is
    // the acting-as grant's, a step and the inherited grant's, and long chains are shared by many grants.
    if (this.cachedText !== undefined) return this.cachedText;
    const head = this.head;
    const tail = this.tail.pathText;
    return (this.cachedText = typeof head === "string" ? `${head} -> ${tail}` : `${head.pathText} -> ${this.step!} -> ${tail}`);
  }

  get path(): string[] {
    if (this.cached) return this.cached;
    const head = this.head;
    const tail = this.tail;
    this.cached = typeof head === "string" ? [head, ...tail.path] : [...head.path, this.step!, ...tail.path];
    return this.cached;
  }

  /** The same grant, obtained by `act`-ing as `target`. */
  inheritedThrough(act: Item, step: string, target: string): Item {
    return new Item(this.probe, this.ns, this.nsId, this.names, act, this, target, step);
  }
}

/** An acting-as grant of a principal, with how far the fixpoint has looked into its target set. */
interface ActState {
  act: Item;
  all: number;
  nonRead: number;
  /** Grants the principal gained through this target set (0: the targets can do nothing it cannot). */
  gained: number;
}

class Principal {
  private id?: string;
  /** Grants by key; created with the first grant (many subjects of bindings never get one). */
  items: Map<Key, Item> | null = null;
  /** The items in insertion order (append-only, so the fixpoint only looks at what is new). */
  readonly list: Item[] = [];
  /** Acting-as grants, one per distinct (namespace, names) target set; null until the first. */
  acts: Map<Key, ActState> | null = null;
  /** Namespace numbers (0 = all) where the principal can run pods of its choosing (create pods or workloads). */
  runsPods: Set<number> | null = null;
  /** Holds a kind that only counts in combination (see combinedFindings). */
  combined = false;
  /** Its grants of the probes PAIRS combines, by probe (see pairGrants); null until the first. */
  paired: Map<Probe, Item[]> | null = null;
  /** A service account, or a user or group: `prefix` + `name`; the identity string is built on first use. */
  constructor(
    private readonly serviceAccount: ServiceAccountRef | null,
    private readonly prefix = "",
    private readonly name = "",
  ) {}
  get subject(): string {
    return (this.id ??= this.serviceAccount ? this.serviceAccount.subject : this.prefix + this.name);
  }

  /** Has a grant (and so a place in the analysis order). */
  get registered(): boolean {
    return this.items !== null;
  }

  /**
   * Whether this principal is a service account in the group of service accounts `members` names: `*`
   * for `system:serviceaccounts`, a namespace for `system:serviceaccounts:<ns>`.
   */
  isServiceAccountIn(members: string): boolean {
    const sa = this.serviceAccount;
    return sa !== null && (members === "*" || sa.ns === members);
  }
}

/** A service account known to the analysis, with its identity string built on first use. */
class ServiceAccountRef {
  private id?: string;
  principal: Principal | null = null;
  constructor(
    readonly ns: string,
    readonly name: string,
  ) {}
  get subject(): string {
    return (this.id ??= `ServiceAccount ${this.ns}/${this.name}`);
  }
}

/** `1.34`, `v1.35.2` -> 34 / 35; undefined when absent or unparsable. */
export function kubernetesMinor(version: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version ?? "");
  return m ? Number(m[1]) : undefined;
}

function list(values: string[] | undefined): string {
  return (values ?? []).map((v) => (v === "" ? '""' : v)).join(",");
}

/** `rules[2] verbs=get,list apiGroups="" resources=secrets resourceNames=a` */
export function describeRule(rule: PolicyRule, index: number): string {
  let s = `rules[${index}] verbs=${list(rule.verbs)}`;
  if (rule.nonResourceURLs?.length) return `${s} nonResourceURLs=${list(rule.nonResourceURLs)}`;
  s += ` apiGroups=${list(rule.apiGroups)} resources=${list(rule.resources)}`;
  if (rule.resourceNames?.length) s += ` resourceNames=${list(rule.resourceNames)}`;
  return s;
}

function selectorText(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(",")})` : ""}`);
  return parts.length ? parts.join(",") : "{} (every ClusterRole)";
}

function isExempt(subject: string, exempt: string[]): boolean {
  for (const e of exempt) {
    if (e === subject) return true;
    if (e.endsWith("*") && subject.startsWith(e.slice(0, -1))) return true;
  }
  return false;
}

/** A User subject naming a service account: `system:serviceaccount:<namespace>:<name>`. */
const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** Who a binding subject is, after the authorizer's normalization. */
type SubjectParts = { kind: "ServiceAccount"; namespace: string; name: string } | { kind: "User" | "Group"; name: string };

/**
 * A binding subject as the authorizer matches it; null when it can match nobody. A ServiceAccount's
 * namespace defaults to the RoleBinding's (`bindingNamespace`, null for a ClusterRoleBinding, where it
 * is required); a User named `system:serviceaccount:<ns>:<name>` is that service account.
 */
function subjectParts(subject: { kind?: string; name?: string; namespace?: string }, bindingNamespace: string | null): SubjectParts | null {
  const name = subject.name ?? "";
  if (!name) return null;
  switch (subject.kind) {
    case "ServiceAccount": {
      const namespace = subject.namespace || bindingNamespace || "";
      return namespace ? { kind: "ServiceAccount", namespace, name } : null;
    }
    case "User": {
      const m = SERVICE_ACCOUNT_USER.exec(name);
      return m ? { kind: "ServiceAccount", namespace: m[1], name: m[2] } : { kind: "User", name };
    }
    case "Group":
      return { kind: "Group", name };
    default:
      return null;
  }
}

/** Normalizes a binding subject to the identity string it matches; null when it can match nobody. */
export function subjectIdentity(subject: { kind?: string; name?: string; namespace?: string }, bindingNamespace: string | null): string | null {
  const parts = subjectParts(subject, bindingNamespace);
  if (!parts) return null;
  return parts.kind === "ServiceAccount" ? `ServiceAccount ${parts.namespace}/${parts.name}` : `${parts.kind} ${parts.name}`;
}

interface Indexed {
  /** Every role, in the order of the objects (a duplicate takes the place of the one it replaces). */
  roles: RoleDef[];
  clusterRoles: RoleDef[];
  clusterRoleByName: Map<string, RoleDef>;
  rolesByNamespace: Map<string, Map<string, RoleDef>>;
  bindings: KubeObject[];
  /** Service accounts by namespace and name; every namespace's `default` comes first. */
  serviceAccounts: Map<string, Map<string, ServiceAccountRef>>;
  /** ESO SecretStores and ClusterSecretStores. */
  stores: EsoStore[];
  /** Labels of the Namespaces among the objects. */
  namespaceLabels: Map<string, Record<string, string>>;
}

/** An ESO store: namespaced (`ns`) or cluster-wide with its conditions, and whether it uses the controller's own identity. */
interface EsoStore {
  ns: string | null;
  conditions: NamespaceConditionLike[] | undefined;
  ambient: boolean;
  text: string;
}

function esoStore(obj: KubeObject, defaultNs: string): EsoStore {
  const spec = obj.spec as Record<string, any> | undefined;
  const cluster = obj.kind === "ClusterSecretStore";
  const ns = cluster ? null : obj.metadata?.namespace || defaultNs;
  const ambient = storeAuthProblems(spec).length > 0;
  const id = cluster ? `ClusterSecretStore ${obj.metadata?.name ?? ""}` : `SecretStore ${ns}/${obj.metadata?.name ?? ""}`;
  const provider = storeProviderName(spec) ?? "?";
  return { ns, conditions: cluster ? (spec?.conditions as NamespaceConditionLike[] | undefined) : undefined, ambient, text: `${id} [${provider}, ${ambient ? "the ESO controller's own identity" : "its own credentials"}]` };
}

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"]);

function podSpecOf(obj: KubeObject): Record<string, any> | undefined {
  const spec = obj.spec as Record<string, any> | undefined;
  if (!spec) return undefined;
  if (obj.kind === "Pod") return spec;
  if (obj.kind === "CronJob") return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

const NO_LABELS: Record<string, string> = Object.freeze({});

/** The service account `ns/name`, recorded (with the namespace's `default`) if new. */
function serviceAccount(serviceAccounts: Indexed["serviceAccounts"], ns: string, name: string): ServiceAccountRef {
  let byName = serviceAccounts.get(ns);
  if (!byName) {
    serviceAccounts.set(ns, (byName = new Map()));
    byName.set("default", new ServiceAccountRef(ns, "default"));
  }
  let ref = byName.get(name);
  if (!ref) byName.set(name, (ref = new ServiceAccountRef(ns, name)));
  return ref;
}

function index(objects: KubeObject[], options: AnalyzeOptions): Indexed {
  const defaultNs = options.defaultNamespace ?? "default";
  const ix: Indexed = { roles: [], clusterRoles: [], clusterRoleByName: new Map(), rolesByNamespace: new Map(), bindings: [], serviceAccounts: new Map(), stores: [], namespaceLabels: new Map() };
  const addRole = (obj: KubeObject, builtin: boolean) => {
    const kind = obj.kind === "Role" ? "Role" : "ClusterRole";
    const meta = obj.metadata;
    const name = meta?.name ?? "";
    let namespace = "";
    let table = ix.clusterRoleByName;
    if (kind === "Role") {
      namespace = meta?.namespace || defaultNs;
      let t = ix.rolesByNamespace.get(namespace);
      if (!t) ix.rolesByNamespace.set(namespace, (t = new Map()));
      table = t;
    }
    const existing = table.get(name);
    if (builtin && existing) return;
    const def: RoleDef = {
      kind,
      name,
      namespace,
      id: kind === "Role" ? `Role ${namespace}/${name}` : `ClusterRole ${name}`,
      labels: meta?.labels ?? NO_LABELS,
      rules: Array.isArray(obj.rules) ? obj.rules : [],
      selectors: kind === "ClusterRole" && obj.aggregationRule ? (obj.aggregationRule.clusterRoleSelectors ?? []) : null,
      builtin,
      position: existing ? existing.position : ix.roles.length,
    };
    table.set(name, def);
    if (existing) {
      // The API server keeps one object per name: the later one replaces the earlier everywhere.
      ix.roles[def.position] = def;
      if (kind === "ClusterRole") ix.clusterRoles[ix.clusterRoles.indexOf(existing)] = def;
    } else {
      ix.roles.push(def);
      if (kind === "ClusterRole") ix.clusterRoles.push(def);
    }
  };
  for (const obj of objects) {
    const kind = obj.kind;
    if (kind === "Role" || kind === "ClusterRole") addRole(obj, false);
    else if (kind === "RoleBinding" || kind === "ClusterRoleBinding") ix.bindings.push(obj);
    else if (kind === "ServiceAccount") serviceAccount(ix.serviceAccounts, obj.metadata?.namespace || defaultNs, obj.metadata?.name ?? "default");
    else if (kind && WORKLOAD_KINDS.has(kind)) {
      const spec = podSpecOf(obj);
      // serviceAccountName, else the deprecated serviceAccount, else default (as the API server defaults it).
      serviceAccount(ix.serviceAccounts, obj.metadata?.namespace || defaultNs, (spec?.serviceAccountName as string | undefined) || (spec?.serviceAccount as string | undefined) || "default");
    } else if (kind === "Namespace" && obj.metadata?.name) {
      serviceAccount(ix.serviceAccounts, obj.metadata.name, "default");
      if (obj.metadata.labels) ix.namespaceLabels.set(obj.metadata.name, obj.metadata.labels);
    } else if (kind === "SecretStore" || kind === "ClusterSecretStore") ix.stores.push(esoStore(obj, defaultNs));
  }
  if (options.includeBuiltinRoles ?? true) for (const r of builtinClusterRoles()) addRole(r, true);
  return ix;
}

/** Resolves aggregated ClusterRoles to their effective rules (aggregation controller fixpoint). */
class Aggregator {
  /** label key -> value -> the ClusterRoles carrying it. */
  private readonly byLabel = new Map<string, Map<string, RoleDef[]>>();

  constructor(private readonly clusterRoles: RoleDef[]) {
    for (const r of clusterRoles) {
      for (const k in r.labels) {
        let values = this.byLabel.get(k);
        if (!values) this.byLabel.set(k, (values = new Map()));
        const v = r.labels[k];
        let l = values.get(v);
        if (!l) values.set(v, (l = []));
        l.push(r);
      }
    }
  }

  /** The ClusterRoles an aggregated role collects directly, in the controller's order (selector, then name). */
  membersOf(role: RoleDef): Array<{ role: RoleDef; selector: LabelSelector }> {
    if (role.members) return role.members;
    const m: Array<{ role: RoleDef; selector: LabelSelector }> = [];
    const seen = new Set<RoleDef>();
    for (const sel of role.selectors ?? []) {
      let candidates: RoleDef[] = this.clusterRoles;
      const labels = sel.matchLabels ?? {};
      for (const k in labels) {
        const l = this.byLabel.get(k)?.get(labels[k]) ?? [];
        if (l.length < candidates.length) candidates = l;
      }
      const matched = candidates.filter((c) => c.name !== role.name && !seen.has(c) && selectorMatches(sel, c.labels));
      matched.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of matched) {
        seen.add(c);
        m.push({ role: c, selector: sel });
      }
    }
    return (role.members = m);
  }

  effectiveRules(role: RoleDef): EffectiveRule[] {
    if (role.effective) return role.effective;
    let out: EffectiveRule[];
    if (role.selectors === null) {
      out = role.rules.map((rule, i) => new EffectiveRule(rule, i, role.id, NO_STEPS));
    } else {
      out = [];
      const seenRules = new Set<string>();
      const visited = new Set<RoleDef>([role]);
      const walk = (agg: RoleDef, via: string[]) => {
        for (const { role: member, selector } of this.membersOf(agg)) {
          if (visited.has(member)) continue;
          visited.add(member);
          const step = [...via, `${agg.id} aggregates ${member.id} (selector ${selectorText(selector)})`];
          if (member.selectors !== null) walk(member, step);
          else {
            member.rules.forEach((rule, i) => {
              const key = JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
              if (seenRules.has(key)) return;
              seenRules.add(key);
              out.push(new EffectiveRule(rule, i, member.id, step));
            });
          }
        }
      };
      walk(role, []);
    }
    return (role.effective = out);
  }
}

const KIND_TEXT: Record<ProbeKind, string> = {
  "secret-read": "read Secrets",
  "secret-write": "write or delete Secrets",
  "pod-create": "create pods (which can mount any Secret in the namespace and run as any of its service accounts)",
  "workload-write": "create or change pod-template workloads (which can mount any Secret in the namespace and run as any of its service accounts)",
  exec: "exec into or attach to pods (reading the Secrets mounted in them)",
  "ephemeral-containers": "add ephemeral containers to pods (reading the Secrets mounted in them)",
  "nodes-proxy": "use the kubelet API through nodes/proxy (exec in any pod on every node)",
  "token-create": "create service account tokens (acting as those service accounts)",
  "impersonate-serviceaccounts": "impersonate service accounts",
  "impersonate-users": "impersonate users",
  "impersonate-groups": "impersonate groups (including system:masters)",
  "impersonate-uids": "impersonate user UIDs",
  "impersonate-userextras": "impersonate user extra fields",
  "bind-roles": "bind Roles they do not hold while creating RoleBindings",
  "bind-clusterroles": "bind ClusterRoles they do not hold while creating bindings",
  "create-rolebindings": "create RoleBindings",
  "create-clusterrolebindings": "create ClusterRoleBindings",
  "escalate-roles": "escalate Roles (grant themselves permissions they do not hold)",
  "escalate-clusterroles": "escalate ClusterRoles (grant themselves permissions they do not hold)",
  "csr-approval": "approve CertificateSigningRequests",
  "signer-approve": "approve certificates for signers",
  "admission-webhooks": "change admission webhook configurations (seeing or rewriting every Secret written)",
  "persistentvolume-create": "create PersistentVolumes (hostPath access to node disks)",
  "pod-update": "change running pods (a swapped image runs as the pod's service account, with the Secrets mounted in it)",
  "eso-pull": "pull external secrets with ExternalSecrets (everything the ESO stores usable here reach)",
  "eso-store": "create or change ESO SecretStores (authenticating as the ESO controller, or as any service account of the namespace)",
  "eso-push": "push Secrets of the namespace to external stores with PushSecrets",
  "token-secret": "mint service-account token Secrets (create + get secrets: acting as every service account of the namespace)",
  "eso-exfiltrate": "copy every Secret of the namespace out with a SecretStore of their own and a PushSecret",
};

/** Each kind's position when the kind texts are sorted; built only if no kind text is a prefix of another. */
const KIND_TEXT_RANK: Record<ProbeKind, number> = (() => {
  const texts = Object.values(KIND_TEXT);
  for (const a of texts) for (const b of texts) if (a !== b && b.startsWith(a)) throw new Error(`kind text "${a}" starts "${b}": sortedFindings relies on it not doing so`);
  const sorted = [...texts].sort(cmp);
  return Object.fromEntries(Object.entries(KIND_TEXT).map(([k, t]) => [k, sorted.indexOf(t)])) as Record<ProbeKind, number>;
})();

function codeOf(kind: ProbeKind, inherited: boolean): RbacFindingCode | null {
  switch (kind) {
    case "secret-read":
      return inherited ? "indirect-secret-read" : "secret-read";
    case "secret-write":
      return "secret-write";
    case "pod-create":
    case "workload-write":
    case "exec":
    case "ephemeral-containers":
    case "pod-update":
    case "eso-exfiltrate":
      return "indirect-secret-read";
    case "eso-pull":
    case "eso-store":
    case "eso-push":
      return "external-secret-access";
    case "bind-roles":
    case "bind-clusterroles":
    case "create-rolebindings":
    case "create-clusterrolebindings":
    case "csr-approval":
    case "signer-approve":
      return null; // only meaningful in combination (see combined findings)
    default:
      return "escalation";
  }
}

function severityOf(code: RbacFindingCode, kind: ProbeKind, ns: string): RbacSeverity {
  const cluster = ns === "*";
  switch (code) {
    case "secret-read":
      return cluster ? "critical" : "high";
    case "indirect-secret-read":
      return cluster ? "critical" : "high";
    case "secret-write":
      return cluster ? "high" : "medium";
    case "escalation":
      return cluster || kind.startsWith("impersonate-") || kind === "nodes-proxy" ? "critical" : "high";
    case "external-secret-access":
      return cluster ? "critical" : "high";
    case "missing-role":
      return "medium";
    default:
      return "low";
  }
}

function scopeText(ns: string): string {
  return ns === "*" ? "in every namespace" : `in namespace ${ns}`;
}

function namesText(names: string[] | null, list: boolean): string {
  if (!names) return "";
  return ` (only ${names.join(", ")}${list ? "; list/watch only with a metadata.name field selector" : ""})`;
}

/** Analyzes RBAC objects (plus ServiceAccounts, Namespaces and workloads, used for acting-as). */
export function analyzeRbac(objects: KubeObject[], options: AnalyzeOptions = {}): RbacAnalysis {
  const analysis = new Analysis(objects, options);
  analysis.reportRuleProblems();
  analysis.applyBindings();
  analysis.followActingAs();
  analysis.reportPrincipals();
  return { findings: analysis.sortedFindings() };
}

/**
 * The grants an acting-as grant passes on (those of the service accounts it reaches and of their
 * groups), merged once per target set and shared by every actor with that set: deduplicated by request,
 * and split so that actors who can already run pods everywhere skip the read kinds. Each inherited grant
 * is stored with the index of the source it came from.
 */
interface TargetSet {
  /**
   * Where the grants come from: a service account, or a group of service accounts (`members`: `*` or the
   * namespace), whose grants an actor that is itself a member already holds (and which are reported under
   * the group, like every group grant), so they are not inherited again.
   */
  sources: Array<{ src: Principal; target: string; step: string; members?: string }>;
  /** Per source: how much of its list has been merged. */
  offsets: Int32Array;
  keys: Set<Key>;
  all: Item[];
  allSource: number[];
  nonRead: Item[];
  nonReadSource: number[];
  round: number;
}

/** A group of a principal's grants reported as one finding: same kind, namespace, names and acting-as target. */
interface FindingGroup {
  code: RbacFindingCode;
  kind: ProbeKind;
  ns: string;
  names: string[] | null;
  list: boolean;
  verbs: string[];
  /** The first grant of the group: its chain is the finding's. */
  item: Item;
  via?: string;
}

const SEVERITY_ORDER: Record<RbacSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** One run of the engine; the phases are methods so that each is compiled on its own. */
class Analysis {
  private readonly minor: number | undefined;
  private readonly exempt: string[];
  private readonly defaultNs: string;
  private readonly idx: Indexed;
  private readonly aggregator: Aggregator;
  readonly findings: RbacFinding[] = [];
  /** For each finding of reportPrincipal (by index): the rank of its kind's text (see sortedFindings). */
  private readonly findingKinds: number[] = [];
  /** Principals, in the order they first receive a grant; found by name without building identity strings. */
  private readonly principals: Principal[] = [];
  private readonly users = new Map<string, Principal>();
  private readonly groups = new Map<string, Principal>();
  private readonly namespaceIds = new Map<string, number>();
  private readonly targetSets = new Map<Key, TargetSet>();
  private readonly viaIds = new Map<string, number>();
  /** Reused by reportPrincipal for every principal. */
  private readonly scratchGroups = new Map<Key, FindingGroup>();
  private readonly storesByNamespace = new Map<string, EsoStore[]>();

  constructor(objects: KubeObject[], options: AnalyzeOptions) {
    this.minor = kubernetesMinor(options.kubernetesVersion);
    this.exempt = options.exemptSubjects ?? [];
    this.defaultNs = options.defaultNamespace ?? "default";
    this.idx = index(objects, options);
    this.aggregator = new Aggregator(this.idx.clusterRoles);
  }

  /** Rule-level problems in role definitions (subject = the role). */
  reportRuleProblems(): void {
    const roles = this.idx.roles;
    for (let r = 0; r < roles.length; r++) {
      const role = roles[r];
      if (role.builtin) continue;
      if (role.selectors !== null && role.rules.length > 0) {
        this.findings.push({
          code: "ineffective-rule",
          subject: role.id,
          namespace: "*",
          severity: "low",
          path: [role.id],
          verbs: [],
          message: `${role.id} has an aggregationRule: the aggregation controller replaces its ${role.rules.length} own rule(s) with the aggregated ones`,
        });
        continue;
      }
      for (let i = 0; i < role.rules.length; i++) {
        const rule = role.rules[i];
        const problems = ruleProblems(rule, role.kind);
        if (!problems) continue;
        const where = `${role.id} ${describeRule(rule, i)}`;
        for (const problem of problems) {
          this.findings.push({
            code: "ineffective-rule",
            subject: role.id,
            namespace: role.kind === "Role" ? role.namespace : "*",
            severity: "low",
            path: [where],
            verbs: rule.verbs ?? [],
            message: `${where}: ${problem}`,
          });
        }
      }
    }
  }

  private grantsOf(role: RoleDef): Grant[] {
    if (role.grants) return role.grants;
    const grants: Grant[] = [];
    // A plain role's rules are its effective rules: the EffectiveRule is only made for a rule that grants something.
    const effective = role.selectors === null ? undefined : this.aggregator.effectiveRules(role);
    const count = effective ? effective.length : role.rules.length;
    for (let i = 0; i < count; i++) {
      let eff = effective?.[i];
      const rule = eff ? eff.rule : role.rules[i];
      forEachProbeAllowedBy(rule, this.minor, (probe, names) => grants.push({ probe, names, eff: (eff ??= new EffectiveRule(rule, i, role.id, NO_STEPS)) }));
    }
    return (role.grants = grants);
  }

  private named(table: Map<string, Principal>, prefix: string, name: string): Principal {
    let p = table.get(name);
    if (!p) table.set(name, (p = new Principal(null, prefix, name)));
    return p;
  }

  private ofServiceAccount(ns: string, name: string): Principal {
    const ref = serviceAccount(this.idx.serviceAccounts, ns, name);
    return (ref.principal ??= new Principal(ref));
  }

  /** The principal a binding subject matches (see subjectParts); null when it can match nobody. */
  private subjectPrincipal(s: { kind?: string; name?: string; namespace?: string }, bindingNamespace: string | null): Principal | null {
    const parts = subjectParts(s, bindingNamespace);
    if (!parts) return null;
    if (parts.kind === "ServiceAccount") return this.ofServiceAccount(parts.namespace, parts.name);
    return parts.kind === "User" ? this.named(this.users, "User ", parts.name) : this.named(this.groups, "Group ", parts.name);
  }

  private namespaceId(ns: string): number {
    // "*" stands for every namespace here; no real namespace has that name (the API server refuses it).
    if (ns === "*") return 0;
    let id = this.namespaceIds.get(ns);
    if (id === undefined) this.namespaceIds.set(ns, (id = this.namespaceIds.size + 1));
    return id;
  }

  private addItem(p: Principal, item: Item): boolean {
    if (p.items === null) {
      p.items = new Map();
      this.principals.push(p);
    } else if (p.items.has(item.key)) return false;
    p.items.set(item.key, item);
    p.list.push(item);
    const probe = item.probe;
    if (item.runsPods) (p.runsPods ??= new Set()).add(item.nsId);
    if (probe.actsAsServiceAccounts) {
      const acts = (p.acts ??= new Map());
      const actKey = item.actKey;
      if (!acts.has(actKey)) acts.set(actKey, { act: item, all: 0, nonRead: 0, gained: 0 });
    }
    if (COMBINED_KINDS.has(probe.kind)) p.combined = true;
    if (PAIRED.has(probe) && (item.names === null || !probe.nameless)) this.pairGrants(p, item);
    return true;
  }

  /**
   * Adds what two grants give together (PAIRS) once the principal holds both, in the same namespace or
   * one of them everywhere: the first of each pair for any name, the second for any or some names.
   */
  private pairGrants(p: Principal, added: Item): void {
    const held = (p.paired ??= new Map());
    let mine = held.get(added.probe);
    if (!mine) held.set(added.probe, (mine = []));
    mine.push(added);
    for (const pair of PAIRS) {
      const isA = pair.a === added.probe;
      if (!isA && pair.b !== added.probe) continue;
      if (isA && added.names !== null) continue;
      const others = held.get(isA ? pair.b : pair.a);
      if (!others) continue;
      for (let i = 0; i < others.length; i++) {
        const a = isA ? added : others[i];
        const b = isA ? others[i] : added;
        if (a.names !== null) continue;
        if (a.nsId !== 0 && b.nsId !== 0 && a.nsId !== b.nsId) continue;
        const [ns, nsId] = a.nsId === 0 ? [b.ns, b.nsId] : [a.ns, a.nsId];
        this.addItem(p, new Item(pair.result, ns, nsId, null, a, b, undefined, "and"));
      }
    }
  }

  /** Every binding's grants to its subjects (and what is wrong with the binding). */
  applyBindings(): void {
    const bindings = this.idx.bindings;
    for (let i = 0; i < bindings.length; i++) this.applyBinding(bindings[i]);
  }

  private applyBinding(b: KubeObject): void {
    const cluster = b.kind === "ClusterRoleBinding";
    const bns = cluster ? "" : b.metadata?.namespace || this.defaultNs;
    const bid = cluster ? `ClusterRoleBinding ${b.metadata?.name ?? ""}` : `RoleBinding ${bns}/${b.metadata?.name ?? ""}`;
    const ref = b.roleRef ?? {};
    const refKind = ref.kind;
    const refName = ref.name ?? "";
    // A ClusterRoleBinding cannot reference a Role.
    const referable = refKind === "ClusterRole" || (refKind === "Role" && !cluster);
    const role = refKind === "ClusterRole" ? this.idx.clusterRoleByName.get(refName) : referable ? this.idx.rolesByNamespace.get(bns)?.get(refName) : undefined;
    const identities: Principal[] = [];
    const subjects = b.subjects ?? [];
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i];
      const p = this.subjectPrincipal(s, cluster ? null : bns);
      if (p) identities.push(p);
      else {
        this.findings.push({
          code: "ineffective-rule",
          subject: bid,
          namespace: cluster ? "*" : bns,
          severity: "low",
          path: [bid],
          verbs: [],
          message: `${bid}: subject ${s.kind ?? "?"} ${s.name ?? "?"} matches nobody${s.kind === "ServiceAccount" && cluster ? " (a ServiceAccount subject of a ClusterRoleBinding needs a namespace)" : ""}`,
        });
      }
    }
    if (!role) {
      const target = refKind === "ClusterRole" ? `ClusterRole ${refName}` : referable ? `Role ${bns}/${refName}` : `${refKind ?? "?"} ${ref.name ?? "?"}`;
      for (const p of identities) {
        this.findings.push({
          code: "missing-role",
          subject: p.subject,
          namespace: cluster ? "*" : bns,
          severity: "medium",
          path: [bid, target],
          verbs: [],
          message: `${bid} binds ${p.subject} to ${target}, which does not exist${referable ? "" : " or cannot be referenced from this binding"}: it grants nothing now, but whoever creates ${target} later grants its rules to ${p.subject}`,
        });
      }
      return;
    }
    const ns = cluster ? "*" : bns;
    let nsId = cluster ? 0 : -1;
    let inertReported: Set<string> | undefined;
    const grants = this.grantsOf(role);
    for (let i = 0; i < grants.length; i++) {
      const g = grants[i];
      if (!cluster && g.probe.clusterScoped) {
        // Reported when the rule names the cluster-scoped resource (a `*` rule is only partly inert).
        const explicit = (g.eff.rule.resources ?? []).some((r) => r === g.probe.resource || r.startsWith(`${g.probe.resource}/`));
        if (!explicit) continue;
        const path = g.eff.path;
        const key = `${path[path.length - 1]}|${g.probe.resource}`;
        inertReported ??= new Set();
        if (!inertReported.has(key)) {
          inertReported.add(key);
          this.findings.push({
            code: "ineffective-rule",
            subject: bid,
            namespace: bns,
            severity: "low",
            path: [bid, ...path],
            verbs: [g.probe.verb],
            message: `${bid} -> ${path.join(" -> ")}: ${g.probe.resource} is cluster-scoped, so this grant is inert in a RoleBinding`,
          });
        }
        continue;
      }
      if (identities.length === 0) continue;
      if (nsId < 0) nsId = this.namespaceId(bns);
      const item = new Item(g.probe, ns, nsId, g.names, bid, g.eff);
      for (let k = 0; k < identities.length; k++) this.addItem(identities[k], item);
    }
  }

  private targetSetOf(act: Item, actKey: Key): TargetSet {
    let set = this.targetSets.get(actKey);
    if (set) return set;
    const serviceAccounts = this.idx.serviceAccounts;
    const targets: ServiceAccountRef[] = [];
    const names = act.serviceAccountNames;
    if (act.ns === "*") {
      serviceAccounts.forEach((byName) => byName.forEach((sa) => (!names || names.includes(sa.name)) && targets.push(sa)));
    } else {
      const byName = serviceAccounts.get(act.ns);
      if (names) for (const n of names) targets.push(byName?.get(n) ?? new ServiceAccountRef(act.ns, n));
      else if (byName) byName.forEach((sa) => targets.push(sa));
      else targets.push(new ServiceAccountRef(act.ns, "default"));
    }
    const sources: TargetSet["sources"] = [];
    const everySa = this.groups.get(SYSTEM_GROUPS.serviceAccounts);
    let everySaAdded = false;
    const seenNamespaces = new Set<string>();
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      const sa = target.principal;
      if (sa?.registered) sources.push({ src: sa, target: target.subject, step: `acts as ${target.subject}` });
      if (everySa?.registered && !everySaAdded) {
        everySaAdded = true;
        sources.push({ src: everySa, target: target.subject, step: `acts as ${target.subject} (member of ${everySa.subject})`, members: "*" });
      }
      if (!seenNamespaces.has(target.ns)) {
        seenNamespaces.add(target.ns);
        const nsGroup = this.groups.get(`${SYSTEM_GROUPS.serviceAccounts}:${target.ns}`);
        if (nsGroup?.registered) sources.push({ src: nsGroup, target: target.subject, step: `acts as ${target.subject} (member of ${nsGroup.subject})`, members: target.ns });
      }
    }
    set = { sources, offsets: new Int32Array(sources.length), keys: new Set(), all: [], allSource: [], nonRead: [], nonReadSource: [], round: -1 };
    this.targetSets.set(actKey, set);
    return set;
  }

  /** Pulls the sources' new grants into the set (once per round). */
  private refresh(set: TargetSet, round: number): void {
    if (set.round === round) return;
    set.round = round;
    for (let i = 0; i < set.sources.length; i++) {
      const list = set.sources[i].src.list;
      for (let o = set.offsets[i]; o < list.length; o++) {
        const item = list[o];
        if (set.keys.has(item.key)) continue;
        set.keys.add(item.key);
        set.all.push(item);
        set.allSource.push(i);
        if (!READ_PROBE[item.probe.index]) {
          set.nonRead.push(item);
          set.nonReadSource.push(i);
        }
      }
      set.offsets[i] = list.length;
    }
  }

  /**
   * Acting as service accounts (token creation, impersonation, running pods as them), to a fixpoint.
   * Items are append-only, so each (actor, target set) pair only ever reads the items it has not seen.
   */
  followActingAs(): void {
    let changed = true;
    let round = 0;
    while (changed) {
      changed = false;
      round++;
      for (let i = 0; i < this.principals.length; i++) {
        const p = this.principals[i];
        // New acting-as grants found while following one are followed in the same round.
        if (p.acts !== null) p.acts.forEach((state, actKey) => this.followAct(p, state, actKey, round) && (changed = true));
      }
    }
  }

  private followAct(p: Principal, state: ActState, actKey: Key, round: number): boolean {
    const act = state.act;
    const set = this.targetSetOf(act, actKey);
    this.refresh(set, round);
    const everywhere = p.runsPods !== null && p.runsPods.has(0);
    const list = everywhere ? set.nonRead : set.all;
    const from = everywhere ? set.nonReadSource : set.allSource;
    let changed = false;
    let o = everywhere ? state.nonRead : state.all;
    for (; o < list.length; o++) {
      const item = list[o];
      const source = set.sources[from[o]];
      if (source.target === p.subject || item.via === p.subject || (source.members !== undefined && p.isServiceAccountIn(source.members)) || item.coveredBy(p)) continue;
      if (this.addItem(p, item.inheritedThrough(act, source.step, source.target))) {
        changed = true;
        state.gained++;
      }
    }
    if (everywhere) state.nonRead = o;
    else state.all = o;
    return changed;
  }

  /** Findings per principal: one per (kind, namespace, names, acting-as target), listing the verbs. */
  reportPrincipals(): void {
    for (let i = 0; i < this.principals.length; i++) {
      const p = this.principals[i];
      if (!isExempt(p.subject, this.exempt)) this.reportPrincipal(p);
    }
  }

  private reportPrincipal(p: Principal): void {
    // Group key: a number from kind, namespace and acting-as target; a string only when names narrow it.
    const byGroup = this.scratchGroups;
    byGroup.clear();
    const kindsAndNamespaces = (this.namespaceIds.size + 1) * KIND_COUNT;
    const list = p.list;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const probe = item.probe;
      const code = codeOf(probe.kind, item.via !== undefined);
      if (!code) continue;
      let key: Key = item.nsId * KIND_COUNT + KIND_NUMBER[probe.index];
      if (item.via !== undefined) key += kindsAndNamespaces * this.viaId(item.via);
      if (item.names !== null) key = `${key}|${item.names.join(",")}`;
      const g = byGroup.get(key);
      if (g) {
        if (!g.verbs.includes(probe.verb)) g.verbs.push(probe.verb);
        g.list ||= probe.list;
      } else {
        byGroup.set(key, { code, kind: probe.kind, ns: item.ns, names: item.names, list: probe.list, verbs: [probe.verb], item, via: item.via });
      }
    }
    byGroup.forEach((g) => {
      let severity = severityOf(g.code, g.kind, g.ns);
      let extra = "";
      let stores: EsoStore[] | undefined;
      if (g.code === "external-secret-access") {
        stores = this.storesUsableIn(g.ns);
        // Pulling needs a store: reported where one of the analysed objects is usable.
        if (g.kind === "eso-pull" && stores.length === 0) return;
        if (g.kind === "eso-pull" && stores.some((s) => s.ambient)) severity = "critical";
        if (stores.length > 0) extra = ` (stores usable there: ${stores.map((s) => s.text).join(", ")})`;
      } else if (g.code === "escalation" && g.item.probe.actsAsServiceAccounts && p.acts?.get(g.item.actKey)?.gained === 0) {
        // Bounded by what the targets really grant: nothing beyond what the subject already holds.
        severity = "low";
        extra = " (bounded: the service accounts it reaches can do nothing it cannot already do)";
      }
      const message = `${p.subject} can ${KIND_TEXT[g.kind]} (${g.verbs.join(", ")}) ${scopeText(g.ns)}${namesText(g.names, g.list)}${g.via ? ` by acting as ${g.via}` : ""} via ${g.item.pathText}${extra}`;
      const { code, ns: namespace, verbs, names } = g;
      const path = g.item.path;
      const finding: RbacFinding = { code, subject: p.subject, namespace, severity, path, verbs, message };
      if (names) finding.resourceNames = names;
      if (g.via !== undefined) finding.actingAs = g.via;
      if (stores && stores.length > 0) finding.stores = stores.map((s) => s.text);
      this.findings.push(finding);
      this.findingKinds[this.findings.length - 1] = KIND_TEXT_RANK[g.kind];
    });
    if (p.combined) this.findings.push(...combinedFindings(p, (bind, ns) => this.bindIsBounded(p, bind, ns)));
  }

  /**
   * Whether binding the roles a `bind` grant names (in `ns`, `*` for ClusterRoleBindings) gives `p`
   * nothing it does not hold already: every named role exists and each of its grants is covered.
   */
  private bindIsBounded(p: Principal, bind: Item, ns: string): boolean {
    const names = bind.names;
    if (names === null) return false;
    const cluster = ns === "*";
    const roles = bind.probe.kind === "bind-roles" ? (cluster ? undefined : this.idx.rolesByNamespace.get(ns)) : this.idx.clusterRoleByName;
    if (!roles) return false;
    // Looked up, not registered (reporting must not add namespaces): -1 matches no grant of one namespace.
    const nsId = cluster ? 0 : (this.namespaceIds.get(ns) ?? -1);
    for (const name of names) {
      const role = roles.get(name);
      if (!role) return false;
      for (const g of this.grantsOf(role)) {
        if (!cluster && g.probe.clusterScoped) continue; // inert in a RoleBinding
        if (!new Item(g.probe, ns, nsId, g.names, "", g.eff).coveredBy(p)) return false;
      }
    }
    return true;
  }

  /** The ESO stores of the analysed objects usable from `ns` (`*`: all of them), as ESO decides it. */
  private storesUsableIn(ns: string): EsoStore[] {
    let list = this.storesByNamespace.get(ns);
    if (list) return list;
    list = this.idx.stores.filter((s) => {
      if (ns === "*") return true;
      if (s.ns !== null) return s.ns === ns;
      return conditionsAdmitNamespace(s.conditions, ns, this.idx.namespaceLabels.get(ns)) !== false;
    });
    this.storesByNamespace.set(ns, list);
    return list;
  }

  /** A number for an acting-as target (1, 2, ...), for grouping keys. */
  private viaId(via: string): number {
    let id = this.viaIds.get(via);
    if (id === undefined) this.viaIds.set(via, (id = this.viaIds.size + 1));
    return id;
  }

  /**
   * The findings by severity, subject, namespace, code and message. Subjects and namespaces are ranked
   * once, so that most comparisons are between numbers; messages are only compared on a tie.
   */
  sortedFindings(): RbacFinding[] {
    const findings = this.findings;
    const subjects = rankOf(findings.map((f) => f.subject));
    const namespaces = rankOf(findings.map((f) => f.namespace));
    const codes = rankOf(findings.map((f) => f.code));
    const keys = new Float64Array(findings.length);
    for (let i = 0; i < findings.length; i++) {
      const f = findings[i];
      keys[i] = ((SEVERITY_ORDER[f.severity] * subjects.size + subjects.get(f.subject)!) * namespaces.size + namespaces.get(f.namespace)!) * codes.size + codes.get(f.code)!;
    }
    // On a tie, two principal findings of different kinds differ right after "<subject> can ": their kind
    // texts' order is their messages' order (no kind text starts another, checked where KIND_TEXT_RANK is
    // built), which saves comparing two long messages.
    const kinds = this.findingKinds;
    const order = Array.from(findings.keys());
    order.sort((a, b) => {
      const byKey = keys[a] - keys[b];
      if (byKey !== 0) return byKey;
      const ka = kinds[a];
      const kb = kinds[b];
      if (ka !== undefined && kb !== undefined && ka !== kb) return ka - kb;
      return cmp(findings[a].message, findings[b].message);
    });
    return order.map((i) => findings[i]);
  }
}

/** Each distinct value's position in sorted order. */
function rankOf(values: string[]): Map<string, number> {
  const distinct = [...new Set(values)].sort(cmp);
  const rank = new Map<string, number>();
  for (let i = 0; i < distinct.length; i++) rank.set(distinct[i], i);
  return rank;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Escalations that need two permissions together: bind + create bindings, CSR approval + signer approve.
 * A bind limited to named roles that grant nothing beyond what the principal holds (`bounded`) is low.
 */
function combinedFindings(p: Principal, bounded: (bind: Item, ns: string) => boolean): RbacFinding[] {
  const out: RbacFinding[] = [];
  const items = p.list;
  const covers = (scope: string, ns: string) => scope === "*" || scope === ns;
  const byKind = (k: ProbeKind) => items.filter((i) => i.probe.kind === k);
  const seen = new Set<string>();
  const push = (ns: string, text: string, path: string[], verbs: string[], names: string[] | null, low = false) => {
    const key = `${ns}|${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      code: "escalation",
      subject: p.subject,
      namespace: ns,
      severity: low ? "low" : "critical",
      path,
      verbs,
      ...(names ? { resourceNames: names } : {}),
      message: `${p.subject} can ${text} ${scopeText(ns)}${names ? ` (only ${names.join(", ")})` : ""} via ${path.join(" -> ")}${low ? " (bounded: the named roles grant nothing it does not already hold)" : ""}`,
    });
  };
  for (const bind of [...byKind("bind-roles"), ...byKind("bind-clusterroles")]) {
    const create = [...byKind("create-rolebindings"), ...byKind("create-clusterrolebindings")].find(
      (c) => covers(c.ns, bind.ns) || covers(bind.ns, c.ns),
    );
    if (!create) continue;
    const ns = bind.ns === "*" && create.ns === "*" ? "*" : bind.ns === "*" ? create.ns : bind.ns;
    const what = bind.probe.kind === "bind-roles" ? "Roles" : "ClusterRoles";
    push(ns, `grant ${what} they do not hold (bind + create ${create.probe.resource})`, [...bind.path, "and", ...create.path], ["bind", "create"], bind.names, bounded(bind, ns));
  }
  const approval = byKind("csr-approval")[0];
  if (approval) {
    for (const signer of byKind("signer-approve")) {
      push("*", "approve CertificateSigningRequests for signers (minting client certificates, e.g. for system:masters)", [...approval.path, "and", ...signer.path], ["update", "approve"], signer.names);
    }
  }
  return out;
}

const HAS_UPPER_CASE = /[A-Z]/;
const KNOWN_VERBS = new Set(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "approve", "sign", "proxy", "use", "attest"]);

/** Why (parts of) a rule can never match a request. */
export function ineffectiveProblems(rule: PolicyRule, roleKind: "Role" | "ClusterRole"): string[] {
  return ruleProblems(rule, roleKind) ?? [];
}

/** ineffectiveProblems, undefined when there is none (the engine checks every rule of every role). */
function ruleProblems(rule: PolicyRule, roleKind: "Role" | "ClusterRole"): string[] | undefined {
  let problems: string[] | undefined;
  const verbs = rule.verbs ?? [];
  if (verbs.length === 0) (problems ??= []).push("no verbs: the rule grants nothing");
  for (const v of verbs) {
    if (!HAS_UPPER_CASE.test(v)) continue;
    const lower = v.toLowerCase();
    if (v !== lower && KNOWN_VERBS.has(lower)) (problems ??= []).push(`verb "${v}" never matches: verbs are case-sensitive (use "${lower}")`);
  }
  if (!rule.nonResourceURLs?.length) {
    const apiGroups = rule.apiGroups ?? [];
    for (const g of apiGroups) {
      if (g === "core" || g === "v1") (problems ??= []).push(`apiGroup "${g}" is not an API group: the core group is "" (this entry grants nothing)`);
    }
    if (apiGroups.length === 0) (problems ??= []).push("no apiGroups: the rule grants nothing");
    const resources = rule.resources ?? [];
    let hasSubresource = false;
    for (const r of resources) {
      const slash = r.indexOf("/");
      if (slash < 0) {
        if (roleKind === "Role" && CLUSTER_SCOPED_RESOURCES.has(r) && !(r === "clusterroles" && verbs.every((v) => v === "bind"))) {
          (problems ??= []).push(`resource "${r}" is cluster-scoped: a Role can never grant it`);
        }
        continue;
      }
      hasSubresource = true;
      if (r === "*/*") (problems ??= []).push(`resource "*/*" matches no request ("*" covers every resource and subresource)`);
      else if (r.endsWith("/*") && !r.startsWith("*/")) (problems ??= []).push(`resource "${r}" matches no request (subresources are named exactly, e.g. "${r.slice(0, -2)}/status")`);
      if (roleKind === "Role") {
        const base = r.slice(0, slash);
        if (CLUSTER_SCOPED_RESOURCES.has(base) && !(base === "clusterroles" && verbs.every((v) => v === "bind"))) (problems ??= []).push(`resource "${r}" is cluster-scoped: a Role can never grant it`);
      }
    }
    // A nameless request's name is "": resourceNames containing "" match it (and every object with it).
    if ((rule.resourceNames ?? []).length > 0 && !hasSubresource && !(rule.resourceNames ?? []).includes("")) {
      const nameless = verbs.filter((v) => v === "create" || v === "deletecollection");
      if (nameless.length > 0) (problems ??= []).push(`${nameless.join(" and ")} with resourceNames never matches: those requests carry no object name`);
    }
  } else if (roleKind === "Role") {
    (problems ??= []).push("nonResourceURLs in a Role never match: non-resource URLs can only be granted by a ClusterRole and a ClusterRoleBinding");
  }
  return problems;
}
