/**
 * report.md of a scan: summary, what could not be listed, findings, Secrets with source / consumers /
 * readers / blast radius, the widest readers, and the narrowing proposals (diff + YAML). Long tables are
 * cut (the full data is in scan.json).
 */
import { refText } from "./graph";
import type { ClusterScan, ScanDocument } from "./scanSchema";

const MAX_ROWS = 300;

/** A Markdown table cell: pipes escaped, newlines flattened, HTML-ish characters escaped. */
export function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function table(head: string[], rows: string[][], what: string): string[] {
  const out = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows.slice(0, MAX_ROWS)) out.push(`| ${r.map(cell).join(" | ")} |`);
  if (rows.length > MAX_ROWS) out.push("", `(${rows.length - MAX_ROWS} more ${what} in scan.json)`);
  return out;
}

function clusterSection(c: ClusterScan): string[] {
  const lines: string[] = [`## Cluster ${c.name}`, ""];
  const input = c.input.kind === "live" ? `live, context ${c.input.context ?? "?"} (${c.input.server ?? "?"})` : `dumps: ${(c.input.files ?? []).join(", ")}`;
  lines.push(`Input: ${input}${c.kubernetesVersion ? `; Kubernetes ${c.kubernetesVersion}` : ""}. Objects: ${Object.entries(c.counts).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}.`, "");
  if (c.exemptSubjects.length) lines.push(`Exempt subjects (expected controllers): ${c.exemptSubjects.map((s) => `\`${s}\``).join(", ")}.`, "");
  if (c.notListed.length) {
    lines.push("### Not listed: the scan is incomplete", "");
    lines.push(...table(["resource", "status", "impact", "message"], c.notListed.map((n) => [n.resource, String(n.status || "error"), n.impact, n.message ?? ""]), "resources"), "");
  }
  for (const w of c.warnings) lines.push(`- warning: ${w}`);
  if (c.warnings.length) lines.push("");
  lines.push("### Findings", "");
  if (c.findings.length === 0) lines.push("None.", "");
  else lines.push(...table(["severity", "rule", "finding", "fix"], c.findings.map((f) => [f.severity, f.rule, f.message, f.fix]), "findings"), "");
  lines.push("### Secrets", "");
  const readerText = (s: ClusterScan["secrets"][number]) => {
    const subjects = [...new Set(s.readers.map((id) => c.grants[id]).filter((g) => !g.exempt && g.access !== "write").map((g) => `${g.subject} (${g.mechanism})`))].sort();
    return subjects.length ? subjects.join(", ") : "only exempt";
  };
  lines.push(
    ...table(
      ["Secret", "source", "consumers", "readers (not exempt)", "blast radius"],
      c.secrets.map((s) => [
        `${s.namespace}/${s.name}`,
        `${s.source.kind}: ${s.source.detail}`,
        s.consumers.map((x) => `${refText(x.object)} (${x.via})`).join(", ") || "none",
        readerText(s),
        `${s.blast.readers} readers (${s.blast.nonExemptReaders} not exempt, ${s.blast.clusterWideReaders} cluster-wide), ${s.blast.pods} pods, ${s.blast.namespaces} namespaces`,
      ]),
      "Secrets",
    ),
    "",
  );
  lines.push("### Widest readers", "");
  const subjects = c.subjects.filter((s) => !s.exempt && s.blast.secrets > 0).sort((a, b) => b.blast.secrets - a.blast.secrets || (a.subject < b.subject ? -1 : 1));
  if (subjects.length === 0) lines.push("None outside the exempt subjects.", "");
  else lines.push(...table(["subject", "Secrets", "namespaces", "pods", "cloud identities"], subjects.map((s) => [s.subject, s.readsAll ? `${s.blast.secrets} (every Secret)` : String(s.blast.secrets), String(s.blast.namespaces), String(s.blast.pods), s.cloudIdentities.map((ci) => `${ci.provider} ${ci.identity}`).join(", ")]), "subjects"), "");
  lines.push("### Narrowing proposals", "");
  const props = c.proposals.filter((p) => p.narrows);
  if (props.length === 0) lines.push("No workload identity holds more Secret access than its pods need.", "");
  for (const p of props.slice(0, 100)) {
    lines.push(`#### ${p.serviceAccount}`, "", `Workloads: ${p.workloads.join(", ")}. Mounted (no RBAC needed): ${p.mounted.join(", ") || "none"}. API reads: ${p.apiReads.join(", ") || "none"}.`, "");
    lines.push("```diff", ...p.diff, "```", "", "```yaml", p.yaml.trimEnd(), "```", "", "```ts", p.pulumi.trimEnd(), "```", "");
  }
  if (props.length > 100) lines.push(`(${props.length - 100} more proposals in scan.json)`, "");
  return lines;
}

export function reportMarkdown(doc: ScanDocument): string {
  const f = doc.summary.findings;
  const lines = [
    "# Secret scan",
    "",
    `kube-secrets-platform scan ${doc.tool.version}, ${doc.generatedAt}. ${doc.summary.secrets} Secrets in ${doc.clusters.length} cluster(s); findings: ${f.critical} critical, ${f.high} high, ${f.medium} medium, ${f.low} low.`,
    "",
    "No Secret value was read or written: Secrets are listed as metadata only (live) or their values dropped on read (dumps).",
    "",
  ];
  for (const c of doc.clusters) lines.push(...clusterSection(c));
  return `${lines.join("\n")}\n`;
}
