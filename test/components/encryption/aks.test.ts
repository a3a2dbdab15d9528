import assert from "node:assert/strict";
import { test } from "node:test";
import * as containerservice from "@pulumi/azure-native/containerservice";
import { AksSecretsEncryption, InvalidArgumentsError } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const SUB = "00000000-0000-0000-0000-000000000001";
const KEY_ID = "https://kv-prod.vault.azure.net/keys/aks-kms/0123456789abcdef0123456789abcdef";
// The mock runtime gives every resource the id `<name>-id`.
const VAULT_ID = "prod-vault-id";
const IDENTITY_ID = "prod-identity-id";
const azureState = {
  // The key's current version as Key Vault reports it (AksSecretsEncryption reads it after the key on every run).
  invokes: { "azure-native:keyvault:getKey": () => ({ keyUriWithVersion: KEY_ID }) },
  resourceState: (args: { type: string; name: string }) => {
    if (args.type === "azure-native:keyvault:Vault") return { name: "kv-prod" };
    if (args.type === "azure-native:keyvault:Key") return { keyUriWithVersion: KEY_ID, keyUri: KEY_ID.replace(/\/[0-9a-f]+$/, "") };
    if (args.type === "azure-native:managedidentity:UserAssignedIdentity") return { principalId: "11111111-1111-1111-1111-111111111111", clientId: "22222222-2222-2222-2222-222222222222" };
    return undefined;
  },
};
const role = (id: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

test("AksSecretsEncryption: RBAC vault with purge protection, RSA key with rotation, identity, Crypto User on the vault", async () => {
  let enc: AksSecretsEncryption | undefined;
  const stack = await runProgram(() => {
    enc = new AksSecretsEncryption("prod", { resourceGroupName: "rg-prod", location: "westeurope" });
  }, azureState);
  const component = stack.one("kube-secrets-platform:index:AksSecretsEncryption", "prod");
  const vault = stack.one("azure-native:keyvault:Vault", "prod-vault");
  assert.equal(vault.parent, component.urn);
  assert.deepEqual(vault.inputs.properties, {
    tenantId: "00000000-0000-0000-0000-000000000000",
    sku: { family: "A", name: "standard" },
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: true,
    enabledForDeployment: false,
    enabledForDiskEncryption: false,
    enabledForTemplateDeployment: false,
    publicNetworkAccess: "Enabled",
    networkAcls: { bypass: "AzureServices", defaultAction: "Allow" },
  });
  const key = stack.one("azure-native:keyvault:Key", "prod-key").inputs;
  assert.equal(key.vaultName, "kv-prod");
  assert.equal(key.keyName, "aks-kms");
  assert.deepEqual(key.properties, {
    kty: "RSA",
    keySize: 2048,
    keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
    attributes: { enabled: true, exportable: false },
    rotationPolicy: {
      attributes: { expiryTime: "P1Y" },
      lifetimeActions: [
        { action: { type: "rotate" }, trigger: { timeAfterCreate: "P90D" } },
        { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
      ],
    },
  });
  stack.one("azure-native:managedidentity:UserAssignedIdentity", "prod-identity");
  const assignments = stack.all("azure-native:authorization:RoleAssignment");
  assert.equal(assignments.length, 1);
  assert.deepEqual(assignments[0].inputs, {
    principalId: "11111111-1111-1111-1111-111111111111",
    principalType: "ServicePrincipal",
    roleDefinitionId: role("12338af0-0e69-4776-bea7-57ae8d297424"),
    // Key Vault RBAC scope of one key: the identity uses exactly the cluster's key, not every key of the vault.
    scope: `${VAULT_ID}/keys/aks-kms`,
    description: "AKS KMS etcd encryption: encrypt/decrypt with the cluster's key",
  });
  assert.deepEqual(await unwrap(enc!.securityProfile), { azureKeyVaultKms: { enabled: true, keyId: KEY_ID, keyVaultNetworkAccess: "Public" } });
  assert.equal(await unwrap(enc!.identityId), IDENTITY_ID);
});

test("AksSecretsEncryption composed with a ManagedCluster (private vault): securityProfile and identity received", async () => {
  const stack = await runProgram(() => {
    const enc = new AksSecretsEncryption("prod", { resourceGroupName: "rg-prod", keyVaultNetworkAccess: "Private", keySize: 4096 });
    new containerservice.ManagedCluster("prod", {
      resourceGroupName: "rg-prod",
      dnsPrefix: "prod",
      identity: { type: "UserAssigned", userAssignedIdentities: [enc.identityId] },
      apiServerAccessProfile: { enableVnetIntegration: true },
      securityProfile: enc.securityProfile,
    });
  }, azureState);
  const cluster = stack.one("azure-native:containerservice:ManagedCluster", "prod").inputs;
  assert.deepEqual(cluster.securityProfile, {
    azureKeyVaultKms: { enabled: true, keyId: KEY_ID, keyVaultNetworkAccess: "Private", keyVaultResourceId: VAULT_ID },
  });
  assert.deepEqual(cluster.identity.userAssignedIdentities, [IDENTITY_ID]);
  const vault = stack.one("azure-native:keyvault:Vault").inputs.properties;
  assert.equal(vault.publicNetworkAccess, "Disabled");
  assert.deepEqual(vault.networkAcls, { bypass: "AzureServices", defaultAction: "Deny" });
  assert.deepEqual(
    stack
      .all("azure-native:authorization:RoleAssignment")
      .map((a) => [a.name, a.inputs.roleDefinitionId, a.inputs.scope])
      .sort((a, b) => a[0].localeCompare(b[0])),
    [
      ["prod-crypto-user", role("12338af0-0e69-4776-bea7-57ae8d297424"), `${VAULT_ID}/keys/aks-kms`],
      ["prod-vault-contributor", role("f25e0fa2-a7c8-4377-a976-54943a77a395"), VAULT_ID],
    ],
  );
  assert.equal(stack.one("azure-native:keyvault:Key").inputs.properties.keySize, 4096);
});

test("AksSecretsEncryption: existing public vault: no vault created, role scoped to the derived vault id", async () => {
  const stack = await runProgram(() => {
    new AksSecretsEncryption("byo", { resourceGroupName: "rg-aks", existingKeyVault: { name: "kv-shared", resourceGroupName: "rg-sec" } });
  }, azureState);
  assert.deepEqual(stack.all("azure-native:keyvault:Vault"), []);
  assert.equal(stack.one("azure-native:keyvault:Key").inputs.vaultName, "kv-shared");
  assert.equal(stack.one("azure-native:keyvault:Key").inputs.resourceGroupName, "rg-sec");
  assert.equal(
    stack.one("azure-native:authorization:RoleAssignment").inputs.scope,
    `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-shared/keys/aks-kms`,
  );
});

test("AksSecretsEncryption: bad input throws naming the field before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new AksSecretsEncryption("bad", {
          resourceGroupName: "rg",
          keyVaultNetworkAccess: "Private",
          existingKeyVault: { name: "kv", resourceGroupName: "rg" },
          keySize: 1024,
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "keySize: must be 2048, 3072 or 4096, got 1024",
          "existingKeyVault.resourceId: is required when keyVaultNetworkAccess is Private (AKS reaches a private vault by resource id), got undefined",
        ]);
        return true;
      },
    );
    assert.throws(() => new AksSecretsEncryption("bad2", { resourceGroupName: "rg", keyVaultNetworkAccess: "internal", softDeleteRetentionInDays: 3 }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentsError);
      assert.deepEqual(e.problems, [`keyVaultNetworkAccess: must be Public or Private, got "internal"`, "softDeleteRetentionInDays: must be between 7 and 90"]);
      return true;
    });
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("AksSecretsEncryption: after Key Vault rotates the key, the next run hands the cluster the new version (read after the key)", async () => {
  const ROTATED = "https://kv-prod.vault.azure.net/keys/aks-kms/fedcba9876543210fedcba9876543210";
  const reads: Record<string, unknown>[] = [];
  let enc: AksSecretsEncryption | undefined;
  const stack = await runProgram(
    () => {
      enc = new AksSecretsEncryption("prod", { resourceGroupName: "rg-prod", existingKeyVault: { name: "kv-prod", resourceGroupName: "rg-sec" } });
    },
    {
      ...azureState,
      invokes: {
        "azure-native:keyvault:getKey": (inputs: Record<string, unknown>) => {
          reads.push(inputs);
          return { keyUriWithVersion: ROTATED };
        },
      },
    },
  );
  assert.equal(stack.all("azure-native:keyvault:Key").length, 1);
  assert.deepEqual(reads, [{ resourceGroupName: "rg-sec", vaultName: "kv-prod", keyName: "aks-kms" }]);
  assert.deepEqual(await unwrap(enc!.securityProfile), { azureKeyVaultKms: { enabled: true, keyId: ROTATED, keyVaultNetworkAccess: "Public" } });
});
