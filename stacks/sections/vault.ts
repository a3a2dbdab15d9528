/**
 * Stack section `vault` of a cluster (the `vault` part of its SecretsPlatform), in two stages:
 *
 * - **stage 1** (always, on a fresh cluster): Vault in HA (VaultCluster: raft, TLS, unseal identity, reloader
 *   sidecar, optional exposure) with the Secrets Store CSI driver. No call to Vault's API: the pods become Ready
 *   while sealed and uninitialized, and `vault operator init` is an operator step (docs/vault-bootstrap.md);
 * - **stage 2**, only once `configuration.initialized: true` says Vault is initialized and unsealed and
 *   `configuration.address` / `caCertFile` say where Pulumi reaches it: Kubernetes auth with one role and one
 *   policy per workload, a KV v2 engine, audit devices, database engines, SecretProviderClasses, through a
 *   `vault.Provider` that logs in with a token (a secret config key, default `vault:token`) or AppRole.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { PlatformVaultArgs, PlatformVaultConfigurationArgs } from "../../components/platform/secretsPlatform";
import { validateVaultCluster, type VaultClusterArgs } from "../../components/vault/cluster";
import { validateSecretsStoreCsiDriver, type SecretsStoreCsiDriverArgs } from "../../components/vault/csi";
import { validateVaultDatabaseCredentials, type VaultDatabaseCredentialsArgs } from "../../components/vault/engines";
import { vaultPolicyProblems } from "../../components/vault/policy";
import { addComponentProblems, labelSchema, subdomainSchema, type ClusterContext } from "./context";

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
    /** Token TTL in seconds; default 3600. */
    tokenTtlSeconds: z.number().int().positive().default(3600),
    /** Token max TTL in seconds; default 86400. */
    tokenMaxTtlSeconds: z.number().int().positive().default(86400),
    /** Values mounted through the CSI driver in the role's first namespace (needs csi.enabled). */
    csiObjects: z
      .array(z.strictObject({ objectName: z.string().min(1), secretPath: z.string().min(1), secretKey: z.string().min(1).optional() }))
      .default([]),
  })
  .superRefine((r, ctx) => {
    addComponentProblems(ctx, [], vaultPolicyProblems(r.rules, { fieldPrefix: "rules" }));
  });

const configKey = z.string().regex(/^[^:]+:[^:]+$/, { message: "must be namespace:key" });
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const database = z.strictObject({
  /** Mount path; default `database`. */
  path: mountPath.default("database"),
  connectionName: z.string().min(1).optional(),
  postgresql: z.strictObject({
    /** With the `{{username}}` / `{{password}}` templates. */
    connectionUrl: z.string().min(1),
    username: z.string().min(1),
    /** Config key (`namespace:key`) holding the root password as a secret. */
    passwordConfigKey: configKey,
    /** Bump to send a changed root password again (write-only field version); default 1. */
    passwordVersion: z.number().int().min(1).default(1),
  }),
  rotateRootAfterSetup: z.boolean().default(true),
  roles: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        creationStatements: z.array(z.string().min(1)).min(1),
        revocationStatements: z.array(z.string().min(1)).optional(),
        defaultTtlSeconds: z.number().int().positive().optional(),
        maxTtlSeconds: z.number().int().positive().optional(),
      }),
    )
    .min(1),
});
type DatabaseConfig = z.infer<typeof database>;

/** VaultDatabaseCredentials' arguments for a database entry (the password read as a secret from its config key). */
function databaseArgs(db: DatabaseConfig, password: pulumi.Input<string> = "[from config]"): VaultDatabaseCredentialsArgs {
  return {
    path: db.path,
    connectionName: db.connectionName,
    postgresql: { connectionUrl: db.postgresql.connectionUrl, username: db.postgresql.username, password, passwordVersion: db.postgresql.passwordVersion },
    rotateRootAfterSetup: db.rotateRootAfterSetup,
    roles: db.roles,
  };
}

/** A secret config value from a `namespace:key` name. */
function secretConfig(key: string): pulumi.Output<string> {
  const [ns, name] = key.split(":");
  return new pulumi.Config(ns).requireSecret(name);
}

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
        dataSize: z.string().min(1).default("10Gi"),
        auditSize: z.string().min(1).default("10Gi"),
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
    /** Server certificate names beyond the in-cluster ones (e.g. the exposed host name of a fleet hub). */
    tls: z
      .strictObject({
        extraDnsNames: z
          .array(
            z
              .string()
              .regex(DNS_NAME, { message: "must be a DNS name" })
              .refine((n) => !/^\d+(\.\d+){3}$/.test(n), { message: "must be a DNS name, not an IP address (a client checks an IP against the certificate's IP SANs)" }),
          )
          .default([]),
      })
      .default({ extraDnsNames: [] }),
    /** Reach Vault from outside the cluster (explicit opt-in): a LoadBalancer Service on the active server. */
    exposure: z
      .strictObject({
        loadBalancer: z
          .strictObject({
            sourceRanges: z.array(z.string()).min(1),
            allowAnySource: z.boolean().default(false),
            annotations: z.record(z.string(), z.string()).optional(),
          })
          .optional(),
      })
      .optional(),
    /** Size bounds of the file audit log (VaultCluster's reloader sidecar); default 1024 MiB per file, 4 kept. */
    auditRotation: z
      .strictObject({ maxFileMiB: z.number().int().optional(), keepFiles: z.number().int().optional(), checkIntervalSeconds: z.number().int().optional() })
      .optional(),
    /** The Vault configuration (stage 2; applied only with `initialized: true`). */
    configuration: z
      .strictObject({
        /** Vault is initialized and unsealed: apply the configuration. Default false (stage 1: nothing is sent to Vault). */
        initialized: z.boolean().default(false),
        /** Where Pulumi reaches Vault (https), e.g. `https://127.0.0.1:8200` through a port-forward. Required when initialized. */
        address: z.string().regex(/^https:\/\/[^/]+/, { message: "must be an https:// URL" }).optional(),
        /** File with Vault's CA PEM on the machine running Pulumi (stack output `clusters.<name>.vaultCaCertificatePem`). Required when initialized. */
        caCertFile: z.string().min(1).optional(),
        /** TLS server name to verify when the address is not on the certificate. */
        tlsServerName: z.string().min(1).optional(),
        /** Config key (`namespace:key`) holding the Vault token as a secret; default `vault:token` (when `appRole` is not set). */
        tokenConfigKey: configKey.optional(),
        /** Log in with AppRole instead of a token. */
        appRole: z
          .strictObject({
            mountPath: mountPath.default("approle"),
            roleId: z.string().min(1),
            /** Config key (`namespace:key`) holding the secret id as a secret. */
            secretIdConfigKey: configKey,
          })
          .optional(),
        /** Kubernetes auth mount path; default `kubernetes`. */
        authPath: mountPath.default("kubernetes"),
        /** KV v2 mount path; default `secret`. */
        kvPath: mountPath.default("secret"),
        /** KV versions kept; default 10. */
        kvMaxVersions: z.number().int().min(1).max(100).default(10),
        /** The file audit device's log (a path on the audit volume); default `/vault/audit/vault-audit.log`. */
        auditFilePath: z
          .string()
          .refine((p) => /^\/vault\/audit\/[^/]+\.log$/.test(p), { message: "must be a *.log file directly under /vault/audit/ (where the reloader rotates it)" })
          .default("/vault/audit/vault-audit.log"),
        /** A second audit device writing to stdout, so a full audit volume cannot block Vault; default true. */
        auditStdout: z.boolean().default(true),
        /** Workload roles, each with its own policy. */
        roles: z.array(role).default([]),
        /** Dynamic PostgreSQL credentials (VaultDatabaseCredentials); the root password comes from a secret config key. */
        databases: z.array(database).default([]),
        /**
         * Auth mounts for the other clusters of a fleet (one per cluster): their API server, CA, and the config
         * key (`namespace:key`, a secret) holding a token reviewer JWT of that cluster. `cluster` names the
         * cluster of this stack on which the reviewer service account is created.
         */
        remoteClusters: z
          .array(
            z.strictObject({
              path: mountPath,
              /** The cluster of this stack the mount is for: its reviewer service account is created there. */
              cluster: label.optional(),
              kubernetesHost: z.string().regex(/^https:\/\//, { message: "must be an https:// URL" }),
              kubernetesCaCert: z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" }),
              tokenReviewerJwtConfigKey: configKey,
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
        if (c.initialized) {
          if (c.address === undefined) ctx.addIssue({ code: "custom", path: ["address"], message: "required when initialized (where Pulumi reaches Vault; the in-cluster address does not resolve outside the cluster)" });
          if (c.caCertFile === undefined) ctx.addIssue({ code: "custom", path: ["caCertFile"], message: "required when initialized (the file with Vault's CA certificate)" });
        }
        if (c.tokenConfigKey !== undefined && c.appRole !== undefined) ctx.addIssue({ code: "custom", path: ["appRole"], message: "set tokenConfigKey or appRole, not both" });
        c.databases.forEach((db, i) => addComponentProblems(ctx, ["databases", i], validateVaultDatabaseCredentials(databaseArgs(db))));
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
    tls: section.tls.extraDnsNames.length > 0 ? { extraDnsNames: section.tls.extraDnsNames } : undefined,
    exposure: section.exposure?.loadBalancer ? { loadBalancer: section.exposure.loadBalancer } : undefined,
    auditRotation: section.auditRotation,
  };
}

/** SecretsStoreCsiDriver's arguments for the section. */
function csiDriverArgs(section: NonNullable<VaultSection>): SecretsStoreCsiDriverArgs {
  return { namespace: section.csi.driverNamespace, syncSecret: false, rotation: true, rotationPollInterval: section.csi.rotationPollInterval };
}

/**
 * The `vault` part of the cluster's platform. Stage 2 (`configuration`) only when `configuration.initialized`;
 * its credentials are read here as secrets from their config keys, never from the stack file in plain text.
 */
export function vaultArgs(_ctx: ClusterContext, section: VaultSection): PlatformVaultArgs | undefined {
  if (!section || !section.enabled) return undefined;
  const cluster = vaultClusterArgs(section);
  const conf = section.configuration;
  let configuration: PlatformVaultConfigurationArgs | undefined;
  if (conf?.initialized) {
    const roleArgs = (r: z.infer<typeof role>) => ({
      name: r.name,
      serviceAccounts: r.serviceAccounts,
      namespaces: r.namespaces,
      rules: r.rules,
      tokenTtlSeconds: r.tokenTtlSeconds,
      tokenMaxTtlSeconds: r.tokenMaxTtlSeconds,
    });
    configuration = {
      ...(conf.appRole
        ? { appRoleLogin: { mountPath: conf.appRole.mountPath, roleId: conf.appRole.roleId, secretId: secretConfig(conf.appRole.secretIdConfigKey) } }
        : { token: secretConfig(conf.tokenConfigKey ?? "vault:token") }),
      address: conf.address!,
      caCertFile: conf.caCertFile!,
      tlsServerName: conf.tlsServerName,
      authPath: conf.authPath,
      kv: { path: conf.kvPath, maxVersions: conf.kvMaxVersions, casRequired: true },
      auditDevices: [
        { path: "file", file: { filePath: conf.auditFilePath, mode: "0600" } },
        ...(conf.auditStdout ? [{ path: "stdout", file: { filePath: "stdout" } }] : []),
      ],
      databases: conf.databases.map((db) => databaseArgs(db, secretConfig(db.postgresql.passwordConfigKey))),
      roles: conf.roles.map((r) => ({ ...roleArgs(r), csiObjects: r.csiObjects })),
      remoteClusters: conf.remoteClusters.map((remote) => ({
        path: remote.path,
        kubernetesHost: remote.kubernetesHost,
        kubernetesCaCert: remote.kubernetesCaCert,
        tokenReviewerJwt: secretConfig(remote.tokenReviewerJwtConfigKey),
        roles: remote.roles.map(roleArgs),
      })),
    };
  }
  return {
    cluster,
    csiDriver: section.csi.enabled ? csiDriverArgs(section) : undefined,
    configuration,
  };
}
