export { HardenedNamespace, POD_SECURITY_LEVELS, validateHardenedNamespace } from "./hardenedNamespace";
export type { HardenedNamespaceArgs, PodSecurityArgs } from "./hardenedNamespace";
