import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { eksPodIdentityTrustStatement } from "../internal/podIdentity";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { DEFAULT_ESO_NAMESPACE, DEFAULT_ESO_SERVICE_ACCOUNT, oneOf } from "./common";

/** How ESO's pods get the role. */
export const AWS_ACCESS_MODES = ["pod-identity", "irsa"] as const;

/** The cluster's IAM OIDC provider (IRSA). */
export interface AwsOidcProviderArgs {
  /** ARN of the `aws.iam.OpenIdConnectProvider` of the cluster. */
  arn: pulumi.Input<string>;
  /** Issuer URL of the cluster (with or without `https://`), e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  url: pulumi.Input<string>;
}

/** Arguments of {@link AwsSecretsManagerAccess}. */
export interface AwsSecretsManagerAccessArgs {
  /**
   * `pod-identity` (EKS Pod Identity: an `aws.eks.PodIdentityAssociation`, needs the Pod Identity agent
   * add-on) or `irsa` (IAM roles for service accounts: needs `oidcProvider`). Default `pod-identity`.
   * A plain value: it decides whether the association exists.
   */
  mode?: string;
  /** EKS cluster name. Required for `pod-identity` (the association and the trust conditions name it). */
  clusterName?: pulumi.Input<string>;
  /** The cluster's OIDC provider. Required for `irsa`. */
  oidcProvider?: AwsOidcProviderArgs;
  /** Namespace of ESO's service account. Default `external-secrets`. */
  namespace?: pulumi.Input<string>;
  /** ESO's controller service account. Default `external-secrets`. */
  serviceAccountName?: pulumi.Input<string>;
  /**
   * Secrets Manager secret ARNs ESO may read. Exact ARNs, or a name with the random rotation suffix
   * spelled `-??????` (`arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????`). `*` is
   * rejected. At least one of `secretArns` / `parameterArns`.
   */
  secretArns?: pulumi.Input<string>[];
  /** SSM Parameter Store parameter ARNs (`arn:aws:ssm:<region>:<account>:parameter/<name>`); no wildcards. Default none. */
  parameterArns?: pulumi.Input<string>[];
  /**
   * Customer managed KMS key ARNs (`key/<id>`, not aliases) that encrypt those secrets/parameters:
   * `kms:Decrypt` is granted on exactly these, only via Secrets Manager / SSM in the provider's region.
   * Default none (AWS managed keys need no grant).
   */
  kmsKeyArns?: pulumi.Input<string>[];
  /** Permissions boundary ARN for the role. Default none. */
  permissionsBoundary?: pulumi.Input<string>;
  /** Maximum session duration in seconds. Default `3600`. */
  maxSessionDuration?: pulumi.Input<number>;
  /** Tags on the role. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const PARTITION = "aws(-cn|-us-gov|-iso(-[a-z])?)?";
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+$`);
const SECRET_ARN_SUFFIX_WILDCARD = new RegExp(`^arn:${PARTITION}:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+-\\?{6}$`);
const PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:[a-z0-9-]+:\\d{12}:parameter/[A-Za-z0-9/_.-]+$`);
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]+$`);

const argsSchema = z.strictObject({
  mode: oneOf(AWS_ACCESS_MODES).optional(),
  clusterName: input(z.string().min(1)).optional(),
  oidcProvider: z.strictObject({ arn: input(z.string().min(1)), url: input(z.string().min(1)) }).optional(),
  namespace: input(z.string().min(1)).optional(),
  serviceAccountName: input(z.string().min(1)).optional(),
  secretArns: z.array(z.any()).optional(),
  parameterArns: z.array(z.any()).optional(),
  kmsKeyArns: z.array(z.any()).optional(),
  permissionsBoundary: input(z.string()).optional(),
  maxSessionDuration: input(z.number().int().min(3600).max(43200)).optional(),
  tags: z.any().optional(),
});

function arnProblems(field: string, values: pulumi.Input<string>[] | undefined, ok: (arn: string) => boolean, rule: string): string[] {
  const problems: string[] = [];
  (values ?? []).forEach((v, i) => {
    const arn = known(v);
    if (typeof arn !== "string") return;
    if (arn.includes("*")) problems.push(`${field}[${i}]: wildcards are not allowed (list each ARN), got "${arn}"`);
    else if (!ok(arn)) problems.push(`${field}[${i}]: ${rule}, got "${arn}"`);
  });
  return problems;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateAwsSecretsManagerAccess(args: AwsSecretsManagerAccessArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const mode = args.mode ?? "pod-identity";
  if (mode === "irsa" && !args.oidcProvider) problems.push("oidcProvider: required when mode is irsa");
  if (mode === "pod-identity" && args.clusterName === undefined) problems.push("clusterName: required when mode is pod-identity");
  if ((args.secretArns ?? []).length === 0 && (args.parameterArns ?? []).length === 0) {
    problems.push("secretArns: list at least one secret ARN (or parameterArns)");
  }
  problems.push(
    ...arnProblems(
      "secretArns",
      args.secretArns,
      (a) => SECRET_ARN.test(a) || SECRET_ARN_SUFFIX_WILDCARD.test(a),
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[-??????])",
    ),
    ...arnProblems("parameterArns", args.parameterArns, (a) => PARAMETER_ARN.test(a), "must be an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)"),
    ...arnProblems("kmsKeyArns", args.kmsKeyArns, (a) => KMS_KEY_ARN.test(a), "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; aliases do not authorize)"),
  );
  return problems;
}

/** Inputs of {@link awsSecretsReadPolicy}. */
export interface AwsSecretsReadPolicyInput {
  secretArns: string[];
  parameterArns: string[];
  kmsKeyArns: string[];
  region: string;
  dnsSuffix: string;
}

/** The least-privilege IAM policy document (as an object) that lets ESO read exactly the listed secrets. */
export function awsSecretsReadPolicy(p: AwsSecretsReadPolicyInput): Record<string, unknown> {
  const statements: Record<string, unknown>[] = [];
  if (p.secretArns.length > 0) {
    statements.push({
      Sid: "ReadListedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
      Resource: p.secretArns,
    });
  }
  if (p.parameterArns.length > 0) {
    statements.push({
      Sid: "ReadListedParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory", "ssm:ListTagsForResource"],
      Resource: p.parameterArns,
    });
  }
  if (p.kmsKeyArns.length > 0) {
    const via: string[] = [];
    if (p.secretArns.length > 0) via.push(`secretsmanager.${p.region}.${p.dnsSuffix}`);
    if (p.parameterArns.length > 0) via.push(`ssm.${p.region}.${p.dnsSuffix}`);
    statements.push({
      Sid: "DecryptViaSecretServices",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: p.kmsKeyArns,
      Condition: { StringEquals: { "kms:ViaService": via } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * An IAM role that ESO's controller assumes to read exactly the listed Secrets Manager secrets / SSM
 * parameters (and decrypt them with exactly the listed CMKs), bound to ESO's service account through EKS
 * Pod Identity (default) or IRSA. With IRSA, give `serviceAccountAnnotations` to the operator's
 * `serviceAccount.annotations`.
 */
export class AwsSecretsManagerAccess extends pulumi.ComponentResource {
  /** ARN of the role. */
  public readonly roleArn: pulumi.Output<string>;
  /** Annotations for ESO's service account: `eks.amazonaws.com/role-arn` with IRSA, `{}` with Pod Identity. */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AwsSecretsManagerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("AwsSecretsManagerAccess", name, validateAwsSecretsManagerAccess(args));
    super(typeToken("AwsSecretsManagerAccess"), name, {}, opts);

    const mode = args.mode ?? "pod-identity";
    const namespace = pulumi.output(args.namespace ?? DEFAULT_ESO_NAMESPACE);
    const serviceAccount = pulumi.output(args.serviceAccountName ?? DEFAULT_ESO_SERVICE_ACCOUNT);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    let assumeRolePolicy: pulumi.Output<string>;
    if (mode === "irsa") {
      const oidc = args.oidcProvider!;
      assumeRolePolicy = pulumi.all([oidc.arn, oidc.url, namespace, serviceAccount]).apply(([arn, url, ns, sa]) => {
        const issuer = url.replace(/^https:\/\//, "").replace(/\/$/, "");
        return JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EsoServiceAccountViaIrsa",
              Effect: "Allow",
              Principal: { Federated: arn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${ns}:${sa}`, [`${issuer}:aud`]: "sts.amazonaws.com" } },
            },
          ],
        });
      });
    } else {
      assumeRolePolicy = pulumi
        .all([identity.accountId, region.region, partition.partition, pulumi.output(args.clusterName!), namespace, serviceAccount])
        .apply(([account, r, part, cluster, ns, sa]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [eksPodIdentityTrustStatement({ sid: "EsoServiceAccountViaPodIdentity", account, region: r, partition: part, cluster, namespace: ns, serviceAccount: sa })],
          }),
        );
    }

    const role = new aws.iam.Role(
      childName(name, "role"),
      {
        description: "External Secrets Operator: read-only access to listed secrets",
        assumeRolePolicy,
        maxSessionDuration: args.maxSessionDuration ?? 3600,
        permissionsBoundary: args.permissionsBoundary,
        tags: args.tags,
      },
      { parent: this },
    );

    const policy = pulumi
      .all([args.secretArns ?? [], args.parameterArns ?? [], args.kmsKeyArns ?? [], region.region, partition.dnsSuffix])
      .apply(([secretArns, parameterArns, kmsKeyArns, r, dnsSuffix]) =>
        JSON.stringify(awsSecretsReadPolicy({ secretArns, parameterArns, kmsKeyArns, region: r, dnsSuffix })),
      );
    new aws.iam.RolePolicy(childName(name, "read-secrets"), { role: role.id, policy }, { parent: this });

    if (mode === "pod-identity") {
      new aws.eks.PodIdentityAssociation(
        childName(name, "pod-identity"),
        { clusterName: args.clusterName!, namespace, serviceAccount, roleArn: role.arn, tags: args.tags },
        { parent: this },
      );
    }

    this.roleArn = role.arn;
    this.serviceAccountAnnotations = mode === "irsa" ? role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn })) : pulumi.output<Record<string, string>>({});
    this.registerOutputs({ roleArn: this.roleArn, serviceAccountAnnotations: this.serviceAccountAnnotations });
  }
}
