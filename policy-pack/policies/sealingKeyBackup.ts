/**
 * The Sealed Secrets sealing key's backup (an ESO PushSecret of the key Secret) and restore (an ExternalSecret
 * writing a Secret labelled as a key): both go through a store whose identity reaches the backup copy, and
 * that copy decrypts every SealedSecret of the cluster. Anyone who can use the same store, or the same cloud
 * identity through another store, reads the key. Upstream facts (external-secrets tag v2.9.0):
 * - PushSecret `spec.secretStoreRefs[].kind` defaults to `SecretStore` (apis/externalsecrets/v1alpha1/
 *   pushsecret_types.go, `+kubebuilder:default="SecretStore"`); pkg/controllers/pushsecret GetSecretStores /
 *   getSecretStoreFromName read a ClusterSecretStore only for kind `ClusterSecretStore`, a SecretStore of the
 *   PushSecret's namespace otherwise (a `labelSelector` ref lists the stores carrying the labels).
 * - ExternalSecret `spec.secretStoreRef.kind` has no CRD default ("Defaults to `SecretStore`",
 *   apis/externalsecrets/v1/externalsecret_types.go); pkg/controllers/secretstore/client_manager.go getStore
 *   reads a ClusterSecretStore only for kind `ClusterSecretStore`. `data[]`/`dataFrom[].sourceRef.storeRef`
 *   override the store per entry.
 * - The service account of `serviceAccountRef` is looked up in the store's namespace for a SecretStore, and
 *   for a ClusterSecretStore in `serviceAccountRef.namespace`, else the referent's (apis/meta/v1 types.go
 *   ServiceAccountSelector; providers/v1/aws/auth/auth.go, azure/keyvault/keyvault.go,
 *   vault/auth_kubernetes.go). Its cloud identity is its annotation: `eks.amazonaws.com/role-arn`
 *   (aws/auth/auth.go roleARNAnnotation), `iam.gke.io/gcp-service-account` (gcp/secretmanager/
 *   workload_identity.go), `azure.workload.identity/client-id` (azure/keyvault/keyvault.go AnnotationClientID);
 *   Vault logs in with the account's token to `auth.kubernetes.role` (mountPath default `kubernetes`).
 * Values unknown during a preview fail closed: the policy reports that it cannot check them.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { SEALING_KEY_LABEL } from "../../components/sealed-secrets/crypto";
import { isUnknownValueError } from "../rbac";
import { matchesAny } from "./common";

/** The label the Sealed Secrets controller loads its keys by (the component's own constant). */
export { SEALING_KEY_LABEL };
/** Name prefix of the controller's key Secrets (`sealed-secrets-key<random>`, `sealed-secrets-key-managed`, …). */
const SEALING_KEY_NAME_PREFIX = "sealed-secrets-key";

const PUSH_SECRET = /^kubernetes:external-secrets\.io\/v1(alpha1)?:PushSecret$/;
const EXTERNAL_SECRET = /^kubernetes:external-secrets\.io\/v1(beta1)?:ExternalSecret$/;
const SECRET_STORE = /^kubernetes:external-secrets\.io\/v1(beta1)?:SecretStore$/;
const CLUSTER_SECRET_STORE = /^kubernetes:external-secrets\.io\/v1(beta1)?:ClusterSecretStore$/;
const SERVICE_ACCOUNT = /^kubernetes:core\/v1:ServiceAccount(Patch)?$/;
const VAULT_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";

/** Stand-in for a value unknown during preview, in the plain copies this module reads. */
const UNKNOWN: unique symbol = Symbol("unknown during preview");
type Unknown = typeof UNKNOWN;
const isUnknown = (v: unknown): v is Unknown => v === UNKNOWN;

/**
 * A plain copy of `value` read through the policy's props proxy, with each value unknown during preview
 * replaced by UNKNOWN instead of throwing (@pulumi/policy's UnknownValueError, matched by name).
 */
function plain(read: () => unknown, depth = 0): unknown {
  let value: unknown;
  try {
    value = read();
  } catch (e) {
    if (isUnknownValueError(e)) return UNKNOWN;
    throw e;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth > 64) throw new Error("value nested too deeply");
  const v = value as Record<string, unknown>;
  if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => plain(() => v[i], depth + 1));
  return Object.fromEntries(Object.keys(v).map((k) => [k, plain(() => v[k], depth + 1)]));
}

/** `value` when it is a non-empty string, UNKNOWN when unknown, else undefined. */
function str(value: unknown): string | Unknown | undefined {
  if (isUnknown(value)) return UNKNOWN;
  return typeof value === "string" && value !== "" ? value : undefined;
}

const show = (v: string | Unknown | undefined, missing = "(unset)") => (isUnknown(v) ? "(unknown during preview)" : (v ?? missing));

interface Meta {
  name: string | Unknown | undefined;
  namespace: string | Unknown | undefined;
}

/** Name and namespace from a plain `{ metadata }` (UNKNOWN where unknown). */
function meta(props: any): Meta {
  const md = props?.metadata;
  if (isUnknown(md)) return { name: UNKNOWN, namespace: UNKNOWN };
  return { name: str(md?.name), namespace: str(md?.namespace) };
}

/** `Kind ns/name` of a namespaced object (namespace `default` when unset), for messages. */
function nsName(kind: string, m: Meta): string {
  return `${kind} ${show(m.namespace, "default")}/${show(m.name, "(generated name)")}`;
}

/** Whether a label selector is certain to select the sealing key, UNKNOWN when it cannot be read, else false. */
function selectorSelectsKey(selector: any): boolean | Unknown {
  if (isUnknown(selector)) return UNKNOWN;
  if (!selector || typeof selector !== "object") return false;
  const labels = selector.matchLabels;
  if (isUnknown(labels)) return UNKNOWN;
  if (labels && typeof labels === "object" && SEALING_KEY_LABEL in labels) return true;
  const exprs = selector.matchExpressions;
  if (isUnknown(exprs)) return UNKNOWN;
  let unknown = false;
  for (const e of Array.isArray(exprs) ? exprs : []) {
    if (isUnknown(e) || isUnknown(e?.key) || isUnknown(e?.operator)) {
      unknown = true;
      continue;
    }
    if (e?.key === SEALING_KEY_LABEL && (e.operator === "Exists" || e.operator === "In")) return true;
  }
  return unknown ? UNKNOWN : false;
}

/**
 * How a PushSecret or ExternalSecret touches the sealing key: a description (`spec.selector.secret.selector
 * matchExpressions … Exists`), UNKNOWN when the fields deciding it are unknown, or undefined when it does not.
 */
export function sealingKeyUse(type: string, spec: any): string | Unknown | undefined {
  if (PUSH_SECRET.test(type)) {
    if (isUnknown(spec) || isUnknown(spec?.selector)) return UNKNOWN;
    const secret = spec?.selector?.secret;
    if (isUnknown(secret)) return UNKNOWN;
    if (!secret || typeof secret !== "object") return undefined;
    // ESO takes the name first (pkg/controllers/pushsecret resolveSecrets), then the selector.
    const name = str(secret.name);
    if (isUnknown(name)) return UNKNOWN;
    if (name !== undefined) return name.startsWith(SEALING_KEY_NAME_PREFIX) ? `pushes the sealing key Secret ${name} (spec.selector.secret.name)` : undefined;
    const selects = selectorSelectsKey(secret.selector);
    if (isUnknown(selects)) return UNKNOWN;
    return selects ? `pushes the Sealed Secrets sealing key (spec.selector.secret.selector ${JSON.stringify(secret.selector)} selects Secrets labelled ${SEALING_KEY_LABEL})` : undefined;
  }
  if (EXTERNAL_SECRET.test(type)) {
    if (isUnknown(spec)) return UNKNOWN;
    const target = spec?.target;
    if (isUnknown(target)) return UNKNOWN;
    const template = target?.template;
    const metadata = isUnknown(template) ? UNKNOWN : template?.metadata;
    const labels = isUnknown(metadata) ? UNKNOWN : metadata?.labels;
    if (isUnknown(labels)) return UNKNOWN;
    if (labels && typeof labels === "object" && SEALING_KEY_LABEL in labels) return `writes a sealing key Secret (spec.target.template.metadata.labels carries ${SEALING_KEY_LABEL}, the label the controller loads its keys by)`;
    const name = str(target?.name);
    if (isUnknown(name)) return UNKNOWN;
    if (name?.startsWith(SEALING_KEY_NAME_PREFIX)) return `writes the sealing key Secret ${name} (spec.target.name)`;
    return undefined;
  }
  return undefined;
}

/** One store reference of a PushSecret or ExternalSecret, with ESO's defaults applied. */
interface StoreRef {
  /** Field path, e.g. `spec.secretStoreRefs[0]`. */
  path: string;
  name: string | Unknown | undefined;
  /** `SecretStore` when unset (ESO's default), UNKNOWN when unknown. */
  kind: string | Unknown;
  /** A PushSecret ref selecting stores by label instead of by name. */
  labelSelector?: unknown;
}

function storeRef(path: string, ref: any): StoreRef {
  if (isUnknown(ref)) return { path, name: UNKNOWN, kind: UNKNOWN };
  const kind = str(ref?.kind);
  const labelSelector = isUnknown(ref?.labelSelector) ? UNKNOWN : (ref?.labelSelector ?? undefined);
  return { path, name: str(ref?.name), kind: kind ?? "SecretStore", ...(labelSelector !== undefined ? { labelSelector } : {}) };
}

/** Every store reference of the spec; UNKNOWN when the list itself is unknown. */
export function storeRefs(type: string, spec: any): StoreRef[] | Unknown {
  if (isUnknown(spec)) return UNKNOWN;
  if (PUSH_SECRET.test(type)) {
    const refs = spec?.secretStoreRefs;
    if (isUnknown(refs)) return UNKNOWN;
    return (Array.isArray(refs) ? refs : []).map((r, i) => storeRef(`spec.secretStoreRefs[${i}]`, r));
  }
  const out: StoreRef[] = [];
  if (isUnknown(spec?.secretStoreRef)) return UNKNOWN;
  if (spec?.secretStoreRef) out.push(storeRef("spec.secretStoreRef", spec.secretStoreRef));
  for (const field of ["data", "dataFrom"]) {
    const entries = spec?.[field];
    if (isUnknown(entries)) return UNKNOWN;
    (Array.isArray(entries) ? entries : []).forEach((e, i) => {
      const source = isUnknown(e) ? UNKNOWN : e?.sourceRef;
      const ref = isUnknown(source) ? UNKNOWN : source?.storeRef;
      if (ref !== undefined && ref !== null) out.push(storeRef(`spec.${field}[${i}].sourceRef.storeRef`, ref));
    });
  }
  return out;
}

const refName = (r: StoreRef, ns: string | Unknown | undefined) =>
  isUnknown(r.kind) ? `store ${show(r.name)}` : r.kind === "SecretStore" ? `SecretStore ${show(ns, "default")}/${show(r.name)}` : `${r.kind} ${show(r.name)}`;

export const sealingKeyStoreScope: ResourceValidationPolicy = {
  name: "sealing-key-store-scope",
  description:
    "PushSecrets that back up the Sealed Secrets sealing key and ExternalSecrets that restore it use only namespaced SecretStores (of their own namespace), never a ClusterSecretStore another namespace may use.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Back up and restore the key through a SecretStore in the controller's namespace (kube-system) with its own service account and its own cloud identity (IAM role, Google service account, Azure client id or Vault role), " +
    "used by nothing else; set `kind: SecretStore` on every store reference (keyBackup/keyImport `secretStoreKind: SecretStore`).",
  validateResource: (args, reportViolation) => {
    if (!PUSH_SECRET.test(args.type) && !EXTERNAL_SECRET.test(args.type)) return;
    const props = args.props;
    const m = meta({ metadata: plain(() => props.metadata) });
    const kind = PUSH_SECRET.test(args.type) ? "PushSecret" : "ExternalSecret";
    const id = nsName(kind, m);
    const spec = plain(() => props.spec);
    const use = sealingKeyUse(args.type, spec);
    if (use === undefined) return;
    if (isUnknown(use)) {
      const what = kind === "PushSecret" ? "spec.selector.secret" : "spec.target (name, template.metadata.labels)";
      reportViolation(`${id}: ${what} is not known during this preview, so whether it ${kind === "PushSecret" ? "pushes" : "writes"} the Sealed Secrets sealing key cannot be checked`);
      return;
    }
    const refs = storeRefs(args.type, spec);
    if (isUnknown(refs)) {
      reportViolation(`${id} ${use}; its store references are not known during this preview, so whether they are namespaced SecretStores cannot be checked`);
      return;
    }
    for (const r of refs) {
      if (isUnknown(r.kind)) reportViolation(`${id} ${use} through ${r.path} (store ${show(r.name)}), whose kind is not known during this preview, so whether it is a namespaced SecretStore cannot be checked`);
      else if (r.kind !== "SecretStore") {
        reportViolation(
          `${id} ${use} through ${r.path} ${r.kind} ${show(r.name)}: a ClusterSecretStore serves every namespace its conditions admit, so anyone who can create an ExternalSecret there reads the key from the backup; use a SecretStore in ${show(m.namespace, "default")} with its own service account and cloud identity`,
        );
      }
    }
  },
};

/** A store of the program, plain. */
interface Store {
  kind: "SecretStore" | "ClusterSecretStore";
  meta: Meta;
  spec: any;
  urn: string;
  cluster: string;
}

/** A ServiceAccount (or ServiceAccountPatch) of the program: its annotations. */
interface Account {
  namespace: string;
  name: string;
  annotations: any;
  urn: string;
  cluster: string;
}

/** Annotations naming the cloud identity a service account's token is exchanged for, by provider. */
const IDENTITY_ANNOTATION: Readonly<Record<string, string>> = {
  aws: "eks.amazonaws.com/role-arn",
  gcpsm: "iam.gke.io/gcp-service-account",
  azurekv: "azure.workload.identity/client-id",
};

/** The service account a store authenticates as (name and namespace as ESO resolves them), or why there is none. */
interface StoreAuth {
  provider: string;
  /** Field path of the serviceAccountRef. */
  path?: string;
  accountName?: string | Unknown;
  /** Namespace of the account; undefined for a ClusterSecretStore ref without one (each referent's namespace). */
  accountNamespace?: string | Unknown;
  /** AWS: the role assumed after authenticating (`spec.provider.aws.role`). */
  assumedRole?: string | Unknown;
  /** Vault: `server|namespace|mountPath|role`, and the role as written. */
  vaultRole?: string | Unknown;
  vaultRoleName?: string | Unknown;
  vaultMount?: string;
  /** Set when the store does not authenticate as a service account the policy can follow. */
  problem?: string;
}

function storeAuth(store: Store, referentNamespace: string | Unknown | undefined): StoreAuth {
  const spec = store.spec;
  const provider = isUnknown(spec) || isUnknown(spec?.provider) ? UNKNOWN : spec?.provider;
  if (isUnknown(provider)) return { provider: "(unknown)", problem: "spec.provider is not known during this preview" };
  const name = provider && typeof provider === "object" ? Object.keys(provider).find((k) => provider[k] !== undefined && provider[k] !== null) : undefined;
  if (name === undefined) return { provider: "(none)", problem: "has no spec.provider" };
  const p = provider[name];
  if (isUnknown(p)) return { provider: name, problem: `spec.provider.${name} is not known during this preview` };
  const at = (path: string, ref: any): StoreAuth => {
    if (isUnknown(ref)) return { provider: name, path, accountName: UNKNOWN, accountNamespace: UNKNOWN };
    const accountName = str(ref?.name);
    if (accountName === undefined) return { provider: name, problem: `does not authenticate as a service account of its own (no ${path})` };
    const ns = store.kind === "SecretStore" ? (store.meta.namespace ?? "default") : (str(ref?.namespace) ?? referentNamespace);
    return { provider: name, path, accountName, accountNamespace: ns };
  };
  const dig = (v: any, keys: string[]): any => keys.reduce((o, k) => (isUnknown(o) ? UNKNOWN : o?.[k]), v);
  switch (name) {
    case "aws": {
      const a = at("spec.provider.aws.auth.jwt.serviceAccountRef", dig(p, ["auth", "jwt", "serviceAccountRef"]));
      return { ...a, assumedRole: str(isUnknown(p) ? UNKNOWN : p?.role) };
    }
    case "gcpsm":
      return at("spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef", dig(p, ["auth", "workloadIdentity", "serviceAccountRef"]));
    case "azurekv": {
      const type = str(p?.authType) ?? "ServicePrincipal";
      if (isUnknown(type)) return { provider: name, problem: "spec.provider.azurekv.authType is not known during this preview" };
      if (type !== "WorkloadIdentity") return { provider: name, problem: `does not authenticate as a service account of its own (spec.provider.azurekv.authType ${type}, not WorkloadIdentity)` };
      return at("spec.provider.azurekv.serviceAccountRef", p?.serviceAccountRef);
    }
    case "vault": {
      const k = dig(p, ["auth", "kubernetes"]);
      if (isUnknown(k)) return { provider: name, problem: "spec.provider.vault.auth.kubernetes is not known during this preview" };
      if (!k) return { provider: name, problem: "does not authenticate as a service account of its own (no spec.provider.vault.auth.kubernetes.serviceAccountRef)" };
      const a = at("spec.provider.vault.auth.kubernetes.serviceAccountRef", k.serviceAccountRef);
      const role = str(k.role);
      const mount = str(k.mountPath) ?? "kubernetes";
      const parts = [str(p?.server), str(p?.namespace) ?? "", mount, role];
      const vaultRole = parts.some(isUnknown) ? UNKNOWN : parts.join("|");
      return { ...a, vaultRole, vaultRoleName: role, vaultMount: isUnknown(mount) ? undefined : mount };
    }
    default:
      return { provider: name, problem: `uses provider ${name}, whose identity this policy does not model` };
  }
}

/** Stable key of a store reference within a cluster. */
const storeKey = (cluster: string, kind: string, ns: string | undefined, name: string) => `${cluster}\u0000${kind}\u0000${kind === "SecretStore" ? (ns ?? "default") : ""}\u0000${name}`;
const accountKey = (cluster: string, ns: string, name: string) => `${cluster}\u0000${ns}\u0000${name}`;
const storeId = (s: Store) => (s.kind === "SecretStore" ? nsName("SecretStore", s.meta) : `ClusterSecretStore ${show(s.meta.name)}`);
const accountId = (ns: string | Unknown | undefined, name: string | Unknown | undefined) => `ServiceAccount ${show(ns, "(each referent's namespace)")}/${show(name)}`;

/**
 * The identity behind the sealing key's backup/restore store is used by nothing else in the program:
 * no other ServiceAccount carries its cloud identity annotation, no other store authenticates as its
 * service account, assumes its AWS role or logs in with its Vault role, and a Vault role of the program
 * admits only that service account.
 */
export const sealingKeyIdentityIsolation: StackValidationPolicy = {
  name: "sealing-key-identity-isolation",
  description:
    "The store a sealing-key PushSecret or ExternalSecret uses authenticates as a service account of its own whose cloud identity (IAM role, Google service account, Azure client id) or Vault role no other service account or store of the program shares.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Give the backup store its own ServiceAccount in the controller's namespace, annotated with an identity created for it alone (its own IAM role / Google service account / managed identity, or its own Vault role bound to exactly that account), and reference that account from no other store. " +
    "A store or account managed outside this program is reported as not checkable: list the store in `exemptStores` only after verifying it by hand.",
  configSchema: {
    properties: {
      exemptStores: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Stores (`SecretStore ns/name`, `ClusterSecretStore name`; trailing `*`) whose unverifiable parts (the store or its service account outside this program, values unknown during preview) were checked by hand. A sharing found in the program is still reported.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const exempt = args.getConfig<{ exemptStores: string[] }>().exemptStores ?? [];
    const clusterOf = (r: PolicyResource) => r.provider?.urn ?? "";
    const clusterName = new Map<string, string>();
    for (const r of args.resources) clusterName.set(clusterOf(r), r.provider?.name ?? clusterOf(r));
    const several = new Set(args.resources.filter((r) => /^kubernetes:/.test(r.type)).map(clusterOf)).size > 1;
    const inCluster = (cluster: string, text: string) => (several ? `[${clusterName.get(cluster) || "default provider"}] ${text}` : text);

    const stores = new Map<string, Store>();
    const allStores: Store[] = [];
    const accounts = new Map<string, Account[]>();
    const allAccounts: Account[] = [];
    const vaultRoles: PolicyResource[] = [];
    const consumers: PolicyResource[] = [];
    for (const r of args.resources) {
      const cluster = clusterOf(r);
      if (SECRET_STORE.test(r.type) || CLUSTER_SECRET_STORE.test(r.type)) {
        const kind = SECRET_STORE.test(r.type) ? "SecretStore" : "ClusterSecretStore";
        const store: Store = { kind, meta: meta({ metadata: plain(() => r.props.metadata) }), spec: plain(() => r.props.spec), urn: r.urn, cluster };
        allStores.push(store);
        if (!isUnknown(store.meta.name) && store.meta.name !== undefined && !isUnknown(store.meta.namespace)) stores.set(storeKey(cluster, kind, store.meta.namespace, store.meta.name), store);
      } else if (SERVICE_ACCOUNT.test(r.type)) {
        const m = meta({ metadata: plain(() => r.props.metadata) });
        if (isUnknown(m.name) || m.name === undefined || isUnknown(m.namespace)) continue;
        const a: Account = { namespace: m.namespace ?? "default", name: m.name, annotations: plain(() => r.props.metadata?.annotations), urn: r.urn, cluster };
        allAccounts.push(a);
        const key = accountKey(cluster, a.namespace, a.name);
        accounts.set(key, [...(accounts.get(key) ?? []), a]);
      } else if (r.type === VAULT_ROLE) vaultRoles.push(r);
      else if (PUSH_SECRET.test(r.type) || EXTERNAL_SECRET.test(r.type)) consumers.push(r);
    }

    for (const c of consumers) {
      const spec = plain(() => c.props.spec);
      const use = sealingKeyUse(c.type, spec);
      if (use === undefined || isUnknown(use)) continue; // sealing-key-store-scope reports unknown selectors
      const refs = storeRefs(c.type, spec);
      if (isUnknown(refs)) continue; // reported by sealing-key-store-scope
      const cm = meta({ metadata: plain(() => c.props.metadata) });
      const cid = nsName(PUSH_SECRET.test(c.type) ? "PushSecret" : "ExternalSecret", cm);
      const cluster = clusterOf(c);
      const report = (text: string) => reportViolation(inCluster(cluster, `${cid} ${use}: ${text}`), c.urn);
      for (const ref of refs) {
        const rid = refName(ref, cm.namespace);
        const found = (text: string) => report(`${ref.path} ${text}`);
        const unverifiable = (text: string) => {
          if (!isUnknown(ref.name) && ref.name !== undefined && !isUnknown(ref.kind) && !isUnknown(cm.namespace) && matchesAny(rid, exempt)) return;
          report(`${ref.path} ${text}`);
        };
        if (ref.labelSelector !== undefined) {
          unverifiable(`selects ${isUnknown(ref.kind) ? "stores" : `${ref.kind}s`} by labelSelector, so a store outside this program carrying the labels would receive the key and its identity cannot be checked; name the store`);
          continue;
        }
        if (isUnknown(ref.kind) || isUnknown(ref.name) || isUnknown(cm.namespace)) {
          unverifiable(`(${rid}) is not known during this preview, so its identity cannot be checked`);
          continue;
        }
        if (ref.name === undefined) continue;
        const store = stores.get(storeKey(cluster, ref.kind, cm.namespace, ref.name));
        if (!store) {
          unverifiable(`${rid} is not in this program, so the identity it authenticates as cannot be checked`);
          continue;
        }
        const sid = storeId(store);
        const auth = storeAuth(store, cm.namespace ?? "default");
        if (auth.problem) {
          unverifiable(`${sid} ${auth.problem}, so whether its identity is shared cannot be checked`);
          continue;
        }
        if (isUnknown(auth.accountName) || isUnknown(auth.accountNamespace) || auth.accountName === undefined || auth.accountNamespace === undefined) {
          unverifiable(`${sid} authenticates as ${accountId(auth.accountNamespace, auth.accountName)} (${auth.path}), which is not known during this preview, so its identity cannot be checked`);
          continue;
        }
        const accName = auth.accountName;
        const accNs = auth.accountNamespace;
        const aid = accountId(accNs, accName);
        const via = `${sid} authenticates as ${aid}`;

        // Other stores authenticating as the same service account (ClusterSecretStores without a namespace match by name).
        for (const other of allStores) {
          if (other === store || other.cluster !== cluster) continue;
          const oa = storeAuth(other, undefined);
          if (oa.problem || isUnknown(oa.accountName) || oa.accountName !== accName) continue;
          if (oa.accountNamespace !== undefined && !isUnknown(oa.accountNamespace) && oa.accountNamespace !== accNs) continue;
          found(`${via}, and ${storeId(other)} authenticates as the same service account (${oa.path}${oa.accountNamespace === undefined ? ", no namespace: each referent's" : ""}), so whoever can use ${storeId(other)} reads the backup`);
        }

        // AWS: the role assumed after authenticating.
        if (auth.assumedRole !== undefined) {
          if (isUnknown(auth.assumedRole)) unverifiable(`${sid} assumes spec.provider.aws.role, which is not known during this preview, so whether it is shared cannot be checked`);
          else {
            for (const other of allStores) {
              if (other === store) continue;
              const oa = storeAuth(other, undefined);
              if (oa.assumedRole === auth.assumedRole) found(`${sid} and ${storeId(other)} both assume IAM role ${auth.assumedRole} (spec.provider.aws.role), so whoever can use ${storeId(other)} reads the backup`);
            }
          }
        }

        // Vault: the role it logs in with, on the same server, Vault namespace and auth mount.
        if (auth.provider === "vault") {
          if (isUnknown(auth.vaultRole) || auth.vaultRole === undefined) {
            unverifiable(`${sid} logs in to Vault with a role (server, namespace, mountPath, role) not known during this preview, so whether it is shared cannot be checked`);
          } else {
            for (const other of allStores) {
              if (other === store) continue;
              const oa = storeAuth(other, undefined);
              if (oa.vaultRole === auth.vaultRole) {
                found(`${via} and logs in to Vault with role ${show(auth.vaultRoleName)} (auth/${auth.vaultMount}), and ${storeId(other)} logs in with the same Vault role (as ${accountId(oa.accountNamespace, oa.accountName)}), so whoever can use ${storeId(other)} reads the backup`);
              }
            }
            for (const vr of vaultRoles) {
              const role = plain(() => vr.props) as any;
              if (isUnknown(role) || str(role?.roleName) !== auth.vaultRoleName) continue;
              const backend = str(role?.backend) ?? "kubernetes";
              if (!isUnknown(backend) && backend.replace(/^auth\/|\/$/g, "") !== auth.vaultMount) continue;
              const names = role?.boundServiceAccountNames;
              const namespaces = role?.boundServiceAccountNamespaces;
              if (isUnknown(names) || isUnknown(namespaces) || [names, namespaces].some((l) => Array.isArray(l) && l.some(isUnknown))) {
                unverifiable(`Vault role ${show(auth.vaultRoleName)} (${vr.name}) binds service accounts not known during this preview, so whether it admits only ${aid} cannot be checked`);
                continue;
              }
              const extraNames = (Array.isArray(names) ? names : []).filter((n: unknown) => n !== accName);
              const extraNs = (Array.isArray(namespaces) ? namespaces : []).filter((n: unknown) => n !== accNs);
              if (extraNames.length > 0 || extraNs.length > 0) {
                found(`${via} and logs in to Vault with role ${show(auth.vaultRoleName)}, whose AuthBackendRole ${vr.name} also admits ${[...extraNames.map((n: string) => `name ${n}`), ...extraNs.map((n: string) => `namespace ${n}`)].join(", ")}: bind it to exactly ${aid}`);
              }
            }
          }
        }

        // The account's cloud identity annotation, shared with any other ServiceAccount of the program (any cluster).
        const annotation = IDENTITY_ANNOTATION[auth.provider];
        if (!annotation) continue;
        const own = accounts.get(accountKey(cluster, accNs, accName));
        if (!own) {
          unverifiable(`${via}, which is not in this program, so its ${annotation} cannot be checked`);
          continue;
        }
        const values = own.map((a) => (isUnknown(a.annotations) ? UNKNOWN : str(a.annotations?.[annotation]))).filter((v) => v !== undefined);
        // An identity created in this same update (the role ARN, Google account or client id is an output not
        // known yet) cannot be carried by an account that exists already; whether two new accounts get the same
        // new identity is judged on the next preview, once the values are known. Refusing here would block the
        // first `pulumi up` of every stack with a key backup.
        if (values.some(isUnknown)) continue;
        const identities = [...new Set(values as string[])];
        if (identities.length === 0) {
          if (auth.provider !== "gcpsm") unverifiable(`${via}, which carries no ${annotation} annotation in this program, so its cloud identity cannot be checked`);
          continue;
        }
        for (const identity of identities) {
          const sharers = new Map<string, Account>();
          for (const a of allAccounts) {
            if (a.cluster === cluster && a.namespace === accNs && a.name === accName) continue;
            const v = isUnknown(a.annotations) ? UNKNOWN : str(a.annotations?.[annotation]);
            if (v === identity) sharers.set(accountKey(a.cluster, a.namespace, a.name), a);
            // An unknown value is a new identity of this update, so it is not the backup's existing one.
          }
          for (const a of sharers.values()) {
            const users = allStores.filter((s) => {
              const sa = storeAuth(s, undefined);
              return s.cluster === a.cluster && !sa.problem && sa.accountName === a.name && (s.kind === "SecretStore" ? (s.meta.namespace ?? "default") === a.namespace : sa.accountNamespace === undefined || sa.accountNamespace === a.namespace);
            });
            const usedBy = users.length > 0 ? ` (used by ${users.map(storeId).join(", ")})` : "";
            found(`${via} (${annotation} ${identity}), and ${several && a.cluster !== cluster ? inCluster(a.cluster, accountId(a.namespace, a.name)) : accountId(a.namespace, a.name)}${usedBy} carries the same ${annotation}, so whoever can use that account reads the backup`);
          }
        }
      }
    }
  },
};
