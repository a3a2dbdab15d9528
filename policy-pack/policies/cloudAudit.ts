/** Control-plane audit logging on the managed clusters (raw resource inputs). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { adoptedState, judgedCluster } from "./cloudEncryption";

/** The azure-native diagnostic setting types (the current module and the legacy `insights` one). */
const DIAGNOSTIC_SETTING_TYPES = ["azure-native:monitor:DiagnosticSetting", "azure-native:insights:DiagnosticSetting"];

/** True when a diagnostic setting's `logs` enable the kube-audit (or kube-audit-admin) category or an audit/allLogs group. */
const kubeAuditEnabled = (logs: any[] | undefined) =>
  (logs ?? []).some((l) => l?.enabled === true && (["kube-audit", "kube-audit-admin"].includes(l.category) || ["audit", "allLogs"].includes(l.categoryGroup)));

export const eksAuditLogging: ResourceValidationPolicy = {
  name: "eks-audit-logging",
  description: "EKS clusters ship the `audit` control-plane log type.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add \"audit\" to `enabledClusterLogTypes` (EksAuditLogging does this).",
  validateResource: (args, reportViolation) => {
    const cluster = judgedCluster(args, "aws:eks/cluster:Cluster", "eks", "EKS");
    if (!cluster) return;
    const types: string[] = cluster.props.enabledClusterLogTypes ?? [];
    if (!types.includes("audit")) reportViolation(`${cluster.what}: enabledClusterLogTypes must include "audit", got ${JSON.stringify(types)}`);
  },
};

export const aksAuditDiagnostics: ResourceValidationPolicy = {
  name: "aks-kube-audit-diagnostics",
  description: "Diagnostic settings of AKS clusters enable the `kube-audit` (or `kube-audit-admin`) log category.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add `{ category: \"kube-audit\", enabled: true }` (or the `audit`/`allLogs` category group) to the diagnostic setting's `logs` (AksAuditLogging does this).",
  validateResource: (args, reportViolation) => {
    if (!DIAGNOSTIC_SETTING_TYPES.includes(args.type)) return;
    const uri = String(args.props.resourceUri ?? "");
    if (!/Microsoft\.ContainerService\/managedClusters/i.test(uri)) return;
    if (!kubeAuditEnabled(args.props.logs)) reportViolation(`Diagnostic setting ${args.name}: no enabled kube-audit log category for ${uri}`);
  },
};

/** A GKE cluster's Secret reads are only logged with Data Access audit logs (DATA_READ/DATA_WRITE). */
export const gkeDataAccessAudit: StackValidationPolicy = {
  name: "gke-data-access-audit",
  description: "Stacks with GKE clusters enable Data Access audit logs (DATA_READ and DATA_WRITE) for container.googleapis.com.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add a gcp.projects.IAMAuditConfig for service `container.googleapis.com` (or `allServices`) with DATA_READ and DATA_WRITE (GkeAuditLogging does this).",
  validateStack: (args, reportViolation) => {
    const clusters = args.resources.filter((r) => r.type === "gcp:container/cluster:Cluster" || adoptedState(r, "gke") !== undefined);
    if (clusters.length === 0) return;
    const configs = args.resources.filter(
      (r) => r.type === "gcp:projects/iAMAuditConfig:IAMAuditConfig" && ["container.googleapis.com", "allServices"].includes(r.props.service),
    );
    const types = new Set<string>(configs.flatMap((c) => (c.props.auditLogConfigs ?? []).map((l: any) => l.logType)));
    const missing = ["DATA_READ", "DATA_WRITE"].filter((t) => !types.has(t));
    if (missing.length > 0) {
      for (const c of clusters) reportViolation(`GKE cluster ${c.name}: no IAMAuditConfig for container.googleapis.com enables ${missing.join(" and ")}`, c.urn);
    }
  },
};

/**
 * Every adopted AKS cluster (as read) has a diagnostic setting shipping kube-audit: one the stack creates on
 * it (`resourceUri` = the cluster's id as read) or one read from it (`adopted.diagnosticSettings`). Without
 * one, Secret reads on the cluster leave no trace. (A cluster the stack creates gets its setting from the
 * stack: create mode requires audit.aks.)
 */
export const aksAuditDiagnosticsPresent: StackValidationPolicy = {
  name: "aks-audit-diagnostics-present",
  description: "Every adopted AKS cluster has a diagnostic setting with an enabled kube-audit log category (created by the stack or read from the cluster).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add audit.aks (AksAuditLogging creates a diagnostic setting with kube-audit, kube-audit-admin and guard), or name the cluster's existing setting in adopted.diagnosticSettings.",
  validateStack: (args, reportViolation) => {
    const settings = args.resources.filter((r) => DIAGNOSTIC_SETTING_TYPES.includes(r.type) && kubeAuditEnabled(r.props.logs));
    const covers = (id: string | undefined) => id !== undefined && settings.some((s) => String(s.props.resourceUri ?? "").toLowerCase() === id.toLowerCase());
    // Created clusters get their setting from the stack itself (create mode requires audit.aks).
    for (const r of args.resources) {
      const adopted = adoptedState(r, "aks");
      if (!adopted) continue;
      const read = (adopted.diagnosticSettings ?? []).some((d: any) => kubeAuditEnabled(d?.logs));
      if (!read && !covers(adopted.id)) {
        reportViolation(`adopted AKS cluster ${adopted.name} (as read): no diagnostic setting ships kube-audit (none created by the stack on ${adopted.id}, none read); Secret reads leave no trace`, r.urn);
      }
    }
  },
};
