/**
 * One cluster's inventory -> its ClusterScan (graph, findings, proposals), and clusters -> the scan.json
 * document. Pure: no I/O.
 */
import { buildGraph } from "./graph";
import { computeFindings, SEVERITY_RANK } from "./findings";
import type { Inventory, Obj } from "./inventory";
import { notableAnnotations } from "./graph";
import { computeProposals } from "./proposals";
import { SCAN_SCHEMA_VERSION, type ClusterScan, type InputInfo, type RbacMeta, type RbacObject, type RbacObjects, type ScanDocument, type ServiceAccountObject, type Severity } from "./scanSchema";

/**
 * Kubernetes control-plane identities that read Secrets by design (bootstrap policy bindings of
 * kube-controller-manager's controllers, plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go,
 * and the control-plane users). Exact names, no blanket rule; `--no-default-exempt` drops them.
 */
export const DEFAULT_EXEMPT_SUBJECTS: readonly string[] = [
  "User system:kube-controller-manager",
  "User system:kube-scheduler",
  "Group system:masters",
  "Group system:nodes",
  ...[
    "attachdetach-controller",
    "bootstrap-signer",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "persistent-volume-binder",
    "replicaset-controller",
    "replication-controller",
    "resourcequota-controller",
    "service-account-controller",
    "statefulset-controller",
    "token-cleaner",
  ].map((n) => `ServiceAccount kube-system/${n}`),
];

export interface ClusterScanOptions {
  cluster: string;
  input: InputInfo;
  exemptSubjects: string[];
  /** Overrides the inventory's version (from /version). */
  kubernetesVersion?: string;
  now: Date;
}

function meta(o: Obj): RbacMeta {
  const m: RbacMeta = { name: o.metadata.name ?? "", labels: { ...(o.metadata.labels ?? {}) }, annotations: notableAnnotations(o.metadata.annotations).kept };
  if (o.metadata.namespace) m.namespace = o.metadata.namespace;
  if (o.metadata.uid) m.uid = o.metadata.uid;
  if (o.metadata.creationTimestamp) m.createdAt = o.metadata.creationTimestamp;
  return m;
}

function byNsName<T extends { metadata: RbacMeta }>(list: T[]): T[] {
  return list.sort((a, b) => ((a.metadata.namespace ?? "") < (b.metadata.namespace ?? "") ? -1 : (a.metadata.namespace ?? "") > (b.metadata.namespace ?? "") ? 1 : a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

function rbacObjects(byKind: Map<string, Obj[]>): RbacObjects {
  const conv = (kind: RbacObject["kind"]) =>
    byNsName(
      (byKind.get(kind) ?? []).map((o) => {
        const r: RbacObject = { kind, metadata: meta(o) };
        if (kind === "Role" || kind === "ClusterRole") r.rules = o.rules ?? [];
        if (o.aggregationRule) r.aggregationRule = o.aggregationRule;
        if (o.roleRef) r.roleRef = o.roleRef;
        if (kind === "RoleBinding" || kind === "ClusterRoleBinding") r.subjects = o.subjects ?? [];
        return r;
      }),
    );
  const serviceAccounts = byNsName(
    (byKind.get("ServiceAccount") ?? []).map((o): ServiceAccountObject => ({
      kind: "ServiceAccount",
      metadata: meta(o),
      secrets: ((o.secrets as Array<{ name?: string }>) ?? []).map((s) => s.name ?? "").filter(Boolean),
      imagePullSecrets: ((o.imagePullSecrets as Array<{ name?: string }>) ?? []).map((s) => s.name ?? "").filter(Boolean),
      ...(typeof o.automountServiceAccountToken === "boolean" ? { automountServiceAccountToken: o.automountServiceAccountToken } : {}),
    })),
  );
  return { roles: conv("Role"), clusterRoles: conv("ClusterRole"), roleBindings: conv("RoleBinding"), clusterRoleBindings: conv("ClusterRoleBinding"), serviceAccounts };
}

/** Scans one cluster's inventory. */
export function scanCluster(inv: Inventory, options: ClusterScanOptions): ClusterScan {
  const kubernetesVersion = options.kubernetesVersion ?? inv.kubernetesVersion;
  const graph = buildGraph(inv, { cluster: options.cluster, exemptSubjects: options.exemptSubjects, kubernetesVersion, now: options.now });
  const findings = computeFindings(options.cluster, graph, inv, options.exemptSubjects);
  const proposals = computeProposals(graph);
  const counts: Record<string, number> = {};
  for (const k of Object.keys(inv.counts).sort()) counts[k] = inv.counts[k];
  return {
    name: options.cluster,
    input: options.input,
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    counts,
    notListed: inv.notListed,
    warnings: inv.warnings,
    exemptSubjects: [...options.exemptSubjects],
    secrets: graph.secrets,
    grants: graph.grants,
    subjects: graph.subjects,
    workloads: graph.workloads,
    rbac: rbacObjects(graph.byKind),
    findings,
    proposals,
  };
}

/** The scan.json document over clusters. */
export function scanDocument(clusters: ClusterScan[], now: Date, version: string): ScanDocument {
  const findings: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  let highest: Severity | null = null;
  let secrets = 0;
  for (const c of clusters) {
    secrets += c.secrets.length;
    for (const f of c.findings) {
      findings[f.severity]++;
      if (highest === null || SEVERITY_RANK[f.severity] < SEVERITY_RANK[highest]) highest = f.severity;
    }
  }
  return {
    schemaVersion: SCAN_SCHEMA_VERSION,
    tool: { name: "kube-secrets-platform", command: "scan", version },
    generatedAt: now.toISOString(),
    clusters: [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    summary: { secrets, findings, highestSeverity: highest },
  };
}
