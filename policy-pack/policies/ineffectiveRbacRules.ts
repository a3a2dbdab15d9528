import type { StackValidationPolicy } from "@pulumi/policy";
import { analyzeRbac } from "../rbac";
import { stackKubeObjectsByCluster } from "./common";

/** Rules and bindings that can never grant what they appear to (typos the API server accepts silently). */
export const ineffectiveRbacRules: StackValidationPolicy = {
  name: "ineffective-rbac-rules",
  description: "RBAC rules, subjects and roleRefs that grant nothing (e.g. apiGroup `core`, `secrets/*`, `GET`, missing roles) are reported.",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps: "Fix the rule as the message says (the core group is \"\", verbs are lower-case, subresources are named exactly), or delete it. Create or fix the role a binding references.",
  validateStack: (args, reportViolation) => {
    const clusters = stackKubeObjectsByCluster(args.resources);
    for (const { cluster, objects, urns } of clusters) {
      const urnOf = new Map<string, string>();
      objects.forEach((o, i) => {
        const ns = o.metadata?.namespace ?? "default";
        const name = o.metadata?.name ?? "";
        urnOf.set(o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding" ? `${o.kind} ${name}` : `${o.kind} ${ns}/${name}`, urns[i]);
      });
      const prefix = clusters.length > 1 && cluster ? `[${cluster}] ` : "";
      for (const f of analyzeRbac(objects).findings) {
        if (f.code !== "ineffective-rule" && f.code !== "missing-role") continue;
        const head = f.path[0] ?? f.subject;
        const objectId = head.split(" ").slice(0, 2).join(" ");
        reportViolation(`${prefix}${f.message}`, urnOf.get(objectId));
      }
    }
  },
};
