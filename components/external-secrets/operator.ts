import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CHARTS, chartSource, retainCrdsTransform } from "../internal/charts";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { HardenedNamespace } from "../platform/hardenedNamespace";
import { DEFAULT_ESO_NAMESPACE, DEFAULT_ESO_SERVICE_ACCOUNT, labelName, stringMap } from "./common";

/** CPU/memory requests and limits of one ESO workload. */
export interface EsoResourcesArgs {
  /** Requests, e.g. `{ cpu: "10m", memory: "64Mi" }`. */
  requests?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Limits, e.g. `{ memory: "256Mi" }`. */
  limits?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Resources of the three ESO workloads. */
export interface EsoWorkloadResourcesArgs {
  /** The controller. Default: requests `cpu: 50m, memory: 128Mi`, limit `memory: 512Mi`. */
  controller?: EsoResourcesArgs;
  /** The admission webhook. Default: requests `cpu: 10m, memory: 64Mi`, limit `memory: 256Mi`. */
  webhook?: EsoResourcesArgs;
  /** The cert controller. Default: requests `cpu: 10m, memory: 64Mi`, limit `memory: 256Mi`. */
  certController?: EsoResourcesArgs;
}

/** Prometheus Operator ServiceMonitor for the ESO metrics endpoints. */
export interface EsoServiceMonitorArgs {
  /**
   * Create ServiceMonitors (needs the monitoring.coreos.com CRDs; rendered with `renderMode: alwaysRender`
   * so a missing CRD fails the deployment instead of silently dropping the monitor). Default `false`.
   */
  enabled?: boolean;
  /** Scrape interval. Default `30s`. */
  interval?: pulumi.Input<string>;
  /** Extra labels, e.g. the `release` label your Prometheus selects on. Default none. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The controller's service account. */
export interface EsoServiceAccountArgs {
  /**
   * Name of the controller's service account. Default `external-secrets`: cloud identities (IRSA,
   * Pod Identity, GKE Workload Identity, Azure workload identity) and Vault roles bind to it by name.
   */
  name?: string;
  /**
   * Annotations. Default none. Cloud identity annotations (`eks.amazonaws.com/role-arn`,
   * `iam.gke.io/gcp-service-account`, `azure.workload.identity/client-id`) are refused unless
   * `allowCloudIdentity`: stores authenticate as their own service accounts, never as the controller.
   */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Explicit opt-in to a cloud identity on the controller itself. Every SecretStore without auth then
   * reads with it, and ESO aggregates creating stores into `edit`: anyone with `edit` in any namespace reads
   * whatever that identity reaches. Default `false`.
   */
  allowCloudIdentity?: boolean;
}

/** Arguments of {@link ExternalSecretsOperator}. */
export interface ExternalSecretsOperatorArgs {
  /** Namespace for the operator (created as a `HardenedNamespace`, PSA `restricted`). Default `external-secrets`. */
  namespace?: pulumi.Input<string>;
  /**
   * Controller replicas. Default `2` with leader election on (one active, one warm standby). At least 1;
   * with 2 or more PodDisruptionBudgets keep one pod up during node drains.
   */
  replicas?: number;
  /** Webhook replicas. Default `2` (the webhook validates every ESO object: keep it available). */
  webhookReplicas?: number;
  /** Cert controller replicas. Default `2`. */
  certControllerReplicas?: number;
  /**
   * PodDisruptionBudgets (`minAvailable: 1`) for controller, webhook and cert controller. Default `true`
   * when the workload has 2 or more replicas (a PDB on a single replica would block node drains).
   */
  podDisruptionBudgets?: boolean;
  /** Number of ExternalSecrets reconciled concurrently. Default `1` (the chart's default). */
  concurrent?: number;
  /** The controller's service account. */
  serviceAccount?: EsoServiceAccountArgs;
  /**
   * Extra pod labels for the controller. Default none. `azure.workload.identity/use` (the webhook's cue to
   * inject the controller's Azure identity) needs `serviceAccount.allowCloudIdentity`.
   */
  podLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Keep the chart's cluster-wide `create` on `serviceaccounts/token` for the controller (it could then mint
   * a token for any service account of the cluster that a store names). Default `false`: each store's own
   * account gets a Role naming exactly that account (`SecretStore` `serviceAccount`).
   */
  clusterWideTokenCreate?: boolean;
  /** Resource requests and limits; see each workload's default. */
  resources?: EsoWorkloadResourcesArgs;
  /** Metrics Services for controller, webhook and cert controller. Default `true`. */
  metricsService?: boolean;
  /** Prometheus Operator ServiceMonitors. Default off. */
  serviceMonitor?: EsoServiceMonitorArgs;
  /**
   * Extra chart values merged over everything this component sets (deep merge: objects merge, other
   * values replace). The escape hatch for chart options not modelled here; it can undo the secure
   * defaults, so review it like code. Default none.
   */
  extraValues?: pulumi.Input<Record<string, any>>;
}

const resourcesSchema = z.strictObject({ requests: stringMap.optional(), limits: stringMap.optional() });
const replicas = z.number().int({ message: "must be an integer" }).min(1, { message: "must be at least 1" });

const argsSchema = z.strictObject({
  namespace: input(labelName).optional(),
  replicas: replicas.optional(),
  webhookReplicas: replicas.optional(),
  certControllerReplicas: replicas.optional(),
  podDisruptionBudgets: z.boolean().optional(),
  concurrent: z.number().int({ message: "must be an integer" }).min(1, { message: "must be at least 1" }).optional(),
  serviceAccount: z.strictObject({ name: z.string().optional(), annotations: stringMap.optional(), allowCloudIdentity: z.boolean().optional() }).optional(),
  clusterWideTokenCreate: z.boolean().optional(),
  podLabels: stringMap.optional(),
  resources: z
    .strictObject({ controller: resourcesSchema.optional(), webhook: resourcesSchema.optional(), certController: resourcesSchema.optional() })
    .optional(),
  metricsService: z.boolean().optional(),
  serviceMonitor: z
    .strictObject({
      enabled: z.boolean().optional(),
      interval: input(z.string().regex(/^\d+(ms|s|m|h)$/, { message: "must be a Prometheus duration such as 30s" })).optional(),
      labels: stringMap.optional(),
    })
    .optional(),
  extraValues: input(z.record(z.string(), z.any())).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateExternalSecretsOperator(args: ExternalSecretsOperatorArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const sa = args.serviceAccount?.name;
  if (typeof sa === "string" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa)) {
    problems.push(`serviceAccount.name: must be an RFC 1123 subdomain, got "${sa}"`);
  }
  if (!args.serviceAccount?.allowCloudIdentity) {
    const annotations = known(args.serviceAccount?.annotations);
    if (annotations && typeof annotations === "object") {
      for (const key of CLOUD_IDENTITY_ANNOTATIONS) {
        if (key in annotations) {
          problems.push(
            `serviceAccount.annotations: "${key}" gives ESO's controller a cloud identity that every store without auth uses; bind the stores' own service accounts instead, or set serviceAccount.allowCloudIdentity: true to opt in`,
          );
        }
      }
    }
    const labels = known(args.podLabels);
    if (labels && typeof labels === "object" && "azure.workload.identity/use" in labels) {
      problems.push('podLabels: "azure.workload.identity/use" injects a cloud identity into the controller; set serviceAccount.allowCloudIdentity: true to opt in');
    }
  }
  if (args.podDisruptionBudgets === true) {
    for (const field of ["replicas", "webhookReplicas", "certControllerReplicas"] as const) {
      if (args[field] === 1) problems.push(`${field}: a PodDisruptionBudget with minAvailable 1 on a single replica blocks node drains; use 2 or more replicas or podDisruptionBudgets: false`);
    }
  }
  return problems;
}

/** Service account annotations that hand a pod a cloud identity (IRSA, GKE Workload Identity, Azure workload identity). */
export const CLOUD_IDENTITY_ANNOTATIONS = ["eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account", "azure.workload.identity/client-id"] as const;

/** The release name of the chart: ESO's objects are called `external-secrets`, `external-secrets-webhook`, … */
export const ESO_RELEASE_NAME = "external-secrets";

const DEFAULT_RESOURCES = {
  controller: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
  webhook: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
  certController: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
};

/** Deep merge for Helm values: plain objects merge key by key, anything else (arrays included) replaces. */
export function mergeValues(base: Record<string, any>, extra: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    out[key] = isObj(current) && isObj(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/**
 * A Chart transform marking every CustomResourceDefinition the chart renders `retainOnDelete`, on top of
 * the `helm.sh/resource-policy: keep` annotation: removing the chart must never delete the CRDs, which
 * would delete every ExternalSecret and, through owner references, every Secret ESO created.
 */
export const keepCrdsTransform = retainCrdsTransform;

/** One workload's topology spread (best effort across nodes, so single-node clusters still schedule). */
function spread(appName: string): Record<string, unknown>[] {
  return [
    {
      maxSkew: 1,
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { "app.kubernetes.io/name": appName, "app.kubernetes.io/instance": ESO_RELEASE_NAME } },
    },
  ];
}

/**
 * The External Secrets Operator (`external-secrets` chart, pinned in `components/internal/charts.ts`) in
 * its own `HardenedNamespace`: controller with leader election, webhook and cert controller, all HA with
 * PodDisruptionBudgets and spread across nodes; CRDs kept when the chart is removed; metrics Services and
 * optional ServiceMonitors; resource requests; service account annotations from the cloud identity
 * components. Pass it in `dependsOn` of stores and ExternalSecrets so they wait for the CRDs and webhook.
 */
export class ExternalSecretsOperator extends pulumi.ComponentResource {
  /** The operator's namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The controller's service account name (what Vault roles and cloud identities bind to). */
  public readonly serviceAccountName: pulumi.Output<string>;
  /**
   * The subjects that must read and write Secrets to do their job (the controller, which writes the
   * synced Secrets, and the cert controller, which rotates the webhook's certificate Secret), as the
   * policy pack names them (`ServiceAccount ns/name`): pass them to who-can-read-secrets' exemptSubjects.
   */
  public readonly exemptSubjects: pulumi.Output<string[]>;
  /** The chart (depend on it for anything needing the ESO CRDs). */
  public readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: ExternalSecretsOperatorArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    assertValid("ExternalSecretsOperator", name, validateExternalSecretsOperator(args));
    super(typeToken("ExternalSecretsOperator"), name, {}, opts);

    const ns = new HardenedNamespace(
      childName(name, "namespace"),
      { namespace: args.namespace ?? DEFAULT_ESO_NAMESPACE, podSecurity: { enforce: "restricted" } },
      { parent: this },
    );
    this.namespace = ns.namespaceName;

    const saName = args.serviceAccount?.name ?? DEFAULT_ESO_SERVICE_ACCOUNT;
    const controllerReplicas = args.replicas ?? 2;
    const webhookReplicas = args.webhookReplicas ?? 2;
    const certReplicas = args.certControllerReplicas ?? 2;
    const pdb = (n: number) => ({ enabled: (args.podDisruptionBudgets ?? true) && n >= 2, minAvailable: 1 });
    const metricsService = { service: { enabled: args.metricsService ?? true } };
    const sm = args.serviceMonitor ?? {};
    const res = args.resources ?? {};

    const values = pulumi
      .all([
        args.serviceAccount?.annotations ?? {},
        args.podLabels ?? {},
        res.controller ?? DEFAULT_RESOURCES.controller,
        res.webhook ?? DEFAULT_RESOURCES.webhook,
        res.certController ?? DEFAULT_RESOURCES.certController,
        sm.interval ?? "30s",
        sm.labels ?? {},
        args.extraValues ?? {},
      ])
      .apply(([saAnnotations, podLabels, controllerRes, webhookRes, certRes, interval, smLabels, extra]) => {
        const base: Record<string, any> = {
          installCRDs: true,
          crds: { annotations: { "helm.sh/resource-policy": "keep" } },
          replicaCount: controllerReplicas,
          leaderElect: true,
          concurrent: args.concurrent ?? 1,
          podDisruptionBudget: pdb(controllerReplicas),
          topologySpreadConstraints: spread("external-secrets"),
          // Every ESO pod calls the API (the chart renders automountServiceAccountToken from these), stated here.
          serviceAccount: { create: true, name: saName, annotations: saAnnotations, automount: true },
          // No cluster-wide token minting: stores' own accounts get a Role naming exactly them.
          rbac: { serviceAccountTokenCreate: args.clusterWideTokenCreate ?? false },
          podLabels,
          resources: controllerRes,
          metrics: metricsService,
          // When asked for, always render it: the chart's default (skip if the CRD is not detected) would
          // silently drop it whenever Pulumi renders without cluster capabilities, and alerts never fire.
          serviceMonitor: { enabled: sm.enabled ?? false, ...(sm.enabled ? { renderMode: "alwaysRender" } : {}), interval, additionalLabels: smLabels },
          webhook: {
            replicaCount: webhookReplicas,
            podDisruptionBudget: pdb(webhookReplicas),
            topologySpreadConstraints: spread("external-secrets-webhook"),
            serviceAccount: { automount: true },
            resources: webhookRes,
            metrics: metricsService,
          },
          certController: {
            replicaCount: certReplicas,
            podDisruptionBudget: pdb(certReplicas),
            topologySpreadConstraints: spread("external-secrets-cert-controller"),
            serviceAccount: { automount: true },
            resources: certRes,
            metrics: metricsService,
          },
        };
        return mergeValues(base, extra);
      });

    this.chart = new k8s.helm.v4.Chart(
      childName(name, "chart"),
      { ...chartSource(CHARTS.externalSecrets), name: ESO_RELEASE_NAME, namespace: this.namespace, values },
      { parent: this, dependsOn: [ns], transforms: [keepCrdsTransform] },
    );
    // Read back from the merged values: extraValues may rename the service account.
    this.serviceAccountName = values.apply((v) => String(v.serviceAccount?.name ?? saName));

    this.exemptSubjects = pulumi
      .all([this.namespace, this.serviceAccountName])
      .apply(([ns, sa]) => [`ServiceAccount ${ns}/${sa}`, `ServiceAccount ${ns}/${ESO_RELEASE_NAME}-cert-controller`]);

    this.registerOutputs({ namespace: this.namespace, serviceAccountName: this.serviceAccountName, exemptSubjects: this.exemptSubjects });
  }
}
