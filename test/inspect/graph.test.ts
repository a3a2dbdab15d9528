/**
 * The Secret graph of the fixture cluster (test/inspect/fixtures/cluster.ts): exact sources, consumers,
 * readers (from the RBAC engine, with chains), blast radius, findings and proposals.
 *
 * Upstream facts the fixture and the source rules follow:
 * - ESO: the target Secret is `spec.target.name`, else the ExternalSecret's name
 *   (external-secrets/external-secrets pkg/controllers/externalsecret/externalsecret_controller_manifest.go getTargetName);
 *   managed Secrets carry `reconcile.external-secrets.io/managed=true` (apis/externalsecrets/v1/externalsecret_types.go LabelManaged).
 * - Sealed Secrets: the Secret takes the SealedSecret's namespace/name and an owner reference to it unless
 *   `sealedsecrets.bitnami.com/skip-set-owner-references` (bitnami-labs/sealed-secrets pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go).
 * - Secrets Store CSI: synced Secrets are `secretObjects[].secretName` and get `secrets-store.csi.k8s.io/managed=true`
 *   (kubernetes-sigs/secrets-store-csi-driver controllers/secretproviderclasspodstatus_controller.go SecretManagedLabel).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { InventoryBuilder } from "../../inspect/inventory";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster } from "../../inspect/scan";
import type { ClusterScan } from "../../inspect/scanSchema";
import { fixtureCluster } from "./fixtures/cluster";

const EXEMPT = [...DEFAULT_EXEMPT_SUBJECTS, "ServiceAccount external-secrets/*", "ServiceAccount sealed-secrets/sealed-secrets-controller"];

function scan(objects = fixtureCluster(), exempt = EXEMPT): ClusterScan {
  const b = new InventoryBuilder();
  b.add({ apiVersion: "v1", kind: "List", items: objects });
  return scanCluster(b.inventory, { cluster: "fx", input: { kind: "dump", files: ["fixture.json"] }, exemptSubjects: exempt, now: new Date("2026-03-01T00:00:00Z") });
}

const c = scan();
const secret = (id: string) => {
  const s = c.secrets.find((x) => x.id === `fx/${id}`);
  assert.ok(s, `Secret ${id} in the graph`);
  return s;
};
/** `via Kind ns/name (pods)` per consumer. */
const consumers = (id: string) => secret(id).consumers.map((x) => `${x.via} ${x.object.kind} ${x.object.namespace}/${x.object.name} (${x.pods})`);
/** Distinct non-exempt readers as `subject: mechanism`. */
const openReaders = (id: string) => [...new Set(secret(id).readers.map((i) => c.grants[i]).filter((g) => !g.exempt && g.access !== "write").map((g) => `${g.subject}: ${g.mechanism}`))].sort();

test("every Secret is in the graph, sorted, with its source", () => {
  assert.deepEqual(
    c.secrets.map((s) => `${s.namespace}/${s.name} ${s.source.kind}`),
    [
      "kube-system/bootstrap-token-abcdef bootstrap-token",
      "kube-system/old-deployer-token service-account-token",
      "monitoring/grafana helm",
      "monitoring/sh.helm.release.v1.grafana.v1 helm-release-record",
      "payments/payments-db csi-sync",
      "payments/stripe-key sealed-secret",
      "shop/db-credentials external-secret",
      "shop/legacy-api-key static",
      "shop/regcred static",
      "shop/shop-config static",
      "shop/web-tls cert-manager",
    ],
  );
  const db = secret("shop/db-credentials").source;
  assert.deepEqual(db.store, { kind: "ClusterSecretStore", name: "aws", provider: "aws", found: true });
  assert.deepEqual(db.remoteKeys, ["prod/shop/db"]);
  assert.deepEqual(db.ref, { kind: "ExternalSecret", apiVersion: "external-secrets.io/v1", namespace: "shop", name: "db" });
  assert.deepEqual(db.evidence, ["ExternalSecret shop/db targets it", "label reconcile.external-secrets.io/managed=true", "ownerReferences ExternalSecret shop/db"]);
  const csi = secret("payments/payments-db").source;
  assert.equal(csi.provider, "vault");
  assert.deepEqual(csi.remoteKeys, ["db-password"]);
  assert.equal(csi.ref?.name, "vault-payments");
  assert.deepEqual(secret("payments/stripe-key").source.ref, { kind: "SealedSecret", apiVersion: "bitnami.com/v1alpha1", namespace: "payments", name: "stripe-key" });
  assert.deepEqual(secret("monitoring/grafana").source.helmRelease, { name: "grafana", namespace: "monitoring" });
  assert.deepEqual(secret("kube-system/old-deployer-token").source.ref, { kind: "ServiceAccount", namespace: "kube-system", name: "old-deployer" });
  assert.equal(secret("shop/web-tls").source.ref?.name, "web");
  assert.equal(secret("shop/shop-config").source.detail, "nothing manages it (written by kubectl-client-side-apply)");
});

test("Secret metadata: key names, managers, age; no last-applied annotation", () => {
  const s = secret("shop/web-tls");
  assert.deepEqual(s.keys, ["ca.crt", "extra", "tls.crt", "tls.key"]);
  assert.deepEqual(s.managers, ["cert-manager-certificates-issuing"]);
  assert.equal(s.ageDays, 59);
  assert.deepEqual(s.annotations, { "cert-manager.io/certificate-name": "web", "cert-manager.io/issuer-name": "letsencrypt" });
  assert.deepEqual(secret("shop/shop-config").otherAnnotationKeys, [], "last-applied-configuration is dropped, not even listed");
  assert.equal(s.type, "kubernetes.io/tls");
});

test("consumers: env, envFrom, volumes, CSI, imagePullSecrets, Ingress TLS, ServiceAccount references, API reads", () => {
  assert.deepEqual(consumers("shop/web-tls"), ["volume Deployment shop/web (3)", "ingress-tls Ingress shop/web (0)"]);
  assert.deepEqual(secret("shop/web-tls").consumers.find((x) => x.via === "volume")?.keys, ["tls.crt", "tls.key"]);
  assert.deepEqual(secret("shop/web-tls").consumers.find((x) => x.via === "volume")?.containers, ["web"]);
  assert.deepEqual(consumers("shop/db-credentials"), ["envFrom Deployment shop/web (3)"]);
  assert.deepEqual(consumers("shop/regcred"), ["imagePullSecrets Deployment shop/web (3)", "serviceaccount-imagePullSecrets ServiceAccount shop/web (0)"]);
  assert.deepEqual(consumers("shop/shop-config"), ["api Deployment shop/web (3)"], "named in the container args, not mounted");
  assert.deepEqual(consumers("payments/payments-db"), ["csi Deployment payments/payments-api (2)", "env Deployment payments/payments-api (2)"]);
  assert.deepEqual(consumers("payments/stripe-key"), ["env Deployment payments/payments-api (2)"]);
  assert.deepEqual(consumers("monitoring/grafana"), ["env Deployment monitoring/grafana (1)"]);
  assert.deepEqual(secret("monitoring/grafana").consumers[0].keys, ["admin-password", "admin-user"]);
  assert.deepEqual(consumers("kube-system/old-deployer-token"), ["serviceaccount-secrets ServiceAccount kube-system/old-deployer (0)"]);
  assert.deepEqual(consumers("shop/legacy-api-key"), []);
  assert.equal(secret("shop/db-credentials").consumers[0].serviceAccount, "ServiceAccount shop/web");
  // Pods are traced through their ReplicaSet to the Deployment: one workload per Deployment.
  assert.deepEqual(
    c.workloads.map((w) => `${w.ref.kind} ${w.ref.namespace}/${w.ref.name} ${w.serviceAccount} pods=${w.pods}`),
    ["Deployment monitoring/grafana ServiceAccount monitoring/grafana pods=1", "Deployment payments/payments-api ServiceAccount payments/payments-api pods=2", "Deployment shop/web ServiceAccount shop/web pods=3"],
  );
});

test("readers come from the RBAC engine: direct, through pod/workload creation, named, exempt controllers marked", () => {
  for (const id of ["shop/db-credentials", "shop/legacy-api-key", "shop/regcred", "shop/shop-config", "shop/web-tls"]) {
    assert.deepEqual(openReaders(id), ["ServiceAccount ci/deployer: pod-create", "ServiceAccount ci/deployer: workload-write", "ServiceAccount shop/web: secret-read"], id);
  }
  assert.deepEqual(openReaders("payments/stripe-key"), ["ServiceAccount payments/ghost: secret-read"]);
  assert.deepEqual(openReaders("payments/payments-db"), []);
  // The static Secret read by the CI account through pod create, with the engine's chain.
  const ci = secret("shop/shop-config").readers.map((i) => c.grants[i]).find((g) => g.subject === "ServiceAccount ci/deployer" && g.mechanism === "pod-create")!;
  assert.deepEqual(ci.path, ["RoleBinding shop/ci-deployer", 'Role shop/deployer rules[0] verbs=create,get,list apiGroups="" resources=pods']);
  assert.equal(ci.access, "indirect");
  assert.equal(ci.namespace, "shop");
  assert.equal(ci.inherited, false);
  // Exempt controllers still count as readers, marked exempt.
  const exempt = [...new Set(secret("shop/shop-config").readers.map((i) => c.grants[i]).filter((g) => g.exempt && g.access === "read").map((g) => g.subject))].sort();
  assert.deepEqual(exempt, ["Group system:masters", "ServiceAccount external-secrets/external-secrets", "ServiceAccount kube-system/namespace-controller", "ServiceAccount sealed-secrets/sealed-secrets-controller", "User system:kube-controller-manager"]);
  const ghost = c.grants.find((g) => g.subject === "ServiceAccount payments/ghost")!;
  assert.deepEqual(ghost.resourceNames, ["stripe-key"]);
  assert.deepEqual(secret("shop/shop-config").blast, { readers: 7, nonExemptReaders: 2, clusterWideReaders: 5, pods: 3, namespaces: 1 });
  assert.deepEqual(secret("shop/legacy-api-key").blast, { readers: 7, nonExemptReaders: 2, clusterWideReaders: 5, pods: 0, namespaces: 0 });
  assert.deepEqual(secret("shop/db-credentials").blast, { readers: 7, nonExemptReaders: 2, clusterWideReaders: 5, pods: 3, namespaces: 1 });
});

test("exec grants reach only what the named pods consume", () => {
  const extra = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "debugger", namespace: "payments" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "exec-one", namespace: "shop" }, rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"], resourceNames: ["web-5d8f7c-p0"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "exec-one", namespace: "shop" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec-one" }, subjects: [{ kind: "ServiceAccount", name: "debugger", namespace: "payments" }] },
  ];
  const s = scan([...fixtureCluster(), ...extra]);
  const reads = s.subjects.find((x) => x.subject === "ServiceAccount payments/debugger")!;
  // web's pods mount db-credentials (envFrom) and web-tls (volume); regcred is only an image pull Secret.
  assert.deepEqual(reads.reads, ["fx/shop/db-credentials", "fx/shop/web-tls"]);
  assert.equal(s.grants.find((g) => g.subject === "ServiceAccount payments/debugger")!.mechanism, "exec");
});

test("subjects: blast radius, consumption, cloud identities, missing service accounts", () => {
  const web = c.subjects.find((s) => s.subject === "ServiceAccount shop/web")!;
  assert.deepEqual(web.blast, { secrets: 5, namespaces: 1, pods: 3 });
  assert.deepEqual(web.consumes, ["fx/shop/db-credentials", "fx/shop/regcred", "fx/shop/shop-config", "fx/shop/web-tls"]);
  assert.deepEqual(web.cloudIdentities, [{ provider: "aws-irsa", identity: "arn:aws:iam::111122223333:role/web", serviceAccount: "ServiceAccount shop/web" }]);
  assert.deepEqual(secret("payments/payments-db").cloudIdentities, [{ provider: "azure-workload-identity", identity: "00000000-1111-2222-3333-444444444444", serviceAccount: "ServiceAccount payments/payments-api" }]);
  const masters = c.subjects.find((s) => s.subject === "Group system:masters")!;
  assert.equal(masters.readsAll, true);
  assert.deepEqual(masters.blast, { secrets: 11, namespaces: 4, pods: 6 });
  assert.equal(c.subjects.find((s) => s.subject === "ServiceAccount payments/ghost")!.exists, false);
  assert.equal(web.exists, true);
});

test("findings: exact list with severities", () => {
  assert.deepEqual(
    c.findings.map((f) => `${f.severity} ${f.rule} ${f.object.kind} ${f.object.namespace ?? ""}/${f.object.name}${f.subject ? ` ${f.subject}` : ""}`),
    [
      "high non-consumer-reader Secret payments/stripe-key ServiceAccount payments/ghost",
      "high over-broad-reader RoleBinding shop/web-secrets ServiceAccount shop/web",
      "high rbac-indirect-secret-read RoleBinding shop/ci-deployer ServiceAccount ci/deployer",
      "high rbac-indirect-secret-read RoleBinding shop/ci-deployer ServiceAccount ci/deployer",
      "high rbac-secret-read RoleBinding payments/old-stripe-reader ServiceAccount payments/ghost",
      "high rbac-secret-read RoleBinding shop/web-secrets ServiceAccount shop/web",
      "medium binding-missing-subject RoleBinding payments/old-stripe-reader ServiceAccount payments/ghost",
      "medium legacy-token-secret Secret kube-system/old-deployer-token",
      "medium static-secret Secret shop/legacy-api-key",
      "medium static-secret Secret shop/regcred",
      "medium static-secret Secret shop/shop-config",
      "low unconsumed-secret Secret shop/legacy-api-key",
    ],
  );
  assert.equal(new Set(c.findings.map((f) => f.id)).size, c.findings.length, "finding ids are unique");
  for (const f of c.findings) assert.ok(f.fix.length > 20, `${f.rule} has a fix`);
});

test("without exemptions the controllers are over-broad readers (critical, cluster-wide)", () => {
  const s = scan(fixtureCluster(), []);
  const broad = s.findings.filter((f) => f.rule === "over-broad-reader" && f.severity === "critical").map((f) => f.subject).sort();
  // kube-controller-manager's bootstrap role gets every Secret (rules `get secrets`, `list,watch *`).
  assert.deepEqual(broad, ["Group system:masters", "ServiceAccount external-secrets/external-secrets", "ServiceAccount kube-system/namespace-controller", "ServiceAccount sealed-secrets/sealed-secrets-controller", "User system:kube-controller-manager"]);
});

test("proposals: mounted Secrets need no RBAC, API reads get a named Role, the broad binding goes", () => {
  const p = c.proposals.find((x) => x.serviceAccount === "ServiceAccount shop/web")!;
  assert.deepEqual(p.mounted, ["db-credentials", "regcred", "web-tls"]);
  assert.deepEqual(p.apiReads, ["shop-config"]);
  assert.equal(p.narrows, true);
  assert.deepEqual(p.bindingChanges, [{ binding: { kind: "RoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", namespace: "shop", name: "web-secrets" }, action: "delete-binding", grants: "read Secrets [get,list] in shop via RoleBinding shop/web-secrets" }]);
  assert.deepEqual(p.role?.rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["shop-config"] }]);
  assert.deepEqual(p.roleBinding?.subjects, [{ kind: "ServiceAccount", name: "web", namespace: "shop" }]);
  assert.deepEqual(p.diff, ["- read Secrets [get,list] in shop via RoleBinding shop/web-secrets", "+ read Secrets [get] in shop (only shop-config) via RoleBinding shop/web-secrets-read"]);
  // The YAML reads back (as kubectl would) to exactly the proposed Role and RoleBinding.
  const docs = parseAllDocuments(p.yaml).map((d) => d.toJS());
  assert.equal(docs.length, 2, "the comments before the first --- start no document");
  assert.deepEqual(docs[0], { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "web-secrets-read", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "kube-secrets-platform-scan" } }, rules: p.role.rules });
  assert.deepEqual(docs[1], { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "web-secrets-read", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "kube-secrets-platform-scan" } }, roleRef: p.roleBinding.roleRef, subjects: p.roleBinding.subjects });
  assert.match(p.yaml, /^# delete RoleBinding shop\/web-secrets: kubectl delete rolebinding web-secrets -n shop$/m);
  assert.match(p.pulumi, /new k8s\.rbac\.v1\.Role\("web-secrets-read"/);
  assert.match(p.pulumi, /new ExternalSecret\("regcred", \{/);
  // Identities that hold nothing beyond what they mount get no change.
  assert.deepEqual(c.proposals.filter((x) => !x.narrows).map((x) => x.serviceAccount), ["ServiceAccount monitoring/grafana", "ServiceAccount payments/payments-api"]);
  // Never widening: every proposed name is one the identity could already read.
  const web = c.subjects.find((s) => s.subject === "ServiceAccount shop/web")!;
  for (const n of p.role.rules[0].resourceNames) assert.ok(web.reads.includes(`fx/shop/${n}`));
});

test("every Secret grant of the fixture (cluster-admin included) gets a known mechanism", () => {
  const s = scan(fixtureCluster(), []);
  assert.deepEqual(s.grants.filter((g) => g.mechanism === "other").map((g) => g.message), []);
  const masters = new Set(s.grants.filter((g) => g.subject === "Group system:masters").map((g) => g.mechanism));
  for (const m of ["secret-read", "secret-write", "pod-create", "workload-write", "exec", "ephemeral-containers"]) assert.ok(masters.has(m as never), m);
});

test("least-privilege twin: web reads only the Secret it names, CI deploys through nothing — no reader finding, nothing to narrow", () => {
  const twin = fixtureCluster()
    .filter((o) => !(o.kind === "RoleBinding" && o.metadata.name === "ci-deployer"))
    .map((o) => (o.kind === "Role" && o.metadata.name === "web-secrets" ? { ...o, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["shop-config"] }] } : o));
  const s = scan(twin);
  const readerRules = new Set(["over-broad-reader", "non-consumer-reader", "rbac-indirect-secret-read"]);
  assert.deepEqual(s.findings.filter((f) => readerRules.has(f.rule) && f.subject !== "ServiceAccount payments/ghost").map((f) => f.id), []);
  const web = s.proposals.find((p) => p.serviceAccount === "ServiceAccount shop/web")!;
  assert.equal(web.narrows, false);
  assert.deepEqual(web.bindingChanges, []);
  assert.equal(web.role, undefined, "the existing named Role already covers the API read");
  assert.deepEqual(s.subjects.find((x) => x.subject === "ServiceAccount shop/web")!.reads, ["fx/shop/shop-config"]);
});
