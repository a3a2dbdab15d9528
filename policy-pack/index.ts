// The kube-secrets-guard CrossGuard pack: `pulumi preview --policy-pack policy-pack`. Only assembles the
// policies of ./policies (tests and `npm run plan` import those, never this file: constructing a
// PolicyPack starts the analyzer server).
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("kube-secrets-guard", { enforcementLevel: "advisory", policies: allPolicies });
