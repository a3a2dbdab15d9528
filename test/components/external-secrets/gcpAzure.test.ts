import assert from "node:assert/strict";
import { test } from "node:test";
import { AzureKeyVaultAccess, GcpSecretManagerAccess, InvalidArgumentsError } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

// ESO (providers/v1/gcp/secretmanager/workload_identity.go TokenSource) mints a token for the store's
// account with audience <project>.svc.id.goog, exchanges it, then impersonates the account's
// iam.gke.io/gcp-service-account: the Google account must trust exactly that KSA, one binding each.
test("GcpSecretManagerAccess: accessor on each listed secret (never the project) and workloadIdentityUser for exactly the stores' accounts", async () => {
  let access: GcpSecretManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new GcpSecretManagerAccess("eso-gcp", {
        project: "platform-prod",
        secretProject: "secrets-prod",
        secrets: ["db-password", "api_key"],
        serviceAccounts: [
          { namespace: "payments", name: "eso-gcp-secret-manager" },
          { namespace: "orders", name: "eso-gcp-secret-manager" },
        ],
      });
    },
    { resourceState: (a) => (a.type === "gcp:serviceaccount/account:Account" ? { email: `${a.inputs.accountId}@platform-prod.iam.gserviceaccount.com`, name: `projects/platform-prod/serviceAccounts/${a.inputs.accountId}@platform-prod.iam.gserviceaccount.com` } : undefined) },
  );
  const gsa = stack.one("gcp:serviceaccount/account:Account", "eso-gcp-gsa");
  assert.equal(gsa.inputs.accountId, "eso-eso-gcp");
  assert.equal(gsa.inputs.project, "platform-prod");
  const email = "eso-eso-gcp@platform-prod.iam.gserviceaccount.com";
  const bindings = stack.all("gcp:secretmanager/secretIamMember:SecretIamMember").map((r) => ({ name: r.name, ...r.inputs }));
  assert.deepEqual(
    bindings.map(({ name, project, secretId, role, member }) => ({ name, project, secretId, role, member })),
    [
      { name: "eso-gcp-accessor-db-password", project: "secrets-prod", secretId: "db-password", role: "roles/secretmanager.secretAccessor", member: `serviceAccount:${email}` },
      { name: "eso-gcp-accessor-api_key", project: "secrets-prod", secretId: "api_key", role: "roles/secretmanager.secretAccessor", member: `serviceAccount:${email}` },
    ],
  );
  assert.deepEqual(stack.all("gcp:projects/iAMMember:IAMMember"), [], "no project-level grant");
  assert.deepEqual(
    stack.all("gcp:serviceaccount/iAMMember:IAMMember").map((wi) => ({ name: wi.name, serviceAccountId: wi.inputs.serviceAccountId, role: wi.inputs.role, member: wi.inputs.member })),
    [
      {
        name: "eso-gcp-workload-identity-payments-eso-gcp-secret-manager",
        serviceAccountId: `projects/platform-prod/serviceAccounts/${email}`,
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:platform-prod.svc.id.goog[payments/eso-gcp-secret-manager]",
      },
      {
        name: "eso-gcp-workload-identity-orders-eso-gcp-secret-manager",
        serviceAccountId: `projects/platform-prod/serviceAccounts/${email}`,
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:platform-prod.svc.id.goog[orders/eso-gcp-secret-manager]",
      },
    ],
    "no binding for ESO's controller (external-secrets/external-secrets)",
  );
  assert.deepEqual(await unwrap(access!.serviceAccountAnnotations), { "iam.gke.io/gcp-service-account": email });
});

test("GcpSecretManagerAccess: wildcard, malformed and duplicate secrets are rejected", async () => {
  await runProgram(() => {
    assert.throws(
      () => new GcpSecretManagerAccess("g", { project: "p", secrets: ["*", "projects/p/secrets/x", "a", "a"], accountId: "Bad", serviceAccounts: [{ namespace: "a", name: "s" }] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "accountId: must be 6-30 lower-case letters, digits and '-', starting with a letter",
          `secrets[0]: wildcards are not allowed (list each secret), got "*"`,
          `secrets[1]: must be a Secret Manager secret id (letters, digits, '_' and '-'), got "projects/p/secrets/x"`,
          `secrets[3]: duplicate secret "a"`,
        ]);
        return true;
      },
    );
    assert.throws(() => new GcpSecretManagerAccess("g", { project: "p", secrets: [], serviceAccounts: [{ namespace: "a", name: "s" }] }), /secrets: list at least one secret id/);
    assert.throws(() => new GcpSecretManagerAccess("g", { project: "p", secrets: ["a"] }), /serviceAccounts: list at least one service account \(a store's own account\)/);
  });
});

const VAULT_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/secrets/providers/Microsoft.KeyVault/vaults/prod-kv";

// ESO (providers/v1/azure/keyvault/keyvault.go) reads azure.workload.identity/client-id from the store's
// account and mints its token for audience api://AzureADTokenExchange (AzureDefaultAudience): the federated
// credential's subject is that account, its audience exactly that one.
test("AzureKeyVaultAccess: identity, one federated credential per store account, Key Vault Secrets User on each listed secret, annotations", async () => {
  let access: AzureKeyVaultAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new AzureKeyVaultAccess("eso-az", {
        resourceGroupName: "aks-prod",
        keyVaultId: VAULT_ID,
        secretNames: ["payments-db", "payments-api"],
        oidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/tenant/issuer/",
        serviceAccounts: [{ namespace: "payments", name: "eso-azure-key-vault" }],
      });
    },
    {
      resourceState: (a) =>
        a.type === "azure-native:managedidentity:UserAssignedIdentity"
          ? { name: a.inputs.resourceName, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "00000000-0000-0000-0000-000000000000" }
          : undefined,
    },
  );
  const id = stack.one("azure-native:managedidentity:UserAssignedIdentity", "eso-az-identity");
  assert.equal(id.inputs.resourceName, "eso-az-eso");
  const fic = stack.one("azure-native:managedidentity:FederatedIdentityCredential", "eso-az-federated-payments-eso-azure-key-vault");
  assert.deepEqual(
    { issuer: fic.inputs.issuer, subject: fic.inputs.subject, audiences: fic.inputs.audiences, resourceName: fic.inputs.resourceName, credential: fic.inputs.federatedIdentityCredentialResourceName },
    {
      issuer: "https://eastus.oic.prod-aks.azure.com/tenant/issuer/",
      subject: "system:serviceaccount:payments:eso-azure-key-vault",
      audiences: ["api://AzureADTokenExchange"],
      resourceName: "eso-az-eso",
      credential: "payments-eso-azure-key-vault",
    },
  );
  // One "Key Vault Secrets User" (4633458b-…) per listed secret, scoped `<vault id>/secrets/<name>`: never the vault.
  assert.deepEqual(
    stack.all("azure-native:authorization:RoleAssignment").map((ra) => ({ name: ra.name, scope: ra.inputs.scope, roleDefinitionId: ra.inputs.roleDefinitionId, principalId: ra.inputs.principalId, principalType: ra.inputs.principalType })),
    ["payments-db", "payments-api"].map((secret, i) => ({
      name: `eso-az-secrets-user-${i}`,
      scope: `${VAULT_ID}/secrets/${secret}`,
      roleDefinitionId: "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
      principalId: "22222222-2222-2222-2222-222222222222",
      principalType: "ServicePrincipal",
    })),
  );
  assert.deepEqual(await unwrap(access!.serviceAccountAnnotations), {
    "azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111",
    "azure.workload.identity/tenant-id": "00000000-0000-0000-0000-000000000000",
  });
  assert.deepEqual(await unwrap(access!.storeServiceAccountAnnotations), { "azure.workload.identity/client-id": "11111111-1111-1111-1111-111111111111" });
  assert.deepEqual(await unwrap(access!.podLabels), { "azure.workload.identity/use": "true" });
});

test("AzureKeyVaultAccess: a non-vault scope and a non-https issuer are rejected", async () => {
  await runProgram(() => {
    assert.throws(
      () =>
        new AzureKeyVaultAccess("a", {
          resourceGroupName: "rg",
          keyVaultId: "/subscriptions/x",
          secretNames: ["ok", "bad/*", "ok"],
          oidcIssuerUrl: "http://issuer",
          serviceAccounts: Array.from({ length: 21 }, (_, i) => ({ namespace: `ns${i}`, name: "eso" })),
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "keyVaultId: must be a Key Vault resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>)",
          "oidcIssuerUrl: must be an https:// URL",
          "secretNames[1]: must be a Key Vault secret name (1-127 letters, digits or '-'; no wildcards)",
          "serviceAccounts: an identity holds at most 20 federated credentials",
          'secretNames[2]: duplicate "ok"',
        ]);
        return true;
      },
    );
  });
});
