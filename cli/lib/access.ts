/**
 * The effective Secret access of one cluster for report.md: the RBAC engine's access table over the
 * cluster's Kubernetes objects, with the exemptions of the `who-can-read-secrets` policy configuration
 * the plan ran with, each exempt row carrying the configuration entry that exempts it.
 *
 * RBAC semantics are the engine's (policy-pack/rbac); this module only picks the objects, resolves the
 * policy's exemption settings (subjects, and labels on ServiceAccounts and ClusterRoles, as the policy
 * does) and explains them.
 */
import { effectiveSecretAccessTable, kubeObjectsFromResources, type KubeObject, type SecretAccessRow } from "../../policy-pack/rbac";
import { whoCanReadSecrets } from "../../policy-pack/policies/whoCanReadSecrets";
import type { PolicyPackConfig } from "./policyRunner";

/** The `who-can-read-secrets` settings that decide exemptions, as the policy sees them. */
export interface AccessSettings {
  /** Exact subjects or trailing-`*` prefixes (`ServiceAccount vault/*`). */
  exemptSubjects: string[];
  /** `key=value` or `key` labels exempting the ServiceAccounts and ClusterRoles that carry them. */
  exemptLabels: string[];
  kubernetesVersion?: string;
}

/** A row of the access table with why it is exempt (empty when it is not). */
export interface AccessRow extends SecretAccessRow {
  /** The configuration entry that exempts the subject or the granting ClusterRole; "" when not exempt. */
  exemptReason: string;
}

export interface ClusterAccess {
  rows: AccessRow[];
  /** Resources that could not be judged (values unknown during preview). */
  unknown: string[];
}

const POLICY = whoCanReadSecrets.name;

function schemaDefault<T>(key: string, fallback: T): T {
  const prop = whoCanReadSecrets.configSchema?.properties?.[key] as { default?: T } | undefined;
  return prop?.default ?? fallback;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/**
 * The exemption settings of `who-can-read-secrets` in a `--policy-pack-config` shaped configuration
 * (the same object the plan passes to the policies), with the policy's schema defaults.
 */
export function accessSettings(config: PolicyPackConfig | undefined): AccessSettings {
  const own = config?.[POLICY];
  const props: Record<string, unknown> = own && typeof own === "object" ? own : {};
  const settings: AccessSettings = {
    exemptSubjects: stringList(props.exemptSubjects) ?? schemaDefault<string[]>("exemptSubjects", []),
    exemptLabels: stringList(props.exemptLabels) ?? schemaDefault<string[]>("exemptLabels", []),
  };
  const version = typeof props.kubernetesVersion === "string" ? props.kubernetesVersion : schemaDefault<string | undefined>("kubernetesVersion", undefined);
  if (version) settings.kubernetesVersion = version;
  return settings;
}

/** The first configured label (`key=value` or `key`) that `object` carries. */
function matchingLabel(object: KubeObject, labels: string[]): string | undefined {
  return labels.find((l) => {
    const eq = l.indexOf("=");
    const key = eq < 0 ? l : l.slice(0, eq);
    const value = object.metadata?.labels?.[key];
    return value !== undefined && (eq < 0 || value === l.slice(eq + 1));
  });
}

function patternMatches(pattern: string, subject: string): boolean {
  return pattern === subject || (pattern.endsWith("*") && subject.startsWith(pattern.slice(0, -1)));
}

/** The access rows of `objects` (one cluster's), exemptions resolved and explained. */
export function accessRows(objects: KubeObject[], settings: AccessSettings): AccessRow[] {
  const labelled = new Map<string, string>();
  const exemptRoles = new Map<string, string>();
  for (const o of objects) {
    const label = matchingLabel(o, settings.exemptLabels);
    if (!label) continue;
    if (o.kind === "ServiceAccount") {
      labelled.set(`ServiceAccount ${o.metadata?.namespace || "default"}/${o.metadata?.name ?? ""}`, `exemptLabels: ${label} on the ServiceAccount`);
    }
    if (o.kind === "ClusterRole") exemptRoles.set(`ClusterRole ${o.metadata?.name ?? ""}`, `exemptLabels: ${label} on ClusterRole ${o.metadata?.name ?? ""}`);
  }
  const exemptSubjects = [...settings.exemptSubjects, ...labelled.keys()];
  const table = effectiveSecretAccessTable(objects, {
    exemptSubjects,
    ...(settings.kubernetesVersion ? { kubernetesVersion: settings.kubernetesVersion } : {}),
  });
  return table.map((row) => {
    let reason = "";
    if (row.exempt) {
      const pattern = settings.exemptSubjects.find((p) => patternMatches(p, row.subject));
      reason = pattern !== undefined ? `exemptSubjects: ${pattern}` : (labelled.get(row.subject) ?? "exempted by configuration");
    } else {
      // The policy also drops chains granted through a ClusterRole labelled exempt (path[1] is the role).
      const role = row.chain[1];
      const hit = role ? [...exemptRoles.keys()].find((r) => role === r || role.startsWith(`${r} `)) : undefined;
      if (hit) reason = exemptRoles.get(hit)!;
    }
    return { ...row, exempt: reason !== "", exemptReason: reason };
  });
}

/** The access table of one cluster's resources (plan.json shaped: `type` and `inputs`). */
export function clusterAccess(resources: Array<{ urn: string; type: string; inputs: unknown }>, settings: AccessSettings): ClusterAccess {
  const { objects, unknown } = kubeObjectsFromResources(resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn })));
  return { rows: accessRows(objects, settings), unknown };
}
