/**
 * Streaming input for the audit reader: files, globs, gzip (detected by its magic bytes, any number of
 * members) and stdin, split into JSON values with their line numbers, in bounded memory.
 *
 * Two layouts are recognised per input, without being told:
 * - JSON lines (the API server's log backend, Vault's file device, sink files, `--format=json` lines):
 *   one value per line. A line holding several concatenated objects (`{...}{...}`, as Firehose writes
 *   subscription payloads) is split.
 * - JSON documents (`gcloud logging read --format=json`, `aws logs filter-log-events`, an `EventList`,
 *   a Logs Insights or Log Analytics result): when the first line is not a complete JSON value. A
 *   top-level array is streamed element by element; other documents value by value.
 *
 * Nothing here echoes input text: a problem names the file, the line and what is wrong, never the content.
 */
import { createReadStream, openSync, readdirSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import type { ReadProblem } from "./types";

/** Where a value came from: file, the line it starts on, and its index inside a document (arrays, wrappers). */
export interface Location {
  file: string;
  line: number;
  item?: number;
}

export type ValueSink = (value: unknown, loc: Location) => void;
/** Offered each JSON line before it is parsed; true when it was fully handled without parsing. */
export type LineHook = (text: string) => boolean;
export type ProblemSink = (problem: ReadProblem) => void;

/** The parse error without the input text (V8's messages quote the input, which may hold a value). */
export function jsonErrorText(err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : "");
  return m ? `not valid JSON (error at character ${Number(m[1]) + 1}; truncated or corrupt)` : "not valid JSON (truncated or corrupt)";
}

/**
 * Splits a stream of text into top-level JSON values. With `arrayBase` the text is one array whose
 * elements are the values; otherwise values follow each other (concatenated or pretty-printed documents).
 */
export class ValueScanner {
  private depth = 0;
  private inString = false;
  private escape = false;
  private base: number;
  private pending = "";
  private inValue = false;
  private stringValue = false;
  private closed = false;
  private valueLine = 0;
  private item = 0;
  line: number;

  constructor(
    private readonly file: string,
    startLine: number,
    private readonly onValue: ValueSink,
    private readonly onProblem: ProblemSink,
  ) {
    this.line = startLine;
    this.base = -1;
  }

  feed(text: string): void {
    let start = this.inValue ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) {
          this.inString = false;
          if (this.stringValue && this.depth === this.base) {
            this.emit(text.slice(start, i + 1));
            start = -1;
          }
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (this.base === -1) {
        if (c === 91) {
          this.base = 1;
          this.depth = 1;
          continue;
        }
        this.base = 0;
      }
      if (!this.inValue) {
        if (c === 44) continue;
        if (this.base === 1 && c === 93 && this.depth === 1) {
          this.depth = 0;
          this.closed = true;
          continue;
        }
        if (this.closed) {
          // Text after the closing bracket of a top-level array: a second document follows.
          this.closed = false;
          this.base = c === 91 ? 1 : 0;
          this.depth = this.base;
          if (c === 91) continue;
        }
        this.inValue = true;
        this.stringValue = c === 34;
        this.valueLine = this.line;
        start = i;
        if (c === 34) this.inString = true;
        else if (c === 123 || c === 91) this.depth++;
        else {
          this.onProblem({ file: this.file, line: this.line, message: "not valid JSON (expected an object)" });
          this.inValue = false;
          start = -1;
        }
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === this.base) {
          this.emit(text.slice(start, i + 1));
          start = -1;
        }
      }
    }
    if (this.inValue && start >= 0) this.pending += text.slice(start);
  }

  private emit(tail: string): void {
    const json = this.pending + tail;
    this.pending = "";
    this.inValue = false;
    const loc: Location = { file: this.file, line: this.valueLine, ...(this.base === 1 ? { item: this.item } : {}) };
    this.item++;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      this.onProblem({ ...loc, message: jsonErrorText(err) });
      return;
    }
    this.onValue(value, loc);
  }

  end(): void {
    if (this.inValue || (this.base === 1 && !this.closed && this.depth > 0)) {
      this.onProblem({ file: this.file, line: this.inValue ? this.valueLine : this.line, message: "the JSON document ends early (truncated)" });
    }
  }
}

/** Reads JSON lines, switching to the document scanner when the first line is not a complete value. */
export class TextSplitter {
  private carry = "";
  private lineNo = 0;
  private sawValue = false;
  private scanner: ValueScanner | undefined;

  constructor(
    private readonly file: string,
    private readonly onValue: ValueSink,
    private readonly onProblem: ProblemSink,
    private readonly hook?: LineHook,
  ) {}

  feed(text: string): void {
    if (this.scanner) {
      this.scanner.feed(text);
      return;
    }
    const buf = this.carry.length > 0 ? this.carry + text : text;
    let from = 0;
    for (;;) {
      const nl = buf.indexOf("\n", from);
      if (nl < 0) break;
      this.lineNo++;
      if (!this.line(buf, from, nl)) {
        // Switch to document mode: the rest of the text (from this line on) goes to the scanner.
        const rest = buf.slice(from);
        this.carry = "";
        this.startScanner(rest);
        return;
      }
      from = nl + 1;
    }
    this.carry = from === 0 ? buf : buf.slice(from);
  }

  private startScanner(text: string): void {
    this.scanner = new ValueScanner(this.file, this.lineNo, this.onValue, this.onProblem);
    this.scanner.feed(text);
  }

  /** Handles one line; false when the input turns out to be a document. */
  private line(buf: string, from: number, to: number): boolean {
    let end = to;
    if (end > from && buf.charCodeAt(end - 1) === 13) end--;
    let s = from;
    while (s < end && (buf.charCodeAt(s) === 32 || buf.charCodeAt(s) === 9)) s++;
    if (s === end) return true;
    if (this.lineNo === 1 && buf.charCodeAt(s) === 0xfeff) s++;
    const text = buf.slice(s, end);
    const c = text.charCodeAt(0);
    if (c !== 123 && c !== 91 && c !== 34) {
      // A bare base64 line (a CloudWatch Logs subscription payload) is a value of its own.
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
        this.sawValue = true;
        this.onValue(text, { file: this.file, line: this.lineNo });
      } else this.onProblem({ file: this.file, line: this.lineNo, message: "not JSON" });
      return true;
    }
    if (this.hook !== undefined && this.hook(text)) {
      this.sawValue = true;
      return true;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (!this.sawValue && (c === 123 || c === 91)) return false;
      if (c === 123 && text.includes("}{")) {
        const sc = new ValueScanner(this.file, this.lineNo, this.onValue, this.onProblem);
        sc.feed(text);
        sc.end();
        return true;
      }
      this.onProblem({ file: this.file, line: this.lineNo, message: jsonErrorText(err) });
      return true;
    }
    this.sawValue = true;
    this.onValue(value, { file: this.file, line: this.lineNo });
    return true;
  }

  end(): void {
    if (this.scanner) {
      this.scanner.end();
      return;
    }
    if (this.carry.length > 0) {
      const buf = this.carry + "\n";
      this.carry = "";
      this.lineNo++;
      if (!this.line(buf, 0, buf.length - 1)) {
        this.startScanner(buf);
        this.scanner!.end();
      }
    }
  }
}

/** An input: a file path, or `-` for stdin. */
export interface InputSource {
  name: string;
  open(): Readable;
  /** The first bytes, when they can be read without consuming the stream (files). */
  peek?(): Buffer;
}

export function fileSource(path: string): InputSource {
  return {
    name: path,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    peek: () => {
      const fd = openSync(path, "r");
      try {
        const b = new Uint8Array(2);
        const n = readSync(fd, b, 0, 2, 0);
        return Buffer.from(b.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    },
  };
}

export function stdinSource(stream: Readable = process.stdin): InputSource {
  return { name: "<stdin>", open: () => stream };
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Streams one input into JSON values (gzip detected by magic bytes). */
export async function readSource(src: InputSource, onValue: ValueSink, onProblem: ProblemSink, hook?: LineHook): Promise<void> {
  const splitter = new TextSplitter(src.name, onValue, onProblem, hook);
  const decoder = new StringDecoder("utf8");
  let stream = src.open();
  let first: Buffer | undefined;
  let gz: boolean;
  if (src.peek) gz = isGzip(src.peek());
  else {
    first = await firstChunk(stream);
    gz = first !== undefined && isGzip(first);
  }
  if (gz) {
    const gunzip = createGunzip();
    if (first) gunzip.write(first);
    stream = stream.pipe(gunzip);
    first = undefined;
  }
  if (first) splitter.feed(decoder.write(first));
  try {
    for await (const chunk of stream) splitter.feed(decoder.write(chunk as Buffer));
  } catch (err) {
    onProblem({ file: src.name, line: 0, message: `cannot read: ${(err as Error).message}` });
  }
  splitter.feed(decoder.end());
  splitter.end();
}

async function firstChunk(stream: Readable): Promise<Buffer | undefined> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) return chunk;
    if (stream.readableEnded) return undefined;
    const ended = await new Promise<boolean>((resolve) => {
      const onReadable = () => {
        stream.off("end", onEnd);
        resolve(false);
      };
      const onEnd = () => {
        stream.off("readable", onReadable);
        resolve(true);
      };
      stream.once("readable", onReadable);
      stream.once("end", onEnd);
    });
    if (ended) return undefined;
  }
}

/** Expands `*`, `?` and `**` patterns (Node 20 has no fs.glob); other arguments are returned as they are. */
export function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const parts = pattern.split("/");
  const out: string[] = [];
  const re = (seg: string) => new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  const walk = (dir: string, i: number) => {
    if (i === parts.length) {
      out.push(dir);
      return;
    }
    const seg = parts[i];
    if (seg === "" && i === 0) return walk("/", 1);
    if (!/[*?]/.test(seg)) return walk(dir === "" ? seg : join(dir, seg), i + 1);
    const base = dir === "" ? "." : dir;
    let entries: string[];
    try {
      entries = readdirSync(base).sort();
    } catch {
      return;
    }
    if (seg === "**") {
      walk(dir, i + 1);
      for (const e of entries) {
        const p = dir === "" ? e : join(dir, e);
        if (statSync(p).isDirectory()) walk(p, i);
      }
      return;
    }
    const r = re(seg);
    for (const e of entries) if (r.test(e)) walk(dir === "" ? e : join(dir, e), i + 1);
  };
  walk("", 0);
  return [...new Set(out)].filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
