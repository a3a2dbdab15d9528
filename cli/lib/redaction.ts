/**
 * Redaction of the plan's artefacts: exactly the secret values, and their encodings, become `[secret]`
 * wherever they occur; nothing else changes.
 *
 * - A value the program marked secret is replaced as a whole (`redact` of the mock runtime).
 * - Every other string has each occurrence of a secret replaced by `[secret]`: the raw value, its
 *   JSON/YAML double-quoted escaping, its YAML single-quoted escaping and its base64 (standard and URL-safe).
 *   A string that is base64 of a text containing a secret (a Secret's `data`, a kubeconfig) becomes `[secret]`.
 * - Secrets shorter than {@link MIN_REDACTABLE_LENGTH} cannot be replaced inside other strings without
 *   corrupting them (a secret `vault` would rewrite the namespace `vault`): a stack-file or config secret that
 *   short is refused ({@link shortSecretProblems}); a value the program marked secret that short is only
 *   redacted where it is marked.
 */
export const SECRET_MARK = "[secret]";
/** Secrets shorter than this are refused (config) or redacted only where marked (program values). */
export const MIN_REDACTABLE_LENGTH = 8;

const BASE64 = /^[A-Za-z0-9+/_-]{12,}={0,2}$/;

function escapes(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([secret, json, secret.replace(/'/g, "''"), Buffer.from(secret).toString("base64"), Buffer.from(secret).toString("base64url")]);
  // base64 of the secret embedded in longer base64 text is caught by decoding (below); the unpadded form
  // catches a secret base64-encoded on its own and padded differently.
  forms.add(Buffer.from(secret).toString("base64").replace(/=+$/, ""));
  return [...forms].filter((f) => f.length > 0);
}

/** Replaces the secrets (at least {@link MIN_REDACTABLE_LENGTH} characters each) in strings and structures. */
export class Redactor {
  private readonly secrets: string[];
  private readonly forms: string[];
  /** One answer per distinct string: rendered charts repeat the same long strings (CRD schemas) on every cluster. */
  private readonly cache = new Map<string, string>();

  constructor(secrets: Iterable<string>) {
    this.secrets = [...new Set([...secrets].filter((s) => s.length >= MIN_REDACTABLE_LENGTH))];
    // Longest first, so a secret containing another is replaced whole.
    this.forms = [...new Set(this.secrets.flatMap(escapes))].sort((a, b) => b.length - a.length);
  }

  /** True when there is nothing to redact. */
  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** `text` with every occurrence of a secret (or an encoding of it) replaced by `[secret]`. */
  string(text: string): string {
    if (this.empty) return text;
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const out = this.redact(text);
    this.cache.set(text, out);
    return out;
  }

  private redact(text: string): string {
    let out = text;
    for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(SECRET_MARK);
    if (out === text && BASE64.test(text)) {
      const decoded = Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64").toString("utf8");
      if (this.secrets.some((s) => decoded.includes(s))) return SECRET_MARK;
    }
    return out;
  }

  /** A deep copy of `value` with {@link string} applied to every string (keys too). */
  value(value: unknown): unknown {
    if (this.empty) return value;
    if (typeof value === "string") return this.string(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.string(k), this.value(v)]));
    return value;
  }
}

/**
 * The string leaves of a config value (raw text, or JSON) with their path below the key (`""` for the value
 * itself, `.a[0].b` inside a structured value).
 */
export function secretLeaves(value: string | undefined): Array<{ path: string; value: string }> {
  if (value === undefined) return [];
  let parsed: unknown = value;
  try {
    parsed = JSON.parse(value);
  } catch {
    // a plain string
  }
  const out: Array<{ path: string; value: string }> = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === "string") out.push({ path, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(parsed, "");
  return out;
}

/**
 * `key<path>: …` for every secret config leaf too short to redact (never the value itself). Empty strings
 * are allowed: there is nothing to leak.
 */
export function shortSecretProblems(config: Record<string, string>, secretKeys: Iterable<string>): string[] {
  const problems: string[] = [];
  for (const key of new Set(secretKeys)) {
    for (const leaf of secretLeaves(config[key])) {
      if (leaf.value.length > 0 && leaf.value.length < MIN_REDACTABLE_LENGTH) {
        problems.push(
          `${key}${leaf.path}: a secret of fewer than ${MIN_REDACTABLE_LENGTH} characters cannot be redacted from the plan without corrupting it (it would match ordinary names): use a longer secret`,
        );
      }
    }
  }
  return problems;
}
