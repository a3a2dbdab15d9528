import assert from "node:assert/strict";
import { test } from "node:test";
import { ExternalSecretsOperator, InvalidArgumentsError, keepCrdsTransform, mergeValues } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const CHART = "kubernetes:helm.sh/v4:Chart";

function spread(app: string) {
  return [
    {
      maxSkew: 1,
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": "external-secrets" } },
    },
  ];
}

test("ExternalSecretsOperator: pinned chart in a restricted HardenedNamespace with HA, leader election, PDBs, kept CRDs, no cloud identity and no cluster-wide token minting", async () => {
  let op: ExternalSecretsOperator | undefined;
  const stack = await runProgram(() => {
    op = new ExternalSecretsOperator("eso", {});
  });
  const component = stack.one("kube-secrets-platform:index:ExternalSecretsOperator", "eso");
  const chart = stack.one(CHART, "eso-chart");
  assert.equal(chart.parent, component.urn);
  assert.equal(chart.inputs.chart, "external-secrets");
  assert.equal(chart.inputs.version, "2.9.0");
  assert.deepEqual(chart.inputs.repositoryOpts, { repo: "https://charts.external-secrets.io" });
  assert.equal(chart.inputs.name, "external-secrets", "release name fixes the object names");
  assert.equal(chart.inputs.namespace, "external-secrets");

  const metrics = { service: { enabled: true } };
  assert.deepEqual(chart.inputs.values, {
    installCRDs: true,
    crds: { annotations: { "helm.sh/resource-policy": "keep" } },
    replicaCount: 2,
    leaderElect: true,
    concurrent: 1,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    topologySpreadConstraints: spread("external-secrets"),
    serviceAccount: { create: true, name: "external-secrets", annotations: {}, automount: true },
    // templates/rbac.yaml of the 2.9.0 chart: serviceaccounts/token create only when this is true.
    rbac: { serviceAccountTokenCreate: false },
    podLabels: {},
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    metrics,
    serviceMonitor: { enabled: false, interval: "30s", additionalLabels: {} },
    webhook: {
      replicaCount: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      topologySpreadConstraints: spread("external-secrets-webhook"),
      serviceAccount: { automount: true },
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      metrics,
    },
    certController: {
      replicaCount: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      topologySpreadConstraints: spread("external-secrets-cert-controller"),
      serviceAccount: { automount: true },
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      metrics,
    },
  });

  const ns = stack.one("kubernetes:core/v1:Namespace", "eso-namespace-ns");
  assert.equal(ns.inputs.metadata.name, "external-secrets");
  assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");

  assert.equal(await unwrap(op!.namespace), "external-secrets");
  assert.equal(await unwrap(op!.serviceAccountName), "external-secrets");
});

test("ExternalSecretsOperator: options, ServiceMonitor, single replica without PDB, and extraValues merged last", async () => {
  let op: ExternalSecretsOperator | undefined;
  const stack = await runProgram(() => {
    op = new ExternalSecretsOperator("eso", {
      namespace: "secrets-system",
      replicas: 1,
      concurrent: 4,
      podLabels: { "azure.workload.identity/use": "true" },
      serviceAccount: { name: "eso-controller", allowCloudIdentity: true, annotations: { "azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111" } },
      clusterWideTokenCreate: true,
      resources: { controller: { requests: { cpu: "100m", memory: "256Mi" } } },
      serviceMonitor: { enabled: true, interval: "60s", labels: { release: "kube-prometheus-stack" } },
      extraValues: { log: { level: "debug" }, webhook: { replicaCount: 3 }, serviceAccount: { name: "renamed" } },
    });
  });
  const values = stack.one(CHART, "eso-chart").inputs.values;
  assert.equal(values.replicaCount, 1);
  assert.deepEqual(values.podDisruptionBudget, { enabled: false, minAvailable: 1 }, "no PDB on a single replica (it would block drains)");
  assert.equal(values.leaderElect, true);
  assert.equal(values.concurrent, 4);
  assert.deepEqual(values.podLabels, { "azure.workload.identity/use": "true" }, "the controller's own identity, opted in");
  assert.deepEqual(values.serviceAccount.annotations, { "azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111" });
  assert.deepEqual(values.rbac, { serviceAccountTokenCreate: true });
  assert.deepEqual(values.resources, { requests: { cpu: "100m", memory: "256Mi" } });
  assert.deepEqual(values.serviceMonitor, { enabled: true, renderMode: "alwaysRender", interval: "60s", additionalLabels: { release: "kube-prometheus-stack" } });
  assert.deepEqual(values.log, { level: "debug" });
  assert.equal(values.webhook.replicaCount, 3, "extraValues win");
  assert.deepEqual(values.webhook.podDisruptionBudget, { enabled: true, minAvailable: 1 }, "deep merge keeps siblings");
  assert.equal(values.serviceAccount.create, true);
  assert.equal(await unwrap(op!.serviceAccountName), "renamed", "the output follows the merged values");
  assert.equal(await unwrap(op!.namespace), "secrets-system");
});

test("keepCrdsTransform marks only CRDs retainOnDelete; mergeValues merges objects and replaces arrays", () => {
  const crd = keepCrdsTransform({
    type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    name: "externalsecrets",
    custom: true,
    props: { a: 1 },
    opts: { protect: false },
  });
  assert.deepEqual(crd, { props: { a: 1 }, opts: { protect: false, retainOnDelete: true } });
  assert.equal(keepCrdsTransform({ type: "kubernetes:apps/v1:Deployment", name: "d", custom: true, props: {}, opts: {} }), undefined);
  assert.deepEqual(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
});

test("ExternalSecretsOperator: invalid args throw naming each field before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new ExternalSecretsOperator("bad", {
          namespace: "Secrets_NS",
          replicas: 0,
          webhookReplicas: 1,
          podDisruptionBudgets: true,
          serviceAccount: { name: "ESO" },
          serviceMonitor: { interval: "often" },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "namespace: must be an RFC 1123 label (lower-case alphanumerics and '-')",
          "replicas: must be at least 1",
          "serviceMonitor.interval: must be a Prometheus duration such as 30s",
          `serviceAccount.name: must be an RFC 1123 subdomain, got "ESO"`,
          "webhookReplicas: a PodDisruptionBudget with minAvailable 1 on a single replica blocks node drains; use 2 or more replicas or podDisruptionBudgets: false",
        ]);
        return true;
      },
    );
    assert.throws(() => new ExternalSecretsOperator("bad2", { extra: 1 } as never), /extra: unknown field/);
    // The attacker's shape: the controller holds a cloud identity, so every SecretStore without auth (which
    // anyone with `edit` in any namespace may create) reads whatever it reaches.
    assert.throws(
      () =>
        new ExternalSecretsOperator("ambient", {
          serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso", "iam.gke.io/gcp-service-account": "eso@p.iam.gserviceaccount.com" } },
          podLabels: { "azure.workload.identity/use": "true" },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `serviceAccount.annotations: "eks.amazonaws.com/role-arn" gives ESO's controller a cloud identity that every store without auth uses; bind the stores' own service accounts instead, or set serviceAccount.allowCloudIdentity: true to opt in`,
          `serviceAccount.annotations: "iam.gke.io/gcp-service-account" gives ESO's controller a cloud identity that every store without auth uses; bind the stores' own service accounts instead, or set serviceAccount.allowCloudIdentity: true to opt in`,
          'podLabels: "azure.workload.identity/use" injects a cloud identity into the controller; set serviceAccount.allowCloudIdentity: true to opt in',
        ]);
        return true;
      },
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
