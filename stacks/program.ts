/**
 * The stack program: for every cluster in the stack config, a Kubernetes provider and one
 * {@link SecretsPlatform} composed from the cluster's sections. `stacks/index.ts` hands it to Pulumi;
 * `npm run plan` runs it under the mock runtime.
 *
 * Stack outputs: `clusters.<name>` (the platform's outputs: the EncryptionConfiguration or the cloud
 * encryption settings to put on the cluster, Vault's address and CA, the sealing certificate, the audit
 * flags...) and `policyExemptions`, the subjects every cluster's controllers need exempted from the policy
 * pack's who-can-read-secrets (`npm run plan` applies them; pass them to `--policy-pack-config` too).
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SecretsPlatform } from "../components/platform/secretsPlatform";
import { VaultTokenReviewer } from "../components/vault/tokenReviewer";
import { createCluster, platformParts } from "./clusters";
import { loadStackConfig, type ClusterConfig } from "./config";
import { auditApiServerFlags, auditArgs } from "./sections/audit";
import type { ClusterContext } from "./sections/context";
import { encryptionArgs } from "./sections/encryption";
import { externalSecretsArgs } from "./sections/externalSecrets";
import { deployRbac } from "./sections/rbac";
import { sealedSecretsArgs } from "./sections/sealedSecrets";
import { vaultArgs } from "./sections/vault";

function clusterProvider(cluster: ClusterConfig): k8s.Provider {
  const access = cluster.kubernetes;
  return new k8s.Provider(`${cluster.name}-k8s`, {
    // kubeconfig contents can hold credentials: keep them secret.
    kubeconfig: access.kubeconfig ? pulumi.secret(access.kubeconfig) : undefined,
    context: access.context,
    enableServerSideApply: true,
  });
}

/** What clusters of one stack hand each other (a fleet): each Vault's CA, and the clusters that need a token reviewer. */
export interface FleetLinks {
  /** The CA of the Vault on cluster `<name>`, resolved once that cluster's platform exists. */
  vaultCa(cluster: string): pulumi.Output<string | undefined>;
  /** Clusters of the stack that some hub's `remoteClusters[].cluster` names. */
  reviewerClusters: Set<string>;
}

/** The fleet links of a stack config (order-independent: a spoke may come before its hub). */
export function fleetLinks(clusters: readonly ClusterConfig[]): FleetLinks & { resolve(cluster: string, ca: pulumi.Output<string | undefined>): void } {
  const cas = new Map<string, { promise: Promise<pulumi.Output<string | undefined>>; resolve: (o: pulumi.Output<string | undefined>) => void }>();
  for (const c of clusters) {
    let resolve!: (o: pulumi.Output<string | undefined>) => void;
    const promise = new Promise<pulumi.Output<string | undefined>>((r) => (resolve = r));
    cas.set(c.name, { promise, resolve });
  }
  return {
    vaultCa: (name) => pulumi.output(cas.get(name)!.promise).apply((ca) => ca),
    reviewerClusters: new Set(clusters.flatMap((c) => (c.vault?.configuration?.remoteClusters ?? []).flatMap((r) => (r.cluster ? [r.cluster] : [])))),
    resolve: (name, ca) => cas.get(name)?.resolve(ca),
  };
}

/** One cluster's platform; returns its stack outputs. */
export function deployCluster(cluster: ClusterConfig, links?: FleetLinks): { platform: SecretsPlatform; outputs: Record<string, unknown> } {
  // Create mode: the stack creates the cluster (with its key and audit logs) and reaches it through the
  // kubeconfig it builds; adopt mode: `kubernetes` names an existing cluster.
  const created = cluster.create ? createCluster(cluster) : undefined;
  const provider = created?.provider ?? clusterProvider(cluster);
  const ctx: ClusterContext = { name: cluster.name, kind: cluster.kind, provider };
  const parts = platformParts(created, encryptionArgs(ctx, cluster.encryption), auditArgs(ctx, cluster.audit));
  const eso = externalSecretsArgs(ctx, cluster.externalSecrets);
  const vault = vaultArgs(ctx, cluster.vault);
  // A store that trusts another cluster's Vault (a fleet hub) gets that Vault's CA.
  (cluster.externalSecrets?.stores ?? []).forEach((s, i) => {
    const hub = s.vault?.caFromCluster;
    const store = eso?.stores?.[i];
    if (hub && links && store?.provider.vault) store.provider.vault.caBundle = links.vaultCa(hub).apply((ca) => ca ?? "");
  });
  if (created && cluster.kind === "eks") {
    // EKS Pod Identity associations need the cluster to exist: take its name from the created cluster, so
    // Pulumi orders them after it (a plain name from config would carry no dependency).
    const clusterName = (created.cluster as aws.eks.Cluster).name;
    if (eso?.aws?.clusterName !== undefined) eso.aws.clusterName = clusterName;
    const podIdentity = vault?.cluster?.autoUnseal?.awsKms?.podIdentity;
    if (podIdentity) podIdentity.clusterName = clusterName;
  }
  const platform = new SecretsPlatform(
    cluster.name,
    {
      clusterName: cluster.name,
      clusterKind: cluster.kind,
      namespaces: cluster.namespaces.map((ns) => ({
        namespace: ns.name,
        podSecurity: { enforce: ns.podSecurity },
        defaultDenyNetworkPolicy: ns.defaultDenyNetworkPolicy,
      })),
      encryption: parts.encryption,
      vault,
      externalSecrets: eso,
      sealedSecrets: sealedSecretsArgs(ctx, cluster.sealedSecrets),
      audit: parts.audit,
    },
    { providers: { kubernetes: provider } },
  );
  // A spoke whose workloads log in to a hub Vault: the reviewer account the hub's auth mount calls TokenReview with.
  const reviewer = links?.reviewerClusters.has(cluster.name)
    ? new VaultTokenReviewer(`${cluster.name}-vault-token-reviewer`, {}, { providers: { kubernetes: provider } })
    : undefined;
  const flags = auditApiServerFlags(ctx, cluster.audit);
  return {
    platform,
    outputs: {
      kind: cluster.kind,
      exemptSubjects: platform.exemptSubjects,
      encryptionConfigYaml: platform.encryptionConfigYaml,
      eksEncryptionConfig: platform.eksEncryptionConfig,
      gkeDatabaseEncryption: platform.gkeDatabaseEncryption,
      aksSecurityProfile: platform.aksSecurityProfile,
      eksEnabledClusterLogTypes: platform.eksEnabledClusterLogTypes,
      vaultAddress: platform.vaultAddress,
      vaultCaCertificatePem: platform.vaultCaCertificatePem,
      sealingCertificatePem: platform.sealingCertificatePem,
      externalSecretsNamespace: platform.externalSecretsNamespace,
      ...(flags ? { apiServerAuditFlags: flags } : {}),
      ...(reviewer ? { vaultTokenReviewer: { namespace: reviewer.namespace, secretName: reviewer.tokenSecretName } } : {}),
      rbac: deployRbac(ctx, cluster.rbac),
      ...created?.outputs,
    },
  };
}

/** Builds everything the stack config asks for and returns the stack outputs. */
export async function program(): Promise<Record<string, unknown>> {
  const config = loadStackConfig();
  const clusters: Record<string, unknown> = {};
  const exemptions: pulumi.Output<string[]>[] = [];
  const links = fleetLinks(config.clusters);
  for (const cluster of config.clusters) {
    const { platform, outputs } = deployCluster(cluster, links);
    links.resolve(cluster.name, platform.vaultCaCertificatePem);
    clusters[cluster.name] = outputs;
    exemptions.push(platform.exemptSubjects);
  }
  return {
    environment: config.environment,
    clusters,
    policyExemptions: pulumi.all(exemptions).apply((lists) => [...new Set(lists.flat())].sort()),
  };
}
