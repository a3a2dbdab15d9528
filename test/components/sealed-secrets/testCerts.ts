/**
 * Real RSA keys and self-signed X.509 certificates for tests, built with Node's crypto only (Node can
 * parse certificates but not issue them: this writes the DER of a minimal v3 certificate and signs it
 * with sha256WithRSAEncryption).
 */
import * as crypto from "node:crypto";

const u8 = (b: Buffer): Uint8Array => b as unknown as Uint8Array;

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts.map(u8));
  let len: Buffer;
  if (body.length < 0x80) len = Buffer.from([body.length]);
  else {
    const bytes: number[] = [];
    for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body].map(u8));
}
const seq = (...p: Buffer[]) => der(0x30, ...p);
const set = (...p: Buffer[]) => der(0x31, ...p);
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
const utcTime = (d: Date) => der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z", "ascii"));
const SHA256_RSA = seq(oid("1.2.840.113549.1.1.11"), der(0x05));

/**
 * A self-signed certificate (PEM) for `privateKey`, subject `CN=<commonName>`, valid 2026-01-01 to 2036-01-01
 * unless `validity` says otherwise (years 1950-2049: UTCTime).
 */
export function selfSignedCertificate(privateKey: crypto.KeyObject, commonName = "sealed-secret", validity?: { notBefore: Date; notAfter: Date }): string {
  const publicKey = crypto.createPublicKey(privateKey);
  const name = seq(set(seq(oid("2.5.4.3"), utf8(commonName))));
  const serial = crypto.randomBytes(16);
  // A DER INTEGER must be minimal and positive: first byte neither 0x00 (OpenSSL rejects the padding) nor
  // >= 0x80 (negative). Clearing only the top bit failed 1 run in 128.
  serial[0] = (serial[0] & 0x3f) | 0x40;
  const now = validity?.notBefore ?? new Date("2026-01-01T00:00:00Z");
  const later = validity?.notAfter ?? new Date("2036-01-01T00:00:00Z");
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    SHA256_RSA,
    name,
    seq(utcTime(now), utcTime(later)),
    name,
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = crypto.sign("sha256", u8(tbs), privateKey);
  const cert = seq(tbs, SHA256_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature].map(u8))));
  const b64 = cert.toString("base64").replace(/(.{64})/g, "$1\n").trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export interface TestKeyPair {
  privateKey: crypto.KeyObject;
  privateKeyPem: string;
  certificatePem: string;
  bits: number;
}

const cache = new Map<number, TestKeyPair>();

/** A generated RSA key of `bits` bits with its self-signed certificate (one per size per process). */
export function testKeyPair(bits: number, fresh = false): TestKeyPair {
  const hit = cache.get(bits);
  if (hit && !fresh) return hit;
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits });
  const pair = {
    privateKey,
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    certificatePem: selfSignedCertificate(privateKey),
    bits,
  };
  if (!fresh) cache.set(bits, pair);
  return pair;
}
