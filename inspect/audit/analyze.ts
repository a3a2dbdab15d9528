/**
 * The answers over the normalised records: per Secret (who read it, first/last, how often, from where),
 * per identity (what it read), unusual reads, and list/watch calls expanded to the Secrets they returned
 * when an inventory is given. Aggregates only: memory grows with distinct (identity, Secret, address)
 * combinations, never with the number of events.
 */
import type { AccessRecord } from "./types";
import type { InventorySecret } from "./inventory";

/**
 * The RBAC engine's subject string for the identity the authorizer judged (the impersonated user, if any);
 * Vault identities are prefixed `Vault ` (a Vault token, possibly from Kubernetes auth of a ServiceAccount).
 */
export function subjectOf(r: AccessRecord): string {
  const sa = r.who.serviceAccount;
  if (r.what.system === "vault") return sa ? `Vault ServiceAccount ${sa.namespace}/${sa.name}` : `Vault token ${r.who.user}`;
  if (sa) return `ServiceAccount ${sa.namespace}/${sa.name}`;
  return `User ${r.who.impersonatedUser ?? r.who.user}`;
}

interface Span {
  count: number;
  first: number;
  last: number;
}
const span = (t: number): Span => ({ count: 0, first: t, last: t });
function touch(s: Span, t: number): void {
  s.count++;
  if (t < s.first) s.first = t;
  if (t > s.last) s.last = t;
}

interface ReaderAcc extends Span {
  verbs: Set<string>;
  addresses: Map<string, number>;
  userAgents: Set<string>;
}

interface IdentityAcc extends Span {
  subject: string;
  cluster: string;
  users: Set<string>;
  groups: Set<string>;
  pods: Set<string>;
  nodes: Set<string>;
  secrets: Map<string, Span & { namespace: string; name: string; verbs: Set<string> }>;
  lists: Map<string, Span & { verb: string; namespace?: string; name?: string; fieldSelector?: string; labelSelector?: string }>;
  vault: Map<string, Span & { path: string; mount: string; ops: Set<string> }>;
  addresses: Map<string, Span>;
  denied: Map<string, Span & { verb: string; target: string; reason?: string }>;
  unknownDecision: number;
}

const CAP = 20;
const addCapped = (set: Set<string>, v: string | undefined) => {
  if (v !== undefined && set.size < CAP) set.add(v);
};

export interface ReaderAnswer {
  identity: string;
  via: "direct" | "list";
  count: number;
  first: string;
  last: string;
  verbs: string[];
  /** Trusted source addresses (the last of each event's sourceIPs) with how many reads came from each. */
  addresses: { ip: string; count: number }[];
  userAgents: string[];
}

export interface SecretAnswer {
  cluster: string;
  namespace: string;
  name: string;
  /** Reads by name (get, and list/watch pinned by a metadata.name field selector). */
  reads: number;
  first: string;
  last: string;
  readers: ReaderAnswer[];
  denied: number;
}

export interface ListAnswer {
  verb: string;
  /** "*" for a list across every namespace. */
  namespace: string;
  name?: string;
  fieldSelector?: string;
  labelSelector?: string;
  count: number;
  first: string;
  last: string;
  /** With an inventory: the Secrets this list returned (as the inventory lists them). */
  returned?: string[];
  /** Why `returned` may be a superset (a selector the inventory cannot evaluate). */
  note?: string;
}

export interface IdentityAnswer {
  identity: string;
  cluster: string;
  /** The user names seen for this identity; impersonation shows as `alice as bob`. */
  users: string[];
  groups: string[];
  pods: string[];
  nodes: string[];
  count: number;
  first: string;
  last: string;
  secrets: { namespace: string; name: string; verbs: string[]; count: number; first: string; last: string }[];
  lists: ListAnswer[];
  vault: { path: string; mount: string; operations: string[]; count: number; first: string; last: string }[];
  addresses: { ip: string; count: number; first: string; last: string }[];
  denied: { verb: string; target: string; reason?: string; count: number; first: string; last: string }[];
  /** Requests whose log does not say whether they were allowed (lone RequestReceived events). */
  undecided: number;
}

export type UnusualKind = "denied" | "new-secret" | "new-address" | "new-identity";

export interface UnusualRead {
  kind: UnusualKind;
  identity: string;
  cluster: string;
  /** The Secret (`ns/name`), Vault path, list scope or address concerned. */
  target: string;
  count: number;
  first: string;
  detail: string;
}

export interface Answers {
  window: { first?: string; last?: string; baselineUntil?: string };
  records: number;
  secrets: SecretAnswer[];
  identities: IdentityAnswer[];
  unusual: UnusualRead[];
}

const iso = (t: number) => new Date(t).toISOString();
const byKey = <T>(f: (x: T) => string) => (a: T, b: T) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);
const sorted = (s: Iterable<string>) => [...s].sort();

export interface AnswerOptions {
  /** Secrets known to exist in a cluster (from `--inventory`): list/watch calls are expanded to them. */
  inventory?: (cluster: string) => InventorySecret[] | undefined;
  /**
   * Share of the observed window that forms each identity's usual behaviour; reads of Secrets and from
   * addresses first seen after it are unusual. Default 0.5.
   */
  baselineFraction?: number;
}

/** Feeds on records one at a time; {@link answers} computes the result. */
export class AccessAggregator {
  private readonly identities = new Map<string, IdentityAcc>();
  private readonly secrets = new Map<string, { cluster: string; namespace: string; name: string; readers: Map<string, ReaderAcc>; denied: number }>();
  records = 0;
  first = Infinity;
  last = -Infinity;

  add(r: AccessRecord): void {
    this.records++;
    const t = Date.parse(r.time);
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
    const subject = subjectOf(r);
    const idKey = `${r.cluster}\u0000${r.what.system}\u0000${subject}`;
    let id = this.identities.get(idKey);
    if (!id) {
      id = { ...span(t), subject, cluster: r.cluster, users: new Set(), groups: new Set(), pods: new Set(), nodes: new Set(), secrets: new Map(), lists: new Map(), vault: new Map(), addresses: new Map(), denied: new Map(), unknownDecision: 0 };
      this.identities.set(idKey, id);
    }
    touch(id, t);
    addCapped(id.users, r.who.impersonatedUser ? `${r.who.user} as ${r.who.impersonatedUser}` : r.who.user);
    for (const g of r.who.impersonatedUser ? (r.who.impersonatedGroups ?? []) : r.who.groups) addCapped(id.groups, g);
    addCapped(id.pods, r.who.pod);
    addCapped(id.nodes, r.who.node);
    const ip = r.from.trustedIP;
    if (ip !== undefined) {
      let a = id.addresses.get(ip);
      if (!a) id.addresses.set(ip, (a = span(t)));
      touch(a, t);
    }
    const w = r.what;
    const target = w.system === "vault" ? w.path! : `${w.namespace ?? "*"}/${w.name ?? "*"}`;
    if (r.decision.allowed === false) {
      const k = `${w.verb} ${target}`;
      let d = id.denied.get(k);
      if (!d) id.denied.set(k, (d = { ...span(t), verb: w.verb, target, ...(r.decision.reason ? { reason: r.decision.reason } : {}) }));
      touch(d, t);
      if (w.system === "kubernetes" && w.namespace && w.name) this.secretAcc(r.cluster, w.namespace, w.name).denied++;
      return;
    }
    if (r.decision.allowed === null) id.unknownDecision++;
    if (w.system === "vault") {
      let v = id.vault.get(w.path!);
      if (!v) id.vault.set(w.path!, (v = { ...span(t), path: w.path!, mount: w.mount ?? "", ops: new Set() }));
      touch(v, t);
      v.ops.add(w.verb);
      return;
    }
    if (w.verb !== "get") {
      const k = `${w.verb}\u0000${w.namespace ?? ""}\u0000${w.name ?? ""}\u0000${w.fieldSelector ?? ""}\u0000${w.labelSelector ?? ""}`;
      let l = id.lists.get(k);
      if (!l) {
        l = { ...span(t), verb: w.verb };
        if (w.namespace) l.namespace = w.namespace;
        if (w.name) l.name = w.name;
        if (w.fieldSelector) l.fieldSelector = w.fieldSelector;
        if (w.labelSelector) l.labelSelector = w.labelSelector;
        id.lists.set(k, l);
      }
      touch(l, t);
    }
    if (w.namespace && w.name) {
      const sk = `${w.namespace}/${w.name}`;
      let s = id.secrets.get(sk);
      if (!s) id.secrets.set(sk, (s = { ...span(t), namespace: w.namespace, name: w.name, verbs: new Set() }));
      touch(s, t);
      s.verbs.add(w.verb);
      const sec = this.secretAcc(r.cluster, w.namespace, w.name);
      let rd = sec.readers.get(subject);
      if (!rd) sec.readers.set(subject, (rd = { ...span(t), verbs: new Set(), addresses: new Map(), userAgents: new Set() }));
      touch(rd, t);
      rd.verbs.add(w.verb);
      if (ip !== undefined) rd.addresses.set(ip, (rd.addresses.get(ip) ?? 0) + 1);
      addCapped(rd.userAgents, r.from.userAgent);
    }
  }

  private secretAcc(cluster: string, namespace: string, name: string) {
    const k = `${cluster}\u0000${namespace}\u0000${name}`;
    let s = this.secrets.get(k);
    if (!s) this.secrets.set(k, (s = { cluster, namespace, name, readers: new Map(), denied: 0 }));
    return s;
  }

  answers(options: AnswerOptions = {}): Answers {
    const has = this.records > 0;
    const fraction = options.baselineFraction ?? 0.5;
    const cutoff = has ? this.first + (this.last - this.first) * fraction : 0;
    const inventory = options.inventory;
    const identities: IdentityAnswer[] = [];
    // Secret rows: direct reads first, then list expansions.
    const secretRows = new Map<string, SecretAnswer>();
    const secretRow = (cluster: string, namespace: string, name: string): SecretAnswer => {
      const k = `${cluster}\u0000${namespace}\u0000${name}`;
      let row = secretRows.get(k);
      if (!row) secretRows.set(k, (row = { cluster, namespace, name, reads: 0, first: "", last: "", readers: [], denied: 0 }));
      return row;
    };
    for (const s of this.secrets.values()) {
      const row = secretRow(s.cluster, s.namespace, s.name);
      row.denied = s.denied;
      for (const [identity, rd] of s.readers) {
        row.readers.push({
          identity,
          via: "direct",
          count: rd.count,
          first: iso(rd.first),
          last: iso(rd.last),
          verbs: sorted(rd.verbs),
          addresses: [...rd.addresses].map(([ip, count]) => ({ ip, count })).sort((a, b) => b.count - a.count || byKey<{ ip: string }>((x) => x.ip)(a, b)),
          userAgents: sorted(rd.userAgents),
        });
      }
    }
    const unusual: UnusualRead[] = [];
    for (const id of this.identities.values()) {
      const lists: ListAnswer[] = [...id.lists.values()].map((l) => {
        const answer: ListAnswer = { verb: l.verb, namespace: l.namespace ?? "*", ...(l.name ? { name: l.name } : {}), ...(l.fieldSelector ? { fieldSelector: l.fieldSelector } : {}), ...(l.labelSelector ? { labelSelector: l.labelSelector } : {}), count: l.count, first: iso(l.first), last: iso(l.last) };
        const known = inventory?.(id.cluster);
        if (known) {
          const { secrets, note } = expandList(known, l);
          answer.returned = secrets.map((s) => `${s.namespace}/${s.name}`);
          if (note) answer.note = note;
          for (const s of secrets) {
            if (l.name) continue; // already counted as a read by name
            const row = secretRow(id.cluster, s.namespace, s.name);
            let rd = row.readers.find((x) => x.identity === id.subject && x.via === "list");
            if (!rd) row.readers.push((rd = { identity: id.subject, via: "list", count: 0, first: answer.first, last: answer.last, verbs: [], addresses: [], userAgents: [] }));
            rd.count += l.count;
            if (answer.first < rd.first) rd.first = answer.first;
            if (answer.last > rd.last) rd.last = answer.last;
            if (!rd.verbs.includes(l.verb)) rd.verbs = [...rd.verbs, l.verb].sort();
          }
        }
        return answer;
      });
      lists.sort(byKey((l) => `${l.namespace} ${l.verb} ${l.name ?? ""} ${l.fieldSelector ?? ""} ${l.labelSelector ?? ""}`));
      identities.push({
        identity: id.subject,
        cluster: id.cluster,
        users: sorted(id.users),
        groups: sorted(id.groups),
        pods: sorted(id.pods),
        nodes: sorted(id.nodes),
        count: id.count,
        first: iso(id.first),
        last: iso(id.last),
        secrets: [...id.secrets.values()].map((s) => ({ namespace: s.namespace, name: s.name, verbs: sorted(s.verbs), count: s.count, first: iso(s.first), last: iso(s.last) })).sort(byKey((s) => `${s.namespace}/${s.name}`)),
        lists,
        vault: [...id.vault.values()].map((v) => ({ path: v.path, mount: v.mount, operations: sorted(v.ops), count: v.count, first: iso(v.first), last: iso(v.last) })).sort(byKey((v) => v.path)),
        addresses: [...id.addresses].map(([ip, a]) => ({ ip, count: a.count, first: iso(a.first), last: iso(a.last) })).sort(byKey((a) => a.ip)),
        denied: [...id.denied.values()].map((d) => ({ verb: d.verb, target: d.target, ...(d.reason ? { reason: d.reason } : {}), count: d.count, first: iso(d.first), last: iso(d.last) })).sort(byKey((d) => `${d.target} ${d.verb}`)),
        undecided: id.unknownDecision,
      });
      // Unusual: denied attempts always; new Secrets / addresses after the baseline for identities seen before it.
      for (const d of id.denied.values()) {
        unusual.push({ kind: "denied", identity: id.subject, cluster: id.cluster, target: d.target, count: d.count, first: iso(d.first), detail: `${d.verb} denied${d.reason ? `: ${d.reason}` : ""}` });
      }
      if (this.last > this.first) {
        if (id.first > cutoff) {
          unusual.push({ kind: "new-identity", identity: id.subject, cluster: id.cluster, target: id.subject, count: id.count, first: iso(id.first), detail: "first seen after the baseline period" });
        } else {
          for (const s of id.secrets.values()) {
            if (s.first > cutoff) unusual.push({ kind: "new-secret", identity: id.subject, cluster: id.cluster, target: `${s.namespace}/${s.name}`, count: s.count, first: iso(s.first), detail: `${sorted(s.verbs).join(", ")} of a Secret this identity did not read before ${iso(cutoff)}` });
          }
          for (const v of id.vault.values()) {
            if (v.first > cutoff) unusual.push({ kind: "new-secret", identity: id.subject, cluster: id.cluster, target: v.path, count: v.count, first: iso(v.first), detail: `Vault ${sorted(v.ops).join(", ")} of a path this identity did not use before ${iso(cutoff)}` });
          }
          for (const [ip, a] of id.addresses) {
            if (a.first > cutoff) unusual.push({ kind: "new-address", identity: id.subject, cluster: id.cluster, target: ip, count: a.count, first: iso(a.first), detail: `requests from an address not seen for this identity before ${iso(cutoff)}` });
          }
        }
      }
    }
    for (const row of secretRows.values()) {
      row.readers.sort(byKey((r) => `${r.identity} ${r.via}`));
      const direct = row.readers.filter((r) => r.via === "direct");
      row.reads = direct.reduce((n, r) => n + r.count, 0);
      const all = row.readers;
      row.first = all.length > 0 ? all.map((r) => r.first).sort()[0] : "";
      row.last = all.length > 0 ? all.map((r) => r.last).sort().reverse()[0] : "";
    }
    identities.sort(byKey((i) => `${i.cluster} ${i.identity}`));
    const order: Record<UnusualKind, number> = { denied: 0, "new-identity": 1, "new-secret": 2, "new-address": 3 };
    unusual.sort((a, b) => order[a.kind] - order[b.kind] || byKey<UnusualRead>((u) => `${u.cluster} ${u.identity} ${u.target}`)(a, b));
    return {
      window: has ? { first: iso(this.first), last: iso(this.last), ...(this.last > this.first ? { baselineUntil: iso(cutoff) } : {}) } : {},
      records: this.records,
      secrets: [...secretRows.values()].sort(byKey((s) => `${s.cluster} ${s.namespace}/${s.name}`)),
      identities,
      unusual,
    };
  }
}

/** Does a label selector (`a=b,c!=d,e,!f`; set-based terms are not evaluated) match? */
function labelsMatch(selector: string, labels: Record<string, string> | undefined): { match: boolean; exact: boolean } {
  const l = labels ?? {};
  let exact = true;
  for (const raw of selector.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    let m: RegExpExecArray | null;
    if ((m = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(term))) {
      if (l[m[1]] === m[2]) return { match: false, exact };
    } else if ((m = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(term))) {
      if (l[m[1]] !== m[2]) return { match: false, exact };
    } else if ((m = /^!([^\s]+)$/.exec(term))) {
      if (m[1] in l) return { match: false, exact };
    } else if (/^[^\s(]+$/.test(term)) {
      if (!(term in l)) return { match: false, exact };
    } else exact = false;
  }
  return { match: true, exact };
}

/** The inventory's Secrets (of one cluster) a list/watch returned: namespace (or all), name and selectors. */
export function expandList(inventory: InventorySecret[], l: { namespace?: string; name?: string; fieldSelector?: string; labelSelector?: string }): { secrets: InventorySecret[]; note?: string } {
  let exact = true;
  const fieldTerms = (l.fieldSelector ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "");
  const secrets = inventory.filter((s) => {
    if (l.namespace && s.namespace !== l.namespace) return false;
    if (l.name && s.name !== l.name) return false;
    for (const term of fieldTerms) {
      const m = /^([\w.]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
      const field = m?.[1];
      const value = field === "metadata.name" ? s.name : field === "metadata.namespace" ? s.namespace : field === "type" ? s.type : undefined;
      if (!m || (field !== "metadata.name" && field !== "metadata.namespace" && (field !== "type" || s.type === undefined))) {
        exact = false;
        continue;
      }
      if (m[2] === "!=" ? value === m[3] : value !== m[3]) return false;
    }
    if (l.labelSelector) {
      const r = labelsMatch(l.labelSelector, s.labels);
      if (!r.exact) exact = false;
      if (!r.match) return false;
    }
    return true;
  });
  return { secrets, ...(exact ? {} : { note: "a selector term could not be evaluated against the inventory: the list may have returned fewer" }) };
}
