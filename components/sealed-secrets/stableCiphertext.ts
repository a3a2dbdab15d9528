/**
 * The dynamic provider that keeps SealedSecret ciphertexts stable across `pulumi up` runs.
 *
 * Sealing is randomized, so the program proposes fresh ciphertexts on every run (input `encryptedData`).
 * The provider stores, per key, an HMAC-SHA256 of everything the ciphertext depends on (certificate
 * fingerprint, scope, namespace, name, key, value) under a random 32-byte key kept only in its own state
 * (a secret output). `diff` recomputes those hashes for the new inputs: when none changed it reports no
 * changes and the engine keeps the old outputs, so the SealedSecret built from them does not change;
 * `update` keeps the old ciphertext of every key whose hash is unchanged and takes the proposal for the
 * others. The hash is keyed so that state never holds a plain hash a low-entropy value could be guessed from.
 *
 * Under the mock runtime (tests, offline plan) a resource's outputs are its inputs, so the proposed
 * ciphertexts are what the SealedSecret gets: real, freshly sealed values.
 *
 * The provider object is serialized into the resource's `__provider` input by Pulumi: it must capture
 * nothing but the `node:crypto` module (no values, no secrets).
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Inputs of the dynamic resource (what the provider receives, secrets unwrapped). */
export interface StableCiphertextInputs {
  certificatePem: string;
  namespace: string;
  name: string;
  scope: string;
  /** Plaintext values by key (a secret input). */
  values: Record<string, string>;
  /** Freshly sealed ciphertexts by key, proposed by the program. */
  encryptedData: Record<string, string>;
}

/** Outputs kept in state. */
export interface StableCiphertextOutputs {
  encryptedData: Record<string, string>;
  /** Base64 HMAC key (secret output). */
  hashKey: string;
  /** Base64 HMAC per key. */
  hashes: Record<string, string>;
}

function fingerprints(hashKey: string, inputs: StableCiphertextInputs): Record<string, string> {
  const cert = new crypto.X509Certificate(inputs.certificatePem).fingerprint256;
  const out: Record<string, string> = {};
  for (const key of Object.keys(inputs.values).sort()) {
    const material = JSON.stringify(["v1", cert, inputs.scope, inputs.namespace, inputs.name, key, inputs.values[key]]);
    out[key] = crypto.createHmac("sha256", Buffer.from(hashKey, "base64") as unknown as Uint8Array).update(material).digest("base64");
  }
  return out;
}

/** Keys whose ciphertext must change from `olds` to `news` (added, removed or with a changed hash). */
export function changedKeys(olds: StableCiphertextOutputs, news: StableCiphertextInputs): string[] {
  const all = [...new Set([...Object.keys(news.values ?? {}), ...Object.keys(olds.hashes ?? {})])].sort();
  if (!olds.hashKey || !olds.hashes) return all;
  let now: Record<string, string>;
  try {
    now = fingerprints(olds.hashKey, news);
  } catch {
    // Not computable, e.g. a certificate that is still unknown during a preview: everything may change.
    return all;
  }
  const keys = new Set([...Object.keys(now), ...Object.keys(olds.hashes)]);
  return [...keys].filter((k) => now[k] === undefined || now[k] !== olds.hashes[k] || olds.encryptedData?.[k] === undefined).sort();
}

function outputsFor(hashKey: string, news: StableCiphertextInputs, keep: Record<string, string>): StableCiphertextOutputs {
  const encryptedData: Record<string, string> = {};
  for (const key of Object.keys(news.values).sort()) {
    const proposed = news.encryptedData[key];
    if (keep[key] === undefined && proposed === undefined) throw new Error(`no ciphertext proposed for key "${key}"`);
    encryptedData[key] = keep[key] ?? proposed;
  }
  return { encryptedData, hashKey, hashes: fingerprints(hashKey, news) };
}

/** What `create` stores: the proposed ciphertexts and their hashes under a fresh HMAC key. */
export function createOutputs(inputs: StableCiphertextInputs): StableCiphertextOutputs {
  return outputsFor(crypto.randomBytes(32).toString("base64"), inputs, {});
}

/** What `update` stores: old ciphertexts for unchanged keys, the proposals for the others. */
export function updateOutputs(olds: StableCiphertextOutputs, news: StableCiphertextInputs): StableCiphertextOutputs {
  const changed = new Set(changedKeys(olds, news));
  const keep: Record<string, string> = {};
  for (const key of Object.keys(news.values)) {
    if (!changed.has(key) && olds.encryptedData?.[key] !== undefined) keep[key] = olds.encryptedData[key];
  }
  return outputsFor(olds.hashKey || crypto.randomBytes(32).toString("base64"), news, keep);
}

/** The provider. Exported for tests, which drive it the way the engine would. */
export const stableCiphertextProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: StableCiphertextInputs) {
    return { id: crypto.randomUUID(), outs: createOutputs(inputs) };
  },

  async diff(_id: string, olds: StableCiphertextOutputs, news: StableCiphertextInputs) {
    const changed = changedKeys(olds, news);
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
  },

  async update(_id: string, olds: StableCiphertextOutputs, news: StableCiphertextInputs) {
    return { outs: updateOutputs(olds, news) };
  },
};

/** Dynamic resource args: every field an Input. */
export interface StableCiphertextArgs {
  certificatePem: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  name: pulumi.Input<string>;
  scope: pulumi.Input<string>;
  values: pulumi.Input<Record<string, pulumi.Input<string>>>;
  encryptedData: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Pins the ciphertexts of one SealedSecret (see the module comment). Internal to `SealedSecret`. */
export class StableCiphertext extends pulumi.dynamic.Resource {
  /** The ciphertext per key: the pinned one, or the proposal for keys that changed. */
  public declare readonly encryptedData: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: StableCiphertextArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      stableCiphertextProvider,
      name,
      { ...args, values: pulumi.secret(args.values), encryptedData: args.encryptedData, hashKey: undefined, hashes: undefined },
      { ...opts, additionalSecretOutputs: ["values", "hashKey"] },
      "kube-secrets-platform",
      "StableCiphertext",
    );
  }
}
