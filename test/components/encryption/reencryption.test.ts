import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_REENCRYPTION_IMAGE,
  InvalidArgumentsError,
  RBAC_EXEMPTION_LABEL,
  SecretsReencryption,
  triggerHash,
} from "../../../components";
import { REENCRYPTION_SCRIPT } from "../../../components/encryption/reencryptionScript";
import { runProgram, unwrap } from "../../harness/pulumi";

const EXEMPT = { "kube-secrets-platform.io/exempt-from": "secret-read.secret-write" };

test("SecretsReencryption: cluster-wide Job, least-privilege RBAC, restricted pod, name from the trigger hash", async () => {
  let job: SecretsReencryption | undefined;
  const stack = await runProgram(() => {
    job = new SecretsReencryption("rewrite", { trigger: pulumi.output("secretbox/key-2026-11") });
  });
  const component = stack.one("kube-secrets-platform:index:SecretsReencryption", "rewrite");
  const expectedHash = createHash("sha256").update("secretbox/key-2026-11").digest("hex").slice(0, 10);
  assert.equal(triggerHash("secretbox/key-2026-11"), expectedHash);

  const ns = stack.one("kubernetes:core/v1:Namespace", "rewrite-ns-ns");
  assert.equal(ns.inputs.metadata.name, "secrets-reencryption");
  assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");

  const sa = stack.one("kubernetes:core/v1:ServiceAccount", "rewrite-sa");
  assert.equal(sa.parent, component.urn);
  assert.equal(sa.inputs.metadata.name, "secrets-reencryption");
  assert.equal(sa.inputs.metadata.namespace, "secrets-reencryption");
  assert.equal(sa.inputs.metadata.labels[RBAC_EXEMPTION_LABEL], "secret-read.secret-write");
  assert.equal(sa.inputs.automountServiceAccountToken, false, "only the Job's pod mounts the token");

  const role = stack.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "rewrite-role");
  assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "update"] }]);
  assert.deepEqual({ ...role.inputs.metadata.labels }, {
    "app.kubernetes.io/name": "secrets-reencryption",
    "app.kubernetes.io/instance": "rewrite",
    "app.kubernetes.io/component": "secrets-reencryption",
    "app.kubernetes.io/part-of": "kube-secrets-platform",
    "app.kubernetes.io/managed-by": "pulumi",
    ...EXEMPT,
  });
  const binding = stack.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "rewrite-binding");
  assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "secrets-reencryption", namespace: "secrets-reencryption" }]);
  assert.equal(binding.inputs.roleRef.kind, "ClusterRole");
  assert.equal(binding.inputs.metadata.labels[RBAC_EXEMPTION_LABEL], "secret-read.secret-write");
  assert.deepEqual(stack.all("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"), []);

  const j = stack.one("kubernetes:batch/v1:Job", "rewrite-job");
  assert.equal(j.parent, component.urn);
  assert.equal(j.inputs.metadata.name, `secrets-reencrypt-${expectedHash}`);
  assert.equal(j.inputs.metadata.namespace, "secrets-reencryption");
  assert.equal(j.inputs.spec.backoffLimit, 2);
  assert.equal(j.inputs.spec.ttlSecondsAfterFinished, 86400);
  assert.equal(j.inputs.spec.activeDeadlineSeconds, 3600);
  const pod = j.inputs.spec.template.spec;
  assert.equal(pod.serviceAccountName, "secrets-reencryption");
  assert.equal(pod.automountServiceAccountToken, true);
  assert.equal(pod.restartPolicy, "Never");
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  assert.equal(c.image, DEFAULT_REENCRYPTION_IMAGE);
  assert.match(c.image, /^docker\.io\/alpine\/k8s:1\.34\.1@sha256:[0-9a-f]{64}$/, "pinned by tag and digest");
  assert.deepEqual(c.command, ["/bin/sh", "-c", REENCRYPTION_SCRIPT]);
  assert.deepEqual(c.env, [
    { name: "NAMESPACES", value: "" },
    { name: "CHUNK_SIZE", value: "100" },
    { name: "MAX_ATTEMPTS", value: "5" },
    { name: "TMPDIR", value: "/tmp" },
    { name: "HOME", value: "/tmp" },
  ]);
  assert.deepEqual(c.securityContext, {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  });
  assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } });
  assert.deepEqual(c.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
  assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]);

  assert.equal(await unwrap(job!.jobName), `secrets-reencrypt-${expectedHash}`);
  assert.equal(await unwrap(job!.exemptSubject), "ServiceAccount secrets-reencryption/secrets-reencryption");
});

test("SecretsReencryption: given namespaces get RoleBindings only; a new trigger gives a new Job name", async () => {
  const stack = await runProgram(() => {
    new SecretsReencryption("a", {
      trigger: "arn:aws:kms:us-east-1:123456789012:key/1",
      namespaces: ["team-a", "team-b"],
      jobNamespace: "rewrite-a",
      chunkSize: 25,
      maxAttempts: 8,
      image: "registry.example/kubectl:1.34.1",
    });
    new SecretsReencryption("b", { trigger: "arn:aws:kms:us-east-1:123456789012:key/2", jobNamespace: "rewrite-b" });
  });
  assert.deepEqual(stack.all("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => b.name), ["b-binding"]);
  const rbs = stack.all("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
  assert.deepEqual(rbs.map((b) => [b.name, b.inputs.metadata.namespace]), [["a-binding-team-a", "team-a"], ["a-binding-team-b", "team-b"]]);
  for (const rb of rbs) {
    assert.deepEqual(rb.inputs.subjects, [{ kind: "ServiceAccount", name: "secrets-reencryption", namespace: "rewrite-a" }]);
    assert.equal(rb.inputs.roleRef.kind, "ClusterRole");
    assert.equal(rb.inputs.metadata.labels[RBAC_EXEMPTION_LABEL], "secret-read.secret-write");
  }
  const a = stack.one("kubernetes:batch/v1:Job", "a-job").inputs;
  const b = stack.one("kubernetes:batch/v1:Job", "b-job").inputs;
  assert.notEqual(a.metadata.name, b.metadata.name);
  assert.equal(a.metadata.name, `secrets-reencrypt-${triggerHash("arn:aws:kms:us-east-1:123456789012:key/1")}`);
  const env = Object.fromEntries(a.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  assert.deepEqual(env, { NAMESPACES: "team-a team-b", CHUNK_SIZE: "25", MAX_ATTEMPTS: "8", TMPDIR: "/tmp", HOME: "/tmp" });
  assert.equal(a.spec.template.spec.containers[0].image, "registry.example/kubectl:1.34.1");
});

test("SecretsReencryption: invalid args throw naming each field before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () => new SecretsReencryption("bad", { trigger: "", namespaces: ["Team_A", "x", "x"], chunkSize: 0, maxAttempts: 50, jobNamespace: "No" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "trigger: must not be empty",
          "chunkSize: must be between 1 and 500",
          "maxAttempts: must be between 1 and 20",
          `namespaces[0]: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "Team_A"`,
          `namespaces[2]: duplicate namespace "x"`,
          `jobNamespace: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "No"`,
        ]);
        return true;
      },
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("SecretsReencryption: Pulumi waits for the Job until its deadline (+10 min), not its default 10 minutes", async () => {
  const stack = await runProgram(() => {
    new SecretsReencryption("d", { trigger: "secretbox/k1" });
    new SecretsReencryption("long", { trigger: "secretbox/k1", jobNamespace: "rewrite-long", activeDeadlineSeconds: 4 * 3600 });
  });
  const d = stack.one("kubernetes:batch/v1:Job", "d-job");
  assert.equal(d.inputs.spec.activeDeadlineSeconds, 3600);
  // The engine reads customTimeouts as Go durations (pulumi/sdk resource options -> RegisterResourceRequest.customTimeouts).
  assert.deepEqual(d.options.customTimeouts, { create: "4200s", update: "4200s", delete: "" });
  const long = stack.one("kubernetes:batch/v1:Job", "long-job");
  assert.equal(long.inputs.spec.activeDeadlineSeconds, 14400);
  assert.deepEqual(long.options.customTimeouts, { create: "15000s", update: "15000s", delete: "" });
});

test("SecretsReencryption: a trigger taken from the cluster resource orders the Job after that cluster's update", async () => {
  let job: SecretsReencryption | undefined;
  const stack = await runProgram(() => {
    // Stands in for the cluster resource whose update turns encryption on (e.g. aws.eks.Cluster).
    class Cluster extends pulumi.CustomResource {
      declare public readonly keyArn: pulumi.Output<string>;
      constructor(n: string) {
        super("test:index:Cluster", n, { keyArn: "arn:aws:kms:us-east-1:123456789012:key/1" });
      }
    }
    const cluster = new Cluster("cluster");
    job = new SecretsReencryption("after", { trigger: cluster.keyArn });
  });
  const cluster = stack.one("test:index:Cluster", "cluster");
  const j = stack.one("kubernetes:batch/v1:Job", "after-job");
  assert.ok(j.options.dependsOn.includes(cluster.urn), "the Job depends on the cluster through its trigger");
  assert.equal(j.inputs.metadata.name, `secrets-reencrypt-${triggerHash("arn:aws:kms:us-east-1:123456789012:key/1")}`);
  assert.equal(await unwrap(job!.rewrittenWith), "arn:aws:kms:us-east-1:123456789012:key/1");
});
