/**
 * The stack program: for every cluster in the stack config, a Kubernetes provider, the platform's
 * hardened namespaces, and each configured section. `stacks/index.ts` hands it to Pulumi; `npm run plan`
 * runs it under the mock runtime.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HardenedNamespace } from "../components/platform/hardenedNamespace";
import { loadStackConfig, type ClusterConfig } from "./config";
import { deployAudit } from "./sections/audit";
import type { ClusterContext } from "./sections/context";
import { deployEncryption } from "./sections/encryption";
import { deployExternalSecrets } from "./sections/externalSecrets";
import { deployRbac } from "./sections/rbac";
import { deploySealedSecrets } from "./sections/sealedSecrets";
import { deployVault } from "./sections/vault";

function clusterProvider(cluster: ClusterConfig): k8s.Provider {
  const access = cluster.kubernetes;
  return new k8s.Provider(`${cluster.name}-k8s`, {
    // kubeconfig contents can hold credentials: keep them secret.
    kubeconfig: access.kubeconfig ? pulumi.secret(access.kubeconfig) : undefined,
    context: access.context,
    enableServerSideApply: true,
  });
}

function deployCluster(cluster: ClusterConfig): Record<string, unknown> {
  const provider = clusterProvider(cluster);
  const ctx: ClusterContext = { name: cluster.name, kind: cluster.kind, provider };
  const namespaces = cluster.namespaces.map(
    (ns) =>
      new HardenedNamespace(
        `${cluster.name}-${ns.name}`,
        {
          namespace: ns.name,
          podSecurity: { enforce: ns.podSecurity },
          defaultDenyNetworkPolicy: ns.defaultDenyNetworkPolicy,
        },
        { provider },
      ),
  );
  return {
    namespaces: namespaces.map((n) => n.namespaceName),
    encryption: deployEncryption(ctx, cluster.encryption),
    vault: deployVault(ctx, cluster.vault),
    externalSecrets: deployExternalSecrets(ctx, cluster.externalSecrets),
    sealedSecrets: deploySealedSecrets(ctx, cluster.sealedSecrets),
    audit: deployAudit(ctx, cluster.audit),
    rbac: deployRbac(ctx, cluster.rbac),
  };
}

/** Builds everything the stack config asks for and returns the stack outputs, one entry per cluster. */
export async function program(): Promise<Record<string, unknown>> {
  const config = loadStackConfig();
  const clusters: Record<string, unknown> = {};
  for (const cluster of config.clusters) clusters[cluster.name] = deployCluster(cluster);
  return { environment: config.environment, clusters };
}
