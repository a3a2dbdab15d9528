/** The plan.json document (DESIGN.md, "Offline plan"): the stable machine interface of `npm run plan`. */
import type { PolicyRunResult, PolicyViolation } from "./policyRunner";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  /** Inputs with every secret value replaced by the string "[secret]". */
  inputs: Record<string, unknown>;
}

export interface PlanDocument {
  stack: string;
  project: string;
  resources: PlanResource[];
  policy: {
    violations: PolicyViolation[];
    notApplicable?: PolicyRunResult["notApplicable"];
    errors?: PolicyRunResult["errors"];
  };
}
