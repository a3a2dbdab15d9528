/**
 * Turns Pulumi resources (as a stack policy or the plan sees them: a type token and inputs) into plain
 * KubeObjects for the engine. No Pulumi imports: a resource is `{ type, props, urn? }`.
 */
import type { KubeObject } from "./types";

/** Kubernetes resource types the engine understands, by Pulumi type token. */
export const RBAC_RESOURCE_TYPES: Readonly<Record<string, { apiVersion: string; kind: string }>> = Object.fromEntries(
  (
    [
      ["rbac.authorization.k8s.io/v1", "Role"],
      ["rbac.authorization.k8s.io/v1", "ClusterRole"],
      ["rbac.authorization.k8s.io/v1", "RoleBinding"],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
      ["v1", "ServiceAccount"],
      ["v1", "Namespace"],
      ["v1", "Pod"],
      ["v1", "ReplicationController"],
      ["apps/v1", "Deployment"],
      ["apps/v1", "StatefulSet"],
      ["apps/v1", "DaemonSet"],
      ["apps/v1", "ReplicaSet"],
      ["batch/v1", "Job"],
      ["batch/v1", "CronJob"],
      ["external-secrets.io/v1", "SecretStore"],
      ["external-secrets.io/v1", "ClusterSecretStore"],
      ["external-secrets.io/v1beta1", "SecretStore"],
      ["external-secrets.io/v1beta1", "ClusterSecretStore"],
    ] as const
  ).flatMap(([apiVersion, kind]) => {
    const type = `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
    // A server-side-apply `*Patch` of a kind (RoleBindingPatch, DeploymentPatch, ...) changes a live
    // object just as well: it is read as that object (its lists replace the live ones'; both are kept).
    return [
      [type, { apiVersion, kind }],
      [`${type}Patch`, { apiVersion, kind }],
    ];
  }),
);

export interface ResourceLike {
  type: string;
  props: unknown;
  urn?: string;
}

export interface ExtractedObjects {
  objects: KubeObject[];
  /** Resources whose inputs held values unknown during preview (skipped; they cannot be judged yet). */
  unknown: string[];
  /** The resource each object came from (same order as `objects`). */
  sources: ResourceLike[];
}

/**
 * Whether `e` is @pulumi/policy's UnknownValueError (a preview value read through a props proxy that is not
 * known yet), matched by name: this module has no Pulumi imports.
 */
export function isUnknownValueError(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * Deep-copies a value into plain data. Reading through a policy's props proxy throws when a preview
 * value is unknown; the caller decides what that means.
 */
export function toPlain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 64) throw new Error("value nested too deeply");
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(toPlain(value[i], depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = toPlain((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

/** The RBAC objects, ServiceAccounts, Namespaces, Pods, workloads and ESO stores among `resources` (and their `*Patch` resources), as KubeObjects. */
export function kubeObjectsFromResources(resources: Iterable<ResourceLike>): ExtractedObjects {
  const objects: KubeObject[] = [];
  const sources: ResourceLike[] = [];
  const unknown: string[] = [];
  for (const r of resources) {
    const meta = RBAC_RESOURCE_TYPES[r.type];
    if (!meta) continue;
    let plain: Record<string, unknown>;
    try {
      plain = (toPlain(r.props) ?? {}) as Record<string, unknown>;
    } catch (e) {
      if (isUnknownValueError(e)) {
        unknown.push(r.urn ?? r.type);
        continue;
      }
      throw e;
    }
    objects.push({ ...plain, apiVersion: meta.apiVersion, kind: meta.kind });
    sources.push(r);
  }
  return { objects, unknown, sources };
}
