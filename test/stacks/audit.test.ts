import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { kubernetesAuditPolicy, validateAuditPolicy } from "../../components";
import { StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { runProgram, unwrap } from "../harness/pulumi";

const clusters = (extra: Record<string, unknown>[]) => ({ "kube-secrets-platform:clusters": JSON.stringify(extra) });

test("stack audit section: defaults, and every problem named by its config path", () => {
  const cfg = parseStackConfig({ clusters: [{ name: "local" }] });
  assert.deepEqual(cfg.clusters[0].audit, {
    enabled: true,
    silencedNamespaces: [],
    silencedUsers: [],
    silencedUserGroups: [],
    sensitiveResources: [],
    policyFile: "/etc/kubernetes/audit/policy.yaml",
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAgeDays: 30,
    maxBackups: 10,
    maxSizeMegabytes: 100,
  });
  assert.throws(
    () =>
      parseStackConfig({
        clusters: [
          {
            name: "local",
            audit: { silencedNamespaces: ["kube-system"], sensitiveResources: [{ group: "example.com", resources: ["/api/creds"] }], maxAgeDays: 7 },
          },
        ],
      }),
    (e: unknown) => {
      assert.ok(e instanceof StackConfigError);
      assert.deepEqual(e.problems, [
        "kube-secrets-platform:clusters[0].audit.silencedNamespaces[0]: kube-system holds the control plane's credentials and cannot be silenced",
        `kube-secrets-platform:clusters[0].audit.sensitiveResources[0].resources[0]: must be a resource name such as "widgets" or "widgets/token", not a non-resource URL, got "/api/creds"`,
        "kube-secrets-platform:clusters[0].audit.maxAgeDays: must be an integer >= 30 (CIS Kubernetes Benchmark), got 7",
      ]);
      return true;
    },
  );
  assert.throws(() => parseStackConfig({ clusters: [{ name: "local", audit: { level: "all" } }] }), /kube-secrets-platform:clusters\[0\]\.audit\.level: unknown key/);
});

test("stack audit section: self-managed cluster gets the policy ConfigMap and the kube-apiserver flags", async () => {
  const stack = await runProgram(program, {
    config: clusters([
      {
        name: "local",
        kind: "self-managed",
        audit: { silencedNamespaces: ["monitoring"], sensitiveResources: [{ group: "example.com", resources: ["credentials"] }], maxAgeDays: 90 },
      },
    ]),
  });
  const cm = stack.one("kubernetes:core/v1:ConfigMap", "local-audit-policy");
  assert.ok(cm.provider?.startsWith(`${stack.one("pulumi:providers:kubernetes", "local-k8s").urn}::`), "uses the cluster's provider");
  assert.deepEqual(cm.inputs.metadata, {
    name: "kube-secrets-platform-audit-policy",
    namespace: "kube-system",
    labels: {
      "app.kubernetes.io/name": "audit-policy",
      "app.kubernetes.io/instance": "local",
      "app.kubernetes.io/component": "audit-policy",
      "app.kubernetes.io/part-of": "kube-secrets-platform",
      "app.kubernetes.io/managed-by": "pulumi",
    },
    annotations: {
      "audit.kube-secrets-platform.io/kube-apiserver-flags":
        "--audit-policy-file=/etc/kubernetes/audit/policy.yaml --audit-log-path=/var/log/kubernetes/audit/audit.log --audit-log-format=json " +
        "--audit-log-maxage=90 --audit-log-maxbackup=10 --audit-log-maxsize=100",
    },
  });
  const document = parse(cm.inputs.data["policy.yaml"] as string);
  const options = { sensitiveResources: [{ group: "example.com", resources: ["credentials"] }] };
  assert.deepEqual(document, kubernetesAuditPolicy({ ...options, silencedNamespaces: ["monitoring"] }));
  assert.deepEqual(validateAuditPolicy(document, options), []);
  const local = (await unwrap(stack.outputs.clusters)).local;
  assert.deepEqual(local.apiServerAuditFlags, [
    "--audit-policy-file=/etc/kubernetes/audit/policy.yaml",
    "--audit-log-path=/var/log/kubernetes/audit/audit.log",
    "--audit-log-format=json",
    "--audit-log-maxage=90",
    "--audit-log-maxbackup=10",
    "--audit-log-maxsize=100",
  ]);
  assert.equal(cm.parent, stack.one("kube-secrets-platform:index:SecretsPlatform", "local").urn);
});

test("stack audit section: managed clusters get no policy file or flags (their provider runs the API server); disabled emits nothing", async () => {
  const stack = await runProgram(program, {
    config: clusters([
      { name: "eks-1", kind: "eks", encryption: { enabled: false }, audit: { eks: { clusterName: "eks-1" } } },
      { name: "off", kind: "self-managed", audit: { enabled: false } },
    ]),
  });
  assert.equal(stack.all("kubernetes:core/v1:ConfigMap").length, 0);
  const out = await unwrap(stack.outputs.clusters);
  assert.equal(out["eks-1"].apiServerAuditFlags, undefined);
  assert.equal(out.off.apiServerAuditFlags, undefined);
  // EKS gets its control-plane audit logs instead.
  assert.deepEqual(out["eks-1"].eksEnabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
  assert.equal(stack.one("aws:cloudwatch/logGroup:LogGroup").inputs.name, "/aws/eks/eks-1/cluster");
});

test("stack audit section: cloud audit logging only for its cluster kind", () => {
  assert.throws(
    () => parseStackConfig({ clusters: [{ name: "a", kind: "gke", audit: { eks: { clusterName: "a" } } }] }),
    /kube-secrets-platform:clusters\[0\]\.audit\.eks: only for clusters of kind eks, got kind gke/,
  );
});
