/**
 * Stack section `sealedSecrets` of a cluster: the Sealed Secrets controller and SealedSecrets sealed by
 * the stack. Absent: nothing is deployed.
 *
 * ```yaml
 * sealedSecrets:
 *   managedKey: { rsaBits: 4096 }        # or certificatePem: the controller's cert (kubeseal --fetch-cert)
 *   keyStore: { aws: { region: us-east-1 } }   # the backup's own store and identity (or gcp, azure, vault)
 *   keyBackup: { remoteKey: prod/sealed-secrets-keys }
 *   secrets:
 *     - name: db-credentials
 *       namespace: apps
 *       values: { username: app, password: { secure: v1:... } }   # use `secure` values for anything sensitive
 *       generatedKeys: [api-token]                                # random 32-character values made by Pulumi
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { z } from "zod";
import { SEALING_SCOPES, certificatePublicKey } from "../../components/sealed-secrets/crypto";
import type { PlatformSealedSecretsArgs } from "../../components/platform/secretsPlatform";
import { SEALING_KEY_STORE_NAME } from "../../components/platform/sealingKeyStore";
import { validateSealedSecretsController } from "../../components/sealed-secrets/controller";
import { addComponentProblems, labelSchema, subdomainSchema, type ClusterContext } from "./context";
import { CONTAINER_CPU, CONTAINER_MEMORY, boundedGoDuration, certificateWindowProblem, dataKeyProblem, quantity } from "./rules";

const label = labelSchema;
const subdomain = subdomainSchema;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const secretKey = z.string().regex(SECRET_KEY, { message: "must match [-._a-zA-Z0-9]+" }).superRefine((k, ctx) => {
  const problem = SECRET_KEY.test(k) ? dataKeyProblem(k) : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
/** Kubernetes quantities: cpu 1m to 64, memory 16Mi to 256Gi. */
const quantities = z.strictObject({ cpu: quantity(CONTAINER_CPU).optional(), memory: quantity(CONTAINER_MEMORY).optional() });

const sealedSecretConfig = z
  .strictObject({
    /** Name of the SealedSecret and its Secret. */
    name: subdomain,
    /** Namespace (must exist, e.g. one of the cluster's `namespaces`). */
    namespace: label,
    /** strict (default), namespace-wide or cluster-wide. */
    scope: z.enum(SEALING_SCOPES).default("strict"),
    /** Secret type; default Opaque. */
    type: z.string().min(1).default("Opaque"),
    /** Values by key. Anything sensitive must be a `secure` value in the stack file. */
    values: z.record(z.string(), z.string()).default({}),
    /** Keys whose values Pulumi generates (32 random alphanumerics, kept secret in state). */
    generatedKeys: z.array(secretKey).default([]),
    /** Labels of the Secret. */
    labels: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((s, ctx) => {
    for (const k of Object.keys(s.values)) {
      if (!SECRET_KEY.test(k)) ctx.addIssue({ code: "custom", path: ["values", k], message: "the key must match [-._a-zA-Z0-9]+" });
      else if (dataKeyProblem(k)) ctx.addIssue({ code: "custom", path: ["values", k], message: `the key ${dataKeyProblem(k)}` });
    }
    if (Object.keys(s.values).length + s.generatedKeys.length === 0) {
      ctx.addIssue({ code: "custom", path: ["values"], message: "a secret needs at least one key in values or generatedKeys" });
    }
    for (const [i, k] of s.generatedKeys.entries()) {
      if (k in s.values) ctx.addIssue({ code: "custom", path: ["generatedKeys", i], message: `key "${k}" is also in values` });
    }
  });

export const sealedSecretsSection = z
  .strictObject({
    /** Controller namespace; default kube-system (where kubeseal looks). */
    namespace: label.default("kube-system"),
    /** Key renewal period (Go duration); default 720h, off (and must be unset or 0) with managedKey or keyBackup. */
    keyRenewalPeriod: z.string().optional(),
    /** A Pulumi-managed sealing key (RSA + self-signed certificate). */
    managedKey: z.strictObject({ rsaBits: z.number().int().default(4096) }).optional(),
    /** Certificate PEM of a controller-managed key, to seal `secrets` with (kubeseal --fetch-cert). */
    certificatePem: z.string().min(1).optional(),
    /**
     * The store of keyBackup/keyImport, exactly one provider: the platform creates a SecretStore
     * `sealing-key-store` in the controller's namespace with a service account and cloud identity of its own
     * that reach exactly the backup secret (the identity's cluster settings come from externalSecrets.identity).
     */
    keyStore: z
      .strictObject({
        aws: z.strictObject({ region: z.string().min(1) }).optional(),
        gcp: z.strictObject({ projectId: z.string().min(1).optional(), accountId: z.string().min(1).optional() }).optional(),
        azure: z.strictObject({ vaultUrl: z.string().min(1) }).optional(),
        vault: z.strictObject({ mount: z.string().min(1).optional() }).optional(),
      })
      .optional(),
    /** Backup of the controller's sealing key through keyStore with an ESO PushSecret (key renewal off). */
    keyBackup: z
      .strictObject({
        /** The provider secret (a Secrets Manager name, Secret Manager id, Key Vault secret name or KV path). */
        remoteKey: z.string().min(1).optional(),
        /** Go duration, 1m to 168h; default 1h. */
        refreshInterval: boundedGoDuration({ minSeconds: 60, maxSeconds: 168 * 3600, example: "1h" }).default("1h"),
      })
      .optional(),
    /**
     * Import the sealing key from a cloud secret store before the controller starts (restore a backup on a
     * new cluster, or share one key across clusters); key renewal off. See docs/rollout.md "Sealing keys".
     */
    keyImport: z
      .strictObject({
        remoteKey: z.string().min(1),
        secretName: z.string().min(1).optional(),
        refreshInterval: z.string().default("1h"),
      })
      .optional(),
    /** Metrics: ServiceMonitor and Grafana dashboard (both need their operators); default off. */
    metrics: z.strictObject({ serviceMonitor: z.boolean().default(false), dashboards: z.boolean().default(false) }).default({ serviceMonitor: false, dashboards: false }),
    /** Controller resource requests/limits; defaults: requests 50m/64Mi, limit 256Mi memory. */
    resources: z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
    /**
     * Subjects (`User alice`, `Group sre`, `ServiceAccount ns/name`) allowed `kubeseal --fetch-cert` through the
     * service proxy; default none (seal with `kubeseal --cert`, see the controller's certificateReaders).
     */
    certificateReaders: z.array(z.string()).default([]),
    /** SealedSecrets to seal and deploy. */
    secrets: z.array(sealedSecretConfig).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.managedKey && s.certificatePem) {
      ctx.addIssue({ code: "custom", path: ["certificatePem"], message: "must not be set with managedKey (the managed key's certificate is used)" });
    }
    if (s.certificatePem !== undefined) {
      try {
        certificatePublicKey(s.certificatePem);
        // kubeseal refuses to seal with an expired certificate; a not-yet-valid one is as wrong.
        const window = certificateWindowProblem(s.certificatePem);
        if (window) ctx.addIssue({ code: "custom", path: ["certificatePem"], message: window });
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["certificatePem"], message: (e as Error).message.replace(/^certificatePem: /, "") });
      }
    }
    if (s.secrets.length > 0 && !s.managedKey && !s.certificatePem) {
      ctx.addIssue({ code: "custom", path: ["secrets"], message: "sealing needs a certificate: set managedKey or certificatePem (with keyImport: the shared key's certificate)" });
    }
    const seen = new Set<string>();
    s.secrets.forEach((x, i) => {
      const id = `${x.namespace}/${x.name}`;
      if (seen.has(id)) ctx.addIssue({ code: "custom", path: ["secrets", i, "name"], message: `duplicate secret ${id}` });
      seen.add(id);
    });
    // Checked as the controller will see them: through the platform's sealing-key store.
    const viaStore = { secretStoreName: SEALING_KEY_STORE_NAME, secretStoreKind: "SecretStore" };
    const c = controllerArgs(s);
    addComponentProblems(ctx, [], validateSealedSecretsController({ ...c, keyBackup: c.keyBackup && { ...c.keyBackup, ...viaStore }, keyImport: c.keyImport && { ...c.keyImport, ...viaStore } }));
  })
  .optional();
export type SealedSecretsSection = z.infer<typeof sealedSecretsSection>;

type Section = NonNullable<SealedSecretsSection>;

function controllerArgs(s: Section) {
  return {
    namespace: s.namespace,
    keyRenewalPeriod: s.keyRenewalPeriod,
    managedKey: s.managedKey ? { rsaBits: s.managedKey.rsaBits } : undefined,
    keyBackup: s.keyBackup,
    keyImport: s.keyImport,
    metrics: s.metrics,
    resources: s.resources,
    certificateReaders: s.certificateReaders,
  };
}

/**
 * The `sealedSecrets` part of the cluster's platform. Values become Pulumi secrets; `generatedKeys` are
 * random 32-character values made by `random.RandomPassword` resources named `<cluster>-<ns>-<name>-<key>`.
 */
export function sealedSecretsArgs(ctx: ClusterContext, section: SealedSecretsSection): PlatformSealedSecretsArgs | undefined {
  if (!section) return undefined;
  return {
    controller: controllerArgs(section),
    keyStore: section.keyStore,
    secrets: section.secrets.map((s) => {
      const data: Record<string, pulumi.Input<string>> = {};
      for (const [k, v] of Object.entries(s.values)) data[k] = pulumi.secret(v);
      for (const key of s.generatedKeys) {
        data[key] = new random.RandomPassword(`${ctx.name}-${s.namespace}-${s.name}-${key}`, { length: 32, special: false }).result;
      }
      return {
        name: s.name,
        namespace: s.namespace,
        scope: s.scope,
        type: s.type,
        labels: Object.keys(s.labels).length > 0 ? s.labels : undefined,
        certificatePem: section.managedKey ? undefined : section.certificatePem,
        data,
      };
    }),
  };
}
