import assert from "node:assert/strict";
import { test } from "node:test";
import * as aws from "@pulumi/aws";
import { EksSecretsEncryption, InvalidArgumentsError, KMS_KEY_ADMIN_ACTIONS } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0b6f6a8e-0000-4000-8000-000000000001";
const ROLE = "arn:aws:iam::123456789012:role/prod-eks-cluster";
const kmsState = {
  resourceState: (args: { type: string }) =>
    args.type === "aws:kms/key:Key" ? { arn: KEY_ARN, keyId: "0b6f6a8e-0000-4000-8000-000000000001" } : undefined,
};

// The hole: AWS's default root statement (kms:* for the account root) lets any IAM principal of the account
// whose identity policy allows kms:Decrypt decrypt with the key, whatever the key policy says about the
// cluster role. Strict mode (default) leaves the root administration only; creating the policy still passes
// KMS's lockout safety check because the caller keeps kms:PutKeyPolicy through its IAM policy (root delegation).
test("EksSecretsEncryption: symmetric key, rotation, deletion window, alias, strict key policy (root administers, never uses), cluster-role-only use", async () => {
  let enc: EksSecretsEncryption | undefined;
  const stack = await runProgram(() => {
    enc = new EksSecretsEncryption("prod", { clusterRoleArn: ROLE });
  }, kmsState);
  const component = stack.one("kube-secrets-platform:index:EksSecretsEncryption", "prod");
  const key = stack.one("aws:kms/key:Key", "prod-key");
  assert.equal(key.parent, component.urn);
  const { policy, ...rest } = key.inputs;
  assert.deepEqual(rest, {
    description: "EKS Kubernetes Secrets envelope encryption (prod)",
    keyUsage: "ENCRYPT_DECRYPT",
    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
    enableKeyRotation: true,
    rotationPeriodInDays: 365,
    deletionWindowInDays: 30,
    bypassPolicyLockoutSafetyCheck: false,
    multiRegion: false,
  });
  assert.deepEqual(JSON.parse(policy), {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AccountAdministrationOnly", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: [...KMS_KEY_ADMIN_ACTIONS], Resource: "*" },
      {
        Sid: "EksClusterRoleEnvelopeEncryption",
        Effect: "Allow",
        Principal: { AWS: ROLE },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        Resource: "*",
      },
      {
        Sid: "EksClusterCreatorGrants",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: ["kms:CreateGrant", "kms:DescribeKey"],
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ],
  });
  for (const crypto of ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:*"]) {
    assert.ok(!KMS_KEY_ADMIN_ACTIONS.includes(crypto as never), `root administration must not include ${crypto}`);
  }
  assert.ok(KMS_KEY_ADMIN_ACTIONS.includes("kms:PutKeyPolicy"), "the lockout safety check needs PutKeyPolicy for the caller");
  const alias = stack.one("aws:kms/alias:Alias", "prod-alias");
  assert.deepEqual(alias.inputs, { name: "alias/eks/prod-secrets", targetKeyId: "0b6f6a8e-0000-4000-8000-000000000001" });
  assert.equal(await unwrap(enc!.keyArn), KEY_ARN);
  assert.deepEqual(await unwrap(enc!.encryptionConfig), { provider: { keyArn: KEY_ARN }, resources: ["secrets"] });
});

test("EksSecretsEncryption: listed administrators replace the root statement and never get kms:* or key use", async () => {
  let enc: EksSecretsEncryption | undefined;
  const admins = ["arn:aws:iam::123456789012:role/kms-admin", "arn:aws:iam::123456789012:role/pulumi-deployer"];
  const stack = await runProgram(() => {
    enc = new EksSecretsEncryption("p2", {
      clusterRoleArn: ROLE,
      administratorArns: admins,
      clusterCreatorArns: ["arn:aws:iam::123456789012:role/pulumi-deployer"],
      rotationPeriodInDays: 90,
      deletionWindowInDays: 7,
      alias: "alias/prod/eks-secrets",
    });
  }, kmsState);
  const policy = JSON.parse(stack.one("aws:kms/key:Key").inputs.policy);
  assert.deepEqual(policy.Statement.map((s: any) => s.Sid), ["KeyAdministration", "EksClusterRoleEnvelopeEncryption", "EksClusterCreatorGrants"]);
  const [admin, use, creator] = policy.Statement;
  assert.deepEqual(admin.Principal, { AWS: admins });
  for (const s of policy.Statement) {
    assert.notEqual(s.Action, "kms:*");
    assert.ok(!JSON.stringify(s.Action).includes("*"), `no wildcard actions in ${s.Sid}`);
  }
  for (const forbidden of ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:CreateGrant"]) {
    assert.ok(!admin.Action.includes(forbidden), `administrators must not get ${forbidden}`);
  }
  assert.ok(admin.Action.includes("kms:PutKeyPolicy") && admin.Action.includes("kms:ScheduleKeyDeletion"));
  assert.deepEqual(use.Principal, { AWS: ROLE });
  assert.deepEqual(creator, {
    Sid: "EksClusterCreatorGrants",
    Effect: "Allow",
    Principal: { AWS: ["arn:aws:iam::123456789012:role/pulumi-deployer"] },
    Action: ["kms:CreateGrant", "kms:DescribeKey"],
    Resource: "*",
    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
  });
  const key = stack.one("aws:kms/key:Key").inputs;
  assert.equal(key.rotationPeriodInDays, 90);
  assert.equal(key.deletionWindowInDays, 7);
  assert.equal(stack.one("aws:kms/alias:Alias").inputs.name, "alias/prod/eks-secrets");
  assert.equal(await unwrap(enc!.aliasName), "alias/prod/eks-secrets");
});

test("EksSecretsEncryption: account-root mode is AWS's kms:* root statement, an explicit opt-in; it cannot be combined with administrators", async () => {
  const stack = await runProgram(() => {
    new EksSecretsEncryption("legacy", { clusterRoleArn: ROLE, keyPolicyMode: "account-root" });
    assert.throws(
      () => new EksSecretsEncryption("bad", { clusterRoleArn: ROLE, keyPolicyMode: "account-root", administratorArns: ["arn:aws:iam::123456789012:role/kms-admin"] }),
      (e: unknown) => e instanceof InvalidArgumentsError && e.problems.join("|") === "keyPolicyMode: account-root gives the account root kms:* and cannot be combined with administratorArns (use strict)",
    );
    assert.throws(() => new EksSecretsEncryption("bad2", { clusterRoleArn: ROLE, keyPolicyMode: "open" }), /keyPolicyMode: must be one of strict, account-root, got "open"/);
  }, kmsState);
  assert.deepEqual(JSON.parse(stack.one("aws:kms/key:Key").inputs.policy).Statement.map((s: any) => [s.Sid, s.Action]), [
    ["AccountRootAdministration", "kms:*"],
    ["EksClusterRoleEnvelopeEncryption", ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]],
  ]);
});

test("EksSecretsEncryption composed with aws.eks.Cluster: the cluster receives the encryption config", async () => {
  const stack = await runProgram(() => {
    const role = new aws.iam.Role("cluster-role", {
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }] }),
    });
    const enc = new EksSecretsEncryption("prod", { clusterRoleArn: role.arn });
    new aws.eks.Cluster("prod", {
      roleArn: role.arn,
      vpcConfig: { subnetIds: ["subnet-a", "subnet-b"] },
      encryptionConfig: enc.encryptionConfig,
    });
  }, {
    resourceState: (args) =>
      args.type === "aws:iam/role:Role" ? { arn: "arn:aws:iam::123456789012:role/cluster-role-abc" } : kmsState.resourceState(args),
  });
  const cluster = stack.one("aws:eks/cluster:Cluster", "prod");
  assert.deepEqual(cluster.inputs.encryptionConfig, { provider: { keyArn: KEY_ARN }, resources: ["secrets"] });
  const policy = JSON.parse(stack.one("aws:kms/key:Key").inputs.policy);
  assert.deepEqual(policy.Statement[1].Principal, { AWS: "arn:aws:iam::123456789012:role/cluster-role-abc" });
});

test("EksSecretsEncryption: bad input throws naming the field before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () => new EksSecretsEncryption("bad", { clusterRoleArn: "prod-eks-cluster", deletionWindowInDays: 3, rotationPeriodInDays: 30, alias: "alias/aws/eks" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "clusterRoleArn: must be an IAM role ARN, got \"prod-eks-cluster\"",
          "rotationPeriodInDays: must be between 90 and 2560, got 30",
          "deletionWindowInDays: must be between 7 and 30, got 3",
          "alias: must be alias/<name> (letters, digits, /, _, -) and not alias/aws/..., got \"alias/aws/eks\"",
        ]);
        return true;
      },
    );
    assert.throws(() => new EksSecretsEncryption("bad2", { clusterRoleArn: ROLE, administratorArns: [] }), /administratorArns: must list at least one ARN when set/);
    assert.throws(() => new EksSecretsEncryption("bad3", { clusterRoleArn: ROLE, administratorArns: ["*"] }), /administratorArns\[0\]: must be an IAM role, user or root ARN/);
    // The attacker's shape: every role of the account administers (and, through IAM, uses) the key.
    assert.throws(
      () => new EksSecretsEncryption("bad4", { clusterRoleArn: ROLE, administratorArns: ["arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:role/admin-?"] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "administratorArns[0]: must be an IAM role, user or root ARN without wildcards",
          "administratorArns[1]: must be an IAM role, user or root ARN without wildcards",
        ]);
        return true;
      },
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
