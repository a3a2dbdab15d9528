/**
 * kube-secrets-platform: Pulumi components for production-grade Kubernetes secrets management.
 * Every component's type token is `kube-secrets-platform:index:<ClassName>`.
 */
export * from "./platform";
export * from "./encryption";
export * from "./vault";
export * from "./external-secrets";
export * from "./sealed-secrets";
export * from "./audit";
export { InvalidArgumentsError } from "./internal/validation";
