/**
 * `access --query eks|gke|aks`: the queries that select exactly the Secret-access events (and the
 * coverage facts) where the logs already live, so nobody downloads millions of events. Each query's result
 * export is an input format of the command:
 *
 * - EKS, CloudWatch Logs Insights over `/aws/eks/<cluster>/cluster`: `aws logs get-query-results` JSON (or
 *   the console's JSON export) whose `@message` is the Event.
 * - GKE, BigQuery over a log sink's partitioned `cloudaudit_googleapis_com_data_access` table (the sink
 *   this package creates, components/audit/gke.ts): `bq query --format=json` rows; and the Cloud Logging
 *   filter for `gcloud logging read --format=json`.
 * - AKS, KQL over the workspace's resource-specific `AKSAudit` table (and `AzureDiagnostics` for
 *   workspaces in the legacy mode): `az monitor log-analytics query -o json` rows or the query API's tables.
 *
 * Secret reads are get, list and watch on the core `secrets` resource, nothing else; values are never
 * selected (RequestObject/ResponseObject are left out).
 */

export interface QueryOptions {
  /** Cluster name (EKS cluster, GKE cluster, AKS managed cluster). Default: a placeholder to fill in. */
  cluster?: string;
  /** GCP project (GKE: log name and BigQuery project). */
  project?: string;
  /** BigQuery dataset of the log sink. */
  dataset?: string;
  /** Days to look back. Default 7. */
  days?: number;
}

export interface QueryText {
  /** What it selects. */
  title: string;
  /** The engine: `CloudWatch Logs Insights`, `BigQuery`, `Cloud Logging filter`, `KQL`. */
  engine: string;
  text: string;
  /** How to run it and keep the result in a format `access` reads. */
  run: string;
}

const SECRET_VERBS = ["get", "list", "watch"];

export function eksQueries(o: QueryOptions = {}): QueryText[] {
  const cluster = o.cluster ?? "CLUSTER";
  const days = o.days ?? 7;
  const group = `/aws/eks/${cluster}/cluster`;
  const events = [
    "fields @timestamp, @message, @logStream, @log",
    "| filter @logStream like /^kube-apiserver-audit-/",
    `| filter objectRef.resource = "secrets" and verb in [${SECRET_VERBS.map((v) => `"${v}"`).join(", ")}]`,
    "| filter not ispresent(objectRef.subresource)",
    "| sort @timestamp asc",
    "| limit 10000",
  ].join("\n");
  const coverage = [
    "fields @timestamp",
    "| filter @logStream like /^kube-apiserver-audit-/",
    "| stats count(*) as events by bin(5m) as period",
    "| sort period asc",
  ].join("\n");
  const run = (file: string, out: string) =>
    [
      `aws logs start-query --log-group-name ${group} --start-time $(date -d '-${days} days' +%s) --end-time $(date +%s) --query-string "$(cat ${file})"`,
      `aws logs get-query-results --query-id <queryId> > ${out}`,
    ].join("\n");
  return [
    { title: "Secret reads (get, list, watch)", engine: "CloudWatch Logs Insights", text: events, run: `${run("secrets.insights", "secrets.json")}\nkube-secrets-platform access --out report secrets.json\n# Logs Insights returns at most 10,000 rows: split the time range until each part is below it.` },
    { title: "Coverage: audit events per 5 minutes (empty bins are gaps)", engine: "CloudWatch Logs Insights", text: coverage, run: `${run("coverage.insights", "coverage.json")}\nkube-secrets-platform access --cluster ${cluster} --out report secrets.json coverage.json` },
  ];
}

export function gkeQueries(o: QueryOptions = {}): QueryText[] {
  const project = o.project ?? "PROJECT";
  const dataset = o.dataset ?? "DATASET";
  const days = o.days ?? 7;
  const methods = SECRET_VERBS.map((v) => `io.k8s.core.v1.secrets.${v}`);
  const clusterFilter = o.cluster ? [`resource.labels.cluster_name="${o.cluster}"`] : [];
  const filter = [
    'resource.type="k8s_cluster"',
    `logName="projects/${project}/logs/cloudaudit.googleapis.com%2Fdata_access"`,
    ...clusterFilter,
    `protoPayload.methodName=(${methods.map((m) => `"${m}"`).join(" OR ")})`,
  ].join("\n");
  const bqCluster = o.cluster ? `\n  AND resource.labels.cluster_name = '${o.cluster}'` : "";
  const bq = [
    "SELECT",
    "  timestamp,",
    "  insertId,",
    "  logName,",
    "  resource,",
    "  labels,",
    "  STRUCT(",
    "    protopayload_auditlog.methodName AS methodName,",
    "    protopayload_auditlog.resourceName AS resourceName,",
    "    protopayload_auditlog.authenticationInfo AS authenticationInfo,",
    "    protopayload_auditlog.authorizationInfo AS authorizationInfo,",
    "    protopayload_auditlog.requestMetadata AS requestMetadata,",
    "    protopayload_auditlog.status AS status",
    "  ) AS protopayload_auditlog",
    `FROM \`${project}.${dataset}.cloudaudit_googleapis_com_data_access\``,
    "WHERE resource.type = 'k8s_cluster'",
    `  AND protopayload_auditlog.methodName IN (${methods.map((m) => `'${m}'`).join(", ")})`,
    `  AND timestamp >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${days} DAY)${bqCluster}`,
    "ORDER BY timestamp",
  ].join("\n");
  const coverage = [
    "SELECT",
    "  resource.labels.cluster_name AS cluster,",
    "  logName,",
    "  TIMESTAMP_TRUNC(timestamp, HOUR) AS hour,",
    "  COUNT(*) AS entries,",
    "  COUNTIF(STARTS_WITH(protopayload_auditlog.methodName, 'io.k8s.core.v1.secrets.')) AS secret_entries",
    `FROM \`${project}.${dataset}.cloudaudit_googleapis_com_*\``,
    "WHERE resource.type = 'k8s_cluster'",
    `  AND timestamp >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${days} DAY)${bqCluster}`,
    "GROUP BY cluster, logName, hour",
    "ORDER BY cluster, hour, logName",
  ].join("\n");
  return [
    { title: "Secret reads (get, list, watch)", engine: "BigQuery", text: bq, run: `bq query --use_legacy_sql=false --format=json --max_rows=100000000 "$(cat secrets.sql)" > secrets.json\nkube-secrets-platform access --out report secrets.json` },
    { title: "Coverage: entries per hour in the Admin Activity and Data Access logs (no data_access rows: Data Access logs are off)", engine: "BigQuery", text: coverage, run: "bq query --use_legacy_sql=false --format=json \"$(cat coverage.sql)\" > coverage.json\nkube-secrets-platform access --out report secrets.json coverage.json" },
    { title: "Secret reads (get, list, watch)", engine: "Cloud Logging filter", text: filter, run: `gcloud logging read "$(cat secrets.filter)" --project=${project} --freshness=${days}d --format=json > secrets.json\nkube-secrets-platform access --out report secrets.json` },
  ];
}

export function aksQueries(o: QueryOptions = {}): QueryText[] {
  const days = o.days ?? 7;
  // The resource id column: `_ResourceId` in the resource-specific tables, `ResourceId` in AzureDiagnostics.
  const clusterLine = (column: string) => (o.cluster ? [`| where ${column} endswith "/managedclusters/${o.cluster}"`] : []);
  const verbs = SECRET_VERBS.map((v) => `"${v}"`).join(", ");
  const table = [
    "AKSAudit",
    `| where TimeGenerated > ago(${days}d)`,
    ...clusterLine("_ResourceId"),
    `| where ObjectRef.resource == "secrets" and isempty(tostring(ObjectRef.subresource)) and Verb in (${verbs})`,
    "| project-away RequestObject, ResponseObject",
    "| order by TimeGenerated asc",
  ].join("\n");
  const diagnostics = [
    "AzureDiagnostics",
    `| where TimeGenerated > ago(${days}d)`,
    '| where Category == "kube-audit"',
    ...clusterLine("ResourceId"),
    "| extend event = parse_json(log_s)",
    `| where event.objectRef.resource == "secrets" and isempty(tostring(event.objectRef.subresource)) and tostring(event.verb) in (${verbs})`,
    "| extend event = bag_remove_keys(event, dynamic([\"requestObject\", \"responseObject\"]))",
    "| project TimeGenerated, Category, ResourceId, log_s = tostring(event)",
    "| order by TimeGenerated asc",
  ].join("\n");
  const coverage = [
    "union withsource=Table AKSAudit, AKSAuditAdmin, (AzureDiagnostics | where Category startswith \"kube-audit\" | extend Table = Category)",
    `| where TimeGenerated > ago(${days}d)`,
    "| summarize events = count() by Table, bin(TimeGenerated, 5m)",
    "| order by TimeGenerated asc",
  ].join("\n");
  const run = (file: string, out: string) => `az monitor log-analytics query --workspace <workspace-guid> --analytics-query "$(cat ${file})" -o json > ${out}`;
  return [
    { title: "Secret reads (get, list, watch), resource-specific table", engine: "KQL", text: table, run: `${run("secrets.kql", "secrets.json")}\nkube-secrets-platform access --out report secrets.json` },
    { title: "Secret reads (get, list, watch), AzureDiagnostics (legacy collection mode)", engine: "KQL", text: diagnostics, run: `${run("secrets.kql", "secrets.json")}\nkube-secrets-platform access --out report secrets.json` },
    { title: "Coverage: events per table/category per 5 minutes (only AKSAuditAdmin / kube-audit-admin: no reads logged)", engine: "KQL", text: coverage, run: `${run("coverage.kql", "coverage.json")}\nkube-secrets-platform access --out report secrets.json coverage.json` },
  ];
}

export function queriesFor(platform: string, o: QueryOptions): QueryText[] | undefined {
  return platform === "eks" ? eksQueries(o) : platform === "gke" ? gkeQueries(o) : platform === "aks" ? aksQueries(o) : undefined;
}

/** Each query, then how to run it (the query saved in the file the commands name). */
export function renderQueries(qs: QueryText[]): string {
  return qs.map((q) => `# ${q.engine}: ${q.title}\n${q.text}\n\n# Run (with the query above saved in the file named below):\n${q.run.split("\n").map((l) => (l.startsWith("#") ? l : `#   ${l}`)).join("\n")}\n`).join("\n");
}
