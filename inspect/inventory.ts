/**
 * The inventory a scan works on: the objects of one cluster, reduced on read to what the Secret graph and
 * the RBAC engine need. Reduction is where values die: a Secret keeps its metadata, type and key names,
 * never `data`/`stringData`; every object loses `kubectl.kubernetes.io/last-applied-configuration` (which
 * may hold a whole Secret) and its managedFields (only manager names are kept); literal env values and
 * container args are reduced to the Secret-name-shaped tokens they contain (used only to match existing
 * Secret names for API-read proposals, never written out).
 *
 * Both readers (dumps: inspect/dump.ts, live API: inspect/live.ts) feed objects through `addObject`.
 */
import type { KubeObject } from "../policy-pack/rbac";
import type { NotListed } from "./scanSchema";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Kinds the scan uses; anything else is counted and dropped. */
export const USED_KINDS = new Set([
  "Namespace",
  "Secret",
  "ServiceAccount",
  "Pod",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "ReplicationController",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "Ingress",
  "ExternalSecret",
  "ClusterExternalSecret",
  "SecretStore",
  "ClusterSecretStore",
  "SealedSecret",
  "SecretProviderClass",
  "Certificate",
]);

export const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"]);

/** A reduced object: a KubeObject whose fields are only what the scan reads. */
export type Obj = KubeObject & { metadata: Meta };

export interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind?: string; name?: string; controller?: boolean }>;
  creationTimestamp?: string;
  uid?: string;
  /** Distinct managedFields managers (reduced from managedFields). */
  managers?: string[];
}

export interface Inventory {
  objects: Obj[];
  /** Objects read per kind, including dropped kinds. */
  counts: Record<string, number>;
  notListed: NotListed[];
  warnings: string[];
  kubernetesVersion?: string;
}

export function emptyInventory(): Inventory {
  return { objects: [], counts: {}, notListed: [], warnings: [] };
}

/** Collects reduced objects; a later object with the same kind, namespace and name replaces the earlier. */
export class InventoryBuilder {
  private readonly byKey = new Map<string, number>();
  readonly inventory: Inventory = emptyInventory();

  /** Adds one object as read (a List's item or a document); Lists are expanded. */
  add(raw: unknown, defaultKind?: string, defaultApiVersion?: string): void {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return;
    const obj = raw as Record<string, any>;
    const kind = typeof obj.kind === "string" && obj.kind !== "PartialObjectMetadata" ? obj.kind : defaultKind;
    if (kind && kind.endsWith("List") && Array.isArray(obj.items)) {
      const itemKind = kind === "List" ? undefined : kind.slice(0, -4);
      const metadataOnly = itemKind === "PartialObjectMetadata";
      for (const item of obj.items) this.add(item, metadataOnly ? defaultKind : itemKind, metadataOnly || kind === "List" ? defaultApiVersion : (str(obj.apiVersion) ?? defaultApiVersion));
      return;
    }
    if (!kind) {
      this.inventory.warnings.push(`an object without kind was skipped${obj.metadata?.name ? ` (${String(obj.metadata.name)})` : ""}`);
      return;
    }
    this.inventory.counts[kind] = (this.inventory.counts[kind] ?? 0) + 1;
    if (!USED_KINDS.has(kind)) return;
    const reduced = reduceObject(kind, obj);
    if (reduced.apiVersion === undefined || reduced.apiVersion === "meta.k8s.io/v1" || obj.kind === "PartialObjectMetadata") {
      if (defaultApiVersion) reduced.apiVersion = defaultApiVersion;
      else delete reduced.apiVersion;
    }
    const key = `${kind}/${reduced.metadata.namespace ?? ""}/${reduced.metadata.name ?? ""}`;
    const at = this.byKey.get(key);
    if (at !== undefined) {
      this.inventory.objects[at] = reduced;
      this.inventory.counts[kind]--;
    } else {
      this.byKey.set(key, this.inventory.objects.length);
      this.inventory.objects.push(reduced);
    }
  }
}

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore", "ClusterExternalSecret"]);

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function stringMap(v: unknown, drop?: string): Record<string, string> | undefined {
  if (!v || typeof v !== "object") return undefined;
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === drop) continue;
    out[k] = typeof val === "string" ? val : String(val);
    any = true;
  }
  return any ? out : undefined;
}

function reduceMeta(kind: string, m: Record<string, any> | undefined): Meta {
  const meta: Meta = {};
  if (!m || typeof m !== "object") return meta;
  if (str(m.name)) meta.name = m.name;
  if (str(m.namespace) && !CLUSTER_SCOPED.has(kind)) meta.namespace = m.namespace;
  const labels = stringMap(m.labels);
  if (labels) meta.labels = labels;
  const annotations = stringMap(m.annotations, LAST_APPLIED);
  if (annotations) meta.annotations = annotations;
  if (Array.isArray(m.ownerReferences)) {
    meta.ownerReferences = m.ownerReferences
      .filter((o: any) => o && typeof o === "object")
      .map((o: any) => ({ apiVersion: str(o.apiVersion), kind: str(o.kind), name: str(o.name), ...(o.controller === true ? { controller: true } : {}) }));
  }
  if (m.creationTimestamp) meta.creationTimestamp = String(m.creationTimestamp instanceof Date ? m.creationTimestamp.toISOString() : m.creationTimestamp);
  if (str(m.uid)) meta.uid = m.uid;
  if (Array.isArray(m.managedFields)) {
    const managers = [...new Set(m.managedFields.map((f: any) => str(f?.manager)).filter((x: string | undefined): x is string => !!x))].sort();
    if (managers.length) meta.managers = managers;
  }
  return meta;
}

/** A DNS-subdomain-shaped token (what a Secret name can be). */
const NAME_TOKEN = /[a-z0-9]([-a-z0-9.]*[a-z0-9])?/g;

/** Secret-name-shaped tokens of a literal string (env values, args); the literal itself is not kept. */
function nameTokens(text: string, into: Set<string>): void {
  if (text.length > 4096) return;
  for (const m of text.toLowerCase().matchAll(NAME_TOKEN)) if (m[0].length <= 253) into.add(m[0]);
}

function reduceContainer(c: any, tokens: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: str(c?.name) ?? "" };
  if (Array.isArray(c?.env)) {
    out.env = c.env
      .filter((e: any) => e && typeof e === "object")
      .map((e: any) => {
        if (typeof e.value === "string") nameTokens(e.value, tokens);
        const ref = e.valueFrom?.secretKeyRef;
        return ref ? { name: str(e.name), valueFrom: { secretKeyRef: { name: str(ref.name), key: str(ref.key), ...(ref.optional === true ? { optional: true } : {}) } } } : { name: str(e.name) };
      });
  }
  if (Array.isArray(c?.envFrom)) {
    out.envFrom = c.envFrom
      .filter((e: any) => e?.secretRef)
      .map((e: any) => ({ secretRef: { name: str(e.secretRef.name), ...(e.secretRef.optional === true ? { optional: true } : {}) } }));
  }
  for (const field of ["args", "command"]) {
    if (Array.isArray(c?.[field])) for (const a of c[field]) if (typeof a === "string") nameTokens(a, tokens);
  }
  if (Array.isArray(c?.volumeMounts)) out.volumeMounts = c.volumeMounts.map((v: any) => ({ name: str(v?.name) }));
  return out;
}

function reduceVolume(v: any): Record<string, unknown> | null {
  if (!v || typeof v !== "object") return null;
  const name = str(v.name);
  if (v.secret) {
    return { name, secret: { secretName: str(v.secret.secretName), ...(Array.isArray(v.secret.items) ? { items: v.secret.items.map((i: any) => ({ key: str(i?.key) })) } : {}), ...(v.secret.optional === true ? { optional: true } : {}) } };
  }
  if (Array.isArray(v.projected?.sources)) {
    const sources = v.projected.sources
      .filter((s: any) => s?.secret)
      .map((s: any) => ({ secret: { name: str(s.secret.name), ...(Array.isArray(s.secret.items) ? { items: s.secret.items.map((i: any) => ({ key: str(i?.key) })) } : {}), ...(s.secret.optional === true ? { optional: true } : {}) } }));
    return sources.length ? { name, projected: { sources } } : null;
  }
  if (v.csi) {
    const spc = str(v.csi.volumeAttributes?.secretProviderClass);
    return { name, csi: { driver: str(v.csi.driver), ...(spc ? { volumeAttributes: { secretProviderClass: spc } } : {}) } };
  }
  return null;
}

/** The pod spec reduced to service account, Secret references and name tokens (`_nameTokens`). */
function reducePodSpec(spec: any): Record<string, unknown> | undefined {
  if (!spec || typeof spec !== "object") return undefined;
  const tokens = new Set<string>();
  const out: Record<string, unknown> = {};
  if (str(spec.serviceAccountName)) out.serviceAccountName = spec.serviceAccountName;
  else if (str(spec.serviceAccount)) out.serviceAccountName = spec.serviceAccount;
  if (typeof spec.automountServiceAccountToken === "boolean") out.automountServiceAccountToken = spec.automountServiceAccountToken;
  if (str(spec.nodeName)) out.nodeName = spec.nodeName;
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    if (Array.isArray(spec[field])) out[field] = spec[field].map((c: any) => reduceContainer(c, tokens));
  }
  if (Array.isArray(spec.volumes)) out.volumes = spec.volumes.map(reduceVolume).filter((v: unknown) => v !== null);
  if (Array.isArray(spec.imagePullSecrets)) out.imagePullSecrets = spec.imagePullSecrets.map((s: any) => ({ name: str(s?.name) }));
  out._nameTokens = [...tokens];
  return out;
}

function reduceTemplate(t: any): Record<string, unknown> | undefined {
  if (!t) return undefined;
  const annotations = stringMap(t.metadata?.annotations, LAST_APPLIED);
  return { metadata: annotations ? { annotations } : {}, spec: reducePodSpec(t.spec) };
}

function pick(o: any, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!o || typeof o !== "object") return out;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Provider name of an ESO store (`aws`, `vault`, `gcpsm`, `azurekv`, ...) and a few display fields. */
function reduceStoreProvider(p: any): Record<string, unknown> {
  if (!p || typeof p !== "object") return {};
  const name = Object.keys(p)[0];
  if (!name) return {};
  const cfg = p[name] ?? {};
  return { [name]: pick(cfg, ["region", "service", "server", "path", "version", "projectID", "vaultUrl"]) };
}

/** Reduces one object of a used kind. Exported for tests. */
export function reduceObject(kind: string, obj: Record<string, any>): Obj {
  const metadata = reduceMeta(kind, obj.metadata);
  const base: Obj = { apiVersion: str(obj.apiVersion), kind, metadata };
  const spec = obj.spec ?? {};
  switch (kind) {
    case "Secret": {
      const keys = new Set<string>();
      for (const field of ["data", "stringData"]) if (obj[field] && typeof obj[field] === "object") for (const k of Object.keys(obj[field])) keys.add(k);
      base.type = str(obj.type) ?? (obj.data !== undefined || obj.stringData !== undefined ? "Opaque" : undefined);
      if (obj.data !== undefined || obj.stringData !== undefined) base.keys = [...keys].sort();
      return base;
    }
    case "ServiceAccount":
      base.secrets = Array.isArray(obj.secrets) ? obj.secrets.map((s: any) => ({ name: str(s?.name) })) : [];
      base.imagePullSecrets = Array.isArray(obj.imagePullSecrets) ? obj.imagePullSecrets.map((s: any) => ({ name: str(s?.name) })) : [];
      if (typeof obj.automountServiceAccountToken === "boolean") base.automountServiceAccountToken = obj.automountServiceAccountToken;
      return base;
    case "Role":
    case "ClusterRole":
      base.rules = Array.isArray(obj.rules) ? obj.rules : [];
      if (obj.aggregationRule) base.aggregationRule = obj.aggregationRule;
      return base;
    case "RoleBinding":
    case "ClusterRoleBinding":
      base.roleRef = obj.roleRef;
      base.subjects = Array.isArray(obj.subjects) ? obj.subjects : [];
      return base;
    case "Pod":
      base.spec = reducePodSpec(spec);
      base.status = { phase: str(obj.status?.phase) };
      return base;
    case "CronJob":
      base.spec = { jobTemplate: { spec: { template: reduceTemplate(spec.jobTemplate?.spec?.template) } } };
      return base;
    case "Deployment":
    case "ReplicaSet":
    case "StatefulSet":
    case "DaemonSet":
    case "Job":
    case "ReplicationController":
      base.spec = { template: reduceTemplate(spec.template), ...(typeof spec.replicas === "number" ? { replicas: spec.replicas } : {}) };
      return base;
    case "Ingress":
      base.spec = { tls: Array.isArray(spec.tls) ? spec.tls.map((t: any) => ({ secretName: str(t?.secretName) })) : [] };
      return base;
    case "ExternalSecret":
    case "ClusterExternalSecret": {
      const es = kind === "ClusterExternalSecret" ? (spec.externalSecretSpec ?? {}) : spec;
      const reduced = {
        secretStoreRef: pick(es.secretStoreRef, ["name", "kind"]),
        target: pick(es.target, ["name", "creationPolicy"]),
        data: Array.isArray(es.data) ? es.data.map((d: any) => ({ secretKey: str(d?.secretKey), remoteRef: pick(d?.remoteRef, ["key", "property"]), sourceRef: d?.sourceRef ? { storeRef: pick(d.sourceRef.storeRef, ["name", "kind"]) } : undefined })) : [],
        dataFrom: Array.isArray(es.dataFrom)
          ? es.dataFrom.map((d: any) => ({ extract: d?.extract ? pick(d.extract, ["key"]) : undefined, find: d?.find ? { path: str(d.find.path), name: d.find.name ? pick(d.find.name, ["regexp"]) : undefined } : undefined, sourceRef: d?.sourceRef ? { storeRef: pick(d.sourceRef.storeRef, ["name", "kind"]) } : undefined }))
          : [],
      };
      base.spec = kind === "ClusterExternalSecret" ? { externalSecretSpec: reduced, externalSecretName: str(spec.externalSecretName), namespaces: spec.namespaces, namespaceSelectors: spec.namespaceSelectors, namespaceSelector: spec.namespaceSelector } : reduced;
      return base;
    }
    case "SecretStore":
    case "ClusterSecretStore":
      base.spec = { provider: reduceStoreProvider(spec.provider) };
      return base;
    case "SealedSecret":
      base.spec = { template: { type: str(spec.template?.type), metadata: pick(spec.template?.metadata, ["name", "namespace"]) }, encryptedKeys: Object.keys(spec.encryptedData ?? {}).sort() };
      return base;
    case "SecretProviderClass":
      base.spec = {
        provider: str(spec.provider),
        secretObjects: Array.isArray(spec.secretObjects) ? spec.secretObjects.map((s: any) => ({ secretName: str(s?.secretName), type: str(s?.type), data: Array.isArray(s?.data) ? s.data.map((d: any) => pick(d, ["objectName", "key"])) : [] })) : [],
        objectNames: objectNamesOf(spec.parameters),
      };
      return base;
    case "Certificate":
      base.spec = { secretName: str(spec.secretName), issuerRef: pick(spec.issuerRef, ["name", "kind"]) };
      return base;
    default:
      return base;
  }
}

/**
 * Object names/paths of a SecretProviderClass's `parameters.objects` (a YAML string whose entries carry
 * `objectName` and, for Vault, `secretPath`): the remote keys. Parsed by lines, never evaluated.
 */
function objectNamesOf(parameters: any): string[] {
  const text = typeof parameters?.objects === "string" ? parameters.objects : "";
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:objectName|secretPath|resourceName)\s*:\s*["']?([^"'\n]+?)["']?\s*$/gm)) names.add(m[1].trim());
  if (typeof parameters?.secrets === "string") for (const m of parameters.secrets.matchAll(/resourceName\s*:\s*["']?([^"'\n]+?)["']?\s*$/gm)) names.add(m[1].trim());
  return [...names].sort();
}
