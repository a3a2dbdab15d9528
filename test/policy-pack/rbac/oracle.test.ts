// The engine checked against models written independently of it (own rule test, own role resolution):
// direct grants against a brute-force authorizer, and reads through acting as service accounts against a
// fixpoint. Random stacks (fast-check) with wildcards, wrong groups, subresources, case errors and
// resourceNames.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { analyzeRbac, subjectIdentity, type KubeObject, type PolicyRule, type RbacFinding } from "../../../policy-pack/rbac";
import { clusterRole, clusterRoleBinding, role, roleBinding } from "./fixtures";

const NAMESPACES = ["a", "b"];

const rule: fc.Arbitrary<PolicyRule> = fc.record(
  {
    verbs: fc.subarray(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*", "GET"], { minLength: 1 }),
    apiGroups: fc.subarray(["", "*", "core", "apps"], { minLength: 1 }),
    resources: fc.subarray(["secrets", "*", "pods", "secrets/status", "*/*", "configmaps"], { minLength: 1 }),
    resourceNames: fc.subarray(["x", ""], { minLength: 1 }),
  },
  { requiredKeys: ["verbs", "apiGroups", "resources"] },
);
const subject = fc.oneof(
  fc.record({ kind: fc.constant("ServiceAccount"), name: fc.constantFrom("sa", "default"), namespace: fc.constantFrom(undefined, ...NAMESPACES) }).map((s) =>
    s.namespace === undefined ? { kind: s.kind, name: s.name } : s,
  ),
  fc.record({ kind: fc.constant("User"), name: fc.constantFrom("alice", "system:serviceaccount:a:sa") }),
  fc.record({ kind: fc.constant("Group"), name: fc.constantFrom("devs", "system:authenticated", "system:serviceaccounts:b") }),
);
/** Random ClusterRoles `cr<i>`, Roles `r<i>` and bindings referring to them (or to missing ones), plus `extra`. */
function randomStack(
  rule: fc.Arbitrary<PolicyRule>,
  sizes: { minRules: number; maxRules: number; maxRefIndex: number; maxSubjects: number; maxBindings: number },
  extra: KubeObject[] = [],
): fc.Arbitrary<KubeObject[]> {
  const rules = fc.array(rule, { minLength: sizes.minRules, maxLength: sizes.maxRules });
  return fc
    .record({
      clusterRoles: fc.array(rules, { maxLength: 3 }),
      roles: fc.array(fc.record({ ns: fc.constantFrom(...NAMESPACES), rules }), { maxLength: 3 }),
      bindings: fc.array(
        fc.record({
          ns: fc.constantFrom(null, ...NAMESPACES),
          refKind: fc.constantFrom("Role", "ClusterRole"),
          ref: fc.nat(sizes.maxRefIndex),
          subjects: fc.array(subject, { minLength: 1, maxLength: sizes.maxSubjects }),
        }),
        { minLength: 1, maxLength: sizes.maxBindings },
      ),
    })
    .map(({ clusterRoles, roles, bindings }) => [
      ...extra,
      ...clusterRoles.map((r, i) => clusterRole(`cr${i}`, r)),
      ...roles.map((r, i) => role(r.ns, `r${i}`, r.rules)),
      ...bindings.map((b, i) => {
        const ref = `${b.refKind === "Role" ? "r" : "cr"}${b.ref}`;
        return b.ns === null ? clusterRoleBinding(`b${i}`, ref, b.subjects, b.refKind) : roleBinding(b.ns, `b${i}`, b.refKind, ref, b.subjects);
      }),
    ]);
}
const stack = randomStack(rule, { minRules: 0, maxRules: 3, maxRefIndex: 3, maxSubjects: 3, maxBindings: 5 });

/**
 * The authorizer's rule test, written out here rather than taken from match.ts: verbs and API groups
 * exact (case-sensitive) or `*`, the resource exact, `*`, or `*\/<sub>` for a subresource. Names as
 * kubernetes' ResourceNameMatches compares them: `named` false asks for every object; create on a
 * collection, deletecollection and an unfiltered list/watch carry the name "", so they match a rule with
 * resourceNames only when it lists ""; any other request names its object, so every object needs a rule
 * without resourceNames. `named` true asks for some object: a non-empty name in the list.
 */
function allows(rule: PolicyRule, verb: string, group: string, resource: string, named: boolean): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes("*");
  const sub = resource.includes("/") ? resource.slice(resource.indexOf("/")) : "";
  const resourceOk = (rule.resources ?? []).some((r) => r === "*" || r === resource || (sub !== "" && r === `*${sub}`));
  const names = rule.resourceNames ?? [];
  // Requests that carry no object name: create on a collection, deletecollection, list, watch.
  const nameless = sub === "" && ["create", "deletecollection", "list", "watch"].includes(verb);
  const nameOk = names.length === 0 || (named ? names.some((n) => n !== "") : nameless && names.includes(""));
  return has(rule.verbs, verb) && has(rule.apiGroups, group) && resourceOk && nameOk;
}

/**
 * Each binding subject's identity with the rules its binding grants and where (`*` for a
 * ClusterRoleBinding): a ClusterRoleBinding references ClusterRoles only, a RoleBinding its namespace's
 * Roles or ClusterRoles; a missing role grants nothing.
 */
function boundRules(objects: KubeObject[]): Array<{ id: string; ns: string; rules: PolicyRule[] }> {
  const out: Array<{ id: string; ns: string; rules: PolicyRule[] }> = [];
  for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
    const cluster = b.kind === "ClusterRoleBinding";
    const ns = cluster ? null : b.metadata!.namespace!;
    const target = objects.find((o) => o.kind === b.roleRef!.kind && o.metadata!.name === b.roleRef!.name && (o.kind === "ClusterRole" || (!cluster && o.metadata!.namespace === ns)));
    if (!target) continue;
    for (const s of b.subjects ?? []) {
      const id = subjectIdentity(s, ns);
      if (id) out.push({ id, ns: ns ?? "*", rules: target.rules as PolicyRule[] });
    }
  }
  return out;
}

/** `<subject> @<namespace or *>` for every binding whose role lets it `verb` any `secrets`, by brute force. */
function oracle(objects: KubeObject[], verb: string): string[] {
  const granted = boundRules(objects).filter((g) => g.rules.some((r) => allows(r, verb, "", "secrets", false)));
  return [...new Set(granted.map((g) => `${g.id} @${g.ns}`))].sort();
}

/**
 * The same from the engine's findings: those of `code`, not narrowed to names, that list `verb`, held
 * directly (not by acting as a service account: wildcard rules let subjects create pods or tokens, and
 * what that leads to is the fixpoint test's business).
 */
function direct(findings: RbacFinding[], code: string, verb: string): string[] {
  const held = findings.filter((f) => f.code === code && !f.resourceNames && f.verbs.includes(verb) && !f.path.some((step) => step.startsWith("acts as ")));
  return [...new Set(held.map((f) => `${f.subject} @${f.namespace}`))].sort();
}

test("direct Secret reads and writes match a brute-force authorizer on random stacks", () => {
  fc.assert(
    fc.property(stack, (objects) => {
      const findings = analyzeRbac(objects, { kubernetesVersion: "1.35", includeBuiltinRoles: false }).findings;
      for (const verb of ["get", "list", "watch"]) assert.deepEqual(direct(findings, "secret-read", verb), oracle(objects, verb), `read ${verb}`);
      for (const verb of ["create", "update", "patch", "delete", "deletecollection"]) {
        assert.deepEqual(direct(findings, "secret-write", verb), oracle(objects, verb), `write ${verb}`);
      }
    }),
    { numRuns: 400, seed: 20261128 },
  );
});

// --- Acting as service accounts, to a fixpoint -------------------------------------------------------

const SERVICE_ACCOUNTS = ["a/default", "a/sa", "b/default", "b/sa"];
const WORKLOADS: Array<[string, string]> = [
  ["apps", "deployments"], ["apps", "replicasets"], ["apps", "statefulsets"], ["apps", "daemonsets"],
  ["extensions", "deployments"], ["extensions", "replicasets"], ["extensions", "daemonsets"],
  ["batch", "jobs"], ["batch", "cronjobs"], ["", "replicationcontrollers"],
];

/**
 * Namespaces (or `*`) where each subject can read any Secret: directly, by running a pod of its choosing
 * (create pods or workloads, change a workload), exec/attach or ephemeral containers; and, to a fixpoint,
 * whatever the service accounts it can act as (tokens, impersonation, pods running as them) and their
 * groups can. Names on a token or impersonation rule narrow the service accounts; on a workload update
 * they do not (the pod template picks the service account).
 */
function readsModel(objects: KubeObject[]): Map<string, Set<string>> {
  const grants = new Map<string, Array<{ rule: PolicyRule; ns: string }>>();
  for (const { id, ns, rules } of boundRules(objects)) grants.set(id, [...(grants.get(id) ?? []), ...rules.map((rule) => ({ rule, ns }))]);
  // Named service accounts of one namespace count even if the stack does not declare them (they may exist
  // in the cluster; impersonating one needs no object at all, and it still carries its groups).
  const inNs = (ns: string, names?: string[]) =>
    (names && ns !== "*" ? names.map((n) => `${ns}/${n}`) : SERVICE_ACCOUNTS.filter((sa) => (ns === "*" || sa.startsWith(`${ns}/`)) && (!names || names.includes(sa.split("/")[1])))).map(
      (sa) => `ServiceAccount ${sa}`,
    );
  const direct = new Map<string, Set<string>>();
  const actsAs = new Map<string, Set<string>>();
  for (const [id, list] of grants) {
    const reads = new Set<string>();
    const acts = new Set<string>();
    // create (any name) + get (the name it creates) on secrets: a service-account token Secret for any account.
    const creates = new Set<string>();
    const gets = new Set<string>();
    for (const { rule, ns } of list) {
      if (allows(rule, "create", "", "secrets", false)) creates.add(ns);
      if (allows(rule, "get", "", "secrets", true) || allows(rule, "get", "", "secrets", false)) gets.add(ns);
      // A running pod's image can be swapped (update/patch on pods): code runs as its service account.
      const podChange = ["update", "patch"].some((v) => allows(rule, v, "", "pods", true));
      const workloadChange = podChange || WORKLOADS.some(([g, r]) => ["update", "patch"].some((v) => allows(rule, v, g, r, true)));
      const runsPods = allows(rule, "create", "", "pods", false) || WORKLOADS.some(([g, r]) => allows(rule, "create", g, r, false));
      const unnamedRead =
        ["get", "list", "watch"].some((v) => allows(rule, v, "", "secrets", false)) ||
        runsPods ||
        WORKLOADS.some(([g, r]) => ["update", "patch"].some((v) => allows(rule, v, g, r, false))) ||
        ["pods/exec", "pods/attach"].some((r) => allows(rule, "create", "", r, false)) ||
        ["update", "patch"].some((v) => allows(rule, v, "", "pods/ephemeralcontainers", false)) ||
        ["update", "patch"].some((v) => allows(rule, v, "", "pods", false));
      if (unnamedRead) reads.add(ns);
      if (runsPods || workloadChange) inNs(ns).forEach((t) => acts.add(t));
      for (const [verb, resource] of [["create", "serviceaccounts/token"], ["impersonate", "serviceaccounts"]]) {
        if (allows(rule, verb, "", resource, false)) inNs(ns).forEach((t) => acts.add(t));
        else if (allows(rule, verb, "", resource, true)) inNs(ns, rule.resourceNames).forEach((t) => acts.add(t));
      }
    }
    for (const c of creates) {
      for (const g of gets) {
        if (c !== "*" && g !== "*" && c !== g) continue;
        inNs(c === "*" ? g : c).forEach((t) => acts.add(t));
      }
    }
    direct.set(id, reads);
    actsAs.set(id, acts);
  }
  const reads = new Map([...direct].map(([id, r]) => [id, new Set(r)]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, targets] of actsAs) {
      const mine = reads.get(id)!;
      for (const t of targets) {
        const ns = t.slice("ServiceAccount ".length).split("/")[0];
        for (const from of [t, "Group system:serviceaccounts", `Group system:serviceaccounts:${ns}`]) {
          for (const n of reads.get(from) ?? []) {
            if (mine.has(n)) continue;
            mine.add(n);
            changed = true;
          }
        }
      }
    }
  }
  return reads;
}

/** `*` covers every namespace. */
const scope = (namespaces: Iterable<string>): string[] => {
  const set = new Set(namespaces);
  return set.has("*") ? ["*"] : [...set].sort();
};

const actingRule: fc.Arbitrary<PolicyRule> = fc.record(
  {
    verbs: fc.subarray(["get", "list", "create", "update", "impersonate", "*"], { minLength: 1 }),
    apiGroups: fc.subarray(["", "apps", "*"], { minLength: 1 }),
    resources: fc.subarray(["secrets", "pods", "pods/exec", "serviceaccounts/token", "serviceaccounts", "deployments", "*"], { minLength: 1 }),
    resourceNames: fc.subarray(["sa", "web", ""], { minLength: 1 }),
  },
  { requiredKeys: ["verbs", "apiGroups", "resources"] },
);
const actingStack = randomStack(
  actingRule,
  { minRules: 1, maxRules: 2, maxRefIndex: 2, maxSubjects: 2, maxBindings: 6 },
  SERVICE_ACCOUNTS.map((sa) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: sa.split("/")[0], name: sa.split("/")[1] } })),
);

/** The subject and the groups it is in (a service account is in `system:serviceaccounts[:<ns>]`). */
function withGroups(subject: string): string[] {
  if (!subject.startsWith("ServiceAccount ")) return [subject];
  const ns = subject.slice("ServiceAccount ".length).split("/")[0];
  return [subject, "Group system:serviceaccounts", `Group system:serviceaccounts:${ns}`];
}

test("Secret reads through acting as service accounts (tokens, impersonation, pods, workloads) match a fixpoint model", () => {
  fc.assert(
    fc.property(actingStack, (objects) => {
      const model = readsModel(objects);
      const findings = analyzeRbac(objects, { kubernetesVersion: "1.35", includeBuiltinRoles: false }).findings;
      // Compared as what a subject can really read: its own findings and its groups' (the engine reports a
      // group's access under the group, and does not repeat it for members).
      const reads = (subject: string) =>
        findings.filter((f) => withGroups(subject).includes(f.subject) && (f.code === "secret-read" || f.code === "indirect-secret-read") && !f.resourceNames).map((f) => f.namespace);
      const modelled = (subject: string) => withGroups(subject).flatMap((s) => [...(model.get(s) ?? [])]);
      for (const s of new Set([...model.keys(), ...findings.map((f) => f.subject)])) {
        assert.deepEqual(scope(reads(s)), scope(modelled(s)), s);
      }
    }),
    { numRuns: 3000, seed: 20261128 },
  );
});
