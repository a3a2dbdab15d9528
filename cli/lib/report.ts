/** report.md of `npm run plan`: summary, policy results and the resource tree. */
import type { PlanDocument, PlanResource } from "./planDocument";

/** Resource counts by type, most frequent first. */
export function countByType(resources: PlanResource[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Violations counted by enforcement level. */
export function countByLevel(plan: PlanDocument): Record<string, number> {
  const out: Record<string, number> = { mandatory: 0, advisory: 0, remediate: 0 };
  for (const v of plan.policy.violations) out[v.enforcementLevel] = (out[v.enforcementLevel] ?? 0) + 1;
  return out;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

function resourceTree(resources: PlanResource[]): string[] {
  const children = new Map<string | null, PlanResource[]>();
  for (const r of resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}- \`${r.name}\` (${r.type})`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  return lines;
}

/** The whole report as Markdown. */
export function renderReport(plan: PlanDocument): string {
  const levels = countByLevel(plan);
  const lines: string[] = [
    `# Plan of stack \`${plan.stack}\``,
    "",
    `Project \`${plan.project}\`: ${plan.resources.length} resources; policy violations: ${levels.mandatory} mandatory, ${levels.advisory} advisory.`,
    "Secret values are shown as `[secret]`.",
    "",
    "## Resources by type",
    "",
    "| type | count |",
    "|---|---:|",
    ...countByType(plan.resources).map(([t, n]) => `| \`${t}\` | ${n} |`),
    "",
    "## Policy results",
    "",
  ];
  if (plan.policy.violations.length === 0) lines.push("No violations.", "");
  else {
    lines.push("| level | policy | resource | message |", "|---|---|---|---|");
    for (const v of plan.policy.violations) {
      lines.push(`| ${v.enforcementLevel} | ${v.policy} | ${cell(v.urn ?? "(stack)")} | ${cell(v.message)} |`);
    }
    lines.push("");
  }
  if (plan.policy.errors?.length) {
    lines.push("### Policy errors", "", ...plan.policy.errors.map((e) => `- ${e.policy}: ${cell(e.error)}`), "");
  }
  if (plan.policy.notApplicable?.length) {
    lines.push("### Not applicable", "", ...plan.policy.notApplicable.map((n) => `- ${n.policy}${n.urn ? ` (${n.urn})` : ""}: ${cell(n.reason)}`), "");
  }
  lines.push("## Resource tree", "", ...resourceTree(plan.resources), "");
  return lines.join("\n");
}
