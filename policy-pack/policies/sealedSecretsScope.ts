import type { ResourceValidationPolicy } from "@pulumi/policy";
import { k8sName, matchesAny } from "./common";

/** Cluster-wide SealedSecrets can be unsealed into any namespace by anyone who can create them there. */
export const sealedSecretsScope: ResourceValidationPolicy = {
  name: "sealed-secrets-scope",
  description: "SealedSecrets are strict or namespace-wide; cluster-wide scope only where allowed.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Seal with the default strict scope (name and namespace bound). If a cluster-wide secret is intended, add `namespace/name` to `allowClusterWide`.",
  configSchema: { properties: { allowClusterWide: { type: "array", items: { type: "string" }, default: [], description: "`namespace/name` (trailing `*`) of SealedSecrets allowed to be cluster-wide." } } },
  validateResource: (args, reportViolation) => {
    if (args.type !== "kubernetes:bitnami.com/v1alpha1:SealedSecret") return;
    const meta = args.props.metadata ?? {};
    const annotations = { ...(meta.annotations ?? {}), ...(args.props.spec?.template?.metadata?.annotations ?? {}) };
    if (annotations["sealedsecrets.bitnami.com/cluster-wide"] !== "true") return;
    const key = `${meta.namespace ?? "default"}/${meta.name ?? ""}`;
    if (matchesAny(key, args.getConfig<{ allowClusterWide: string[] }>().allowClusterWide)) return;
    reportViolation(`${k8sName(args.type, args.props)} is sealed cluster-wide: it can be unsealed in any namespace under any name`);
  },
};
