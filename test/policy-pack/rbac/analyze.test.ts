// The engine follows the API server's RBAC authorizer; each semantic point has a baseline and a mutation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyzeRbac, type AnalyzeOptions, type KubeObject, type PolicyRule, type RbacFinding } from "../../../policy-pack/rbac";
import { SECRETS_READ, clusterRole, clusterRoleBinding, group, role, roleBinding, sa, user } from "./fixtures";

const run = (objects: KubeObject[], options?: AnalyzeOptions) => analyzeRbac(objects, { kubernetesVersion: "1.35", ...options }).findings;
/** `code subject @namespace` of every finding except ineffective-rule, sorted. */
function summary(findings: RbacFinding[], codes = ["secret-read", "secret-write", "indirect-secret-read", "escalation", "missing-role"]): string[] {
  return findings.filter((f) => codes.includes(f.code)).map((f) => `${f.code} ${f.subject} @${f.namespace}`).sort();
}
/** A ClusterRole `r` with `rules`, bound cluster-wide to User alice. */
const granted = (rules: PolicyRule[], options?: AnalyzeOptions) =>
  summary(run([clusterRole("r", rules), clusterRoleBinding("b", "r", [user("alice")])], options));
const reads = (rules: PolicyRule[]) => granted(rules).includes("secret-read User alice @*");

describe("rule matching", () => {
  test("verbs are exact and case-sensitive; * matches all", () => {
    assert.ok(reads([{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }]));
    assert.ok(!reads([{ verbs: ["GET"], apiGroups: [""], resources: ["secrets"] }]));
    assert.ok(reads([{ verbs: ["*"], apiGroups: [""], resources: ["secrets"] }]));
    const f = run([clusterRole("r", [{ verbs: ["GET"], apiGroups: [""], resources: ["secrets"] }])]);
    assert.deepEqual(f.map((x) => x.message), ['ClusterRole r rules[0] verbs=GET apiGroups="" resources=secrets: verb "GET" never matches: verbs are case-sensitive (use "get")']);
  });

  test('watch alone reads Secrets (as do get and list)', () => {
    for (const verb of ["get", "list", "watch"]) assert.ok(reads([{ verbs: [verb], apiGroups: [""], resources: ["secrets"] }]), verb);
    assert.ok(!reads([{ verbs: ["create"], apiGroups: [""], resources: ["secrets"] }]));
  });

  test('apiGroups: "" is the core group; "core" and "v1" grant nothing; * matches', () => {
    assert.ok(reads([{ ...SECRETS_READ, apiGroups: [""] }]));
    assert.ok(!reads([{ ...SECRETS_READ, apiGroups: ["core"] }]));
    assert.ok(!reads([{ ...SECRETS_READ, apiGroups: ["v1"] }]));
    assert.ok(reads([{ ...SECRETS_READ, apiGroups: ["*"] }]));
    const f = run([clusterRole("r", [{ ...SECRETS_READ, apiGroups: ["core"] }])]);
    assert.equal(f[0].code, "ineffective-rule");
    assert.match(f[0].message, /apiGroup "core" is not an API group: the core group is ""/);
  });

  test("resources: * covers everything, */* and secrets/* match nothing, */sub matches that subresource", () => {
    assert.ok(reads([{ ...SECRETS_READ, resources: ["*"] }]));
    assert.ok(!reads([{ ...SECRETS_READ, resources: ["*/*"] }]));
    assert.ok(!reads([{ ...SECRETS_READ, resources: ["secrets/*"] }]));
    const exec = (resources: string[]) =>
      run([clusterRole("r", [{ verbs: ["create"], apiGroups: [""], resources }]), clusterRoleBinding("b", "r", [user("alice")])]).some((f) => f.message.startsWith("User alice can exec into"));
    assert.ok(exec(["pods/exec"]));
    assert.ok(exec(["*/exec"]));
    assert.ok(exec(["*"]));
    assert.ok(!exec(["pods"]), "pods does not cover pods/exec");
    assert.ok(!exec(["pods/*"]));
    const msgs = run([clusterRole("r", [{ ...SECRETS_READ, resources: ["*/*", "secrets/*"] }])]).map((x) => x.message);
    assert.equal(msgs.length, 2);
    assert.match(msgs[0], /resource "\*\/\*" matches no request/);
  });

  test("the second rule counts as much as the first", () => {
    assert.ok(reads([{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }, SECRETS_READ]));
    assert.ok(!reads([{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]));
  });

  test("resourceNames narrow get/update/delete; named list/watch only by field selector; create/deletecollection never match", () => {
    const f = run([clusterRole("r", [{ verbs: ["get", "list", "watch", "create", "delete", "deletecollection"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }]), clusterRoleBinding("b", "r", [user("alice")])]);
    const read = f.find((x) => x.code === "secret-read")!;
    assert.deepEqual(read.resourceNames, ["a"]);
    assert.deepEqual(read.verbs, ["get", "list", "watch"]);
    assert.match(read.message, /\(only a; list\/watch only with a metadata\.name field selector\)/);
    const write = f.find((x) => x.code === "secret-write")!;
    assert.deepEqual(write.verbs, ["delete"], "create and deletecollection carry no name");
    assert.ok(f.some((x) => x.code === "ineffective-rule" && /create and deletecollection with resourceNames never matches/.test(x.message)));
    const unnamed = run([clusterRole("r", [{ verbs: ["create"], apiGroups: [""], resources: ["secrets"] }]), clusterRoleBinding("b", "r", [user("alice")])]);
    assert.deepEqual(unnamed.find((x) => x.code === "secret-write")!.verbs, ["create"]);
  });

  test('resourceNames ["*"] is an object named "*", not a wildcard: reported apart from the any-name grant', () => {
    const reads = (rules: PolicyRule[]) =>
      run([clusterRole("r", rules), clusterRoleBinding("b", "r", [user("alice")])])
        .filter((x) => x.code === "secret-read")
        .map((x) => `${x.verbs.join(",")} ${x.resourceNames?.join(",") ?? "any"}`);
    assert.deepEqual(reads([{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["*"] }]), ["get *"]);
    assert.deepEqual(
      reads([
        { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["*"] },
        { verbs: ["list"], apiGroups: [""], resources: ["secrets"] },
      ]).sort(),
      ["get *", "list any"],
    );
  });
});

describe("bindings", () => {
  test("a ClusterRoleBinding grants cluster-wide; a RoleBinding to a ClusterRole only in its namespace", () => {
    const cr = clusterRole("reader", [SECRETS_READ]);
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [user("alice")])])), ["secret-read User alice @*"]);
    assert.deepEqual(summary(run([cr, roleBinding("team-a", "b", "ClusterRole", "reader", [user("alice")])])), ["secret-read User alice @team-a"]);
  });

  test('a RoleBinding in a namespace named "*" (which the API server refuses) counts once, as every namespace', () => {
    const cr = clusterRole("reader", [SECRETS_READ]);
    const both = run([cr, clusterRoleBinding("b", "reader", [user("alice")]), roleBinding("*", "b", "ClusterRole", "reader", [user("alice")])]);
    assert.deepEqual(summary(both), ["secret-read User alice @*"]);
  });

  test("cluster-scoped grants of a ClusterRole are inert in a RoleBinding", () => {
    const cr = clusterRole("kubelet", [{ verbs: ["get"], apiGroups: [""], resources: ["nodes/proxy"] }]);
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "kubelet", [user("alice")])])), ["escalation User alice @*"]);
    const f = run([cr, roleBinding("team-a", "b", "ClusterRole", "kubelet", [user("alice")])]);
    assert.deepEqual(summary(f), []);
    assert.deepEqual(f.map((x) => x.message), ['RoleBinding team-a/b -> ClusterRole kubelet rules[0] verbs=get apiGroups="" resources=nodes/proxy: nodes is cluster-scoped, so this grant is inert in a RoleBinding']);
  });

  test("roleRef to a missing role grants nothing but is reported; a Role is looked up in the binding's namespace", () => {
    const rb = roleBinding("team-a", "b", "Role", "reader", [user("alice")]);
    const missing = run([rb, role("team-b", "reader", [SECRETS_READ])]);
    assert.deepEqual(summary(missing), ["missing-role User alice @team-a"]);
    assert.equal(missing[0].message, "RoleBinding team-a/b binds User alice to Role team-a/reader, which does not exist: it grants nothing now, but whoever creates Role team-a/reader later grants its rules to User alice");
    assert.deepEqual(summary(run([rb, role("team-a", "reader", [SECRETS_READ])])), ["secret-read User alice @team-a"]);
    assert.deepEqual(summary(run([role("team-a", "reader", [SECRETS_READ]), clusterRoleBinding("c", "reader", [user("alice")], "Role")])), ["missing-role User alice @*"]);
  });
});

describe("subjects", () => {
  const cr = clusterRole("reader", [SECRETS_READ]);
  test("a ServiceAccount subject defaults to the RoleBinding's namespace", () => {
    assert.deepEqual(summary(run([cr, roleBinding("team-a", "b", "ClusterRole", "reader", [sa("api")])])), ["secret-read ServiceAccount team-a/api @team-a"]);
    assert.deepEqual(summary(run([cr, roleBinding("team-a", "b", "ClusterRole", "reader", [sa("api", "team-b")])])), ["secret-read ServiceAccount team-b/api @team-a"]);
  });
  test("a ServiceAccount without namespace in a ClusterRoleBinding matches nothing", () => {
    const f = run([cr, clusterRoleBinding("b", "reader", [sa("api")])]);
    assert.deepEqual(summary(f), []);
    assert.match(f[0].message, /subject ServiceAccount api matches nobody \(a ServiceAccount subject of a ClusterRoleBinding needs a namespace\)/);
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [sa("api", "x")])])), ["secret-read ServiceAccount x/api @*"]);
  });
  test("User system:serviceaccount:<ns>:<name> is that service account", () => {
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [user("system:serviceaccount:x:api")])])), ["secret-read ServiceAccount x/api @*"]);
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [user("system:serviceaccounts:x")])])), ["secret-read User system:serviceaccounts:x @*"]);
  });
  test("Group subjects, including the system groups", () => {
    for (const g of ["system:authenticated", "system:unauthenticated", "system:serviceaccounts", "system:serviceaccounts:x", "system:masters", "devs"]) {
      assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [group(g)])])), [`secret-read Group ${g} @*`]);
    }
  });
  test("subject kinds are exact", () => {
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "reader", [{ kind: "group", name: "devs" }])])), []);
  });
  test("a service account inherits its groups' access when someone acts as it", () => {
    const objs = [cr, roleBinding("x", "g", "ClusterRole", "reader", [group("system:serviceaccounts:x")]), role("x", "tok", [{ verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"] }]), roleBinding("x", "t", "Role", "tok", [user("bob")])];
    assert.ok(summary(run(objs)).includes("indirect-secret-read User bob @x"));
    objs[1] = roleBinding("x", "g", "ClusterRole", "reader", [group("system:serviceaccounts:y")]);
    assert.ok(!summary(run(objs)).includes("indirect-secret-read User bob @y"));
  });
});

describe("aggregation", () => {
  const leaf = (name: string, labels: Record<string, string>, rules: PolicyRule[] = [SECRETS_READ]) => clusterRole(name, rules, labels);
  const agg = (selectors: any[], rules: PolicyRule[] = []) => clusterRole("agg", rules, undefined, { clusterRoleSelectors: selectors });
  // Without the built-in catalogue: an empty selector would otherwise (correctly) collect cluster-admin.
  const bound = (objs: KubeObject[]) => summary(run([...objs, clusterRoleBinding("b", "agg", [user("alice")])], { includeBuiltinRoles: false }));
  const READ = ["secret-read User alice @*"];

  test("OR across selectors, AND within one", () => {
    assert.deepEqual(bound([leaf("l", { a: "1" }), agg([{ matchLabels: { b: "1" } }, { matchLabels: { a: "1" } }])]), READ);
    assert.deepEqual(bound([leaf("l", { a: "1" }), agg([{ matchLabels: { a: "1", b: "1" } }])]), []);
    assert.deepEqual(bound([leaf("l", { a: "1", b: "1" }), agg([{ matchLabels: { a: "1", b: "1" } }])]), READ);
    assert.deepEqual(bound([leaf("l", { a: "1" }), agg([{ matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] }])]), READ);
    assert.deepEqual(bound([leaf("l", { a: "1" }), agg([{ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }])]), []);
  });
  test("an empty selector matches every ClusterRole (but not itself), built-in ones included", () => {
    const withBuiltins = summary(run([agg([{}]), clusterRoleBinding("b", "agg", [user("alice")])]));
    assert.ok(withBuiltins.includes("escalation User alice @*"), "collects cluster-admin");
    assert.deepEqual(bound([leaf("l", {}), agg([{}])]), READ);
    assert.deepEqual(bound([agg([{}], [SECRETS_READ])]).length, 0, "its own rules are replaced, it does not aggregate itself");
  });
  test("transitive, and the aggregated role's own rules are replaced", () => {
    const mid = clusterRole("mid", [], { top: "1" }, { clusterRoleSelectors: [{ matchLabels: { leaf: "1" } }] });
    const f = run([leaf("l", { leaf: "1" }), mid, agg([{ matchLabels: { top: "1" } }]), clusterRoleBinding("b", "agg", [user("alice")])], { includeBuiltinRoles: false });
    const read = f.find((x) => x.code === "secret-read")!;
    assert.deepEqual(read.path, [
      "ClusterRoleBinding b",
      "ClusterRole agg aggregates ClusterRole mid (selector top=1)",
      "ClusterRole mid aggregates ClusterRole l (selector leaf=1)",
      'ClusterRole l rules[0] verbs=get,list,watch apiGroups="" resources=secrets',
    ]);
    assert.deepEqual(bound([leaf("l", { other: "1" }), mid, agg([{ matchLabels: { top: "1" } }])]), []);
    const own = run([agg([{ matchLabels: { none: "1" } }], [SECRETS_READ]), clusterRoleBinding("b", "agg", [user("alice")])], { includeBuiltinRoles: false });
    assert.deepEqual(summary(own), []);
    assert.match(own[0].message, /aggregation controller replaces its 1 own rule/);
  });
  test("cycles terminate", () => {
    const a = clusterRole("agg", [], { x: "1" }, { clusterRoleSelectors: [{ matchLabels: { y: "1" } }] });
    const b = clusterRole("b2", [], { y: "1" }, { clusterRoleSelectors: [{ matchLabels: { x: "1" } }] });
    assert.deepEqual(bound([a, b]), []);
    assert.deepEqual(bound([a, b, leaf("l", { x: "1" })]), READ);
  });
  test("a later ClusterRole with the same name replaces the earlier one, also as an aggregation member", () => {
    const l1 = leaf("l", { a: "1" });
    const l2 = leaf("l", { a: "1" }, [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]);
    assert.deepEqual(bound([l1, agg([{ matchLabels: { a: "1" } }])]), READ);
    assert.deepEqual(bound([l1, l2, agg([{ matchLabels: { a: "1" } }])]), []);
    assert.deepEqual(bound([l2, l1, agg([{ matchLabels: { a: "1" } }])]), READ);
    const direct = (objs: KubeObject[]) => summary(run([...objs, clusterRoleBinding("b", "l", [user("alice")])], { includeBuiltinRoles: false }));
    assert.deepEqual(direct([l1, l2]), []);
    assert.deepEqual(direct([l2, l1]), READ);
  });
  test("aggregate-to-view/edit/admin labels extend the built-in roles", () => {
    const ext = leaf("ext", { "rbac.authorization.k8s.io/aggregate-to-view": "true" });
    const viaView = (objs: KubeObject[]) => summary(run([...objs, roleBinding("x", "b", "ClusterRole", "view", [user("alice")])]));
    assert.deepEqual(viaView([]), []);
    assert.deepEqual(viaView([ext]), ["secret-read User alice @x"]);
    const admin = summary(run([ext, roleBinding("x", "b", "ClusterRole", "admin", [user("alice")])]));
    assert.ok(admin.includes("secret-read User alice @x"));
  });
});

describe("built-in roles", () => {
  const bound = (name: string, options?: AnalyzeOptions) => summary(run([roleBinding("x", "b", "ClusterRole", name, [user("alice")])], options));
  test("view reads no Secrets; edit and admin read and write them; cluster-admin does everything", () => {
    assert.deepEqual(bound("view"), []);
    for (const name of ["edit", "admin", "cluster-admin"]) {
      const s = bound(name);
      assert.ok(s.includes("secret-read User alice @x") && s.includes("secret-write User alice @x") && s.includes("indirect-secret-read User alice @x"), name);
    }
  });
  test("without the catalogue a binding to edit is a missing role", () => {
    assert.deepEqual(bound("edit", { includeBuiltinRoles: false }), ["missing-role User alice @x"]);
  });
  test("admin can create RoleBindings but not bind roles it does not hold; adding bind on roles makes it an escalation", () => {
    const grants = run([roleBinding("x", "b", "ClusterRole", "admin", [user("alice")])]);
    assert.ok(!grants.some((f) => /grant Roles they do not hold/.test(f.message)));
    const withBind = run([
      clusterRole("binder", [{ verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }], { "rbac.authorization.k8s.io/aggregate-to-admin": "true" }),
      roleBinding("x", "b", "ClusterRole", "admin", [user("alice")]),
    ]);
    assert.ok(withBind.some((f) => f.code === "escalation" && f.namespace === "x" && /^User alice can grant Roles they do not hold \(bind \+ create rolebindings\) in namespace x/.test(f.message)));
  });
  test("system:node reads Secrets cluster-wide when bound", () => {
    assert.deepEqual(summary(run([clusterRoleBinding("n", "system:node", [group("system:nodes")])])).filter((s) => s.startsWith("secret-read")), ["secret-read Group system:nodes @*"]);
  });
});

describe("escalation and indirect reads", () => {
  test("pods/exec and pods/attach: create always; get only before 1.35", () => {
    const getExec = [{ verbs: ["get"], apiGroups: [""], resources: ["pods/exec"] }];
    assert.deepEqual(granted(getExec, { kubernetesVersion: "1.34" }), ["indirect-secret-read User alice @*"]);
    assert.deepEqual(granted(getExec, { kubernetesVersion: "v1.35.0" }), []);
    assert.deepEqual(granted(getExec, { kubernetesVersion: undefined }), ["indirect-secret-read User alice @*"], "unknown version: assume the older rule");
    assert.deepEqual(granted([{ verbs: ["create"], apiGroups: [""], resources: ["pods/attach"] }]), ["indirect-secret-read User alice @*"]);
  });
  test("ephemeral containers", () => {
    assert.deepEqual(granted([{ verbs: ["patch"], apiGroups: [""], resources: ["pods/ephemeralcontainers"] }]), ["indirect-secret-read User alice @*"]);
    assert.deepEqual(granted([{ verbs: ["get"], apiGroups: [""], resources: ["pods/ephemeralcontainers"] }]), []);
  });
  test("nodes/proxy with get or create, also through */proxy", () => {
    for (const [verb, res] of [["get", "nodes/proxy"], ["create", "nodes/proxy"], ["get", "*/proxy"]]) {
      assert.deepEqual(granted([{ verbs: [verb], apiGroups: [""], resources: [res] }]), ["escalation User alice @*"], `${verb} ${res}`);
    }
    assert.deepEqual(granted([{ verbs: ["get"], apiGroups: [""], resources: ["nodes"] }]), []);
  });
  test("creating pods or pod-template workloads reads Secrets indirectly and acts as the namespace's service accounts", () => {
    const objs = [
      role("x", "deployer", [{ verbs: ["create"], apiGroups: ["apps"], resources: ["deployments"] }]),
      roleBinding("x", "d", "Role", "deployer", [user("ci")]),
      role("x", "reader", [SECRETS_READ]),
      roleBinding("x", "r", "Role", "reader", [sa("app")]),
      // x/app can also read Secrets in namespace y: running a pod as x/app reaches them.
      role("y", "reader", [SECRETS_READ]),
      roleBinding("y", "r", "Role", "reader", [sa("app", "x")]),
    ];
    const f = run(objs);
    assert.deepEqual(summary(f).filter((s) => s.includes("User ci")), ["indirect-secret-read User ci @x", "indirect-secret-read User ci @y"]);
    const own = f.find((x) => x.subject === "User ci" && x.namespace === "x")!;
    assert.match(own.message, /^User ci can create or change pod-template workloads \(which can mount any Secret in the namespace and run as any of its service accounts\) \(create\) in namespace x via RoleBinding x\/d/);
    const inherited = f.find((x) => x.subject === "User ci" && x.namespace === "y")!;
    assert.match(inherited.message, /^User ci can read Secrets \(get, list, watch\) in namespace y by acting as ServiceAccount x\/app via RoleBinding x\/d -> Role x\/deployer rules\[0\]/);
    assert.deepEqual(inherited.path.slice(2), ["acts as ServiceAccount x/app", "RoleBinding y/r", 'Role y/reader rules[0] verbs=get,list,watch apiGroups="" resources=secrets']);
    objs[0] = role("x", "deployer", [{ verbs: ["get", "list"], apiGroups: ["apps"], resources: ["deployments"] }]);
    assert.deepEqual(summary(run(objs)).filter((s) => s.includes("User ci")), []);
  });
  test("updating one named workload acts as every service account of the namespace (its pod template can name any)", () => {
    const updater = (verbs: string[]) => role("x", "web-updater", [{ verbs, apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["web"] }]);
    const objs = [
      updater(["update", "patch"]),
      roleBinding("x", "ci", "Role", "web-updater", [user("ci")]),
      clusterRole("reader", [SECRETS_READ]),
      clusterRoleBinding("admin-reads", "reader", [sa("admin", "x")]),
    ];
    const f = run(objs).filter((x) => x.subject === "User ci");
    assert.deepEqual(summary(f), ["indirect-secret-read User ci @*", "indirect-secret-read User ci @x"]);
    const inherited = f.find((x) => x.namespace === "*")!;
    assert.equal(inherited.resourceNames, undefined, "every Secret: the workload's name does not narrow what its pods read");
    assert.match(inherited.message, /^User ci can read Secrets \(get, list, watch\) in every namespace by acting as ServiceAccount x\/admin via RoleBinding x\/ci -> Role x\/web-updater rules\[0\]/);
    assert.deepEqual(f.find((x) => x.namespace === "x")!.resourceNames, ["web"]);
    // Reading the deployment grants nothing of the kind.
    objs[0] = updater(["get"]);
    assert.deepEqual(summary(run(objs)).filter((x) => x.includes("User ci")), []);
  });
  test("a service account acting as another member of its own group does not inherit the group's grants again", () => {
    const objs = [
      role("b", "deployer", [{ verbs: ["create"], apiGroups: ["apps"], resources: ["deployments"] }]),
      roleBinding("b", "d", "Role", "deployer", [sa("default"), sa("sa")]),
      clusterRole("reader", [SECRETS_READ]),
      clusterRoleBinding("group-reads", "reader", [group("system:serviceaccounts:b")]),
      roleBinding("b", "alice", "Role", "deployer", [user("alice")]),
    ];
    const s = summary(run(objs));
    // The group's access once, under the group; both members alike (no "by acting as" copy for either).
    assert.ok(s.includes("secret-read Group system:serviceaccounts:b @*"));
    for (const member of ["ServiceAccount b/default", "ServiceAccount b/sa"]) assert.deepEqual(s.filter((x) => x.includes(member)), [`indirect-secret-read ${member} @b`]);
    // Not a member: alice gets it by running pods as them.
    assert.deepEqual(s.filter((x) => x.includes("User alice")), ["indirect-secret-read User alice @*", "indirect-secret-read User alice @b"]);
  });
  test("serviceaccounts/token create: inherits to a fixpoint, resourceNames narrow it", () => {
    const tok = (ns: string, names?: string[]) => role(ns, "tok", [{ verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"], ...(names ? { resourceNames: names } : {}) }]);
    const objs = [
      tok("a"),
      roleBinding("a", "t", "Role", "tok", [user("bob")]),
      tok("b"),
      roleBinding("b", "t", "Role", "tok", [sa("hop", "a")]),
      role("b", "reader", [SECRETS_READ]),
      roleBinding("b", "r", "Role", "reader", [sa("target")]),
    ];
    const bob = run(objs).filter((f) => f.subject === "User bob" && f.code === "indirect-secret-read");
    assert.equal(bob.length, 1);
    assert.deepEqual(bob[0].path.filter((p) => p.startsWith("acts as")), ["acts as ServiceAccount a/hop", "acts as ServiceAccount b/target"]);
    objs[2] = tok("b", ["someone-else"]);
    assert.equal(run(objs).filter((f) => f.subject === "User bob" && f.code === "indirect-secret-read").length, 0);
  });
  test("impersonate users, groups, service accounts, uids and userextras", () => {
    for (const [g, r] of [["", "users"], ["", "groups"], ["", "serviceaccounts"], ["authentication.k8s.io", "uids"], ["authentication.k8s.io", "userextras/scopes"]]) {
      assert.deepEqual(granted([{ verbs: ["impersonate"], apiGroups: [g], resources: [r] }]), ["escalation User alice @*"], r);
    }
    assert.deepEqual(granted([{ verbs: ["impersonate"], apiGroups: ["authentication.k8s.io"], resources: ["userextras"] }]), [], "userextras needs the key");
  });
  test("bind is checked on roles/clusterroles (not on rolebindings), together with creating bindings", () => {
    const create = { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"] };
    const esc = (bindOn: string) => granted([create, { verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: [bindOn] }]);
    assert.deepEqual(esc("rolebindings"), []);
    assert.deepEqual(esc("roles"), ["escalation User alice @*"]);
    assert.deepEqual(granted([{ verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }]), [], "bind alone creates nothing");
    const inNs = summary(run([clusterRole("r", [create, { verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"] }]), roleBinding("x", "b", "ClusterRole", "r", [user("alice")])]));
    assert.deepEqual(inNs, ["escalation User alice @x"], "bind on clusterroles is checked in the RoleBinding's namespace");
  });
  test("escalate on roles; escalate on clusterroles is inert in a RoleBinding", () => {
    assert.deepEqual(granted([{ verbs: ["escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"] }]), ["escalation User alice @*"]);
    const cr = clusterRole("r", [{ verbs: ["escalate"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"] }]);
    assert.deepEqual(summary(run([cr, roleBinding("x", "b", "ClusterRole", "r", [user("alice")])])), []);
    assert.deepEqual(summary(run([cr, clusterRoleBinding("b", "r", [user("alice")])])), ["escalation User alice @*"]);
  });
  test("CSR approval needs approval updates and approve on a signer", () => {
    const approval = { verbs: ["update"], apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"] };
    const signer = { verbs: ["approve"], apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/kube-apiserver-client"] };
    assert.deepEqual(granted([approval]), []);
    assert.deepEqual(granted([signer]), []);
    assert.deepEqual(granted([approval, signer]), ["escalation User alice @*"]);
  });
  test("admission webhook configurations and persistent volumes", () => {
    assert.deepEqual(granted([{ verbs: ["patch"], apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"] }]), ["escalation User alice @*"]);
    assert.deepEqual(granted([{ verbs: ["get"], apiGroups: ["admissionregistration.k8s.io"], resources: ["mutatingwebhookconfigurations"] }]), []);
    assert.deepEqual(granted([{ verbs: ["create"], apiGroups: [""], resources: ["persistentvolumes"] }]), ["escalation User alice @*"]);
    assert.deepEqual(granted([{ verbs: ["create"], apiGroups: [""], resources: ["persistentvolumeclaims"] }]), []);
  });
});

describe("options", () => {
  test("exemptSubjects drop a subject's findings, exact or by prefix, but others still inherit through it", () => {
    const objs = [
      clusterRole("reader", [SECRETS_READ]),
      clusterRoleBinding("eso", "reader", [sa("external-secrets", "eso")]),
      role("eso", "tok", [{ verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"] }]),
      roleBinding("eso", "t", "Role", "tok", [user("bob")]),
    ];
    assert.ok(summary(run(objs)).includes("secret-read ServiceAccount eso/external-secrets @*"));
    for (const exempt of ["ServiceAccount eso/external-secrets", "ServiceAccount eso/*"]) {
      const s = summary(run(objs, { exemptSubjects: [exempt] }));
      assert.ok(!s.some((x) => x.includes("ServiceAccount eso/external-secrets")), exempt);
      assert.ok(s.includes("indirect-secret-read User bob @*"), exempt);
    }
  });
  test("findings are ordered by severity, subject, namespace, code, then message", () => {
    // Several kinds for one subject, namespace and code (indirect reads: pods, workloads, exec,
    // ephemeral containers), several subjects, namespaces and severities.
    const f = run([
      clusterRole("r", [{ verbs: ["*"], apiGroups: ["", "apps", "batch"], resources: ["*"] }]),
      roleBinding("a", "b1", "ClusterRole", "r", [user("alice"), group("devs"), sa("ci")]),
      roleBinding("z", "b2", "ClusterRole", "edit", [user("alice"), user("bob")]),
      clusterRoleBinding("b3", "view", [group("system:authenticated")]),
      clusterRole("bad", [{ verbs: ["GET"], apiGroups: ["core"], resources: ["secrets/*"] }]),
    ]);
    const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
    const c = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const expected = [...f].sort(
      (a, b) => rank[a.severity] - rank[b.severity] || c(a.subject, b.subject) || c(a.namespace, b.namespace) || c(a.code, b.code) || c(a.message, b.message),
    );
    assert.ok(f.length > 30, `${f.length} findings`);
    assert.ok(
      f.some((x, i) => i > 0 && x.subject === f[i - 1].subject && x.namespace === f[i - 1].namespace && x.code === f[i - 1].code),
      "ties on subject, namespace and code are exercised",
    );
    assert.deepEqual(f.map((x) => x.message), expected.map((x) => x.message));
  });
  test("every finding carries a chain and a message naming the subject", () => {
    for (const f of run([clusterRole("r", [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]), clusterRoleBinding("b", "r", [user("alice")])])) {
      assert.ok(f.path.length >= 2 && f.path[0] === "ClusterRoleBinding b", f.message);
      assert.ok(f.message.startsWith("User alice can "), f.message);
    }
  });
});
