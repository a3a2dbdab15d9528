/**
 * Live reader: lists the objects a scan needs from an API server, read-only, through the credentials of a
 * kubeconfig context (@kubernetes/client-node's KubeConfig applies TLS, tokens, client certificates, exec
 * and auth-provider plugins to each request).
 *
 * - Every list is paginated (`limit` + `continue`, as `kubectl get --chunk-size` does).
 * - Secrets are listed with `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`:
 *   the API server answers with metadata only, so no Secret value leaves the cluster (apimachinery's
 *   PartialObjectMetadataList transformation, staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go).
 * - A 403 is recorded in `notListed` (with what it hides from the graph) and the scan goes on; a 404 means
 *   the API is not served (no ESO/Sealed Secrets/CSI/cert-manager CRDs), recorded the same way.
 */
import * as http from "node:http";
import * as https from "node:https";
import { InventoryBuilder, type Inventory } from "./inventory";

export const METADATA_ONLY_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

export interface ListedResource {
  /** API path prefix (`/api/v1`, `/apis/apps/v1`). */
  prefix: string;
  resource: string;
  /** `resource.group` as reported in notListed. */
  id: string;
  kind: string;
  /** What the scan misses when it cannot list it. */
  impact: string;
  metadataOnly?: boolean;
}

function r(group: string, version: string, resource: string, kind: string, impact: string, metadataOnly = false): ListedResource {
  return { prefix: group ? `/apis/${group}/${version}` : `/api/${version}`, resource, id: group ? `${resource}.${group}` : resource, kind, impact, metadataOnly };
}

/** Every list the scan makes, in order. */
export const LISTED_RESOURCES: readonly ListedResource[] = [
  r("", "v1", "namespaces", "Namespace", "namespaces without objects are not known"),
  r("", "v1", "secrets", "Secret", "Secrets are not in the graph (nothing to attach sources, consumers and readers to)", true),
  r("", "v1", "serviceaccounts", "ServiceAccount", "service accounts, their cloud identities and `secrets` references are unknown; bindings to missing subjects cannot be told"),
  r("", "v1", "pods", "Pod", "running pods (consumers, pod counts) are unknown; workload templates are used instead"),
  r("", "v1", "replicationcontrollers", "ReplicationController", "ReplicationController consumers are unknown"),
  r("apps", "v1", "deployments", "Deployment", "Deployment consumers are unknown unless their pods are listed"),
  r("apps", "v1", "replicasets", "ReplicaSet", "pods cannot be traced to their Deployments"),
  r("apps", "v1", "statefulsets", "StatefulSet", "StatefulSet consumers are unknown unless their pods are listed"),
  r("apps", "v1", "daemonsets", "DaemonSet", "DaemonSet consumers are unknown unless their pods are listed"),
  r("batch", "v1", "jobs", "Job", "pods cannot be traced to their Jobs/CronJobs"),
  r("batch", "v1", "cronjobs", "CronJob", "CronJob consumers are unknown between runs"),
  r("networking.k8s.io", "v1", "ingresses", "Ingress", "Ingress TLS consumers are unknown"),
  r("rbac.authorization.k8s.io", "v1", "roles", "Role", "readers are incomplete: Roles are unknown"),
  r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "readers are incomplete: ClusterRoles are unknown (built-in roles are assumed)"),
  r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "readers are incomplete: RoleBindings are unknown"),
  r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", "readers are incomplete: ClusterRoleBindings are unknown"),
  r("external-secrets.io", "v1", "externalsecrets", "ExternalSecret", "ExternalSecret sources are unknown"),
  r("external-secrets.io", "v1", "clusterexternalsecrets", "ClusterExternalSecret", "ClusterExternalSecret sources are unknown"),
  r("external-secrets.io", "v1", "secretstores", "SecretStore", "SecretStore providers are unknown"),
  r("external-secrets.io", "v1", "clustersecretstores", "ClusterSecretStore", "ClusterSecretStore providers are unknown"),
  r("bitnami.com", "v1alpha1", "sealedsecrets", "SealedSecret", "SealedSecret sources are known only from owner references"),
  r("secrets-store.csi.x-k8s.io", "v1", "secretproviderclasses", "SecretProviderClass", "CSI-synced sources and CSI consumers are unknown"),
  r("cert-manager.io", "v1", "certificates", "Certificate", "cert-manager sources are known only from annotations"),
];

export interface LiveOptions {
  /** kubeconfig file; default: $KUBECONFIG or ~/.kube/config (client-node's loadFromDefault). */
  kubeconfig?: string;
  /** Context name; default: the kubeconfig's current context. */
  context?: string;
  /** Page size. Default 500 (kubectl's chunk size). */
  limit?: number;
}

export interface LiveResult {
  inventory: Inventory;
  context: string;
  server: string;
}

interface Response {
  status: number;
  body: string;
}

/**
 * The part of @kubernetes/client-node's KubeConfig the reader uses. The package is loaded at run time
 * (its type declarations bring a second, newer @types/node into the compilation, which clashes with the
 * project's).
 */
export interface KubeConfig {
  loadFromFile(file: string): void;
  loadFromDefault(): void;
  getContexts(): Array<{ name: string }>;
  getContextObject(name: string): unknown;
  setCurrentContext(name: string): void;
  getCurrentContext(): string;
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

const CLIENT_NODE: string = "@kubernetes/client-node";

/** Loads the kubeconfig and selects the context; throws with a clear message when it does not exist. */
export async function loadKubeConfig(options: LiveOptions): Promise<KubeConfig> {
  const { KubeConfig: KubeConfigClass } = (await import(CLIENT_NODE)) as { KubeConfig: new () => KubeConfig };
  const kc = new KubeConfigClass();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new Error(`--context: no context "${options.context}" in the kubeconfig (known: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig: the context "${kc.getCurrentContext()}" names no cluster`);
  return kc;
}

async function get(kc: KubeConfig, server: string, path: string, accept: string): Promise<Response> {
  const url = new URL(server.replace(/\/+$/, "") + path);
  const opts: https.RequestOptions = { method: "GET", headers: { Accept: accept, "User-Agent": "kube-secrets-platform-scan" } };
  await kc.applyToHTTPSOptions(opts);
  const transport = url.protocol === "http:" ? http : https;
  return new Promise<Response>((resolve, reject) => {
    const req = transport.request(url, opts, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (c: Uint8Array) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout after 60 s: GET ${path}`)));
    req.end();
  });
}

function statusMessage(body: string): string | undefined {
  try {
    const s = JSON.parse(body) as { message?: unknown };
    return typeof s.message === "string" ? s.message : undefined;
  } catch {
    return undefined;
  }
}

/** Lists every resource of LISTED_RESOURCES into an inventory. */
export async function readLive(options: LiveOptions): Promise<LiveResult> {
  const kc = await loadKubeConfig(options);
  const server = kc.getCurrentCluster()!.server;
  const builder = new InventoryBuilder();
  const inv = builder.inventory;
  const limit = options.limit ?? 500;
  try {
    const v = await get(kc, server, "/version", "application/json");
    if (v.status === 200) {
      const gitVersion = (JSON.parse(v.body) as { gitVersion?: unknown }).gitVersion;
      if (typeof gitVersion === "string") inv.kubernetesVersion = gitVersion;
    }
  } catch (e) {
    throw new Error(`cannot reach ${server}: ${(e as Error).message}`);
  }
  for (const res of LISTED_RESOURCES) {
    const accept = res.metadataOnly ? METADATA_ONLY_ACCEPT : "application/json";
    let token = "";
    let restarted = false;
    for (;;) {
      const path = `${res.prefix}/${res.resource}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ""}`;
      let reply: Response;
      try {
        reply = await get(kc, server, path, accept);
      } catch (e) {
        inv.notListed.push({ resource: res.id, status: 0, impact: res.impact, message: (e as Error).message });
        break;
      }
      if (reply.status === 410 && token && !restarted) {
        // The continue token expired (compaction): list again from the start, once.
        inv.warnings.push(`${res.id}: continue token expired, listed again from the start`);
        token = "";
        restarted = true;
        continue;
      }
      if (reply.status !== 200) {
        const message = statusMessage(reply.body);
        inv.notListed.push({ resource: res.id, status: reply.status, impact: res.impact, ...(message ? { message } : {}) });
        break;
      }
      let list: { kind?: string; items?: unknown[]; metadata?: { continue?: string } };
      try {
        list = JSON.parse(reply.body);
      } catch {
        inv.notListed.push({ resource: res.id, status: reply.status, impact: res.impact, message: "the answer was not JSON" });
        break;
      }
      if (res.metadataOnly && list.kind !== "PartialObjectMetadataList") {
        // Never accept full Secrets: an API server (or proxy) that ignored the metadata-only request.
        inv.notListed.push({ resource: res.id, status: reply.status, impact: res.impact, message: `the server answered ${String(list.kind)} instead of PartialObjectMetadataList; the answer was discarded` });
        break;
      }
      for (const item of list.items ?? []) builder.add(item, res.kind, res.prefix === "/api/v1" ? "v1" : res.prefix.slice("/apis/".length));
      token = list.metadata?.continue ?? "";
      if (!token) break;
    }
  }
  inv.notListed.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  return { inventory: inv, context: kc.getCurrentContext(), server };
}
