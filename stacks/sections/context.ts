import type * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from "../../components/internal/naming";

/** A Kubernetes RFC 1123 label in stack config (namespace and cluster names). */
export const labelSchema = z.string().max(63).regex(DNS1123_LABEL, { message: "must be an RFC 1123 label (lower-case alphanumerics and '-')" });
/** A Kubernetes RFC 1123 subdomain in stack config (most object names). */
export const subdomainSchema = z
  .string()
  .max(253)
  .regex(DNS1123_SUBDOMAIN, { message: "must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.')" });

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
 * `kube-secrets-platform:clusters[i].<section>.<base>.<field.path>: <rule>`. `rename` rewrites component
 * field paths to the config's where the section shapes them differently (applied to the whole problem,
 * so paths quoted in the message follow).
 */
export function addComponentProblems(
  ctx: { addIssue(issue: { code: "custom"; path: Array<string | number>; message: string }): void },
  base: Array<string | number>,
  problems: string[],
  rename: ReadonlyArray<readonly [RegExp, string]> = [],
): void {
  for (const raw of problems) {
    const problem = rename.reduce((text, [from, to]) => text.replace(from, to), raw);
    const at = problem.indexOf(": ");
    const field = at < 0 ? "" : problem.slice(0, at);
    ctx.addIssue({ code: "custom", path: [...base, ...fieldPathParts(field)], message: at < 0 ? problem : problem.slice(at + 2) });
  }
}
