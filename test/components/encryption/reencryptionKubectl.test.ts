/**
 * Runs the rewrite Job's real shell script (REENCRYPTION_SCRIPT) with the REAL kubectl 1.30 (`kubectl/kubectl`
 * from the layer zip, see test/harness/helm.ts) against an HTTPS server on 127.0.0.1 that plays the Kubernetes
 * API server for exactly the requests kubectl makes, each of them logged and asserted:
 *
 * - discovery: `/api`, `/apis`, `/api/v1` (plain APIVersions / APIGroupList / APIResourceList; kubectl asks for
 *   aggregated discovery first and accepts the plain form, as with a server without aggregated discovery);
 * - secrets lists, paged with `limit` and `continue` as `--chunk-size` asks (items sorted by namespace and
 *   name, without `apiVersion`/`kind` as a real API server serves them);
 * - `/openapi/v2` in protobuf (gnostic `openapi_v2.Document`): `kubectl replace -f -` of a `List` validates
 *   it on the client, so it needs the Secret schema; the minimal document holds only `io.k8s.api.core.v1.Secret`;
 * - one `PUT` per Secret (`?fieldManager=kubectl-replace&fieldValidation=Strict`), answered like the API server:
 *   the stored object with a new resourceVersion, `409 Conflict` when the resourceVersion is stale or a test
 *   marks the Secret changed, `404 NotFound` for a deleted one, `403 Forbidden` for a forbidden one.
 *
 * kubectl finds the server through a kubeconfig (KUBECONFIG) written in a temp dir: the script passes no
 * `--server`/`--token`, so in the Job kubectl uses the in-cluster service account and here the kubeconfig
 * (a bearer token, as the service account's; HTTPS because client-go sends no bearer token over plain HTTP;
 * the test certificate has no IP SAN, hence `insecure-skip-tls-verify`). Every request must carry the token.
 * HOME and TMPDIR are one temp dir, as in the Job (its env sets both to /tmp), so kubectl's discovery cache
 * lives there: the first kubectl process of a run discovers, the later ones use the cache.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REENCRYPTION_SCRIPT } from "../../../components/encryption/reencryptionScript";
import { testKubectl } from "../../harness/helm";
import { testKeyPair } from "../sealed-secrets/testCerts";

const KUBECTL = testKubectl();
const TOKEN = "test-token-reencryption";
const RUN_TIMEOUT_MS = 60_000;

interface Secret {
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string };
  type: string;
  data: Record<string, string>;
}

interface Logged {
  method: string;
  url: string;
  command: string | undefined;
  body: string;
}

// ---- A minimal protobuf writer for the /openapi/v2 document (gnostic openapi_v2, field numbers of
// OpenAPIv2.proto: Document.swagger 1, Document.definitions 9; Definitions/Properties.additional_properties 1;
// NamedSchema/NamedAny name 1, value 2; Schema.type 22, Schema.properties 25, Schema.vendor_extension 31;
// TypeItem.value 1; Any.yaml 2).
/** Buffer.concat, typed for this TypeScript's Uint8Array<ArrayBufferLike> (as test/components/sealed-secrets/testCerts.ts). */
const cat = (parts: Buffer[]): Buffer => Buffer.concat(parts.map((b) => b as unknown as Uint8Array));
function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 127) {
    bytes.push((n & 127) | 128);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
const field = (n: number, payload: Buffer) => cat([varint((n << 3) | 2), varint(payload.length), payload]);
const text = (n: number, s: string) => field(n, Buffer.from(s, "utf8"));
const typed = (t: string) => field(22, text(1, t));
const named = (name: string, value: Buffer) => field(1, cat([text(1, name), field(2, value)]));

function openapiV2(): Buffer {
  const properties = Object.entries({
    apiVersion: "string",
    kind: "string",
    metadata: "object",
    data: "object",
    stringData: "object",
    type: "string",
    immutable: "boolean",
  }).map(([name, t]) => named(name, typed(t)));
  const gvk = field(31, cat([text(1, "x-kubernetes-group-version-kind"), field(2, text(2, '- group: ""\n  kind: Secret\n  version: v1\n'))]));
  const secret = cat([typed("object"), field(25, cat(properties)), gvk]);
  return cat([text(1, "2.0"), field(9, named("io.k8s.api.core.v1.Secret", secret))]);
}

/** The fake API server's state and behaviour: Secrets, and which of them answer a PUT with an error. */
interface ApiOptions {
  secrets: Array<[namespace: string, name: string]>;
  conflict?: string[];
  gone?: string[];
  forbidden?: string[];
  chunkSize: number;
}

class FakeApiServer {
  readonly log: Logged[] = [];
  readonly listed = new Map<string, Secret>();
  readonly puts = new Map<string, unknown[]>();
  readonly problems: string[] = [];
  private readonly server: Server;
  private readonly store = new Map<string, Secret>();
  private readonly openapi = openapiV2();
  private version = 100;

  constructor(private readonly opts: ApiOptions) {
    for (const [namespace, name] of opts.secrets) {
      this.version++;
      this.store.set(`${namespace}/${name}`, {
        metadata: { name, namespace, resourceVersion: String(this.version), uid: `uid-${namespace}-${name}`, creationTimestamp: "2026-01-01T00:00:00Z" },
        type: "Opaque",
        data: { value: Buffer.from(`secret value of ${name}`).toString("base64") },
      });
    }
    const tls = testKeyPair(2048);
    this.server = createServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = cat(chunks).toString("utf8");
        this.log.push({ method: req.method ?? "", url: req.url ?? "", command: header(req, "kubectl-command"), body });
        if (header(req, "authorization") !== `Bearer ${TOKEN}`) this.problems.push(`${req.method} ${req.url}: no bearer token from the kubeconfig`);
        try {
          this.answer(req, body, res);
        } catch (e) {
          this.problems.push(`${req.method} ${req.url}: ${String(e)}`);
          status(res, 500, "InternalError", String(e));
        }
      });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const path = url.pathname;
    if (req.method === "GET" && path === "/api") {
      return json(res, 200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }] });
    }
    if (req.method === "GET" && path === "/apis") return json(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
    if (req.method === "GET" && path === "/api/v1") {
      return json(res, 200, {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          { name: "secrets", singularName: "secret", namespaced: true, kind: "Secret", verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] },
        ],
      });
    }
    if (req.method === "GET" && path === "/openapi/v2") {
      res.writeHead(200, { "content-type": "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" });
      res.end(this.openapi);
      return;
    }
    const list = /^\/api\/v1\/(?:namespaces\/([a-z0-9-]+)\/)?secrets$/.exec(path);
    if (req.method === "GET" && list) return this.list(list[1], url, res);
    const item = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/secrets\/([a-z0-9.-]+)$/.exec(path);
    if (req.method === "PUT" && item) return this.replace(item[1], item[2], body, res);
    this.problems.push(`unexpected request ${req.method} ${req.url}`);
    status(res, 404, "NotFound", "the server could not find the requested resource");
  }

  /** A paged list: `limit` must be the chunk size; `continue` is the offset of the next page. */
  private list(namespace: string | undefined, url: URL, res: ServerResponse): void {
    const limit = Number(url.searchParams.get("limit"));
    if (limit !== this.opts.chunkSize) this.problems.push(`list ${url.pathname}${url.search}: limit is not the chunk size ${this.opts.chunkSize}`);
    const token = url.searchParams.get("continue");
    const offset = token ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^offset:/, "")) : 0;
    const all = [...this.store.values()]
      .filter((s) => namespace === undefined || s.metadata.namespace === namespace)
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    const items = all.slice(offset, offset + limit).map((s) => structuredClone(s));
    for (const s of items) this.listed.set(`${s.metadata.namespace}/${s.metadata.name}`, structuredClone(s));
    const next = offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString("base64url") : undefined;
    const metadata = next ? { resourceVersion: String(this.version), continue: next, remainingItemCount: all.length - offset - limit } : { resourceVersion: String(this.version) };
    json(res, 200, { kind: "SecretList", apiVersion: "v1", metadata, items });
  }

  private replace(namespace: string, name: string, body: string, res: ServerResponse): void {
    const key = `${namespace}/${name}`;
    const sent = JSON.parse(body) as Secret;
    this.puts.set(key, [...(this.puts.get(key) ?? []), sent]);
    const stored = this.store.get(key);
    const kind = { kind: "secrets", name };
    if (this.opts.forbidden?.includes(name)) {
      return status(res, 403, "Forbidden", `secrets "${name}" is forbidden: User "system:serviceaccount:secrets-reencryption:secrets-reencryption" cannot update resource "secrets" in API group "" in the namespace "${namespace}"`, kind);
    }
    if (!stored || this.opts.gone?.includes(name)) return status(res, 404, "NotFound", `secrets "${name}" not found`, kind);
    if (this.opts.conflict?.includes(name) || sent.metadata.resourceVersion !== stored.metadata.resourceVersion) {
      return status(res, 409, "Conflict", `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`, kind);
    }
    this.version++;
    const updated: Secret = { ...sent, metadata: { ...sent.metadata, resourceVersion: String(this.version) } };
    this.store.set(key, updated);
    json(res, 200, { apiVersion: "v1", kind: "Secret", ...updated });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string, details?: { kind: string; name: string }): void {
  json(res, code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the script with the real kubectl (first on PATH) pointed at the server by a kubeconfig. */
async function runScript(dir: string, port: number, env: Record<string, string>): Promise<RunResult> {
  const bin = join(dir, "bin");
  const work = join(dir, "tmp");
  mkdirSync(bin, { recursive: true });
  mkdirSync(work, { recursive: true });
  symlinkSync(KUBECTL, join(bin, "kubectl"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: test",
      "  cluster:",
      `    server: https://127.0.0.1:${port}`,
      "    insecure-skip-tls-verify: true",
      "users:",
      "- name: reencryption",
      "  user:",
      `    token: ${TOKEN}`,
      "contexts:",
      "- name: test",
      "  context:",
      "    cluster: test",
      "    user: reencryption",
      "current-context: test",
      "",
    ].join("\n"),
  );
  const child = spawn("sh", ["-c", REENCRYPTION_SCRIPT], {
    env: { PATH: `${bin}:/usr/bin:/bin`, KUBECONFIG: kubeconfig, HOME: work, TMPDIR: work, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: RUN_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise<RunResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ status: code, signal, stdout, stderr }));
  });
}

async function withServer(opts: ApiOptions, env: Record<string, string>, check: (api: FakeApiServer, r: RunResult) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "reencrypt-kubectl-"));
  const api = new FakeApiServer(opts);
  try {
    const port = await api.start();
    const r = await runScript(dir, port, { CHUNK_SIZE: String(opts.chunkSize), ...env });
    assert.equal(r.signal, null, `the script was killed after ${RUN_TIMEOUT_MS} ms\n${r.stderr}`);
    check(api, r);
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const DISCOVERY = ["GET /api?timeout=32s", "GET /apis?timeout=32s", "GET /api/v1?timeout=32s"];
const PUT_QUERY = "?fieldManager=kubectl-replace&fieldValidation=Strict";
const cont = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
const requests = (api: FakeApiServer) => api.log.map((l) => `${l.method} ${l.url}`);

/** Each Secret was PUT exactly once, with the object as listed (resourceVersion kept) plus apiVersion/kind. */
function assertOnePutPerSecret(api: FakeApiServer, keys: string[]): void {
  assert.deepEqual([...api.puts.keys()].sort(), [...keys].sort());
  for (const key of keys) {
    const listed = api.listed.get(key);
    assert.ok(listed, `${key} was listed`);
    assert.deepEqual(api.puts.get(key), [{ apiVersion: "v1", kind: "Secret", ...listed }], `${key}: one PUT, the Secret as listed`);
  }
}

test("real kubectl: every namespace, paged lists, one PUT per Secret with its listed resourceVersion, Conflict and NotFound count as done", { timeout: 120_000 }, async () => {
  const opts: ApiOptions = {
    secrets: [
      ["default", "app-token"],
      ["kube-system", "bootstrap"],
      ["team-a", "busy"],
      ["team-a", "db"],
      ["team-a", "gone-one"],
    ],
    conflict: ["busy"],
    gone: ["gone-one"],
    chunkSize: 2,
  };
  await withServer(opts, { MAX_ATTEMPTS: "5" }, (api, r) => {
    assert.deepEqual(api.problems, []);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "secrets: 3 rewritten, 2 changed or deleted meanwhile, 0 failed, 0 namespaces not listed\n");
    assert.equal(r.stderr, "");
    assert.deepEqual(requests(api), [
      // kubectl get secrets --all-namespaces --chunk-size=2 ...: discovery (cached for the later processes), 3 pages.
      ...DISCOVERY,
      "GET /api/v1/secrets?limit=2",
      `GET /api/v1/secrets?continue=${cont(2)}&limit=2`,
      `GET /api/v1/secrets?continue=${cont(4)}&limit=2`,
      // Per namespace: the list (get), then the replace reads it, fetches the schema and PUTs each item.
      "GET /api/v1/namespaces/default/secrets?limit=2",
      "GET /openapi/v2?timeout=32s",
      `PUT /api/v1/namespaces/default/secrets/app-token${PUT_QUERY}`,
      "GET /api/v1/namespaces/kube-system/secrets?limit=2",
      "GET /openapi/v2?timeout=32s",
      `PUT /api/v1/namespaces/kube-system/secrets/bootstrap${PUT_QUERY}`,
      "GET /api/v1/namespaces/team-a/secrets?limit=2",
      `GET /api/v1/namespaces/team-a/secrets?continue=${cont(2)}&limit=2`,
      "GET /openapi/v2?timeout=32s",
      `PUT /api/v1/namespaces/team-a/secrets/busy${PUT_QUERY}`,
      `PUT /api/v1/namespaces/team-a/secrets/db${PUT_QUERY}`,
      `PUT /api/v1/namespaces/team-a/secrets/gone-one${PUT_QUERY}`,
    ]);
    // The lists come from `kubectl get`, the schema and the updates from `kubectl replace`.
    for (const l of api.log) {
      const expected = l.method === "PUT" || l.url.startsWith("/openapi/") ? "kubectl replace" : "kubectl get";
      assert.equal(l.command, expected, `${l.method} ${l.url}`);
    }
    assertOnePutPerSecret(api, ["default/app-token", "kube-system/bootstrap", "team-a/busy", "team-a/db", "team-a/gone-one"]);
    assert.equal(api.log.filter((l) => l.method !== "GET" && l.method !== "PUT").length, 0, "only reads and updates");
    assert.doesNotMatch(r.stdout + r.stderr, /c2VjcmV0|dmFsdWU/, "secret data is never printed");
  });
});

test("real kubectl: given namespaces only; an empty namespace is fine; a Forbidden update fails the run", { timeout: 120_000 }, async () => {
  const opts: ApiOptions = {
    secrets: [
      ["team-a", "db"],
      ["team-b", "locked"],
      ["team-b", "open"],
    ],
    forbidden: ["locked"],
    chunkSize: 10,
  };
  await withServer(opts, { NAMESPACES: "team-b team-c", MAX_ATTEMPTS: "2" }, (api, r) => {
    assert.deepEqual(api.problems, []);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "secrets: 1 rewritten, 0 changed or deleted meanwhile, 1 failed, 0 namespaces not listed\n");
    assert.match(r.stderr, /^FAILED team-b: Error from server \(Forbidden\): error when replacing "STDIN": secrets "locked" is forbidden: /m);
    assert.equal(r.stderr.split("\n").filter(Boolean).length, 1, r.stderr);
    assert.deepEqual(requests(api), [
      ...DISCOVERY,
      "GET /api/v1/namespaces/team-b/secrets?limit=10",
      "GET /openapi/v2?timeout=32s",
      `PUT /api/v1/namespaces/team-b/secrets/locked${PUT_QUERY}`,
      `PUT /api/v1/namespaces/team-b/secrets/open${PUT_QUERY}`,
      // team-c has no Secrets: kubectl replace gets an empty List and sends nothing.
      "GET /api/v1/namespaces/team-c/secrets?limit=10",
    ]);
    assertOnePutPerSecret(api, ["team-b/locked", "team-b/open"]);
  });
});
