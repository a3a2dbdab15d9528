import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import {
  InvalidArgumentsError,
  apiServerAuditFlags,
  auditLevelFor,
  auditPolicyYaml,
  kubernetesAuditPolicy,
  matchingAuditRule,
  validateAuditPolicy,
  type AuditPolicy,
  type AuditRequest,
} from "../../../components";

const policy = kubernetesAuditPolicy();

const alice = { user: "alice", groups: ["system:authenticated", "dev"] };
const kubelet = { user: "system:node:worker-1", groups: ["system:nodes", "system:authenticated"] };
const proxy = { user: "system:kube-proxy", groups: ["system:authenticated"] };
const kcm = { user: "system:kube-controller-manager", groups: ["system:authenticated"] };

test("kubernetesAuditPolicy: document shape and rule order", () => {
  assert.equal(policy.apiVersion, "audit.k8s.io/v1");
  assert.equal(policy.kind, "Policy");
  assert.deepEqual(policy.omitStages, ["RequestReceived"]);
  assert.equal(policy.omitManagedFields, true);
  assert.deepEqual(
    policy.rules.map((r) => r.level),
    ["None", "None", "None", "None", "Metadata", "Metadata", "Request", "RequestResponse", "Metadata", "Request", "Metadata"],
  );
  assert.deepEqual(policy.rules[4], {
    level: "Metadata",
    resources: [
      { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
      { group: "authentication.k8s.io", resources: ["tokenreviews"] },
    ],
  });
  assert.deepEqual(policy.rules[7], {
    level: "RequestResponse",
    verbs: ["create", "update", "patch", "delete", "deletecollection"],
    resources: [{ group: "rbac.authorization.k8s.io", resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"] }],
  });
  assert.deepEqual(policy.rules.at(-1), { level: "Metadata" }, "the last rule is a catch-all at Metadata");
  assert.deepEqual(validateAuditPolicy(policy), []);
});

// Table-driven: [description, request, expected level]
const table: Array<[string, AuditRequest, string]> = [
  ["secret get", { ...alice, verb: "get", resource: "secrets", namespace: "team-a", name: "db" }, "Metadata"],
  ["secret list", { ...alice, verb: "list", resource: "secrets", namespace: "team-a" }, "Metadata"],
  ["secret watch by a kubelet", { ...kubelet, verb: "watch", resource: "secrets", namespace: "team-a" }, "Metadata"],
  ["secret create (body holds the value)", { ...alice, verb: "create", resource: "secrets", namespace: "team-a" }, "Metadata"],
  ["secret patch", { ...alice, verb: "patch", resource: "secrets", namespace: "team-a", name: "db" }, "Metadata"],
  ["configmap update", { ...alice, verb: "update", resource: "configmaps", namespace: "team-a" }, "Metadata"],
  ["service account token request", { ...alice, verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "team-a" }, "Metadata"],
  ["tokenreview", { ...alice, verb: "create", apiGroup: "authentication.k8s.io", resource: "tokenreviews" }, "Metadata"],
  ["serviceaccount create (not the token)", { ...alice, verb: "create", resource: "serviceaccounts", namespace: "team-a" }, "Request"],
  ["pods/exec", { ...alice, verb: "create", resource: "pods", subresource: "exec", namespace: "team-a" }, "Metadata"],
  ["pods/attach over websocket (get)", { ...alice, verb: "get", resource: "pods", subresource: "attach", namespace: "team-a" }, "Metadata"],
  ["pods/portforward", { ...alice, verb: "create", resource: "pods", subresource: "portforward", namespace: "team-a" }, "Metadata"],
  ["nodes/proxy", { ...alice, verb: "get", resource: "nodes", subresource: "proxy" }, "Metadata"],
  ["services/proxy", { ...alice, verb: "get", resource: "services", subresource: "proxy", namespace: "team-a" }, "Metadata"],
  ["ephemeral container", { ...alice, verb: "patch", resource: "pods", subresource: "ephemeralcontainers", namespace: "team-a" }, "Request"],
  ["clusterrolebinding create", { ...alice, verb: "create", apiGroup: "rbac.authorization.k8s.io", resource: "clusterrolebindings" }, "RequestResponse"],
  ["role patch", { ...alice, verb: "patch", apiGroup: "rbac.authorization.k8s.io", resource: "roles", namespace: "team-a" }, "RequestResponse"],
  ["role read", { ...alice, verb: "get", apiGroup: "rbac.authorization.k8s.io", resource: "roles", namespace: "team-a" }, "Metadata"],
  ["deployment create", { ...alice, verb: "create", apiGroup: "apps", resource: "deployments", namespace: "team-a" }, "Request"],
  ["deployment list", { ...alice, verb: "list", apiGroup: "apps", resource: "deployments", namespace: "team-a" }, "Metadata"],
  ["event create", { ...kubelet, verb: "create", resource: "events", namespace: "team-a" }, "Metadata"],
  ["kube-proxy watch endpointslices", { ...proxy, verb: "watch", apiGroup: "discovery.k8s.io", resource: "endpointslices" }, "None"],
  ["kube-proxy reading secrets is still audited", { ...proxy, verb: "watch", resource: "secrets" }, "Metadata"],
  ["kubelet get own node", { ...kubelet, verb: "get", resource: "nodes", name: "worker-1" }, "None"],
  ["kubelet node status patch is a write", { ...kubelet, verb: "patch", resource: "nodes", subresource: "status", name: "worker-1" }, "Request"],
  ["controller-manager lease get", { ...kcm, verb: "get", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-system" }, "None"],
  ["controller-manager lease update", { ...kcm, verb: "update", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-system" }, "Request"],
  ["healthz", { ...alice, verb: "get", path: "/healthz" }, "None"],
  ["readyz subpath", { ...alice, verb: "get", path: "/readyz/etcd" }, "None"],
  ["discovery", { ...alice, verb: "get", path: "/apis/apps/v1" }, "None"],
  ["anonymous healthz probe is logged", { user: "system:anonymous", groups: ["system:unauthenticated"], verb: "get", path: "/healthz" }, "Metadata"],
  ["metrics scrape", { ...alice, verb: "get", path: "/metrics" }, "Metadata"],
  ["anonymous non-resource post", { verb: "post", path: "/logs" }, "Metadata"],
];

for (const [description, request, level] of table) {
  test(`auditLevelFor (generated policy): ${description} -> ${level}`, () => {
    assert.equal(auditLevelFor(policy, request), level);
  });
}

test("auditLevelFor: silenced namespaces, users and groups never hide Secrets, exec or RBAC", () => {
  const p = kubernetesAuditPolicy({ silencedNamespaces: ["monitoring"], silencedUsers: ["system:serviceaccount:monitoring:prometheus"], silencedUserGroups: ["ci"] });
  const prom = { user: "system:serviceaccount:monitoring:prometheus", groups: ["system:serviceaccounts"] };
  const ci = { user: "bot", groups: ["ci"] };
  assert.equal(auditLevelFor(p, { ...prom, verb: "list", resource: "pods", namespace: "team-a" }), "None");
  assert.equal(auditLevelFor(p, { ...ci, verb: "create", apiGroup: "apps", resource: "deployments", namespace: "team-a" }), "None");
  assert.equal(auditLevelFor(p, { ...alice, verb: "create", resource: "pods", namespace: "monitoring" }), "None");
  assert.equal(auditLevelFor(p, { ...alice, verb: "create", resource: "pods", namespace: "team-a" }), "Request");
  assert.equal(auditLevelFor(p, { ...prom, verb: "get", resource: "secrets", namespace: "monitoring" }), "Metadata");
  assert.equal(auditLevelFor(p, { ...ci, verb: "create", resource: "pods", subresource: "exec", namespace: "monitoring" }), "Metadata");
  assert.equal(auditLevelFor(p, { ...ci, verb: "create", apiGroup: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: "monitoring" }), "RequestResponse");
  assert.deepEqual(validateAuditPolicy(p), []);
  assert.deepEqual(p.rules.slice(8, 11), [
    { level: "None", namespaces: ["monitoring"] },
    { level: "None", users: ["system:serviceaccount:monitoring:prometheus"] },
    { level: "None", userGroups: ["ci"] },
  ]);
});

test("property: under any options, every request on a sensitive resource is logged at exactly Metadata", () => {
  const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,9}[a-z0-9])?$/);
  fc.assert(
    fc.property(
      fc.record({
        silencedNamespaces: fc.array(name.filter((n) => n !== "kube-system"), { maxLength: 3 }),
        silencedUsers: fc.array(name, { maxLength: 3 }),
        silencedUserGroups: fc.array(name, { maxLength: 3 }),
      }),
      fc.record({
        user: fc.option(name, { nil: undefined }),
        groups: fc.array(fc.oneof(name, fc.constantFrom("system:nodes", "system:authenticated", "system:masters")), { maxLength: 3 }),
        verb: fc.constantFrom("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"),
        namespace: fc.oneof(name, fc.constant("kube-system"), fc.constant("")),
        target: fc.constantFrom(
          { resource: "secrets" },
          { resource: "configmaps" },
          { resource: "serviceaccounts", subresource: "token" },
          { apiGroup: "authentication.k8s.io", resource: "tokenreviews" },
          { apiGroup: "example.com", resource: "credentials" },
        ),
      }),
      (options, req) => {
        const p = kubernetesAuditPolicy({ ...options, sensitiveResources: [{ group: "example.com", resources: ["credentials"] }] });
        const { target, ...rest } = req;
        assert.equal(auditLevelFor(p, { ...rest, ...target }), "Metadata");
      },
    ),
    { numRuns: 300 },
  );
});

test("evaluator: API server matching semantics (first match, wildcards, namespaces, users, groups, verbs, URLs)", () => {
  const p: AuditPolicy = {
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    rules: [
      { level: "RequestResponse", resources: [{ group: "", resources: ["pods/*"] }] },
      { level: "Request", resources: [{ group: "apps", resources: ["*/scale"] }] },
      { level: "None", resources: [{ group: "", resources: ["configmaps"], resourceNames: ["noisy"] }] },
      { level: "Metadata", namespaces: [""], verbs: ["get"] },
      { level: "Request", users: ["bob"], verbs: ["list"] },
      { level: "RequestResponse", userGroups: ["admins"], resources: [{ group: "apps" }] },
      { level: "None", nonResourceURLs: ["/debug/*", "/exact"] },
      { level: "Metadata", resources: [{ group: "*", resources: ["*"] }] },
    ],
  };
  const at = (r: AuditRequest) => [matchingAuditRule(p, r), auditLevelFor(p, r)];
  // resource/* matches the resource itself and all its subresources
  assert.deepEqual(at({ verb: "get", resource: "pods", namespace: "a" }), [0, "RequestResponse"]);
  assert.deepEqual(at({ verb: "create", resource: "pods", subresource: "exec", namespace: "a" }), [0, "RequestResponse"]);
  // */subresource matches that subresource of any resource in the group, not the resource itself
  assert.deepEqual(at({ user: "x", verb: "update", apiGroup: "apps", resource: "deployments", subresource: "scale", namespace: "a" }), [1, "Request"]);
  assert.deepEqual(at({ user: "x", verb: "update", apiGroup: "apps", resource: "deployments", namespace: "a" }), [-1, "None"]);
  // resourceNames narrow to named objects
  assert.deepEqual(at({ verb: "get", resource: "configmaps", namespace: "a", name: "noisy" }), [2, "None"]);
  assert.deepEqual(at({ verb: "get", resource: "configmaps", namespace: "a", name: "other" }), [-1, "None"]);
  // namespaces [""] matches only cluster-scoped resource requests, never non-resource requests
  assert.deepEqual(at({ verb: "get", resource: "nodes" }), [3, "Metadata"]);
  assert.deepEqual(at({ verb: "get", path: "/exact" }), [6, "None"]);
  // users and groups; an anonymous request (no user) matches neither
  assert.deepEqual(at({ user: "bob", verb: "list", path: "/whatever" }), [4, "Request"]);
  assert.deepEqual(at({ user: "carol", groups: ["admins"], verb: "delete", apiGroup: "apps", resource: "daemonsets", namespace: "a" }), [5, "RequestResponse"]);
  assert.deepEqual(at({ groups: ["admins"], verb: "delete", apiGroup: "apps", resource: "daemonsets", namespace: "a" }), [-1, "None"]);
  // non-resource URLs: trailing * prefix and exact
  assert.deepEqual(at({ verb: "get", path: "/debug/pprof/heap" }), [6, "None"]);
  assert.deepEqual(at({ verb: "get", path: "/exactly" }), [-1, "None"]);
  // group "*" is not a wildcard: the API server compares groups exactly, so nothing reaches rule 7
  assert.deepEqual(at({ verb: "delete", apiGroup: "batch", resource: "jobs", namespace: "a" }), [-1, "None"]);
  assert.deepEqual(validateAuditPolicy(p).filter((m) => m.startsWith("rules[7]")), [
    `rules[7].resources[0].group: must be "" (core) or a DNS-subdomain API group (there is no group wildcard), got "*"`,
  ]);
});

test("validateAuditPolicy: a RequestResponse catch-all moved first is reported for every sensitive resource", () => {
  const reordered: AuditPolicy = { ...policy, rules: [{ level: "RequestResponse" }, ...policy.rules] };
  const problems = validateAuditPolicy(reordered);
  const all = "get, list, watch, create, update, patch, delete, deletecollection";
  const why = "bodies carrying credentials would be written to the audit log (use Metadata)";
  assert.deepEqual(problems, [
    `rules[0]: secrets ${all} requests are logged at RequestResponse: ${why}`,
    `rules[0]: configmaps ${all} requests are logged at RequestResponse: ${why}`,
    `rules[0]: serviceaccounts/token ${all} requests are logged at RequestResponse: ${why}`,
    `rules[0]: tokenreviews.authentication.k8s.io ${all} requests are logged at RequestResponse: ${why}`,
  ]);
});

test("validateAuditPolicy: bodies, silence and missing rules for credentials and remote access are reported", () => {
  const p: AuditPolicy = {
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    rules: [
      { level: "None", users: ["system:kube-proxy"], verbs: ["watch"] },
      { level: "None", namespaces: ["monitoring"] },
      { level: "Request", resources: [{ group: "", resources: ["secrets"] }], verbs: ["create", "update", "patch"] },
      { level: "None", resources: [{ group: "", resources: ["*/exec", "pods/attach"] }] },
      { level: "Metadata", resources: [{ group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] }, { group: "example.com", resources: ["widgets/token"] }] },
      { level: "Metadata", resources: [{ group: "", resources: ["pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy", "pods/ephemeralcontainers"] }] },
    ],
  };
  const problems = validateAuditPolicy(p, { sensitiveResources: [{ group: "example.com", resources: ["widgets/token"] }] });
  const none = "access to credentials is not audited";
  const bodies = "bodies carrying credentials would be written to the audit log (use Metadata)";
  const remote = "commands run in, or tunnels into, workloads are not audited";
  const all = "get, list, watch, create, update, patch, delete, deletecollection";
  assert.deepEqual(problems, [
    `rules[0]: secrets watch requests (for users system:kube-proxy) are logged at None: ${none}`,
    `rules[1]: secrets ${all} requests (for namespaces monitoring) are logged at None: ${none}`,
    `rules[2]: secrets create, update, patch requests are logged at Request: ${bodies}`,
    `rules[0]: configmaps watch requests (for users system:kube-proxy) are logged at None: ${none}`,
    `rules[1]: configmaps ${all} requests (for namespaces monitoring) are logged at None: ${none}`,
    `rules[0]: serviceaccounts/token watch requests (for users system:kube-proxy) are logged at None: ${none}`,
    `rules[1]: serviceaccounts/token ${all} requests (for namespaces monitoring) are logged at None: ${none}`,
    `rules[0]: tokenreviews.authentication.k8s.io watch requests (for users system:kube-proxy) are logged at None: ${none}`,
    `rules: tokenreviews.authentication.k8s.io ${all} requests match no rule and get the default level None: ${none}`,
    `rules[0]: widgets/token.example.com watch requests (for users system:kube-proxy) are logged at None: ${none}`,
    `rules[1]: widgets/token.example.com ${all} requests (for namespaces monitoring) are logged at None: ${none}`,
    `rules[0]: pods/exec watch requests (for users system:kube-proxy) are logged at None: ${remote}`,
    `rules[1]: pods/exec ${all} requests (for namespaces monitoring) are logged at None: ${remote}`,
    `rules[3]: pods/exec ${all} requests are logged at None: ${remote}`,
    `rules[0]: pods/attach watch requests (for users system:kube-proxy) are logged at None: ${remote}`,
    `rules[1]: pods/attach ${all} requests (for namespaces monitoring) are logged at None: ${remote}`,
    `rules[3]: pods/attach ${all} requests are logged at None: ${remote}`,
    ...["pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy", "pods/ephemeralcontainers"].flatMap((r) => [
      `rules[0]: ${r} watch requests (for users system:kube-proxy) are logged at None: ${remote}`,
      // nodes are cluster-scoped: a rule restricted to named namespaces never matches nodes/proxy
      ...(r === "nodes/proxy" ? [] : [`rules[1]: ${r} ${all} requests (for namespaces monitoring) are logged at None: ${remote}`]),
    ]),
  ]);
});

test("validateAuditPolicy: structural problems the API server rejects", () => {
  const bad = {
    apiVersion: "audit.k8s.io/v1beta1",
    kind: "Policy",
    omitStages: ["RequestRecieved"],
    rules: [
      { level: "Everything" },
      { level: "None", nonResourceURLs: ["healthz", "/a*b"], namespaces: ["x"] },
      { level: "Metadata", resources: [{ group: "rbac.authorization.k8s.io/v1", resourceNames: ["x"] }], extra: true },
    ],
  } as unknown as AuditPolicy;
  assert.deepEqual(validateAuditPolicy(bad), [
    `apiVersion: must be "audit.k8s.io/v1", got "audit.k8s.io/v1beta1"`,
    `omitStages[0]: must be one of RequestReceived, ResponseStarted, ResponseComplete, Panic, got "RequestRecieved"`,
    `rules[0].level: must be one of None, Metadata, Request, RequestResponse, got "Everything"`,
    `rules[1].nonResourceURLs[0]: must begin with "/", got "healthz"`,
    `rules[1].nonResourceURLs[1]: '*' is only allowed as the final character, got "/a*b"`,
    "rules[1].nonResourceURLs: a rule cannot apply to both resources/namespaces and non-resource URLs",
    "rules[2].extra: unknown field",
    `rules[2].resources[0].group: must be "" (core) or a DNS-subdomain API group (there is no group wildcard), got "rbac.authorization.k8s.io/v1"`,
    "rules[2].resources[0].resourceNames: requires at least one resource",
  ]);
  assert.deepEqual(validateAuditPolicy({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [] }), [
    "rules: must have at least one rule (the API server rejects an empty policy)",
  ]);
});

test("kubernetesAuditPolicy: invalid options throw naming each field", () => {
  assert.throws(
    () =>
      kubernetesAuditPolicy({
        silencedNamespaces: ["kube-system", "Team_A"],
        silencedUserGroups: ["system:authenticated"],
        sensitiveResources: [{ group: "example.com", resources: ["/api/v1/secrets", "Widgets"] }, { group: "bad group", resources: [] }],
      }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentsError);
      assert.deepEqual(e.problems, [
        "silencedNamespaces[0]: kube-system holds the control plane's credentials and cannot be silenced",
        `silencedNamespaces[1]: must be an RFC 1123 label (a namespace name), got "Team_A"`,
        `silencedUserGroups[0]: silencing system:authenticated would hide most of the cluster's traffic, got "system:authenticated"`,
        `sensitiveResources[0].resources[0]: must be a resource name such as "widgets" or "widgets/token", not a non-resource URL, got "/api/v1/secrets"`,
        `sensitiveResources[0].resources[1]: must be a lower-case resource name with an optional "/subresource" (no wildcards), got "Widgets"`,
        `sensitiveResources[1].group: must be "" (core) or an API group name (DNS subdomain), got "bad group"`,
        "sensitiveResources[1].resources: must list at least one resource",
      ]);
      return true;
    },
  );
  assert.throws(() => kubernetesAuditPolicy({ silenceNamespaces: ["x"] } as never), /silenceNamespaces: unknown field/);
});

test("kubernetesAuditPolicy: extra sensitive resources join the Metadata rule, merged per group", () => {
  const p = kubernetesAuditPolicy({ sensitiveResources: [{ group: "example.com", resources: ["credentials"] }, { resources: ["secrets", "pods/log"] }] });
  assert.deepEqual(p.rules[4].resources, [
    { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token", "pods/log"] },
    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
    { group: "example.com", resources: ["credentials"] },
  ]);
  assert.equal(auditLevelFor(p, { ...alice, verb: "get", apiGroup: "example.com", resource: "credentials", namespace: "a" }), "Metadata");
  assert.deepEqual(validateAuditPolicy(p, { sensitiveResources: [{ group: "example.com", resources: ["credentials"] }] }), []);
  // the default policy does not cover it: validation with the option reports it
  assert.match(validateAuditPolicy(policy, { sensitiveResources: [{ group: "example.com", resources: ["credentials"] }] }).join("\n"), /rules\[9\]: credentials\.example\.com create, update, patch, delete, deletecollection requests are logged at Request/);
  assert.deepEqual(validateAuditPolicy(policy, { sensitiveResources: [{ resources: ["/metrics"] }] }), [
    `options.sensitiveResources[0].resources[0]: must be a resource name such as "widgets" or "widgets/token", not a non-resource URL, got "/metrics"`,
  ]);
});

test("auditPolicyYaml: round-trips, no YAML anchors", () => {
  const yaml = auditPolicyYaml(policy);
  assert.ok(yaml.startsWith("apiVersion: audit.k8s.io/v1\nkind: Policy\n"));
  assert.doesNotMatch(yaml, /[&*]a\d/);
  assert.deepEqual(parse(yaml), policy);
});

test("apiServerAuditFlags: CIS defaults, overrides and minimums", () => {
  assert.deepEqual(apiServerAuditFlags(), [
    "--audit-policy-file=/etc/kubernetes/audit/policy.yaml",
    "--audit-log-path=/var/log/kubernetes/audit/audit.log",
    "--audit-log-format=json",
    "--audit-log-maxage=30",
    "--audit-log-maxbackup=10",
    "--audit-log-maxsize=100",
  ]);
  assert.deepEqual(apiServerAuditFlags({ logPath: "/var/log/audit.log", maxAgeDays: 90 }).slice(1, 4), [
    "--audit-log-path=/var/log/audit.log",
    "--audit-log-format=json",
    "--audit-log-maxage=90",
  ]);
  assert.throws(
    () => apiServerAuditFlags({ policyFile: "policy.yaml", maxAgeDays: 7, maxBackups: 2, maxSizeMegabytes: 99.5 }),
    (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentsError);
      assert.deepEqual(e.problems, [
        `policyFile: must be an absolute path without spaces, got "policy.yaml"`,
        "maxAgeDays: must be an integer >= 30 (CIS Kubernetes Benchmark), got 7",
        "maxBackups: must be an integer >= 10 (CIS Kubernetes Benchmark), got 2",
        "maxSizeMegabytes: must be an integer >= 100 (CIS Kubernetes Benchmark), got 99.5",
      ]);
      return true;
    },
  );
});

test("validateAuditPolicy: namespace-restricted rules are judged by where the resource lives", () => {
  const clusterScopedSilenced: AuditPolicy = { ...policy, rules: [{ level: "None", namespaces: [""] }, ...policy.rules] };
  const all = "get, list, watch, create, update, patch, delete, deletecollection";
  assert.deepEqual(validateAuditPolicy(clusterScopedSilenced), [
    `rules[0]: tokenreviews.authentication.k8s.io ${all} requests are logged at None: access to credentials is not audited`,
    `rules[0]: nodes/proxy ${all} requests are logged at None: commands run in, or tunnels into, workloads are not audited`,
  ]);
  assert.equal(auditLevelFor(clusterScopedSilenced, { ...alice, verb: "create", apiGroup: "authentication.k8s.io", resource: "tokenreviews" }), "None");
  assert.equal(auditLevelFor(clusterScopedSilenced, { ...alice, verb: "get", resource: "secrets", namespace: "a" }), "Metadata");
});

test("validateAuditPolicy: omitting both RequestReceived and ResponseComplete leaves sensitive requests without events", () => {
  const rules = policy.rules.map((r, i) => (i === 4 ? { ...r, omitStages: ["ResponseComplete" as const] } : r));
  const problems = validateAuditPolicy({ ...policy, rules });
  const all = "get, list, watch, create, update, patch, delete, deletecollection";
  const how = "Metadata but omitStages drops RequestReceived and ResponseComplete, so no event is written";
  assert.deepEqual(problems, [
    `rules[4]: secrets ${all} requests are logged at ${how}: access to credentials is not audited`,
    `rules[4]: configmaps ${all} requests are logged at ${how}: access to credentials is not audited`,
    `rules[4]: serviceaccounts/token ${all} requests are logged at ${how}: access to credentials is not audited`,
    `rules[4]: tokenreviews.authentication.k8s.io ${all} requests are logged at ${how}: access to credentials is not audited`,
  ]);
  // omitting ResponseComplete alone still leaves the RequestReceived event
  assert.deepEqual(validateAuditPolicy({ ...policy, omitStages: [], rules }), []);
});
