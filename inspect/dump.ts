/**
 * Dump reader: `kubectl get ... -o json` / `-o yaml` output (a List, one object, or several documents),
 * optionally gzip-compressed (detected by its magic bytes). JSON is read as a stream: each element of a
 * top-level `items` array is parsed and reduced on its own (inspect/inventory.ts drops Secret values at that
 * point), so memory holds the reduced inventory and one item at a time, not the whole dump. YAML is parsed
 * per document (`---`).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { parseAllDocuments } from "yaml";
import { InventoryBuilder, type Inventory } from "./inventory";

/** Reads every file into one inventory (later files replace earlier objects with the same identity). */
export async function readDumps(files: string[]): Promise<Inventory> {
  const builder = new InventoryBuilder();
  for (const file of files) await readDump(file, builder);
  return builder.inventory;
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const buf = new Uint8Array(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function* textChunks(file: string): AsyncGenerator<string> {
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding("utf8");
  try {
    for await (const chunk of stream) yield chunk as string;
  } finally {
    raw.destroy();
  }
}

/** Reads one dump file into `builder`. Throws with the file name on unreadable or malformed input. */
export async function readDump(file: string, builder: InventoryBuilder): Promise<void> {
  const chunks = textChunks(file);
  const first = await chunks.next();
  if (first.done) {
    builder.inventory.warnings.push(`${file}: empty`);
    return;
  }
  const head = first.value.replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("{") || head.startsWith("[")) {
    const splitter = new JsonItemSplitter((value, kind, apiVersion) => builder.add(value, kind, apiVersion), file);
    splitter.write(first.value);
    for await (const c of chunks) splitter.write(c);
    splitter.end();
    return;
  }
  let text = first.value;
  for await (const c of chunks) text += c;
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}: YAML document ${i + 1}: ${doc.errors[0].message.split("\n")[0]}`);
    builder.add(doc.toJS({ maxAliasCount: 100 }));
  });
}

/**
 * Splits a stream of JSON text into values: each element of the `items` array of a top-level object
 * is emitted on its own, the rest of that object (or any top-level value without `items`) as one value
 * with `items: []`. Several top-level values may follow each other (concatenated `kubectl get -o json`).
 */
export class JsonItemSplitter {
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Text of the current top-level value outside its items (envelope). */
  private envelope: string[] = [];
  /** Text of the current item. */
  private item: string[] = [];
  private itemStart = -1;
  private inItems = false;
  /** The last string token closed at depth 1 (a key candidate) and whether a colon followed it. */
  private lastKey = "";
  private keyStart = -1;
  private keyText: string[] = [];
  private afterKeyColon = false;
  private position = 0;
  /** Items without `kind` (raw API Lists: `SecretList` items carry none) until the envelope names it. */
  private pending: unknown[] = [];

  constructor(
    private readonly emit: (value: unknown, defaultKind?: string, defaultApiVersion?: string) => void,
    private readonly label: string,
  ) {}

  write(chunk: string): void {
    let envStart = this.inItems ? -1 : 0;
    let itemStart = this.itemStart >= 0 ? 0 : -1;
    if (this.keyStart >= 0) this.keyStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (ch === 92 /* \ */) this.escape = true;
        else if (ch === 34 /* " */) {
          this.inString = false;
          if (this.keyStart >= 0) {
            this.keyText.push(chunk.slice(this.keyStart, i));
            this.lastKey = this.keyText.join("");
            this.keyText = [];
            this.keyStart = -1;
          }
        }
        continue;
      }
      switch (ch) {
        case 34: // "
          this.inString = true;
          if (this.depth === 1 && !this.inItems) {
            this.keyStart = i + 1;
            this.keyText = [];
            this.afterKeyColon = false;
          }
          break;
        case 58: // :
          if (this.depth === 1) this.afterKeyColon = true;
          break;
        case 123: // {
        case 91: // [
          if (this.depth === 0 && envStart < 0) envStart = i;
          if (this.depth === 1 && ch === 91 && this.afterKeyColon && this.lastKey === "items") {
            // The items array: keep "[" in the envelope, then capture elements separately.
            this.depth++;
            this.inItems = true;
            if (envStart >= 0) this.envelope.push(chunk.slice(envStart, i + 1));
            envStart = -1;
            break;
          }
          if (this.inItems && this.depth === 2) itemStart = i;
          this.depth++;
          break;
        case 125: // }
        case 93: // ]
          this.depth--;
          if (this.depth < 0) throw new Error(`${this.label}: malformed JSON near character ${this.position + i}`);
          if (this.inItems && this.depth === 2 && itemStart >= 0) {
            this.item.push(chunk.slice(itemStart, i + 1));
            this.emitItem();
            itemStart = -1;
          } else if (this.inItems && this.depth === 1) {
            // End of the items array.
            this.inItems = false;
            this.afterKeyColon = false;
            this.lastKey = "";
            envStart = i;
          } else if (this.depth === 0) {
            if (envStart >= 0) this.envelope.push(chunk.slice(envStart, i + 1));
            envStart = -1;
            this.emitEnvelope();
          }
          break;
        case 44: // ,
          if (this.depth === 1) this.afterKeyColon = false;
          break;
        default:
          break;
      }
    }
    if (this.keyStart >= 0 && this.inString) this.keyText.push(chunk.slice(this.keyStart));
    if (itemStart >= 0) this.item.push(chunk.slice(itemStart));
    this.itemStart = itemStart >= 0 ? 0 : -1;
    if (envStart >= 0 && this.depth > 0) this.envelope.push(chunk.slice(envStart));
    this.position += chunk.length;
  }

  end(): void {
    if (this.depth !== 0 || this.inString) throw new Error(`${this.label}: truncated JSON (unbalanced at end of input)`);
  }

  private emitItem(): void {
    const text = this.item.join("");
    this.item = [];
    const value = this.parse(text);
    if (value && typeof value === "object" && typeof (value as { kind?: unknown }).kind !== "string") this.pending.push(value);
    else this.emit(value);
  }

  private emitEnvelope(): void {
    const text = this.envelope.join("");
    this.envelope = [];
    if (text.trim() === "") return;
    const value = this.parse(text);
    const rawKind = (value as { kind?: unknown } | null)?.kind;
    const envelopeKind = typeof rawKind === "string" ? rawKind : "";
    const pending = this.pending;
    this.pending = [];
    if (pending.length > 0) {
      const kind = envelopeKind.endsWith("List") && envelopeKind !== "List" ? envelopeKind.slice(0, -4) : undefined;
      const apiVersion = (value as { apiVersion?: unknown } | null)?.apiVersion;
      for (const v of pending) this.emit(v, kind, typeof apiVersion === "string" ? apiVersion : undefined);
    }
    if (Array.isArray(value)) for (const v of value) this.emit(v);
    else if (value && typeof value === "object" && Array.isArray((value as { items?: unknown }).items) && (value as { items: unknown[] }).items.length === 0 && (envelopeKind === "" || envelopeKind.endsWith("List"))) {
      // A List envelope: its items were emitted one by one.
    } else this.emit(value);
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.label}: malformed JSON: ${(e as Error).message}`);
    }
  }
}
