import assert from "node:assert/strict";
import { test } from "node:test";
import { HardenedNamespace, InvalidArgumentsError, podSecurityVersion } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

test("HardenedNamespace: PSA labels pinned (not latest), standard labels, default SA patch, optional default-deny with DNS egress", async () => {
  let hn: HardenedNamespace | undefined;
  const stack = await runProgram(() => {
    hn = new HardenedNamespace("vault", { namespace: "vault-system", labels: { team: "platform" } });
    new HardenedNamespace("apps", { podSecurity: { enforce: "baseline", warn: "restricted", version: "v1.33" }, defaultDenyNetworkPolicy: true });
  });

  const component = stack.one("kube-secrets-platform:index:HardenedNamespace", "vault");
  const ns = stack.one("kubernetes:core/v1:Namespace", "vault-ns");
  assert.equal(ns.parent, component.urn);
  assert.deepEqual(ns.inputs.metadata, {
    name: "vault-system",
    labels: {
      team: "platform",
      "app.kubernetes.io/name": "namespace",
      "app.kubernetes.io/instance": "vault",
      "app.kubernetes.io/component": "namespace",
      "app.kubernetes.io/part-of": "kube-secrets-platform",
      "app.kubernetes.io/managed-by": "pulumi",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.33",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "v1.33",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "v1.33",
    },
  });
  const patch = stack.one("kubernetes:core/v1:ServiceAccountPatch", "vault-default-sa");
  assert.equal(patch.parent, component.urn);
  assert.deepEqual(patch.inputs, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "default", namespace: "vault-system" },
    automountServiceAccountToken: false,
  });
  assert.deepEqual(stack.all("kubernetes:networking.k8s.io/v1:NetworkPolicy", "vault-default-deny"), []);
  assert.equal(await unwrap(hn!.namespaceName), "vault-system");

  const apps = stack.one("kubernetes:core/v1:Namespace", "apps-ns").inputs.metadata;
  assert.equal(apps.name, "apps", "the namespace name defaults to the resource name");
  assert.deepEqual(
    Object.fromEntries(Object.entries(apps.labels as Record<string, string>).filter(([k]) => k.startsWith("pod-security"))),
    {
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/enforce-version": "v1.33",
      "pod-security.kubernetes.io/audit": "baseline",
      "pod-security.kubernetes.io/audit-version": "v1.33",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "v1.33",
    },
  );
  const deny = stack.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "apps-default-deny");
  assert.deepEqual(deny.inputs.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  assert.equal(deny.inputs.metadata.namespace, "apps");
  // A bare default deny would also cut DNS: names must still resolve (CoreDNS/kube-dns is k8s-app=kube-dns).
  assert.deepEqual(stack.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "apps-allow-dns").inputs.spec, {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kube-system"] }] }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  });
});

test("HardenedNamespace: invalid args throw at construction, naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () => new HardenedNamespace("bad", { namespace: "Team_A", podSecurity: { enforce: "strict", version: "1.30" } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `podSecurity.enforce: must be one of privileged, baseline, restricted, got "strict"`,
          "podSecurity.version: must be 'latest' or 'v1.<minor>'",
          `namespace: must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "Team_A"`,
        ]);
        assert.match(e.message, /^HardenedNamespace "bad": invalid arguments:/);
        return true;
      },
    );
    assert.throws(() => new HardenedNamespace("x".repeat(64), {}), /namespace: must be at most 63 characters, got 64/);
    assert.throws(() => new HardenedNamespace("ok", { extra: true } as never), /extra: unknown field/);
  });
  assert.deepEqual(
    stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
    [],
    "no resource may be registered for invalid args",
  );
});

test("podSecurityVersion: v1.<minor> of the cluster's version in its usual spellings", () => {
  assert.equal(podSecurityVersion("1.33"), "v1.33");
  assert.equal(podSecurityVersion("v1.31.4"), "v1.31");
  assert.equal(podSecurityVersion("1.30-eks-5a0e"), "v1.30");
  assert.equal(podSecurityVersion("latest"), undefined);
  assert.equal(podSecurityVersion(undefined), undefined);
});
