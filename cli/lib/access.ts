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
import { matchesAny } from "../../policy-pack/policies/common";
import { createdByPlatform, exemptRoleOf, labelExemptions, whoCanReadSecrets } from "../../policy-pack/policies/whoCanReadSecrets";
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

/** The access rows of `objects` (one cluster's), exemptions resolved and explained. */
export function accessRows(objects: KubeObject[], settings: AccessSettings, owned?: (index: number) => boolean): AccessRow[] {
  // The policy's own label exemptions (whoCanReadSecrets.ts), so the report never disagrees with it.
  const byLabel = labelExemptions(objects, settings.exemptLabels, owned);
  const exemptSubjects = [...settings.exemptSubjects, ...byLabel.subjects.keys()];
  const table = effectiveSecretAccessTable(objects, {
    exemptSubjects,
    ...(settings.kubernetesVersion ? { kubernetesVersion: settings.kubernetesVersion } : {}),
  });
  return table.map((row) => {
    let reason = "";
    if (row.exempt) {
      const pattern = settings.exemptSubjects.find((p) => matchesAny(row.subject, [p]));
      const label = byLabel.subjects.get(row.subject);
      reason = pattern !== undefined ? `exemptSubjects: ${pattern}` : label !== undefined ? `exemptLabels: ${label} on the ServiceAccount` : "exempted by configuration";
    } else {
      // The policy also drops chains granted through a ClusterRole labelled exempt (path[1] is the role).
      const role = exemptRoleOf(row.chain, byLabel.roles);
      if (role) reason = `exemptLabels: ${byLabel.roles.get(role)} on ${role}`;
    }
    return { ...row, exempt: reason !== "", exemptReason: reason };
  });
}

/** The access table of one cluster's resources (plan.json shaped: `type` and `inputs`). */
export function clusterAccess(resources: Array<{ urn: string; type: string; inputs: unknown }>, settings: AccessSettings): ClusterAccess {
  const { objects, unknown, sources } = kubeObjectsFromResources(resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn })));
  // Label exemptions only for objects the platform's components created (as the policy does).
  return { rows: accessRows(objects, settings, (i) => createdByPlatform(sources[i]?.urn)), unknown };
}
