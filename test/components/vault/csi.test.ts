import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { SecretsStoreCsiDriver, VaultSecretProviderClass, validateSecretsStoreCsiDriver, validateVaultSecretProviderClass } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const CHART = "kubernetes:helm.sh/v4:Chart";

test("SecretsStoreCsiDriver: pinned chart, sync to Secrets off, rotation on, privileged namespace of its own", async () => {
  const stack = await runProgram(() => {
    new SecretsStoreCsiDriver("csi", {});
  });
  const chart = stack.one(CHART, "csi-chart");
  assert.equal(chart.inputs.chart, "secrets-store-csi-driver");
  assert.equal(chart.inputs.version, "1.6.0");
  assert.deepEqual(chart.inputs.repositoryOpts, { repo: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts" });
  assert.equal(chart.inputs.namespace, "secrets-store-csi");
  assert.deepEqual(chart.inputs.values, {
    syncSecret: { enabled: false },
    enableSecretRotation: true,
    rotationPollInterval: "2m",
    tokenRequests: [],
    // crds.enabled only adds pre-install/pre-upgrade hook Jobs (templates/crds-upgrade-hook.yaml,
    // keep-crds-upgrade-hook.yaml) that helm.v4.Chart never runs; the CRDs come from the chart's crds/.
    linux: { enabled: true, crds: { enabled: false } },
    // templates/secrets-store-csi-driver.yaml renders it as the DaemonSet pod's automountServiceAccountToken.
    automountServiceAccountToken: true,
    windows: { enabled: false },
    rbac: { install: true },
    logFormatJSON: true,
  });
  const ns = stack.one("kubernetes:core/v1:Namespace", "csi-namespace-ns");
  assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
  assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/warn"], "baseline");

  const custom = await runProgram(() => {
    new SecretsStoreCsiDriver("csi", { namespace: "csi", syncSecret: true, rotation: false, tokenRequestAudiences: ["vault"] });
  });
  const values = custom.one(CHART).inputs.values;
  assert.deepEqual([values.syncSecret, values.enableSecretRotation, "rotationPollInterval" in values, values.tokenRequests], [
    { enabled: true },
    false,
    false,
    [{ audience: "vault" }],
  ]);
  assert.deepEqual(validateSecretsStoreCsiDriver({ rotationPollInterval: "soon", namespace: "CSI" }), [
    "rotationPollInterval: must be a Go duration such as 2m",
    `namespace: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "CSI"`,
  ]);
});

test("VaultSecretProviderClass: secrets-store.csi.x-k8s.io/v1 for the Vault provider, objects as YAML, kept on delete", async () => {
  let spc: VaultSecretProviderClass | undefined;
  const stack = await runProgram(() => {
    spc = new VaultSecretProviderClass("demo", {
      namespace: "apps",
      roleName: "demo-app",
      authMountPath: "kubernetes-local",
      vaultAddress: "https://vault.vault.svc:8200",
      objects: [
        { objectName: "db-password", secretPath: "secret/data/apps/demo/db", secretKey: "password" },
        { objectName: "api.json", secretPath: "secret/data/apps/demo/api", filePermission: "0440" },
      ],
    });
  });
  const cr = stack.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "demo-spc");
  assert.equal(cr.inputs.apiVersion, "secrets-store.csi.x-k8s.io/v1");
  assert.equal(cr.inputs.kind, "SecretProviderClass");
  assert.deepEqual([cr.inputs.metadata.name, cr.inputs.metadata.namespace, cr.inputs.metadata.annotations], [
    "demo",
    "apps",
    { "helm.sh/resource-policy": "keep" },
  ]);
  assert.equal(cr.inputs.spec.provider, "vault");
  const { objects, ...params } = cr.inputs.spec.parameters;
  // Keys as vault-csi-provider's internal/config/config.go parseParameters reads them (params["roleName"],
  // params["vaultAuthMountPath"], params["vaultAddress"], params["objects"]); every value a string, since the
  // provider unmarshals the parameters into map[string]string.
  assert.deepEqual(params, { roleName: "demo-app", vaultAuthMountPath: "kubernetes-local", vaultAddress: "https://vault.vault.svc:8200" });
  assert.equal(typeof objects, "string");
  // `objects` is decoded with gopkg.in/yaml.v3 into []Secret (yaml tags objectName, secretPath, secretKey,
  // filePermission os.FileMode): filePermission must be a YAML integer. yaml.v3 (resolve.go) parses plain ints
  // with strconv.ParseInt(s, 0, 64), i.e. 0400 would be octal there; decimal 256 reads as 256 in YAML 1.1
  // (yaml.v3's octal rule) and 1.2 alike, so both modes must agree on the decoded value.
  const expected = [
    { objectName: "db-password", secretPath: "secret/data/apps/demo/db", secretKey: "password", filePermission: 0o400 },
    { objectName: "api.json", secretPath: "secret/data/apps/demo/api", filePermission: 0o440 },
  ];
  assert.deepEqual(parse(objects, { version: "1.1" }), expected);
  assert.deepEqual(parse(objects, { version: "1.2" }), expected);
  assert.deepEqual([0o400, 0o440], [256, 288]);
  assert.match(objects, /filePermission: 256\n/, "a plain decimal integer, never the quoted string \"0400\" that yaml.v3 refuses for os.FileMode");
  assert.doesNotMatch(objects, /filePermission: ["']/);
  assert.equal("secretObjects" in cr.inputs.spec, false, "values are never synced into Kubernetes Secrets");
  assert.equal(await unwrap(spc!.className), "demo");

  assert.deepEqual(
    validateVaultSecretProviderClass({
      namespace: "apps",
      roleName: "r",
      vaultAddress: "http://vault:8200",
      objects: [
        { objectName: "a", secretPath: "/secret/a", filePermission: "0666" },
        { objectName: "a", secretPath: "secret/b" },
      ],
    }),
    [
      "vaultAddress: must be an https:// URL",
      "objects[0].secretPath: must not start with '/'",
      `objects[0].filePermission: must not grant group write or any other access, got "0666"`,
      `objects[1].objectName: duplicate file name "a"`,
    ],
  );
  assert.deepEqual(validateVaultSecretProviderClass({ namespace: "apps", roleName: "r", objects: [] }), ["objects: must list at least one object"]);
});
