import assert from "node:assert/strict";
import { test } from "node:test";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { readStackFile } from "../../cli/lib/stackFile";
import { unsealValue } from "../../components";
import { runProgram, unwrap } from "../harness/pulumi";
import { testKeyPair } from "../components/sealed-secrets/testCerts";

const key = testKeyPair(4096);
const clusters = (extra: Record<string, unknown>[]) => ({ "kube-secrets-platform:clusters": JSON.stringify(extra) });
/** What the tls and random providers would compute. */
const providerState = (args: { type: string; name: string }) => {
  if (args.type === "tls:index/privateKey:PrivateKey") return { privateKeyPem: key.privateKeyPem };
  if (args.type === "tls:index/selfSignedCert:SelfSignedCert") return { certPem: key.certificatePem };
  if (args.type === "random:index/randomPassword:RandomPassword") return { result: `generated-for-${args.name}` };
  // The SealedSecret's sealing seed.
  if (args.type === "random:index/randomBytes:RandomBytes") return { base64: Buffer.alloc(32, 3).toString("base64") };
  return undefined;
};

test("stack sealedSecrets section: defaults, and every problem named by its config path", () => {
  assert.equal(parseStackConfig({ clusters: [{ name: "local" }] }).clusters[0].sealedSecrets, undefined, "absent: nothing deployed");
  assert.deepEqual(parseStackConfig({ clusters: [{ name: "local", sealedSecrets: {} }] }).clusters[0].sealedSecrets, {
    namespace: "kube-system",
    metrics: { serviceMonitor: false, dashboards: false },
    certificateReaders: [],
    secrets: [],
  });
  const problems = (sealedSecrets: Record<string, unknown>) => {
    try {
      parseStackConfig({ clusters: [{ name: "local", sealedSecrets }] });
    } catch (e) {
      assert.ok(e instanceof StackConfigError);
      return e.problems;
    }
    assert.fail("expected a StackConfigError");
  };
  // Field-level problems first (zod checks the cross-field rules once every field is valid)...
  assert.deepEqual(
    problems({
      managedKey: { rsaBits: "big" },
      secrets: [
        { name: "a", namespace: "apps", scope: "global", values: { k: "v" } },
        { name: "b", namespace: "apps" },
        { name: "c", namespace: "apps", values: { k: "v" }, generatedKeys: ["k"] },
        { name: "Bad_Name", namespace: "apps", values: { k: "v" } },
        { name: "d", namespace: "apps", values: { "bad key": "v" } },
      ],
    }),
    [
      "kube-secrets-platform:clusters[0].sealedSecrets.managedKey.rsaBits: Invalid input: expected number, received string",
      `kube-secrets-platform:clusters[0].sealedSecrets.secrets[0].scope: Invalid option: expected one of "strict"|"namespace-wide"|"cluster-wide"`,
      "kube-secrets-platform:clusters[0].sealedSecrets.secrets[1].values: a secret needs at least one key in values or generatedKeys",
      `kube-secrets-platform:clusters[0].sealedSecrets.secrets[2].generatedKeys[0]: key "k" is also in values`,
      "kube-secrets-platform:clusters[0].sealedSecrets.secrets[3].name: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.')",
      "kube-secrets-platform:clusters[0].sealedSecrets.secrets[4].values.bad key: the key must match [-._a-zA-Z0-9]+",
    ],
  );
  // ... then the section's own rules and the controller's validation, each at its config path.
  assert.deepEqual(
    problems({
      keyRenewalPeriod: "720h",
      managedKey: { rsaBits: 1024 },
      certificatePem: "x",
      keyBackup: { remoteKey: "prod/*" },
      secrets: [
        { name: "c", namespace: "apps", values: { k: "v" } },
        { name: "c", namespace: "apps", values: { k: "v" } },
      ],
    }),
    [
      "kube-secrets-platform:clusters[0].sealedSecrets.certificatePem: must not be set with managedKey (the managed key's certificate is used)",
      "kube-secrets-platform:clusters[0].sealedSecrets.certificatePem: must be a PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE-----)",
      "kube-secrets-platform:clusters[0].sealedSecrets.secrets[1].name: duplicate secret apps/c",
      "kube-secrets-platform:clusters[0].sealedSecrets.managedKey.rsaBits: must be 2048, 3072 or 4096, got 1024",
      `kube-secrets-platform:clusters[0].sealedSecrets.keyRenewalPeriod: must be unset or 0 with managedKey (the controller must not replace a managed key), got "720h"`,
      `kube-secrets-platform:clusters[0].sealedSecrets.keyRenewalPeriod: must be unset or 0 with keyBackup (the PushSecret backs up one key: with several, each sync pushes them in turn into the same provider secret), got "720h"`,
      // The backup goes through the platform's own sealing-key store, which must be configured.
      "kube-secrets-platform:clusters[0].sealedSecrets.keyStore: required with keyBackup (the key's own store and identity: one of aws, gcp, azure, vault)",
    ],
  );
  assert.throws(
    () => parseStackConfig({ clusters: [{ name: "local", sealedSecrets: { secrets: [{ name: "a", namespace: "b", values: { k: "v" } }] } }] }),
    /kube-secrets-platform:clusters\[0\]\.sealedSecrets\.secrets: sealing needs a certificate: set managedKey or certificatePem/,
  );
  // The old form (a backup through a named, shared store) is gone: the key gets a store of its own.
  assert.throws(
    () => parseStackConfig({ clusters: [{ name: "local", sealedSecrets: { keyBackup: { secretStoreName: "aws-secrets-manager" } } }] }),
    /kube-secrets-platform:clusters\[0\]\.sealedSecrets\.keyBackup\.secretStoreName: unknown key/,
  );
  assert.throws(
    () => parseStackConfig({ clusters: [{ name: "local", sealedSecrets: { keyStore: { aws: { region: "us-east-1" } }, keyBackup: {} } }] }),
    (e: unknown) =>
      String(e).includes("kube-secrets-platform:clusters[0].sealedSecrets.keyStore: needs externalSecrets (the store is an ESO SecretStore)") &&
      String(e).includes("kube-secrets-platform:clusters[0].sealedSecrets.keyStore.aws: needs externalSecrets.identity.aws (its oidcProvider: the store's role trusts its account through IRSA)"),
  );
  assert.throws(() => parseStackConfig({ clusters: [{ name: "local", sealedSecrets: { replicas: 2 } }] }), /kube-secrets-platform:clusters\[0\]\.sealedSecrets\.replicas: unknown key/);
});

test("stack sealedSecrets section: controller-managed keys, secrets sealed with the configured certificate", async () => {
  const stack = await runProgram(program, {
    config: clusters([
      {
        name: "prod",
        sealedSecrets: {
          certificatePem: key.certificatePem,
          keyStore: { aws: { region: "us-east-1" } },
          keyBackup: { remoteKey: "prod/sealed-secrets-keys" },
          secrets: [{ name: "api", namespace: "apps", values: { token: "configured-token" } }],
        },
        // The key store's role trusts its account through the cluster's OIDC provider.
        externalSecrets: {
          identity: {
            aws: {
              oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
              oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/X",
              secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"],
            },
          },
          stores: [{ name: "aws-secrets-manager", clusterScoped: true, aws: { region: "us-east-1" }, conditions: [{ namespaces: ["apps"] }] }],
        },
      },
    ]),
    resourceState: providerState,
  });
  assert.equal(stack.one("kubernetes:helm.sh/v4:Chart", "prod-sealed-secrets-chart").inputs.values.keyrenewperiod, "0", "renewal off: the backup holds one key");
  assert.deepEqual(stack.all("tls:index/privateKey:PrivateKey"), []);
  assert.deepEqual(stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret", "prod-sealed-secrets-key-backup-push-secret").inputs.spec.secretStoreRefs, [
    { name: "sealing-key-store", kind: "SecretStore" },
  ]);
  const store = stack.one("kubernetes:external-secrets.io/v1:SecretStore", "prod-sealing-key-store-store");
  assert.deepEqual([store.inputs.metadata.namespace, store.inputs.spec.provider.aws.auth.jwt.serviceAccountRef.name], ["kube-system", "eso-sealing-key-store"]);
  const sealed = stack.one("kubernetes:bitnami.com/v1alpha1:SealedSecret", "prod-sealed-apps-api-sealed-secret").inputs;
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "api", sealed: sealed.spec.encryptedData.token }).toString(), "configured-token");
});

test("stack sealedSecrets section: managed key controller and a SealedSecret that unseals with it", async () => {
  const stack = await runProgram(program, {
    config: clusters([
      {
        name: "edge",
        namespaces: [{ name: "apps" }],
        sealedSecrets: {
          managedKey: {},
          secrets: [{ name: "db", namespace: "apps", scope: "namespace-wide", values: { username: "app" }, generatedKeys: ["password"], labels: { app: "api" } }],
        },
      },
    ]),
    resourceState: providerState,
  });
  const provider = stack.one("pulumi:providers:kubernetes", "edge-k8s").urn;
  const chart = stack.one("kubernetes:helm.sh/v4:Chart", "edge-sealed-secrets-chart");
  assert.ok(chart.provider?.startsWith(`${provider}::`), "the chart uses the cluster's provider");
  assert.equal(chart.inputs.values.keyrenewperiod, "0");
  assert.equal(chart.inputs.values.fullnameOverride, "sealed-secrets-controller");
  assert.equal(chart.inputs.namespace, "kube-system");
  const keySecret = stack.one("kubernetes:core/v1:Secret", "edge-sealed-secrets-sealing-key");
  assert.ok(keySecret.provider?.startsWith(`${provider}::`));
  assert.ok(stack.isSecret(keySecret, ["stringData", "tls.key"]));

  const sealed = stack.one("kubernetes:bitnami.com/v1alpha1:SealedSecret", "edge-sealed-apps-db-sealed-secret");
  assert.ok(sealed.provider?.startsWith(`${provider}::`), "the SealedSecret uses the cluster's provider");
  assert.deepEqual(sealed.inputs.metadata.annotations, { "sealedsecrets.bitnami.com/namespace-wide": "true" });
  assert.deepEqual(sealed.inputs.spec.template.metadata.labels, { app: "api" });
  const unseal = (k: string) =>
    unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "any", scope: "namespace-wide", sealed: sealed.inputs.spec.encryptedData[k] }).toString();
  assert.equal(unseal("username"), "app");
  assert.equal(unseal("password"), "generated-for-edge-apps-db-password");
  const password = stack.one("random:index/randomPassword:RandomPassword", "edge-apps-db-password");
  assert.deepEqual(password.inputs, { length: 32, special: false });

  const outputs = await unwrap(stack.outputs.clusters as Record<string, any>);
  assert.equal(await unwrap(outputs.edge.sealingCertificatePem), key.certificatePem);
  assert.deepEqual(await unwrap(stack.outputs.policyExemptions), ["ServiceAccount kube-system/sealed-secrets-controller"]);
});

test("stack sealedSecrets section: the local stack file renders the controller with a managed key and the example SealedSecret", async () => {
  const file = readStackFile("stacks/Pulumi.local.yaml", "kube-secrets-platform");
  const stack = await runProgram(program, { config: file.config, secretKeys: file.secretKeys, stack: "local", resourceState: providerState });
  assert.equal(stack.one("kubernetes:helm.sh/v4:Chart", "local-sealed-secrets-chart").inputs.values.keyrenewperiod, "0");
  assert.deepEqual(stack.one("tls:index/privateKey:PrivateKey", "local-sealed-secrets-sealing-key").inputs, { algorithm: "RSA", rsaBits: 4096 });
  const sealed = stack.one("kubernetes:bitnami.com/v1alpha1:SealedSecret", "local-sealed-apps-example-credentials-sealed-secret").inputs;
  assert.equal(sealed.metadata.namespace, "apps");
  assert.deepEqual(Object.keys(sealed.spec.encryptedData).sort(), ["password", "username"]);
  assert.ok(sealed.spec.encryptedData.password.startsWith("Ag"), "sealed with the 4096-bit managed key");
  assert.equal(
    unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "example-credentials", sealed: sealed.spec.encryptedData.username }).toString(),
    "example-app",
  );
});
