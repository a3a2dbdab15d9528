import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentsError, VaultCluster, vaultReloaderScript, vaultServerConfig, vaultServerDnsNames, type VaultClusterArgs } from "../../../components";
import { runProgram, unwrap, type TestStack } from "../../harness/pulumi";

const CHART = "kubernetes:helm.sh/v4:Chart";
const CA_PEM = "-----BEGIN CERTIFICATE-----\nTEST-CA\n-----END CERTIFICATE-----\n";
const SERVER_PEM = "-----BEGIN CERTIFICATE-----\nTEST-SERVER\n-----END CERTIFICATE-----\n";

/** Real keys for the tls PrivateKeys, and the outputs cloud providers would compute. */
function providerState() {
  const keys = new Map<string, string>();
  const state = (args: pulumi.runtime.MockResourceArgs): Record<string, unknown> | undefined => {
    switch (args.type) {
      case "tls:index/privateKey:PrivateKey": {
        const curve = args.inputs.ecdsaCurve === "P384" ? "secp384r1" : "prime256v1";
        const pem = generateKeyPairSync("ec", { namedCurve: curve }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        keys.set(args.name, pem);
        return { privateKeyPem: pem };
      }
      case "tls:index/selfSignedCert:SelfSignedCert":
        return { certPem: CA_PEM };
      case "tls:index/certRequest:CertRequest":
        return { certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----\nCSR\n-----END CERTIFICATE REQUEST-----\n" };
      case "tls:index/locallySignedCert:LocallySignedCert":
        return { certPem: SERVER_PEM };
      case "aws:iam/role:Role":
        return { name: `${args.name}-abc`, arn: `arn:aws:iam::123456789012:role/${args.name}-abc` };
      case "gcp:serviceaccount/account:Account":
        return { name: `projects/p/serviceAccounts/${args.inputs.accountId}@p.iam.gserviceaccount.com`, email: `${args.inputs.accountId}@p.iam.gserviceaccount.com` };
      case "azure-native:managedidentity:UserAssignedIdentity":
        return { name: `${args.name}-mi`, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222" };
      default:
        return undefined;
    }
  };
  return { keys, state };
}

function vaultValues(stack: TestStack, name = "vault-chart") {
  return stack.one(CHART, name).inputs.values;
}

const RAFT_3 = `ui = false
disable_mlock = true

listener "tcp" {
  address = "[::]:8200"
  cluster_address = "[::]:8201"
  tls_disable = false
  tls_cert_file = "/vault/userconfig/vault-server-tls/tls.crt"
  tls_key_file = "/vault/userconfig/vault-server-tls/tls.key"
  tls_min_version = "tls12"
}

storage "raft" {
  path = "/vault/data"

  retry_join {
    leader_api_addr = "https://vault-0.vault-internal:8200"
    leader_ca_cert_file = "/vault/userconfig/vault-server-tls/ca.crt"
    leader_tls_servername = "vault-0.vault-internal"
  }

  retry_join {
    leader_api_addr = "https://vault-1.vault-internal:8200"
    leader_ca_cert_file = "/vault/userconfig/vault-server-tls/ca.crt"
    leader_tls_servername = "vault-1.vault-internal"
  }

  retry_join {
    leader_api_addr = "https://vault-2.vault-internal:8200"
    leader_ca_cert_file = "/vault/userconfig/vault-server-tls/ca.crt"
    leader_tls_servername = "vault-2.vault-internal"
  }
}

service_registration "kubernetes" {}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname = true
}
`;

test("VaultCluster (defaults, Shamir): exact chart values, TLS secret, outputs", async () => {
  const { keys, state } = providerState();
  let vc: VaultCluster | undefined;
  const stack = await runProgram(() => {
    vc = new VaultCluster("vault", {});
  }, { resourceState: state });

  const component = stack.one("kube-secrets-platform:index:VaultCluster", "vault");
  const chart = stack.one(CHART, "vault-chart");
  assert.equal(chart.parent, component.urn);
  assert.equal(chart.inputs.chart, "vault");
  assert.equal(chart.inputs.version, "0.34.1");
  assert.deepEqual(chart.inputs.repositoryOpts, { repo: "https://helm.releases.hashicorp.com" });
  assert.equal(chart.inputs.name, "vault");
  assert.equal(chart.inputs.namespace, "vault");
  const restrictedPod = { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } };
  const restrictedContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
  assert.deepEqual(chart.inputs.values, {
    global: { enabled: true, tlsDisable: false, psp: { enable: false }, serverTelemetry: { prometheusOperator: false } },
    injector: { enabled: false },
    server: {
      enabled: true,
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
      extraEnvironmentVars: { VAULT_CACERT: "/vault/userconfig/vault-server-tls/ca.crt" },
      extraVolumes: [{ type: "secret", name: "vault-server-tls" }],
      volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }],
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      extraLabels: {},
      image: { repository: "hashicorp/vault", tag: "2.0.4" },
      // vault-helm 0.34.1 templates/server-statefulset.yaml: readinessProbe.enabled + .path → httpGet {path, port,
      // scheme HTTPS}; Vault's sys/health answers 204 here while sealed or uninitialized, so the pods are Ready on
      // a fresh cluster and the awaited chart finishes before `vault operator init`.
      readinessProbe: { enabled: true, path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204", port: 8200 },
      // The statefulset template's `shareProcessNamespace: true` and `extraContainers` (toYaml): the reloader
      // signals the vault process.
      shareProcessNamespace: true,
      extraContainers: [
        {
          name: "reloader",
          image: "hashicorp/vault:2.0.4",
          command: ["/bin/sh", "-c"],
          args: [vaultReloaderScript({ tlsDir: "/vault/userconfig/vault-server-tls", auditDir: "/vault/audit", maxBytes: 1024 * 1024 * 1024, keepFiles: 4, intervalSeconds: 30 })],
          securityContext: restrictedContainer,
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
          // The chart's volume names: `audit` (auditStorage claim) and `userconfig-<name>` (extraVolumes).
          volumeMounts: [
            { name: "audit", mountPath: "/vault/audit" },
            { name: "userconfig-vault-server-tls", mountPath: "/vault/userconfig/vault-server-tls", readOnly: true },
          ],
        },
      ],
      livenessProbe: { enabled: true, path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204", initialDelaySeconds: 60 },
      dataStorage: { enabled: true, size: "10Gi", storageClass: null, accessMode: "ReadWriteOnce" },
      auditStorage: { enabled: true, size: "10Gi", storageClass: null, accessMode: "ReadWriteOnce", mountPath: "/vault/audit" },
      dev: { enabled: false },
      standalone: { enabled: false },
      ha: {
        enabled: true,
        replicas: 3,
        // Covered by the server certificate (vault-<i>.vault-internal.<ns>.svc), unlike the chart's pod IP.
        apiAddr: "https://$(VAULT_K8S_POD_NAME).vault-internal.vault.svc:8200",
        raft: { enabled: true, setNodeId: true, config: RAFT_3 },
        disruptionBudget: { enabled: true, maxUnavailable: 1 },
      },
      serviceAccount: { create: true, name: "vault", createSecret: false, annotations: {} },
      statefulSet: { securityContext: { pod: restrictedPod, container: restrictedContainer } },
    },
    ui: { enabled: false },
    csi: { enabled: false },
    serverTelemetry: { serviceMonitor: { enabled: false } },
  });
  assert.equal("affinity" in chart.inputs.values.server, false, "the chart's required pod anti-affinity is kept");
  assert.doesNotMatch(RAFT_3, /seal "/, "Shamir: no seal stanza");

  // Restricted, hardened namespace.
  const ns = stack.one("kubernetes:core/v1:Namespace", "vault-namespace-ns");
  assert.equal(ns.inputs.metadata.name, "vault");
  assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");

  // TLS: CA, server certificate whose SANs cover every pod, services and localhost.
  const ca = stack.one("tls:index/selfSignedCert:SelfSignedCert", "vault-ca");
  assert.equal(ca.inputs.isCaCertificate, true);
  assert.deepEqual(ca.inputs.allowedUses, ["cert_signing", "crl_signing", "digital_signature"]);
  assert.equal(ca.inputs.validityPeriodHours, 87600);
  const csr = stack.one("tls:index/certRequest:CertRequest", "vault-server-csr");
  for (let i = 0; i < 3; i++) {
    for (const suffix of ["", ".vault", ".vault.svc", ".vault.svc.cluster.local"]) {
      assert.ok(csr.inputs.dnsNames.includes(`vault-${i}.vault-internal${suffix}`), `SAN for pod ${i}${suffix}`);
    }
  }
  for (const svc of ["vault", "vault-active", "vault-standby", "vault-internal"]) {
    assert.ok(csr.inputs.dnsNames.includes(`${svc}.vault.svc`), svc);
  }
  assert.ok(csr.inputs.dnsNames.includes("localhost"));
  assert.deepEqual(csr.inputs.dnsNames, vaultServerDnsNames("vault", "vault", 3));
  for (let i = 0; i < 3; i++) {
    const advertised = new URL(chart.inputs.values.server.ha.apiAddr.replace("$(VAULT_K8S_POD_NAME)", `vault-${i}`)).hostname;
    assert.ok(csr.inputs.dnsNames.includes(advertised), `the address pod ${i} advertises (${advertised}) is in the certificate`);
  }
  assert.deepEqual(csr.inputs.ipAddresses, ["127.0.0.1", "::1"]);
  assert.equal(csr.inputs.subject.commonName, "vault.vault.svc");
  const cert = stack.one("tls:index/locallySignedCert:LocallySignedCert", "vault-server-cert");
  assert.deepEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth", "client_auth"]);
  assert.equal(cert.inputs.validityPeriodHours, 8760);
  assert.equal(cert.inputs.earlyRenewalHours, 720);
  assert.equal(cert.inputs.caPrivateKeyPem, keys.get("vault-ca-key"));

  const secret = stack.one("kubernetes:core/v1:Secret", "vault-server-tls");
  assert.equal(secret.inputs.type, "kubernetes.io/tls");
  assert.deepEqual(secret.inputs.metadata.name, "vault-server-tls");
  assert.deepEqual(secret.inputs.stringData, { "tls.crt": SERVER_PEM, "tls.key": keys.get("vault-server-key"), "ca.crt": CA_PEM });
  assert.match(secret.inputs.stringData["tls.key"], /^-----BEGIN PRIVATE KEY-----/);
  assert.ok(stack.isSecret(secret, ["stringData"]), "the TLS secret's data (private key) is a Pulumi secret");
  assert.ok(stack.isSecret(csr, ["privateKeyPem"]), "the private key flows as a secret into the CSR");
  assert.ok(stack.isSecret(cert, ["caPrivateKeyPem"]), "the CA key flows as a secret into the signer");
  const caCm = stack.one("kubernetes:core/v1:ConfigMap", "vault-ca");
  assert.deepEqual(caCm.inputs.data, { "ca.crt": CA_PEM });
  assert.equal(stack.all(CHART).length, 1, "no CSI provider release by default");

  assert.equal(await unwrap(vc!.namespace), "vault");
  assert.equal(await unwrap(vc!.address), "https://vault.vault.svc:8200");
  assert.equal(await unwrap(vc!.caCertificatePem), CA_PEM);
  assert.equal(await unwrap(vc!.serverServiceAccountName), "vault");
});

test("vaultServerConfig: retry_join over TLS for every replica; names follow the release", () => {
  const hcl = vaultServerConfig({ fullName: "kv-vault", replicas: 5, tlsDir: "/tls", ui: false, unauthenticatedMetrics: false });
  const joins = [...hcl.matchAll(/retry_join \{\n {4}leader_api_addr = "(.+)"\n {4}leader_ca_cert_file = "(.+)"\n {4}leader_tls_servername = "(.+)"\n {2}\}/g)];
  assert.deepEqual(
    joins.map((m) => [m[1], m[2], m[3]]),
    [0, 1, 2, 3, 4].map((i) => [`https://kv-vault-${i}.kv-vault-internal:8200`, "/tls/ca.crt", `kv-vault-${i}.kv-vault-internal`]),
  );
  assert.equal(vaultServerDnsNames("kv-vault", "ns", 5).filter((n) => /^kv-vault-\d\.kv-vault-internal$/.test(n)).length, 5);
});

test("VaultCluster: replicas, release name, storage, injector, ServiceMonitor, UI and CSI provider", async () => {
  const { state } = providerState();
  const stack = await runProgram(() => {
    new VaultCluster("v", {
      namespace: "secrets",
      releaseName: "kv",
      replicas: 5,
      dataStorage: { size: "20Gi", storageClass: "fast" },
      auditStorage: { size: "5Gi" },
      injector: { enabled: true },
      serviceMonitor: { enabled: true, labels: { team: "sre" } },
      ui: true,
      csiProvider: { enabled: true },
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } },
      tls: { extraDnsNames: ["vault.example.com"] },
    });
  }, { resourceState: state });
  const values = vaultValues(stack, "v-chart");
  assert.equal(stack.one(CHART, "v-chart").inputs.name, "kv");
  assert.equal(values.server.ha.replicas, 5);
  const config: string = values.server.ha.raft.config;
  assert.equal((config.match(/retry_join \{/g) ?? []).length, 5);
  assert.match(config, /leader_api_addr = "https:\/\/kv-vault-4\.kv-vault-internal:8200"/);
  assert.match(config, /^ui = true$/m);
  assert.match(config, /telemetry \{\n {4}unauthenticated_metrics_access = true\n {2}\}/);
  assert.deepEqual(values.server.dataStorage, { enabled: true, size: "20Gi", storageClass: "fast", accessMode: "ReadWriteOnce" });
  assert.equal(values.server.auditStorage.size, "5Gi");
  assert.deepEqual(values.server.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } });
  assert.equal(values.server.serviceAccount.name, "kv-vault");
  assert.deepEqual(values.ui, { enabled: true });
  assert.equal(values.injector.enabled, true);
  assert.equal(values.injector.replicas, 2);
  assert.deepEqual(values.injector.securityContext.pod.seccompProfile, { type: "RuntimeDefault" });
  assert.deepEqual(values.serverTelemetry.serviceMonitor, {
    enabled: true,
    selectors: { team: "sre" },
    tlsConfig: { ca: { configMap: { name: "kv-vault-ca", key: "ca.crt" } }, serverName: "kv-vault.secrets.svc" },
  });
  const csr = stack.one("tls:index/certRequest:CertRequest", "v-server-csr");
  assert.equal(csr.inputs.dnsNames.filter((n: string) => /^kv-vault-\d\.kv-vault-internal$/.test(n)).length, 5);
  assert.ok(csr.inputs.dnsNames.includes("vault.example.com"));

  // The CSI provider: its own release and privileged namespace, agent off, verifying Vault with the CA.
  const csi = stack.one(CHART, "v-csi-provider");
  assert.equal(csi.inputs.namespace, "secrets-csi-provider");
  assert.equal(csi.inputs.name, "kv-csi");
  assert.deepEqual(csi.inputs.values, {
    global: { enabled: false, tlsDisable: false, externalVaultAddr: "https://kv-vault.secrets.svc:8200" },
    server: { enabled: false },
    injector: { enabled: false },
    ui: { enabled: false },
    csi: {
      enabled: true,
      agent: { enabled: false },
      extraArgs: ["-vault-tls-ca-cert=/vault/tls/ca.crt", "-vault-mount=kubernetes"],
      volumes: [{ name: "vault-ca", configMap: { name: "kv-vault-ca" } }],
      volumeMounts: [{ name: "vault-ca", mountPath: "/vault/tls", readOnly: true }],
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    },
  });
  const csiNs = stack.one("kubernetes:core/v1:Namespace", "v-csi-namespace-ns");
  assert.equal(csiNs.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
  assert.deepEqual(stack.one("kubernetes:core/v1:ConfigMap", "v-csi-ca").inputs.data, { "ca.crt": CA_PEM });
  assert.equal(stack.one("kubernetes:core/v1:ConfigMap", "v-csi-ca").inputs.metadata.namespace, "secrets-csi-provider");
});

test("VaultCluster + AWS KMS (IRSA): awskms seal stanza, role trusted by the one service account, KMS use of the one key", async () => {
  const { state } = providerState();
  const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const stack = await runProgram(() => {
    new VaultCluster("vault", {
      autoUnseal: {
        awsKms: {
          keyArn,
          irsa: {
            oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
          },
        },
      },
    });
  }, { resourceState: state });
  const values = vaultValues(stack);
  assert.ok(
    values.server.ha.raft.config.endsWith(`\nseal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "${keyArn}"\n}\n`),
    values.server.ha.raft.config,
  );
  assert.deepEqual(values.server.serviceAccount.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/vault-unseal-role-abc" });
  const role = stack.one("aws:iam/role:Role", "vault-unseal-role");
  assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:vault:vault",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
          },
        },
      },
    ],
  });
  const policy = stack.one("aws:iam/rolePolicy:RolePolicy", "vault-unseal-kms");
  assert.equal(policy.inputs.role, "vault-unseal-role-abc");
  assert.deepEqual(JSON.parse(policy.inputs.policy), {
    Version: "2012-10-17",
    Statement: [{ Sid: "VaultUnsealKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"], Resource: keyArn }],
  });
  assert.deepEqual(stack.all("aws:eks/podIdentityAssociation:PodIdentityAssociation"), []);
});

test("VaultCluster + AWS KMS (Pod Identity): association for the server service account", async () => {
  const { state } = providerState();
  const stack = await runProgram(() => {
    new VaultCluster("vault", {
      namespace: "vault-prod",
      autoUnseal: { awsKms: { keyArn: "arn:aws:kms:us-east-2:111122223333:key/k1", region: "us-east-2", podIdentity: { clusterName: "prod" } } },
    });
  }, {
    resourceState: state,
    invokes: {
      "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "444455556666", arn: "arn:aws:iam::444455556666:user/ci", userId: "AIDA", id: "444455556666" }),
      "aws:index/getRegion:getRegion": () => ({ name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" }),
      "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    },
  });
  const role = stack.one("aws:iam/role:Role", "vault-unseal-role");
  // EKS Pod Identity trust as IAM evaluates it: the service principal may assume the role only for this account
  // (aws:SourceAccount) and only with the session tags EKS Pod Identity sets for this cluster (eks-cluster-arn,
  // in the account/region/partition the association lives in) and exactly the Vault server service account (EKS
  // user guide, pod-id-role and pod-id-abac session tags). No aws:SourceArn: EKS Auth documents no value for it.
  assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
    {
      Sid: "VaultServerViaPodIdentity",
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Condition: {
        StringEquals: {
          "aws:SourceAccount": "444455556666",
          "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:444455556666:cluster/prod",
          "aws:RequestTag/eks-cluster-name": "prod",
          "aws:RequestTag/kubernetes-namespace": "vault-prod",
          "aws:RequestTag/kubernetes-service-account": "vault",
        },
      },
    },
  ]);
  const assoc = stack.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "vault-unseal-pod-identity");
  assert.deepEqual(assoc.inputs, {
    clusterName: "prod",
    namespace: "vault-prod",
    serviceAccount: "vault",
    roleArn: "arn:aws:iam::123456789012:role/vault-unseal-role-abc",
  });
  const values = vaultValues(stack);
  assert.deepEqual(values.server.serviceAccount.annotations, {});
  assert.match(values.server.ha.raft.config, /seal "awskms" \{\n {2}region = "us-east-2"\n {2}kms_key_id = "arn:aws:kms:us-east-2:111122223333:key\/k1"\n\}/);
  assert.deepEqual(JSON.parse(stack.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement[0].Resource, "arn:aws:kms:us-east-2:111122223333:key/k1");
});

test("VaultCluster + GCP Cloud KMS: gcpckms stanza, bindings only on the key, Workload Identity for the one service account", async () => {
  const { state } = providerState();
  const keyId = "projects/sec-prj/locations/europe-west1/keyRings/vault/cryptoKeys/unseal";
  const stack = await runProgram(() => {
    new VaultCluster("vault", { autoUnseal: { gcpCkms: { cryptoKeyId: keyId, workloadIdentityProject: "gke-prj" } } });
  }, { resourceState: state });
  const values = vaultValues(stack);
  assert.ok(
    values.server.ha.raft.config.endsWith(
      '\nseal "gcpckms" {\n  project = "sec-prj"\n  region = "europe-west1"\n  key_ring = "vault"\n  crypto_key = "unseal"\n}\n',
    ),
  );
  assert.deepEqual(values.server.serviceAccount.annotations, { "iam.gke.io/gcp-service-account": "vault-unseal@p.iam.gserviceaccount.com" });
  const sa = stack.one("gcp:serviceaccount/account:Account", "vault-unseal-gsa");
  assert.equal(sa.inputs.accountId, "vault-unseal");
  assert.equal(sa.inputs.project, "sec-prj");
  const bindings = stack.all("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((b) => b.inputs);
  assert.deepEqual(bindings, [
    { cryptoKeyId: keyId, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: "serviceAccount:vault-unseal@p.iam.gserviceaccount.com" },
    { cryptoKeyId: keyId, role: "roles/cloudkms.viewer", member: "serviceAccount:vault-unseal@p.iam.gserviceaccount.com" },
  ]);
  assert.deepEqual(stack.all("gcp:kms/keyRingIAMMember:KeyRingIAMMember"), [], "nothing granted above the key");
  assert.deepEqual(stack.all("gcp:projects/iAMMember:IAMMember"), [], "nothing granted on the project");
  const wi = stack.one("gcp:serviceaccount/iAMMember:IAMMember", "vault-unseal-workload-identity");
  assert.deepEqual(wi.inputs, {
    serviceAccountId: "projects/p/serviceAccounts/vault-unseal@p.iam.gserviceaccount.com",
    role: "roles/iam.workloadIdentityUser",
    member: "serviceAccount:gke-prj.svc.id.goog[vault/vault]",
  });
});

test("VaultCluster + Azure Key Vault: azurekeyvault stanza, role assignment scoped to the key, federated credential for the one service account", async () => {
  const { state } = providerState();
  const kvId = "/subscriptions/sub-1/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-unseal";
  const stack = await runProgram(() => {
    new VaultCluster("vault", {
      autoUnseal: {
        azureKeyVault: {
          keyVaultId: kvId,
          keyName: "vault-unseal",
          tenantId: "tenant-1",
          oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/tenant-1/abc/",
          identityResourceGroupName: "rg-aks",
        },
      },
    });
  }, { resourceState: state });
  const values = vaultValues(stack);
  assert.ok(
    values.server.ha.raft.config.endsWith('\nseal "azurekeyvault" {\n  tenant_id = "tenant-1"\n  vault_name = "kv-unseal"\n  key_name = "vault-unseal"\n}\n'),
  );
  assert.deepEqual(values.server.extraLabels, { "azure.workload.identity/use": "true" });
  assert.deepEqual(values.server.serviceAccount.annotations, {
    "azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111",
    "azure.workload.identity/tenant-id": "tenant-1",
  });
  const ra = stack.one("azure-native:authorization:RoleAssignment", "vault-unseal-key-access");
  assert.equal(ra.inputs.scope, `${kvId}/keys/vault-unseal`);
  assert.equal(ra.inputs.principalId, "22222222-2222-2222-2222-222222222222");
  assert.equal(ra.inputs.principalType, "ServicePrincipal");
  assert.equal(ra.inputs.roleDefinitionId, "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6");
  const fed = stack.one("azure-native:managedidentity:FederatedIdentityCredential", "vault-unseal-federation");
  assert.deepEqual(fed.inputs, {
    resourceGroupName: "rg-aks",
    resourceName: "vault-unseal-identity-mi",
    issuer: "https://westeurope.oic.prod-aks.azure.com/tenant-1/abc/",
    subject: "system:serviceaccount:vault:vault",
    audiences: ["api://AzureADTokenExchange"],
  });
});

test("VaultCluster + cert-manager: a Certificate for every pod, no built-in CA", async () => {
  let vc: VaultCluster | undefined;
  const stack = await runProgram(() => {
    vc = new VaultCluster("vault", { tls: { certManager: { issuerName: "vault-ca", issuerKind: "ClusterIssuer", caCertificatePem: CA_PEM } } });
  });
  assert.deepEqual(stack.all("tls:index/privateKey:PrivateKey"), []);
  assert.deepEqual(stack.all("kubernetes:core/v1:Secret"), []);
  const cert = stack.one("kubernetes:cert-manager.io/v1:Certificate", "vault-server-certificate");
  assert.deepEqual(cert.inputs.spec, {
    secretName: "vault-server-tls",
    commonName: "vault.vault.svc",
    dnsNames: vaultServerDnsNames("vault", "vault", 3),
    ipAddresses: ["127.0.0.1", "::1"],
    duration: "8760h",
    renewBefore: "720h",
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    usages: ["server auth", "client auth", "digital signature", "key encipherment"],
    issuerRef: { name: "vault-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
  });
  assert.deepEqual(vaultValues(stack).server.extraVolumes, [{ type: "secret", name: "vault-server-tls" }]);
  assert.equal(await unwrap(vc!.caCertificatePem), CA_PEM);
});

test("VaultCluster: invalid args throw naming each field, and register nothing", async () => {
  const problemsOf = (args: VaultClusterArgs) => {
    try {
      new VaultCluster("bad", args);
    } catch (e) {
      assert.ok(e instanceof InvalidArgumentsError);
      return e.problems;
    }
    assert.fail("expected InvalidArgumentsError");
  };
  const stack = await runProgram(() => {
    assert.deepEqual(problemsOf({ replicas: 2 }), ["replicas: must be an odd number from 3 to 7, got 2"]);
    assert.deepEqual(problemsOf({ replicas: 4 }), ["replicas: must be an odd number from 3 to 7, got 4"]);
    assert.deepEqual(problemsOf({ replicas: 9 }), ["replicas: must be an odd number from 3 to 7, got 9"]);
    assert.deepEqual(problemsOf({ autoUnseal: { awsKms: { podIdentity: { clusterName: "c" } } as never } }), [
      "autoUnseal.awsKms.keyArn: is required (the ARN of the unseal key)",
    ]);
    assert.deepEqual(problemsOf({ autoUnseal: { gcpCkms: { cryptoKeyId: "" } } }), ["autoUnseal.gcpCkms.cryptoKeyId: is required (the full id of the unseal key)"]);
    assert.deepEqual(
      problemsOf({
        autoUnseal: {
          awsKms: { keyArn: "arn:aws:kms:us-east-1:111122223333:key/k", podIdentity: { clusterName: "c" } },
          gcpCkms: { cryptoKeyId: "projects/p/locations/l/keyRings/r/cryptoKeys/k" },
        },
      }),
      ["autoUnseal: at most one of awsKms, gcpCkms, azureKeyVault may be set, got awsKms, gcpCkms"],
    );
    assert.deepEqual(
      problemsOf({ autoUnseal: { awsKms: { keyArn: "alias/vault" } } }),
      [
        `autoUnseal.awsKms.keyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "alias/vault"`,
        "autoUnseal.awsKms: exactly one of irsa, podIdentity must be set, got 0",
      ],
    );
    assert.deepEqual(problemsOf({ autoUnseal: { azureKeyVault: { keyVaultId: "kv" } as never } }), [
      `autoUnseal.azureKeyVault.keyVaultId: must be /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.KeyVault/vaults/<name>, got "kv"`,
      "autoUnseal.azureKeyVault.keyName: is required",
      "autoUnseal.azureKeyVault.tenantId: is required",
      "autoUnseal.azureKeyVault.oidcIssuerUrl: is required",
      "autoUnseal.azureKeyVault.identityResourceGroupName: is required",
    ]);
    assert.deepEqual(problemsOf({ namespace: "Vault", tls: { certManager: { issuerName: "x", caCertificatePem: "nope" } } }), [
      "tls.certManager.caCertificatePem: must be a PEM certificate",
      `namespace: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "Vault"`,
    ]);
    assert.deepEqual(problemsOf({ autoUnseal: { hsm: {} } as never }), ["autoUnseal.hsm: unknown field"]);
  });
  assert.deepEqual(
    stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
    [],
    "no resource may be registered for invalid args",
  );
});

test("VaultCluster: audit rotation bound fits the volume, exposure is an explicit LoadBalancer with source ranges", async () => {
  const { state } = providerState();
  const stack = await runProgram(() => {
    new VaultCluster("small", { auditStorage: { size: "2Gi" }, exposure: { loadBalancer: { sourceRanges: ["10.0.0.0/8"], annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } } } });
  }, { resourceState: state });
  const values = vaultValues(stack, "small-chart");
  // Default file size on a 2Gi volume: floor(2048 MiB * 0.9 / (4 + 1)) = 368 MiB, so 5 files stay within 90%.
  assert.match(values.server.extraContainers[0].args[0], new RegExp(`\nmax=${368 * 1024 * 1024}\nkeep=4\n`));
  const svc = stack.one("kubernetes:core/v1:Service", "small-external");
  assert.deepEqual(svc.inputs.metadata.annotations, { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" });
  assert.deepEqual([svc.inputs.spec.type, svc.inputs.spec.loadBalancerSourceRanges], ["LoadBalancer", ["10.0.0.0/8"]]);
  const none = await runProgram(() => new VaultCluster("plain", {}), { resourceState: state });
  assert.deepEqual(none.all("kubernetes:core/v1:Service"), [], "not exposed unless asked");

  assert.throws(
    () => new VaultCluster("bad", { auditStorage: { size: "1Gi" }, auditRotation: { maxFileMiB: 512, keepFiles: 2 }, exposure: { loadBalancer: { sourceRanges: ["::/0", "10.0.0.0"] } } }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentsError);
      assert.deepEqual(e.problems, [
        "exposure.loadBalancer.sourceRanges[1]: must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8",
        'auditRotation: (keepFiles + 1) * maxFileMiB = 1536 MiB must stay within 90% of the audit volume (921 MiB of auditStorage.size "1Gi")',
        'exposure.loadBalancer.sourceRanges[0]: "::/0" opens Vault to the internet; set allowAnySource to mean it',
      ]);
      return true;
    },
  );
});
