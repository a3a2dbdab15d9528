/**
 * How the stack gets each cluster: it either **creates** it (`create.eks` / `create.gke` / `create.aks`), with
 * the encryption key and the audit logs of the cluster's `encryption.<kind>` / `audit.<kind>` sections wired
 * into the cluster resource, or **adopts** an existing one through `kubernetes.kubeconfig` / `kubernetes.context`
 * (see `program.ts`). The two are mutually exclusive.
 *
 * In create mode, in this order: the key component (EksSecretsEncryption & co.), the audit-log component
 * (EksAuditLogging & co.; on AKS after the cluster, since its diagnostic setting targets the cluster's id), the
 * cluster with both wired in, a kubeconfig built from the cluster's outputs (a secret) and the Kubernetes
 * provider the platform then uses. The platform gets its args without the key and audit-log parts
 * ({@link platformParts}), so nothing is created twice; its re-encryption Job (if any) is triggered by the key.
 */
import * as aws from "@pulumi/aws";
import { containerservice } from "@pulumi/azure-native";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { AksAuditLogging } from "../components/audit/aks";
import { EksAuditLogging } from "../components/audit/eks";
import { GkeAuditLogging } from "../components/audit/gke";
import { AksSecretsEncryption } from "../components/encryption/aks";
import { EksSecretsEncryption } from "../components/encryption/eks";
import { GkeSecretsEncryption } from "../components/encryption/gke";
import type { PlatformAuditArgs, PlatformEncryptionArgs } from "../components/platform/secretsPlatform";
import type { ClusterConfig } from "./config";
import { cidrUnionProblem, ipv4Cidr, refuseOpenToAll } from "./sections/rules";

const stringMap = z.record(z.string(), z.string());
/** EKS cluster names: 1-100 letters, digits, '-' and '_', starting with a letter or digit. */
const eksName = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, { message: "must be 1-100 letters, digits, '-' or '_', starting with a letter or digit" });
/** GKE cluster names: lower-case letters, digits and '-', starting with a letter, at most 40 characters. */
const gkeName = z.string().regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, { message: "must be a GKE cluster name (lower-case letters, digits, '-', at most 40)" });
const aksName = z.string().regex(/^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/, { message: "must be 1-63 letters, digits, '-' or '_'" });

/** `create.eks`: an EKS control plane (`aws.eks.Cluster`). The cluster role is `encryption.eks.clusterRoleArn`. */
const createEks = z
  .strictObject({
    /** Cluster name; default the config cluster's `name`. */
    name: eksName.optional(),
    /** Kubernetes version; default EKS's current default. */
    version: z.string().regex(/^\d+\.\d+$/, { message: "must be a minor version such as 1.33" }).optional(),
    /** Subnets of the control plane's network interfaces (at least two, in different AZs). */
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { message: "must be a subnet id" })).min(2, { message: "must list at least two subnets (in two availability zones)" }),
    /** Extra security groups for the control plane's network interfaces. */
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, { message: "must be a security group id" })).optional(),
    /** Public API endpoint; default false (private endpoint only: run `pulumi up` from inside the VPC or over a VPN). */
    endpointPublicAccess: z.boolean().default(false),
    /** CIDRs allowed on the public endpoint; required with `endpointPublicAccess` (0.0.0.0/0 is refused). */
    publicAccessCidrs: z.array(ipv4Cidr).min(1).optional(),
    /** Grant the identity running `pulumi up` cluster-admin through an access entry; default true (the stack installs the platform with it). */
    bootstrapClusterCreatorAdminPermissions: z.boolean().default(true),
    /** Tags of the cluster. */
    tags: stringMap.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.endpointPublicAccess && !v.publicAccessCidrs) ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: "is required when endpointPublicAccess is true" });
    if (!v.endpointPublicAccess && v.publicAccessCidrs) ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: "is only used when endpointPublicAccess is true" });
    const open = v.publicAccessCidrs && cidrUnionProblem(v.publicAccessCidrs);
    if (open) ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: open });
  });

/** `create.gke`: a GKE Standard cluster (`gcp.container.Cluster`). */
const createGke = z.strictObject({
  /** Cluster name; default the config cluster's `name`. */
  name: gkeName.optional(),
  /** Region (regional cluster, recommended) or zone. */
  location: z.string().min(1),
  /** Project; default `encryption.gke.project`, else the provider's project. */
  project: z.string().optional(),
  /** VPC network and subnetwork; default the project's `default` network. */
  network: z.string().optional(),
  subnetwork: z.string().optional(),
  /** Release channel: RAPID, REGULAR (default) or STABLE. */
  releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE"]).default("REGULAR"),
  /** Nodes per zone of the default pool; default 1. */
  initialNodeCount: z.number().int().min(1).default(1),
  /** Machine type of the default pool; default e2-standard-4. */
  machineType: z.string().default("e2-standard-4"),
  /** Networks allowed to reach the control plane; default none listed (GKE's default access). */
  masterAuthorizedNetworks: z
    .array(z.strictObject({ cidrBlock: ipv4Cidr, displayName: z.string().optional() }))
    .superRefine((nets, ctx) => refuseOpenToAll(nets.map((n) => n.cidrBlock), ctx))
    .optional(),
  /** Refuse `pulumi destroy` of the cluster; default true. */
  deletionProtection: z.boolean().default(true),
  /** Labels of the cluster. */
  labels: stringMap.optional(),
});

const SUBNET_ID = z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i, { message: "must be a subnet resource id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>)" });
/** `create.aks`: an AKS cluster (azure-native `ManagedCluster`) with Entra ID auth and no local accounts. */
const createAks = z.strictObject({
  /** Cluster name; default the config cluster's `name`. */
  name: aksName.optional(),
  /** Resource group of the cluster. */
  resourceGroupName: z.string().min(1),
  /** Region; default the resource group's. */
  location: z.string().optional(),
  /** Kubernetes version; default AKS's default. */
  kubernetesVersion: z.string().optional(),
  /** DNS prefix; default the cluster name. */
  dnsPrefix: z.string().optional(),
  /** Entra ID groups made cluster admins (local accounts are disabled, so at least one). */
  adminGroupObjectIds: z.array(z.uuid({ message: "must be an Entra ID group object id (UUID)" })).min(1, { message: "must name at least one admin group (local accounts are disabled)" }),
  /** System pool: node count (default 3) and VM size (default Standard_D4s_v5). */
  nodeCount: z.number().int().min(1).default(3),
  vmSize: z.string().default("Standard_D4s_v5"),
  /** CIDRs allowed on the API server; default unrestricted (0.0.0.0/0 is refused). */
  authorizedIpRanges: z.array(ipv4Cidr).min(1).superRefine(refuseOpenToAll).optional(),
  /**
   * API Server VNet Integration: the subnet (delegated to Microsoft.ContainerService/managedClusters) the API
   * server is projected into (`apiServerAccessProfile.enableVnetIntegration` + `subnetId`). Required with a
   * private Key Vault (`encryption.aks.keyVaultNetworkAccess: Private`): AKS reaches a private vault only
   * from an API server in the VNet. Default none.
   */
  apiServerSubnetId: SUBNET_ID.optional(),
  /** Subnet of the system node pool (same VNet as apiServerSubnetId); required with apiServerSubnetId. */
  nodeSubnetId: SUBNET_ID.optional(),
  /**
   * kubelogin login mode the stack's kubeconfig uses (AKS returns `devicecode`, which cannot run unattended):
   * `azurecli` (default), `spn`, `msi`, `workloadidentity`, `azd` or `devicecode`.
   */
  kubeloginMode: z.enum(["azurecli", "spn", "msi", "workloadidentity", "azd", "devicecode"]).default("azurecli"),
  /** Tags of the cluster. */
  tags: stringMap.optional(),
});

/** The `create` block of a cluster: exactly one member, matching the cluster's kind. */
export const createSection = z.strictObject({ eks: createEks.optional(), gke: createGke.optional(), aks: createAks.optional() }).optional();
export type CreateSection = z.infer<typeof createSection>;

const CLOUD_KINDS = ["eks", "gke", "aks"] as const;
type CloudKind = (typeof CLOUD_KINDS)[number];

/** The name the created cluster gets. */
export function createdClusterName(cluster: Pick<ClusterConfig, "name" | "create">): string {
  const c = cluster.create;
  return c?.eks?.name ?? c?.gke?.name ?? c?.aks?.name ?? cluster.name;
}

/**
 * Problems between the `create` block and the rest of the cluster config, as zod paths relative to the
 * cluster (all under `create`). Called by the cluster schema.
 */
export function createProblems(c: ClusterConfig): Array<{ path: Array<string | number>; message: string }> {
  const create = c.create;
  if (!create) return [];
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const add = (path: Array<string | number>, message: string) => out.push({ path: ["create", ...path], message });
  if (c.kubernetes.kubeconfig !== undefined || c.kubernetes.context !== undefined) {
    add([], "set either create (the stack creates the cluster) or kubernetes (adopt an existing one), got both");
  }
  const members = CLOUD_KINDS.filter((k) => create[k] !== undefined);
  if (members.length !== 1) {
    add([], `set exactly one of eks, gke, aks, got ${members.length === 0 ? "none" : members.join(" and ")}`);
    return out;
  }
  const member = members[0];
  if (member !== c.kind) {
    add([member], `only for clusters of kind ${member}, got kind ${c.kind}`);
    return out;
  }
  if (!c.encryption?.[member]) add([member], `needs encryption.${member} (the key the created cluster encrypts Secrets with)`);
  if (!c.audit.enabled || !c.audit[member]) add([member], `needs audit.${member} with audit enabled (the created cluster's audit logs)`);
  if (c.encryption?.reencryption?.encryptingWith !== undefined) {
    add([member], "encryption.reencryption.encryptingWith must be left out: the created cluster reports the key it encrypts with");
  }
  const key = c.encryption?.eks;
  if (member === "eks" && key?.administratorArns?.length && !key.clusterCreatorArns?.length) {
    add(["eks"], "needs encryption.eks.clusterCreatorArns (the identity running pulumi up creates the cluster and needs kms:CreateGrant; with administratorArns the key policy has no account-root statement)");
  }
  if (member === "aks") {
    const a = create.aks!;
    if (c.encryption?.aks?.keyVaultNetworkAccess === "Private" && !a.apiServerSubnetId) {
      add(["aks", "apiServerSubnetId"], "is required with encryption.aks.keyVaultNetworkAccess Private (AKS KMS with a private Key Vault needs API Server VNet Integration)");
    }
    if ((a.apiServerSubnetId === undefined) !== (a.nodeSubnetId === undefined)) {
      add(["aks", a.apiServerSubnetId ? "nodeSubnetId" : "apiServerSubnetId"], "set apiServerSubnetId and nodeSubnetId together (VNet integration needs the nodes in the same VNet)");
    }
  }
  const name = createdClusterName(c);
  if (member === "eks" && c.audit.eks?.clusterName !== undefined && c.audit.eks.clusterName !== name) {
    add(["eks", "name"], `the created cluster is named "${name}" but audit.eks.clusterName is "${c.audit.eks.clusterName}"`);
  }
  if (member === "gke" && c.audit.gke?.clusterName !== undefined && c.audit.gke.clusterName !== name) {
    add(["gke", "name"], `the created cluster is named "${name}" but audit.gke.clusterName is "${c.audit.gke.clusterName}"`);
  }
  if (member === "aks" && c.audit.aks?.clusterId !== undefined) {
    const suffix = `/resourceGroups/${create.aks!.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    if (!c.audit.aks.clusterId.toLowerCase().endsWith(suffix.toLowerCase())) {
      add(["aks", "name"], `the created cluster is ".../${suffix.slice(1)}" but audit.aks.clusterId is "${c.audit.aks.clusterId}"`);
    }
  }
  return out;
}

/** The cloud members of the encryption and audit parts: in create mode the cluster owns them. */
const CLOUD_PARTS: readonly string[] = CLOUD_KINDS;

/**
 * The platform's `encryption` and `audit` parts for a cluster. Adopted: unchanged, except that the
 * re-encryption Job is left out until the config states the key the cluster encrypts with
 * (`reencryption.encryptingWith`). Created: without the cloud key and audit logs (created with the cluster)
 * and with the re-encryption Job (if any) triggered by the key the created cluster reports (an output of the
 * cluster resource, so the Job runs after the cluster create/update that enables encryption, and again
 * when the cluster's key changes). The one place that decides what the created cluster owns, so nothing is
 * created twice.
 */
export function platformParts(
  created: Pick<CreatedCluster, "keyId"> | undefined,
  encryption: PlatformEncryptionArgs | undefined,
  audit: PlatformAuditArgs | undefined,
): { encryption?: PlatformEncryptionArgs; audit?: PlatformAuditArgs } {
  if (!created) {
    if (encryption?.reencryption && encryption.reencryption.trigger === undefined) {
      const { reencryption: _pending, ...rest } = encryption;
      return { encryption: rest, audit };
    }
    return { encryption, audit };
  }
  const omit = <T extends object>(v: T | undefined): T | undefined =>
    v ? (Object.fromEntries(Object.entries(v).filter(([k]) => !CLOUD_PARTS.includes(k))) as T) : undefined;
  const rest = omit(encryption);
  return {
    encryption: rest?.reencryption ? { ...rest, reencryption: { ...rest.reencryption, trigger: created.keyId } } : rest,
    audit: omit(audit),
  };
}

/** The cloud key and audit-log args the created cluster owns (`encryption.<kind>`, `audit.<kind>`). */
function cloudParts<K extends CloudKind>(cfg: ClusterConfig, kind: K) {
  const key = cfg.encryption?.[kind];
  const logs = cfg.audit.enabled ? cfg.audit[kind] : undefined;
  // The config schema requires both in create mode (createProblems).
  if (!key || !logs) throw new Error(`cluster ${cfg.name}: create.${kind} needs encryption.${kind} and audit.${kind}`);
  return { key: key, logs: logs };
}

/** A cluster the stack created. */
export interface CreatedCluster {
  /** The Kubernetes provider built from the cluster's kubeconfig. */
  provider: k8s.Provider;
  /** The kubeconfig (a secret). */
  kubeconfig: pulumi.Output<string>;
  /**
   * The key the created cluster reports it encrypts Secrets with (KMS key ARN, Cloud KMS key name, Key Vault
   * key id), read from the cluster resource's outputs: it resolves after the cluster's create/update.
   */
  keyId: pulumi.Output<string>;
  /** The cloud resource. */
  cluster: aws.eks.Cluster | gcp.container.Cluster | containerservice.ManagedCluster;
  /** Stack outputs to add to the cluster's. */
  outputs: Record<string, unknown>;
}

/** Inputs of {@link kubeconfigYaml}. */
export interface KubeconfigParts {
  name: string;
  server: string;
  /** Base64 PEM of the cluster CA. */
  certificateAuthorityData: string;
  /** The exec credential plugin. */
  exec: { command: string; args: string[]; env?: Array<{ name: string; value: string }> };
}

/**
 * The kubeconfig with every kubelogin exec user switched to login mode `mode` (what `kubelogin
 * convert-kubeconfig -l <mode>` does to the `--login` argument).
 */
export function withKubeloginMode(kubeconfig: string, mode: string): string {
  const doc = parse(kubeconfig) as { users?: Array<{ user?: { exec?: { command?: string; args?: string[] } } }> };
  for (const u of doc.users ?? []) {
    const exec = u.user?.exec;
    if (!exec || !/(^|\/)kubelogin(\.exe)?$/.test(exec.command ?? "")) continue;
    const args = [...(exec.args ?? [])];
    const at = args.indexOf("--login");
    if (at >= 0) args.splice(at, 2, "--login", mode);
    else args.push("--login", mode);
    exec.args = args;
  }
  return stringify(doc);
}

/** A kubeconfig with one cluster, one exec user and one context, all named `name`. */
export function kubeconfigYaml(p: KubeconfigParts): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: p.name, cluster: { server: p.server, "certificate-authority-data": p.certificateAuthorityData } }],
    users: [{ name: p.name, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: p.exec.command, args: p.exec.args, ...(p.exec.env ? { env: p.exec.env } : {}), interactiveMode: "Never", provideClusterInfo: false } } }],
    contexts: [{ name: p.name, context: { cluster: p.name, user: p.name } }],
    "current-context": p.name,
  });
}

function provider(name: string, kubeconfig: pulumi.Output<string>, dependsOn: pulumi.Resource[]): k8s.Provider {
  return new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { dependsOn });
}

function createEksCluster(cfg: ClusterConfig): CreatedCluster {
  const c = cfg.create!.eks!;
  const name = createdClusterName(cfg);
  const parts = cloudParts(cfg, "eks");
  const key = new EksSecretsEncryption(`${cfg.name}-encryption`, parts.key);
  const logs = new EksAuditLogging(`${cfg.name}-audit`, { ...parts.logs, clusterName: name });
  const cluster = new aws.eks.Cluster(
    `${cfg.name}-cluster`,
    {
      name,
      version: c.version,
      roleArn: parts.key.clusterRoleArn,
      vpcConfig: {
        subnetIds: c.subnetIds,
        securityGroupIds: c.securityGroupIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: c.endpointPublicAccess,
        publicAccessCidrs: c.endpointPublicAccess ? c.publicAccessCidrs : undefined,
      },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: c.bootstrapClusterCreatorAdminPermissions },
      encryptionConfig: key.encryptionConfig,
      enabledClusterLogTypes: logs.enabledClusterLogTypes,
      tags: c.tags,
    },
    // The log group must exist first, or EKS creates its own without retention or encryption.
    { dependsOn: [logs] },
  );
  const region = aws.getRegionOutput();
  const kubeconfig = pulumi.secret(
    pulumi.all([cluster.endpoint, cluster.certificateAuthority, region.region]).apply(([endpoint, ca, reg]) =>
      kubeconfigYaml({
        name,
        server: endpoint,
        certificateAuthorityData: ca?.data ?? "",
        exec: { command: "aws", args: ["eks", "get-token", "--cluster-name", name, "--region", reg, "--output", "json"] },
      }),
    ),
  );
  return {
    provider: provider(cfg.name, kubeconfig, [cluster]),
    kubeconfig,
    keyId: cluster.encryptionConfig.apply((c) => c?.provider.keyArn ?? ""),
    cluster,
    outputs: {
      created: { name, arn: cluster.arn, endpoint: cluster.endpoint },
      eksEncryptionConfig: key.encryptionConfig,
      eksEnabledClusterLogTypes: logs.enabledClusterLogTypes,
    },
  };
}

function createGkeCluster(cfg: ClusterConfig): CreatedCluster {
  const c = cfg.create!.gke!;
  const name = createdClusterName(cfg);
  const parts = cloudParts(cfg, "gke");
  const key = new GkeSecretsEncryption(`${cfg.name}-encryption`, parts.key);
  // The sink (if any) filters on the created cluster, as EKS and AKS audit logs target it.
  new GkeAuditLogging(`${cfg.name}-audit`, { ...parts.logs, clusterName: name });
  const projectId = pulumi.output(c.project ?? parts.key.project ?? gcp.organizations.getProjectOutput({}).projectId).apply((p) => p!);
  const cluster = new gcp.container.Cluster(`${cfg.name}-cluster`, {
    name,
    project: projectId,
    location: c.location,
    network: c.network,
    subnetwork: c.subnetwork,
    databaseEncryption: key.databaseEncryption,
    workloadIdentityConfig: { workloadPool: pulumi.interpolate`${projectId}.svc.id.goog` },
    enableShieldedNodes: true,
    enableLegacyAbac: false,
    releaseChannel: { channel: c.releaseChannel },
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
    masterAuthorizedNetworksConfig: c.masterAuthorizedNetworks ? { cidrBlocks: c.masterAuthorizedNetworks } : undefined,
    initialNodeCount: c.initialNodeCount,
    nodeConfig: {
      machineType: c.machineType,
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      workloadMetadataConfig: { mode: "GKE_METADATA" },
    },
    deletionProtection: c.deletionProtection,
    resourceLabels: c.labels,
  });
  const kubeconfig = pulumi.secret(
    pulumi.all([cluster.endpoint, cluster.masterAuth]).apply(([endpoint, auth]) =>
      kubeconfigYaml({
        name,
        server: `https://${endpoint}`,
        certificateAuthorityData: auth?.clusterCaCertificate ?? "",
        exec: { command: "gke-gcloud-auth-plugin", args: [] },
      }),
    ),
  );
  return {
    provider: provider(cfg.name, kubeconfig, [cluster]),
    kubeconfig,
    keyId: cluster.databaseEncryption.apply((d) => d.keyName ?? ""),
    cluster,
    outputs: { created: { name, id: cluster.id, endpoint: cluster.endpoint }, gkeDatabaseEncryption: key.databaseEncryption },
  };
}

function createAksCluster(cfg: ClusterConfig): CreatedCluster {
  const c = cfg.create!.aks!;
  const name = createdClusterName(cfg);
  const parts = cloudParts(cfg, "aks");
  const key = new AksSecretsEncryption(`${cfg.name}-encryption`, parts.key);
  const cluster = new containerservice.ManagedCluster(`${cfg.name}-cluster`, {
    resourceName: name,
    resourceGroupName: c.resourceGroupName,
    location: c.location,
    kubernetesVersion: c.kubernetesVersion,
    dnsPrefix: c.dnsPrefix ?? name,
    // The KMS identity (Key Vault Crypto User on the key) is the control plane's identity.
    identity: { type: "UserAssigned", userAssignedIdentities: [key.identityId] },
    enableRBAC: true,
    aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: c.adminGroupObjectIds },
    disableLocalAccounts: true,
    oidcIssuerProfile: { enabled: true },
    securityProfile: key.securityProfile.apply((p) => ({ azureKeyVaultKms: p.azureKeyVaultKms, workloadIdentity: { enabled: true } })),
    apiServerAccessProfile:
      c.authorizedIpRanges || c.apiServerSubnetId
        ? {
            ...(c.authorizedIpRanges ? { authorizedIPRanges: c.authorizedIpRanges } : {}),
            // API Server VNet Integration (ManagedClusterAPIServerAccessProfile.enableVnetIntegration/subnetId).
            ...(c.apiServerSubnetId ? { enableVnetIntegration: true, subnetId: c.apiServerSubnetId } : {}),
          }
        : undefined,
    agentPoolProfiles: [
      { name: "system", mode: "System", count: c.nodeCount, vmSize: c.vmSize, osType: "Linux", type: "VirtualMachineScaleSets", ...(c.nodeSubnetId ? { vnetSubnetID: c.nodeSubnetId } : {}) },
    ],
    tags: c.tags,
  });
  new AksAuditLogging(`${cfg.name}-audit`, { ...parts.logs, clusterId: cluster.id });
  const credentials = containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName: c.resourceGroupName, resourceName: cluster.name, format: "exec" });
  const kubeconfig = pulumi.secret(
    credentials.kubeconfigs.apply((list) => {
      if (!list?.[0]?.value) throw new Error(`AKS cluster ${name}: listManagedClusterUserCredentials returned no kubeconfig`);
      return withKubeloginMode(Buffer.from(list[0].value, "base64").toString("utf8"), c.kubeloginMode);
    }),
  );
  return {
    provider: provider(cfg.name, kubeconfig, [cluster]),
    kubeconfig,
    keyId: cluster.securityProfile.apply((p) => p?.azureKeyVaultKms?.keyId ?? ""),
    cluster,
    outputs: {
      created: { name, id: cluster.id, fqdn: cluster.fqdn, oidcIssuerUrl: cluster.oidcIssuerProfile.apply((p) => p?.issuerURL) },
      aksSecurityProfile: key.securityProfile,
      aksKmsIdentityId: key.identityId,
    },
  };
}

/** Creates the cluster of a config with a `create` block (key, audit logs, cluster, kubeconfig, provider). */
export function createCluster(cfg: ClusterConfig): CreatedCluster {
  if (cfg.create?.eks) return createEksCluster(cfg);
  if (cfg.create?.gke) return createGkeCluster(cfg);
  if (cfg.create?.aks) return createAksCluster(cfg);
  throw new Error(`cluster ${cfg.name} has no create block`);
}
