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
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  AwsSecretsManagerAccess,
  AzureKeyVaultAccess,
  ExternalSecret,
  ExternalSecretsAlerts,
  ExternalSecretsOperator,
  GcpSecretManagerAccess,
  SecretStore,
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
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from "../../components/internal/naming";
import type { ClusterContext } from "./context";

const label = z.string().max(63).regex(DNS1123_LABEL, { message: "must be an RFC 1123 label (lower-case alphanumerics and '-')" });
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

/** `a.b[0].c` → ["a", "b", 0, "c"]. */
function fieldPathParts(field: string): PropertyKey[] {
  if (!field) return [];
  return field.split(".").flatMap((part) => {
    const m = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    const idx = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    return [...(m[1] ? [m[1]] : []), ...idx];
  });
}

const sectionShape = z.strictObject({
  operator: operatorConfig.default(() => operatorConfig.parse({})),
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
      if (!store) add(["externalSecrets", i, "store"], [`must name a store of externalSecrets.stores, got "${e.store}"`]);
      else if (!store.clusterScoped && store.namespace !== e.namespace) {
        add(["externalSecrets", i, "store"], [`SecretStore "${e.store}" is in namespace ${store.namespace}, not ${e.namespace}`]);
      }
      add(["externalSecrets", i], validateExternalSecret(externalSecretArgs(e, store)), EXTERNAL_SECRET_FIELDS);
    });
}

/** Deploys the section on one cluster; returns its stack outputs. */
export function deployExternalSecrets(ctx: ClusterContext, section: ExternalSecretsSection): Record<string, unknown> {
  if (!section) return {};
  const prefix = `${ctx.name}-eso`;
  const namespace = section.operator.namespace;

  const annotations: pulumi.Output<Record<string, string>>[] = [pulumi.output(section.operator.serviceAccountAnnotations)];
  let podLabels: pulumi.Output<Record<string, string>> | undefined;
  const identity: Record<string, unknown> = {};
  if (section.identity.aws) {
    const aws = new AwsSecretsManagerAccess(`${prefix}-aws`, awsArgs(section.identity.aws, namespace));
    annotations.push(aws.serviceAccountAnnotations);
    identity.awsRoleArn = aws.roleArn;
  }
  if (section.identity.gcp) {
    const gcp = new GcpSecretManagerAccess(`${prefix}-gcp`, { ...section.identity.gcp, namespace });
    annotations.push(gcp.serviceAccountAnnotations);
    identity.gcpServiceAccount = gcp.serviceAccountEmail;
  }
  if (section.identity.azure) {
    const azure = new AzureKeyVaultAccess(`${prefix}-azure`, { ...section.identity.azure, namespace });
    annotations.push(azure.serviceAccountAnnotations);
    podLabels = azure.podLabels;
    identity.azureClientId = azure.clientId;
  }

  const base = operatorArgs(section.operator);
  const operator = new ExternalSecretsOperator(
    prefix,
    {
      ...base,
      serviceAccount: { annotations: pulumi.all(annotations).apply((all) => Object.assign({}, ...all) as Record<string, string>) },
      podLabels,
    },
    { provider: ctx.provider },
  );

  const storeByName = new Map(section.stores.map((s) => [s.name, s]));
  const stores = section.stores.map(
    (s) => new SecretStore(`${prefix}-store-${s.name}`, storeArgs(s), { provider: ctx.provider, dependsOn: [operator] }),
  );
  const externalSecrets = section.externalSecrets.map(
    (e) =>
      new ExternalSecret(`${prefix}-es-${e.namespace}-${e.name}`, externalSecretArgs(e, storeByName.get(e.store)), {
        provider: ctx.provider,
        dependsOn: [operator, ...stores],
      }),
  );
  if (section.alerts.enabled) {
    new ExternalSecretsAlerts(`${prefix}-alerts`, { namespace, labels: section.alerts.labels }, { provider: ctx.provider, dependsOn: [operator] });
  }

  return {
    namespace: operator.namespace,
    serviceAccountName: operator.serviceAccountName,
    stores: stores.map((s) => s.storeName),
    externalSecrets: externalSecrets.map((e) => e.externalSecretName),
    ...identity,
  };
}
