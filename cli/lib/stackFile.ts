/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to a program: each key becomes a config
 * entry (structured values as JSON), and a value marked `secure` (anywhere inside a key) makes the whole
 * key a secret. Offline there is no key to decrypt `secure` values with, so they become placeholders.
 */
import { readFileSync, existsSync } from "node:fs";
import { parse } from "yaml";

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

export interface StackFileConfig {
  /** Full keys (`namespace:key`) to values as Pulumi passes them (JSON for structured values). */
  config: Record<string, string>;
  /** Full keys holding a secret. */
  secretKeys: string[];
  /** The parsed (placeholder-substituted) values, per full key. */
  values: Record<string, unknown>;
  /** The placeholder strings that stand for `secure` values (what must never be written anywhere). */
  secretValues: string[];
}

function isSecure(v: unknown): v is { secure: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** Replaces `{ secure: … }` leaves with a placeholder; reports whether any was found. */
function substitute(v: unknown, path: string, found: { any: boolean; values: string[] }): unknown {
  if (isSecure(v)) {
    found.any = true;
    const placeholder = `plan-placeholder:${path}`;
    found.values.push(placeholder);
    return placeholder;
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, `${path}[${i}]`, found));
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, `${path}.${k}`, found)]));
  }
  return v;
}

/** Parses a stack file; throws {@link StackFileError} naming the file when it is missing or malformed. */
export function readStackFile(path: string, defaultNamespace: string): StackFileConfig {
  if (!existsSync(path)) throw new StackFileError(`${path}: stack file does not exist`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new StackFileError(`${path}: not valid YAML: ${(e as Error).message}`);
  }
  doc ??= {};
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new StackFileError(`${path}: must be a YAML mapping`);
  const unknownTop = Object.keys(doc).filter((k) => !["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"].includes(k));
  if (unknownTop.length) throw new StackFileError(`${path}: unknown top-level key ${unknownTop.map((k) => `"${k}"`).join(", ")}`);
  const raw = (doc as { config?: unknown }).config ?? {};
  if (typeof raw !== "object" || Array.isArray(raw) || raw === null) throw new StackFileError(`${path}: config must be a mapping`);
  const out: StackFileConfig = { config: {}, secretKeys: [], values: {}, secretValues: [] };
  for (const [key, value] of Object.entries(raw)) {
    const full = key.includes(":") ? key : `${defaultNamespace}:${key}`;
    const found = { any: false, values: out.secretValues };
    const v = substitute(value, full, found);
    out.values[full] = v;
    out.config[full] = typeof v === "string" ? v : JSON.stringify(v);
    if (found.any) out.secretKeys.push(full);
  }
  return out;
}
