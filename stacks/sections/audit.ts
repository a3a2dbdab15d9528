/**
 * Stack section `audit` of a cluster, the `audit` part of its SecretsPlatform: the Kubernetes audit Policy
 * and, for self-managed clusters, the kube-apiserver flags that enable it. On self-managed clusters the policy
 * is emitted as a ConfigMap in `kube-system` (`kube-secrets-platform-audit-policy`, key `policy.yaml`) so that
 * it is versioned with the platform and can be synced to the control-plane nodes' `--audit-policy-file`; the
 * flags are a stack output and an annotation on that ConfigMap. Managed clusters use `eks` / `gke` / `aks`
 * (EksAuditLogging / GkeAuditLogging / AksAuditLogging).
 */
import { z } from "zod";
import { validateAksAuditLogging } from "../../components/audit/aks";
import { validateEksAuditLogging } from "../../components/audit/eks";
import { validateGkeAuditLogging } from "../../components/audit/gke";
import { apiServerAuditFlags, validateApiServerAuditFlagsOptions, validateKubernetesAuditPolicyOptions } from "../../components/audit/policy";
import { AUDIT_FLAGS_ANNOTATION, AUDIT_POLICY_CONFIGMAP, type PlatformAuditArgs } from "../../components/platform/secretsPlatform";
import { addComponentProblems, type ClusterContext } from "./context";
import { cleanAbsolutePathProblem } from "./rules";

export { AUDIT_POLICY_CONFIGMAP };
/** Annotation on the ConfigMap listing the kube-apiserver flags (self-managed clusters). */
export const FLAGS_ANNOTATION = AUDIT_FLAGS_ANNOTATION;

const stringMap = z.record(z.string(), z.string());
/** EKS: EksAuditLogging's arguments (see its JSDoc for defaults: all five log types, 365 days, a KMS key). */
const eks = z.strictObject({
  /** The EKS cluster's name; may be left out when the stack creates the cluster (`create.eks`). */
  clusterName: z.string().optional(),
  logTypes: z.array(z.string()).optional(),
  retentionInDays: z.number().int().optional(),
  kmsKeyArn: z.string().optional(),
  secretReadAlarm: z.strictObject({ allowedUsernames: z.array(z.string()), alarmActions: z.array(z.string()).optional() }).optional(),
  /** Import an existing `/aws/eks/<name>/cluster` log group instead of creating it (see EksAuditLogging). Default false. */
  adoptExistingLogGroup: z.boolean().optional(),
  tags: stringMap.optional(),
});
/** GKE: GkeAuditLogging's arguments. */
const gke = z.strictObject({
  project: z.string(),
  clusterName: z.string().optional(),
  exemptedMembers: z.array(z.string()).optional(),
  sink: z
    .strictObject({
      name: z.string().optional(),
      bigquery: z.strictObject({ project: z.string().optional(), datasetId: z.string() }).optional(),
      pubsub: z.strictObject({ project: z.string().optional(), topic: z.string() }).optional(),
      storage: z.strictObject({ bucket: z.string() }).optional(),
    })
    .optional(),
});
/** AKS: AksAuditLogging's arguments. */
const aks = z.strictObject({
  /** The managed cluster's ARM id; may be left out when the stack creates the cluster (`create.aks`). */
  clusterId: z.string().optional(),
  categories: z.array(z.string()).optional(),
  workspaceId: z.string().optional(),
  workspace: z
    .strictObject({ resourceGroupName: z.string(), location: z.string().optional(), workspaceName: z.string().optional(), retentionInDays: z.number().int().optional(), tags: stringMap.optional() })
    .optional(),
});

const sensitiveResource = z.strictObject({
  /** API group; "" (default) is the core group. */
  group: z.string().default(""),
  /** Resources (optionally `resource/subresource`) logged at Metadata only. */
  resources: z.array(z.string()).min(1),
});

export const auditSection = z
  .strictObject({
    /** Emit the audit policy and flags. Default true. */
    enabled: z.boolean().default(true),
    /** Namespaces whose ordinary traffic is not logged (credentials, exec and RBAC are still logged). */
    silencedNamespaces: z.array(z.string()).default([]),
    /** Users whose ordinary traffic is not logged. */
    silencedUsers: z.array(z.string()).default([]),
    /** User groups whose ordinary traffic is not logged. */
    silencedUserGroups: z.array(z.string()).default([]),
    /** Extra resources treated like Secrets (Metadata only). */
    sensitiveResources: z.array(sensitiveResource).default([]),
    /** Self-managed kube-apiserver: policy file path on the control-plane nodes. */
    policyFile: z.string().default("/etc/kubernetes/audit/policy.yaml"),
    /** Self-managed kube-apiserver: audit log path. */
    logPath: z.string().default("/var/log/kubernetes/audit/audit.log"),
    /** `--audit-log-maxage` (>= 30). */
    maxAgeDays: z.number().int().default(30),
    /** `--audit-log-maxbackup` (>= 10). */
    maxBackups: z.number().int().default(10),
    /** `--audit-log-maxsize` in MB (>= 100). */
    maxSizeMegabytes: z.number().int().default(100),
    /** EKS control-plane logs (kind eks). */
    eks: eks.optional(),
    /** GKE data-access audit logs (kind gke). */
    gke: gke.optional(),
    /** AKS diagnostic settings (kind aks). */
    aks: aks.optional(),
  })
  .superRefine((s, ctx) => {
    const policyProblems = validateKubernetesAuditPolicyOptions({
      silencedNamespaces: s.silencedNamespaces,
      silencedUsers: s.silencedUsers,
      silencedUserGroups: s.silencedUserGroups,
      sensitiveResources: s.sensitiveResources,
    });
    const flagProblems = validateApiServerAuditFlagsOptions({
      policyFile: s.policyFile,
      logPath: s.logPath,
      maxAgeDays: s.maxAgeDays,
      maxBackups: s.maxBackups,
      maxSizeMegabytes: s.maxSizeMegabytes,
    });
    // A missing cluster identity is the cluster config's business (required unless the stack creates the
    // cluster): the component checks the rest with a stand-in.
    if (s.eks) addComponentProblems(ctx, ["eks"], validateEksAuditLogging({ ...s.eks, clusterName: s.eks.clusterName ?? "created-cluster" }));
    if (s.gke) addComponentProblems(ctx, ["gke"], validateGkeAuditLogging(s.gke));
    if (s.aks) addComponentProblems(ctx, ["aks"], validateAksAuditLogging({ ...s.aks, clusterId: s.aks.clusterId ?? CREATED_AKS_ID }));
    addComponentProblems(ctx, [], [...policyProblems, ...flagProblems]);
    for (const field of ["policyFile", "logPath"] as const) {
      const problem = s[field] === "-" && field === "logPath" ? undefined : cleanAbsolutePathProblem(s[field]);
      if (problem) ctx.addIssue({ code: "custom", path: [field], message: problem });
    }
  })
  .default({
    enabled: true,
    silencedNamespaces: [],
    silencedUsers: [],
    silencedUserGroups: [],
    sensitiveResources: [],
    policyFile: "/etc/kubernetes/audit/policy.yaml",
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAgeDays: 30,
    maxBackups: 10,
    maxSizeMegabytes: 100,
  });
export type AuditSection = z.infer<typeof auditSection>;

/** A well-formed managed-cluster id standing in for the one a created cluster gets. */
const CREATED_AKS_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/created/providers/Microsoft.ContainerService/managedClusters/created";

/**
 * Problems of a cloud audit member without its cluster identity: only a cluster the stack creates may
 * leave it out (zod paths relative to the audit section). Called by the cluster schema.
 */
export function auditIdentityProblems(section: AuditSection, creates: boolean): Array<{ path: string[]; message: string }> {
  if (creates) return [];
  const out: Array<{ path: string[]; message: string }> = [];
  if (section.eks && section.eks.clusterName === undefined) {
    out.push({ path: ["eks", "clusterName"], message: "required: the adopted EKS cluster's name (only a cluster the stack creates, create.eks, may leave it out)" });
  }
  if (section.aks && section.aks.clusterId === undefined) {
    out.push({ path: ["aks", "clusterId"], message: "required: the adopted AKS cluster's resource id (only a cluster the stack creates, create.aks, may leave it out)" });
  }
  return out;
}

/** The kube-apiserver flags a self-managed cluster needs for the section (undefined otherwise). */
export function auditApiServerFlags(ctx: ClusterContext, section: AuditSection): string[] | undefined {
  if (!section.enabled || ctx.kind !== "self-managed") return undefined;
  return apiServerAuditFlags({
    policyFile: section.policyFile,
    logPath: section.logPath,
    maxAgeDays: section.maxAgeDays,
    maxBackups: section.maxBackups,
    maxSizeMegabytes: section.maxSizeMegabytes,
  });
}

/** The `audit` part of the cluster's platform (undefined when the section is disabled). */
export function auditArgs(ctx: ClusterContext, section: AuditSection): PlatformAuditArgs | undefined {
  if (!section.enabled) return undefined;
  return {
    policyConfigMap: ctx.kind === "self-managed",
    silencedNamespaces: section.silencedNamespaces,
    silencedUsers: section.silencedUsers,
    silencedUserGroups: section.silencedUserGroups,
    sensitiveResources: section.sensitiveResources,
    apiServerFlags: auditApiServerFlags(ctx, section),
    // A cloud member without its cluster identity (allowed in create mode only) is left out here; in create
    // mode the created cluster builds the cloud members itself (stacks/clusters.ts) and platformParts drops
    // them from the platform's args in any case.
    eks: section.eks?.clusterName !== undefined ? { ...section.eks, clusterName: section.eks.clusterName } : undefined,
    gke: section.gke,
    aks: section.aks?.clusterId !== undefined ? { ...section.aks, clusterId: section.aks.clusterId } : undefined,
  };
}
