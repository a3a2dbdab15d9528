import type { StackValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_POD_SPEC, dig, k8sName, podServiceAccount } from "./common";

/**
 * A pod gets an API token only when it asks for one: either the pod sets `automountServiceAccountToken`
 * explicitly, or its ServiceAccount (in this stack) disables automounting. Pods that inherit the
 * implicit default (true) are reported.
 */
export const serviceAccountTokenAutomount: StackValidationPolicy = {
  name: "service-account-token-automount",
  description: "Service account tokens are mounted only where the pod or its service account declares the need (every workload kind and its *Patch; projected tokens without an audience; the legacy spec.serviceAccount).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Set `automountServiceAccountToken: false` on the ServiceAccount (HardenedNamespace does this for `default`), and `automountServiceAccountToken: true` only on pods that call the Kubernetes API.",
  validateStack: (args, reportViolation) => {
    const sas = new Map<string, boolean | undefined>();
    for (const r of args.resources) {
      // A ServiceAccountPatch (e.g. HardenedNamespace's `default` without a token) counts like the account itself.
      if (r.type !== "kubernetes:core/v1:ServiceAccount" && r.type !== "kubernetes:core/v1:ServiceAccountPatch") continue;
      sas.set(`${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name ?? ""}`, r.props.automountServiceAccountToken);
    }
    for (const r of args.resources) {
      const path = WORKLOAD_POD_SPEC[r.type];
      if (!path) continue;
      const spec = dig(r.props, path);
      if (!spec) continue;
      const sa = podServiceAccount(spec);
      const key = `${r.props.metadata?.namespace ?? "default"}/${sa}`;
      const id = k8sName(r.type, r.props);
      // A projected serviceAccountToken volume without an audience is an API-server token, whatever automount says.
      (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: any, i: number) => {
        (Array.isArray(v?.projected?.sources) ? v.projected.sources : []).forEach((src: any, j: number) => {
          const token = src?.serviceAccountToken;
          if (token && !token.audience) {
            reportViolation(
              `${id} volumes[${i}] (${v.name ?? "?"}).projected.sources[${j}].serviceAccountToken mounts a Kubernetes API token for ServiceAccount ${key} (no audience): set audience to the one service that reads it, or remove the volume`,
              r.urn,
            );
          }
        });
      });
      if (typeof spec.automountServiceAccountToken === "boolean") continue;
      if (sas.get(key) === false) continue;
      reportViolation(
        `${id} mounts a token for ServiceAccount ${key} implicitly: set automountServiceAccountToken on the pod (true only if it calls the API) or false on the ServiceAccount`,
        r.urn,
      );
    }
  },
};
