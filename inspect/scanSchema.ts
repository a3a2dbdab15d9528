/**
 * The `scan.json` document written by `kube-secrets-platform scan` (docs/scan.md is the prose version of
 * this file). It is a stable machine interface: `kube-secrets-platform access --inventory scan.json` reads
 * it, and so can any other tool. Rules:
 *
 * - `schemaVersion` changes only when a field is removed, renamed or changes meaning; new optional fields
 *   may appear without a bump (readers must ignore fields they do not know).
 * - No Secret value, and nothing derived from one, is ever in the document: only key names. Annotations are
 *   kept only when listed in {@link NOTABLE_ANNOTATION_PREFIXES} (others by key only); the
 *   `kubectl.kubernetes.io/last-applied-configuration` annotation (which may hold a whole Secret) never.
 * - Every array is sorted (documented per field), so two scans of the same objects are byte-identical except
 *   for `generatedAt` and age fields computed from it.
 * - Subjects are written as the RBAC engine writes them (policy-pack/rbac): `ServiceAccount <ns>/<name>`,
 *   `User <name>`, `Group <name>`. Secret ids are `<cluster>/<namespace>/<name>`.
 */

/** Bumped when a field is removed, renamed or changes meaning. */
export const SCAN_SCHEMA_VERSION = 1 as const;

export type Severity = "low" | "medium" | "high" | "critical";

/** Annotation key prefixes whose values are kept on Secrets, ServiceAccounts and RBAC objects (they name managers and identities, never values). */
export const NOTABLE_ANNOTATION_PREFIXES: readonly string[] = [
  "kubernetes.io/service-account.",
  "meta.helm.sh/",
  "cert-manager.io/",
  "reconcile.external-secrets.io/",
  "external-secrets.io/",
  "sealedsecrets.bitnami.com/",
  "secrets-store.csi.k8s.io/",
  "eks.amazonaws.com/",
  "iam.gke.io/",
  "azure.workload.identity/",
  "kubernetes.io/enforce-mountable-secrets",
  "rbac.authorization.kubernetes.io/autoupdate",
  "kube-secrets-platform/",
];

/** A reference to one Kubernetes object. `namespace` is absent for cluster-scoped objects. */
export interface ObjectRef {
  kind: string;
  /** `group/version` or `v1`, when known. */
  apiVersion?: string;
  namespace?: string;
  name: string;
}

/** The whole document. */
export interface ScanDocument {
  schemaVersion: typeof SCAN_SCHEMA_VERSION;
  tool: { name: "kube-secrets-platform"; command: "scan"; version: string };
  /** ISO 8601 time the scan ran (the reference for `SecretNode.ageDays`). */
  generatedAt: string;
  /** One entry per scanned cluster (one per `--context`; all `--from` dumps form one cluster). Sorted by name. */
  clusters: ClusterScan[];
  /** Totals over every cluster. */
  summary: ScanSummary;
}

export interface ScanSummary {
  secrets: number;
  /** Findings per severity (every cluster). */
  findings: Record<Severity, number>;
  /** The highest severity of any finding, or null when there is none. */
  highestSeverity: Severity | null;
}

/** Everything known about one cluster. */
export interface ClusterScan {
  /** The kube context name (live), or `--cluster NAME` (dumps; default `dump`). Part of every Secret id. */
  name: string;
  input: InputInfo;
  /** `gitVersion` from `/version` (live) or `--kubernetes-version`; absent when unknown. */
  kubernetesVersion?: string;
  /** Objects read, by kind (after de-duplication). */
  counts: Record<string, number>;
  /** Resources that could not be listed (403, missing API, error). Sorted by resource. */
  notListed: NotListed[];
  /** Problems met while reading (unparseable documents, unknown kinds skipped, ...). */
  warnings: string[];
  /** Subjects exempted from reader findings (controllers that must read Secrets), as patterns. */
  exemptSubjects: string[];
  /** Every Secret. Sorted by namespace, name. */
  secrets: SecretNode[];
  /** Secret-relevant grants from the RBAC engine; `SecretNode.readers` and `SubjectNode.grants` index this by `id`. Sorted by subject, namespace, access, id. */
  grants: SecretGrant[];
  /** Every subject that holds a Secret grant or whose workloads consume Secrets. Sorted by subject. */
  subjects: SubjectNode[];
  /** Top-level workloads (the root of each pod's owner chain, or the bare pod). Sorted by namespace, kind, name. */
  workloads: WorkloadNode[];
  /** The RBAC objects as read (metadata + rules/subjects; never Secret data). */
  rbac: RbacObjects;
  /** Findings, sorted by severity (critical first), rule, object. */
  findings: Finding[];
  /** Narrowing proposals, one per workload identity (service account running pods). Sorted by serviceAccount. */
  proposals: Proposal[];
}

export interface InputInfo {
  /** `live`: read from an API server; `dump`: read from files. */
  kind: "live" | "dump";
  /** Live: the context name and the server URL. */
  context?: string;
  server?: string;
  /** Dumps: the files read, as given. */
  files?: string[];
}

export interface NotListed {
  /** `secrets`, `roles.rbac.authorization.k8s.io`, ... (resource.group). */
  resource: string;
  /** HTTP status (403 forbidden, 404 API not served) or 0 for a network error. */
  status: number;
  /** What this means for the scan ("Secrets are not in the graph", "ExternalSecret sources unknown"). */
  impact: string;
  /** The API server's message (status.message), when any. */
  message?: string;
}

/** Where a Secret's content comes from. */
export type SecretSourceKind =
  /** ESO ExternalSecret (or ClusterExternalSecret) writes it. */
  | "external-secret"
  /** The Sealed Secrets controller unseals a SealedSecret into it. */
  | "sealed-secret"
  /** The Secrets Store CSI driver syncs it from a SecretProviderClass `secretObjects` entry. */
  | "csi-sync"
  /** A Helm release created it (manifest labels/annotations). */
  | "helm"
  /** Helm's own release record (`helm.sh/release.v1`): holds the release's values, often credentials. */
  | "helm-release-record"
  /** Legacy long-lived service-account token (`kubernetes.io/service-account-token`). */
  | "service-account-token"
  /** Bootstrap token (`bootstrap.kubernetes.io/token`). */
  | "bootstrap-token"
  /** cert-manager Certificate (or its annotations). */
  | "cert-manager"
  /** Owned by another controller (ownerReferences) not known above. */
  | "controller"
  /** Nothing manages it: created by hand or by a pipeline (`kubectl apply`, CI). */
  | "static";

export interface SecretSource {
  kind: SecretSourceKind;
  /** One line for people: "ExternalSecret shop/db from ClusterSecretStore aws (aws) key prod/db". */
  detail: string;
  /** The managing object (ExternalSecret, SealedSecret, SecretProviderClass, Certificate, ServiceAccount, owner). */
  ref?: ObjectRef;
  /** external-secret: the store the ExternalSecret names; `found` false when it does not exist. */
  store?: { kind: string; name: string; namespace?: string; provider?: string; found: boolean };
  /** external-secret: remote keys (`remoteRef.key`, `dataFrom[].extract.key` / `find`); csi-sync: object names of the SecretProviderClass. */
  remoteKeys?: string[];
  /** csi-sync: the SecretProviderClass provider (`vault`, `aws`, `gcp`, `azure`). */
  provider?: string;
  /** helm: release name and namespace. */
  helmRelease?: { name: string; namespace: string };
  /** Why the scan decided this: "ownerReferences ExternalSecret shop/db", "label app.kubernetes.io/managed-by=Helm". Sorted. */
  evidence: string[];
}

/** How a consumer uses a Secret. */
export type ConsumerVia =
  /** The workload names the Secret in env values or args, or declares it (`kube-secrets-platform/reads-secrets`), and does not mount it: it reads it through the API. */
  | "api"
  | "env"
  | "envFrom"
  | "volume"
  | "projected"
  | "imagePullSecrets"
  | "csi"
  | "ingress-tls"
  | "serviceaccount-secrets"
  | "serviceaccount-imagePullSecrets";

export interface Consumer {
  via: ConsumerVia;
  /** The top-level workload (Deployment, StatefulSet, CronJob, bare Pod), Ingress or ServiceAccount. */
  object: ObjectRef;
  /** The service account the workload's pods run as (`ServiceAccount ns/name`); absent for Ingress/ServiceAccount consumers. */
  serviceAccount?: string;
  /** Containers that use it (env/envFrom/volume mounts); sorted. */
  containers?: string[];
  /** Keys referenced (env `secretKeyRef.key`, volume `items[].key`); absent = every key. Sorted. */
  keys?: string[];
  /** The reference is `optional: true`. */
  optional?: boolean;
  /** Running pods of the workload seen (0 for a workload without pods, e.g. a CronJob between runs). */
  pods: number;
}

/** Where a Secret is visible through a grant (the engine's finding, resolved for this Secret). */
export type GrantAccess = "read" | "write" | "indirect";

/**
 * How the grant reaches Secret content: `secret-read` (get/list/watch secrets), `secret-write`,
 * `pod-create` / `workload-write` (run a pod that mounts any Secret of the namespace), `exec` /
 * `ephemeral-containers` / `pod-update` (read what running pods mount), `eso-exfiltrate` (copy every Secret
 * of the namespace out with an ESO SecretStore + PushSecret), `other` (an indirect path the scan does not
 * classify; treated as every Secret of the scope).
 */
export type GrantMechanism = "secret-read" | "secret-write" | "pod-create" | "workload-write" | "exec" | "ephemeral-containers" | "pod-update" | "eso-exfiltrate" | "other";

/** One Secret-relevant RBAC engine finding (codes secret-read, secret-write, indirect-secret-read). */
export interface SecretGrant {
  /** Index in `ClusterScan.grants` (stable for one document only). */
  id: number;
  subject: string;
  subjectKind: "ServiceAccount" | "User" | "Group";
  access: GrantAccess;
  mechanism: GrantMechanism;
  /** Verbs of the chain (`get`, `list`, `watch`; `create` for pod creation, ...). */
  verbs: string[];
  /** Namespace the grant applies in, or `*` for every namespace. */
  namespace: string;
  /**
   * Names the grant is limited to; absent = every object. For `secret-read`/`secret-write` they are
   * Secret names; for `exec`/`ephemeral-containers` pod names; for `workload-write` workload names (the
   * pod template can still mount any Secret).
   */
  resourceNames?: string[];
  /** True when the subject obtains it by acting as another identity (token, impersonation, pods). */
  inherited: boolean;
  /** When inherited: the identity acted as (`ServiceAccount ns/name`). */
  via?: string;
  /** The engine's chain: binding -> role -> rule (-> acts as ...). */
  path: string[];
  severity: Severity;
  /** The subject matches `exemptSubjects`. */
  exempt: boolean;
  message: string;
}

/** A Secret in the graph. */
export interface SecretNode {
  /** `<cluster>/<namespace>/<name>`. */
  id: string;
  cluster: string;
  namespace: string;
  name: string;
  /** `Opaque`, `kubernetes.io/tls`, ... (`Opaque` when unset). Absent when read as metadata only (the live path), unless a source tells. */
  type?: string;
  /** Key names of `data`/`stringData` (dumps only: metadata-only reads carry none). Sorted. */
  keys?: string[];
  labels: Record<string, string>;
  /** Annotations with a notable prefix (values kept). */
  annotations: Record<string, string>;
  /** Keys of the other annotations (values dropped). Sorted. */
  otherAnnotationKeys: string[];
  owners: ObjectRef[];
  /** `metadata.managedFields[].manager`, sorted, distinct. */
  managers: string[];
  /** `metadata.creationTimestamp`. */
  createdAt?: string;
  /** Whole days between createdAt and generatedAt. */
  ageDays?: number;
  source: SecretSource;
  /** Sorted by object kind, namespace, name, via. */
  consumers: Consumer[];
  /** Ids into `ClusterScan.grants` of every grant that reaches this Secret (read, write, indirect). Ascending. */
  readers: number[];
  /** Cloud identities of the service accounts whose pods consume it. Sorted. */
  cloudIdentities: CloudIdentity[];
  blast: SecretBlast;
}

export interface SecretBlast {
  /** Distinct subjects that can read it (read or indirect), exempt ones included. */
  readers: number;
  /** ... of which not exempt. */
  nonExemptReaders: number;
  /** Readers whose grant covers every namespace. */
  clusterWideReaders: number;
  /** Pods that consume it. */
  pods: number;
  /** Namespaces of the workloads that consume it. */
  namespaces: number;
}

export interface CloudIdentity {
  /** `aws-irsa` (eks.amazonaws.com/role-arn), `gcp-workload-identity` (iam.gke.io/gcp-service-account), `azure-workload-identity` (azure.workload.identity/client-id). */
  provider: "aws-irsa" | "gcp-workload-identity" | "azure-workload-identity";
  /** The role ARN, Google service account e-mail or Azure client id. */
  identity: string;
  /** `ServiceAccount ns/name` carrying the annotation. */
  serviceAccount: string;
}

/** A subject and what it can reach. */
export interface SubjectNode {
  subject: string;
  kind: "ServiceAccount" | "User" | "Group";
  /** ServiceAccount: its namespace. */
  namespace?: string;
  name: string;
  /** ServiceAccount: the object exists in the inventory; Users/Groups: absent (not objects). */
  exists?: boolean;
  exempt: boolean;
  /** Ids into `ClusterScan.grants` held by this subject. Ascending. */
  grants: number[];
  /** ServiceAccounts: the groups whose grants also apply (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`) that hold grants. */
  groups?: string[];
  /** Secret ids it can read (own grants and its groups'), sorted. Omitted (with `readsAll` true) when cluster-wide. */
  reads: string[];
  /** The subject can read every Secret of the cluster. */
  readsAll: boolean;
  /** Secret ids its workloads consume (ServiceAccounts only). Sorted. */
  consumes: string[];
  /** Top-level workloads running as it (`Kind ns/name`). Sorted. */
  workloads: string[];
  cloudIdentities: CloudIdentity[];
  blast: SubjectBlast;
}

export interface SubjectBlast {
  /** Secrets it can read. */
  secrets: number;
  /** Namespaces those Secrets are in. */
  namespaces: number;
  /** Pods consuming those Secrets (whose credentials it holds). */
  pods: number;
}

export interface WorkloadNode {
  ref: ObjectRef;
  /** `ServiceAccount ns/name` its pods run as. */
  serviceAccount: string;
  /** Running pods seen. */
  pods: number;
  /** Secret ids it consumes, sorted. */
  secrets: string[];
  /** Whether the pod spec leaves `automountServiceAccountToken` on (the default). */
  automountToken: boolean;
}

/** RBAC objects as read. Each sorted by namespace, name. */
export interface RbacObjects {
  roles: RbacObject[];
  clusterRoles: RbacObject[];
  roleBindings: RbacObject[];
  clusterRoleBindings: RbacObject[];
  serviceAccounts: ServiceAccountObject[];
}

export interface RbacMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  /** Notable annotations only (see NOTABLE_ANNOTATION_PREFIXES). */
  annotations: Record<string, string>;
  uid?: string;
  createdAt?: string;
}

export interface RbacObject {
  kind: "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding";
  metadata: RbacMeta;
  /** Roles/ClusterRoles. */
  rules?: Array<{ verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }>;
  aggregationRule?: { clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }> };
  /** Bindings. */
  roleRef?: { apiGroup?: string; kind?: string; name?: string };
  subjects?: Array<{ kind?: string; name?: string; namespace?: string; apiGroup?: string }>;
}

export interface ServiceAccountObject {
  kind: "ServiceAccount";
  metadata: RbacMeta;
  /** `secrets[].name` (legacy token / mountable Secrets). */
  secrets: string[];
  imagePullSecrets: string[];
  automountServiceAccountToken?: boolean;
}

/** Finding rules (one SARIF rule each). `rbac-<code>` carries an engine finding as is. */
export type FindingRule =
  | "over-broad-reader"
  | "non-consumer-reader"
  | "static-secret"
  | "unconsumed-secret"
  | "legacy-token-secret"
  | "binding-missing-subject"
  | "rbac-secret-read"
  | "rbac-secret-write"
  | "rbac-indirect-secret-read"
  | "rbac-escalation"
  | "rbac-ineffective-rule"
  | "rbac-missing-role"
  | "rbac-external-secret-access"
  /** An engine finding code this version of the scan does not know (its code is in the message). */
  | "rbac-other";

export interface Finding {
  /** Stable within a document: `<rule>:<cluster>:<object>[:<subject>]`. */
  id: string;
  rule: FindingRule;
  severity: Severity;
  cluster: string;
  /** The object the finding is about (a Secret, binding, ServiceAccount; engine findings: the first binding of the chain). */
  object: ObjectRef;
  /** The subject concerned, when any. */
  subject?: string;
  /** The Secret concerned, when any (Secret id). */
  secret?: string;
  /** The grant concerned, when any (id into ClusterScan.grants). */
  grant?: number;
  message: string;
  /** What to do about it. */
  fix: string;
  /** The chain, for RBAC-based findings. */
  path?: string[];
}

/** Least-privilege replacement for one workload identity. */
export interface Proposal {
  /** `ServiceAccount ns/name`. */
  serviceAccount: string;
  namespace: string;
  /** Workloads running as it (`Kind ns/name`). */
  workloads: string[];
  /** Secrets its pods mount or reference (env, volumes, imagePullSecrets): the kubelet fetches them, no RBAC needed. Names, sorted. */
  mounted: string[];
  /**
   * Secrets it reads through the API: named in its pod templates' env values/args (`--secret-name=x`, `SECRET_NAME=x`)
   * or declared in the `kube-secrets-platform/reads-secrets` annotation (comma-separated) on the service account or workload,
   * and present in the namespace. Names, sorted.
   */
  apiReads: string[];
  /** Ids into `ClusterScan.grants`: what it holds today (own and inherited). */
  current: number[];
  /** The replacement: a namespaced Role with resourceNames and its RoleBinding (absent when no API reads remain). */
  role?: RbacObject;
  roleBinding?: RbacObject;
  /** Bindings to change: remove the subject from them (or delete the binding when it is the only subject). Sorted. */
  bindingChanges: Array<{ binding: ObjectRef; action: "remove-subject" | "delete-binding"; grants: string }>;
  /** Whether the proposal narrows anything (false: current grants already equal the proposal). */
  narrows: boolean;
  /** Text diff, one line per grant: `- read Secrets in every namespace via ClusterRoleBinding x` / `+ get secrets a,b in ns`. */
  diff: string[];
  /** The proposed Role + RoleBinding (and the binding changes as comments) as Kubernetes YAML. */
  yaml: string;
  /** The same as a Pulumi TypeScript program fragment. */
  pulumi: string;
}
