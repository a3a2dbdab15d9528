import type * as k8s from "@pulumi/kubernetes";

/** What every stack section gets for the cluster it deploys to. */
export interface ClusterContext {
  /** The cluster's name from config (an RFC 1123 label); resource names start with it. */
  name: string;
  /** `self-managed`, `eks`, `gke` or `aks`. */
  kind: string;
  /** The Kubernetes provider of this cluster: every Kubernetes resource of the section uses it. */
  provider: k8s.Provider;
}

/** `a.b[0].c` → ["a", "b", 0, "c"]. */
export function fieldPathParts(field: string): Array<string | number> {
  if (!field) return [];
  return field
    .split(/\.|\[(\d+)\]/)
    .filter((x) => x !== undefined && x !== "")
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

/**
 * Reports a component's `field.path: rule` problems as zod issues under `base`, so a bad stack file names
 * `kube-secrets-platform:clusters[i].<section>.<base>.<field.path>: <rule>`.
 */
export function addComponentProblems(ctx: { addIssue(issue: { code: "custom"; path: Array<string | number>; message: string }): void }, base: Array<string | number>, problems: string[]): void {
  for (const problem of problems) {
    const at = problem.indexOf(": ");
    const field = at < 0 ? "" : problem.slice(0, at);
    ctx.addIssue({ code: "custom", path: [...base, ...fieldPathParts(field)], message: at < 0 ? problem : problem.slice(at + 2) });
  }
}
