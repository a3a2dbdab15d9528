/**
 * Could vs did: for each identity, the Secret access it is granted (inventory) against what the logs show
 * it used over the observed window, and a least-privilege proposal that never widens.
 *
 * The proposal's rules, each of which only removes:
 * - a proposed access is a (verb, namespace, name) that was used (allowed in the logs) AND is covered by
 *   a grant the identity holds directly: never more than used ∩ granted;
 * - `get` becomes a namespaced Role rule with `resourceNames`;
 * - `list`/`watch` is proposed only where the events show a `metadata.name` field selector (the API server
 *   authorizes such a list as that one name); an unrestricted list would need every name and is listed as
 *   "used, not proposed" for a person to decide;
 * - denied requests are "wanted, not granted", never proposed;
 * - used accesses no inventory grant covers (another authorizer, a group the inventory cannot see) are not proposed.
 */
import * as YAML from "yaml";
import type { IdentityAnswer } from "./analyze";
import type { InventoryCluster, InventoryGrant } from "./inventory";

/** One Secret access: verb in a namespace (`*`: every namespace) on a name (null: every name). */
export interface AccessTuple {
  verb: string;
  namespace: string;
  name: string | null;
}

/** Does a grant cover an access (the RBAC rule semantics for secrets: verbs, namespace scope, resourceNames)? */
export function grantCovers(g: Pick<InventoryGrant, "verbs" | "namespace" | "resourceNames">, a: AccessTuple): boolean {
  if (!g.verbs.includes(a.verb) && !g.verbs.includes("*")) return false;
  if (g.namespace !== "*" && g.namespace !== a.namespace) return false;
  if (g.resourceNames === undefined || g.resourceNames.length === 0) return true;
  return a.name !== null && g.resourceNames.includes(a.name);
}

export interface ProposalCore {
  /** Proposed accesses: all with a namespace and a name, each used and granted. Sorted. */
  proposed: AccessTuple[];
  /** Used, allowed, but listing every name of a scope: not proposed. */
  broadListsNotProposed: AccessTuple[];
  /** Used and allowed, but no grant in the inventory covers it: not proposed. */
  usedNotInGrants: AccessTuple[];
  /** Denied in the logs: wanted, not granted. */
  wantedNotGranted: AccessTuple[];
}

const tupleKey = (a: AccessTuple) => `${a.namespace}\u0000${a.name ?? ""}\u0000${a.verb}`;
const sortTuples = (xs: AccessTuple[]) => [...new Map(xs.map((x) => [tupleKey(x), x])).values()].sort((a, b) => (tupleKey(a) < tupleKey(b) ? -1 : tupleKey(a) > tupleKey(b) ? 1 : 0));

/** The pure core of the proposal (property-tested: proposed ⊆ used ∩ granted). */
export function proposeAccess(used: AccessTuple[], grants: Pick<InventoryGrant, "verbs" | "namespace" | "resourceNames">[], denied: AccessTuple[]): ProposalCore {
  const proposed: AccessTuple[] = [];
  const broad: AccessTuple[] = [];
  const notInGrants: AccessTuple[] = [];
  for (const u of used) {
    if (!grants.some((g) => grantCovers(g, u))) notInGrants.push(u);
    else if (u.name === null || u.namespace === "*") broad.push(u);
    else proposed.push(u);
  }
  return { proposed: sortTuples(proposed), broadListsNotProposed: sortTuples(broad), usedNotInGrants: sortTuples(notInGrants), wantedNotGranted: sortTuples(denied) };
}

/** What an identity used, as access tuples (allowed requests only). */
export function usedTuples(id: IdentityAnswer): AccessTuple[] {
  const out: AccessTuple[] = [];
  for (const s of id.secrets) for (const verb of s.verbs) out.push({ verb, namespace: s.namespace, name: s.name });
  for (const l of id.lists) if (!l.name) out.push({ verb: l.verb, namespace: l.namespace, name: null });
  return out;
}

export function deniedTuples(id: IdentityAnswer): AccessTuple[] {
  return id.denied.map((d) => {
    const slash = d.target.indexOf("/");
    const ns = d.target.slice(0, slash);
    const name = d.target.slice(slash + 1);
    return { verb: d.verb, namespace: ns, name: name === "*" ? null : name };
  });
}

/** The groups whose grants apply to an identity: those seen in its events, plus the implicit ones. */
export function groupsOf(id: IdentityAnswer): string[] {
  const groups = new Set(id.groups);
  if (id.identity.startsWith("ServiceAccount ")) {
    const ns = id.identity.slice("ServiceAccount ".length).split("/")[0];
    groups.add("system:serviceaccounts");
    groups.add(`system:serviceaccounts:${ns}`);
  }
  groups.add("system:authenticated");
  return [...groups].sort();
}

export interface GrantUse {
  subject: string;
  namespace: string;
  verbs: string[];
  resourceNames?: string[];
  path: string[];
  /** `own`: held by the identity; `group`: through a group (other members share it); `inherited`: by acting as another identity. */
  holder: "own" | "group" | "inherited";
  /** Inventory Secrets the grant reaches (namespace and names). */
  reaches: number;
  /** Of those, the ones the identity read (by name, or returned by its lists). Sorted `ns/name`. */
  used: string[];
  /** Reached but not read over the window. Sorted `ns/name`. */
  unused: string[];
  /** Granted verbs not used within the grant's scope. */
  unusedVerbs: string[];
}

export interface CouldVsDid {
  identity: string;
  cluster: string;
  /** The window the use was observed over (the whole input's first/last record). */
  window: { first?: string; last?: string };
  grants: GrantUse[];
  /** `ns/name` Secrets it read in the window (direct or by list). */
  used: string[];
  proposal: ProposalCore;
  /** Proposed Roles and RoleBindings as Kubernetes YAML ("" when nothing is proposed). */
  yaml: string;
  /** The same as a Pulumi TypeScript fragment. */
  pulumi: string;
  /** `-` current grant lines, `+` proposed rules, `~` grants shared through a group. */
  diff: string[];
}

function dnsName(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  return s.slice(0, 200) || "identity";
}

/** The subject of a RoleBinding for an identity string. */
function bindingSubject(identity: string): Record<string, string> {
  if (identity.startsWith("ServiceAccount ")) {
    const [namespace, name] = identity.slice("ServiceAccount ".length).split("/");
    return { kind: "ServiceAccount", name, namespace };
  }
  if (identity.startsWith("Group ")) return { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: identity.slice(6) };
  return { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: identity.replace(/^User /, "") };
}

/** The proposed Role + RoleBinding objects (one pair per namespace). */
export function proposalObjects(identity: string, proposed: AccessTuple[]): Record<string, any>[] {
  const byNs = new Map<string, Map<string, Set<string>>>();
  for (const p of proposed) {
    if (p.name === null) continue;
    let names = byNs.get(p.namespace);
    if (!names) byNs.set(p.namespace, (names = new Map()));
    let verbs = names.get(p.name);
    if (!verbs) names.set(p.name, (verbs = new Set()));
    verbs.add(p.verb);
  }
  const objects: Record<string, any>[] = [];
  const roleName = `observed-secret-reads-${dnsName(identity.replace(/^(ServiceAccount|User|Group) /, ""))}`;
  for (const [namespace, names] of [...byNs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const byVerbs = new Map<string, string[]>();
    for (const [name, verbs] of names) {
      const k = [...verbs].sort().join(",");
      byVerbs.set(k, [...(byVerbs.get(k) ?? []), name]);
    }
    const rules = [...byVerbs]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([verbs, rn]) => ({ apiGroups: [""], resources: ["secrets"], verbs: verbs.split(","), resourceNames: rn.sort() }));
    objects.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: roleName, namespace }, rules });
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: roleName, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
      subjects: [bindingSubject(identity)],
    });
  }
  return objects;
}

function pulumiSnippet(objects: Record<string, any>[]): string {
  if (objects.length === 0) return "";
  const lines = ['import * as k8s from "@pulumi/kubernetes";', ""];
  objects.forEach((o) => {
    const ctor = o.kind === "Role" ? "Role" : "RoleBinding";
    const { apiVersion: _v, kind: _k, ...args } = o;
    const body = JSON.stringify(args, null, 2)
      .replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, "$1:")
      .replace(/\[\s*((?:"(?:[^"\\]|\\.)*"\s*,?\s*)+)\]/g, (_m, items: string) => `[${items.trim().split(/\s*,\s*(?=")/).join(", ")}]`);
    lines.push(`new k8s.rbac.v1.${ctor}(${JSON.stringify(`${o.metadata.namespace}-${o.metadata.name}`)}, ${body});`, "");
  });
  return lines.join("\n");
}

const scopeText = (g: { namespace: string; resourceNames?: string[] }) => `${g.namespace === "*" ? "in every namespace" : `in ${g.namespace}`}${g.resourceNames ? ` named ${g.resourceNames.join(", ")}` : ""}`;

/** Could vs did for one identity against one inventory cluster. */
export function couldVsDid(id: IdentityAnswer, inv: InventoryCluster, window: { first?: string; last?: string }): CouldVsDid {
  const groups = new Set(groupsOf(id).map((g) => `Group ${g}`));
  const applicable = inv.grants.filter((g) => g.subject === id.identity || groups.has(g.subject));
  const direct = applicable.filter((g) => !g.inherited);
  const used = new Set<string>();
  for (const s of id.secrets) used.add(`${s.namespace}/${s.name}`);
  for (const l of id.lists) for (const r of l.returned ?? []) used.add(r);
  const usedList = usedTuples(id);
  const grants: GrantUse[] = applicable.map((g) => {
    const reached = inv.secrets.filter((s) => (g.namespace === "*" || s.namespace === g.namespace) && (!g.resourceNames || g.resourceNames.includes(s.name))).map((s) => `${s.namespace}/${s.name}`);
    const verbsUsed = new Set(g.inherited ? [] : usedList.filter((u) => grantCovers(g, u)).map((u) => u.verb));
    const grantVerbs = g.verbs.includes("*") ? ["get", "list", "watch"] : g.verbs.filter((v) => v === "get" || v === "list" || v === "watch");
    return {
      subject: g.subject,
      namespace: g.namespace,
      verbs: g.verbs,
      ...(g.resourceNames ? { resourceNames: g.resourceNames } : {}),
      path: g.path,
      holder: g.inherited ? "inherited" : g.subject === id.identity ? "own" : "group",
      reaches: reached.length,
      used: g.inherited ? [] : reached.filter((s) => used.has(s)).sort(),
      unused: (g.inherited ? reached : reached.filter((s) => !used.has(s))).sort(),
      unusedVerbs: grantVerbs.filter((v) => !verbsUsed.has(v)),
    };
  });
  const proposal = proposeAccess(usedList, direct, deniedTuples(id));
  const objects = proposalObjects(id.identity, proposal.proposed);
  const diff: string[] = [];
  for (const g of grants) {
    const line = `${g.verbs.join(",")} secrets ${scopeText(g)} via ${g.path.join(" -> ") || g.subject}`;
    diff.push(g.holder === "own" ? `- ${line}` : `~ ${line} (${g.holder === "group" ? `shared through ${g.subject}: remove only if no other member needs it` : "inherited by acting as another identity"})`);
  }
  for (const o of objects) {
    if (o.kind !== "Role") continue;
    for (const r of o.rules) diff.push(`+ ${r.verbs.join(",")} secrets in ${o.metadata.namespace} named ${r.resourceNames.join(", ")} via Role ${o.metadata.namespace}/${o.metadata.name}`);
  }
  return {
    identity: id.identity,
    cluster: id.cluster,
    window,
    grants,
    used: [...used].sort(),
    proposal,
    yaml: objects.map((o) => YAML.stringify(o)).join("---\n"),
    pulumi: pulumiSnippet(objects),
    diff,
  };
}

/** Subjects with direct read grants that made no Secret request at all over the window. */
export function idleGrantees(inv: InventoryCluster, seen: Set<string>): { subject: string; grants: InventoryGrant[] }[] {
  const by = new Map<string, InventoryGrant[]>();
  for (const g of inv.grants) {
    if (g.inherited || g.subject.startsWith("Group ") || seen.has(g.subject)) continue;
    by.set(g.subject, [...(by.get(g.subject) ?? []), g]);
  }
  return [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([subject, grants]) => ({ subject, grants }));
}
