// Issue 15: for each privilege hole, the resource a careless user or compromised CI writes (reported, at
// the stated level, with the exact message) and its least-privilege twin (clean). Upstream facts each
// rule relies on are named where they are used: ESO 2.9 (external-secrets tag helm-chart-2.9.0)
// providers/v1/aws/auth/auth.go New (no auth = SDK default chain), gcp/secretmanager/auth.go
// (DefaultTokenSource), azure/keyvault/keyvault.go (WorkloadIdentity without serviceAccountRef reads
// AZURE_FEDERATED_TOKEN_FILE), vault/auth_kubernetes.go (no serviceAccountRef = the controller's own
// token file), pkg/controllers/pushsecret/pushsecret_controller.go resolveSecrets (name first, then a
// label selector over the namespace); hashicorp/vault vault/policy.go parsePaths ('+*' refused).
import assert from "node:assert/strict";
import { test } from "node:test";
import { awsBroadManagedPolicies, azureKeyVaultRoleScope, esoIamNoWildcardResources, gcpSecretIamScope, kmsKeyPolicyPrincipals } from "../../../policy-pack/policies/cloudIam";
import { clusterSecretStoreConditions, esoStoreExplicitAuth, pushSecretScope } from "../../../policy-pack/policies/externalSecrets";
import { noSecretsInEnv } from "../../../policy-pack/policies/noSecretsInEnv";
import { serviceAccountTokenAutomount } from "../../../policy-pack/policies/serviceAccountTokenAutomount";
import { vaultRoleTokenPolicies } from "../../../policy-pack/policies/vault";
import { vaultPolicyDocuments } from "../../../policy-pack/policies/vaultPolicyDocuments";
import { resource, runPolicy } from "../../harness/policy";

type Policy = Parameters<typeof runPolicy>[0];
const run = async (policy: Policy, resources: ReturnType<typeof resource>[]) => {
  const r = await runPolicy(policy, resources);
  for (const v of r.violations) assert.equal(v.enforcementLevel, (policy as { enforcementLevel: string }).enforcementLevel);
  return r.messages;
};
const one = (policy: Policy, type: string, props: Record<string, any>, name = "x") => run(policy, [resource(type, props, name)]);

const STORE = "kubernetes:external-secrets.io/v1:SecretStore";
const CSS = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const store = (provider: Record<string, unknown>) => ({ metadata: { name: "s", namespace: "apps" }, spec: { provider } });

test("eso-store-explicit-auth: a store without explicit auth uses the controller's identity (mandatory); with the store's own service account it passes", async () => {
  assert.equal(esoStoreExplicitAuth.enforcementLevel, "mandatory");
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ aws: { service: "SecretsManager", region: "eu-west-1" } })), [
    "SecretStore apps/s: spec.provider.aws.auth: no auth.jwt.serviceAccountRef or auth.secretRef, so the store authenticates as the ESO controller's own AWS identity (Pod Identity/IRSA) and anyone who can create an ExternalSecret here reads everything that role reaches; set auth.jwt.serviceAccountRef to a service account of this store with its own IRSA role",
  ]);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ aws: { region: "eu-west-1", auth: { jwt: { serviceAccountRef: { name: "apps-eso" } } } } })), []);
  assert.deepEqual(await one(esoStoreExplicitAuth, CSS, { metadata: { name: "g" }, spec: { provider: { gcpsm: { projectID: "p" } } } }), [
    "ClusterSecretStore g: spec.provider.gcpsm.auth: no auth.workloadIdentity.serviceAccountRef, workloadIdentityFederation or secretRef, so the store authenticates as the ESO controller's own Google identity (Workload Identity); set auth.workloadIdentity.serviceAccountRef to a service account of this store bound to its own Google service account",
  ]);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ gcpsm: { projectID: "p", auth: { workloadIdentity: { serviceAccountRef: { name: "apps-eso" } } } } })), []);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ azurekv: { vaultUrl: "https://kv.vault.azure.net", authType: "WorkloadIdentity" } })), [
    "SecretStore apps/s: spec.provider.azurekv.serviceAccountRef: authType WorkloadIdentity without serviceAccountRef uses the ESO controller's own federated token; name a service account of this store with its own federated credential",
  ]);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ azurekv: { vaultUrl: "https://kv.vault.azure.net", authType: "ManagedIdentity", identityId: "id" } })), [
    "SecretStore apps/s: spec.provider.azurekv.authType: ManagedIdentity uses the node's (IMDS) identity, shared by every pod on the node whatever identityId selects; use WorkloadIdentity with serviceAccountRef",
  ]);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ azurekv: { vaultUrl: "https://kv.vault.azure.net", authType: "WorkloadIdentity", serviceAccountRef: { name: "apps-eso" } } })), []);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ vault: { server: "https://vault:8200", auth: { kubernetes: { mountPath: "kubernetes", role: "apps" } } } })), [
    "SecretStore apps/s: spec.provider.vault.auth.kubernetes: no serviceAccountRef or secretRef, so ESO logs in to Vault with the controller's own service account token; set serviceAccountRef to a service account of this store bound to its Vault role",
  ]);
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ vault: { server: "https://vault:8200", auth: { kubernetes: { role: "apps", serviceAccountRef: { name: "apps-eso" } } } } })), []);
  // Providers the rule does not model are not judged (documented).
  assert.deepEqual(await one(esoStoreExplicitAuth, STORE, store({ fake: { data: [] } })), []);
});

test("cluster-secret-store-namespace-conditions: conditions judged by what they admit (mandatory)", async () => {
  const css = (conditions: unknown[]) => ({ metadata: { name: "shared" }, spec: { provider: { aws: { region: "eu-west-1" } }, conditions } });
  assert.deepEqual(await one(clusterSecretStoreConditions, CSS, css([{ namespaceRegexes: ["[a-z0-9-]*"] }, { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "Exists" }] } }])), [
    'ClusterSecretStore shared: spec.conditions[0].namespaceRegexes[0]: "[a-z0-9-]*" matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")',
    "ClusterSecretStore shared: spec.conditions[1].namespaceSelector: selector kubernetes.io/metadata.name Exists matches every namespace that carries no other label (a new namespace), so it restricts nothing",
  ]);
  assert.deepEqual(await one(clusterSecretStoreConditions, CSS, css([{ namespaceRegexes: ["^team-a$"] }, { namespaces: ["billing"] }])), []);
});

test("push-secret-scope: a PushSecret whose selector matches every unlabelled Secret fails; a named Secret or a real label passes", async () => {
  const PUSH = "kubernetes:external-secrets.io/v1alpha1:PushSecret";
  const push = (secret: unknown) => ({ metadata: { name: "out", namespace: "apps" }, spec: { selector: { secret } } });
  assert.deepEqual(await one(pushSecretScope, PUSH, push({ selector: {} })), [
    "PushSecret apps/out: spec.selector.secret.selector {} matches every unlabelled Secret of the namespace, so it pushes all of them (service-account tokens and other applications' credentials included)",
  ]);
  assert.deepEqual(await one(pushSecretScope, PUSH, push({ selector: { matchExpressions: [{ key: "keep-local", operator: "DoesNotExist" }] } })), [
    `PushSecret apps/out: spec.selector.secret.selector {"matchExpressions":[{"key":"keep-local","operator":"DoesNotExist"}]} matches every unlabelled Secret of the namespace, so it pushes all of them (service-account tokens and other applications' credentials included)`,
  ]);
  assert.deepEqual(await one(pushSecretScope, PUSH, push({ name: "db" })), []);
  assert.deepEqual(await one(pushSecretScope, PUSH, push({ selector: { matchLabels: { "push-to-vault": "true" } } })), []);
  // ESO takes the name first: a name with any selector pushes only that Secret.
  assert.deepEqual(await one(pushSecretScope, PUSH, push({ name: "db", selector: {} })), []);
});

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

test("eso-iam-no-wildcard-resources: action and ARN patterns, NotAction/NotResource, inline policies of roles (mandatory); exact ARNs pass", async () => {
  const POLICY = "aws:iam/policy:Policy";
  const secret = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:apps/db-AbCdEf";
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: doc({ Effect: "Allow", Action: "secretsmanager:*", Resource: secret }) }), [
    'IAM policy x: Statement[0]: action pattern(s) ["secretsmanager:*"] also grant(s) secretsmanager:PutResourcePolicy, secretsmanager:DeleteSecret (hand out or destroy access); list the actions the workload needs',
  ]);
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: doc({ Effect: "Allow", Action: ["secretsmanager:Get*"], Resource: "arn:aws:secretsmanager:*:*:secret:*" }) }), [
    'IAM policy x: Statement[0] allows secretsmanager:GetSecretValue on "arn:aws:secretsmanager:*:*:secret:*" wildcards the account (every account\'s resources)',
  ]);
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: doc({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:*" }) }), [
    'IAM policy x: Statement[0] allows secretsmanager:GetSecretValue on "arn:aws:secretsmanager:eu-west-1:111122223333:secret:*" wildcards the name (every secret whose name starts with "")',
  ]);
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: secret }) }), [
    'IAM policy x: Statement[0]: NotAction "iam:*" also grant(s) secretsmanager:PutResourcePolicy, secretsmanager:DeleteSecret, ssm:DeleteParameter, kms:CreateGrant, kms:PutKeyPolicy, kms:ScheduleKeyDeletion, kms:DisableKey (hand out or destroy access); list the actions the workload needs',
  ]);
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: doc({ Effect: "Allow", Action: "ssm:GetParameter", NotResource: "arn:aws:ssm:eu-west-1:111122223333:parameter/admin" }) }), [
    'IAM policy x: Statement[0] allows ssm:GetParameter on NotResource "arn:aws:ssm:eu-west-1:111122223333:parameter/admin" (every resource but those)',
  ]);
  assert.deepEqual(await one(esoIamNoWildcardResources, "aws:iam/role:Role", { inlinePolicies: [{ name: "read", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }] }), [
    'IAM role x inlinePolicies[0] (read): Statement[0] allows secretsmanager:GetSecretValue, secretsmanager:BatchGetSecretValue, secretsmanager:PutSecretValue, secretsmanager:UpdateSecret and 14 more on Resource "*" (every resource of the account)',
    'IAM role x inlinePolicies[0] (read): Statement[0]: action pattern(s) ["*"] also grant(s) secretsmanager:PutResourcePolicy, secretsmanager:DeleteSecret, ssm:DeleteParameter, kms:CreateGrant, kms:PutKeyPolicy, kms:ScheduleKeyDeletion, kms:DisableKey (hand out or destroy access); list the actions the workload needs',
  ]);
  // Twins: exact ARNs, the random-suffix pattern, a path prefix; non-secret actions on `*`.
  const good = doc(
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [secret, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:apps/api-??????", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team-a/*"] },
    { Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
    { Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" },
    { Effect: "Deny", Action: "*", Resource: "*" },
  );
  assert.deepEqual(await one(esoIamNoWildcardResources, POLICY, { policy: good }), []);
  assert.deepEqual(await one(esoIamNoWildcardResources, "aws:iam/role:Role", { inlinePolicies: [{ name: "read", policy: good }] }), []);
});

test("aws-no-broad-managed-secret-policies: SecretsManagerReadWrite on a role a pod can assume (mandatory); the same on a non-workload role, or a customer policy, passes", async () => {
  const podTrust = doc({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
  const irsaTrust = doc({ Effect: "Allow", Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" }, Action: "sts:AssumeRoleWithWebIdentity" });
  const ec2Trust = doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
  const ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
  const r = await runPolicy(awsBroadManagedPolicies, [
    resource("aws:iam/role:Role", { name: "eso", assumeRolePolicy: podTrust }, "eso"),
    resource("aws:iam/role:Role", { name: "app", assumeRolePolicy: irsaTrust, managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }, "app"),
    resource("aws:iam/role:Role", { name: "nodes", assumeRolePolicy: ec2Trust }, "nodes"),
    resource(ATTACH, { role: "eso", policyArn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite" }, "eso-rw"),
    resource(ATTACH, { role: "nodes", policyArn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite" }, "nodes-rw"),
    resource(ATTACH, { role: "eso", policyArn: "arn:aws:iam::111122223333:policy/eso-read" }, "eso-custom"),
    resource(ATTACH, { role: "elsewhere", policyArn: "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess" }, "other"),
  ]);
  assert.deepEqual(r.messages, [
    "IAM role app managedPolicyArns attaches arn:aws:iam::aws:policy/AdministratorAccess (AdministratorAccess: every secret/parameter/key of the account) and role app can be assumed by Kubernetes workloads (trust: pods.eks.amazonaws.com or an OIDC provider)",
    "RolePolicyAttachment eso-rw attaches arn:aws:iam::aws:policy/SecretsManagerReadWrite (SecretsManagerReadWrite: every secret/parameter/key of the account) and role eso can be assumed by Kubernetes workloads (trust: pods.eks.amazonaws.com or an OIDC provider)",
    "RolePolicyAttachment other attaches arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess (AmazonSSMReadOnlyAccess: every secret/parameter/key of the account) and role elsewhere is not in this stack, so who assumes it is unknown",
  ]);
  assert.ok(r.violations.every((v) => v.enforcementLevel === "mandatory"));
});

test("kms-key-policy-principals: role/* and an unconditioned \"*\" fail (mandatory); named roles pass", async () => {
  const KEY = "aws:kms/key:Key";
  const actions = ["kms:Decrypt", "kms:GenerateDataKey"];
  assert.deepEqual(await one(kmsKeyPolicyPrincipals, KEY, { policy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/*" }, Action: actions, Resource: "*" }, { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }) }), [
    'KMS key policy x: Statement[0] Principal "arn:aws:iam::111122223333:role/*" has a wildcard (KMS refuses wildcard principal ARNs; name each role)',
    'KMS key policy x: Statement[1] grants key use to Principal "*" without a Condition (every AWS principal)',
  ]);
  assert.deepEqual(await one(kmsKeyPolicyPrincipals, KEY, { policy: doc({ Effect: "Allow", Principal: { AWS: ["arn:aws:iam::111122223333:role/eks-cluster"] }, Action: actions, Resource: "*" }) }), []);
});

test("gcp-secret-iam-scope: project/folder/org-level secret, KMS and primitive roles fail (mandatory); secret-scoped or conditioned bindings pass", async () => {
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/secretmanager.secretAccessor", member: "serviceAccount:eso@p.iam.gserviceaccount.com" }), [
    "IAMMember x: roles/secretmanager.secretAccessor at project level for serviceAccount:eso@p.iam.gserviceaccount.com reaches every secret and key of the project; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)",
  ]);
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:organizations/iAMBinding:IAMBinding", { orgId: "1", role: "roles/editor", members: ["group:devs@example.com"] }), [
    "IAMBinding x: roles/editor at organization level for group:devs@example.com reaches every secret and key of the organization; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)",
  ]);
  const policyData = JSON.stringify({ bindings: [{ role: "roles/cloudkms.cryptoKeyDecrypter", members: ["serviceAccount:vault@p.iam.gserviceaccount.com"] }, { role: "roles/viewer", members: ["group:all@example.com"] }] });
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:folder/iAMPolicy:IAMPolicy", { folder: "folders/1", policyData }), [
    "IAMPolicy x: roles/cloudkms.cryptoKeyDecrypter at folder level for serviceAccount:vault@p.iam.gserviceaccount.com reaches every secret and key of the folder; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)",
  ]);
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:kms/keyRingIAMMember:KeyRingIAMMember", { keyRingId: "r", role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member: "serviceAccount:vault@p.iam.gserviceaccount.com" }), [
    "KeyRingIAMMember x: roles/cloudkms.cryptoKeyEncrypterDecrypter at key ring level for serviceAccount:vault@p.iam.gserviceaccount.com reaches every key of the key ring; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)",
  ]);
  // Twins: a secret-scoped binding is another resource type; a resource.name condition narrows; metadata-only roles.
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:secretmanager/secretIamMember:SecretIamMember", { secretId: "db", role: "roles/secretmanager.secretAccessor", member: "serviceAccount:eso@p.iam.gserviceaccount.com" }), []);
  assert.deepEqual(
    await one(gcpSecretIamScope, "gcp:projects/iAMMember:IAMMember", {
      project: "p",
      role: "roles/secretmanager.secretAccessor",
      member: "serviceAccount:eso@p.iam.gserviceaccount.com",
      condition: { title: "team-a", expression: 'resource.name.startsWith("projects/p/secrets/team-a-")' },
    }),
    [],
  );
  assert.deepEqual(await one(gcpSecretIamScope, "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/secretmanager.viewer", member: "group:devs@example.com" }), []);
});

test("azure-key-vault-role-scope: secret and key roles at vault or wider scope fail (mandatory); /secrets/<name> and /keys/<name> scopes pass", async () => {
  const RA = "azure-native:authorization:RoleAssignment";
  const vault = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
  const role = (guid: string) => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
  const CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role(SECRETS_USER), scope: vault }), [
    `RoleAssignment x (principal p1): Key Vault Secrets User at scope ${vault} reaches the whole vault; scope it to <vault id>/secrets/<secret name>`,
  ]);
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role(CRYPTO_USER), scope: "/subscriptions/s/resourceGroups/rg" }), [
    "RoleAssignment x (principal p1): Key Vault Crypto User at scope /subscriptions/s/resourceGroups/rg reaches every vault of the resource group; scope it to <vault id>/keys/<key name>",
  ]);
  // A key role on a secret scope is still the wrong object.
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role(CRYPTO_USER), scope: `${vault}/secrets/db` }), [
    `RoleAssignment x (principal p1): Key Vault Crypto User at scope ${vault}/secrets/db reaches every vault in scope; scope it to <vault id>/keys/<key name>`,
  ]);
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role(SECRETS_USER), scope: `${vault}/secrets/db` }), []);
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role(CRYPTO_USER), scope: `${vault}/keys/etcd` }), []);
  // Reader of the vault (management plane) is not a data role.
  assert.deepEqual(await one(azureKeyVaultRoleScope, RA, { principalId: "p1", roleDefinitionId: role("21090545-7ca7-4776-b22c-e363652d74d2"), scope: vault }), []);
});

test("vault-policy-least-privilege: escalation paths, whole-mount globs and '+*' fail (mandatory); a path per app passes", async () => {
  const POLICY = "vault:index/policy:Policy";
  const hcl = (path: string, caps: string[]) => `path "${path}" {\n  capabilities = ${JSON.stringify(caps)}\n}\n`;
  const msgs = (name: string, policy: string) => one(vaultPolicyDocuments, POLICY, { name, policy });
  assert.deepEqual(await msgs("ci", hcl("sys/policies/acl/*", ["create", "update"])), [
    'Vault policy ci: rules[0].path: escalation path not allowed without allowEscalationPaths: "sys/policies/acl/*" with create, update reaches sys/policies/acl/*: writes ACL policies (can grant itself any capability)',
  ]);
  assert.deepEqual(await msgs("ci", hcl("auth/token/create", ["update"])), [
    'Vault policy ci: rules[0].path: escalation path not allowed without allowEscalationPaths: "auth/token/create" with update reaches auth/token/create*: mints tokens (auth/token/create, create-orphan, create/<role>)',
  ]);
  assert.deepEqual(await msgs("ci", hcl("auth/kubernetes/role/+", ["update"])), [
    'Vault policy ci: rules[0].path: escalation path not allowed without allowEscalationPaths: "auth/kubernetes/role/+" with update reaches auth/+/role/*: rewrites auth method roles (bound identities and token policies) or mints their credentials (approle secret-id)',
  ]);
  assert.deepEqual(await msgs("app", hcl("secret/+/*", ["read"])), [
    `Vault policy app: rules[0].path: glob over the whole "secret" mount (every secret in it) is not allowed without allowMountGlobs, got "secret/+/*"; name the secrets' path prefix (e.g. secret/data/<team>/<app>/*)`,
  ]);
  assert.deepEqual(await msgs("app", hcl("secret/data/+*", ["read"])), [`Vault policy app: rules[0].path: '+*' is refused by Vault's policy parser, got "secret/data/+*"`]);
  assert.deepEqual(await msgs("app", hcl("secret/data/apps/api/*", ["read"]) + hcl("auth/token/lookup-self", ["read"]) + hcl("sys/policies/acl/app", ["read"])), []);
});

test("vault-role-token-policies: a Kubernetes auth role issuing root or a broad policy of the stack fails (mandatory); a least-privilege policy passes", async () => {
  const ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
  const POLICY = "vault:index/policy:Policy";
  const role = (name: string, tokenPolicies: string[]) => resource(ROLE, { roleName: name, boundServiceAccountNames: ["api"], boundServiceAccountNamespaces: ["apps"], tokenPolicies }, name);
  const r = await runPolicy(vaultRoleTokenPolicies, [
    resource(POLICY, { name: "ops", policy: 'path "sys/mounts/*" {\n  capabilities = ["update"]\n}\n' }, "ops"),
    resource(POLICY, { name: "api", policy: 'path "secret/data/apps/api/*" {\n  capabilities = ["read"]\n}\n' }, "api"),
    role("rooted", ["default", "root"]),
    role("opsy", ["ops"]),
    role("api", ["api", "default"]),
  ]);
  assert.deepEqual(r.messages, [
    'Vault role rooted: tokenPolicies includes "root": every token it issues can do anything in Vault',
    'Vault role opsy: tokenPolicies includes "ops", which is not least-privilege: rules[0].path: escalation path not allowed without allowEscalationPaths: "sys/mounts/*" with update reaches sys/mounts*: mounts, unmounts or tunes secrets engines',
  ]);
  assert.ok(r.violations.every((v) => v.enforcementLevel === "mandatory"));
});

test("workload hygiene covers *Patch resources, projected API tokens and the legacy spec.serviceAccount (advisory)", async () => {
  const patch = resource("kubernetes:apps/v1:DeploymentPatch", {
    metadata: { name: "api", namespace: "apps" },
    spec: { template: { spec: { serviceAccount: "api", containers: [{ name: "c", env: [{ name: "DB", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] }] } } },
  });
  assert.deepEqual((await runPolicy(noSecretsInEnv, [patch])).messages, ["DeploymentPatch apps/api containers[0] (c) env[0] DB: value from Secret db key password"]);
  const projected = {
    automountServiceAccountToken: false,
    serviceAccount: "api",
    volumes: [{ name: "kube-api", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] } }, { name: "vault", projected: { sources: [{ serviceAccountToken: { path: "vault", audience: "vault" } }] } }],
    containers: [{ name: "c" }],
  };
  const r = await runPolicy(serviceAccountTokenAutomount, [
    resource("kubernetes:core/v1:PodPatch", { metadata: { name: "p", namespace: "apps" }, spec: projected }),
    resource("kubernetes:core/v1:Pod", { metadata: { name: "legacy", namespace: "apps" }, spec: { serviceAccount: "api", containers: [{ name: "c" }] } }),
    resource("kubernetes:core/v1:ServiceAccount", { metadata: { name: "quiet", namespace: "apps" }, automountServiceAccountToken: false }),
    resource("kubernetes:core/v1:Pod", { metadata: { name: "twin", namespace: "apps" }, spec: { serviceAccount: "quiet", containers: [{ name: "c" }] } }),
  ]);
  assert.deepEqual(r.messages, [
    "PodPatch apps/p volumes[0] (kube-api).projected.sources[0].serviceAccountToken mounts a Kubernetes API token for ServiceAccount apps/api (no audience): set audience to the one service that reads it, or remove the volume",
    "Pod apps/legacy mounts a token for ServiceAccount apps/api implicitly: set automountServiceAccountToken on the pod (true only if it calls the API) or false on the ServiceAccount",
  ]);
  assert.ok(r.violations.every((v) => v.enforcementLevel === "advisory"));
});
