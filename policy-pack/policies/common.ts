/** Helpers shared by the pack's policies (plain data handling; no policy logic). */
import type { PolicyResource } from "@pulumi/policy";
import { goDurationSeconds } from "../../components/internal/duration";
import { kubeObjectsFromResources, type KubeObject } from "../rbac";

export const RBAC_TYPES = {
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;

const WORKLOAD_KINDS: Readonly<Record<string, string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:PodTemplate": ["template", "spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/**
 * Pulumi type tokens of the workload kinds and the path of their pod spec, including each kind's
 * server-side-apply `*Patch` resource (`kubernetes:apps/v1:DeploymentPatch`), which changes a live
 * workload's pod template just as well.
 */
export const WORKLOAD_POD_SPEC: Readonly<Record<string, string[]>> = Object.fromEntries(
  Object.entries(WORKLOAD_KINDS).flatMap(([type, path]) => [
    [type, path],
    [`${type}Patch`, path],
  ]),
);

/** The service account a pod spec runs as: serviceAccountName, else the deprecated serviceAccount, else `default`. */
export function podServiceAccount(spec: any): string {
  const name = spec?.serviceAccountName;
  if (typeof name === "string" && name !== "") return name;
  const legacy = spec?.serviceAccount;
  return typeof legacy === "string" && legacy !== "" ? legacy : "default";
}

export function dig(value: any, path: string[]): any {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[p];
  }
  return v;
}

/** `kind ns/name` (or `kind name`) of a Kubernetes resource, for messages. */
export function k8sName(type: string, props: any): string {
  const kind = type.slice(type.lastIndexOf(":") + 1);
  const ns = props?.metadata?.namespace;
  const name = props?.metadata?.name ?? "(generated name)";
  return ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/** The KubeObjects of a stack, with the URN of the resource each came from. */
export function stackKubeObjects(resources: PolicyResource[]): { objects: KubeObject[]; urns: string[]; unknown: string[] } {
  const { objects, sources, unknown } = kubeObjectsFromResources(resources.map((r) => ({ type: r.type, props: r.props, urn: r.urn })));
  return { objects, urns: sources.map((s) => s.urn ?? ""), unknown };
}

/** One cluster's KubeObjects: `cluster` is its Kubernetes provider's name, or undefined for the default provider. */
export interface ClusterKubeObjects {
  cluster: string | undefined;
  objects: KubeObject[];
  urns: string[];
  unknown: string[];
}

/**
 * The stack's KubeObjects per cluster: RBAC is evaluated per API server, so objects are grouped by the
 * Kubernetes provider their resource uses (a binding in one cluster never resolves a role of another).
 * Resources on the default provider form one group.
 */
export function stackKubeObjectsByCluster(resources: PolicyResource[]): ClusterKubeObjects[] {
  const groups = new Map<string, PolicyResource[]>();
  for (const r of resources) {
    const key = r.provider?.urn ?? "";
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .map(([key, rs]) => ({ cluster: key ? (rs[0].provider?.name ?? key) : undefined, ...stackKubeObjects(rs) }))
    .filter((g) => g.objects.length > 0 || g.unknown.length > 0);
}

/** Seconds of a Go duration (`1h30m`, `90s`, `0`), or undefined when the value is not one. */
export function parseDuration(value: unknown): number | undefined {
  return typeof value === "string" ? goDurationSeconds(value) : undefined;
}

/** Matches `name` against patterns that may end in `*`. */
export function matchesAny(name: string, patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((p) => p === name || (p.endsWith("*") && name.startsWith(p.slice(0, -1))));
}
