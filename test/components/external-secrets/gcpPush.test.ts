// Push (write) support of GcpSecretManagerAccess, checked against what ESO 2.9's GCP provider calls on a
// PushSecret (external-secrets v2.9.0 providers/v1/gcp/secretmanager/client.go PushSecret, push_secret.go
// psBuilder): GetSecret (secrets.get), CreateSecret on the project when missing (secrets.create: never
// granted, so the secret is created here), UpdateSecret (secrets.update: never granted) unless the labels
// are exactly {managed-by: external-secrets} with no annotations or topics, AccessSecretVersion on
// versions/latest (versions.access), AddSecretVersion (versions.add). Role contents: Google Cloud's Secret
// Manager access-control page (viewer: secrets.get, versions.get/list...; secretAccessor: versions.access;
// secretVersionAdder: versions.add; each grantable on one secret).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as gcp from "@pulumi/gcp";
import { GcpSecretManagerAccess, InvalidArgumentsError } from "../../../components";
import { gcpSecretIamScope } from "../../../policy-pack/policies/cloudIam";
import { resource, runPolicy } from "../../harness/policy";
import { runProgram, unwrap } from "../../harness/pulumi";

const EMAIL = "eso-eso-gcp@platform-prod.iam.gserviceaccount.com";
const MEMBER = `serviceAccount:${EMAIL}`;
const STORE_SA = { namespace: "kube-system", name: "eso-gcp-secret-manager" };
// The default provider must add no labels of its own to the secrets (see pushSecrets).
const NO_ATTRIBUTION = { "gcp:addPulumiAttributionLabel": "false" };
const accountState = (a: { type: string; inputs: any }) =>
  a.type === "gcp:serviceaccount/account:Account"
    ? { email: `${a.inputs.accountId}@platform-prod.iam.gserviceaccount.com`, name: `projects/platform-prod/serviceAccounts/${a.inputs.accountId}@platform-prod.iam.gserviceaccount.com` }
    : undefined;

test("GcpSecretManagerAccess pushSecrets: each secret created with exactly ESO's labels, kept on delete, and viewer + secretAccessor + secretVersionAdder on that secret only", async () => {
  let access: GcpSecretManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new GcpSecretManagerAccess("eso-gcp", {
        project: "platform-prod",
        secretProject: "secrets-prod",
        secrets: ["db-password"],
        pushSecrets: ["sealed-secrets-keys-prod"],
        serviceAccounts: [STORE_SA],
      });
    },
    { config: NO_ATTRIBUTION, resourceState: accountState },
  );
  const secret = stack.one("gcp:secretmanager/secret:Secret");
  assert.equal(secret.name, "eso-gcp-push-secret-sealed-secrets-keys-prod");
  assert.deepEqual(
    { project: secret.inputs.project, secretId: secret.inputs.secretId, replication: secret.inputs.replication, labels: secret.inputs.labels },
    { project: "secrets-prod", secretId: "sealed-secrets-keys-prod", replication: { auto: {} }, labels: { "managed-by": "external-secrets" } },
  );
  // No annotations, topics, expiry or rotation: ESO's psBuilder compares annotations and topics too.
  assert.deepEqual(Object.keys(secret.inputs).filter((k) => !["project", "secretId", "replication", "labels"].includes(k)), []);
  assert.equal(secret.options.retainOnDelete, true, "the backup survives pulumi destroy");
  assert.equal(secret.options.protect, false);
  assert.deepEqual(secret.options.ignoreChanges, []);

  assert.deepEqual(
    stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").map((r) => ({ name: r.name, project: r.inputs.project, secretId: r.inputs.secretId, role: r.inputs.role, member: r.inputs.member })),
    [
      { name: "eso-gcp-accessor-db-password", project: "secrets-prod", secretId: "db-password", role: "roles/secretmanager.secretAccessor", member: MEMBER },
      { name: "eso-gcp-push-viewer-sealed-secrets-keys-prod", project: "secrets-prod", secretId: "sealed-secrets-keys-prod", role: "roles/secretmanager.viewer", member: MEMBER },
      { name: "eso-gcp-push-accessor-sealed-secrets-keys-prod", project: "secrets-prod", secretId: "sealed-secrets-keys-prod", role: "roles/secretmanager.secretAccessor", member: MEMBER },
      { name: "eso-gcp-push-version-adder-sealed-secrets-keys-prod", project: "secrets-prod", secretId: "sealed-secrets-keys-prod", role: "roles/secretmanager.secretVersionAdder", member: MEMBER },
    ],
  );
  // The push bindings take the created secret's secretId output: they are made after the secret exists.
  for (const b of stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").filter((r) => r.name.includes("-push-"))) {
    assert.ok(b.options.dependsOn.includes(secret.urn), `${b.name} depends on the secret`);
    assert.equal(b.options.retainOnDelete, false, `${b.name} goes with the stack`);
  }
  // Nothing above the secret: no project, folder or organization IAM, no custom role.
  assert.deepEqual(
    stack.resources.filter((r) => /^gcp:(projects|folder|organizations)\//.test(r.type)).map((r) => `${r.type} ${r.name}`),
    [],
    "no project-level grant",
  );
  assert.deepEqual(await unwrap(access!.pushSecretIds), ["sealed-secrets-keys-prod"]);
});

test("GcpSecretManagerAccess pushSecrets alone (no secrets to read) is valid: no read-only bindings", async () => {
  let access: GcpSecretManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new GcpSecretManagerAccess("eso-gcp", { project: "platform-prod", pushSecrets: ["backup-a", "backup_b"], serviceAccounts: [STORE_SA] });
    },
    { config: NO_ATTRIBUTION, resourceState: accountState },
  );
  assert.deepEqual(
    stack.all("gcp:secretmanager/secret:Secret").map((s) => [s.inputs.project, s.inputs.secretId]),
    [
      ["platform-prod", "backup-a"],
      ["platform-prod", "backup_b"],
    ],
  );
  assert.deepEqual(
    stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").map((r) => `${r.inputs.secretId} ${r.inputs.role}`),
    [
      "backup-a roles/secretmanager.viewer",
      "backup-a roles/secretmanager.secretAccessor",
      "backup-a roles/secretmanager.secretVersionAdder",
      "backup_b roles/secretmanager.viewer",
      "backup_b roles/secretmanager.secretAccessor",
      "backup_b roles/secretmanager.secretVersionAdder",
    ],
  );
  assert.deepEqual(await unwrap(access!.pushSecretIds), ["backup-a", "backup_b"]);
});

test("GcpSecretManagerAccess pushSecrets: wildcard, malformed, duplicate, overlap with secrets and neither list are refused with their paths", async () => {
  const sa = { serviceAccounts: [STORE_SA] };
  await runProgram(
    () => {
      assert.throws(
        () => new GcpSecretManagerAccess("g", { project: "p", secrets: ["db", "api"], pushSecrets: ["backup-*", "projects/p/secrets/x", "backup", "backup", "api"], ...sa }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentsError);
          assert.deepEqual(e.problems, [
            `pushSecrets[0]: wildcards are not allowed (list each secret), got "backup-*"`,
            `pushSecrets[1]: must be a Secret Manager secret id (letters, digits, '_' and '-'), got "projects/p/secrets/x"`,
            `pushSecrets[3]: duplicate secret "backup"`,
            `pushSecrets[4]: "api" is also in secrets (a push secret is readable through its own bindings; list it once)`,
          ]);
          return true;
        },
      );
      for (const neither of [{}, { secrets: [] }, { pushSecrets: [] }, { secrets: [], pushSecrets: [] }]) {
        assert.throws(
          () => new GcpSecretManagerAccess("g", { project: "p", ...neither, ...sa }),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentsError);
            assert.deepEqual(e.problems, ["secrets: list at least one secret id (or pushSecrets)"], JSON.stringify(neither));
            return true;
          },
        );
      }
    },
    { config: NO_ATTRIBUTION },
  );
});

test("GcpSecretManagerAccess pushSecrets: the default provider's attribution label and defaultLabels are refused (ESO would need secrets.update); an explicit gcp provider is not checked", async () => {
  const args = { project: "p", pushSecrets: ["backup"], serviceAccounts: [STORE_SA] };
  const why = "so ESO finds labels other than managed-by on every push and calls UpdateSecret (secretmanager.secrets.update, not granted), which fails";
  const stack = await runProgram(
    () => {
      assert.throws(
        () => new GcpSecretManagerAccess("g", args),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentsError);
          assert.deepEqual(e.problems, [
            `pushSecrets: the default gcp provider labels every secret it creates goog-pulumi-provisioned=true (gcp:addPulumiAttributionLabel is not false), ${why}; set gcp:addPulumiAttributionLabel to false, or give this component a gcp provider with addPulumiAttributionLabel: false`,
            `pushSecrets: the default gcp provider adds its defaultLabels (team, env) to every secret it creates, ${why}; unset gcp:defaultLabels, or give this component a gcp provider without defaultLabels`,
          ]);
          return true;
        },
      );
      // Read-only access is not affected: the provider's labels only matter on secrets ESO pushes to.
      new GcpSecretManagerAccess("read", { project: "p", secrets: ["db"], serviceAccounts: [STORE_SA] });
      const provider = new gcp.Provider("gcp-no-labels", { addPulumiAttributionLabel: false });
      new GcpSecretManagerAccess("explicit", args, { providers: [provider] });
    },
    { config: { "gcp:defaultLabels": JSON.stringify({ team: "platform", env: "prod" }) }, resourceState: accountState },
  );
  assert.deepEqual(stack.all("gcp:secretmanager/secret:Secret").map((s) => s.name), ["explicit-push-secret-backup"]);
  assert.ok(stack.one("gcp:secretmanager/secret:Secret").provider?.startsWith("urn:"), "created with the explicit provider");
});

test("gcp-secret-iam-scope over the registered push resources: the secret-scoped bindings pass; a project-level secretVersionAdder (write to every secret) is flagged", async () => {
  const stack = await runProgram(
    () => {
      new GcpSecretManagerAccess("eso-gcp", { project: "platform-prod", pushSecrets: ["sealed-secrets-keys-prod"], serviceAccounts: [STORE_SA] });
    },
    { config: NO_ATTRIBUTION, resourceState: accountState },
  );
  const registered = stack.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, props: r.inputs }));
  assert.deepEqual((await runPolicy(gcpSecretIamScope, registered)).messages, []);
  // The attacker's (careless) twin: the same grant at project level reaches every secret of the project.
  const twin = resource("gcp:projects/iAMMember:IAMMember", { project: "platform-prod", role: "roles/secretmanager.secretVersionAdder", member: MEMBER }, "eso-push-project");
  const flagged = await runPolicy(gcpSecretIamScope, [...registered, twin]);
  assert.deepEqual(flagged.messages, [
    `IAMMember eso-push-project: roles/secretmanager.secretVersionAdder at project level for ${MEMBER} reaches every secret and key of the project; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)`,
  ]);
  assert.deepEqual(flagged.violations.map((v) => v.enforcementLevel), ["mandatory"]);
});

test("GcpSecretManagerAccess pushSecretsExist: an existing push secret is bound, never created (ALREADY_EXISTS), and the provider's labels are then not in play", async () => {
  // No NO_ATTRIBUTION config: nothing is created, so the provider's attribution label cannot reach the secret.
  const stack = await runProgram(
    () => void new GcpSecretManagerAccess("eso-gcp", { project: "platform-prod", pushSecrets: ["sealed-secrets-keys-prod"], pushSecretsExist: true, serviceAccounts: [STORE_SA] }),
    { resourceState: accountState },
  );
  assert.deepEqual(stack.all("gcp:secretmanager/secret:Secret"), []);
  assert.deepEqual(
    stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").map((b) => [b.inputs.project, b.inputs.secretId, b.inputs.role, b.inputs.member]).sort(),
    [
      ["platform-prod", "sealed-secrets-keys-prod", "roles/secretmanager.secretAccessor", MEMBER],
      ["platform-prod", "sealed-secrets-keys-prod", "roles/secretmanager.secretVersionAdder", MEMBER],
      ["platform-prod", "sealed-secrets-keys-prod", "roles/secretmanager.viewer", MEMBER],
    ],
  );
});
