import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ESO_PUSH_API_VERSION, refreshIntervalProblems } from "../external-secrets/common";
import { ExternalSecret, PushSecret } from "../external-secrets/externalSecret";
import * as tls from "@pulumi/tls";
import { z } from "zod";
import { CHARTS, chartSource, retainCrdsTransform } from "../internal/charts";
import { goDuration } from "../internal/duration";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, dns1123SubdomainProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { SEALING_KEY_LABEL } from "./crypto";

/**
 * The controller's name. `kubeseal` looks for `sealed-secrets-controller` in `kube-system` by default, so
 * with the defaults it needs no `--controller-name`/`--controller-namespace` flags.
 */
export const CONTROLLER_NAME = "sealed-secrets-controller";
/** The served API version of PushSecret (used for the key backup). */
export const PUSH_SECRET_API_VERSION = ESO_PUSH_API_VERSION;
/** Name of the Secret holding a managed sealing key. */
export const MANAGED_KEY_SECRET_NAME = "sealed-secrets-key-managed";

const STORE_KINDS = ["SecretStore", "ClusterSecretStore"] as const;

/** CPU and memory quantities. */
export interface ResourceQuantitiesArgs {
  cpu?: pulumi.Input<string>;
  memory?: pulumi.Input<string>;
}

/** Resource requests and limits of the controller container. */
export interface ControllerResourcesArgs {
  /** Default `{ cpu: "50m", memory: "64Mi" }`. */
  requests?: ResourceQuantitiesArgs;
  /** Default `{ memory: "256Mi" }` (no CPU limit, so the controller is never throttled). */
  limits?: ResourceQuantitiesArgs;
}

/**
 * Metrics of the controller. It exposes Prometheus metrics itself; these options add the Prometheus
 * Operator ServiceMonitor and the Grafana dashboard that read them.
 */
export interface ControllerMetricsArgs {
  /** Creates a Prometheus Operator ServiceMonitor (needs its CRDs). Default `false`. */
  serviceMonitor?: boolean;
  /** Extra labels of the ServiceMonitor (e.g. the `release` label your Prometheus selects). */
  serviceMonitorLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Creates the Grafana dashboard ConfigMap. Default `false`. */
  dashboards?: boolean;
}

/** A sealing key managed by Pulumi instead of the controller. */
export interface ManagedSealingKeyArgs {
  /** RSA key size in bits: 2048, 3072 or 4096. Default `4096` (the controller's own default). */
  rsaBits?: number;
  /** Validity of the self-signed certificate in hours. Default `87600` (10 years, as the controller). */
  validityHours?: number;
  /** Common name of the certificate. Default `sealed-secret` (as the controller). */
  commonName?: pulumi.Input<string>;
}

/** Backup of every sealing key Secret to a cloud secret store through an External Secrets `PushSecret`. */
export interface SealingKeyBackupArgs {
  /**
   * Name of the (Cluster)SecretStore to push to. It must exist and be writable (PushSecret support).
   * Required (SecretsPlatform fills it in with its sealing-key store when `sealedSecrets.keyStore` is set).
   */
  secretStoreName?: pulumi.Input<string>;
  /**
   * `SecretStore` (in the controller's namespace) or `ClusterSecretStore`. Default `ClusterSecretStore`.
   * Prefer a SecretStore in the controller's namespace whose identity no other store shares (SecretsPlatform's
   * `sealedSecrets.keyStore` creates one): the backup holds the private key of every SealedSecret, and every
   * namespace a ClusterSecretStore admits could read it back through an ExternalSecret.
   */
  secretStoreKind?: pulumi.Input<string>;
  /**
   * Name of the provider secret receiving the key pair (JSON properties `tls.crt` and `tls.key`).
   * Default `sealed-secrets-keys-<resource name>`. It holds one key pair: ESO pushes every selected key
   * Secret to this same secret in turn, which is why key renewal is off with a backup (see
   * {@link SealedSecretsControllerArgs.keyBackup}).
   */
  remoteKey?: pulumi.Input<string>;
  /** How often ESO re-pushes. Default `1h`. */
  refreshInterval?: pulumi.Input<string>;
}

/**
 * A sealing key read from a cloud secret store into the controller's namespace through an ESO
 * `ExternalSecret`, before the controller starts: to restore a backed-up key on a new cluster, or to let
 * several clusters share one key (one cluster, or Pulumi, writes it; the others import it).
 */
export interface SealingKeyImportArgs {
  /** Name of the (Cluster)SecretStore to read from. Required (SecretsPlatform fills it in with `sealedSecrets.keyStore`). */
  secretStoreName?: pulumi.Input<string>;
  /** `SecretStore` (in the controller's namespace) or `ClusterSecretStore`. Default `ClusterSecretStore`. */
  secretStoreKind?: pulumi.Input<string>;
  /** The provider secret holding the key pair as JSON properties `tls.crt` and `tls.key` (what `keyBackup` writes). */
  remoteKey: pulumi.Input<string>;
  /** Name of the key Secret created in the controller's namespace. Default `sealed-secrets-key-imported`. */
  secretName?: pulumi.Input<string>;
  /** How often ESO re-reads the key. Default `1h`. */
  refreshInterval?: pulumi.Input<string>;
}

/** Name of the Secret an imported sealing key is written to. */
export const IMPORTED_KEY_SECRET_NAME = "sealed-secrets-key-imported";

/** The provider secret a key backup of the controller named `name` writes to when no `remoteKey` is given. */
export function defaultBackupRemoteKey(name: string): string {
  return `sealed-secrets-keys-${name}`;
}

/** Arguments of {@link SealedSecretsController}. */
export interface SealedSecretsControllerArgs {
  /** Namespace of the controller (must exist). Default `kube-system`, where kubeseal looks by default. */
  namespace?: pulumi.Input<string>;
  /**
   * How often the controller generates a new sealing key (Go duration; `0` disables). Old keys are kept
   * for unsealing. Default `720h` (30 days) without `keyBackup` and `managedKey`; with either, renewal is
   * off and this must be unset or `0`.
   */
  keyRenewalPeriod?: pulumi.Input<string>;
  /** Resource requests and limits. Defaults: see {@link ControllerResourcesArgs}. */
  resources?: ControllerResourcesArgs;
  /** Metrics integration. Default: metrics Service only, no ServiceMonitor, no dashboard. */
  metrics?: ControllerMetricsArgs;
  /**
   * Use a Pulumi-managed sealing key (RSA + self-signed certificate from `@pulumi/tls`) stored as the
   * controller's active key Secret, with key renewal off. The private key lives (encrypted) in Pulumi state;
   * `certificatePem` is known up front, so values can be sealed before the controller runs and several
   * clusters can share a key. Default: unset (the controller generates and renews its own keys).
   */
  managedKey?: ManagedSealingKeyArgs;
  /**
   * Back up the controller's key Secret (label `sealedsecrets.bitnami.com/sealed-secrets-key`) to a cloud
   * secret store through an ESO PushSecret. Strongly recommended with controller-managed keys: losing the
   * key makes every SealedSecret unreadable. Default: unset.
   *
   * The backup is exact while the controller holds one key, so key renewal is off with it
   * (`keyRenewalPeriod` unset or `0`): a PushSecret applies its mapping to every Secret it selects, so with
   * several keys each sync pushes them one after the other into the same provider secret, whose current
   * value is then whichever key came last (not necessarily the newest) and which gains a version per key
   * and sync. Before adding a key by hand (e.g. after a compromise, with the controller's key cutoff
   * time), export the existing keys (`kubectl get secret -n <ns> -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`)
   * and give the backup a new `remoteKey`; or use `managedKey`, whose key Pulumi already holds.
   */
  keyBackup?: SealingKeyBackupArgs;
  /**
   * Import the sealing key from a cloud secret store (restore after losing a cluster, or one key shared by
   * several clusters): an ExternalSecret writes a `kubernetes.io/tls` Secret labelled
   * `sealedsecrets.bitnami.com/sealed-secrets-key: active` into the controller's namespace, and the
   * controller is installed only once that ExternalSecret is Ready, so it starts with the imported key instead
   * of generating one. Key renewal is off (a renewed key would exist in this cluster only). The Secret is
   * orphaned (`creationPolicy: Orphan`) and kept when the provider secret disappears (`deletionPolicy:
   * Retain`). Needs ESO and the store in the cluster first. Default: unset.
   */
  keyImport?: SealingKeyImportArgs;
  /**
   * Who may fetch the sealing certificate through the API server's service proxy (`kubeseal --fetch-cert`,
   * which also needs the proxy for `--validate`/`--re-encrypt`): subjects as the policy pack names them,
   * `User alice`, `Group sre` or `ServiceAccount ns/name`. The chart's own default binds every authenticated
   * user (`Group system:authenticated`); here the proxier Role and its RoleBinding exist only for the subjects
   * named, and system groups (`system:*`) are refused. Default: none (no proxier Role, no binding). Without
   * the proxy, seal with the certificate file: `kubeseal --cert cert.pem` (`certificatePem` with `managedKey`,
   * or the key Secret's `tls.crt`, read by whoever may read Secrets in the controller's namespace).
   */
  certificateReaders?: string[];
}

const quantities = z.strictObject({ cpu: input(z.string()).optional(), memory: input(z.string()).optional() });

const nonEmpty = input(z.string().min(1, { message: "must not be empty" }));
/** The store fields of keyBackup and keyImport. */
const storeFields = {
  secretStoreName: input(
    z
      .string({ error: (i) => (i.input === undefined ? "required: the (Cluster)SecretStore of the sealing key (SecretsPlatform: sealedSecrets.keyStore)" : `must be a string, got ${JSON.stringify(i.input)}`) })
      .min(1, { message: "must not be empty" }),
  ),
  secretStoreKind: input(z.enum(STORE_KINDS, { error: (i) => `must be one of ${STORE_KINDS.join(", ")}, got ${JSON.stringify(i.input)}` })).optional(),
};

const argsSchema = z.strictObject({
  namespace: input(z.string()).optional(),
  keyRenewalPeriod: input(goDuration("must be a Go duration such as 720h or 0", { allowZero: true })).optional(),
  resources: z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  metrics: z
    .strictObject({ serviceMonitor: z.boolean().optional(), serviceMonitorLabels: z.any().optional(), dashboards: z.boolean().optional() })
    .optional(),
  managedKey: z
    .strictObject({
      rsaBits: z
        .number()
        .refine((n) => [2048, 3072, 4096].includes(n), { error: (i) => `must be 2048, 3072 or 4096, got ${JSON.stringify(i.input)}` })
        .optional(),
      validityHours: z.number().int({ message: "must be an integer" }).min(24, { message: "must be at least 24" }).optional(),
      commonName: input(z.string().min(1, { message: "must not be empty" })).optional(),
    })
    .optional(),
  certificateReaders: z.array(z.string()).optional(),
  keyBackup: z
    .strictObject({
      ...storeFields,
      remoteKey: nonEmpty.optional(),
      // Checked like the PushSecret it becomes (refreshIntervalProblems), so a value the PushSecret would
      // refuse fails here, before anything is registered.
      refreshInterval: input(z.string()).optional(),
    })
    .optional(),
  keyImport: z
    .strictObject({
      ...storeFields,
      remoteKey: nonEmpty,
      secretName: nonEmpty.optional(),
      refreshInterval: input(z.string()).optional(),
    })
    .optional(),
});

const READER = /^(User|Group) (\S.*)$|^ServiceAccount ([^/\s]+)\/([^/\s]+)$/;

function certificateReaderProblems(s: string): string[] {
  const m = READER.exec(s);
  if (!m) return [`must be "User <name>", "Group <name>" or "ServiceAccount <namespace>/<name>", got ${JSON.stringify(s)}`];
  // The chart passes the subjects through Helm's `tpl`: template delimiters would be executed.
  if (/\{\{|\}\}/.test(s)) return [`must not contain "{{" or "}}" (the chart renders the subjects as a template), got ${JSON.stringify(s)}`];
  if (m[1] === "Group" && m[2].startsWith("system:")) {
    return [`must not be a system group (${m[2]} holds every authenticated user or service account, the binding this option replaces)`];
  }
  if (m[3]) return [...dns1123LabelProblems(m[3]).map((p) => `namespace ${p}`), ...dns1123SubdomainProblems(m[4]).map((p) => `name ${p}`)];
  return [];
}

/** The RBAC subject of a `certificateReaders` entry (validated). */
function certificateReaderSubject(s: string): Record<string, string> {
  const m = READER.exec(s)!;
  if (m[3]) return { kind: "ServiceAccount", name: m[4], namespace: m[3] };
  return { apiGroup: "rbac.authorization.k8s.io", kind: m[1], name: m[2] };
}

/** The SealedSecret CRD outlives the controller (see retainCrdsTransform). */
export const retainCustomResourceDefinitions = retainCrdsTransform;

/** Every problem with `args` as `field.path: rule` strings ([] when valid). Shared with the policy pack. */
export function validateSealedSecretsController(args: SealedSecretsControllerArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const ns = known(args.namespace);
  if (typeof ns === "string") problems.push(...dns1123LabelProblems(ns).map((p) => `namespace: ${p}`));
  const renewal = known(args.keyRenewalPeriod);
  if (args.managedKey && typeof renewal === "string" && renewal !== "0") {
    problems.push(`keyRenewalPeriod: must be unset or 0 with managedKey (the controller must not replace a managed key), got "${renewal}"`);
  }
  if (args.keyBackup && typeof renewal === "string" && renewal !== "0") {
    problems.push(
      `keyRenewalPeriod: must be unset or 0 with keyBackup (the PushSecret backs up one key: with several, each sync pushes them in turn into the same provider secret), got "${renewal}"`,
    );
  }
  if (args.keyImport && typeof renewal === "string" && renewal !== "0") {
    problems.push(`keyRenewalPeriod: must be unset or 0 with keyImport (a renewed key would exist in this cluster only), got "${renewal}"`);
  }
  if (args.keyImport && args.managedKey) problems.push("keyImport: set either managedKey or keyImport (both would be active sealing keys)");
  (args.certificateReaders ?? []).forEach((s, i) => {
    if (typeof s === "string") problems.push(...certificateReaderProblems(s).map((p) => `certificateReaders[${i}]: ${p}`));
  });
  problems.push(...refreshIntervalProblems("keyBackup.refreshInterval", known(args.keyBackup?.refreshInterval), false));
  problems.push(...refreshIntervalProblems("keyImport.refreshInterval", known(args.keyImport?.refreshInterval), false));
  const importName = known(args.keyImport?.secretName);
  if (typeof importName === "string" && importName.length > 0) problems.push(...dns1123SubdomainProblems(importName).map((p) => `keyImport.secretName: ${p}`));
  for (const which of ["keyBackup", "keyImport"] as const) {
    const store = known(args[which]?.secretStoreName);
    if (typeof store === "string" && store.length > 0) problems.push(...dns1123SubdomainProblems(store).map((p) => `${which}.secretStoreName: ${p}`));
  }
  return problems;
}

/**
 * The Sealed Secrets controller (`sealed-secrets` chart, pinned) as `sealed-secrets-controller` in
 * `kube-system`, so `kubeseal` finds it without flags; hardened container, resource requests, metrics.
 * Two ways to hold the sealing key:
 *
 * - controller-managed keys (upstream default), ideally with `keyBackup`: an ESO PushSecret copying the
 *   key Secret to a cloud secret store, key renewal off (without a backup: renewal every 30 days);
 * - `managedKey`: an RSA key and self-signed certificate from `@pulumi/tls`, stored as the active key
 *   Secret (`kubernetes.io/tls`, label `sealedsecrets.bitnami.com/sealed-secrets-key: active`) before the
 *   controller starts, with renewal off. `certificatePem` is then an output.
 */
export class SealedSecretsController extends pulumi.ComponentResource {
  /** Namespace of the controller. */
  public readonly namespace: pulumi.Output<string>;
  /** Name of the controller (Deployment and Service): `sealed-secrets-controller`. */
  public readonly controllerName: pulumi.Output<string>;
  /**
   * The controller's service account as the policy pack names it (`ServiceAccount ns/name`): it must read
   * its key Secrets and write the unsealed Secrets; pass it to who-can-read-secrets' exemptSubjects.
   */
  public readonly exemptSubjects: pulumi.Output<string[]>;
  /**
   * PEM of the sealing certificate when it is known to Pulumi (managed key); undefined for
   * controller-managed keys (fetch it with `kubeseal --fetch-cert`).
   */
  public readonly certificatePem: pulumi.Output<string | undefined>;
  /** Name of the managed key Secret (managed key only). */
  public readonly keySecretName: pulumi.Output<string | undefined>;

  constructor(name: string, args: SealedSecretsControllerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SealedSecretsController", name, validateSealedSecretsController(args));
    super(typeToken("SealedSecretsController"), name, {}, opts);

    const namespace = pulumi.output(args.namespace ?? "kube-system");
    const managed = args.managedKey !== undefined;
    const labels = standardLabels("sealed-secrets", name);

    let keySecret: k8s.core.v1.Secret | undefined;
    let certificatePem: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (args.managedKey) {
      const key = new tls.PrivateKey(childName(name, "sealing-key"), { algorithm: "RSA", rsaBits: args.managedKey.rsaBits ?? 4096 }, { parent: this });
      const cert = new tls.SelfSignedCert(
        childName(name, "sealing-cert"),
        {
          privateKeyPem: key.privateKeyPem,
          subject: { commonName: args.managedKey.commonName ?? "sealed-secret" },
          validityPeriodHours: args.managedKey.validityHours ?? 87600,
          allowedUses: ["key_encipherment", "digital_signature"],
          isCaCertificate: false,
        },
        { parent: this },
      );
      keySecret = new k8s.core.v1.Secret(
        childName(name, "sealing-key"),
        {
          metadata: {
            name: MANAGED_KEY_SECRET_NAME,
            namespace,
            labels: { ...labels, [SEALING_KEY_LABEL]: "active" },
            annotations: { "helm.sh/resource-policy": "keep" },
          },
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": cert.certPem, "tls.key": pulumi.secret(key.privateKeyPem) },
        },
        // A sealing key must outlive the controller and this stack: deleting it makes every SealedSecret
        // sealed with it unreadable.
        { parent: this, retainOnDelete: true, additionalSecretOutputs: ["stringData", "data"] },
      );
      certificatePem = cert.certPem;
    }

    let imported: ExternalSecret | undefined;
    if (args.keyImport) {
      const k = args.keyImport;
      imported = new ExternalSecret(
        childName(name, "key-import"),
        {
          namespace,
          externalSecretName: `${CONTROLLER_NAME}-key-import`,
          labels: standardLabels("sealed-secrets-key-import", name),
          // Pulumi waits until ESO reports the ExternalSecret Ready (the Secret written) before the chart.
          annotations: { "pulumi.com/waitFor": "condition=Ready" },
          storeRef: { name: k.secretStoreName!, kind: k.secretStoreKind ?? "ClusterSecretStore" },
          refreshInterval: k.refreshInterval ?? "1h",
          target: {
            name: k.secretName ?? IMPORTED_KEY_SECRET_NAME,
            // A sealing key outlives the ExternalSecret and the provider's copy.
            creationPolicy: "Orphan",
            deletionPolicy: "Retain",
            // What the controller loads as a key (bitnami-labs/sealed-secrets pkg/controller/main.go: Secrets of
            // its namespace with label sealedsecrets.bitnami.com/sealed-secrets-key=active, PEM in tls.key and
            // tls.crt; pkg/controller/keys.go writes its own as kubernetes.io/tls).
            template: { type: "kubernetes.io/tls", labels: { [SEALING_KEY_LABEL]: "active" } },
          },
          // The properties keyBackup's PushSecret writes.
          data: ["tls.crt", "tls.key"].map((secretKey) => ({ secretKey, remoteRef: { key: k.remoteKey, property: secretKey } })),
        },
        { parent: this },
      );
    }

    const resources = args.resources ?? {};
    const readers = (args.certificateReaders ?? []).map(certificateReaderSubject);
    const values = {
      fullnameOverride: CONTROLLER_NAME,
      // Off with a managed or imported key (the controller must not replace it) and with a backup (which
      // holds one key). The chart passes it as `--key-renew-period` (templates/deployment.yaml), which the
      // controller reads as a Go duration; "0" disables renewal.
      keyrenewperiod: managed || args.keyBackup || args.keyImport ? "0" : (args.keyRenewalPeriod ?? "720h"),
      resources: {
        requests: { cpu: resources.requests?.cpu ?? "50m", memory: resources.requests?.memory ?? "64Mi" },
        limits: { ...(resources.limits?.cpu !== undefined ? { cpu: resources.limits.cpu } : {}), memory: resources.limits?.memory ?? "256Mi" },
      },
      podSecurityContext: { enabled: true, fsGroup: 65534 },
      containerSecurityContext: {
        enabled: true,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 1001,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      commonLabels: labels,
      // The chart binds its "service proxier" Role (get on the controller's Service proxy) to
      // system:authenticated by default: here only to certificateReaders, and no Role at all without them.
      // `subjects` is a string in the chart's values schema; templates/role-binding.yaml renders it with
      // `tpl` (the "sealed-secrets.render" helper) under `subjects:`, so it is YAML text: a JSON flow list.
      rbac: { serviceProxier: { create: readers.length > 0, bind: readers.length > 0, subjects: JSON.stringify(readers) } },
      metrics: {
        serviceMonitor: { enabled: args.metrics?.serviceMonitor ?? false, ...(args.metrics?.serviceMonitorLabels ? { labels: args.metrics.serviceMonitorLabels } : {}) },
        dashboards: { create: args.metrics?.dashboards ?? false },
      },
    };
    const chart = new k8s.helm.v4.Chart(
      childName(name, "chart"),
      { ...chartSource(CHARTS.sealedSecrets), namespace, values },
      // The managed or imported key must exist before the controller starts, or it generates its own.
      { parent: this, dependsOn: [...(keySecret ? [keySecret] : []), ...(imported ? [imported] : [])], transforms: [retainCustomResourceDefinitions] },
    );

    if (args.keyBackup) {
      const backup = args.keyBackup;
      new PushSecret(
        childName(name, "key-backup"),
        {
          pushSecretName: `${CONTROLLER_NAME}-key-backup`,
          namespace,
          labels: standardLabels("sealed-secrets-key-backup", name),
          // Keep the backup when the PushSecret goes away; replace it when a key changes.
          deletionPolicy: "None",
          updatePolicy: "Replace",
          refreshInterval: backup.refreshInterval ?? "1h",
          storeRefs: [{ name: backup.secretStoreName!, kind: backup.secretStoreKind ?? "ClusterSecretStore" }],
          // The key Secret, whatever its state: the label's value changes, its presence does not. Renewal is
          // off, so this selects one Secret unless keys were added by hand (see keyBackup).
          secretSelector: { matchExpressions: [{ key: SEALING_KEY_LABEL, operator: "Exists" }] },
          // The whole key Secret in one push: without `secretKey` ESO marshals every data key into one JSON
          // object, `{"tls.crt": ..., "tls.key": ...}`, on every provider (external-secrets v2.9.0
          // runtime/esutils ExtractSecretData for AWS; the same in providers/v1/gcp/secretmanager/client.go,
          // azure/keyvault/keyvault.go, vault/client_push.go). One write per sync keeps both halves of the pair
          // together, and it works on Azure, whose PushSecret ignores `property`. keyImport reads the two properties.
          data: [{ remoteKey: backup.remoteKey ?? defaultBackupRemoteKey(name) }],
        },
        { parent: this, dependsOn: [chart] },
      );
    }

    this.namespace = namespace;
    this.controllerName = pulumi.output(CONTROLLER_NAME);
    this.exemptSubjects = pulumi.interpolate`ServiceAccount ${namespace}/${CONTROLLER_NAME}`.apply((s) => [s]);
    this.certificatePem = certificatePem;
    this.keySecretName = keySecret ? keySecret.metadata.name : pulumi.output(undefined);
    this.registerOutputs({
      exemptSubjects: this.exemptSubjects,
      namespace: this.namespace,
      controllerName: this.controllerName,
      certificatePem: this.certificatePem,
      keySecretName: this.keySecretName,
    });
  }
}
