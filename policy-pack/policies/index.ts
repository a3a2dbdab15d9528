/**
 * Every policy of the kube-secrets-guard pack, in report order. Each policy lives in its own file in
 * this folder; `policy-pack/index.ts` only assembles them, and `npm run plan` runs this same list.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export const allPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [];
