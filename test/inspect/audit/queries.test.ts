/**
 * `access --query`: the exact text of each query, and the reading of each engine's result export (the
 * Secret-access query results are read in decode.test.ts; the coverage queries' results here).
 * Query languages: CloudWatch Logs Insights query syntax (fields/filter/stats/sort/limit, `like` regex,
 * `in [...]`, `ispresent`), GoogleSQL over the Cloud Logging BigQuery routing schema
 * (`protopayload_auditlog.*`, partitioned `cloudaudit_googleapis_com_data_access`), the Logging query
 * language, and KQL over the AKSAudit / AzureDiagnostics tables.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runAccess } from "../../../inspect/audit/command";
import { aksQueries, eksQueries, gkeQueries } from "../../../inspect/audit/queries";
import { read } from "./helpers";

const o = { cluster: "prod", project: "shop-prod", dataset: "audit", days: 3 };

test("EKS: CloudWatch Logs Insights queries", () => {
  assert.deepEqual(
    eksQueries(o).map((q) => q.text),
    [
      [
        "fields @timestamp, @message, @logStream, @log",
        "| filter @logStream like /^kube-apiserver-audit-/",
        '| filter objectRef.resource = "secrets" and verb in ["get", "list", "watch"]',
        "| filter not ispresent(objectRef.subresource)",
        "| sort @timestamp asc",
        "| limit 10000",
      ].join("\n"),
      ["fields @timestamp", "| filter @logStream like /^kube-apiserver-audit-/", "| stats count(*) as events by bin(5m) as period", "| sort period asc"].join("\n"),
    ],
  );
  assert.match(eksQueries(o)[0].run, /^aws logs start-query --log-group-name \/aws\/eks\/prod\/cluster --start-time \$\(date -d '-3 days' \+%s\)/);
  assert.match(eksQueries()[0].run, /--log-group-name \/aws\/eks\/CLUSTER\/cluster --start-time \$\(date -d '-7 days'/);
});

test("GKE: BigQuery over the sink's tables and the Cloud Logging filter", () => {
  const [secrets, coverage, filter] = gkeQueries(o);
  assert.equal(
    secrets.text,
    `SELECT
  timestamp,
  insertId,
  logName,
  resource,
  labels,
  STRUCT(
    protopayload_auditlog.methodName AS methodName,
    protopayload_auditlog.resourceName AS resourceName,
    protopayload_auditlog.authenticationInfo AS authenticationInfo,
    protopayload_auditlog.authorizationInfo AS authorizationInfo,
    protopayload_auditlog.requestMetadata AS requestMetadata,
    protopayload_auditlog.status AS status
  ) AS protopayload_auditlog
FROM \`shop-prod.audit.cloudaudit_googleapis_com_data_access\`
WHERE resource.type = 'k8s_cluster'
  AND protopayload_auditlog.methodName IN ('io.k8s.core.v1.secrets.get', 'io.k8s.core.v1.secrets.list', 'io.k8s.core.v1.secrets.watch')
  AND timestamp >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)
  AND resource.labels.cluster_name = 'prod'
ORDER BY timestamp`,
  );
  assert.equal(
    coverage.text,
    `SELECT
  resource.labels.cluster_name AS cluster,
  logName,
  TIMESTAMP_TRUNC(timestamp, HOUR) AS hour,
  COUNT(*) AS entries,
  COUNTIF(STARTS_WITH(protopayload_auditlog.methodName, 'io.k8s.core.v1.secrets.')) AS secret_entries
FROM \`shop-prod.audit.cloudaudit_googleapis_com_*\`
WHERE resource.type = 'k8s_cluster'
  AND timestamp >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 3 DAY)
  AND resource.labels.cluster_name = 'prod'
GROUP BY cluster, logName, hour
ORDER BY cluster, hour, logName`,
  );
  assert.equal(
    filter.text,
    `resource.type="k8s_cluster"
logName="projects/shop-prod/logs/cloudaudit.googleapis.com%2Fdata_access"
resource.labels.cluster_name="prod"
protoPayload.methodName=("io.k8s.core.v1.secrets.get" OR "io.k8s.core.v1.secrets.list" OR "io.k8s.core.v1.secrets.watch")`,
  );
  // Without a cluster: every cluster of the project.
  assert.ok(!gkeQueries({ project: "p", dataset: "d" })[2].text.includes("cluster_name"));
});

test("AKS: KQL over AKSAudit, AzureDiagnostics and the coverage union", () => {
  assert.deepEqual(
    aksQueries(o).map((q) => q.text),
    [
      `AKSAudit
| where TimeGenerated > ago(3d)
| where _ResourceId endswith "/managedclusters/prod"
| where ObjectRef.resource == "secrets" and isempty(tostring(ObjectRef.subresource)) and Verb in ("get", "list", "watch")
| project-away RequestObject, ResponseObject
| order by TimeGenerated asc`,
      `AzureDiagnostics
| where TimeGenerated > ago(3d)
| where Category == "kube-audit"
| where ResourceId endswith "/managedclusters/prod"
| extend event = parse_json(log_s)
| where event.objectRef.resource == "secrets" and isempty(tostring(event.objectRef.subresource)) and tostring(event.verb) in ("get", "list", "watch")
| extend event = bag_remove_keys(event, dynamic(["requestObject", "responseObject"]))
| project TimeGenerated, Category, ResourceId, log_s = tostring(event)
| order by TimeGenerated asc`,
      `union withsource=Table AKSAudit, AKSAuditAdmin, (AzureDiagnostics | where Category startswith "kube-audit" | extend Table = Category)
| where TimeGenerated > ago(3d)
| summarize events = count() by Table, bin(TimeGenerated, 5m)
| order by TimeGenerated asc`,
    ],
  );
});

test("access --query prints each query and how to run it; a bad platform exits 2", async () => {
  let out = "";
  let err = "";
  const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) };
  assert.equal(await runAccess(["--query", "gke", "--project", "shop-prod", "--dataset", "audit"], io), 0);
  assert.ok(out.startsWith("# BigQuery: Secret reads (get, list, watch)\nSELECT\n"));
  assert.ok(out.includes('#   gcloud logging read "$(cat secrets.filter)" --project=shop-prod --freshness=7d --format=json > secrets.json'));
  assert.equal(await runAccess(["--query", "openshift"], io), 2);
  assert.match(err, /--query: expected eks, gke or aks, got "openshift"/);
});

test("coverage query results are read: Insights bins, BigQuery hourly counts, KQL bins", async () => {
  // Logs Insights get-query-results of the coverage query: two bins 40 minutes apart → a gap.
  const insights = { status: "Complete", results: [[{ field: "period", value: "2026-11-30 10:00:00.000" }, { field: "events", value: "120" }], [{ field: "period", value: "2026-11-30 10:45:00.000" }, { field: "events", value: "98" }]] };
  const eks = await read(JSON.stringify(insights), { cluster: "prod" });
  assert.deepEqual(eks.problems, []);
  assert.equal(eks.result.decoder.coverageRows, 2);
  assert.deepEqual([...eks.result.decoder.activity.get("eks prod")!].length, 10);
  // BigQuery coverage rows: activity entries, no data_access rows for the cluster.
  const bq = [{ cluster: "prod", logName: "projects/shop-prod/logs/cloudaudit.googleapis.com%2Factivity", hour: "2026-11-30 10:00:00 UTC", entries: "42", secret_entries: "3" }];
  const gke = await read(JSON.stringify(bq));
  assert.deepEqual(gke.result.decoder.facts.gke, { prod: { activity: 42, dataAccess: 0, secretReads: 0 } });
  // KQL coverage rows: only AKSAuditAdmin.
  const kql = [{ Table: "AKSAuditAdmin", TimeGenerated: "2026-11-30T10:00:00Z", events: 17 }];
  const aks = await read(JSON.stringify(kql));
  assert.deepEqual(aks.result.decoder.facts.aks, { AKSAuditAdmin: 17 });
});
