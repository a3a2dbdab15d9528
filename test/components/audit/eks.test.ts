import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { EksAuditLogging, InvalidArgumentsError, eksSecretReadFilterPattern } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/prod-1/cluster";

test("EksAuditLogging: log types, encrypted log group with retention, key policy scoped to CloudWatch Logs for this log group", async () => {
  let c: EksAuditLogging | undefined;
  const stack = await runProgram(
    () => {
      c = new EksAuditLogging("prod-audit", { clusterName: "prod-1", tags: { team: "platform" } });
      new EksAuditLogging("scratch", { clusterName: "scratch", retainOnDelete: false });
    },
    { resourceState: (a) => (a.type === "aws:kms/key:Key" ? { arn: "arn:aws:kms:us-east-1:123456789012:key/k1" } : a.type === "aws:cloudwatch/logGroup:LogGroup" ? { arn: `${LOG_GROUP_ARN}` } : undefined) },
  );
  const component = stack.one("kube-secrets-platform:index:EksAuditLogging", "prod-audit");
  const key = stack.one("aws:kms/key:Key", "prod-audit-logs-key");
  assert.equal(stack.children(component).length, 2);
  assert.equal(key.parent, component.urn);
  assert.equal(key.inputs.enableKeyRotation, true);
  assert.equal(key.inputs.deletionWindowInDays, 30);
  assert.equal(key.inputs.keyUsage, "ENCRYPT_DECRYPT");
  assert.equal(key.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
  assert.deepEqual(JSON.parse(key.inputs.policy as string), {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsEncryptsThisLogGroup",
        Effect: "Allow",
        Principal: { Service: "logs.us-east-1.amazonaws.com" },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": LOG_GROUP_ARN } },
      },
    ],
  });
  const logGroup = stack.one("aws:cloudwatch/logGroup:LogGroup", "prod-audit-log-group");
  assert.equal(logGroup.parent, component.urn);
  assert.deepEqual(logGroup.inputs, {
    name: "/aws/eks/prod-1/cluster",
    retentionInDays: 365,
    kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k1",
    tags: { team: "platform" },
  });
  assert.equal(stack.resources.find((r) => r.name === "prod-audit-logs-key")?.options.retainOnDelete, true, "the key that decrypts the audit trail survives deletion");
  assert.equal(stack.resources.find((r) => r.name === "prod-audit-log-group")?.options.retainOnDelete, true, "the audit trail survives deletion");
  assert.equal(stack.resources.find((r) => r.name === "scratch-logs-key")?.options.retainOnDelete, false);
  assert.equal(stack.resources.find((r) => r.name === "scratch-log-group")?.options.retainOnDelete, false);
  assert.deepEqual(stack.all("aws:cloudwatch/logMetricFilter:LogMetricFilter"), []);
  assert.deepEqual(stack.all("aws:cloudwatch/metricAlarm:MetricAlarm"), []);
  assert.deepEqual(await unwrap(c!.enabledClusterLogTypes), ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
  assert.equal(await unwrap(c!.logGroupName), "/aws/eks/prod-1/cluster");
  assert.equal(await unwrap(c!.kmsKeyArn), "arn:aws:kms:us-east-1:123456789012:key/k1");
  assert.equal(await unwrap(c!.secretReadAlarmName), undefined);
});

test("EksAuditLogging: given key, custom retention and log types, Secret-read metric filter and alarm", async () => {
  let c: EksAuditLogging | undefined;
  const stack = await runProgram(() => {
    c = new EksAuditLogging("audit", {
      clusterName: "prod-1",
      logTypes: ["api", "audit", "authenticator"],
      retentionInDays: 731,
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/existing",
      secretReadAlarm: {
        allowedUsernames: ["system:serviceaccount:external-secrets:external-secrets", "system:serviceaccount:kube-system:*"],
        alarmActions: ["arn:aws:sns:us-east-1:123456789012:security"],
      },
    });
  });
  assert.deepEqual(stack.all("aws:kms/key:Key"), [], "no key is created when one is given");
  assert.equal(stack.one("aws:cloudwatch/logGroup:LogGroup").inputs.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/existing");
  assert.equal(stack.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 731);
  const pattern =
    '{ ($.objectRef.resource = "secrets") && ($.verb = "get" || $.verb = "list" || $.verb = "watch") && ($.stage = "ResponseComplete")' +
    ' && ($.user.username != "system:serviceaccount:external-secrets:external-secrets") && ($.user.username != "system:serviceaccount:kube-system:*") }';
  const filter = stack.one("aws:cloudwatch/logMetricFilter:LogMetricFilter", "audit-secret-reads");
  assert.deepEqual(filter.inputs, {
    name: "prod-1-secret-reads-outside-allow-list",
    logGroupName: "/aws/eks/prod-1/cluster",
    pattern,
    metricTransformation: { name: "SecretReadsOutsideAllowList-prod-1", namespace: "KubeSecretsPlatform/Audit", value: "1", defaultValue: "0", unit: "Count" },
  });
  const alarm = stack.one("aws:cloudwatch/metricAlarm:MetricAlarm", "audit-secret-reads-alarm");
  assert.deepEqual(alarm.inputs, {
    name: "prod-1-secret-reads-outside-allow-list",
    alarmDescription: "Secrets of EKS cluster prod-1 were read by an identity outside the allow-list (see /aws/eks/prod-1/cluster).",
    namespace: "KubeSecretsPlatform/Audit",
    metricName: "SecretReadsOutsideAllowList-prod-1",
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: ["arn:aws:sns:us-east-1:123456789012:security"],
  });
  assert.deepEqual(await unwrap(c!.enabledClusterLogTypes), ["api", "audit", "authenticator"]);
  assert.equal(await unwrap(c!.secretReadAlarmName), "prod-1-secret-reads-outside-allow-list");
  assert.equal(eksSecretReadFilterPattern([]), '{ ($.objectRef.resource = "secrets") && ($.verb = "get" || $.verb = "list" || $.verb = "watch") && ($.stage = "ResponseComplete") }');
});

test("EksAuditLogging: invalid args throw naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new EksAuditLogging("bad", {
          clusterName: "-prod",
          logTypes: ["api", "kubelet"],
          retentionInDays: 10,
          kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
          kmsKeyDeletionWindowInDays: 3,
          secretReadAlarm: { allowedUsernames: ['evil"'], periodSeconds: 45 },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "clusterName: must be an EKS cluster name (alphanumerics, '-' and '_', starting alphanumeric)",
          `logTypes[1]: must be one of api, audit, authenticator, controllerManager, scheduler, got "kubelet"`,
          "retentionInDays: must be one of the values CloudWatch Logs accepts (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; 0 = never expire)",
          "kmsKeyDeletionWindowInDays: Too small: expected number to be >=7",
          `secretReadAlarm.allowedUsernames[0]: must not contain '"' or '\\'`,
          "secretReadAlarm.periodSeconds: must be 10, 30 or a multiple of 60",
          "kmsKeyDeletionWindowInDays: only applies to a key this component creates; remove it or kmsKeyArn",
          `logTypes: must include "audit" (the Kubernetes audit log is what this component is for), got ["api","kubelet"]`,
        ]);
        return true;
      },
    );
    const many = Array.from({ length: 40 }, (_, i) => `system:serviceaccount:namespace-${i}:controller`);
    assert.throws(() => new EksAuditLogging("long", { clusterName: "c", secretReadAlarm: { allowedUsernames: many } }), /secretReadAlarm\.allowedUsernames: the filter pattern would be \d+ characters, CloudWatch allows 1024; use wildcards/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("EksAuditLogging adoptExistingLogGroup: the existing /aws/eks/<name>/cluster group is imported, not created again", async () => {
  const stack = await runProgram(() => {
    new EksAuditLogging("again", { clusterName: "prod-eks", adoptExistingLogGroup: true });
    new EksAuditLogging("fresh", { clusterName: "other-eks" });
  });
  const adopted = stack.one("aws:cloudwatch/logGroup:LogGroup", "again-log-group");
  // The Pulumi engine reads the `import` option as the provider id to adopt; aws.cloudwatch.LogGroup's id is its name.
  assert.equal(adopted.options.importId, "/aws/eks/prod-eks/cluster");
  assert.deepEqual(adopted.options.ignoreChanges.sort(), ["kmsKeyId", "retentionInDays", "tags", "tagsAll"]);
  assert.equal(adopted.inputs.name, "/aws/eks/prod-eks/cluster");
  const fresh = stack.one("aws:cloudwatch/logGroup:LogGroup", "fresh-log-group");
  assert.equal(fresh.options.importId, undefined);
  assert.deepEqual(fresh.options.ignoreChanges, []);
  await runProgram(() => {
    assert.throws(() => new EksAuditLogging("x", { clusterName: pulumi.output("late"), adoptExistingLogGroup: true }), /adoptExistingLogGroup: needs a plain clusterName/);
  });
});
