import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";

/**
 * What the EKS cluster role may do with the key: the envelope-encryption calls EKS makes through the
 * cluster role (the list `terraform-aws-eks` attaches to its cluster role; `kms:ListGrants` is called by
 * EKS health checks).
 */
export const EKS_CLUSTER_ROLE_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"] as const;

/**
 * What the principal that creates the cluster (or calls `AssociateEncryptionConfig`) needs: EKS creates a
 * grant on the key on its behalf.
 */
export const EKS_CLUSTER_CREATOR_KEY_ACTIONS = ["kms:CreateGrant", "kms:DescribeKey"] as const;

/**
 * Key administration without any cryptographic use (no Encrypt/Decrypt/GenerateDataKey and no CreateGrant,
 * which would let an administrator grant itself use), for explicitly listed administrators.
 */
export const KMS_KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
] as const;

/** The key of `EksEncryptionConfig`. */
export interface EksEncryptionConfigProvider {
  /** ARN of the KMS key. */
  keyArn: string;
}

/** The shape of `aws.eks.Cluster.encryptionConfig`. */
export interface EksEncryptionConfig {
  /** The KMS key. */
  provider: EksEncryptionConfigProvider;
  /** What is encrypted: `["secrets"]`. */
  resources: string[];
}

/** Arguments of `EksSecretsEncryption`. */
export interface EksSecretsEncryptionArgs {
  /** ARN of the EKS cluster's IAM role (create it before the key and the cluster after). The only principal that may use the key. */
  clusterRoleArn: pulumi.Input<string>;
  /**
   * IAM ARNs that administer the key (no cryptographic use). Default: the account root with `kms:*`, the AWS
   * default that lets the account's IAM policies decide. When set, the root statement is left out: the
   * principal running Pulumi must be one of them, or KMS rejects the policy (lockout safety check).
   */
  administratorArns?: pulumi.Input<string>[];
  /**
   * IAM ARNs that create the cluster or enable encryption on it; they get `kms:CreateGrant` (only for AWS
   * resources) and `kms:DescribeKey`. Default none: with the default root statement their IAM policy suffices.
   */
  clusterCreatorArns?: pulumi.Input<string>[];
  /** Automatic rotation period in days, 90–2560. Rotation is always on. Default `365`. */
  rotationPeriodInDays?: pulumi.Input<number>;
  /** Waiting period before a scheduled deletion, 7–30 days. Default `30`. */
  deletionWindowInDays?: pulumi.Input<number>;
  /** Alias name (`alias/...`, not `alias/aws/...`). Default `alias/eks/<resource name>-secrets`. */
  alias?: pulumi.Input<string>;
  /** Key description. Default `EKS Kubernetes Secrets envelope encryption (<resource name>)`. */
  description?: pulumi.Input<string>;
  /** Tags for the key. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const ARN = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/.+)$/, { message: "must be an IAM role, user or root ARN" });
const argsSchema = z.strictObject({
  clusterRoleArn: input(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: "must be an IAM role ARN" })),
  administratorArns: z.array(input(ARN)).min(1, { message: "must list at least one ARN when set" }).optional(),
  clusterCreatorArns: z.array(input(ARN)).optional(),
  rotationPeriodInDays: input(z.number().int().min(90, { message: "must be between 90 and 2560" }).max(2560, { message: "must be between 90 and 2560" })).optional(),
  deletionWindowInDays: input(z.number().int().min(7, { message: "must be between 7 and 30" }).max(30, { message: "must be between 7 and 30" })).optional(),
  alias: input(z.string().regex(/^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/, { message: "must be alias/<name> (letters, digits, /, _, -) and not alias/aws/..." })).optional(),
  description: input(z.string()).optional(),
  tags: z.any().optional(),
});

/** Every problem with `args` as `field.path: rule, got X` strings ([] when valid). */
export function validateEksSecretsEncryption(args: EksSecretsEncryptionArgs): string[] {
  return zodProblems(argsSchema, args).map((p) => withGot(p, args));
}

function withGot(problem: string, args: object): string {
  const field = problem.slice(0, problem.indexOf(":"));
  if (/[.[]/.test(field)) return problem;
  const value = (args as Record<string, unknown>)[field];
  return typeof value === "number" || typeof value === "string" ? `${problem}, got ${JSON.stringify(value)}` : problem;
}

/** The key policy document `EksSecretsEncryption` attaches (exported for tests and reviews). */
export function eksKeyPolicy(p: {
  partition: string;
  accountId: string;
  clusterRoleArn: string;
  administratorArns?: string[];
  clusterCreatorArns?: string[];
}): object {
  const statements: object[] = [];
  if (p.administratorArns && p.administratorArns.length > 0) {
    statements.push({ Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: p.administratorArns }, Action: [...KMS_KEY_ADMIN_ACTIONS], Resource: "*" });
  } else {
    statements.push({ Sid: "AccountRootAdministration", Effect: "Allow", Principal: { AWS: `arn:${p.partition}:iam::${p.accountId}:root` }, Action: "kms:*", Resource: "*" });
  }
  statements.push({ Sid: "EksClusterRoleEnvelopeEncryption", Effect: "Allow", Principal: { AWS: p.clusterRoleArn }, Action: [...EKS_CLUSTER_ROLE_KEY_ACTIONS], Resource: "*" });
  if (p.clusterCreatorArns && p.clusterCreatorArns.length > 0) {
    statements.push({
      Sid: "EksClusterCreatorGrants",
      Effect: "Allow",
      Principal: { AWS: p.clusterCreatorArns },
      Action: [...EKS_CLUSTER_CREATOR_KEY_ACTIONS],
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * A customer-managed KMS key for EKS envelope encryption of Kubernetes Secrets: symmetric, rotation on
 * (365 days by default), a 30-day deletion window, an alias, and a key policy that lets only the account root
 * (or the listed administrators) manage it and only the cluster role use it. Pass `encryptionConfig` to
 * `aws.eks.Cluster` (`encryptionConfig`) or `@pulumi/eks`.
 *
 * Once a cluster has secrets encryption it cannot be removed or switched off. EKS does not rewrite Secrets
 * that existed before encryption was enabled: run `SecretsReencryption` with the key ARN as trigger.
 * Clusters on Kubernetes 1.28+ also get EKS's default envelope encryption; this key adds a key you control.
 */
export class EksSecretsEncryption extends pulumi.ComponentResource {
  /** The key's ARN. */
  public readonly keyArn: pulumi.Output<string>;
  /** The key's id. */
  public readonly keyId: pulumi.Output<string>;
  /** The alias name. */
  public readonly aliasName: pulumi.Output<string>;
  /** The key policy JSON. */
  public readonly keyPolicy: pulumi.Output<string>;
  /** `{ provider: { keyArn }, resources: ["secrets"] }` for `aws.eks.Cluster.encryptionConfig`. */
  public readonly encryptionConfig: pulumi.Output<EksEncryptionConfig>;

  constructor(name: string, args: EksSecretsEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("EksSecretsEncryption", name, validateEksSecretsEncryption(args));
    super(typeToken("EksSecretsEncryption"), name, {}, opts);

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    this.keyPolicy = pulumi
      .all([partition.partition, identity.accountId, args.clusterRoleArn, pulumi.all(args.administratorArns ?? []), pulumi.all(args.clusterCreatorArns ?? [])])
      .apply(([part, account, role, admins, creators]) =>
        JSON.stringify(eksKeyPolicy({ partition: part, accountId: account, clusterRoleArn: role, administratorArns: admins, clusterCreatorArns: creators })),
      );

    const key = new aws.kms.Key(
      childName(name, "key"),
      {
        description: args.description ?? `EKS Kubernetes Secrets envelope encryption (${name})`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: args.rotationPeriodInDays ?? 365,
        deletionWindowInDays: args.deletionWindowInDays ?? 30,
        bypassPolicyLockoutSafetyCheck: false,
        multiRegion: false,
        policy: this.keyPolicy,
        tags: args.tags,
      },
      { parent: this },
    );
    const alias = new aws.kms.Alias(childName(name, "alias"), { name: args.alias ?? `alias/eks/${name}-secrets`, targetKeyId: key.keyId }, { parent: this });

    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = alias.name;
    this.encryptionConfig = key.arn.apply((keyArn): EksEncryptionConfig => ({ provider: { keyArn }, resources: ["secrets"] }));
    this.registerOutputs({ keyArn: this.keyArn, keyId: this.keyId, aliasName: this.aliasName, keyPolicy: this.keyPolicy, encryptionConfig: this.encryptionConfig });
  }
}
