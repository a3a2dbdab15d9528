import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { test } from "node:test";
import {
  CLUSTER_WIDE_ANNOTATION,
  NAMESPACE_WIDE_ANNOTATION,
  SEALING_SCOPES,
  SealingError,
  scopeAnnotations,
  scopeFromAnnotations,
  sealValue,
  unsealValue,
  type SealingScope,
} from "../../../components";
import { selfSignedCertificate, testKeyPair } from "./testCerts";

const u8 = (b: Buffer): Uint8Array => b as unknown as Uint8Array;
const sha256 = (b: Buffer): Buffer => crypto.createHash("sha256").update(u8(b)).digest();

/** MGF1 with SHA-256 (RFC 8017 B.2.1), written out so the test does not rely on OpenSSL's OAEP. */
function mgf1(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; Buffer.concat(out.map(u8)).length < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter, 0);
    out.push(sha256(Buffer.concat([seed, c].map(u8))));
  }
  return Buffer.concat(out.map(u8)).subarray(0, length);
}
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((x, i) => x ^ b[i]));

/** RSA-OAEP decoding by hand (RFC 8017 7.1.2) on top of raw RSA: returns the message or throws. */
function oaepDecrypt(privateKey: crypto.KeyObject, ciphertext: Buffer, label: Buffer): Buffer {
  const em = crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_NO_PADDING }, u8(ciphertext));
  const hLen = 32;
  assert.equal(em[0], 0, "EM starts with 0x00");
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1(maskedDb, hLen));
  const db = xor(maskedDb, mgf1(seed, maskedDb.length));
  assert.deepEqual(db.subarray(0, hLen), sha256(label), "lHash = SHA-256(label): the label is bound");
  const one = db.indexOf(1, hLen);
  assert.ok(db.subarray(hLen, one).every((x) => x === 0), "PS is zeros");
  return db.subarray(one + 1);
}

/** RSA-OAEP encoding by hand with a chosen seed (for a known-answer ciphertext). */
function oaepEncrypt(publicKey: crypto.KeyObject, message: Buffer, label: Buffer, seed: Buffer): Buffer {
  const k = publicKey.asymmetricKeyDetails!.modulusLength! / 8;
  const hLen = 32;
  const db = Buffer.concat([sha256(label), Buffer.alloc(k - message.length - 2 * hLen - 2), Buffer.from([1]), message].map(u8));
  const maskedDb = xor(db, mgf1(seed, db.length));
  const maskedSeed = xor(seed, mgf1(maskedDb, hLen));
  const em = Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb].map(u8));
  return crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING }, u8(em));
}

const label = (scope: SealingScope, ns: string, name: string) =>
  Buffer.from(scope === "cluster-wide" ? "" : scope === "namespace-wide" ? ns : `${ns}/${name}`, "utf8");

for (const bits of [2048, 4096]) {
  test(`sealValue/unsealValue: round trip in every scope with a ${bits}-bit key`, () => {
    const key = testKeyPair(bits);
    const values: Array<string | Buffer> = ["s3cr3t-p@ss", "", "ünïcødé ✓", crypto.randomBytes(1000)];
    for (const scope of SEALING_SCOPES) {
      for (const value of values) {
        const sealed = sealValue({ certificatePem: key.certificatePem, namespace: "team-a", name: "db", scope, value });
        const plain = unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "team-a", name: "db", scope, sealed });
        assert.deepEqual(plain, typeof value === "string" ? Buffer.from(value, "utf8") : value, `${scope} round trip`);
      }
    }
  });

  test(`sealValue: the exact kubeseal byte layout with a ${bits}-bit key, decoded independently`, () => {
    const key = testKeyPair(bits);
    const k = bits / 8;
    for (const scope of SEALING_SCOPES) {
      const value = "hello, sealed world";
      const sealed = sealValue({ certificatePem: key.certificatePem, namespace: "team-a", name: "db", scope, value });
      assert.match(sealed, /^[A-Za-z0-9+/]+={0,2}$/, "standard padded base64");
      assert.equal(sealed.length % 4, 0, "padded");
      const bytes = Buffer.from(sealed, "base64");
      assert.equal(bytes.readUInt16BE(0), k, "2-byte big-endian length prefix = modulus size in bytes");
      assert.equal(bytes.length, 2 + k + Buffer.byteLength(value) + 16, "prefix + RSA block + AES-GCM ciphertext + 16-byte tag");
      assert.ok(sealed.startsWith(bits === 4096 ? "Ag" : "AQ"), `a ${bits}-bit key gives output starting with ${bits === 4096 ? "Ag" : "AQ"}`);

      // RSA-OAEP with SHA-256 and MGF1-SHA-256 and the scope's label, decoded by hand.
      const sessionKey = oaepDecrypt(key.privateKey, bytes.subarray(2, 2 + k), label(scope, "team-a", "db"));
      assert.equal(sessionKey.length, 32, "32-byte session key");
      // ... and OpenSSL agrees.
      assert.deepEqual(
        crypto.privateDecrypt(
          { key: key.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: u8(label(scope, "team-a", "db")) as NodeJS.TypedArray },
          u8(bytes.subarray(2, 2 + k)),
        ),
        sessionKey,
      );
      // AES-256-GCM, 12 zero bytes of nonce, no additional data, tag appended.
      const aes = bytes.subarray(2 + k);
      const decipher = crypto.createDecipheriv("aes-256-gcm", u8(sessionKey), u8(Buffer.alloc(12)));
      decipher.setAuthTag(u8(aes.subarray(aes.length - 16)));
      const plain = Buffer.concat([decipher.update(u8(aes.subarray(0, aes.length - 16))), decipher.final()].map(u8));
      assert.equal(plain.toString("utf8"), value);
    }
  });
}

test("unsealValue: decrypts a known-answer value built by hand (fixed session key and OAEP seed)", () => {
  const key = testKeyPair(2048);
  const sessionKey = Buffer.alloc(32, 7);
  const seed = Buffer.alloc(32, 9);
  const value = Buffer.from("known answer");
  const rsa = oaepEncrypt(crypto.createPublicKey(key.privateKey), sessionKey, Buffer.from("ns/name"), seed);
  const cipher = crypto.createCipheriv("aes-256-gcm", u8(sessionKey), u8(Buffer.alloc(12)));
  const aes = Buffer.concat([cipher.update(u8(value)), cipher.final(), cipher.getAuthTag()].map(u8));
  // AES-256-GCM of "known answer" under key 0x07 x 32 and a zero nonce: 12 ciphertext bytes + 16 tag bytes.
  assert.equal(aes.toString("hex"), "0ab6cbc595b26a869270ea16" + "47cc06d94395de4e8a1485fa96f7eb00");
  const sealed = Buffer.concat([Buffer.from([0x01, 0x00]), rsa, aes].map(u8)).toString("base64");
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "ns", name: "name", sealed }).toString(), "known answer");
  assert.throws(() => unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "ns", name: "other", sealed }), SealingError);
});

test("unsealValue: the wrong name, namespace, scope, key or a tampered value fails", () => {
  const key = testKeyPair(2048);
  const other = testKeyPair(2048, true);
  const cert = key.certificatePem;
  const fails = (sealed: string, ns: string, name: string, scope: SealingScope, pem = key.privateKeyPem) =>
    assert.throws(
      () => unsealValue({ privateKeyPem: pem, namespace: ns, name, scope, sealed }),
      (e: unknown) => e instanceof SealingError && /cannot be decrypted|failed authentication/.test(e.message),
      `${ns}/${name} ${scope} must not unseal`,
    );
  const strict = sealValue({ certificatePem: cert, namespace: "team-a", name: "db", value: "x" });
  fails(strict, "team-a", "other", "strict");
  fails(strict, "team-b", "db", "strict");
  fails(strict, "team-a", "db", "namespace-wide");
  fails(strict, "team-a", "db", "cluster-wide");
  fails(strict, "team-a", "db", "strict", other.privateKeyPem);
  const nsWide = sealValue({ certificatePem: cert, namespace: "team-a", name: "db", scope: "namespace-wide", value: "x" });
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "team-a", name: "any-name", scope: "namespace-wide", sealed: nsWide }).toString(), "x");
  fails(nsWide, "team-b", "db", "namespace-wide");
  fails(nsWide, "team-a", "db", "strict");
  const clusterWide = sealValue({ certificatePem: cert, namespace: "team-a", name: "db", scope: "cluster-wide", value: "x" });
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "elsewhere", name: "z", scope: "cluster-wide", sealed: clusterWide }).toString(), "x");
  fails(clusterWide, "team-a", "db", "namespace-wide");

  const bytes = Buffer.from(strict, "base64");
  bytes[bytes.length - 20] ^= 1;
  fails(bytes.toString("base64"), "team-a", "db", "strict");
  assert.throws(() => unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "a", name: "b", sealed: "AQ==" }), /sealed: too short to be a sealed value/);
  assert.throws(() => unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "a", name: "b", sealed: "not base64!" }), /sealed: must be standard base64/);
  assert.throws(() => unsealValue({ privateKeyPem: "nope", namespace: "a", name: "b", sealed: strict }), /privateKeyPem: not a valid private key/);
});

test("sealValue: every call uses a fresh session key", () => {
  const key = testKeyPair(2048);
  const args = { certificatePem: key.certificatePem, namespace: "a", name: "b", value: "same" };
  assert.notEqual(sealValue(args), sealValue(args));
});

test("sealValue: clear errors for a bad certificate, a weak key, an unknown scope or a missing name", () => {
  const key = testKeyPair(2048);
  assert.throws(() => sealValue({ certificatePem: "garbage", namespace: "a", name: "b", value: "v" }), {
    name: "SealingError",
    message: "certificatePem: must be a PEM-encoded X.509 certificate (-----BEGIN CERTIFICATE-----)",
  });
  assert.throws(
    () => sealValue({ certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", namespace: "a", name: "b", value: "v" }),
    /^SealingError: certificatePem: not a valid X.509 certificate/,
  );
  const weak = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
  assert.throws(() => sealValue({ certificatePem: selfSignedCertificate(weak), namespace: "a", name: "b", value: "v" }), {
    message: "certificatePem: the RSA key must have at least 2048 bits, got 1024",
  });
  assert.throws(() => sealValue({ certificatePem: key.certificatePem, namespace: "a", name: "b", scope: "global" as never, value: "v" }), {
    message: `scope: must be one of strict, namespace-wide, cluster-wide, got "global"`,
  });
  assert.throws(() => sealValue({ certificatePem: key.certificatePem, namespace: "a", name: "", value: "v" }), { message: "name: required for strict scope" });
  assert.throws(() => sealValue({ certificatePem: key.certificatePem, namespace: "", name: "b", scope: "namespace-wide", value: "v" }), {
    message: "namespace: required for namespace-wide scope",
  });
  // cluster-wide needs neither.
  assert.ok(sealValue({ certificatePem: key.certificatePem, namespace: "", name: "", scope: "cluster-wide", value: "v" }).startsWith("AQ"));
});

test("scope annotations match kubeseal's", () => {
  assert.deepEqual(scopeAnnotations("strict"), {});
  assert.deepEqual(scopeAnnotations("namespace-wide"), { "sealedsecrets.bitnami.com/namespace-wide": "true" });
  assert.deepEqual(scopeAnnotations("cluster-wide"), { "sealedsecrets.bitnami.com/cluster-wide": "true" });
  assert.equal(scopeFromAnnotations(undefined), "strict");
  assert.equal(scopeFromAnnotations({ [NAMESPACE_WIDE_ANNOTATION]: "true" }), "namespace-wide");
  assert.equal(scopeFromAnnotations({ [CLUSTER_WIDE_ANNOTATION]: "true", [NAMESPACE_WIDE_ANNOTATION]: "true" }), "cluster-wide");
  assert.equal(scopeFromAnnotations({ [CLUSTER_WIDE_ANNOTATION]: "false" }), "strict");
});
