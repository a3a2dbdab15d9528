import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { eksPodIdentityTrustStatement } from "../internal/podIdentity";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { boundServiceAccountsSchema, duplicateAccountProblems, oneOf, type BoundServiceAccountArgs } from "./common";

/**
 * How the role is bound: `irsa` (a web-identity trust on the cluster's OIDC provider for the listed
 * accounts, which ESO uses through a store's `auth.jwt.serviceAccountRef`) or `pod-identity` (EKS Pod
 * Identity associations: only a pod's own account can use them, so only ESO's controller, an opt-in).
 */
export const AWS_ACCESS_MODES = ["irsa", "pod-identity"] as const;

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
   * `irsa` (IAM roles for service accounts: needs `oidcProvider`; the stores' own accounts carry
   * `serviceAccountAnnotations`) or `pod-identity` (EKS Pod Identity associations, needs the Pod Identity agent
   * add-on). Default `irsa`. ESO 2.9 uses a store's account only through IRSA (providers/v1/aws/auth/auth.go
   * reads `eks.amazonaws.com/role-arn` and calls AssumeRoleWithWebIdentity with a token it mints), so
   * `pod-identity` can only give the role to ESO's controller itself: every store without auth then reads with
   * it. It needs `allowControllerIdentity: true`. A plain value: it decides whether associations exist.
   */
  mode?: string;
  /** Explicit opt-in to `pod-identity` for ESO's controller (see `mode`). Default `false`. */
  allowControllerIdentity?: boolean;
  /** EKS cluster name. Required for `pod-identity` (the association and the trust conditions name it). */
  clusterName?: pulumi.Input<string>;
  /** The cluster's OIDC provider. Required for `irsa`. */
  oidcProvider?: AwsOidcProviderArgs;
  /**
   * The service accounts the role trusts: the stores' own accounts (`SecretStore` `serviceAccount`). With
   * IRSA the trust's `sub` condition lists exactly these (`system:serviceaccount:<ns>:<name>`); with Pod
   * Identity each gets an association. Required, at least one (SecretsPlatform adds its stores' accounts).
   */
  serviceAccounts?: BoundServiceAccountArgs[];
  /**
   * Secrets Manager secret ARNs ESO may read. Exact ARNs, or a name with the random rotation suffix
   * spelled `-??????` (`arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????`). `*` is
   * rejected. At least one of `secretArns` / `parameterArns`.
   */
  secretArns?: pulumi.Input<string>[];
  /**
   * Names of Secrets Manager secrets ESO may create and write through a `PushSecret` (e.g. the Sealed Secrets
   * key backup). Granted exactly the calls ESO 2.9's AWS provider makes on push, on exactly
   * `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-??????` (the secret does not exist yet, so
   * its random 6-character ARN suffix is unknown). Default none.
   */
  pushSecretNames?: pulumi.Input<string>[];
  /**
   * Names of Secrets Manager secrets ESO may read, granted like `secretArns` on
   * `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-??????` (for a secret whose ARN is not
   * known when the program is written, e.g. the Sealed Secrets key another cluster backed up). Default none.
   */
  readSecretNames?: pulumi.Input<string>[];
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
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:[a-z0-9-]+:\\d{12}:parameter/[A-Za-z0-9/_.-]+$`);
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]+$`);

const argsSchema = z.strictObject({
  mode: oneOf(AWS_ACCESS_MODES).optional(),
  clusterName: input(z.string().min(1)).optional(),
  oidcProvider: z.strictObject({ arn: input(z.string().min(1)), url: input(z.string().min(1)) }).optional(),
  allowControllerIdentity: z.boolean().optional(),
  serviceAccounts: boundServiceAccountsSchema.optional(),
  secretArns: z.array(z.any()).optional(),
  pushSecretNames: z.array(z.any()).optional(),
  readSecretNames: z.array(z.any()).optional(),
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
  const mode = args.mode ?? "irsa";
  if (args.serviceAccounts === undefined) problems.push("serviceAccounts: list at least one service account (a store's own account)");
  if (mode === "irsa" && !args.oidcProvider) problems.push("oidcProvider: required when mode is irsa");
  if (mode === "pod-identity" && args.clusterName === undefined) problems.push("clusterName: required when mode is pod-identity");
  if (mode === "pod-identity" && !args.allowControllerIdentity) {
    problems.push(
      "mode: pod-identity can only bind ESO's controller (ESO cannot use a store's own account through Pod Identity), so every store without auth reads with this role; use irsa, or set allowControllerIdentity: true to opt in",
    );
  }
  if (mode === "irsa" && args.allowControllerIdentity) problems.push("allowControllerIdentity: only applies to mode pod-identity");
  problems.push(...duplicateAccountProblems("serviceAccounts", args.serviceAccounts));
  if ([args.secretArns, args.parameterArns, args.pushSecretNames, args.readSecretNames].every((l) => (l ?? []).length === 0)) {
    problems.push("secretArns: list at least one secret ARN (or parameterArns, pushSecretNames or readSecretNames)");
  }
  for (const field of ["pushSecretNames", "readSecretNames"] as const) {
    (args[field] ?? []).forEach((v, i) => {
      const n = known(v);
      if (typeof n === "string" && !SECRET_NAME.test(n)) {
        problems.push(`${field}[${i}]: must be a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -, no wildcards), got "${n}"`);
      }
    });
  }
  const pushed = (args.pushSecretNames ?? []).map((n) => known(n));
  (args.readSecretNames ?? []).forEach((v, i) => {
    const n = known(v);
    if (typeof n === "string" && pushed.includes(n)) problems.push(`readSecretNames[${i}]: "${n}" is also in pushSecretNames, which already reads it`);
  });
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
  /** ARNs (with the `-??????` suffix) of the secrets ESO pushes to. Default none. */
  pushSecretArns?: string[];
  parameterArns: string[];
  kmsKeyArns: string[];
  region: string;
  dnsSuffix: string;
}

/**
 * What ESO 2.9's AWS Secrets Manager provider calls to push (external-secrets
 * providers/v1/aws/secretsmanager/secretsmanager.go, `PushSecret`): `DescribeSecret` first; a missing secret
 * is created with `CreateSecret` carrying the `managed-by: external-secrets` tag (so `TagResource` too);
 * an existing one is read with `GetSecretValue` (merging a `property`), its resource policy is removed with
 * `DeleteResourcePolicy` when the PushSecret sets none (`manageResourcePolicy`, on every update), then
 * `PutSecretValue`. `UntagResource`/`PutResourcePolicy`/replication calls only follow metadata this package
 * never sets; `DeleteSecret` only follows `deletionPolicy: Delete` (the key backup uses `None`).
 */
export const AWS_PUSH_SECRET_ACTIONS = [
  "secretsmanager:CreateSecret",
  "secretsmanager:DeleteResourcePolicy",
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:TagResource",
] as const;

/** The ARN pattern of a Secrets Manager secret named `name` (its random suffix spelled `-??????`). */
export function awsSecretArnPattern(p: { partition: string; region: string; accountId: string; name: string }): string {
  return `arn:${p.partition}:secretsmanager:${p.region}:${p.accountId}:secret:${p.name}-??????`;
}

/** The least-privilege IAM policy document (as an object) that lets ESO read exactly the listed secrets (and push to the listed ones). */
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
  if ((p.pushSecretArns ?? []).length > 0) {
    statements.push({ Sid: "PushListedSecrets", Effect: "Allow", Action: [...AWS_PUSH_SECRET_ACTIONS], Resource: p.pushSecretArns });
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
 * The IRSA trust policy for `accounts`: `sts:AssumeRoleWithWebIdentity` from the cluster's OIDC provider
 * with `<issuer>:sub` exactly `system:serviceaccount:<ns>:<name>` of the listed accounts (a list is an OR in
 * IAM's StringEquals) and `<issuer>:aud` exactly `sts.amazonaws.com`, the audience ESO requests
 * (providers/v1/aws/auth/auth.go defaultTokenAudience).
 */
export function awsIrsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, accounts: BoundServiceAccountArgs[]): Record<string, unknown> {
  const issuer = issuerUrl.replace(/^https:\/\//, "").replace(/\/$/, "");
  const subs = accounts.map((a) => `system:serviceaccount:${a.namespace}:${a.name}`);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StoreServiceAccountsViaIrsa",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuer}:sub`]: subs.length === 1 ? subs[0] : subs, [`${issuer}:aud`]: "sts.amazonaws.com" } },
      },
    ],
  };
}

/**
 * An IAM role that reads exactly the listed Secrets Manager secrets / SSM parameters (and decrypts them with
 * exactly the listed CMKs), trusted by exactly the listed service accounts: the stores' own accounts through
 * IRSA (default; give `serviceAccountAnnotations` to those accounts), or, as an explicit opt-in, ESO's
 * controller through EKS Pod Identity.
 */
export class AwsSecretsManagerAccess extends pulumi.ComponentResource {
  /** ARN of the role. */
  public readonly roleArn: pulumi.Output<string>;
  /** Annotations for the stores' accounts: `eks.amazonaws.com/role-arn` with IRSA, `{}` with Pod Identity. */
  public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AwsSecretsManagerAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("AwsSecretsManagerAccess", name, validateAwsSecretsManagerAccess(args));
    super(typeToken("AwsSecretsManagerAccess"), name, {}, opts);

    const mode = args.mode ?? "irsa";
    const accounts = args.serviceAccounts!;
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    let assumeRolePolicy: pulumi.Output<string>;
    if (mode === "irsa") {
      const oidc = args.oidcProvider!;
      assumeRolePolicy = pulumi.all([oidc.arn, oidc.url]).apply(([arn, url]) => JSON.stringify(awsIrsaTrustPolicy(arn, url, accounts)));
    } else {
      assumeRolePolicy = pulumi.all([identity.accountId, region.region, partition.partition, pulumi.output(args.clusterName!)]).apply(([account, r, part, cluster]) =>
        JSON.stringify({
          Version: "2012-10-17",
          // One statement per account: the namespace and name tags must match as a pair.
          Statement: accounts.map((a) =>
            eksPodIdentityTrustStatement({ sid: "EsoServiceAccountViaPodIdentity", account, region: r, partition: part, cluster, namespace: a.namespace, serviceAccount: a.name }),
          ),
        }),
      );
    }

    const role = new aws.iam.Role(
      childName(name, "role"),
      {
        description: "External Secrets Operator: access to listed secrets",
        assumeRolePolicy,
        maxSessionDuration: args.maxSessionDuration ?? 3600,
        permissionsBoundary: args.permissionsBoundary,
        tags: args.tags,
      },
      { parent: this },
    );

    const policy = pulumi
      .all([args.secretArns ?? [], args.parameterArns ?? [], args.kmsKeyArns ?? [], region.region, partition.dnsSuffix, partition.partition, identity.accountId, pulumi.all([args.pushSecretNames ?? [], args.readSecretNames ?? []])])
      .apply(([secretArns, parameterArns, kmsKeyArns, r, dnsSuffix, part, accountId, [pushNames, readNames]]) =>
        JSON.stringify(
          awsSecretsReadPolicy({
            secretArns: [...secretArns, ...readNames.map((n) => awsSecretArnPattern({ partition: part, region: r, accountId, name: n }))],
            parameterArns,
            kmsKeyArns,
            region: r,
            dnsSuffix,
            pushSecretArns: pushNames.map((n) => awsSecretArnPattern({ partition: part, region: r, accountId, name: n })),
          }),
        ),
      );
    new aws.iam.RolePolicy(childName(name, "read-secrets"), { role: role.id, policy }, { parent: this });

    if (mode === "pod-identity") {
      for (const a of accounts) {
        new aws.eks.PodIdentityAssociation(
          childName(name, `pod-identity-${a.namespace}-${a.name}`),
          { clusterName: args.clusterName!, namespace: a.namespace, serviceAccount: a.name, roleArn: role.arn, tags: args.tags },
          { parent: this },
        );
      }
    }

    this.roleArn = role.arn;
    this.serviceAccountAnnotations = mode === "irsa" ? role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn })) : pulumi.output<Record<string, string>>({});
    this.registerOutputs({ roleArn: this.roleArn, serviceAccountAnnotations: this.serviceAccountAnnotations });
  }
}
