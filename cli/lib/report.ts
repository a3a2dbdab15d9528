/**
 * report.md of `npm run plan`: a stack summary, the `who-can-read-secrets` exemptions the plan ran with,
 * then one section per cluster (resources grouped by their Kubernetes provider, see reportClusters.ts)
 * with its policy results, its effective Secret access table and a Mermaid diagram of that access,
 * and its resource tree by component; resources and results that belong to no cluster come last.
 */
import { accessSettings, clusterAccess, type AccessRow, type AccessSettings } from "./access";
import type { PlanDocument, PlanResource } from "./planDocument";
import type { PolicyPackConfig, PolicyRunResult, PolicyViolation } from "./policyRunner";
import { chartsSection, chartSubjectsSection } from "./reportCharts";
import { groupByCluster, type ClusterGroup } from "./reportClusters";
import { accessDiagram, DEFAULT_DIAGRAM_EDGE_LIMIT } from "./reportMermaid";

export interface ReportOptions {
  /** Provider reference (`<providerUrn>::<id>`) of each resource by URN, as the program registered it. */
  providers?: Readonly<Record<string, string | undefined>>;
  /** The policy pack configuration the plan ran the policies with (exemptions come from it). */
  policyConfig?: PolicyPackConfig;
  /** Most edges drawn in one cluster's access diagram. Default {@link DEFAULT_DIAGRAM_EDGE_LIMIT}. */
  diagramEdgeLimit?: number;
}

/** Resource counts by type, most frequent first. */
export function countByType(resources: PlanResource[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Violations counted by enforcement level. */
export function countByLevel(plan: Pick<PlanDocument, "policy">): Record<string, number> {
  const out: Record<string, number> = { mandatory: 0, advisory: 0, remediate: 0 };
  for (const v of plan.policy.violations) out[v.enforcementLevel] = (out[v.enforcementLevel] ?? 0) + 1;
  return out;
}

/**
 * Text safe in a Markdown table cell: Markdown punctuation backslash-escaped, HTML special characters
 * as entities, line breaks as `<br>`.
 */
export function cell(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, "<br>");
}

/** Inline code, with a fence long enough for any backticks inside. */
export function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** The resource tree of `members` by component: members plus the ancestors that hold them. */
function resourceTree(all: PlanResource[], members: PlanResource[]): string[] {
  const byUrn = new Map(all.map((r) => [r.urn, r]));
  const shown = new Set<string>();
  for (const m of members) {
    for (let cur: PlanResource | undefined = m; cur && !shown.has(cur.urn); cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      if (cur.type === "pulumi:pulumi:Stack") break;
      shown.add(cur.urn);
    }
  }
  const memberUrns = new Set(members.map((m) => m.urn));
  const children = new Map<string | null, PlanResource[]>();
  for (const r of all) {
    if (!shown.has(r.urn)) continue;
    const parent = r.parent && shown.has(r.parent) ? r.parent : null;
    const list = children.get(parent) ?? [];
    list.push(r);
    children.set(parent, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const note = memberUrns.has(r.urn) ? "" : " (shared with other clusters)";
      lines.push(`${"  ".repeat(depth)}- ${code(r.name)} (${code(r.type)})${note}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  return lines;
}

interface PolicyResults {
  violations: PolicyViolation[];
  errors: PolicyRunResult["errors"];
  notApplicable: PolicyRunResult["notApplicable"];
}

/** A violation's resource: its name and type when it is in the plan, else the URN. */
function resourceLabel(urn: string | undefined, byUrn: ReadonlyMap<string, PlanResource>): string {
  if (urn === undefined) return "(stack)";
  const r = byUrn.get(urn);
  return r ? `${code(r.name)} (${code(r.type.slice(r.type.lastIndexOf(":") + 1))})` : cell(urn);
}

function policySection(results: PolicyResults, heading: string, byUrn: ReadonlyMap<string, PlanResource>): string[] {
  const lines = [heading, ""];
  if (results.violations.length === 0) lines.push("No violations.", "");
  else {
    lines.push("| level | policy | resource | message |", "|---|---|---|---|");
    for (const v of results.violations) {
      lines.push(`| ${v.enforcementLevel} | ${cell(v.policy)} | ${resourceLabel(v.urn, byUrn)} | ${cell(v.message)} |`);
    }
    lines.push("");
  }
  if (results.errors.length) {
    lines.push("Policy errors (a policy crashed; the plan fails):", "", ...results.errors.map((e) => `- ${cell(e.policy)}${e.urn ? ` (${cell(e.urn)})` : ""}: ${cell(e.error)}`), "");
  }
  if (results.notApplicable.length) {
    lines.push(
      "<details><summary>Not applicable</summary>",
      "",
      ...results.notApplicable.map((n) => `- ${cell(n.policy)}${n.urn ? ` (${cell(n.urn)})` : ""}: ${cell(n.reason)}`),
      "",
      "</details>",
      "",
    );
  }
  return lines;
}

function accessTable(rows: AccessRow[]): string[] {
  const lines = [
    "| subject | namespace | access | verbs | Secrets | chain | severity | exempt |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${cell(r.subject)} | ${r.namespace === "*" ? "every namespace" : cell(r.namespace)} | ${r.access} | ${cell(r.verbs.join(", "))} | ` +
        `${r.resourceNames ? cell(r.resourceNames.join(", ")) : "all"} | ${cell(r.chain.join(" → "))} | ${cell(r.severity)} | ` +
        `${r.exempt ? `exempt (${cell(r.exemptReason)})` : "no"} |`,
    );
  }
  return lines;
}

function accessSection(group: ClusterGroup<PlanResource>, settings: AccessSettings, limit: number, byUrn: ReadonlyMap<string, PlanResource> = new Map()): string[] {
  const { rows, unknown } = clusterAccess(group.resources, settings);
  const lines = ["### Effective Secret access", ""];
  if (rows.length === 0) lines.push("No subject defined or bound here can read, write or indirectly obtain Secrets.", "");
  else {
    const subjects = new Set(rows.map((r) => r.subject));
    const open = new Set(rows.filter((r) => !r.exempt).map((r) => r.subject));
    lines.push(
      `${subjects.size} ${subjects.size === 1 ? "subject" : "subjects"} (${open.size} not exempt) can read, write or indirectly obtain Secrets, through the chains below ` +
        "(binding → role → aggregation → rule → acting as…). Built-in roles of the Kubernetes bootstrap policy count; " +
        "objects the cluster already has outside this stack do not.",
      "",
      ...accessTable(rows),
      "",
    );
    const diagram = accessDiagram(rows, limit);
    lines.push("### Secret access graph", "");
    if (diagram.shown < diagram.total) {
      lines.push(`The graph has ${diagram.total} subject → namespace edges; the ${diagram.shown} most severe are drawn (exempt ones last). The table above lists all of them.`, "");
    }
    lines.push("```mermaid", diagram.source, "```", "");
  }
  lines.push(...chartSubjectsSection(byUrn, group.resources, rows));
  if (unknown.length) lines.push(`Not judged (values unknown during preview): ${unknown.map(cell).join(", ")}.`, "");
  return lines;
}

function exemptionsSection(settings: AccessSettings, configured: boolean): string[] {
  const lines = ["## Exemptions applied", ""];
  lines.push(
    configured
      ? "From the `who-can-read-secrets` configuration the policies ran with:"
      : "The policies ran without a `who-can-read-secrets` configuration (pack defaults):",
    "",
  );
  lines.push(`- exemptSubjects: ${settings.exemptSubjects.length ? settings.exemptSubjects.map(code).join(", ") : "none"}`);
  lines.push(`- exemptLabels: ${settings.exemptLabels.length ? settings.exemptLabels.map(code).join(", ") : "none"}`);
  lines.push(`- kubernetesVersion: ${settings.kubernetesVersion ? code(settings.kubernetesVersion) : "not set (pods/exec by `get` assumed possible)"}`, "");
  return lines;
}

/** The whole report as Markdown. */
export function renderReport(plan: PlanDocument, options: ReportOptions = {}): string {
  const providers = options.providers ?? {};
  const groups = groupByCluster(plan.resources.map((r) => ({ ...r, provider: providers[r.urn] })));
  const settings = accessSettings(options.policyConfig);
  const limit = options.diagramEdgeLimit ?? DEFAULT_DIAGRAM_EDGE_LIMIT;
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));

  const clusterOf = new Map<string, string | null>();
  for (const g of groups) for (const r of g.resources) clusterOf.set(r.urn, g.cluster);
  const resultsOf = (cluster: string | null): PolicyResults => {
    const mine = (urn: string | undefined) => (urn !== undefined && clusterOf.has(urn) ? clusterOf.get(urn)! : null) === cluster;
    return {
      violations: plan.policy.violations.filter((v) => mine(v.urn)),
      errors: (plan.policy.errors ?? []).filter((e) => mine(e.urn)),
      notApplicable: (plan.policy.notApplicable ?? []).filter((n) => mine(n.urn)),
    };
  };
  const clusters = groups.filter((g) => g.cluster !== null);
  const levels = countByLevel(plan);
  const lines: string[] = [
    `# Plan of stack ${code(plan.stack)}`,
    "",
    `Project ${code(plan.project)}: ${plan.resources.length} resources in ${clusters.length} cluster${clusters.length === 1 ? "" : "s"}; ` +
      `policy violations: ${levels.mandatory} mandatory, ${levels.advisory} advisory` +
      (plan.policy.errors?.length ? `; ${plan.policy.errors.length} policy errors` : "") +
      ".",
    "Secret values are shown as `[secret]`.",
    "",
  ];
  if (clusters.length > 0) {
    lines.push("| cluster | resources | mandatory | advisory |", "|---|---:|---:|---:|");
    for (const g of clusters) {
      const c = countByLevel({ policy: { violations: resultsOf(g.cluster).violations } });
      lines.push(`| [${cell(g.cluster!)}](#cluster-${g.cluster!}) | ${g.resources.length} | ${c.mandatory} | ${c.advisory} |`);
    }
    lines.push("");
  }
  lines.push(
    "## Resources by type",
    "",
    "| type | count |",
    "|---|---:|",
    ...countByType(plan.resources).map(([t, n]) => `| ${code(t)} | ${n} |`),
    "",
    ...exemptionsSection(settings, Boolean(options.policyConfig?.["who-can-read-secrets"])),
    ...chartsSection(plan),
  );

  for (const g of groups) {
    if (g.cluster === null) continue;
    lines.push(`## Cluster ${code(g.cluster)}`, "", `Kubernetes provider ${code(g.providerUrn ?? "")}; ${g.resources.length} resources.`, "");
    lines.push(...policySection(resultsOf(g.cluster), "### Policy results", byUrn));
    lines.push(...accessSection(g, settings, limit, byUrn));
    lines.push("### Resource tree", "", ...resourceTree(plan.resources, g.resources), "");
  }

  const stackWide = groups.find((g) => g.cluster === null);
  const stackResults = resultsOf(null);
  const hasStackResults = stackResults.violations.length + stackResults.errors.length + stackResults.notApplicable.length > 0;
  if (stackWide || hasStackResults || clusters.length === 0) {
    lines.push(clusters.length ? "## Not in a cluster" : "## Stack", "");
    if (clusters.length) lines.push("Resources without a Kubernetes provider that no cluster's component holds, and stack-wide policy results.", "");
    lines.push(...policySection(stackResults, "### Policy results", byUrn));
    const members = stackWide ? stackWide.resources.filter((r) => r.type !== "pulumi:pulumi:Stack") : [];
    if (members.some((r) => r.type.startsWith("kubernetes:"))) lines.push(...accessSection({ cluster: null, providerUrn: null, resources: members }, settings, limit));
    if (members.length) lines.push("### Resource tree", "", ...resourceTree(plan.resources, members), "");
  }
  return lines.join("\n");
}
