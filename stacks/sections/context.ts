import type * as k8s from "@pulumi/kubernetes";

/** What every stack section gets for the cluster it deploys to. */
export interface ClusterContext {
  /** The cluster's name from config (an RFC 1123 label); resource names start with it. */
  name: string;
  /** `self-managed`, `eks`, `gke` or `aks`. */
  kind: string;
  /** The Kubernetes provider of this cluster: every Kubernetes resource of the section uses it. */
  provider: k8s.Provider;
}
