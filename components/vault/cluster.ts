import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { z } from "zod";
import { CHARTS, chartSource } from "../internal/charts";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { HardenedNamespace } from "../platform/hardenedNamespace";
import {
  AUDIT_DIR,
  USERCONFIG_DIR,
  VAULT_SERVER_IP_SANS,
  vaultFullName,
  vaultServerConfig,
  vaultServerDnsNames,
} from "./serverConfig";
import {
  autoUnsealProblems,
  awsKmsUnseal,
  azureKeyVaultUnseal,
  gcpCkmsUnseal,
  type UnsealSetup,
  type VaultAutoUnsealArgs,
} from "./unseal";

/** Size and class of a persistent volume of the Vault pods. */
export interface VaultStorageArgs {
  /** Volume size (Kubernetes quantity). Default `10Gi`. */
  size?: pulumi.Input<string>;
  /** StorageClass name. Default: the cluster's default class. */
  storageClass?: pulumi.Input<string>;
}

/** A cert-manager issuer that signs the Vault server certificate instead of the built-in CA. */
export interface VaultCertManagerArgs {
  /** Issuer or ClusterIssuer name. */
  issuerName: pulumi.Input<string>;
  /** `Issuer` or `ClusterIssuer`. Default `Issuer`. */
  issuerKind?: pulumi.Input<string>;
  /** Issuer API group. Default `cert-manager.io`. */
  issuerGroup?: pulumi.Input<string>;
  /**
   * PEM of the CA that issues the certificate (what clients must trust). Required: it becomes the
   * `caCertificatePem` output and the CA the CSI provider and ServiceMonitor verify Vault with.
   */
  caCertificatePem: pulumi.Input<string>;
}

/** TLS of the Vault listener (always on). */
export interface VaultTlsArgs {
  /** Use a cert-manager issuer. Default: a CA and server certificate made with `@pulumi/tls`. */
  certManager?: VaultCertManagerArgs;
  /** Validity of the server certificate in hours. Default 8760 (one year); renewed 720 h before expiry. */
  serverCertificateValidityHours?: number;
  /** Validity of the built-in CA in hours. Default 87600 (ten years). */
  caValidityHours?: number;
  /** Extra DNS names for the server certificate (e.g. an ingress host). Default none. */
  extraDnsNames?: string[];
  /** Kubernetes cluster DNS domain used in the long service names. Default `cluster.local`. */
  clusterDomain?: string;
}

/** CPU/memory of the Vault server container. */
export interface VaultResourcesArgs {
  /** Requests. Default `{ cpu: "250m", memory: "256Mi" }`. */
  requests?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Limits. Default `{ memory: "512Mi" }` (no CPU limit, to avoid throttling). */
  limits?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The Vault Agent injector (mutating webhook). */
export interface VaultInjectorArgs {
  /** Deploy it. Default false (the CSI provider keeps secrets out of pod specs and Secrets). */
  enabled?: boolean;
  /** Replicas (with leader election). Default 2. */
  replicas?: number;
}

/** The Vault provider of the Secrets Store CSI driver. */
export interface VaultCsiProviderArgs {
  /** Deploy it. Default false. Needs the driver ({@link SecretsStoreCsiDriver}). */
  enabled?: boolean;
  /**
   * Namespace of the provider DaemonSet. It mounts host paths, so it lives in its own namespace with the
   * `privileged` Pod Security level and never in the Vault server's `restricted` one. Default `<namespace>-csi-provider`.
   */
  namespace?: pulumi.Input<string>;
  /** Default Kubernetes auth mount the provider logs in with. Default `kubernetes`. */
  authMountPath?: pulumi.Input<string>;
}

/** A Prometheus Operator ServiceMonitor for Vault's metrics. */
export interface VaultServiceMonitorArgs {
  /** Create it. Default false. When true, /v1/sys/metrics is readable without a token on the listener. */
  enabled?: boolean;
  /** Labels the Prometheus instance selects ServiceMonitors by. Default `{ release: "prometheus" }` (the chart's). */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Size bounds of the file audit log on the audit volume, enforced by the server pods' `reloader` sidecar: when
 * a `*.log` file under `/vault/audit` reaches `maxFileMiB` it is renamed to `.1` (older ones shift up, the
 * oldest beyond `keepFiles` is removed) and Vault is sent SIGHUP, on which the file audit device reopens its
 * path. So the log never needs more than `(keepFiles + 1) * maxFileMiB` (checked against the volume size).
 */
export interface VaultAuditRotationArgs {
  /** Rotate a log once it reaches this many MiB. Default 1024, lowered so `keepFiles + 1` files fit in 90% of `auditStorage.size`. */
  maxFileMiB?: number;
  /** Rotated files kept. Default 4. */
  keepFiles?: number;
  /** How often the sidecar checks the log size and the TLS certificate, in seconds. Default 30. */
  checkIntervalSeconds?: number;
}

/**
 * An explicit opt-in to reach Vault from outside the cluster (e.g. a fleet hub whose spokes sync from it):
 * a `LoadBalancer` Service on the active server only. Vault terminates TLS itself; add the load balancer's DNS
 * name to `tls.extraDnsNames`.
 */
export interface VaultLoadBalancerArgs {
  /** Client CIDRs allowed (`loadBalancerSourceRanges`). At least one; `0.0.0.0/0` / `::/0` only with `allowAnySource`. */
  sourceRanges: string[];
  /** Allow `0.0.0.0/0` or `::/0` in `sourceRanges`. Default false. */
  allowAnySource?: boolean;
  /** Service annotations (e.g. an internal load balancer of the cloud). Default none. */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** How Vault is reachable from outside the cluster. Default: not at all (ClusterIP services only). */
export interface VaultExposureArgs {
  /** A LoadBalancer Service on the active Vault server (port 8200). */
  loadBalancer?: VaultLoadBalancerArgs;
}

/** Arguments of {@link VaultCluster}. */
export interface VaultClusterArgs {
  /** Namespace (created as a {@link HardenedNamespace}, `restricted`). Default `vault`. */
  namespace?: pulumi.Input<string>;
  /** Helm release name; the chart names objects after it (`vault` → `vault-0.vault-internal`). Default `vault`. */
  releaseName?: string;
  /** Raft peers: an odd number from 3 to 7. Default 3. */
  replicas?: number;
  /** Raft data volume. Default 10Gi on the default class. */
  dataStorage?: VaultStorageArgs;
  /** Audit log volume (`/vault/audit`, for a file audit device). Always on. Default 10Gi on the default class. */
  auditStorage?: VaultStorageArgs;
  /** TLS (always on). Default: built-in CA and server certificate. */
  tls?: VaultTlsArgs;
  /** Auto-unseal (at most one cloud). Default: Shamir, so an operator unseals every pod after each restart. */
  autoUnseal?: VaultAutoUnsealArgs;
  /** PodDisruptionBudget (maxUnavailable 1). Default true. */
  podDisruptionBudget?: boolean;
  /** Vault Agent injector. Default off. */
  injector?: VaultInjectorArgs;
  /** Vault CSI provider. Default off. */
  csiProvider?: VaultCsiProviderArgs;
  /** Prometheus ServiceMonitor. Default off. */
  serviceMonitor?: VaultServiceMonitorArgs;
  /** Serve the web UI. Default false. */
  ui?: boolean;
  /** Server container resources. Default requests 250m/256Mi, memory limit 512Mi. */
  resources?: VaultResourcesArgs;
  /** Size bounds of the file audit log. Default: 4 rotated files kept, each up to 1024 MiB (less on a small volume), checked every 30 s. */
  auditRotation?: VaultAuditRotationArgs;
  /** Reaching Vault from outside the cluster. Default: not exposed. */
  exposure?: VaultExposureArgs;
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

/** The vault-helm 0.34.1 default server image (`server.image`): the reloader sidecar runs the same image. */
export const VAULT_IMAGE = "hashicorp/vault:2.0.4";

/**
 * The readiness path of the server pods. vault-helm's statefulset template uses `server.readinessProbe.path` as an
 * httpGet probe when set (instead of `vault status`, which fails while sealed). `/v1/sys/health` answers 200 for
 * the active node and, with these parameters, 204 for a standby (`standbyok=true`), a sealed (`sealedcode=204`) or an
 * uninitialized (`uninitcode=204`) server, so a fresh cluster's pods become Ready before `vault operator init`, and
 * the chart's await ends. Kubernetes counts 200–399 as success. Traffic is unaffected: clients use the
 * `<fullname>-active` service, which selects only the unsealed leader.
 */
export const VAULT_READINESS_PATH = "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204";

/** A Kubernetes quantity (`10Gi`, `512Mi`) in MiB, or undefined when it is not a plain binary/decimal size. */
function quantityMiB(q: unknown): number | undefined {
  if (typeof q !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q);
  if (!m) return undefined;
  const unit: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20, T: 1e12 / 2 ** 20 };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1 / 2 ** 20);
}

/**
 * The size at which the reloader rotates an audit log: `auditRotation.maxFileMiB`, or by default 1024 MiB, lowered
 * so that `keepFiles + 1` files fit in 90% of the audit volume when its size is known.
 */
function auditMaxFileMiB(args: VaultClusterArgs): number {
  if (args.auditRotation?.maxFileMiB !== undefined) return args.auditRotation.maxFileMiB;
  const volume = quantityMiB(known(args.auditStorage?.size) ?? "10Gi");
  const keep = args.auditRotation?.keepFiles ?? 4;
  return volume === undefined ? 1024 : Math.max(1, Math.min(1024, Math.floor((volume * 0.9) / (keep + 1))));
}

const storage = z.strictObject({ size: input(z.string().min(1)).optional(), storageClass: input(z.string().min(1)).optional() }).optional();
const toggle = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ enabled: z.boolean().optional(), ...shape }).optional();
const argsSchema = z.strictObject({
  namespace: input(z.string()).optional(),
  releaseName: z.string().optional(),
  replicas: z.number().optional(),
  dataStorage: storage,
  auditStorage: storage,
  tls: z
    .strictObject({
      certManager: z
        .strictObject({
          issuerName: input(z.string().min(1)),
          issuerKind: input(z.enum(["Issuer", "ClusterIssuer"], { error: (i) => `must be Issuer or ClusterIssuer, got ${JSON.stringify(i.input)}` })).optional(),
          issuerGroup: input(z.string().min(1)).optional(),
          caCertificatePem: input(z.string().regex(/-----BEGIN CERTIFICATE-----/, { message: "must be a PEM certificate" })),
        })
        .optional(),
      serverCertificateValidityHours: z.number().int().min(24).max(8760 * 2).optional(),
      caValidityHours: z.number().int().min(8760).max(8760 * 20).optional(),
      extraDnsNames: z.array(z.string().min(1)).optional(),
      clusterDomain: z.string().min(1).optional(),
    })
    .optional(),
  autoUnseal: z.any().optional(),
  podDisruptionBudget: z.boolean().optional(),
  injector: toggle({ replicas: z.number().int().min(1).max(5).optional() }),
  csiProvider: toggle({ namespace: input(z.string()).optional(), authMountPath: input(z.string().min(1)).optional() }),
  serviceMonitor: toggle({ labels: z.any().optional() }),
  ui: z.boolean().optional(),
  resources: z.strictObject({ requests: z.any().optional(), limits: z.any().optional() }).optional(),
  auditRotation: z
    .strictObject({
      maxFileMiB: z.number().int().min(16).max(1024 * 1024).optional(),
      keepFiles: z.number().int().min(1).max(100).optional(),
      checkIntervalSeconds: z.number().int().min(5).max(3600).optional(),
    })
    .optional(),
  exposure: z
    .strictObject({
      loadBalancer: z
        .strictObject({
          sourceRanges: z.array(z.string().regex(CIDR, { message: "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8" })).min(1, { message: "must list at least one CIDR" }),
          allowAnySource: z.boolean().optional(),
          annotations: z.any().optional(),
        })
        .optional(),
    })
    .optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values are not checked. */
export function validateVaultCluster(args: VaultClusterArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const replicas = args.replicas ?? 3;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 3 || replicas > 7 || replicas % 2 === 0) {
    problems.push(`replicas: must be an odd number from 3 to 7, got ${JSON.stringify(args.replicas)}`);
  }
  const ns = known(args.namespace);
  if (typeof ns === "string") problems.push(...dns1123LabelProblems(ns).map((p) => `namespace: ${p}`));
  if (args.releaseName !== undefined) {
    problems.push(...dns1123LabelProblems(args.releaseName).map((p) => `releaseName: ${p}`));
    if (vaultFullName(args.releaseName).length > 40) {
      problems.push(`releaseName: the chart's object names would exceed 40 characters, got "${args.releaseName}"`);
    }
  }
  const rotation = args.auditRotation ?? {};
  const auditMiB = quantityMiB(known(args.auditStorage?.size) ?? "10Gi");
  const bound = ((rotation.keepFiles ?? 4) + 1) * auditMaxFileMiB(args);
  if (auditMiB !== undefined && bound > auditMiB * 0.9) {
    problems.push(
      `auditRotation: (keepFiles + 1) * maxFileMiB = ${bound} MiB must stay within 90% of the audit volume (${Math.floor(auditMiB * 0.9)} MiB of auditStorage.size ${JSON.stringify(known(args.auditStorage?.size) ?? "10Gi")})`,
    );
  }
  const lb = args.exposure?.loadBalancer;
  if (lb && !lb.allowAnySource && Array.isArray(lb.sourceRanges)) {
    lb.sourceRanges.forEach((r, i) => {
      if (r === "0.0.0.0/0" || r === "::/0") problems.push(`exposure.loadBalancer.sourceRanges[${i}]: "${r}" opens Vault to the internet; set allowAnySource to mean it`);
    });
  }
  if (args.autoUnseal !== undefined && (typeof args.autoUnseal !== "object" || args.autoUnseal === null)) {
    problems.push(`autoUnseal: must be an object, got ${JSON.stringify(args.autoUnseal)}`);
  } else {
    const unknown = Object.keys(args.autoUnseal ?? {}).filter((k) => !["awsKms", "gcpCkms", "azureKeyVault"].includes(k));
    problems.push(...unknown.map((k) => `autoUnseal.${k}: unknown field`));
    problems.push(...autoUnsealProblems(args.autoUnseal));
  }
  return problems;
}

/** Options of {@link vaultReloaderScript}. */
export interface VaultReloaderOptions {
  /** Directory of the mounted TLS Secret (`tls.crt`). */
  tlsDir: string;
  /** Directory of the audit logs (`*.log`). */
  auditDir: string;
  /** Rotate at this many bytes. */
  maxBytes: number;
  /** Rotated files kept. */
  keepFiles: number;
  /** Seconds between checks. */
  intervalSeconds: number;
  /** Name of the process to signal. Default `vault` (what the chart's server container execs). */
  processName?: string;
}

/**
 * The POSIX sh loop of the `reloader` sidecar (runs under the Vault image's busybox): every interval it
 * 1. compares a checksum of `tls.crt` with the last one: the kubelet swaps a renewed Secret into the volume, and
 *    Vault reloads its listener certificate on SIGHUP (Vault docs, "listener/tcp": certificates reload on SIGHUP);
 * 2. rotates every `*.log` under the audit directory that reached `maxBytes` (`.1` … `.keepFiles`, the oldest
 *    dropped), after which the file audit device reopens its path on SIGHUP (Vault docs, "file audit device": log
 *    rotation with SIGHUP);
 * and then sends one SIGHUP to the process named `vault` when either happened.
 */
export function vaultReloaderScript(o: VaultReloaderOptions): string {
  return [
    "set -u",
    `cert='${o.tlsDir}/tls.crt'`,
    `dir='${o.auditDir}'`,
    `max=${o.maxBytes}`,
    `keep=${o.keepFiles}`,
    'last=$(md5sum < "$cert" 2>/dev/null || true)',
    "while true; do",
    `  sleep ${o.intervalSeconds}`,
    "  hup=0",
    '  now=$(md5sum < "$cert" 2>/dev/null || true)',
    '  if [ -n "$now" ] && [ "$now" != "$last" ]; then last=$now; hup=1; echo "reloader: TLS certificate changed"; fi',
    '  for log in "$dir"/*.log; do',
    '    [ -f "$log" ] || continue',
    '    size=$(stat -c %s "$log" 2>/dev/null || echo 0)',
    '    if [ "$size" -ge "$max" ]; then',
    '      rm -f "$log.$keep"',
    '      i=$keep',
    '      while [ "$i" -gt 1 ]; do j=$((i - 1)); [ -f "$log.$j" ] && mv "$log.$j" "$log.$i"; i=$j; done',
    '      mv "$log" "$log.1"; hup=1; echo "reloader: rotated $log at $size bytes"',
    "    fi",
    "  done",
    `  if [ "$hup" = 1 ]; then pkill -HUP -x ${o.processName ?? "vault"} || echo "reloader: no vault process to signal"; fi`,
    "done",
    "",
  ].join("\n");
}

function reloaderContainer(o: { tlsDir: string; tlsVolume: string; rotation: VaultAuditRotationArgs; maxFileMiB: number; container: Record<string, unknown> }) {
  return {
    name: "reloader",
    image: VAULT_IMAGE,
    command: ["/bin/sh", "-c"],
    args: [
      vaultReloaderScript({
        tlsDir: o.tlsDir,
        auditDir: AUDIT_DIR,
        maxBytes: o.maxFileMiB * 1024 * 1024,
        keepFiles: o.rotation.keepFiles ?? 4,
        intervalSeconds: o.rotation.checkIntervalSeconds ?? 30,
      }),
    ],
    securityContext: o.container,
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
    volumeMounts: [
      { name: "audit", mountPath: AUDIT_DIR },
      { name: o.tlsVolume, mountPath: o.tlsDir, readOnly: true },
    ],
  };
}

/**
 * Vault in HA on Kubernetes: the `hashicorp/vault` chart (pinned) through `helm.v4.Chart` in a
 * {@link HardenedNamespace}, production settings instead of the chart's development defaults:
 *
 * - integrated storage (raft) with an odd number of peers (default 3), each joining every other with
 *   `retry_join` over TLS; PodDisruptionBudget; the chart's required pod anti-affinity (one pod per node);
 *   data and audit volumes;
 * - TLS everywhere (`global.tlsDisable: false`): a CA and server certificate made with `@pulumi/tls`
 *   (SANs for every pod `<fullname>-<i>.<fullname>-internal`, every service and localhost; `<fullname>` is
 *   the release name, with `-vault` appended unless it contains "vault"), stored in a `kubernetes.io/tls`
 *   Secret and mounted; or a cert-manager `Certificate`. Each server advertises its name under the headless
 *   service as its API address (`<fullname>-<i>.<fullname>-internal.<ns>.svc`, covered by the certificate,
 *   resolvable inside the cluster), not the chart's default pod IP;
 * - auto-unseal with AWS KMS, Google Cloud KMS or Azure Key Vault, with the cloud identity of the server
 *   pods created here and allowed to use only that key. Without `autoUnseal` Vault uses the Shamir seal:
 *   **an operator must unseal every pod after every restart** (`vault operator unseal` with a threshold
 *   of key shares);
 * - UI off, injector / CSI provider / ServiceMonitor optional, resource requests set.
 *
 * - the server pods are Ready while sealed or uninitialized (readiness path {@link VAULT_READINESS_PATH}), so the
 *   first `up` finishes; a `reloader` sidecar (same image, shared PID namespace) sends Vault SIGHUP when the
 *   mounted certificate changes (Vault reloads it) and after rotating an audit log that reached its bound
 *   (`auditRotation`; the file audit device reopens its path);
 * - exposure outside the cluster only on request (`exposure.loadBalancer` with source ranges).
 *
 * This is stage 1: it never calls Vault's API and the chart never initializes Vault. Initialize by hand
 * (recovery or key shares, PGP-encrypted), create a login for Pulumi, revoke the root token, then configure
 * Vault (stage 2) with {@link VaultKubernetesAuth}, {@link VaultPolicy}, {@link VaultKvEngine},
 * {@link VaultAuditDevice}… through a `vault.Provider` whose `address` Pulumi can reach (a port-forward to the
 * `<fullname>-active` service, or the exposed name), whose `caCertFile` holds `caCertificatePem`, and whose
 * credential is a secret: docs/vault-bootstrap.md.
 */
export class VaultCluster extends pulumi.ComponentResource {
  /** The namespace of the Vault servers. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster address: `https://<fullname>.<namespace>.svc:8200`. */
  public readonly address: pulumi.Output<string>;
  /** PEM of the CA that issued the server certificate (trust this to talk to Vault). */
  public readonly caCertificatePem: pulumi.Output<string>;
  /** Name of the Vault server service account (the one the unseal identity is bound to). */
  public readonly serverServiceAccountName: pulumi.Output<string>;
  /** Name of the TLS Secret mounted into the server pods. */
  public readonly tlsSecretName: pulumi.Output<string>;
  /** The chart's object name prefix (`vault`). */
  public readonly fullName: pulumi.Output<string>;
  /** Namespace of the CSI provider, when enabled. */
  public readonly csiProviderNamespace: pulumi.Output<string | undefined>;
  /**
   * Subjects that obtain Secrets by design, as the policy pack names them: the Vault server's service account
   * (`ServiceAccount <namespace>/<fullName>`: the chart's service-discovery Role lets it update and patch the
   * pods of its namespace, which Vault's Kubernetes service registration does to label the active server),
   * and the CSI provider's (when on), which requests tokens for the pods' service accounts
   * (`serviceaccounts/token` create) to log in to Vault. Pass them to who-can-read-secrets' exemptSubjects.
   */
  public readonly exemptSubjects: pulumi.Output<string[]>;
  /** The cloud identity of the unseal key (role ARN / service account e-mail / client id), when auto-unseal is on. */
  public readonly unsealIdentity: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: VaultClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultCluster", name, validateVaultCluster(args));
    super(typeToken("VaultCluster"), name, {}, opts);

    const replicas = args.replicas ?? 3;
    const releaseName = args.releaseName ?? "vault";
    const fullName = vaultFullName(releaseName);
    const tlsSecretName = `${fullName}-server-tls`;
    const caConfigMapName = `${fullName}-ca`;
    const tlsDir = `${USERCONFIG_DIR}/${tlsSecretName}`;

    const nsComponent = new HardenedNamespace(childName(name, "namespace"), { namespace: args.namespace ?? "vault" }, { parent: this });
    const namespace = nsComponent.namespaceName;
    const tlsArgs = args.tls ?? {};
    const dnsNames = namespace.apply((ns) => [
      ...vaultServerDnsNames(fullName, ns, replicas, tlsArgs.clusterDomain),
      ...(tlsArgs.extraDnsNames ?? []),
    ]);

    // --- TLS: built-in CA + server certificate, or a cert-manager Certificate ---
    let caPem: pulumi.Output<string>;
    let tlsResource: pulumi.Resource;
    if (tlsArgs.certManager) {
      const cm = tlsArgs.certManager;
      caPem = pulumi.output(cm.caCertificatePem);
      tlsResource = new k8s.apiextensions.CustomResource(
        childName(name, "server-certificate"),
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: tlsSecretName, namespace, labels: standardLabels("vault-tls", name) },
          spec: {
            secretName: tlsSecretName,
            commonName: namespace.apply((ns) => `${fullName}.${ns}.svc`),
            dnsNames,
            ipAddresses: VAULT_SERVER_IP_SANS,
            duration: `${tlsArgs.serverCertificateValidityHours ?? 8760}h`,
            renewBefore: "720h",
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["server auth", "client auth", "digital signature", "key encipherment"],
            issuerRef: { name: cm.issuerName, kind: cm.issuerKind ?? "Issuer", group: cm.issuerGroup ?? "cert-manager.io" },
          },
        },
        { parent: this },
      );
    } else {
      const caKey = new tls.PrivateKey(childName(name, "ca-key"), { algorithm: "ECDSA", ecdsaCurve: "P384" }, { parent: this });
      const ca = new tls.SelfSignedCert(
        childName(name, "ca"),
        {
          privateKeyPem: caKey.privateKeyPem,
          isCaCertificate: true,
          subject: { commonName: `${fullName} CA`, organization: "kube-secrets-platform" },
          validityPeriodHours: tlsArgs.caValidityHours ?? 87600,
          allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
          setSubjectKeyId: true,
        },
        { parent: this },
      );
      const serverKey = new tls.PrivateKey(childName(name, "server-key"), { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
      const csr = new tls.CertRequest(
        childName(name, "server-csr"),
        {
          privateKeyPem: serverKey.privateKeyPem,
          subject: { commonName: namespace.apply((ns) => `${fullName}.${ns}.svc`), organization: "kube-secrets-platform" },
          dnsNames,
          ipAddresses: VAULT_SERVER_IP_SANS,
        },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        childName(name, "server-cert"),
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: tlsArgs.serverCertificateValidityHours ?? 8760,
          earlyRenewalHours: 720,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
          setSubjectKeyId: true,
        },
        { parent: this },
      );
      caPem = ca.certPem;
      tlsResource = new k8s.core.v1.Secret(
        childName(name, "server-tls"),
        {
          metadata: { name: tlsSecretName, namespace, labels: standardLabels("vault-tls", name) },
          type: "kubernetes.io/tls",
          stringData: pulumi.secret(
            pulumi.all([cert.certPem, serverKey.privateKeyPem, ca.certPem]).apply(([crt, key, caCrt]) => ({
              "tls.crt": crt,
              "tls.key": key,
              "ca.crt": caCrt,
            })),
          ),
        },
        { parent: this },
      );
    }

    // The CA is public: a ConfigMap lets the ServiceMonitor and clients in the namespace trust it.
    const caConfigMap = new k8s.core.v1.ConfigMap(
      childName(name, "ca"),
      { metadata: { name: caConfigMapName, namespace, labels: standardLabels("vault-ca", name) }, data: { "ca.crt": caPem } },
      { parent: this },
    );

    // --- Auto-unseal ---
    const bind = { namespace, serviceAccountName: fullName };
    const au = args.autoUnseal ?? {};
    let unseal: UnsealSetup | undefined;
    if (au.awsKms) unseal = awsKmsUnseal(name, au.awsKms, bind, this);
    else if (au.gcpCkms) unseal = gcpCkmsUnseal(name, au.gcpCkms, bind, this);
    else if (au.azureKeyVault) unseal = azureKeyVaultUnseal(name, au.azureKeyVault, bind, this);

    const monitor = args.serviceMonitor ?? {};
    const config = pulumi.output(unseal?.stanza).apply((seal) =>
      vaultServerConfig({ fullName, replicas, tlsDir, seal, ui: args.ui ?? false, unauthenticatedMetrics: monitor.enabled ?? false }),
    );

    const restrictedPod = {
      runAsNonRoot: true,
      runAsUser: 100,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    };
    const restrictedContainer = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    };
    const injector = args.injector ?? {};
    const resources = args.resources ?? {};
    const values = {
      global: { enabled: true, tlsDisable: false, psp: { enable: false }, serverTelemetry: { prometheusOperator: false } },
      injector: injector.enabled
        ? {
            enabled: true,
            replicas: injector.replicas ?? 2,
            leaderElector: { enabled: true },
            securityContext: { pod: restrictedPod, container: restrictedContainer },
            podDisruptionBudget: { maxUnavailable: 1 },
          }
        : { enabled: false },
      server: {
        enabled: true,
        resources: {
          requests: resources.requests ?? { cpu: "250m", memory: "256Mi" },
          limits: resources.limits ?? { memory: "512Mi" },
        },
        extraEnvironmentVars: { VAULT_CACERT: `${tlsDir}/ca.crt` },
        extraVolumes: [{ type: "secret", name: tlsSecretName }],
        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } }],
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        extraLabels: unseal?.podLabels ?? {},
        image: { repository: VAULT_IMAGE.split(":")[0], tag: VAULT_IMAGE.split(":")[1] },
        // Ready while sealed or uninitialized (see VAULT_READINESS_PATH): stage 1 ends with Ready pods, before init.
        readinessProbe: { enabled: true, path: VAULT_READINESS_PATH, port: 8200 },
        // The reloader sidecar signals the vault process (same user, shared PID namespace): SIGHUP makes Vault
        // reload its TLS certificate and the file audit device reopen its file after rotation.
        shareProcessNamespace: true,
        extraContainers: [reloaderContainer({ tlsDir, tlsVolume: `userconfig-${tlsSecretName}`, rotation: args.auditRotation ?? {}, maxFileMiB: auditMaxFileMiB(args), container: restrictedContainer })],
        livenessProbe: {
          enabled: true,
          path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204",
          initialDelaySeconds: 60,
        },
        dataStorage: {
          enabled: true,
          size: args.dataStorage?.size ?? "10Gi",
          storageClass: args.dataStorage?.storageClass ?? null,
          accessMode: "ReadWriteOnce",
        },
        auditStorage: {
          enabled: true,
          size: args.auditStorage?.size ?? "10Gi",
          storageClass: args.auditStorage?.storageClass ?? null,
          accessMode: "ReadWriteOnce",
          mountPath: AUDIT_DIR,
        },
        dev: { enabled: false },
        standalone: { enabled: false },
        ha: {
          enabled: true,
          replicas,
          // The address each server advertises to clients (redirects, `sys/leader`): its stable name under the
          // headless service, which the server certificate covers, instead of the chart's pod IP, which it
          // does not. VAULT_K8S_POD_NAME is defined before VAULT_API_ADDR in the chart's env, so it expands.
          apiAddr: namespace.apply((ns) => `https://$(VAULT_K8S_POD_NAME).${fullName}-internal.${ns}.svc:8200`),
          raft: { enabled: true, setNodeId: true, config },
          disruptionBudget: { enabled: args.podDisruptionBudget ?? true, maxUnavailable: 1 },
        },
        serviceAccount: {
          create: true,
          name: fullName,
          createSecret: false,
          annotations: unseal?.serviceAccountAnnotations ?? {},
        },
        statefulSet: { securityContext: { pod: restrictedPod, container: restrictedContainer } },
      },
      ui: { enabled: args.ui ?? false },
      csi: { enabled: false },
      serverTelemetry: {
        serviceMonitor: monitor.enabled
          ? {
              enabled: true,
              selectors: monitor.labels ?? { release: "prometheus" },
              tlsConfig: {
                ca: { configMap: { name: caConfigMapName, key: "ca.crt" } },
                serverName: namespace.apply((ns) => `${fullName}.${ns}.svc`),
              },
            }
          : { enabled: false },
      },
    };

    const chart = new k8s.helm.v4.Chart(
      childName(name, "chart"),
      { ...chartSource(CHARTS.vault), name: releaseName, namespace, values },
      { parent: this, dependsOn: [tlsResource, caConfigMap] },
    );

    const lb = args.exposure?.loadBalancer;
    if (lb) {
      new k8s.core.v1.Service(
        childName(name, "external"),
        {
          metadata: { name: `${fullName}-external`, namespace, labels: standardLabels("vault-external", name), annotations: lb.annotations },
          spec: {
            type: "LoadBalancer",
            loadBalancerSourceRanges: lb.sourceRanges,
            externalTrafficPolicy: "Local",
            ports: [{ name: "https", port: 8200, targetPort: 8200, protocol: "TCP" }],
            // The chart's labels on the active (unsealed leader) server pod (server-ha-active-service.yaml).
            selector: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": releaseName, component: "server", "vault-active": "true" },
          },
        },
        { parent: this, dependsOn: [chart] },
      );
    }

    this.namespace = namespace;
    this.fullName = pulumi.output(fullName);
    this.address = pulumi.interpolate`https://${fullName}.${namespace}.svc:8200`;
    this.caCertificatePem = caPem;
    this.serverServiceAccountName = pulumi.output(fullName);
    this.tlsSecretName = pulumi.output(tlsSecretName);
    this.unsealIdentity = pulumi.output(unseal?.identity ?? {});

    // The chart's server-discovery Role (pods get/watch/list/update/patch, for service registration) is bound to it.
    const serverSubject = pulumi.interpolate`ServiceAccount ${namespace}/${fullName}`;

    // --- CSI provider: its own release in its own (privileged: host paths) namespace, verifying Vault's TLS ---
    const csi = args.csiProvider ?? {};
    if (csi.enabled) {
      const csiNs = new HardenedNamespace(
        childName(name, "csi-namespace"),
        {
          namespace: csi.namespace ?? pulumi.interpolate`${namespace}-csi-provider`,
          podSecurity: { enforce: "privileged", audit: "baseline", warn: "baseline" },
        },
        { parent: this },
      );
      const csiCa = new k8s.core.v1.ConfigMap(
        childName(name, "csi-ca"),
        { metadata: { name: caConfigMapName, namespace: csiNs.namespaceName, labels: standardLabels("vault-ca", name) }, data: { "ca.crt": caPem } },
        { parent: this },
      );
      new k8s.helm.v4.Chart(
        childName(name, "csi-provider"),
        {
          ...chartSource(CHARTS.vault),
          name: `${releaseName}-csi`,
          namespace: csiNs.namespaceName,
          values: {
            global: { enabled: false, tlsDisable: false, externalVaultAddr: this.address },
            server: { enabled: false },
            injector: { enabled: false },
            ui: { enabled: false },
            csi: {
              enabled: true,
              agent: { enabled: false },
              extraArgs: ["-vault-tls-ca-cert=/vault/tls/ca.crt", pulumi.interpolate`-vault-mount=${csi.authMountPath ?? "kubernetes"}`],
              volumes: [{ name: "vault-ca", configMap: { name: caConfigMapName } }],
              volumeMounts: [{ name: "vault-ca", mountPath: "/vault/tls", readOnly: true }],
              resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            },
          },
        },
        { parent: this, dependsOn: [csiCa] },
      );
      this.csiProviderNamespace = csiNs.namespaceName;
      this.exemptSubjects = pulumi.all([serverSubject, pulumi.interpolate`ServiceAccount ${csiNs.namespaceName}/${releaseName}-csi-csi-provider`]);
    } else {
      this.csiProviderNamespace = pulumi.output(undefined);
      this.exemptSubjects = serverSubject.apply((s) => [s]);
    }

    this.registerOutputs({
      namespace: this.namespace,
      address: this.address,
      caCertificatePem: this.caCertificatePem,
      serverServiceAccountName: this.serverServiceAccountName,
      tlsSecretName: this.tlsSecretName,
      fullName: this.fullName,
      csiProviderNamespace: this.csiProviderNamespace,
      exemptSubjects: this.exemptSubjects,
      unsealIdentity: this.unsealIdentity,
    });
  }
}
