import assert from "node:assert/strict";
import { test } from "node:test";
import { PLACEHOLDER } from "../../../cli/lib/invokes";
import { AwsSecretsManagerAccess, InvalidArgumentsError, awsIrsaTrustPolicy } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
const SECRET_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-??????";
const PARAM = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/feature-flags";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const roleState = (args: { type: string; name: string }) =>
  args.type === "aws:iam/role:Role" ? { arn: `arn:aws:iam::123456789012:role/${args.name}` } : undefined;

const OIDC = { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123", url: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123" };
const STORE_SA = { namespace: "payments", name: "eso-aws-secrets-manager" };

test("AwsSecretsManagerAccess (Pod Identity, controller opt-in): trust on pods.eks.amazonaws.com scoped by session tags, read-only policy, association", async () => {
  let access: AwsSecretsManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new AwsSecretsManagerAccess("eso-aws", {
        mode: "pod-identity",
        allowControllerIdentity: true,
        serviceAccounts: [{ namespace: "external-secrets", name: "external-secrets" }],
        clusterName: "prod-eks",
        secretArns: [SECRET, SECRET_PREFIX],
        kmsKeyArns: [KEY],
      });
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
            // The cluster the association lives in, as the session tag EKS Pod Identity sets.
            "aws:RequestTag/eks-cluster-arn": `arn:aws:eks:${PLACEHOLDER.awsRegion}:123456789012:cluster/prod-eks`,
            "aws:RequestTag/eks-cluster-name": "prod-eks",
            "aws:RequestTag/kubernetes-namespace": "external-secrets",
            "aws:RequestTag/kubernetes-service-account": "external-secrets",
          },
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

  const assoc = stack.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "eso-aws-pod-identity-external-secrets-external-secrets");
  assert.deepEqual(
    { clusterName: assoc.inputs.clusterName, namespace: assoc.inputs.namespace, serviceAccount: assoc.inputs.serviceAccount, roleArn: assoc.inputs.roleArn },
    { clusterName: "prod-eks", namespace: "external-secrets", serviceAccount: "external-secrets", roleArn: "arn:aws:iam::123456789012:role/eso-aws-role" },
  );
  assert.equal(await unwrap(access!.roleArn), "arn:aws:iam::123456789012:role/eso-aws-role");
  assert.deepEqual(await unwrap(access!.serviceAccountAnnotations), {}, "Pod Identity needs no annotation");
});

// ESO 2.9 (providers/v1/aws/auth/auth.go credsFromServiceAccount) reads the store account's
// eks.amazonaws.com/role-arn annotation and calls AssumeRoleWithWebIdentity with a token it mints for
// audience sts.amazonaws.com (defaultTokenAudience): the trust must name exactly that sub and aud.
test("AwsSecretsManagerAccess (IRSA, default): exact sub of the store's account and aud sts.amazonaws.com, Parameter Store statements, role annotation", async () => {
  let access: AwsSecretsManagerAccess | undefined;
  const stack = await runProgram(
    () => {
      access = new AwsSecretsManagerAccess("irsa", {
        oidcProvider: OIDC,
        serviceAccounts: [STORE_SA],
        parameterArns: [PARAM],
        kmsKeyArns: [KEY],
      });
    },
    { resourceState: roleState },
  );
  assert.deepEqual(JSON.parse(stack.one("aws:iam/role:Role").inputs.assumeRolePolicy).Statement, [
    {
      Sid: "StoreServiceAccountsViaIrsa",
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:payments:eso-aws-secrets-manager",
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

test("awsIrsaTrustPolicy: several store accounts are one StringEquals list (an OR), never a wildcard", () => {
  assert.deepEqual(
    awsIrsaTrustPolicy(OIDC.arn, OIDC.url + "/", [STORE_SA, { namespace: "orders", name: "eso-aws-secrets-manager" }]),
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StoreServiceAccountsViaIrsa",
          Effect: "Allow",
          Principal: { Federated: OIDC.arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": ["system:serviceaccount:payments:eso-aws-secrets-manager", "system:serviceaccount:orders:eso-aws-secrets-manager"],
              "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com",
            },
          },
        },
      ],
    },
  );
});

test("AwsSecretsManagerAccess: the attacker's shape (Pod Identity for ESO's controller, so every store without auth reads with it) is refused without the opt-in", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new AwsSecretsManagerAccess("ambient", {
          mode: "pod-identity",
          clusterName: "prod-eks",
          serviceAccounts: [{ namespace: "external-secrets", name: "external-secrets" }],
          secretArns: [SECRET],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "mode: pod-identity can only bind ESO's controller (ESO cannot use a store's own account through Pod Identity), so every store without auth reads with this role; use irsa, or set allowControllerIdentity: true to opt in",
        ]);
        return true;
      },
    );
    assert.throws(
      () => new AwsSecretsManagerAccess("nosa", { oidcProvider: OIDC, secretArns: [SECRET] }),
      (e: unknown) => e instanceof InvalidArgumentsError && e.problems.join("|") === "serviceAccounts: list at least one service account (a store's own account)",
    );
    assert.throws(
      () => new AwsSecretsManagerAccess("dup", { oidcProvider: OIDC, serviceAccounts: [STORE_SA, STORE_SA], secretArns: [SECRET] }),
      (e: unknown) => e instanceof InvalidArgumentsError && e.problems.join("|") === "serviceAccounts[1]: duplicate service account payments/eso-aws-secrets-manager",
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("AwsSecretsManagerAccess: wildcards, IRSA without an OIDC provider and malformed ARNs are rejected by name", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new AwsSecretsManagerAccess("bad", {
          mode: "irsa",
          serviceAccounts: [STORE_SA],
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
    assert.throws(() => new AwsSecretsManagerAccess("none", { oidcProvider: OIDC, serviceAccounts: [STORE_SA] }), /secretArns: list at least one secret ARN \(or parameterArns, pushSecretNames or readSecretNames\)/);
    assert.throws(
      () => new AwsSecretsManagerAccess("pi", { mode: "pod-identity", allowControllerIdentity: true, serviceAccounts: [STORE_SA], secretArns: [SECRET] }),
      /clusterName: required when mode is pod-identity/,
    );
    assert.throws(() => new AwsSecretsManagerAccess("m", { mode: "keys", oidcProvider: OIDC, serviceAccounts: [STORE_SA], secretArns: [SECRET] }), /mode: must be one of irsa, pod-identity, got "keys"/);
    assert.throws(() => new AwsSecretsManagerAccess("p", { oidcProvider: OIDC, serviceAccounts: [STORE_SA], parameterArns: [`${PARAM}*`] }), /parameterArns\[0\]: wildcards are not allowed/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("AwsSecretsManagerAccess: pushSecretNames get exactly the calls ESO's AWS PushSecret makes, on exactly that secret's ARN pattern", async () => {
  const stack = await runProgram(
    () => {
      new AwsSecretsManagerAccess("push", { oidcProvider: OIDC, serviceAccounts: [STORE_SA], secretArns: [SECRET], pushSecretNames: ["prod/sealed-secrets-keys"] });
    },
    { resourceState: roleState },
  );
  const policy = JSON.parse(stack.one("aws:iam/rolePolicy:RolePolicy", "push-read-secrets").inputs.policy);
  // external-secrets v2.9.0 providers/v1/aws/secretsmanager/secretsmanager.go PushSecret: DescribeSecret; on
  // ResourceNotFound CreateSecret (with the managed-by tag: TagResource); else GetSecretValue, DeleteResourcePolicy
  // (manageResourcePolicy without a policy), PutSecretValue. Secrets Manager appends "-" and 6 random characters
  // to the ARN of a new secret: `-??????` matches exactly those, not "prod/sealed-secrets-keys-old-AbCdEf".
  assert.deepEqual(policy.Statement, [
    {
      Sid: "ReadListedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
      Resource: [SECRET],
    },
    {
      Sid: "PushListedSecrets",
      Effect: "Allow",
      Action: [
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:TagResource",
      ],
      Resource: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/sealed-secrets-keys-??????"],
    },
  ]);
  const actions = policy.Statement.flatMap((s: any) => s.Action);
  assert.ok(!actions.includes("secretsmanager:DeleteSecret"), "the backup is never deleted by ESO");
  assert.ok(!actions.some((a: string) => a.includes("*")));
});

test("AwsSecretsManagerAccess: a push name with a wildcard (write access to many secrets) is refused with its path", async () => {
  await runProgram(() => {
    assert.throws(
      () => new AwsSecretsManagerAccess("bad", { oidcProvider: OIDC, serviceAccounts: [STORE_SA], pushSecretNames: ["prod/*", "ok/name"] }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, ['pushSecretNames[0]: must be a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -, no wildcards), got "prod/*"']);
        return true;
      },
    );
  });
});
