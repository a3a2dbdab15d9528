/**
 * Stack section `externalSecrets` of a cluster: the External Secrets Operator, cloud identities for its
 * stores (AWS / GCP / Azure, each trusting the stores' own service accounts `eso-<store>`), its
 * SecretStores, example or real ExternalSecrets, and alerts.
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
  validateClusterExternalSecret,
  validateExternalSecret,
  validatePushSecret,
  type ClusterExternalSecretArgs,
  type PushSecretArgs,
  validateExternalSecretsOperator,
  validateGcpSecretManagerAccess,
  validateSecretStore,
  type AwsSecretsManagerAccessArgs,
  type ExternalSecretArgs,
  type ExternalSecretsOperatorArgs,
  type SecretStoreArgs,
} from "../../components/external-secrets";
import { DNS1123_SUBDOMAIN } from "../../components/internal/naming";
import type { BoundServiceAccountArgs } from "../../components/external-secrets/common";
import { ESO_RELEASE_NAME } from "../../components/external-secrets/operator";
import { controllerIdentityKinds, platformStoreArgs, storeBoundAccount, type PlatformExternalSecretsArgs } from "../../components/platform/secretsPlatform";
import { fieldPathParts, type ClusterContext, labelSchema } from "./context";
import { boundedGoDuration } from "./rules";

const label = labelSchema;
const objectName = z.string().max(253).regex(DNS1123_SUBDOMAIN, { message: "must be an RFC 1123 subdomain" });
const stringMap = z.record(z.string(), z.string());
// Ranges and required values are checked by the components (below), once, with their messages; the upper
// bound is the section's: leader election keeps one controller active, so more than 10 only costs.
const replicas = z.number().int().max(10);

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
      /** irsa (the stores' own accounts) or pod-identity (the controller's: needs allowControllerIdentity). */
      mode: z.enum(["irsa", "pod-identity"]).default("irsa"),
      allowControllerIdentity: z.boolean().optional(),
      clusterName: z.string().min(1).optional(),
      oidcProviderArn: z.string().min(1).optional(),
      oidcProviderUrl: z.string().min(1).optional(),
      secretArns: z.array(z.string()).default([]),
      /** Secrets Manager names ESO may create and write (PushSecret); the sealing-key backup's is added by the platform. */
      pushSecretNames: z.array(z.string()).default([]),
      parameterArns: z.array(z.string()).default([]),
      kmsKeyArns: z.array(z.string()).default([]),
    })
    .optional(),
  gcp: z.strictObject({ project: z.string().min(1), secretProject: z.string().min(1).optional(), secrets: z.array(z.string()) }).optional(),
  azure: z.strictObject({ resourceGroupName: z.string().min(1), keyVaultId: z.string().min(1), secretNames: z.array(z.string()).optional(), oidcIssuerUrl: z.string().min(1) }).optional(),
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
  gcpsm: z
    .strictObject({
      projectId: z.string().min(1),
      location: z.string().optional(),
      /** The GKE cluster ESO's tokens are exchanged for (default: read from the metadata server). */
      clusterLocation: z.string().min(1).optional(),
      clusterName: z.string().min(1).optional(),
      clusterProjectId: z.string().min(1).optional(),
    })
    .optional(),
  azurekv: z.strictObject({ vaultUrl: z.string(), tenantId: z.string().optional() }).optional(),
  /**
   * Opt-in: authenticate as ESO's controller instead of the store's own account (`eso-<name>`, which the
   * platform creates otherwise). Default false.
   */
  allowControllerIdentity: z.boolean().optional(),
});

const externalSecretConfig = z.strictObject({
  /** ExternalSecret name (also the Secret's unless targetName). */
  name: objectName,
  namespace: label,
  /** Name of a store of this section. */
  store: objectName,
  /** Go duration, not negative, at most 8760h (a year); default 1h (`0`: fetch once). */
  refreshInterval: boundedGoDuration({ minSeconds: 0, maxSeconds: 8760 * 3600, allowZero: true, example: "1h" }).default("1h"),
  /** Opt-in to refresh intervals below one minute. */
  allowFastRefresh: z.boolean().default(false),
  refreshPolicy: z.enum(["Periodic", "OnChange", "CreatedOnce"]).optional(),
  /** Name of the Secret created. Default: the ExternalSecret's name. */
  targetName: objectName.optional(),
  data: z.array(z.strictObject({ secretKey: z.string().min(1), key: z.string().min(1), property: z.string().optional() })).default([]),
  /** Keys whose every property becomes a key of the Secret. */
  extract: z.array(z.string().min(1)).default([]),
});

/**
 * A ClusterExternalSecret: the same ExternalSecret in every namespace listed or selected by labels. Its
 * store must be a ClusterSecretStore of this section (a namespaced store is not visible in the others).
 */
const clusterExternalSecretConfig = z.strictObject({
  /** Name of the ClusterExternalSecret and of each ExternalSecret (and Secret, unless targetName). */
  name: objectName,
  /** Namespaces by name. At least one of namespaces / namespaceLabels. */
  namespaces: z.array(label).default([]),
  /** Namespaces whose labels match all of these. */
  namespaceLabels: stringMap.optional(),
  /** Name of a clusterScoped store of this section. */
  store: objectName,
  refreshInterval: z.string().default("1h"),
  targetName: objectName.optional(),
  data: z.array(z.strictObject({ secretKey: z.string().min(1), key: z.string().min(1), property: z.string().optional() })).default([]),
  extract: z.array(z.string().min(1)).default([]),
});

/** A PushSecret: a Kubernetes Secret's keys written to a store (deletionPolicy None: never deletes the provider copy). */
const pushSecretConfig = z.strictObject({
  name: objectName,
  namespace: label,
  /** Name of a store of this section (ClusterSecretStore, or a SecretStore in the same namespace). */
  store: objectName,
  /** The Secret to push. */
  secretName: objectName,
  /** What to push: a Secret key to a provider secret (and property). */
  data: z.array(z.strictObject({ secretKey: z.string().min(1).optional(), remoteKey: z.string().min(1), property: z.string().optional() })).min(1),
  refreshInterval: z.string().default("1h"),
  /** `Replace` (default) or `IfNotExists`. */
  updatePolicy: z.enum(["Replace", "IfNotExists"]).default("Replace"),
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

function awsArgs(c: NonNullable<IdentityConfig["aws"]>, serviceAccounts?: BoundServiceAccountArgs[]): AwsSecretsManagerAccessArgs {
  return {
    mode: c.mode,
    allowControllerIdentity: c.allowControllerIdentity,
    clusterName: c.clusterName,
    oidcProvider: c.oidcProviderArn !== undefined && c.oidcProviderUrl !== undefined ? { arn: c.oidcProviderArn, url: c.oidcProviderUrl } : undefined,
    serviceAccounts,
    secretArns: c.secretArns,
    pushSecretNames: c.pushSecretNames.length > 0 ? c.pushSecretNames : undefined,
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
    allowControllerIdentity: s.allowControllerIdentity,
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
      gcpsm: s.gcpsm && {
        projectId: s.gcpsm.projectId,
        location: s.gcpsm.location,
        workloadIdentity:
          s.gcpsm.clusterLocation ?? s.gcpsm.clusterName ?? s.gcpsm.clusterProjectId
            ? { clusterLocation: s.gcpsm.clusterLocation, clusterName: s.gcpsm.clusterName, clusterProjectId: s.gcpsm.clusterProjectId }
            : undefined,
      },
      azurekv: s.azurekv && { vaultUrl: s.azurekv.vaultUrl, tenantId: s.azurekv.tenantId },
    },
  };
}

/** Provider kinds whose identity is the controller's (opted in), as the platform decides it. */
function controllerKinds(section: SectionValue): string[] {
  return controllerIdentityKinds({ aws: section.identity.aws && awsArgs(section.identity.aws) });
}

/** The stores' own accounts per provider, as the platform creates them (`eso-<name>`). */
function storeAccounts(section: SectionValue): Record<string, BoundServiceAccountArgs[] | undefined> {
  const out: Record<string, BoundServiceAccountArgs[]> = {};
  for (const s of section.stores) {
    const kind = (["aws", "gcpsm", "azurekv", "vault"] as const).find((k) => s[k] !== undefined);
    const account = kind && storeBoundAccount(s.name, platformStoreArgs(storeArgs(s), section.operator.namespace, ESO_RELEASE_NAME, controllerKinds(section)));
    if (kind && account) (out[kind] ??= []).push(account);
  }
  return out;
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
  /** Cloud identities for the stores (trusting the stores' own accounts; the controller gets none). */
  identity: identityConfig.default({}),
  stores: z.array(storeConfig).default([]),
  externalSecrets: z.array(externalSecretConfig).default([]),
  clusterExternalSecrets: z.array(clusterExternalSecretConfig).default([]),
  pushSecrets: z.array(pushSecretConfig).default([]),
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
    if (section.alerts.enabled && !section.operator.serviceMonitor) {
      add(["alerts", "enabled"], ["needs operator.serviceMonitor: true (alert rules over metrics no Prometheus scrapes never fire)"]);
    }
    const accounts = storeAccounts(section);
    if (section.identity.aws?.mode === "pod-identity") accounts.aws = [{ namespace: section.operator.namespace, name: ESO_RELEASE_NAME }];
    const identityProblems = (kind: string, problems: string[]) =>
      problems.map((p) => (p.startsWith("serviceAccounts: list at least one") ? `serviceAccounts: no ${kind} store of this section authenticates with it (the controller has no cloud identity); add one to externalSecrets.stores` : p));
    if (section.identity.aws) add(["identity", "aws"], identityProblems("aws", validateAwsSecretsManagerAccess(awsArgs(section.identity.aws, accounts.aws))));
    if (section.identity.gcp) add(["identity", "gcp"], identityProblems("gcpsm", validateGcpSecretManagerAccess({ ...section.identity.gcp, serviceAccounts: accounts.gcpsm })));
    if (section.identity.azure) add(["identity", "azure"], identityProblems("azurekv", validateAzureKeyVaultAccess({ ...section.identity.azure, serviceAccounts: accounts.azurekv })));
    const stores = new Map<string, StoreConfig>();
    section.stores.forEach((s, i) => {
      if (stores.has(s.name)) add(["stores", i, "name"], [`duplicate store "${s.name}"`]);
      stores.set(s.name, s);
      add(["stores", i], validateSecretStore(platformStoreArgs(storeArgs(s), section.operator.namespace, ESO_RELEASE_NAME, controllerKinds(section))), STORE_FIELDS);
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
    section.clusterExternalSecrets.forEach((c, i) => {
      const store = stores.get(c.store);
      if (!store || !store.clusterScoped) add(["clusterExternalSecrets", i, "store"], [`must name a clusterScoped store of externalSecrets.stores, got "${c.store}"`]);
      add(["clusterExternalSecrets", i], validateClusterExternalSecret(clusterExternalSecretArgs(c)), [
        [/^externalSecretSpec\.data\[(\d+)\]\.remoteRef\./, "data[$1]."],
        [/^externalSecretSpec\.dataFrom(\[\d+\])?/, "extract$1"],
        [/^externalSecretSpec\.target\.name$/, "targetName"],
        [/^externalSecretSpec\.storeRef(\..*)?$/, "store"],
        [/^externalSecretSpec\./, ""],
        [/^namespaceSelectors$/, "namespaces"],
      ]);
    });
    section.pushSecrets.forEach((p, i) => {
      const store = stores.get(p.store);
      if (!store) add(["pushSecrets", i, "store"], [`must name a store of externalSecrets.stores, got "${p.store}"`]);
      else if (!store.clusterScoped && store.namespace !== p.namespace) add(["pushSecrets", i, "store"], [`SecretStore "${p.store}" is in namespace ${store.namespace}, not ${p.namespace}`]);
      add(["pushSecrets", i], validatePushSecret(pushSecretArgs(p, store)), [[/^storeRefs(\[\d+\])?(\..*)?$/, "store"], [/^pushSecretName$/, "name"]]);
    });
}

function clusterExternalSecretArgs(c: z.infer<typeof clusterExternalSecretConfig>): ClusterExternalSecretArgs {
  return {
    externalSecretName: c.name,
    namespaces: c.namespaces.length > 0 ? c.namespaces : undefined,
    namespaceSelectors: c.namespaceLabels ? [{ matchLabels: c.namespaceLabels }] : undefined,
    externalSecretSpec: {
      storeRef: { name: c.store, kind: "ClusterSecretStore" },
      refreshInterval: c.refreshInterval,
      target: c.targetName ? { name: c.targetName } : undefined,
      data: c.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key, property: d.property } })),
      dataFrom: c.extract.map((key) => ({ extract: { key } })),
    },
  };
}

function pushSecretArgs(p: z.infer<typeof pushSecretConfig>, store: StoreConfig | undefined): PushSecretArgs {
  return {
    namespace: p.namespace,
    pushSecretName: p.name,
    storeRefs: [{ name: p.store, kind: store?.clusterScoped ? "ClusterSecretStore" : "SecretStore" }],
    secretName: p.secretName,
    data: p.data,
    refreshInterval: p.refreshInterval,
    updatePolicy: p.updatePolicy,
    deletionPolicy: "None",
  };
}

/** The `externalSecrets` part of the cluster's platform (identity annotations and the Vault store are wired by the platform). */
/**
 * The cloud identities of `externalSecrets.identity` as the platform takes them (it adds its stores' own
 * accounts); also what the sealing-key store borrows its cluster settings from.
 */
export function identityArgs(identity: IdentityConfig): Pick<PlatformExternalSecretsArgs, "aws" | "gcp" | "azure"> {
  return {
    aws: identity.aws && awsArgs(identity.aws),
    gcp: identity.gcp && { ...identity.gcp },
    azure: identity.azure && { ...identity.azure },
  };
}

export function externalSecretsArgs(_ctx: ClusterContext, section: ExternalSecretsSection): PlatformExternalSecretsArgs | undefined {
  if (!section) return undefined;
  const namespace = section.operator.namespace;
  const storeByName = new Map(section.stores.map((s) => [s.name, s]));
  return {
    operator: operatorArgs(section.operator),
    ...identityArgs(section.identity),
    vaultStore: section.vaultStore,
    stores: section.stores.map(storeArgs),
    externalSecrets: section.externalSecrets.map((e) => externalSecretArgs(e, storeByName.get(e.store))),
    clusterExternalSecrets: section.clusterExternalSecrets.map(clusterExternalSecretArgs),
    pushSecrets: section.pushSecrets.map((p) => pushSecretArgs(p, storeByName.get(p.store))),
    alerts: section.alerts.enabled ? { namespace, labels: section.alerts.labels } : undefined,
  };
}
