/**
 * Coverage warnings: an empty answer is not proof. Each warning names why Secret reads may be missing
 * from the logs that were read.
 *
 * - Kubernetes audit Policy (`--audit-policy FILE`, audit.k8s.io/v1): the first matching rule decides a
 *   request's level (k8s.io/apiserver/pkg/audit/policy/checker.go); no matching rule means level None.
 * - GKE: Data Access audit logs for `container.googleapis.com` are off unless enabled in the project's IAM
 *   audit config; without them no get/list/watch is logged (Admin Activity holds writes only).
 * - AKS: the `kube-audit-admin` category / `AKSAuditAdmin` table excludes get and list events.
 * - Vault: with one audit device, Vault stops answering when that device cannot write (and a single copy of
 *   the trail exists); `--coverage vault-audit-devices=N` states the count, or a logged `sys/audit` read shows it.
 * - Time gaps: minutes without any event, per stream, longer than `--gap`.
 */
import * as YAML from "yaml";
import type { ActivityMinutes } from "./decode";
import type { CoverageFacts } from "./types";

export type CoverageSeverity = "high" | "medium" | "info";

export interface CoverageWarning {
  code: "policy-none" | "policy-absent" | "policy-partial" | "policy-values" | "policy-omit-stage" | "gke-data-access-off" | "gke-no-secret-reads" | "aks-admin-only" | "vault-single-device" | "vault-devices-unknown" | "time-gap" | "no-events";
  severity: CoverageSeverity;
  message: string;
}

const READS = ["get", "list", "watch"];

interface PolicyRule {
  level?: string;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: { group?: string; resources?: string[]; resourceNames?: string[] }[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
}

function ruleMatchesSecretVerb(rule: PolicyRule, verb: string): boolean {
  if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0 && !(rule.resources && rule.resources.length > 0)) return false;
  if (rule.verbs && rule.verbs.length > 0 && !rule.verbs.includes(verb) && !rule.verbs.includes("*")) return false;
  if (rule.resources && rule.resources.length > 0) {
    return rule.resources.some((gr) => (gr.group ?? "") === "" && (!gr.resources || gr.resources.length === 0 || gr.resources.includes("secrets") || gr.resources.includes("*")));
  }
  return true;
}

/** Warnings for Secret reads under an audit Policy document (YAML or JSON). Throws on an invalid policy. */
export function auditPolicyWarnings(text: string, fileName: string): CoverageWarning[] {
  let doc: any;
  try {
    doc = YAML.parse(text);
  } catch {
    throw new Error(`${fileName}: not valid YAML or JSON`);
  }
  if (!doc || doc.kind !== "Policy" || !String(doc.apiVersion ?? "").startsWith("audit.k8s.io/")) throw new Error(`${fileName}: not an audit.k8s.io Policy (kind and apiVersion)`);
  if (!Array.isArray(doc.rules)) throw new Error(`${fileName}: rules must be an array`);
  const rules = doc.rules as PolicyRule[];
  const out: CoverageWarning[] = [];
  for (const verb of READS) {
    let decided = false;
    for (let i = 0; i < rules.length && !decided; i++) {
      const rule = rules[i];
      if (!ruleMatchesSecretVerb(rule, verb)) continue;
      const scoped = (rule.users?.length ?? 0) > 0 || (rule.userGroups?.length ?? 0) > 0 || (rule.namespaces?.length ?? 0) > 0 || (rule.resources ?? []).some((r) => (r.resourceNames?.length ?? 0) > 0);
      const level = rule.level ?? "None";
      if (scoped) {
        if (level === "None") {
          const who = [rule.users?.length ? `users ${rule.users.join(", ")}` : "", rule.userGroups?.length ? `groups ${rule.userGroups.join(", ")}` : "", rule.namespaces?.length ? `namespaces ${rule.namespaces.join(", ")}` : "", (rule.resources ?? []).some((r) => r.resourceNames?.length) ? "some Secret names" : ""].filter((s) => s).join("; ");
          out.push({ code: "policy-partial", severity: "medium", message: `audit policy rule ${i + 1} logs Secret ${verb} at level None for ${who}: those reads never reach any log` });
        }
        continue;
      }
      decided = true;
      if (level === "None") out.push({ code: "policy-none", severity: "high", message: `audit policy rule ${i + 1} logs Secret ${verb} at level None: no Secret ${verb} is ever logged` });
      else if (level === "Request" || level === "RequestResponse") out.push({ code: "policy-values", severity: "high", message: `audit policy rule ${i + 1} logs Secret ${verb} at level ${level}: Secret values are written to the audit log (use Metadata)` });
      const omit = new Set([...(doc.omitStages ?? []), ...(rule.omitStages ?? [])]);
      if (omit.has("ResponseComplete") && verb !== "watch") out.push({ code: "policy-omit-stage", severity: "info", message: `audit policy omits stage ResponseComplete for Secret ${verb}: decisions and response codes come from earlier stages only` });
    }
    if (!decided) out.push({ code: "policy-absent", severity: "high", message: `no audit policy rule matches Secret ${verb}: such requests are logged at level None (not at all)` });
  }
  return out;
}

/** Facts stated by the user (`--coverage key=value`), for what the logs cannot show. */
export interface CoverageStatements {
  /** `gke-data-access=off|on` */
  gkeDataAccess?: "on" | "off";
  /** `aks-categories=kube-audit-admin[,kube-audit]` */
  aksCategories?: string[];
  /** `vault-audit-devices=N` */
  vaultAuditDevices?: number;
}

export function parseCoverageStatement(text: string, into: CoverageStatements): string | undefined {
  const m = /^([a-z-]+)=(.*)$/.exec(text);
  if (!m) return `--coverage ${JSON.stringify(text)}: expected key=value`;
  const [, key, value] = m;
  if (key === "gke-data-access") {
    if (value !== "on" && value !== "off") return "--coverage gke-data-access: expected on or off";
    into.gkeDataAccess = value;
  } else if (key === "aks-categories") into.aksCategories = value.split(",").map((s) => s.trim()).filter((s) => s);
  else if (key === "vault-audit-devices") {
    if (!/^\d+$/.test(value)) return "--coverage vault-audit-devices: expected a whole number";
    into.vaultAuditDevices = Number(value);
  } else return `--coverage ${key}: unknown key (known: gke-data-access, aks-categories, vault-audit-devices)`;
  return undefined;
}

export interface Gap {
  stream: string;
  from: string;
  to: string;
  minutes: number;
}

/** Runs of minutes without any event, per stream, of at least `minMinutes`. */
export function timeGaps(activity: ActivityMinutes, minMinutes: number): Gap[] {
  const gaps: Gap[] = [];
  for (const [stream, set] of [...activity].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const minutes = [...set].sort((a, b) => a - b);
    for (let i = 1; i < minutes.length; i++) {
      const d = minutes[i] - minutes[i - 1] - 1;
      if (d >= minMinutes) gaps.push({ stream: stream.trim(), from: new Date((minutes[i - 1] + 1) * 60000).toISOString(), to: new Date(minutes[i] * 60000).toISOString(), minutes: d });
    }
  }
  return gaps;
}

export function coverageWarnings(facts: CoverageFacts, activity: ActivityMinutes, statements: CoverageStatements, policyWarnings: CoverageWarning[], gapMinutes: number, events: number): CoverageWarning[] {
  const out: CoverageWarning[] = [...policyWarnings];
  if (events === 0) out.push({ code: "no-events", severity: "high", message: "no audit event was read: nothing can be concluded about Secret access" });
  for (const [cluster, g] of Object.entries(facts.gke).sort()) {
    const name = cluster || "(unnamed cluster)";
    if (g.dataAccess === 0 && g.activity > 0) {
      out.push({ code: "gke-data-access-off", severity: "high", message: `GKE ${name}: ${g.activity} Admin Activity entries and no Data Access entry: Data Access audit logs for container.googleapis.com look off, so Secret get/list/watch are not logged` });
    } else if (g.dataAccess > 0 && g.secretReads === 0) {
      out.push({ code: "gke-no-secret-reads", severity: "medium", message: `GKE ${name}: ${g.dataAccess} Data Access entries but no Secret read among them: check the export's filter includes io.k8s.core.v1.secrets.*` });
    }
  }
  if (statements.gkeDataAccess === "off") out.push({ code: "gke-data-access-off", severity: "high", message: "stated: GKE Data Access audit logs for container.googleapis.com are off: Secret get/list/watch are not logged" });
  const aks = facts.aks;
  const aksFull = (aks["kube-audit"] ?? 0) + (aks.AKSAudit ?? 0);
  const aksAdmin = (aks["kube-audit-admin"] ?? 0) + (aks.AKSAuditAdmin ?? 0);
  const statedCategories = statements.aksCategories;
  if ((aksAdmin > 0 && aksFull === 0) || (statedCategories && statedCategories.includes("kube-audit-admin") && !statedCategories.includes("kube-audit"))) {
    out.push({ code: "aks-admin-only", severity: "high", message: `AKS: only kube-audit-admin (AKSAuditAdmin) events${aksAdmin > 0 ? ` (${aksAdmin} rows)` : " (stated)"}: that category excludes get and list, so Secret reads are not in these logs; export kube-audit` });
  }
  const devices = statements.vaultAuditDevices ?? facts.vaultAuditDevices?.length;
  if (devices === 1) {
    out.push({ code: "vault-single-device", severity: "medium", message: `Vault has a single audit device${facts.vaultAuditDevices ? ` (${facts.vaultAuditDevices.join(", ")})` : " (stated)"}: when it cannot write, Vault refuses requests, and the trail exists once; enable a second device` });
  } else if (devices === undefined && facts.vaultEntries > 0) {
    out.push({ code: "vault-devices-unknown", severity: "info", message: "Vault: the number of audit devices is unknown (state it with --coverage vault-audit-devices=N)" });
  }
  for (const gap of timeGaps(activity, gapMinutes)) {
    out.push({ code: "time-gap", severity: "medium", message: `${gap.stream || "log"}: no event for ${gap.minutes} minutes, ${gap.from} to ${gap.to}: reads in that time may be missing` });
  }
  return out;
}
