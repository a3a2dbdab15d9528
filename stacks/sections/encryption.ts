/**
 * Stack section `encryption` of a cluster: encryption at rest of Secrets.
 *
 * - `selfManaged` (kind `self-managed` only): a {@link SelfManagedSecretsEncryption} EncryptionConfiguration
 *   with generated local keys (`secretbox` by default) or a KMS v2 plugin. The file is the secret stack output
 *   `clusters.<name>.encryption.configYaml`; install it on every control-plane node:
 *   `pulumi stack output clusters --show-secrets | jq -r '.<name>.encryption.configYaml' > encryption-config.yaml`,
 *   then `kube-apiserver --encryption-provider-config=<path>` (see the component's JSDoc).
 * - `reencryption`: a {@link SecretsReencryption} Job rewriting existing Secrets; its trigger is the write
 *   provider (`secretbox/<first key>`), so adding a new first key runs it again. For eks/aks clusters give
 *   `trigger` (e.g. the KMS key ARN) yourself; GKE rewrites Secrets itself.
 *
 * EKS/GKE/AKS keys belong with the cluster resource that uses them (`EksSecretsEncryption` & co.); this stack
 * adopts existing clusters, so it does not create them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { SecretsReencryption } from "../../components/encryption/reencryption";
import { SelfManagedSecretsEncryption, type EncryptionProviderArgs } from "../../components/encryption/selfManaged";
import { DNS1123_LABEL } from "../../components/internal/naming";
import { StackConfigError } from "../config";
import type { ClusterContext } from "./context";

const label = z.string().max(63).regex(DNS1123_LABEL, { message: "must be an RFC 1123 label (lower-case alphanumerics and '-')" });
const LOCAL_PROVIDERS = ["secretbox", "aesgcm", "aescbc"] as const;

const selfManaged = z
  .strictObject({
    /** Write provider: `secretbox` (default), `aesgcm`, `aescbc` or `kms` (KMS v2). */
    provider: z.enum([...LOCAL_PROVIDERS, "kms"]).default("secretbox"),
    /** Local keys, newest first (the first encrypts writes; keep old ones until Secrets were rewritten). Generated. */
    keys: z
      .array(z.strictObject({ name: z.string().max(40).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be lower-case alphanumerics and '-'" }) }))
      .optional(),
    /** The KMS v2 plugin (provider `kms`). */
    kms: z.strictObject({ name: z.string().min(1), endpoint: z.string().min(1), timeout: z.string().optional() }).optional(),
    /** Append `identity: {}` as the read fallback while Secrets written before encryption still exist. Default false. */
    identityFallback: z.boolean().default(false),
    /** Resources to encrypt. Default `["secrets"]`. */
    resources: z.array(z.string().min(1)).min(1).default(["secrets"]),
  })
  .superRefine((v, ctx) => {
    if (v.provider === "kms" && !v.kms) ctx.addIssue({ code: "custom", path: ["kms"], message: "is required when provider is kms" });
    if (v.provider !== "kms" && (!v.keys || v.keys.length === 0)) ctx.addIssue({ code: "custom", path: ["keys"], message: `at least one key is required when provider is ${v.provider}` });
    if (v.provider !== "kms" && v.kms) ctx.addIssue({ code: "custom", path: ["kms"], message: `is only used when provider is kms, got provider ${v.provider}` });
  });

const reencryption = z.strictObject({
  /** Run the rewrite Job. Default true. */
  enabled: z.boolean().default(true),
  /** What the rewrite is for; default (self-managed): the write provider. Required otherwise. */
  trigger: z.string().min(1).optional(),
  /** Namespaces to rewrite; default all. */
  namespaces: z.array(label).optional(),
  /** Namespace of the Job. Default `secrets-reencryption`. */
  jobNamespace: label.default("secrets-reencryption"),
  /** Image override (kubectl + /bin/sh). */
  image: z.string().min(1).optional(),
  /** Secrets per list page. Default 100. */
  chunkSize: z.number().int().min(1).max(500).default(100),
});

export const encryptionSection = z
  .strictObject({
    selfManaged: selfManaged.optional(),
    reencryption: reencryption.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.reencryption && v.reencryption.enabled && !v.selfManaged && !v.reencryption.trigger) {
      ctx.addIssue({ code: "custom", path: ["reencryption", "trigger"], message: "is required without selfManaged (e.g. the KMS key ARN)" });
    }
  })
  .optional();
export type EncryptionSection = z.infer<typeof encryptionSection>;

/** The providers list of a parsed `selfManaged` section. */
export function selfManagedProviders(s: NonNullable<NonNullable<EncryptionSection>["selfManaged"]>): EncryptionProviderArgs[] {
  const providers: EncryptionProviderArgs[] = [];
  if (s.provider === "kms") providers.push({ kms: s.kms! });
  else providers.push({ [s.provider]: { keys: s.keys!.map((k) => ({ name: k.name })) } });
  if (s.identityFallback) providers.push({ identity: true });
  return providers;
}

/**
 * Deploys the section. The rewrite Job runs only when a `reencryption` section is present: on a self-managed
 * cluster add it once every API server runs with the new configuration, since a rewrite under the old
 * configuration changes nothing and the same trigger will not run it again.
 */
export function deployEncryption(ctx: ClusterContext, section: EncryptionSection): Record<string, unknown> {
  if (!section) return {};
  if (section.selfManaged && ctx.kind !== "self-managed") {
    throw new StackConfigError([
      `kube-secrets-platform:clusters[name=${ctx.name}].encryption.selfManaged: only for kind self-managed (managed control planes take a KMS key instead), got kind ${ctx.kind}`,
    ]);
  }
  const out: Record<string, unknown> = {};
  let trigger: pulumi.Input<string> | undefined = section.reencryption?.trigger;
  if (section.selfManaged) {
    const enc = new SelfManagedSecretsEncryption(`${ctx.name}-encryption`, {
      resources: section.selfManaged.resources,
      providers: selfManagedProviders(section.selfManaged),
    });
    out.configYaml = enc.configYaml;
    out.writeProvider = enc.writeProvider;
    trigger ??= enc.writeProvider;
  }
  const r = section.reencryption;
  if (r && r.enabled && trigger !== undefined) {
    const job = new SecretsReencryption(
      `${ctx.name}-reencryption`,
      { trigger, namespaces: r.namespaces, jobNamespace: r.jobNamespace, image: r.image, chunkSize: r.chunkSize },
      { provider: ctx.provider },
    );
    out.reencryption = { jobName: job.jobName, jobNamespace: job.jobNamespace, exemptSubject: job.exemptSubject };
  }
  return out;
}
