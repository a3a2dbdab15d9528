import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";

/** EKS control-plane log types (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy), plus 0 for "never expire". */
export const CLOUDWATCH_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** CloudWatch Logs metric filter patterns are at most 1024 characters. */
const MAX_FILTER_PATTERN = 1024;

/** An alarm on Secret reads by identities outside an allow-list, from the audit log. */
export interface EksSecretReadAlarmArgs {
  /**
   * Kubernetes user names allowed to read Secrets without raising the alarm, e.g.
   * `system:serviceaccount:external-secrets:external-secrets`. CloudWatch `*` wildcards are allowed
   * (`system:serviceaccount:kube-system:*`). Required, may be empty (every Secret read alarms).
   */
  allowedUsernames: string[];
  /** SNS topic (or other action) ARNs notified when the alarm fires. Default none (the alarm only changes state). */
  alarmActions?: pulumi.Input<string>[];
  /** CloudWatch metric namespace. Default `KubeSecretsPlatform/Audit`. */
  metricNamespace?: pulumi.Input<string>;
  /** Evaluation period in seconds. Default 300. */
  periodSeconds?: pulumi.Input<number>;
}

/** Arguments of {@link EksAuditLogging}. */
export interface EksAuditLoggingArgs {
  /** The EKS cluster name (the log group is `/aws/eks/<clusterName>/cluster`, which EKS writes to). */
  clusterName: pulumi.Input<string>;
  /** Control-plane log types to enable. Default all five: `api`, `audit`, `authenticator`, `controllerManager`, `scheduler`. */
  logTypes?: pulumi.Input<string>[];
  /** Days CloudWatch keeps the logs; one of the values CloudWatch accepts (0 = never expire). Default 365. */
  retentionInDays?: pulumi.Input<number>;
  /**
   * ARN of an existing KMS key to encrypt the log group with; its policy must let `logs.<region>.amazonaws.com`
   * use it for this log group. Default: a new key with rotation on, created by this component.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Waiting period before a created key is deleted, 7 to 30 days. Default 30. */
  kmsKeyDeletionWindowInDays?: pulumi.Input<number>;
  /** Metric filter and alarm on Secret reads outside an allow-list. Default none (a plain value: it decides whether resources exist). */
  secretReadAlarm?: EksSecretReadAlarmArgs;
  /**
   * Keep the log group and the created key when this component is deleted (`retainOnDelete`), so that
   * removing the component never destroys the audit trail or the key that decrypts it. Default `true`.
   */
  retainOnDelete?: boolean;
  /**
   * The log group `/aws/eks/<clusterName>/cluster` exists already (EKS created it when logging was turned on
   * before, or a cluster of the same name was deleted and its retained log group is still there): import it
   * instead of creating it, which would fail with `ResourceAlreadyExistsException`. The import takes the
   * group's current retention, KMS key and tags as they are (`ignoreChanges` on them, since an import must
   * match the existing resource); remove this flag after that `pulumi up` and the next one applies this
   * component's retention and key. Needs a plain `clusterName`. Default `false`. A plain value.
   */
  adoptExistingLogGroup?: boolean;
  /** Tags for every AWS resource created. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const usernameSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .refine((s) => !/["\\]/.test(s), { message: "must not contain '\"' or '\\'" });

const argsSchema = z.strictObject({
  clusterName: input(
    z
      .string()
      .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, { message: "must be an EKS cluster name (alphanumerics, '-' and '_', starting alphanumeric)" })
      .max(100, { message: "must be at most 100 characters" }),
  ),
  logTypes: z
    .array(input(z.enum(EKS_LOG_TYPES, { error: (i) => `must be one of ${EKS_LOG_TYPES.join(", ")}, got ${JSON.stringify(i.input)}` })))
    .optional(),
  retentionInDays: input(
    z.number().refine((n) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(n), {
      message: `must be one of the values CloudWatch Logs accepts (${CLOUDWATCH_RETENTION_DAYS.join(", ")}; 0 = never expire)`,
    }),
  ).optional(),
  kmsKeyArn: input(z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, { message: "must be a KMS key ARN" })).optional(),
  kmsKeyDeletionWindowInDays: input(z.number().int().min(7).max(30)).optional(),
  secretReadAlarm: z
    .strictObject({
      allowedUsernames: z.array(usernameSchema),
      alarmActions: z.array(input(z.string().startsWith("arn:", { message: "must be an ARN" }))).optional(),
      metricNamespace: input(z.string().min(1).max(255)).optional(),
      periodSeconds: input(z.number().int().refine((n) => n === 10 || n === 30 || (n >= 60 && n % 60 === 0), { message: "must be 10, 30 or a multiple of 60" })).optional(),
    })
    .optional(),
  retainOnDelete: z.boolean().optional(),
  adoptExistingLogGroup: z.boolean().optional(),
  tags: z.any().optional(),
});

/**
 * The CloudWatch Logs filter pattern matching completed Secret reads (`get`, `list`, `watch`) in the EKS
 * audit log by any user not in `allowedUsernames`.
 */
export function eksSecretReadFilterPattern(allowedUsernames: readonly string[]): string {
  const terms = [
    '($.objectRef.resource = "secrets")',
    '($.verb = "get" || $.verb = "list" || $.verb = "watch")',
    '($.stage = "ResponseComplete")',
    ...allowedUsernames.map((u) => `($.user.username != "${u}")`),
  ];
  return `{ ${terms.join(" && ")} }`;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values are not checked. */
export function validateEksAuditLogging(args: EksAuditLoggingArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.kmsKeyArn !== undefined && args.kmsKeyDeletionWindowInDays !== undefined) {
    problems.push("kmsKeyDeletionWindowInDays: only applies to a key this component creates; remove it or kmsKeyArn");
  }
  if (args.adoptExistingLogGroup && typeof known(args.clusterName) !== "string") {
    problems.push("adoptExistingLogGroup: needs a plain clusterName (the import names the log group /aws/eks/<clusterName>/cluster)");
  }
  const types = (args.logTypes ?? []).map((t) => known(t));
  if (args.logTypes !== undefined && !types.includes("audit") && types.every((t) => t !== undefined)) {
    problems.push(`logTypes: must include "audit" (the Kubernetes audit log is what this component is for), got ${JSON.stringify(types)}`);
  }
  const allow = args.secretReadAlarm?.allowedUsernames;
  if (Array.isArray(allow)) {
    const length = eksSecretReadFilterPattern(allow).length;
    if (length > MAX_FILTER_PATTERN) {
      problems.push(`secretReadAlarm.allowedUsernames: the filter pattern would be ${length} characters, CloudWatch allows ${MAX_FILTER_PATTERN}; use wildcards`);
    }
  }
  return problems;
}

/**
 * EKS control-plane audit logging: the log types to enable on the cluster (`enabledClusterLogTypes`), and the
 * CloudWatch log group `/aws/eks/<cluster>/cluster` created ahead of the cluster (so EKS does not create it
 * without retention or a key) with retention (365 days by default) and KMS encryption. The created key
 * rotates yearly and its policy lets only CloudWatch Logs in this region use it, and only for this log group
 * (`kms:EncryptionContext:aws:logs:arn`). Optionally a metric filter and alarm on Secret reads by
 * identities outside an allow-list.
 *
 * Create it before the cluster and pass `enabledClusterLogTypes` to `aws.eks.Cluster` with
 * `dependsOn: [auditLogging]`.
 */
export class EksAuditLogging extends pulumi.ComponentResource {
  /** Log types to pass to `aws.eks.Cluster.enabledClusterLogTypes`. */
  public readonly enabledClusterLogTypes: pulumi.Output<string[]>;
  /** `/aws/eks/<cluster>/cluster`. */
  public readonly logGroupName: pulumi.Output<string>;
  /** ARN of the log group. */
  public readonly logGroupArn: pulumi.Output<string>;
  /** ARN of the KMS key encrypting the log group (created or given). */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** Name of the Secret-read alarm, when one was requested. */
  public readonly secretReadAlarmName: pulumi.Output<string | undefined>;

  constructor(name: string, args: EksAuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("EksAuditLogging", name, validateEksAuditLogging(args));
    super(typeToken("EksAuditLogging"), name, {}, opts);

    const logGroupName = pulumi.output(args.clusterName).apply((c) => `/aws/eks/${c}/cluster`);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const logGroupArnForKey = pulumi.interpolate`arn:${partition.partition}:logs:${region.region}:${identity.accountId}:log-group:${logGroupName}`;

    let keyArn: pulumi.Output<string>;
    if (args.kmsKeyArn !== undefined) {
      keyArn = pulumi.output(args.kmsKeyArn);
    } else {
      const policy = pulumi
        .all([partition.partition, partition.dnsSuffix, region.region, identity.accountId, logGroupArnForKey])
        .apply(([part, dnsSuffix, reg, account, logArn]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AccountAdministersKeyThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${part}:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
              },
              {
                Sid: "CloudWatchLogsEncryptsThisLogGroup",
                Effect: "Allow",
                Principal: { Service: `logs.${reg}.${dnsSuffix}` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logArn } },
              },
            ],
          }),
        );
      const key = new aws.kms.Key(
        childName(name, "logs-key"),
        {
          description: pulumi.interpolate`Encrypts the EKS control-plane log group ${logGroupName}`,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          enableKeyRotation: true,
          deletionWindowInDays: args.kmsKeyDeletionWindowInDays ?? 30,
          policy,
          tags: args.tags,
        },
        { parent: this, retainOnDelete: args.retainOnDelete ?? true },
      );
      keyArn = key.arn;
    }

    const logGroup = new aws.cloudwatch.LogGroup(
      childName(name, "log-group"),
      {
        name: logGroupName,
        retentionInDays: args.retentionInDays ?? 365,
        kmsKeyId: keyArn,
        tags: args.tags,
      },
      {
        parent: this,
        retainOnDelete: args.retainOnDelete ?? true,
        // An existing group is imported by its name (the id of aws.cloudwatch.LogGroup).
        ...(args.adoptExistingLogGroup
          ? { import: `/aws/eks/${String(known(args.clusterName))}/cluster`, ignoreChanges: ["retentionInDays", "kmsKeyId", "tags", "tagsAll"] }
          : {}),
      },
    );

    let alarmName: pulumi.Output<string | undefined> = pulumi.output(undefined);
    const alarm = args.secretReadAlarm;
    if (alarm) {
      const namespace = alarm.metricNamespace ?? "KubeSecretsPlatform/Audit";
      const metricName = pulumi.output(args.clusterName).apply((c) => `SecretReadsOutsideAllowList-${c}`);
      const filter = new aws.cloudwatch.LogMetricFilter(
        childName(name, "secret-reads"),
        {
          name: pulumi.output(args.clusterName).apply((c) => `${c}-secret-reads-outside-allow-list`),
          logGroupName: logGroup.name,
          pattern: eksSecretReadFilterPattern(alarm.allowedUsernames),
          metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0", unit: "Count" },
        },
        { parent: this },
      );
      const metricAlarm = new aws.cloudwatch.MetricAlarm(
        childName(name, "secret-reads-alarm"),
        {
          name: pulumi.output(args.clusterName).apply((c) => `${c}-secret-reads-outside-allow-list`),
          alarmDescription: pulumi.interpolate`Secrets of EKS cluster ${args.clusterName} were read by an identity outside the allow-list (see ${logGroupName}).`,
          namespace,
          metricName,
          statistic: "Sum",
          period: alarm.periodSeconds ?? 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "notBreaching",
          alarmActions: alarm.alarmActions ?? [],
          tags: args.tags,
        },
        { parent: this, dependsOn: [filter] },
      );
      alarmName = metricAlarm.name;
    }

    this.enabledClusterLogTypes = pulumi.output(args.logTypes ?? [...EKS_LOG_TYPES]);
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.kmsKeyArn = keyArn;
    this.secretReadAlarmName = alarmName;
    this.registerOutputs({
      enabledClusterLogTypes: this.enabledClusterLogTypes,
      logGroupName: this.logGroupName,
      logGroupArn: this.logGroupArn,
      kmsKeyArn: this.kmsKeyArn,
      secretReadAlarmName: this.secretReadAlarmName,
    });
  }
}
