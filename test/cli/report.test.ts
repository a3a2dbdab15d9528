// report.md pieces: the access table (exact rows, exemptions with their reasons), Mermaid escaping and
// size cap, Markdown cell escaping, grouping resources by cluster, and the rendered per-cluster sections.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessRows, accessSettings, clusterAccess, type AccessRow } from "../../cli/lib/access";
import type { PlanDocument, PlanResource } from "../../cli/lib/planDocument";
import { cell, renderReport } from "../../cli/lib/report";
import { clusterNameOfProvider, groupByCluster, providerUrnOf } from "../../cli/lib/reportClusters";
import { accessDiagram, mermaidText } from "../../cli/lib/reportMermaid";
import { secretReadFindings } from "../../policy-pack/policies/whoCanReadSecrets";
import type { KubeObject } from "../../policy-pack/rbac";

const RBAC = "rbac.authorization.k8s.io/v1";
const ref = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });

/** A small cluster: a world-readable ClusterRole binding, a named-Secret Role, a labelled controller, a labelled ClusterRole. */
const OBJECTS: KubeObject[] = [
  { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: "secret-reader" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }] },
  { apiVersion: RBAC, kind: "ClusterRoleBinding", metadata: { name: "all-read" }, roleRef: ref("ClusterRole", "secret-reader"), subjects: [{ kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" }] },
  { apiVersion: RBAC, kind: "Role", metadata: { name: "db", namespace: "apps" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["db"] }] },
  { apiVersion: RBAC, kind: "RoleBinding", metadata: { name: "alice-db", namespace: "apps" }, roleRef: ref("Role", "db"), subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }] },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "syncer", namespace: "tools", labels: { "reads-secrets": "true" } } },
  { apiVersion: RBAC, kind: "Role", metadata: { name: "sync", namespace: "tools" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] },
  { apiVersion: RBAC, kind: "RoleBinding", metadata: { name: "syncer", namespace: "tools" }, roleRef: ref("Role", "sync"), subjects: [{ kind: "ServiceAccount", name: "syncer" }] },
  { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: "backup", labels: { "reads-secrets": "true" } }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] },
  { apiVersion: RBAC, kind: "RoleBinding", metadata: { name: "backup", namespace: "vault" }, roleRef: ref("ClusterRole", "backup"), subjects: [{ kind: "User", name: "backup-bot", apiGroup: "rbac.authorization.k8s.io" }] },
  { apiVersion: RBAC, kind: "RoleBinding", metadata: { name: "runner", namespace: "ci" }, roleRef: ref("ClusterRole", "pod-runner"), subjects: [{ kind: "ServiceAccount", name: "runner" }] },
  { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: "pod-runner" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }] },
];

const readerRule = `ClusterRole secret-reader rules[0] verbs=get,list,watch apiGroups="" resources=secrets`;

describe("access table", () => {
  test("settings come from the who-can-read-secrets config, with the policy's defaults", () => {
    assert.deepEqual(accessSettings(undefined), { exemptSubjects: [], exemptLabels: [] });
    assert.deepEqual(accessSettings({ "who-can-read-secrets": "mandatory" }), { exemptSubjects: [], exemptLabels: [] });
    assert.deepEqual(
      accessSettings({
        all: "advisory",
        "who-can-read-secrets": { enforcementLevel: "mandatory", exemptSubjects: ["ServiceAccount vault/*"], exemptLabels: ["a=b"], kubernetesVersion: "1.35", reportIndirect: false },
      }),
      { exemptSubjects: ["ServiceAccount vault/*"], exemptLabels: ["a=b"], kubernetesVersion: "1.35" },
    );
  });

  test("exact rows of a small cluster, exemptions by subject pattern and by label, each with its reason", () => {
    const rows = accessRows(OBJECTS, { exemptSubjects: ["Group system:auth*", "User nobody"], exemptLabels: ["reads-secrets=true"] });
    assert.deepEqual(rows, [
      {
        subject: "Group system:authenticated",
        namespace: "*",
        access: "read",
        verbs: ["get", "list", "watch"],
        chain: ["ClusterRoleBinding all-read", readerRule],
        exempt: true,
        severity: "critical",
        exemptReason: "exemptSubjects: Group system:auth*",
      },
      {
        subject: "ServiceAccount ci/runner",
        namespace: "ci",
        access: "indirect",
        verbs: ["create"],
        chain: ["RoleBinding ci/runner", `ClusterRole pod-runner rules[0] verbs=create apiGroups="" resources=pods`],
        exempt: false,
        severity: "high",
        exemptReason: "",
      },
      {
        subject: "ServiceAccount tools/syncer",
        namespace: "tools",
        access: "read",
        verbs: ["list"],
        chain: ["RoleBinding tools/syncer", `Role tools/sync rules[0] verbs=list apiGroups="" resources=secrets`],
        exempt: true,
        severity: "high",
        exemptReason: "exemptLabels: reads-secrets=true on the ServiceAccount",
      },
      {
        subject: "User alice",
        namespace: "apps",
        access: "read",
        verbs: ["get"],
        resourceNames: ["db"],
        chain: ["RoleBinding apps/alice-db", `Role apps/db rules[0] verbs=get apiGroups="" resources=secrets resourceNames=db`],
        exempt: false,
        severity: "high",
        exemptReason: "",
      },
      {
        subject: "User backup-bot",
        namespace: "vault",
        access: "read",
        verbs: ["get"],
        chain: ["RoleBinding vault/backup", `ClusterRole backup rules[0] verbs=get apiGroups="" resources=secrets`],
        exempt: true,
        severity: "high",
        exemptReason: "exemptLabels: reads-secrets=true on ClusterRole backup",
      },
    ]);
  });

  test("without exemptions nothing is exempt; a label with another value exempts nothing", () => {
    const rows = accessRows(OBJECTS, { exemptSubjects: [], exemptLabels: ["reads-secrets=false"] });
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.filter((r) => r.exempt), []);
  });

  test("the kubernetesVersion setting reaches the engine (pods/exec by get only before 1.35)", () => {
    const exec: KubeObject[] = [
      { apiVersion: RBAC, kind: "Role", metadata: { name: "exec", namespace: "apps" }, rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["get"] }] },
      { apiVersion: RBAC, kind: "RoleBinding", metadata: { name: "exec", namespace: "apps" }, roleRef: ref("Role", "exec"), subjects: [{ kind: "User", name: "bob" }] },
    ];
    assert.deepEqual(accessRows(exec, { exemptSubjects: [], exemptLabels: [] }).map((r) => [r.subject, r.access, r.verbs]), [["User bob", "indirect", ["get"]]]);
    assert.deepEqual(accessRows(exec, { exemptSubjects: [], exemptLabels: [], kubernetesVersion: "1.35" }), []);
  });

  test("clusterAccess reads plan resources (type + inputs) and ignores non-RBAC types", () => {
    const resources = OBJECTS.slice(0, 2).map((o, i) => ({
      urn: `urn:${i}`,
      type: `kubernetes:rbac.authorization.k8s.io/v1:${o.kind!}`,
      inputs: o,
    }));
    resources.push({ urn: "urn:x", type: "kubernetes:core/v1:ConfigMap", inputs: { metadata: { name: "x" } } });
    const { rows, unknown } = clusterAccess(resources, { exemptSubjects: [], exemptLabels: [] });
    assert.deepEqual(unknown, []);
    assert.deepEqual(rows.map((r) => [r.subject, r.namespace, r.access, r.chain]), [["Group system:authenticated", "*", "read", ["ClusterRoleBinding all-read", readerRule]]]);
  });
});

const row = (subject: string, namespace: string, access: AccessRow["access"], severity = "high", exempt = false): AccessRow => ({
  subject,
  namespace,
  access,
  verbs: ["get"],
  chain: ["x"],
  exempt,
  severity,
  exemptReason: exempt ? "exemptSubjects: x" : "",
});

describe("Mermaid diagram", () => {
  test("label text: every character Mermaid or Markdown could interpret becomes an entity code", () => {
    assert.equal(mermaidText(`User "x"#1 <b>&[a](b){c};|\`\\`), "User #34;x#34;#35;1 #60;b#62;#38;#91;a#93;#40;b#41;#123;c#125;#59;#124;#96;#92;");
    assert.equal(mermaidText("a\nb\r\nc"), "a b c");
    assert.equal(mermaidText("ServiceAccount team-a/api"), "ServiceAccount team-a/api");
  });

  test("one edge per subject and namespace, labelled with the kinds of access; exempt subjects dashed", () => {
    const d = accessDiagram([
      row(`User "eve"`, "apps", "read"),
      row(`User "eve"`, "apps", "indirect"),
      row(`User "eve"`, "*", "write"),
      row("ServiceAccount eso/eso", "*", "read", "critical", true),
    ]);
    assert.equal(d.shown, 3);
    assert.equal(d.total, 3);
    assert.equal(
      d.source,
      [
        "flowchart LR",
        `  s0["User #34;eve#34;"]`,
        `  s1["ServiceAccount eso/eso (exempt)"]`,
        `  n0[("ns apps")]`,
        `  n1[("every namespace #40;*#41;")]`,
        `  s0 -->|"read, indirect"| n0`,
        `  s0 -->|"write"| n1`,
        `  s1 -.->|"read"| n1`,
        "  classDef exempt stroke-dasharray: 4 4,color:#666;",
        "  class s1 exempt;",
      ].join("\n"),
    );
  });

  test("big graphs are capped: the most severe non-exempt edges are kept", () => {
    const d = accessDiagram(
      [row("User low", "a", "read", "low"), row("User exempt", "a", "read", "critical", true), row("User crit", "a", "read", "critical"), row("User high", "b", "read", "high")],
      2,
    );
    assert.equal(d.shown, 2);
    assert.equal(d.total, 4);
    assert.match(d.source, /User crit/);
    assert.match(d.source, /User high/);
    assert.doesNotMatch(d.source, /User low|User exempt/);
  });
});

test("Markdown cells: pipes, emphasis, code, HTML and line breaks are neutralised", () => {
  assert.equal(cell("a|b *c* _d_ `e` <script>&x [l](u) #h ~s~\\\nnext"), "a\\|b \\*c\\* \\_d\\_ \\`e\\` &lt;script&gt;&amp;x \\[l\\](u) \\#h \\~s\\~\\\\<br>next");
});

describe("grouping by cluster", () => {
  const S = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";
  const r = (name: string, type: string, parent: string | null, provider?: string) => ({ urn: `urn:${name}`, type, name, parent, ...(provider ? { provider } : {}) });
  const resources = [
    r("p-s", "pulumi:pulumi:Stack", null),
    { ...r("east-k8s", "pulumi:providers:kubernetes", S), urn: "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::east-k8s" },
    { ...r("prod-west-k8s", "pulumi:providers:kubernetes", S), urn: "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::prod-west-k8s" },
    r("east-vault", "kube-secrets-platform:index:VaultCluster", S),
    r("east-vault-ns", "kubernetes:core/v1:Namespace", "urn:east-vault", "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::east-k8s::east-k8s-id"),
    r("east-vault-key", "tls:index/privateKey:PrivateKey", "urn:east-vault"),
    r("prod-west-rb", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", S, "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::prod-west-k8s::prod-west-k8s-id"),
    r("fleet", "kube-secrets-platform:index:Fleet", S),
    r("fleet-east", "kubernetes:core/v1:ConfigMap", "urn:fleet", "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::east-k8s::east-k8s-id"),
    r("fleet-west", "kubernetes:core/v1:ConfigMap", "urn:fleet", "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::prod-west-k8s::prod-west-k8s-id"),
    r("fleet-key", "random:index/randomBytes:RandomBytes", "urn:fleet"),
    r("prod-west-kv", "kube-secrets-platform:index:VaultKvEngine", S),
    r("prod-west-kv-mount", "vault:index/mount:Mount", "urn:prod-west-kv", "urn:vaultprovider::id"),
    r("east-password", "random:index/randomPassword:RandomPassword", S),
    r("shared-thing", "random:index/randomPassword:RandomPassword", S),
  ];

  test("provider names and references", () => {
    assert.equal(clusterNameOfProvider("east-k8s"), "east");
    assert.equal(clusterNameOfProvider("k8s"), "k8s");
    assert.equal(clusterNameOfProvider("-k8s"), "-k8s");
    assert.equal(providerUrnOf("urn:pulumi:s::p::pulumi:providers:kubernetes::a-k8s::a-k8s-id"), "urn:pulumi:s::p::pulumi:providers:kubernetes::a-k8s");
  });

  test("by provider, then the component's subtree, then the top-level component's name prefix, else stack-wide", () => {
    const groups = groupByCluster(resources);
    assert.deepEqual(
      groups.map((g) => [g.cluster, g.resources.map((x) => x.name)]),
      [
        ["east", ["east-k8s", "east-vault", "east-vault-ns", "east-vault-key", "fleet-east", "east-password"]],
        ["prod-west", ["prod-west-k8s", "prod-west-rb", "fleet-west", "prod-west-kv", "prod-west-kv-mount"]],
        [null, ["p-s", "fleet", "fleet-key", "shared-thing"]],
      ],
    );
    assert.equal(groups[0].providerUrn, "urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::east-k8s");
  });

  test("the longest cluster name wins a name prefix; no stack-wide group when only the stack is left", () => {
    const groups = groupByCluster([
      r("p-s", "pulumi:pulumi:Stack", null),
      { ...r("prod-k8s", "pulumi:providers:kubernetes", S), urn: "urn:prod-k8s" },
      { ...r("prod-eu-k8s", "pulumi:providers:kubernetes", S), urn: "urn:prod-eu-k8s" },
      r("prod-eu-kv", "kube-secrets-platform:index:VaultKvEngine", S),
      r("prod-kv", "kube-secrets-platform:index:VaultKvEngine", S),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.cluster, g.resources.map((x) => x.name)]),
      [
        ["prod", ["prod-k8s", "prod-kv"]],
        ["prod-eu", ["prod-eu-k8s", "prod-eu-kv"]],
      ],
    );
  });
});

describe("renderReport", () => {
  const P = (c: string) => `urn:pulumi:s::p::pulumi:pulumi:Stack$pulumi:providers:kubernetes::${c}-k8s`;
  const res = (name: string, type: string, inputs: Record<string, unknown> = {}): PlanResource => ({
    urn: `urn:pulumi:s::p::${type}::${name}`,
    type,
    name,
    parent: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
    custom: true,
    inputs,
  });
  const k8s = (o: KubeObject) => `kubernetes:${o.apiVersion!}:${o.kind!}`;
  const east = OBJECTS.slice(0, 4).map((o) => res(`east-${o.kind!.toLowerCase()}-${o.metadata!.name!}`, k8s(o), o));
  const west = OBJECTS.slice(9).map((o) => res(`west-${o.kind!.toLowerCase()}-${o.metadata!.name!}`, k8s(o), o));
  const stack = { ...res("p-s", "pulumi:pulumi:Stack"), urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", parent: null, custom: false };
  const providers = ["east", "west"].map((c) => ({ ...res(`${c}-k8s`, "pulumi:providers:kubernetes"), urn: P(c) }));
  const plan: PlanDocument = {
    stack: "s",
    project: "p",
    resources: [stack, ...providers, ...east, ...west],
    policy: {
      violations: [
        { policy: "who-can-read-secrets", enforcementLevel: "mandatory", urn: east[1].urn, message: "Group system:authenticated can read Secrets" },
        { policy: "who-can-read-secrets", enforcementLevel: "mandatory", urn: west[0].urn, message: "ServiceAccount ci/runner can create pods" },
        { policy: "stack-check", enforcementLevel: "advisory", message: "stack-wide" },
      ],
    },
  };
  const providerRefs = Object.fromEntries([...east.map((r) => [r.urn, `${P("east")}::east-k8s-id`]), ...west.map((r) => [r.urn, `${P("west")}::west-k8s-id`])]);
  const section = (md: string, heading: string) => {
    const start = md.indexOf(heading);
    assert.ok(start >= 0, `missing ${heading}`);
    const next = md.indexOf("\n## ", start + heading.length);
    return md.slice(start, next < 0 ? undefined : next);
  };

  test("two clusters: each section holds its own results, access rows, diagram and tree; exemptions listed", () => {
    const md = renderReport(plan, {
      providers: providerRefs,
      policyConfig: { "who-can-read-secrets": { exemptSubjects: ["Group system:authenticated"] } },
    });
    assert.match(md, /^# Plan of stack `s`\n\nProject `p`: 9 resources in 2 clusters; policy violations: 2 mandatory, 1 advisory\./);
    assert.match(md, /\| \[east\]\(#cluster-east\) \| 5 \| 1 \| 0 \|\n\| \[west\]\(#cluster-west\) \| 3 \| 1 \| 0 \|/);
    assert.match(section(md, "## Exemptions applied"), /From the `who-can-read-secrets` configuration the policies ran with:\n\n- exemptSubjects: `Group system:authenticated`\n- exemptLabels: none/);

    const e = section(md, "## Cluster `east`");
    assert.match(e, /\| mandatory \| who-can-read-secrets \| `east-clusterrolebinding-all-read` \(`ClusterRoleBinding`\) \| Group system:authenticated can read Secrets \|/);
    assert.doesNotMatch(e, /ci\/runner|stack-wide/);
    assert.ok(
      e.includes(
        `| Group system:authenticated | every namespace | read | get, list, watch | all | ClusterRoleBinding all-read → ClusterRole secret-reader rules\\[0\\] verbs=get,list,watch apiGroups="" resources=secrets | critical | exempt (exemptSubjects: Group system:authenticated) |`,
      ),
      e,
    );
    assert.ok(e.includes(`| User alice | apps | read | get | db | RoleBinding apps/alice-db → Role apps/db rules\\[0\\] verbs=get apiGroups="" resources=secrets resourceNames=db | high | no |`), e);
    assert.match(e, /2 subjects \(1 not exempt\)/);
    assert.match(e, /```mermaid\nflowchart LR\n {2}s0\["Group system:authenticated \(exempt\)"\]\n {2}s1\["User alice"\]/);
    assert.match(e, /### Resource tree\n\n- `east-k8s` \(`pulumi:providers:kubernetes`\)\n- `east-clusterrole-secret-reader`/);

    const w = section(md, "## Cluster `west`");
    assert.ok(w.includes(`| ServiceAccount ci/runner | ci | indirect | create | all | RoleBinding ci/runner → ClusterRole pod-runner rules\\[0\\] verbs=create apiGroups="" resources=pods | high | no |`), w);
    assert.doesNotMatch(w, /alice|system:authenticated/);

    const rest = section(md, "## Not in a cluster");
    assert.match(rest, /\| advisory \| stack-check \| \(stack\) \| stack-wide \|/);
  });

  test("the diagram cap is announced; a cluster without Secret access says so", () => {
    const md = renderReport(plan, { providers: providerRefs, diagramEdgeLimit: 1 });
    assert.match(section(md, "## Cluster `east`"), /The graph has 2 subject → namespace edges; the 1 most severe are drawn \(exempt ones last\)\. The table above lists all of them\./);
    assert.doesNotMatch(section(md, "## Cluster `west`"), /The graph has/);
    assert.match(section(md, "## Exemptions applied"), /without a `who-can-read-secrets` configuration \(pack defaults\):\n\n- exemptSubjects: none/);
    const empty = renderReport({ ...plan, resources: [stack, providers[0]] }, { providers: providerRefs });
    assert.match(section(empty, "## Cluster `east`"), /No subject defined or bound here can read, write or indirectly obtain Secrets\./);
  });

  test("without provider information everything is one stack section with its own access table", () => {
    const md = renderReport({ ...plan, resources: [stack, ...east] });
    assert.match(md, /Project `p`: 5 resources in 0 clusters;/);
    assert.match(section(md, "## Stack"), /\| User alice \| apps \| read \|/);
  });
});

test("the access table and who-can-read-secrets agree on label exemptions (same function), e.g. a ServiceAccount without namespace", () => {
  const A = "rbac.authorization.k8s.io/v1";
  const LABEL = "kube-secrets-platform.io/exempt-from=secret-read.secret-write";
  const labels = { "kube-secrets-platform.io/exempt-from": "secret-read.secret-write" };
  const objects: KubeObject[] = [
    // No namespace: the engine (and the API server) default it, so the label must exempt default/ctl.
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ctl", namespace: "", labels } },
    { apiVersion: A, kind: "ClusterRole", metadata: { name: "reader" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }] },
    { apiVersion: A, kind: "ClusterRoleBinding", metadata: { name: "ctl" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader" }, subjects: [{ kind: "ServiceAccount", name: "ctl", namespace: "default" }, { kind: "User", name: "bob" }] },
    { apiVersion: A, kind: "ClusterRole", metadata: { name: "agent", labels }, rules: [{ verbs: ["list"], apiGroups: [""], resources: ["secrets"] }] },
    { apiVersion: A, kind: "ClusterRoleBinding", metadata: { name: "agent" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "agent" }, subjects: [{ kind: "User", name: "carol" }] },
  ];
  const config = { exemptSubjects: [], exemptLabels: [LABEL], reportIndirect: true };
  const reported = secretReadFindings(objects, config).map((f) => f.subject).sort();
  const rows = accessRows(objects, { exemptSubjects: [], exemptLabels: [LABEL] });
  assert.deepEqual(reported, ["User bob"]);
  assert.deepEqual([...new Set(rows.filter((r) => !r.exempt).map((r) => r.subject))].sort(), reported);
  assert.deepEqual(
    rows.filter((r) => r.exempt).map((r) => `${r.subject}: ${r.exemptReason}`).sort(),
    [`ServiceAccount default/ctl: exemptLabels: ${LABEL} on the ServiceAccount`, `User carol: exemptLabels: ${LABEL} on ClusterRole agent`],
  );
});
