// The effective Secret access table and the extraction of KubeObjects from policy resources.
import assert from "node:assert/strict";
import { test } from "node:test";
import { effectiveSecretAccessTable, kubeObjectsFromResources } from "../../../policy-pack/rbac";
import { UNKNOWN } from "../../harness/policy";
import { SECRETS_READ, clusterRole, clusterRoleBinding, role, roleBinding, sa, user } from "./fixtures";

test("effectiveSecretAccessTable lists read, write and indirect access with chains, marking exempt subjects", () => {
  const objects = [
    clusterRole("eso", [SECRETS_READ]),
    clusterRoleBinding("eso", "eso", [sa("external-secrets", "eso")]),
    role("apps", "writer", [{ verbs: ["update"], apiGroups: [""], resources: ["secrets"], resourceNames: ["db"] }]),
    roleBinding("apps", "w", "Role", "writer", [user("alice")]),
    role("apps", "exec", [{ verbs: ["create"], apiGroups: [""], resources: ["pods/exec"] }]),
    roleBinding("apps", "e", "Role", "exec", [user("bob")]),
    role("apps", "cfg", [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]),
    roleBinding("apps", "c", "Role", "cfg", [user("carol")]),
  ];
  const rows = effectiveSecretAccessTable(objects, { exemptSubjects: ["ServiceAccount eso/external-secrets"], kubernetesVersion: "1.35" });
  assert.deepEqual(
    rows.map((r) => [r.subject, r.namespace, r.access, r.verbs.join(","), r.resourceNames?.join(",") ?? "", r.exempt]),
    [
      ["ServiceAccount eso/external-secrets", "*", "read", "get,list,watch", "", true],
      ["User alice", "apps", "write", "update", "db", false],
      ["User bob", "apps", "indirect", "create", "", false],
    ],
  );
  assert.deepEqual(rows[0].chain, ["ClusterRoleBinding eso", 'ClusterRole eso rules[0] verbs=get,list,watch apiGroups="" resources=secrets']);
  assert.equal(rows[0].severity, "critical");
  assert.deepEqual(effectiveSecretAccessTable(objects).map((r) => r.exempt), [false, false, false]);
});

test("kubeObjectsFromResources maps Pulumi types to kinds and skips resources with unknown values", () => {
  const resources = [
    { type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", props: { metadata: { name: "r" }, rules: [SECRETS_READ] }, urn: "u1" },
    { type: "kubernetes:core/v1:ServiceAccount", props: { metadata: { name: "a", namespace: "n" } }, urn: "u2" },
    { type: "kubernetes:apps/v1:Deployment", props: { metadata: { name: "d" } }, urn: "u3" },
    { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "c" } }, urn: "u4" },
    { type: "aws:kms/key:Key", props: {}, urn: "u5" },
  ];
  const out = kubeObjectsFromResources(resources);
  assert.deepEqual(out.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata?.name}`), [
    "rbac.authorization.k8s.io/v1 ClusterRole r",
    "v1 ServiceAccount a",
    "apps/v1 Deployment d",
  ]);
  assert.deepEqual(out.sources.map((s) => s.urn), ["u1", "u2", "u3"]);
  assert.deepEqual(out.unknown, []);
  // Through the policy proxy an unknown value throws UnknownValueError; the resource is skipped, not fatal.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy");
  const props = proxy.unknownCheckingProxy({ metadata: { name: "x" }, rules: UNKNOWN.array });
  const withUnknown = kubeObjectsFromResources([{ type: "kubernetes:rbac.authorization.k8s.io/v1:Role", props, urn: "u6" }, resources[0]]);
  assert.deepEqual(withUnknown.unknown, ["u6"]);
  assert.equal(withUnknown.objects.length, 1);
});
