/**
 * Pure helpers for the Vault server: chart naming, the DNS names every pod and service answers to, and
 * the HCL server configuration (listener with TLS, integrated storage with retry_join over TLS, seal).
 */
import { hclString } from "./hcl";

/** Where the chart mounts `server.extraVolumes` entries: `/vault/userconfig/<secret name>`. */
export const USERCONFIG_DIR = "/vault/userconfig";
/** The audit volume mount path of the chart (`server.auditStorage.mountPath`). */
export const AUDIT_DIR = "/vault/audit";

/**
 * The chart's `vault.fullname` for a release (no overrides): the release name when it contains
 * `vault`, otherwise `<release>-vault`, truncated to 63 characters.
 */
export function vaultFullName(releaseName: string): string {
  const full = releaseName.includes("vault") ? releaseName : `${releaseName}-vault`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/** The stable host name of server pod `i`: `<fullname>-<i>.<fullname>-internal` (the headless service). */
export function vaultPodHost(fullName: string, i: number): string {
  return `${fullName}-${i}.${fullName}-internal`;
}

/**
 * Every DNS name the server certificate must cover: each pod (short, namespaced, `.svc` and
 * `.svc.cluster.local` forms), the `<fullname>`, `-active`, `-standby` and `-internal` services in the same
 * forms, and `localhost`.
 */
export function vaultServerDnsNames(fullName: string, namespace: string, replicas: number, clusterDomain = "cluster.local"): string[] {
  const forms = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.${clusterDomain}`];
  const names: string[] = [];
  for (let i = 0; i < replicas; i++) names.push(...forms(vaultPodHost(fullName, i)));
  for (const svc of [fullName, `${fullName}-active`, `${fullName}-standby`, `${fullName}-internal`]) names.push(...forms(svc));
  names.push("localhost");
  return names;
}

/** The IP SANs of the server certificate: the loopback addresses the in-pod CLI and probes use. */
export const VAULT_SERVER_IP_SANS = ["127.0.0.1", "::1"];

export interface VaultServerConfigOptions {
  /** The chart's fullname (see {@link vaultFullName}). */
  fullName: string;
  /** Number of raft peers (server replicas). */
  replicas: number;
  /** Directory holding `tls.crt`, `tls.key` and `ca.crt`. */
  tlsDir: string;
  /** A rendered `seal "<kind>" { … }` stanza, or undefined for Shamir. */
  seal?: string;
  /** Serve the web UI. */
  ui: boolean;
  /** Let Prometheus scrape /v1/sys/metrics without a token (only for the ServiceMonitor). */
  unauthenticatedMetrics: boolean;
}

/**
 * The server configuration (HCL) the chart renders into `server.ha.raft.config`: TLS listener (TLS 1.2+),
 * raft storage joining every peer with `retry_join` over TLS (leader API address, CA file and TLS server
 * name), Kubernetes service registration, telemetry, and the seal stanza when auto-unseal is on.
 */
export function vaultServerConfig(o: VaultServerConfigOptions): string {
  const lines: string[] = [
    `ui = ${o.ui}`,
    "disable_mlock = true",
    "",
    'listener "tcp" {',
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    "  tls_disable = false",
    `  tls_cert_file = ${hclString(`${o.tlsDir}/tls.crt`)}`,
    `  tls_key_file = ${hclString(`${o.tlsDir}/tls.key`)}`,
    '  tls_min_version = "tls12"',
  ];
  if (o.unauthenticatedMetrics) lines.push("  telemetry {", "    unauthenticated_metrics_access = true", "  }");
  lines.push("}", "", 'storage "raft" {', '  path = "/vault/data"');
  for (let i = 0; i < o.replicas; i++) {
    const host = vaultPodHost(o.fullName, i);
    lines.push(
      "",
      "  retry_join {",
      `    leader_api_addr = ${hclString(`https://${host}:8200`)}`,
      `    leader_ca_cert_file = ${hclString(`${o.tlsDir}/ca.crt`)}`,
      `    leader_tls_servername = ${hclString(host)}`,
      "  }",
    );
  }
  lines.push("}", "", 'service_registration "kubernetes" {}', "", "telemetry {", '  prometheus_retention_time = "30s"', "  disable_hostname = true", "}");
  if (o.seal) lines.push("", o.seal);
  return `${lines.join("\n")}\n`;
}
