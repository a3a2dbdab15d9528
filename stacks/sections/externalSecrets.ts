/**
 * Stack section `externalSecrets` of a cluster: the External Secrets Operator, optionally a cloud identity
 * for it (AWS / GCP / Azure), its SecretStores, example or real ExternalSecrets, and alerts.
 *
 *   externalSecrets:
 *     operator: { replicas: 2 }
 *     stores:
 *       - name: vault
 *         namespace: apps
 *         vault: { server: https://vault.vault.svc:8200, role: external-secrets, caProvider: { type: ConfigMap, name: vault-ca, key: ca.crt } }
 *     externalSecrets:
 *       - { name: db, namespace: apps, store: vault, data: [{ secretKey: password, key: apps/db, property: password }] }
 *
 * Every rule of the components is checked here too, so a bad stack file fails before anything runs with
 * `kube-secrets-platform:clusters[i].externalSecrets.<path>: <rule>`.
 */
import { z } from "zod";
import {
  validateAwsSecretsManagerAccess,
  validateAzureKeyVaultAccess,
  validateExternalSecret,
  validateExternalSecretsOperator,
  validateGcpSecretManagerAccess,
  validateSecretStore,
  type AwsSecretsManagerAccessArgs,
  type ExternalSecretArgs,
  type ExternalSecretsOperatorArgs,
  type SecretStoreArgs,
} from "../../components/external-secrets";
import { DNS1123_SUBDOMAIN } from "../../components/internal/naming";
import type { PlatformExternalSecretsArgs } from "../../components/platform/secretsPlatform";
import { fieldPathParts, type ClusterContext, labelSchema } from "./context";

const label = labelSchema;
const objectName = z.string().max(253).regex(DNS1123_SUBDOMAIN, { message: "must be an RFC 1123 subdomain" });
const stringMap = z.record(z.string(), z.string());
// Ranges and required values are checked by the components (below), once, with their messages.
const replicas = z.number().int();

const operatorConfig = z.strictObject({
  /** Namespace of the operator. */
  namespace: label.default("external-secrets"),
  /** Controller replicas (leader election keeps one active). */
  replicas: replicas.default(2),
  webhookReplicas: replicas.default(2),
  certControllerReplicas: replicas.default(2),
  /** Prometheus Operator ServiceMonitors (needs the monitoring.coreos.com CRDs). */
  serviceMonitor: z.boolean().default(false),
  /** Extra annotations for the controller's service account (identity annotations are added automatically). */
  serviceAccountAnnotations: stringMap.default({}),
  /** Extra chart values merged last (escape hatch). */
  extraValues: z.record(z.string(), z.unknown()).default({}),
});

const identityConfig = z.strictObject({
  aws: z
    .strictObject({
      mode: z.enum(["pod-identity", "irsa"]).default("pod-identity"),
      clusterName: z.string().min(1).optional(),
      oidcProviderArn: z.string().min(1).optional(),
      oidcProviderUrl: z.string().min(1).optional(),
      secretArns: z.array(z.string()).default([]),
      parameterArns: z.array(z.string()).default([]),
      kmsKeyArns: z.array(z.string()).default([]),
    })
    .optional(),
  gcp: z.strictObject({ project: z.string().min(1), secretProject: z.string().min(1).optional(), secrets: z.array(z.string()) }).optional(),
  azure: z.strictObject({ resourceGroupName: z.string().min(1), keyVaultId: z.string().min(1), oidcIssuerUrl: z.string().min(1) }).optional(),
});

const storeConfig = z.strictObject({
  /** Store name. */
  name: objectName,
  /** Namespace of a SecretStore; omit with clusterScoped. */
  namespace: label.optional(),
  /** A ClusterSecretStore (must carry conditions unless allowAllNamespaces). */
  clusterScoped: z.boolean().default(false),
  conditions: z
    .array(
      z.strictObject({
        namespaces: z.array(label).optional(),
        namespaceSelector: z.strictObject({ matchLabels: stringMap }).optional(),
        namespaceRegexes: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  allowAllNamespaces: z.boolean().optional(),
  vault: z
    .strictObject({
      server: z.string(),
      path: z.string().min(1).default("secret"),
      version: z.enum(["v1", "v2"]).default("v2"),
      mountPath: z.string().min(1).default("kubernetes"),
      role: z.string(),
      /** PEM CA bundle of Vault's certificate. */
      caBundle: z.string().optional(),
      /** Or a ConfigMap/Secret holding it (in the store's namespace). */
      caProvider: z.strictObject({ type: z.enum(["ConfigMap", "Secret"]), name: z.string().min(1), key: z.string().min(1) }).optional(),
      /** Or the CA of the Vault that cluster `<name>` of this stack runs (a fleet hub): handed over by the program. */
      caFromCluster: label.optional(),
    })
    .superRefine((v, ctx) => {
      const set = (["caBundle", "caProvider", "caFromCluster"] as const).filter((k) => v[k] !== undefined);
      if (set.length > 1) ctx.addIssue({ code: "custom", path: [set[1]], message: `set one of caBundle, caProvider, caFromCluster, got ${set.join(" and ")}` });
    })
    .optional(),
  aws: z.strictObject({ region: z.string().min(1), service: z.enum(["SecretsManager", "ParameterStore"]).default("SecretsManager"), role: z.string().optional() }).optional(),
  gcpsm: z.strictObject({ projectId: z.string().min(1), location: z.string().optional() }).optional(),
  azurekv: z.strictObject({ vaultUrl: z.string(), tenantId: z.string().optional() }).optional(),
});

const externalSecretConfig = z.strictObject({
  /** ExternalSecret name (also the Secret's unless targetName). */
  name: objectName,
  namespace: label,
  /** Name of a store of this section. */
  store: objectName,
  refreshInterval: z.string().default("1h"),
  /** Opt-in to refresh intervals below one minute. */
  allowFastRefresh: z.boolean().default(false),
  refreshPolicy: z.enum(["Periodic", "OnChange", "CreatedOnce"]).optional(),
  /** Name of the Secret created. Default: the ExternalSecret's name. */
  targetName: objectName.optional(),
  data: z.array(z.strictObject({ secretKey: z.string().min(1), key: z.string().min(1), property: z.string().optional() })).default([]),
  /** Keys whose every property becomes a key of the Secret. */
  extract: z.array(z.string().min(1)).default([]),
});

type OperatorConfig = z.infer<typeof operatorConfig>;
type StoreConfig = z.infer<typeof storeConfig>;
type ExternalSecretConfig = z.infer<typeof externalSecretConfig>;
type IdentityConfig = z.infer<typeof identityConfig>;

function operatorArgs(c: OperatorConfig): ExternalSecretsOperatorArgs {
  return {
    namespace: c.namespace,
    replicas: c.replicas,
    webhookReplicas: c.webhookReplicas,
    certControllerReplicas: c.certControllerReplicas,
    serviceMonitor: { enabled: c.serviceMonitor },
    serviceAccount: { annotations: c.serviceAccountAnnotations },
    extraValues: c.extraValues,
  };
}

function awsArgs(c: NonNullable<IdentityConfig["aws"]>, namespace: string): AwsSecretsManagerAccessArgs {
  return {
    mode: c.mode,
    clusterName: c.clusterName,
    oidcProvider: c.oidcProviderArn !== undefined && c.oidcProviderUrl !== undefined ? { arn: c.oidcProviderArn, url: c.oidcProviderUrl } : undefined,
    namespace,
    secretArns: c.secretArns,
    parameterArns: c.parameterArns,
    kmsKeyArns: c.kmsKeyArns,
  };
}

function storeArgs(s: StoreConfig): SecretStoreArgs {
  return {
    clusterScoped: s.clusterScoped,
    namespace: s.namespace,
    storeName: s.name,
    conditions: s.conditions,
    allowAllNamespaces: s.allowAllNamespaces,
    provider: {
      vault: s.vault && {
        server: s.vault.server,
        path: s.vault.path,
        version: s.vault.version,
        caBundle: s.vault.caBundle,
        caProvider: s.vault.caProvider,
        auth: { kubernetes: { mountPath: s.vault.mountPath, role: s.vault.role } },
      },
      aws: s.aws && { region: s.aws.region, service: s.aws.service, role: s.aws.role },
      gcpsm: s.gcpsm && { projectId: s.gcpsm.projectId, location: s.gcpsm.location },
      azurekv: s.azurekv && { vaultUrl: s.azurekv.vaultUrl, tenantId: s.azurekv.tenantId },
    },
  };
}

function externalSecretArgs(e: ExternalSecretConfig, store: StoreConfig | undefined): ExternalSecretArgs {
  return {
    namespace: e.namespace,
    externalSecretName: e.name,
    storeRef: { name: e.store, kind: store?.clusterScoped ? "ClusterSecretStore" : "SecretStore" },
    refreshInterval: e.refreshInterval,
    allowFastRefresh: e.allowFastRefresh,
    refreshPolicy: e.refreshPolicy,
    target: e.targetName ? { name: e.targetName } : undefined,
    data: e.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key, property: d.property } })),
    dataFrom: e.extract.map((key) => ({ extract: { key } })),
  };
}

/** Component field paths → this section's config paths. */
const STORE_FIELDS: Array<[RegExp, string]> = [
  [/^provider\.vault\.auth\.kubernetes\./, "vault."],
  [/^provider\.vault\.caProvider(\.|$)/, "vault.caProvider$1"],
  [/^provider\.(vault|aws|gcpsm|azurekv)(\.|$)/, "$1$2"],
  [/^provider$/, ""],
  [/^storeName$/, "name"],
];
const EXTERNAL_SECRET_FIELDS: Array<[RegExp, string]> = [
  [/^data\[(\d+)\]\.remoteRef\./, "data[$1]."],
  [/^dataFrom(\[\d+\])?/, "extract$1"],
  [/^externalSecretName$/, "name"],
  [/^target\.name$/, "targetName"],
  [/^storeRef(\..*)?$/, "store"],
];

function splitProblem(problem: string): [string, string] {
  const at = problem.indexOf(": ");
  return at < 0 ? ["", problem] : [problem.slice(0, at), problem.slice(at + 2)];
}

/** SecretStores on the cluster's own Vault, through a Vault role the platform binds to ESO's controller. */
const vaultStoreConfig = z.strictObject({
  /** Namespaces that get a SecretStore. */
  namespaces: z.array(label).min(1),
  /** Store name. Default `vault`. */
  storeName: objectName.default("vault"),
  /** Vault role name. Default `external-secrets`. */
  role: z.string().min(1).default("external-secrets"),
  /** KV v2 data paths ESO may read. Default `secret/data/platform/*`. */
  paths: z.array(z.string().min(1)).min(1).default(["secret/data/platform/*"]),
});

const sectionShape = z.strictObject({
  operator: operatorConfig.default(() => operatorConfig.parse({})),
  /** Stores on this cluster's Vault (needs the vault section with configuration.enabled). */
  vaultStore: vaultStoreConfig.optional(),
  /** A cloud identity for the controller (its annotations go on the controller's service account). */
  identity: identityConfig.default({}),
  stores: z.array(storeConfig).default([]),
  externalSecrets: z.array(externalSecretConfig).default([]),
  /** A PrometheusRule on ESO's metrics (needs the Prometheus Operator CRDs). */
  alerts: z.strictObject({ enabled: z.boolean().default(false), labels: stringMap.default({}) }).default({ enabled: false, labels: {} }),
});

export const externalSecretsSection = sectionShape
  .superRefine((section, ctx) => {
    try {
      refineSection(section, ctx);
    } catch {
      // Only reachable when the shape itself is wrong: zod has already reported that.
    }
  })
  .optional();
export type ExternalSecretsSection = z.infer<typeof externalSecretsSection>;

type SectionValue = z.infer<typeof sectionShape>;

function refineSection(section: SectionValue, ctx: z.RefinementCtx): void {
    // Component problems read `field.path: rule`; report them at the matching config path.
    const add = (path: PropertyKey[], problems: string[], rename: Array<[RegExp, string]> = []) =>
      problems.forEach((problem) => {
        const [field, message] = splitProblem(problem);
        ctx.addIssue({ code: "custom", path: [...path, ...fieldPathParts(rename.reduce((f, [re, to]) => f.replace(re, to), field))], message });
      });
    add(["operator"], validateExternalSecretsOperator(operatorArgs(section.operator)));
    if (section.identity.aws) add(["identity", "aws"], validateAwsSecretsManagerAccess(awsArgs(section.identity.aws, section.operator.namespace)));
    if (section.identity.gcp) add(["identity", "gcp"], validateGcpSecretManagerAccess(section.identity.gcp));
    if (section.identity.azure) add(["identity", "azure"], validateAzureKeyVaultAccess(section.identity.azure));
    const stores = new Map<string, StoreConfig>();
    section.stores.forEach((s, i) => {
      if (stores.has(s.name)) add(["stores", i, "name"], [`duplicate store "${s.name}"`]);
      stores.set(s.name, s);
      add(["stores", i], validateSecretStore(storeArgs(s)), STORE_FIELDS);
    });
    section.externalSecrets.forEach((e, i) => {
      const store = stores.get(e.store);
      const onVault = section.vaultStore && section.vaultStore.storeName === e.store && section.vaultStore.namespaces.includes(e.namespace);
      if (onVault) {
        add(["externalSecrets", i], validateExternalSecret(externalSecretArgs(e, undefined)), EXTERNAL_SECRET_FIELDS);
        return;
      }
      if (!store) add(["externalSecrets", i, "store"], [`must name a store of externalSecrets.stores or the vaultStore in its namespace, got "${e.store}"`]);
      else if (!store.clusterScoped && store.namespace !== e.namespace) {
        add(["externalSecrets", i, "store"], [`SecretStore "${e.store}" is in namespace ${store.namespace}, not ${e.namespace}`]);
      }
      add(["externalSecrets", i], validateExternalSecret(externalSecretArgs(e, store)), EXTERNAL_SECRET_FIELDS);
    });
}

/** The `externalSecrets` part of the cluster's platform (identity annotations and the Vault store are wired by the platform). */
export function externalSecretsArgs(_ctx: ClusterContext, section: ExternalSecretsSection): PlatformExternalSecretsArgs | undefined {
  if (!section) return undefined;
  const namespace = section.operator.namespace;
  const storeByName = new Map(section.stores.map((s) => [s.name, s]));
  return {
    operator: operatorArgs(section.operator),
    aws: section.identity.aws && awsArgs(section.identity.aws, namespace),
    gcp: section.identity.gcp && { ...section.identity.gcp, namespace },
    azure: section.identity.azure && { ...section.identity.azure, namespace },
    vaultStore: section.vaultStore,
    stores: section.stores.map(storeArgs),
    externalSecrets: section.externalSecrets.map((e) => externalSecretArgs(e, storeByName.get(e.store))),
    alerts: section.alerts.enabled ? { namespace, labels: section.alerts.labels } : undefined,
  };
}
