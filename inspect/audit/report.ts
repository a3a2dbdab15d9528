/**
 * The `access` outputs: access.json (the {@link AccessReport}), report.md and a self-contained report.html,
 * all rendered from the same sections. No value is ever in them: records carry none.
 */
import type { Answers, IdentityAnswer, SecretAnswer, UnusualRead } from "./analyze";
import type { CoverageWarning } from "./coverage";
import type { CouldVsDid } from "./proposal";
import type { AuditFormat, ReadProblem } from "./types";
import type { InventoryGrant } from "./inventory";
import { escapeHtml, htmlPage } from "../html";
import { cell } from "../markdown";

export const ACCESS_SCHEMA_VERSION = 1 as const;

export interface AccessReport {
  schemaVersion: typeof ACCESS_SCHEMA_VERSION;
  tool: { name: "kube-secrets-platform"; command: "access" };
  inputs: string[];
  window: Answers["window"];
  counts: {
    /** Values recognised per format (every event, Secret or not). */
    byFormat: Partial<Record<AuditFormat, number>>;
    /** Normalised Secret/Vault accesses (once per request). */
    records: number;
    /** Later stages and repeated copies of a request already counted. */
    duplicates: number;
    /** Recognised events that are not Secret reads (other resources, Vault housekeeping). */
    otherEvents: number;
    problems: number;
  };
  coverage: CoverageWarning[];
  secrets: SecretAnswer[];
  vaultPaths: { path: string; mount: string; readers: { identity: string; operations: string[]; count: number; first: string; last: string }[] }[];
  identities: IdentityAnswer[];
  unusual: UnusualRead[];
  /** With `--inventory`: per identity, granted vs used, and the never-widening proposal. */
  couldVsDid?: {
    inventory: "scan" | "objects";
    identities: CouldVsDid[];
    /** Subjects with direct Secret read grants and no Secret request in the window. */
    idle: { cluster: string; subject: string; grants: InventoryGrant[] }[];
    /** Clusters of the logs matched to an inventory cluster of another name (the inventory's only cluster). */
    matched: { logs: string; inventory: string }[];
  };
  /** The first 1000 problems; `counts.problems` has the total. */
  problems: ReadProblem[];
}

type Cell = string | number;
interface Section {
  title: string;
  level: 2 | 3;
  text?: string[];
  table?: { head: string[]; rows: Cell[][] };
  code?: { lang: string; text: string };
}

const clusterLabel = (c: string) => c || "(cluster not stated)";
const short = (t: string) => t.replace("T", " ").replace(/\.\d+Z$/, "Z");

function sections(r: AccessReport): Section[] {
  const s: Section[] = [];
  const formats = Object.entries(r.counts.byFormat).map(([f, n]) => `${f} ${n}`).join(", ") || "none";
  s.push({
    title: "Window and inputs",
    level: 2,
    text: [
      r.window.first ? `Observed window: ${short(r.window.first)} to ${short(r.window.last!)}.${r.window.baselineUntil ? ` Usual behaviour is taken from the reads before ${short(r.window.baselineUntil)}.` : ""}` : "No Secret or Vault access in the input.",
      `Inputs: ${r.inputs.join(", ") || "none"}. Events by format: ${formats}. Accesses: ${r.counts.records} (counted once per request; ${r.counts.duplicates} later stages or copies dropped). Other events: ${r.counts.otherEvents}. Problems: ${r.counts.problems}.`,
      "Addresses are the last entry of each event's source IPs: the API server appends the connection's peer address after any X-Forwarded-For / X-Real-Ip values, which a client can set freely.",
    ],
  });
  s.push({
    title: "Coverage warnings",
    level: 2,
    ...(r.coverage.length > 0 ? { table: { head: ["severity", "code", "warning"], rows: r.coverage.map((w) => [w.severity, w.code, w.message]) } } : { text: ["None found. (Coverage is only as good as what was read and stated.)"] }),
  });
  s.push({
    title: "Per Secret: who read it",
    level: 2,
    ...(r.secrets.length > 0
      ? {
          table: {
            head: ["cluster", "Secret", "reader", "via", "verbs", "count", "first", "last", "from"],
            rows: r.secrets.flatMap((sec) =>
              sec.readers.length > 0
                ? sec.readers.map((rd) => [clusterLabel(sec.cluster), `${sec.namespace}/${sec.name}`, rd.identity, rd.via, rd.verbs.join(", "), rd.count, short(rd.first), short(rd.last), rd.addresses.map((a) => `${a.ip} (${a.count})`).join(", ")])
                : [[clusterLabel(sec.cluster), `${sec.namespace}/${sec.name}`, "(denied only)", "", "", 0, "", "", ""]],
            ),
          },
        }
      : { text: ["No Secret was read by name."] }),
  });
  if (r.vaultPaths.length > 0) {
    s.push({ title: "Per Vault path: who used it", level: 2, table: { head: ["path", "mount", "identity", "operations", "count", "first", "last"], rows: r.vaultPaths.flatMap((p) => p.readers.map((rd) => [p.path, p.mount, rd.identity, rd.operations.join(", "), rd.count, short(rd.first), short(rd.last)])) } });
  }
  s.push({
    title: "Per identity: what it read",
    level: 2,
    ...(r.identities.length > 0
      ? {
          table: {
            head: ["cluster", "identity", "Secrets read", "lists/watches", "Vault", "denied", "addresses", "pods / nodes"],
            rows: r.identities.map((id) => [
              clusterLabel(id.cluster),
              id.identity + (id.users.some((u) => u.includes(" as ")) ? ` (${id.users.join(", ")})` : ""),
              id.secrets.map((x) => `${x.namespace}/${x.name} ${x.verbs.join("/")} ×${x.count}`).join("; "),
              id.lists.map((l) => `${l.verb} ${l.namespace}${l.name ? `/${l.name}` : ""}${l.labelSelector ? ` [${l.labelSelector}]` : ""} ×${l.count}${l.returned ? ` → ${l.returned.length} Secrets` : ""}`).join("; "),
              id.vault.map((v) => `${v.path} ${v.operations.join("/")} ×${v.count}`).join("; "),
              id.denied.reduce((n, d) => n + d.count, 0),
              id.addresses.map((a) => a.ip).join(", "),
              [...id.pods, ...id.nodes].join(", "),
            ]),
          },
        }
      : { text: ["No identity accessed a Secret."] }),
  });
  s.push({
    title: "Unusual reads",
    level: 2,
    ...(r.unusual.length > 0 ? { table: { head: ["kind", "cluster", "identity", "target", "count", "first", "detail"], rows: r.unusual.map((u) => [u.kind, clusterLabel(u.cluster), u.identity, u.target, u.count, short(u.first), u.detail]) } } : { text: ["None."] }),
  });
  const listed = r.identities.flatMap((id) => id.lists.filter((l) => l.returned).map((l) => [clusterLabel(id.cluster), id.identity, `${l.verb} ${l.namespace}${l.fieldSelector ? ` fieldSelector=${l.fieldSelector}` : ""}${l.labelSelector ? ` labelSelector=${l.labelSelector}` : ""}`, l.count, l.returned!.join(", ") || "(none)", l.note ?? ""] as Cell[]));
  if (listed.length > 0) s.push({ title: "List and watch calls, expanded with the inventory", level: 2, table: { head: ["cluster", "identity", "call", "count", "returned", "note"], rows: listed } });
  const cvd = r.couldVsDid;
  if (cvd) {
    s.push({
      title: "Could vs did",
      level: 2,
      text: [
        `Granted (inventory: ${cvd.inventory === "scan" ? "scan.json" : "Kubernetes objects"}) against used over the window ${r.window.first ? `${short(r.window.first)} to ${short(r.window.last!)}` : "(empty)"}. Unused means not read in that window, not "never needed".`,
        ...cvd.matched.map((m) => `Log cluster ${clusterLabel(m.logs)} was matched to inventory cluster ${clusterLabel(m.inventory)} (the inventory's only cluster).`),
        "Proposals never widen: only accesses both used and granted, gets by name, lists/watches only when pinned by a metadata.name field selector.",
      ],
    });
    for (const c of cvd.identities) {
      s.push({
        title: `${c.identity} (${clusterLabel(c.cluster)})`,
        level: 3,
        text: [
          `Used: ${c.used.join(", ") || "nothing"}.`,
          ...(c.proposal.broadListsNotProposed.length > 0 ? [`Used, not proposed (would grant every name): ${c.proposal.broadListsNotProposed.map((t) => `${t.verb} in ${t.namespace === "*" ? "every namespace" : t.namespace}`).join("; ")}.`] : []),
          ...(c.proposal.usedNotInGrants.length > 0 ? [`Used, but no inventory grant covers it (not proposed): ${c.proposal.usedNotInGrants.map((t) => `${t.verb} ${t.namespace}/${t.name ?? "*"}`).join("; ")}.`] : []),
          ...(c.proposal.wantedNotGranted.length > 0 ? [`Wanted, not granted (denied): ${c.proposal.wantedNotGranted.map((t) => `${t.verb} ${t.namespace}/${t.name ?? "*"}`).join("; ")}.`] : []),
        ],
        ...(c.grants.length > 0
          ? { table: { head: ["grant", "holder", "reaches", "used", "unused", "unused verbs"], rows: c.grants.map((g) => [`${g.verbs.join(",")} ${g.namespace === "*" ? "every namespace" : g.namespace}${g.resourceNames ? ` [${g.resourceNames.join(", ")}]` : ""} via ${g.path.join(" -> ")}`, g.holder, g.reaches, g.used.join(", "), g.unused.length > 20 ? `${g.unused.slice(0, 20).join(", ")} … (${g.unused.length})` : g.unused.join(", "), g.unusedVerbs.join(", ")]) } }
          : {}),
      });
      s.push({ title: "Diff against current grants", level: 3, code: { lang: "diff", text: c.diff.join("\n") || "(no grants, nothing proposed)" } });
      if (c.yaml) {
        s.push({ title: "Proposed Role and RoleBinding (YAML)", level: 3, code: { lang: "yaml", text: c.yaml } });
        s.push({ title: "Proposed Role and RoleBinding (Pulumi)", level: 3, code: { lang: "typescript", text: c.pulumi } });
      }
    }
    if (cvd.idle.length > 0) {
      s.push({ title: "Granted, no Secret request in the window", level: 3, table: { head: ["cluster", "subject", "grants"], rows: cvd.idle.map((i) => [clusterLabel(i.cluster), i.subject, i.grants.map((g) => `${g.verbs.join(",")} ${g.namespace === "*" ? "every namespace" : g.namespace}${g.resourceNames ? ` [${g.resourceNames.join(", ")}]` : ""}`).join("; ")]) } });
    }
  }
  if (r.problems.length > 0) {
    s.push({ title: "Problems reading the input", level: 2, table: { head: ["file", "line", "item", "problem"], rows: r.problems.map((p) => [p.file, p.line, p.item ?? "", p.message]) }, ...(r.counts.problems > r.problems.length ? { text: [`${r.counts.problems - r.problems.length} more not shown.`] } : {}) });
  }
  return s;
}

export function renderMarkdown(r: AccessReport): string {
  const out = ["# Secret access: who read which credentials, when, and from where", ""];
  for (const sec of sections(r)) {
    out.push(`${"#".repeat(sec.level)} ${sec.title}`, "");
    for (const t of sec.text ?? []) out.push(t, "");
    if (sec.table) {
      out.push(`| ${sec.table.head.join(" | ")} |`, `|${sec.table.head.map(() => "---").join("|")}|`);
      for (const row of sec.table.rows) out.push(`| ${row.map((c) => cell(String(c))).join(" | ")} |`);
      out.push("");
    }
    if (sec.code) out.push("```" + sec.code.lang, sec.code.text.replace(/\n$/, ""), "```", "");
  }
  return out.join("\n");
}

/** A self-contained page in the scan report's shell (inspect/html.ts): inline CSS, no network. */
export function renderHtml(r: AccessReport): string {
  const body: string[] = [];
  for (const sec of sections(r)) {
    body.push(`<section class="card"><h${sec.level}>${escapeHtml(sec.title)}</h${sec.level}>`);
    for (const t of sec.text ?? []) body.push(`<p>${escapeHtml(t)}</p>`);
    if (sec.table) {
      body.push("<table><thead><tr>" + sec.table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join("") + "</tr></thead><tbody>");
      for (const row of sec.table.rows) {
        const cls = sec.title === "Coverage warnings" ? ` class="sev-${escapeHtml(String(row[0]))}"` : "";
        body.push(`<tr${cls}>` + row.map((c) => `<td>${escapeHtml(String(c))}</td>`).join("") + "</tr>");
      }
      body.push("</tbody></table>");
    }
    if (sec.code) body.push(`<pre class="${escapeHtml(sec.code.lang)}">${escapeHtml(sec.code.text)}</pre>`);
    body.push("</section>");
  }
  return htmlPage({
    title: "Secret access: who read which credentials, when, and from where",
    subtitle: r.window.first ? `${r.window.first} to ${r.window.last}; ${r.counts.records} accesses` : "no access in the input",
    data: { schemaVersion: r.schemaVersion },
    body: body.join("\n"),
    script: "",
    css: "section.card { margin: 16px 20px; } tr.sev-high td:first-child { color: var(--high); font-weight: 600; } tr.sev-medium td:first-child { color: var(--medium); } pre { background: #f6f8fa; padding: .75rem; overflow: auto; }",
  });
}
