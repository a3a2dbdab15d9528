import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { z } from "zod";
import { standardLabels } from "../internal/labels";
import { childName, dns1123SubdomainProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { SEALING_SCOPES, certificatePublicKey, scopeAnnotations, sealValueWithSeed, type SealingScope } from "./crypto";

/** The served API version of SealedSecret. */
export const SEALED_SECRET_API_VERSION = "bitnami.com/v1alpha1";

/** A Secret data key: `[-._a-zA-Z0-9]+` (Kubernetes' `IsConfigMapKey`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Arguments of {@link SealedSecret}. */
export interface SealedSecretArgs {
  /** Namespace of the SealedSecret and of the Secret it becomes. Required (part of the sealing label). */
  namespace: pulumi.Input<string>;
  /** Name of the SealedSecret and of its Secret (RFC 1123 subdomain). Default: the resource name. */
  name?: pulumi.Input<string>;
  /**
   * PEM certificate of the controller that will unseal it (`SealedSecretsController.certificatePem`, or
   * `kubeseal --fetch-cert`). A new certificate reseals every value.
   */
  certificatePem: pulumi.Input<string>;
  /**
   * Sealing scope: `strict` (only this name in this namespace), `namespace-wide` (any name in this
   * namespace) or `cluster-wide`. Default `strict`. Non-strict scopes add kubeseal's annotation.
   */
  scope?: pulumi.Input<string>;
  /**
   * The plaintext values by Secret key (UTF-8 strings). They are made Pulumi secrets; the keys are plain,
   * because they are visible in the SealedSecret anyway. At least one key.
   */
  data: Record<string, pulumi.Input<string>>;
  /** Type of the Secret. Default `Opaque`. */
  type?: pulumi.Input<string>;
  /** Labels of the Secret (the template); the SealedSecret itself gets the standard `app.kubernetes.io/*` labels. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Annotations of the Secret (the template). */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Whether the Secret is immutable. Default `false`. */
  immutable?: pulumi.Input<boolean>;
  /**
   * Leave the SealedSecret (and so its Secret) in the cluster when this resource is removed from the
   * program. Default `true`: removing a component never deletes a Secret workloads may depend on.
   * A plain value: it decides how the resource is deleted.
   */
  retainOnDelete?: boolean;
}

const argsSchema = z.strictObject({
  namespace: input(z.string().min(1, { message: "must not be empty" })),
  name: input(z.string()).optional(),
  certificatePem: input(z.string()),
  scope: input(
    z.enum(SEALING_SCOPES, { error: (i) => `must be one of ${SEALING_SCOPES.join(", ")}, got ${JSON.stringify(i.input)}` }),
  ).optional(),
  data: z.record(z.string(), z.any()),
  type: input(z.string().min(1, { message: "must not be empty" })).optional(),
  labels: z.any().optional(),
  annotations: z.any().optional(),
  immutable: input(z.boolean()).optional(),
  retainOnDelete: z.boolean().optional(),
});

/**
 * Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values are checked
 * when they resolve (by the sealing itself). Shared by the constructor and the policy pack.
 */
export function validateSealedSecret(args: SealedSecretArgs, resourceName?: string): string[] {
  const problems = zodProblems(argsSchema, args);
  const name = known(args.name) ?? resourceName;
  if (typeof name === "string") problems.push(...dns1123SubdomainProblems(name).map((p) => `name: ${p}`));
  const ns = known(args.namespace);
  if (typeof ns === "string" && ns.length > 0) {
    problems.push(...dns1123SubdomainProblems(ns).map((p) => `namespace: ${p}`));
  }
  if (args.data && typeof args.data === "object" && !pulumi.Output.isInstance(args.data)) {
    const keys = Object.keys(args.data);
    if (keys.length === 0) problems.push("data: must hold at least one key");
    for (const key of keys) {
      if (!SECRET_KEY.test(key) || key.length > 253) problems.push(`data.${key}: the key must match [-._a-zA-Z0-9]+ (at most 253 characters)`);
    }
  }
  const cert = known(args.certificatePem);
  if (typeof cert === "string") {
    try {
      certificatePublicKey(cert);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}

/**
 * A `bitnami.com/v1alpha1` SealedSecret sealed from Pulumi secret inputs with the controller's
 * certificate, in kubeseal's exact format (see `sealValue`). The template carries the Secret's type,
 * labels and annotations; non-strict scopes carry kubeseal's scope annotation on both.
 *
 * Ciphertexts are stable: running `pulumi up` again with the same values, scope, name, namespace and
 * certificate changes nothing; changing one of them reseals only what it affects (a value: that key;
 * anything else: every key). This uses no dynamic provider (those cannot run when the component is used
 * from Python, Go, .NET or YAML): the sealing randomness comes from a 32-byte secret seed, a child
 * `random.RandomBytes` named `<name>-seal-seed` (see `sealValueWithSeed`). The plaintext is only ever a secret input; the ciphertexts are not secret,
 * because a SealedSecret is designed to be published (for example committed to Git).
 */
export class SealedSecret extends pulumi.ComponentResource {
  /** Name of the SealedSecret (and of the Secret the controller creates). */
  public readonly sealedSecretName: pulumi.Output<string>;
  /** Its namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The ciphertext per key, as in `spec.encryptedData`. */
  public readonly encryptedData: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: SealedSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SealedSecret", name, validateSealedSecret(args, name));
    super(typeToken("SealedSecret"), name, {}, opts);

    const secretName = pulumi.output(args.name ?? name);
    const namespace = pulumi.output(args.namespace);
    const scope = pulumi.output(args.scope ?? "strict");
    const keys = Object.keys(args.data).sort();
    const values = pulumi.secret(pulumi.output(args.data));

    // Stable ciphertexts without a dynamic provider (which cannot run from Python/Go/.NET/YAML:
    // pulumi/pulumi#5455): the sealing randomness is derived from a secret seed kept in state by a
    // `random.RandomBytes` (an ordinary provider resource), so the same inputs seal to the same text on every
    // run and a changed value, certificate, scope, name or namespace reseals exactly what it affects. A
    // certificate or seed without a value has not been computed by its provider yet (a preview, or the mock
    // runtime of tests): the ciphertexts are then unknown.
    // (The random SDK registers RandomBytes' base64/hex as secret outputs itself.)
    const seed = new random.RandomBytes(childName(name, "seal-seed"), { length: 32 }, { parent: this });
    const sealedValues = pulumi
      .all([args.certificatePem, namespace, secretName, scope, values, seed.base64])
      .apply(([cert, ns, n, s, vals, seedB64]) => {
        if (!cert || !seedB64) return undefined;
        const out: Record<string, string> = {};
        for (const key of keys) {
          // A value not computed yet (a provider-computed one under the mock runtime) stays unknown too.
          if (vals[key] === undefined || vals[key] === null) continue;
          out[key] = sealValueWithSeed({ certificatePem: cert, namespace: ns, name: n, scope: s as SealingScope, value: vals[key], dataKey: key, seed: Buffer.from(seedB64, "base64") });
        }
        return out;
      });
    // Ciphertext is meant to be public: it is deliberately not a secret (it derives from secrets).
    this.encryptedData = pulumi.unsecret(sealedValues) as pulumi.Output<Record<string, string>>;

    const encryptedData: Record<string, pulumi.Output<string>> = {};
    for (const key of keys) {
      encryptedData[key] = this.encryptedData.apply((e) => (e?.[key] === undefined ? (pulumi.unknown as unknown as string) : e[key]));
    }

    const annotations = scope.apply((s) => scopeAnnotations(s as SealingScope));
    const templateAnnotations = pulumi
      .all([args.annotations ?? {}, annotations])
      .apply(([extra, scoped]) => (Object.keys({ ...extra, ...scoped }).length > 0 ? { ...extra, ...scoped } : undefined));
    const sealed = new k8s.apiextensions.CustomResource(
      childName(name, "sealed-secret"),
      {
        apiVersion: SEALED_SECRET_API_VERSION,
        kind: "SealedSecret",
        metadata: {
          name: secretName,
          namespace,
          labels: standardLabels("sealed-secret", name),
          annotations: annotations.apply((a) => (Object.keys(a).length > 0 ? a : undefined)),
        },
        spec: {
          encryptedData,
          template: {
            type: args.type ?? "Opaque",
            immutable: args.immutable,
            metadata: { name: secretName, namespace, labels: args.labels, annotations: templateAnnotations },
          },
        },
      },
      { parent: this, retainOnDelete: args.retainOnDelete ?? true },
    );
    this.sealedSecretName = sealed.metadata.name;
    this.namespace = namespace;

    this.registerOutputs({ sealedSecretName: this.sealedSecretName, namespace: this.namespace, encryptedData: this.encryptedData });
  }
}
