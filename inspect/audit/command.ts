/**
 * `kube-secrets-platform access`: the command behind cli/access.ts. Pure of Pulumi; reads files and
 * writes the output directory.
 *
 * Exit codes: 0 done (problems in the logs are reported in the outputs and on stderr, the rest is read),
 * 2 invalid arguments or an unreadable --inventory / --audit-policy, 3 internal error.
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { writeOutputs } from "../output";
import { AccessAggregator } from "./analyze";
import { auditPolicyWarnings, coverageWarnings, parseCoverageStatement, type CoverageStatements, type CoverageWarning } from "./coverage";
import { AuditDecoder, type DecodeOptions } from "./decode";
import { clusterFor, parseInventory, type Inventory } from "./inventory";
import { couldVsDid, idleGrantees } from "./proposal";
import { queriesFor, renderQueries } from "./queries";
import { ACCESS_SCHEMA_VERSION, renderHtml, renderMarkdown, type AccessReport } from "./report";
import { expandGlob, fileSource, readSource, stdinSource, type InputSource } from "./stream";
import { FORMAT_FAMILIES, type AccessRecord, type FormatFamily, type ReadProblem } from "./types";
import { parseArgs as parseCommandLine } from "node:util";

export const USAGE = `usage: kube-secrets-platform access --out DIR [--format k8s|eks|gke|aks|vault] [--cluster NAME]
         [--inventory scan.json|objects.yaml] [--audit-policy policy.yaml] [--coverage KEY=VALUE]...
         [--gap MINUTES] [--baseline FRACTION] FILE|GLOB|- ...
       kube-secrets-platform access --query eks|gke|aks [--cluster NAME] [--project P] [--dataset D] [--days N]
`;

export interface AccessIO {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin?: Readable;
}

export interface ReadResult {
  aggregator: AccessAggregator;
  decoder: AuditDecoder;
  problems: ReadProblem[];
  problemCount: number;
}

const MAX_PROBLEMS = 1000;

/** Streams every source through the decoder into the aggregator (and `onRecord`, e.g. records.jsonl). */
export async function readAudit(sources: InputSource[], options: DecodeOptions, onRecord?: (r: AccessRecord) => void): Promise<ReadResult> {
  const aggregator = new AccessAggregator();
  const problems: ReadProblem[] = [];
  let problemCount = 0;
  const problem = (p: ReadProblem) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const decoder = new AuditDecoder(
    options,
    (r, at) => {
      aggregator.add(r, at);
      onRecord?.(r);
    },
    problem,
  );
  for (const src of sources) await readSource(src, (v, loc) => decoder.value(v, loc), problem, decoder.fastLine);
  decoder.finish();
  return { aggregator, decoder, problems, problemCount };
}

interface Args {
  out?: string;
  format?: FormatFamily;
  cluster?: string;
  inventory?: string;
  auditPolicy?: string;
  coverage: CoverageStatements;
  gap: number;
  baseline: number;
  query?: string;
  project?: string;
  dataset?: string;
  days?: number;
  inputs: string[];
}

const OPTIONS = {
  out: { type: "string" },
  format: { type: "string" },
  cluster: { type: "string" },
  inventory: { type: "string" },
  "audit-policy": { type: "string" },
  coverage: { type: "string", multiple: true },
  gap: { type: "string" },
  baseline: { type: "string" },
  query: { type: "string" },
  project: { type: "string" },
  dataset: { type: "string" },
  days: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The command line (node:util parseArgs, as plan and scan read theirs), each value checked; a string is the error. */
function parseArgs(argv: string[]): Args | string {
  let values: ReturnType<typeof parseCommandLine<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>["values"];
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    return (err as Error).message;
  }
  if (values.help) return "";
  const a: Args = { coverage: {}, gap: 30, baseline: 0.5, inputs: positionals, out: values.out, cluster: values.cluster, inventory: values.inventory, auditPolicy: values["audit-policy"], project: values.project, dataset: values.dataset };
  if (values.format !== undefined) {
    if (!(FORMAT_FAMILIES as readonly string[]).includes(values.format)) return `--format: expected one of ${FORMAT_FAMILIES.join(", ")}, got ${JSON.stringify(values.format)}`;
    a.format = values.format as FormatFamily;
  }
  for (const statement of values.coverage ?? []) {
    const err = parseCoverageStatement(statement, a.coverage);
    if (err) return err;
  }
  const wholeNumber = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) && Number(v) >= 1 ? Number(v) : undefined);
  if (values.gap !== undefined) {
    const gap = wholeNumber(values.gap);
    if (gap === undefined) return "--gap: expected a whole number of minutes >= 1";
    a.gap = gap;
  }
  if (values.baseline !== undefined) {
    const v = Number(values.baseline);
    if (!(v > 0 && v < 1)) return "--baseline: expected a fraction between 0 and 1 (exclusive)";
    a.baseline = v;
  }
  if (values.query !== undefined) {
    if (!["eks", "gke", "aks"].includes(values.query)) return `--query: expected eks, gke or aks, got ${JSON.stringify(values.query)}`;
    a.query = values.query;
  }
  if (values.days !== undefined) {
    const days = wholeNumber(values.days);
    if (days === undefined) return "--days: expected a whole number >= 1";
    a.days = days;
  }
  return a;
}

/** Runs the command; resolves to the exit code. */
export async function runAccess(argv: string[], io: AccessIO): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === "string") {
    io.stderr(parsed === "" ? USAGE : `access: ${parsed}\n${USAGE}`);
    return parsed === "" ? 0 : 2;
  }
  const args = parsed;
  if (args.query) {
    io.stdout(renderQueries(queriesFor(args.query, { cluster: args.cluster, project: args.project, dataset: args.dataset, days: args.days })!));
    return 0;
  }
  if (!args.out) {
    io.stderr(`access: --out DIR is required\n${USAGE}`);
    return 2;
  }
  if (args.inputs.length === 0) {
    io.stderr(`access: no input given (files, globs, or - for stdin)\n${USAGE}`);
    return 2;
  }
  // Inputs and the side files are checked before anything is read or written.
  const sources: InputSource[] = [];
  for (const input of args.inputs) {
    if (input === "-") {
      sources.push(stdinSource(io.stdin));
      continue;
    }
    const files = expandGlob(input);
    if (files.length === 0) {
      io.stderr(`access: ${input}: no such file\n`);
      return 2;
    }
    for (const f of files) {
      try {
        accessSync(f, constants.R_OK);
      } catch (err) {
        io.stderr(`access: ${f}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read"}\n`);
        return 2;
      }
      sources.push(fileSource(f));
    }
  }
  let inventory: Inventory | undefined;
  let policyWarnings: CoverageWarning[] = [];
  try {
    if (args.inventory) inventory = parseInventory(readFileSync(args.inventory, "utf8"), args.inventory, args.cluster ?? "");
    if (args.auditPolicy) policyWarnings = auditPolicyWarnings(readFileSync(args.auditPolicy, "utf8"), args.auditPolicy);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`access: ${e.code === "ENOENT" ? `${e.path}: no such file` : e.message}\n`);
    return 2;
  }
  mkdirSync(args.out, { recursive: true });
  const recordsFd = openSync(join(args.out, "records.jsonl"), "w");
  let buffer = "";
  const flush = () => {
    if (buffer.length > 0) writeSync(recordsFd, buffer);
    buffer = "";
  };
  let result: ReadResult;
  try {
    result = await readAudit(sources, { family: args.format, cluster: args.cluster }, (r) => {
      buffer += JSON.stringify(r) + "\n";
      if (buffer.length > 1 << 20) flush();
    });
    flush();
  } finally {
    closeSync(recordsFd);
  }
  const report = buildReport(result, {
    inputs: sources.map((s) => s.name),
    inventory,
    policyWarnings,
    statements: args.coverage,
    gapMinutes: args.gap,
    baseline: args.baseline,
  });
  // The scan command's writer: each file written aside, then renamed over its name.
  writeOutputs(args.out, { "access.json": JSON.stringify(report, null, 2) + "\n", "report.md": renderMarkdown(report), "report.html": renderHtml(report) });
  io.stdout(`access: ${report.counts.records} Secret/Vault accesses by ${report.identities.length} identities; ${report.unusual.length} unusual; ${report.coverage.length} coverage warnings; wrote ${join(args.out, "access.json")}, report.md, report.html, records.jsonl\n`);
  if (result.problemCount > 0) {
    io.stderr(`access: ${result.problemCount} problem(s) reading the input (the rest was read):\n`);
    for (const p of result.problems.slice(0, 20)) io.stderr(`  ${p.file}:${p.line}${p.item !== undefined ? ` item ${p.item}` : ""}: ${p.message}\n`);
    if (result.problemCount > 20) io.stderr(`  ... see report.md\n`);
  }
  return 0;
}

export interface BuildOptions {
  inputs: string[];
  inventory?: Inventory;
  policyWarnings?: CoverageWarning[];
  statements?: CoverageStatements;
  gapMinutes?: number;
  baseline?: number;
}

/** The report from what was read (pure: used by the command and the tests). */
export function buildReport(result: ReadResult, o: BuildOptions): AccessReport {
  const { aggregator, decoder } = result;
  const inventory = o.inventory;
  const matched = new Map<string, string>();
  const invFor = (cluster: string) => {
    if (!inventory) return undefined;
    const c = clusterFor(inventory, cluster);
    if (c && c.name !== cluster) matched.set(cluster, c.name);
    return c;
  };
  const answers = aggregator.answers({ inventory: inventory ? (cluster) => invFor(cluster)?.secrets : undefined, baselineFraction: o.baseline });
  const coverage = coverageWarnings(decoder.facts, decoder.activity, o.statements ?? {}, o.policyWarnings ?? [], o.gapMinutes ?? 30, decoder.events);
  const vault = new Map<string, AccessReport["vaultPaths"][number]>();
  for (const id of answers.identities) {
    for (const v of id.vault) {
      let p = vault.get(v.path);
      if (!p) vault.set(v.path, (p = { path: v.path, mount: v.mount, readers: [] }));
      p.readers.push({ identity: id.identity, operations: v.operations, count: v.count, first: v.first, last: v.last });
    }
  }
  const report: AccessReport = {
    schemaVersion: ACCESS_SCHEMA_VERSION,
    tool: { name: "kube-secrets-platform", command: "access" },
    inputs: o.inputs,
    window: answers.window,
    counts: { byFormat: decoder.formats, records: aggregator.records, duplicates: decoder.duplicates, otherEvents: decoder.otherEvents, problems: result.problemCount },
    coverage,
    secrets: answers.secrets,
    vaultPaths: [...vault.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    identities: answers.identities,
    unusual: answers.unusual,
    problems: result.problems,
  };
  if (inventory) {
    const window = { first: answers.window.first, last: answers.window.last };
    const k8s = answers.identities.filter((id) => !id.identity.startsWith("Vault "));
    const identities = k8s.flatMap((id) => {
      const inv = invFor(id.cluster);
      return inv ? [couldVsDid(id, inv, window)] : [];
    });
    const idle: NonNullable<AccessReport["couldVsDid"]>["idle"] = [];
    const clusters = new Set(k8s.map((i) => i.cluster));
    if (clusters.size === 0) clusters.add(inventory.clusters.length === 1 ? inventory.clusters[0].name : "");
    for (const cluster of clusters) {
      const inv = invFor(cluster);
      if (!inv) continue;
      const seen = new Set(answers.identities.filter((i) => i.cluster === cluster).map((i) => i.identity));
      for (const g of idleGrantees(inv, seen)) idle.push({ cluster, ...g });
    }
    report.couldVsDid = { inventory: inventory.source, identities, idle, matched: [...matched].map(([logs, inv]) => ({ logs, inventory: inv })) };
  }
  return report;
}
