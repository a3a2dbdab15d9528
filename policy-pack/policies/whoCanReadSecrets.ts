import type { StackValidationPolicy } from "@pulumi/policy";
import { PACKAGE } from "../../components/internal/naming";
import { analyzeRbac, type KubeObject, type RbacFinding } from "../rbac";
import { stackKubeObjectsByCluster } from "./common";

export interface WhoCanReadSecretsConfig {
  exemptSubjects: string[];
  exemptLabels: string[];
  kubernetesVersion?: string;
  reportIndirect: boolean;
}

/** `Kind ns/name` / `Kind name` of a KubeObject, as the engine names it in paths. */
function objectId(o: KubeObject): string {
  const name = o.metadata?.name ?? "";
  return o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding" ? `${o.kind} ${name}` : `${o.kind} ${o.metadata?.namespace || "default"}/${name}`;
}

/** The first configured label (`key=value` or `key`) that `object` carries. */
export function matchingLabel(object: KubeObject, labels: string[]): string | undefined {
  return labels.find((l) => {
    const eq = l.indexOf("=");
    const key = eq < 0 ? l : l.slice(0, eq);
    const value = object.metadata?.labels?.[key];
    return value !== undefined && (eq < 0 || value === l.slice(eq + 1));
  });
}

/**
 * True when the resource `urn` was created by one of the platform's own components: its parent chain (the
 * `$`-joined types of its URN) holds a `kube-secrets-platform:` component. A stack's own objects (the rbac
 * section, any other program resource) never are, whatever labels they carry.
 */
export function createdByPlatform(urn: string | undefined): boolean {
  const qualifiedType = urn?.split("::")[2];
  if (!qualifiedType) return false;
  return qualifiedType.split("$").slice(0, -1).some((t) => t.startsWith(`${PACKAGE}:`));
}

/**
 * What `exemptLabels` exempt among `objects`: labelled ServiceAccounts (as subjects) and labelled
 * ClusterRoles (every chain granted through them), each with the label that matched. Shared with the
 * plan's access table so that the report and the policy never disagree. With `owned` (true for the
 * objects the platform's components created, see {@link createdByPlatform}), only those can be exempted by
 * a label: a stack's own ClusterRole carrying the label does not exempt itself. Without it (objects read
 * from a live cluster carry no provenance) every labelled object counts.
 */
export function labelExemptions(
  objects: KubeObject[],
  labels: string[],
  owned?: (index: number) => boolean,
): { subjects: Map<string, string>; roles: Map<string, string> } {
  const subjects = new Map<string, string>();
  const roles = new Map<string, string>();
  for (const [i, o] of objects.entries()) {
    if (owned && !owned(i)) continue;
    const label = matchingLabel(o, labels);
    if (!label) continue;
    if (o.kind === "ServiceAccount") subjects.set(objectId(o), label);
    if (o.kind === "ClusterRole") roles.set(objectId(o), label);
  }
  return { subjects, roles };
}

/** The exempt ClusterRole a chain is granted through (its second step), if any. */
export function exemptRoleOf(path: string[], roles: Map<string, string>): string | undefined {
  const step = path[1];
  if (!step) return undefined;
  for (const r of roles.keys()) if (step === r || step.startsWith(`${r} `)) return r;
  return undefined;
}

/** Findings of `objects` the policy reports, after exemptions by subject and by label. */
export function secretReadFindings(objects: KubeObject[], config: WhoCanReadSecretsConfig, owned?: (index: number) => boolean): RbacFinding[] {
  const byLabel = labelExemptions(objects, config.exemptLabels, owned);
  const exemptSubjects = [...config.exemptSubjects, ...byLabel.subjects.keys()];
  const codes = config.reportIndirect ? ["secret-read", "indirect-secret-read"] : ["secret-read"];
  // ESO: creating ExternalSecrets that use a store authenticating as the controller itself reads whatever
  // the controller reaches (critical); stores with their own credentials are the namespace's own business.
  const pullsThroughController = (f: RbacFinding) => config.reportIndirect && f.code === "external-secret-access" && f.severity === "critical";
  return analyzeRbac(objects, { exemptSubjects, kubernetesVersion: config.kubernetesVersion }).findings.filter(
    (f) => (codes.includes(f.code) || pullsThroughController(f)) && exemptRoleOf(f.path, byLabel.roles) === undefined,
  );
}

/**
 * Who can read Secrets, computed with the RBAC engine over every Role, ClusterRole, binding, service
 * account and workload of the stack (built-in roles such as `edit` included). Each subject that can read
 * Secrets (directly, or indirectly by running pods, exec, or acting as a service account) is a violation
 * whose message carries the granting chain. Controllers that must read Secrets are exempted explicitly.
 */
export const whoCanReadSecrets: StackValidationPolicy = {
  name: "who-can-read-secrets",
  description: "Only explicitly exempted subjects may read Secrets, directly or indirectly (RBAC evaluated like the API server).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Remove the binding or narrow the role in the reported chain (resourceNames for the Secrets it needs, no list/watch). " +
    "If the subject is a controller that must read Secrets (External Secrets, Sealed Secrets, Vault's token reviewer, the re-encryption job), " +
    "add it to `exemptSubjects` (e.g. `ServiceAccount external-secrets/external-secrets`) or label its ServiceAccount/ClusterRole with a label listed in `exemptLabels`.",
  configSchema: {
    properties: {
      exemptSubjects: { type: "array", items: { type: "string" }, default: [], description: "Subjects allowed to read Secrets: `ServiceAccount ns/name`, `User x`, `Group g`; a trailing `*` matches a prefix." },
      exemptLabels: { type: "array", items: { type: "string" }, default: [], description: "`key=value` (or `key`) labels that exempt the ServiceAccounts and ClusterRoles carrying them." },
      kubernetesVersion: { type: "string", description: "Cluster version (e.g. 1.35); before 1.35 `get` on pods/exec also execs. Default: assume older." },
      reportIndirect: { type: "boolean", default: true, description: "Also report indirect reads (pod creation, exec, acting as service accounts)." },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<WhoCanReadSecretsConfig>();
    // Each cluster's API server evaluates its own RBAC: analyse each cluster (Kubernetes provider) apart.
    const clusters = stackKubeObjectsByCluster(args.resources);
    for (const { cluster, objects, urns } of clusters) {
      const urnOf = new Map<string, string>();
      objects.forEach((o, i) => urnOf.set(objectId(o), urns[i]));
      const prefix = clusters.length > 1 && cluster ? `[${cluster}] ` : "";
      const owned = (i: number) => createdByPlatform(urns[i]);
      for (const f of secretReadFindings(objects, config, owned)) reportViolation(`${prefix}${f.message}`, urnOf.get(f.path[0]));
    }
  },
};
