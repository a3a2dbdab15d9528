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
    `${PROJECT}:clusters[0].vault.configuration.auditFilePath: must be stdout or a file under /vault/audit/`,
  ]);
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
        enabled: true,
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

test("local stack file: the Vault token is a secure value, never plain text", () => {
  const doc = parse(readFileSync(STACK_FILE, "utf8"));
  const token = doc.config["vault:token"];
  assert.deepEqual(Object.keys(token), ["secure"], "vault:token must be a `secure:` value");
  const file = readStackFile(STACK_FILE, PROJECT);
  assert.ok(file.secretKeys.includes("vault:token"));
});

test("local stack: Vault (Shamir, self-signed TLS, 3 replicas, CSI) + driver + configuration through a vault.Provider with a secret token", async () => {
  const file = readStackFile(STACK_FILE, PROJECT);
  const stack = await runProgram(() => program(), { project: PROJECT, stack: "local", config: file.config, secretKeys: file.secretKeys, resourceState: planResourceState });

  const charts = stack.all("kubernetes:helm.sh/v4:Chart");
  const vaultChart = charts.find((c) => c.name === "local-vault-chart")!;
  const values = vaultChart.inputs.values;
  assert.equal(values.global.tlsDisable, false);
  assert.deepEqual([values.server.ha.enabled, values.server.ha.raft.enabled, values.server.ha.replicas], [true, true, 3]);
  assert.doesNotMatch(values.server.ha.raft.config, /seal "/, "local uses the Shamir seal");
  assert.equal((values.server.ha.raft.config.match(/retry_join/g) ?? []).length, 3);
  assert.equal(stack.all("tls:index/selfSignedCert:SelfSignedCert").filter((c) => c.name.startsWith("local-vault")).length, 1, "self-signed CA");
  assert.deepEqual(charts.map((c) => c.name).filter((n) => /^local-(vault|csi)/.test(n)).sort(), ["local-csi-driver-chart", "local-vault-chart", "local-vault-csi-provider"]);
  const driver = charts.find((c) => c.name === "local-csi-driver-chart")!;
  assert.deepEqual([driver.inputs.values.syncSecret, driver.inputs.values.enableSecretRotation], [{ enabled: false }, true]);

  // Configuration part: one vault.Provider, token secret, every Vault resource uses it.
  const provider = stack.one("pulumi:providers:vault", "local-vault-config");
  assert.equal(provider.inputs.address, "https://vault.vault.svc:8200");
  assert.ok(stack.isSecret(provider, ["token"]), "the Vault token is a secret");
  assert.equal(provider.inputs.skipTlsVerify, "false");
  for (const r of stack.resources.filter((x) => x.custom && x.type.startsWith("vault:"))) {
    assert.match(r.provider ?? "", /::local-vault-config::/, `${r.type} ${r.name} uses the configured provider`);
  }
  const roles = stack.all("vault:kubernetes/authBackendRole:AuthBackendRole").map((r) => r.inputs);
  assert.deepEqual(
    roles.map((r) => [r.roleName, r.boundServiceAccountNames, r.boundServiceAccountNamespaces, r.tokenPolicies, r.tokenTtl, r.tokenMaxTtl]),
    [
      ["demo-app", ["demo-app"], ["apps"], ["demo-app"], 3600, 86400],
      // Added by the platform for externalSecrets.vaultStore: bound to exactly the stores' own accounts.
      ["external-secrets", ["eso-vault"], ["apps"], ["external-secrets"], 3600, 86400],
    ],
  );
  const policies = Object.fromEntries(stack.all("vault:index/policy:Policy").map((p) => [p.inputs.name, p.inputs.policy]));
  assert.deepEqual(Object.keys(policies).sort(), ["demo-app", "external-secrets"]);
  assert.match(policies["external-secrets"], /path "secret\/data\/platform\/\*" \{\n {2}capabilities = \["read"\]\n\}/);
  assert.equal(stack.one("vault:kv/secretBackendV2:SecretBackendV2").inputs.casRequired, true);
  assert.equal(stack.one("vault:index/audit:Audit").inputs.options.mode, "0600");
  const spc = stack.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
  assert.deepEqual([spc.inputs.metadata.namespace, spc.inputs.spec.parameters.roleName], ["apps", "demo-app"]);
});
