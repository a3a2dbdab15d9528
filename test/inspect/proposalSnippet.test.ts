/**
 * The Pulumi snippet of a narrowing proposal is a program that runs: it is executed under the Pulumi mock
 * runtime (test/harness/pulumi.ts) with `kube-secrets-platform` resolved to this package, and the Role,
 * RoleBinding and ExternalSecret it registers are checked as the API server and ESO would read them.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { InventoryBuilder } from "../../inspect/inventory";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster } from "../../inspect/scan";
import { runProgram } from "../harness/pulumi";
import { fixtureCluster } from "./fixtures/cluster";

test("the shop/web proposal's Pulumi snippet registers the least-privilege Role and an ExternalSecret", async () => {
  const b = new InventoryBuilder();
  b.add({ kind: "List", apiVersion: "v1", items: fixtureCluster() });
  const c = scanCluster(b.inventory, { cluster: "fx", input: { kind: "dump" }, exemptSubjects: [...DEFAULT_EXEMPT_SUBJECTS], now: new Date("2026-03-01T00:00:00Z") });
  const p = c.proposals.find((x) => x.serviceAccount === "ServiceAccount shop/web")!;
  const dir = resolve(__dirname, "..", "..", "out", "test", "proposal-snippet");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `snippet-${process.pid}.ts`);
  const components = resolve(__dirname, "..", "..", "components");
  writeFileSync(file, p.pulumi.replace('from "kube-secrets-platform"', `from ${JSON.stringify(components)}`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a Pulumi program runs synchronously when loaded
  const stack = await runProgram(() => require(file));
  const role = stack.one("kubernetes:rbac.authorization.k8s.io/v1:Role");
  assert.deepEqual(role.inputs.metadata, { name: "web-secrets-read", namespace: "shop" });
  assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["shop-config"] }]);
  const binding = stack.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "web-secrets-read" });
  assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "web", namespace: "shop" }]);
  const es = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret");
  assert.equal(es.inputs.metadata.namespace, "shop");
  assert.deepEqual(es.inputs.spec.secretStoreRef, { name: "REPLACE-store", kind: "ClusterSecretStore" });
  assert.equal(es.inputs.spec.target.name, "regcred");
  // The kubelet uses an image pull Secret only with type kubernetes.io/dockerconfigjson and key .dockerconfigjson
  // (kubernetes/kubernetes pkg/credentialprovider/secrets/secrets.go MakeDockerKeyring): ESO must write that type.
  assert.equal(es.inputs.spec.target.template.type, "kubernetes.io/dockerconfigjson");
  assert.deepEqual(
    es.inputs.spec.data.map((d: { secretKey: string; remoteRef: { key: string; property: string } }) => [d.secretKey, d.remoteRef.key, d.remoteRef.property]),
    [
      [".dockerconfigjson", "REPLACE/shop/regcred", ".dockerconfigjson"],
      ["extra", "REPLACE/shop/regcred", "extra"],
    ],
  );
});
