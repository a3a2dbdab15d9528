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
