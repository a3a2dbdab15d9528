/**
 * Value rules shared by the stack sections, each checked the way the program that reads the value does:
 * Kubernetes quantities (apimachinery `resource.ParseQuantity`), Go durations (`time.ParseDuration`), CIDR
 * lists (what the union admits), file paths on nodes, container image references, X.509 validity windows,
 * ISO 8601 durations (Azure Key Vault rotation policies).
 */
import { X509Certificate } from "node:crypto";
import { z } from "zod";
import { parseGoDuration } from "../../components/internal/duration";

// --- Kubernetes quantities -------------------------------------------------------------------------------

/**
 * apimachinery's quantity grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go, `ParseQuantity`):
 * a signed decimal number and a suffix: binary SI (Ki…Ei), decimal SI (n, u, m, "", k, M, G, T, P, E) or a
 * decimal exponent (e3, E-2).
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a Kubernetes quantity in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const suffix = m[2] ?? "";
  const factor = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  const value = Number(m[1]) * factor;
  return Number.isFinite(value) ? value : undefined;
}

function formatBytes(n: number): string {
  for (const [s, f] of [["Ti", 2 ** 40], ["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]] as const) if (n >= f && n % f === 0) return `${n / f}${s}`;
  return String(n);
}

/**
 * zod: a Kubernetes quantity between `min` and `max` (base units). `unit` names them in messages
 * (`bytes` are shown as Ki/Mi/Gi/Ti, `cores` as plain numbers).
 */
export function quantity(options: { min: number; max: number; unit: "bytes" | "cores"; example: string }) {
  const show = (n: number) => (options.unit === "bytes" ? formatBytes(n) : String(n));
  return z.string().superRefine((v, ctx) => {
    const n = parseQuantity(v);
    if (n === undefined) ctx.addIssue({ code: "custom", message: `must be a Kubernetes quantity such as ${options.example}, got ${JSON.stringify(v)}` });
    else if (n < options.min || n > options.max) {
      ctx.addIssue({ code: "custom", message: `must be from ${show(options.min)} to ${show(options.max)}, got ${JSON.stringify(v)}` });
    }
  });
}

/** Volume sizes: 1Gi to 64Ti. */
export const VOLUME_SIZE = { min: 2 ** 30, max: 64 * 2 ** 40, unit: "bytes", example: "10Gi" } as const;
/** Container memory: 16Mi to 256Gi. */
export const CONTAINER_MEMORY = { min: 16 * 2 ** 20, max: 256 * 2 ** 30, unit: "bytes", example: "256Mi" } as const;
/** Container CPU: 1m to 64 cores. */
export const CONTAINER_CPU = { min: 0.001, max: 64, unit: "cores", example: "100m" } as const;

// --- Go durations ----------------------------------------------------------------------------------------

/**
 * zod: a Go duration (`time.ParseDuration`) from `min` to `max` seconds (`0` too with `allowZero`).
 * Negative durations never pass.
 */
export function boundedGoDuration(options: { minSeconds: number; maxSeconds: number; allowZero?: boolean; example: string }) {
  return z.string().superRefine((v, ctx) => {
    const ns = parseGoDuration(v);
    if (ns === undefined) return ctx.addIssue({ code: "custom", message: `must be a Go duration such as ${options.example}, got ${JSON.stringify(v)}` });
    const s = ns / 1e9;
    if (s === 0 && options.allowZero) return;
    if (s < 0) return ctx.addIssue({ code: "custom", message: `must not be negative, got ${JSON.stringify(v)}` });
    if (s < options.minSeconds || s > options.maxSeconds) {
      ctx.addIssue({ code: "custom", message: `must be from ${options.minSeconds}s to ${options.maxSeconds}s, got ${JSON.stringify(v)}` });
    }
  });
}

// --- CIDRs -----------------------------------------------------------------------------------------------

/** `[first, last]` address of an IPv4 CIDR (`a.b.c.d/n`, octets <= 255, n <= 32), or undefined. */
export function ipv4CidrRange(cidr: string): [bigint, bigint] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const addr = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  const size = 1n << BigInt(32 - prefix);
  const first = (addr / size) * size;
  return [first, first + size - 1n];
}

/** `[first, last]` of an IPv6 CIDR (`::/0`, `2001:db8::/32`), or undefined. */
export function ipv6CidrRange(cidr: string): [bigint, bigint] | undefined {
  const m = /^([0-9A-Fa-f:]+)\/(\d{1,3})$/.exec(cidr);
  if (!m || Number(m[2]) > 128) return undefined;
  const halves = m[1].split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill("0"), ...tail] : head;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const addr = groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
  const size = 1n << BigInt(128 - Number(m[2]));
  const first = (addr / size) * size;
  return [first, first + size - 1n];
}

/** True when the ranges together cover every address from 0 to `last`. */
function coversAll(ranges: Array<[bigint, bigint]>, last: bigint): boolean {
  let next = 0n;
  for (const [a, b] of [...ranges].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    if (a > next) return false;
    if (b + 1n > next) next = b + 1n;
    if (next > last) return true;
  }
  return next > last;
}

/**
 * Why a list of CIDRs allowed to reach something admits every address, or undefined: the union is computed,
 * so `0.0.0.0/1` + `128.0.0.0/1` is refused like `0.0.0.0/0` (and `::/0` for IPv6).
 */
export function cidrUnionProblem(cidrs: readonly string[]): string | undefined {
  const v4 = cidrs.map(ipv4CidrRange).filter((r): r is [bigint, bigint] => r !== undefined);
  const v6 = cidrs.map(ipv6CidrRange).filter((r): r is [bigint, bigint] => r !== undefined);
  if (v4.length > 0 && coversAll(v4, (1n << 32n) - 1n)) return "must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)";
  if (v6.length > 0 && coversAll(v6, (1n << 128n) - 1n)) return "must not admit every address: their union is ::/0 (list only the networks that need access)";
  return undefined;
}

/** zod `superRefine` of a CIDR list: refuses it when {@link cidrUnionProblem} finds its union admits every address. */
export function refuseOpenToAll(cidrs: readonly string[], ctx: { addIssue(issue: { code: "custom"; message: string }): void }): void {
  const open = cidrUnionProblem(cidrs);
  if (open) ctx.addIssue({ code: "custom", message: open });
}

/** zod: an IPv4 CIDR with valid octets and prefix. */
export const ipv4Cidr = z.string().refine((c) => ipv4CidrRange(c) !== undefined, { message: "must be an IPv4 CIDR such as 203.0.113.0/24" });

// --- Paths, images, certificates, ISO durations -----------------------------------------------------------

/** Why `path` is not a clean absolute file path (no `.`/`..` segments, no empty segments), or undefined. */
export function cleanAbsolutePathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "must be an absolute path";
  const segments = path.slice(1).split("/");
  if (segments.some((s) => s === "." || s === "..")) return `must not contain "." or ".." segments, got ${JSON.stringify(path)}`;
  if (segments.some((s) => s === "") || path.endsWith("/")) return `must be a file path without empty segments, got ${JSON.stringify(path)}`;
  if (/[\0\n]/.test(path)) return "must not contain NUL or newline characters";
  return undefined;
}

/** An image reference pinned by digest (`name[:tag]@sha256:<64 hex>`). */
export const PINNED_IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}$/;
/** An image reference with an explicit tag (no digest). */
export const TAGGED_IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[\w][\w.-]{0,127}$/;

/**
 * Why a certificate cannot seal now (outside its validity window, as kubeseal refuses an expired one), or
 * undefined. Not a certificate: undefined (the parser reports that).
 */
export function certificateWindowProblem(pem: string, now: Date = new Date()): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now.getTime() > to.getTime()) return `the certificate expired on ${to.toISOString()}: fetch the controller's current one (kubeseal --fetch-cert)`;
  if (now.getTime() < from.getTime()) return `the certificate is not valid before ${from.toISOString()}: check the clock or the certificate`;
  return undefined;
}

/** Days of an ISO 8601 duration (the grammar AksSecretsEncryption validates `rotateAfter` with). */
export { isoDurationDays } from "../../components/internal/duration";

// --- Kubernetes names and keys --------------------------------------------------------------------------

/**
 * Why `key` is not a valid Secret/ConfigMap data key, or undefined: apimachinery's `IsConfigMapKey`
 * (k8s.io/apimachinery/pkg/util/validation): at most 253 characters of `[-._a-zA-Z0-9]`, not `.`, not `..`,
 * not starting with `..`.
 */
export function dataKeyProblem(key: string): string | undefined {
  if (key.length === 0) return "must not be empty";
  if (key.length > 253) return `must be at most 253 characters, got ${key.length}`;
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return "must consist of alphanumerics, '-', '_' or '.'";
  if (key === "." || key === "..") return `must not be '${key}'`;
  if (key.startsWith("..")) return "must not start with '..'";
  return undefined;
}
