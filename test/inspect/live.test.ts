/**
 * The live reader against a real HTTPS server on 127.0.0.1 (test/inspect/fixtures/apiserver.ts): the list
 * endpoints the scan calls, `continue` pagination, a 403, metadata-only Secrets. The scan of the live
 * cluster equals the scan of a dump of the same objects (except what metadata-only reads cannot carry:
 * Secret types and key names).
 *
 * The Accept value is client-go's metadata client's (k8s.io/client-go/metadata:
 * `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { InventoryBuilder } from "../../inspect/inventory";
import { LISTED_RESOURCES, METADATA_ONLY_ACCEPT, readLive } from "../../inspect/live";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster } from "../../inspect/scan";
import type { ClusterScan } from "../../inspect/scanSchema";
import { startApiServer, type FakeApiServer } from "./fixtures/apiserver";
import { MARKER, fixtureCluster } from "./fixtures/cluster";

const now = new Date("2026-03-01T00:00:00Z");
const exemptSubjects = [...DEFAULT_EXEMPT_SUBJECTS, "ServiceAccount external-secrets/*", "ServiceAccount sealed-secrets/*"];
let server: FakeApiServer;

before(async () => {
  server = await startApiServer(fixtureCluster(), { notServed: ["certificates.cert-manager.io"] });
});
after(async () => server.close());

/** The scan without the fields a metadata-only read cannot have, and without the input description. */
function comparable(c: ClusterScan): unknown {
  const copy = JSON.parse(JSON.stringify(c)) as ClusterScan & Record<string, unknown>;
  for (const s of copy.secrets) {
    delete s.type;
    delete s.keys;
    // Evidence names the type when it is known (dumps), the annotation/label/name otherwise.
    s.source.evidence = [];
  }
  delete (copy as Record<string, unknown>).input;
  delete (copy as Record<string, unknown>).counts;
  delete (copy as Record<string, unknown>).notListed;
  delete (copy as Record<string, unknown>).kubernetesVersion;
  // Proposals' Pulumi snippets name Secret keys when known (dumps).
  for (const p of copy.proposals) p.pulumi = "";
  return copy;
}

test("live scan: paginated lists, metadata-only Secrets, the same graph as the dump of the same objects", async () => {
  server.requests.length = 0;
  const live = await readLive({ kubeconfig: server.kubeconfigPath, context: "loopback", limit: 2 });
  assert.equal(live.context, "loopback");
  assert.equal(live.server, server.url);
  assert.equal(live.inventory.kubernetesVersion, "v1.34.2");
  // Every list the scan makes, in order, authenticated with the context's token.
  const firstPages = server.requests.filter((r) => r.path !== "/version" && r.continueToken === null).map((r) => r.path);
  assert.deepEqual(firstPages, LISTED_RESOURCES.map((r) => `${r.prefix}/${r.resource}`));
  for (const r of server.requests) assert.equal(r.authorization, `Bearer ${server.token}`);
  // Secrets are requested as metadata only, every page; other resources as plain JSON.
  const secretRequests = server.requests.filter((r) => r.path === "/api/v1/secrets");
  assert.equal(secretRequests.length, 6, "11 Secrets in pages of 2");
  for (const r of secretRequests) assert.equal(r.accept, METADATA_ONLY_ACCEPT);
  assert.equal(METADATA_ONLY_ACCEPT, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  for (const r of server.requests.filter((x) => x.path === "/api/v1/pods")) assert.equal(r.accept, "application/json");
  // continue tokens are followed to the end.
  const podPages = server.requests.filter((r) => r.path === "/api/v1/pods");
  assert.equal(podPages.length, 3, "6 pods in pages of 2");
  assert.deepEqual(podPages.map((r) => r.limit), ["2", "2", "2"]);
  assert.equal(podPages[0].continueToken, null);
  assert.ok(podPages[1].continueToken && podPages[2].continueToken);
  assert.deepEqual(live.inventory.notListed, [{ resource: "certificates.cert-manager.io", status: 404, impact: "cert-manager sources are known only from annotations", message: "the server could not find the requested resource" }]);

  const liveScan = scanCluster(live.inventory, { cluster: "loopback", input: { kind: "live", context: live.context, server: live.server }, exemptSubjects, now });
  const b = new InventoryBuilder();
  b.add({ apiVersion: "v1", kind: "List", items: fixtureCluster().filter((o) => o.kind !== "Certificate") });
  const dumpScan = scanCluster(b.inventory, { cluster: "loopback", input: { kind: "dump", files: ["x"] }, exemptSubjects, kubernetesVersion: "v1.34.2", now });
  assert.deepEqual(comparable(liveScan), comparable(dumpScan));
  assert.equal(liveScan.secrets.length, 11);
  assert.ok(liveScan.secrets.every((s) => s.keys === undefined), "metadata-only reads carry no key names");
  assert.equal(JSON.stringify(liveScan).includes(MARKER), false);
  // Sources that depend on the type still resolve from metadata (annotations, labels, names).
  assert.equal(liveScan.secrets.find((s) => s.name === "old-deployer-token")!.source.kind, "service-account-token");
  assert.equal(liveScan.secrets.find((s) => s.name === "sh.helm.release.v1.grafana.v1")!.source.kind, "helm-release-record");
  assert.equal(liveScan.secrets.find((s) => s.name === "bootstrap-token-abcdef")!.source.kind, "bootstrap-token");
  assert.deepEqual(liveScan.secrets.find((s) => s.name === "old-deployer-token")!.source.evidence, ["annotation kubernetes.io/service-account.name"]);
  assert.deepEqual(dumpScan.secrets.find((s) => s.name === "old-deployer-token")!.source.evidence, ["type kubernetes.io/service-account-token"]);
});

test("a 403 is reported with what it hides, and the scan goes on", async () => {
  const s = await startApiServer(fixtureCluster(), { forbidden: ["rolebindings.rbac.authorization.k8s.io", "secrets"] });
  try {
    const live = await readLive({ kubeconfig: s.kubeconfigPath, context: "loopback" });
    assert.deepEqual(
      live.inventory.notListed.map((n) => [n.resource, n.status, n.impact, n.message]),
      [
        ["rolebindings.rbac.authorization.k8s.io", 403, "readers are incomplete: RoleBindings are unknown", 'rolebindings.rbac.authorization.k8s.io is forbidden: User "scanner" cannot list resource "rolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope'],
        ["secrets", 403, "Secrets are not in the graph (nothing to attach sources, consumers and readers to)", 'secrets is forbidden: User "scanner" cannot list resource "secrets" in API group "" at the cluster scope'],
      ],
    );
    const c = scanCluster(live.inventory, { cluster: "loopback", input: { kind: "live" }, exemptSubjects, now });
    assert.equal(c.secrets.length, 0);
    // Without RoleBindings, the Role-based readers (shop/web, ci/deployer, payments/ghost) are gone; ClusterRoleBindings remain.
    assert.equal(c.grants.some((g) => g.subject === "ServiceAccount shop/web"), false);
    assert.ok(c.grants.some((g) => g.subject === "ServiceAccount external-secrets/external-secrets"));
  } finally {
    await s.close();
  }
});

test("a server that ignores the metadata-only request: its Secrets are discarded, never used", async () => {
  const s = await startApiServer(fixtureCluster(), { ignoreMetadataAccept: true });
  try {
    const live = await readLive({ kubeconfig: s.kubeconfigPath, context: "loopback" });
    assert.equal(live.inventory.objects.filter((o) => o.kind === "Secret").length, 0);
    const n = live.inventory.notListed.find((x) => x.resource === "secrets")!;
    assert.equal(n.message, "the server answered SecretList instead of PartialObjectMetadataList; the answer was discarded");
    assert.equal(JSON.stringify(live.inventory).includes(MARKER), false);
  } finally {
    await s.close();
  }
});

test("kubeconfig errors name the context", async () => {
  await assert.rejects(readLive({ kubeconfig: server.kubeconfigPath, context: "nope" }), /--context: no context "nope" in the kubeconfig \(known: loopback, other\)/);
  // Without --context, the kubeconfig's current context is used.
  const live = await readLive({ kubeconfig: server.kubeconfigPath });
  assert.equal(live.context, "other");
});
