/** The plan.json document (DESIGN.md, "Offline plan"): the stable machine interface of `npm run plan`. */
import type { PolicyRunResult, PolicyViolation } from "./policyRunner";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  /** `<provider urn>::<id>` when the resource was registered with an explicit provider (its cluster). */
  provider?: string;
  /** Inputs with every secret value replaced by the string "[secret]". */
  inputs: Record<string, unknown>;
}

export interface PlanDocument {
  stack: string;
  project: string;
  resources: PlanResource[];
  /** Every helm.v4.Chart of the stack and whether the plan rendered it (absent when rendering was off). */
  charts?: PlanChart[];
  policy: {
    violations: PolicyViolation[];
    notApplicable?: PolicyRunResult["notApplicable"];
    errors?: PolicyRunResult["errors"];
  };
}

/** One chart of plan.json's `charts`. */
export interface PlanChart {
  /** The Chart resource's name. */
  name: string;
  chart: string;
  version: string;
  rendered: boolean;
  /** Why it was not rendered; for a rendered chart, where its tarball came from. */
  reason: string;
  /** Objects registered as the Chart's children. */
  objects: number;
  /** Hooks the chart renders that helm.v4.Chart never registers. */
  skippedHooks: string[];
}
