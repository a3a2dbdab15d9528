/**
 * Every policy of the kube-secrets-guard pack, in report order. Each policy lives in its own file in
 * this folder; `policy-pack/index.ts` only assembles them, and `npm run plan` runs this same list.
 * Three policies reuse the components' own checkers, so a stack is judged by the same rules the
 * components apply at construction: audit-policy-keeps-secret-bodies-out (`validateAuditPolicy`),
 * vault-policy-least-privilege (`vaultPolicyProblems`), self-managed-encryption-configuration
 * (`validateEncryptionConfiguration`).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { auditPolicyBodies } from "./auditPolicyBodies";
import { aksAuditDiagnostics, aksAuditDiagnosticsPresent, eksAuditLogging, gkeDataAccessAudit } from "./cloudAudit";
import { aksKmsEncryption, eksSecretsEncryption, gkeDatabaseEncryption, keyVaultPurgeProtection, kmsKeyRotation } from "./cloudEncryption";
import { awsBroadManagedPolicies, azureKeyVaultCustomRoleScope, azureKeyVaultRoleScope, esoIamNoWildcardResources, gcpSecretIamScope, kmsKeyPolicyPrincipals } from "./cloudIam";
import { clusterSecretStoreConditions, esoStoreExplicitAuth, externalSecretRefreshInterval, pushSecretScope } from "./externalSecrets";
import { ineffectiveRbacRules } from "./ineffectiveRbacRules";
import { noClusterAdminBindings } from "./noClusterAdminBindings";
import { noDefaultServiceAccountGrants } from "./noDefaultServiceAccountGrants";
import { noEscalationVerbs } from "./noEscalationVerbs";
import { noSecretsInEnv } from "./noSecretsInEnv";
import { noSystemGroupBindings } from "./noSystemGroupBindings";
import { noWildcardRules } from "./noWildcardRules";
import { sealedSecretsScope } from "./sealedSecretsScope";
import { sealingKeyIdentityIsolation, sealingKeyStoreScope } from "./sealingKeyBackup";
import { selfManagedEncryptionConfiguration } from "./selfManagedEncryption";
import { serviceAccountTokenAutomount } from "./serviceAccountTokenAutomount";
import { vaultChartHardening, vaultKubernetesRoleBindings, vaultRoleTokenPolicies } from "./vault";
import { vaultPolicyDocuments } from "./vaultPolicyDocuments";
import { whoCanReadSecrets } from "./whoCanReadSecrets";

export const allPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  // Kubernetes RBAC and workloads
  whoCanReadSecrets,
  noWildcardRules,
  noClusterAdminBindings,
  noSystemGroupBindings,
  noEscalationVerbs,
  noDefaultServiceAccountGrants,
  noSecretsInEnv,
  serviceAccountTokenAutomount,
  ineffectiveRbacRules,
  // Encryption at rest
  eksSecretsEncryption,
  kmsKeyRotation,
  gkeDatabaseEncryption,
  aksKmsEncryption,
  keyVaultPurgeProtection,
  selfManagedEncryptionConfiguration,
  // Audit
  eksAuditLogging,
  aksAuditDiagnostics,
  aksAuditDiagnosticsPresent,
  gkeDataAccessAudit,
  auditPolicyBodies,
  // External Secrets, Vault, Sealed Secrets
  clusterSecretStoreConditions,
  esoStoreExplicitAuth,
  pushSecretScope,
  externalSecretRefreshInterval,
  esoIamNoWildcardResources,
  awsBroadManagedPolicies,
  kmsKeyPolicyPrincipals,
  gcpSecretIamScope,
  azureKeyVaultRoleScope,
  azureKeyVaultCustomRoleScope,
  vaultChartHardening,
  vaultKubernetesRoleBindings,
  vaultRoleTokenPolicies,
  vaultPolicyDocuments,
  sealedSecretsScope,
  sealingKeyStoreScope,
  sealingKeyIdentityIsolation,
];
