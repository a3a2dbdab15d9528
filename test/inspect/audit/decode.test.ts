/**
 * Every input format normalises to exact records, and the same accesses give the same records in every
 * format. Field shapes: test/fixtures/audit/README.md (Kubernetes audit/v1 types.go, CloudWatch Logs API,
 * Cloud Logging LogEntry/AuditLog and the BigQuery routing schema, Azure Monitor AKSAudit/AzureDiagnostics,
 * hashicorp/vault audit/types.go).
 */
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { test } from "node:test";
import { nameFromFieldSelector, parseTime, selectorsOf } from "../../../inspect/audit/decode";
import type { AccessRecord } from "../../../inspect/audit/types";
import { read } from "./helpers";
import * as S from "../../fixtures/audit/scenario";


const SA = { namespace: "shop", name: "api" };
const SA_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"];
const API_REASON = 'RBAC: allowed by RoleBinding "api-secrets/shop" of Role "api-secrets" to ServiceAccount "api/shop"';
const API_UA = "api/1.4.2 (linux/amd64) kubernetes/client-go";
const POD = { pod: "api-7d9c4b6f5-x2x9q", node: "ip-10-0-1-20.ec2.internal" };

/** The scenario as the API server's own log states it (every field the format carries). */
const EXPECTED: Omit<AccessRecord, "format">[] = [
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b01",
    time: "2026-11-30T10:00:00.123Z",
    cluster: "prod",
    who: { user: "system:serviceaccount:shop:api", groups: SA_GROUPS, serviceAccount: SA, ...POD },
    what: { system: "kubernetes", verb: "get", namespace: "shop", name: "db-password" },
    // Only the last address (the TCP peer the API server appended) is trusted; 203.0.113.66 came from X-Forwarded-For.
    from: { sourceIPs: ["203.0.113.66", "10.0.1.20"], trustedIP: "10.0.1.20", userAgent: API_UA },
    decision: { allowed: true, reason: API_REASON, code: 200 },
  },
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b02",
    time: "2026-11-30T10:05:00.500Z",
    cluster: "prod",
    who: { user: "system:serviceaccount:shop:api", groups: SA_GROUPS, serviceAccount: SA, ...POD },
    what: { system: "kubernetes", verb: "watch", namespace: "shop", name: "tls-cert", fieldSelector: "metadata.name=tls-cert" },
    from: { sourceIPs: ["10.0.1.20"], trustedIP: "10.0.1.20", userAgent: API_UA },
    decision: { allowed: true, reason: API_REASON, code: 200 },
  },
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b03",
    time: "2026-11-30T11:00:00.000Z",
    cluster: "prod",
    who: { user: "alice@example.com", groups: ["developers", "system:authenticated"] },
    what: { system: "kubernetes", verb: "get", namespace: "kube-system", name: "bootstrap-token-abcdef" },
    from: { sourceIPs: ["198.51.100.10"], trustedIP: "198.51.100.10", userAgent: "kubectl/v1.33.1 (darwin/arm64) kubernetes/8adc0f0" },
    decision: { allowed: false, code: 403 },
  },
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b04",
    time: "2026-11-30T12:00:00.250Z",
    cluster: "prod",
    who: { user: "bob@example.com", groups: ["sre", "system:authenticated"] },
    what: { system: "kubernetes", verb: "list" },
    from: { sourceIPs: ["198.51.100.20"], trustedIP: "198.51.100.20", userAgent: "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0" },
    decision: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "sre-read" of ClusterRole "view-secrets" to Group "sre"', code: 200 },
  },
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b05",
    time: "2026-11-30T13:00:00.000Z",
    cluster: "prod",
    who: { user: "carol@example.com", groups: ["sre", "system:authenticated"], impersonatedUser: "system:serviceaccount:shop:api", impersonatedGroups: SA_GROUPS, serviceAccount: SA },
    what: { system: "kubernetes", verb: "get", namespace: "shop", name: "db-password" },
    from: { sourceIPs: ["198.51.100.30"], trustedIP: "198.51.100.30", userAgent: "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0" },
    decision: { allowed: true, reason: API_REASON, code: 200 },
  },
  {
    id: "0d6f2c4e-6a39-4bd4-a6c1-5d0c1a7e9b06",
    time: "2026-11-30T14:00:00.000Z",
    cluster: "prod",
    who: { user: "system:serviceaccount:shop:api", groups: SA_GROUPS, serviceAccount: SA, ...POD },
    what: { system: "kubernetes", verb: "get", namespace: "shop", name: "stripe-key" },
    from: { sourceIPs: ["10.0.9.9"], trustedIP: "10.0.9.9", userAgent: API_UA },
    decision: { allowed: true, reason: API_REASON, code: 200 },
  },
];
const withFormat = (format: AccessRecord["format"], recs = EXPECTED) => recs.map((r) => ({ format, ...r }));
const PLAIN_IDS = new Set(S.PLAIN_SCENARIO.map((a) => a.id));
const PLAIN = EXPECTED.filter((r) => PLAIN_IDS.has(r.id));

test("API server log (JSON lines, two stages per request): exact records, once per auditID, ConfigMap read skipped", async () => {
  const { records, problems, result } = await read(S.kubernetesJsonLines(), { cluster: "prod" });
  assert.deepEqual(problems, []);
  assert.deepEqual(records, withFormat("kubernetes"));
  assert.equal(result.decoder.duplicates, 6); // the RequestReceived stages
  assert.equal(result.decoder.otherEvents, 1);
});

test("a request logged only at RequestReceived counts once, with the decision unknown", async () => {
  const { records, problems } = await read(JSON.stringify(S.k8sEvent(S.SCENARIO[0], "RequestReceived")) + "\n", { cluster: "prod" });
  assert.deepEqual(problems, []);
  // RequestReceived carries no responseStatus and no authorization annotations: no code, no reason.
  assert.deepEqual(records, [{ format: "kubernetes", ...EXPECTED[0], decision: { allowed: null } }]);
});

test("EventList document and the EKS CloudWatch Logs exports give the same records", async () => {
  assert.deepEqual((await read(S.kubernetesEventList(), { cluster: "prod" })).records, withFormat("kubernetes"));
  // FilterLogEvents: the authenticator stream's line is skipped; the cluster is not in the export.
  const fle = await read(S.eksFilterLogEvents(), { cluster: "prod" });
  assert.deepEqual(fle.problems, []);
  assert.deepEqual(fle.records, withFormat("eks-cloudwatch"));
  assert.deepEqual((await read(S.eksGetLogEvents(), { cluster: "prod" })).records, withFormat("eks-cloudwatch"));
  // Subscription payloads name the log group: /aws/eks/prod/cluster gives the cluster without --cluster.
  const sub = await read(S.eksSubscriptionBase64Lines());
  assert.deepEqual(sub.problems, []);
  assert.deepEqual(sub.records, withFormat("eks-subscription"));
  assert.deepEqual((await read(S.eksSubscriptionLambdaEvent())).records, withFormat("eks-subscription"));
  // Firehose writes the payloads gzip'd and concatenated: gzip detected, objects split.
  const payloads = S.eksSubscriptionBase64Lines().trim().split("\n").map((l) => gunzipSync(Buffer.from(l, "base64") as unknown as Uint8Array).toString());
  const concatenated = gzipSync(Buffer.from(payloads.join("")) as unknown as Uint8Array);
  assert.deepEqual((await read(concatenated)).records, withFormat("eks-subscription"));
});

test("Logs Insights results (API and console export) give the same records, cluster from @log", async () => {
  assert.deepEqual((await read(S.eksInsightsResults())).records, withFormat("eks-insights"));
  assert.deepEqual((await read(S.eksInsightsConsoleExport())).records, withFormat("eks-insights"));
});

test("AKS: AKSAudit rows (CLI JSON and query API tables) and AzureDiagnostics kube-audit rows", async () => {
  const cli = await read(S.aksAuditCliJson());
  assert.deepEqual(cli.problems, []);
  assert.deepEqual(cli.records, withFormat("aks-audit", PLAIN));
  assert.deepEqual((await read(S.aksAuditApiTables())).records, withFormat("aks-audit", PLAIN));
  const diag = await read(S.aksDiagnosticsRows());
  assert.deepEqual(diag.records, withFormat("aks-diagnostics"));
  assert.equal(diag.result.decoder.otherEvents, 1); // the kube-apiserver category row
});

test("GKE LogEntry (gcloud array, sink JSON lines) and BigQuery rows: the same accesses, without what GKE does not log", async () => {
  // GKE's AuditLog carries no groups, no token extra (pod/node), one caller IP and no request URI, and its
  // id is the LogEntry insertId; everything else is the same record.
  const gke = (format: AccessRecord["format"]) =>
    PLAIN.map((r) => {
      const { groups: _g, pod: _p, node: _n, ...who } = r.who;
      const { fieldSelector: _f, ...what } = r.what;
      return { format, ...r, id: `gke-${r.id.slice(-2)}`, who: { ...who, groups: [] }, what, from: { ...r.from, sourceIPs: [r.from.trustedIP!] } };
    });
  const gcloud = await read(S.gkeGcloudJson());
  assert.deepEqual(gcloud.problems, []);
  assert.deepEqual(gcloud.records, gke("gke-logging"));
  assert.deepEqual((await read(S.gkeSinkJsonLines())).records, gke("gke-logging"));
  assert.deepEqual((await read(S.gkeBigQueryRows())).records, gke("gke-bigquery"));
  // A console CSV-to-JSON export flattens the columns: protopayload_auditlog.methodName, ...
  const flat = (JSON.parse(S.gkeBigQueryRows()) as any[]).map((row) => {
    const out: Record<string, unknown> = { timestamp: row.timestamp, insertId: row.insertId, logName: row.logName, "resource.labels.cluster_name": "prod", labels: JSON.stringify(row.labels) };
    for (const [k, v] of Object.entries(row.protopayload_auditlog)) out[`protopayload_auditlog.${k}`] = typeof v === "object" ? JSON.stringify(v) : v;
    return out;
  });
  assert.deepEqual((await read(JSON.stringify(flat))).records, gke("gke-bigquery"));
});

test("Vault audit device: request/response pairs joined by request.id, Kubernetes auth identity, sys/ skipped", async () => {
  const { records, problems, result } = await read(S.vaultJsonLines());
  assert.deepEqual(problems, []);
  const who = { user: "kubernetes-shop-api", groups: [], serviceAccount: SA, vaultRole: "shop-api", vaultDisplayName: "kubernetes-shop-api" };
  assert.deepEqual(records, [
    {
      format: "vault",
      id: "5c1d2e3f-0001-4a5b-8c9d-0e1f2a3b4c5d",
      time: "2026-11-30T10:00:01.000Z",
      cluster: "",
      who,
      what: { system: "vault", verb: "read", path: "secret/data/shop/db", mount: "secret/", mountType: "kv" },
      from: { sourceIPs: ["10.0.1.20"], trustedIP: "10.0.1.20" },
      decision: { allowed: true, reason: "granted by policies shop-api" },
    },
    {
      format: "vault",
      id: "5c1d2e3f-0002-4a5b-8c9d-0e1f2a3b4c5d",
      time: "2026-11-30T12:00:00.000Z",
      cluster: "",
      who,
      what: { system: "vault", verb: "read", path: "secret/data/payments/stripe", mount: "secret/", mountType: "kv" },
      from: { sourceIPs: ["10.0.1.20"], trustedIP: "10.0.1.20" },
      decision: { allowed: false, reason: "1 error occurred: * permission denied", code: 403 },
    },
  ]);
  assert.equal(result.decoder.duplicates, 2);
  assert.deepEqual(result.decoder.facts.vaultAuditDevices, ["file/"]);
});

test("one input may mix formats; --format rejects records of another platform, reported by line", async () => {
  const mixed = JSON.stringify(S.k8sEvent(S.SCENARIO[0])) + "\n" + JSON.stringify(S.gkeEntry(S.SCENARIO[2])) + "\n";
  assert.deepEqual((await read(mixed, { cluster: "prod" })).records.map((r) => r.format), ["kubernetes", "gke-logging"]);
  const only = await read(mixed, { cluster: "prod", family: "gke" }, "mixed.jsonl");
  assert.deepEqual(only.records.map((r) => r.format), ["gke-logging"]);
  assert.deepEqual(only.problems, [{ file: "mixed.jsonl", line: 1, message: "a kubernetes record, but --format gke was given" }]);
});

test("bad input: truncated line, unknown format, missing fields are reported with file and line; the rest is read", async () => {
  const good = S.SCENARIO.map((a) => JSON.stringify(S.k8sEvent(a)));
  const missing = { ...S.k8sEvent(S.SCENARIO[1]) } as Record<string, unknown>;
  delete missing.user;
  const lines = [good[0], good[1].slice(0, 120), JSON.stringify({ hello: "world" }), JSON.stringify(missing), good[2], "not json at all", good[3]];
  const { records, problems } = await read(lines.join("\n") + "\n", { cluster: "prod" }, "audit.log");
  assert.deepEqual(records.map((r) => r.id), [S.SCENARIO[0].id, S.SCENARIO[2].id, S.SCENARIO[3].id]);
  assert.deepEqual(problems, [
    { file: "audit.log", line: 2, message: "not valid JSON (error at character 121; truncated or corrupt)" },
    { file: "audit.log", line: 3, message: "unknown format: not a Kubernetes audit Event, CloudWatch Logs export, GKE LogEntry, AKS Log Analytics row or Vault audit entry" },
    { file: "audit.log", line: 4, message: "Secret watch event missing field user.username" },
    { file: "audit.log", line: 6, message: "not JSON" },
  ]);
});

test("bad input in documents: a truncated array and a bad element inside a CloudWatch export", async () => {
  const arr = S.gkeGcloudJson();
  const cut = await read(arr.slice(0, Math.floor(arr.length * 0.6)), {}, "gke.json");
  // The entries before the cut are read; the one the cut falls in is reported where it starts.
  assert.deepEqual(cut.records.map((r) => r.id), ["gke-01", "gke-02", "gke-03"]);
  assert.deepEqual(cut.problems, [{ file: "gke.json", line: 165, message: "the JSON document ends early (truncated)" }]);
  const doc = JSON.parse(S.eksGetLogEvents());
  doc.events[1].message = doc.events[1].message.slice(0, 50);
  const bad = await read(JSON.stringify(doc, null, 2), { cluster: "prod" }, "events.json");
  assert.deepEqual(bad.records, withFormat("eks-cloudwatch").filter((r) => r.id !== S.SCENARIO[1].id));
  assert.deepEqual(bad.problems, [{ file: "events.json", line: 1, item: 1, message: "message: not valid JSON (error at character 51; truncated or corrupt)" }]);
});

test("helpers: selectors, metadata.name field selector, timestamps", () => {
  assert.deepEqual(selectorsOf("/api/v1/namespaces/a/secrets?labelSelector=app%3Dweb%2Ctier%21%3Ddb&fieldSelector=type%3Dkubernetes.io%2Ftls"), { fieldSelector: "type=kubernetes.io/tls", labelSelector: "app=web,tier!=db" });
  assert.equal(nameFromFieldSelector("type=Opaque,metadata.name==x"), "x");
  assert.equal(nameFromFieldSelector("metadata.name!=x"), undefined);
  assert.equal(parseTime("2026-11-30 10:00:00.123456 UTC"), Date.parse("2026-11-30T10:00:00.123Z"));
  assert.equal(parseTime("1.7960328E9"), 1796032800000);
  assert.equal(parseTime(1796032800123), 1796032800123);
});

test("the API server's non-Secret lines skip JSON.parse with the same facts; truncated ones are still reported", async () => {
  const { AuditDecoder } = await import("../../../inspect/audit/decode");
  const { TextSplitter } = await import("../../../inspect/audit/stream");
  const text = S.kubernetesJsonLines();
  const facts = (withHook: boolean) => {
    const dec = new AuditDecoder({ cluster: "prod" }, () => {}, () => {});
    const problems: unknown[] = [];
    const sp = new TextSplitter("f", (v, l) => dec.value(v, l), (p) => problems.push(p), withHook ? dec.fastLine : undefined);
    sp.feed(text);
    sp.end();
    return { formats: dec.formats, levels: dec.facts.levels, other: dec.otherEvents, activity: [...dec.activity].map(([k, v]) => [k, [...v]]), problems };
  };
  assert.deepEqual(facts(true), facts(false));
  const dec = new AuditDecoder({ cluster: "prod" }, () => {}, () => {});
  const other = JSON.stringify(S.k8sEvent(S.OTHER));
  assert.equal(dec.fastLine(other), true);
  assert.equal(dec.fastLine(JSON.stringify(S.k8sEvent(S.SCENARIO[0]))), false); // a Secret read: parsed
  assert.equal(dec.fastLine(other.slice(0, -5)), false); // truncated: parsed, and reported
  assert.equal(dec.fastLine(JSON.stringify({ apiVersion: "audit.k8s.io/v1", kind: "Event", ...S.k8sEvent(S.OTHER) })), false); // not the Go encoder's field order
  const { problems } = await read(other.slice(0, -5) + "\n", { cluster: "prod" }, "a.log");
  assert.deepEqual(problems, [{ file: "a.log", line: 1, message: "the JSON document ends early (truncated)" }]);
});
