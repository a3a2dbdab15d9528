// SecretsPlatform: each part, and the wiring between parts that stacks rely on.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentsError, SecretsPlatform, triggerHash, type SecretsPlatformArgs } from "../../../components";
import { planResourceState, PLAN_PLACEHOLDER_CERTIFICATE } from "../../../cli/lib/planState";
import { isSecretOutput, runProgram, unwrap, type TestStack } from "../../harness/pulumi";

const ESO_SA = "ServiceAccount external-secrets/external-secrets";

function selfManagedArgs(): SecretsPlatformArgs {
  return {
    clusterName: "c1",
    namespaces: [{ namespace: "apps" }],
    encryption: { selfManaged: { providers: [{ secretbox: { keys: [{ name: "k1" }] } }, { identity: true }] }, reencryption: {} },
    vault: {
      cluster: { csiProvider: { enabled: true } },
      configuration: {
        token: pulumi.secret("s.root-token"),
        address: "https://127.0.0.1:8200",
        caCertFile: "vault-ca.pem",
        roles: [
          {
            name: "demo",
            serviceAccounts: ["demo"],
            namespaces: ["apps"],
            rules: [{ path: "secret/data/apps/demo/*", capabilities: ["read"] }],
            csiObjects: [{ objectName: "pw", secretPath: "secret/data/apps/demo/db", secretKey: "password" }],
          },
        ],
      },
    },
    externalSecrets: {
      vaultStore: { namespaces: ["apps"], paths: ["secret/data/platform/*"] },
      externalSecrets: [
        { namespace: "apps", externalSecretName: "db", storeRef: { name: "vault" }, data: [{ secretKey: "password", remoteRef: { key: "platform/db", property: "password" } }] },
      ],
    },
    sealedSecrets: { controller: { managedKey: { rsaBits: 4096 } }, secrets: [{ namespace: "apps", name: "creds", data: { user: pulumi.secret("app") } }] },
    audit: { apiServerFlags: ["--audit-policy-file=/etc/kubernetes/audit/policy.yaml"] },
  };
}

function sorted<T>(xs: T[]): T[] {
  return [...xs].sort();
}

let local: { stack: TestStack; platform: SecretsPlatform };

test("self-managed platform: every part is a child of the platform and uses the cluster's Kubernetes provider", async () => {
  let platform: SecretsPlatform | undefined;
  const stack = await runProgram(
    () => {
      const provider = new k8s.Provider("c1-k8s", { context: "kind-c1" });
      platform = new SecretsPlatform("c1", selfManagedArgs(), { providers: { kubernetes: provider } });
    },
    { resourceState: planResourceState },
  );
  local = { stack, platform: platform! };
  const root = stack.one("kube-secrets-platform:index:SecretsPlatform", "c1");
  const provider = stack.one("pulumi:providers:kubernetes", "c1-k8s");
  assert.deepEqual(sorted(stack.children(root).map((r) => r.name)), [
    "c1-audit-policy",
    "c1-csi-driver",
    "c1-encryption",
    "c1-es-apps-db",
    "c1-eso",
    "c1-ns-apps",
    "c1-reencryption",
    "c1-sealed-apps-creds",
    "c1-sealed-secrets",
    "c1-spc-demo",
    "c1-store-vault-apps",
    "c1-vault",
    "c1-vault-audit-file",
    "c1-vault-audit-stdout",
    "c1-vault-config",
    "c1-vault-k8s-auth",
    "c1-vault-kv",
    "c1-vault-policy-demo",
    "c1-vault-policy-external-secrets",
  ]);
  const k8sResources = stack.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
  assert.ok(k8sResources.length > 10);
  for (const r of k8sResources) assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} must use the cluster's provider, got ${r.provider}`);
  // Vault's own resources go through the Vault provider the platform made, with the token as a secret.
  const vaultProvider = stack.one("pulumi:providers:vault", "c1-vault-config");
  assert.equal(stack.isSecret(vaultProvider, ["token"]), true);
  // Stage 2 talks to the address and CA file from the args (never the in-cluster name, which does not resolve
  // where Pulumi runs); TLS is verified.
  assert.deepEqual([vaultProvider.inputs.address, vaultProvider.inputs.caCertFile, vaultProvider.inputs.skipTlsVerify], ["https://127.0.0.1:8200", "vault-ca.pem", "false"]);
  // Two audit devices, so a full audit volume cannot block Vault: Vault refuses a request only when no enabled
  // device records it. Options as Vault's file audit backend reads them (file_path "stdout" = the container log).
  assert.deepEqual(
    stack.all("vault:index/audit:Audit").map((a) => [a.inputs.path, a.inputs.type, a.inputs.options]).sort(),
    [
      ["file", "file", { format: "json", hmac_accessor: "true", file_path: "/vault/audit/vault-audit.log", mode: "0600" }],
      ["stdout", "file", { format: "json", hmac_accessor: "true", file_path: "stdout" }],
    ],
  );
  for (const r of stack.resources.filter((x) => x.type.startsWith("vault:"))) assert.ok(r.provider?.startsWith(`${vaultProvider.urn}::`), r.name);
});

test("self-managed platform: the rewrite Job is triggered by the encryption key; the EncryptionConfiguration is a secret", async () => {
  const { stack, platform } = local;
  const job = stack.one("kubernetes:batch/v1:Job");
  assert.equal(job.inputs.metadata.name, `secrets-reencrypt-${triggerHash("secretbox/k1")}`);
  assert.equal(await isSecretOutput(platform.encryptionConfigYaml), true);
  assert.match((await unwrap(platform.encryptionConfigYaml))!, /secretbox:/);
});

test("self-managed platform: ESO logs in to the platform's Vault through a role bound to exactly its service account", async () => {
  const { stack, platform } = local;
  const roles = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").map((r) => r.inputs);
  const eso = roles.find((r) => r.roleName === "external-secrets");
  assert.ok(eso, "the platform creates the external-secrets role");
  assert.deepEqual(eso.boundServiceAccountNames, ["external-secrets"]);
  assert.deepEqual(eso.boundServiceAccountNamespaces, ["external-secrets"]);
  assert.deepEqual(eso.tokenPolicies, ["external-secrets"]);
  const policy = stack.one("vault:index/policy:Policy", "c1-vault-policy-external-secrets-policy").inputs.policy as string;
  assert.equal(
    policy,
    '# Managed by kube-secrets-platform: changes made in Vault are overwritten.\n\n' +
      'path "secret/data/platform/*" {\n  capabilities = ["read"]\n}\n\npath "secret/metadata/platform/*" {\n  capabilities = ["read", "list"]\n}\n',
  );
  const store = stack.one("kubernetes:external-secrets.io/v1:SecretStore");
  assert.deepEqual(store.inputs.metadata.namespace, "apps");
  assert.deepEqual(store.inputs.spec.provider.vault, {
    server: await unwrap(platform.vaultAddress),
    path: "secret",
    version: "v2",
    caBundle: Buffer.from(PLAN_PLACEHOLDER_CERTIFICATE).toString("base64"),
    auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets" } },
  });
  assert.equal(await unwrap(platform.vaultAddress), "https://vault.vault.svc:8200");
  const es = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret");
  assert.deepEqual(es.inputs.spec.secretStoreRef, { name: "vault", kind: "SecretStore" });
  const spc = stack.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
  assert.equal(spc.inputs.spec.parameters.roleName, "demo");
  assert.equal(spc.inputs.spec.parameters.vaultAuthMountPath, "kubernetes");
  assert.equal(spc.inputs.spec.parameters.vaultAddress, "https://vault.vault.svc:8200");
});

test("self-managed platform: exemptions name exactly the controllers that must read Secrets", async () => {
  const { platform, stack } = local;
  assert.deepEqual(await unwrap(platform.exemptSubjects), [
    ESO_SA,
    "ServiceAccount external-secrets/external-secrets-cert-controller",
    "ServiceAccount kube-system/sealed-secrets-controller",
    "ServiceAccount secrets-reencryption/secrets-reencryption",
    "ServiceAccount vault-csi-provider/vault-csi-csi-provider",
    // The Vault server: the chart's service-discovery Role lets it update and patch pods (service registration).
    "ServiceAccount vault/vault",
  ]);
  const cm = stack.one("kubernetes:core/v1:ConfigMap", "c1-audit-policy");
  assert.equal(cm.inputs.metadata.namespace, "kube-system");
  assert.equal(cm.inputs.metadata.name, "kube-secrets-platform-audit-policy");
  assert.equal(cm.inputs.metadata.annotations["audit.kube-secrets-platform.io/kube-apiserver-flags"], "--audit-policy-file=/etc/kubernetes/audit/policy.yaml");
  assert.match(cm.inputs.data["policy.yaml"], /level: Metadata/);
  const sealed = stack.one("kubernetes:bitnami.com/v1alpha1:SealedSecret");
  assert.equal(sealed.inputs.metadata.namespace, "apps");
  assert.match(sealed.inputs.spec.encryptedData.user, /^Ag/, "sealed with the controller's 4096-bit certificate");
});

test("EKS platform: KMS key, rewrite on the key ARN, Pod Identity annotations on ESO, EKS audit logs", async () => {
  let platform: SecretsPlatform | undefined;
  const keyArn = "arn:aws:kms:us-east-1:123456789012:key/abc";
  const stack = await runProgram(
    () => {
      platform = new SecretsPlatform("prod", {
        clusterName: "prod",
        clusterKind: "eks",
        encryption: { eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/eks-cluster" }, reencryption: {} },
        externalSecrets: {
          aws: { mode: "irsa", oidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X", url: "https://oidc.eks.us-east-1.amazonaws.com/id/X" }, secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"] },
        },
        audit: { eks: { clusterName: "prod" } },
      });
    },
    {
      resourceState: (a) =>
        a.type === "aws:kms/key:Key" ? { arn: keyArn, keyId: "abc" } : a.type === "aws:iam/role:Role" ? { arn: "arn:aws:iam::123456789012:role/eso" } : undefined,
    },
  );
  assert.deepEqual(await unwrap(platform!.eksEncryptionConfig), { provider: { keyArn }, resources: ["secrets"] });
  const job = stack.one("kubernetes:batch/v1:Job");
  assert.equal(job.inputs.metadata.name, `secrets-reencrypt-${triggerHash(keyArn)}`);
  const chart = stack.all("kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === "external-secrets");
  assert.deepEqual(chart?.inputs.values.serviceAccount.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso" });
  assert.deepEqual(await unwrap(platform!.eksEnabledClusterLogTypes), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
  assert.deepEqual(stack.all("kubernetes:core/v1:ConfigMap").filter((c) => c.name === "prod-audit-policy"), [], "no self-managed audit ConfigMap on EKS");
  assert.deepEqual(await unwrap(platform!.exemptSubjects), [ESO_SA, "ServiceAccount external-secrets/external-secrets-cert-controller", "ServiceAccount secrets-reencryption/secrets-reencryption"]);
});

test("invalid wiring throws at construction naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new SecretsPlatform("x", {
          clusterName: "X_1",
          clusterKind: "eks",
          encryption: { selfManaged: { providers: [{ secretbox: { keys: [{ name: "k" }] } }] }, gke: { location: "us-central1" } },
          externalSecrets: { vaultStore: { namespaces: ["apps"], paths: ["sys/*"] } },
          audit: { aks: { clusterId: "/subscriptions/x" } },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `clusterName: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "X_1"`,
          "encryption: set one of selfManaged, eks, gke, aks, got selfManaged and gke",
          'encryption.selfManaged: does not match clusterKind "eks" (use encryption.eks)',
          'encryption.gke: does not match clusterKind "eks" (use encryption.eks)',
          'audit.aks: does not match clusterKind "eks"',
          "externalSecrets.vaultStore: needs vault (the platform's Vault the stores point at)",
          'externalSecrets.vaultStore.paths[0]: glob at the root is not allowed without allowRootGlobs, got "sys/*"',
        ]);
        return true;
      },
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("stage 2 needs a reachable address, a CA file and exactly one login; AppRole logs in through auth_login", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new SecretsPlatform("x", {
          clusterName: "x",
          vault: { configuration: { token: "t", appRoleLogin: { roleId: "r", secretId: "s" }, address: "http://vault:8200" } as never },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "vault.configuration: set exactly one of token, appRoleLogin, got token and appRoleLogin",
          'vault.configuration.address: must be an https:// URL, got "http://vault:8200"',
          "vault.configuration.caCertFile: required (the file holding Vault's CA certificate on the machine running Pulumi)",
        ]);
        return true;
      },
    );
    assert.throws(() => new SecretsPlatform("y", { clusterName: "y", vault: { configuration: { token: "t", caCertFile: "ca.pem" } as never } }), /vault\.configuration\.address: required/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);

  const approle = await runProgram(() => {
    new SecretsPlatform("a", {
      clusterName: "a",
      vault: {
        cluster: { csiProvider: { enabled: false } },
        configuration: { appRoleLogin: { roleId: "pulumi-config", secretId: pulumi.secret("secret-id-1") }, address: "https://127.0.0.1:8200", caCertFile: "ca.pem" },
      },
    });
  });
  const provider = approle.one("pulumi:providers:vault", "a-vault-config");
  // The vault provider's auth_login block: POST <path> with these parameters (AppRole's login takes role_id/secret_id).
  assert.deepEqual(JSON.parse(provider.inputs.authLogin), { path: "auth/approle/login", parameters: { role_id: "pulumi-config", secret_id: "secret-id-1" } });
  assert.equal("token" in provider.inputs, false);
});

test("fleet: one Vault Kubernetes auth mount per remote cluster, verifying that cluster's tokens with its own reviewer JWT", async () => {
  const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const stack = await runProgram(
    () => {
      new SecretsPlatform("hub", {
        clusterName: "hub",
        vault: {
          configuration: {
            token: pulumi.secret("t"),
            address: "https://vault.hub.example.com:8200",
            caCertFile: "hub-ca.pem",
            remoteClusters: [
              {
                path: "kubernetes-edge",
                kubernetesHost: "https://edge.example.com",
                kubernetesCaCert: CA,
                tokenReviewerJwt: "reviewer-jwt-of-edge",
                roles: [{ name: "external-secrets", serviceAccounts: ["external-secrets"], namespaces: ["external-secrets"], rules: [{ path: "secret/data/shared/*", capabilities: ["read"] }] }],
              },
            ],
          },
        },
      });
    },
    { resourceState: planResourceState },
  );
  const configs = stack.all("vault:kubernetes/authBackendConfig:AuthBackendConfig");
  const edge = configs.find((c) => c.inputs.backend === "kubernetes-edge");
  assert.ok(edge, `configs: ${configs.map((c) => c.inputs.backend).join(", ")}`);
  assert.equal(edge.inputs.kubernetesHost, "https://edge.example.com");
  assert.equal(edge.inputs.kubernetesCaCert, CA);
  assert.equal(edge.inputs.disableLocalCaJwt, true);
  assert.equal(edge.inputs.tokenReviewerJwt, "reviewer-jwt-of-edge");
  assert.equal(stack.isSecret(edge, ["tokenReviewerJwt"]), true, "the reviewer JWT is a secret");
  const role = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").find((r) => r.inputs.backend === "kubernetes-edge");
  assert.deepEqual([role?.inputs.roleName, role?.inputs.tokenPolicies], ["external-secrets", ["kubernetes-edge-external-secrets"]]);
  assert.ok(stack.all("vault:index/policy:Policy").some((p) => p.inputs.name === "kubernetes-edge-external-secrets"));
});
