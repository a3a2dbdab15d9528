// Helm charts in the offline plan (cli/lib/charts.ts), with a real Helm 3 (test/harness/helm.ts) and a chart
// written here. What the children must look like is what pulumi/pulumi-kubernetes registers:
// provider/pkg/provider/helm/v4/chart.go (release name, namespace, CRDs, no hooks, resource prefix),
// provider/pkg/provider/yaml/v2/yaml.go (Normalize: namespace defaulting; register: names, Secret data secret),
// provider/pkg/clients/clients.go (IsNamespacedKind: CRD scope from the chart's own CRDs).
// Which documents are hooks is asked of Helm itself (`helm template --no-hooks`).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parseAllDocuments } from "yaml";
import { fileDigest } from "../../cli/lib/charts";
import { runPlan, type PlanOptions } from "../../cli/lib/plan";
import { allPolicies } from "../../policy-pack/policies";
import { testHelm } from "../harness/helm";

const helm = testHelm();
const REPO = "https://charts.example.invalid";

const TEMPLATES: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: testchart\nversion: 0.1.0\n",
  "values.yaml": "clusterWide: false\nexplode: false\n",
  "crds/widgets.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`,
  "templates/rbac.yaml": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Release.Name }}-reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .Release.Name }}-secrets
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .Release.Name }}-secrets
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ .Release.Name }}-secrets }
subjects:
  - kind: ServiceAccount
    name: {{ .Release.Name }}-reader
    namespace: {{ .Release.Namespace }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-widgets
rules:
  - apiGroups: ["example.com"]
    resources: ["widgets"]
    verbs: ["get"]
{{- if .Values.clusterWide }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}-widgets
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {{ .Release.Name }}-widgets }
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:authenticated
{{- end }}
`,
  "templates/workload.yaml": `{{- if .Values.explode }}{{ fail "explode is set: refusing to render" }}{{ end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-api
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      serviceAccountName: {{ .Release.Name }}-reader
      containers: [{ name: api, image: "example.invalid/api:1" }]
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-token
data:
  token: dG9rZW4tdmFsdWU=
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  namespace: elsewhere
data: { mode: "on" }
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}-widget
spec: { size: 1 }
---
apiVersion: example.org/v1
kind: Gadget
metadata:
  name: {{ .Release.Name }}-gadget
`,
  "templates/hooks.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations: { "helm.sh/hook": pre-install }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: m, image: "example.invalid/m:1" }]
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: { "helm.sh/hook": test }
spec:
  containers: [{ name: t, image: "example.invalid/t:1" }]
`,
};

/** Packages the test chart (optionally with one file changed) with Helm; returns the .tgz path. */
function packageChart(dest: string, change: Record<string, string> = {}): string {
  const src = mkdtempSync(join(tmpdir(), "testchart-src-"));
  const dir = join(src, "testchart");
  for (const [rel, text] of Object.entries({ ...TEMPLATES, ...change })) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  mkdirSync(dest, { recursive: true });
  execFileSync(helm, ["package", dir, "--destination", dest], { encoding: "utf8" });
  return join(dest, "testchart-0.1.0.tgz");
}

const chartsDir = mkdtempSync(join(tmpdir(), "charts-"));
const tgz = packageChart(chartsDir);
const pin = { chart: "testchart", version: "0.1.0", repo: REPO, digest: fileDigest(tgz) };

/** Three Charts on two clusters: c1-app and c2-app render identically, c2-wide with other values. */
function program(values: Record<string, unknown> = {}) {
  return () => {
    const c1 = new k8s.Provider("c1-k8s", { context: "kind-c1" });
    const c2 = new k8s.Provider("c2-k8s", { context: "kind-c2" });
    const source = { chart: "testchart", version: "0.1.0", repositoryOpts: { repo: REPO }, namespace: "apps" };
    new k8s.helm.v4.Chart("c1-app", { ...source, values: { clusterWide: false, ...values } }, { provider: c1 });
    new k8s.helm.v4.Chart("c2-app", { ...source, name: "c1-app", values: { clusterWide: false, ...values } }, { provider: c2 });
    new k8s.helm.v4.Chart("c2-wide", { ...source, name: "wide", namespace: "apps2", values: { clusterWide: true, ...values } }, { provider: c2 });
  };
}

function stacksDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chart-stacks-"));
  writeFileSync(join(dir, "Pulumi.charts.yaml"), "config: {}\n");
  return dir;
}

function plan(extra: Partial<PlanOptions> = {}, charts: PlanOptions["charts"] = {}) {
  return runPlan({
    stack: "charts",
    stacksDir: stacksDir(),
    outDir: mkdtempSync(join(tmpdir(), "chart-plan-")),
    program: program(),
    policies: allPolicies,
    policyConfig: { "who-can-read-secrets": { exemptSubjects: ["ServiceAccount apps/c1-app-reader"] } },
    charts: { chartsDir, helm, cacheDir: mkdtempSync(join(tmpdir(), "chart-cache-")), pull: false, pins: [pin], ...charts },
    ...extra,
  });
}

const children = (resources: any[], chartName: string) => {
  const chart = resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === chartName);
  return resources.filter((r) => r.parent === chart.urn);
};

describe("charts in the plan, rendered by Helm", () => {
  test("children: exact types, names, namespaces, parents and providers; hooks left out; one render per distinct input", async () => {
    // The real Helm behind a wrapper that logs each command: identical renders (c1-app, c2-app) run once.
    const wrapDir = mkdtempSync(join(tmpdir(), "helm-wrap-"));
    const log = join(wrapDir, "log");
    writeFileSync(join(wrapDir, "helm"), `#!/bin/sh\necho "$1" >> '${log}'\nexec '${helm}' "$@"\n`, { mode: 0o755 });
    const outcome = await plan({}, { helm: join(wrapDir, "helm") });
    assert.deepEqual(readFileSync(log, "utf8").split("\n").filter(Boolean), ["version", "template", "template"]);
    const doc = outcome.plan!;
    const resources = doc.resources as any[];
    const c1 = resources.find((r) => r.name === "c1-app" && r.type === "kubernetes:helm.sh/v4:Chart");
    const kids = children(resources, "c1-app");
    assert.deepEqual(
      kids.map((r) => [r.type, r.name, r.inputs.metadata.namespace ?? null]).sort(),
      [
        ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "c1-app:widgets.example.com", null],
        ["kubernetes:apps/v1:Deployment", "c1-app:apps/c1-app-api", "apps"],
        ["kubernetes:core/v1:ConfigMap", "c1-app:elsewhere/c1-app-settings", "elsewhere"],
        ["kubernetes:core/v1:Secret", "c1-app:apps/c1-app-token", "apps"],
        ["kubernetes:core/v1:ServiceAccount", "c1-app:apps/c1-app-reader", "apps"],
        // A CR of a kind whose CRD the chart carries: namespaced by that CRD's scope.
        ["kubernetes:example.com/v1:Widget", "c1-app:apps/c1-app-widget", "apps"],
        // A kind nobody defines: its scope is unknown, so (as the provider offline) no namespace is added.
        ["kubernetes:example.org/v1:Gadget", "c1-app:c1-app-gadget", null],
        ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "c1-app:c1-app-widgets", null],
        ["kubernetes:rbac.authorization.k8s.io/v1:Role", "c1-app:apps/c1-app-secrets", "apps"],
        ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "c1-app:apps/c1-app-secrets", "apps"],
      ],
    );
    for (const k of kids) {
      assert.equal(k.custom, true);
      // The Chart's URN with the child's type appended to its qualified type.
      const [head, project, chartType] = c1.urn.split("::");
      assert.equal(k.urn, `${head}::${project}::${chartType}$${k.type}::${k.name}`);
      assert.equal(k.provider, c1.provider, `${k.name} is on the chart's cluster`);
    }
    assert.match(c1.provider, /::c1-k8s::/);
    assert.ok(children(resources, "c2-app").every((k) => /::c2-k8s::/.test(k.provider)));
    // The objects are Helm's, hooks excepted: the same set `helm template --no-hooks` prints.
    const noHooks = execFileSync(helm, ["template", "c1-app", tgz, "--namespace", "apps", "--include-crds", "--no-hooks", "--set", "clusterWide=false"], { encoding: "utf8" });
    const helmObjects = parseAllDocuments(noHooks).map((d) => d.toJS()).filter(Boolean);
    assert.deepEqual(kids.map((k) => `${k.inputs.kind}/${k.inputs.metadata.name}`).sort(), helmObjects.map((o: any) => `${o.kind}/${o.metadata.name}`).sort());
    assert.deepEqual(kids.find((k) => k.inputs.kind === "Deployment").inputs.spec.template.spec.serviceAccountName, "c1-app-reader");
    // A v1 Secret's data is a secret, as the provider registers it.
    assert.deepEqual(kids.find((k) => k.inputs.kind === "Secret").inputs.data, "[secret]");
    assert.ok(!JSON.stringify(doc).includes("dG9rZW4tdmFsdWU="));
    // The value changes what is rendered: only c2-wide (clusterWide: true) has the ClusterRoleBinding.
    assert.deepEqual(children(resources, "c2-wide").filter((k) => k.inputs.kind === "ClusterRoleBinding").map((k) => k.name), ["c2-wide:wide-widgets"]);
    assert.deepEqual(children(resources, "c2-app").filter((k) => k.inputs.kind === "ClusterRoleBinding"), []);
    assert.deepEqual(children(resources, "c2-wide").find((k) => k.inputs.kind === "RoleBinding").inputs.subjects, [{ kind: "ServiceAccount", name: "wide-reader", namespace: "apps2" }]);

    assert.deepEqual(
      doc.charts!.map((c) => [c.name, c.rendered, c.objects, c.reason, c.skippedHooks]),
      [
        ["c1-app", true, 10, `--charts ${tgz}`, ["Pod c1-app-test (test)", "Job c1-app-migrate (pre-install)"]],
        ["c2-app", true, 10, `--charts ${tgz}`, ["Pod c1-app-test (test)", "Job c1-app-migrate (pre-install)"]],
        ["c2-wide", true, 11, `--charts ${tgz}`, ["Pod wide-test (test)", "Job wide-migrate (pre-install)"]],
      ],
    );
    // manifests/ holds every rendered object (c1-app and c2-app render the same names on two clusters).
    const manifests = readdirSync(join(outcome.dir!, "manifests"));
    assert.ok(manifests.includes("role.apps.c1-app-secrets.yaml") && manifests.includes("role.apps.c1-app-secrets.2.yaml"), manifests.join(" "));
    assert.ok(manifests.includes("widget.apps.c1-app-widget.yaml"));
    assert.ok(!manifests.some((f) => f.includes("migrate") || f.includes("-test.")), "no hook manifests");
  });

  test("every policy sees the children with their cluster: exact findings and exit 1 for the system-group binding", async () => {
    const outcome = await plan();
    assert.equal(outcome.exitCode, 1);
    const resources = outcome.plan!.resources as any[];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const found = outcome.plan!.policy.violations
      .filter((v) => v.urn && byUrn.get(v.urn)?.parent && byUrn.get(byUrn.get(v.urn).parent)?.type === "kubernetes:helm.sh/v4:Chart")
      .map((v) => [v.policy, v.enforcementLevel, byUrn.get(v.urn).name, v.message.split("\n")[0]])
      .sort();
    const automount = (ns: string, name: string, sa: string) =>
      `Deployment ${ns}/${name} mounts a token for ServiceAccount ${ns}/${sa} implicitly: set automountServiceAccountToken on the pod (true only if it calls the API) or false on the ServiceAccount`;
    assert.deepEqual(found, [
      ["no-system-group-bindings", "mandatory", "c2-wide:wide-widgets", "ClusterRoleBinding wide-widgets binds ClusterRole wide-widgets to system group system:authenticated"],
      ["service-account-token-automount", "advisory", "c1-app:apps/c1-app-api", automount("apps", "c1-app-api", "c1-app-reader")],
      ["service-account-token-automount", "advisory", "c2-app:apps/c1-app-api", automount("apps", "c1-app-api", "c1-app-reader")],
      ["service-account-token-automount", "advisory", "c2-wide:apps2/wide-api", automount("apps2", "wide-api", "wide-reader")],
      // The exempt subject (ServiceAccount apps/c1-app-reader) is quiet on both clusters; wide-reader is not exempt.
      [
        "who-can-read-secrets",
        "mandatory",
        "c2-wide:apps2/wide-secrets",
        `[c2-k8s] ServiceAccount apps2/wide-reader can read Secrets (get, list) in namespace apps2 via RoleBinding apps2/wide-secrets -> Role apps2/wide-secrets rules[0] verbs=get,list apiGroups="" resources=secrets`,
      ],
    ]);
    // The report: the charts, and the chart subjects in each cluster's access table, exempt ones marked.
    const report = readFileSync(join(outcome.dir!, "report.md"), "utf8");
    assert.match(report, /## Helm charts/);
    assert.match(report, /\| `c2-wide` \| testchart 0\.1\.0 \| rendered \| 11 \|/);
    const section = (cluster: string) => report.slice(report.indexOf(`## Cluster \`${cluster}\``), report.indexOf("## Cluster", report.indexOf(`## Cluster \`${cluster}\``) + 5) >>> 0);
    assert.match(section("c1"), /### Chart subjects\n\nService accounts that the charts here render and that can reach Secrets \(1 of 1\):\n\n- `ServiceAccount apps\/c1-app-reader` \(chart `c1-app`\): read in apps; exempt \(exemptSubjects: ServiceAccount apps\/c1-app-reader\)\n/);
    assert.match(section("c2"), /- `ServiceAccount apps2\/wide-reader` \(chart `c2-wide`\): read in apps2; \*\*not exempt\*\*/);
    assert.match(section("c2"), /- `ServiceAccount apps\/c1-app-reader` \(chart `c2-app`\): read in apps; exempt/);
  });

  test("not rendered (no Helm; not in the folder or the cache, pulling off): the plan still runs and says why", async () => {
    const noHelm = await plan({}, { helm: undefined, env: { PATH: "/nonexistent", HOME: tmpdir() } });
    assert.equal(noHelm.exitCode, 0, noHelm.messages.join("\n"));
    assert.deepEqual(
      noHelm.plan!.charts!.map((c) => [c.name, c.rendered, c.objects, c.reason]),
      ["c1-app", "c2-app", "c2-wide"].map((n) => [n, false, 0, "no Helm: pass --helm PATH, set $HELM or put helm on PATH"]),
    );
    assert.equal(noHelm.plan!.resources.filter((r) => r.parent && r.parent.includes("helm.sh/v4:Chart")).length, 0);
    const report = readFileSync(join(noHelm.dir!, "report.md"), "utf8");
    assert.match(report, /\| `c1-app` \| testchart 0\.1\.0 \| \*\*not rendered\*\*: no Helm/);

    const cache = mkdtempSync(join(tmpdir(), "empty-cache-"));
    const missing = await plan({}, { chartsDir: mkdtempSync(join(tmpdir(), "no-charts-")), cacheDir: cache });
    assert.equal(missing.exitCode, 0);
    assert.match(missing.plan!.charts![0].reason, /^testchart-0\.1\.0\.tgz is not in --charts .* nor the cache .*empty-cache-.* \(pulling is off\)$/);
    // A folder that does not exist is a bad argument, not a silent fall-back to the cache.
    const typo = await plan({}, { chartsDir: join(cache, "no-such-dir") });
    assert.equal(typo.exitCode, 2);
    assert.deepEqual(typo.messages, [`--charts ${join(cache, "no-such-dir")}: no such directory`]);
    // A named Helm that is not there is a bad argument too.
    const badHelm = await plan({}, { helm: join(cache, "no-helm") });
    assert.deepEqual([badHelm.exitCode, badHelm.messages], [2, [`--helm ${join(cache, "no-helm")}: not an executable file`]]);
  });

  test("digests: a tarball that is not the pinned one is refused (exit 2), from the folder or the cache; the cache serves a good one", async () => {
    // Same name and version, one template changed: what a tampered mirror or cache would hold.
    const evilDir = mkdtempSync(join(tmpdir(), "evil-"));
    const evil = packageChart(evilDir, { "templates/rbac.yaml": TEMPLATES["templates/rbac.yaml"].replace('verbs: ["get", "list"]', 'verbs: ["*"]') });
    assert.notEqual(fileDigest(evil), pin.digest);
    const fromFolder = await plan({}, { chartsDir: evilDir });
    assert.equal(fromFolder.exitCode, 2);
    assert.equal(fromFolder.plan, undefined, "nothing is written");
    assert.deepEqual(fromFolder.messages, ["c1-app", "c2-app", "c2-wide"].map((n) =>
      `chart ${n} (testchart 0.1.0): --charts ${evil}: sha256 digest ${fileDigest(evil)} does not match the pinned ${pin.digest} (components/internal/charts.ts): refused, not rendered`));

    const badCache = mkdtempSync(join(tmpdir(), "bad-cache-"));
    copyFileSync(evil, join(badCache, "testchart-0.1.0.tgz"));
    const fromCache = await plan({}, { chartsDir: undefined, cacheDir: badCache });
    assert.equal(fromCache.exitCode, 2);
    assert.deepEqual(fromCache.messages, ["c1-app", "c2-app", "c2-wide"].map((n) =>
      `chart ${n} (testchart 0.1.0): cached chart ${join(badCache, "testchart-0.1.0.tgz")}: sha256 digest ${fileDigest(evil)} does not match the pinned ${pin.digest} (components/internal/charts.ts): refused, not rendered`));

    const goodCache = mkdtempSync(join(tmpdir(), "good-cache-"));
    copyFileSync(tgz, join(goodCache, "testchart-0.1.0.tgz"));
    const cached = await plan({}, { chartsDir: undefined, cacheDir: goodCache });
    assert.equal(cached.plan!.charts![0].rendered, true);
    assert.equal(cached.plan!.charts![0].reason, `cache ${join(goodCache, "testchart-0.1.0.tgz")}`);
  });

  test("a chart Helm cannot render: exit 2 naming the chart, with Helm's message", async () => {
    const outcome = await plan({ program: program({ explode: true }) });
    assert.equal(outcome.exitCode, 2);
    assert.equal(outcome.messages.length, 3);
    ["c1-app", "c2-app", "c2-wide"].forEach((n, i) =>
      assert.match(outcome.messages[i], new RegExp(`^chart ${n} \\(testchart 0\\.1\\.0\\): helm template failed: .*explode is set: refusing to render`)));
  });

  test("pull: a chart missing locally is pulled from its repository into the cache, checked, and a wrong one refused", async () => {
    // A Helm repository on 127.0.0.1 (index.yaml by `helm repo index`), serving the test chart.
    const repoDir = mkdtempSync(join(tmpdir(), "repo-"));
    copyFileSync(tgz, join(repoDir, "testchart-0.1.0.tgz"));
    execFileSync(helm, ["repo", "index", repoDir]);
    const server = createServer((req, res) => {
      const file = join(repoDir, String(req.url).replace(/^\/+/, ""));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const home = mkdtempSync(join(tmpdir(), "helm-home-"));
    const env = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, "cache"), XDG_CONFIG_HOME: join(home, "config"), XDG_DATA_HOME: join(home, "data") };
    try {
      const cacheDir = mkdtempSync(join(tmpdir(), "pull-cache-"));
      const pinned = { ...pin, repo };
      const repoProgram = () => {
        new k8s.helm.v4.Chart("app", { chart: "testchart", version: "0.1.0", repositoryOpts: { repo }, namespace: "apps" });
      };
      const pulled = await plan({ program: repoProgram, policies: [], policyConfig: {} }, { chartsDir: undefined, cacheDir, pull: true, pins: [pinned], env });
      assert.equal(pulled.exitCode, 0, pulled.messages.join("\n"));
      assert.equal(pulled.plan!.charts![0].reason, `pulled from ${repo} into ${join(cacheDir, "testchart-0.1.0.tgz")}`);
      assert.equal(fileDigest(join(cacheDir, "testchart-0.1.0.tgz")), pin.digest);
      assert.equal(pulled.plan!.charts![0].objects, 10);

      const wrongPin = { ...pinned, digest: `sha256:${"0".repeat(64)}` };
      const refusedCache = mkdtempSync(join(tmpdir(), "pull-cache-"));
      const refused = await plan({ program: repoProgram }, { chartsDir: undefined, cacheDir: refusedCache, pull: true, pins: [wrongPin], env });
      assert.equal(refused.exitCode, 2);
      assert.match(refused.messages[0], new RegExp(`^chart app \\(testchart 0\\.1\\.0\\): chart pulled from ${repo.replace(/\./g, "\\.")} .*: sha256 digest ${pin.digest} does not match the pinned sha256:0{64}`));
      assert.deepEqual(readdirSync(refusedCache), [], "a refused chart is not cached");

      server.close();
      const offline = await plan({ program: repoProgram }, { chartsDir: undefined, cacheDir: mkdtempSync(join(tmpdir(), "pull-cache-")), pull: true, pins: [pinned], env });
      assert.equal(offline.exitCode, 0);
      assert.match(offline.plan!.charts![0].reason, /and helm pull from http:\/\/127\.0\.0\.1:\d+ failed: /);
    } finally {
      server.close();
    }
  });

  test("npm run plan on a machine with neither Helm nor the charts: exit 0, and it says which charts it did not render", () => {
    const home = mkdtempSync(join(tmpdir(), "bare-home-"));
    const out = mkdtempSync(join(tmpdir(), "bare-plan-"));
    const env = { PATH: "/nonexistent", HOME: home, PULUMI_TEST_MODE: "true" };
    const r = spawnSync(process.execPath, ["--import", "tsx", "cli/plan.ts", "--out", out], { encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("chart "));
    assert.deepEqual(lines, [
      "local-csi-driver-chart", "local-sealed-secrets-chart", "local-eso-chart", "local-vault-csi-provider", "local-vault-chart",
    ].map((n) => expect(n)));
    function expect(name: string) {
      const pin = { "local-csi-driver-chart": "secrets-store-csi-driver 1.6.0", "local-sealed-secrets-chart": "sealed-secrets 2.18.5", "local-eso-chart": "external-secrets 2.9.0" }[name] ?? "vault 0.34.1";
      const file = `${pin.replace(" ", "-")}.tgz`;
      return `chart ${name} (${pin}): NOT RENDERED: ${file} is not in the cache ${join(home, ".cache", "kube-secrets-platform", "charts")}, and pulling it needs Helm`;
    }
    const doc = JSON.parse(readFileSync(join(out, "local", "plan.json"), "utf8"));
    assert.deepEqual(doc.charts.map((c: any) => [c.name, c.rendered]), [
      ["local-csi-driver-chart", false], ["local-sealed-secrets-chart", false], ["local-eso-chart", false], ["local-vault-csi-provider", false], ["local-vault-chart", false],
    ]);
    assert.match(readFileSync(join(out, "local", "report.md"), "utf8"), /\*\*5 of 5 charts were not rendered\*\*/);
  });
});
