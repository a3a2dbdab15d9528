// AzureKeyVaultAccess push support (ESO 2.9 PushSecret through an Azure Key Vault store). ESO
// (providers/v1/azure/keyvault/keyvault.go setKeyVaultSecret, keyvault_new_sdk.go
// setKeyVaultSecretWithNewSDK) GETs the latest version of the secret, refuses an existing one without the
// tag managed-by=external-secrets (canCreate / isManagedByESONewSDK), skips an unchanged value, else SETs a
// new version tagged managed-by=external-secrets. So: the secret exists (created through ARM) before the
// first push with that tag, and a custom role with exactly getSecret + setSecret is assigned on it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AzureKeyVaultAccess, InvalidArgumentsError, PUSH_SECRET_PLACEHOLDER, parseKeyVaultId } from "../../../components";
import { stableGuid } from "../../../components/external-secrets/azure";
import { runProgram } from "../../harness/pulumi";

const SUB = "00000000-0000-0000-0000-000000000001";
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/secrets/providers/Microsoft.KeyVault/vaults/prod-kv`;
const PRINCIPAL = "22222222-2222-2222-2222-222222222222";
const identityState = {
  resourceState: (a: { type: string; inputs: Record<string, any> }) =>
    a.type === "azure-native:managedidentity:UserAssignedIdentity"
      ? { name: a.inputs.resourceName, clientId: "11111111-1111-1111-1111-111111111111", principalId: PRINCIPAL, tenantId: "00000000-0000-0000-0000-000000000000" }
      : undefined,
};
const base = {
  resourceGroupName: "aks-prod",
  keyVaultId: VAULT_ID,
  oidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/tenant/issuer/",
  serviceAccounts: [{ namespace: "kube-system", name: "eso-azure-key-vault" }],
};

test("parseKeyVaultId splits a vault id into subscription, resource group and vault name", () => {
  assert.deepEqual(parseKeyVaultId(VAULT_ID), { subscriptionId: SUB, resourceGroupName: "secrets", vaultName: "prod-kv" });
  assert.throws(() => parseKeyVaultId("/subscriptions/x"), /not a Key Vault resource id/);
});

test("AzureKeyVaultAccess pushSecretNames: ARM secret (managed-by tag, placeholder, retained, ignoreChanges), one custom GetSecret/SetSecret role on the vault, one assignment per pushed secret", async () => {
  const stack = await runProgram(
    () =>
      new AzureKeyVaultAccess("eso-az", {
        ...base,
        secretNames: ["payments-db"],
        pushSecretNames: ["sealed-secrets-key-backup", "other-backup"],
      }),
    { ...identityState, project: "platform", stack: "prod" },
  );

  // The ARM secrets: in the vault's resource group, tagged for ESO's canCreate, a non-sensitive placeholder.
  const secrets = stack.all("azure-native:keyvault:Secret");
  assert.deepEqual(
    secrets.map((s) => ({ name: s.name, inputs: s.inputs, retainOnDelete: s.options.retainOnDelete, ignoreChanges: s.options.ignoreChanges, protect: s.options.protect })),
    ["sealed-secrets-key-backup", "other-backup"].map((secret) => ({
      name: `eso-az-push-secret-${secret}`,
      inputs: { resourceGroupName: "secrets", vaultName: "prod-kv", secretName: secret, properties: { value: PUSH_SECRET_PLACEHOLDER }, tags: { "managed-by": "external-secrets" } },
      retainOnDelete: true,
      ignoreChanges: ["properties", "tags"],
      protect: false,
    })),
  );
  for (const s of secrets) assert.equal(stack.isSecret(s, ["properties", "value"]), false, "the placeholder is not a secret value");

  // One custom role: only the two data actions ESO's push calls, no control-plane actions, assignable in the vault's resource group.
  const guid = stableGuid("kube-secrets-platform", "eso-push", "platform", "prod", "eso-az", VAULT_ID.toLowerCase());
  const role = stack.one("azure-native:authorization:RoleDefinition", "eso-az-push-role");
  assert.deepEqual(role.inputs, {
    scope: `/subscriptions/${SUB}`,
    roleDefinitionId: guid,
    roleName: "ESO push eso-az on prod-kv (stack prod)",
    roleType: "CustomRole",
    description: `External Secrets Operator pushes (GetSecret, SetSecret) the secrets it is assigned on, in ${VAULT_ID}`,
    assignableScopes: [`/subscriptions/${SUB}/resourceGroups/secrets`],
    permissions: [
      {
        actions: [],
        notActions: [],
        dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/setSecret/action"],
        notDataActions: [],
      },
    ],
  });
  assert.match(guid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  // Assignments: the read one (Key Vault Secrets User) stays; one push assignment per pushed secret, on that secret.
  const assignments = stack.all("azure-native:authorization:RoleAssignment").map((ra) => ({
    name: ra.name,
    scope: ra.inputs.scope,
    roleDefinitionId: ra.inputs.roleDefinitionId,
    principalId: ra.inputs.principalId,
    principalType: ra.inputs.principalType,
  }));
  assert.deepEqual(assignments, [
    {
      name: "eso-az-secrets-user-0",
      scope: `${VAULT_ID}/secrets/payments-db`,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: PRINCIPAL,
      principalType: "ServicePrincipal",
    },
    ...["sealed-secrets-key-backup", "other-backup"].map((secret) => ({
      name: `eso-az-push-${secret}`,
      scope: `${VAULT_ID}/secrets/${secret}`,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      principalId: PRINCIPAL,
      principalType: "ServicePrincipal",
    })),
  ]);
  // Each push assignment waits for its ARM secret (its scope must exist) and the role.
  for (const secret of ["sealed-secrets-key-backup", "other-backup"]) {
    const ra = stack.one("azure-native:authorization:RoleAssignment", `eso-az-push-${secret}`);
    assert.ok(ra.options.dependsOn.includes(stack.one("azure-native:keyvault:Secret", `eso-az-push-secret-${secret}`).urn), `${secret}: depends on its ARM secret`);
    assert.ok(ra.options.dependsOn.includes(role.urn), `${secret}: depends on the role`);
  }
});

test("AzureKeyVaultAccess: without pushSecretNames there is no ARM secret and no custom role; push only (no secretNames) is enough", async () => {
  const readOnly = await runProgram(() => new AzureKeyVaultAccess("ro", { ...base, secretNames: ["a"] }), identityState);
  assert.deepEqual(readOnly.all("azure-native:keyvault:Secret"), []);
  assert.deepEqual(readOnly.all("azure-native:authorization:RoleDefinition"), []);
  assert.equal(readOnly.all("azure-native:authorization:RoleAssignment").length, 1);

  const pushOnly = await runProgram(() => new AzureKeyVaultAccess("po", { ...base, pushSecretNames: ["backup"] }), identityState);
  assert.deepEqual(
    pushOnly.all("azure-native:authorization:RoleAssignment").map((ra) => [ra.name, ra.inputs.scope]),
    [["po-push-backup", `${VAULT_ID}/secrets/backup`]],
  );
  assert.equal(pushOnly.all("azure-native:authorization:RoleDefinition").length, 1);
});

test("AzureKeyVaultAccess pushSecretNames: bad names, duplicates (case-insensitive), overlap with secretNames and neither list are rejected", async () => {
  await runProgram(() => {
    assert.throws(
      () => new AzureKeyVaultAccess("a", { ...base, secretNames: ["db", "api"], pushSecretNames: ["backup", "bad/*", "Backup", "db", "x".repeat(128)] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "pushSecretNames[1]: must be a Key Vault secret name (1-127 letters, digits or '-'; no wildcards)",
          "pushSecretNames[4]: must be a Key Vault secret name (1-127 letters, digits or '-'; no wildcards)",
          'pushSecretNames[2]: duplicate "Backup"',
          'pushSecretNames[3]: "db" is also in secretNames (list a secret once: a pushed secret is read through its push role)',
        ]);
        return true;
      },
    );
    for (const lists of [{}, { secretNames: [], pushSecretNames: [] }]) {
      assert.throws(
        () => new AzureKeyVaultAccess("a", { ...base, ...lists }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentsError);
          assert.deepEqual(e.problems, ["secretNames: list at least one secret the stores read, or in pushSecretNames one they push (roles are assigned on each secret, not on the vault)"]);
          return true;
        },
      );
    }
  });
});

test("AzureKeyVaultAccess pushSecretsExist: an existing push secret is assigned, never re-created (no placeholder version over a backup)", async () => {
  const stack = await runProgram(() => {
    new AzureKeyVaultAccess("eso-az", {
      resourceGroupName: "secrets",
      keyVaultId: VAULT_ID,
      oidcIssuerUrl: "https://issuer.example/",
      pushSecretNames: ["sealing-keys"],
      pushSecretsExist: true,
      serviceAccounts: [{ namespace: "kube-system", name: "eso-sealing-key-store" }],
    });
  });
  assert.deepEqual(stack.all("azure-native:keyvault:Secret"), []);
  const assignment = stack.all("azure-native:authorization:RoleAssignment").find((a) => String(a.inputs.scope).endsWith("/secrets/sealing-keys"))!;
  assert.equal(assignment.inputs.scope, `${VAULT_ID}/secrets/sealing-keys`);
});
