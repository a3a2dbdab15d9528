/**
 * The effective Secret access table: every subject that can read, write or indirectly obtain Secrets,
 * where, and through which chain. Rendered by the plan report; exempt subjects are listed and marked.
 */
import { analyzeRbac } from "./analyze";
import type { AnalyzeOptions, KubeObject } from "./types";

export interface SecretAccessRow {
  subject: string;
  /** Namespace, or `*` for every namespace. */
  namespace: string;
  access: "read" | "write" | "indirect";
  verbs: string[];
  /** Set when the access is limited to named Secrets. */
  resourceNames?: string[];
  /** binding -> role -> (aggregation) -> rule (-> acts as ...). */
  chain: string[];
  /** True when the subject is exempted by configuration (an expected controller). */
  exempt: boolean;
  severity: string;
}

const ACCESS = { "secret-read": "read", "secret-write": "write", "indirect-secret-read": "indirect" } as const;

/** One row per (subject, namespace, access, chain), sorted by subject, namespace, access. */
export function effectiveSecretAccessTable(objects: KubeObject[], options: AnalyzeOptions = {}): SecretAccessRow[] {
  const { exemptSubjects = [], ...rest } = options;
  const all = analyzeRbac(objects, rest).findings;
  const kept = new Set(analyzeRbac(objects, options).findings.map((f) => f.subject));
  const rows: SecretAccessRow[] = [];
  for (const f of all) {
    if (!(f.code in ACCESS)) continue;
    rows.push({
      subject: f.subject,
      namespace: f.namespace,
      access: ACCESS[f.code as keyof typeof ACCESS],
      verbs: f.verbs,
      ...(f.resourceNames ? { resourceNames: f.resourceNames } : {}),
      chain: f.path,
      exempt: exemptSubjects.length > 0 && !kept.has(f.subject),
      severity: f.severity,
    });
  }
  const order = { read: 0, write: 1, indirect: 2 };
  rows.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0) || order[a.access] - order[b.access]);
  return rows;
}
