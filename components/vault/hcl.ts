/**
 * Minimal, deterministic HCL rendering for the Vault server configuration and Vault policies. Internal.
 *
 * Vault reads both with HCL **v1** (hashicorp/hcl, branch `1.0.x-vault`), not HCL2. Checked against
 * `hcl/scanner/scanner.go` (`scanString`, `scanEscape`) and `hcl/strconv/quote.go` (`Unquote`):
 *
 * - outside `${…}` a quoted string takes Go-style escapes (`\\`, `\"`, `\n`, `\t`, `\uXXXX`…); a raw newline
 *   is an error;
 * - `${` opens a section the scanner reads up to its matching `}` (counting `{`/`}`; a `"` there does not
 *   end the string), and `Unquote` copies that section **verbatim**, escapes included. There is no escape for
 *   `${` in HCL v1: the HCL2 form `$${` stays the three characters `$${`, and `%{` has no meaning at all.
 *
 * So a `${…}` section is written raw, and a value whose `${` has no matching `}` (or holds a backslash, which
 * the scanner would read as an escape while `Unquote` copies it) cannot be written so that Vault reads it back
 * exactly: {@link hclStringProblem} names it, and {@link hclString} refuses it.
 */

/** Where `${` sections of `value` start and end (end exclusive), or a problem when one cannot be written. */
function templateSections(value: string): { sections: Array<[number, number]>; problem?: string } {
  const sections: Array<[number, number]> = [];
  let i = 0;
  while (i < value.length) {
    if (value[i] === "$" && value[i + 1] === "{") {
      let braces = 1;
      let j = i + 2;
      for (; j < value.length && braces > 0; j++) {
        if (value[j] === "{") braces++;
        else if (value[j] === "}") braces--;
        else if (value[j] === "\\") {
          return { sections, problem: `a backslash inside "\${…}" cannot be written for Vault's HCL v1 parser (it copies that section verbatim)` };
        }
      }
      if (braces > 0) return { sections, problem: `"\${" without a matching "}" cannot be written for Vault's HCL v1 parser` };
      sections.push([i, j]);
      i = j;
    } else i++;
  }
  return { sections };
}

/** Why `value` cannot be written as an HCL v1 string that decodes to exactly `value`, or undefined when it can. */
export function hclStringProblem(value: string): string | undefined {
  return templateSections(value).problem;
}

function escapePlain(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

/**
 * An HCL v1 quoted string that Vault decodes to exactly `value`: backslash, quote and control characters
 * escaped outside `${…}` sections, which are written verbatim (HCL v1 has no escape for them). Throws for a
 * value {@link hclStringProblem} rejects; validators report that problem with its field path first.
 */
export function hclString(value: string): string {
  const { sections, problem } = templateSections(value);
  if (problem) throw new Error(`cannot render ${JSON.stringify(value)} as an HCL v1 string: ${problem}`);
  let out = "";
  let at = 0;
  for (const [start, end] of sections) {
    out += escapePlain(value.slice(at, start)) + value.slice(start, end);
    at = end;
  }
  return `"${out}${escapePlain(value.slice(at))}"`;
}

/** An HCL list of quoted strings on one line: `["a", "b"]`. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map(hclString).join(", ")}]`;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' };

/**
 * Reads the quoted string starting at `src[start]` (a `"`) the way Vault's HCL v1 does: the token ends where
 * `scanString` ends it (a `"` outside `${…}`), and its value is what `Unquote` makes of it (`${…}` copied
 * verbatim, Go escapes elsewhere). Returns the value and the offset after the closing quote; throws on what
 * HCL v1 rejects.
 */
export function readHclString(src: string, start: number): { value: string; end: number } {
  let i = start + 1;
  let braces = 0;
  let out = "";
  for (;;) {
    if (i >= src.length) throw new Error(`unterminated string at offset ${start}`);
    const c = src[i];
    if (braces === 0) {
      if (c === '"') return { value: out, end: i + 1 };
      if (c === "\n") throw new Error(`newline in string at offset ${i}`);
      if (c === "$" && src[i + 1] === "{") {
        braces = 1;
        out += "${";
        i += 2;
        continue;
      }
      if (c !== "\\") {
        out += c;
        i++;
        continue;
      }
      const e = src[i + 1];
      const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (e !== undefined && e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        i += 2;
      } else if (hex > 0 && new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(src.slice(i + 2, i + 2 + hex))) {
        out += String.fromCodePoint(parseInt(src.slice(i + 2, i + 2 + hex), 16));
        i += 2 + hex;
      } else if (/^[0-7]{3}$/.test(src.slice(i + 1, i + 4)) && parseInt(src.slice(i + 1, i + 4), 8) <= 255) {
        out += String.fromCharCode(parseInt(src.slice(i + 1, i + 4), 8));
        i += 4;
      } else {
        throw new Error(`invalid escape \\${e ?? ""} at offset ${i}`);
      }
      continue;
    }
    // Inside ${…}: copied verbatim; a backslash escape is skipped over by the scanner but kept as written.
    if (c === "\\") {
      // scanEscape accepts only escape letters and digits here, so an escaped brace is an error.
      if (!/^[abfnrtv\\"0-7xuU]$/.test(src[i + 1] ?? "")) throw new Error(`invalid escape \\${src[i + 1] ?? ""} at offset ${i}`);
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "{") braces++;
    else if (c === "}") braces--;
    out += c;
    i++;
  }
}
