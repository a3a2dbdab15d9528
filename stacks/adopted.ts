/**
 * Adopted clusters read into the stack, so the policy pack judges their real encryption and audit logging.
 *
 * The stack does not own an adopted cluster, so it reads it: EKS through `aws.eks.Cluster.get` (the
 * `getCluster` data source has no encryption config), GKE through `gcp.container.getCluster`, AKS through
 * azure-native `containerservice.getManagedCluster` plus the diagnostic settings named in `adopted.diagnosticSettings`
 * (`monitor.getDiagnosticSetting`; ARM lists them only per name). Pulumi never sends read resources or invoke
 * results to a policy pack (pulumi/pulumi#3950), so the observed state is registered as the inputs of one
 * `kube-secrets-platform:index:AdoptedCluster` component per cluster, which the pack's EKS/GKE/AKS encryption and
 * audit policies check like the cloud resources themselves.
 */
import * as aws from "@pulumi/aws";
import { containerservice, monitor } from "@pulumi/azure-native";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
// The type token of the component holding the observed state: the pack's, so the two never drift apart.
import { ADOPTED_CLUSTER_TYPE } from "../policy-pack/policies/cloudEncryption";
import type { ClusterConfig } from "./config";

/** `adopted`: how to find the adopted cloud cluster (defaults from the kubeconfig context and the audit section). */
export const adoptedSection = z
  .strictObject({
    /** Read the cluster (default true). false: the pack cannot judge its encryption and audit logs. */
    read: z.boolean().default(true),
    /**
     * Cloud name of the cluster. Default: from the context (EKS ARN, gke_<project>_<location>_<name>) or the
     * audit section; for EKS finally the config cluster's name.
     */
    name: z.string().min(1).optional(),
    /** GKE: location and project. Default: from the context, else encryption.gke. */
    location: z.string().min(1).optional(),
    project: z.string().min(1).optional(),
    /** AKS: resource group. Default: from audit.aks.clusterId. */
    resourceGroupName: z.string().min(1).optional(),
    /** AKS: names of existing diagnostic settings on the cluster to read (besides the one audit.aks creates). */
    diagnosticSettings: z.array(z.string().min(1)).default([]),
  })
  .default({ read: true, diagnosticSettings: [] });

/** Where an adopted cloud cluster is, or undefined when the config does not say. */
export interface AdoptedClusterRef {
  name: string;
  location?: string;
  project?: string;
  resourceGroupName?: string;
}

/** The adopted cluster's coordinates from `adopted`, the kubeconfig context and the audit/encryption sections. */
export function adoptedClusterRef(c: Pick<ClusterConfig, "name" | "kind" | "kubernetes" | "audit" | "encryption" | "adopted">): AdoptedClusterRef | undefined {
  const ctx = c.kubernetes.context ?? "";
  const a = c.adopted;
  if (c.kind === "eks") {
    // Last resort: the config name (a wrong guess fails the preview loudly: the cluster is not found).
    const name = a.name ?? /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster\/(.+)$/.exec(ctx)?.[1] ?? c.audit.eks?.clusterName ?? c.name;
    return { name };
  }
  if (c.kind === "gke") {
    const m = /^gke_([^_]+)_([^_]+)_(.+)$/.exec(ctx);
    const name = a.name ?? m?.[3] ?? c.audit.gke?.clusterName;
    const location = a.location ?? m?.[2] ?? c.encryption?.gke?.location;
    const project = a.project ?? m?.[1] ?? c.encryption?.gke?.project;
    return name && location ? { name, location, project } : undefined;
  }
  if (c.kind === "aks") {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i.exec(c.audit.aks?.clusterId ?? "");
    const name = a.name ?? m?.[2];
    const resourceGroupName = a.resourceGroupName ?? m?.[1];
    return name && resourceGroupName ? { name, resourceGroupName } : undefined;
  }
  return undefined;
}

/** Whether the stack reads the cluster of `c`: an adopted (not created) cloud cluster with `adopted.read` on. */
function readsAdopted(c: Pick<ClusterConfig, "create" | "kind" | "adopted">): boolean {
  return !c.create && c.kind !== "self-managed" && c.adopted.read;
}

/** Config problems of `adopted` (paths relative to the cluster). */
export function adoptedProblems(c: Pick<ClusterConfig, "name" | "kind" | "kubernetes" | "audit" | "encryption" | "create" | "adopted">): Array<{ path: Array<string | number>; message: string }> {
  if (!readsAdopted(c)) return [];
  if (adoptedClusterRef(c)) return [];
  // An audit member without the cluster's identity is reported by the audit section already.
  const identityMissing = (c.kind === "aks" && c.audit.aks !== undefined && !c.audit.aks.clusterId) || (c.kind === "gke" && c.audit.gke !== undefined && !c.audit.gke.clusterName);
  if (identityMissing) return [];
  const what = { eks: "adopted.name (or an EKS ARN context, or audit.eks.clusterName)", gke: "adopted.name and adopted.location (or a gke_<project>_<location>_<name> context)", aks: "adopted.name and adopted.resourceGroupName (or audit.aks.clusterId)" }[c.kind as "eks"];
  return [{ path: ["adopted"], message: `cannot tell which ${c.kind} cluster to read: set ${what}, or adopted.read: false (the pack then cannot judge its encryption and audit logs)` }];
}

/** The state the pack judges (the same field names as the cloud resources' inputs). */
export interface AdoptedClusterState {
  kind: string;
  name: string;
  /** EKS `encryptionConfig`. */
  encryptionConfig?: unknown;
  /** EKS `enabledClusterLogTypes`. */
  enabledClusterLogTypes?: string[];
  /** GKE `databaseEncryption` (`state`, `keyName`). */
  databaseEncryption?: unknown;
  /** AKS `securityProfile`, its resource id and the diagnostic settings read. */
  securityProfile?: unknown;
  id?: string;
  diagnosticSettings?: unknown[];
}

/** Observed state of an adopted cluster, registered as a component's inputs (what policy packs see). */
export class AdoptedCluster extends pulumi.ComponentResource {
  /** The cluster's Kubernetes version as read (`1.33`, `1.33.2`, `v1.33.5-gke.100`). */
  public readonly kubernetesVersion: pulumi.Output<string | undefined>;
  /** EKS: the cluster's OIDC issuer URL (for IRSA). */
  public readonly oidcIssuerUrl: pulumi.Output<string | undefined>;

  constructor(name: string, state: pulumi.Input<AdoptedClusterState>, outputs: { kubernetesVersion: pulumi.Output<string | undefined>; oidcIssuerUrl: pulumi.Output<string | undefined> }, opts?: pulumi.ComponentResourceOptions) {
    super(ADOPTED_CLUSTER_TYPE, name, { observed: state }, opts);
    this.kubernetesVersion = outputs.kubernetesVersion;
    this.oidcIssuerUrl = outputs.oidcIssuerUrl;
    this.registerOutputs({ kubernetesVersion: this.kubernetesVersion, oidcIssuerUrl: this.oidcIssuerUrl });
  }
}

/** Reads the adopted cloud cluster of `c` (undefined for self-managed, created or `adopted.read: false`). */
export function readAdoptedCluster(c: ClusterConfig): AdoptedCluster | undefined {
  if (!readsAdopted(c)) return undefined;
  const ref = adoptedClusterRef(c);
  if (!ref) throw new Error(`cluster ${c.name}: no adopted cluster to read (checked by the config schema)`);
  const name = `${c.name}-adopted`;
  if (c.kind === "eks") {
    const cluster = aws.eks.Cluster.get(`${name}-eks`, ref.name);
    const state = pulumi.all([cluster.encryptionConfig, cluster.enabledClusterLogTypes]).apply(([encryptionConfig, enabledClusterLogTypes]) => ({
      kind: "eks",
      name: ref.name,
      encryptionConfig: encryptionConfig ?? null,
      enabledClusterLogTypes: enabledClusterLogTypes ?? [],
    }));
    return new AdoptedCluster(name, state, {
      kubernetesVersion: cluster.version.apply((v) => v ?? undefined),
      oidcIssuerUrl: cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? undefined),
    });
  }
  if (c.kind === "gke") {
    const cluster = gcp.container.getClusterOutput({ name: ref.name, location: ref.location, project: ref.project });
    const state = cluster.databaseEncryptions.apply((db) => ({ kind: "gke", name: ref.name, databaseEncryption: db?.[0] ?? null }));
    return new AdoptedCluster(name, state, { kubernetesVersion: cluster.masterVersion.apply((v) => v ?? undefined), oidcIssuerUrl: pulumi.output(undefined) });
  }
  const cluster = containerservice.getManagedClusterOutput({ resourceGroupName: ref.resourceGroupName!, resourceName: ref.name });
  const settings = c.adopted.diagnosticSettings.map((setting) =>
    monitor.getDiagnosticSettingOutput({ name: setting, resourceUri: cluster.id }).apply((d) => ({ name: d.name, logs: d.logs ?? [], workspaceId: d.workspaceId })),
  );
  const state = pulumi.all([cluster.id, cluster.securityProfile, pulumi.all(settings)]).apply(([id, securityProfile, diagnosticSettings]) => ({
    kind: "aks",
    name: ref.name,
    id,
    securityProfile: securityProfile ?? null,
    diagnosticSettings,
  }));
  return new AdoptedCluster(name, state, {
    kubernetesVersion: cluster.currentKubernetesVersion.apply((v) => v ?? undefined),
    oidcIssuerUrl: pulumi.output(cluster.oidcIssuerProfile).apply((p) => p?.issuerURL ?? undefined),
  });
}
