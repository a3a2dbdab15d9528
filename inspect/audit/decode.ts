/**
 * Format detection and normalisation: each JSON value read from the input becomes zero or more
 * {@link AccessRecord}s, whatever platform wrote it. Detection is per value, so one input may mix formats.
 *
 * Field shapes, per upstream documentation (cited in test/fixtures/audit/README.md):
 * - Kubernetes `audit.k8s.io/v1` Event / EventList (k8s.io/apiserver/pkg/apis/audit/v1/types.go).
 * - EKS: CloudWatch Logs `FilterLogEvents` / `GetLogEvents` responses (`events[].message` is one Event),
 *   subscription-filter payloads (base64 of gzip of `{messageType, logGroup, logStream, logEvents}`),
 *   Logs Insights `GetQueryResults` (`results[][] = {field, value}`) and the console's JSON export.
 * - GKE: Cloud Logging `LogEntry` with `protoPayload` = `google.cloud.audit.AuditLog`; BigQuery rows of
 *   a log sink's `cloudaudit_googleapis_com_*` tables (`protopayload_auditlog` column).
 * - AKS: Log Analytics `AKSAudit` / `AKSAuditAdmin` rows, `AzureDiagnostics` rows (`Category`, `log_s`),
 *   and the Log Analytics query API's `{tables: [{columns, rows}]}` result.
 * - Vault: audit device JSON lines (hashicorp/vault audit/types.go RequestEntry / ResponseEntry).
 *
 * Request and response bodies (`requestObject`, `responseObject`, `RequestObject`, `ResponseObject`,
 * `protoPayload.request`/`response`, Vault `request.data`/`response.data`) are never read into a record.
 */
import { gunzipSync } from "node:zlib";
import type { Location, ProblemSink } from "./stream";
import { jsonErrorText } from "./stream";
import type { AccessRecord, AuditFormat, CoverageFacts, Decision, FormatFamily, From, What, Who } from "./types";
import { FAMILY_OF } from "./types";

export interface DecodeOptions {
  /** Only accept records of this platform (`--format`); others are reported. Default: detect per record. */
  family?: FormatFamily;
  /** Cluster name for records whose format does not state one (API server log files, Vault). Default "". */
  cluster?: string;
  /**
   * How long an audit ID is remembered to drop later stages and duplicates of a request, in milliseconds
   * of log time. Default 2 hours: longer than the API server's longest watch (`--min-request-timeout`
   * 1800 s, randomised up to twice that).
   */
  dedupeWindowMs?: number;
}

/** Per-stream counts of every event read (Secret or not), in minutes since the epoch, for gap detection. */
export type ActivityMinutes = Map<string, Set<number>>;

const READ_VERBS = new Set(["get", "list", "watch"]);
const COMPLETE_STAGES = new Set(["ResponseComplete", "Panic"]);
/** gRPC status codes (google.rpc.Code) to the HTTP codes the Kubernetes API server answers with. */
const GRPC_TO_HTTP: Record<number, number> = { 0: 200, 3: 400, 5: 404, 6: 409, 7: 403, 16: 401, 8: 429, 13: 500, 14: 503, 4: 504 };

type Obj = Record<string, any>;
const K8S_LINE_PREFIX = '{"kind":"Event","apiVersion":"audit.k8s.io/v1",';

/** The string value after `key` (which ends with the opening quote), when it has no escapes. */
function field(text: string, key: string): string | undefined {
  const i = text.indexOf(key);
  if (i < 0) return undefined;
  const from = i + key.length;
  const end = text.indexOf('"', from);
  if (end < 0) return undefined;
  const v = text.slice(from, end);
  return v.includes("\\") ? undefined : v;
}
const NO_SELECTORS: Readonly<Record<string, any>> = Object.freeze({});

/** The array itself when every element is a string (the usual case: no copy), else its strings. */
function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return v.filter((x) => typeof x === "string");
  return v as string[];
}
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Log Analytics and BigQuery exports hold dynamic columns as JSON text; this reads them either way. */
function dyn(v: unknown): any {
  if (typeof v === "string" && (v.startsWith("{") || v.startsWith("["))) {
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return v === "" ? undefined : v;
}

/** Parses timestamps: RFC 3339 (any fraction), BigQuery's `YYYY-MM-DD HH:MM:SS[.f] UTC`, epoch ms or s. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === "number") return v > 1e11 ? v : v * 1000;
  if (typeof v !== "string" || v === "") return undefined;
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return t;
  if (/^\d+(\.\d+)?(E\d+)?$/i.test(v)) return parseTime(Number(v));
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?: UTC)?$/.exec(v);
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : undefined;
}

/** `system:serviceaccount:<ns>:<name>` → the ServiceAccount. */
export function serviceAccountOf(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith("system:serviceaccount:")) return undefined;
  const rest = user.slice("system:serviceaccount:".length);
  const i = rest.indexOf(":");
  return i > 0 && i < rest.length - 1 ? { namespace: rest.slice(0, i), name: rest.slice(i + 1) } : undefined;
}

function extraValue(extra: unknown, key: string): string | undefined {
  if (!isObj(extra)) return undefined;
  const v = extra[key];
  return Array.isArray(v) ? str(v[0]) : str(v);
}

/** The `fieldSelector` / `labelSelector` query parameters of a request URI, decoded. */
export function selectorsOf(uri: string | undefined): { fieldSelector?: string; labelSelector?: string } {
  if (!uri) return {};
  const q = uri.indexOf("?");
  if (q < 0) return {};
  const params = new URLSearchParams(uri.slice(q + 1));
  const out: { fieldSelector?: string; labelSelector?: string } = {};
  const f = params.get("fieldSelector");
  const l = params.get("labelSelector");
  if (f) out.fieldSelector = f;
  if (l) out.labelSelector = l;
  return out;
}

/** The name a `metadata.name=X` (or `==`) term of a field selector pins a list to. */
export function nameFromFieldSelector(selector: string | undefined): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(",")) {
    const m = /^\s*metadata\.name\s*==?\s*(.+?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

/** The cluster name in an AKS resource id (`.../providers/Microsoft.ContainerService/managedClusters/<name>`). */
function aksCluster(id: unknown): string | undefined {
  const m = typeof id === "string" ? /\/managedclusters\/([^/]+)/i.exec(id) : null;
  return m ? m[1] : undefined;
}

/** The cluster name in an EKS control-plane log group (`/aws/eks/<name>/cluster`), or an Insights `@log`. */
function eksCluster(group: unknown): string | undefined {
  const m = typeof group === "string" ? /\/aws\/eks\/([^/]+)\/cluster/.exec(group) : null;
  return m ? m[1] : undefined;
}

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/** ISO 8601 UTC with milliseconds; an RFC 3339 UTC input is cut textually (the hot path: no Date). */
function isoTime(ms: number, text?: unknown): string {
  if (typeof text === "string" && CANONICAL.test(text)) {
    if (text.length === 20) return `${text.slice(0, 19)}.000Z`;
    const frac = text.slice(20, text.length - 1);
    return `${text.slice(0, 20)}${frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, "0")}Z`;
  }
  return new Date(ms).toISOString();
}

interface Pending {
  record: AccessRecord;
  at: number;
}

/**
 * Once per request id: the final stage is emitted at once; earlier stages wait for it and are emitted when
 * it never comes (at the end, or once older than the window). Ids older than the window are forgotten.
 */
class Dedupe {
  private readonly done = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private maxTime = 0;
  private sincePrune = 0;
  duplicates = 0;

  constructor(
    private readonly window: number,
    private readonly emit: (r: AccessRecord, at: number) => void,
  ) {}

  pendingOf(key: string): Pending | undefined {
    return this.pending.get(key);
  }

  staged(key: string, record: AccessRecord, final: boolean, at: number): void {
    if (at > this.maxTime) this.maxTime = at;
    if (++this.sincePrune >= 65536) this.prune();
    if (this.done.has(key)) {
      this.duplicates++;
      return;
    }
    if (final) {
      if (this.pending.delete(key)) this.duplicates++;
      this.done.set(key, at);
      this.emit(record, at);
    } else {
      if (this.pending.has(key)) this.duplicates++;
      this.pending.set(key, { record, at });
    }
  }

  private prune(): void {
    this.sincePrune = 0;
    const horizon = this.maxTime - this.window;
    for (const [k, t] of this.done) if (t < horizon) this.done.delete(k);
    for (const [k, p] of this.pending) {
      if (p.at < horizon) {
        this.pending.delete(k);
        this.done.set(k, p.at);
        this.emit(p.record, p.at);
      }
    }
  }

  finish(): void {
    const rest = [...this.pending.values()].sort((a, b) => a.at - b.at);
    this.pending.clear();
    for (const p of rest) this.emit(p.record, p.at);
  }
}

/**
 * Reads values into records. Kubernetes requests are counted once per audit ID: the ResponseComplete
 * (or Panic) event when it is present, else the single stage that was logged. Vault request/response
 * pairs are joined by `request.id`. Memory is bounded by the requests of the last `dedupeWindowMs` of
 * log time, not by the input size.
 */
export class AuditDecoder {
  readonly facts: CoverageFacts = { gke: {}, aks: {}, vaultEntries: 0, levels: {} };
  readonly activity: ActivityMinutes = new Map();
  readonly formats: Partial<Record<AuditFormat, number>> = {};
  /** Values that were recognised but are not Secret or Vault credential accesses. */
  otherEvents = 0;
  /** Every event recognised, of any format (Secret or not). */
  get events(): number {
    let n = 0;
    for (const f in this.formats) n += this.formats[f as AuditFormat] ?? 0;
    return n;
  }
  get duplicates(): number {
    return this.k8sSeen.duplicates + this.gkeSeen.duplicates + this.vaultSeen.duplicates;
  }
  /** Rows of the coverage queries' results (events per time bin) that were read. */
  coverageRows = 0;
  /** Kubernetes audit IDs (the same event exported twice, e.g. CloudWatch and Insights, counts once). */
  private readonly k8sSeen: Dedupe;
  private readonly gkeSeen: Dedupe;
  private readonly vaultSeen: Dedupe;
  /** family → cluster → the minutes set in {@link activity}, with the last minute added. */
  private readonly activityCache = new Map<string, Map<string, { set: Set<number>; last: number }>>();

  constructor(
    private readonly options: DecodeOptions,
    emit: (r: AccessRecord, at: number) => void,
    private readonly problem: ProblemSink,
  ) {
    const window = options.dedupeWindowMs ?? 2 * 3600 * 1000;
    this.k8sSeen = new Dedupe(window, emit);
    this.gkeSeen = new Dedupe(window, emit);
    this.vaultSeen = new Dedupe(window, emit);
  }

  /**
   * The API server's own log lines that cannot be Secret reads, handled without JSON.parse (most of a real
   * log: Secret reads are a small share of API traffic). Only lines as the API server's Go encoder writes
   * them qualify: they start with `{"kind":"Event","apiVersion":"audit.k8s.io/v1",` (struct field order),
   * end with `}`, and never escape ASCII letters, so an Event whose objectRef is a Secret always contains
   * `"resource":"secrets"`; any line with that text (or not matching) is parsed as usual. The level and
   * requestReceivedTimestamp (for gap detection) are read by substring.
   */
  fastLine = (text: string): boolean => {
    if (!text.startsWith(K8S_LINE_PREFIX) || text.charCodeAt(text.length - 1) !== 125 || text.includes('"resource":"secrets"')) return false;
    if (this.options.family !== undefined && this.options.family !== "k8s") return false;
    const t = parseTime(field(text, '"requestReceivedTimestamp":"'));
    if (t === undefined) return false;
    this.formats.kubernetes = (this.formats.kubernetes ?? 0) + 1;
    this.otherEvents++;
    const level = field(text, '"level":"');
    if (level !== undefined) this.facts.levels[level] = (this.facts.levels[level] ?? 0) + 1;
    this.activityAt("k8s", this.options.cluster ?? "", t);
    return true;
  };

  /** One JSON value (or a base64 line) from the input. */
  value(v: unknown, loc: Location): void {
    if (isObj(v)) {
      // Fast path: the API server's log backend.
      if (v.kind === "Event" && typeof v.apiVersion === "string" && v.apiVersion.startsWith("audit.k8s.io/")) {
        if (this.accepts("kubernetes", loc)) this.k8sEvent(v, "kubernetes", this.options.cluster ?? "", loc);
        return;
      }
      this.object(v, loc);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => this.value(item, { ...loc, item: (loc.item ?? 0) + i }));
      return;
    }
    if (typeof v === "string" && v.startsWith("H4sI")) {
      this.subscriptionData(v, loc);
      return;
    }
    this.problem({ ...loc, message: "unknown format: not an object" });
  }

  private accepts(format: AuditFormat, loc: Location): boolean {
    const family = this.options.family;
    if (family === undefined || FAMILY_OF[format] === family) return true;
    this.problem({ ...loc, message: `a ${format} record, but --format ${family} was given` });
    return false;
  }

  private object(v: Obj, loc: Location): void {
    if (v.kind === "EventList" && Array.isArray(v.items)) {
      v.items.forEach((ev: unknown, i: number) => this.value(ev, { ...loc, item: i }));
      return;
    }
    if (isObj(v.protoPayload)) {
      if (this.accepts("gke-logging", loc)) this.gkeEntry(v, "gke-logging", loc);
      return;
    }
    if (isObj(v.protopayload_auditlog) || Object.keys(v).some((k) => k.startsWith("protopayload_auditlog."))) {
      if (this.accepts("gke-bigquery", loc)) this.gkeEntry(bigQueryRow(v), "gke-bigquery", loc);
      return;
    }
    if (Array.isArray(v.events) && (v.nextToken !== undefined || v.searchedLogStreams !== undefined || v.nextForwardToken !== undefined || v.events.every((e: unknown) => isObj(e) && "message" in e))) {
      const cluster = this.options.cluster ?? "";
      v.events.forEach((e: unknown, i: number) => {
        const at = { ...loc, item: i };
        if (!isObj(e)) return this.problem({ ...at, message: "CloudWatch Logs event is not an object" });
        if (typeof e.logStreamName === "string" && !e.logStreamName.startsWith("kube-apiserver-audit")) return; // other control-plane logs
        if (this.accepts("eks-cloudwatch", at)) this.eventMessage(e.message, "eks-cloudwatch", cluster, at);
      });
      return;
    }
    if (typeof v.messageType === "string" && "logEvents" in v) {
      this.subscriptionPayload(v, loc);
      return;
    }
    if (isObj(v.awslogs) && typeof v.awslogs.data === "string") {
      this.subscriptionData(v.awslogs.data, loc);
      return;
    }
    if (Array.isArray(v.results) && (v.status !== undefined || v.results.every((r: unknown) => Array.isArray(r)))) {
      v.results.forEach((row: unknown, i: number) => {
        const obj: Obj = {};
        if (Array.isArray(row)) for (const f of row) if (isObj(f) && typeof f.field === "string") obj[f.field] = f.value;
        this.value(obj, { ...loc, item: i });
      });
      return;
    }
    if (this.coverageRow(v)) return;
    if ("@message" in v) {
      if (this.accepts("eks-insights", loc)) this.eventMessage(v["@message"], "eks-insights", eksCluster(v["@log"]) ?? this.options.cluster ?? "", loc);
      return;
    }
    if (Array.isArray(v.tables)) {
      for (const table of v.tables) {
        if (!isObj(table) || !Array.isArray(table.columns) || !Array.isArray(table.rows)) continue;
        const names = table.columns.map((c: any) => (isObj(c) ? String(c.name ?? c.columnName) : String(c)));
        table.rows.forEach((row: unknown, i: number) => {
          if (!Array.isArray(row)) return;
          const obj: Obj = {};
          names.forEach((n: string, j: number) => (obj[n] = row[j]));
          this.value(obj, { ...loc, item: i });
        });
      }
      return;
    }
    if ("AuditId" in v || v.Type === "AKSAudit" || v.Type === "AKSAuditAdmin") {
      if (this.accepts("aks-audit", loc)) this.aksAuditRow(v, loc);
      return;
    }
    if (typeof v.Category === "string" && ("log_s" in v || v.Type === "AzureDiagnostics")) {
      if (this.accepts("aks-diagnostics", loc)) this.aksDiagnosticsRow(v, loc);
      return;
    }
    if ((v.type === "request" || v.type === "response") && isObj(v.request)) {
      if (this.accepts("vault", loc)) this.vaultEntry(v, loc);
      return;
    }
    if (v.kind === "Event" && v.auditID !== undefined) {
      // An Event without its apiVersion (some log shippers drop it).
      if (this.accepts("kubernetes", loc)) this.k8sEvent(v, "kubernetes", this.options.cluster ?? "", loc);
      return;
    }
    this.problem({ ...loc, message: "unknown format: not a Kubernetes audit Event, CloudWatch Logs export, GKE LogEntry, AKS Log Analytics row or Vault audit entry" });
  }

  /**
   * A row of one of the coverage queries (queries.ts): events per time bin. Marks the bin's minutes as
   * active for gap detection and adds the GKE / AKS counts. Returns false for any other value.
   */
  private coverageRow(v: Obj): boolean {
    const mark = (family: string, cluster: string, at: unknown, minutes: number) => {
      const t = parseTime(at);
      if (t === undefined) return;
      for (let m = 0; m < minutes; m++) this.activityAt(family, cluster, t + m * 60000);
    };
    const n = (x: unknown) => (typeof x === "number" ? x : typeof x === "string" && /^\d+$/.test(x) ? Number(x) : 0);
    if ("period" in v && "events" in v && Object.keys(v).every((k) => k === "period" || k === "events")) {
      if (n(v.events) > 0) mark("eks", this.options.cluster ?? "", v.period, 5);
      this.coverageRows++;
      return true;
    }
    if ("secret_entries" in v && "logName" in v && "hour" in v) {
      const cluster = str(v.cluster) ?? this.options.cluster ?? "";
      const facts = (this.facts.gke[cluster] ??= { activity: 0, dataAccess: 0, secretReads: 0 });
      const logName = String(v.logName);
      if (/data_access$/.test(logName)) {
        facts.dataAccess += n(v.entries);
        facts.secretReads += n(v.secret_entries);
      } else if (/activity$/.test(logName)) facts.activity += n(v.entries);
      if (n(v.entries) > 0) mark("gke", cluster, v.hour, 60);
      this.coverageRows++;
      return true;
    }
    if ("Table" in v && "events" in v && "TimeGenerated" in v) {
      const table = String(v.Table);
      this.facts.aks[table] = (this.facts.aks[table] ?? 0) + n(v.events);
      if (n(v.events) > 0 && (table === "AKSAudit" || table === "kube-audit")) mark("aks", this.options.cluster ?? "", v.TimeGenerated, 5);
      this.coverageRows++;
      return true;
    }
    return false;
  }

  private subscriptionData(data: string, loc: Location): void {
    let payload: unknown;
    try {
      payload = JSON.parse(gunzipSync(Buffer.from(data, "base64") as unknown as Uint8Array).toString("utf8"));
    } catch (err) {
      this.problem({ ...loc, message: err instanceof SyntaxError ? `subscription payload: ${jsonErrorText(err)}` : "subscription payload: not base64 of gzip" });
      return;
    }
    if (!isObj(payload)) return this.problem({ ...loc, message: "subscription payload is not an object" });
    this.subscriptionPayload(payload, loc);
  }

  private subscriptionPayload(p: Obj, loc: Location): void {
    if (!this.accepts("eks-subscription", loc)) return;
    if (p.messageType === "CONTROL_MESSAGE") return;
    if (!Array.isArray(p.logEvents)) return this.problem({ ...loc, message: "subscription payload: missing field logEvents" });
    if (typeof p.logStream === "string" && !p.logStream.startsWith("kube-apiserver-audit")) return;
    const cluster = eksCluster(p.logGroup) ?? this.options.cluster ?? "";
    p.logEvents.forEach((e: unknown, i: number) => {
      if (!isObj(e)) return this.problem({ ...loc, item: i, message: "subscription logEvent is not an object" });
      this.eventMessage(e.message, "eks-subscription", cluster, { ...loc, item: i });
    });
  }

  /** A `message` holding one Event as JSON text (CloudWatch, Logs Insights, AzureDiagnostics `log_s`). */
  private eventMessage(message: unknown, format: AuditFormat, cluster: string, loc: Location): void {
    if (typeof message !== "string") return this.problem({ ...loc, message: "missing field message" });
    let ev: unknown;
    try {
      ev = JSON.parse(message);
    } catch (err) {
      return this.problem({ ...loc, message: `message: ${jsonErrorText(err)}` });
    }
    if (!isObj(ev)) return this.problem({ ...loc, message: "message is not a JSON object" });
    this.k8sEvent(ev, format, cluster, loc);
  }

  private aksAuditRow(v: Obj, loc: Location): void {
    const type = str(v.Type) ?? "AKSAudit";
    this.facts.aks[type] = (this.facts.aks[type] ?? 0) + 1;
    const ev: Obj = {
      auditID: v.AuditId,
      stage: v.Stage,
      level: v.Level,
      requestURI: v.RequestUri,
      verb: v.Verb,
      user: dyn(v.User),
      sourceIPs: dyn(v.SourceIps),
      userAgent: v.UserAgent,
      objectRef: dyn(v.ObjectRef),
      responseStatus: dyn(v.ResponseStatus),
      annotations: dyn(v.Annotations),
      requestReceivedTimestamp: v.RequestReceivedTime,
      stageTimestamp: v.StageReceivedTime ?? v.TimeGenerated,
    };
    this.k8sEvent(ev, "aks-audit", aksCluster(v._ResourceId ?? v.ResourceId) ?? this.options.cluster ?? "", loc);
  }

  private aksDiagnosticsRow(v: Obj, loc: Location): void {
    const category = v.Category as string;
    if (category !== "kube-audit" && category !== "kube-audit-admin") {
      this.otherEvents++;
      return;
    }
    this.facts.aks[category] = (this.facts.aks[category] ?? 0) + 1;
    this.eventMessage(v.log_s, "aks-diagnostics", aksCluster(v.ResourceId ?? v._ResourceId) ?? this.options.cluster ?? "", loc);
  }

  /** serviceAccountOf, remembered per user name (bounded: cleared when it grows past 100,000 names). */
  private readonly saCache = new Map<string, { namespace: string; name: string } | null>();
  private serviceAccount(user: string): { namespace: string; name: string } | undefined {
    let sa = this.saCache.get(user);
    if (sa === undefined) {
      if (this.saCache.size >= 100_000) this.saCache.clear();
      this.saCache.set(user, (sa = serviceAccountOf(user) ?? null));
    }
    return sa === null ? undefined : sa;
  }

  private activityAt(family: string, cluster: string, ms: number): void {
    let byCluster = this.activityCache.get(family);
    if (!byCluster) this.activityCache.set(family, (byCluster = new Map()));
    let entry = byCluster.get(cluster);
    if (!entry) {
      const set = new Set<number>();
      this.activity.set(`${family} ${cluster}`, set);
      byCluster.set(cluster, (entry = { set, last: -1 }));
    }
    const minute = Math.floor(ms / 60000);
    if (minute !== entry.last) {
      entry.set.add(minute);
      entry.last = minute;
    }
  }

  /** One Kubernetes audit Event, in whichever wrapper it came. The hot path: no avoidable allocation. */
  k8sEvent(ev: Obj, format: AuditFormat, cluster: string, loc: Location): void {
    this.formats[format] = (this.formats[format] ?? 0) + 1;
    const receivedMs = parseTime(ev.requestReceivedTimestamp) ?? parseTime(ev.stageTimestamp);
    const level = ev.level;
    if (typeof level === "string") this.facts.levels[level] = (this.facts.levels[level] ?? 0) + 1;
    if (receivedMs !== undefined) this.activityAt(FAMILY_OF[format], cluster, receivedMs);
    const ref = ev.objectRef;
    const verb = ev.verb;
    if (!isObj(ref) || ref.resource !== "secrets" || (ref.apiGroup !== undefined && ref.apiGroup !== "") || ref.subresource !== undefined || !READ_VERBS.has(verb)) {
      this.otherEvents++;
      return;
    }
    const user = ev.user;
    const hasUser = isObj(user) && str(user.username) !== undefined;
    if (!str(ev.auditID) || !hasUser || receivedMs === undefined) {
      const missing: string[] = [];
      if (!str(ev.auditID)) missing.push("auditID");
      if (!hasUser) missing.push("user.username");
      if (receivedMs === undefined) missing.push("requestReceivedTimestamp");
      return this.problem({ ...loc, message: `Secret ${String(verb)} event missing field ${missing.join(", ")}` });
    }
    const imp = isObj(ev.impersonatedUser) && str(ev.impersonatedUser.username) ? ev.impersonatedUser : undefined;
    const who: Who = { user: user.username, groups: strings(user.groups) };
    if (imp) {
      who.impersonatedUser = imp.username;
      if (Array.isArray(imp.groups)) who.impersonatedGroups = strings(imp.groups);
    }
    const sa = this.serviceAccount(imp ? imp.username : user.username);
    if (sa) who.serviceAccount = sa;
    const extra = (imp ?? user).extra;
    if (extra !== undefined) {
      const pod = extraValue(extra, "authentication.kubernetes.io/pod-name");
      const node = extraValue(extra, "authentication.kubernetes.io/node-name");
      if (pod) who.pod = pod;
      if (node) who.node = node;
    }
    const what: What = { system: "kubernetes", verb };
    if (str(ref.namespace)) what.namespace = ref.namespace;
    const uri = ev.requestURI;
    const selectors = typeof uri === "string" && uri.includes("?") ? selectorsOf(uri) : NO_SELECTORS;
    const name = str(ref.name) ?? (verb !== "get" ? nameFromFieldSelector(selectors.fieldSelector) : undefined);
    if (name) what.name = name;
    if (selectors.fieldSelector) what.fieldSelector = selectors.fieldSelector;
    if (selectors.labelSelector) what.labelSelector = selectors.labelSelector;
    const ips = strings(ev.sourceIPs);
    const from: From = { sourceIPs: ips };
    if (ips.length > 0) from.trustedIP = ips[ips.length - 1];
    if (str(ev.userAgent)) from.userAgent = ev.userAgent;
    const annotations = isObj(ev.annotations) ? ev.annotations : NO_SELECTORS;
    const decisionText = annotations["authorization.k8s.io/decision"];
    const status = ev.responseStatus;
    const code = isObj(status) && typeof status.code === "number" ? (status.code) : undefined;
    const decision: Decision = {
      allowed: decisionText === "allow" ? true : decisionText === "forbid" ? false : code === 403 || code === 401 ? false : code !== undefined ? true : null,
    };
    const reason = str(annotations["authorization.k8s.io/reason"]);
    if (reason) decision.reason = reason;
    if (code !== undefined) decision.code = code;
    const record: AccessRecord = { format, id: ev.auditID, time: isoTime(receivedMs, ev.requestReceivedTimestamp), cluster, who, what, from, decision };
    const stage = ev.stage;
    this.k8sSeen.staged(record.id, record, typeof stage !== "string" || stage === "" || COMPLETE_STAGES.has(stage), receivedMs);
  }

  /** Emits the requests of which only an early stage (or only a Vault request entry) was logged. */
  finish(): void {
    this.k8sSeen.finish();
    this.gkeSeen.finish();
    this.vaultSeen.finish();
  }

  private gkeEntry(e: Obj, format: AuditFormat, loc: Location): void {
    this.formats[format] = (this.formats[format] ?? 0) + 1;
    const pp = e.protoPayload as Obj;
    const cluster = str(e.resource?.labels?.cluster_name) ?? this.options.cluster ?? "";
    const logName = str(e.logName) ?? "";
    const kind = /cloudaudit\.googleapis\.com(%2F|\/)data_access$/.test(logName) ? "dataAccess" : /cloudaudit\.googleapis\.com(%2F|\/)activity$/.test(logName) ? "activity" : undefined;
    const facts = (this.facts.gke[cluster] ??= { activity: 0, dataAccess: 0, secretReads: 0 });
    if (kind) facts[kind]++;
    const ms = parseTime(e.timestamp) ?? parseTime(e.receiveTimestamp);
    if (ms !== undefined) this.activityAt("gke", cluster, ms);
    const method = str(pp.methodName) ?? "";
    const m = /^io\.k8s\.core\.v1\.secrets\.(get|list|watch)$/.exec(method);
    if (!m) {
      this.otherEvents++;
      return;
    }
    if (kind === "dataAccess") facts.secretReads++;
    const user = str(pp.authenticationInfo?.principalEmail);
    const id = str(e.insertId) ?? str(e.operation?.id);
    const missing = [id ? undefined : "insertId", user ? undefined : "protoPayload.authenticationInfo.principalEmail", ms !== undefined ? undefined : "timestamp"].filter((x) => x);
    if (missing.length > 0) return this.problem({ ...loc, message: `Secret ${m[1]} entry missing field ${missing.join(", ")}` });
    const rn = /^core\/v1\/(?:namespaces\/([^/]+)\/)?secrets(?:\/([^/]+))?$/.exec(str(pp.resourceName) ?? "");
    const labels = isObj(e.labels) ? e.labels : {};
    const label = (k: string) => str(labels[k]) ?? str(labels[k.replace(/[^A-Za-z0-9_]/g, "_")]);
    const authz = Array.isArray(pp.authorizationInfo) ? pp.authorizationInfo.filter(isObj) : [];
    const decisionText = label("authorization.k8s.io/decision");
    const grpc = typeof pp.status?.code === "number" ? (pp.status.code as number) : pp.status !== undefined ? 0 : undefined;
    const granted = authz.length > 0 && authz.every((a) => typeof a.granted === "boolean") ? authz.every((a) => a.granted === true) : undefined;
    const decision: Decision = { allowed: decisionText === "allow" ? true : decisionText === "forbid" ? false : (granted ?? (grpc === 7 ? false : grpc !== undefined ? true : null)) };
    const reason = label("authorization.k8s.io/reason");
    if (reason) decision.reason = reason;
    if (grpc !== undefined && GRPC_TO_HTTP[grpc] !== undefined) decision.code = GRPC_TO_HTTP[grpc];
    const who: Who = { user: user!, groups: [] };
    const sa = serviceAccountOf(user!);
    if (sa) who.serviceAccount = sa;
    const ip = str(pp.requestMetadata?.callerIp);
    const ua = str(pp.requestMetadata?.callerSuppliedUserAgent);
    const record: AccessRecord = {
      format,
      id: id!,
      time: isoTime(ms!),
      cluster,
      who,
      what: { system: "kubernetes", verb: m[1], ...(rn?.[1] ? { namespace: rn[1] } : {}), ...(rn?.[2] ? { name: rn[2] } : {}) },
      from: { sourceIPs: ip ? [ip] : [], ...(ip ? { trustedIP: ip } : {}), ...(ua ? { userAgent: ua } : {}) },
      decision,
    };
    this.gkeSeen.staged(record.id, record, true, ms!);
  }

  private vaultEntry(e: Obj, loc: Location): void {
    this.formats.vault = (this.formats.vault ?? 0) + 1;
    this.facts.vaultEntries++;
    const req = e.request as Obj;
    const path = str(req.path);
    const op = str(req.operation);
    const ms = parseTime(e.time);
    if (ms !== undefined) this.activityAt("vault", this.options.cluster ?? "", ms);
    if (path === "sys/audit" && e.type === "response" && isObj(e.response?.data)) {
      this.facts.vaultAuditDevices = Object.keys(e.response.data).sort();
    }
    if (path !== undefined && (path.startsWith("sys/") || path.startsWith("auth/") || path.startsWith("identity/") || path.startsWith("cubbyhole/"))) {
      // Housekeeping (sys/, token and login paths, identity, the token's own cubbyhole): not credential reads.
      this.otherEvents++;
      return;
    }
    const missing = [str(req.id) ? undefined : "request.id", path ? undefined : "request.path", op ? undefined : "request.operation", ms !== undefined ? undefined : "time"].filter((x) => x);
    if (missing.length > 0) return this.problem({ ...loc, message: `Vault ${String(e.type)} entry missing field ${missing.join(", ")}` });
    const auth = isObj(e.auth) ? e.auth : {};
    const md = isObj(auth.metadata) ? auth.metadata : {};
    const who: Who = { user: str(auth.display_name) ?? str(auth.entity_id) ?? "(no token)", groups: [] };
    if (str(md.service_account_namespace) && str(md.service_account_name)) who.serviceAccount = { namespace: md.service_account_namespace, name: md.service_account_name };
    if (str(md.role)) who.vaultRole = md.role;
    if (str(auth.display_name)) who.vaultDisplayName = auth.display_name;
    const error = str(e.error);
    const denied = error !== undefined && /permission denied/i.test(error);
    const policyAllowed = typeof auth.policy_results?.allowed === "boolean" ? (auth.policy_results.allowed as boolean) : undefined;
    const decision: Decision = { allowed: denied ? false : (policyAllowed ?? true) };
    if (error) decision.reason = error.replace(/\s+/g, " ").trim();
    else if (Array.isArray(auth.policy_results?.granting_policies)) {
      const names = auth.policy_results.granting_policies.map((p: Obj) => p?.name).filter((n: unknown) => typeof n === "string");
      if (names.length > 0) decision.reason = `granted by policies ${names.join(", ")}`;
    }
    if (denied) decision.code = 403;
    const mount = str(req.mount_point) ?? `${path!.split("/")[0]}/`;
    const mountType = str(req.mount_type) ?? str(e.response?.mount_type);
    const ip = str(req.remote_address);
    const uaHeader = isObj(req.headers) ? req.headers["user-agent"] : undefined;
    const ua = Array.isArray(uaHeader) ? str(uaHeader[0]) : undefined;
    const record: AccessRecord = {
      format: "vault",
      id: req.id,
      time: isoTime(ms!),
      cluster: this.options.cluster ?? "",
      who,
      what: { system: "vault", verb: op!, path: path!, mount, ...(mountType ? { mountType } : {}) },
      from: { sourceIPs: ip ? [ip] : [], ...(ip ? { trustedIP: ip } : {}), ...(ua ? { userAgent: ua } : {}) },
      decision,
    };
    // The request entry's time is when the request arrived; its response is logged after the work.
    const earlier = e.type === "response" ? this.vaultSeen.pendingOf(record.id) : undefined;
    if (earlier) record.time = earlier.record.time;
    this.vaultSeen.staged(record.id, record, e.type === "response", earlier ? earlier.at : ms!);
  }
}

/** A BigQuery row of a log sink table as a LogEntry (nested records, or flattened `a.b.c` column names). */
function bigQueryRow(row: Obj): Obj {
  const nested: Obj = {};
  for (const [k, v] of Object.entries(row)) {
    const parts = k.split(".");
    let o = nested;
    for (let i = 0; i < parts.length - 1; i++) o = isObj(o[parts[i]]) ? o[parts[i]] : (o[parts[i]] = {});
    o[parts[parts.length - 1]] = dyn(v);
  }
  const pp = isObj(nested.protopayload_auditlog) ? nested.protopayload_auditlog : {};
  const { protopayload_auditlog: _drop, ...rest } = nested;
  // A sink table's labels column is a RECORD or a JSON string; authorizationInfo may be JSON text too.
  return { ...rest, labels: dyn(rest.labels), protoPayload: { ...pp, authorizationInfo: dyn(pp.authorizationInfo) } };
}
