// Issue 15, the engine: each hole with the attacker's objects (reported with the exact chain) and the
// least-privilege twin. Kubernetes facts: a running pod's container images are mutable (update/patch on
// pods runs new code as the pod's service account); ResourceNameMatches (pkg/apis/rbac/v1/
// evaluation_helpers.go) compares the request's name, "" for create, deletecollection and an unfiltered
// list; the token controller fills a Secret of type kubernetes.io/service-account-token that names any
// service account. ESO 2.9: its chart aggregates create on externalsecrets/secretstores/pushsecrets into
// edit (deploy/charts/external-secrets/templates/rbac.yaml), and ClusterSecretStore conditions are
// evaluated as in pkg/controllers/secretstore/client_manager.go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { whoCanReadSecrets } from "../../../policy-pack/policies/whoCanReadSecrets";
import { analyzeRbac, type KubeObject, type RbacFinding } from "../../../policy-pack/rbac";
import { resource, runPolicy } from "../../harness/policy";
import { role, roleBinding } from "./fixtures";

const sa = (ns: string, name: string): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: ns, name } });
const dev = [{ kind: "User", name: "dev" }];
const findings = (objects: KubeObject[]) => analyzeRbac(objects, { kubernetesVersion: "1.35", includeBuiltinRoles: false }).findings;
const of = (fs: RbacFinding[], subject: string) => fs.filter((f) => f.subject === subject);
/** The api service account reading every Secret of apps (what acting as it is worth). */
const apiReads = [sa("apps", "api"), role("apps", "reader", [{ verbs: ["get", "list"], apiGroups: [""], resources: ["secrets"] }]), roleBinding("apps", "api-reads", "Role", "reader", [{ kind: "ServiceAccount", name: "api" }])];

test("patch on pods: acting as the namespace's service accounts (inherited, flagged actingAs); get on pods gives nothing", () => {
  const attacker = of(findings([...apiReads, role("apps", "patcher", [{ verbs: ["patch"], apiGroups: [""], resources: ["pods"] }]), roleBinding("apps", "dev-patch", "Role", "patcher", dev)]), "User dev");
  const patchPath = ["RoleBinding apps/dev-patch", 'Role apps/patcher rules[0] verbs=patch apiGroups="" resources=pods'];
  assert.deepEqual(attacker, [
    {
      code: "indirect-secret-read",
      subject: "User dev",
      namespace: "apps",
      severity: "high",
      path: patchPath,
      verbs: ["patch"],
      message: `User dev can change running pods (a swapped image runs as the pod's service account, with the Secrets mounted in it) (patch) in namespace apps via ${patchPath.join(" -> ")}`,
    },
    {
      code: "indirect-secret-read",
      subject: "User dev",
      namespace: "apps",
      severity: "high",
      path: [...patchPath, "acts as ServiceAccount apps/api", "RoleBinding apps/api-reads", 'Role apps/reader rules[0] verbs=get,list apiGroups="" resources=secrets'],
      verbs: ["get", "list"],
      message: `User dev can read Secrets (get, list) in namespace apps by acting as ServiceAccount apps/api via ${patchPath.join(" -> ")} -> acts as ServiceAccount apps/api -> RoleBinding apps/api-reads -> Role apps/reader rules[0] verbs=get,list apiGroups="" resources=secrets`,
      actingAs: "ServiceAccount apps/api",
    },
  ]);
  const twin = of(findings([...apiReads, role("apps", "looker", [{ verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods", "pods/log"] }]), roleBinding("apps", "dev-look", "Role", "looker", dev)]), "User dev");
  assert.deepEqual(twin, []);
});

test('resourceNames [""] matches nameless requests: list and create of every Secret, and is not reported ineffective; a real name narrows', () => {
  const rule = { verbs: ["list", "create", "deletecollection"], apiGroups: [""], resources: ["secrets"], resourceNames: [""] };
  const all = findings([role("apps", "lister", [rule]), roleBinding("apps", "dev", "Role", "lister", dev)]);
  const step = 'Role apps/lister rules[0] verbs=list,create,deletecollection apiGroups="" resources=secrets resourceNames=""';
  assert.deepEqual(
    all.map((f) => [f.code, f.subject, f.verbs, f.resourceNames, f.message]),
    [
      ["secret-read", "User dev", ["list"], undefined, `User dev can read Secrets (list) in namespace apps via RoleBinding apps/dev -> ${step}`],
      ["secret-write", "User dev", ["create", "deletecollection"], undefined, `User dev can write or delete Secrets (create, deletecollection) in namespace apps via RoleBinding apps/dev -> ${step}`],
    ],
  );
  const twin = findings([role("apps", "one", [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["db"] }]), roleBinding("apps", "dev", "Role", "one", dev)]);
  assert.deepEqual(twin.map((f) => [f.code, f.verbs, f.resourceNames]), [["secret-read", ["get"], ["db"]]]);
  // A name list without "" still cannot create: that one is ineffective.
  const dead = findings([role("apps", "dead", [{ verbs: ["create"], apiGroups: [""], resources: ["secrets"], resourceNames: ["db"] }])]);
  assert.deepEqual(dead.map((f) => f.message), ['Role apps/dead rules[0] verbs=create apiGroups="" resources=secrets resourceNames=db: create with resourceNames never matches: those requests carry no object name']);
});

test("create + get on secrets mints service-account token Secrets: acting as every service account of the namespace; create alone does not", () => {
  const cg = role("apps", "cg", [{ verbs: ["create"], apiGroups: [""], resources: ["secrets"] }, { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["mine"] }]);
  const attacker = of(findings([...apiReads, cg, roleBinding("apps", "dev", "Role", "cg", dev)]), "User dev");
  const create = ["RoleBinding apps/dev", 'Role apps/cg rules[0] verbs=create apiGroups="" resources=secrets'];
  const get = ["RoleBinding apps/dev", 'Role apps/cg rules[1] verbs=get apiGroups="" resources=secrets resourceNames=mine'];
  const mint = attacker.find((f) => f.code === "escalation")!;
  assert.deepEqual(mint, {
    code: "escalation",
    subject: "User dev",
    namespace: "apps",
    severity: "high",
    path: [...create, "and", ...get],
    verbs: ["create"],
    message: `User dev can mint service-account token Secrets (create + get secrets: acting as every service account of the namespace) (create) in namespace apps via ${[...create, "and", ...get].join(" -> ")}`,
  });
  const inherited = attacker.find((f) => f.actingAs === "ServiceAccount apps/api")!;
  assert.equal(inherited.code, "indirect-secret-read");
  assert.deepEqual(inherited.verbs, ["get", "list"]);
  assert.deepEqual(inherited.path.slice(0, 6), [...create, "and", ...get, "acts as ServiceAccount apps/api"].slice(0, 6));
  const twin = of(findings([...apiReads, role("apps", "c", [{ verbs: ["create"], apiGroups: [""], resources: ["secrets"] }]), roleBinding("apps", "dev", "Role", "c", dev)]), "User dev");
  assert.deepEqual(twin.map((f) => [f.code, f.verbs]), [["secret-write", ["create"]]]);
});

test("escalation severity from what the target grants: a token for a service account no stronger than the actor is low; a stronger one stays high", () => {
  const tok = (names: string[]) => role("apps", "tok", [{ verbs: ["create"], apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: names }, { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }]);
  const weak = [sa("apps", "bot"), role("apps", "one", [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }]), roleBinding("apps", "bot", "Role", "one", [{ kind: "ServiceAccount", name: "bot" }])];
  const bounded = of(findings([...weak, tok(["bot"]), roleBinding("apps", "dev", "Role", "tok", dev)]), "User dev").find((f) => f.code === "escalation")!;
  assert.equal(bounded.severity, "low");
  assert.equal(
    bounded.message,
    'User dev can create service account tokens (acting as those service accounts) (create) in namespace apps (only bot) via RoleBinding apps/dev -> Role apps/tok rules[0] verbs=create apiGroups="" resources=serviceaccounts/token resourceNames=bot (bounded: the service accounts it reaches can do nothing it cannot already do)',
  );
  const strong = of(findings([...weak, ...apiReads, tok(["api"]), roleBinding("apps", "dev", "Role", "tok", dev)]), "User dev").find((f) => f.code === "escalation")!;
  assert.equal(strong.severity, "high");
  assert.ok(!strong.message.includes("bounded"));
});

const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps", labels: { team: "a" } } };
const ambientStore: KubeObject = { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { namespace: "apps", name: "ambient" }, spec: { provider: { aws: { region: "eu-west-1" } } } };
const ownStore = (name: string, conditions: unknown[]): KubeObject => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ClusterSecretStore",
  metadata: { name },
  spec: { provider: { vault: { server: "https://vault:8200", auth: { kubernetes: { role: "apps", serviceAccountRef: { name: "eso-apps" } } } } }, conditions },
});
const esoEdit = role("apps", "eso-edit", [{ verbs: ["create"], apiGroups: ["external-secrets.io"], resources: ["externalsecrets"] }]);

test("ESO: creating ExternalSecrets pulls what the namespace's stores reach, with the stores the plan creates (ClusterSecretStores whose conditions admit it)", () => {
  const objects = [namespace, ambientStore, ownStore("shared", [{ namespaceSelector: { matchLabels: { team: "a" } } }]), ownStore("billing", [{ namespaces: ["billing"] }]), esoEdit, roleBinding("apps", "dev", "Role", "eso-edit", dev)];
  const step = "Role apps/eso-edit rules[0] verbs=create apiGroups=external-secrets.io resources=externalsecrets";
  const stores = ["SecretStore apps/ambient [aws, the ESO controller's own identity]", "ClusterSecretStore shared [vault, its own credentials]"];
  assert.deepEqual(of(findings(objects), "User dev"), [
    {
      code: "external-secret-access",
      subject: "User dev",
      namespace: "apps",
      severity: "critical",
      path: ["RoleBinding apps/dev", step],
      verbs: ["create"],
      message: `User dev can pull external secrets with ExternalSecrets (everything the ESO stores usable here reach) (create) in namespace apps via RoleBinding apps/dev -> ${step} (stores usable there: ${stores.join(", ")})`,
      stores,
    },
  ]);
  // Twin: only stores with their own credentials: reported at high, not through the controller.
  const twin = of(findings([namespace, ownStore("shared", [{ namespaces: ["apps"] }]), esoEdit, roleBinding("apps", "dev", "Role", "eso-edit", dev)]), "User dev");
  assert.deepEqual(twin.map((f) => [f.code, f.severity, f.stores]), [["external-secret-access", "high", ["ClusterSecretStore shared [vault, its own credentials]"]]]);
  // No store usable in the namespace: nothing to pull.
  assert.deepEqual(of(findings([namespace, ownStore("billing", [{ namespaceRegexes: ["^billing$"] }]), esoEdit, roleBinding("apps", "dev", "Role", "eso-edit", dev)]), "User dev"), []);
});

test("ESO: SecretStore + PushSecret create in a namespace copies every Secret of it out (indirect read); who-can-read-secrets reports it and the controller-identity pull (mandatory)", async () => {
  const both = role("apps", "eso-push", [{ verbs: ["create"], apiGroups: ["external-secrets.io"], resources: ["secretstores", "pushsecrets"] }]);
  const f = of(findings([both, roleBinding("apps", "dev", "Role", "eso-push", dev)]), "User dev").find((x) => x.code === "indirect-secret-read")!;
  const step = "Role apps/eso-push rules[0] verbs=create apiGroups=external-secrets.io resources=secretstores,pushsecrets";
  assert.equal(f.message, `User dev can copy every Secret of the namespace out with a SecretStore of their own and a PushSecret (create) in namespace apps via RoleBinding apps/dev -> ${step} -> and -> RoleBinding apps/dev -> ${step}`);
  const T = { Role: "kubernetes:rbac.authorization.k8s.io/v1:Role", RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", Namespace: "kubernetes:core/v1:Namespace", SecretStore: "kubernetes:external-secrets.io/v1:SecretStore", ClusterSecretStore: "kubernetes:external-secrets.io/v1:ClusterSecretStore" };
  const r = (o: KubeObject) => resource(T[o.kind as keyof typeof T], { metadata: o.metadata, rules: o.rules, roleRef: o.roleRef, subjects: o.subjects, spec: o.spec }, `${o.kind}-${o.metadata!.name}`);
  const pulled = await runPolicy(whoCanReadSecrets, [namespace, ambientStore, esoEdit, roleBinding("apps", "dev", "Role", "eso-edit", dev)].map(r));
  assert.equal(pulled.violations.length, 1);
  assert.equal(pulled.violations[0].enforcementLevel, "mandatory");
  assert.match(pulled.messages[0], /^User dev can pull external secrets with ExternalSecrets .* \(stores usable there: SecretStore apps\/ambient \[aws, the ESO controller's own identity\]\)$/);
  const clean = await runPolicy(whoCanReadSecrets, [namespace, ownStore("shared", [{ namespaces: ["apps"] }]), esoEdit, roleBinding("apps", "dev", "Role", "eso-edit", dev)].map(r));
  assert.deepEqual(clean.messages, []);
});

test("bind + create bindings: binding a named role no stronger than the actor is low; a stronger or unnamed one stays critical", () => {
  const binder = (names: string[] | undefined) =>
    role("apps", "binder", [
      { verbs: ["create"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"] },
      { verbs: ["bind"], apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], ...(names ? { resourceNames: names } : {}) },
      { verbs: ["get"], apiGroups: [""], resources: ["configmaps"] },
    ]);
  const weak = role("apps", "cm-reader", [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]);
  const strong = role("apps", "secret-reader", [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }]);
  const bindFinding = (objects: KubeObject[]) => of(findings([...objects, roleBinding("apps", "dev", "Role", "binder", dev)]), "User dev").find((f) => f.verbs.includes("bind"))!;
  const bounded = bindFinding([weak, strong, binder(["cm-reader"])]);
  assert.equal(bounded.severity, "low");
  assert.match(bounded.message, /^User dev can grant Roles they do not hold \(bind \+ create rolebindings\) in namespace apps \(only cm-reader\) via .* \(bounded: the named roles grant nothing it does not already hold\)$/);
  assert.equal(bindFinding([weak, strong, binder(["secret-reader"])]).severity, "critical");
  assert.equal(bindFinding([weak, strong, binder(["cm-reader", "missing"])]).severity, "critical");
  assert.equal(bindFinding([weak, strong, binder(undefined)]).severity, "critical");
});
