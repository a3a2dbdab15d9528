/**
 * Minimal, deterministic HCL rendering for the Vault server configuration and Vault policies. Internal.
 */

/**
 * An HCL quoted string: backslash, quote and control characters escaped, and the template sequences
 * `${` / `%{` doubled so a value is never interpreted as an interpolation or directive.
 */
export function hclString(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  // Function replacements: in a replacement string `$$` would itself mean a single `$`.
  return `"${out.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{")}"`;
}

/** An HCL list of quoted strings on one line: `["a", "b"]`. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map(hclString).join(", ")}]`;
}
