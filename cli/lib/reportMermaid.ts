/**
 * The Mermaid diagram of a cluster's Secret access graph for report.md: subjects on the left,
 * namespaces on the right, one edge per (subject, namespace) labelled with the kinds of access
 * (read / write / indirect). Node ids are generated (`s0`, `n0`), so names never reach Mermaid syntax
 * except inside quoted labels, where every character Mermaid or the Markdown renderer could interpret
 * is written as a Mermaid entity code.
 */
import type { AccessRow } from "./access";

/** Default maximum number of edges drawn per cluster (the table always lists everything). */
export const DEFAULT_DIAGRAM_EDGE_LIMIT = 60;

/**
 * Text safe inside a quoted Mermaid label: `"`, `#`, `<`, `>`, `&`, backtick, `|`, brackets, braces,
 * parentheses and `;` as `#<code>;` entity codes; line breaks as spaces.
 */
export function mermaidText(s: string): string {
  return s.replace(/[\r\n]+/g, " ").replace(/["#<>&`|[\]{}();\\]/g, (c) => `#${c.charCodeAt(0)};`);
}

export interface AccessDiagram {
  /** The Mermaid source (without the code fence). */
  source: string;
  /** Edges drawn and edges in the whole graph. */
  shown: number;
  total: number;
}

interface Edge {
  subject: string;
  namespace: string;
  access: Set<string>;
  exempt: boolean;
  rank: number;
}

const ACCESS_ORDER = ["read", "write", "indirect"];
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Label of a namespace node (`*` is every namespace). */
function namespaceLabel(ns: string): string {
  return ns === "*" ? "every namespace (*)" : `ns ${ns}`;
}

/**
 * The diagram of `rows`. When the graph has more than `limit` edges, the most severe non-exempt edges
 * are kept (exempt ones last) and `shown < total` tells the caller to say so.
 */
export function accessDiagram(rows: AccessRow[], limit = DEFAULT_DIAGRAM_EDGE_LIMIT): AccessDiagram {
  const edges = new Map<string, Edge>();
  for (const row of rows) {
    const key = JSON.stringify([row.subject, row.namespace]);
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { subject: row.subject, namespace: row.namespace, access: new Set(), exempt: true, rank: 9 }));
    e.access.add(row.access);
    // An edge is exempt only when every row behind it is.
    e.exempt &&= row.exempt;
    e.rank = Math.min(e.rank, SEVERITY_RANK[row.severity] ?? 4);
  }
  const all = [...edges.values()];
  const chosen = [...all]
    .sort((a, b) => Number(a.exempt) - Number(b.exempt) || a.rank - b.rank)
    .slice(0, Math.max(0, limit));
  const keep = new Set(chosen);
  const drawn = all.filter((e) => keep.has(e));

  const subjectIds = new Map<string, string>();
  const namespaceIds = new Map<string, string>();
  const lines = ["flowchart LR"];
  for (const e of drawn) {
    if (!subjectIds.has(e.subject)) subjectIds.set(e.subject, `s${subjectIds.size}`);
    if (!namespaceIds.has(e.namespace)) namespaceIds.set(e.namespace, `n${namespaceIds.size}`);
  }
  const exemptSubjects = new Set(drawn.filter((e) => e.exempt).map((e) => e.subject));
  for (const e of drawn) {
    if (!e.exempt) exemptSubjects.delete(e.subject);
  }
  for (const [subject, id] of subjectIds) {
    lines.push(`  ${id}["${mermaidText(subject)}${exemptSubjects.has(subject) ? " (exempt)" : ""}"]`);
  }
  for (const [ns, id] of namespaceIds) lines.push(`  ${id}[("${mermaidText(namespaceLabel(ns))}")]`);
  for (const e of drawn) {
    const label = ACCESS_ORDER.filter((a) => e.access.has(a)).join(", ");
    lines.push(`  ${subjectIds.get(e.subject)} ${e.exempt ? "-.->" : "-->"}|"${label}"| ${namespaceIds.get(e.namespace)}`);
  }
  if (exemptSubjects.size > 0) {
    lines.push("  classDef exempt stroke-dasharray: 4 4,color:#666;");
    lines.push(`  class ${[...exemptSubjects].map((s) => subjectIds.get(s)).join(",")} exempt;`);
  }
  return { source: lines.join("\n"), shown: drawn.length, total: all.length };
}
