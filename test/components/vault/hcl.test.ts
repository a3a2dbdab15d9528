// HCL strings as Vault reads them: Vault parses its server configuration and its ACL policies with HCL v1
// (hashicorp/hcl, branch 1.0.x-vault). The decoder below follows that code rule for rule:
//   hcl/scanner/scanner.go  scanString + scanEscape: where a quoted string token ends
//   hcl/strconv/quote.go    Unquote + unquoteChar:   what the token decodes to
// (the parser takes a STRING token's value through Unquote, hcl/token/token.go Value()).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hclString, hclStringProblem, readHclString } from "../../../components/vault/hcl";
import { vaultPolicyDocument, vaultPolicyProblems } from "../../../components/vault/policy";

const ESCAPE_SIMPLE = new Set(["a", "b", "f", "n", "r", "t", "v", "\\", '"']);

/** scanString: the length of the token that starts with the `"` at `src[start]` (throws like the scanner errs). */
function scanStringToken(src: string, start: number): number {
  assert.equal(src[start], '"');
  let braces = 0;
  let i = start + 1;
  for (;;) {
    if (i >= src.length) throw new Error("literal not terminated");
    const ch = src[i++];
    if (ch === "\n" && braces === 0) throw new Error("literal not terminated");
    if (ch === '"' && braces === 0) return i - start;
    if (braces === 0 && ch === "$" && src[i] === "{") {
      braces++;
      i++;
    } else if (braces > 0 && ch === "{") braces++;
    if (braces > 0 && ch === "}") braces--;
    if (ch === "\\") {
      const e = src[i++];
      const digits = (n: number, re: RegExp) => {
        for (let k = 0; k < n; k++, i++) if (!re.test(src[i] ?? "")) throw new Error("illegal char escape");
      };
      if (ESCAPE_SIMPLE.has(e)) continue;
      if (/[0-7]/.test(e)) digits(2, /[0-7]/);
      else if (e === "x") digits(2, /[0-9a-fA-F]/);
      else if (e === "u") digits(4, /[0-9a-fA-F]/);
      else if (e === "U") digits(8, /[0-9a-fA-F]/);
      else throw new Error("unknown escape sequence");
    }
  }
}

/** Unquote: the value of a quoted token (throws ErrSyntax). */
function unquote(token: string): string {
  if (token.length < 2 || token[0] !== '"' || token[token.length - 1] !== '"') throw new Error("ErrSyntax");
  let s = token.slice(1, -1);
  if (!s.includes("$") && !s.includes("{") && s.includes("\n")) throw new Error("ErrSyntax");
  let out = "";
  while (s.length > 0) {
    if (s[0] === "$" && s[1] === "{") {
      out += "${";
      s = s.slice(2);
      let braces = 1;
      while (s.length > 0 && braces > 0) {
        const r = String.fromCodePoint(s.codePointAt(0)!);
        s = s.slice(r.length);
        out += r;
        if (r === "{") braces++;
        else if (r === "}") braces--;
      }
      if (braces !== 0) throw new Error("ErrSyntax");
      continue;
    }
    if (s[0] === "\n" || s[0] === '"') throw new Error("ErrSyntax");
    if (s[0] !== "\\") {
      const r = String.fromCodePoint(s.codePointAt(0)!);
      out += r;
      s = s.slice(r.length);
      continue;
    }
    const c = s[1];
    s = s.slice(2);
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"' };
    if (c in simple) out += simple[c];
    else if (c === "x" || c === "u" || c === "U") {
      const n = c === "x" ? 2 : c === "u" ? 4 : 8;
      if (!/^[0-9a-fA-F]+$/.test(s.slice(0, n)) || s.length < n) throw new Error("ErrSyntax");
      out += String.fromCodePoint(parseInt(s.slice(0, n), 16));
      s = s.slice(n);
    } else if (/[0-7]/.test(c ?? "")) {
      if (!/^[0-7]{2}/.test(s)) throw new Error("ErrSyntax");
      out += String.fromCharCode(parseInt(c + s.slice(0, 2), 8));
      s = s.slice(2);
    } else throw new Error("ErrSyntax");
  }
  return out;
}

/** What Vault reads from `<emitted>` placed in a document followed by more text. */
function vaultReads(emitted: string): string {
  const doc = `path ${emitted} {\n  capabilities = ["read"]\n}\n`;
  const start = doc.indexOf('"');
  const len = scanStringToken(doc, start);
  assert.equal(len, emitted.length, `the scanner ends the string exactly where hclString ended it: ${emitted}`);
  const value = unquote(doc.slice(start, start + len));
  // The policy checker's reader (parseVaultPolicyDocument) agrees with the rule.
  assert.deepEqual(readHclString(doc, start), { value, end: start + len });
  return value;
}

test("hclString: Vault's HCL v1 decoder reads back exactly the value, including ${…}, %{ and quotes inside ${…}", () => {
  const cases: Array<[string, string]> = [
    ["secret/data/app", '"secret/data/app"'],
    ['we"ird\\path', '"we\\"ird\\\\path"'],
    ["a\nb\tc\u0001", '"a\\nb\\tc\\u0001"'],
    // HCL v1 has no $${ escape: the HCL2 form would reach Vault as the three characters "$${".
    ["secret/${env}/x", '"secret/${env}/x"'],
    ["%{if}", '"%{if}"'],
    // A quote inside ${…}: written raw, because Unquote copies the section verbatim.
    ['${a"b}"c', '"${a"b}\\"c"'],
    ["${a{b}c}d${e}", '"${a{b}c}d${e}"'],
  ];
  for (const [value, emitted] of cases) {
    assert.equal(hclString(value), emitted, value);
    assert.equal(vaultReads(emitted), value, `Vault reads ${emitted} as ${JSON.stringify(value)}`);
  }
  assert.equal(unquote('"$${env}"'), "$${env}", "the HCL2 escape is not one in HCL v1 (the old, wrong encoding)");
  assert.equal(unquote('"%%{if}"'), "%%{if}");
});

test("hclString: values HCL v1 cannot carry are refused with the reason, never written wrongly", () => {
  assert.match(hclStringProblem("secret/${env") ?? "", /without a matching "}"/);
  assert.match(hclStringProblem("${a\\b}") ?? "", /backslash inside/);
  assert.throws(() => hclString("secret/${env"), /cannot render "secret\/\$\{env" as an HCL v1 string/);
  assert.equal(hclStringProblem("secret/{{identity.entity.id}}/*"), undefined);
  assert.deepEqual(vaultPolicyProblems([{ path: "secret/data/${team", capabilities: ["read"] }]), [
    `rules[0].path: "\${" without a matching "}" cannot be written for Vault's HCL v1 parser, got "secret/data/\${team"`,
  ]);
  assert.deepEqual(vaultPolicyProblems([{ path: "secret/data/x", capabilities: ["update"], allowedParameters: { k: ["${a\\b}"] } }]), [
    `rules[0].allowedParameters.k: a backslash inside "\${…}" cannot be written for Vault's HCL v1 parser (it copies that section verbatim), got "\${a\\\\b}"`,
  ]);
});

test("hclString: every writable string round-trips through the HCL v1 decoder (property)", () => {
  const alphabet = fc.constantFrom("a", "/", "$", "{", "}", "%", '"', "\\", "\n", "\t", "\u0001", "é", "😀", "*", " ");
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 24 }).map((a) => a.join("")), (value) => {
      if (hclStringProblem(value) !== undefined) {
        assert.throws(() => hclString(value));
        return;
      }
      assert.equal(vaultReads(hclString(value)), value);
    }),
    { numRuns: 3000 },
  );
  // And through a whole policy document (the path key is the first string of its block).
  const doc = vaultPolicyDocument([{ path: "secret/data/${x}/%{y}", capabilities: ["read"] }]);
  assert.match(doc, /^path "secret\/data\/\$\{x\}\/%\{y\}" \{$/m);
});
