/**
 * Reads a Vault ACL policy document (HCL or its JSON form) back into {@link VaultPolicyRule}s, so a
 * policy written by hand (e.g. a raw `vault.Policy`) can be checked with {@link vaultPolicyProblems}.
 * Understands the subset of HCL Vault policies use: `path "<p>" { … }` blocks with `capabilities`,
 * the legacy `policy = "read|write|deny|sudo"`, `required_parameters`, `allowed_parameters`,
 * `denied_parameters`, `min_wrapping_ttl`, `max_wrapping_ttl`; comments (`#`, `//`, `/* *\/`).
 */
import { readHclString } from "./hcl";
import type { VaultPolicyRule } from "./policy";

/** Capabilities the legacy `policy = "…"` shorthand stands for. */
const LEGACY: Record<string, string[]> = {
  deny: ["deny"],
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

type Token = { kind: "ident" | "string" | "punct"; value: string; pos: number };
type Value = string | number | boolean | Value[] | { [k: string]: Value };
/** An attribute (`key = value`) or a block (`key "label" { … }`) of an HCL body. */
type Item = { key: string; labels: string[]; value?: Value; block?: Item[] };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#" || (ch === "/" && src[i + 1] === "/")) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (ch === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error(`unterminated comment at offset ${i}`);
      i = end + 2;
    } else if (ch === '"') {
      // Vault reads policies with HCL v1: its string rules (readHclString, hcl.ts), not HCL2's.
      const start = i;
      const { value: out, end } = readHclString(src, start);
      i = end;
      tokens.push({ kind: "string", value: out, pos: start });
    } else if ("{}[]=,:".includes(ch)) {
      tokens.push({ kind: "punct", value: ch, pos: i++ });
    } else if (/[A-Za-z0-9_.-]/.test(ch)) {
      const start = i;
      while (i < src.length && /[A-Za-z0-9_.-]/.test(src[i])) i++;
      tokens.push({ kind: "ident", value: src.slice(start, i), pos: start });
    } else {
      throw new Error(`unexpected character ${JSON.stringify(ch)} at offset ${i}`);
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private next(what: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new Error(`unexpected end of policy, expected ${what}`);
    return t;
  }

  /** body := (ident (string* '{' body '}' | '=' value))* */
  body(until?: string): Item[] {
    const items: Item[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (until) throw new Error(`unexpected end of policy, expected '${until}'`);
        return items;
      }
      if (until && t.kind === "punct" && t.value === until) {
        this.i++;
        return items;
      }
      const key = this.next("a name");
      if (key.kind === "punct") throw new Error(`unexpected '${key.value}' at offset ${key.pos}`);
      const labels: string[] = [];
      while (this.peek()?.kind === "string") labels.push(this.next("a label").value);
      const sep = this.next("'=' or '{'");
      if (sep.kind === "punct" && (sep.value === "=" || sep.value === ":") && labels.length === 0) {
        items.push({ key: key.value, labels, value: this.value() });
      } else if (sep.kind === "punct" && sep.value === "{") {
        items.push({ key: key.value, labels, block: this.body("}") });
      } else {
        throw new Error(`expected '=' or '{' at offset ${sep.pos}`);
      }
      if (this.peek()?.kind === "punct" && this.peek()!.value === ",") this.i++;
    }
  }

  value(): Value {
    const t = this.next("a value");
    if (t.kind === "string") return t.value;
    if (t.kind === "ident") {
      if (t.value === "true" || t.value === "false") return t.value === "true";
      if (/^-?\d+(\.\d+)?$/.test(t.value)) return Number(t.value);
      throw new Error(`unexpected ${JSON.stringify(t.value)} at offset ${t.pos}`);
    }
    if (t.value === "[") {
      const list: Value[] = [];
      for (;;) {
        const p = this.peek();
        if (p?.kind === "punct" && p.value === "]") {
          this.i++;
          return list;
        }
        list.push(this.value());
        const sep = this.peek();
        if (sep?.kind === "punct" && sep.value === ",") this.i++;
        else if (!(sep?.kind === "punct" && sep.value === "]")) throw new Error(`expected ',' or ']' at offset ${sep?.pos ?? "end"}`);
      }
    }
    if (t.value === "{") {
      const obj: Record<string, Value> = {};
      for (;;) {
        const p = this.peek();
        if (p?.kind === "punct" && p.value === "}") {
          this.i++;
          return obj;
        }
        const k = this.next("a key");
        if (k.kind === "punct") throw new Error(`unexpected '${k.value}' at offset ${k.pos}`);
        const sep = this.next("'=' or ':'");
        if (sep.kind !== "punct" || (sep.value !== "=" && sep.value !== ":")) throw new Error(`expected '=' at offset ${sep.pos}`);
        // defineProperty: a key such as "__proto__" stays an ordinary key.
        Object.defineProperty(obj, k.value, { value: this.value(), enumerable: true, writable: true, configurable: true });
        if (this.peek()?.kind === "punct" && this.peek()!.value === ",") this.i++;
      }
    }
    throw new Error(`unexpected '${t.value}' at offset ${t.pos}`);
  }
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new Error(`${what} must be a list of strings`);
  return v as string[];
}

function paramMap(v: unknown, what: string): Record<string, string[]> {
  // HCL allows the map as an attribute (`x = { … }`), as a block (`x { … }`), or repeated.
  const out: Record<string, string[]> = {};
  const maps = Array.isArray(v) && v.every((x) => x && typeof x === "object" && !Array.isArray(x)) ? v : [v];
  for (const m of maps) {
    if (!m || typeof m !== "object" || Array.isArray(m)) throw new Error(`${what} must be a map`);
    for (const [k, vals] of Object.entries(m as Record<string, unknown>)) {
      const previous = Object.hasOwn(out, k) ? out[k] : [];
      Object.defineProperty(out, k, { value: [...previous, ...stringList(vals, `${what}.${k}`)], enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function scalar(v: unknown, what: string): string {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`${what} must be a string`);
}

function ruleFrom(path: string, attrs: Record<string, unknown>): VaultPolicyRule {
  const rule: VaultPolicyRule = { path, capabilities: [] };
  if (attrs.capabilities !== undefined) rule.capabilities = stringList(attrs.capabilities, `path "${path}" capabilities`);
  if (attrs.policy !== undefined) {
    const name = scalar(attrs.policy, `path "${path}" policy`);
    const legacy = Object.hasOwn(LEGACY, name) ? LEGACY[name] : undefined;
    if (!legacy) throw new Error(`path "${path}": unknown policy ${JSON.stringify(name)}`);
    rule.capabilities = [...new Set([...rule.capabilities, ...legacy])];
  }
  if (attrs.required_parameters !== undefined) rule.requiredParameters = stringList(attrs.required_parameters, `path "${path}" required_parameters`);
  if (attrs.allowed_parameters !== undefined) rule.allowedParameters = paramMap(attrs.allowed_parameters, `path "${path}" allowed_parameters`);
  if (attrs.denied_parameters !== undefined) rule.deniedParameters = paramMap(attrs.denied_parameters, `path "${path}" denied_parameters`);
  if (attrs.min_wrapping_ttl !== undefined) rule.minWrappingTtl = scalar(attrs.min_wrapping_ttl, `path "${path}" min_wrapping_ttl`);
  if (attrs.max_wrapping_ttl !== undefined) rule.maxWrappingTtl = scalar(attrs.max_wrapping_ttl, `path "${path}" max_wrapping_ttl`);
  return rule;
}

/**
 * The rules of a Vault ACL policy document, in document order. Accepts HCL or Vault's JSON form
 * (`{"path": {"<p>": {"capabilities": […]}}}`). Throws with the offset on syntax it cannot read.
 */
export function parseVaultPolicyDocument(document: string): VaultPolicyRule[] {
  const trimmed = document.trim();
  if (trimmed.startsWith("{")) {
    const json = JSON.parse(trimmed) as { path?: Record<string, Record<string, unknown>> };
    return Object.entries(json.path ?? {}).map(([p, attrs]) => ruleFrom(p, attrs ?? {}));
  }
  const items = new Parser(tokenize(document)).body();
  const rules: VaultPolicyRule[] = [];
  for (const item of items) {
    if (item.key !== "path") continue;
    if (item.labels.length !== 1 || !item.block) throw new Error("a path block needs exactly one label");
    const attrs = Object.create(null) as Record<string, unknown>;
    for (const a of item.block) {
      if (a.labels.length > 0) continue;
      // A nested block (`allowed_parameters { "k" = [] }`) reads like a map attribute; repeats merge.
      const value = a.block ? Object.fromEntries(a.block.map((x) => [x.key, x.value])) : a.value;
      attrs[a.key] = a.block && attrs[a.key] !== undefined ? [attrs[a.key], value] : value;
    }
    rules.push(ruleFrom(item.labels[0], attrs));
  }
  return rules;
}
