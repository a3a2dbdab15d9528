// The pure parts of cli/lib/charts.ts, against what the provider's code decides (pulumi/pulumi-kubernetes):
// provider/pkg/provider/yaml/v2/yaml.go (yamlDecode through sigs.k8s.io/yaml, i.e. go-yaml v2: YAML 1.1 scalars,
// a repeated key keeps its last value; empty documents skipped; List kinds expanded), provider/pkg/clients/clients.go
// (IsNamespacedKind) and provider/pkg/kinds/kinds.go (the static scope table, KnownGroupVersions).
import assert from "node:assert/strict";
import { test } from "node:test";
import { chartCacheDir, isNamespacedKind, parseManifests, resourceTypeOf } from "../../cli/lib/charts";

test("parseManifests: YAML 1.1 scalars as go-yaml v2 reads them, last duplicate key wins, empty documents skipped, Lists expanded", () => {
  const text = [
    "---",
    "# Source: x/templates/empty.yaml",
    "---",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { enabled: on, mode: 0755, quoted: \"on\", plain: yes }",
    "---",
    "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: first\n  name: second",
    "---",
    "apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Secret, metadata: { name: s1 } }\n  - { apiVersion: v1, kind: Secret, metadata: { name: s2 } }",
    "",
  ].join("\n");
  assert.deepEqual(parseManifests(text), [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { enabled: true, mode: 0o755, quoted: "on", plain: true } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "second" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s1" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s2" } },
  ]);
});

test("isNamespacedKind: the provider's table, then a CRD of the chart, then one elsewhere on the cluster, then discovery; else unresolved", () => {
  assert.equal(isNamespacedKind("apps/v1", "Deployment", [], []), true);
  assert.equal(isNamespacedKind("rbac.authorization.k8s.io/v1", "ClusterRole", [], []), false);
  assert.equal(isNamespacedKind("v1", "Namespace", [], []), false);
  const crd = (group: string, kind: string, scope: string) => ({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", spec: { group, scope, names: { kind } } });
  assert.equal(isNamespacedKind("example.com/v1", "Widget", [crd("example.com", "Widget", "Namespaced")], []), true);
  assert.equal(isNamespacedKind("example.com/v1", "Widget", [crd("example.com", "Widget", "Cluster")], []), false);
  assert.equal(isNamespacedKind("example.com/v1", "Widget", [], [crd("example.com", "Widget", "Namespaced")]), true, "a CRD another chart installs");
  assert.equal(isNamespacedKind("example.com/v1", "Widget", [crd("other.com", "Widget", "Namespaced")], []), undefined, "group must match");
  // A built-in kind missing from the provider's table: what the API server's discovery reports.
  assert.equal(isNamespacedKind("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", [], []), false);
  assert.equal(isNamespacedKind("example.org/v1", "Gadget", [], []), undefined);
});

test("resource types and the cache folder", () => {
  assert.equal(resourceTypeOf("v1", "ServiceAccount"), "kubernetes:core/v1:ServiceAccount");
  assert.equal(resourceTypeOf("rbac.authorization.k8s.io/v1", "Role"), "kubernetes:rbac.authorization.k8s.io/v1:Role");
  assert.equal(chartCacheDir({ XDG_CACHE_HOME: "/var/cache/me", HOME: "/home/me" }), "/var/cache/me/kube-secrets-platform/charts");
  assert.equal(chartCacheDir({ HOME: "/home/me" }), "/home/me/.cache/kube-secrets-platform/charts");
  assert.equal(chartCacheDir({ XDG_CACHE_HOME: "relative", HOME: "/home/me" }), "/home/me/.cache/kube-secrets-platform/charts", "XDG: a relative path is ignored");
});
