/** Control-plane audit logging on the managed clusters (raw resource inputs). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export const eksAuditLogging: ResourceValidationPolicy = {
  name: "eks-audit-logging",
  description: "EKS clusters ship the `audit` control-plane log type.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add \"audit\" to `enabledClusterLogTypes` (EksAuditLogging does this).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:eks/cluster:Cluster") return;
    const types: string[] = args.props.enabledClusterLogTypes ?? [];
    if (!types.includes("audit")) reportViolation(`EKS cluster ${args.name}: enabledClusterLogTypes must include "audit", got ${JSON.stringify(types)}`);
  },
};

export const aksAuditDiagnostics: ResourceValidationPolicy = {
  name: "aks-kube-audit-diagnostics",
  description: "Diagnostic settings of AKS clusters enable the `kube-audit` (or `kube-audit-admin`) log category.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add `{ category: \"kube-audit\", enabled: true }` (or the `audit`/`allLogs` category group) to the diagnostic setting's `logs` (AksAuditLogging does this).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:monitor:DiagnosticSetting" && args.type !== "azure-native:insights:DiagnosticSetting") return;
    const uri = String(args.props.resourceUri ?? "");
    if (!/Microsoft\.ContainerService\/managedClusters/i.test(uri)) return;
    const logs: any[] = args.props.logs ?? [];
    const ok = logs.some((l) => l?.enabled === true && (["kube-audit", "kube-audit-admin"].includes(l.category) || ["audit", "allLogs"].includes(l.categoryGroup)));
    if (!ok) reportViolation(`Diagnostic setting ${args.name}: no enabled kube-audit log category for ${uri}`);
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
    const clusters = args.resources.filter((r) => r.type === "gcp:container/cluster:Cluster");
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
