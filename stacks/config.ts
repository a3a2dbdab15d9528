/**
 * Typed stack configuration. Every key under the `kube-secrets-platform:` namespace of a
 * `Pulumi.<stack>.yaml` is validated here with zod; every problem is reported as
 * `kube-secrets-platform:<key>.<path>: <rule>` and all of them are thrown at once as a
 * {@link StackConfigError} before any resource is created.
 */
import { adoptedProblems, adoptedSection } from "./adopted";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { POD_SECURITY_LEVELS } from "../components/platform/hardenedNamespace";
import { createProblems, createSection } from "./clusters";
import { auditIdentityProblems, auditSection } from "./sections/audit";
import { addComponentProblems, labelSchema } from "./sections/context";
import { sealedSecretsResourceName } from "../components/platform/secretsPlatform";
import { sealingKeyStoreProblems } from "../components/platform/sealingKeyStore";
import { encryptionKindProblems, encryptionSection } from "./sections/encryption";
import { externalSecretsSection, identityArgs } from "./sections/externalSecrets";
import { rbacSection } from "./sections/rbac";
import { ipv4Cidr } from "./sections/rules";
import { sealedSecretsSection } from "./sections/sealedSecrets";
import { vaultSection } from "./sections/vault";

/** The Pulumi project name and config namespace. */
export const PROJECT = "kube-secrets-platform";

export const CLUSTER_KINDS = ["self-managed", "eks", "gke", "aks"] as const;

/** Thrown when the stack configuration is invalid; `problems` holds one `key.path: rule` per problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

const label = labelSchema;
const psaLevel = z.enum(POD_SECURITY_LEVELS);

const namespaceConfig = z.strictObject({
  /** Namespace name. */
  name: label,
  /** Pod Security Admission level enforced; default `restricted`. */
  podSecurity: psaLevel.default("restricted"),
  /** Default-deny NetworkPolicy (plus DNS egress); default: the cluster's networkPolicies.enabled (true). */
  defaultDenyNetworkPolicy: z.boolean().optional(),
});

/** NetworkPolicies of the namespaces the platform creates (see components/platform/networkPolicies.ts). */
const networkPoliciesConfig = z.strictObject({
  /** Default-deny plus per-controller allow rules; default true. */
  enabled: z.boolean().default(true),
  /** The API server's CIDRs (webhook callers, egress target); default 0.0.0.0/0 on the API ports only. */
  apiServerCidrs: z.array(ipv4Cidr).min(1).optional(),
  /** CIDRs of the cloud APIs on 443; default 0.0.0.0/0 without the link-local (metadata) range. */
  cloudApiCidrs: z.array(ipv4Cidr).min(1).optional(),
  /** Sources outside the cluster allowed to reach Vault on 8200 (the other clusters of a fleet); default none. */
  vaultClientCidrs: z.array(ipv4Cidr).optional(),
});

/** How the stack reaches an existing cluster (adoption). Both empty: the ambient kubeconfig. */
const kubernetesAccess = z.strictObject({
  /** Path of a kubeconfig file, or its contents. */
  kubeconfig: z.string().min(1).optional(),
  /** kubeconfig context to use. */
  context: z.string().min(1).optional(),
});

export const clusterConfig = z
  .strictObject({
  /** Cluster name: prefixes every resource of this cluster. */
  name: label,
  /** Cluster kind: self-managed (kubeadm, k3s, kind…), eks, gke or aks. */
  kind: z.enum(CLUSTER_KINDS).default("self-managed"),
  /** How to reach an existing cluster (adopt mode). */
  kubernetes: kubernetesAccess.default({}),
  /** Create the cluster instead (create mode, see stacks/clusters.ts): one of eks, gke, aks, matching `kind`. */
  create: createSection,
  /** Extra hardened namespaces for application workloads. */
  namespaces: z.array(namespaceConfig).default([]),
  /**
   * Kubernetes version of the cluster (`1.33`): pins the Pod Security Admission version of the platform's
   * namespaces. Default: the created cluster's version, else the adopted cluster's as read, else v1.33.
   */
  kubernetesVersion: z.string().regex(/^v?1\.\d+(\.\d+)?$/, { message: "must be a Kubernetes version such as 1.33" }).optional(),
  networkPolicies: networkPoliciesConfig.default({ enabled: true }),
  /** An adopted cloud cluster, read so the pack judges its encryption and audit logs (stacks/adopted.ts). */
  adopted: adoptedSection,
  encryption: encryptionSection,
  vault: vaultSection,
  externalSecrets: externalSecretsSection,
  sealedSecrets: sealedSecretsSection,
  audit: auditSection,
  rbac: rbacSection,
  })
  .superRefine((c, ctx) => {
    // Rules across sections, and between a section and the cluster kind.
    addComponentProblems(ctx, ["encryption"], encryptionKindProblems(c.kind, c.encryption));
    for (const k of ["eks", "gke", "aks"] as const) {
      if (c.audit[k] !== undefined && c.kind !== k) ctx.addIssue({ code: "custom", path: ["audit", k], message: `only for clusters of kind ${k}, got kind ${c.kind}` });
    }
    if (c.externalSecrets?.vaultStore && !c.vault?.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["externalSecrets", "vaultStore"],
        message: "needs the vault section (the stores point at this cluster's Vault; its role is created in stage 2, vault.configuration.initialized)",
      });
    }
    for (const p of createProblems(c)) ctx.addIssue({ code: "custom", ...p });
    for (const p of adoptedProblems(c)) ctx.addIssue({ code: "custom", ...p });
    for (const p of auditIdentityProblems(c.audit, c.create !== undefined)) ctx.addIssue({ code: "custom", path: ["audit", ...p.path], message: p.message });
    for (const p of clusterRuleProblems(c)) ctx.addIssue({ code: "custom", ...p });
    const roles = c.vault?.configuration?.roles ?? [];
    const storeRole = c.externalSecrets?.vaultStore?.role;
    if (storeRole && roles.some((r) => r.name === storeRole)) {
      ctx.addIssue({ code: "custom", path: ["externalSecrets", "vaultStore", "role"], message: `"${storeRole}" is also in vault.configuration.roles (the platform creates it)` });
    }
  });
export type ClusterConfig = z.infer<typeof clusterConfig>;

/** Namespaces Kubernetes owns: never an application namespace of the stack. */
export const RESERVED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"] as const;

/**
 * The namespaces the cluster's platform creates or installs into (each with its own Pod Security level), by
 * the config field that names it.
 */
export function platformNamespaces(c: z.infer<typeof clusterConfig>): Map<string, string> {
  const out = new Map<string, string>();
  if (c.vault?.enabled) {
    out.set(c.vault.namespace, "vault.namespace");
    if (c.vault.csi.enabled) out.set(c.vault.csi.driverNamespace, "vault.csi.driverNamespace");
  }
  if (c.externalSecrets) out.set(c.externalSecrets.operator.namespace, "externalSecrets.operator.namespace");
  if (c.sealedSecrets) out.set(c.sealedSecrets.namespace, "sealedSecrets.namespace");
  const r = c.encryption?.reencryption;
  if (c.encryption?.enabled && r?.enabled) out.set(r.jobNamespace, "encryption.reencryption.jobNamespace");
  return out;
}

/**
 * Users and groups that stand for every caller of a kind: silencing them silences the audit log of Secrets.
 * (`system:authenticated` and `system:unauthenticated` are refused by the audit policy component itself.)
 */
const EVERYONE = ["system:serviceaccounts", "system:anonymous"];

/**
 * Rules of a cluster across its sections (zod paths relative to the cluster): application namespaces, audit
 * silencing, the sealing-key backup's store, secure defaults of cloud clusters, resource-name collisions.
 */
function clusterRuleProblems(c: z.infer<typeof clusterConfig>): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const platform = platformNamespaces(c);
  const declared = new Map<string, number>();
  c.namespaces.forEach((ns, i) => {
    if ((RESERVED_NAMESPACES as readonly string[]).includes(ns.name)) {
      out.push({ path: ["namespaces", i, "name"], message: `"${ns.name}" is a Kubernetes namespace, not an application namespace (its Pod Security level is not the stack's to set)` });
    } else if (platform.has(ns.name)) {
      out.push({ path: ["namespaces", i, "name"], message: `"${ns.name}" is the platform's namespace (${platform.get(ns.name)}): choose another name for applications` });
    }
    const first = declared.get(ns.name);
    if (first !== undefined) {
      const levels = c.namespaces[first].podSecurity === ns.podSecurity ? "" : ` with another Pod Security level (${c.namespaces[first].podSecurity} and ${ns.podSecurity})`;
      out.push({ path: ["namespaces", i, "name"], message: `namespace "${ns.name}" is already declared at namespaces[${first}]${levels}` });
    } else declared.set(ns.name, i);
  });

  if (c.audit.enabled) {
    c.audit.silencedUserGroups.forEach((g, i) => {
      if (EVERYONE.includes(g)) {
        out.push({ path: ["audit", "silencedUserGroups", i], message: `"${g}" stands for every caller of its kind: silencing it hides who reads Secrets; silence individual users instead` });
      }
    });
    c.audit.silencedUsers.forEach((u, i) => {
      if (EVERYONE.includes(u)) out.push({ path: ["audit", "silencedUsers", i], message: `"${u}" stands for every caller of its kind: its traffic must stay in the audit log` });
    });
  }

  // The sealing key's backup/import: through keyStore, the platform's store with an identity of its own.
  if (c.sealedSecrets) {
    const rename = (text: string) =>
      text
        // The stack file has no store names: there the missing piece is the keyStore.
        .replace(/^sealedSecrets\.controller\.(keyBackup|keyImport)\.secretStoreName: required without .*$/, "sealedSecrets.keyStore: required with $1 (the key's own store and identity: one of aws, gcp, azure, vault)")
        .replace(/sealedSecrets\.controller\./g, "sealedSecrets.").replace(/externalSecrets\.(aws|gcp|azure)\b/g, "externalSecrets.identity.$1");
    const problems = sealingKeyStoreProblems({
      platformName: c.name,
      clusterName: c.name,
      controllerResourceName: sealedSecretsResourceName(c.name),
      controllerNamespace: c.sealedSecrets.namespace,
      keyStore: c.sealedSecrets.keyStore,
      controller: { keyBackup: c.sealedSecrets.keyBackup, keyImport: c.sealedSecrets.keyImport },
      hasExternalSecrets: c.externalSecrets !== undefined,
      sources: c.externalSecrets ? identityArgs(c.externalSecrets.identity) : {},
      sharedStoreNames: [],
      hasVault: c.vault?.enabled === true,
      hasVaultConfiguration: c.vault?.enabled === true && c.vault.configuration?.initialized === true,
    });
    addComponentProblems({ addIssue: ({ path, message }) => out.push({ path, message }) }, [], problems.map(rename));
  }

  // Secure defaults on cloud clusters: no silent "nothing". A created cluster's own rules ask for both.
  if (c.kind !== "self-managed" && !c.create) {
    // A member of another kind is already an error of its own.
    const enc = c.encryption;
    if (!enc || (enc.enabled && !enc.selfManaged && !enc.eks && !enc.gke && !enc.aks)) {
      out.push({
        path: enc ? ["encryption", c.kind] : ["encryption"],
        message: `required on a ${c.kind} cluster: encryption.${c.kind} (the KMS key Secrets are encrypted with); set encryption.enabled: false to opt out explicitly`,
      });
    }
    if (c.audit.enabled && !c.audit.eks && !c.audit.gke && !c.audit.aks) {
      out.push({ path: ["audit", c.kind], message: `required on a ${c.kind} cluster: audit.${c.kind} (the control plane's audit log); set audit.enabled: false to opt out explicitly` });
    }
  }

  // Pulumi resource names the program derives from config must not collide (a URN collision fails at deploy time).
  if (c.sealedSecrets) {
    const names = new Map<string, string>();
    c.sealedSecrets.secrets.forEach((x, i) =>
      x.generatedKeys.forEach((k, j) => {
        const name = `${x.namespace}-${x.name}-${k}`;
        const first = names.get(name);
        if (first) out.push({ path: ["sealedSecrets", "secrets", i, "generatedKeys", j], message: `gives the generated value the same resource name as ${first} ("${c.name}-${name}"): rename one` });
        else names.set(name, `sealedSecrets.secrets[${i}].generatedKeys[${j}]`);
      }),
    );
  }
  return out;
}

/** The whole stack config (keys under `kube-secrets-platform:`). */
export const stackConfig = z
  .strictObject({
    /** Free-form environment name (dev, prod…), recorded as a label. */
    environment: z.string().min(1).default("dev"),
    /** The clusters this stack manages: at least one, unique names. */
    clusters: z.array(clusterConfig).min(1),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.clusters.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["clusters", i, "name"], message: `duplicate cluster name "${c.name}"` });
      seen.add(c.name);
    });
    // Fleet links between clusters of the stack: a spoke's store trusts the hub's Vault CA, a hub's remote auth
    // mount creates its reviewer service account on the spoke.
    const withVault = new Set(cfg.clusters.filter((c) => c.vault?.enabled).map((c) => c.name));
    cfg.clusters.forEach((c, i) => {
      (c.externalSecrets?.stores ?? []).forEach((st, j) => {
        const hub = st.vault?.caFromCluster;
        if (hub !== undefined && !withVault.has(hub)) {
          ctx.addIssue({ code: "custom", path: ["clusters", i, "externalSecrets", "stores", j, "vault", "caFromCluster"], message: `must name a cluster of this stack that runs Vault, got "${hub}"` });
        }
      });
      (c.vault?.configuration?.remoteClusters ?? []).forEach((r, j) => {
        if (r.cluster !== undefined && (!seen.has(r.cluster) || r.cluster === c.name)) {
          ctx.addIssue({ code: "custom", path: ["clusters", i, "vault", "configuration", "remoteClusters", j, "cluster"], message: `must name another cluster of this stack, got "${r.cluster}"` });
        }
      });
    });
  });
export type StackConfig = z.infer<typeof stackConfig>;

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  const [key, ...rest] = path;
  let out = `${PROJECT}:${String(key ?? "")}`;
  for (const p of rest) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}

/**
 * Validates raw config (keys without the project prefix, values already parsed from JSON) and returns
 * the typed config with defaults applied, or throws a {@link StackConfigError} listing every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = stackConfig.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`);
    }
    if (issue.path.length === 0) return [`${PROJECT}: ${issue.message}`];
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
  throw new StackConfigError(problems);
}

/**
 * Problems of the config keys the stack config names (`vault.configuration.tokenConfigKey` or
 * `appRole.secretIdConfigKey`, each database's `passwordConfigKey`, each remote cluster's
 * `tokenReviewerJwtConfigKey`) when the configuration stage is on: each must be set, and, when `secretKeys` is given, be a secret
 * (`pulumi config set --secret`). Reported at the naming field, never with the value.
 */
export function configKeyProblems(cfg: StackConfig, config: Record<string, string>, secretKeys?: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const check = (key: string, field: string) => {
    if (config[key] === undefined) problems.push(`${field}: config key "${key}" is not set (pulumi config set --secret ${key} <value>)`);
    else if (secretKeys && !secretKeys.has(key)) problems.push(`${field}: config key "${key}" must be a secret (pulumi config set --secret ${key} <value>), not plain text`);
  };
  cfg.clusters.forEach((c, i) => {
    const conf = c.vault?.enabled ? c.vault.configuration : undefined;
    if (!conf?.initialized) return;
    const base = `${PROJECT}:clusters[${i}].vault.configuration`;
    if (conf.appRole) check(conf.appRole.secretIdConfigKey, `${base}.appRole.secretIdConfigKey`);
    else check(conf.tokenConfigKey ?? "vault:token", `${base}.tokenConfigKey`);
    conf.databases.forEach((db, j) => check(db.postgresql.passwordConfigKey, `${base}.databases[${j}].postgresql.passwordConfigKey`));
    conf.remoteClusters.forEach((r, j) => check(r.tokenReviewerJwtConfigKey, `${base}.remoteClusters[${j}].tokenReviewerJwtConfigKey`));
  });
  return problems;
}

/** Reads every `kube-secrets-platform:*` key of the current stack and validates it. */
export function loadStackConfig(): StackConfig {
  const all = pulumi.runtime.allConfig();
  const cfg = parseStackConfig(projectConfig(all));
  const missing = configKeyProblems(cfg, all);
  if (missing.length > 0) throw new StackConfigError(missing);
  return cfg;
}

/**
 * The `kube-secrets-platform:*` entries of a Pulumi config map (full keys → values as Pulumi passes them,
 * structured values as JSON), keyed without the prefix and parsed: what {@link parseStackConfig} takes.
 */
export function projectConfig(config: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      // a plain string value
    }
    raw[fullKey.slice(PROJECT.length + 1)] = parsed;
  }
  return raw;
}
