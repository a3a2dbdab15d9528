/**
 * Typed stack configuration. Every key under the `kube-secrets-platform:` namespace of a
 * `Pulumi.<stack>.yaml` is validated here with zod; every problem is reported as
 * `kube-secrets-platform:<key>.<path>: <rule>` and all of them are thrown at once as a
 * {@link StackConfigError} before any resource is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { POD_SECURITY_LEVELS } from "../components/platform/hardenedNamespace";
import { createProblems, createSection } from "./clusters";
import { auditIdentityProblems, auditSection } from "./sections/audit";
import { addComponentProblems, labelSchema } from "./sections/context";
import { encryptionKindProblems, encryptionSection } from "./sections/encryption";
import { externalSecretsSection } from "./sections/externalSecrets";
import { rbacSection } from "./sections/rbac";
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
  /** Default-deny NetworkPolicy; default false. */
  defaultDenyNetworkPolicy: z.boolean().default(false),
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
    for (const p of auditIdentityProblems(c.audit, c.create !== undefined)) ctx.addIssue({ code: "custom", path: ["audit", ...p.path], message: p.message });
    const roles = c.vault?.configuration?.roles ?? [];
    const storeRole = c.externalSecrets?.vaultStore?.role;
    if (storeRole && roles.some((r) => r.name === storeRole)) {
      ctx.addIssue({ code: "custom", path: ["externalSecrets", "vaultStore", "role"], message: `"${storeRole}" is also in vault.configuration.roles (the platform creates it)` });
    }
  });
export type ClusterConfig = z.infer<typeof clusterConfig>;

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

/** Reads every `kube-secrets-platform:*` key of the current stack and validates it. */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(projectConfig(pulumi.runtime.allConfig()));
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
