import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runPlan } from "../../cli/lib/plan";
import { PLAN_PLACEHOLDER_CERTIFICATE } from "../../cli/lib/planState";
import { StackConfigError, parseStackConfig } from "../../stacks/config";

const ROOT = join(__dirname, "../..");

function cluster(externalSecrets: unknown) {
  return { environment: "test", clusters: [{ name: "c1", namespaces: [{ name: "apps" }], externalSecrets }] };
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
  assert.fail("expected the config to be rejected");
}

const vaultStore = {
  name: "vault",
  namespace: "apps",
  vault: { server: "https://vault.vault.svc:8200", role: "external-secrets", caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt" } },
};

test("externalSecrets section: defaults applied to the local stack's section", () => {
  const file = parse(readFileSync(join(ROOT, "stacks/Pulumi.local.yaml"), "utf8"));
  const clusters = file.config["kube-secrets-platform:clusters"];
  const cfg = parseStackConfig({ environment: "local", clusters });
  const section = cfg.clusters[0].externalSecrets!;
  assert.deepEqual(section.operator, {
    namespace: "external-secrets",
    replicas: 2,
    webhookReplicas: 2,
    certControllerReplicas: 2,
    serviceMonitor: false,
    serviceAccountAnnotations: {},
    extraValues: {},
  });
  // The local stack uses the platform's Vault store (role, address and CA wired by SecretsPlatform).
  assert.deepEqual(section.stores, []);
  assert.deepEqual(section.vaultStore, { namespaces: ["apps"], storeName: "vault", role: "external-secrets", paths: ["secret/data/platform/*"] });
  assert.equal(section.externalSecrets[0].store, "vault");
  assert.equal(section.externalSecrets[0].refreshInterval, "1h");
  assert.deepEqual(section.alerts, { enabled: false, labels: {} });
});

test("externalSecrets section: component rules are reported at their config paths", () => {
  const problems = problemsOf(
    cluster({
      operator: { replicas: 0, unknownKey: 1 },
      stores: [
        { name: "open", clusterScoped: true, aws: { region: "us-east-1" } },
        { name: "v", namespace: "apps", vault: { server: "http://vault:8200", role: "" } },
        { name: "none", namespace: "apps" },
      ],
      externalSecrets: [
        { name: "fast", namespace: "apps", store: "v", refreshInterval: "10s", data: [{ secretKey: "a", key: "b" }] },
        { name: "lost", namespace: "apps", store: "missing", data: [{ secretKey: "a", key: "b" }] },
        { name: "other-ns", namespace: "web", store: "v", extract: ["x"] },
      ],
      identity: { aws: { mode: "irsa", secretArns: ["*"] } },
    }),
  );
  const p = "kube-secrets-platform:clusters[0].externalSecrets";
  assert.deepEqual(problems.sort(), [
    `${p}.externalSecrets[0].refreshInterval: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "10s"`,
    `${p}.externalSecrets[1].store: must name a store of externalSecrets.stores or the vaultStore in its namespace, got "missing"`,
    `${p}.externalSecrets[2].store: SecretStore "v" is in namespace apps, not web`,
    `${p}.identity.aws.oidcProvider: required when mode is irsa`,
    `${p}.identity.aws.secretArns[0]: wildcards are not allowed (list each ARN), got "*"`,
    `${p}.operator.replicas: must be at least 1`,
    `${p}.operator.unknownKey: unknown key`,
    `${p}.stores[0].conditions: a ClusterSecretStore must restrict the namespaces that may use it (or set allowAllNamespaces: true to opt in)`,
    `${p}.stores[1].vault.role: required (the Vault role bound to the service account)`,
    `${p}.stores[1].vault.server: must be an https:// URL (Vault tokens must not cross the network in clear text)`,
    `${p}.stores[2]: set exactly one of aws, gcpsm, azurekv, vault, got none`,
  ].sort());
});

test("local stack plan: operator chart, Vault SecretStore and example ExternalSecret wired on the cluster provider", async () => {
  const out = mkdtempSync(join(tmpdir(), "eso-plan-"));
  try {
    const outcome = await runPlan({ stack: "local", stacksDir: join(ROOT, "stacks"), outDir: out });
    assert.equal(outcome.exitCode, 0, outcome.messages.join("\n"));
    const resources = outcome.plan!.resources;
    // Other sections add resources of the same types: pick ESO's by what identifies them.
    const one = (type: string, match: (inputs: any) => boolean = () => true) => {
      const found = resources.filter((r) => r.type === type && match(r.inputs));
      assert.equal(found.length, 1, `one ${type}`);
      return found[0];
    };
    const chart = one("kubernetes:helm.sh/v4:Chart", (i) => i.chart === "external-secrets");
    const values = chart.inputs.values as any;
    assert.equal(chart.inputs.namespace, "external-secrets");
    assert.equal(values.leaderElect, true);
    assert.equal(values.replicaCount, 2);
    assert.deepEqual(values.crds, { annotations: { "helm.sh/resource-policy": "keep" } });
    assert.equal(values.serviceAccount.name, "external-secrets", "the Vault role binds this service account");

    const store = one("kubernetes:external-secrets.io/v1:SecretStore");
    assert.deepEqual((store.inputs as any).metadata.namespace, "apps");
    assert.deepEqual((store.inputs as any).spec, {
      provider: {
        vault: {
          server: "https://vault.vault.svc:8200",
          path: "secret",
          version: "v2",
          // Vault's own CA (the offline plan's placeholder certificate), inline: no ConfigMap to copy around.
          caBundle: Buffer.from(PLAN_PLACEHOLDER_CERTIFICATE).toString("base64"),
          auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets" } },
        },
      },
    });
    const es = one("kubernetes:external-secrets.io/v1:ExternalSecret");
    assert.deepEqual((es.inputs as any).spec, {
      secretStoreRef: { name: "vault", kind: "SecretStore" },
      refreshInterval: "1h",
      target: { creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: [
        { secretKey: "username", remoteRef: { key: "platform/example-db", property: "username" } },
        { secretKey: "password", remoteRef: { key: "platform/example-db", property: "password" } },
      ],
    });
    const provider = one("pulumi:providers:kubernetes");
    const operator = one("kube-secrets-platform:index:ExternalSecretsOperator");
    assert.equal(chart.parent, operator.urn);
    assert.equal(operator.parent, one("kube-secrets-platform:index:SecretsPlatform").urn);
    assert.ok(provider.urn.endsWith("local-k8s"));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("cloud wiring: EKS Pod Identity for ESO's service account, a conditioned ClusterSecretStore, ServiceMonitor and alerts", async () => {
  const out = mkdtempSync(join(tmpdir(), "eso-plan-"));
  const clusters = [
    {
      name: "prod",
      kind: "eks",
      namespaces: [{ name: "apps" }],
      externalSecrets: {
        operator: { serviceMonitor: true },
        identity: {
          aws: { clusterName: "prod-eks", secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"] },
        },
        stores: [
          { name: "aws", clusterScoped: true, aws: { region: "us-east-1" }, conditions: [{ namespaces: ["apps"] }] },
          vaultStore,
        ],
        externalSecrets: [{ name: "db", namespace: "apps", store: "aws", extract: ["prod/db"] }],
        alerts: { enabled: true, labels: { release: "kube-prometheus-stack" } },
      },
    },
  ];
  try {
    const outcome = await runPlan({
      stack: "local",
      stacksDir: join(ROOT, "stacks"),
      outDir: out,
      extraConfig: { "kube-secrets-platform:clusters": JSON.stringify(clusters) },
    });
    assert.equal(outcome.exitCode, 0, outcome.messages.join("\n"));
    const resources = outcome.plan!.resources;
    const of = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);
    const [assoc] = of("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    assert.deepEqual([assoc.clusterName, assoc.namespace, assoc.serviceAccount], ["prod-eks", "external-secrets", "external-secrets"]);
    const [chart] = of("kubernetes:helm.sh/v4:Chart");
    assert.equal(chart.values.serviceMonitor.enabled, true);
    assert.deepEqual(chart.values.serviceAccount.annotations, {}, "Pod Identity needs no annotation");
    const [css] = of("kubernetes:external-secrets.io/v1:ClusterSecretStore");
    assert.deepEqual(css.spec, { provider: { aws: { service: "SecretsManager", region: "us-east-1" } }, conditions: [{ namespaces: ["apps"] }] });
    const [es] = of("kubernetes:external-secrets.io/v1:ExternalSecret");
    assert.deepEqual(es.spec.secretStoreRef, { name: "aws", kind: "ClusterSecretStore" });
    assert.deepEqual(es.spec.dataFrom, [{ extract: { key: "prod/db" } }]);
    const [rule] = of("kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    assert.equal(rule.metadata.namespace, "external-secrets");
    assert.equal(rule.metadata.labels.release, "kube-prometheus-stack");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("externalSecrets section: ClusterSecretStore conditions that admit every namespace are rejected at their config paths (the component's own checker)", () => {
  const problems = problemsOf(
    cluster({
      stores: [
        { name: "any", clusterScoped: true, aws: { region: "us-east-1" }, conditions: [{ namespaceRegexes: ["^apps$", "(.*)"] }, { namespaceRegexes: ["a|.*"] }] },
        { name: "ok", clusterScoped: true, aws: { region: "us-east-1" }, conditions: [{ namespaceRegexes: ["^apps$"] }] },
      ],
    }),
  );
  const p = "kube-secrets-platform:clusters[0].externalSecrets";
  assert.deepEqual(problems, [
    `${p}.stores[0].conditions[0].namespaceRegexes[1]: "(.*)" matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")`,
    `${p}.stores[0].conditions[1].namespaceRegexes[0]: "a|.*" matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")`,
  ]);
});
