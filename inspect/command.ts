/**
 * `kube-secrets-platform scan`: arguments, reading (live or dumps), scanning, writing the outputs.
 *
 *   scan (--context NAME... | --kubeconfig PATH [--context NAME...] | --from FILE [FILE...]) [--out DIR]
 *        [--cluster NAME] [--kubernetes-version V] [--exempt SUBJECT]... [--no-default-exempt]
 *        [--fail-on low|medium|high|critical] [--now ISO-TIME]
 *
 * Exit codes: 0 done (no finding at or above --fail-on), 1 a finding at or above --fail-on, 2 invalid
 * arguments or unreadable input (dump, kubeconfig, context, unreachable server), 3 internal error.
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDumps } from "./dump";
import { SEVERITIES, SEVERITY_RANK } from "./findings";
import type { Inventory } from "./inventory";
import { readLive } from "./live";
import { reportMarkdown } from "./markdown";
import { writeOutputs } from "./output";
import { reportHtml } from "./reportHtml";
import { scanSarif } from "./sarif";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster, scanDocument } from "./scan";
import type { ClusterScan, InputInfo, ScanDocument, Severity } from "./scanSchema";
import { version } from "../package.json";

export const SCAN_USAGE = `usage: kube-secrets-platform scan (--context NAME | --kubeconfig PATH [--context NAME] | --from FILE [FILE...]) [--out DIR]
       [--cluster NAME] [--kubernetes-version V] [--exempt SUBJECT]... [--no-default-exempt]
       [--fail-on low|medium|high|critical] [--now ISO-TIME]
  --context NAME         kube context to scan (repeat for several clusters); default: the kubeconfig's current context
  --kubeconfig PATH      kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  --from FILE            kubectl get -o json|yaml output (a List or documents, .gz allowed); values are dropped on read
  --out DIR              output directory (default out/scan): scan.json, scan.sarif, report.md, report.html
  --cluster NAME         cluster name for dumps (default dump)
  --kubernetes-version V cluster version (default: /version when live; unknown for dumps)
  --exempt SUBJECT       subject exempted from reader findings: "ServiceAccount ns/name", "User x", "Group y", or a prefix ending in *
  --no-default-exempt    do not exempt the Kubernetes control-plane controllers (DEFAULT_EXEMPT_SUBJECTS)
  --fail-on SEVERITY     exit 1 when a finding has this severity or higher
  --now ISO-TIME         reference time for Secret ages (default: now)`;

export interface ScanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface ScanRun {
  exitCode: number;
  document?: ScanDocument;
  files?: string[];
}

class UsageError extends Error {}

export function exceeds(doc: ScanDocument, failOn: Severity): boolean {
  return doc.summary.highestSeverity !== null && SEVERITY_RANK[doc.summary.highestSeverity] <= SEVERITY_RANK[failOn];
}

export async function runScanCommand(argv: string[], io: ScanIo): Promise<ScanRun> {
  let values: Record<string, string | string[] | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        context: { type: "string", multiple: true },
        kubeconfig: { type: "string" },
        from: { type: "string", multiple: true },
        out: { type: "string", default: "out/scan" },
        cluster: { type: "string" },
        "kubernetes-version": { type: "string" },
        exempt: { type: "string", multiple: true },
        "no-default-exempt": { type: "boolean" },
        "fail-on": { type: "string" },
        now: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.stderr(`scan: ${(e as Error).message}\n${SCAN_USAGE}\n`);
    return { exitCode: 2 };
  }
  if (values.help) {
    io.stdout(`${SCAN_USAGE}\n`);
    return { exitCode: 0 };
  }
  try {
    const from = [...((values.from as string[] | undefined) ?? [])];
    if (positionals.length) {
      if (from.length === 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (dump files follow --from)`);
      from.push(...positionals);
    }
    const contexts = (values.context as string[] | undefined) ?? [];
    const live = contexts.length > 0 || values.kubeconfig !== undefined;
    if (live && from.length) throw new UsageError("--from cannot be combined with --context/--kubeconfig: scan a live cluster or dumps");
    if (!live && from.length === 0) throw new UsageError("nothing to scan: give --context NAME, --kubeconfig PATH or --from FILE");
    if (live && values.cluster !== undefined) throw new UsageError("--cluster names dump input; a live cluster is named by its context");
    const failOn = values["fail-on"] as string | undefined;
    if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on: must be one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(failOn)}`);
    const now = values.now !== undefined ? new Date(values.now as string) : new Date();
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not an ISO time: ${JSON.stringify(values.now)}`);
    const exempt = [...(values["no-default-exempt"] ? [] : DEFAULT_EXEMPT_SUBJECTS), ...((values.exempt as string[] | undefined) ?? [])];
    for (const e of exempt) if (!/^(ServiceAccount [^/\s]+\/\S+|User \S+|Group \S+|(ServiceAccount|User|Group) ?\S*\*)$/.test(e)) throw new UsageError(`--exempt: ${JSON.stringify(e)} is not a subject ("ServiceAccount ns/name", "User name", "Group name", or a prefix ending in *)`);
    const version_ = values["kubernetes-version"] as string | undefined;
    const out = values.out as string;
    if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out: ${out} exists and is not a directory`);

    const inputs: Array<{ name: string; input: InputInfo; inventory: Inventory }> = [];
    if (live) {
      for (const context of contexts.length ? contexts : [undefined]) {
        let res;
        try {
          res = await readLive({ kubeconfig: values.kubeconfig as string | undefined, context });
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        inputs.push({ name: res.context, input: { kind: "live", context: res.context, server: res.server }, inventory: res.inventory });
      }
    } else {
      let inventory: Inventory;
      try {
        inventory = await readDumps(from);
      } catch (e) {
        throw new UsageError(`--from: ${(e as Error).message}`);
      }
      inputs.push({ name: (values.cluster as string | undefined) ?? "dump", input: { kind: "dump", files: from }, inventory });
    }
    const clusters: ClusterScan[] = inputs.map((i) => scanCluster(i.inventory, { cluster: i.name, input: i.input, exemptSubjects: exempt, kubernetesVersion: version_, now }));
    const doc = scanDocument(clusters, now, version);
    let files: string[];
    try {
      files = writeOutputs(out, {
      "scan.json": `${JSON.stringify(doc, null, 2)}\n`,
      "scan.sarif": `${JSON.stringify(scanSarif(doc), null, 2)}\n`,
      "report.md": reportMarkdown(doc),
      "report.html": reportHtml(doc),
      });
    } catch (e) {
      throw new UsageError(`--out: ${(e as Error).message}`);
    }
    for (const c of clusters) {
      const n = { critical: 0, high: 0, medium: 0, low: 0 };
      for (const f of c.findings) n[f.severity]++;
      io.stdout(`cluster ${c.name}: ${c.secrets.length} Secrets, ${c.subjects.length} subjects, ${c.workloads.length} workloads; findings ${n.critical} critical, ${n.high} high, ${n.medium} medium, ${n.low} low; ${c.proposals.filter((p) => p.narrows).length} narrowing proposals\n`);
      for (const nl of c.notListed) io.stderr(`scan: ${c.name}: could not list ${nl.resource} (${nl.status || "error"}${nl.message ? `: ${nl.message}` : ""}): ${nl.impact}\n`);
    }
    io.stdout(`wrote ${files.join(", ")}\n`);
    const exitCode = failOn !== undefined && exceeds(doc, failOn as Severity) ? 1 : 0;
    if (exitCode === 1) io.stderr(`scan: findings at or above ${failOn} (highest: ${doc.summary.highestSeverity})\n`);
    return { exitCode, document: doc, files };
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`scan: ${e.message}\n`);
      return { exitCode: 2 };
    }
    io.stderr(`scan: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return { exitCode: 3 };
  }
}
