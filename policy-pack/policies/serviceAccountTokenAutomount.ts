import type { StackValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_POD_SPEC, dig, k8sName } from "./common";

/**
 * A pod gets an API token only when it asks for one: either the pod sets `automountServiceAccountToken`
 * explicitly, or its ServiceAccount (in this stack) disables automounting. Pods that inherit the
 * implicit default (true) are reported.
 */
export const serviceAccountTokenAutomount: StackValidationPolicy = {
  name: "service-account-token-automount",
  description: "Service account tokens are mounted only where the pod or its service account declares the need.",
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
      if (!spec || typeof spec.automountServiceAccountToken === "boolean") continue;
      const sa = spec.serviceAccountName || "default";
      const key = `${r.props.metadata?.namespace ?? "default"}/${sa}`;
      if (sas.get(key) === false) continue;
      reportViolation(
        `${k8sName(r.type, r.props)} mounts a token for ServiceAccount ${key} implicitly: set automountServiceAccountToken on the pod (true only if it calls the API) or false on the ServiceAccount`,
        r.urn,
      );
    }
  },
};
