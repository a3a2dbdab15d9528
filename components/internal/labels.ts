/** Standard `app.kubernetes.io/*` labels for everything the package creates. Internal. */
import { PACKAGE } from "./naming";

/** The label key the policy pack uses to find objects this package created. */
export const PART_OF = "app.kubernetes.io/part-of";
export const MANAGED_BY = "app.kubernetes.io/managed-by";

/**
 * The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/)
 * for an object of `component` within an instance named `instance`.
 */
export function standardLabels(component: string, instance: string, name?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name ?? component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": component,
    [PART_OF]: PACKAGE,
    [MANAGED_BY]: "pulumi",
  };
}
