import assert from "node:assert/strict";
import { test } from "node:test";
import { PLACEHOLDER } from "../../../cli/lib/invokes";
import { AwsSecretsManagerAccess, InvalidArgumentsError } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
const SECRET_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-??????";
const PARAM = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/feature-flags";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const roleState = (args: { type: string; name: string }) =>
  args.type === "aws:iam/role:Role" ? { arn: `arn:aws:iam::123456789012:role/${args.name}` } : undefined;

test("AwsSecretsManagerAccess (Pod Identity, default): trust on pods.eks.amazonaws.com scoped by session tags, read-only policy, association", async () => {
  let access: AwsSecretsManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new AwsSecretsManagerAccess("eso-aws", { clusterName: "prod-eks", secretArns: [SECRET, SECRET_PREFIX], kmsKeyArns: [KEY] });
    },
    { resourceState: roleState },
  );
  const role = stack.one("aws:iam/role:Role", "eso-aws-role");
  assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EsoServiceAccountViaPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": "123456789012",
            "aws:RequestTag/eks-cluster-name": "prod-eks",
            "aws:RequestTag/kubernetes-namespace": "external-secrets",
            "aws:RequestTag/kubernetes-service-account": "external-secrets",
          },
          // The cluster the association lives in (AWS confused-deputy guidance for EKS Pod Identity).
          ArnEquals: { "aws:SourceArn": `arn:aws:eks:${PLACEHOLDER.awsRegion}:123456789012:cluster/prod-eks` },
        },
      },
    ],
  });
  assert.equal(role.inputs.maxSessionDuration, 3600);

  const policy = stack.one("aws:iam/rolePolicy:RolePolicy", "eso-aws-read-secrets");
  assert.equal(policy.inputs.role, "eso-aws-role-id");
  assert.deepEqual(JSON.parse(policy.inputs.policy), {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadListedSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
        Resource: [SECRET, SECRET_PREFIX],
      },
      {
        Sid: "DecryptViaSecretServices",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [KEY],
        Condition: { StringEquals: { "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com"] } },
      },
    ],
  });

  const assoc = stack.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "eso-aws-pod-identity");
  assert.deepEqual(
    { clusterName: assoc.inputs.clusterName, namespace: assoc.inputs.namespace, serviceAccount: assoc.inputs.serviceAccount, roleArn: assoc.inputs.roleArn },
    { clusterName: "prod-eks", namespace: "external-secrets", serviceAccount: "external-secrets", roleArn: "arn:aws:iam::123456789012:role/eso-aws-role" },
  );
  assert.equal(await unwrap(access!.roleArn), "arn:aws:iam::123456789012:role/eso-aws-role");
  assert.deepEqual(await unwrap(access!.serviceAccountAnnotations), {}, "Pod Identity needs no annotation");
});

test("AwsSecretsManagerAccess (IRSA): exact sub and aud conditions on the OIDC provider, Parameter Store statements, role annotation", async () => {
  let access: AwsSecretsManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new AwsSecretsManagerAccess("irsa", {
        mode: "irsa",
        oidcProvider: {
          arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123",
          url: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123",
        },
        namespace: "eso",
        serviceAccountName: "eso-controller",
        parameterArns: [PARAM],
        kmsKeyArns: [KEY],
      });
    },
    { resourceState: roleState },
  );
  assert.deepEqual(JSON.parse(stack.one("aws:iam/role:Role").inputs.assumeRolePolicy).Statement, [
    {
      Sid: "EsoServiceAccountViaIrsa",
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:eso:eso-controller",
          "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com",
        },
      },
    },
  ]);
  assert.deepEqual(JSON.parse(stack.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement, [
    {
      Sid: "ReadListedParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory", "ssm:ListTagsForResource"],
      Resource: [PARAM],
    },
    {
      Sid: "DecryptViaSecretServices",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [KEY],
      Condition: { StringEquals: { "kms:ViaService": ["ssm.us-east-1.amazonaws.com"] } },
    },
  ]);
  assert.deepEqual(stack.all("aws:eks/podIdentityAssociation:PodIdentityAssociation"), [], "no association with IRSA");
  assert.deepEqual(await unwrap(access!.serviceAccountAnnotations), { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/irsa-role" });
});

test("AwsSecretsManagerAccess: wildcards, IRSA without an OIDC provider and malformed ARNs are rejected by name", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new AwsSecretsManagerAccess("bad", {
          mode: "irsa",
          secretArns: ["*", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*", "arn:aws:s3:::bucket"],
          kmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:alias/db"],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "oidcProvider: required when mode is irsa",
          `secretArns[0]: wildcards are not allowed (list each ARN), got "*"`,
          `secretArns[1]: wildcards are not allowed (list each ARN), got "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*"`,
          `secretArns[2]: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[-??????]), got "arn:aws:s3:::bucket"`,
          `kmsKeyArns[0]: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; aliases do not authorize), got "arn:aws:kms:us-east-1:123456789012:alias/db"`,
        ]);
        return true;
      },
    );
    assert.throws(() => new AwsSecretsManagerAccess("none", { clusterName: "c" }), /secretArns: list at least one secret ARN \(or parameterArns\)/);
    assert.throws(() => new AwsSecretsManagerAccess("pi", { secretArns: [SECRET] }), /clusterName: required when mode is pod-identity/);
    assert.throws(() => new AwsSecretsManagerAccess("m", { mode: "keys", clusterName: "c", secretArns: [SECRET] }), /mode: must be one of pod-identity, irsa, got "keys"/);
    assert.throws(() => new AwsSecretsManagerAccess("p", { clusterName: "c", parameterArns: [`${PARAM}*`] }), /parameterArns\[0\]: wildcards are not allowed/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
