// Kubernetes policies: metadata, a compliant baseline, each violation's exact message, config exemptions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allPolicies } from "../../../policy-pack/policies";
import { ineffectiveRbacRules } from "../../../policy-pack/policies/ineffectiveRbacRules";
import { noClusterAdminBindings } from "../../../policy-pack/policies/noClusterAdminBindings";
import { noDefaultServiceAccountGrants } from "../../../policy-pack/policies/noDefaultServiceAccountGrants";
import { noEscalationVerbs } from "../../../policy-pack/policies/noEscalationVerbs";
import { noSecretsInEnv } from "../../../policy-pack/policies/noSecretsInEnv";
import { noSystemGroupBindings } from "../../../policy-pack/policies/noSystemGroupBindings";
import { noWildcardRules } from "../../../policy-pack/policies/noWildcardRules";
import { serviceAccountTokenAutomount } from "../../../policy-pack/policies/serviceAccountTokenAutomount";
import { whoCanReadSecrets } from "../../../policy-pack/policies/whoCanReadSecrets";
import { UNKNOWN, resource, runPolicy } from "../../harness/policy";
import { SECRETS_READ, clusterRole, clusterRoleBinding, group, role, roleBinding, sa } from "../rbac/fixtures";

const T = {
  Role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  ClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  ServiceAccount: "kubernetes:core/v1:ServiceAccount",
  Deployment: "kubernetes:apps/v1:Deployment",
};
const k = (obj: Record<string, any>) => {
  const { apiVersion: _a, kind, ...props } = obj;
  return resource(T[kind as keyof typeof T], props, `${kind}-${obj.metadata.namespace ?? ""}-${obj.metadata.name}`);
};

test("every policy has a unique name, description, severity, remediation steps and an enforcement level", () => {
  const names = allPolicies.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names.length, 37);
  for (const p of allPolicies) {
    assert.match(p.name, /^[a-z0-9-]+$/, p.name);
    assert.ok(p.description && p.remediationSteps && p.severity && p.enforcementLevel, p.name);
  }
  assert.equal(whoCanReadSecrets.enforcementLevel, "mandatory");
  assert.equal(whoCanReadSecrets.name, "who-can-read-secrets");
});

test("who-can-read-secrets: a ClusterRoleBinding of a secrets-reading ClusterRole to system:authenticated is a mandatory violation with the chain", async () => {
  const crb = k(clusterRoleBinding("everyone", "reader", [group("system:authenticated")]));
  const r = await runPolicy(whoCanReadSecrets, [k(clusterRole("reader", [SECRETS_READ])), crb]);
  assert.deepEqual(r.violations, [
    {
      policy: "who-can-read-secrets",
      enforcementLevel: "mandatory",
      urn: crb.urn,
      message:
        'Group system:authenticated can read Secrets (get, list, watch) in every namespace via ClusterRoleBinding everyone -> ClusterRole reader rules[0] verbs=get,list,watch apiGroups="" resources=secrets',
    },
  ]);
});

test("who-can-read-secrets: compliant baseline, built-in roles, exemptions by subject and by label, unknowns", async () => {
  const view = k(roleBinding("apps", "viewers", "ClusterRole", "view", [group("devs")]));
  assert.deepEqual((await runPolicy(whoCanReadSecrets, [view])).messages, []);
  const edit = k(roleBinding("apps", "editors", "ClusterRole", "edit", [sa("ci")]));
  const r = await runPolicy(whoCanReadSecrets, [edit], { "who-can-read-secrets": { kubernetesVersion: "1.35" } });
  assert.ok(r.messages.some((m) => m.startsWith("ServiceAccount apps/ci can read Secrets (get, list, watch) in namespace apps via RoleBinding apps/editors -> ClusterRole edit aggregates")));
  assert.ok(r.messages.some((m) => m.startsWith("ServiceAccount apps/ci can create pods")));
  const direct = await runPolicy(whoCanReadSecrets, [edit], { "who-can-read-secrets": { reportIndirect: false } });
  assert.equal(direct.messages.length, 1);

  const eso = [k(clusterRole("eso", [SECRETS_READ])), k(clusterRoleBinding("eso", "eso", [sa("external-secrets", "external-secrets")]))];
  assert.equal((await runPolicy(whoCanReadSecrets, eso)).messages.length, 1);
  assert.deepEqual((await runPolicy(whoCanReadSecrets, eso, { "who-can-read-secrets": { exemptSubjects: ["ServiceAccount external-secrets/external-secrets"] } })).messages, []);
  // Label exemptions only cover objects a platform component created (a kube-secrets-platform: component in
  // the URN's parent chain); the same labelled object declared by the stack itself is still reported.
  const byPlatform = (r: ReturnType<typeof k>) => ({ ...r, urn: r.urn.replace("::kube-secrets-platform::", "::kube-secrets-platform::kube-secrets-platform:index:SecretsReencryption$") });
  const labelledSaOwn = k({ kind: "ServiceAccount", metadata: { name: "external-secrets", namespace: "external-secrets", labels: { "reads-secrets": "true" } } });
  const labelledSa = byPlatform(labelledSaOwn);
  assert.deepEqual((await runPolicy(whoCanReadSecrets, [...eso, labelledSa], { "who-can-read-secrets": { exemptLabels: ["reads-secrets=true"] } })).messages, []);
  assert.equal((await runPolicy(whoCanReadSecrets, [...eso, labelledSaOwn], { "who-can-read-secrets": { exemptLabels: ["reads-secrets=true"] } })).messages.length, 1);
  const labelledRoleOwn = k(clusterRole("eso", [SECRETS_READ], { "reads-secrets": "true" }));
  const labelledRole = byPlatform(labelledRoleOwn);
  assert.deepEqual((await runPolicy(whoCanReadSecrets, [labelledRole, eso[1]], { "who-can-read-secrets": { exemptLabels: ["reads-secrets"] } })).messages, []);
  assert.equal((await runPolicy(whoCanReadSecrets, [labelledRoleOwn, eso[1]], { "who-can-read-secrets": { exemptLabels: ["reads-secrets"] } })).messages.length, 1);
  assert.equal((await runPolicy(whoCanReadSecrets, [labelledRole, eso[1]], { "who-can-read-secrets": { exemptLabels: ["reads-secrets=false"] } })).messages.length, 1);

  const unknownRole = resource(T.ClusterRole, { metadata: { name: "eso" }, rules: UNKNOWN.array });
  const withUnknown = await runPolicy(whoCanReadSecrets, [unknownRole, eso[1], k(clusterRoleBinding("all", "reader", [group("devs")])), k(clusterRole("reader", [SECRETS_READ]))]);
  assert.deepEqual(withUnknown.messages.map((m) => m.split(" can ")[0]), ["Group devs"], "the unknown role is skipped, the rest is still judged");
});

test("no-wildcard-rbac-rules", async () => {
  assert.deepEqual((await runPolicy(noWildcardRules, [k(clusterRole("ok", [SECRETS_READ]))])).messages, []);
  const bad = k(role("apps", "all", [{ verbs: ["*"], apiGroups: [""], resources: ["*"] }]));
  assert.deepEqual((await runPolicy(noWildcardRules, [bad])).messages, ['Role apps/all rules[0] verbs=* apiGroups="" resources=*: wildcard in verbs, resources']);
  assert.deepEqual((await runPolicy(noWildcardRules, [bad], { "no-wildcard-rbac-rules": { exemptRoles: ["Role apps/*"] } })).messages, []);
});

test("no-cluster-admin-bindings", async () => {
  assert.deepEqual((await runPolicy(noClusterAdminBindings, [k(clusterRoleBinding("v", "view", [group("devs")]))])).messages, []);
  const bad = k(clusterRoleBinding("admins", "cluster-admin", [group("ops")]));
  const r = await runPolicy(noClusterAdminBindings, [bad]);
  assert.deepEqual(r.messages, ["ClusterRoleBinding admins grants cluster-admin to Group ops in every namespace"]);
  assert.equal(r.violations[0].enforcementLevel, "mandatory");
  assert.deepEqual((await runPolicy(noClusterAdminBindings, [k(roleBinding("apps", "a", "ClusterRole", "cluster-admin", [sa("x")]))])).messages, ["RoleBinding apps/a grants cluster-admin to ServiceAccount apps/x in namespace apps"]);
  assert.deepEqual((await runPolicy(noClusterAdminBindings, [bad], { "no-cluster-admin-bindings": { allowedSubjects: ["Group ops"] } })).messages, []);
});

test("no-system-group-bindings", async () => {
  assert.deepEqual((await runPolicy(noSystemGroupBindings, [k(clusterRoleBinding("v", "view", [group("devs")]))])).messages, []);
  const bad = k(roleBinding("apps", "all-sas", "ClusterRole", "view", [group("system:serviceaccounts:apps")]));
  assert.deepEqual((await runPolicy(noSystemGroupBindings, [bad])).messages, ["RoleBinding apps/all-sas binds ClusterRole view to system group system:serviceaccounts:apps"]);
  assert.deepEqual((await runPolicy(noSystemGroupBindings, [bad], { "no-system-group-bindings": { allowedBindings: ["RoleBinding apps/all-sas"] } })).messages, []);
});

test("no-escalation-verbs", async () => {
  assert.deepEqual((await runPolicy(noEscalationVerbs, [k(clusterRole("ok", [SECRETS_READ]))])).messages, []);
  const bad = k(clusterRole("binder", [{ verbs: ["bind", "get"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"] }, { verbs: ["*"], apiGroups: [""], resources: ["users"] }]));
  assert.deepEqual((await runPolicy(noEscalationVerbs, [bad])).messages, [
    "ClusterRole binder rules[0] verbs=bind,get apiGroups=rbac.authorization.k8s.io resources=clusterroles: grants bind",
    'ClusterRole binder rules[1] verbs=* apiGroups="" resources=users: grants * (includes escalate, bind, impersonate)',
  ]);
  assert.deepEqual((await runPolicy(noEscalationVerbs, [bad], { "no-escalation-verbs": { exemptRoles: ["ClusterRole binder"] } })).messages, []);
});

test("no-default-service-account-grants", async () => {
  assert.deepEqual((await runPolicy(noDefaultServiceAccountGrants, [k(roleBinding("apps", "b", "ClusterRole", "view", [sa("api")]))])).messages, []);
  assert.deepEqual((await runPolicy(noDefaultServiceAccountGrants, [k(roleBinding("apps", "b", "ClusterRole", "view", [sa("default")]))])).messages, ["RoleBinding apps/b grants ClusterRole view to ServiceAccount apps/default"]);
  assert.deepEqual(
    (await runPolicy(noDefaultServiceAccountGrants, [k(clusterRoleBinding("b", "view", [{ kind: "User", name: "system:serviceaccount:x:default" }]))])).messages,
    ["ClusterRoleBinding b grants ClusterRole view to ServiceAccount x/default"],
  );
});

const deployment = (podSpec: Record<string, any>) => resource(T.Deployment, { metadata: { name: "api", namespace: "apps" }, spec: { template: { spec: podSpec } } }, "api");

test("no-secrets-in-env-vars: containers, init and ephemeral containers, every workload kind", async () => {
  assert.deepEqual((await runPolicy(noSecretsInEnv, [deployment({ containers: [{ name: "c", env: [{ name: "A", value: "1" }] }] })])).messages, []);
  const bad = deployment({
    containers: [{ name: "c", env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "t", key: "k" } } }] }],
    initContainers: [{ name: "i", envFrom: [{ secretRef: { name: "all" } }] }],
    ephemeralContainers: [{ name: "e", env: [{ name: "P", valueFrom: { secretKeyRef: { name: "p", key: "pw" } } }] }],
  });
  assert.deepEqual((await runPolicy(noSecretsInEnv, [bad])).messages, [
    "Deployment apps/api containers[0] (c) env[0] TOKEN: value from Secret t key k",
    "Deployment apps/api initContainers[0] (i) envFrom[0]: every key of Secret all",
    "Deployment apps/api ephemeralContainers[0] (e) env[0] P: value from Secret p key pw",
  ]);
  const cron = resource("kubernetes:batch/v1:CronJob", { metadata: { name: "c", namespace: "x" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", envFrom: [{ secretRef: { name: "s" } }] }] } } } } } });
  assert.deepEqual((await runPolicy(noSecretsInEnv, [cron])).messages, ["CronJob x/c containers[0] (c) envFrom[0]: every key of Secret s"]);
});

test("service-account-token-automount", async () => {
  const saOff = resource(T.ServiceAccount, { metadata: { name: "api", namespace: "apps" }, automountServiceAccountToken: false });
  assert.deepEqual((await runPolicy(serviceAccountTokenAutomount, [saOff, deployment({ serviceAccountName: "api", containers: [] })])).messages, []);
  assert.deepEqual((await runPolicy(serviceAccountTokenAutomount, [deployment({ automountServiceAccountToken: true, containers: [] })])).messages, []);
  const patchedDefault = resource("kubernetes:core/v1:ServiceAccountPatch", { metadata: { name: "default", namespace: "apps" }, automountServiceAccountToken: false });
  assert.deepEqual((await runPolicy(serviceAccountTokenAutomount, [patchedDefault, deployment({ containers: [] })])).messages, []);
  assert.equal((await runPolicy(serviceAccountTokenAutomount, [deployment({ containers: [] })])).messages.length, 1);
  assert.deepEqual((await runPolicy(serviceAccountTokenAutomount, [deployment({ serviceAccountName: "api", containers: [] })])).messages, [
    "Deployment apps/api mounts a token for ServiceAccount apps/api implicitly: set automountServiceAccountToken on the pod (true only if it calls the API) or false on the ServiceAccount",
  ]);
});

test("ineffective-rbac-rules is advisory and names the rule", async () => {
  assert.deepEqual((await runPolicy(ineffectiveRbacRules, [k(role("apps", "ok", [SECRETS_READ]))])).messages, []);
  const bad = k(role("apps", "typo", [{ verbs: ["get"], apiGroups: ["core"], resources: ["secrets"] }]));
  const r = await runPolicy(ineffectiveRbacRules, [bad]);
  assert.deepEqual(r.messages, ['Role apps/typo rules[0] verbs=get apiGroups=core resources=secrets: apiGroup "core" is not an API group: the core group is "" (this entry grants nothing)']);
  assert.equal(r.violations[0].enforcementLevel, "advisory");
  assert.equal(r.violations[0].urn, bad.urn);
});

test("config.example.json is a valid --policy-pack-config for the pack (only known policies and properties)", async () => {
  const { readFileSync } = await import("node:fs");
  const config = JSON.parse(readFileSync(new URL("../../../policy-pack/config.example.json", `file://${__filename}`), "utf8"));
  const names = new Set(allPolicies.map((p) => p.name));
  for (const key of Object.keys(config)) assert.ok(names.has(key), key);
  const r = await runPolicy(allPolicies, [k(clusterRole("eso", [SECRETS_READ])), k(clusterRoleBinding("eso", "eso", [sa("external-secrets", "external-secrets")]))], config);
  assert.deepEqual(r.messages, [], "the example exempts the ESO controller");
});

test("who-can-read-secrets points at the binding, also for a RoleBinding without a namespace (default)", async () => {
  const rb = resource(T.RoleBinding, { metadata: { name: "r" }, roleRef: { kind: "ClusterRole", name: "reader" }, subjects: [{ kind: "User", name: "alice" }] }, "rb");
  const r = await runPolicy(whoCanReadSecrets, [k(clusterRole("reader", [SECRETS_READ])), rb]);
  assert.equal(r.violations.length, 1);
  assert.equal(r.violations[0].urn, rb.urn);
  assert.match(r.messages[0], /^User alice can read Secrets \(get, list, watch\) in namespace default via RoleBinding default\/r -> ClusterRole reader/);
});
