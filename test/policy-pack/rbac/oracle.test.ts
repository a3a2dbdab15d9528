// The engine's direct grants checked against a brute-force model of the authorizer: for every binding,
// resolve its role the way the API server does and ask ruleAllows() about a concrete request. Random
// stacks (fast-check) with wildcards, wrong groups, subresources, case errors and resourceNames.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { analyzeRbac, subjectIdentity, type KubeObject, type PolicyRule } from "../../../policy-pack/rbac";
import { clusterRole, clusterRoleBinding, role, roleBinding } from "./fixtures";

const NAMESPACES = ["a", "b"];

const rule: fc.Arbitrary<PolicyRule> = fc.record(
  {
    verbs: fc.subarray(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*", "GET"], { minLength: 1 }),
    apiGroups: fc.subarray(["", "*", "core", "apps"], { minLength: 1 }),
    resources: fc.subarray(["secrets", "*", "pods", "secrets/status", "*/*", "configmaps"], { minLength: 1 }),
    resourceNames: fc.subarray(["x"], { minLength: 1 }),
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
const stack: fc.Arbitrary<KubeObject[]> = fc
  .record({
    clusterRoles: fc.array(fc.array(rule, { maxLength: 3 }), { maxLength: 3 }),
    roles: fc.array(fc.record({ ns: fc.constantFrom(...NAMESPACES), rules: fc.array(rule, { maxLength: 3 }) }), { maxLength: 3 }),
    bindings: fc.array(
      fc.record({
        ns: fc.constantFrom(null, ...NAMESPACES),
        refKind: fc.constantFrom("Role", "ClusterRole"),
        ref: fc.nat(3),
        subjects: fc.array(subject, { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ clusterRoles, roles, bindings }) => [
    ...clusterRoles.map((rules, i) => clusterRole(`cr${i}`, rules)),
    ...roles.map((r, i) => role(r.ns, `r${i}`, r.rules)),
    ...bindings.map((b, i) =>
      b.ns === null
        ? clusterRoleBinding(`b${i}`, `${b.refKind === "Role" ? "r" : "cr"}${b.ref}`, b.subjects, b.refKind)
        : roleBinding(b.ns, `b${i}`, b.refKind, `${b.refKind === "Role" ? "r" : "cr"}${b.ref}`, b.subjects),
    ),
  ]);

/**
 * The authorizer's rule test for a request on a whole collection of a core-group resource, written out
 * here rather than taken from match.ts: verbs and API groups exact (case-sensitive) or `*`, the resource
 * exact or `*`, and no resourceNames (a rule with names never allows every object).
 */
function allowsAnyObject(rule: PolicyRule, verb: string, resource: string): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes("*");
  return has(rule.verbs, verb) && has(rule.apiGroups, "") && has(rule.resources, resource) && !rule.resourceNames?.length;
}

/** `<subject> @<namespace or *>` for every binding whose role lets it `verb` any `secrets`, by brute force. */
function oracle(objects: KubeObject[], verb: string): string[] {
  const out = new Set<string>();
  for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
    const cluster = b.kind === "ClusterRoleBinding";
    const ns = cluster ? null : b.metadata!.namespace!;
    // A ClusterRoleBinding references ClusterRoles only; a RoleBinding its namespace's Roles or ClusterRoles.
    const target = objects.find(
      (o) => o.kind === b.roleRef!.kind && o.metadata!.name === b.roleRef!.name && (o.kind === "ClusterRole" ? true : !cluster && o.metadata!.namespace === ns),
    );
    if (!target) continue;
    const anyName = (target.rules as PolicyRule[]).some((r) => allowsAnyObject(r, verb, "secrets"));
    if (!anyName) continue;
    for (const s of b.subjects ?? []) {
      const id = subjectIdentity(s, ns);
      if (id) out.add(`${id} @${ns ?? "*"}`);
    }
  }
  return [...out].sort();
}

/**
 * The same from the engine: findings of `code`, not narrowed to names, that list `verb`, held directly (not
 * by acting as a service account: wildcard rules let subjects create pods or tokens, and what that leads to
 * is the fixpoint's business, tested in analyze.test.ts).
 */
function engine(objects: KubeObject[], code: string, verb: string): string[] {
  const findings = analyzeRbac(objects, { kubernetesVersion: "1.35", includeBuiltinRoles: false }).findings;
  const direct = findings.filter((f) => f.code === code && !f.resourceNames && f.verbs.includes(verb) && !f.path.some((step) => step.startsWith("acts as ")));
  return [...new Set(direct.map((f) => `${f.subject} @${f.namespace}`))].sort();
}

test("direct Secret reads and writes match a brute-force authorizer on random stacks", () => {
  fc.assert(
    fc.property(stack, (objects) => {
      for (const verb of ["get", "list", "watch"]) {
        assert.deepEqual(engine(objects, "secret-read", verb), oracle(objects, verb), `read ${verb}`);
      }
      for (const verb of ["create", "update", "patch", "delete", "deletecollection"]) {
        assert.deepEqual(engine(objects, "secret-write", verb), oracle(objects, verb), `write ${verb}`);
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

/** The authorizer's rule test (own copy, see allowsAnyObject), for a named or unnamed request. */
function allows(rule: PolicyRule, verb: string, group: string, resource: string, named: boolean): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes("*");
  const sub = resource.includes("/") ? resource.slice(resource.indexOf("/")) : "";
  const resourceOk = (rule.resources ?? []).some((r) => r === "*" || r === resource || (sub !== "" && r === `*${sub}`));
  return has(rule.verbs, verb) && has(rule.apiGroups, group) && resourceOk && (named || !rule.resourceNames?.length);
}

/**
 * Namespaces (or `*`) where each subject can read any Secret: directly, by running a pod of its choosing
 * (create pods or workloads, change a workload), exec/attach or ephemeral containers; and, to a fixpoint,
 * whatever the service accounts it can act as (tokens, impersonation, pods running as them) and their
 * groups can. Names on a token or impersonation rule narrow the service accounts; on a workload update
 * they do not (the pod template picks the service account).
 */
function readsModel(objects: KubeObject[]): Map<string, Set<string>> {
  const grants = new Map<string, Array<{ rule: PolicyRule; ns: string }>>();
  for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
    const cluster = b.kind === "ClusterRoleBinding";
    const ns = cluster ? null : b.metadata!.namespace!;
    const target = objects.find(
      (o) => o.kind === b.roleRef!.kind && o.metadata!.name === b.roleRef!.name && (o.kind === "ClusterRole" ? true : !cluster && o.metadata!.namespace === ns),
    );
    if (!target) continue;
    for (const s of b.subjects ?? []) {
      const id = subjectIdentity(s, ns);
      if (!id) continue;
      for (const rule of target.rules as PolicyRule[]) grants.set(id, [...(grants.get(id) ?? []), { rule, ns: ns ?? "*" }]);
    }
  }
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
    for (const { rule, ns } of list) {
      const workloadChange = WORKLOADS.some(([g, r]) => ["update", "patch"].some((v) => allows(rule, v, g, r, true)));
      const runsPods = allows(rule, "create", "", "pods", false) || WORKLOADS.some(([g, r]) => allows(rule, "create", g, r, false));
      const unnamedRead =
        ["get", "list", "watch"].some((v) => allows(rule, v, "", "secrets", false)) ||
        runsPods ||
        WORKLOADS.some(([g, r]) => ["update", "patch"].some((v) => allows(rule, v, g, r, false))) ||
        ["pods/exec", "pods/attach"].some((r) => allows(rule, "create", "", r, false)) ||
        ["update", "patch"].some((v) => allows(rule, v, "", "pods/ephemeralcontainers", false));
      if (unnamedRead) reads.add(ns);
      if (runsPods || workloadChange) inNs(ns).forEach((t) => acts.add(t));
      for (const [verb, resource] of [["create", "serviceaccounts/token"], ["impersonate", "serviceaccounts"]]) {
        if (allows(rule, verb, "", resource, false)) inNs(ns).forEach((t) => acts.add(t));
        else if (allows(rule, verb, "", resource, true)) inNs(ns, rule.resourceNames).forEach((t) => acts.add(t));
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
    resourceNames: fc.subarray(["sa", "web"], { minLength: 1 }),
  },
  { requiredKeys: ["verbs", "apiGroups", "resources"] },
);
const actingStack: fc.Arbitrary<KubeObject[]> = fc
  .record({
    clusterRoles: fc.array(fc.array(actingRule, { minLength: 1, maxLength: 2 }), { maxLength: 3 }),
    roles: fc.array(fc.record({ ns: fc.constantFrom(...NAMESPACES), rules: fc.array(actingRule, { minLength: 1, maxLength: 2 }) }), { maxLength: 3 }),
    bindings: fc.array(
      fc.record({
        ns: fc.constantFrom(null, ...NAMESPACES),
        refKind: fc.constantFrom("Role", "ClusterRole"),
        ref: fc.nat(2),
        subjects: fc.array(subject, { minLength: 1, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map(({ clusterRoles, roles, bindings }) => [
    ...SERVICE_ACCOUNTS.map((sa) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: sa.split("/")[0], name: sa.split("/")[1] } })),
    ...clusterRoles.map((rules, i) => clusterRole(`cr${i}`, rules)),
    ...roles.map((r, i) => role(r.ns, `r${i}`, r.rules)),
    ...bindings.map((b, i) =>
      b.ns === null
        ? clusterRoleBinding(`b${i}`, `${b.refKind === "Role" ? "r" : "cr"}${b.ref}`, b.subjects, b.refKind)
        : roleBinding(b.ns, `b${i}`, b.refKind, `${b.refKind === "Role" ? "r" : "cr"}${b.ref}`, b.subjects),
    ),
  ]);

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
