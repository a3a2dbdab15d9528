import assert from "node:assert/strict";
import { test } from "node:test";
import { GkeAuditLogging, InvalidArgumentsError, gkeSecretAccessFilter } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";
import { gkeAuditLogConfigs } from "../../../components/audit/gke";

const WRITER = "serviceAccount:service-123456789@gcp-sa-logging.iam.gserviceaccount.com";
const writerState = (a: { type: string }) => (a.type === "gcp:logging/projectSink:ProjectSink" ? { writerIdentity: WRITER } : undefined);
const FILTER_ALL =
  'resource.type="k8s_cluster" AND protoPayload.serviceName="k8s.io" AND protoPayload.methodName:"io.k8s.core.v1.secrets." AND ' +
  '(log_id("cloudaudit.googleapis.com/data_access") OR log_id("cloudaudit.googleapis.com/activity"))';

test("GkeAuditLogging: Data Access audit config for the Kubernetes Engine API, no sink by default", async () => {
  let c: GkeAuditLogging | undefined;
  const stack = await runProgram(() => {
    c = new GkeAuditLogging("gke-audit", { project: "example-project" });
  });
  const component = stack.one("kube-secrets-platform:index:GkeAuditLogging", "gke-audit");
  const config = stack.one("gcp:projects/iAMAuditConfig:IAMAuditConfig", "gke-audit-audit-config");
  assert.equal(config.parent, component.urn);
  assert.deepEqual(config.inputs, {
    project: "example-project",
    service: "container.googleapis.com",
    auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
  });
  assert.deepEqual(stack.all("gcp:logging/projectSink:ProjectSink"), []);
  assert.equal(await unwrap(c!.auditedService), "container.googleapis.com");
  assert.equal(await unwrap(c!.sinkWriterIdentity), undefined);
});

test("GkeAuditLogging: BigQuery sink with a Secret-access filter; writer gets dataEditor on that dataset only", async () => {
  let c: GkeAuditLogging | undefined;
  const stack = await runProgram(
    () => {
      c = new GkeAuditLogging("gke-audit", {
        project: "example-project",
        clusterName: "prod-1",
        exemptedMembers: ["serviceAccount:scanner@example-project.iam.gserviceaccount.com"],
        sink: { bigquery: { project: "security-logs", datasetId: "k8s_secret_access" } },
      });
    },
    { resourceState: writerState },
  );
  assert.deepEqual(stack.one("gcp:projects/iAMAuditConfig:IAMAuditConfig").inputs.auditLogConfigs, [
    { logType: "ADMIN_READ" },
    { logType: "DATA_READ", exemptedMembers: ["serviceAccount:scanner@example-project.iam.gserviceaccount.com"] },
    { logType: "DATA_WRITE" },
  ]);
  const filter =
    'resource.type="k8s_cluster" AND resource.labels.cluster_name="prod-1" AND protoPayload.serviceName="k8s.io" AND ' +
    'protoPayload.methodName:"io.k8s.core.v1.secrets." AND (log_id("cloudaudit.googleapis.com/data_access") OR log_id("cloudaudit.googleapis.com/activity"))';
  const sink = stack.one("gcp:logging/projectSink:ProjectSink", "gke-audit-secret-access-sink");
  assert.deepEqual(sink.inputs, {
    name: "gke-audit-secret-access",
    project: "example-project",
    destination: "bigquery.googleapis.com/projects/security-logs/datasets/k8s_secret_access",
    filter,
    description: "Kubernetes API requests on Secrets (kube-secrets-platform)",
    uniqueWriterIdentity: true,
    bigqueryOptions: { usePartitionedTables: true },
  });
  assert.deepEqual(stack.one("gcp:bigquery/datasetIamMember:DatasetIamMember", "gke-audit-sink-writer").inputs, {
    project: "security-logs",
    datasetId: "k8s_secret_access",
    role: "roles/bigquery.dataEditor",
    member: WRITER,
  });
  assert.equal(await unwrap(c!.sinkWriterIdentity), WRITER);
  assert.equal(await unwrap(c!.sinkFilter), filter);
});

test("GkeAuditLogging: Pub/Sub and Cloud Storage sinks grant only publisher / objectCreator on the destination", async () => {
  const stack = await runProgram(
    () => {
      new GkeAuditLogging("ps", { project: "example-project", sink: { name: "secret-reads", pubsub: { topic: "k8s-secret-access" } } });
      new GkeAuditLogging("gcs", { project: "example-project", sink: { storage: { bucket: "example-audit-archive" } } });
    },
    { resourceState: writerState },
  );
  const ps = stack.one("gcp:logging/projectSink:ProjectSink", "ps-secret-access-sink").inputs;
  assert.equal(ps.name, "secret-reads");
  assert.equal(ps.destination, "pubsub.googleapis.com/projects/example-project/topics/k8s-secret-access");
  assert.equal(ps.filter, FILTER_ALL);
  assert.equal(ps.bigqueryOptions, undefined);
  assert.deepEqual(stack.one("gcp:pubsub/topicIAMMember:TopicIAMMember", "ps-sink-writer").inputs, {
    project: "example-project",
    topic: "k8s-secret-access",
    role: "roles/pubsub.publisher",
    member: WRITER,
  });
  assert.equal(stack.one("gcp:logging/projectSink:ProjectSink", "gcs-secret-access-sink").inputs.destination, "storage.googleapis.com/example-audit-archive");
  assert.deepEqual(stack.one("gcp:storage/bucketIAMMember:BucketIAMMember", "gcs-sink-writer").inputs, {
    bucket: "example-audit-archive",
    role: "roles/storage.objectCreator",
    member: WRITER,
  });
  assert.equal(gkeSecretAccessFilter(), FILTER_ALL);
});

test("GkeAuditLogging: invalid args throw naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new GkeAuditLogging("bad", {
          project: "Example_Project",
          exemptedMembers: ["scanner@example.com"],
          sink: { bigquery: { datasetId: "bad-dataset" }, pubsub: { topic: "projects/p/topics/t" } },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "project: must be a GCP project id",
          "exemptedMembers[0]: must be an IAM member such as serviceAccount:name@project.iam.gserviceaccount.com",
          "sink.bigquery.datasetId: must be a BigQuery dataset id",
          "sink.pubsub.topic: must be a Pub/Sub topic name (not a path)",
          "sink: set exactly one of bigquery, pubsub, storage, got bigquery, pubsub",
        ]);
        return true;
      },
    );
    assert.throws(() => new GkeAuditLogging("none", { project: "example-project", sink: {} }), /sink: set exactly one of bigquery, pubsub, storage, got none/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("GkeAuditLogging keeps the project's existing exemptions for container.googleapis.com (the audit config is authoritative for the service)", async () => {
  const policy = {
    auditConfigs: [
      { service: "container.googleapis.com", auditLogConfigs: [{ logType: "DATA_READ", exemptedMembers: ["serviceAccount:scanner@p.iam.gserviceaccount.com"] }, { logType: "ADMIN_READ", exemptedMembers: ["user:ops@example.com"] }] },
      { service: "allServices", auditLogConfigs: [{ logType: "DATA_WRITE", exemptedMembers: ["user:other@example.com"] }] },
    ],
  };
  const stack = await runProgram(
    () => {
      new GkeAuditLogging("keep", { project: "example-project", exemptedMembers: ["serviceAccount:eso@example-project.iam.gserviceaccount.com"] });
    },
    { invokes: { "gcp:projects/getIamPolicy:getIamPolicy": (inputs) => ({ project: inputs.project, policyData: JSON.stringify(policy), etag: "x", id: inputs.project }) } },
  );
  // What terraform-provider-google's google_project_iam_audit_config writes as the service's whole entry.
  assert.deepEqual(stack.one("gcp:projects/iAMAuditConfig:IAMAuditConfig").inputs.auditLogConfigs, [
    { logType: "ADMIN_READ", exemptedMembers: ["user:ops@example.com"] },
    { logType: "DATA_READ", exemptedMembers: ["serviceAccount:eso@example-project.iam.gserviceaccount.com", "serviceAccount:scanner@p.iam.gserviceaccount.com"] },
    { logType: "DATA_WRITE" },
  ]);
  // Another service's exemptions are not this service's.
  assert.deepEqual(gkeAuditLogConfigs(JSON.stringify(policy), []).find((c) => c.logType === "DATA_WRITE"), { logType: "DATA_WRITE" });
  assert.deepEqual(gkeAuditLogConfigs("{}", []), [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }]);
});
