// npm run plan, bad input: every class of bad stack config is exit 2 with
// `<stack file>: kube-secrets-platform:<key path>: <rule>` before anything is written. Plans run in-process
// (runPlan) over a stack file written to a temporary stacks dir, mutated from a shipped one.
// Upstream rules checked: kubernetes/apimachinery pkg/api/resource/quantity.go (ParseQuantity grammar),
// Go time.ParseDuration (negative durations), Azure Key Vault rotation policy (expiryTime >= 28 days, rotation
// at least 7 days after creation and before expiry: learn.microsoft.com KeyRotationPolicy.ExpiresIn),
// bitnami-labs/sealed-secrets pkg/kubeseal/kubeseal.go ParseKey (expired certificates refused).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runPlan, type PlanOptions } from "../../cli/lib/plan";
import { selfSignedCertificate, testKeyPair } from "../components/sealed-secrets/testCerts";

const K = "kube-secrets-platform";

function shipped(file: string): Record<string, any> {
  return parse(readFileSync(file, "utf8"));
}

/** Writes `doc` as `Pulumi.t.yaml` and plans it; returns the outcome, the stack path and the (unwritten) out dir. */
async function planDoc(doc: unknown, extra: Partial<PlanOptions> = {}) {
  const stacksDir = mkdtempSync(join(tmpdir(), "plan-input-stacks-"));
  const stackPath = join(stacksDir, "Pulumi.t.yaml");
  writeFileSync(stackPath, typeof doc === "string" ? doc : stringify(doc));
  const outDir = join(mkdtempSync(join(tmpdir(), "plan-input-out-")), "out");
  const outcome = await runPlan({ stack: "t", stacksDir, outDir, ...extra });
  return { outcome, stackPath, outDir };
}

/** Mutates the first cluster of a shipped stack file and expects exactly `problems` (key paths under clusters[0]). */
async function expectInvalid(file: string, mutate: (c: any, cfg: Record<string, any>) => void, problems: string[]) {
  const doc = shipped(file);
  mutate(doc.config[`${K}:clusters`][0], doc.config);
  const { outcome, stackPath, outDir } = await planDoc(doc);
  assert.deepEqual(
    { exitCode: outcome.exitCode, messages: outcome.messages },
    { exitCode: 2, messages: problems.map((p) => `${stackPath}: ${K}:clusters[0].${p}`) },
  );
  assert.equal(existsSync(outDir), false, "nothing is written for invalid input");
}

const LOCAL = "stacks/Pulumi.local.yaml";
const AWS = "stacks/Pulumi.aws-prod.yaml";
const AZURE = "stacks/Pulumi.azure-prod.yaml";
const CREATE_EKS = "test/fixtures/stacks/Pulumi.create-eks.yaml";
const CREATE_GKE = "test/fixtures/stacks/Pulumi.create-gke.yaml";

describe("plan: bad stack config is exit 2 naming the key path, nothing written", () => {
  test("CIDR lists whose union admits every address (EKS public endpoint, GKE authorized networks)", async () => {
    const union = "must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)";
    await expectInvalid(CREATE_EKS, (c) => Object.assign(c.create.eks, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }), [`create.eks.publicAccessCidrs: ${union}`]);
    await expectInvalid(CREATE_EKS, (c) => Object.assign(c.create.eks, { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"] }), [
      `create.eks.publicAccessCidrs: ${union}`,
    ]);
    await expectInvalid(CREATE_GKE, (c) => (c.create.gke.masterAuthorizedNetworks = [{ cidrBlock: "0.0.0.0/0" }]), [`create.gke.masterAuthorizedNetworks: ${union}`]);
    await expectInvalid(CREATE_EKS, (c) => Object.assign(c.create.eks, { endpointPublicAccess: true, publicAccessCidrs: ["300.0.0.0/8"] }), [
      "create.eks.publicAccessCidrs[0]: must be an IPv4 CIDR such as 203.0.113.0/24",
    ]);
  });

  test("self-managed encryption that does not cover Secrets", async () => {
    await expectInvalid(LOCAL, (c) => (c.encryption.selfManaged.resources = ["configmaps"]), [
      `encryption.selfManaged.resources: must include secrets (or "*." / "*.*"): encryption at rest of Secrets is the point, got ["configmaps"]`,
    ]);
  });

  test("Kubernetes' and the platform's namespaces taken over, one namespace declared twice", async () => {
    await expectInvalid(LOCAL, (c) => c.namespaces.push({ name: "kube-system", podSecurity: "restricted" }), [
      `namespaces[1].name: "kube-system" is a Kubernetes namespace, not an application namespace (its Pod Security level is not the stack's to set)`,
    ]);
    for (const ns of ["kube-public", "kube-node-lease", "default"]) {
      await expectInvalid(LOCAL, (c) => c.namespaces.push({ name: ns }), [`namespaces[1].name: "${ns}" is a Kubernetes namespace, not an application namespace (its Pod Security level is not the stack's to set)`]);
    }
    await expectInvalid(LOCAL, (c) => c.namespaces.push({ name: "vault" }), [`namespaces[1].name: "vault" is the platform's namespace (vault.namespace): choose another name for applications`]);
    await expectInvalid(LOCAL, (c) => c.namespaces.push({ name: "external-secrets" }), [
      `namespaces[1].name: "external-secrets" is the platform's namespace (externalSecrets.operator.namespace): choose another name for applications`,
    ]);
    await expectInvalid(LOCAL, (c) => c.namespaces.push({ name: "apps", podSecurity: "privileged" }), [
      `namespaces[1].name: namespace "apps" is already declared at namespaces[0] with another Pod Security level (restricted and privileged)`,
    ]);
  });

  test("audit silencing of every service account, anonymous or authenticated caller", async () => {
    await expectInvalid(LOCAL, (c) => (c.audit.silencedUserGroups = ["system:serviceaccounts", "system:authenticated", "system:unauthenticated"]), [
      `audit.silencedUserGroups[1]: silencing system:authenticated would hide most of the cluster's traffic, got "system:authenticated"`,
      `audit.silencedUserGroups[2]: silencing system:unauthenticated would hide most of the cluster's traffic, got "system:unauthenticated"`,
      `audit.silencedUserGroups[0]: "system:serviceaccounts" stands for every caller of its kind: silencing it hides who reads Secrets; silence individual users instead`,
    ]);
    await expectInvalid(LOCAL, (c) => (c.audit.silencedUsers = ["system:anonymous"]), [`audit.silencedUsers[0]: "system:anonymous" stands for every caller of its kind: its traffic must stay in the audit log`]);
  });

  test("'..' in node file paths (audit policy and log, Vault's audit file)", async () => {
    await expectInvalid(LOCAL, (c) => (c.audit.policyFile = "/etc/kubernetes/audit/../../../tmp/policy.yaml"), [
      `audit.policyFile: must not contain "." or ".." segments, got "/etc/kubernetes/audit/../../../tmp/policy.yaml"`,
    ]);
    await expectInvalid(LOCAL, (c) => (c.audit.logPath = "/var/log/kubernetes/./audit.log"), [`audit.logPath: must not contain "." or ".." segments, got "/var/log/kubernetes/./audit.log"`]);
    await expectInvalid(LOCAL, (c) => (c.vault.configuration.auditFilePath = "/vault/audit/../data/raft.log"), [
      "vault.configuration.auditFilePath: must be a *.log file directly under /vault/audit/ (where the reloader rotates it)",
    ]);
  });

  test("an unpinned rewrite-Job image (the Job reads every Secret)", async () => {
    await expectInvalid(LOCAL, (c) => (c.encryption.reencryption.image = "alpine/k8s:1.33.1"), [
      "encryption.reencryption.image: must be pinned by digest (repo:tag@sha256:<64 hex>): the Job reads every Secret; or set allowUnpinnedImage: true to accept the tag",
    ]);
    await expectInvalid(LOCAL, (c) => (c.encryption.reencryption.image = "alpine/k8s"), [
      `encryption.reencryption.image: must be an image pinned by digest (repo[:tag]@sha256:<64 hex>), got "alpine/k8s"`,
    ]);
    // Even with the opt-in, an image needs a tag.
    await expectInvalid(LOCAL, (c) => Object.assign(c.encryption.reencryption, { image: "alpine/k8s", allowUnpinnedImage: true }), [
      `encryption.reencryption.image: must be an image pinned by digest (repo[:tag]@sha256:<64 hex>), got "alpine/k8s"`,
    ]);
  });

  test("an expired or not-yet-valid sealing certificate", async () => {
    const key = testKeyPair(2048);
    const expired = selfSignedCertificate(key.privateKey, "old", { notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") });
    const future = selfSignedCertificate(key.privateKey, "future", { notBefore: new Date("2049-01-01T00:00:00Z"), notAfter: new Date("2049-12-31T00:00:00Z") });
    const withCert = (pem: string) => (c: any) => {
      delete c.sealedSecrets.managedKey;
      c.sealedSecrets.certificatePem = pem;
    };
    await expectInvalid(LOCAL, withCert(expired), ["sealedSecrets.certificatePem: the certificate expired on 2021-01-01T00:00:00.000Z: fetch the controller's current one (kubeseal --fetch-cert)"]);
    await expectInvalid(LOCAL, withCert(future), ["sealedSecrets.certificatePem: the certificate is not valid before 2049-01-01T00:00:00.000Z: check the clock or the certificate"]);
  });

  test("keyBackup without its own store, or with a remote key the provider refuses", async () => {
    await expectInvalid(AWS, (c) => delete c.sealedSecrets.keyStore, [
      "sealedSecrets.keyStore: required with keyBackup (the key's own store and identity: one of aws, gcp, azure, vault)",
    ]);
    await expectInvalid(AWS, (c) => (c.sealedSecrets.keyBackup.remoteKey = "prod/*"), [
      'sealedSecrets.keyBackup.remoteKey: must be a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -, no wildcards), got "prod/*"',
    ]);
  });

  test("two objects with one Pulumi resource name (a URN collision) are caught at config time", async () => {
    await expectInvalid(
      LOCAL,
      (c) => {
        c.namespaces.push({ name: "apps-b" });
        c.rbac.roles.push({ name: "b-c", namespace: "apps", rules: [] }, { name: "c", namespace: "apps-b", rules: [] });
      },
      [`rbac.roles[2].name: gets the same resource name as roles[1] ("apps-b-c"): rename one`],
    );
    await expectInvalid(
      LOCAL,
      (c) => {
        c.namespaces.push({ name: "apps-example" });
        c.sealedSecrets.secrets.push({ name: "credentials", namespace: "apps-example", generatedKeys: ["password"] });
      },
      [`sealedSecrets.secrets[1].generatedKeys[0]: gives the generated value the same resource name as sealedSecrets.secrets[0].generatedKeys[0] ("local-apps-example-credentials-password"): rename one`],
    );
  });

  test("quantities that are not Kubernetes quantities or out of bounds", async () => {
    await expectInvalid(LOCAL, (c) => (c.vault.storage = { dataSize: "lots" }), [`vault.storage.dataSize: must be a Kubernetes quantity such as 10Gi, got "lots"`]);
    await expectInvalid(LOCAL, (c) => (c.vault.storage = { dataSize: "-10Gi" }), [`vault.storage.dataSize: must be from 1Gi to 64Ti, got "-10Gi"`]);
    await expectInvalid(LOCAL, (c) => (c.vault.storage = { dataSize: "0" }), [`vault.storage.dataSize: must be from 1Gi to 64Ti, got "0"`]);
    await expectInvalid(LOCAL, (c) => (c.sealedSecrets.resources = { requests: { cpu: "lots", memory: "1Ei" } }), [
      `sealedSecrets.resources.requests.cpu: must be a Kubernetes quantity such as 100m, got "lots"`,
      `sealedSecrets.resources.requests.memory: must be from 16Mi to 256Gi, got "1Ei"`,
    ]);
  });

  test("negative durations", async () => {
    await expectInvalid(LOCAL, (c) => (c.externalSecrets.externalSecrets[0].refreshInterval = "-1h"), [`externalSecrets.externalSecrets[0].refreshInterval: must not be negative, got "-1h"`]);
    await expectInvalid(AWS, (c) => (c.sealedSecrets.keyBackup.refreshInterval = "-30m"), [`sealedSecrets.keyBackup.refreshInterval: must not be negative, got "-30m"`]);
  });

  test("unbounded replicas and token TTLs", async () => {
    await expectInvalid(LOCAL, (c) => (c.externalSecrets.operator.replicas = 100000), ["externalSecrets.operator.replicas: Too big: expected number to be <=10"]);
    await expectInvalid(LOCAL, (c) => (c.vault.configuration.roles[0].tokenMaxTtlSeconds = 10 * 365 * 86400), [
      "vault.configuration.roles[0].tokenMaxTtlSeconds: Too big: expected number to be <=2764800",
    ]);
    await expectInvalid(LOCAL, (c) => Object.assign(c.vault.configuration.roles[0], { tokenTtlSeconds: 7200, tokenMaxTtlSeconds: 3600 }), [
      "vault.configuration.roles[0].tokenTtlSeconds: must not exceed tokenMaxTtlSeconds (3600), got 7200",
    ]);
  });

  test("AKS key rotation outside Azure Key Vault's rotation policy bounds", async () => {
    await expectInvalid(AZURE, (c) => (c.encryption.aks.rotateAfter = "P10Y"), [
      `encryption.aks.rotateAfter: must be from P7D to P358D (each key version expires after P1Y; rotation must come at least 7 days before that), got "P10Y"`,
    ]);
    await expectInvalid(AZURE, (c) => (c.encryption.aks.rotateAfter = "P1D"), [
      `encryption.aks.rotateAfter: must be from P7D to P358D (each key version expires after P1Y; rotation must come at least 7 days before that), got "P1D"`,
    ]);
  });

  test("a cloud cluster without encryption or audit: exit 2 asking for an explicit opt-out", async () => {
    await expectInvalid(AWS, (c) => delete c.encryption, ["encryption: required on a eks cluster: encryption.eks (the KMS key Secrets are encrypted with); set encryption.enabled: false to opt out explicitly"]);
    await expectInvalid(AWS, (c) => delete c.audit, ["audit.eks: required on a eks cluster: audit.eks (the control plane's audit log); set audit.enabled: false to opt out explicitly"]);
    await expectInvalid(AWS, (c) => (c.encryption.enabled = false), ["encryption.eks: must not be set with enabled: false", "encryption.reencryption: must not be set with enabled: false"]);
  });

  test("a referenced secret config key that is absent, or plain text", async () => {
    // Stage 2 (initialized) reads the token from vault:token.
    const stage2 = (c: any) => Object.assign(c.vault.configuration, { initialized: true, address: "https://127.0.0.1:8200", caCertFile: "vault-ca.pem" });
    await expectInvalid(LOCAL, (c, cfg) => {
      stage2(c);
      delete cfg["vault:token"];
    }, [`vault.configuration.tokenConfigKey: config key "vault:token" is not set (pulumi config set --secret vault:token <value>)`]);
    await expectInvalid(LOCAL, (c, cfg) => {
      stage2(c);
      cfg["vault:token"] = "hvs.plain-text-token";
    }, [`vault.configuration.tokenConfigKey: config key "vault:token" must be a secret (pulumi config set --secret vault:token <value>), not plain text`]);
  });
});

describe("plan: stack file handling", () => {
  test("a short key and the full key for one setting: exit 2, not one silently winning", async () => {
    const doc = shipped(LOCAL);
    doc.config.clusters = doc.config[`${K}:clusters`];
    const { outcome, stackPath, outDir } = await planDoc(doc);
    assert.deepEqual(outcome.messages, [`${stackPath}: ${K}:clusters: set twice, as "${K}:clusters" and as "clusters": keep one`]);
    assert.equal(outcome.exitCode, 2);
    assert.equal(existsSync(outDir), false);
  });

  test("a YAML syntax error names line and column, never the text (which may hold a secret)", async () => {
    const text = `config:\n  ${K}:environment: dev\n  vault:token: "hvs.super-secret-token-value\n  other: [unclosed\n`;
    const { outcome, stackPath } = await planDoc(text);
    assert.equal(outcome.exitCode, 2);
    assert.equal(outcome.messages.length, 1);
    assert.match(outcome.messages[0], new RegExp(`^${stackPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not valid YAML at line \\d+, column \\d+ \\([A-Z_]+\\)$`));
    assert.ok(!outcome.messages[0].includes("super-secret"), outcome.messages[0]);
  });

  test("a secret too short to redact safely is refused naming the key, never the value", async () => {
    const { outcome, stackPath } = await planDoc(shipped(LOCAL), { extraConfig: { "vault:token": "vault" }, extraSecretKeys: ["vault:token"] });
    assert.equal(outcome.exitCode, 2);
    assert.deepEqual(outcome.messages, [
      `${stackPath}: vault:token: a secret of fewer than 8 characters cannot be redacted from the plan without corrupting it (it would match ordinary names): use a longer secret`,
    ]);
  });

  test("policy configuration is validated against the pack (exit 2), never ignored", async () => {
    const cases: Array<[unknown, string[]]> = [
      ["mandatory", ["--policy-config: must be a JSON object of policy names, got string"]],
      [[], ["--policy-config: must be a JSON object of policy names, got array"]],
      [{ "who-can-read-secrets": "bogus-level" }, [`--policy-config: who-can-read-secrets: must be one of advisory, mandatory, remediate, disabled, got "bogus-level"`]],
      [{ all: { enforcementLevel: "mandatroy" } }, [`--policy-config: all.enforcementLevel: must be one of advisory, mandatory, remediate, disabled, got "mandatroy"`]],
      [{ "who-can-read-secret": "mandatory" }, ["--policy-config: who-can-read-secret: unknown policy"]],
      [{ "who-can-read-secrets": { exemptSubject: ["User x"] } }, ["--policy-config: who-can-read-secrets.exemptSubject: unknown property"]],
      [{ "who-can-read-secrets": { exemptSubjects: "User x" } }, ["--policy-config: who-can-read-secrets.exemptSubjects: must be array, got string"]],
      [{ "who-can-read-secrets": { exemptSubjects: [1] } }, ["--policy-config: who-can-read-secrets.exemptSubjects[0]: must be string, got integer"]],
      [{ "kms-key-rotation-and-deletion-window": { maximumRotationPeriodDays: 4000 } }, ["--policy-config: kms-key-rotation-and-deletion-window.maximumRotationPeriodDays: must be <= 365, got 4000"]],
      [{ "no-wildcard-rbac-rules": 3 }, ["--policy-config: no-wildcard-rbac-rules: must be an enforcement level or an object, got integer"]],
    ];
    for (const [config, messages] of cases) {
      const { outcome, outDir } = await planDoc(shipped(LOCAL), { policyConfig: config as never });
      assert.equal(outcome.exitCode, 2, JSON.stringify(config));
      // The unknown-name messages list the known ones after the rule: compare the rule.
      assert.deepEqual(outcome.messages.map((m) => m.replace(/ \((the pack's policies|known): .*\)$/, "")), messages);
      assert.equal(existsSync(outDir), false);
    }
  });
});
