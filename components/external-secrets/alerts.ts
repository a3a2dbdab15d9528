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
}

// ESO's object metrics carry the object's namespace as `namespace`; scraped through a ServiceMonitor
// without honorLabels it becomes `exported_namespace`. Grouping by both keeps either setup readable.
const BY_OBJECT = "namespace, exported_namespace, name";

/**
 * The alerting rules on ESO's metrics (`externalsecret_status_condition`, `externalsecret_sync_calls_error`,
 * `externalsecret_provider_api_calls_count`, `secretstore_status_condition`,
 * `clustersecretstore_status_condition`).
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
 * ExternalSecrets not Ready, sync errors, provider API errors and SecretStores/ClusterSecretStores not
 * Ready. The operator's metrics must be scraped (`ExternalSecretsOperator` `serviceMonitor.enabled`).
 */
export class ExternalSecretsAlerts extends pulumi.ComponentResource {
  constructor(name: string, args: ExternalSecretsAlertsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    assertValid("ExternalSecretsAlerts", name, validateExternalSecretsAlerts(args));
    super(typeToken("ExternalSecretsAlerts"), name, {}, opts);
    const rules = pulumi
      .all([args.notReadyFor ?? "10m", args.severity ?? "warning", args.storeSeverity ?? "critical", args.runbookBaseUrl])
      .apply(([notReadyFor, severity, storeSeverity, runbookBaseUrl]) => externalSecretsAlertRules({ notReadyFor, severity, storeSeverity, runbookBaseUrl }));
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
