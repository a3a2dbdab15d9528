export * from "./cluster";
export * from "./csi";
export * from "./engines";
export * from "./kubernetesAuth";
export * from "./policy";
export * from "./policyParser";
export { vaultFullName, vaultPodHost, vaultServerConfig, vaultServerDnsNames, VAULT_SERVER_IP_SANS } from "./serverConfig";
export type { VaultServerConfigOptions } from "./serverConfig";
export * from "./unseal";
