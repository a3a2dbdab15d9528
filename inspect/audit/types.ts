/**
 * Types of the audit-log reader (`kube-secrets-platform access`). Plain data only; no Pulumi imports.
 *
 * One {@link AccessRecord} is one access to a Kubernetes Secret (get, list, watch) or to a Vault path, as
 * any of the supported log formats records it. Values never appear: request and response bodies are
 * dropped on read, Vault's HMAC'd fields are not read at all.
 */

/** The reader that produced a record (one per log format the command understands). */
export type AuditFormat =
  | "kubernetes"
  | "eks-cloudwatch"
  | "eks-subscription"
  | "eks-insights"
  | "gke-logging"
  | "gke-bigquery"
  | "aks-audit"
  | "aks-diagnostics"
  | "vault";

/** The `--format` families: each accepts every sub-format of its platform. */
export const FORMAT_FAMILIES = ["k8s", "eks", "gke", "aks", "vault"] as const;
export type FormatFamily = (typeof FORMAT_FAMILIES)[number];

export const FAMILY_OF: Readonly<Record<AuditFormat, FormatFamily>> = {
  kubernetes: "k8s",
  "eks-cloudwatch": "eks",
  "eks-subscription": "eks",
  "eks-insights": "eks",
  "gke-logging": "gke",
  "gke-bigquery": "gke",
  "aks-audit": "aks",
  "aks-diagnostics": "aks",
  vault: "vault",
};

export interface Who {
  /** The authenticated user name as the log states it (`system:serviceaccount:ns:name`, `alice@example.com`). */
  user: string;
  /** The authenticated user's groups; empty where the format does not carry them (GKE, Vault). */
  groups: string[];
  /** Set when the request impersonated someone: the authorizer judged the request as this user. */
  impersonatedUser?: string;
  impersonatedGroups?: string[];
  /** The ServiceAccount behind the identity (from the user name, or Vault's Kubernetes auth metadata). */
  serviceAccount?: { namespace: string; name: string };
  /** From the bound token's `user.extra["authentication.kubernetes.io/pod-name"]`, where present. */
  pod?: string;
  /** From the bound token's `user.extra["authentication.kubernetes.io/node-name"]`, where present. */
  node?: string;
  /** Vault only: the auth role (`auth.metadata.role`) and the token's display name. */
  vaultRole?: string;
  vaultDisplayName?: string;
}

export interface What {
  system: "kubernetes" | "vault";
  /** Kubernetes verb (`get`, `list`, `watch`) or Vault operation (`read`, `list`, `update`, ...). */
  verb: string;
  /** Kubernetes: the Secret's namespace; absent for a list across all namespaces. */
  namespace?: string;
  /**
   * Kubernetes: the Secret's name. For list/watch, the name a `metadata.name=` field selector limits it
   * to (the API server authorizes such a list as that name); absent for an unrestricted list.
   */
  name?: string;
  /** The list's `fieldSelector` / `labelSelector` query parameters, decoded, where the format keeps the URI. */
  fieldSelector?: string;
  labelSelector?: string;
  /** Vault: the request path and the mount it falls in (`request.mount_point`, else the path's first segment). */
  path?: string;
  mount?: string;
  mountType?: string;
}

export interface From {
  /** Every address the log lists, in its order (Kubernetes: X-Forwarded-For, X-Real-Ip, then the peer). */
  sourceIPs: string[];
  /**
   * The one address that can be trusted: the last of `sourceIPs`. The API server appends the TCP peer's
   * address after the X-Forwarded-For / X-Real-Ip values, which any client can set to anything.
   */
  trustedIP?: string;
  userAgent?: string;
}

export interface Decision {
  /**
   * Whether the authorizer allowed it; null when the log does not say (a lone `RequestReceived` event is
   * written before authorization runs).
   */
  allowed: boolean | null;
  /** The authorizer's reason (`authorization.k8s.io/reason`, Vault's error or granting policies). */
  reason?: string;
  /** HTTP status code of the response, where known (GKE's gRPC codes are mapped to HTTP). */
  code?: number;
}

export interface AccessRecord {
  format: AuditFormat;
  /** Kubernetes auditID; GKE insertId; Vault request.id. */
  id: string;
  /** When the request was received, ISO 8601 UTC with milliseconds. */
  time: string;
  /** Cluster name where the format states it (log group, resource labels, resource id) or `--cluster`; "" if unknown. */
  cluster: string;
  who: Who;
  what: What;
  from: From;
  decision: Decision;
}

/** A problem reading the input: where (file and line, plus item index inside a document) and what. */
export interface ReadProblem {
  file: string;
  line: number;
  item?: number;
  message: string;
}

/** Facts about logging coverage gathered while reading (never values). */
export interface CoverageFacts {
  /** Per GKE cluster: entries in the Admin Activity log, the Data Access log, and Secret reads among the latter. */
  gke: Record<string, { activity: number; dataAccess: number; secretReads: number }>;
  /** AKS: rows seen per category/table (`kube-audit`, `kube-audit-admin`, `AKSAudit`, `AKSAuditAdmin`). */
  aks: Record<string, number>;
  /** Vault audit devices found in a logged `sys/audit` read response (device paths only). */
  vaultAuditDevices?: string[];
  vaultEntries: number;
  /** Kubernetes events at each audit level (`None` never appears: such events are not written). */
  levels: Record<string, number>;
}
