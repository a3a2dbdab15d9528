/**
 * Stack section `encryption` of a cluster: encryption at rest of Secrets, as the `encryption` part of the
 * cluster's {@link SecretsPlatform}.
 *
 * - `selfManaged` (kind `self-managed` only): a SelfManagedSecretsEncryption EncryptionConfiguration with
 *   generated local keys (`secretbox` by default) or a KMS v2 plugin. The file is the secret stack output
 *   `clusters.<name>.encryptionConfigYaml`; install it on every control-plane node:
 *   `pulumi stack output clusters --show-secrets | jq -r '.<name>.encryptionConfigYaml' > encryption-config.yaml`,
 *   then `kube-apiserver --encryption-provider-config=<path>` (see the component's JSDoc).
 * - `eks` / `gke` / `aks` (matching kinds only): the cloud KMS key and its grants (EksSecretsEncryption & co.);
 *   the stack outputs `eksEncryptionConfig` / `gkeDatabaseEncryption` / `aksSecurityProfile` to set on the
 *   cluster (a cluster the stack creates gets them directly).
 * - `reencryption`: a SecretsReencryption Job rewriting existing Secrets, run once the cluster encrypts with a
 *   key and again after every rotation. Its trigger is the key the cluster encrypts with **now**: in create
 *   mode the key the created cluster reports (an output of the cluster resource, so the Job runs after the
 *   cluster update that enables it); in adopt mode `reencryption.encryptingWith`, stated in the config once
 *   the cluster uses the key (no Job until then). GKE rewrites Secrets itself.
 * - Retiring a self-managed key is explicit: move it from `keys` to `retiredKeys`, with `encryptingWith` the
 *   write key; it leaves the EncryptionConfiguration only after that rewrite completed. A generated key
 *   dropped from both lists makes `pulumi up` fail (the key is protected) instead of losing it.
 */
import { z } from "zod";
import { validateAksSecretsEncryption } from "../../components/encryption/aks";
import { validateEksSecretsEncryption } from "../../components/encryption/eks";
import { validateGkeSecretsEncryption } from "../../components/encryption/gke";
import {
  keyRetirementProblems,
  providerKeyIds,
  validateSelfManagedSecretsEncryption,
  type EncryptionProviderArgs,
  type SelfManagedSecretsEncryptionArgs,
} from "../../components/encryption/selfManaged";
import type { PlatformEncryptionArgs } from "../../components/platform/secretsPlatform";
import { addComponentProblems, type ClusterContext, labelSchema } from "./context";
import { PINNED_IMAGE, TAGGED_IMAGE, isoDurationDays } from "./rules";

const label = labelSchema;
const LOCAL_PROVIDERS = ["secretbox", "aesgcm", "aescbc"] as const;

const keyList = z
  .array(z.strictObject({ name: z.string().max(40).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be lower-case alphanumerics and '-'" }) }))
  .optional();

const selfManaged = z
  .strictObject({
    /** Write provider: `secretbox` (default), `aesgcm`, `aescbc` or `kms` (KMS v2). */
    provider: z.enum([...LOCAL_PROVIDERS, "kms"]).default("secretbox"),
    /**
     * Local keys, newest first. With a local provider the first encrypts writes; every key is a read provider,
     * so keep old ones until Secrets were rewritten. With `kms` they are read providers after the KMS provider
     * (Secrets written before the switch stay readable). Generated.
     */
    keys: keyList,
    /**
     * The provider the `keys` were written with, required with provider `kms` and keys (guessing it wrong
     * makes every Secret they encrypt unreadable). With a local provider it is that provider.
     */
    keysProvider: z.enum(LOCAL_PROVIDERS).optional(),
    /** Keys no Secret uses any more, moved here from `keys` (needs a completed rewrite with the write key). */
    retiredKeys: keyList,
    /** The KMS v2 plugin (provider `kms`). */
    kms: z.strictObject({ name: z.string().min(1), endpoint: z.string().min(1), timeout: z.string().optional() }).optional(),
    /** Append `identity: {}` as the read fallback while Secrets written before encryption still exist. Default false. */
    identityFallback: z.boolean().default(false),
    /** Resources to encrypt. Default `["secrets"]`; must cover Secrets (`secrets`, `*.` or `*.*`). */
    resources: z.array(z.string().min(1)).min(1).default(["secrets"]),
  })
  .superRefine((v, ctx) => {
    if (!v.resources.some((r) => r === "secrets" || r === "*." || r === "*.*")) {
      ctx.addIssue({ code: "custom", path: ["resources"], message: `must include secrets (or "*." / "*.*"): encryption at rest of Secrets is the point, got ${JSON.stringify(v.resources)}` });
    }
    if (v.provider === "kms" && !v.kms) ctx.addIssue({ code: "custom", path: ["kms"], message: "is required when provider is kms" });
    if (v.provider !== "kms" && (!v.keys || v.keys.length === 0)) ctx.addIssue({ code: "custom", path: ["keys"], message: `at least one key is required when provider is ${v.provider}` });
    if (v.provider !== "kms" && v.kms) ctx.addIssue({ code: "custom", path: ["kms"], message: `is only used when provider is kms, got provider ${v.provider}` });
    if (v.provider === "kms" && v.keys?.length && !v.keysProvider) {
      ctx.addIssue({
        code: "custom",
        path: ["keysProvider"],
        message: `is required with provider kms and keys: name the provider keys ${v.keys.map((k) => `"${k.name}"`).join(", ")} were written with (${LOCAL_PROVIDERS.join(", ")}); they stay as read providers after kms`,
      });
    }
    if (v.provider !== "kms" && v.keysProvider && v.keysProvider !== v.provider) {
      ctx.addIssue({ code: "custom", path: ["keysProvider"], message: `must be the provider (${v.provider}) or left out, got ${v.keysProvider}` });
    }
    if ((v.provider === "kms" && !v.kms) || (v.provider !== "kms" && !v.keys?.length)) return;
    if (v.provider === "kms" && v.keys?.length && !v.keysProvider) return;
    // SelfManagedSecretsEncryption's own rules (unique key names, the KMS plugin's fields...), at the
    // config's paths: the section's keys/kms are the component's providers[0].
    // The retiredKeys' wait (retireAfter) is the platform's wiring: stand in for it here.
    addComponentProblems(ctx, [], validateSelfManagedSecretsEncryption({ ...selfManagedArgs(v), retireAfter: "rewrite" }), [
      [/providers\[0\]\.(secretbox|aesgcm|aescbc)\./g, ""],
      [/providers\[0\]\.kms/g, "kms"],
      [/providers\[1\]\.(secretbox|aesgcm|aescbc)\./g, ""],
    ]);
  });

const reencryption = z.strictObject({
  /** Run the rewrite Job. Default true. */
  enabled: z.boolean().default(true),
  /**
   * The key the cluster encrypts Secrets with now, as the cluster reports it (adopt mode only; a created
   * cluster reports its key itself): EKS `aws eks describe-cluster --name N --query
   * 'cluster.encryptionConfig[0].provider.keyArn'`, GKE `gcloud container clusters describe N --format
   * 'value(databaseEncryption.keyName)'`, AKS `az aks show ... --query securityProfile.azureKeyVaultKms.keyId`,
   * self-managed `<provider>/<key name>` of the configuration every API server runs now (e.g.
   * `secretbox/key-2026-11`). The rewrite Job runs once it is set and again whenever it changes (a rotation);
   * until then there is no Job.
   */
  encryptingWith: z.string().min(1).optional(),
  /** Namespaces to rewrite; default all. */
  namespaces: z.array(label).optional(),
  /** Namespace of the Job. Default `secrets-reencryption`. */
  jobNamespace: label.default("secrets-reencryption"),
  /**
   * Image override (kubectl + /bin/sh). The Job reads and rewrites every Secret, so the image must be pinned
   * by digest (`repo:tag@sha256:…`), or carry a tag with `allowUnpinnedImage: true`.
   */
  image: z.string().min(1).optional(),
  /** Accept a tag-only `image` (no digest); default false. */
  allowUnpinnedImage: z.boolean().default(false),
  /** Secrets per list page. Default 100. */
  chunkSize: z.number().int().min(1).max(500).default(100),
}).superRefine((r, ctx) => {
  if (r.image === undefined || PINNED_IMAGE.test(r.image)) return;
  if (!TAGGED_IMAGE.test(r.image)) {
    ctx.addIssue({ code: "custom", path: ["image"], message: `must be an image pinned by digest (repo[:tag]@sha256:<64 hex>), got ${JSON.stringify(r.image)}` });
  } else if (!r.allowUnpinnedImage) {
    ctx.addIssue({ code: "custom", path: ["image"], message: `must be pinned by digest (repo:tag@sha256:<64 hex>): the Job reads every Secret; or set allowUnpinnedImage: true to accept the tag` });
  }
});

const stringMap = z.record(z.string(), z.string());

/** EKS: EksSecretsEncryption's arguments (see its JSDoc for defaults). */
const eks = z.strictObject({
  clusterRoleArn: z.string(),
  /** strict (default: the account root administers the key, never uses it) or account-root (kms:*, opt-in). */
  keyPolicyMode: z.string().optional(),
  administratorArns: z.array(z.string()).optional(),
  clusterCreatorArns: z.array(z.string()).optional(),
  rotationPeriodInDays: z.number().int().optional(),
  deletionWindowInDays: z.number().int().optional(),
  alias: z.string().optional(),
  tags: stringMap.optional(),
});
/** GKE: GkeSecretsEncryption's arguments. */
const gke = z.strictObject({
  location: z.string(),
  project: z.string().optional(),
  keyRingName: z.string().optional(),
  keyName: z.string().optional(),
  rotationPeriod: z.string().optional(),
  protectionLevel: z.string().optional(),
  labels: stringMap.optional(),
});
/** AKS: AksSecretsEncryption's arguments. */
const aks = z.strictObject({
  resourceGroupName: z.string(),
  location: z.string().optional(),
  tenantId: z.string().optional(),
  keyVaultNetworkAccess: z.string().optional(),
  existingKeyVault: z.strictObject({ name: z.string(), resourceGroupName: z.string(), resourceId: z.string().optional() }).optional(),
  keyVaultName: z.string().optional(),
  keyName: z.string().optional(),
  keySize: z.number().int().optional(),
  rotateAfter: z.string().optional(),
  tags: stringMap.optional(),
});

/** Lifetime of an AKS Key Vault key version (AksSecretsEncryption's `keyExpiresAfter` default, P1Y). */
const AKS_KEY_EXPIRY_DAYS = 365;

export const encryptionSection = z
  .strictObject({
    /**
     * `false`: the explicit opt-out of a cloud cluster (whose section otherwise needs its `eks`/`gke`/`aks`
     * key): encryption at rest is handled outside this stack. No other member may be set then. Default true.
     */
    enabled: z.boolean().default(true),
    selfManaged: selfManaged.optional(),
    eks: eks.optional(),
    gke: gke.optional(),
    aks: aks.optional(),
    reencryption: reencryption.optional(),
  })
  .superRefine((v, ctx) => {
    const keys = (["selfManaged", "eks", "gke", "aks"] as const).filter((k) => v[k] !== undefined);
    if (!v.enabled) {
      for (const k of [...keys, ...(v.reencryption ? (["reencryption"] as const) : [])]) {
        ctx.addIssue({ code: "custom", path: [k], message: "must not be set with enabled: false" });
      }
      return;
    }
    if (keys.length > 1) ctx.addIssue({ code: "custom", path: [keys[1]], message: `set one of selfManaged, eks, gke, aks, got ${keys.join(" and ")}` });
    if (v.selfManaged) {
      const args = selfManagedArgs(v.selfManaged);
      const stated = v.reencryption?.enabled ? v.reencryption.encryptingWith : undefined;
      const ids = providerKeyIds(args);
      if (stated !== undefined && !ids.includes(stated)) {
        ctx.addIssue({ code: "custom", path: ["reencryption", "encryptingWith"], message: `must be one of this configuration's keys (${ids.join(", ")}), got "${stated}"` });
      }
      addComponentProblems(ctx, ["selfManaged"], keyRetirementProblems(args, stated).map((p) => `${p} (set reencryption.encryptingWith)`));
    }
    if (v.eks) addComponentProblems(ctx, ["eks"], validateEksSecretsEncryption(v.eks));
    if (v.gke) addComponentProblems(ctx, ["gke"], validateGkeSecretsEncryption(v.gke));
    if (v.aks) addComponentProblems(ctx, ["aks"], validateAksSecretsEncryption(v.aks));
    if (v.aks?.rotateAfter !== undefined) {
      // Azure Key Vault rotation policies: a key version expires after expiryTime (the component's P1Y, at
      // least 28 days) and rotation must come at least 7 days after creation and 7 days before expiry.
      const days = isoDurationDays(v.aks.rotateAfter);
      if (days !== undefined && (days < 7 || days > AKS_KEY_EXPIRY_DAYS - 7)) {
        ctx.addIssue({
          code: "custom",
          path: ["aks", "rotateAfter"],
          message: `must be from P7D to P${AKS_KEY_EXPIRY_DAYS - 7}D (each key version expires after P1Y; rotation must come at least 7 days before that), got "${v.aks.rotateAfter}"`,
        });
      }
    }
  })
  .optional();
export type EncryptionSection = z.infer<typeof encryptionSection>;

type SelfManagedSection = z.infer<typeof selfManaged>;

/**
 * The providers list of a parsed `selfManaged` section: the write provider, with `kms` the leftover local
 * keys as read providers after it (kube-apiserver writes with the first provider and tries every provider in
 * order for reads: k8s.io/apiserver pkg/server/options/encryptionconfig/config.go, prefix transformers), and
 * `identity` last when asked for.
 */
export function selfManagedProviders(s: SelfManagedSection): EncryptionProviderArgs[] {
  const providers: EncryptionProviderArgs[] = [];
  const keys = (s.keys ?? []).map((k) => ({ name: k.name }));
  if (s.provider === "kms") {
    providers.push({ kms: s.kms! });
    if (keys.length > 0 && s.keysProvider) providers.push({ [s.keysProvider]: { keys } });
  } else providers.push({ [s.provider]: { keys } });
  if (s.identityFallback) providers.push({ identity: true });
  return providers;
}

/** SelfManagedSecretsEncryption's args for a parsed `selfManaged` section (without the platform's retireAfter). */
export function selfManagedArgs(s: SelfManagedSection): SelfManagedSecretsEncryptionArgs {
  return {
    resources: s.resources,
    providers: selfManagedProviders(s),
    ...(s.retiredKeys?.length ? { retiredKeys: s.retiredKeys.map((k) => ({ name: k.name })) } : {}),
  };
}

/** The kind a key section belongs to. */
const KEY_KIND = { selfManaged: "self-managed", eks: "eks", gke: "gke", aks: "aks" } as const;

/**
 * Problems of the section for a cluster of kind `kind` (a key for another kind), as `field: rule`.
 * The config schema cannot see the kind, so the cluster schema calls this.
 */
export function encryptionKindProblems(kind: string, section: EncryptionSection): string[] {
  if (!section) return [];
  return (Object.keys(KEY_KIND) as Array<keyof typeof KEY_KIND>)
    .filter((k) => section[k] !== undefined && KEY_KIND[k] !== kind)
    .map((k) => `${k}: only for clusters of kind ${KEY_KIND[k]}, got kind ${kind}`);
}

/**
 * The `encryption` part of the cluster's platform. The rewrite Job is there only when `reencryption` is
 * enabled and the config states `encryptingWith` (adopt mode; in create mode `platformParts` sets the
 * created cluster's key as the trigger): a rewrite before the cluster encrypts with the key changes nothing,
 * and the same trigger would not run it again.
 */
export function encryptionArgs(_ctx: ClusterContext, section: EncryptionSection): PlatformEncryptionArgs | undefined {
  if (!section || !section.enabled) return undefined;
  const r = section.reencryption;
  return {
    selfManaged: section.selfManaged && selfManagedArgs(section.selfManaged),
    eks: section.eks,
    gke: section.gke,
    aks: section.aks,
    reencryption:
      r && r.enabled ? { trigger: r.encryptingWith, namespaces: r.namespaces, jobNamespace: r.jobNamespace, image: r.image, chunkSize: r.chunkSize } : undefined,
  };
}
