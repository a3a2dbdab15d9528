// The `vault` section of a cluster: config schema and what the local stack deploys.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { readStackFile } from "../../cli/lib/stackFile";
import { PROJECT, StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { planResourceState } from "../../cli/lib/planState";
import { runProgram } from "../harness/pulumi";

const STACK_FILE = join(__dirname, "..", "..", "stacks", "Pulumi.local.yaml");

function problems(vault: unknown): string[] {
  try {
    parseStackConfig({ clusters: [{ name: "c1", vault }] });
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
  return [];
}

test("vault section: defaults and strict validation with field paths", () => {
  const cfg = parseStackConfig({ clusters: [{ name: "c1", vault: {} }] });
  assert.deepEqual(cfg.clusters[0].vault, {
    enabled: true,
    namespace: "vault",
    replicas: 3,
    storage: { dataSize: "10Gi", auditSize: "10Gi" },
    injector: false,
    serviceMonitor: false,
    ui: false,
    csi: { enabled: false, driverNamespace: "secrets-store-csi", rotationPollInterval: "2m" },
    tls: { extraDnsNames: [] },
  });
  assert.equal(parseStackConfig({ clusters: [{ name: "c1" }] }).clusters[0].vault, undefined);

  assert.deepEqual(problems({ replicas: 4 }), [`${PROJECT}:clusters[0].vault.replicas: must be an odd number from 3 to 7, got 4`]);
  // VaultCluster's and SecretsStoreCsiDriver's own rules, at the config paths: a config that passes here
  // never makes the program throw.
  assert.deepEqual(problems({ autoUnseal: { awsKms: { keyArn: "arn:aws:kms:us-east-1:111122223333:key/k" } } }), [
    `${PROJECT}:clusters[0].vault.autoUnseal.awsKms: exactly one of irsa, podIdentity must be set, got 0`,
  ]);
  assert.deepEqual(problems({ csi: { enabled: true, rotationPollInterval: "2 minutes" } }), [
    `${PROJECT}:clusters[0].vault.csi.rotationPollInterval: must be a Go duration such as 2m`,
  ]);
  assert.deepEqual(problems({ csi: { enabled: true, rotationPollInterval: "500ms" } }), []);
  assert.deepEqual(problems({ replcas: 3 }), [`${PROJECT}:clusters[0].vault.replcas: unknown key`]);
  assert.deepEqual(problems({ configuration: { auditFilePath: "/tmp/audit.log" } }), [
    `${PROJECT}:clusters[0].vault.configuration.auditFilePath: must be a *.log file directly under /vault/audit/ (where the reloader rotates it)`,
  ]);
  // Stage 2 needs an address Pulumi reaches and the CA; one login; the old `enabled` switch is gone.
  assert.deepEqual(problems({ configuration: { initialized: true, tokenConfigKey: "vault:token", appRole: { roleId: "r", secretIdConfigKey: "vault:sid" } } }), [
    `${PROJECT}:clusters[0].vault.configuration.address: required when initialized (where Pulumi reaches Vault; the in-cluster address does not resolve outside the cluster)`,
    `${PROJECT}:clusters[0].vault.configuration.caCertFile: required when initialized (the file with Vault's CA certificate)`,
    `${PROJECT}:clusters[0].vault.configuration.appRole: set tokenConfigKey or appRole, not both`,
  ]);
  assert.deepEqual(problems({ configuration: { enabled: true } }), [`${PROJECT}:clusters[0].vault.configuration.enabled: unknown key`]);
  // VaultCluster's audit bound and exposure rules, at the config paths.
  assert.deepEqual(problems({ storage: { auditSize: "2Gi" }, auditRotation: { maxFileMiB: 1024 }, exposure: { loadBalancer: { sourceRanges: ["0.0.0.0/0"] } } }), [
    `${PROJECT}:clusters[0].vault.auditRotation: (keepFiles + 1) * maxFileMiB = 5120 MiB must stay within 90% of the audit volume (1843 MiB of auditStorage.size "2Gi")`,
    `${PROJECT}:clusters[0].vault.exposure.loadBalancer.sourceRanges[0]: "0.0.0.0/0" opens Vault to the internet; set allowAnySource to mean it`,
  ]);
  assert.deepEqual(problems({ storage: { auditSize: "2Gi" }, auditRotation: { maxFileMiB: 256, keepFiles: 3 } }), []);
  assert.deepEqual(problems({ tls: { extraDnsNames: ["vault.example.com", "10.0.0.5", "Bad_Name"] } }), [
    `${PROJECT}:clusters[0].vault.tls.extraDnsNames[1]: must be a DNS name, not an IP address (a client checks an IP against the certificate's IP SANs)`,
    `${PROJECT}:clusters[0].vault.tls.extraDnsNames[2]: must be a DNS name`,
  ]);
  assert.deepEqual(problems({ storage: { auditSize: "2Gi" } }), [], "the default file size shrinks to fit a small volume");
  // The database engine's own rules (VaultDatabaseCredentials) at the config path.
  assert.deepEqual(
    problems({
      configuration: {
        databases: [{ postgresql: { connectionUrl: "postgresql://root:hunter2@db/app", username: "root", passwordConfigKey: "db:pw" }, roles: [{ name: "ro", creationStatements: ["CREATE ROLE x"] }] }],
      },
    }),
    [`${PROJECT}:clusters[0].vault.configuration.databases[0].postgresql.connectionUrl: must use the {{username}} and {{password}} templates instead of literal credentials`],
  );
  assert.deepEqual(
    problems({
      autoUnseal: {
        awsKms: { keyArn: "arn:aws:kms:us-east-1:111122223333:key/k" },
        gcpCkms: { cryptoKeyId: "projects/p/locations/l/keyRings/r/cryptoKeys/k" },
      },
    }),
    [
      `${PROJECT}:clusters[0].vault.autoUnseal: at most one of awsKms, gcpCkms, azureKeyVault may be set, got awsKms, gcpCkms`,
      `${PROJECT}:clusters[0].vault.autoUnseal.awsKms: exactly one of irsa, podIdentity must be set, got 0`,
    ],
  );
  assert.deepEqual(
    problems({
      configuration: {
        roles: [
          { name: "ops", serviceAccounts: ["ops"], namespaces: ["ops"], rules: [{ path: "sys/*", capabilities: ["read", "sudo"] }] },
          { name: "ops", serviceAccounts: ["x"], namespaces: ["y"], rules: [{ path: "kv/data/x", capabilities: ["read"] }] },
        ],
      },
    }),
    [
      `${PROJECT}:clusters[0].vault.configuration.roles[0].rules[0].path: glob at the root is not allowed without allowRootGlobs, got "sys/*"`,
      `${PROJECT}:clusters[0].vault.configuration.roles[0].rules[0].capabilities: 'sudo' is not allowed without allowSudo, got ["read","sudo"]`,
      `${PROJECT}:clusters[0].vault.configuration.roles[1].name: duplicate role name "ops"`,
    ],
  );
});

const STAGE2_FILE = join(__dirname, "..", "fixtures", "stacks", "Pulumi.vault-stage2.yaml");
const READINESS = { enabled: true, path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204", port: 8200 };

test("vault section: Vault escalation paths, whole-mount globs and '+*' are exit-2 problems at their config paths (issue 16)", () => {
  const rules = [
    { path: "sys/policies/acl/*", capabilities: ["create", "update"] },
    { path: "auth/token/create", capabilities: ["update"] },
    { path: "secret/*", capabilities: ["read"] },
    { path: "secret/+/*", capabilities: ["read"] },
    { path: "secret/data/+*", capabilities: ["read"] },
  ];
  const at = `${PROJECT}:clusters[0].vault.configuration.roles[0].rules`;
  assert.deepEqual(problems({ configuration: { initialized: true, address: "https://127.0.0.1:8200", caCertFile: "vault-ca.pem", roles: [{ name: "ci", serviceAccounts: ["ci"], namespaces: ["ci"], rules }] } }), [
    `${at}[0].path: escalation path not allowed without allowEscalationPaths: "sys/policies/acl/*" with create, update reaches sys/policies/acl/*: writes ACL policies (can grant itself any capability)`,
    `${at}[1].path: escalation path not allowed without allowEscalationPaths: "auth/token/create" with update reaches auth/token/create*: mints tokens (auth/token/create, create-orphan, create/<role>)`,
    `${at}[2].path: glob over the whole "secret" mount (every secret in it) is not allowed without allowMountGlobs, got "secret/*"; name the secrets' path prefix (e.g. secret/data/<team>/<app>/*)`,
    `${at}[3].path: glob over the whole "secret" mount (every secret in it) is not allowed without allowMountGlobs, got "secret/+/*"; name the secrets' path prefix (e.g. secret/data/<team>/<app>/*)`,
    `${at}[4].path: '+*' is refused by Vault's policy parser, got "secret/data/+*"`,
  ]);
  // The least-privilege twin passes.
  assert.deepEqual(problems({ configuration: { initialized: true, address: "https://127.0.0.1:8200", caCertFile: "vault-ca.pem", roles: [{ name: "ci", serviceAccounts: ["ci"], namespaces: ["ci"], rules: [{ path: "secret/data/ci/deploy/*", capabilities: ["read"] }] }] } }), []);
});

test("local stack (shipped, stage 1): Vault, TLS and CSI without a single call to Vault's API; pods Ready while sealed", async () => {
  const doc = parse(readFileSync(STACK_FILE, "utf8"));
  assert.equal(doc.config["kube-secrets-platform:clusters"][0].vault.configuration.initialized, false);
  assert.equal("vault:token" in doc.config, false, "stage 1 needs no Vault credential");
  const file = readStackFile(STACK_FILE, PROJECT);
  const stack = await runProgram(() => program(), { project: PROJECT, stack: "local", config: file.config, secretKeys: file.secretKeys, resourceState: planResourceState });

  // No vault provider and no resource of the vault package: nothing in this run talks to Vault.
  assert.deepEqual(stack.resources.filter((r) => r.type.startsWith("vault:") || r.type === "pulumi:providers:vault").map((r) => r.name), []);
  const charts = stack.all("kubernetes:helm.sh/v4:Chart");
  const values = charts.find((c) => c.name === "local-vault-chart")!.inputs.values;
  // vault-helm 0.34.1 templates/server-statefulset.yaml: with server.readinessProbe.enabled and .path set, the probe
  // is `httpGet: {path, port, scheme: HTTPS}` (instead of `vault status`, which fails while sealed). The path answers
  // 204 for sealed/uninitialized/standby servers, so the awaited StatefulSet becomes Ready before `operator init`.
  assert.deepEqual(values.server.readinessProbe, READINESS);
  assert.equal(values.global.tlsDisable, false, "scheme HTTPS (vault.scheme)");
  assert.equal(values.server.shareProcessNamespace, true);
  assert.deepEqual(values.server.extraContainers.map((c: { name: string }) => c.name), ["reloader"]);
  assert.deepEqual([values.server.ha.enabled, values.server.ha.raft.enabled, values.server.ha.replicas], [true, true, 3]);
  assert.doesNotMatch(values.server.ha.raft.config, /seal "/, "local uses the Shamir seal");
  assert.equal((values.server.ha.raft.config.match(/retry_join/g) ?? []).length, 3);
  assert.equal(stack.all("tls:index/selfSignedCert:SelfSignedCert").filter((c) => c.name.startsWith("local-vault")).length, 1, "self-signed CA");
  assert.deepEqual(charts.map((c) => c.name).filter((n) => /^local-(vault|csi)/.test(n)).sort(), ["local-csi-driver-chart", "local-vault-chart", "local-vault-csi-provider"]);
  const driver = charts.find((c) => c.name === "local-csi-driver-chart")!;
  assert.deepEqual([driver.inputs.values.syncSecret, driver.inputs.values.enableSecretRotation], [{ enabled: false }, true]);
  // The External Secrets store points at the in-cluster Vault already (it turns Ready once stage 2 made its role).
  const store = stack.one("kubernetes:external-secrets.io/v1:SecretStore");
  assert.equal(store.inputs.spec.provider.vault.server, "https://vault.vault.svc:8200");
  assert.deepEqual(store.inputs.spec.provider.vault.auth, { kubernetes: { mountPath: "kubernetes", role: "external-secrets" } });
  assert.deepEqual(stack.all("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"), [], "SecretProviderClasses come with their roles in stage 2");
});

test("stage-2 fixture: the configuration through a vault.Provider at the configured address and CA, logging in with AppRole", async () => {
  const file = readStackFile(STAGE2_FILE, PROJECT);
  const stack = await runProgram(() => program(), { project: PROJECT, stack: "vault-stage2", config: file.config, secretKeys: file.secretKeys, resourceState: planResourceState });

  const provider = stack.one("pulumi:providers:vault", "local-vault-config");
  // The address and CA file Pulumi uses are the configured ones, never the in-cluster name.
  assert.deepEqual([provider.inputs.address, provider.inputs.caCertFile, provider.inputs.skipTlsVerify], ["https://127.0.0.1:8200", "vault-ca.pem", "false"]);
  assert.equal("token" in provider.inputs, false, "AppRole instead of a token");
  assert.ok(stack.isSecret(provider, ["authLogin"]), "the AppRole secret id stays a secret");
  const login = JSON.parse(provider.inputs.authLogin);
  assert.deepEqual([login.path, login.parameters.role_id, typeof login.parameters.secret_id], ["auth/approle/login", "pulumi-config", "string"]);
  for (const r of stack.resources.filter((x) => x.custom && x.type.startsWith("vault:"))) {
    assert.match(r.provider ?? "", /::local-vault-config::/, `${r.type} ${r.name} uses the configured provider`);
  }
  const roles = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").map((r) => r.inputs);
  assert.deepEqual(
    roles.map((r) => [r.roleName, r.boundServiceAccountNames, r.boundServiceAccountNamespaces, r.tokenPolicies, r.tokenTtl, r.tokenMaxTtl]),
    [
      ["demo-app", ["demo-app"], ["apps"], ["demo-app"], 3600, 86400],
      // Added by the platform for externalSecrets.vaultStore: bound to exactly ESO's controller.
      ["external-secrets", ["external-secrets"], ["external-secrets"], ["external-secrets"], 3600, 86400],
    ],
  );
  const policies = Object.fromEntries(stack.all("vault:index/policy:Policy").map((p) => [p.inputs.name, p.inputs.policy]));
  assert.deepEqual(Object.keys(policies).sort(), ["demo-app", "external-secrets"]);
  assert.match(policies["external-secrets"], /path "secret\/data\/platform\/\*" \{\n {2}capabilities = \["read"\]\n\}/);
  assert.equal(stack.one("vault:kv/secretBackendV2:SecretBackendV2").inputs.casRequired, true);
  // Two audit devices (Vault blocks only when none can write): the rotated file and stdout.
  assert.deepEqual(
    stack.all("vault:index/audit:Audit").map((a) => [a.inputs.path, a.inputs.options.file_path, a.inputs.options.mode]).sort(),
    [["file", "/vault/audit/vault-audit.log", "0600"], ["stdout", "stdout", undefined]],
  );
  // VaultDatabaseCredentials from config: the root password only in the write-only field, as a secret.
  const conn = stack.one("vault:database/secretBackendConnection:SecretBackendConnection");
  assert.deepEqual([conn.inputs.postgresql.username, conn.inputs.postgresql.passwordWoVersion, "password" in conn.inputs.postgresql], ["vault_admin", 1, false]);
  assert.ok(stack.isSecret(conn, ["postgresql", "passwordWo"]));
  assert.deepEqual(stack.all("vault:database/secretBackendRole:SecretBackendRole").map((r) => r.inputs.name), ["orders-ro"]);
  assert.equal(stack.one("vault:generic/endpoint:Endpoint").inputs.path, "database/rotate-root/postgresql");
  const spc = stack.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
  assert.deepEqual([spc.inputs.metadata.namespace, spc.inputs.spec.parameters.roleName], ["apps", "demo-app"]);
});
