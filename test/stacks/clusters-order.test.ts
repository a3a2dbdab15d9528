// Create mode on EKS: identities bound to the cluster (ESO's and Vault's Pod Identity associations) take the
// cluster's name from the created cluster, so Pulumi creates them after it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { planResourceState } from "../../cli/lib/planState";
import { PROJECT } from "../../stacks/config";
import { program } from "../../stacks/program";
import { runProgram } from "../harness/pulumi";

test("create-eks with Pod Identity: every association depends on the created cluster", async () => {
  const file = parse(readFileSync(join(__dirname, "..", "fixtures", "stacks", "Pulumi.create-eks.yaml"), "utf8"));
  const [cluster] = file.config["kube-secrets-platform:clusters"];
  cluster.externalSecrets = {
    // Pod Identity can only serve ESO's controller: an explicit opt-in.
    identity: { aws: { mode: "pod-identity", allowControllerIdentity: true, clusterName: "prod-eks", secretArns: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????"] } },
  };
  cluster.vault = {
    autoUnseal: { awsKms: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/1b2c3d4e-0000-4000-8000-0000000000aa", podIdentity: { clusterName: "prod-eks" } } },
  };
  const stack = await runProgram(program, {
    project: PROJECT,
    config: { "kube-secrets-platform:clusters": JSON.stringify([cluster]) },
    resourceState: planResourceState,
  });
  const eks = stack.one("aws:eks/cluster:Cluster");
  const associations = stack.all("aws:eks/podIdentityAssociation:PodIdentityAssociation");
  assert.equal(associations.length, 2, "one for External Secrets, one for Vault's unseal key");
  for (const a of associations) {
    assert.equal(a.inputs.clusterName, eks.inputs.name);
    assert.ok(a.options.dependsOn.includes(eks.urn), `${a.name} must depend on the cluster`);
  }
});
