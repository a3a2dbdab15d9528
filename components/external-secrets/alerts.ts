import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { standardLabels } from "../internal/labels";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";
import { DEFAULT_ESO_NAMESPACE, oneOf, stringMap } from "./common";

/** Arguments of {@link ExternalSecretsAlerts}. */
export interface ExternalSecretsAlertsArgs {
  /** Namespace of the PrometheusRule. Default `external-secrets`. */
  namespace?: pulumi.Input<string>;
  /** Labels your Prometheus `ruleSelector` matches (e.g. `release: kube-prometheus-stack`). Default none. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** How long an ExternalSecret or store may be not Ready before alerting (Prometheus duration). Default `10m`. */
  notReadyFor?: pulumi.Input<string>;
  /** Severity label of the not-ready and sync-error alerts. Default `warning`. */
  severity?: pulumi.Input<string>;
  /** Severity label of stores not ready (every ExternalSecret using it stops syncing). Default `critical`. */
  storeSeverity?: pulumi.Input<string>;
  /** Base URL of runbooks; alerts get `runbook_url: <base>/<alert name>`. Default none. */
  runbookBaseUrl?: pulumi.Input<string>;
  /**
   * The Prometheus `job` of ESO's controller metrics: the metrics Service's name, which a Prometheus
   * Operator ServiceMonitor uses as `job` (chart: `<fullname>-metrics`). Default `external-secrets-metrics`.
   */
  metricsJob?: pulumi.Input<string>;
  /** Namespace of ESO's controller (the `namespace` label of its `up` series). Default `external-secrets`. */
  operatorNamespace?: pulumi.Input<string>;
}

const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = ["info", "warning", "critical"] as const;

const argsSchema = z.strictObject({
  namespace: input(z.string().min(1)).optional(),
  labels: stringMap.optional(),
  notReadyFor: input(z.string().regex(PROM_DURATION, { message: "must be a Prometheus duration such as 10m" })).optional(),
  severity: input(oneOf(SEVERITIES)).optional(),
  storeSeverity: input(oneOf(SEVERITIES)).optional(),
  runbookBaseUrl: input(z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" })).optional(),
  metricsJob: input(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a Service name" })).optional(),
  operatorNamespace: input(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a namespace name" })).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateExternalSecretsAlerts(args: ExternalSecretsAlertsArgs): string[] {
  return zodProblems(argsSchema, args);
}

/** One Prometheus alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Inputs of {@link externalSecretsAlertRules}. */
export interface AlertRuleOptions {
  notReadyFor: string;
  severity: string;
  storeSeverity: string;
  runbookBaseUrl?: string;
  /** `job` label of ESO's controller metrics. Default `external-secrets-metrics`. */
  metricsJob?: string;
  /** Namespace of ESO's controller. Default `external-secrets`. */
  operatorNamespace?: string;
}

// ESO's object metrics carry the object's namespace as `namespace`; scraped through a ServiceMonitor
// without honorLabels it becomes `exported_namespace`. Grouping by both keeps either setup readable.
const BY_OBJECT = "namespace, exported_namespace, name";

/**
 * The alerting rules on ESO's metrics (`externalsecret_status_condition`, `externalsecret_sync_calls_error`,
 * `externalsecret_provider_api_calls_count`, `secretstore_status_condition`,
 * `clustersecretstore_status_condition`, `pushsecret_status_condition`) and on ESO itself being down
 * (`absent(up{job=...})`: with no controller scraped, no other rule can fire).
 *
 * `pushsecret_status_condition` as ESO 2.9 exports it (external-secrets pkg/controllers/pushsecret/psmetrics/
 * psmetrics.go): subsystem `pushsecret`, name `status_condition`, labels `name`, `namespace`, `condition`,
 * `status`; value 1 on the current status, 0 on the opposite one.
 */
export function externalSecretsAlertRules(o: AlertRuleOptions): AlertRule[] {
  const rule = (alert: string, expr: string, forDuration: string, severity: string, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description, ...(o.runbookBaseUrl ? { runbook_url: `${o.runbookBaseUrl.replace(/\/$/, "")}/${alert}` } : {}) },
  });
  return [
    rule(
      "ExternalSecretNotReady",
      `max by (${BY_OBJECT}) (externalsecret_status_condition{condition="Ready",status="False"}) == 1`,
      o.notReadyFor,
      o.severity,
      "ExternalSecret is not Ready",
      "ExternalSecret {{ $labels.name }} in {{ $labels.namespace }}{{ $labels.exported_namespace }} has not been Ready for " +
        o.notReadyFor +
        ": its Secret is stale or missing. Check `kubectl describe externalsecret`.",
    ),
    rule(
      "ExternalSecretSyncErrors",
      `sum by (${BY_OBJECT}) (increase(externalsecret_sync_calls_error[10m])) > 0`,
      "10m",
      o.severity,
      "ExternalSecret sync keeps failing",
      "ExternalSecret {{ $labels.name }} in {{ $labels.namespace }}{{ $labels.exported_namespace }} failed {{ $value }} syncs in the last 10 minutes.",
    ),
    rule(
      "ExternalSecretsProviderApiErrors",
      `sum by (provider, call) (increase(externalsecret_provider_api_calls_count{status="error"}[10m])) > 0`,
      "10m",
      o.severity,
      "Secret provider API calls are failing",
      "Calls {{ $labels.call }} to provider {{ $labels.provider }} returned {{ $value }} errors in the last 10 minutes (credentials, permissions, throttling or outage).",
    ),
    rule(
      "SecretStoreNotReady",
      `max by (${BY_OBJECT}) (secretstore_status_condition{condition="Ready",status="False"}) == 1`,
      o.notReadyFor,
      o.storeSeverity,
      "SecretStore is not Ready",
      "SecretStore {{ $labels.name }} in {{ $labels.namespace }}{{ $labels.exported_namespace }} cannot reach or authenticate to its provider; every ExternalSecret using it stops syncing.",
    ),
    rule(
      "PushSecretNotReady",
      `max by (${BY_OBJECT}) (pushsecret_status_condition{condition="Ready",status="False"}) == 1`,
      o.notReadyFor,
      o.storeSeverity,
      "PushSecret is failing",
      "PushSecret {{ $labels.name }} in {{ $labels.namespace }}{{ $labels.exported_namespace }} has not pushed for " +
        o.notReadyFor +
        " (e.g. the Sealed Secrets key backup): the provider copy is stale or missing. Check `kubectl describe pushsecret`.",
    ),
    rule(
      "ExternalSecretsOperatorDown",
      `absent(up{job="${o.metricsJob ?? "external-secrets-metrics"}",namespace="${o.operatorNamespace ?? "external-secrets"}"} == 1)`,
      "5m",
      "critical",
      "External Secrets Operator is down or not scraped",
      "No ready scrape of ESO's controller metrics for 5 minutes: Secrets stop syncing and no other ESO alert can fire.",
    ),
    rule(
      "ClusterSecretStoreNotReady",
      `max by (name) (clustersecretstore_status_condition{condition="Ready",status="False"}) == 1`,
      o.notReadyFor,
      o.storeSeverity,
      "ClusterSecretStore is not Ready",
      "ClusterSecretStore {{ $labels.name }} cannot reach or authenticate to its provider; every ExternalSecret using it stops syncing.",
    ),
  ];
}

/**
 * A `PrometheusRule` (monitoring.coreos.com/v1, needs the Prometheus Operator CRDs) alerting on
 * ExternalSecrets not Ready, sync errors, provider API errors, SecretStores/ClusterSecretStores and
 * PushSecrets not Ready, and ESO down. The operator's metrics must be scraped (`ExternalSecretsOperator`
 * `serviceMonitor.enabled`; `SecretsPlatform` refuses alerts without it): a rule over metrics nobody scrapes
 * never fires.
 */
export class ExternalSecretsAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: ExternalSecretsAlertsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    assertValid("ExternalSecretsAlerts", name, validateExternalSecretsAlerts(args));
    super(typeToken("ExternalSecretsAlerts"), name, {}, opts);
    const rules = pulumi
      .all([args.notReadyFor ?? "10m", args.severity ?? "warning", args.storeSeverity ?? "critical", args.runbookBaseUrl, args.metricsJob, args.operatorNamespace])
      .apply(([notReadyFor, severity, storeSeverity, runbookBaseUrl, metricsJob, operatorNamespace]) =>
        externalSecretsAlertRules({ notReadyFor, severity, storeSeverity, runbookBaseUrl, metricsJob, operatorNamespace }),
      );
    new k8s.apiextensions.CustomResource(
      childName(name, "rule"),
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
          name,
          namespace: args.namespace ?? DEFAULT_ESO_NAMESPACE,
          labels: pulumi.output(args.labels ?? {}).apply((l) => ({ ...l, ...standardLabels("alerts", name) })),
        },
        spec: { groups: [{ name: "external-secrets", rules }] },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
