/**
 * Vault ACL paths through which a token escalates (gains capabilities it was not given) or reads a
 * whole secrets engine, judged with Vault's own path semantics (hashicorp/vault vault/policy.go
 * parsePaths and vault/acl.go): a trailing `*` is a prefix match over the rest of the request path
 * (across `/`), a `+` segment matches exactly one path segment, and `+*` is refused by Vault's parser.
 * Pure; used by vaultPolicyProblems (so by VaultPolicy and the vault-policy-least-privilege policy).
 */

/** Capabilities that change state (`sudo` alone changes nothing; it is refused on its own by the checker). */
const WRITE = ["create", "update", "patch", "delete"];

/** One escalation path: the Vault path pattern, the capabilities that make it one, and why. */
interface EscalationPath {
  pattern: string;
  capabilities: string[];
  why: string;
}

export const VAULT_ESCALATION_PATHS: readonly EscalationPath[] = [
  { pattern: "sys/policies/acl/*", capabilities: WRITE, why: "writes ACL policies (can grant itself any capability)" },
  { pattern: "sys/policy/*", capabilities: WRITE, why: "writes ACL policies through the legacy sys/policy endpoint (can grant itself any capability)" },
  { pattern: "auth/token/create*", capabilities: ["create", "update"], why: "mints tokens (auth/token/create, create-orphan, create/<role>)" },
  { pattern: "auth/token/roles/*", capabilities: WRITE, why: "defines token roles (which decide the policies of tokens minted through them)" },
  { pattern: "auth/+/role/*", capabilities: WRITE, why: "rewrites auth method roles (bound identities and token policies) or mints their credentials (approle secret-id)" },
  { pattern: "auth/+/config*", capabilities: WRITE, why: "rewrites an auth method's configuration (e.g. the Kubernetes API it trusts)" },
  { pattern: "identity/*", capabilities: WRITE, why: "writes identity entities, groups and aliases (which carry policies)" },
  { pattern: "sys/auth*", capabilities: WRITE, why: "enables, disables or tunes auth methods" },
  { pattern: "sys/mounts*", capabilities: WRITE, why: "mounts, unmounts or tunes secrets engines" },
  { pattern: "sys/remount*", capabilities: WRITE, why: "moves secrets engines" },
  { pattern: "sys/audit*", capabilities: WRITE, why: "enables or disables audit devices (hiding reads)" },
  { pattern: "sys/raw*", capabilities: ["read", "list", ...WRITE], why: "reads or writes Vault's raw storage" },
  { pattern: "sys/generate-root*", capabilities: WRITE, why: "generates a root token" },
  { pattern: "sys/rekey*", capabilities: WRITE, why: "rekeys Vault" },
];

/** KV v2 (and similar) infixes: `secret/data/x` names the same secret as `secret/x`. */
const ENGINE_INFIXES = new Set(["data", "metadata", "delete", "undelete", "destroy", "subkeys"]);

interface Token {
  kind: "char" | "segment" | "star";
  ch?: string;
}

/** A Vault policy path as tokens: literal characters, `+` segments (one whole path segment), a trailing `*`. */
function tokens(path: string): Token[] {
  const out: Token[] = [];
  const segments = path.split("/");
  segments.forEach((seg, i) => {
    if (i > 0) out.push({ kind: "char", ch: "/" });
    const last = i === segments.length - 1;
    if (seg === "+") out.push({ kind: "segment" });
    else {
      const star = last && seg.endsWith("*");
      for (const ch of star ? seg.slice(0, -1) : seg) out.push({ kind: "char", ch });
      if (star) out.push({ kind: "star" });
    }
  });
  return out;
}

/** Whether some request path matches both Vault path patterns. */
export function vaultPathsOverlap(a: string, b: string): boolean {
  const ta = tokens(a);
  const tb = tokens(b);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number, inA: boolean, inB: boolean): boolean => {
    // inA / inB: inside a `+` segment that has consumed at least nothing yet and may continue.
    const key = ((i * (tb.length + 1) + j) * 2 + (inA ? 1 : 0)) * 2 + (inB ? 1 : 0);
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    memo.set(key, false);
    let r = false;
    const x = ta[i];
    const y = tb[j];
    if (x?.kind === "star" || y?.kind === "star") r = true;
    else if (x === undefined && y === undefined) r = true;
    else {
      // A `+` segment: consume one more non-'/' character of the other side, or end it.
      if (x?.kind === "segment") {
        r = go(i + 1, j, false, inB) || (y?.kind === "char" && y.ch !== "/" && go(i, j + 1, true, false)) || (y?.kind === "segment" && go(i + 1, j + 1, false, false));
      } else if (y?.kind === "segment") {
        r = go(i, j + 1, inA, false) || (x?.kind === "char" && x.ch !== "/" && go(i + 1, j, false, true));
      } else if (x?.kind === "char" && y?.kind === "char") r = x.ch === y.ch && go(i + 1, j + 1, false, false);
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0, false, false);
}

/** Why a rule is an escalation path (one message per path it reaches), [] when it is none. */
export function escalationProblems(path: string, capabilities: readonly string[]): string[] {
  if (capabilities.includes("deny")) return [];
  const out: string[] = [];
  for (const e of VAULT_ESCALATION_PATHS) {
    const caps = capabilities.filter((c) => e.capabilities.includes(c));
    if (caps.length === 0 || !vaultPathsOverlap(path, e.pattern)) continue;
    out.push(`"${path}" with ${caps.join(", ")} reaches ${e.pattern}: ${e.why}`);
  }
  return out;
}

/**
 * The mount a glob rule covers entirely (`secret/*`, `secret/+/*`, `secret/data/*`), or undefined: a
 * glob (`*` or `+`) whose fixed part, KV infixes such as `data/` aside, is the mount alone.
 */
export function wholeMountGlob(path: string): string | undefined {
  const star = path.endsWith("*");
  const segments = path.split("/");
  const plusAt = segments.indexOf("+");
  if (!star && plusAt < 0) return undefined;
  const fixedEnd = plusAt >= 0 ? plusAt : segments.length - 1;
  const fixed = segments.slice(0, fixedEnd);
  const lastPartial = plusAt < 0 ? segments[segments.length - 1].slice(0, -1) : "";
  const named = fixed.filter((s, i) => i === 0 || !ENGINE_INFIXES.has(s));
  if (lastPartial !== "" && ![...ENGINE_INFIXES].some((infix) => infix.startsWith(lastPartial))) named.push(lastPartial);
  return named.length <= 1 && fixed.length >= 1 ? fixed[0] : undefined;
}
