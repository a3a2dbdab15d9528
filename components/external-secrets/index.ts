export {
  ExternalSecretsOperator,
  validateExternalSecretsOperator,
  keepCrdsTransform,
  mergeValues,
  ESO_RELEASE_NAME,
  CLOUD_IDENTITY_ANNOTATIONS,
} from "./operator";
export type { ExternalSecretsOperatorArgs, EsoResourcesArgs, EsoWorkloadResourcesArgs, EsoServiceMonitorArgs, EsoServiceAccountArgs } from "./operator";
export { AwsSecretsManagerAccess, validateAwsSecretsManagerAccess, awsSecretsReadPolicy, awsIrsaTrustPolicy, AWS_ACCESS_MODES } from "./aws";
export type { AwsSecretsManagerAccessArgs, AwsOidcProviderArgs, AwsSecretsReadPolicyInput } from "./aws";
export { GcpSecretManagerAccess, validateGcpSecretManagerAccess, GCP_PUSH_SECRET_ROLES } from "./gcp";
export type { GcpSecretManagerAccessArgs } from "./gcp";
export {
  AzureKeyVaultAccess,
  validateAzureKeyVaultAccess,
  KEY_VAULT_SECRETS_USER_ROLE_ID,
  AZURE_TOKEN_EXCHANGE_AUDIENCE,
  MAX_FEDERATED_CREDENTIALS_PER_IDENTITY,
  ESO_PUSH_DATA_ACTIONS,
  ESO_MANAGED_BY_TAGS,
  PUSH_SECRET_PLACEHOLDER,
  parseKeyVaultId,
} from "./azure";
export type { AzureKeyVaultAccessArgs } from "./azure";
export { SecretStore, validateSecretStore, secretStoreSpec, storeServiceAccountName } from "./secretStore";
export type {
  SecretStoreArgs,
  SecretStoreProviderArgs,
  AwsStoreProviderArgs,
  GcpStoreProviderArgs,
  GcpWorkloadIdentityArgs,
  AzureStoreProviderArgs,
  VaultStoreProviderArgs,
  VaultStoreKubernetesAuthArgs,
  VaultAuthArgs,
  CaProviderArgs,
  ClusterSecretStoreConditionArgs,
  ServiceAccountRefArgs,
  SecretStoreServiceAccountArgs,
} from "./secretStore";
export {
  ExternalSecret,
  ClusterExternalSecret,
  PushSecret,
  validateExternalSecret,
  validateClusterExternalSecret,
  validatePushSecret,
  externalSecretSpec,
} from "./externalSecret";
export type {
  ExternalSecretArgs,
  ExternalSecretSpecArgs,
  ClusterExternalSecretArgs,
  PushSecretArgs,
  PushSecretDataArgs,
  StoreRefArgs,
  RemoteRefArgs,
  ExternalSecretDataArgs,
  ExternalSecretDataFromArgs,
  ExternalSecretExtractArgs,
  ExternalSecretFindArgs,
  ExternalSecretTargetArgs,
  ExternalSecretTemplateArgs,
} from "./externalSecret";
export { ExternalSecretsAlerts, validateExternalSecretsAlerts, externalSecretsAlertRules } from "./alerts";
export type { ExternalSecretsAlertsArgs, AlertRule, AlertRuleOptions } from "./alerts";
export { ESO_API_VERSION, ESO_PUSH_API_VERSION } from "./common";
export type { LabelSelectorArgs, LabelSelectorRequirementArgs, BoundServiceAccountArgs } from "./common";
