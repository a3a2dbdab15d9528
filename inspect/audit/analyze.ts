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
// Spans are updated inline at each site (count, first, last): one shared helper would see every
// accumulator's shape and turn megamorphic, which cost more than the rest of a record.

/** Kubernetes read verbs as bits (a Set per reader costs more than the rest of a record). */
const VERB_BITS: Record<string, number> = { get: 1, list: 2, watch: 4 };
const verbList = (bits: number) => ["get", "list", "watch"].filter((_v, i) => (bits & (1 << i)) !== 0);

interface ReaderAcc extends Span {
  verbs: number;
  /** The first address and its count; the others (rare: a pod keeps its address) in `more`. */
  ip?: string;
  ipCount: number;
  more?: Map<string, number>;
  userAgents: string[];
}

function readerAddresses(rd: ReaderAcc): { ip: string; count: number }[] {
  const out = rd.ip !== undefined ? [{ ip: rd.ip, count: rd.ipCount }] : [];
  for (const [ip, count] of rd.more ?? []) out.push({ ip, count });
  return out.sort((a, b) => b.count - a.count || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

interface IdentityAcc extends Span {
  subject: string;
  cluster: string;
  users: Set<string>;
  groups: Set<string>;
  pods: Set<string>;
  nodes: Set<string>;
  /** namespace → name → reads. */
  secrets: Map<string, Map<string, Span & { namespace: string; name: string; verbs: number; secret?: SecretAcc; reader?: ReaderAcc }>>;
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

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
/** `Date.prototype.toISOString` for years 1970-9999 without a Date (answers format hundreds of thousands). */
export function iso(time: number): string {
  const t = Math.floor(time);
  if (!(t >= 0 && t < 253402300800000)) return new Date(t).toISOString();
  const ms = t % 1000;
  let s = (t - ms) / 1000;
  const sec = s % 60;
  s = (s - sec) / 60;
  const min = s % 60;
  s = (s - min) / 60;
  const hour = s % 24;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = (s - hour) / 24 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : ms}Z`;
}
/** Sorts by a string key computed once per element (comparators building strings dominate large answers). */
function sortBy<T>(xs: T[], key: (x: T) => string): T[] {
  const keyed = xs.map((x) => ({ k: key(x), x }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  for (let i = 0; i < keyed.length; i++) xs[i] = keyed[i].x;
  return xs;
}
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

/** Nested maps: keys are the strings as parsed (no per-record key strings to build and hash). */
function nested<V>(m: Map<string, Map<string, V>>, a: string): Map<string, V> {
  let inner = m.get(a);
  if (!inner) m.set(a, (inner = new Map()));
  return inner;
}

interface SecretAcc {
  cluster: string;
  namespace: string;
  name: string;
  readers: Map<IdentityAcc, ReaderAcc>;
  denied: number;
}

/** Feeds on records one at a time; {@link answers} computes the result. */
export class AccessAggregator {
  /** cluster → system → the user the authorizer judged → identity. */
  private readonly byUser = new Map<string, Map<string, Map<string, IdentityAcc>>>();
  /** subject key → identity (two user names can be one subject: a Vault token's display name vs its SA). */
  private readonly identities = new Map<string, IdentityAcc>();
  /** cluster → namespace → name → Secret. */
  private readonly secrets = new Map<string, Map<string, Map<string, SecretAcc>>>();
  records = 0;
  first = Infinity;
  last = -Infinity;

  /** The last identity per user name: one lookup in the usual case of one cluster and system per user. */
  private readonly lastByUser = new Map<string, IdentityAcc & { system: string; user: string }>();

  private identity(r: AccessRecord, t: number): IdentityAcc {
    const quick = this.lastByUser.get(r.who.user);
    if (quick !== undefined && quick.cluster === r.cluster && quick.system === r.what.system && quick.user === (r.who.impersonatedUser ?? r.who.user) && r.what.system === "kubernetes") return quick;
    const id = this.identitySlow(r, t);
    if (r.what.system === "kubernetes") this.lastByUser.set(r.who.user, Object.assign(id, { system: r.what.system, user: r.who.impersonatedUser ?? r.who.user }));
    return id;
  }

  private identitySlow(r: AccessRecord, t: number): IdentityAcc {
    const users = nested(nested(this.byUser, r.cluster), r.what.system);
    const user = r.what.system === "vault" ? `${r.who.user}\u0000${r.who.serviceAccount?.namespace ?? ""}\u0000${r.who.serviceAccount?.name ?? ""}` : (r.who.impersonatedUser ?? r.who.user);
    let id = users.get(user);
    if (id) return id;
    const subject = subjectOf(r);
    const key = `${r.cluster}\u0000${r.what.system}\u0000${subject}`;
    id = this.identities.get(key);
    if (!id) {
      id = { count: 0, first: t, last: t, subject, cluster: r.cluster, users: new Set(), groups: new Set(), pods: new Set(), nodes: new Set(), secrets: new Map(), lists: new Map(), vault: new Map(), addresses: new Map(), denied: new Map(), unknownDecision: 0 };
      this.identities.set(key, id);
    }
    users.set(user, id);
    return id;
  }

  /** Adds one record; `t` is its time in ms when the caller has it (saves parsing `r.time`). */
  add(r: AccessRecord, t: number = Date.parse(r.time)): void {
    this.records++;
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
    const id = this.identity(r, t);
    id.count++;
    if (t < id.first) id.first = t;
    if (t > id.last) id.last = t;
    const who = r.who;
    if (id.users.size < CAP) id.users.add(who.impersonatedUser ? `${who.user} as ${who.impersonatedUser}` : who.user);
    if (id.groups.size < CAP) for (const g of who.impersonatedUser ? (who.impersonatedGroups ?? []) : who.groups) addCapped(id.groups, g);
    addCapped(id.pods, who.pod);
    addCapped(id.nodes, who.node);
    const ip = r.from.trustedIP;
    if (ip !== undefined) {
      let a = id.addresses.get(ip);
      if (!a) id.addresses.set(ip, (a = span(t)));
      a.count++;
      if (t < a.first) a.first = t;
      if (t > a.last) a.last = t;
    }
    const w = r.what;
    if (r.decision.allowed === false) {
      const target = w.system === "vault" ? w.path! : `${w.namespace ?? "*"}/${w.name ?? "*"}`;
      const k = `${w.verb} ${target}`;
      let d = id.denied.get(k);
      if (!d) id.denied.set(k, (d = { count: 0, first: t, last: t, verb: w.verb, target, ...(r.decision.reason ? { reason: r.decision.reason } : {}) }));
      d.count++;
      if (t < d.first) d.first = t;
      if (t > d.last) d.last = t;
      if (w.system === "kubernetes" && w.namespace && w.name) this.secretAcc(r.cluster, w.namespace, w.name).denied++;
      return;
    }
    if (r.decision.allowed === null) id.unknownDecision++;
    if (w.system === "vault") {
      let v = id.vault.get(w.path!);
      if (!v) id.vault.set(w.path!, (v = { count: 0, first: t, last: t, path: w.path!, mount: w.mount ?? "", ops: new Set() }));
      v.count++;
      if (t < v.first) v.first = t;
      if (t > v.last) v.last = t;
      v.ops.add(w.verb);
      return;
    }
    if (w.verb !== "get") {
      const k = `${w.verb}\u0000${w.namespace ?? ""}\u0000${w.name ?? ""}\u0000${w.fieldSelector ?? ""}\u0000${w.labelSelector ?? ""}`;
      let l = id.lists.get(k);
      if (!l) {
        l = { count: 0, first: t, last: t, verb: w.verb };
        if (w.namespace) l.namespace = w.namespace;
        if (w.name) l.name = w.name;
        if (w.fieldSelector) l.fieldSelector = w.fieldSelector;
        if (w.labelSelector) l.labelSelector = w.labelSelector;
        id.lists.set(k, l);
      }
      l.count++;
      if (t < l.first) l.first = t;
      if (t > l.last) l.last = t;
    }
    if (w.namespace && w.name) {
      const names = nested(id.secrets, w.namespace);
      let s = names.get(w.name);
      if (!s) names.set(w.name, (s = { count: 0, first: t, last: t, namespace: w.namespace, name: w.name, verbs: 0 }));
      s.count++;
      if (t < s.first) s.first = t;
      if (t > s.last) s.last = t;
      const bit = VERB_BITS[w.verb] ?? 0;
      s.verbs |= bit;
      let rd = s.reader;
      if (rd === undefined) {
        const sec = (s.secret = this.secretAcc(r.cluster, w.namespace, w.name));
        rd = sec.readers.get(id);
        if (!rd) sec.readers.set(id, (rd = { count: 0, first: t, last: t, verbs: 0, ipCount: 0, userAgents: [] }));
        s.reader = rd;
      }
      rd.count++;
      if (t < rd.first) rd.first = t;
      if (t > rd.last) rd.last = t;
      rd.verbs |= bit;
      if (ip !== undefined) {
        if (rd.ip === undefined || rd.ip === ip) {
          rd.ip = ip;
          rd.ipCount++;
        } else (rd.more ??= new Map()).set(ip, (rd.more.get(ip) ?? 0) + 1);
      }
      const ua = r.from.userAgent;
      if (ua !== undefined && rd.userAgents.length < CAP && !rd.userAgents.includes(ua)) rd.userAgents.push(ua);
    }
  }

  private secretAcc(cluster: string, namespace: string, name: string): SecretAcc {
    const names = nested(nested(this.secrets, cluster), namespace);
    let s = names.get(name);
    if (!s) names.set(name, (s = { cluster, namespace, name, readers: new Map(), denied: 0 }));
    return s;
  }

  private *allSecrets(): Generator<SecretAcc> {
    for (const byNs of this.secrets.values()) for (const names of byNs.values()) yield* names.values();
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
    for (const s of this.allSecrets()) {
      const row = secretRow(s.cluster, s.namespace, s.name);
      row.denied = s.denied;
      for (const [reader, rd] of s.readers) {
        row.readers.push({
          identity: reader.subject,
          via: "direct",
          count: rd.count,
          first: iso(rd.first),
          last: iso(rd.last),
          verbs: verbList(rd.verbs),
          addresses: readerAddresses(rd),
          userAgents: [...rd.userAgents].sort(),
        });
      }
    }
    const unusual: UnusualRead[] = [];
    const cutoffText = iso(cutoff);
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
      sortBy(lists, (l) => `${l.namespace} ${l.verb} ${l.name ?? ""} ${l.fieldSelector ?? ""} ${l.labelSelector ?? ""}`);
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
        secrets: sortBy([...id.secrets.values()].flatMap((m) => [...m.values()]).map((s) => ({ namespace: s.namespace, name: s.name, verbs: verbList(s.verbs), count: s.count, first: iso(s.first), last: iso(s.last) })), (s) => `${s.namespace}/${s.name}`),
        lists,
        vault: sortBy([...id.vault.values()].map((v) => ({ path: v.path, mount: v.mount, operations: sorted(v.ops), count: v.count, first: iso(v.first), last: iso(v.last) })), (v) => v.path),
        addresses: sortBy([...id.addresses].map(([ip, a]) => ({ ip, count: a.count, first: iso(a.first), last: iso(a.last) })), (a) => a.ip),
        denied: sortBy([...id.denied.values()].map((d) => ({ verb: d.verb, target: d.target, ...(d.reason ? { reason: d.reason } : {}), count: d.count, first: iso(d.first), last: iso(d.last) })), (d) => `${d.target} ${d.verb}`),
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
          for (const s of [...id.secrets.values()].flatMap((m) => [...m.values()])) {
            if (s.first > cutoff) unusual.push({ kind: "new-secret", identity: id.subject, cluster: id.cluster, target: `${s.namespace}/${s.name}`, count: s.count, first: iso(s.first), detail: `${verbList(s.verbs).join(", ")} of a Secret this identity did not read before ${cutoffText}` });
          }
          for (const v of id.vault.values()) {
            if (v.first > cutoff) unusual.push({ kind: "new-secret", identity: id.subject, cluster: id.cluster, target: v.path, count: v.count, first: iso(v.first), detail: `Vault ${sorted(v.ops).join(", ")} of a path this identity did not use before ${cutoffText}` });
          }
          for (const [ip, a] of id.addresses) {
            if (a.first > cutoff) unusual.push({ kind: "new-address", identity: id.subject, cluster: id.cluster, target: ip, count: a.count, first: iso(a.first), detail: `requests from an address not seen for this identity before ${cutoffText}` });
          }
        }
      }
    }
    for (const row of secretRows.values()) {
      sortBy(row.readers, (r) => `${r.identity} ${r.via}`);
      const direct = row.readers.filter((r) => r.via === "direct");
      row.reads = direct.reduce((n, r) => n + r.count, 0);
      const all = row.readers;
      row.first = all.length > 0 ? all.map((r) => r.first).sort()[0] : "";
      row.last = all.length > 0 ? all.map((r) => r.last).sort().reverse()[0] : "";
    }
    sortBy(identities, (i) => `${i.cluster} ${i.identity}`);
    const order: Record<UnusualKind, number> = { denied: 0, "new-identity": 1, "new-secret": 2, "new-address": 3 };
    sortBy(unusual, (u) => `${order[u.kind]} ${u.cluster} ${u.identity} ${u.target}`);
    return {
      window: has ? { first: iso(this.first), last: iso(this.last), ...(this.last > this.first ? { baselineUntil: iso(cutoff) } : {}) } : {},
      records: this.records,
      secrets: sortBy([...secretRows.values()], (s) => `${s.cluster} ${s.namespace}/${s.name}`),
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
