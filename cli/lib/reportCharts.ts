/**
 * The Helm chart parts of report.md: which charts the plan rendered (or not, and why), and per cluster the
 * subjects chart objects define that can reach Secrets, exempt or not.
 */
import type { AccessRow } from "./access";
import { CHART_TYPE } from "./charts";
import type { PlanDocument, PlanResource } from "./planDocument";
import { cell, code } from "./report";

/** `## Helm charts`: one row per Chart of the stack. Empty when the plan has no chart list. */
export function chartsSection(plan: PlanDocument): string[] {
  const charts = plan.charts;
  if (!charts || charts.length === 0) return [];
  const missing = charts.filter((c) => !c.rendered).length;
  const lines = [
    "## Helm charts",
    "",
    missing === 0
      ? "Every chart was rendered with its pinned, digest-checked tarball and Helm 3; its objects are the Chart's children below, checked by every policy with the chart's cluster, as `helm.v4.Chart` registers them in a preview."
      : `**${missing} of ${charts.length} charts were not rendered**: their objects are missing from this plan, from the policy results and from the access tables. The reasons are below.`,
    "",
    "| chart resource | chart | status | objects | hooks not registered |",
    "|---|---|---|---:|---|",
  ];
  for (const c of charts) {
    lines.push(
      `| ${code(c.name)} | ${cell(`${c.chart} ${c.version}`)} | ${c.rendered ? "rendered" : `**not rendered**: ${cell(c.reason)}`} | ${c.objects} | ` +
        `${c.skippedHooks.length ? cell(c.skippedHooks.join(", ")) : "none"} |`,
    );
  }
  lines.push("", "helm.v4.Chart registers no Helm hook (test hooks included): hooks listed here never exist in the cluster.", "");
  return lines;
}

/** `ServiceAccount ns/name` → the Chart resource that renders it, for a cluster's resources. */
function chartSubjects(byUrn: ReadonlyMap<string, PlanResource>, members: readonly PlanResource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of members) {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent?.type !== CHART_TYPE || r.type !== "kubernetes:core/v1:ServiceAccount") continue;
    const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    out.set(`ServiceAccount ${meta.namespace ?? "default"}/${meta.name}`, parent.name);
  }
  return out;
}

/** `### Chart subjects`: the subjects chart objects define that appear in the cluster's access rows. */
export function chartSubjectsSection(byUrn: ReadonlyMap<string, PlanResource>, members: readonly PlanResource[], rows: readonly AccessRow[]): string[] {
  const subjects = chartSubjects(byUrn, members);
  if (subjects.size === 0) return [];
  const bySubject = new Map<string, AccessRow[]>();
  for (const r of rows) if (subjects.has(r.subject)) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
  const lines = ["### Chart subjects", ""];
  if (bySubject.size === 0) return [...lines, `The charts here define ${subjects.size} service accounts; none can read, write or indirectly obtain Secrets.`, ""];
  lines.push(`Service accounts that the charts here render and that can reach Secrets (${bySubject.size} of ${subjects.size}):`, "");
  for (const [subject, list] of bySubject) {
    const open = list.filter((r) => !r.exempt);
    const reach = [...new Set(list.map((r) => `${r.access} in ${r.namespace === "*" ? "every namespace" : r.namespace}`))].join("; ");
    lines.push(`- ${code(subject)} (chart ${code(subjects.get(subject)!)}): ${cell(reach)}; ${open.length === 0 ? `exempt (${cell(list[0].exemptReason)})` : "**not exempt**"}`);
  }
  lines.push("");
  return lines;
}
