/**
 * The RBAC effective-access engine of the kube-secrets-guard pack: pure functions, no Pulumi imports.
 * Used by the who-can-read-secrets stack policy, the plan report and the tests.
 */
export { analyzeRbac, describeRule, ineffectiveProblems, kubernetesMinor, subjectIdentity } from "./analyze";
export { BUILTIN_CLUSTER_ROLE_NAMES, builtinClusterRoles, isSystemGroup, SYSTEM_GROUPS } from "./builtin";
export { isUnknownValueError, kubeObjectsFromResources, RBAC_RESOURCE_TYPES, toPlain, type ExtractedObjects, type ResourceLike } from "./extract";
export { apiGroupMatches, resourceMatches, resourceNameMatches, ruleAllows, selectorMatches, verbMatches, type ResourceRequest } from "./match";
export { PROBES, probesAllowedBy, type Probe, type ProbeKind } from "./probes";
export { effectiveSecretAccessTable, type SecretAccessRow } from "./secretAccess";
export type * from "./types";
