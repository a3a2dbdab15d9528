/**
 * Go regular expressions (RE2 syntax, as `regexp.MatchString` reads them) judged over Kubernetes
 * namespace names, without running Go: the pattern is parsed into a small NFA over the 37 characters a
 * namespace name may contain (`a-z`, `0-9`, `-`), then explored together with the DNS-1123 label
 * automaton (first and last character alphanumeric, at most 63 characters). Internal.
 *
 * Method (exact, not sampled): ESO matches a condition's regex unanchored (`regexp.MatchString(reg, ns)`
 * in external-secrets pkg/controllers/secretstore/client_manager.go), so a name is admitted when some
 * substring matches. The NFA gets a start state injected at every position and an absorbing accept
 * state; `^`/`\A` only pass at position 0 and `$`/`\z` only at the end (Go's Perl syntax is one-line
 * unless `(?m)`). A breadth-first search over (label-automaton state, NFA state set), by length up to
 * 63, looks for a valid name the pattern does not match (the shortest); when none exists the pattern
 * admits every namespace. Syntax
 * the parser does not model (`\b`, `\p{…}`, `[[:alpha:]]`, `(?m)`, back-references…) or a search over
 * its budget gives `undefined`: callers then fall back to testing witness names.
 */

/** The characters a namespace name (a DNS-1123 label) may contain. */
export const NAMESPACE_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-";
const A = NAMESPACE_ALPHABET.length;
const MAX_NAME = 63;

type CharSet = boolean[]; // indexed by position in NAMESPACE_ALPHABET

type Node =
  | { t: "set"; set: CharSet }
  | { t: "empty" }
  | { t: "begin" }
  | { t: "end" }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "rep"; node: Node; min: number; max: number }; // max -1 = unbounded

class Unsupported extends Error {}

function setOf(pred: (c: string) => boolean): CharSet {
  return [...NAMESPACE_ALPHABET].map(pred);
}

const PERL: Record<string, (c: string) => boolean> = {
  d: (c) => c >= "0" && c <= "9",
  w: (c) => c !== "-",
  s: () => false,
};

/** Parses a Go regexp into a Node over the namespace alphabet; throws Unsupported or SyntaxError. */
class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private fold = false,
  ) {}

  parse(): Node {
    const n = this.alt();
    if (this.i < this.src.length) throw new SyntaxError(`unexpected ) at ${this.i}`);
    return n;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alt(): Node {
    const items = [this.cat()];
    while (this.peek() === "|") {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0] : { t: "alt", items };
  }

  private cat(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      const atom = this.atom();
      if (atom === null) continue; // a flag group such as (?i)
      items.push(this.repeat(atom));
    }
    return items.length === 1 ? items[0] : { t: "cat", items };
  }

  private repeat(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === "*") [min, max] = [0, -1];
      else if (c === "+") [min, max] = [1, -1];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{") {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return node; // a literal `{` (Go treats a malformed repeat as literal)
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        if (min > 1000 || max > 1000 || (max >= 0 && max < min)) throw new SyntaxError("invalid repeat count");
        this.i += m[0].length - 1;
      } else return node;
      this.i++;
      if (this.peek() === "?") this.i++; // lazy: same language
      if (node.t === "rep") throw new SyntaxError("invalid nested repetition operator");
      node = { t: "rep", node, min, max };
    }
  }

  private literal(ch: string): Node {
    const lower = this.fold ? ch.toLowerCase() : ch;
    return { t: "set", set: setOf((c) => c === lower) };
  }

  private atom(): Node | null {
    const c = this.src[this.i++];
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { t: "set", set: this.charClass() };
      case ".":
        return { t: "set", set: setOf(() => true) };
      case "^":
        return { t: "begin" };
      case "$":
        return { t: "end" };
      case "\\":
        return this.escape(false) as Node;
      case "*":
      case "+":
      case "?":
        throw new SyntaxError("missing argument to repetition operator");
      default:
        return this.literal(c);
    }
  }

  private group(): Node | null {
    if (this.src.startsWith("?", this.i)) {
      const named = /^\?P?<[A-Za-z0-9_]+>/.exec(this.src.slice(this.i));
      if (named) {
        this.i += named[0].length;
      } else {
        const flags = /^\?([a-zA-Z]*)(-[a-zA-Z]*)?(:|\))/.exec(this.src.slice(this.i));
        if (!flags) throw new SyntaxError("invalid or unsupported Perl syntax");
        const on = flags[1];
        const off = flags[2] ?? "";
        if (/[^isU]/.test(on + off.slice(1))) throw new Unsupported(`flag (?${on}${off})`);
        this.i += flags[0].length;
        const saved = this.fold;
        if (on.includes("i")) this.fold = true;
        if (off.includes("i")) this.fold = false;
        if (flags[3] === ")") return null; // applies to the rest of the enclosing group
        const inner = this.alt();
        this.expect(")");
        this.fold = saved;
        return { t: "cat", items: [inner] }; // a group: `(a*)*` is a valid repeat of a repeat
      }
    }
    const saved = this.fold;
    const inner = this.alt();
    this.expect(")");
    this.fold = saved;
    return { t: "cat", items: [inner] };
  }

  private expect(ch: string): void {
    if (this.src[this.i] !== ch) throw new SyntaxError(`missing ${ch}`);
    this.i++;
  }

  /** After a backslash: a set, an assertion, or (inside a class) a single character. */
  private escape(inClass: boolean): Node | string {
    const e = this.src[this.i++];
    if (e === undefined) throw new SyntaxError("trailing backslash");
    const lower = e.toLowerCase();
    if (lower in PERL) {
      const base = PERL[lower];
      const set = setOf(e === lower ? base : (c) => !base(c));
      return inClass ? JSON.stringify(set) : { t: "set", set };
    }
    if (!inClass && e === "A") return { t: "begin" };
    if (!inClass && e === "z") return { t: "end" };
    if (/[bBpPQEC1-9]/.test(e)) throw new Unsupported(`\\${e}`);
    if (e === "x") {
      const m = /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{2})/.exec(this.src.slice(this.i));
      if (!m) throw new SyntaxError("invalid escape");
      this.i += m[0].length;
      const ch = String.fromCodePoint(parseInt(m[0].replace(/[{}]/g, ""), 16));
      return inClass ? ch : this.literal(ch);
    }
    const special: Record<string, string> = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v", a: "\x07", "0": "\0" };
    if (e in special) return inClass ? special[e] : this.literal(special[e]);
    if (/[A-Za-z]/.test(e)) throw new SyntaxError(`invalid escape \\${e}`);
    return inClass ? e : this.literal(e);
  }

  private charClass(): CharSet {
    let negate = false;
    if (this.peek() === "^") {
      negate = true;
      this.i++;
    }
    const set: CharSet = new Array(A).fill(false);
    const add = (lo: string, hi: string) => {
      for (let k = 0; k < A; k++) {
        const c = NAMESPACE_ALPHABET[k];
        const forms = this.fold ? [c, c.toUpperCase()] : [c];
        if (forms.some((f) => f >= lo && f <= hi)) set[k] = true;
      }
    };
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) throw new SyntaxError("missing closing ]");
      if (c === "]" && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === "[" && this.src[this.i + 1] === ":") throw new Unsupported("POSIX class");
      let lo: string;
      this.i++;
      if (c === "\\") {
        const e = this.escape(true) as string;
        if (e.length > 1) {
          (JSON.parse(e) as CharSet).forEach((b, k) => b && (set[k] = true));
          continue;
        }
        lo = e;
      } else lo = c;
      if (this.src[this.i] === "-" && this.src[this.i + 1] !== "]" && this.src[this.i + 1] !== undefined) {
        this.i++;
        let hi = this.src[this.i++];
        if (hi === "\\") hi = this.escape(true) as string;
        if (hi.length > 1 || hi < lo) throw new SyntaxError("invalid character class range");
        add(lo, hi);
      } else add(lo, lo);
    }
    return negate ? set.map((b) => !b) : set;
  }
}

/** Thompson NFA: per state, character edges (set, next) and epsilon edges, some only at the start or end. */
interface Nfa {
  chars: Array<Array<[CharSet, number]>>;
  eps: Array<Array<[number, "" | "begin" | "end"]>>;
  start: number;
  accept: number;
}

function build(root: Node): Nfa {
  const nfa: Nfa = { chars: [], eps: [], start: 0, accept: 0 };
  let states = 0;
  const state = () => {
    nfa.chars.push([]);
    nfa.eps.push([]);
    return states++;
  };
  if (JSON.stringify(root).length > 200_000) throw new Unsupported("pattern too large");
  const emit = (n: Node, from: number): number => {
    switch (n.t) {
      case "set": {
        const to = state();
        nfa.chars[from].push([n.set, to]);
        return to;
      }
      case "empty":
        return from;
      case "begin":
      case "end": {
        const to = state();
        nfa.eps[from].push([to, n.t]);
        return to;
      }
      case "cat":
        return n.items.reduce((at, item) => emit(item, at), from);
      case "alt": {
        const to = state();
        for (const item of n.items) {
          const s = state();
          nfa.eps[from].push([s, ""]);
          nfa.eps[emit(item, s)].push([to, ""]);
        }
        return to;
      }
      case "rep": {
        let at = from;
        for (let k = 0; k < n.min; k++) at = emit(n.node, at);
        if (n.max < 0) {
          const loop = state();
          nfa.eps[at].push([loop, ""]);
          nfa.eps[emit(n.node, loop)].push([loop, ""]);
          return loop;
        }
        const to = state();
        nfa.eps[at].push([to, ""]);
        for (let k = n.min; k < n.max; k++) {
          at = emit(n.node, at);
          nfa.eps[at].push([to, ""]);
        }
        return to;
      }
    }
  };
  nfa.start = state();
  nfa.accept = emit(root, nfa.start);
  if (states > 20_000) throw new Unsupported("pattern too large");
  return nfa;
}

/** A compiled pattern: the NFA, or why it could not be modelled. */
export type CompiledGoRegexp = { nfa: Nfa } | { unsupported: string } | { invalid: string };

/** Parses `pattern` with Go's syntax (the subset above). */
export function compileGoRegexp(pattern: string): CompiledGoRegexp {
  try {
    return { nfa: build(new Parser(pattern).parse()) };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    return { invalid: (e as Error).message };
  }
}

/** The states reachable from `set` by epsilon edges; `begin` edges only at position 0, `end` only at the end. */
function closure(nfa: Nfa, set: Iterable<number>, atStart: boolean, atEnd: boolean): Set<number> {
  const out = new Set<number>();
  const stack = [...set];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    for (const [to, when] of nfa.eps[s]) {
      if (when === "begin" && !atStart) continue;
      if (when === "end" && !atEnd) continue;
      stack.push(to);
    }
  }
  return out;
}

function step(nfa: Nfa, set: Set<number>, ch: number): Set<number> {
  const next = new Set<number>([nfa.start]); // unanchored: a match may start at any position
  for (const s of set) {
    if (s === nfa.accept) next.add(s); // a match found earlier stays found
    for (const [cs, to] of nfa.chars[s]) if (cs[ch]) next.add(to);
  }
  return closure(nfa, next, false, false);
}

function accepts(nfa: Nfa, set: Set<number>, atStart: boolean): boolean {
  return set.has(nfa.accept) || closure(nfa, set, atStart, true).has(nfa.accept);
}

/** Whether the compiled pattern matches `name` somewhere (Go's unanchored MatchString), for names over the alphabet. */
export function nfaMatches(nfa: Nfa, name: string): boolean {
  let set = closure(nfa, [nfa.start], true, false);
  if (name.length === 0) return accepts(nfa, set, true);
  for (const c of name) {
    const k = NAMESPACE_ALPHABET.indexOf(c);
    if (k < 0) return false; // not a namespace name
    set = step(nfa, set, k);
  }
  return accepts(nfa, set, false);
}

/**
 * A valid namespace name `pattern` does not match (unanchored), `null` when it matches every valid
 * name, `undefined` when the pattern cannot be modelled or the search exceeds its budget.
 */
export function namespaceNotMatched(nfa: Nfa, budget = 100_000): string | null | undefined {
  // Label automaton: 0 = empty, 1 = ends alphanumeric (accepting), 2 = ends with '-'.
  type Entry = { label: number; set: Set<number>; name: string };
  const initial = closure(nfa, [nfa.start], true, false);
  if (initial.has(nfa.accept)) return null; // the empty match at position 0: every name
  let level: Entry[] = [{ label: 0, set: initial, name: "" }];
  let explored = 0;
  // A state seen at an earlier length has at least as many characters left: whatever a later copy of it
  // could still miss, the earlier one misses with a shorter name. So every state is explored once.
  const seen = new Set<string>();
  for (let len = 1; len <= MAX_NAME; len++) {
    const next = new Map<string, Entry>();
    for (const e of level) {
      for (let k = 0; k < A; k++) {
        const dash = k === A - 1;
        if (e.label === 0 && dash) continue;
        const set = step(nfa, e.set, k);
        if (set.has(nfa.accept)) continue; // every extension is matched
        const label = dash ? 2 : 1;
        const name = e.name + NAMESPACE_ALPHABET[k];
        if (label === 1 && !accepts(nfa, set, false)) return name;
        const key = `${label}|${[...set].sort((a, b) => a - b).join(",")}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.set(key, { label, set, name });
        if (++explored > budget) return undefined;
      }
    }
    level = [...next.values()];
    if (level.length === 0) return null;
  }
  return null;
}
