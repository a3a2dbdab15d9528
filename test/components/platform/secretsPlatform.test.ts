// SecretsPlatform: each part, and the wiring between parts that stacks rely on.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  InvalidArgumentsError,
  SecretsPlatform,
  esoNetworkPolicies,
  networkPolicySettings,
  triggerHash,
  validateSecretsPlatform,
  vaultNetworkPolicies,
  type SecretsPlatformArgs,
} from "../../../components";
import { planResourceState, PLAN_PLACEHOLDER_CERTIFICATE } from "../../../cli/lib/planState";
import { isSecretOutput, runProgram, unwrap, type TestStack } from "../../harness/pulumi";

const ESO_SA = "ServiceAccount external-secrets/external-secrets";

function selfManagedArgs(): SecretsPlatformArgs {
  return {
    clusterName: "c1",
    namespaces: [{ namespace: "apps" }],
    encryption: { selfManaged: { providers: [{ secretbox: { keys: [{ name: "k1" }] } }, { identity: true }] }, reencryption: { trigger: "secretbox/k1" } },
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
  // NetworkPolicies (c1-netpol-*) are asserted by their own test.
  assert.deepEqual(sorted(stack.children(root).map((r) => r.name).filter((n) => !n.startsWith("c1-netpol-"))), [
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

test("self-managed platform: the rewrite Job is triggered by the stated key; the EncryptionConfiguration is a secret", async () => {
  const { stack, platform } = local;
  const job = stack.one("kubernetes:batch/v1:Job");
  assert.equal(job.inputs.metadata.name, `secrets-reencrypt-${triggerHash("secretbox/k1")}`);
  assert.equal(await isSecretOutput(platform.encryptionConfigYaml), true);
  assert.match((await unwrap(platform.encryptionConfigYaml))!, /secretbox:/);
});

test("self-managed platform: each Vault SecretStore logs in as its own account through a role bound to exactly those accounts, audience vault", async () => {
  const { stack, platform } = local;
  const roles = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").map((r) => r.inputs);
  const eso = roles.find((r) => r.roleName === "external-secrets");
  assert.ok(eso, "the platform creates the external-secrets role");
  assert.deepEqual(eso.boundServiceAccountNames, ["eso-vault"], "the store's account, never ESO's controller");
  assert.deepEqual(eso.boundServiceAccountNamespaces, ["apps"]);
  assert.equal(eso.audience, "vault");
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
    auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets", serviceAccountRef: { name: "eso-vault", audiences: ["vault"] } } },
  });
  const storeSa = stack.all("kubernetes:core/v1:ServiceAccount").find((r) => r.inputs.metadata.name === "eso-vault");
  assert.deepEqual({ ns: storeSa?.inputs.metadata.namespace, automount: storeSa?.inputs.automountServiceAccountToken }, { ns: "apps", automount: false });
  const grant = stack.all("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").find((r) => r.inputs.metadata.name === "eso-vault-token");
  assert.deepEqual(grant?.inputs.subjects, [{ kind: "ServiceAccount", name: "external-secrets", namespace: "external-secrets" }]);
  assert.equal(await unwrap(platform.vaultAddress), "https://vault.vault.svc:8200");
  const es = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret");
  assert.deepEqual(es.inputs.spec.secretStoreRef, { name: "vault", kind: "SecretStore" });
  const spc = stack.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
  assert.equal(spc.inputs.spec.parameters.roleName, "demo");
  assert.equal(spc.inputs.spec.parameters.vaultAuthMountPath, "kubernetes");
  assert.equal(spc.inputs.spec.parameters.vaultAddress, "https://vault.vault.svc:8200");
  // vault-csi-provider requests the pod's token with this audience; the role checks it.
  assert.equal(spc.inputs.spec.parameters.audience, "vault");
  assert.equal(roles.find((r) => r.roleName === "demo")?.audience, "vault");
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

test("EKS platform: KMS key, rewrite on the key ARN, IRSA on the store's own account (none on ESO's controller), EKS audit logs", async () => {
  let platform: SecretsPlatform | undefined;
  const keyArn = "arn:aws:kms:us-east-1:123456789012:key/abc";
  const stack = await runProgram(
    () => {
      platform = new SecretsPlatform("prod", {
        clusterName: "prod",
        clusterKind: "eks",
        encryption: { eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/eks-cluster" }, reencryption: { trigger: keyArn } },
        externalSecrets: {
          aws: { mode: "irsa", oidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X", url: "https://oidc.eks.us-east-1.amazonaws.com/id/X" }, secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"] },
          stores: [{ clusterScoped: true, storeName: "aws", provider: { aws: { region: "us-east-1" } }, conditions: [{ namespaces: ["payments"] }] }],
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
  assert.deepEqual(chart?.inputs.values.serviceAccount.annotations, {}, "ESO's controller has no AWS identity");
  const storeSa = stack.one("kubernetes:core/v1:ServiceAccount", "prod-store-aws-cluster-sa");
  assert.deepEqual(
    { name: storeSa.inputs.metadata.name, namespace: storeSa.inputs.metadata.namespace, annotations: storeSa.inputs.metadata.annotations },
    { name: "eso-aws", namespace: "external-secrets", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso" } },
  );
  assert.deepEqual(JSON.parse(stack.one("aws:iam/role:Role").inputs.assumeRolePolicy).Statement[0].Condition, {
    StringEquals: { "oidc.eks.us-east-1.amazonaws.com/id/X:sub": "system:serviceaccount:external-secrets:eso-aws", "oidc.eks.us-east-1.amazonaws.com/id/X:aud": "sts.amazonaws.com" },
  });
  assert.deepEqual(stack.one("kubernetes:external-secrets.io/v1:ClusterSecretStore").inputs.spec.provider.aws.auth, {
    jwt: { serviceAccountRef: { name: "eso-aws", namespace: "external-secrets" } },
  });
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
        networkPolicies: { vaultClientCidrs: ["203.0.113.0/28"] },
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

// Ports and pod labels from `helm template` of the pinned charts: vault 0.34.1 (server 8200 api, 8201
// cluster; labels app.kubernetes.io/name=vault, component=server), external-secrets 2.9.0 (webhook
// containerPort 10250), sealed-secrets 2.18.5 (http 8080), vault-csi-provider (no ingress: unix socket).
const anyButLinkLocal = [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }];
const API = { to: anyButLinkLocal, ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] };
const DNS = {
  to: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kube-system"] }] }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
};
const SERVER = { matchLabels: { "app.kubernetes.io/name": "vault", component: "server" } };

test("self-managed platform: default-deny in every namespace it creates, allow rules admitting exactly what each controller needs", async () => {
  const { stack } = local;
  const policies = stack.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs);
  const find = (ns: string, name: string) => {
    const found = policies.filter((p) => p.metadata.namespace === ns && p.metadata.name === name);
    assert.equal(found.length, 1, `${ns}/${name}`);
    return found[0].spec;
  };
  for (const ns of ["apps", "external-secrets", "vault", "vault-csi-provider", "secrets-store-csi", "secrets-reencryption"]) {
    assert.deepEqual(find(ns, "default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, ns);
  }
  assert.deepEqual(find("vault", "vault-server"), {
    podSelector: SERVER,
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [{ podSelector: SERVER }], ports: [{ protocol: "TCP", port: 8200 }, { protocol: "TCP", port: 8201 }] },
      // ESO's controller (the vaultStore), the CSI provider, the demo role's namespace: no other namespace.
      { from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["apps", "external-secrets", "vault-csi-provider"] }] } }], ports: [{ protocol: "TCP", port: 8200 }] },
    ],
    egress: [DNS, API, { to: [{ podSelector: SERVER }], ports: [{ protocol: "TCP", port: 8200 }, { protocol: "TCP", port: 8201 }] }],
  });
  assert.deepEqual(find("external-secrets", "external-secrets-webhook"), {
    podSelector: { matchLabels: { "app.kubernetes.io/name": "external-secrets-webhook" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: anyButLinkLocal, ports: [{ protocol: "TCP", port: 10250 }] }],
    egress: [DNS, API],
  });
  assert.deepEqual(find("external-secrets", "external-secrets-controller"), {
    podSelector: { matchLabels: { "app.kubernetes.io/name": "external-secrets" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
    egress: [
      DNS,
      API,
      // Providers on 443, never the node's metadata service (169.254.0.0/16): no fallback to the node's identity.
      { to: anyButLinkLocal, ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["vault"] }] }, podSelector: SERVER }], ports: [{ protocol: "TCP", port: 8200 }] },
    ],
  });
  assert.deepEqual(find("vault-csi-provider", "vault-csi-provider").egress[2], {
    to: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["vault"] }] }, podSelector: SERVER }],
    ports: [{ protocol: "TCP", port: 8200 }],
  });
  assert.deepEqual(find("vault-csi-provider", "vault-csi-provider").ingress, [], "the driver reaches the provider over a unix socket");
  // kube-system is not the platform's: only the Sealed Secrets pods are selected (and so isolated).
  assert.deepEqual(find("kube-system", "sealed-secrets-controller"), {
    podSelector: { matchLabels: { "app.kubernetes.io/name": "sealed-secrets" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: anyButLinkLocal, ports: [{ protocol: "TCP", port: 8080 }] }],
    egress: [DNS, API],
  });
  assert.deepEqual(policies.filter((p) => p.metadata.namespace === "kube-system").map((p) => p.metadata.name), ["sealed-secrets-controller"], "no default deny in kube-system");
  for (const ns of stack.all("kubernetes:core/v1:Namespace")) {
    assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce-version"], "v1.33", `${ns.inputs.metadata.name}: pinned, not latest`);
  }
});

test("platform network policies: auto-unseal egress reaches the KMS and exactly its node agent; external Vault ports; fleet clients need explicit CIDRs", () => {
  const s = networkPolicySettings({});
  const [, server] = vaultNetworkPolicies({ namespace: "vault", clientNamespaces: ["b", "a", "a"], injector: false, cloudKms: true, metadataAgent: "eks-pod-identity" }, s);
  assert.deepEqual((server.spec.egress as unknown[]).slice(3), [
    { to: anyButLinkLocal, ports: [{ protocol: "TCP", port: 443 }] },
    { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
  ]);
  assert.deepEqual((server.spec.ingress as any[])[1].from[0].namespaceSelector.matchExpressions[0].values, ["a", "b"]);
  const gke = vaultNetworkPolicies({ namespace: "vault", clientNamespaces: [], injector: true, cloudKms: true, metadataAgent: "gke-metadata" }, networkPolicySettings({ vaultClientCidrs: ["203.0.113.0/28"] }));
  assert.deepEqual((gke[1].spec.egress as unknown[]).slice(4), [
    { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
    { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
  ]);
  assert.deepEqual((gke[1].spec.ingress as unknown[])[2], { from: [{ ipBlock: { cidr: "203.0.113.0/28" } }], ports: [{ protocol: "TCP", port: 8200 }] });
  assert.deepEqual(gke[2].spec.ingress, [{ from: anyButLinkLocal, ports: [{ protocol: "TCP", port: 8080 }] }], "the injector webhook admits the API server");
  const eso = esoNetworkPolicies({ namespace: "external-secrets", externalPorts: [8200] }, networkPolicySettings({ cloudApiCidrs: ["10.0.0.0/8"], apiServerCidrs: ["172.16.0.0/28"] }));
  assert.deepEqual((eso[1].spec.egress as unknown[]).slice(1), [
    { to: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 6443 }] },
    { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 8200 }] },
  ]);
  const fleet = selfManagedArgs();
  fleet.vault!.configuration!.remoteClusters = [
    { path: "kubernetes-edge", kubernetesHost: "https://edge:6443", kubernetesCaCert: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----", tokenReviewerJwt: "a.b.c", roles: [] },
  ];
  assert.ok(validateSecretsPlatform(fleet).includes("networkPolicies.vaultClientCidrs: the clusters of vault.configuration.remoteClusters reach Vault from outside this cluster; list their egress CIDRs (or disable networkPolicies)"));
  fleet.networkPolicies = { vaultClientCidrs: ["203.0.113.0/28"] };
  assert.deepEqual(validateSecretsPlatform(fleet).filter((p) => p.startsWith("networkPolicies")), []);
  assert.deepEqual(validateSecretsPlatform({ ...selfManagedArgs(), kubernetesVersion: "latest" }), ['kubernetesVersion: must be a Kubernetes version such as 1.33, got "latest"']);
});

test("rewrite trigger: required, never the key the platform creates; self-managed: a key of the configuration", async () => {
  const problemsOf = (args: SecretsPlatformArgs) => {
    try {
      new SecretsPlatform("p", args);
      return [];
    } catch (e) {
      assert.ok(e instanceof InvalidArgumentsError);
      return e.problems;
    }
  };
  await runProgram(() => {
    assert.deepEqual(problemsOf({ clusterName: "p", clusterKind: "eks", encryption: { eks: { clusterRoleArn: "arn:aws:iam::123456789012:role/c" }, reencryption: {} } }), [
      "encryption.reencryption.trigger: required: the key the cluster encrypts Secrets with now (e.g. the KMS key ARN the cluster reports)",
    ]);
    const sm = { providers: [{ secretbox: { keys: [{ name: "k2" }, { name: "k1" }] } }] };
    assert.deepEqual(problemsOf({ clusterName: "p", encryption: { selfManaged: sm, reencryption: { trigger: "secretbox/k3" } } }), [
      'encryption.reencryption.trigger: "secretbox/k3" is not a key of encryption.selfManaged (one of secretbox/k2, secretbox/k1)',
    ]);
    // Retiring k0 while the cluster still writes with k1 (the stated key): the rewrite with k2 has not run.
    assert.deepEqual(problemsOf({ clusterName: "p", encryption: { selfManaged: { ...sm, retiredKeys: [{ name: "k0" }] }, reencryption: { trigger: "secretbox/k1" } } }), [
      'encryption.selfManaged.retiredKeys[0]: key "k0" may still encrypt Secrets: retire it only with a rewrite with the write key "secretbox/k2" (the key the cluster encrypts with now), got a rewrite with "secretbox/k1"',
    ]);
    assert.deepEqual(problemsOf({ clusterName: "p", encryption: { selfManaged: { ...sm, retiredKeys: [{ name: "k0" }] } } }), [
      'encryption.selfManaged.retiredKeys[0]: key "k0" may still encrypt Secrets: retire it only with a rewrite with the write key "secretbox/k2" (the key the cluster encrypts with now), got no rewrite',
    ]);
  });
});

test("self-managed retirement: the retired key leaves the configuration only after the rewrite Job, and stays in state (protected)", async () => {
  let platform: SecretsPlatform | undefined;
  const stack = await runProgram(
    () => {
      platform = new SecretsPlatform("r", {
        clusterName: "r",
        encryption: {
          selfManaged: { providers: [{ secretbox: { keys: [{ name: "k2" }] } }], retiredKeys: [{ name: "k1" }] },
          reencryption: { trigger: "secretbox/k2" },
        },
      });
    },
    { resourceState: planResourceState },
  );
  const keys = stack.all("random:index/randomBytes:RandomBytes");
  assert.deepEqual(keys.map((k) => k.name).sort(), ["r-encryption-key-k1", "r-encryption-key-k2"], "the retired key's resource stays");
  // The engine refuses to delete a protected resource: dropping a key from the program fails the update.
  assert.deepEqual(keys.map((k) => k.options.protect), [true, true]);
  const yaml = await unwrap(platform!.encryptionConfigYaml);
  assert.match(yaml!, /name: k2/);
  assert.doesNotMatch(yaml!, /name: k1/);
  const job = stack.one("kubernetes:batch/v1:Job");
  assert.equal(job.inputs.metadata.name, `secrets-reencrypt-${triggerHash("secretbox/k2")}`);
  // The output without k1 is derived from the Job's status: the engine resolves it only after the Job completed.
  const deps: Set<pulumi.Resource> = await (platform!.encryptionConfigYaml as any).allResources();
  const urns = await Promise.all([...deps].map((r) => unwrap(r.urn)));
  assert.ok(urns.includes(job.urn), "the configuration without the retired key waits for the rewrite Job");
  // Without a retired key, the configuration does not wait for the Job (that Job runs after it is installed).
  const plain = local.platform.encryptionConfigYaml as any;
  const plainUrns = await Promise.all([...((await plain.allResources()) as Set<pulumi.Resource>)].map((r) => unwrap(r.urn)));
  assert.ok(!plainUrns.some((u) => u.endsWith("::c1-reencryption-job")), plainUrns.join(","));
});

const KB_OIDC = { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X", url: "https://oidc.eks.us-east-1.amazonaws.com/id/X" };

/** An EKS platform whose payments store reads one secret, with the sealing key backed up through `keyStore`. */
function keyBackupArgs(over: Partial<SecretsPlatformArgs> = {}): SecretsPlatformArgs {
  return {
    clusterName: "kb",
    clusterKind: "eks",
    externalSecrets: {
      aws: { mode: "irsa", oidcProvider: KB_OIDC, secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"] },
      stores: [{ storeName: "aws-sm", clusterScoped: true, conditions: [{ namespaces: ["payments"] }], provider: { aws: { region: "us-east-1" } } }],
    },
    sealedSecrets: { keyStore: { aws: { region: "us-east-1" } }, controller: { keyBackup: { remoteKey: "prod/sealing-keys" } } },
    ...over,
  };
}

test("sealing-key backup on AWS: a SecretStore in kube-system with an IAM role of its own writes exactly the backup secret; the payments store's role cannot reach it", async () => {
  const stack = await runProgram(() => void new SecretsPlatform("kb", keyBackupArgs()), { resourceState: planResourceState });
  const policies = stack.all("aws:iam/rolePolicy:RolePolicy");
  const policyOf = (name: string) => JSON.parse(policies.find((p) => p.name === name)!.inputs.policy);
  // The shared role of the payments store reads prod/db only: no statement names the sealing key.
  assert.deepEqual(policyOf("kb-eso-aws-read-secrets").Statement, [
    {
      Sid: "ReadListedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
      Resource: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"],
    },
  ]);
  // The key store's role: exactly what ESO 2.9's PushSecret calls, on exactly the backup secret's ARN pattern.
  assert.deepEqual(policyOf("kb-sealing-key-aws-read-secrets").Statement, [
    {
      Sid: "PushListedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:DeleteResourcePolicy", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:TagResource"],
      Resource: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/sealing-keys-??????"],
    },
  ]);
  // Each role trusts exactly its own store's account (IRSA sub), none the other's.
  const trustOf = (name: string) => JSON.parse(stack.one("aws:iam/role:Role", name).inputs.assumeRolePolicy).Statement[0].Condition.StringEquals;
  assert.deepEqual(trustOf("kb-sealing-key-aws-role"), {
    "oidc.eks.us-east-1.amazonaws.com/id/X:sub": "system:serviceaccount:kube-system:eso-sealing-key-store",
    "oidc.eks.us-east-1.amazonaws.com/id/X:aud": "sts.amazonaws.com",
  });
  assert.equal(trustOf("kb-eso-aws-role")["oidc.eks.us-east-1.amazonaws.com/id/X:sub"], "system:serviceaccount:external-secrets:eso-aws-sm");
  // The store: namespaced (only kube-system's ExternalSecrets/PushSecrets can use it), as its own account.
  const store = stack.one("kubernetes:external-secrets.io/v1:SecretStore");
  assert.deepEqual(
    { name: store.inputs.metadata.name, namespace: store.inputs.metadata.namespace, provider: store.inputs.spec.provider },
    {
      name: "sealing-key-store",
      namespace: "kube-system",
      provider: { aws: { service: "SecretsManager", region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "eso-sealing-key-store" } } } } },
    },
  );
  const account = stack.all("kubernetes:core/v1:ServiceAccount").find((a) => a.inputs.metadata.name === "eso-sealing-key-store")!;
  assert.equal(account.inputs.metadata.namespace, "kube-system");
  assert.equal(account.inputs.automountServiceAccountToken, false);
  assert.deepEqual(Object.keys(account.inputs.metadata.annotations), ["eks.amazonaws.com/role-arn"]);
  const storeAccountOf = (name: string) => stack.all("kubernetes:core/v1:ServiceAccount").find((a) => a.inputs.metadata.name === name)!.inputs.metadata.annotations["eks.amazonaws.com/role-arn"];
  // Each account carries its own role (the plan's mock ARN is arn:aws:iam::<account>:role/<resource name>).
  assert.equal(storeAccountOf("eso-sealing-key-store"), "arn:aws:iam::123456789012:role/kb-sealing-key-aws-role");
  assert.equal(storeAccountOf("eso-aws-sm"), "arn:aws:iam::123456789012:role/kb-eso-aws-role");
  // The PushSecret: through that store, the whole key Secret in one write, after ESO's chart and the store.
  const push = stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret");
  assert.deepEqual(push.inputs.spec.secretStoreRefs, [{ name: "sealing-key-store", kind: "SecretStore" }]);
  assert.deepEqual(push.inputs.spec.data, [{ match: { remoteRef: { remoteKey: "prod/sealing-keys" } } }]);
  const esoChart = stack.all("kubernetes:helm.sh/v4:Chart").find((c) => c.inputs.chart === "external-secrets")!;
  assert.ok(push.options.dependsOn.includes(esoChart.urn), "the PushSecret waits for ESO's chart (its CRDs)");
  assert.ok(push.options.dependsOn.includes(store.urn), "and for the store it pushes to");
});

test("sealing-key import only (AWS): the key store's role reads exactly the imported secret and writes nothing", async () => {
  const stack = await runProgram(
    () => void new SecretsPlatform("kb", keyBackupArgs({ sealedSecrets: { keyStore: { aws: { region: "us-east-1" } }, controller: { keyImport: { remoteKey: "fleet/sealing-key" } } } })),
    { resourceState: planResourceState },
  );
  const policy = JSON.parse(stack.all("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "kb-sealing-key-aws-read-secrets")!.inputs.policy);
  assert.deepEqual(policy.Statement, [
    {
      Sid: "ReadListedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
      Resource: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:fleet/sealing-key-??????"],
    },
  ]);
  const imported = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret");
  assert.deepEqual(imported.inputs.spec.secretStoreRef, { name: "sealing-key-store", kind: "SecretStore" });
});

test("sealing-key backup: the careless wirings are refused before anything is created, naming the field", () => {
  const cases: Array<[string, SecretsPlatformArgs, string]> = [
    [
      "through the payments ClusterSecretStore (shared identity)",
      keyBackupArgs({ sealedSecrets: { controller: { keyBackup: { secretStoreName: "aws-sm", remoteKey: "prod/sealing-keys" } } } }),
      'sealedSecrets.controller.keyBackup.secretStoreName: "aws-sm" is a store of the platform whose identity other stores share, so every namespace they serve could read the sealing key (which decrypts every SealedSecret); use sealedSecrets.keyStore',
    ],
    [
      "through a ClusterSecretStore made elsewhere (the default kind)",
      keyBackupArgs({ sealedSecrets: { controller: { keyBackup: { secretStoreName: "elsewhere", remoteKey: "prod/sealing-keys" } } } }),
      "sealedSecrets.controller.keyBackup.secretStoreKind: a ClusterSecretStore (the default) lets every namespace it admits read the sealing key through an ExternalSecret; use sealedSecrets.keyStore, or a SecretStore in kube-system with an identity of its own",
    ],
    [
      "no store at all",
      keyBackupArgs({ sealedSecrets: { controller: { keyBackup: { remoteKey: "prod/sealing-keys" } } } }),
      "sealedSecrets.controller.keyBackup.secretStoreName: required without sealedSecrets.keyStore; set sealedSecrets.keyStore to give the key a store and identity of its own",
    ],
    [
      "two providers",
      keyBackupArgs({ sealedSecrets: { keyStore: { aws: { region: "us-east-1" }, vault: {} }, controller: { keyBackup: {} } } }),
      "sealedSecrets.keyStore: set exactly one of aws, gcp, azure, vault, got aws and vault",
    ],
    [
      "a wildcard remote key",
      keyBackupArgs({ sealedSecrets: { keyStore: { aws: { region: "us-east-1" } }, controller: { keyBackup: { remoteKey: "prod/*" } } } }),
      'sealedSecrets.controller.keyBackup.remoteKey: must be a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -, no wildcards), got "prod/*"',
    ],
    [
      "AWS without the cluster's OIDC provider",
      keyBackupArgs({ externalSecrets: { stores: [] }, sealedSecrets: { keyStore: { aws: { region: "us-east-1" } }, controller: { keyBackup: {} } } }),
      "sealedSecrets.keyStore.aws: needs externalSecrets.aws (its oidcProvider: the store's role trusts its account through IRSA)",
    ],
  ];
  for (const [what, args, expected] of cases) {
    const problems = validateSecretsPlatform(args, "kb");
    assert.ok(problems.includes(expected), `${what}: ${problems.join("\n")}`);
    assert.throws(() => new SecretsPlatform("kb", args), (e: unknown) => e instanceof InvalidArgumentsError && e.message.includes(expected.split(": ")[0]), what);
  }
  // The least-privilege twin is clean.
  assert.deepEqual(validateSecretsPlatform(keyBackupArgs(), "kb"), []);
});

test("sealing-key backup on the platform's Vault: a role and policy of its own (create/read/update on exactly the backup's data and metadata paths), check-and-set on", async () => {
  const args = selfManagedArgs();
  args.sealedSecrets = {
    keyStore: { vault: {} },
    controller: { keyBackup: { remoteKey: "platform/sealed-secrets-keys" } },
  };
  const stack = await runProgram(() => void new SecretsPlatform("c1", args), { resourceState: planResourceState });
  const role = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").find((r) => r.inputs.roleName === "sealing-key-store")!.inputs;
  assert.deepEqual(
    [role.boundServiceAccountNames, role.boundServiceAccountNamespaces, role.audience, role.tokenPolicies],
    [["eso-sealing-key-store"], ["kube-system"], "vault", ["sealing-key-store"]],
  );
  // ESO 2.9's KV v2 push (providers/v1/vault/client_push.go): reads data and metadata, writes the managed-by
  // custom metadata, then the data. Nothing else: no delete, list or destroy, no other path.
  assert.equal(
    stack.one("vault:index/policy:Policy", "c1-vault-policy-sealing-key-store-policy").inputs.policy,
    "# Managed by kube-secrets-platform: changes made in Vault are overwritten.\n\n" +
      'path "secret/data/platform/sealed-secrets-keys" {\n  capabilities = ["create", "read", "update"]\n}\n\n' +
      'path "secret/metadata/platform/sealed-secrets-keys" {\n  capabilities = ["create", "read", "update"]\n}\n',
  );
  // The apps store's role is unchanged: it cannot reach the backup.
  const esoPolicy = stack.one("vault:index/policy:Policy", "c1-vault-policy-external-secrets-policy").inputs.policy as string;
  assert.doesNotMatch(esoPolicy, /sealed-secrets-keys/);
  const store = stack.all("kubernetes:external-secrets.io/v1:SecretStore").find((s) => s.inputs.metadata.name === "sealing-key-store")!;
  assert.equal(store.inputs.metadata.namespace, "kube-system");
  // The platform's KV mount has cas_required: ESO must send cas (spec checkAndSet.required, secretstore_vault_types.go).
  assert.deepEqual(store.inputs.spec.provider.vault, {
    server: "https://vault.vault.svc:8200",
    path: "secret",
    version: "v2",
    caBundle: Buffer.from(PLAN_PLACEHOLDER_CERTIFICATE).toString("base64"),
    checkAndSet: { required: true },
    auth: { kubernetes: { mountPath: "kubernetes", role: "sealing-key-store", serviceAccountRef: { name: "eso-sealing-key-store", audiences: ["vault"] } } },
  });
  assert.deepEqual(stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret").inputs.spec.secretStoreRefs, [{ name: "sealing-key-store", kind: "SecretStore" }]);
  // ESO's controller (which logs in for the store) may reach Vault, and Vault admits it, with no vaultStore at all.
  const noVaultStore = selfManagedArgs();
  noVaultStore.externalSecrets = {};
  noVaultStore.sealedSecrets = args.sealedSecrets;
  const bare = await runProgram(() => void new SecretsPlatform("c1", noVaultStore), { resourceState: planResourceState });
  const specs = bare.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((n) => n.inputs);
  const vaultServer = specs.find((p) => p.metadata.namespace === "vault" && p.metadata.name === "vault-server")!.spec;
  assert.deepEqual(vaultServer.ingress[1].from[0].namespaceSelector.matchExpressions[0].values.includes("external-secrets"), true);
  const esoEgress = JSON.stringify(specs.filter((p) => p.metadata.namespace === "external-secrets").map((p) => p.spec));
  assert.match(esoEgress, /"values":\["vault"\]/);
});

test("sealing-key backup on GCP: the stack creates the backup secret; a Google service account of its own, trusted by the key store's account only, may read it and add versions", async () => {
  const stack = await runProgram(
    () =>
      void new SecretsPlatform("kg", {
        clusterName: "kg",
        clusterKind: "gke",
        externalSecrets: {
          gcp: { project: "p-cluster", secretProject: "p-secrets", secrets: ["payments-db"] },
          stores: [{ storeName: "gsm", namespace: "payments", provider: { gcpsm: { projectId: "p-secrets" } } }],
        },
        sealedSecrets: { keyStore: { gcp: {} }, controller: { keyBackup: { remoteKey: "sealed-secrets-keys-kg" } } },
      }),
    { config: { "gcp:addPulumiAttributionLabel": "false" }, resourceState: planResourceState },
  );
  const secret = stack.one("gcp:secretmanager/secret:Secret");
  assert.deepEqual(secret.inputs, { project: "p-secrets", secretId: "sealed-secrets-keys-kg", replication: { auto: {} }, labels: { "managed-by": "external-secrets" } });
  assert.equal(secret.options.retainOnDelete, true);
  const accounts = stack.all("gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId).sort();
  assert.deepEqual(accounts, ["eso-kg-eso-gcp", "sealing-key-kg"]);
  const bindings = stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").map((b) => [b.inputs.secretId, b.inputs.role, String(b.inputs.member).split("@")[0]]).sort();
  assert.deepEqual(bindings, [
    ["payments-db", "roles/secretmanager.secretAccessor", "serviceAccount:eso-kg-eso-gcp"],
    ["sealed-secrets-keys-kg", "roles/secretmanager.secretAccessor", "serviceAccount:sealing-key-kg"],
    ["sealed-secrets-keys-kg", "roles/secretmanager.secretVersionAdder", "serviceAccount:sealing-key-kg"],
    ["sealed-secrets-keys-kg", "roles/secretmanager.viewer", "serviceAccount:sealing-key-kg"],
  ]);
  const wi = stack.all("gcp:serviceaccount/iAMMember:IAMMember").map((m) => [m.name, m.inputs.member]).sort();
  assert.deepEqual(wi, [
    ["kg-eso-gcp-workload-identity-payments-eso-gsm", "serviceAccount:p-cluster.svc.id.goog[payments/eso-gsm]"],
    ["kg-sealing-key-gcp-workload-identity-kube-system-eso-sealing-key-store", "serviceAccount:p-cluster.svc.id.goog[kube-system/eso-sealing-key-store]"],
  ]);
  const store = stack.all("kubernetes:external-secrets.io/v1:SecretStore").find((s) => s.inputs.metadata.name === "sealing-key-store")!;
  assert.equal(store.inputs.metadata.namespace, "kube-system");
  assert.deepEqual(store.inputs.spec.provider, { gcpsm: { projectID: "p-secrets", auth: { workloadIdentity: { serviceAccountRef: { name: "eso-sealing-key-store" } } } } });
  // With the default provider's attribution label on, the backup would never be written: refused up front.
  let refused = false;
  await runProgram(
    () =>
      assert.throws(
        () =>
          new SecretsPlatform("kg", {
            clusterName: "kg",
            clusterKind: "gke",
            externalSecrets: { gcp: { project: "p-cluster", secrets: ["payments-db"], serviceAccounts: [{ namespace: "payments", name: "x" }] } },
            sealedSecrets: { keyStore: { gcp: {} }, controller: { keyBackup: {} } },
          }),
        (e: unknown) => (refused = e instanceof InvalidArgumentsError && /gcp:addPulumiAttributionLabel is not false/.test(e.message)),
      ),
    { resourceState: planResourceState },
  );
  assert.ok(refused);
});

test("sealing-key backup on Azure: the stack creates the backup secret; an identity of its own gets a custom get/set role on exactly that secret", async () => {
  const vaultId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-apps";
  const base: SecretsPlatformArgs = {
    clusterName: "ka",
    clusterKind: "aks",
    externalSecrets: {
      azure: { resourceGroupName: "rg-sec", keyVaultId: vaultId, secretNames: ["payments-db"], oidcIssuerUrl: "https://issuer.example/" },
      stores: [{ storeName: "akv", namespace: "payments", provider: { azurekv: { vaultUrl: "https://kv-apps.vault.azure.net" } } }],
    },
    sealedSecrets: { keyStore: { azure: { vaultUrl: "https://kv-apps.vault.azure.net" } }, controller: { keyBackup: { remoteKey: "sealing-keys-ka" } } },
  };
  const stack = await runProgram(() => void new SecretsPlatform("ka", base), { resourceState: planResourceState });
  const secret = stack.one("azure-native:keyvault:Secret");
  assert.deepEqual([secret.inputs.resourceGroupName, secret.inputs.vaultName, secret.inputs.secretName, secret.inputs.tags], ["rg-sec", "kv-apps", "sealing-keys-ka", { "managed-by": "external-secrets" }]);
  assert.deepEqual([secret.options.retainOnDelete, secret.options.ignoreChanges], [true, ["properties", "tags"]]);
  const role = stack.one("azure-native:authorization:RoleDefinition");
  assert.deepEqual(role.inputs.permissions, [
    { actions: [], notActions: [], dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/setSecret/action"], notDataActions: [] },
  ]);
  const assignments = stack.all("azure-native:authorization:RoleAssignment").map((a) => [a.name, a.inputs.scope]).sort();
  assert.deepEqual(assignments, [
    ["ka-eso-azure-secrets-user-0", `${vaultId}/secrets/payments-db`],
    ["ka-sealing-key-azure-push-sealing-keys-ka", `${vaultId}/secrets/sealing-keys-ka`],
  ]);
  const credentials = stack.all("azure-native:managedidentity:FederatedIdentityCredential").map((c) => [c.name.split("-federated")[0], c.inputs.subject]).sort();
  assert.deepEqual(credentials, [
    ["ka-eso-azure", "system:serviceaccount:payments:eso-akv"],
    ["ka-sealing-key-azure", "system:serviceaccount:kube-system:eso-sealing-key-store"],
  ]);
  const store = stack.all("kubernetes:external-secrets.io/v1:SecretStore").find((s) => s.inputs.metadata.name === "sealing-key-store")!;
  assert.deepEqual(
    [store.inputs.metadata.namespace, store.inputs.spec.provider.azurekv.authType, store.inputs.spec.provider.azurekv.serviceAccountRef, store.inputs.spec.provider.azurekv.vaultUrl],
    ["kube-system", "WorkloadIdentity", { name: "eso-sealing-key-store" }, "https://kv-apps.vault.azure.net"],
  );
  // Restoring and backing up the same key: the secret exists already, so it is not written over with a placeholder.
  const restore = await runProgram(
    () =>
      void new SecretsPlatform("ka", {
        ...base,
        sealedSecrets: { keyStore: base.sealedSecrets!.keyStore, controller: { keyBackup: { remoteKey: "sealing-keys-ka" }, keyImport: { remoteKey: "sealing-keys-ka" } } },
      }),
    { resourceState: planResourceState },
  );
  assert.deepEqual(restore.all("azure-native:keyvault:Secret"), []);
  assert.ok(restore.all("azure-native:authorization:RoleAssignment").some((a) => a.inputs.scope === `${vaultId}/secrets/sealing-keys-ka`));
});

test("sealing-key import through the platform's Vault at stage 1 is refused: the controller would wait for a key no Vault role can serve yet", () => {
  const args = selfManagedArgs();
  delete args.vault!.configuration;
  args.sealedSecrets = { keyStore: { vault: {} }, controller: { keyImport: { remoteKey: "platform/sealing-key" } } };
  assert.ok(
    validateSecretsPlatform(args, "c1").includes(
      "sealedSecrets.controller.keyImport: through keyStore.vault it needs Vault's configuration (stage 2: the store's Vault role): the controller waits for the imported key, which stage 1 cannot serve; import from a cloud keyStore, or add keyImport in the stage-2 update",
    ),
  );
  // The backup alone is fine at stage 1 (the PushSecret retries; nothing waits for it).
  args.sealedSecrets = { keyStore: { vault: {} }, controller: { keyBackup: { remoteKey: "platform/sealing-key" } } };
  assert.deepEqual(validateSecretsPlatform(args, "c1").filter((p) => p.startsWith("sealedSecrets")), []);
});

test("sealing-key store on Vault: a remote key or mount that is no plain KV path is refused, naming the field", () => {
  const args = selfManagedArgs();
  args.sealedSecrets = { keyStore: { vault: { mount: "kv/../sys" } }, controller: { keyBackup: { remoteKey: "platform/*" } } };
  assert.deepEqual(
    validateSecretsPlatform(args, "c1").filter((p) => p.startsWith("sealedSecrets")),
    [
      `sealedSecrets.controller.keyBackup.remoteKey: must be a KV path under the mount (segments of letters, digits, '_', '.', '-'; no wildcards), got "platform/*"`,
      `sealedSecrets.keyStore.vault.mount: must be a mount path (letters, digits, '_', '-', segments separated by '/'), got "kv/../sys"`,
    ],
  );
});
