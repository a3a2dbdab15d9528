/**
 * Benchmark of `scan` on a dump: a synthetic cluster of about 100k objects (5k namespaces, 20k Secrets with
 * values, ExternalSecrets, cert-manager TLS, Deployments/ReplicaSets/Pods, Roles and bindings, Ingresses,
 * ConfigMaps) written as one `kubectl get -o json` List. Each measurement runs in a fresh child process
 * (so peak RSS is its own): `parse` reads the file and JSON.parses it (the reference), `scan` reads the
 * dump with the streaming reader and builds the whole scan (graph, findings, proposals), `scan+outputs` also
 * renders the four outputs. Reported: time as a ratio to JSON.parse of the same dump, and peak RSS
 * (process.resourceUsage().maxRSS). Alternating rounds; medians.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NAMESPACES = 5000;

function secret(ns: string, name: string, extra: Record<string, unknown> = {}, metaExtra: Record<string, unknown> = {}) {
  return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, namespace: ns, uid: `${ns}-${name}`, creationTimestamp: "2026-01-01T00:00:00Z", ...metaExtra }, data: { password: Buffer.from(`value-of-${ns}-${name}-0123456789abcdef`).toString("base64"), user: "YXBw" }, ...extra };
}

/** Objects of one namespace (20 per namespace, 100k for 5k namespaces). */
function namespaceObjects(i: number): object[] {
  const ns = `team-${i}`;
  const app = `app-${i}`;
  const rs = `${app}-7c9f`;
  const spec = {
    serviceAccountName: app,
    containers: [{ name: "app", image: "app:1", args: [`--config-secret=${app}-config`], env: [{ name: "DB", valueFrom: { secretKeyRef: { name: `${app}-db`, key: "password" } } }], volumeMounts: [{ name: "tls", mountPath: "/tls" }] }],
    volumes: [{ name: "tls", secret: { secretName: `${app}-tls` } }],
  };
  const out: object[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: app, namespace: ns, annotations: i % 4 === 0 ? { "eks.amazonaws.com/role-arn": `arn:aws:iam::111122223333:role/${app}` } : {} } },
    secret(ns, `${app}-db`, {}, { labels: { "reconcile.external-secrets.io/managed": "true" }, ownerReferences: [{ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name: `${app}-db`, controller: true }] }),
    secret(ns, `${app}-tls`, { type: "kubernetes.io/tls" }, { annotations: { "cert-manager.io/certificate-name": app } }),
    secret(ns, `${app}-config`, {}, { annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ data: { password: "c2VjcmV0" } }) } }),
    secret(ns, `${app}-legacy`),
    { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: `${app}-db`, namespace: ns }, spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "aws" }, target: { name: `${app}-db` }, data: [{ secretKey: "password", remoteRef: { key: `prod/${ns}/db` } }] } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: app, namespace: ns }, spec: { replicas: 3, template: { metadata: {}, spec } } },
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: rs, namespace: ns, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: app, controller: true }] }, spec: { template: { metadata: {}, spec } } },
    ...[0, 1, 2].map((p) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `${rs}-${p}`, namespace: ns, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, controller: true }] }, spec: { ...spec, nodeName: `node-${(i + p) % 300}` }, status: { phase: "Running" } })),
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: `${app}-secrets`, namespace: ns }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], ...(i % 2 === 0 ? { resourceNames: [`${app}-config`] } : {}) }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: `${app}-secrets`, namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${app}-secrets` }, subjects: [{ kind: "ServiceAccount", name: app }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "deployer", namespace: ns }, rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update", "patch"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "deployer", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" }, subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "ci" }] },
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: app, namespace: ns }, spec: { tls: [{ secretName: `${app}-tls` }] } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${app}-settings`, namespace: ns }, data: { mode: "prod" } },
    { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: app, namespace: ns }, spec: { secretName: `${app}-tls`, issuerRef: { kind: "ClusterIssuer", name: "le" } } },
  ];
  return out;
}

const CLUSTER_OBJECTS: object[] = [
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "external-secrets", namespace: "external-secrets" } },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "eso" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "create", "update", "delete"] }] },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "eso" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "eso" }, subjects: [{ kind: "ServiceAccount", name: "external-secrets", namespace: "external-secrets" }] },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "cluster-admin" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "Group", name: "system:masters" }] },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "oncall-view" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "Group", name: "oncall" }] },
  { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: "aws" }, spec: { provider: { aws: { service: "SecretsManager", region: "eu-west-1" } } } },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ci", namespace: "ci" } },
];

/** Writes the synthetic dump; returns its object count. */
export async function writeDump(file: string): Promise<number> {
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((resolve) => (out.write(s) ? resolve() : out.once("drain", () => resolve())));
  let n = 0;
  await write('{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[');
  for (const o of CLUSTER_OBJECTS) {
    await write(`${n++ ? "," : ""}\n${JSON.stringify(o)}`);
  }
  for (let i = 0; i < NAMESPACES; i++) for (const o of namespaceObjects(i)) await write(`,\n${JSON.stringify(o)}`);
  n += NAMESPACES * 20;
  await write("\n]}\n");
  await new Promise<void>((resolve) => out.end(resolve));
  return n;
}

/** One measurement in this (child) process. */
async function child(mode: string, file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let detail = "";
  if (mode === "parse") {
    const value = JSON.parse(readFileSync(file, "utf8")) as { items: unknown[] };
    detail = `${value.items.length} items`;
  } else {
    const { readDumps } = await import("../inspect/dump");
    const { scanCluster, scanDocument, DEFAULT_EXEMPT_SUBJECTS } = await import("../inspect/scan");
    const inv = await readDumps([file]);
    const now = new Date("2026-03-01T00:00:00Z");
    const c = scanCluster(inv, { cluster: "bench", input: { kind: "dump", files: [file] }, exemptSubjects: [...DEFAULT_EXEMPT_SUBJECTS, "ServiceAccount external-secrets/*"], now });
    detail = `${c.secrets.length} Secrets, ${c.grants.length} grants, ${c.findings.length} findings, ${c.proposals.length} proposals`;
    if (mode === "scan+outputs") {
      const { scanSarif } = await import("../inspect/sarif");
      const { reportMarkdown } = await import("../inspect/markdown");
      const { reportHtml } = await import("../inspect/reportHtml");
      const doc = scanDocument([c], now, "bench");
      const sizes = [JSON.stringify(doc, null, 2).length, JSON.stringify(scanSarif(doc), null, 2).length, reportMarkdown(doc).length, reportHtml(doc).length];
      detail += `; outputs ${sizes.map((s) => `${(s / 1e6).toFixed(1)}`).join("/")} MB (json/sarif/md/html)`;
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024, detail })}\n`);
}

function measure(mode: string, file: string): { ms: number; rssMB: number; detail: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", mode, file], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runScanBench(rounds = 3): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "scan-bench-"));
  try {
    const file = join(dir, "cluster.json");
    const objects = await writeDump(file);
    const size = statSync(file).size / 1024 / 1024;
    const modes = ["parse", "scan", "scan+outputs"];
    const results: Record<string, Array<{ ms: number; rssMB: number; detail: string }>> = Object.fromEntries(modes.map((m) => [m, []]));
    for (let r = 0; r < rounds; r++) for (const m of modes) results[m].push(measure(m, file));
    const parseMs = median(results.parse.map((x) => x.ms));
    console.log(`scan of a dump: ${objects} objects (${NAMESPACES} namespaces, ${NAMESPACES * 4} Secrets), ${size.toFixed(1)} MB JSON; median of ${rounds} rounds, each in a fresh process`);
    console.log(["mode".padEnd(14), "ms".padStart(9), "x JSON.parse".padStart(13), "peak RSS MB".padStart(12), "  detail"].join(""));
    for (const m of modes) {
      const ms = median(results[m].map((x) => x.ms));
      const rss = median(results[m].map((x) => x.rssMB));
      console.log([m.padEnd(14), ms.toFixed(0).padStart(9), (ms / parseMs).toFixed(2).padStart(13), rss.toFixed(0).padStart(12), `  ${results[m][0].detail}`].join(""));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  child(process.argv[3], process.argv[4]).catch((e) => {
    process.stderr.write(String((e as Error).stack ?? e));
    process.exit(1);
  });
}
