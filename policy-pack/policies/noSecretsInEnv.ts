import type { ResourceValidationPolicy } from "@pulumi/policy";
import { WORKLOAD_POD_SPEC, dig, k8sName } from "./common";

/** Secret values exposed as environment variables (leak through /proc, crash dumps, child processes, logs). */
export const noSecretsInEnv: ResourceValidationPolicy = {
  name: "no-secrets-in-env-vars",
  description: "Containers, init containers and ephemeral containers of every workload read Secrets from mounted files, not environment variables.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Mount the Secret as a volume (or use the Secrets Store CSI driver / Vault agent) and read the file; remove `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`.",
  validateResource: (args, reportViolation) => {
    const path = WORKLOAD_POD_SPEC[args.type];
    if (!path) return;
    const spec = dig(args.props, path);
    if (!spec) return;
    const id = k8sName(args.type, args.props);
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
      (spec[list] ?? []).forEach((c: any, i: number) => {
        const where = `${list}[${i}] (${c.name ?? "?"})`;
        (c.env ?? []).forEach((e: any, j: number) => {
          const ref = e?.valueFrom?.secretKeyRef;
          if (ref) reportViolation(`${id} ${where} env[${j}] ${e.name}: value from Secret ${ref.name ?? "?"} key ${ref.key ?? "?"}`);
        });
        (c.envFrom ?? []).forEach((e: any, j: number) => {
          if (e?.secretRef) reportViolation(`${id} ${where} envFrom[${j}]: every key of Secret ${e.secretRef.name ?? "?"}`);
        });
      });
    }
  },
};
