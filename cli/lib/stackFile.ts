/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to a program: each key becomes a config
 * entry (structured values as JSON), and a value marked `secure` (anywhere inside a key) makes the whole
 * key a secret. Offline there is no key to decrypt `secure` values with, so they become placeholders.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { parseDocument } from "yaml";

/** The largest stack file read (1 MiB): a stack file is configuration, not data. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

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

/**
 * The text of a stack file: a regular file (never a FIFO, device or directory, which could block or never end)
 * of at most {@link MAX_STACK_FILE_BYTES}, in UTF-8.
 */
function readRegularFile(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new StackFileError(`${path}: stack file does not exist`);
    throw new StackFileError(`${path}: cannot be read (${code ?? (e as Error).message})`);
  }
  if (!st.isFile()) throw new StackFileError(`${path}: must be a regular file`);
  if (st.size > MAX_STACK_FILE_BYTES) throw new StackFileError(`${path}: larger than ${MAX_STACK_FILE_BYTES} bytes`);
  let fd: number;
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new StackFileError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new StackFileError(`${path}: must be a regular file`);
    const buf = new Uint8Array(MAX_STACK_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, null);
    if (length > MAX_STACK_FILE_BYTES) throw new StackFileError(`${path}: larger than ${MAX_STACK_FILE_BYTES} bytes`);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, length));
    } catch {
      throw new StackFileError(`${path}: not valid UTF-8`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses YAML text; a syntax error names the line and column and the kind of error, never the text around
 * it (the offending line may hold a secret).
 */
function parseYaml(text: string, path: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const offset = error.pos?.[0];
    let where = "";
    if (typeof offset === "number" && offset >= 0) {
      const before = text.slice(0, offset);
      const line = before.split("\n").length;
      where = ` at line ${line}, column ${offset - before.lastIndexOf("\n")}`;
    }
    throw new StackFileError(`${path}: not valid YAML${where} (${error.code})`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new StackFileError(`${path}: not valid YAML (${(e as Error).name === "ReferenceError" ? "unresolved alias" : "too many aliases or an alias loop"})`);
  }
}

/** Parses a stack file; throws {@link StackFileError} naming the file when it is missing or malformed. */
export function readStackFile(path: string, defaultNamespace: string): StackFileConfig {
  let doc = parseYaml(readRegularFile(path), path);
  doc ??= {};
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new StackFileError(`${path}: must be a YAML mapping`);
  const unknownTop = Object.keys(doc).filter((k) => !["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"].includes(k));
  if (unknownTop.length) throw new StackFileError(`${path}: unknown top-level key ${unknownTop.map((k) => `"${k}"`).join(", ")}`);
  const raw = (doc as { config?: unknown }).config ?? {};
  if (typeof raw !== "object" || Array.isArray(raw) || raw === null) throw new StackFileError(`${path}: config must be a mapping`);
  const out: StackFileConfig = { config: {}, secretKeys: [], values: {}, secretValues: [] };
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const full = key.includes(":") ? key : `${defaultNamespace}:${key}`;
    // Pulumi reads `clusters` as `<project>:clusters`: both spellings in one file would silently drop one.
    const other = seen.get(full);
    if (other !== undefined) throw new StackFileError(`${path}: ${full}: set twice, as "${other}" and as "${key}": keep one`);
    seen.set(full, key);
    const found = { any: false, values: out.secretValues };
    const v = substitute(value, full, found);
    out.values[full] = v;
    out.config[full] = typeof v === "string" ? v : JSON.stringify(v);
    if (found.any) out.secretKeys.push(full);
  }
  return out;
}
