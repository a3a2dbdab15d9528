import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { InvalidArgumentsError, SealedSecret, SealedSecretsController, unsealValue, validateSealedSecretsController } from "../../../components";
import { retainCustomResourceDefinitions } from "../../../components/sealed-secrets/controller";
import { runProgram, unwrap } from "../../harness/pulumi";
import { testKeyPair } from "./testCerts";

const CHART = "kubernetes:helm.sh/v4:Chart";
const LABELS = {
  "app.kubernetes.io/name": "sealed-secrets",
  "app.kubernetes.io/component": "sealed-secrets",
  "app.kubernetes.io/part-of": "kube-secrets-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};
const HARDENED = {
  podSecurityContext: { enabled: true, fsGroup: 65534 },
  containerSecurityContext: {
    enabled: true,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 1001,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};

test("SealedSecretsController: defaults — pinned chart in kube-system, kubeseal's default name, 30-day renewal", async () => {
  let controller: SealedSecretsController | undefined;
  const stack = await runProgram(() => {
    controller = new SealedSecretsController("sealed", {});
  });
  const component = stack.one("kube-secrets-platform:index:SealedSecretsController", "sealed");
  const chart = stack.one(CHART, "sealed-chart");
  assert.equal(chart.parent, component.urn);
  assert.deepEqual(chart.inputs, {
    chart: "sealed-secrets",
    version: "2.18.5",
    repositoryOpts: { repo: "https://bitnami-labs.github.io/sealed-secrets" },
    namespace: "kube-system",
    values: {
      fullnameOverride: "sealed-secrets-controller",
      keyrenewperiod: "720h",
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      ...HARDENED,
      commonLabels: { ...LABELS, "app.kubernetes.io/instance": "sealed" },
      // No "service proxier" Role or binding: the chart's default binds it to system:authenticated.
      rbac: { serviceProxier: { create: false, bind: false, subjects: "[]" } },
      metrics: { serviceMonitor: { enabled: false }, dashboards: { create: false } },
    },
  });
  // Controller-managed keys: no key material in Pulumi, no backup unless asked for.
  assert.deepEqual(stack.all("tls:index/privateKey:PrivateKey"), []);
  assert.deepEqual(stack.all("kubernetes:core/v1:Secret"), []);
  assert.deepEqual(stack.all("kubernetes:external-secrets.io/v1alpha1:PushSecret"), []);
  assert.equal(await unwrap(controller!.certificatePem), undefined);
  assert.equal(await unwrap(controller!.controllerName), "sealed-secrets-controller");
  assert.equal(await unwrap(controller!.namespace), "kube-system");
});

test("SealedSecretsController: a controller-managed key backed up by a PushSecret, key renewal off", async () => {
  const stack = await runProgram(() => {
    new SealedSecretsController("ss", {
      namespace: "sealed-secrets",
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      metrics: { serviceMonitor: true, serviceMonitorLabels: { release: "prometheus" }, dashboards: true },
      keyBackup: { secretStoreName: "aws-secrets-manager", remoteKey: "prod/sealed-secrets-keys" },
    });
  });
  const values = stack.one(CHART, "ss-chart").inputs.values;
  assert.equal(stack.one(CHART, "ss-chart").inputs.namespace, "sealed-secrets");
  assert.equal(values.keyrenewperiod, "0", "the backup holds one key: no renewal");
  assert.deepEqual(values.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  assert.deepEqual(values.metrics, { serviceMonitor: { enabled: true, labels: { release: "prometheus" } }, dashboards: { create: true } });

  // Made with External Secrets' own PushSecret component (label-selector source).
  const push = stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret", "ss-key-backup-push-secret");
  const component = stack.one("kube-secrets-platform:index:PushSecret", "ss-key-backup");
  assert.equal(push.parent, component.urn);
  assert.equal(component.parent, stack.one("kube-secrets-platform:index:SealedSecretsController", "ss").urn);
  assert.deepEqual(push.inputs, {
    apiVersion: "external-secrets.io/v1alpha1",
    kind: "PushSecret",
    metadata: {
      name: "sealed-secrets-controller-key-backup",
      namespace: "sealed-secrets",
      labels: {
        "app.kubernetes.io/name": "push-secret",
        "app.kubernetes.io/instance": "ss-key-backup",
        "app.kubernetes.io/component": "push-secret",
        "app.kubernetes.io/part-of": "kube-secrets-platform",
        "app.kubernetes.io/managed-by": "pulumi",
      },
    },
    spec: {
      deletionPolicy: "None",
      updatePolicy: "Replace",
      refreshInterval: "1h",
      secretStoreRefs: [{ name: "aws-secrets-manager", kind: "ClusterSecretStore" }],
      selector: { secret: { selector: { matchExpressions: [{ key: "sealedsecrets.bitnami.com/sealed-secrets-key", operator: "Exists" }] } } },
      // One entry, no secretKey/property: ESO pushes the whole Secret as {"tls.crt": ..., "tls.key": ...}.
      data: [{ match: { remoteRef: { remoteKey: "prod/sealed-secrets-keys" } } }],
    },
  });
});

test("SealedSecretsController: a managed RSA-4096 key stored as the active key Secret, renewal off, certificate output", async () => {
  const key = testKeyPair(4096);
  let controller: SealedSecretsController | undefined;
  let sealed: SealedSecret | undefined;
  const stack = await runProgram(
    () => {
      controller = new SealedSecretsController("ss", { managedKey: {}, keyBackup: { secretStoreName: "vault", secretStoreKind: "SecretStore" } });
      sealed = new SealedSecret("app", { namespace: "apps", certificatePem: controller.certificatePem.apply((c) => c!), data: { token: "managed-key-token" } });
    },
    {
      // What the tls provider would compute.
      resourceState: (args) => {
        if (args.type === "tls:index/privateKey:PrivateKey") return { privateKeyPem: key.privateKeyPem };
        if (args.type === "tls:index/selfSignedCert:SelfSignedCert") return { certPem: key.certificatePem };
        // What the random provider computes for the SealedSecret's sealing seed.
        if (args.type === "random:index/randomBytes:RandomBytes") return { base64: Buffer.alloc(32, 7).toString("base64") };
        return undefined;
      },
    },
  );
  assert.deepEqual(stack.one("tls:index/privateKey:PrivateKey", "ss-sealing-key").inputs, { algorithm: "RSA", rsaBits: 4096 });
  const cert = stack.one("tls:index/selfSignedCert:SelfSignedCert", "ss-sealing-cert");
  assert.deepEqual(cert.inputs, {
    privateKeyPem: key.privateKeyPem,
    subject: { commonName: "sealed-secret" },
    validityPeriodHours: 87600,
    allowedUses: ["key_encipherment", "digital_signature"],
    isCaCertificate: false,
  });
  assert.ok(stack.isSecret(cert, ["privateKeyPem"]), "the private key is a secret input of the certificate");

  const secret = stack.one("kubernetes:core/v1:Secret", "ss-sealing-key");
  assert.deepEqual(secret.inputs, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "sealed-secrets-key-managed",
      namespace: "kube-system",
      labels: { ...LABELS, "app.kubernetes.io/instance": "ss", "sealedsecrets.bitnami.com/sealed-secrets-key": "active" },
      annotations: { "helm.sh/resource-policy": "keep" },
    },
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": key.certificatePem, "tls.key": key.privateKeyPem },
  });
  assert.ok(stack.isSecret(secret, ["stringData", "tls.key"]), "the private key is a secret");
  assert.equal(stack.one(CHART, "ss-chart").inputs.values.keyrenewperiod, "0", "renewal off with a managed key");
  assert.equal(await unwrap(controller!.certificatePem), key.certificatePem);
  assert.equal(await unwrap(controller!.keySecretName), "sealed-secrets-key-managed");
  assert.deepEqual(stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret", "ss-key-backup-push-secret").inputs.spec.secretStoreRefs, [
    { name: "vault", kind: "SecretStore" },
  ]);

  // Values sealed with the certificate output unseal with the managed key.
  const enc = await unwrap(sealed!.encryptedData);
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "app", sealed: enc.token }).toString(), "managed-key-token");
});

test("SealedSecretsController: invalid args throw at construction, naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new SealedSecretsController("bad", {
          namespace: "Kube_System",
          keyRenewalPeriod: "30 days",
          managedKey: { rsaBits: 1024, validityHours: 1 },
          keyBackup: { secretStoreName: "", secretStoreKind: "Vault", refreshInterval: "hourly" },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "keyRenewalPeriod: must be a Go duration such as 720h or 0",
          "managedKey.rsaBits: must be 2048, 3072 or 4096, got 1024",
          "managedKey.validityHours: must be at least 24",
          "keyBackup.secretStoreName: must not be empty",
          `keyBackup.secretStoreKind: must be one of SecretStore, ClusterSecretStore, got "Vault"`,
          `namespace: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "Kube_System"`,
          `keyRenewalPeriod: must be unset or 0 with managedKey (the controller must not replace a managed key), got "30 days"`,
          `keyRenewalPeriod: must be unset or 0 with keyBackup (the PushSecret backs up one key: with several, each sync pushes them in turn into the same provider secret), got "30 days"`,
          `keyBackup.refreshInterval: must be a Go duration such as 1h or 15m, got "hourly"`,
        ]);
        assert.match(e.message, /^SealedSecretsController "bad": invalid arguments:/);
        return true;
      },
    );
    assert.throws(() => new SealedSecretsController("x", { managedKey: {}, keyRenewalPeriod: "720h" }), /keyRenewalPeriod: must be unset or 0 with managedKey/);
    assert.throws(() => new SealedSecretsController("x", { keyBackup: { secretStoreName: "s" }, keyRenewalPeriod: "720h" }), /keyRenewalPeriod: must be unset or 0 with keyBackup/);
    assert.deepEqual(validateSealedSecretsController({ keyBackup: { secretStoreName: "s" }, keyRenewalPeriod: "0" }), []);
    // Refused here as the PushSecret would refuse it, not halfway through construction.
    assert.deepEqual(validateSealedSecretsController({ keyBackup: { secretStoreName: "s", refreshInterval: "30s" } }), [
      `keyBackup.refreshInterval: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "30s"`,
    ]);
    assert.throws(() => new SealedSecretsController("x", { metrics: { prometheus: true } } as never), /metrics\.prometheus: unknown field/);
    // A deferred value cannot be checked at construction and is accepted.
    assert.deepEqual(validateSealedSecretsController({ namespace: pulumi.output("Not_Checked_Yet") }), []);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

/** Records the `retainOnDelete` option of every registration (the harness records inputs only). */
function recordRetainOnDelete(): Map<string, boolean> {
  const seen = new Map<string, boolean>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    seen.set(req.getName(), req.getRetainondelete());
    register(req, callback);
  };
  return seen;
}

test("removing the controller or a SealedSecret never deletes key Secrets, the CRD or SealedSecrets", async () => {
  let seen = new Map<string, boolean>();
  await runProgram(
    () => {
      seen = recordRetainOnDelete();
      const c = new SealedSecretsController("ss", { managedKey: { rsaBits: 2048 } });
      new SealedSecret("kept", { namespace: "apps", certificatePem: c.certificatePem.apply((x) => x!), data: { k: "v" } });
      new SealedSecret("dropped", { namespace: "apps", certificatePem: c.certificatePem.apply((x) => x!), data: { k: "v" }, retainOnDelete: false });
    },
    { resourceState: (a) => (a.type === "tls:index/selfSignedCert:SelfSignedCert" ? { certPem: testKeyPair(2048).certificatePem } : undefined) },
  );
  assert.equal(seen.get("ss-sealing-key"), true, "the managed key Secret is retained");
  assert.equal(seen.get("kept-sealed-secret"), true, "SealedSecrets are retained by default");
  assert.equal(seen.get("dropped-sealed-secret"), false, "unless the caller opts out");
  assert.equal(seen.get("ss-chart"), false);

  const crd = retainCustomResourceDefinitions({
    type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    name: "ss-chart:sealedsecrets.bitnami.com",
    props: { spec: {} },
    opts: { parent: undefined },
    custom: true,
  });
  assert.equal(crd?.opts?.retainOnDelete, true, "the chart's CRD is retained");
  assert.deepEqual(crd?.props, { spec: {} });
  assert.equal(
    retainCustomResourceDefinitions({ type: "kubernetes:apps/v1:Deployment", name: "d", props: {}, opts: {}, custom: true }),
    undefined,
    "other chart objects are untouched",
  );
});

test("SealedSecretsController keyImport: the key Secret the controller loads is written by an ExternalSecret before the chart, renewal off", async () => {
  const stack = await runProgram(() => {
    new SealedSecretsController("restore", { keyImport: { secretStoreName: "aws-secrets-manager", remoteKey: "prod/sealed-secrets-keys" } });
  });
  const es = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret", "restore-key-import-external-secret");
  assert.equal(es.inputs.metadata.name, "sealed-secrets-controller-key-import");
  assert.equal(es.inputs.metadata.namespace, "kube-system");
  // @pulumi/kubernetes >= 4.18 waits for the condition named by pulumi.com/waitFor on any resource.
  assert.deepEqual(es.inputs.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready" });
  // The Secret as the sealed-secrets controller loads keys (bitnami-labs/sealed-secrets pkg/controller/main.go:
  // List with label selector sealedsecrets.bitnami.com/sealed-secrets-key=active, Data["tls.key"], Data["tls.crt"];
  // keys.go writes its own as kubernetes.io/tls) and as
  // ESO renders it (external-secrets apis/externalsecrets/v1/externalsecret_types.go target.template).
  assert.deepEqual(es.inputs.spec, {
    secretStoreRef: { name: "aws-secrets-manager", kind: "ClusterSecretStore" },
    refreshInterval: "1h",
    target: {
      name: "sealed-secrets-key-imported",
      creationPolicy: "Orphan",
      deletionPolicy: "Retain",
      template: { type: "kubernetes.io/tls", engineVersion: "v2", mergePolicy: "Replace", metadata: { labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" } } },
    },
    data: [
      { secretKey: "tls.crt", remoteRef: { key: "prod/sealed-secrets-keys", property: "tls.crt" } },
      { secretKey: "tls.key", remoteRef: { key: "prod/sealed-secrets-keys", property: "tls.key" } },
    ],
  });
  const chart = stack.one(CHART, "restore-chart");
  assert.equal(chart.inputs.values.keyrenewperiod, "0", "a renewed key would exist in this cluster only");
  const esComponent = stack.one("kube-secrets-platform:index:ExternalSecret", "restore-key-import");
  assert.equal(es.parent, esComponent.urn);
  // The dependency on the component reaches the engine as its ExternalSecret resource.
  assert.deepEqual(chart.options.dependsOn, [es.urn], "the controller starts after the key is imported");
});

test("key backup and key import are two ends of one format: what the PushSecret writes is what the ExternalSecret reads", async () => {
  const stack = await runProgram(() => {
    new SealedSecretsController("hub", { keyBackup: { secretStoreName: "store", remoteKey: "fleet/sealing-key" } });
    new SealedSecretsController("spoke", { namespace: "sealed", keyImport: { secretStoreName: "store", remoteKey: "fleet/sealing-key" } });
  });
  // The backup pushes the whole key Secret (no secretKey, no property): ESO 2.9 writes its data map as one JSON
  // object keyed by the Secret's data keys (runtime/esutils ExtractSecretData), i.e. `tls.crt` and `tls.key`,
  // the keys of the controller's kubernetes.io/tls key Secret.
  const pushed = stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret").inputs.spec.data;
  assert.deepEqual(pushed, [{ match: { remoteRef: { remoteKey: "fleet/sealing-key" } } }]);
  // The import reads exactly those two properties of that remote secret into the same two keys.
  const read = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret").inputs.spec.data.map((d: any) => [d.secretKey, d.remoteRef.key, d.remoteRef.property]);
  assert.deepEqual(read, [
    ["tls.crt", "fleet/sealing-key", "tls.crt"],
    ["tls.key", "fleet/sealing-key", "tls.key"],
  ]);
});

test("SealedSecretsController keyImport: renewal, managedKey and bad fields are refused by name", async () => {
  const problems = validateSealedSecretsController({
    keyRenewalPeriod: "720h",
    managedKey: {},
    keyImport: { secretStoreName: "s", remoteKey: "", secretName: "Bad_Name", refreshInterval: "soon" },
  });
  assert.deepEqual(problems, [
    "keyImport.remoteKey: must not be empty",
    'keyRenewalPeriod: must be unset or 0 with managedKey (the controller must not replace a managed key), got "720h"',
    'keyRenewalPeriod: must be unset or 0 with keyImport (a renewed key would exist in this cluster only), got "720h"',
    "keyImport: set either managedKey or keyImport (both would be active sealing keys)",
    'keyImport.refreshInterval: must be a Go duration such as 1h or 15m, got "soon"',
    `keyImport.secretName: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "Bad_Name"`,
  ]);
  // The store name is checked like keyBackup's (an object name ESO looks up).
  assert.deepEqual(validateSealedSecretsController({ keyImport: { secretStoreName: "Bad_Store", remoteKey: "k" } }), [
    `keyImport.secretStoreName: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "Bad_Store"`,
  ]);
});

test("SealedSecretsController: certificateReaders become the service proxier's subjects, as the chart renders them; system groups refused", async () => {
  const stack = await runProgram(() => {
    new SealedSecretsController("ss", { certificateReaders: ["User alice", "Group sre", "ServiceAccount ci/kubeseal"] });
  });
  // sealed-secrets 2.18.5 templates/role-binding.yaml renders rbac.serviceProxier.subjects (a string in its values
  // schema) through `tpl` under the RoleBinding's `subjects:` when create and bind are both true: YAML text, here
  // a JSON flow list, which is what the RoleBinding then holds.
  const proxier = stack.one(CHART, "ss-chart").inputs.values.rbac.serviceProxier;
  assert.deepEqual([proxier.create, proxier.bind, typeof proxier.subjects], [true, true, "string"]);
  assert.deepEqual(parse(proxier.subjects), [
    { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" },
    { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "sre" },
    { kind: "ServiceAccount", name: "kubeseal", namespace: "ci" },
  ]);
  assert.deepEqual(validateSealedSecretsController({ certificateReaders: ["Group system:authenticated", "alice", "ServiceAccount CI/x", "User bob", "User {{ .Values.x }}"] }), [
    "certificateReaders[0]: must not be a system group (system:authenticated holds every authenticated user or service account, the binding this option replaces)",
    `certificateReaders[1]: must be "User <name>", "Group <name>" or "ServiceAccount <namespace>/<name>", got "alice"`,
    `certificateReaders[2]: namespace must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "CI"`,
    `certificateReaders[4]: must not contain "{{" or "}}" (the chart renders the subjects as a template), got "User {{ .Values.x }}"`,
  ]);
});
