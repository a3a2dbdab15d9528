/**
 * kubeseal-compatible hybrid encryption (pure functions, no Pulumi): what `kubeseal --raw` produces and
 * what the controller (or `kubeseal --recovery-unseal`) decrypts.
 *
 * Format of one sealed value (checked against bitnami-labs/sealed-secrets `pkg/crypto` and
 * `pkg/apis/sealedsecrets/v1alpha1`):
 *
 *   uint16 big-endian length of the RSA ciphertext || RSA-OAEP(SHA-256, MGF1-SHA-256, label)(sessionKey)
 *   || AES-256-GCM(sessionKey, nonce = 12 zero bytes, no additional data)(value) with its 16-byte tag appended
 *
 * and the whole byte string is standard padded base64. The session key is 32 fresh random bytes per value,
 * which is what makes the all-zero nonce safe. The OAEP label binds the ciphertext to where it may be
 * unsealed: `<namespace>/<name>` (strict), `<namespace>` (namespace-wide) or empty (cluster-wide).
 */
import * as crypto from "node:crypto";

/** The sealing scopes kubeseal knows, in its own spelling (`kubeseal --scope`). */
export const SEALING_SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
export type SealingScope = (typeof SEALING_SCOPES)[number];

/** Annotation (value `"true"`) that marks a SealedSecret (and its Secret) as namespace-wide. */
export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";
/** Annotation (value `"true"`) that marks a SealedSecret (and its Secret) as cluster-wide. */
export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
/** Label the controller puts on its key Secrets (`active`, or `compromised` for retired keys). */
export const SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

const SESSION_KEY_BYTES = 32;
/**
 * Buffer as Uint8Array: the pinned @types/node predates TypeScript's generic typed arrays, so a Buffer
 * does not type-check where Node's crypto expects a Uint8Array (it is one at run time).
 */
const u8 = (b: Buffer): Uint8Array => b as unknown as Uint8Array;
const GCM_NONCE = Buffer.alloc(12, 0);
const GCM_TAG_BYTES = 16;

/** Arguments of {@link sealValue}. */
export interface SealValueArgs {
  /** PEM of the controller's certificate (`kubeseal --fetch-cert`). Only its RSA public key is used. */
  certificatePem: string;
  /** Namespace of the Secret the value belongs to (part of the label unless cluster-wide). */
  namespace: string;
  /** Name of the Secret the value belongs to (part of the label for strict scope). */
  name: string;
  /** Sealing scope. Default `strict`. */
  scope?: SealingScope;
  /** The plaintext: a string (encoded as UTF-8) or raw bytes. */
  value: string | Buffer;
}

/** Arguments of {@link unsealValue}. */
export interface UnsealValueArgs {
  /** PEM (PKCS#1 or PKCS#8) of the controller's private key, e.g. `tls.key` of a key Secret. */
  privateKeyPem: string;
  namespace: string;
  name: string;
  /** Scope the value was sealed with. Default `strict`. */
  scope?: SealingScope;
  /** Base64 of a sealed value, as in a SealedSecret's `spec.encryptedData`. */
  sealed: string;
}

/** Thrown for a certificate, key, scope or ciphertext that cannot be used; the message says why. */
export class SealingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealingError";
  }
}

/** The OAEP label for a scope (kubeseal's `EncryptionLabel`). */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope = "strict"): Buffer {
  switch (scope) {
    case "cluster-wide":
      return Buffer.alloc(0);
    case "namespace-wide":
      return Buffer.from(namespace, "utf8");
    case "strict":
      return Buffer.from(`${namespace}/${name}`, "utf8");
    default:
      throw new SealingError(`scope: must be one of ${SEALING_SCOPES.join(", ")}, got ${JSON.stringify(scope)}`);
  }
}

/** The annotations a SealedSecret (and the Secret it becomes) carries for a scope. */
export function scopeAnnotations(scope: SealingScope = "strict"): Record<string, string> {
  if (scope === "namespace-wide") return { [NAMESPACE_WIDE_ANNOTATION]: "true" };
  if (scope === "cluster-wide") return { [CLUSTER_WIDE_ANNOTATION]: "true" };
  if (scope === "strict") return {};
  throw new SealingError(`scope: must be one of ${SEALING_SCOPES.join(", ")}, got ${JSON.stringify(scope)}`);
}

/** The scope an object's annotations declare (kubeseal's `SecretScope`): cluster-wide wins, default strict. */
export function scopeFromAnnotations(annotations: Record<string, string> | undefined): SealingScope {
  if (annotations?.[CLUSTER_WIDE_ANNOTATION] === "true") return "cluster-wide";
  if (annotations?.[NAMESPACE_WIDE_ANNOTATION] === "true") return "namespace-wide";
  return "strict";
}

/**
 * The RSA public key of a PEM certificate. Throws {@link SealingError} for anything that is not one
 * X.509 certificate with an RSA key of at least 2048 bits.
 */
export function certificatePublicKey(certificatePem: string): crypto.KeyObject {
  return rsaCertificate(certificatePem).publicKey;
}

/** {@link certificatePublicKey} and the certificate's DER, from one parse. */
function rsaCertificate(certificatePem: string): { publicKey: crypto.KeyObject; der: Buffer } {
  if (typeof certificatePem !== "string" || !certificatePem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SealingError("certificatePem: must be a PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE-----)");
  }
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(certificatePem);
  } catch (e) {
    throw new SealingError(`certificatePem: not a valid X.509 certificate (${(e as Error).message})`);
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== "rsa") {
    throw new SealingError(`certificatePem: the certificate's key must be RSA, got ${key.asymmetricKeyType ?? "unknown"}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new SealingError(`certificatePem: the RSA key must have at least 2048 bits, got ${bits}`);
  return { publicKey: key, der: cert.raw };
}

function checkScope(scope: unknown): SealingScope {
  if (scope === undefined) return "strict";
  if (typeof scope === "string" && (SEALING_SCOPES as readonly string[]).includes(scope)) return scope as SealingScope;
  throw new SealingError(`scope: must be one of ${SEALING_SCOPES.join(", ")}, got ${JSON.stringify(scope)}`);
}

/** Offline-plan sealing settings (see {@link useOfflineSealing}); undefined in every real run. */
interface OfflineSealing {
  /** Placeholder strings standing for `secure` values the plan cannot decrypt. */
  placeholders: ReadonlySet<string>;
  /** A certificate whose private key no one has: placeholders are sealed to it. */
  discardCertificatePem: string;
}
let offlineSealing: OfflineSealing | undefined;

/**
 * For the offline plan only (`npm run plan` sets it around its mock run and restores it afterwards; no real
 * run ever calls it): a value in `placeholders` is sealed to `discardCertificatePem`, never to the stack's
 * certificate. (Plans need nothing more to be deterministic: SealedSecret seals with {@link sealValueWithSeed},
 * and the plan's mock state derives each seed from its resource.) Returns the function that restores the
 * previous setting.
 */
export function useOfflineSealing(settings: OfflineSealing): () => void {
  const previous = offlineSealing;
  offlineSealing = settings;
  return () => {
    offlineSealing = previous;
  };
}

/**
 * Seals one value exactly as `kubeseal --raw --scope <scope> --namespace <ns> --name <name>` does and
 * returns the base64 text that goes into `spec.encryptedData`. Every call uses a fresh session key, so
 * two calls never return the same text (see `sealValueWithSeed` for stable ciphertexts).
 */
export function sealValue(args: {
  certificatePem: string;
  namespace: string;
  name: string;
  scope?: "strict" | "namespace-wide" | "cluster-wide";
  value: string | Buffer;
}): string {
  return seal(args, (publicKey, label) => {
    const sessionKey = crypto.randomBytes(SESSION_KEY_BYTES);
    const rsa = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: u8(label) as NodeJS.TypedArray }, u8(sessionKey));
    return { sessionKey, rsa };
  });
}

/** Arguments of {@link sealValueWithSeed}. */
export interface SealValueWithSeedArgs extends SealValueArgs {
  /** A secret of at least 32 random bytes (e.g. a `random.RandomBytes` kept in state). */
  seed: Buffer;
  /** The Secret data key the value is for (part of the derivation, so equal values under two keys differ). */
  dataKey: string;
}

/**
 * `sealValue` with its randomness derived from `seed`: the same seed, certificate, scope, namespace, name,
 * data key and value give the same text, so a program that seals on every run changes nothing until one of
 * them changes (the SealedSecret component uses it instead of a dynamic provider). The output is the same
 * format kubeseal writes and the controller decrypts (RSA-OAEP with SHA-256 and the scope label, then
 * AES-256-GCM with a zero nonce): the 32-byte session key and the OAEP seed are HMAC-SHA256 outputs keyed
 * by `seed` over all of those inputs (RFC 8017 section 7.1.1 encoding, done here because Node's OAEP padding
 * always draws its own seed). A session key is thus used for exactly one plaintext, which the zero GCM nonce
 * requires. What it reveals beyond `sealValue`: that two runs sealed the same inputs.
 */
export function sealValueWithSeed(args: SealValueWithSeedArgs): string {
  if (!Buffer.isBuffer(args.seed) || args.seed.length < 32) throw new SealingError("seed: must be at least 32 bytes");
  return seal(args, (publicKey, label, plaintext, certificateDer, scope) => {
    const mac = crypto.createHmac("sha256", u8(args.seed));
    for (const part of [crypto.createHash("sha256").update(u8(certificateDer)).digest(), Buffer.from(scope), Buffer.from(args.namespace), Buffer.from(args.name), Buffer.from(args.dataKey), plaintext]) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(part.length, 0);
      mac.update(u8(len)).update(u8(part));
    }
    const material = mac.digest();
    const derive = (purpose: string) => crypto.createHmac("sha256", u8(material)).update(purpose).digest();
    const sessionKey = derive("kube-secrets-platform sealing session key");
    const rsa = publicEncryptOaepSha256(publicKey, label, sessionKey, derive("kube-secrets-platform sealing oaep seed"));
    material.fill(0);
    return { sessionKey, rsa };
  });
}

function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter, 0);
    out.push(crypto.createHash("sha256").update(u8(seed)).update(u8(c)).digest());
  }
  return Buffer.concat(out.map(u8)).subarray(0, length);
}

/** RSAES-OAEP-ENCRYPT (RFC 8017 7.1.1) with SHA-256 and MGF1-SHA-256, with the given 32-byte seed. */
function publicEncryptOaepSha256(publicKey: crypto.KeyObject, label: Buffer, message: Buffer, seed: Buffer): Buffer {
  const k = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const hLen = 32;
  if (message.length > k - 2 * hLen - 2) throw new SealingError("the RSA key is too small for the session key");
  const lHash = crypto.createHash("sha256").update(u8(label)).digest();
  const db = Buffer.concat([lHash, Buffer.alloc(k - message.length - 2 * hLen - 2), Buffer.from([1]), message].map(u8));
  const dbMask = mgf1Sha256(seed, k - hLen - 1);
  const maskedDb = Buffer.from(db.map((b, i) => b ^ dbMask[i]));
  const seedMask = mgf1Sha256(maskedDb, hLen);
  const maskedSeed = Buffer.from(seed.map((b, i) => b ^ seedMask[i]));
  const em = Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb].map(u8));
  return crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING }, u8(em));
}

/** The kubeseal format around an RSA-encrypted session key supplied by `encryptKey`. */
function seal(
  args: SealValueArgs,
  encryptKey: (publicKey: crypto.KeyObject, label: Buffer, plaintext: Buffer, certificateDer: Buffer, scope: SealingScope) => { sessionKey: Buffer; rsa: Buffer },
): string {
  const scope = checkScope(args.scope);
  const offline = offlineSealing;
  // Offline plan: a placeholder of a `secure` value is never sealed with a real certificate.
  const certificatePem = offline && typeof args.value === "string" && offline.placeholders.has(args.value) ? offline.discardCertificatePem : args.certificatePem;
  const { publicKey, der } = rsaCertificate(certificatePem);
  if (scope !== "cluster-wide" && !args.namespace) throw new SealingError(`namespace: required for ${scope} scope`);
  if (scope === "strict" && !args.name) throw new SealingError("name: required for strict scope");
  const plaintext = typeof args.value === "string" ? Buffer.from(args.value, "utf8") : args.value;
  const label = encryptionLabel(args.namespace, args.name, scope);
  const { sessionKey, rsa: rsaCiphertext } = encryptKey(publicKey, label, plaintext, der, scope);
  const cipher = crypto.createCipheriv("aes-256-gcm", u8(sessionKey), u8(GCM_NONCE), { authTagLength: GCM_TAG_BYTES });
  const aesCiphertext = Buffer.concat([cipher.update(u8(plaintext)), cipher.final(), cipher.getAuthTag()].map(u8));
  sessionKey.fill(0);

  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(rsaCiphertext.length, 0);
  return Buffer.concat([prefix, rsaCiphertext, aesCiphertext].map(u8)).toString("base64");
}

/**
 * Decrypts a sealed value with the controller's private key (what `kubeseal --recovery-unseal` does).
 * Throws {@link SealingError} when the key, namespace, name or scope does not match what it was sealed for.
 */
export function unsealValue(args: UnsealValueArgs): Buffer {
  const scope = checkScope(args.scope);
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(args.privateKeyPem);
  } catch (e) {
    throw new SealingError(`privateKeyPem: not a valid private key (${(e as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw new SealingError("privateKeyPem: must be an RSA private key");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(args.sealed)) throw new SealingError("sealed: must be standard base64");
  const data = Buffer.from(args.sealed, "base64");
  if (data.length < 2) throw new SealingError("sealed: too short to be a sealed value");
  const rsaLength = data.readUInt16BE(0);
  if (data.length < 2 + rsaLength + GCM_TAG_BYTES) throw new SealingError("sealed: too short to be a sealed value");
  const rsaCiphertext = data.subarray(2, 2 + rsaLength);
  const aesCiphertext = data.subarray(2 + rsaLength);

  let sessionKey: Buffer;
  try {
    sessionKey = crypto.privateDecrypt(
      { key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: u8(encryptionLabel(args.namespace, args.name, scope)) as NodeJS.TypedArray },
      u8(rsaCiphertext),
    );
  } catch {
    throw new SealingError("sealed: cannot be decrypted with this key for this namespace, name and scope");
  }
  if (sessionKey.length !== SESSION_KEY_BYTES) throw new SealingError("sealed: the session key has the wrong length");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", u8(sessionKey), u8(GCM_NONCE), { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(u8(aesCiphertext.subarray(aesCiphertext.length - GCM_TAG_BYTES)));
    return Buffer.concat([decipher.update(u8(aesCiphertext.subarray(0, aesCiphertext.length - GCM_TAG_BYTES))), decipher.final()].map(u8));
  } catch {
    throw new SealingError("sealed: the value failed authentication (corrupted or tampered with)");
  } finally {
    sessionKey.fill(0);
  }
}
