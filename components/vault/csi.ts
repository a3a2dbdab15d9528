/** The Secrets Store CSI driver and Vault SecretProviderClasses. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { z } from "zod";
import { CHARTS, chartSource, retainCrdsTransform } from "../internal/charts";
import { goDuration } from "../internal/duration";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, dns1123SubdomainProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { HardenedNamespace } from "../platform/hardenedNamespace";

// ---------------------------------------------------------------- driver

/** Arguments of {@link SecretsStoreCsiDriver}. */
export interface SecretsStoreCsiDriverArgs {
  /** Namespace (a {@link HardenedNamespace} at the `privileged` level: the driver mounts host paths). Default `secrets-store-csi`. */
  namespace?: pulumi.Input<string>;
  /**
   * Sync mounted values into Kubernetes Secrets (`secretObjects`). Default false, so values never become
   * Secrets in etcd; turn on only for workloads that cannot read files.
   */
  syncSecret?: boolean;
  /** Re-fetch mounted secrets periodically so rotated values reach pods. Default true. */
  rotation?: boolean;
  /** How often rotation re-fetches (Go duration). Default `2m`. */
  rotationPollInterval?: pulumi.Input<string>;
  /** Audiences of the pod service account tokens the driver passes to providers. Default none (providers request their own). */
  tokenRequestAudiences?: string[];
}

const csiSchema = z.strictObject({
  namespace: input(z.string()).optional(),
  syncSecret: z.boolean().optional(),
  rotation: z.boolean().optional(),
  rotationPollInterval: input(goDuration("must be a Go duration such as 2m")).optional(),
  tokenRequestAudiences: z.array(z.string().min(1)).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateSecretsStoreCsiDriver(args: SecretsStoreCsiDriverArgs): string[] {
  const problems = zodProblems(csiSchema, args);
  const ns = known(args.namespace);
  if (typeof ns === "string") problems.push(...dns1123LabelProblems(ns).map((p) => `namespace: ${p}`));
  return problems;
}

/**
 * The Secrets Store CSI driver (`secrets-store-csi-driver` chart, pinned) with syncing to Kubernetes
 * Secrets off by default and rotation on. Its CRDs (SecretProviderClass…) are kept when the component
 * is removed, so user objects survive.
 */
export class SecretsStoreCsiDriver extends pulumi.ComponentResource {
  /** The driver's namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The chart (depend on it before creating SecretProviderClasses). */
  public readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: SecretsStoreCsiDriverArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SecretsStoreCsiDriver", name, validateSecretsStoreCsiDriver(args));
    super(typeToken("SecretsStoreCsiDriver"), name, {}, opts);
    const ns = new HardenedNamespace(
      childName(name, "namespace"),
      { namespace: args.namespace ?? "secrets-store-csi", podSecurity: { enforce: "privileged", audit: "baseline", warn: "baseline" } },
      { parent: this },
    );
    const rotation = args.rotation ?? true;
    this.chart = new k8s.helm.v4.Chart(
      childName(name, "chart"),
      {
        ...chartSource(CHARTS.secretsStoreCsiDriver),
        name: "secrets-store-csi-driver",
        namespace: ns.namespaceName,
        values: {
          syncSecret: { enabled: args.syncSecret ?? false },
          enableSecretRotation: rotation,
          ...(rotation ? { rotationPollInterval: args.rotationPollInterval ?? "2m" } : {}),
          tokenRequests: (args.tokenRequestAudiences ?? []).map((audience) => ({ audience })),
          // CRDs come from the chart's crds/ folder (helm.v4.Chart includes them). `crds.enabled` only adds
          // pre-install/pre-upgrade hook Jobs (with CRD-writing ClusterRoles), which helm.v4.Chart never runs.
          linux: { enabled: true, crds: { enabled: false } },
          // The driver calls the API (SecretProviderClasses, pod tokens, synced Secrets): its token, stated.
          automountServiceAccountToken: true,
          windows: { enabled: false },
          rbac: { install: true },
          logFormatJSON: true,
        },
      },
      {
        parent: this,
        // CRDs hold users' SecretProviderClasses: never delete them with the driver.
        transforms: [retainCrdsTransform],
      },
    );
    this.namespace = ns.namespaceName;
    this.registerOutputs({ namespace: this.namespace });
  }
}

// ---------------------------------------------------------------- SecretProviderClass

/** One value the Vault provider fetches and writes as a file in the pod's CSI volume. */
export interface VaultSecretObjectArgs {
  /** File name in the volume. */
  objectName: string;
  /** Vault path to read (KV v2: `secret/data/<key>`). */
  secretPath: string;
  /** Key within the secret's data. Default: the whole response as JSON. */
  secretKey?: string;
  /**
   * File mode as an octal string (`0400`, `0440`). Default `0400`. Emitted in `objects` as the decimal YAML
   * integer (`256`), which vault-csi-provider's yaml.v3 decodes into `os.FileMode` (a quoted `"0400"` is a
   * string and fails the mount).
   */
  filePermission?: string;
}

/** Arguments of {@link VaultSecretProviderClass}. */
export interface VaultSecretProviderClassArgs {
  /** Object name. Default: the resource name. */
  name?: pulumi.Input<string>;
  /** Namespace of the pods that mount it. */
  namespace: pulumi.Input<string>;
  /** Vault Kubernetes auth role the pod logs in as. */
  roleName: pulumi.Input<string>;
  /** Auth mount path. Default `kubernetes`. */
  authMountPath?: pulumi.Input<string>;
  /** Vault address. Default: the provider's configured address (the in-cluster Vault of {@link VaultCluster}). */
  vaultAddress?: pulumi.Input<string>;
  /** Audience of the pod token. Default: the provider's. */
  audience?: pulumi.Input<string>;
  /** What to mount. At least one. */
  objects: VaultSecretObjectArgs[];
}

const objectSchema = z.strictObject({
  objectName: z.string().regex(/^[A-Za-z0-9._-]+$/, { message: "must be a file name (letters, digits, '.', '-', '_')" }),
  secretPath: z.string().min(1).regex(/^[^/]/, { message: "must not start with '/'" }),
  secretKey: z.string().min(1).optional(),
  filePermission: z.string().regex(/^0?[0-7]{3}$/, { message: "must be an octal file mode such as 0400" }).optional(),
});
const spcSchema = z.strictObject({
  name: input(z.string()).optional(),
  namespace: input(z.string()),
  roleName: input(z.string().min(1)),
  authMountPath: input(z.string().min(1)).optional(),
  vaultAddress: input(z.string().regex(/^https:\/\//, { message: "must be an https:// URL" })).optional(),
  audience: input(z.string().min(1)).optional(),
  objects: z.array(objectSchema).min(1, { message: "must list at least one object" }),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultSecretProviderClass(args: VaultSecretProviderClassArgs, resourceName?: string): string[] {
  const problems = zodProblems(spcSchema, args);
  const ns = known(args.namespace);
  if (typeof ns === "string") problems.push(...dns1123LabelProblems(ns).map((p) => `namespace: ${p}`));
  const name = known(args.name) ?? resourceName;
  if (typeof name === "string") problems.push(...dns1123SubdomainProblems(name).map((p) => `name: ${p}`));
  const seen = new Set<string>();
  (Array.isArray(args.objects) ? args.objects : []).forEach((o, i) => {
    if (seen.has(o?.objectName)) problems.push(`objects[${i}].objectName: duplicate file name "${o.objectName}"`);
    seen.add(o?.objectName);
    if (typeof o?.filePermission === "string" && /^0?[0-7]{3}$/.test(o.filePermission) && (parseInt(o.filePermission, 8) & 0o027) !== 0) {
      problems.push(`objects[${i}].filePermission: must not grant group write or any other access, got "${o.filePermission}"`);
    }
  });
  return problems;
}

/**
 * The `objects` parameter of a Vault SecretProviderClass: a YAML list that vault-csi-provider
 * (internal/config/config.go, `parseParameters`) decodes with gopkg.in/yaml.v3 into `[]Secret`, whose
 * `filePermission` is an `os.FileMode` (uint32). yaml.v3 (resolve.go) reads a plain scalar with
 * `strconv.ParseInt(s, 0, 64)`, so `0400` would be octal 256 there but decimal 400 to a YAML 1.2 reader: the
 * mode is written as a decimal integer (`256`), which every YAML version reads the same. Keys are the
 * provider's yaml tags: `objectName`, `secretPath`, `secretKey`, `filePermission`.
 */
export function vaultCsiObjectsYaml(objects: readonly VaultSecretObjectArgs[]): string {
  return stringify(
    objects.map((o) => ({
      objectName: o.objectName,
      secretPath: o.secretPath,
      ...(o.secretKey ? { secretKey: o.secretKey } : {}),
      filePermission: parseInt(o.filePermission ?? "0400", 8),
    })),
  );
}

/**
 * A `secrets-store.csi.x-k8s.io/v1` SecretProviderClass for the Vault provider: the pod logs in with its
 * service account to `roleName` and the listed Vault values are mounted as files (never synced into
 * Kubernetes Secrets). Kept on delete so pods referencing it keep starting. Pass the
 * {@link SecretsStoreCsiDriver} in `opts.dependsOn` so the CRD exists first.
 */
export class VaultSecretProviderClass extends pulumi.ComponentResource {
  /** The SecretProviderClass name (what `volumeAttributes.secretProviderClass` references). */
  public readonly className: pulumi.Output<string>;

  constructor(name: string, args: VaultSecretProviderClassArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultSecretProviderClass", name, validateVaultSecretProviderClass(args, name));
    super(typeToken("VaultSecretProviderClass"), name, {}, opts);
    const parameters: Record<string, pulumi.Input<string>> = {
      roleName: args.roleName,
      vaultAuthMountPath: args.authMountPath ?? "kubernetes",
      objects: vaultCsiObjectsYaml(args.objects),
    };
    if (args.vaultAddress !== undefined) parameters.vaultAddress = args.vaultAddress;
    if (args.audience !== undefined) parameters.audience = args.audience;
    const spc = new k8s.apiextensions.CustomResource(
      childName(name, "spc"),
      {
        apiVersion: "secrets-store.csi.x-k8s.io/v1",
        kind: "SecretProviderClass",
        metadata: {
          name: args.name ?? name,
          namespace: args.namespace,
          labels: standardLabels("secret-provider-class", name),
          annotations: { "helm.sh/resource-policy": "keep" },
        },
        spec: { provider: "vault", parameters },
      },
      { parent: this, retainOnDelete: true },
    );
    this.className = spc.metadata.name;
    this.registerOutputs({ className: this.className });
  }
}
