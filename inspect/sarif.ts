/**
 * scan.sarif: SARIF 2.1.0 (OASIS), one run per cluster, one rule per finding kind, each result located by
 * a logical location naming the Kubernetes object (`<cluster>/<Kind>/<namespace>/<name>`). Validated in the
 * tests against the SARIF 2.1.0 JSON schema. Levels: critical/high -> error, medium -> warning, low ->
 * note; `security-severity` (the property GitHub code scanning reads) 9.5 / 8.0 / 5.5 / 3.0.
 */
import { FINDING_RULES } from "./findings";
import type { Finding, FindingRule, ObjectRef, ScanDocument, Severity } from "./scanSchema";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { critical: "error", high: "error", medium: "warning", low: "note" };
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
const DEFAULT_SEVERITY: Record<FindingRule, Severity> = {
  "over-broad-reader": "high",
  "non-consumer-reader": "high",
  "static-secret": "medium",
  "unconsumed-secret": "low",
  "legacy-token-secret": "medium",
  "binding-missing-subject": "medium",
  "rbac-secret-read": "high",
  "rbac-secret-write": "medium",
  "rbac-indirect-secret-read": "high",
  "rbac-escalation": "high",
  "rbac-ineffective-rule": "low",
  "rbac-missing-role": "medium",
  "rbac-external-secret-access": "high",
  "rbac-other": "medium",
};

export function objectLocationName(cluster: string, o: ObjectRef): string {
  return [cluster, o.kind, ...(o.namespace ? [o.namespace] : []), o.name].join("/");
}

function result(f: Finding, ruleIndex: number) {
  return {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        logicalLocations: [
          {
            name: f.object.name,
            fullyQualifiedName: objectLocationName(f.cluster, f.object),
            kind: "resource",
          },
        ],
      },
    ],
    partialFingerprints: { "kubeSecretsPlatformFinding/v1": f.id },
    properties: {
      severity: f.severity,
      "security-severity": SECURITY_SEVERITY[f.severity],
      fix: f.fix,
      ...(f.subject ? { subject: f.subject } : {}),
      ...(f.secret ? { secret: f.secret } : {}),
      ...(f.path ? { chain: f.path } : {}),
    },
  };
}

export function scanSarif(doc: ScanDocument): Record<string, unknown> {
  const ruleIds = Object.keys(FINDING_RULES) as FindingRule[];
  const rules = ruleIds.map((id) => ({
    id,
    name: FINDING_RULES[id].title.replace(/[^A-Za-z0-9]+/g, " ").trim().split(" ").map((w) => w[0].toUpperCase() + w.slice(1)).join(""),
    shortDescription: { text: FINDING_RULES[id].title },
    fullDescription: { text: FINDING_RULES[id].description },
    help: { text: FINDING_RULES[id].fix },
    defaultConfiguration: { level: LEVEL[DEFAULT_SEVERITY[id]] },
    properties: { tags: ["security", "kubernetes", "secrets"], "security-severity": SECURITY_SEVERITY[DEFAULT_SEVERITY[id]] },
  }));
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: doc.clusters.map((c) => ({
      tool: { driver: { name: "kube-secrets-platform-scan", semanticVersion: doc.tool.version, version: doc.tool.version, rules } },
      automationDetails: { id: `kube-secrets-platform-scan/${c.name}/` },
      invocations: [{ executionSuccessful: true, ...(c.notListed.length ? { toolExecutionNotifications: c.notListed.map((n) => ({ level: "warning", message: { text: `${n.resource} not listed (${n.status || "error"}): ${n.impact}` } })) } : {}) }],
      results: c.findings.map((f) => result(f, index.get(f.rule)!)),
      properties: { cluster: c.name, ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}) },
    })),
  };
}
