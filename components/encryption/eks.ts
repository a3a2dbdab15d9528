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

/**
 * Key policy modes of `EksSecretsEncryption`:
 * - `strict` (default): the account root (so IAM policies of the account) may only *administer* the key
 *   ({@link KMS_KEY_ADMIN_ACTIONS}: no Encrypt/Decrypt/GenerateDataKey/ReEncrypt) and create grants only for
 *   AWS resources (`kms:GrantIsForAWSResource`, what EKS does when a cluster is created with the key); only
 *   the cluster role may use the key. Works on day one: the caller keeps `kms:PutKeyPolicy` through its IAM
 *   policy, which KMS's lockout safety check requires.
 * - `account-root`: AWS's default statement, `kms:*` for the account root: IAM policies, not the key policy,
 *   decide who may decrypt. An explicit opt-in.
 * With `administratorArns` the root statement is left out entirely (mode `strict` only).
 */
export const EKS_KEY_POLICY_MODES = ["strict", "account-root"] as const;

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
   * `strict` (default: the account root may administer the key, never use it) or `account-root` (AWS's
   * `kms:*` for the account root, an opt-in). See {@link EKS_KEY_POLICY_MODES}. A plain value.
   */
  keyPolicyMode?: string;
  /**
   * IAM ARNs that administer the key (no cryptographic use). Default: the account root, with the
   * administrative actions only (mode `strict`). When set, the root statement is left out: the principal
   * running Pulumi must be one of them, or KMS rejects the policy (lockout safety check).
   */
  administratorArns?: pulumi.Input<string>[];
  /**
   * IAM ARNs that create the cluster or enable encryption on it; they get `kms:CreateGrant` (only for AWS
   * resources) and `kms:DescribeKey`. Default: the account root gets exactly that (mode `strict`, without
   * `administratorArns`), so the identity's IAM policy decides who may create clusters with the key.
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

// No `*`/`?`: a key policy principal is an exact ARN (KMS refuses wildcard principals, and `role/*` would
// hand the key to every role of the account).
const ARN = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/[^*?\s]+)$/, { message: "must be an IAM role, user or root ARN without wildcards" });
const argsSchema = z.strictObject({
  keyPolicyMode: z.enum(EKS_KEY_POLICY_MODES, { error: (i) => `must be one of ${EKS_KEY_POLICY_MODES.join(", ")}, got ${JSON.stringify(i.input)}` }).optional(),
  clusterRoleArn: input(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?\s]+$/, { message: "must be an IAM role ARN" })),
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
  const problems = zodProblems(argsSchema, args).map((p) => withGot(p, args));
  if (args.keyPolicyMode === "account-root" && args.administratorArns !== undefined) {
    problems.push("keyPolicyMode: account-root gives the account root kms:* and cannot be combined with administratorArns (use strict)");
  }
  return problems;
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
  /** `strict` (default) or `account-root`. */
  mode?: string;
}): object {
  const statements: object[] = [];
  const root = `arn:${p.partition}:iam::${p.accountId}:root`;
  const admins = p.administratorArns && p.administratorArns.length > 0 ? p.administratorArns : undefined;
  if (p.mode === "account-root") {
    statements.push({ Sid: "AccountRootAdministration", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" });
  } else if (admins) {
    statements.push({ Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: admins }, Action: [...KMS_KEY_ADMIN_ACTIONS], Resource: "*" });
  } else {
    statements.push({ Sid: "AccountAdministrationOnly", Effect: "Allow", Principal: { AWS: root }, Action: [...KMS_KEY_ADMIN_ACTIONS], Resource: "*" });
  }
  statements.push({ Sid: "EksClusterRoleEnvelopeEncryption", Effect: "Allow", Principal: { AWS: p.clusterRoleArn }, Action: [...EKS_CLUSTER_ROLE_KEY_ACTIONS], Resource: "*" });
  const creators = p.clusterCreatorArns && p.clusterCreatorArns.length > 0 ? p.clusterCreatorArns : p.mode !== "account-root" && !admins ? [root] : undefined;
  if (creators) {
    statements.push({
      Sid: "EksClusterCreatorGrants",
      Effect: "Allow",
      Principal: { AWS: creators.length === 1 && creators[0] === root ? root : creators },
      Action: [...EKS_CLUSTER_CREATOR_KEY_ACTIONS],
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * A customer-managed KMS key for EKS envelope encryption of Kubernetes Secrets: symmetric, rotation on
 * (365 days by default), a 30-day deletion window, an alias, and a key policy (mode `strict` by default) that
 * lets the account root (or only the listed administrators) administer it but never use it, EKS create its
 * grants when a cluster is created with it, and only the cluster role use it. `keyPolicyMode: account-root`
 * restores AWS's `kms:*` root statement (IAM then decides who may decrypt) as an explicit opt-in. Pass `encryptionConfig` to
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
        JSON.stringify(eksKeyPolicy({ partition: part, accountId: account, clusterRoleArn: role, administratorArns: admins, clusterCreatorArns: creators, mode: args.keyPolicyMode })),
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
