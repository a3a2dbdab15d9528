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
 * - whoever can act as a service account (create its token, impersonate it, or run a pod as it) inherits
 *   everything it can do, followed to a fixpoint.
 */
import { SYSTEM_GROUPS, builtinClusterRoles } from "./builtin";
import { selectorMatches } from "./match";
import { CLUSTER_SCOPED_RESOURCES, probesAllowedBy, type Probe, type ProbeKind } from "./probes";

import type { AnalyzeOptions, KubeObject, LabelSelector, PolicyRule, RbacAnalysis, RbacFinding, RbacFindingCode, RbacSeverity } from "./types";

interface RoleDef {
  kind: "Role" | "ClusterRole";
  name: string;
  namespace: string;
  id: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
  selectors: LabelSelector[] | null;
  builtin: boolean;
}

/** A rule a role effectively has, with the steps that lead to it (aggregation, if any), described lazily. */
class EffectiveRule {
  private cached?: string[];
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
}

interface Grant {
  probe: Probe;
  names: string[] | null;
  eff: EffectiveRule;
}

/** Kinds whose inherited grants are covered by being able to run pods in the namespace. */
const READ_KINDS = new Set<ProbeKind>(["secret-read", "pod-create", "workload-write", "exec", "ephemeral-containers"]);

/**
 * One request a principal can make, in a namespace (or `*`), for all or the named objects. The chain is
 * built lazily: a direct grant is binding + role path, an inherited one is the acting-as grant, a step
 * and the grant it inherits. Keys are computed once and shared with inherited copies.
 */
class Item {
  private cached?: string[];
  readonly key: string;
  /** The same request for any object in this namespace. */
  readonly anyHere: string;

  constructor(
    readonly probe: Probe,
    readonly ns: string,
    readonly names: string[] | null,
    private readonly head: string | Item,
    private readonly tail: EffectiveRule | Item,
    readonly via?: string,
    private readonly step?: string,
  ) {
    if (tail instanceof Item) {
      this.key = tail.key;
      this.anyHere = tail.anyHere;
    } else {
      this.anyHere = `${probe.id}|${ns}|*`;
      this.key = names ? `${probe.id}|${ns}|${names.join(",")}` : this.anyHere;
    }
  }

  /** Whether `items` already covers this grant: the same request for any object here or everywhere, or pod creation (read kinds). */
  coveredBy(items: Map<string, Item>, runsPods: Set<string>): boolean {
    if (items.has(this.key)) return true;
    if (READ_KINDS.has(this.probe.kind) && (runsPods.has("*") || runsPods.has(this.ns))) return true;
    if (items.has(this.probe.anyKey)) return true;
    return this.names !== null && items.has(this.anyHere);
  }

  /** Creating this lets the holder run a pod of its choosing (mounting any Secret of the namespace). */
  get runsPods(): boolean {
    return (this.probe.kind === "pod-create" || this.probe.kind === "workload-write") && this.probe.verb === "create";
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
    return new Item(this.probe, this.ns, this.names, act, this, target, step);
  }
}

interface Principal {
  subject: string;
  items: Map<string, Item>;
  /** The items in insertion order (append-only, so the fixpoint only looks at what is new). */
  list: Item[];
  /** Acting-as grants, one per distinct (namespace, names) target set. */
  acts: Map<string, Item>;
  /** Namespaces (`*` = all) where the principal can run pods of its choosing (create pods or workloads). */
  runsPods: Set<string>;
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

/** Normalizes a binding subject to the identity string it matches; null when it can match nobody. */
export function subjectIdentity(subject: { kind?: string; name?: string; namespace?: string }, bindingNamespace: string | null): string | null {
  const name = subject.name ?? "";
  if (!name) return null;
  switch (subject.kind) {
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace || "";
      return ns ? `ServiceAccount ${ns}/${name}` : null;
    }
    case "User": {
      const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
      return m ? `ServiceAccount ${m[1]}/${m[2]}` : `User ${name}`;
    }
    case "Group":
      return `Group ${name}`;
    default:
      return null;
  }
}

interface Indexed {
  roles: Map<string, RoleDef>;
  clusterRoles: RoleDef[];
  bindings: KubeObject[];
  serviceAccounts: Map<string, Set<string>>;
}

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"]);

function podSpecOf(obj: KubeObject): Record<string, any> | undefined {
  const spec = obj.spec as Record<string, any> | undefined;
  if (!spec) return undefined;
  if (obj.kind === "Pod") return spec;
  if (obj.kind === "CronJob") return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

function index(objects: KubeObject[], options: AnalyzeOptions): Indexed {
  const defaultNs = options.defaultNamespace ?? "default";
  const roles = new Map<string, RoleDef>();
  const clusterRoles: RoleDef[] = [];
  const bindings: KubeObject[] = [];
  const serviceAccounts = new Map<string, Set<string>>();
  const addSa = (ns: string, name: string) => {
    let s = serviceAccounts.get(ns);
    if (!s) serviceAccounts.set(ns, (s = new Set(["default"])));
    s.add(name);
  };
  const addRole = (obj: KubeObject, builtin: boolean) => {
    const kind = obj.kind === "Role" ? "Role" : "ClusterRole";
    const name = obj.metadata?.name ?? "";
    const namespace = kind === "Role" ? obj.metadata?.namespace || defaultNs : "";
    const id = kind === "Role" ? `Role ${namespace}/${name}` : `ClusterRole ${name}`;
    if (builtin && roles.has(id)) return;
    const def: RoleDef = {
      kind,
      name,
      namespace,
      id,
      labels: obj.metadata?.labels ?? {},
      rules: Array.isArray(obj.rules) ? obj.rules : [],
      selectors: kind === "ClusterRole" && obj.aggregationRule ? (obj.aggregationRule.clusterRoleSelectors ?? []) : null,
      builtin,
    };
    roles.set(id, def);
    if (kind === "ClusterRole") clusterRoles.push(def);
  };
  for (const obj of objects) {
    const kind = obj.kind;
    if (kind === "Role" || kind === "ClusterRole") addRole(obj, false);
    else if (kind === "RoleBinding" || kind === "ClusterRoleBinding") bindings.push(obj);
    else if (kind === "ServiceAccount") addSa(obj.metadata?.namespace || defaultNs, obj.metadata?.name ?? "default");
    else if (kind && WORKLOAD_KINDS.has(kind)) {
      const spec = podSpecOf(obj);
      addSa(obj.metadata?.namespace || defaultNs, (spec?.serviceAccountName as string | undefined) || "default");
    } else if (kind === "Namespace" && obj.metadata?.name) addSa(obj.metadata.name, "default");
  }
  if (options.includeBuiltinRoles ?? true) for (const r of builtinClusterRoles()) addRole(r, true);
  return { roles, clusterRoles, bindings, serviceAccounts };
}

/** Resolves aggregated ClusterRoles to their effective rules (aggregation controller fixpoint). */
class Aggregator {
  private readonly byLabel = new Map<string, RoleDef[]>();
  private readonly cache = new Map<string, EffectiveRule[]>();
  private readonly members = new Map<string, Array<{ role: RoleDef; selector: LabelSelector }>>();

  constructor(private readonly clusterRoles: RoleDef[]) {
    for (const r of clusterRoles) {
      for (const [k, v] of Object.entries(r.labels)) {
        const key = `${k}=${v}`;
        let l = this.byLabel.get(key);
        if (!l) this.byLabel.set(key, (l = []));
        l.push(r);
      }
    }
  }

  /** The ClusterRoles an aggregated role collects directly, in the controller's order (selector, then name). */
  membersOf(role: RoleDef): Array<{ role: RoleDef; selector: LabelSelector }> {
    let m = this.members.get(role.id);
    if (m) return m;
    m = [];
    const seen = new Set<string>();
    for (const sel of role.selectors ?? []) {
      let candidates: RoleDef[] = this.clusterRoles;
      for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
        const l = this.byLabel.get(`${k}=${v}`) ?? [];
        if (l.length < candidates.length) candidates = l;
      }
      const matched = candidates.filter((c) => c.name !== role.name && !seen.has(c.id) && selectorMatches(sel, c.labels));
      matched.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of matched) {
        seen.add(c.id);
        m.push({ role: c, selector: sel });
      }
    }
    this.members.set(role.id, m);
    return m;
  }

  effectiveRules(role: RoleDef): EffectiveRule[] {
    const cached = this.cache.get(role.id);
    if (cached) return cached;
    let out: EffectiveRule[];
    if (role.selectors === null) {
      out = role.rules.map((rule, i) => new EffectiveRule(rule, i, role.id, []));
    } else {
      out = [];
      const seenRules = new Set<string>();
      const visited = new Set<string>([role.id]);
      const walk = (agg: RoleDef, via: string[]) => {
        for (const { role: member, selector } of this.membersOf(agg)) {
          if (visited.has(member.id)) continue;
          visited.add(member.id);
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
    this.cache.set(role.id, out);
    return out;
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
};

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
      return "indirect-secret-read";
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
  const minor = kubernetesMinor(options.kubernetesVersion);
  const exempt = options.exemptSubjects ?? [];
  const defaultNs = options.defaultNamespace ?? "default";
  const idx = index(objects, options);
  const aggregator = new Aggregator(idx.clusterRoles);
  const findings: RbacFinding[] = [];

  // Rule-level problems in role definitions (subject = the role).
  for (const role of idx.roles.values()) {
    if (role.builtin) continue;
    if (role.selectors !== null && role.rules.length > 0) {
      findings.push({
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
    role.rules.forEach((rule, i) => {
      for (const problem of ineffectiveProblems(rule, role.kind)) {
        findings.push({
          code: "ineffective-rule",
          subject: role.id,
          namespace: role.kind === "Role" ? role.namespace : "*",
          severity: "low",
          path: [`${role.id} ${describeRule(rule, i)}`],
          verbs: rule.verbs ?? [],
          message: `${role.id} ${describeRule(rule, i)}: ${problem}`,
        });
      }
    });
  }

  const grantCache = new Map<string, Grant[]>();
  const grantsOf = (role: RoleDef): Grant[] => {
    let g = grantCache.get(role.id);
    if (g) return g;
    g = [];
    for (const eff of aggregator.effectiveRules(role)) {
      for (const m of probesAllowedBy(eff.rule, minor)) g.push({ probe: m.probe, names: m.names, eff });
    }
    grantCache.set(role.id, g);
    return g;
  };

  const principals = new Map<string, Principal>();
  const principal = (subject: string): Principal => {
    let p = principals.get(subject);
    if (!p) principals.set(subject, (p = { subject, items: new Map(), list: [], acts: new Map(), runsPods: new Set() }));
    return p;
  };
  const addItem = (p: Principal, item: Item): boolean => {
    if (p.items.has(item.key)) return false;
    p.items.set(item.key, item);
    p.list.push(item);
    if (item.runsPods) p.runsPods.add(item.ns);
    if (item.probe.actsAsServiceAccounts) {
      const actKey = `${item.ns}|${item.names ? item.names.join(",") : "*"}`;
      if (!p.acts.has(actKey)) p.acts.set(actKey, item);
    }
    return true;
  };

  for (const b of idx.bindings) {
    const cluster = b.kind === "ClusterRoleBinding";
    const bns = cluster ? "" : b.metadata?.namespace || defaultNs;
    const bid = cluster ? `ClusterRoleBinding ${b.metadata?.name ?? ""}` : `RoleBinding ${bns}/${b.metadata?.name ?? ""}`;
    const ref = b.roleRef ?? {};
    const refKind = ref.kind;
    let roleId: string | null = null;
    if (refKind === "ClusterRole") roleId = `ClusterRole ${ref.name ?? ""}`;
    else if (refKind === "Role" && !cluster) roleId = `Role ${bns}/${ref.name ?? ""}`;
    const role = roleId ? idx.roles.get(roleId) : undefined;
    const identities: string[] = [];
    for (const s of b.subjects ?? []) {
      const id = subjectIdentity(s, cluster ? null : bns);
      if (id?.startsWith("ServiceAccount ")) {
        const [ns, name] = id.slice("ServiceAccount ".length).split("/");
        let set = idx.serviceAccounts.get(ns);
        if (!set) idx.serviceAccounts.set(ns, (set = new Set(["default"])));
        set.add(name);
      }
      if (id) identities.push(id);
      else {
        findings.push({
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
      const target = roleId ?? `${refKind ?? "?"} ${ref.name ?? "?"}`;
      for (const id of identities) {
        findings.push({
          code: "missing-role",
          subject: id,
          namespace: cluster ? "*" : bns,
          severity: "medium",
          path: [bid, target],
          verbs: [],
          message: `${bid} binds ${id} to ${target}, which does not exist${roleId ? "" : " or cannot be referenced from this binding"}: it grants nothing now, but whoever creates ${target} later grants its rules to ${id}`,
        });
      }
      continue;
    }
    const ns = cluster ? "*" : bns;
    const inertReported = new Set<string>();
    for (const g of grantsOf(role)) {
      if (!cluster && g.probe.clusterScoped) {
        // Reported when the rule names the cluster-scoped resource (a `*` rule is only partly inert).
        const explicit = (g.eff.rule.resources ?? []).some((r) => r === g.probe.resource || r.startsWith(`${g.probe.resource}/`));
        const path = explicit ? g.eff.path : [];
        const key = `${path[path.length - 1]}|${g.probe.resource}`;
        if (explicit && !inertReported.has(key)) {
          inertReported.add(key);
          findings.push({
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
      const item = new Item(g.probe, ns, g.names, bid, g.eff);
      for (const id of identities) addItem(principal(id), item);
    }
  }

  // Acting as service accounts (token creation, impersonation, running pods as them), to a fixpoint.
  // Items are append-only, so each (actor, target, source) pair only ever reads the items it has not seen.
  let everySa: string[] | undefined;
  const allSas = (): string[] => {
    if (everySa) return everySa;
    everySa = [];
    for (const [ns, names] of idx.serviceAccounts) for (const n of names) everySa.push(`ServiceAccount ${ns}/${n}`);
    return everySa;
  };
  /**
   * The grants an acting-as grant passes on (those of the service accounts it reaches and of their
   * groups), merged once per target set and shared by every actor with that set: deduplicated by
   * request, and split so that actors who can already run pods everywhere skip the read kinds.
   */
  interface Inherited {
    item: Item;
    target: string;
    step: string;
  }
  interface TargetSet {
    sources: Array<{ src: Principal; target: string; step: string }>;
    offsets: Int32Array;
    keys: Set<string>;
    all: Inherited[];
    nonRead: Inherited[];
    round: number;
  }
  const targetSets = new Map<string, TargetSet>();
  const targetSetOf = (act: Item): TargetSet => {
    const key = `${act.ns}|${act.names ? act.names.join(",") : "*"}`;
    let set = targetSets.get(key);
    if (set) return set;
    let targets: string[];
    if (act.ns === "*") targets = act.names ? allSas().filter((s) => act.names!.includes(s.slice(s.indexOf("/") + 1))) : allSas();
    else targets = (act.names ?? [...(idx.serviceAccounts.get(act.ns) ?? new Set(["default"]))]).map((n) => `ServiceAccount ${act.ns}/${n}`);
    const sources: TargetSet["sources"] = [];
    const seenGroups = new Set<string>();
    for (const target of targets) {
      const sa = principals.get(target);
      if (sa) sources.push({ src: sa, target, step: `acts as ${target}` });
      const ns = target.slice("ServiceAccount ".length, target.indexOf("/"));
      for (const g of [`Group ${SYSTEM_GROUPS.serviceAccounts}`, `Group ${SYSTEM_GROUPS.serviceAccounts}:${ns}`]) {
        const gp = principals.get(g);
        if (!gp || seenGroups.has(g)) continue;
        seenGroups.add(g);
        sources.push({ src: gp, target, step: `acts as ${target} (member of ${g})` });
      }
    }
    set = { sources, offsets: new Int32Array(sources.length), keys: new Set(), all: [], nonRead: [], round: -1 };
    targetSets.set(key, set);
    return set;
  };
  /** Pulls the sources' new grants into the set (once per round). */
  const refresh = (set: TargetSet, round: number) => {
    if (set.round === round) return;
    set.round = round;
    for (let i = 0; i < set.sources.length; i++) {
      const { src, target, step } = set.sources[i];
      const list = src.list;
      for (let o = set.offsets[i]; o < list.length; o++) {
        const item = list[o];
        if (set.keys.has(item.key)) continue;
        set.keys.add(item.key);
        const inh = { item, target, step };
        set.all.push(inh);
        if (!READ_KINDS.has(item.probe.kind)) set.nonRead.push(inh);
      }
      set.offsets[i] = list.length;
    }
  };
  // Per (actor, acting-as grant): how far into the set's `all` / `nonRead` lists the actor has looked.
  const progress = new Map<Principal, Map<string, { all: number; nonRead: number }>>();
  let changed = true;
  let round = 0;
  while (changed) {
    changed = false;
    round++;
    for (const p of principals.values()) {
      if (p.acts.size === 0) continue;
      let mine = progress.get(p);
      if (!mine) progress.set(p, (mine = new Map()));
      for (const act of p.acts.values()) {
        const set = targetSetOf(act);
        refresh(set, round);
        const actKey = `${act.ns}|${act.names ? act.names.join(",") : "*"}`;
        let pos = mine.get(actKey);
        if (!pos) mine.set(actKey, (pos = { all: 0, nonRead: 0 }));
        const everywhere = p.runsPods.has("*");
        const list = everywhere ? set.nonRead : set.all;
        let o = everywhere ? pos.nonRead : pos.all;
        for (; o < list.length; o++) {
          const { item, target, step } = list[o];
          if (target === p.subject || item.via === p.subject || item.coveredBy(p.items, p.runsPods)) continue;
          if (addItem(p, item.inheritedThrough(act, step, target))) changed = true;
        }
        if (everywhere) pos.nonRead = o;
        else pos.all = o;
      }
    }
  }

  // Findings per principal.
  for (const p of principals.values()) {
    if (isExempt(p.subject, exempt)) continue;
    const groups = new Map<string, { code: RbacFindingCode; kind: ProbeKind; ns: string; names: string[] | null; list: boolean; verbs: Set<string>; path: string[]; via?: string }>();
    for (const item of p.items.values()) {
      const code = codeOf(item.probe.kind, item.via !== undefined);
      if (!code) continue;
      const key = `${code}|${item.probe.kind}|${item.ns}|${item.names ? item.names.join(",") : "*"}|${item.via ?? ""}`;
      const g = groups.get(key);
      if (g) {
        g.verbs.add(item.probe.verb);
        g.list ||= item.probe.list;
      } else {
        groups.set(key, { code, kind: item.probe.kind, ns: item.ns, names: item.names, list: item.probe.list, verbs: new Set([item.probe.verb]), path: item.path, via: item.via });
      }
    }
    for (const g of groups.values()) {
      const verbs = [...g.verbs];
      const via = g.via ? ` by acting as ${g.via}` : "";
      findings.push({
        code: g.code,
        subject: p.subject,
        namespace: g.ns,
        severity: severityOf(g.code, g.kind, g.ns),
        path: g.path,
        verbs,
        ...(g.names ? { resourceNames: g.names } : {}),
        message: `${p.subject} can ${KIND_TEXT[g.kind]} (${verbs.join(", ")}) ${scopeText(g.ns)}${namesText(g.names, g.list)}${via} via ${g.path.join(" -> ")}`,
      });
    }
    findings.push(...combinedFindings(p));
  }

  const order: Record<RbacSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
  findings.sort(
    (a, b) => order[a.severity] - order[b.severity] || cmp(a.subject, b.subject) || cmp(a.namespace, b.namespace) || cmp(a.code, b.code) || cmp(a.message, b.message),
  );
  return { findings };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


/** Escalations that need two permissions together: bind + create bindings, CSR approval + signer approve. */
function combinedFindings(p: Principal): RbacFinding[] {
  const out: RbacFinding[] = [];
  const items = [...p.items.values()];
  const covers = (scope: string, ns: string) => scope === "*" || scope === ns;
  const byKind = (k: ProbeKind) => items.filter((i) => i.probe.kind === k);
  const seen = new Set<string>();
  const push = (ns: string, text: string, path: string[], verbs: string[], names: string[] | null) => {
    const key = `${ns}|${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      code: "escalation",
      subject: p.subject,
      namespace: ns,
      severity: "critical",
      path,
      verbs,
      ...(names ? { resourceNames: names } : {}),
      message: `${p.subject} can ${text} ${scopeText(ns)}${names ? ` (only ${names.join(", ")})` : ""} via ${path.join(" -> ")}`,
    });
  };
  for (const bind of [...byKind("bind-roles"), ...byKind("bind-clusterroles")]) {
    const create = [...byKind("create-rolebindings"), ...byKind("create-clusterrolebindings")].find(
      (c) => covers(c.ns, bind.ns) || covers(bind.ns, c.ns),
    );
    if (!create) continue;
    const ns = bind.ns === "*" && create.ns === "*" ? "*" : bind.ns === "*" ? create.ns : bind.ns;
    const what = bind.probe.kind === "bind-roles" ? "Roles" : "ClusterRoles";
    push(ns, `grant ${what} they do not hold (bind + create ${create.probe.resource})`, [...bind.path, "and", ...create.path], ["bind", "create"], bind.names);
  }
  const approval = byKind("csr-approval")[0];
  if (approval) {
    for (const signer of byKind("signer-approve")) {
      push("*", "approve CertificateSigningRequests for signers (minting client certificates, e.g. for system:masters)", [...approval.path, "and", ...signer.path], ["update", "approve"], signer.names);
    }
  }
  return out;
}

const KNOWN_VERBS = new Set(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "approve", "sign", "proxy", "use", "attest"]);

/** Why (parts of) a rule can never match a request. */
export function ineffectiveProblems(rule: PolicyRule, roleKind: "Role" | "ClusterRole"): string[] {
  const problems: string[] = [];
  const verbs = rule.verbs ?? [];
  if (verbs.length === 0) problems.push("no verbs: the rule grants nothing");
  for (const v of verbs) {
    if (v !== "*" && v !== v.toLowerCase() && KNOWN_VERBS.has(v.toLowerCase())) problems.push(`verb "${v}" never matches: verbs are case-sensitive (use "${v.toLowerCase()}")`);
  }
  if (!rule.nonResourceURLs?.length) {
    for (const g of rule.apiGroups ?? []) {
      if (g === "core" || g === "v1") problems.push(`apiGroup "${g}" is not an API group: the core group is "" (this entry grants nothing)`);
    }
    if ((rule.apiGroups ?? []).length === 0) problems.push("no apiGroups: the rule grants nothing");
    for (const r of rule.resources ?? []) {
      if (r === "*/*") problems.push(`resource "*/*" matches no request ("*" covers every resource and subresource)`);
      else if (r.endsWith("/*") && !r.startsWith("*/")) problems.push(`resource "${r}" matches no request (subresources are named exactly, e.g. "${r.slice(0, -2)}/status")`);
      if (roleKind === "Role") {
        const base = r.split("/")[0];
        const bindOnly = base === "clusterroles" && verbs.every((v) => v === "bind");
        if (CLUSTER_SCOPED_RESOURCES.has(base) && !bindOnly) problems.push(`resource "${r}" is cluster-scoped: a Role can never grant it`);
      }
    }
    if ((rule.resourceNames ?? []).length > 0) {
      const nameless = verbs.filter((v) => v === "create" || v === "deletecollection");
      const hasSub = (rule.resources ?? []).some((r) => r.includes("/"));
      if (nameless.length > 0 && !hasSub) problems.push(`${nameless.join(" and ")} with resourceNames never matches: those requests carry no object name`);
    }
  } else if (roleKind === "Role") {
    problems.push("nonResourceURLs in a Role never match: non-resource URLs can only be granted by a ClusterRole and a ClusterRoleBinding");
  }
  return problems;
}

