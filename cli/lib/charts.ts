/**
 * Helm charts in the offline plan: every `kubernetes:helm.sh/v4:Chart` the program registered is rendered with
 * the pinned chart tarball and a real Helm 3, and each rendered object becomes a child resource of its Chart,
 * as `helm.v4.Chart` registers them in a real preview. What the provider does, and where this follows it
 * (pulumi/pulumi-kubernetes):
 * - provider/pkg/provider/helm/v4/chart.go (Construct): release name = the `name` input, else the Chart's
 *   resource name; `helm template` client-only with `--namespace` = the `namespace` input; CRDs included unless
 *   `skipCrds`; hooks disabled: only the release manifest is registered, so no hook of any kind (test hooks
 *   included) becomes a resource (`includeHooks` only applies to `renderYamlToDirectory`, never to a preview);
 *   `helm.sh/resource-policy: keep` becomes `retainOnDelete`; resource prefix = `resourcePrefix`, else the
 *   Chart's resource name.
 * - provider/pkg/provider/yaml/v2/yaml.go (Parse, Normalize, register): YAML documents, empty ones skipped,
 *   `List` kinds expanded; namespaced kinds without a namespace get the chart's namespace (the provider's
 *   default namespace, `default` here, when the Chart has none); resource name `<prefix>:<ns>/<name>` (or
 *   `<prefix>:<name>` when cluster-scoped); `skipAwait` adds `pulumi.com/skipAwait: "true"`; a v1 Secret's
 *   `data` and `stringData` are secrets.
 * - provider/pkg/clients/clients.go (IsNamespacedKind) and provider/pkg/kinds/kinds.go (Kind.Namespaced,
 *   KnownGroupVersions): built-in kinds by a fixed table, then a CRD among the chart's objects, then the
 *   cluster (here: CRDs elsewhere in the plan, then {@link DISCOVERY_SCOPES}); unresolved kinds keep no namespace.
 * - Capabilities: a preview asks the cluster (kube version, API versions, `lookup`); offline there is none, so
 *   Helm's client-only defaults apply (as `helm template`): a template that branches on `.Capabilities` or
 *   `lookup` renders as for Helm's default Kubernetes version and an empty cluster.
 * - helm/helm pkg/releaseutil/manifest_sorter.go: a document is a hook when it carries the `helm.sh/hook`
 *   annotation; such documents are what `helm template --no-hooks` leaves out.
 *
 * Chart source, first that exists: `chartsDir/<chart>-<version>.tgz`, the cache
 * (`$XDG_CACHE_HOME/kube-secrets-platform/charts`, default `~/.cache/kube-secrets-platform/charts`), a
 * `helm pull` from the pinned repository into the cache. Every tarball is checked against the pin's sha256
 * digest (components/internal/charts.ts) before Helm sees it; a mismatch is refused, never rendered.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { CHARTS, type ChartPin } from "../../components/internal/charts";
import type { PlanChart } from "./planDocument";
import { isSecretValue, reveal, SECRET_SIG, SIG_KEY, type RecordedResource } from "./mockRuntime";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/** Where charts and Helm come from (the plan's `--charts` and `--helm`). */
export interface ChartRenderSettings {
  /** `--charts DIR`: a folder of `<chart>-<version>.tgz` tried first. */
  chartsDir?: string;
  /** `--helm PATH`; else `$HELM`, else `helm` on `PATH`. */
  helm?: string;
  /** The chart cache. Default `$XDG_CACHE_HOME/kube-secrets-platform/charts` (`~/.cache/...` without it). */
  cacheDir?: string;
  /** Pull a chart missing from the folder and the cache from its repository. Default true. */
  pull?: boolean;
  /** The pins charts must match. Default every pin of components/internal/charts.ts. */
  pins?: readonly ChartPin[];
  /** Environment read for `HELM`, `PATH`, `XDG_CACHE_HOME`, `HOME`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Longest a `helm pull` may take, in ms. Default 60 000. */
  pullTimeoutMs?: number;
}

/** One Chart of the plan and what became of it: plan.json's `charts` entry, and the Chart's URN. */
export interface ChartStatus extends PlanChart {
  urn: string;
}

export interface ChartRenderResult {
  /** The plan's resources with every rendered object inserted after its Chart. */
  resources: RecordedResource[];
  charts: ChartStatus[];
  /** Invalid input (a refused digest, a Helm failure, a missing `--helm`): the plan exits 2 with these. */
  problems: string[];
}

/** Why a chart cannot be rendered although the input is fine (no Helm, offline): the plan still runs. */
class NotRendered extends Error {}
/** Invalid input: the plan exits 2. */
class Refused extends Error {}

/** The default chart cache folder. */
export function chartCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith("/") ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), ".cache");
  return join(base, "kube-secrets-platform", "charts");
}

/** `sha256:<hex>` of bytes, the form of a pin's digest. */
function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `sha256:<hex>` of a file. */
export function fileDigest(path: string): string {
  return sha256Digest(new Uint8Array(readFileSync(path)));
}

function run(file: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; error?: Error & { code?: unknown } }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: "utf8", maxBuffer: 256 << 20, timeout: timeoutMs, env: { ...env, HELM_NO_PLUGINS: "1" } }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, error: error ?? undefined }),
    );
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Helm binary: `--helm`, else `$HELM`, else `helm` on `PATH`, checked to be Helm 3. Undefined when none
 * is found (charts are then reported as not rendered); Refused when one was named but is not a Helm 3.
 */
async function locateHelm(settings: ChartRenderSettings): Promise<{ path?: string; why: string }> {
  const env = settings.env ?? process.env;
  const named = settings.helm ? { path: settings.helm, from: "--helm" } : env.HELM ? { path: env.HELM, from: "$HELM" } : undefined;
  let path = named?.path;
  if (!path) {
    path = (env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, "helm")).find(isExecutable);
    if (!path) return { why: "no Helm: pass --helm PATH, set $HELM or put helm on PATH" };
  } else if (!isExecutable(path)) {
    throw new Refused(`${named!.from} ${path}: not an executable file`);
  }
  const v = await run(path, ["version", "--template", "{{.Version}}"], 30_000, env);
  if (v.error || !/^v3\./.test(v.stdout.trim())) {
    const msg = `${path} is not Helm 3 (helm version said: ${(v.stdout || v.stderr || String(v.error?.message)).trim().slice(0, 200)})`;
    if (named) throw new Refused(`${named.from} ${msg}`);
    return { why: msg };
  }
  return { path, why: "" };
}

/** The pin a Chart's inputs name (chart name, version and, when given, repository all equal). */
function pinOf(inputs: Record<string, any>, pins: readonly ChartPin[]): ChartPin | undefined {
  const chart = String(inputs.chart ?? "");
  const repo = inputs.repositoryOpts?.repo as string | undefined;
  return pins.find((p) => (chart === p.chart || chart.endsWith(`/${p.chart}`)) && inputs.version === p.version && (repo === undefined || repo.replace(/\/+$/, "") === p.repo.replace(/\/+$/, "")));
}

/**
 * Checks `path` against the pin and returns a private copy of exactly the bytes checked (in `workDir`), so
 * the file Helm reads cannot change between the check and the render.
 */
function verified(path: string, pin: ChartPin, where: string, workDir: string): string {
  const bytes = new Uint8Array(readFileSync(path));
  const actual = sha256Digest(bytes);
  if (actual !== pin.digest) {
    throw new Refused(`${where} ${path}: sha256 digest ${actual} does not match the pinned ${pin.digest} (components/internal/charts.ts): refused, not rendered`);
  }
  const copy = join(workDir, `${pin.chart}-${pin.version}.tgz`);
  writeFileSync(copy, bytes);
  return copy;
}

/** The verified tarball of a pin (a private copy) and where it came from. */
async function locateChart(pin: ChartPin, settings: ChartRenderSettings, helm: string | undefined, workDir: string): Promise<{ path: string; source: string }> {
  const file = `${pin.chart}-${pin.version}.tgz`;
  if (settings.chartsDir) {
    const p = join(settings.chartsDir, file);
    if (existsSync(p)) return { path: verified(p, pin, "--charts", workDir), source: `--charts ${p}` };
  }
  const cache = settings.cacheDir ?? chartCacheDir(settings.env);
  const cached = join(cache, file);
  if (existsSync(cached)) return { path: verified(cached, pin, "cached chart", workDir), source: `cache ${cached}` };
  if (settings.pull === false) throw new NotRendered(`${file} is not in ${settings.chartsDir ? `--charts ${settings.chartsDir} nor ` : ""}the cache ${cache} (pulling is off)`);
  if (!helm) throw new NotRendered(`${file} is not in ${settings.chartsDir ? `--charts ${settings.chartsDir} nor ` : ""}the cache ${cache}, and pulling it needs Helm`);
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, ".pull-"));
  try {
    const res = await run(helm, ["pull", pin.chart, "--repo", pin.repo, "--version", pin.version, "--destination", tmp], settings.pullTimeoutMs ?? 60_000, settings.env ?? process.env);
    const pulled = join(tmp, file);
    if (res.error || !existsSync(pulled)) {
      const found = existsSync(tmp) ? readdirSync(tmp) : [];
      throw new NotRendered(`${file} is not in ${settings.chartsDir ? `--charts ${settings.chartsDir} nor ` : ""}the cache ${cache}, and helm pull from ${pin.repo} failed: ${lastLines(res.stderr || res.error?.message || `no ${file} (got ${found.join(", ") || "nothing"})`)}`);
    }
    const copy = verified(pulled, pin, `chart pulled from ${pin.repo}`, workDir);
    renameSync(pulled, cached);
    return { path: copy, source: `pulled from ${pin.repo} into ${cached}` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function lastLines(s: string, n = 3): string {
  return s.trim().split("\n").slice(-n).join(" ").slice(0, 600);
}

// provider/pkg/kinds/kinds.go: built-in group versions, and the kinds its table knows with their scope.
const KNOWN_GROUP_VERSION = /^(v1|core\/v1|(admissionregistration|apiextensions|apiregistration|certificates|coordination|discovery|events|flowcontrol\.apiserver|networking|node|rbac\.authorization|resource|scheduling|settings|storage|storagemigration|auditregistration)\.k8s\.io\/v\w+|(apps|autoscaling|batch|extensions|meta|policy)\/v\w+)$/;
const NAMESPACED = new Set([
  "Binding", "ConfigMap", "ControllerRevision", "CronJob", "CSIStorageCapacity", "DaemonSet", "Deployment", "Endpoints",
  "EndpointSlice", "Event", "HorizontalPodAutoscaler", "Ingress", "Job", "Lease", "LimitRange", "NetworkPolicy",
  "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "PodTemplate", "ReplicaSet", "ReplicationController",
  "ResourceQuota", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount", "StatefulSet",
]);
const CLUSTER_SCOPED = new Set([
  "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "CSINode",
  "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node",
  "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass",
  "StorageClass", "ValidatingWebhookConfiguration", "VolumeAttachment",
]);
/**
 * Built-in kinds the provider's table lacks, with the scope the API server's discovery reports (what a real
 * preview, connected to the cluster, learns there): true = namespaced.
 */
export const DISCOVERY_SCOPES: Readonly<Record<string, boolean>> = {
  ValidatingAdmissionPolicy: false, ValidatingAdmissionPolicyBinding: false, MutatingAdmissionPolicy: false,
  MutatingAdmissionPolicyBinding: false, ClusterTrustBundle: false, DeviceClass: false, ResourceSlice: false,
  ServiceCIDR: false, IPAddress: false, VolumeAttributesClass: false, StorageVersionMigration: false,
  ResourceClaim: true, ResourceClaimTemplate: true, PodSchedulingContext: true,
};

type Obj = Record<string, any>;

/** The scope of a kind as the provider decides it (see the module comment); undefined when unresolved. */
export function isNamespacedKind(apiVersion: string, kind: string, chartObjects: Obj[], clusterCrds: Obj[]): boolean | undefined {
  const base = kind.replace(/Patch$/, "").replace(/List$/, "");
  if (KNOWN_GROUP_VERSION.test(apiVersion)) {
    if (NAMESPACED.has(base)) return true;
    if (CLUSTER_SCOPED.has(base)) return false;
  }
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const crdFor = (list: Obj[]) =>
    list.find((o) => o.kind === "CustomResourceDefinition" && /^apiextensions\.k8s\.io\//.test(String(o.apiVersion)) && o.spec?.group === group && o.spec?.names?.kind === kind);
  const crd = crdFor(chartObjects) ?? crdFor(clusterCrds);
  if (crd) return crd.spec?.scope === "Namespaced";
  return KNOWN_GROUP_VERSION.test(apiVersion) ? DISCOVERY_SCOPES[base] : undefined;
}

/** `kubernetes:<group>/<version>:<Kind>` of an object (`core` for the core group). */
export function resourceTypeOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  return `kubernetes:${group}/${version}:${kind}`;
}

/**
 * Helm's output as objects, read as the provider's decoder (sigs.k8s.io/yaml over go-yaml v2) reads it: YAML 1.1
 * scalars, a repeated map key keeps its last value; `List` kinds expanded, empty documents skipped.
 */
export function parseManifests(text: string): Obj[] {
  const out: Obj[] = [];
  const add = (o: unknown) => {
    if (!o || typeof o !== "object" || Object.keys(o).length === 0) return;
    const obj = o as Obj;
    if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) obj.items.forEach(add);
    else out.push(obj);
  };
  for (const doc of parseAllDocuments(text, { version: "1.1", uniqueKeys: false })) {
    if (doc.errors.length > 0) throw new Refused(`helm output is not YAML: ${doc.errors[0].message}`);
    add(doc.toJS({ maxAliasCount: -1 }));
  }
  return out;
}

/** What one `helm template` produced: the release manifest's objects and the hooks left out. */
interface Render {
  objects: Obj[];
  hooks: Obj[];
}

function hookOf(o: Obj): string | undefined {
  const h = o.metadata?.annotations?.["helm.sh/hook"];
  return typeof h === "string" ? h : undefined;
}

/** The strings (at least 4 characters) held in secret values of `v`: what a chart's messages must not show. */
function secretStrings(v: unknown, inSecret = false, out = new Set<string>()): Set<string> {
  if (typeof v === "string" && inSecret && v.length >= 4) out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => secretStrings(x, inSecret, out));
  else if (v && typeof v === "object") {
    const s = inSecret || isSecretValue(v);
    Object.values(v).forEach((x) => secretStrings(x, s, out));
  }
  return out;
}

/**
 * Renders every Chart among `resources` (see the module comment) and returns the resources with the rendered
 * objects inserted as children. Never throws for a chart it cannot render or refuses: `charts` and `problems`
 * say why.
 */
export async function renderCharts(resources: RecordedResource[], settings: ChartRenderSettings = {}): Promise<ChartRenderResult> {
  const charts = resources.filter((r) => r.type === CHART_TYPE);
  const result: ChartRenderResult = { resources, charts: [], problems: [] };
  if (charts.length === 0) return result;
  const pins = settings.pins ?? Object.values(CHARTS);
  if (settings.chartsDir && !existsSync(settings.chartsDir)) return { ...result, problems: [`--charts ${settings.chartsDir}: no such directory`] };
  let helm: { path?: string; why: string };
  try {
    helm = await locateHelm(settings);
  } catch (e) {
    if (e instanceof Refused) return { ...result, problems: [e.message] };
    throw e;
  }
  const located = new Map<ChartPin, Promise<{ path: string; source: string }>>();
  const renders = new Map<string, Promise<Render>>();
  const workDir = mkdtempSync(join(tmpdir(), "ksp-charts-"));
  const children = new Map<string, RecordedResource[]>();
  const slots: Array<{ chart: RecordedResource; render: Render; inputs: Obj; status: ChartStatus } | undefined> = [];
  const problems: Array<string | undefined> = [];
  // Helm runs in parallel, at most one per core; identical renders share one run.
  const limit = limiter(Math.max(1, availableParallelism()));
  const one = async (c: RecordedResource, i: number) => {
    const inputs = reveal(c.rawInputs) as Obj;
    const status: ChartStatus = {
      name: c.name, chart: String(inputs.chart ?? ""), version: String(inputs.version ?? ""), rendered: false, reason: "", urn: c.urn, objects: 0, skippedHooks: [],
    };
    result.charts[i] = status;
    const pin = pinOf(inputs, pins);
    const scrub = (s: string) => [...secretStrings(c.rawInputs)].reduce((acc, sec) => acc.split(sec).join("[secret]"), s);
    try {
      if (!pin) throw new NotRendered(`${status.chart} ${status.version} is not a chart pinned in components/internal/charts.ts (no digest to verify it against)`);
      for (const unsupported of ["valueYamlFiles", "postRenderer"] as const) {
        const v = inputs[unsupported];
        if (v !== undefined && !(Array.isArray(v) && v.length === 0)) throw new NotRendered(`the offline plan does not render charts with ${unsupported}`);
      }
      if (!located.has(pin)) located.set(pin, locateChart(pin, settings, helm.path, workDir));
      const tgz = await located.get(pin)!;
      if (!helm.path) throw new NotRendered(helm.why);
      const helmPath = helm.path;
      const release = String(inputs.name || c.name);
      const namespace = String(inputs.namespace ?? "");
      const includeCrds = inputs.skipCrds !== true;
      const values = inputs.values ?? {};
      const key = JSON.stringify([pin.digest, release, namespace, includeCrds, values]);
      if (!renders.has(key)) {
        const file = join(workDir, `values-${renders.size}.json`);
        renders.set(key, limit(() => helmTemplate(helmPath, tgz.path, release, namespace, includeCrds, values, file, settings.env ?? process.env)));
      }
      const render = await renders.get(key)!;
      status.rendered = true;
      status.reason = tgz.source;
      status.skippedHooks = render.hooks.map((h) => `${h.kind} ${h.metadata?.namespace ? `${h.metadata.namespace}/` : ""}${h.metadata?.name} (${hookOf(h)})`);
      slots[i] = { chart: c, render, inputs, status };
    } catch (e) {
      if (e instanceof NotRendered) status.reason = scrub(e.message);
      else if (e instanceof Refused) {
        status.reason = scrub(e.message);
        problems[i] = `chart ${c.name} (${status.chart} ${status.version}): ${scrub(e.message)}`;
      } else throw e;
    }
  };
  try {
    await Promise.all(charts.map(one));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  result.problems = problems.filter((p): p is string => p !== undefined);
  const rendered = slots.filter((x): x is NonNullable<typeof x> => x !== undefined);
  // Namespaces after every render: a CR's scope may come from a CRD another chart of the same cluster installs.
  const crdsByProvider = new Map<string, Obj[]>();
  for (const { chart, render } of rendered) {
    const list = crdsByProvider.get(chart.provider ?? "") ?? [];
    list.push(...render.objects.filter((o) => o.kind === "CustomResourceDefinition"));
    crdsByProvider.set(chart.provider ?? "", list);
  }
  for (const { chart, render, inputs, status } of rendered) {
    const kids = childrenOf(chart, inputs, render.objects, crdsByProvider.get(chart.provider ?? "") ?? []);
    status.objects = kids.length;
    children.set(chart.urn, kids);
  }
  result.resources = resources.flatMap((r) => [r, ...(children.get(r.urn) ?? [])]);
  return result;
}

/** Runs at most `n` of the given tasks at a time. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return (task) =>
    new Promise((resolve, reject) => {
      const start = () => {
        active++;
        task().then(resolve, reject).finally(() => {
          active--;
          queue.shift()?.();
        });
      };
      if (active < n) start();
      else queue.push(start);
    });
}

async function helmTemplate(
  helm: string, tgz: string, release: string, namespace: string, includeCrds: boolean, values: unknown, valuesFile: string, env: NodeJS.ProcessEnv,
): Promise<Render> {
  // The values file may hold secret values (Helm needs them): readable only by this user, removed after the plan.
  writeFileSync(valuesFile, JSON.stringify(values), { mode: 0o600 });
  const args = ["template", release, tgz, "--values", valuesFile, ...(namespace ? ["--namespace", namespace] : []), ...(includeCrds ? ["--include-crds"] : [])];
  const res = await run(helm, args, 120_000, env);
  if (res.error) throw new Refused(`helm template failed: ${lastLines(res.stderr || res.error.message, 6)}`);
  const all = parseManifests(res.stdout);
  return { objects: all.filter((o) => hookOf(o) === undefined), hooks: all.filter((o) => hookOf(o) !== undefined) };
}

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

/** The child resources helm.v4.Chart registers for a chart's rendered objects. */
function childrenOf(chart: RecordedResource, inputs: Obj, objects: Obj[], clusterCrds: Obj[]): RecordedResource[] {
  const defaultNamespace = String(inputs.namespace || "default");
  const prefix = inputs.resourcePrefix === undefined ? chart.name : String(inputs.resourcePrefix);
  // urn:pulumi:<stack>::<project>::<qualified type>::<name>
  const parts = chart.urn.split("::");
  const head = parts.slice(0, 2).join("::");
  const chartType = parts[2];
  return objects.map((source) => {
    const o = structuredClone(source);
    const apiVersion = String(o.apiVersion ?? "");
    const kind = String(o.kind ?? "");
    if (!apiVersion || !kind) throw new Refused(`chart ${chart.name} rendered an object without kind and apiVersion`);
    o.metadata ??= {};
    if (!o.metadata.name) throw new Refused(`chart ${chart.name} rendered a ${kind} without metadata.name`);
    if (!o.metadata.namespace && isNamespacedKind(apiVersion, kind, objects, clusterCrds) === true) o.metadata.namespace = defaultNamespace;
    if (inputs.skipAwait === true) o.metadata.annotations = { ...(o.metadata.annotations ?? {}), "pulumi.com/skipAwait": "true" };
    const type = resourceTypeOf(apiVersion, kind);
    const base = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name);
    const name = prefix ? `${prefix}:${base}` : base;
    const raw: Obj = { ...o };
    if ((apiVersion === "v1" || apiVersion === "core/v1") && kind === "Secret") {
      for (const k of ["data", "stringData"]) if (k in raw) raw[k] = secret(raw[k]);
    }
    return {
      urn: `${head}::${chartType}$${type}::${name}`,
      type,
      name,
      parent: chart.urn,
      custom: true,
      rawInputs: raw,
      provider: chart.provider,
      options: {
        protect: false,
        retainOnDelete: o.metadata.annotations?.["helm.sh/resource-policy"] === "keep",
        dependsOn: [],
        additionalSecretOutputs: [],
        ignoreChanges: [],
      },
    };
  });
}
