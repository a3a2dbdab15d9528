// azure-key-vault-custom-role-scope: custom role definitions of the program are judged by their data
// actions (Microsoft "Azure permissions for Security", Microsoft.KeyVault), wildcards included, so a
// custom role cannot carry Key Vault secret or key access past azure-key-vault-role-scope (which knows
// built-in roles only). Attacker resources and their least-privilege twins, exact messages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AzureKeyVaultAccess } from "../../../components";
import { azureKeyVaultCustomRoleScope, azureKeyVaultGrants, azureKeyVaultRoleScope } from "../../../policy-pack/policies/cloudIam";
import { allPolicies } from "../../../policy-pack/policies";
import { UNKNOWN, resource, runPolicy } from "../../harness/policy";
import { runProgram } from "../../harness/pulumi";

const RD = "azure-native:authorization:RoleDefinition";
const RA = "azure-native:authorization:RoleAssignment";
const VAULT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
const GUID = "3f2504e0-4f89-51d3-9a0c-0305e82c3301";
const roleId = (guid = GUID) => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const definition = (permissions: unknown, extra: Record<string, unknown> = {}) =>
  resource(RD, { scope: "/subscriptions/s", roleDefinitionId: GUID, roleName: "wide", roleType: "CustomRole", assignableScopes: [VAULT], permissions, ...extra }, "role");
const assignment = (scope: unknown, roleDefinitionId: unknown = roleId(), name = "ra") => resource(RA, { principalId: "p1", principalType: "ServicePrincipal", roleDefinitionId, scope }, name);
const run = async (resources: ReturnType<typeof resource>[]) => {
  const r = await runPolicy(azureKeyVaultCustomRoleScope, resources);
  for (const v of r.violations) assert.equal(v.enforcementLevel, "mandatory");
  return r;
};
const objectsOf = (permissions: unknown) => {
  const g = azureKeyVaultGrants(permissions);
  return "objects" in g ? g.objects : g;
};
const msgs = async (resources: ReturnType<typeof resource>[]) => (await run(resources)).messages;

test("azure-key-vault-custom-role-scope is registered in the pack after azure-key-vault-role-scope", () => {
  const names = allPolicies.map((p) => p.name);
  assert.equal(names.indexOf("azure-key-vault-custom-role-scope"), names.indexOf("azure-key-vault-role-scope") + 1);
  assert.equal(azureKeyVaultCustomRoleScope.enforcementLevel, "mandatory");
});

test("azureKeyVaultGrants: wildcards and NotDataActions are evaluated per permission block; metadata-only roles reach nothing", () => {
  assert.deepEqual(azureKeyVaultGrants([{ dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/setSecret/action"] }]), {
    objects: ["secrets"],
    operations: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/setSecret/action"],
  });
  assert.deepEqual(objectsOf([{ dataActions: ["*"] }]), ["secrets", "keys"]);
  assert.deepEqual(objectsOf([{ dataActions: ["microsoft.keyvault/vaults/keys/*"] }]), ["keys"], "action names are case-insensitive");
  // Everything of secrets but reading still writes them.
  assert.deepEqual(objectsOf([{ dataActions: ["Microsoft.KeyVault/vaults/secrets/*"], notDataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"] }]), ["secrets"]);
  assert.deepEqual(objectsOf([{ dataActions: ["Microsoft.KeyVault/vaults/secrets/*"], notDataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }]), []);
  // Key Vault Reader's permissions: metadata only.
  assert.deepEqual(objectsOf([{ actions: ["Microsoft.KeyVault/vaults/*/read"], dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"] }]), []);
  // ARM can write secret values too.
  assert.deepEqual(azureKeyVaultGrants([{ actions: ["Microsoft.KeyVault/vaults/secrets/write"] }]), { objects: ["secrets"], operations: ["Microsoft.KeyVault/vaults/secrets/write"] });
  assert.deepEqual(azureKeyVaultGrants(undefined), { unresolved: "permissions is not set, not a list" });
  assert.deepEqual(azureKeyVaultGrants([{ dataActions: "Microsoft.KeyVault/vaults/secrets/*" }]), { unresolved: "permissions[0].dataActions is not a list of strings" });
});

test("attacker: a custom role with Microsoft.KeyVault/vaults/secrets/* (or *) assigned on the vault, resource group or subscription fails; built-in rule alone misses it", async () => {
  const wide = definition([{ actions: [], dataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }]);
  assert.deepEqual(await msgs([wide, assignment(VAULT)]), [
    `RoleAssignment ra (principal p1): custom role role ("wide") grants Microsoft.KeyVault/vaults/secrets/getSecret/action, Microsoft.KeyVault/vaults/secrets/setSecret/action, Microsoft.KeyVault/vaults/secrets/update/action and 5 more and at scope ${VAULT} reaches the whole vault; scope it to <vault id>/secrets/<secret name>`,
  ]);
  assert.deepEqual((await runPolicy(azureKeyVaultRoleScope, [wide, assignment(VAULT)])).messages, [], "the resource rule knows built-in roles only");
  const everything = definition([{ dataActions: ["*"] }]);
  assert.deepEqual(await msgs([everything, assignment("/subscriptions/s/resourceGroups/rg")]), [
    "RoleAssignment ra (principal p1): custom role role (\"wide\") grants Microsoft.KeyVault/vaults/secrets/getSecret/action, Microsoft.KeyVault/vaults/secrets/setSecret/action, Microsoft.KeyVault/vaults/secrets/update/action and 22 more and at scope /subscriptions/s/resourceGroups/rg reaches every vault of the resource group; scope it to <vault id>/secrets/<secret name>",
  ]);
  const keys = definition([{ dataActions: ["Microsoft.KeyVault/vaults/keys/unwrap/action"] }]);
  assert.deepEqual(await msgs([keys, assignment("/subscriptions/s")]), [
    "RoleAssignment ra (principal p1): custom role role (\"wide\") grants Microsoft.KeyVault/vaults/keys/unwrap/action and at scope /subscriptions/s reaches every vault of the subscription; scope it to <vault id>/keys/<key name>",
  ]);
  // A key role on a secret scope is the wrong object (as for built-in roles).
  assert.deepEqual(await msgs([keys, assignment(`${VAULT}/secrets/db`)]), [
    `RoleAssignment ra (principal p1): custom role role ("wide") grants Microsoft.KeyVault/vaults/keys/unwrap/action and at scope ${VAULT}/secrets/db reaches every vault in scope; scope it to <vault id>/keys/<key name>`,
  ]);
  // Linked through the role's outputs after creation (name = GUID, id), not only the roleDefinitionId input; GUIDs compare case-insensitively.
  const created = resource(RD, { name: GUID, id: roleId(), roleName: "wide", permissions: [{ dataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }] }, "role");
  assert.equal((await msgs([created, assignment(VAULT, roleId(GUID.toUpperCase()))])).length, 1);
});

test("twins: the same custom roles on one secret or key pass; roles reaching no Key Vault object and roles defined elsewhere are left alone", async () => {
  const wide = definition([{ dataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }]);
  assert.deepEqual(await msgs([wide, assignment(`${VAULT}/secrets/db`)]), []);
  assert.deepEqual(await msgs([definition([{ dataActions: ["*"] }]), assignment(`${VAULT}/keys/etcd`)]), []);
  assert.deepEqual(await msgs([definition([{ actions: ["Microsoft.Compute/virtualMachines/restart/action"] }]), assignment(VAULT)]), []);
  assert.deepEqual(await msgs([wide, assignment(VAULT, roleId("4633458b-17de-408a-b874-0445c86b69e6"))]), [], "a built-in role: azure-key-vault-role-scope's job");
  assert.deepEqual(await msgs([assignment(VAULT, roleId("11111111-1111-1111-1111-111111111111"))]), [], "a custom role not defined in this program cannot be read");
});

test("fail closed: a program role whose permissions are unknown or malformed fails wherever it is assigned; an unknown roleDefinitionId that may be a reaching role fails on a broad scope", async () => {
  assert.deepEqual(await msgs([definition(UNKNOWN.array), assignment(`${VAULT}/secrets/db`)]), [
    'RoleAssignment ra (principal p1): custom role role ("wide") cannot be judged: its permissions are unknown (computed at deployment); fail closed',
  ]);
  assert.deepEqual(await msgs([definition([{ dataActions: UNKNOWN.array }]), assignment(VAULT)]), [
    'RoleAssignment ra (principal p1): custom role role ("wide") cannot be judged: its permissions are unknown (computed at deployment); fail closed',
  ]);
  assert.deepEqual(await msgs([definition(undefined), assignment(VAULT)]), ['RoleAssignment ra (principal p1): custom role role ("wide") cannot be judged: permissions is not set, not a list; fail closed']);
  // roleDefinitionId: role.id of a role created in the same update is unknown at preview.
  const wide = definition([{ dataActions: ["Microsoft.KeyVault/vaults/secrets/*"] }]);
  assert.deepEqual(await msgs([wide, assignment(VAULT, UNKNOWN.string)]), [
    `RoleAssignment ra (principal p1): roleDefinitionId is unknown until deployment, and it may be custom role role ("wide"), which reach(es) Key Vault secrets or keys; at scope ${VAULT} that reaches more than one secret or key (give the role a fixed roleDefinitionId GUID, or scope the assignment to one secret or key)`,
  ]);
  assert.deepEqual(await msgs([wide, assignment(`${VAULT}/secrets/db`, UNKNOWN.string)]), [], "one secret, whichever role it is");
  assert.deepEqual(await msgs([definition([{ dataActions: ["Microsoft.Storage/*"] }]), assignment(VAULT, UNKNOWN.string)]), [], "no program role reaches Key Vault");
  // An unknown scope is judged once known (as azure-key-vault-role-scope does).
  const r = await run([wide, assignment(UNKNOWN.string)]);
  assert.deepEqual(r.messages, []);
});

test("least-privilege twin: AzureKeyVaultAccess with pushSecretNames passes both Azure Key Vault rules", async () => {
  const stack = await runProgram(
    () =>
      new AzureKeyVaultAccess("eso-az", {
        resourceGroupName: "aks-prod",
        keyVaultId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/secrets/providers/Microsoft.KeyVault/vaults/prod-kv",
        secretNames: ["payments-db"],
        pushSecretNames: ["sealed-secrets-key-backup"],
        oidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/tenant/issuer/",
        serviceAccounts: [{ namespace: "kube-system", name: "eso-azure-key-vault" }],
      }),
    {
      resourceState: (a) =>
        a.type === "azure-native:managedidentity:UserAssignedIdentity" ? { name: a.inputs.resourceName, clientId: "c", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "t" } : undefined,
    },
  );
  const resources = stack.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, props: r.inputs }));
  const r = await runPolicy([azureKeyVaultRoleScope, azureKeyVaultCustomRoleScope], resources);
  assert.deepEqual(r.messages, []);
  assert.deepEqual(r.notApplicable, []);
  // The twin's push assignment is linked to its role (so it was judged, not skipped): widen its scope and it fails.
  const widened = resources.map((x) => (x.type === RA && x.name === "eso-az-push-sealed-secrets-key-backup" ? { ...x, props: { ...x.props, scope: x.props.scope.replace(/\/secrets\/[^/]+$/, "") } } : x));
  assert.deepEqual((await runPolicy(azureKeyVaultCustomRoleScope, widened)).messages, [
    'RoleAssignment eso-az-push-sealed-secrets-key-backup (principal 22222222-2222-2222-2222-222222222222): custom role eso-az-push-role ("ESO push eso-az on prod-kv (stack test)") grants Microsoft.KeyVault/vaults/secrets/getSecret/action, Microsoft.KeyVault/vaults/secrets/setSecret/action and at scope /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/secrets/providers/Microsoft.KeyVault/vaults/prod-kv reaches the whole vault; scope it to <vault id>/secrets/<secret name>',
  ]);
});
