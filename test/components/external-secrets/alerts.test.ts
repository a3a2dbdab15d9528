import assert from "node:assert/strict";
import { test } from "node:test";
import { ExternalSecretsAlerts, InvalidArgumentsError } from "../../../components";
import { runProgram } from "../../harness/pulumi";

test("ExternalSecretsAlerts: PrometheusRule on ESO's real metric names with the documented thresholds", async () => {
  const stack = await runProgram(() => {
    new ExternalSecretsAlerts("eso-alerts", { labels: { release: "kube-prometheus-stack" }, runbookBaseUrl: "https://runbooks.example.com/eso/" });
  });
  const rule = stack.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "eso-alerts-rule");
  assert.equal(rule.inputs.apiVersion, "monitoring.coreos.com/v1");
  assert.equal(rule.inputs.metadata.namespace, "external-secrets");
  assert.equal(rule.inputs.metadata.labels.release, "kube-prometheus-stack");
  const groups = rule.inputs.spec.groups;
  assert.equal(groups.length, 1);
  assert.equal(groups[0].name, "external-secrets");
  const byName = Object.fromEntries(groups[0].rules.map((r: any) => [r.alert, r]));
  assert.deepEqual(Object.keys(byName), [
    "ExternalSecretNotReady",
    "ExternalSecretSyncErrors",
    "ExternalSecretsProviderApiErrors",
    "SecretStoreNotReady",
    "PushSecretNotReady",
    "ExternalSecretsOperatorDown",
    "ClusterSecretStoreNotReady",
  ]);
  assert.deepEqual(
    Object.values(byName).map((r: any) => [r.expr, r.for, r.labels.severity]),
    [
      ['max by (namespace, exported_namespace, name) (externalsecret_status_condition{condition="Ready",status="False"}) == 1', "10m", "warning"],
      ["sum by (namespace, exported_namespace, name) (increase(externalsecret_sync_calls_error[10m])) > 0", "10m", "warning"],
      ['sum by (provider, call) (increase(externalsecret_provider_api_calls_count{status="error"}[10m])) > 0', "10m", "warning"],
      ['max by (namespace, exported_namespace, name) (secretstore_status_condition{condition="Ready",status="False"}) == 1', "10m", "critical"],
      // external-secrets v2.9.0 pkg/controllers/pushsecret/psmetrics/psmetrics.go: pushsecret_status_condition
      // {name, namespace, condition, status}, 1 on the current status.
      ['max by (namespace, exported_namespace, name) (pushsecret_status_condition{condition="Ready",status="False"}) == 1', "10m", "critical"],
      // The chart's metrics Service is <fullname>-metrics (templates/service.yaml); a ServiceMonitor's job is the Service name.
      ['absent(up{job="external-secrets-metrics",namespace="external-secrets"} == 1)', "5m", "critical"],
      ['max by (name) (clustersecretstore_status_condition{condition="Ready",status="False"}) == 1', "10m", "critical"],
    ],
  );
  assert.equal(byName.ExternalSecretNotReady.annotations.runbook_url, "https://runbooks.example.com/eso/ExternalSecretNotReady");
  assert.match(byName.ExternalSecretNotReady.annotations.description, /has not been Ready for 10m/);
});

test("ExternalSecretsAlerts: custom window and severities; bad durations and severities rejected", async () => {
  const stack = await runProgram(() => {
    new ExternalSecretsAlerts("a", { namespace: "monitoring", notReadyFor: "30m", severity: "info", storeSeverity: "warning" });
    assert.throws(
      () => new ExternalSecretsAlerts("bad", { notReadyFor: "ten minutes", severity: "page" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, ["notReadyFor: must be a Prometheus duration such as 10m", `severity: must be one of info, warning, critical, got "page"`]);
        return true;
      },
    );
  });
  const rules = stack.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs.spec.groups[0].rules;
  assert.deepEqual(
    rules.map((r: any) => [r.alert, r.for, r.labels.severity]),
    [
      ["ExternalSecretNotReady", "30m", "info"],
      ["ExternalSecretSyncErrors", "10m", "info"],
      ["ExternalSecretsProviderApiErrors", "10m", "info"],
      ["SecretStoreNotReady", "30m", "warning"],
      ["PushSecretNotReady", "30m", "warning"],
      ["ExternalSecretsOperatorDown", "5m", "critical"],
      ["ClusterSecretStoreNotReady", "30m", "warning"],
    ],
  );
  assert.equal(rules[0].annotations.runbook_url, undefined);
});
