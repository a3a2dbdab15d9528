import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";
import { HardenedNamespace } from "../platform/hardenedNamespace";
import { REENCRYPTION_SCRIPT } from "./reencryptionScript";

/**
 * The rewrite Job's default image: `alpine/k8s` (kubectl plus a POSIX shell), pinned by tag and digest.
 * Override `image` to use a mirrored or in-house image with `kubectl` and `/bin/sh`.
 */
export const DEFAULT_REENCRYPTION_IMAGE =
  "docker.io/alpine/k8s:1.34.1@sha256:ec714df3813b5405292860f8a1c55c5727bf8c33c88992f1e981efad8065547f";

/**
 * Label on the rewrite Job's ServiceAccount, ClusterRole and bindings naming the RBAC finding codes the policy
 * pack may exempt for exactly these objects when configured to (value: codes joined by `.`). The Job must
 * read and update every Secret; nothing else carries this label.
 */
export const RBAC_EXEMPTION_LABEL = "kube-secrets-platform.io/exempt-from";
export const REENCRYPTION_EXEMPTION_VALUE = "secret-read.secret-write";

/** Resource requests/limits of the rewrite container. */
export interface ReencryptionResourcesArgs {
  /** CPU request. Default `50m`. */
  cpuRequest?: pulumi.Input<string>;
  /** Memory request. Default `64Mi`. */
  memoryRequest?: pulumi.Input<string>;
  /** Memory limit. Default `256Mi`. */
  memoryLimit?: pulumi.Input<string>;
}

/** Arguments of `SecretsReencryption`. */
export interface SecretsReencryptionArgs {
  /**
   * The key the cluster encrypts Secrets with **now**, as the cluster states it: the KMS key ARN of
   * `aws eks describe-cluster` (`encryptionConfig[0].provider.keyArn`), GKE's `databaseEncryption.keyName`,
   * AKS's `securityProfile.azureKeyVaultKms.keyId`, or the self-managed write provider (`<kind>/<key name>`,
   * `SelfManagedSecretsEncryption.writeProvider` once every API server runs that configuration). The Job's
   * name carries a hash of it, so a new value (a rotation) replaces the Job and runs the rewrite again. Pass
   * an output of the cluster resource when the same program creates or updates the cluster, so the Job waits
   * for that update; never a key the cluster does not use yet (a rewrite then changes nothing and does not run
   * again). Required; use a non-sensitive identifier.
   */
  trigger: pulumi.Input<string>;
  /**
   * Namespaces whose Secrets are rewritten. Default: every namespace (a ClusterRoleBinding); when given, the
   * ClusterRole is bound with one RoleBinding per namespace only. A plain value.
   */
  namespaces?: string[];
  /** Namespace the Job runs in, created as a `restricted` `HardenedNamespace`. Default `secrets-reencryption`. A plain value. */
  jobNamespace?: string;
  /** Container image with `kubectl` and `/bin/sh`. Default `DEFAULT_REENCRYPTION_IMAGE`. */
  image?: pulumi.Input<string>;
  /** Secrets per list page (`kubectl get --chunk-size`), 1–500. Default `100`. */
  chunkSize?: pulumi.Input<number>;
  /** Attempts of each list request, with a growing pause, 1–20. Default `5`. (Update conflicts are not retried: see the script.) */
  maxAttempts?: pulumi.Input<number>;
  /** Pod retries of the whole Job after a failure. Default `2`. */
  backoffLimit?: pulumi.Input<number>;
  /** Seconds before the finished Job is garbage-collected. Default `86400`. */
  ttlSecondsAfterFinished?: pulumi.Input<number>;
  /**
   * Seconds the Job may run before it is failed. Default `3600`. Pulumi waits for the Job that long plus 10
   * minutes (`customTimeouts` create/update), instead of its default 10 minutes. A plain value.
   */
  activeDeadlineSeconds?: number;
  /** Container resources. Default 50m CPU / 64Mi memory requested, 256Mi memory limit. */
  resources?: ReencryptionResourcesArgs;
}

const positiveInt = (max: number) =>
  z
    .number()
    .int({ message: "must be an integer" })
    .min(1, { message: `must be between 1 and ${max}` })
    .max(max, { message: `must be between 1 and ${max}` });

const argsSchema = z.strictObject({
  trigger: input(z.string().min(1, { message: "must not be empty" })),
  namespaces: z.array(z.string()).optional(),
  jobNamespace: z.string().optional(),
  image: input(z.string().min(1, { message: "must not be empty" })).optional(),
  chunkSize: input(positiveInt(500)).optional(),
  maxAttempts: input(positiveInt(20)).optional(),
  backoffLimit: input(z.number().int().min(0, { message: "must be >= 0" })).optional(),
  ttlSecondsAfterFinished: input(z.number().int().min(0, { message: "must be >= 0" })).optional(),
  activeDeadlineSeconds: positiveInt(7 * 24 * 3600).optional(),
  resources: z
    .strictObject({
      cpuRequest: input(z.string()).optional(),
      memoryRequest: input(z.string()).optional(),
      memoryLimit: input(z.string()).optional(),
    })
    .optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateSecretsReencryption(args: SecretsReencryptionArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  args.namespaces?.forEach((ns, i) => problems.push(...dns1123LabelProblems(ns).map((p) => `namespaces[${i}]: ${p}`)));
  const seen = new Set<string>();
  args.namespaces?.forEach((ns, i) => {
    if (seen.has(ns)) problems.push(`namespaces[${i}]: duplicate namespace "${ns}"`);
    seen.add(ns);
  });
  if (args.jobNamespace !== undefined) problems.push(...dns1123LabelProblems(args.jobNamespace).map((p) => `jobNamespace: ${p}`));
  return problems;
}

/** The first 10 hex digits of SHA-256 of `trigger`: the Job name suffix. */
export function triggerHash(trigger: string): string {
  return createHash("sha256").update(trigger).digest("hex").slice(0, 10);
}

/** Seconds Pulumi waits for the Job beyond its `activeDeadlineSeconds` (pod start, image pull, status). */
export const REENCRYPTION_TIMEOUT_MARGIN_SECONDS = 600;

/**
 * Rewrites every existing Secret (in all or the given namespaces) so that the API server stores it with its
 * current write provider: needed after encryption at rest is turned on or its key changes, because the API
 * server only encrypts on write. A Job in its own `restricted` namespace, with its own ServiceAccount and a
 * ClusterRole allowing only `get`, `list` and `update` on `secrets`, runs a shell script that, per namespace,
 * pipes `kubectl get secrets -o json --chunk-size=N` into one `kubectl replace -f -` (the Kubernetes docs'
 * "ensure all Secrets are encrypted"): one update request per Secret, two processes per namespace, never one
 * per Secret. Each update carries the listed `resourceVersion`, so a concurrent change is never overwritten;
 * its `Conflict` means the Secret was written again after the list, i.e. already with the current provider,
 * and counts as done (as does `NotFound`). Any other failure exits non-zero. Pulumi waits for the Job (custom
 * timeouts: `activeDeadlineSeconds` + 10 minutes), so a failed rewrite fails the update, and
 * `pulumi.com/replaceUnready` makes the next update run a failed Job again. Re-running is safe.
 *
 * **When it runs.** The Job name carries a hash of `trigger`, the key the cluster encrypts with now; a new
 * trigger replaces the Job and runs it again. Give a key only once the cluster uses it: in a program that
 * creates or updates the cluster, an output of the cluster resource (so the Job waits for that update);
 * for a cluster managed elsewhere, the key its API reports. GKE rewrites Secrets itself after a key change;
 * EKS and AKS do not re-encrypt existing Secrets when encryption is first turned on.
 *
 * `rewrittenWith` resolves to the trigger only after the Job succeeded: `SelfManagedSecretsEncryption`'s
 * `retireAfter` takes it, so a retired key leaves the configuration only after the rewrite with the new key.
 *
 * Its ServiceAccount, ClusterRole and bindings carry `kube-secrets-platform.io/exempt-from:
 * secret-read.secret-write` so the policy pack can exempt exactly them by configuration
 * (`exemptSubject`).
 */
export class SecretsReencryption extends pulumi.ComponentResource {
  /** The Job's name (`secrets-reencrypt-<hash of trigger>`). */
  public readonly jobName: pulumi.Output<string>;
  /** The namespace the Job runs in. */
  public readonly jobNamespace: pulumi.Output<string>;
  /** The Job's ServiceAccount name. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** The subject to exempt from secret-read/secret-write findings, `ServiceAccount <namespace>/<name>`. */
  public readonly exemptSubject: pulumi.Output<string>;
  /** `[exemptSubject]`: the same shape every component that must read Secrets exposes. */
  public readonly exemptSubjects: pulumi.Output<string[]>;
  /** The trigger, resolved only once the Job has completed (Pulumi awaits the Job). */
  public readonly rewrittenWith: pulumi.Output<string>;

  constructor(name: string, args: SecretsReencryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SecretsReencryption", name, validateSecretsReencryption(args));
    super(typeToken("SecretsReencryption"), name, {}, opts);

    const labels = standardLabels("secrets-reencryption", name);
    const rbacLabels = { ...labels, [RBAC_EXEMPTION_LABEL]: REENCRYPTION_EXEMPTION_VALUE };

    const ns = new HardenedNamespace(childName(name, "ns"), { namespace: args.jobNamespace ?? "secrets-reencryption" }, { parent: this });
    this.jobNamespace = ns.namespaceName;

    const sa = new k8s.core.v1.ServiceAccount(
      childName(name, "sa"),
      { metadata: { name: "secrets-reencryption", namespace: this.jobNamespace, labels: rbacLabels }, automountServiceAccountToken: false },
      { parent: this },
    );
    this.serviceAccountName = sa.metadata.name;
    this.exemptSubject = pulumi.interpolate`ServiceAccount ${this.jobNamespace}/${this.serviceAccountName}`;
    this.exemptSubjects = this.exemptSubject.apply((s) => [s]);

    const role = new k8s.rbac.v1.ClusterRole(
      childName(name, "role"),
      {
        metadata: { labels: rbacLabels },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "update"] }],
      },
      { parent: this },
    );
    const subjects = [{ kind: "ServiceAccount", name: this.serviceAccountName, namespace: this.jobNamespace }];
    const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name };
    const bindings: pulumi.Resource[] = args.namespaces
      ? args.namespaces.map(
          (target) =>
            new k8s.rbac.v1.RoleBinding(
              childName(name, `binding-${target}`),
              { metadata: { namespace: target, labels: rbacLabels }, roleRef, subjects },
              { parent: this },
            ),
        )
      : [new k8s.rbac.v1.ClusterRoleBinding(childName(name, "binding"), { metadata: { labels: rbacLabels }, roleRef, subjects }, { parent: this })];

    const res = args.resources ?? {};
    const deadline = args.activeDeadlineSeconds ?? 3600;
    const timeout = `${deadline + REENCRYPTION_TIMEOUT_MARGIN_SECONDS}s`;
    const job = new k8s.batch.v1.Job(
      childName(name, "job"),
      {
        metadata: {
          name: pulumi.output(args.trigger).apply((t) => `secrets-reencrypt-${triggerHash(t)}`),
          namespace: this.jobNamespace,
          labels,
          annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec: {
          backoffLimit: args.backoffLimit ?? 2,
          activeDeadlineSeconds: deadline,
          ttlSecondsAfterFinished: args.ttlSecondsAfterFinished ?? 86400,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: this.serviceAccountName,
              automountServiceAccountToken: true,
              restartPolicy: "Never",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "reencrypt",
                  image: args.image ?? DEFAULT_REENCRYPTION_IMAGE,
                  imagePullPolicy: "IfNotPresent",
                  command: ["/bin/sh", "-c", REENCRYPTION_SCRIPT],
                  env: [
                    { name: "NAMESPACES", value: (args.namespaces ?? []).join(" ") },
                    { name: "CHUNK_SIZE", value: pulumi.output(args.chunkSize ?? 100).apply(String) },
                    { name: "MAX_ATTEMPTS", value: pulumi.output(args.maxAttempts ?? 5).apply(String) },
                    { name: "TMPDIR", value: "/tmp" },
                    { name: "HOME", value: "/tmp" },
                  ],
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  resources: {
                    requests: { cpu: res.cpuRequest ?? "50m", memory: res.memoryRequest ?? "64Mi" },
                    limits: { memory: res.memoryLimit ?? "256Mi" },
                  },
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }],
            },
          },
        },
      },
      {
        parent: this,
        dependsOn: [sa, role, ...bindings],
        // Pulumi's default wait is 10 minutes; the Job may run until its deadline.
        customTimeouts: { create: timeout, update: timeout },
      },
    );
    this.jobName = job.metadata.name;
    // The Job's outputs resolve after Pulumi's await logic saw it complete.
    this.rewrittenWith = pulumi.all([job.status, args.trigger]).apply(([, t]) => t);

    this.registerOutputs({
      jobName: this.jobName,
      jobNamespace: this.jobNamespace,
      serviceAccountName: this.serviceAccountName,
      exemptSubject: this.exemptSubject,
      exemptSubjects: this.exemptSubjects,
      rewrittenWith: this.rewrittenWith,
    });
  }
}
