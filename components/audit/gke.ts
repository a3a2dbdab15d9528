import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";

/**
 * The service whose Data Access audit logs carry the Kubernetes API's reads and writes on GKE
 * (`k8s.io` entries), enabled through the Kubernetes Engine API.
 */
export const GKE_AUDIT_SERVICE = "container.googleapis.com";
/** Data Access log types enabled: reads of configuration, reads and writes of data (Secret get/list/watch is DATA_READ). */
export const GKE_AUDIT_LOG_TYPES = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"] as const;

/** A BigQuery dataset destination. */
export interface GkeAuditSinkBigQueryArgs {
  /** Project of the dataset. Default: `project`. */
  project?: pulumi.Input<string>;
  /** Dataset id. */
  datasetId: pulumi.Input<string>;
}
/** A Pub/Sub topic destination. */
export interface GkeAuditSinkPubSubArgs {
  /** Project of the topic. Default: `project`. */
  project?: pulumi.Input<string>;
  /** Topic name (not the full path). */
  topic: pulumi.Input<string>;
}
/** A Cloud Storage bucket destination. */
export interface GkeAuditSinkStorageArgs {
  /** Bucket name. */
  bucket: pulumi.Input<string>;
}

/** A log sink exporting Secret access; exactly one destination. */
export interface GkeAuditSinkArgs {
  /** Sink name. Default `<resource name>-secret-access`. */
  name?: pulumi.Input<string>;
  /** Export to a BigQuery dataset (partitioned tables); the writer gets `roles/bigquery.dataEditor` on the dataset only. */
  bigquery?: GkeAuditSinkBigQueryArgs;
  /** Export to a Pub/Sub topic; the writer gets `roles/pubsub.publisher` on the topic only. */
  pubsub?: GkeAuditSinkPubSubArgs;
  /** Export to a Cloud Storage bucket; the writer gets `roles/storage.objectCreator` on the bucket only. */
  storage?: GkeAuditSinkStorageArgs;
}

/** Arguments of {@link GkeAuditLogging}. */
export interface GkeAuditLoggingArgs {
  /** Project id of the cluster. */
  project: pulumi.Input<string>;
  /** Cluster name: narrows the sink filter to this cluster. Default: every cluster of the project. */
  clusterName?: pulumi.Input<string>;
  /**
   * Members (`serviceAccount:…`, `user:…`) whose Data Access is not logged. Default none; every exemption is
   * a blind spot in "who read which Secret".
   */
  exemptedMembers?: pulumi.Input<string>[];
  /** Export Secret access to BigQuery, Pub/Sub or Cloud Storage. Default none (a plain value: it decides whether resources exist). */
  sink?: GkeAuditSinkArgs;
}

const member = z.string().regex(/^(user|serviceAccount|group|domain|principal|principalSet):.+$/, {
  message: "must be an IAM member such as serviceAccount:name@project.iam.gserviceaccount.com",
});

const argsSchema = z.strictObject({
  project: input(z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, { message: "must be a GCP project id" })),
  clusterName: input(z.string().regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, { message: "must be a GKE cluster name" })).optional(),
  exemptedMembers: z.array(input(member)).optional(),
  sink: z
    .strictObject({
      name: input(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, { message: "must be 1-100 of A-Z a-z 0-9 _ . -" })).optional(),
      bigquery: z.strictObject({ project: input(z.string()).optional(), datasetId: input(z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, { message: "must be a BigQuery dataset id" })) }).optional(),
      pubsub: z.strictObject({ project: input(z.string()).optional(), topic: input(z.string().regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, { message: "must be a Pub/Sub topic name (not a path)" })) }).optional(),
      storage: z.strictObject({ bucket: input(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, { message: "must be a Cloud Storage bucket name" })) }).optional(),
    })
    .optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values are not checked. */
export function validateGkeAuditLogging(args: GkeAuditLoggingArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (args.sink) {
    const chosen = (["bigquery", "pubsub", "storage"] as const).filter((k) => args.sink![k] !== undefined);
    if (chosen.length !== 1) problems.push(`sink: set exactly one of bigquery, pubsub, storage, got ${chosen.length === 0 ? "none" : chosen.join(", ")}`);
  }
  return problems;
}

/** The Cloud Logging filter selecting Kubernetes API requests on Secrets (every verb), optionally of one cluster. */
export function gkeSecretAccessFilter(clusterName?: string): string {
  return [
    'resource.type="k8s_cluster"',
    ...(clusterName ? [`resource.labels.cluster_name="${clusterName}"`] : []),
    'protoPayload.serviceName="k8s.io"',
    'protoPayload.methodName:"io.k8s.core.v1.secrets."',
    '(log_id("cloudaudit.googleapis.com/data_access") OR log_id("cloudaudit.googleapis.com/activity"))',
  ].join(" AND ");
}

/** One `auditLogConfigs` entry of a project's IAM policy. */
export interface GkeAuditLogConfig {
  logType: string;
  exemptedMembers?: string[];
}

/**
 * The audit log configs to set for `container.googleapis.com`: every Data Access type on, with the
 * exemptions the project's IAM policy already has for that service and log type kept (an IAMAuditConfig is
 * authoritative for its service: terraform-provider-google `google_project_iam_audit_config` replaces the
 * service's whole `auditConfigs` entry, so exemptions set elsewhere would otherwise be dropped) and
 * `exemptedMembers` added to `DATA_READ`. `policyData` is the policy JSON of `gcp.projects.getIamPolicy`
 * (`{"auditConfigs":[{"service":…,"auditLogConfigs":[{"logType":…,"exemptedMembers":[…]}]}]}`).
 */
export function gkeAuditLogConfigs(policyData: string | undefined, exemptedMembers: readonly string[]): GkeAuditLogConfig[] {
  let existing: Array<{ service?: string; auditLogConfigs?: GkeAuditLogConfig[] }> = [];
  try {
    existing = (JSON.parse(policyData || "{}") as { auditConfigs?: typeof existing }).auditConfigs ?? [];
  } catch {
    existing = [];
  }
  const current = existing.filter((c) => c.service === GKE_AUDIT_SERVICE).flatMap((c) => c.auditLogConfigs ?? []);
  return GKE_AUDIT_LOG_TYPES.map((logType) => {
    const kept = current.filter((c) => c.logType === logType).flatMap((c) => c.exemptedMembers ?? []);
    const members = [...new Set([...kept, ...(logType === "DATA_READ" ? exemptedMembers : [])])].sort();
    return members.length > 0 ? { logType, exemptedMembers: members } : { logType };
  });
}

/**
 * GKE audit logging: a `gcp.projects.IAMAuditConfig` enabling `ADMIN_READ`, `DATA_READ` and `DATA_WRITE`
 * Data Access logs for the Kubernetes Engine API (`container.googleapis.com`; Admin Activity logs are always
 * on), which makes Secret reads (`io.k8s.core.v1.secrets.get/list/watch`) appear in Cloud Audit Logs; and an
 * optional project log sink exporting Secret access to BigQuery, Pub/Sub or Cloud Storage, with its unique
 * writer identity granted only the one role the destination needs, on that destination only.
 *
 * The IAMAuditConfig is authoritative for this service's audit config in the project: the exemptions the
 * project already has for `container.googleapis.com` are read (`gcp.projects.getIamPolicy`) and kept
 * ({@link gkeAuditLogConfigs}); remove one with `gcloud projects set-iam-policy` or the console, not here.
 */
export class GkeAuditLogging extends pulumi.ComponentResource {
  /** The service whose audit config was set. */
  public readonly auditedService: pulumi.Output<string>;
  /** The sink's writer identity (`serviceAccount:…`), when a sink was requested. */
  public readonly sinkWriterIdentity: pulumi.Output<string | undefined>;
  /** The sink's filter, when a sink was requested. */
  public readonly sinkFilter: pulumi.Output<string | undefined>;

  constructor(name: string, args: GkeAuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("GkeAuditLogging", name, validateGkeAuditLogging(args));
    super(typeToken("GkeAuditLogging"), name, {}, opts);

    const config = new gcp.projects.IAMAuditConfig(
      childName(name, "audit-config"),
      {
        project: args.project,
        service: GKE_AUDIT_SERVICE,
        auditLogConfigs: pulumi
          .all([gcp.projects.getIamPolicyOutput({ project: args.project }, { parent: this }).policyData, args.exemptedMembers ?? []])
          .apply(([policyData, members]) => gkeAuditLogConfigs(policyData, members)),
      },
      { parent: this },
    );

    let writer: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let filter: pulumi.Output<string | undefined> = pulumi.output(undefined);
    const sink = args.sink;
    if (sink) {
      const project = pulumi.output(args.project);
      const sinkFilter = pulumi.output(args.clusterName).apply((c) => gkeSecretAccessFilter(c));
      let destination: pulumi.Output<string>;
      if (sink.bigquery) {
        destination = pulumi.interpolate`bigquery.googleapis.com/projects/${sink.bigquery.project ?? project}/datasets/${sink.bigquery.datasetId}`;
      } else if (sink.pubsub) {
        destination = pulumi.interpolate`pubsub.googleapis.com/projects/${sink.pubsub.project ?? project}/topics/${sink.pubsub.topic}`;
      } else {
        destination = pulumi.interpolate`storage.googleapis.com/${sink.storage!.bucket}`;
      }
      const logSink = new gcp.logging.ProjectSink(
        childName(name, "secret-access-sink"),
        {
          name: sink.name ?? `${name}-secret-access`,
          project: args.project,
          destination,
          filter: sinkFilter,
          description: "Kubernetes API requests on Secrets (kube-secrets-platform)",
          uniqueWriterIdentity: true,
          bigqueryOptions: sink.bigquery ? { usePartitionedTables: true } : undefined,
        },
        { parent: this, dependsOn: [config] },
      );
      if (sink.bigquery) {
        new gcp.bigquery.DatasetIamMember(
          childName(name, "sink-writer"),
          { project: sink.bigquery.project ?? project, datasetId: sink.bigquery.datasetId, role: "roles/bigquery.dataEditor", member: logSink.writerIdentity },
          { parent: this },
        );
      } else if (sink.pubsub) {
        new gcp.pubsub.TopicIAMMember(
          childName(name, "sink-writer"),
          { project: sink.pubsub.project ?? project, topic: sink.pubsub.topic, role: "roles/pubsub.publisher", member: logSink.writerIdentity },
          { parent: this },
        );
      } else {
        new gcp.storage.BucketIAMMember(
          childName(name, "sink-writer"),
          { bucket: sink.storage!.bucket, role: "roles/storage.objectCreator", member: logSink.writerIdentity },
          { parent: this },
        );
      }
      writer = logSink.writerIdentity;
      filter = sinkFilter;
    }

    this.auditedService = config.service;
    this.sinkWriterIdentity = writer;
    this.sinkFilter = filter;
    this.registerOutputs({ auditedService: this.auditedService, sinkWriterIdentity: this.sinkWriterIdentity, sinkFilter: this.sinkFilter });
  }
}
