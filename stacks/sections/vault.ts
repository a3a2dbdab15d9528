/**
 * Stack section `vault` of a cluster (the `vault` part of its SecretsPlatform): Vault in HA (VaultCluster)
 * with the Secrets Store CSI driver, and
 * the Vault configuration part (Kubernetes auth with one role and one policy per workload, a KV v2
 * engine, an audit device, SecretProviderClasses) applied through a `vault.Provider`.
 *
 * The configuration part needs an initialized, unsealed Vault (see VaultCluster's bootstrap notes), so
 * it is off until `configuration.enabled: true`. Its token is never in the stack file in plain text: it
 * is read as a secret from the config key named by `configuration.tokenConfigKey` (default `vault:token`,
 * set with `pulumi config set --secret vault:token <token>`).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { PlatformVaultArgs, PlatformVaultConfigurationArgs } from "../../components/platform/secretsPlatform";
import { validateVaultCluster, type VaultClusterArgs } from "../../components/vault/cluster";
import { validateSecretsStoreCsiDriver, validateVaultSecretProviderClass, type SecretsStoreCsiDriverArgs } from "../../components/vault/csi";
import { vaultPolicyProblems } from "../../components/vault/policy";
import { addComponentProblems, labelSchema, subdomainSchema, type ClusterContext } from "./context";
import { VOLUME_SIZE, cleanAbsolutePathProblem, quantity } from "./rules";

/** Vault's default `max_lease_ttl` (768h, 32 days): no token of the platform's roles lives longer. */
export const MAX_TOKEN_TTL_SECONDS = 768 * 3600;

const label = labelSchema;
const subdomain = subdomainSchema;
const mountPath = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/, { message: "must be a mount path" });

const rule = z.strictObject({
  /** Vault API path (`secret/data/apps/demo/*`). */
  path: z.string().min(1),
  /** Capabilities (`read`, `list`…). */
  capabilities: z.array(z.string()).min(1),
});

const role = z
  .strictObject({
    /** Role name; also the name of its policy. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, { message: "must be lower-case letters, digits, '.', '-' or '_'" }),
    /** Service accounts bound to the role. */
    serviceAccounts: z.array(subdomain).min(1),
    /** Namespaces bound to the role. */
    namespaces: z.array(label).min(1),
    /** The role's policy rules (least privilege: no sudo, no root globs, no everything-grants). */
    rules: z.array(rule).min(1),
    /** Token TTL in seconds; default 3600, at most 768h (Vault's default max lease TTL) and the max TTL. */
    tokenTtlSeconds: z.number().int().positive().max(MAX_TOKEN_TTL_SECONDS).default(3600),
    /** Token max TTL in seconds; default 86400, at most 768h. */
    tokenMaxTtlSeconds: z.number().int().positive().max(MAX_TOKEN_TTL_SECONDS).default(86400),
    /** Values mounted through the CSI driver in the role's first namespace (needs csi.enabled). */
    csiObjects: z
      .array(z.strictObject({ objectName: z.string().min(1), secretPath: z.string().min(1), secretKey: z.string().min(1).optional() }))
      .default([]),
  })
  .superRefine((r, ctx) => {
    if (r.tokenTtlSeconds > r.tokenMaxTtlSeconds) {
      ctx.addIssue({ code: "custom", path: ["tokenTtlSeconds"], message: `must not exceed tokenMaxTtlSeconds (${r.tokenMaxTtlSeconds}), got ${r.tokenTtlSeconds}` });
    }
    addComponentProblems(ctx, [], vaultPolicyProblems(r.rules, { fieldPrefix: "rules" }));
    // The platform mounts csiObjects through a VaultSecretProviderClass named after the role in its first namespace.
    if (r.csiObjects.length > 0) {
      addComponentProblems(ctx, [], validateVaultSecretProviderClass({ name: r.name, namespace: r.namespaces[0], roleName: r.name, objects: r.csiObjects }), [
        [/^objects\b/, "csiObjects"],
        [/^name: /, "name: as the SecretProviderClass's name, "],
      ]);
    }
  });

const awsKms = z.strictObject({
  keyArn: z.string().min(1),
  region: z.string().min(1).optional(),
  irsa: z.strictObject({ oidcProviderArn: z.string().min(1), oidcIssuerUrl: z.string().url() }).optional(),
  podIdentity: z.strictObject({ clusterName: z.string().min(1) }).optional(),
});
const gcpCkms = z.strictObject({
  cryptoKeyId: z.string().min(1),
  workloadIdentityProject: z.string().min(1).optional(),
  serviceAccountProject: z.string().min(1).optional(),
  serviceAccountId: z.string().min(1).optional(),
});
const azureKeyVault = z.strictObject({
  keyVaultId: z.string().min(1),
  keyName: z.string().min(1),
  tenantId: z.string().min(1),
  oidcIssuerUrl: z.string().url(),
  identityResourceGroupName: z.string().min(1),
  identityLocation: z.string().min(1).optional(),
});

export const vaultSection = z
  .strictObject({
    /** Deploy Vault on this cluster; default true when the section is present. */
    enabled: z.boolean().default(true),
    /** Namespace of the Vault servers; default `vault`. */
    namespace: label.default("vault"),
    /** Raft peers: odd, 3–7 (VaultCluster's rule); default 3. */
    replicas: z.number().int().default(3),
    /** Data / audit volume sizes and class. */
    storage: z
      .strictObject({
        /** Kubernetes quantity, 1Gi to 64Ti. */
        dataSize: quantity(VOLUME_SIZE).default("10Gi"),
        /** Kubernetes quantity, 1Gi to 64Ti. */
        auditSize: quantity(VOLUME_SIZE).default("10Gi"),
        storageClass: z.string().min(1).optional(),
      })
      .default({ dataSize: "10Gi", auditSize: "10Gi" }),
    /** Auto-unseal (at most one, VaultCluster's rules); default Shamir (manual unseal after restarts). */
    autoUnseal: z.strictObject({ awsKms: awsKms.optional(), gcpCkms: gcpCkms.optional(), azureKeyVault: azureKeyVault.optional() }).optional(),
    /** Vault Agent injector; default false. */
    injector: z.boolean().default(false),
    /** Prometheus ServiceMonitor; default false. */
    serviceMonitor: z.boolean().default(false),
    /** Web UI; default false. */
    ui: z.boolean().default(false),
    /** Secrets Store CSI driver + Vault CSI provider. */
    csi: z
      .strictObject({
        enabled: z.boolean().default(false),
        driverNamespace: label.default("secrets-store-csi"),
        /** Go duration (SecretsStoreCsiDriver's rule). */
        rotationPollInterval: z.string().default("2m"),
      })
      .default({ enabled: false, driverNamespace: "secrets-store-csi", rotationPollInterval: "2m" }),
    /** The Vault configuration part (needs an initialized Vault). */
    configuration: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Vault address; default the cluster's in-cluster address. */
        address: z.string().regex(/^https:\/\//, { message: "must be an https:// URL" }).optional(),
        /** File with the CA PEM (`pulumi stack output` of caCertificatePem). */
        caCertFile: z.string().min(1).optional(),
        /** Config key (`namespace:key`) holding the Vault token as a secret; default `vault:token`. */
        tokenConfigKey: z.string().regex(/^[^:]+:[^:]+$/, { message: "must be namespace:key" }).default("vault:token"),
        /** Kubernetes auth mount path; default `kubernetes`. */
        authPath: mountPath.default("kubernetes"),
        /** KV v2 mount path; default `secret`. */
        kvPath: mountPath.default("secret"),
        /** KV versions kept; default 10. */
        kvMaxVersions: z.number().int().min(1).max(100).default(10),
        /** Audit log file (`stdout` or a path on the audit volume); default `/vault/audit/vault-audit.log`. */
        auditFilePath: z
          .string()
          .refine((p) => p === "stdout" || (/^\/vault\/audit\/[^/].*/.test(p) && cleanAbsolutePathProblem(p) === undefined), {
            message: `must be stdout or a file under /vault/audit/ (no "." or ".." segments)`,
          })
          .default("/vault/audit/vault-audit.log"),
        /** Workload roles, each with its own policy. */
        roles: z.array(role).default([]),
        /**
         * Auth mounts for the other clusters of a fleet (one per cluster): their API server, CA, and the config
         * key (`namespace:key`, a secret) holding a token reviewer JWT of that cluster.
         */
        remoteClusters: z
          .array(
            z.strictObject({
              path: mountPath,
              kubernetesHost: z.string().regex(/^https:\/\//, { message: "must be an https:// URL" }),
              kubernetesCaCert: z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" }),
              tokenReviewerJwtConfigKey: z.string().regex(/^[^:]+:[^:]+$/, { message: "must be namespace:key" }),
              roles: z.array(role).min(1),
            }),
          )
          .default([]),
      })
      .superRefine((c, ctx) => {
        const mounts = new Set([c.authPath]);
        c.remoteClusters.forEach((r, i) => {
          if (mounts.has(r.path)) ctx.addIssue({ code: "custom", path: ["remoteClusters", i, "path"], message: `duplicate auth mount "${r.path}"` });
          mounts.add(r.path);
        });
        const seen = new Set<string>();
        c.roles.forEach((r, i) => {
          if (seen.has(r.name)) ctx.addIssue({ code: "custom", path: ["roles", i, "name"], message: `duplicate role name "${r.name}"` });
          seen.add(r.name);
        });
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    // The components' own rules, reported at the config paths (the section shapes storage and the CSI
    // driver differently).
    addComponentProblems(ctx, [], validateVaultCluster(vaultClusterArgs(s)));
    addComponentProblems(ctx, ["csi"], validateSecretsStoreCsiDriver(csiDriverArgs(s)), [[/^namespace\b/, "driverNamespace"]]);
  })
  .optional();
export type VaultSection = z.infer<typeof vaultSection>;

/** VaultCluster's arguments for the section. */
function vaultClusterArgs(section: NonNullable<VaultSection>): VaultClusterArgs {
  return {
    namespace: section.namespace,
    replicas: section.replicas,
    dataStorage: { size: section.storage.dataSize, storageClass: section.storage.storageClass },
    auditStorage: { size: section.storage.auditSize, storageClass: section.storage.storageClass },
    autoUnseal: section.autoUnseal,
    injector: { enabled: section.injector },
    csiProvider: { enabled: section.csi.enabled, authMountPath: section.configuration?.authPath ?? "kubernetes" },
    serviceMonitor: { enabled: section.serviceMonitor },
    ui: section.ui,
  };
}

/** SecretsStoreCsiDriver's arguments for the section. */
function csiDriverArgs(section: NonNullable<VaultSection>): SecretsStoreCsiDriverArgs {
  return { namespace: section.csi.driverNamespace, syncSecret: false, rotation: true, rotationPollInterval: section.csi.rotationPollInterval };
}

/**
 * The `vault` part of the cluster's platform. The Vault token is read here as a secret from the config key
 * `configuration.tokenConfigKey` (default `vault:token`), never from the stack file in plain text.
 */
export function vaultArgs(_ctx: ClusterContext, section: VaultSection): PlatformVaultArgs | undefined {
  if (!section || !section.enabled) return undefined;
  const cluster = vaultClusterArgs(section);
  const conf = section.configuration;
  let configuration: PlatformVaultConfigurationArgs | undefined;
  if (conf?.enabled) {
    const [tokenNs, tokenKey] = conf.tokenConfigKey.split(":");
    configuration = {
      token: new pulumi.Config(tokenNs).requireSecret(tokenKey),
      address: conf.address,
      caCertFile: conf.caCertFile,
      authPath: conf.authPath,
      kv: { path: conf.kvPath, maxVersions: conf.kvMaxVersions, casRequired: true },
      auditDevice: { file: { filePath: conf.auditFilePath, mode: "0600" } },
      roles: conf.roles.map((r) => ({
        name: r.name,
        serviceAccounts: r.serviceAccounts,
        namespaces: r.namespaces,
        rules: r.rules,
        tokenTtlSeconds: r.tokenTtlSeconds,
        tokenMaxTtlSeconds: r.tokenMaxTtlSeconds,
        csiObjects: r.csiObjects,
      })),
      remoteClusters: conf.remoteClusters.map((remote) => {
        const [ns, key] = remote.tokenReviewerJwtConfigKey.split(":");
        return {
          path: remote.path,
          kubernetesHost: remote.kubernetesHost,
          kubernetesCaCert: remote.kubernetesCaCert,
          tokenReviewerJwt: new pulumi.Config(ns).requireSecret(key),
          roles: remote.roles.map((r) => ({ name: r.name, serviceAccounts: r.serviceAccounts, namespaces: r.namespaces, rules: r.rules, tokenTtlSeconds: r.tokenTtlSeconds, tokenMaxTtlSeconds: r.tokenMaxTtlSeconds })),
        };
      }),
    };
  }
  return {
    cluster,
    csiDriver: section.csi.enabled ? csiDriverArgs(section) : undefined,
    configuration,
  };
}
