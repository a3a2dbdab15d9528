// Sealed Secrets: the controller, kubeseal-compatible sealing and SealedSecret resources.
export {
  SEALING_SCOPES,
  NAMESPACE_WIDE_ANNOTATION,
  CLUSTER_WIDE_ANNOTATION,
  SEALING_KEY_LABEL,
  SealingError,
  sealValue,
  unsealValue,
  encryptionLabel,
  scopeAnnotations,
  scopeFromAnnotations,
  certificatePublicKey,
  type SealingScope,
  type SealValueArgs,
  type UnsealValueArgs,
} from "./crypto";
export { SealedSecret, validateSealedSecret, SEALED_SECRET_API_VERSION, type SealedSecretArgs } from "./sealedSecret";
export {
  SealedSecretsController,
  validateSealedSecretsController,
  CONTROLLER_NAME,
  MANAGED_KEY_SECRET_NAME,
  PUSH_SECRET_API_VERSION,
  type SealedSecretsControllerArgs,
  type ControllerResourcesArgs,
  type ResourceQuantitiesArgs,
  type ControllerMetricsArgs,
  type ManagedSealingKeyArgs,
  type SealingKeyBackupArgs,
} from "./controller";
