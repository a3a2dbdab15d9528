/**
 * The Secret graph of one cluster: every Secret with its source (what writes it), consumers (who uses it)
 * and readers (who can read it, from the RBAC engine's findings), plus workloads and subjects with their
 * blast radius. Pure: an Inventory in, plain data out.
 *
 * Readers are never computed here: `analyzeRbac` (policy-pack/rbac) decides who can do what, with its
 * chains; this module only resolves each engine finding's scope (namespace or `*`, resourceNames) to the
 * Secrets it reaches.
 */
import { analyzeRbac, type RbacFinding } from "../policy-pack/rbac";
import { WORKLOAD_KINDS, type Inventory, type Obj } from "./inventory";
import {
  NOTABLE_ANNOTATION_PREFIXES,
  type CloudIdentity,
  type Consumer,
  type ConsumerVia,
  type GrantAccess,
  type GrantMechanism,
  type ObjectRef,
  type SecretGrant,
  type SecretNode,
  type SecretSource,
  type SubjectNode,
  type WorkloadNode,
} from "./scanSchema";

export interface GraphOptions {
  cluster: string;
  /** Subjects exempted from reader findings: exact subject strings or a trailing-`*` prefix. */
  exemptSubjects: string[];
  kubernetesVersion?: string;
  /** Reference time for ages. */
  now: Date;
}

export interface Graph {
  secrets: SecretNode[];
  grants: SecretGrant[];
  subjects: SubjectNode[];
  workloads: WorkloadNode[];
  /** Every engine finding, as analyzeRbac returned it (no exemptions applied). */
  rbacFindings: RbacFinding[];
  /** Objects by kind (reduced). */
  byKind: Map<string, Obj[]>;
  /** Internal per-workload data used by findings and proposals. */
  workloadInfo: WorkloadInfo[];
  secretIndex: Map<string, SecretNode>;
  serviceAccounts: Map<string, Obj>;
}

/** A top-level workload with the references its pod specs make. */
export interface WorkloadInfo {
  node: WorkloadNode;
  /** Secret-name-shaped tokens in env values and args (never output). */
  tokens: Set<string>;
  /** `kube-secrets-platform/reads-secrets` annotation values (workload, pod template, service account). */
  declaredReads: string[];
  /** Existing Secrets of its namespace that it names or declares but does not mount: read through the API. Sorted. */
  apiReads: string[];
  /** Names of the Secrets it mounts or references in its pod spec. */
  mounted: Set<string>;
}

const RELEASE_TYPE = "helm.sh/release.v1";
const SA_TOKEN_TYPE = "kubernetes.io/service-account-token";
const BOOTSTRAP_TYPE = "bootstrap.kubernetes.io/token";
export const READS_ANNOTATION = "kube-secrets-platform/reads-secrets";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function secretId(cluster: string, ns: string, name: string): string {
  return `${cluster}/${ns}/${name}`;
}

function refKey(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}

export function refText(r: ObjectRef): string {
  return refKey(r);
}

export function isExempt(subject: string, patterns: string[]): boolean {
  for (const p of patterns) {
    if (p === subject) return true;
    if (p.endsWith("*") && subject.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

export function notableAnnotations(annotations: Record<string, string> | undefined): { kept: Record<string, string>; other: string[] } {
  const kept: Record<string, string> = {};
  const other: string[] = [];
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (NOTABLE_ANNOTATION_PREFIXES.some((p) => k.startsWith(p))) kept[k] = v;
    else other.push(k);
  }
  return { kept, other: other.sort() };
}

/** Pod spec of a Pod or template workload. */
function podSpecOf(obj: Obj): any {
  const spec = obj.spec as any;
  if (!spec) return undefined;
  if (obj.kind === "Pod") return spec;
  if (obj.kind === "CronJob") return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

function templateAnnotations(obj: Obj): Record<string, string> {
  const spec = obj.spec as any;
  if (obj.kind === "CronJob") return spec?.jobTemplate?.spec?.template?.metadata?.annotations ?? {};
  return spec?.template?.metadata?.annotations ?? {};
}

/** Cloud identities an SA's annotations bind (IRSA, GKE Workload Identity, Azure Workload Identity). */
export function cloudIdentitiesOf(sa: Obj | undefined, subject: string): CloudIdentity[] {
  const a = sa?.metadata.annotations ?? {};
  const out: CloudIdentity[] = [];
  // Annotation keys as the webhooks read them: aws/amazon-eks-pod-identity-webhook (eks.amazonaws.com/role-arn),
  // GKE metadata server (iam.gke.io/gcp-service-account), Azure/azure-workload-identity (azure.workload.identity/client-id).
  if (a["eks.amazonaws.com/role-arn"]) out.push({ provider: "aws-irsa", identity: a["eks.amazonaws.com/role-arn"], serviceAccount: subject });
  if (a["iam.gke.io/gcp-service-account"]) out.push({ provider: "gcp-workload-identity", identity: a["iam.gke.io/gcp-service-account"], serviceAccount: subject });
  if (a["azure.workload.identity/client-id"]) out.push({ provider: "azure-workload-identity", identity: a["azure.workload.identity/client-id"], serviceAccount: subject });
  return out;
}

interface Ref {
  name: string;
  via: ConsumerVia;
  container?: string;
  key?: string;
  optional?: boolean;
}

/** Every Secret reference a pod spec makes (CSI references resolved through SecretProviderClasses). */
function secretRefs(spec: any, spcSecrets: (spcName: string) => string[]): Ref[] {
  const refs: Ref[] = [];
  if (!spec) return refs;
  const volumes: any[] = spec.volumes ?? [];
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const mountedBy = (volume: string) => containers.filter((c) => (c.volumeMounts ?? []).some((m: any) => m.name === volume)).map((c) => c.name as string);
  for (const c of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref?.name) refs.push({ name: ref.name, via: "env", container: c.name, key: ref.key, optional: ref.optional });
    }
    for (const e of c.envFrom ?? []) if (e.secretRef?.name) refs.push({ name: e.secretRef.name, via: "envFrom", container: c.name, optional: e.secretRef.optional });
  }
  for (const v of volumes) {
    const users = mountedBy(v.name);
    const add = (name: string | undefined, via: ConsumerVia, items: any[] | undefined, optional?: boolean) => {
      if (!name) return;
      const keys = Array.isArray(items) ? items.map((i) => i.key).filter(Boolean) : [undefined];
      const cs = users.length ? users : [undefined];
      for (const container of cs) for (const key of keys) refs.push({ name, via, container, key, optional });
    };
    if (v.secret) add(v.secret.secretName, "volume", v.secret.items, v.secret.optional);
    for (const s of v.projected?.sources ?? []) if (s.secret) add(s.secret.name, "projected", s.secret.items, s.secret.optional);
    const spc = v.csi?.volumeAttributes?.secretProviderClass;
    if (spc) for (const name of spcSecrets(spc)) add(name, "csi", undefined);
  }
  for (const s of spec.imagePullSecrets ?? []) if (s.name) refs.push({ name: s.name, via: "imagePullSecrets" });
  return refs;
}

/** The mechanism of an engine finding, from the kind text the engine puts after `<subject> can `. */
function mechanismOf(f: RbacFinding): GrantMechanism {
  const text = f.message.slice(f.subject.length + 5);
  if (text.startsWith("read Secrets")) return "secret-read";
  if (text.startsWith("write or delete Secrets")) return "secret-write";
  if (text.startsWith("create pods")) return "pod-create";
  if (text.startsWith("create or change pod-template workloads")) return "workload-write";
  if (text.startsWith("exec into or attach")) return "exec";
  if (text.startsWith("add ephemeral containers")) return "ephemeral-containers";
  if (text.startsWith("change running pods")) return "pod-update";
  if (text.startsWith("copy every Secret of the namespace out")) return "eso-exfiltrate";
  return "other";
}

/** Mechanisms that read what running pods mount (their resourceNames, if any, name pods). */
const MOUNT_READERS = new Set<GrantMechanism>(["exec", "ephemeral-containers", "pod-update"]);

const ACCESS: Record<string, GrantAccess> = { "secret-read": "read", "secret-write": "write", "indirect-secret-read": "indirect" };
const VIA = / by acting as ((?:ServiceAccount|User|Group) \S+) via /;

function subjectKind(subject: string): SecretGrant["subjectKind"] {
  return subject.startsWith("ServiceAccount ") ? "ServiceAccount" : subject.startsWith("Group ") ? "Group" : "User";
}

/** Builds the graph. */
export function buildGraph(inv: Inventory, options: GraphOptions): Graph {
  const { cluster, exemptSubjects, now } = options;
  const byKind = new Map<string, Obj[]>();
  for (const o of inv.objects) {
    let l = byKind.get(o.kind!);
    if (!l) byKind.set(o.kind!, (l = []));
    l.push(o);
  }
  const of = (kind: string) => byKind.get(kind) ?? [];
  const nsOf = (o: Obj) => o.metadata.namespace ?? "default";
  const key = (ns: string, name: string) => `${ns}/${name}`;

  // ---- Secrets ----
  const secrets: SecretNode[] = [];
  const secretIndex = new Map<string, SecretNode>();
  const secretsByNs = new Map<string, SecretNode[]>();
  for (const s of of("Secret")) {
    const ns = nsOf(s);
    const name = s.metadata.name ?? "";
    const { kept, other } = notableAnnotations(s.metadata.annotations);
    const created = s.metadata.creationTimestamp;
    const node: SecretNode = {
      id: secretId(cluster, ns, name),
      cluster,
      namespace: ns,
      name,
      ...(typeof s.type === "string" ? { type: s.type } : {}),
      ...(Array.isArray(s.keys) ? { keys: s.keys as string[] } : {}),
      labels: { ...(s.metadata.labels ?? {}) },
      annotations: kept,
      otherAnnotationKeys: other,
      owners: (s.metadata.ownerReferences ?? []).map((o) => ({ kind: o.kind ?? "", ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}), namespace: ns, name: o.name ?? "" })),
      managers: s.metadata.managers ?? [],
      ...(created ? { createdAt: created } : {}),
      ...(created && !Number.isNaN(Date.parse(created)) ? { ageDays: Math.max(0, Math.floor((now.getTime() - Date.parse(created)) / 86_400_000)) } : {}),
      source: { kind: "static", detail: "", evidence: [] },
      consumers: [],
      readers: [],
      cloudIdentities: [],
      blast: { readers: 0, nonExemptReaders: 0, clusterWideReaders: 0, pods: 0, namespaces: 0 },
    };
    secrets.push(node);
    secretIndex.set(key(ns, name), node);
    let l = secretsByNs.get(ns);
    if (!l) secretsByNs.set(ns, (l = []));
    l.push(node);
  }
  secrets.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));

  // ---- Sources ----
  const stores = new Map<string, Obj>();
  for (const st of of("SecretStore")) stores.set(`SecretStore ${nsOf(st)}/${st.metadata.name}`, st);
  for (const st of of("ClusterSecretStore")) stores.set(`ClusterSecretStore ${st.metadata.name}`, st);
  const externalByTarget = new Map<string, Obj>();
  for (const es of of("ExternalSecret")) {
    const spec = es.spec as any;
    externalByTarget.set(key(nsOf(es), spec?.target?.name || es.metadata.name || ""), es);
  }
  const sealedByName = new Map<string, Obj>();
  for (const ss of of("SealedSecret")) sealedByName.set(key(nsOf(ss), ((ss.spec as any)?.template?.metadata?.name as string) || ss.metadata.name || ""), ss);
  const spcByName = new Map<string, Obj>();
  const spcBySecret = new Map<string, { spc: Obj; secretObject: any }>();
  for (const spc of of("SecretProviderClass")) {
    spcByName.set(key(nsOf(spc), spc.metadata.name ?? ""), spc);
    for (const so of (spc.spec as any)?.secretObjects ?? []) if (so.secretName) spcBySecret.set(key(nsOf(spc), so.secretName), { spc, secretObject: so });
  }
  const certBySecret = new Map<string, Obj>();
  for (const c of of("Certificate")) if ((c.spec as any)?.secretName) certBySecret.set(key(nsOf(c), (c.spec as any).secretName), c);

  for (const s of secrets) s.source = sourceOf(s);

  function storeSource(es: Obj, ns: string): SecretSource["store"] {
    const ref = (es.spec as any)?.secretStoreRef ?? {};
    const kind = ref.kind || "SecretStore";
    const name = ref.name ?? "";
    const st = stores.get(kind === "ClusterSecretStore" ? `ClusterSecretStore ${name}` : `SecretStore ${ns}/${name}`);
    const provider = st ? Object.keys((st.spec as any)?.provider ?? {})[0] : undefined;
    return { kind, name, ...(kind === "ClusterSecretStore" ? {} : { namespace: ns }), ...(provider ? { provider } : {}), found: !!st };
  }

  function remoteKeysOf(es: Obj): string[] {
    const spec = es.spec as any;
    const keys = new Set<string>();
    for (const d of spec?.data ?? []) if (d.remoteRef?.key) keys.add(d.remoteRef.key);
    for (const d of spec?.dataFrom ?? []) {
      if (d.extract?.key) keys.add(d.extract.key);
      if (d.find) keys.add(`find:${d.find.path ?? ""}${d.find.name?.regexp ? ` /${d.find.name.regexp}/` : ""}`);
    }
    return [...keys].sort();
  }

  function sourceOf(s: SecretNode): SecretSource {
    const k = key(s.namespace, s.name);
    const labels = s.labels;
    const ann = s.annotations;
    const owners = s.owners;
    const ev = (e: string[]) => e.sort();
    if (s.type === RELEASE_TYPE || (labels.owner === "helm" && s.name.startsWith("sh.helm.release.v1."))) {
      return { kind: "helm-release-record", detail: `Helm release record of ${labels.name ?? "?"} (holds the release's values)`, helmRelease: { name: labels.name ?? "", namespace: s.namespace }, evidence: ev([s.type === RELEASE_TYPE ? `type ${RELEASE_TYPE}` : "label owner=helm"]) };
    }
    const saName = ann["kubernetes.io/service-account.name"];
    if (s.type === SA_TOKEN_TYPE || (s.type === undefined && saName)) {
      const e = [s.type === SA_TOKEN_TYPE ? `type ${SA_TOKEN_TYPE}` : "annotation kubernetes.io/service-account.name"];
      return { kind: "service-account-token", detail: `long-lived token of ServiceAccount ${s.namespace}/${saName ?? "?"}`, ref: { kind: "ServiceAccount", namespace: s.namespace, name: saName ?? "" }, evidence: ev(e) };
    }
    if (s.type === BOOTSTRAP_TYPE || (s.type === undefined && s.namespace === "kube-system" && s.name.startsWith("bootstrap-token-"))) {
      return { kind: "bootstrap-token", detail: "node bootstrap token", evidence: [s.type === BOOTSTRAP_TYPE ? `type ${BOOTSTRAP_TYPE}` : "name bootstrap-token-* in kube-system"] };
    }
    const esOwner = owners.find((o) => o.kind === "ExternalSecret");
    const es = externalByTarget.get(k) ?? (esOwner ? of("ExternalSecret").find((e) => nsOf(e) === s.namespace && e.metadata.name === esOwner.name) : undefined);
    if (es || esOwner || labels["reconcile.external-secrets.io/managed"] === "true") {
      const e: string[] = [];
      if (es) e.push(`ExternalSecret ${nsOf(es)}/${es.metadata.name} targets it`);
      if (esOwner) e.push(`ownerReferences ExternalSecret ${s.namespace}/${esOwner.name}`);
      if (labels["reconcile.external-secrets.io/managed"] === "true") e.push("label reconcile.external-secrets.io/managed=true");
      if (!es) return { kind: "external-secret", detail: "written by External Secrets (its ExternalSecret was not read)", evidence: ev(e) };
      const store = storeSource(es, s.namespace)!;
      const remoteKeys = remoteKeysOf(es);
      return {
        kind: "external-secret",
        detail: `ExternalSecret ${s.namespace}/${es.metadata.name} from ${store.kind} ${store.name}${store.provider ? ` (${store.provider})` : store.found ? "" : " (store not found)"}${remoteKeys.length ? ` key ${remoteKeys.join(", ")}` : ""}`,
        ref: { kind: "ExternalSecret", apiVersion: es.apiVersion, namespace: s.namespace, name: es.metadata.name ?? "" },
        store,
        remoteKeys,
        evidence: ev(e),
      };
    }
    const ssOwner = owners.find((o) => o.kind === "SealedSecret");
    const ss = sealedByName.get(k);
    if (ss || ssOwner) {
      const e: string[] = [];
      if (ss) e.push(`SealedSecret ${s.namespace}/${ss.metadata.name} has its name`);
      if (ssOwner) e.push(`ownerReferences SealedSecret ${s.namespace}/${ssOwner.name}`);
      const name = ss?.metadata.name ?? ssOwner!.name;
      return { kind: "sealed-secret", detail: `unsealed from SealedSecret ${s.namespace}/${name} by the Sealed Secrets controller`, ref: { kind: "SealedSecret", apiVersion: "bitnami.com/v1alpha1", namespace: s.namespace, name }, evidence: ev(e) };
    }
    const csi = spcBySecret.get(k);
    if (csi || labels["secrets-store.csi.k8s.io/managed"] === "true") {
      const e: string[] = [];
      if (csi) e.push(`SecretProviderClass ${s.namespace}/${csi.spc.metadata.name} secretObjects`);
      if (labels["secrets-store.csi.k8s.io/managed"] === "true") e.push("label secrets-store.csi.k8s.io/managed=true");
      if (!csi) return { kind: "csi-sync", detail: "synced by the Secrets Store CSI driver (its SecretProviderClass was not read)", evidence: ev(e) };
      const provider = (csi.spc.spec as any)?.provider as string | undefined;
      const remoteKeys = [...new Set<string>((csi.secretObject.data ?? []).map((d: any) => d.objectName).filter(Boolean))].sort();
      return {
        kind: "csi-sync",
        detail: `synced from SecretProviderClass ${s.namespace}/${csi.spc.metadata.name}${provider ? ` (${provider})` : ""} while a pod mounts it`,
        ref: { kind: "SecretProviderClass", apiVersion: csi.spc.apiVersion, namespace: s.namespace, name: csi.spc.metadata.name ?? "" },
        ...(provider ? { provider } : {}),
        remoteKeys,
        evidence: ev(e),
      };
    }
    const cert = certBySecret.get(k);
    const certName = ann["cert-manager.io/certificate-name"];
    if (cert || certName) {
      const name = cert?.metadata.name ?? certName;
      const e = [cert ? `Certificate ${s.namespace}/${name} spec.secretName` : "annotation cert-manager.io/certificate-name"];
      return { kind: "cert-manager", detail: `issued by cert-manager for Certificate ${s.namespace}/${name}`, ref: { kind: "Certificate", apiVersion: "cert-manager.io/v1", namespace: s.namespace, name }, evidence: ev(e) };
    }
    const release = ann["meta.helm.sh/release-name"];
    if (release || labels["app.kubernetes.io/managed-by"] === "Helm") {
      const e: string[] = [];
      if (release) e.push(`annotation meta.helm.sh/release-name=${release}`);
      if (labels["app.kubernetes.io/managed-by"] === "Helm") e.push("label app.kubernetes.io/managed-by=Helm");
      const rns = ann["meta.helm.sh/release-namespace"] ?? s.namespace;
      return { kind: "helm", detail: `rendered by Helm release ${rns}/${release ?? "?"} (its values hold the content)`, helmRelease: { name: release ?? "", namespace: rns }, evidence: ev(e) };
    }
    const owner = owners[0];
    if (owner) return { kind: "controller", detail: `owned by ${owner.kind} ${owner.name}`, ref: owner, evidence: [`ownerReferences ${owner.kind} ${owner.name}`] };
    const managers = s.managers.length ? ` (written by ${s.managers.join(", ")})` : "";
    return { kind: "static", detail: `nothing manages it${managers}`, evidence: s.managers.map((m) => `managedFields manager ${m}`) };
  }

  // ---- Workloads and consumers ----
  const serviceAccounts = new Map<string, Obj>();
  for (const sa of of("ServiceAccount")) serviceAccounts.set(key(nsOf(sa), sa.metadata.name ?? ""), sa);
  const ownable = new Map<string, Obj>();
  for (const kind of WORKLOAD_KINDS) for (const o of of(kind)) if (kind !== "Pod") ownable.set(`${kind} ${nsOf(o)}/${o.metadata.name}`, o);
  const topOf = (o: Obj): ObjectRef => {
    let cur: ObjectRef = { kind: o.kind!, ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}), namespace: nsOf(o), name: o.metadata.name ?? "" };
    let obj: Obj | undefined = o;
    for (let depth = 0; depth < 5 && obj; depth++) {
      const refs = obj.metadata.ownerReferences ?? [];
      const owner = refs.find((r) => r.controller) ?? refs.find((r) => r.kind && WORKLOAD_KINDS.has(r.kind));
      if (!owner?.kind || !WORKLOAD_KINDS.has(owner.kind)) break;
      cur = { kind: owner.kind, ...(owner.apiVersion ? { apiVersion: owner.apiVersion } : {}), namespace: cur.namespace, name: owner.name ?? "" };
      obj = ownable.get(`${owner.kind} ${cur.namespace}/${owner.name}`);
    }
    return cur;
  };
  const spcSecrets = (ns: string) => (name: string) => (((spcByName.get(key(ns, name))?.spec as any)?.secretObjects ?? []) as any[]).map((so) => so.secretName).filter(Boolean);

  interface Acc {
    node: WorkloadNode;
    info: WorkloadInfo;
    consumers: Map<string, { via: ConsumerVia; name: string; containers: Set<string>; keys: Set<string> | null; optional: boolean }>;
  }
  const workloads = new Map<string, Acc>();
  const podsPerWorkload = new Map<string, number>();
  const podConsumed = new Map<string, Set<string>>(); // ns/pod -> secret names (for exec reach)
  const hasPods = of("Pod").length > 0;
  const accFor = (top: ObjectRef, sa: string, automount: boolean): Acc => {
    const k = refKey(top);
    let acc = workloads.get(k);
    if (!acc) {
      const node: WorkloadNode = { ref: top, serviceAccount: sa, pods: 0, secrets: [], automountToken: automount };
      acc = { node, info: { node, tokens: new Set(), declaredReads: [], apiReads: [], mounted: new Set() }, consumers: new Map() };
      workloads.set(k, acc);
    }
    return acc;
  };
  const visit = (o: Obj, isPod: boolean) => {
    const spec = podSpecOf(o);
    const ns = nsOf(o);
    const top = topOf(o);
    const saName = (spec?.serviceAccountName as string) || "default";
    const sa = `ServiceAccount ${ns}/${saName}`;
    const saObj = serviceAccounts.get(key(ns, saName));
    const automount = spec?.automountServiceAccountToken ?? (saObj?.automountServiceAccountToken as boolean | undefined) ?? true;
    const acc = accFor(top, sa, automount);
    if (isPod) {
      podsPerWorkload.set(refKey(top), (podsPerWorkload.get(refKey(top)) ?? 0) + 1);
    }
    for (const t of (spec?._nameTokens as string[] | undefined) ?? []) acc.info.tokens.add(t);
    const declared = o.metadata.annotations?.[READS_ANNOTATION] ?? templateAnnotations(o)[READS_ANNOTATION];
    if (declared) for (const n of declared.split(",")) if (n.trim()) acc.info.declaredReads.push(n.trim());
    const consumed = isPod ? new Set<string>() : null;
    for (const ref of secretRefs(spec, spcSecrets(ns))) {
      const ck = `${ref.via}|${ref.name}`;
      let c = acc.consumers.get(ck);
      if (!c) acc.consumers.set(ck, (c = { via: ref.via, name: ref.name, containers: new Set(), keys: new Set(), optional: true }));
      if (ref.container) c.containers.add(ref.container);
      if (ref.key === undefined) c.keys = null;
      else c.keys?.add(ref.key);
      if (!ref.optional) c.optional = false;
      if (consumed && ref.via !== "imagePullSecrets") consumed.add(ref.name);
    }
    if (consumed) podConsumed.set(key(ns, o.metadata.name ?? ""), consumed);
  };
  for (const kind of WORKLOAD_KINDS) {
    for (const o of of(kind)) {
      if (kind === "Pod") visit(o, true);
      else if (refKey(topOf(o)) === `${kind} ${nsOf(o)}/${o.metadata.name}`) visit(o, false); // top-level template workloads only
    }
  }
  // Per-namespace Secrets mounted by pods (exec reach); without listed pods, by workload templates.
  const mountedInNs = new Map<string, Set<string>>();
  const addMounted = (ns: string, name: string) => {
    let s = mountedInNs.get(ns);
    if (!s) mountedInNs.set(ns, (s = new Set()));
    s.add(name);
  };
  if (hasPods) for (const [k, names] of podConsumed) for (const n of names) addMounted(k.slice(0, k.indexOf("/")), n);

  const workloadNodes: WorkloadNode[] = [];
  const workloadInfo: WorkloadInfo[] = [];
  const consumersOfSecret = new Map<string, Consumer[]>();
  const pushConsumer = (ns: string, name: string, c: Consumer) => {
    const k = key(ns, name);
    let l = consumersOfSecret.get(k);
    if (!l) consumersOfSecret.set(k, (l = []));
    l.push(c);
  };
  for (const acc of workloads.values()) {
    const node = acc.node;
    node.pods = podsPerWorkload.get(refKey(node.ref)) ?? 0;
    const ns = node.ref.namespace!;
    const names = new Set<string>();
    for (const c of acc.consumers.values()) {
      names.add(c.name);
      acc.info.mounted.add(c.name);
      if (!hasPods && c.via !== "imagePullSecrets") addMounted(ns, c.name);
      pushConsumer(ns, c.name, {
        via: c.via,
        object: node.ref,
        serviceAccount: node.serviceAccount,
        ...(c.containers.size ? { containers: [...c.containers].sort() } : {}),
        ...(c.keys && c.keys.size ? { keys: [...c.keys].sort() } : {}),
        ...(c.optional ? { optional: true } : {}),
        pods: node.pods,
      });
    }
    // Secrets its containers name (env values, args) or declare (annotation) and that it does not mount: API reads.
    const saObj = serviceAccounts.get(node.serviceAccount.slice("ServiceAccount ".length));
    const declared = saObj?.metadata.annotations?.[READS_ANNOTATION];
    if (declared) for (const n of declared.split(",")) if (n.trim()) acc.info.declaredReads.push(n.trim());
    const apiNames = new Set([...acc.info.tokens, ...acc.info.declaredReads].filter((n) => !names.has(n) && secretIndex.has(key(ns, n))));
    acc.info.apiReads = [...apiNames].sort();
    for (const n of acc.info.apiReads) {
      names.add(n);
      pushConsumer(ns, n, { via: "api", object: node.ref, serviceAccount: node.serviceAccount, pods: node.pods });
    }
    node.secrets = [...names].filter((n) => secretIndex.has(key(ns, n))).map((n) => secretId(cluster, ns, n)).sort();
    workloadNodes.push(node);
    workloadInfo.push(acc.info);
  }
  workloadNodes.sort((a, b) => cmp(a.ref.namespace ?? "", b.ref.namespace ?? "") || cmp(a.ref.kind, b.ref.kind) || cmp(a.ref.name, b.ref.name));
  for (const ing of of("Ingress")) {
    for (const t of (ing.spec as any)?.tls ?? []) if (t.secretName) pushConsumer(nsOf(ing), t.secretName, { via: "ingress-tls", object: { kind: "Ingress", apiVersion: ing.apiVersion, namespace: nsOf(ing), name: ing.metadata.name ?? "" }, pods: 0 });
  }
  for (const sa of of("ServiceAccount")) {
    const ref: ObjectRef = { kind: "ServiceAccount", apiVersion: "v1", namespace: nsOf(sa), name: sa.metadata.name ?? "" };
    for (const s of (sa.secrets as any[]) ?? []) if (s.name) pushConsumer(nsOf(sa), s.name, { via: "serviceaccount-secrets", object: ref, pods: 0 });
    for (const s of (sa.imagePullSecrets as any[]) ?? []) if (s.name) pushConsumer(nsOf(sa), s.name, { via: "serviceaccount-imagePullSecrets", object: ref, pods: 0 });
  }
  for (const s of secrets) {
    const l = consumersOfSecret.get(key(s.namespace, s.name)) ?? [];
    l.sort((a, b) => cmp(a.object.kind, b.object.kind) || cmp(a.object.namespace ?? "", b.object.namespace ?? "") || cmp(a.object.name, b.object.name) || cmp(a.via, b.via));
    s.consumers = l;
    const ids = new Map<string, CloudIdentity>();
    for (const c of l) {
      if (!c.serviceAccount) continue;
      const saObj = serviceAccounts.get(c.serviceAccount.slice("ServiceAccount ".length));
      for (const ci of cloudIdentitiesOf(saObj, c.serviceAccount)) ids.set(`${ci.provider}|${ci.identity}|${ci.serviceAccount}`, ci);
    }
    s.cloudIdentities = [...ids.values()].sort((a, b) => cmp(a.serviceAccount, b.serviceAccount) || cmp(a.provider, b.provider));
  }

  // ---- Grants (RBAC engine) ----
  const rbacFindings = analyzeRbac(inv.objects, { kubernetesVersion: options.kubernetesVersion, includeBuiltinRoles: true }).findings;
  const grants: SecretGrant[] = [];
  for (const f of rbacFindings) {
    const access = ACCESS[f.code];
    if (!access) continue;
    // Newer engines name the identity acted as (`actingAs`); older ones only in the message.
    const via = (f as RbacFinding & { actingAs?: string }).actingAs ?? VIA.exec(f.message)?.[1];
    grants.push({
      id: 0,
      subject: f.subject,
      subjectKind: subjectKind(f.subject),
      access,
      mechanism: mechanismOf(f),
      verbs: [...f.verbs].sort(),
      namespace: f.namespace,
      ...(f.resourceNames ? { resourceNames: [...f.resourceNames].sort() } : {}),
      inherited: via !== undefined || f.path.some((p) => p.startsWith("acts as ")),
      ...(via ? { via } : {}),
      path: f.path,
      severity: f.severity,
      exempt: isExempt(f.subject, exemptSubjects),
      message: f.message,
    });
  }
  const accessOrder = { read: 0, write: 1, indirect: 2 };
  grants.sort((a, b) => cmp(a.subject, b.subject) || cmp(a.namespace, b.namespace) || accessOrder[a.access] - accessOrder[b.access] || cmp(a.message, b.message));
  grants.forEach((g, i) => (g.id = i));

  // Which Secrets each grant reaches.
  const allNamespaces = [...secretsByNs.keys()];
  const reached = (g: SecretGrant): SecretNode[] => {
    const namespaces = g.namespace === "*" ? allNamespaces : [g.namespace];
    const out: SecretNode[] = [];
    for (const ns of namespaces) {
      const inNs = secretsByNs.get(ns) ?? [];
      if (MOUNT_READERS.has(g.mechanism)) {
        let names: Set<string>;
        if (g.resourceNames) {
          names = new Set();
          for (const pod of g.resourceNames) for (const n of podConsumed.get(key(ns, pod)) ?? []) names.add(n);
        } else names = mountedInNs.get(ns) ?? new Set();
        for (const n of names) {
          const s = secretIndex.get(key(ns, n));
          if (s) out.push(s);
        }
      } else if ((g.mechanism === "secret-read" || g.mechanism === "secret-write") && g.resourceNames) {
        for (const n of g.resourceNames) {
          const s = secretIndex.get(key(ns, n));
          if (s) out.push(s);
        }
      } else out.push(...inNs);
    }
    return out;
  };
  const readersOf = new Map<SecretNode, Set<number>>();
  const grantReach = new Map<number, SecretNode[] | "all">();
  const clusterWideAll: number[] = [];
  for (const g of grants) {
    const everything = g.namespace === "*" && !g.resourceNames && !MOUNT_READERS.has(g.mechanism);
    if (everything) {
      clusterWideAll.push(g.id);
      grantReach.set(g.id, "all");
      continue;
    }
    const list = reached(g);
    grantReach.set(g.id, list);
    for (const s of list) {
      let set = readersOf.get(s);
      if (!set) readersOf.set(s, (set = new Set()));
      set.add(g.id);
    }
  }
  for (const s of secrets) {
    const own = readersOf.get(s);
    const ids = own ? [...clusterWideAll, ...own] : [...clusterWideAll];
    ids.sort((a, b) => a - b);
    s.readers = [...new Set(ids)];
    const subjects = new Set<string>();
    const nonExempt = new Set<string>();
    const clusterWide = new Set<string>();
    for (const id of s.readers) {
      const g = grants[id];
      if (g.access === "write") continue;
      subjects.add(g.subject);
      if (!g.exempt) nonExempt.add(g.subject);
      if (g.namespace === "*") clusterWide.add(g.subject);
    }
    const podsByWorkload = new Map<string, number>();
    for (const c of s.consumers) if (c.pods) podsByWorkload.set(refKey(c.object), c.pods);
    s.blast = {
      readers: subjects.size,
      nonExemptReaders: nonExempt.size,
      clusterWideReaders: clusterWide.size,
      pods: [...podsByWorkload.values()].reduce((a, b) => a + b, 0),
      namespaces: new Set(s.consumers.filter((c) => c.object.kind !== "ServiceAccount").map((c) => c.object.namespace)).size,
    };
  }

  // ---- Subjects ----
  const grantsBySubject = new Map<string, number[]>();
  for (const g of grants) {
    let l = grantsBySubject.get(g.subject);
    if (!l) grantsBySubject.set(g.subject, (l = []));
    l.push(g.id);
  }
  const consumesBySa = new Map<string, Set<string>>();
  const workloadsBySa = new Map<string, string[]>();
  for (const w of workloadNodes) {
    let c = consumesBySa.get(w.serviceAccount);
    if (!c) consumesBySa.set(w.serviceAccount, (c = new Set()));
    for (const id of w.secrets) c.add(id);
    let l = workloadsBySa.get(w.serviceAccount);
    if (!l) workloadsBySa.set(w.serviceAccount, (l = []));
    l.push(refKey(w.ref));
  }
  const subjectNames = new Set<string>([...grantsBySubject.keys(), ...workloadsBySa.keys()]);
  const totalPods = (list: Iterable<SecretNode>) => {
    const seen = new Map<string, number>();
    for (const s of list) for (const c of s.consumers) if (c.pods) seen.set(refKey(c.object), c.pods);
    return [...seen.values()].reduce((a, b) => a + b, 0);
  };
  let allPods: number | undefined;
  const subjects: SubjectNode[] = [];
  for (const subject of [...subjectNames].sort(cmp)) {
    const kind = subjectKind(subject);
    const rest = subject.slice(subject.indexOf(" ") + 1);
    const saNs = kind === "ServiceAccount" ? rest.slice(0, rest.indexOf("/")) : undefined;
    const name = kind === "ServiceAccount" ? rest.slice(rest.indexOf("/") + 1) : rest;
    const groups = kind === "ServiceAccount" ? ["Group system:serviceaccounts", `Group system:serviceaccounts:${saNs}`, "Group system:authenticated"].filter((gr) => grantsBySubject.has(gr)) : [];
    const own = grantsBySubject.get(subject) ?? [];
    const effective = [...own, ...groups.flatMap((gr) => grantsBySubject.get(gr)!)];
    let readsAll = false;
    const reads = new Set<SecretNode>();
    for (const id of effective) {
      const g = grants[id];
      if (g.access === "write") continue;
      const r = grantReach.get(id)!;
      if (r === "all") readsAll = true;
      else for (const s of r) reads.add(s);
    }
    const saObj = kind === "ServiceAccount" ? serviceAccounts.get(rest) : undefined;
    const readList = readsAll ? secrets : [...reads];
    const podCount = readsAll ? (allPods ??= totalPods(secrets)) : totalPods(readList);
    subjects.push({
      subject,
      kind,
      ...(saNs !== undefined ? { namespace: saNs } : {}),
      name,
      ...(kind === "ServiceAccount" ? { exists: saObj !== undefined } : {}),
      exempt: isExempt(subject, exemptSubjects),
      grants: own,
      ...(kind === "ServiceAccount" ? { groups } : {}),
      reads: readsAll ? [] : readList.map((s) => s.id).sort(),
      readsAll,
      consumes: [...(consumesBySa.get(subject) ?? [])].sort(),
      workloads: (workloadsBySa.get(subject) ?? []).sort(),
      cloudIdentities: cloudIdentitiesOf(saObj, subject),
      blast: { secrets: readList.length, namespaces: readsAll ? secretsByNs.size : new Set(readList.map((s) => s.namespace)).size, pods: podCount },
    });
  }

  return { secrets, grants, subjects, workloads: workloadNodes, rbacFindings, byKind, workloadInfo, secretIndex, serviceAccounts };
}
