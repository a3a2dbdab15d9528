// Stack section `rbac`: validation (every problem at its config path) and the Kubernetes objects it creates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import type { ClusterContext } from "../../stacks/sections/context";
import { deployRbac } from "../../stacks/sections/rbac";
import { clusterAccess } from "../../cli/lib/access";
import { readStackFile } from "../../cli/lib/stackFile";
import { planResourceState } from "../../cli/lib/planState";
import { runProgram, unwrap } from "../harness/pulumi";

const P = "kube-secrets-platform:clusters[0].rbac";

function problems(rbac: unknown): string[] {
  try {
    parseStackConfig({ clusters: [{ name: "local", rbac }] });
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
  assert.fail("expected a StackConfigError");
}

const LABELS = {
  "app.kubernetes.io/name": "application-rbac",
  "app.kubernetes.io/instance": "prod",
  "app.kubernetes.io/component": "application-rbac",
  "app.kubernetes.io/part-of": "kube-secrets-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};

test("rbac section: absent deploys nothing; empty gets empty lists", async () => {
  assert.equal(parseStackConfig({ clusters: [{ name: "local" }] }).clusters[0].rbac, undefined);
  const stack = await runProgram(() => deployRbac({ name: "local" } as ClusterContext, undefined));
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type), [], "nothing registered");
  assert.deepEqual(parseStackConfig({ clusters: [{ name: "local", rbac: {} }] }).clusters[0].rbac, {
    roles: [],
    clusterRoles: [],
    roleBindings: [],
    clusterRoleBindings: [],
  });
});

test("rbac section: rule fields are validated like the API server, plus the mistakes that grant nothing", () => {
  assert.deepEqual(
    problems({
      roles: [
        {
          name: "r",
          namespace: "apps",
          rules: [
            { apiGroups: ["core"], resources: ["secrets"], verbs: ["Get"] },
            { apiGroups: ["v1", "Apps"], resources: ["Secrets", "secrets/*", "*/*", "a/b/c"], verbs: [] },
            { apiGroups: [""], resources: ["pods/exec", "*/scale", "*"], verbs: ["create", "*"], colour: "red" },
          ],
        },
      ],
    }),
    [
      `${P}.roles[0].rules[0].apiGroups[0]: "core" is not an API group: the core group is ""`,
      `${P}.roles[0].rules[0].verbs[0]: must be a lower-case verb (verbs are case-sensitive) or "*"`,
      `${P}.roles[0].rules[1].apiGroups[0]: "v1" is not an API group: the core group is ""`,
      `${P}.roles[0].rules[1].apiGroups[1]: must be "" (the core group), "*" or an API group such as apps, got "Apps"`,
      `${P}.roles[0].rules[1].resources[0]: must be a lower-case resource ("secrets"), "resource/subresource", "*/subresource" or "*", got "Secrets"`,
      `${P}.roles[0].rules[1].resources[1]: "secrets/*" matches no real subresource: use "secrets" (covers every subresource) or name the subresources`,
      `${P}.roles[0].rules[1].resources[2]: "*/*" matches no real subresource: use "*" (covers every subresource) or name the subresources`,
      `${P}.roles[0].rules[1].resources[3]: must be a lower-case resource ("secrets"), "resource/subresource", "*/subresource" or "*", got "a/b/c"`,
      `${P}.roles[0].rules[1].verbs: a rule needs at least one verb`,
      `${P}.roles[0].rules[2].colour: unknown key`,
    ],
  );
});

test("rbac section: rule shapes, names, subjects, roleRefs, aggregation and duplicates", () => {
  assert.deepEqual(
    problems({
      roles: [
        { name: "a/b", namespace: "Apps", rules: [{ verbs: ["get"] }, { nonResourceURLs: ["/healthz"], verbs: ["get"] }] },
        { name: "ok", namespace: "apps", labels: { "bad key!": "x", good: "bad value!" } },
      ],
      clusterRoles: [
        { name: "..", rules: [{ nonResourceURLs: ["healthz"], verbs: ["get"] }] },
        { name: "agg", rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] } },
        { name: "mixed", rules: [{ nonResourceURLs: ["/metrics"], apiGroups: [""], resources: ["pods"], verbs: ["get"] }] },
        { name: "sel", aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: "k", operator: "In" }, { key: "k", operator: "Exists", values: ["x"] }] }] } },
      ],
      roleBindings: [
        { name: "rb", namespace: "apps", roleRef: { kind: "Group", name: "x" }, subjects: [] },
        { name: "rb2", namespace: "apps", roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "Group", name: "g", namespace: "apps" }, { kind: "ServiceAccount", name: "Bad_SA" }, { kind: "Robot", name: "r2" }] },
      ],
      clusterRoleBindings: [
        { name: "crb", roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "User", name: "" }] },
      ],
    }),
    [
      `${P}.roles[0].name: must be a valid RBAC name (not "." or "..", no "/" or "%")`,
      `${P}.roles[0].namespace: must be an RFC 1123 label (lower-case alphanumerics and '-')`,
      `${P}.roles[0].rules[0].apiGroups: a resource rule needs at least one API group ("" is the core group)`,
      `${P}.roles[0].rules[0].resources: a resource rule needs at least one resource`,
      `${P}.roles[0].rules[1].nonResourceURLs: a Role cannot grant nonResourceURLs (use a ClusterRole)`,
      `${P}.roles[1].labels.bad key!: must be a label key (optional DNS prefix/, a name of at most 63 characters)`,
      `${P}.roles[1].labels.good: must be a label value (at most 63 alphanumerics, '-', '_' or '.')`,
      `${P}.clusterRoles[0].name: must be a valid RBAC name (not "." or "..", no "/" or "%")`,
      `${P}.clusterRoles[0].rules[0].nonResourceURLs[0]: must be a path starting with "/" (a "*" only at the end) or "*"`,
      `${P}.clusterRoles[1].rules: an aggregated ClusterRole's rules are replaced by the aggregation: leave rules empty`,
      `${P}.clusterRoles[2].rules[0].nonResourceURLs: a rule cannot mix nonResourceURLs with apiGroups, resources or resourceNames`,
      `${P}.clusterRoles[3].aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: In needs at least one value`,
      `${P}.clusterRoles[3].aggregationRule.clusterRoleSelectors[0].matchExpressions[1].values: Exists takes no values`,
      `${P}.roleBindings[0].roleRef.kind: Invalid option: expected one of "Role"|"ClusterRole"`,
      `${P}.roleBindings[0].subjects: a binding needs at least one subject`,
      `${P}.roleBindings[1].subjects[0].namespace: only ServiceAccount subjects have a namespace (Groups are cluster-wide)`,
      `${P}.roleBindings[1].subjects[1].name: a ServiceAccount name must be an RFC 1123 subdomain`,
      `${P}.roleBindings[1].subjects[2].kind: Invalid option: expected one of "ServiceAccount"|"User"|"Group"`,
      `${P}.clusterRoleBindings[0].roleRef.kind: a ClusterRoleBinding can only reference a ClusterRole`,
      `${P}.clusterRoleBindings[0].subjects[0].name: must not be empty`,
    ],
  );
  // Rules checked once the fields are valid: Roles without non-resource URLs, namespaced service
  // accounts in ClusterRoleBindings, unique names.
  assert.deepEqual(
    problems({
      roles: [
        { name: "r", namespace: "apps", rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }] },
        { name: "r", namespace: "apps" },
        { name: "r", namespace: "other" },
      ],
      clusterRoles: [{ name: "c" }, { name: "c" }],
      roleBindings: [
        { name: "b", namespace: "apps", roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "User", name: "u" }] },
        { name: "b", namespace: "apps", roleRef: { kind: "Role", name: "r" }, subjects: [{ kind: "User", name: "u" }] },
      ],
      clusterRoleBindings: [
        { name: "cb", roleRef: { kind: "ClusterRole", name: "c" }, subjects: [{ kind: "ServiceAccount", name: "sa" }] },
        { name: "cb", roleRef: { kind: "ClusterRole", name: "c" }, subjects: [{ kind: "ServiceAccount", name: "sa", namespace: "ns" }] },
      ],
    }),
    [
      `${P}.roles[0].rules[0].nonResourceURLs: a Role cannot grant nonResourceURLs (use a ClusterRole)`,
      `${P}.clusterRoleBindings[0].subjects[0].namespace: a ServiceAccount subject of a ClusterRoleBinding needs a namespace`,
      `${P}.roles[1].name: duplicate Role apps/r`,
      `${P}.clusterRoles[1].name: duplicate ClusterRole c`,
      `${P}.roleBindings[1].name: duplicate RoleBinding apps/b`,
      `${P}.clusterRoleBindings[1].name: duplicate ClusterRoleBinding cb`,
    ],
  );
  assert.deepEqual(problems({ clusterRole: [] }), [`${P}.clusterRole: unknown key`]);
});

test("rbac section: the objects are created exactly as declared, on the cluster's provider", async () => {
  const rbac = {
    roles: [{ name: "config-reader", namespace: "apps", rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["app"], verbs: ["get"] }] }],
    clusterRoles: [
      { name: "system:metrics-reader", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" }, rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] },
      { name: "team-view", aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: "a" } }] } },
    ],
    roleBindings: [
      {
        name: "ci",
        namespace: "apps",
        roleRef: { kind: "Role", name: "config-reader" },
        subjects: [{ kind: "ServiceAccount", name: "ci" }, { kind: "ServiceAccount", name: "deployer", namespace: "deploy" }, { kind: "Group", name: "devs" }],
      },
    ],
    clusterRoleBindings: [{ name: "metrics", roleRef: { kind: "ClusterRole", name: "system:metrics-reader" }, subjects: [{ kind: "User", name: "prometheus" }] }],
  };
  const stack = await runProgram(program, { config: { "kube-secrets-platform:clusters": JSON.stringify([{ name: "prod", rbac }]) } });
  const provider = stack.one("pulumi:providers:kubernetes", "prod-k8s").urn;

  const role = stack.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "prod-rbac-role-apps-config-reader");
  assert.deepEqual(role.inputs, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "config-reader", namespace: "apps", labels: LABELS },
    rules: [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["app"] }],
  });
  // `system:` names keep their exact Kubernetes name; the Pulumi name is sanitized with a hash suffix.
  const [metrics] = stack.all("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").filter((r) => r.name.startsWith("prod-rbac-clusterrole-system-metrics-reader-"));
  assert.match(metrics.name, /^prod-rbac-clusterrole-system-metrics-reader-[0-9a-f]{8}$/);
  assert.deepEqual(metrics.inputs, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "system:metrics-reader", labels: { ...LABELS, "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
    rules: [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }],
  });
  const aggregated = stack.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "prod-rbac-clusterrole-team-view");
  assert.deepEqual(aggregated.inputs.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { team: "a" } }] });
  assert.equal(aggregated.inputs.rules, undefined, "the aggregation controller owns an aggregated role's rules");

  const binding = stack.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "prod-rbac-rolebinding-apps-ci");
  assert.deepEqual(binding.inputs, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "ci", namespace: "apps", labels: LABELS },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "config-reader" },
    subjects: [
      { kind: "ServiceAccount", name: "ci", namespace: "apps" },
      { kind: "ServiceAccount", name: "deployer", namespace: "deploy" },
      { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
    ],
  });
  assert.deepEqual(binding.options.dependsOn, [role.urn], "a binding waits for the role it references");
  const crb = stack.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "prod-rbac-clusterrolebinding-metrics");
  assert.deepEqual(crb.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:metrics-reader" });
  assert.deepEqual(crb.inputs.subjects, [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "prometheus" }]);
  assert.deepEqual(crb.options.dependsOn, [metrics.urn]);

  for (const r of [role, metrics, aggregated, binding, crb]) assert.ok(r.provider?.startsWith(`${provider}::`), `${r.name} uses the cluster's provider`);
  const outputs = await unwrap(stack.outputs.clusters as Record<string, any>);
  assert.deepEqual(await unwrap(outputs.prod.rbac as Record<string, unknown>), {
    roles: ["apps/config-reader"],
    clusterRoles: ["system:metrics-reader", "team-view"],
    roleBindings: ["apps/ci"],
    clusterRoleBindings: ["metrics"],
  });
});

test("rbac section of the local stack: the example grants its subjects no Secret access", async () => {
  const file = readStackFile("stacks/Pulumi.local.yaml", "kube-secrets-platform");
  // Day two of the local stack: the key is stated, so the rewrite Job (with its Secret-reading RBAC) exists too.
  const clusters = JSON.parse(file.config["kube-secrets-platform:clusters"]);
  clusters[0].encryption.reencryption.encryptingWith = "secretbox/key-2026-11";
  const config = { ...file.config, "kube-secrets-platform:clusters": JSON.stringify(clusters) };
  const stack = await runProgram(program, { config, secretKeys: file.secretKeys, resourceState: planResourceState });
  const rbac = stack.resources.filter((r) => r.name.startsWith("local-rbac-"));
  assert.deepEqual(
    rbac.map((r) => `${r.type.split(":").at(-1)!} ${r.inputs.metadata.namespace as string}/${r.inputs.metadata.name as string}`),
    ["Role apps/config-reader", "RoleBinding apps/app-developers-view", "RoleBinding apps/ci-config-reader"],
  );
  // The whole cluster's access, built-in roles included: neither subject of the example appears.
  const { rows } = clusterAccess(
    stack.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs })),
    { exemptSubjects: [], exemptLabels: [] },
  );
  assert.ok(rows.length > 0, "the analysis sees the cluster's other RBAC");
  assert.deepEqual(rows.filter((r) => r.subject === "Group app-developers" || r.subject === "ServiceAccount apps/ci"), []);
  // The same objects with `edit` instead of `view` would grant Secrets: the check above can fail.
  const edit = stack.resources.map((r) =>
    r.name === "local-rbac-rolebinding-apps-app-developers-view" ? { ...r, inputs: { ...r.inputs, roleRef: { ...r.inputs.roleRef, name: "edit" } } } : r,
  );
  assert.ok(clusterAccess(edit, { exemptSubjects: [], exemptLabels: [] }).rows.some((r) => r.subject === "Group app-developers" && r.access === "read"));
});
