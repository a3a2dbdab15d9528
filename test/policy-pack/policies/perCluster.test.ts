// RBAC is evaluated per cluster: a stack managing several clusters (one Kubernetes provider each) never lets a
// binding in one cluster resolve a role defined in another, and reports each cluster's findings separately.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ineffectiveRbacRules } from "../../../policy-pack/policies/ineffectiveRbacRules";
import { whoCanReadSecrets } from "../../../policy-pack/policies/whoCanReadSecrets";
import { resource, runPolicy } from "../../harness/policy";
import { SECRETS_READ, clusterRole, clusterRoleBinding, group } from "../rbac/fixtures";

const TYPES: Record<string, string> = {
  ClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
};
const PROVIDER = (cluster: string) => `urn:pulumi:test::kube-secrets-platform::pulumi:providers:kubernetes::${cluster}-k8s`;

function inCluster(cluster: string, obj: Record<string, any>) {
  const { apiVersion: _a, kind, ...props } = obj;
  const r = resource(TYPES[kind], props, `${cluster}-${kind}-${obj.metadata.name}`);
  return { ...r, provider: `${PROVIDER(cluster)}::${cluster}-id` };
}
const providers = ["a", "b"].map((c) => resource("pulumi:providers:kubernetes", {}, `${c}-k8s`)).map((r, i) => ({ ...r, urn: PROVIDER(["a", "b"][i]) }));

test("a binding in cluster b does not resolve cluster a's role", async () => {
  const r = await runPolicy(
    [whoCanReadSecrets, ineffectiveRbacRules],
    [...providers, inCluster("a", clusterRole("reader", [SECRETS_READ])), inCluster("b", clusterRoleBinding("everyone", "reader", [group("system:authenticated")]))],
  );
  assert.deepEqual(r.violations.filter((v) => v.policy === "who-can-read-secrets"), [], "no cluster grants the read");
  const missing = r.violations.filter((v) => v.policy === "ineffective-rbac-rules");
  assert.equal(missing.length, 1);
  assert.match(missing[0].message, /^\[b-k8s\] /);
  assert.match(missing[0].message, /reader/);
});

test("the same grant in two clusters is two violations, each naming its cluster", async () => {
  const grant = (c: string) => [inCluster(c, clusterRole("reader", [SECRETS_READ])), inCluster(c, clusterRoleBinding("everyone", "reader", [group("system:authenticated")]))];
  const r = await runPolicy(whoCanReadSecrets, [...providers, ...grant("a"), ...grant("b")]);
  assert.equal(r.violations.length, 2);
  assert.deepEqual(r.violations.map((v) => v.message.slice(0, 7)).sort(), ["[a-k8s]", "[b-k8s]"]);
  assert.deepEqual(
    r.violations.map((v) => v.urn).sort(),
    [grant("a")[1].urn, grant("b")[1].urn].sort(),
    "each violation points at its own cluster's binding",
  );
});
