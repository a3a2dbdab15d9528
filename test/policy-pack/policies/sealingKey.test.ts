// The Sealed Secrets sealing key's backup (PushSecret) and restore (ExternalSecret): for each hole, the
// resource a careless user or compromised CI writes (reported, mandatory, exact message) and its
// least-privilege twin (clean). Upstream facts (external-secrets tag v2.9.0): PushSecretStoreRef.kind
// `+kubebuilder:default="SecretStore"` (apis/externalsecrets/v1alpha1/pushsecret_types.go); ExternalSecret
// SecretStoreRef.kind has no CRD default and pkg/controllers/secretstore/client_manager.go getStore reads a
// ClusterSecretStore only for kind ClusterSecretStore; the identity annotations are read from the service
// account by providers/v1/aws/auth/auth.go (eks.amazonaws.com/role-arn), gcp/secretmanager/workload_identity.go
// (iam.gke.io/gcp-service-account) and azure/keyvault/keyvault.go (azure.workload.identity/client-id).
import assert from "node:assert/strict";
import { test } from "node:test";
import { allPolicies } from "../../../policy-pack/policies";
import { SEALING_KEY_LABEL, sealingKeyIdentityIsolation, sealingKeyStoreScope } from "../../../policy-pack/policies/sealingKeyBackup";
import { UNKNOWN, resource, runPolicy } from "../../harness/policy";

const PUSH = "kubernetes:external-secrets.io/v1alpha1:PushSecret";
const ES = "kubernetes:external-secrets.io/v1:ExternalSecret";
const STORE = "kubernetes:external-secrets.io/v1:SecretStore";
const CSS = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const SA = "kubernetes:core/v1:ServiceAccount";
const IRSA = "eks.amazonaws.com/role-arn";
const ROLE = (n: string) => `arn:aws:iam::123456789012:role/${n}`;

type Policy = Parameters<typeof runPolicy>[0];
const run = async (policy: Policy, resources: ReturnType<typeof resource>[], config?: Parameters<typeof runPolicy>[2]) => {
  const r = await runPolicy(policy, resources, config);
  for (const v of r.violations) assert.equal(v.enforcementLevel, "mandatory");
  return r.messages;
};

/** What SealedSecretsController's keyBackup emits (components/sealed-secrets/controller.ts, PushSecret). */
const backup = (refs: unknown, selector: unknown = { matchExpressions: [{ key: SEALING_KEY_LABEL, operator: "Exists" }] }) =>
  resource(PUSH, { metadata: { name: "sealed-secrets-controller-key-backup", namespace: "kube-system" }, spec: { secretStoreRefs: refs, selector: { secret: { selector } } } }, "backup");
/** What keyImport emits (an ExternalSecret writing the labelled key Secret). */
const restore = (storeRef: unknown, extra: Record<string, unknown> = {}) =>
  resource(ES, {
    metadata: { name: "sealed-secrets-controller-key-import", namespace: "kube-system" },
    spec: { secretStoreRef: storeRef, target: { name: "sealed-secrets-key-imported", template: { type: "kubernetes.io/tls", metadata: { labels: { [SEALING_KEY_LABEL]: "active" } } } }, ...extra },
  }, "restore");
const awsStore = (ns: string, name: string, account: string, type = STORE, extra: Record<string, unknown> = {}) =>
  resource(type, { metadata: type === STORE ? { name, namespace: ns } : { name }, spec: { provider: { aws: { service: "SecretsManager", region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: account, ...(type === CSS ? { namespace: ns } : {}) } } }, ...extra } } } }, `${ns}-${name}`);
const account = (ns: string, name: string, annotations: Record<string, unknown> = {}) => resource(SA, { metadata: { name, namespace: ns, annotations } }, `sa-${ns}-${name}`);

// The least-privilege setup: a SecretStore in kube-system with its own service account and its own role;
// payments has its own store, account and role.
const ownBackup = [awsStore("kube-system", "sealing-key-backup", "sealing-key-backup"), account("kube-system", "sealing-key-backup", { [IRSA]: ROLE("sealing-key-backup") })];
const payments = [awsStore("payments", "aws", "eso-payments"), account("payments", "eso-payments", { [IRSA]: ROLE("payments-eso") })];
const ownRef = [{ name: "sealing-key-backup", kind: "SecretStore" }];

test("both policies are mandatory, critical, registered, and use the controller's label", () => {
  for (const p of [sealingKeyStoreScope, sealingKeyIdentityIsolation]) {
    assert.equal(p.enforcementLevel, "mandatory");
    assert.equal(p.severity, "critical");
    assert.ok(allPolicies.includes(p), p.name);
  }
  // The label sealed-secrets' controller loads its keys by, as its key backup docs select them.
  assert.equal(SEALING_KEY_LABEL, "sealedsecrets.bitnami.com/sealed-secrets-key");
});

test("sealing-key-store-scope: the key pushed or imported through a ClusterSecretStore is a violation; a namespaced SecretStore passes", async () => {
  assert.deepEqual(await run(sealingKeyStoreScope, [backup([{ name: "aws-secrets-manager", kind: "ClusterSecretStore" }])]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key) through spec.secretStoreRefs[0] ClusterSecretStore aws-secrets-manager: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in kube-system with its own service account and cloud identity',
  ]);
  assert.deepEqual(await run(sealingKeyStoreScope, [restore({ name: "aws-secrets-manager", kind: "ClusterSecretStore" })]), [
    "ExternalSecret kube-system/sealed-secrets-controller-key-import writes a sealing key Secret (spec.target.template.metadata.labels carries sealedsecrets.bitnami.com/sealed-secrets-key, the label the controller loads its keys by) through spec.secretStoreRef ClusterSecretStore aws-secrets-manager: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in kube-system with its own service account and cloud identity",
  ]);
  // A per-entry sourceRef overrides the namespaced store: still the key through a ClusterSecretStore.
  assert.deepEqual(
    await run(sealingKeyStoreScope, [restore({ name: "sealing-key-backup", kind: "SecretStore" }, { dataFrom: [{ extract: { key: "prod/sealed-secrets-keys" }, sourceRef: { storeRef: { name: "shared", kind: "ClusterSecretStore" } } }] })]),
    [
      "ExternalSecret kube-system/sealed-secrets-controller-key-import writes a sealing key Secret (spec.target.template.metadata.labels carries sealedsecrets.bitnami.com/sealed-secrets-key, the label the controller loads its keys by) through spec.dataFrom[0].sourceRef.storeRef ClusterSecretStore shared: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in kube-system with its own service account and cloud identity",
    ],
  );
  // A key Secret named directly, and matchLabels / In selectors, select the key too.
  const css = [{ name: "shared", kind: "ClusterSecretStore" }];
  const named = resource(PUSH, { metadata: { name: "k", namespace: "kube-system" }, spec: { secretStoreRefs: css, selector: { secret: { name: "sealed-secrets-keyx7k2p" } } } }, "named");
  assert.deepEqual(await run(sealingKeyStoreScope, [named]), [
    "PushSecret kube-system/k pushes the sealing key Secret sealed-secrets-keyx7k2p (spec.selector.secret.name) through spec.secretStoreRefs[0] ClusterSecretStore shared: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in kube-system with its own service account and cloud identity",
  ]);
  const viaShared = (selector: string) =>
    `PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector ${selector} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key) through spec.secretStoreRefs[0] ClusterSecretStore shared: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in kube-system with its own service account and cloud identity`;
  assert.deepEqual(await run(sealingKeyStoreScope, [backup(css, { matchLabels: { [SEALING_KEY_LABEL]: "active" } })]), [viaShared('{"matchLabels":{"sealedsecrets.bitnami.com/sealed-secrets-key":"active"}}')]);
  assert.deepEqual(await run(sealingKeyStoreScope, [backup(css, { matchExpressions: [{ key: SEALING_KEY_LABEL, operator: "In", values: ["active"] }] })]), [
    viaShared('{"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"In","values":["active"]}]}'),
  ]);

  // Twins: the namespaced store of the controller's namespace; a kindless ref (ESO's default is SecretStore);
  // a PushSecret of another Secret through a ClusterSecretStore is not this policy's concern.
  assert.deepEqual(await run(sealingKeyStoreScope, [backup(ownRef), restore({ name: "sealing-key-backup", kind: "SecretStore" })]), []);
  assert.deepEqual(await run(sealingKeyStoreScope, [backup([{ name: "sealing-key-backup" }]), restore({ name: "sealing-key-backup" })]), []);
  assert.deepEqual(await run(sealingKeyStoreScope, [backup(css, { matchLabels: { app: "api" } })]), []);
  assert.deepEqual(await run(sealingKeyStoreScope, [resource(PUSH, { metadata: { name: "db", namespace: "apps" }, spec: { secretStoreRefs: css, selector: { secret: { name: "db" } } } })]), []);
});

test("sealing-key-store-scope fails closed on values unknown during preview", async () => {
  assert.deepEqual(await run(sealingKeyStoreScope, [backup([{ name: "b", kind: "SecretStore" }], UNKNOWN.object)]), [
    "PushSecret kube-system/sealed-secrets-controller-key-backup: spec.selector.secret is not known during this preview, so whether it pushes the Sealed Secrets sealing key cannot be checked",
  ]);
  assert.deepEqual(await run(sealingKeyStoreScope, [backup([{ name: "b", kind: UNKNOWN.string }])]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key) through spec.secretStoreRefs[0] (store b), whose kind is not known during this preview, so whether it is a namespaced SecretStore cannot be checked',
  ]);
  assert.deepEqual(await run(sealingKeyStoreScope, [backup(UNKNOWN.array)]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key); its store references are not known during this preview, so whether they are namespaced SecretStores cannot be checked',
  ]);
  const es = resource(ES, { metadata: { name: "r", namespace: "kube-system" }, spec: { secretStoreRef: { name: "shared", kind: "ClusterSecretStore" }, target: { name: "r", template: { metadata: { labels: UNKNOWN.object } } } } }, "r");
  assert.deepEqual(await run(sealingKeyStoreScope, [es]), [
    "ExternalSecret kube-system/r: spec.target (name, template.metadata.labels) is not known during this preview, so whether it writes the Sealed Secrets sealing key cannot be checked",
  ]);
});

test("sealing-key-identity-isolation: a backup account sharing its IAM role with the payments store's account is a violation naming both; its own role passes", async () => {
  const shared = [awsStore("kube-system", "sealing-key-backup", "sealing-key-backup"), account("kube-system", "sealing-key-backup", { [IRSA]: ROLE("payments-eso") })];
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef), ...shared, ...payments]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key): spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup authenticates as ServiceAccount kube-system/sealing-key-backup (eks.amazonaws.com/role-arn arn:aws:iam::123456789012:role/payments-eso), and ServiceAccount payments/eso-payments (used by SecretStore payments/aws) carries the same eks.amazonaws.com/role-arn, so whoever can use that account reads the backup',
  ]);
  // The same on the restore side, and an account not used by any store.
  const es = restore({ name: "sealing-key-backup", kind: "SecretStore" });
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [es, ...shared, account("payments", "api", { [IRSA]: ROLE("payments-eso") })]), [
    "ExternalSecret kube-system/sealed-secrets-controller-key-import writes a sealing key Secret (spec.target.template.metadata.labels carries sealedsecrets.bitnami.com/sealed-secrets-key, the label the controller loads its keys by): spec.secretStoreRef SecretStore kube-system/sealing-key-backup authenticates as ServiceAccount kube-system/sealing-key-backup (eks.amazonaws.com/role-arn arn:aws:iam::123456789012:role/payments-eso), and ServiceAccount payments/api carries the same eks.amazonaws.com/role-arn, so whoever can use that account reads the backup",
  ]);
  // Twin: own store, own account, own role (and payments with theirs).
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef), es, ...ownBackup, ...payments]), []);
});

test("sealing-key-identity-isolation: a second store authenticating as the backup's service account, or assuming its role, is a violation", async () => {
  const second = awsStore("kube-system", "ci", "sealing-key-backup");
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef), ...ownBackup, second]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key): spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup authenticates as ServiceAccount kube-system/sealing-key-backup, and SecretStore kube-system/ci authenticates as the same service account (spec.provider.aws.auth.jwt.serviceAccountRef), so whoever can use SecretStore kube-system/ci reads the backup',
  ]);
  // A ClusterSecretStore naming the account in kube-system is the same account.
  const css = awsStore("kube-system", "everyone", "sealing-key-backup", CSS);
  assert.equal((await run(sealingKeyIdentityIsolation, [backup(ownRef), ...ownBackup, css])).length, 1);
  // The same name in another namespace is another account.
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef), ...ownBackup, awsStore("payments", "aws", "sealing-key-backup"), account("payments", "sealing-key-backup", { [IRSA]: ROLE("payments-eso") })]), []);
  // Assuming the same role after authenticating.
  const assume = { role: ROLE("sealing-key-store") };
  const r = await run(sealingKeyIdentityIsolation, [backup(ownRef), awsStore("kube-system", "sealing-key-backup", "sealing-key-backup", STORE, assume), ownBackup[1], awsStore("payments", "aws", "eso-payments", STORE, assume), payments[1]]);
  assert.deepEqual(r.map((m) => m.slice(m.indexOf("): ") + 3)), [
    "spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup and SecretStore payments/aws both assume IAM role arn:aws:iam::123456789012:role/sealing-key-store (spec.provider.aws.role), so whoever can use SecretStore payments/aws reads the backup",
  ]);
});

test("sealing-key-identity-isolation: a Vault store sharing the backup's Vault role is a violation; a role of its own passes", async () => {
  const vault = (ns: string, name: string, accountName: string, role: string) =>
    resource(STORE, { metadata: { name, namespace: ns }, spec: { provider: { vault: { server: "https://vault.vault:8200", path: "secret", version: "v2", auth: { kubernetes: { mountPath: "kubernetes", role, serviceAccountRef: { name: accountName } } } } } } }, `${ns}-${name}`);
  const ref = [{ name: "vault-backup", kind: "SecretStore" }];
  const own = [vault("kube-system", "vault-backup", "sealing-key-backup", "sealing-key-backup"), account("kube-system", "sealing-key-backup")];
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ref), ...own, vault("payments", "vault", "eso-payments", "sealing-key-backup"), account("payments", "eso-payments")]), [
    'PushSecret kube-system/sealed-secrets-controller-key-backup pushes the Sealed Secrets sealing key (spec.selector.secret.selector {"matchExpressions":[{"key":"sealedsecrets.bitnami.com/sealed-secrets-key","operator":"Exists"}]} selects Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key): spec.secretStoreRefs[0] SecretStore kube-system/vault-backup authenticates as ServiceAccount kube-system/sealing-key-backup and logs in to Vault with role sealing-key-backup (auth/kubernetes), and SecretStore payments/vault logs in with the same Vault role (as ServiceAccount payments/eso-payments), so whoever can use SecretStore payments/vault reads the backup',
  ]);
  // A Vault role of the program admitting more than the backup's account.
  const role = (names: string[], namespaces: string[]) => resource("vault:kubernetes/authBackendRole:AuthBackendRole", { backend: "kubernetes", roleName: "sealing-key-backup", boundServiceAccountNames: names, boundServiceAccountNamespaces: namespaces, tokenPolicies: ["sealing-key-backup"] }, "backup-role");
  assert.deepEqual((await run(sealingKeyIdentityIsolation, [backup(ref), ...own, role(["sealing-key-backup", "eso-payments"], ["kube-system", "payments"])])).map((m) => m.slice(m.indexOf("): ") + 3)), [
    "spec.secretStoreRefs[0] SecretStore kube-system/vault-backup authenticates as ServiceAccount kube-system/sealing-key-backup and logs in to Vault with role sealing-key-backup, whose AuthBackendRole backup-role also admits name eso-payments, namespace payments: bind it to exactly ServiceAccount kube-system/sealing-key-backup",
  ]);
  // Twin: payments has its own Vault role; the backup's role binds exactly its account.
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ref), ...own, vault("payments", "vault", "eso-payments", "payments"), account("payments", "eso-payments"), role(["sealing-key-backup"], ["kube-system"])]), []);
});

test("sealing-key-identity-isolation: what the program cannot show is reported (fails closed), and exemptStores exempts only that", async () => {
  const tail = (ms: string[]) => ms.map((m) => m.slice(m.indexOf("): ") + 3));
  // The store is not in the program.
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup(ownRef)])), [
    "spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup is not in this program, so the identity it authenticates as cannot be checked",
  ]);
  // A kindless ref means a SecretStore of the PushSecret's namespace (ESO's default): meant for the
  // ClusterSecretStore of that name, it names a store nobody checked.
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup([{ name: "aws-secrets-manager" }]), awsStore("external-secrets", "aws-secrets-manager", "eso", CSS), account("external-secrets", "eso", { [IRSA]: ROLE("eso") })])), [
    "spec.secretStoreRefs[0] SecretStore kube-system/aws-secrets-manager is not in this program, so the identity it authenticates as cannot be checked",
  ]);
  // Its service account is not in the program; its role ARN is unknown during preview; a store selected by label.
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup(ownRef), ownBackup[0]])), [
    "spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup authenticates as ServiceAccount kube-system/sealing-key-backup, which is not in this program, so its eks.amazonaws.com/role-arn cannot be checked",
  ]);
  // An identity created in this update (role ARN unknown at preview) is new: no existing account can carry it,
  // so the first preview of a stack is not blocked; it is judged once known (the next preview).
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup(ownRef), ownBackup[0], account("kube-system", "sealing-key-backup", { [IRSA]: UNKNOWN.string })])), []);
  // The same for another account whose identity is new: it cannot be the backup's existing role.
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup(ownRef), ...ownBackup, account("payments", "api", { [IRSA]: UNKNOWN.string })])), []);
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup([{ labelSelector: { matchLabels: { backup: "true" } }, kind: "SecretStore" }]), ...ownBackup])), [
    "spec.secretStoreRefs[0] selects SecretStores by labelSelector, so a store outside this program carrying the labels would receive the key and its identity cannot be checked; name the store",
  ]);
  // A store without a service account of its own.
  assert.deepEqual(tail(await run(sealingKeyIdentityIsolation, [backup(ownRef), resource(STORE, { metadata: { name: "sealing-key-backup", namespace: "kube-system" }, spec: { provider: { aws: { region: "us-east-1" } } } })])), [
    "spec.secretStoreRefs[0] SecretStore kube-system/sealing-key-backup does not authenticate as a service account of its own (no spec.provider.aws.auth.jwt.serviceAccountRef), so whether its identity is shared cannot be checked",
  ]);
  // Exempted by name: the unverifiable finding goes, a sharing found in the program stays.
  const config = { "sealing-key-identity-isolation": { exemptStores: ["SecretStore kube-system/sealing-key-*"] } };
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef)], config), []);
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup(ownRef), ownBackup[0]], config), []);
  assert.equal((await run(sealingKeyIdentityIsolation, [backup(ownRef), ...ownBackup, awsStore("kube-system", "ci", "sealing-key-backup")], config)).length, 1);
});

test("sealing-key-identity-isolation: gcpsm and azurekv accounts compared by their identity annotation", async () => {
  const gcp = (ns: string, name: string, accountName: string) =>
    resource(STORE, { metadata: { name, namespace: ns }, spec: { provider: { gcpsm: { projectID: "p", auth: { workloadIdentity: { clusterLocation: "us-central1", clusterName: "c", serviceAccountRef: { name: accountName } } } } } } }, `${ns}-${name}`);
  const GSA = "iam.gke.io/gcp-service-account";
  const gcpMsgs = await run(sealingKeyIdentityIsolation, [backup([{ name: "b", kind: "SecretStore" }]), gcp("kube-system", "b", "backup"), account("kube-system", "backup", { [GSA]: "eso@p.iam.gserviceaccount.com" }), account("payments", "eso", { [GSA]: "eso@p.iam.gserviceaccount.com" })]);
  assert.deepEqual(gcpMsgs.map((m) => m.slice(m.indexOf("): ") + 3)), [
    "spec.secretStoreRefs[0] SecretStore kube-system/b authenticates as ServiceAccount kube-system/backup (iam.gke.io/gcp-service-account eso@p.iam.gserviceaccount.com), and ServiceAccount payments/eso carries the same iam.gke.io/gcp-service-account, so whoever can use that account reads the backup",
  ]);
  // Without the annotation GKE's principal is the Kubernetes account itself: nothing to share.
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup([{ name: "b", kind: "SecretStore" }]), gcp("kube-system", "b", "backup"), account("kube-system", "backup")]), []);
  const azure = resource(STORE, { metadata: { name: "b", namespace: "kube-system" }, spec: { provider: { azurekv: { vaultUrl: "https://kv.vault.azure.net", authType: "WorkloadIdentity", serviceAccountRef: { name: "backup" } } } } }, "az");
  const AZ = "azure.workload.identity/client-id";
  assert.equal((await run(sealingKeyIdentityIsolation, [backup([{ name: "b", kind: "SecretStore" }]), azure, account("kube-system", "backup", { [AZ]: "1111" }), account("payments", "eso", { [AZ]: "1111" })])).length, 1);
  assert.deepEqual(await run(sealingKeyIdentityIsolation, [backup([{ name: "b", kind: "SecretStore" }]), azure, account("kube-system", "backup", { [AZ]: "1111" }), account("payments", "eso", { [AZ]: "2222" })]), []);
});
