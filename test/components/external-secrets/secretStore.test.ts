import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentsError, SecretStore, type SecretStoreArgs } from "../../../components";
import { validateSecretStore, type ClusterSecretStoreConditionArgs } from "../../../components/external-secrets/secretStore";
import { runProgram, unwrap } from "../../harness/pulumi";
import { validateEsoObject } from "./models";

const CR_STORE = "kubernetes:external-secrets.io/v1:SecretStore";
const CR_CLUSTER_STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n";

// ESO's Vault provider (providers/v1/vault/auth.go createServiceAccountToken) mints a token for
// serviceAccountRef with exactly serviceAccountRef.audiences; vault-plugin-auth-kubernetes path_login.go then
// checks the role's audience is among the token's. The store's own account, its token Role and binding
// are exactly what the controller needs (TokenRequest = create on serviceaccounts/token, name in the URL).
test("SecretStore: namespaced Vault store as its own service account (audience vault), token Role for exactly that account, KV v2, CA bundle, valid against the ESO model", async () => {
  let store: SecretStore | undefined;
  const stack = await runProgram(() => {
    store = new SecretStore("vault", {
      namespace: "apps",
      storeName: "vault-kv",
      serviceAccount: { audiences: ["vault"], controllerNamespace: "eso", controllerServiceAccountName: "eso-controller" },
      provider: { vault: { server: "https://vault.vault.svc:8200", caBundle: PEM, auth: { kubernetes: { role: "external-secrets" } } } },
    });
  });
  const cr = stack.one(CR_STORE, "vault-store");
  assert.equal(cr.parent, stack.one("kube-secrets-platform:index:SecretStore", "vault").urn);
  assert.equal(cr.inputs.apiVersion, "external-secrets.io/v1");
  assert.equal(cr.inputs.metadata.name, "vault-kv");
  assert.equal(cr.inputs.metadata.namespace, "apps");
  assert.deepEqual(cr.inputs.spec, {
    provider: {
      vault: {
        server: "https://vault.vault.svc:8200",
        path: "secret",
        version: "v2",
        caBundle: Buffer.from(PEM).toString("base64"),
        auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets", serviceAccountRef: { name: "eso-vault-kv", audiences: ["vault"] } } },
      },
    },
  });
  await validateEsoObject(cr.inputs);
  const sa = stack.one("kubernetes:core/v1:ServiceAccount", "vault-sa");
  assert.deepEqual({ name: sa.inputs.metadata.name, namespace: sa.inputs.metadata.namespace, automount: sa.inputs.automountServiceAccountToken }, { name: "eso-vault-kv", namespace: "apps", automount: false });
  const role = stack.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "vault-token-role");
  assert.deepEqual({ name: role.inputs.metadata.name, namespace: role.inputs.metadata.namespace, rules: role.inputs.rules }, {
    name: "eso-vault-kv-token",
    namespace: "apps",
    rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: ["eso-vault-kv"] }],
  });
  const binding = stack.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "vault-token-binding");
  assert.deepEqual({ namespace: binding.inputs.metadata.namespace, roleRef: binding.inputs.roleRef, subjects: binding.inputs.subjects }, {
    namespace: "apps",
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "eso-vault-kv-token" },
    subjects: [{ kind: "ServiceAccount", name: "eso-controller", namespace: "eso" }],
  });
  assert.ok(cr.options.dependsOn.includes(sa.urn) && cr.options.dependsOn.includes(binding.urn), "the store waits for its account and the token grant");
  assert.equal(await unwrap(store!.kind), "SecretStore");
  assert.equal(await unwrap(store!.storeName), "vault-kv");
});

test("SecretStore: ClusterSecretStores for aws, gcpsm and azurekv carry their namespace conditions and validate", async () => {
  const stack = await runProgram(() => {
    new SecretStore("aws", {
      clusterScoped: true,
      serviceAccount: { namespace: "external-secrets", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso-store" } },
      provider: { aws: { region: "eu-west-1", service: "ParameterStore", role: "arn:aws:iam::123456789012:role/reader" } },
      conditions: [{ namespaces: ["payments", "orders"] }, { namespaceSelector: { matchLabels: { "secrets.example.com/aws": "true" } } }],
    });
    new SecretStore("gcp", {
      clusterScoped: true,
      provider: {
        gcpsm: {
          projectId: "secrets-prod",
          workloadIdentity: { clusterLocation: "europe-west1", clusterName: "gke", clusterProjectId: "platform", serviceAccountRef: { name: "eso-gcp", namespace: "external-secrets" } },
        },
      },
      conditions: [{ namespaceRegexes: ["^team-a-.*$"] }],
    });
    new SecretStore("az", {
      clusterScoped: true,
      provider: { azurekv: { vaultUrl: "https://prod-kv.vault.azure.net", tenantId: "00000000-0000-0000-0000-000000000000", serviceAccountRef: { name: "eso-az", namespace: "external-secrets" } } },
      allowAllNamespaces: true,
    });
    new SecretStore("aws-ns", { namespace: "apps", provider: { aws: { region: "us-east-1", serviceAccountRef: { name: "app-reader" } } } });
  });
  const aws = stack.one(CR_CLUSTER_STORE, "aws-store");
  assert.equal(aws.inputs.metadata.namespace, undefined);
  assert.deepEqual(aws.inputs.spec, {
    provider: {
      aws: {
        service: "ParameterStore",
        region: "eu-west-1",
        role: "arn:aws:iam::123456789012:role/reader",
        auth: { jwt: { serviceAccountRef: { name: "eso-aws", namespace: "external-secrets" } } },
      },
    },
    conditions: [{ namespaces: ["payments", "orders"] }, { namespaceSelector: { matchLabels: { "secrets.example.com/aws": "true" } } }],
  });
  const awsSa = stack.one("kubernetes:core/v1:ServiceAccount", "aws-sa");
  assert.deepEqual(awsSa.inputs.metadata.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eso-store" });
  assert.equal(awsSa.inputs.metadata.namespace, "external-secrets", "a cluster store's account lives where only platform admins can edit");
  assert.deepEqual(stack.one(CR_CLUSTER_STORE, "gcp-store").inputs.spec, {
    provider: {
      gcpsm: {
        projectID: "secrets-prod",
        auth: {
          workloadIdentity: {
            clusterLocation: "europe-west1",
            clusterName: "gke",
            clusterProjectID: "platform",
            serviceAccountRef: { name: "eso-gcp", namespace: "external-secrets" },
          },
        },
      },
    },
    conditions: [{ namespaceRegexes: ["^team-a-.*$"] }],
  });
  assert.deepEqual(stack.one(CR_CLUSTER_STORE, "az-store").inputs.spec, {
    provider: {
      azurekv: {
        vaultUrl: "https://prod-kv.vault.azure.net",
        authType: "WorkloadIdentity",
        tenantId: "00000000-0000-0000-0000-000000000000",
        environmentType: "PublicCloud",
        serviceAccountRef: { name: "eso-az", namespace: "external-secrets" },
      },
    },
  });
  assert.deepEqual(stack.one(CR_STORE, "aws-ns-store").inputs.spec, {
    provider: { aws: { service: "SecretsManager", region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "app-reader" } } } } },
  });
  for (const r of [...stack.all(CR_CLUSTER_STORE), ...stack.all(CR_STORE)]) await validateEsoObject(r.inputs);
});

test("SecretStore: an unconditioned ClusterSecretStore, a Vault store without a role and other mistakes are rejected by field", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () => new SecretStore("open", { clusterScoped: true, allowControllerIdentity: true, provider: { aws: { region: "us-east-1" } } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "conditions: a ClusterSecretStore must restrict the namespaces that may use it (or set allowAllNamespaces: true to opt in)",
        ]);
        return true;
      },
    );
    assert.throws(
      () => new SecretStore("v", { namespace: "apps", serviceAccount: {}, provider: { vault: { server: "http://vault:8200", auth: { kubernetes: {} as never } } } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "provider.vault.server: must be an https:// URL (Vault tokens must not cross the network in clear text)",
          "provider.vault.auth.kubernetes.role: required (the Vault role bound to the service account)",
        ]);
        return true;
      },
    );
    assert.throws(
      () =>
        new SecretStore("c", {
          clusterScoped: true,
          provider: { aws: { region: "us-east-1" }, gcpsm: { projectId: "p" } },
          serviceAccount: { namespace: "external-secrets" },
          conditions: [{ namespaceSelector: {} }, { namespaceRegexes: [".*"] }, {}],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "provider: set exactly one of aws, gcpsm, azurekv, vault, got aws, gcpsm",
          "conditions[0]: must name namespaces, a non-empty namespaceSelector or namespaceRegexes",
          "conditions[0].namespaceSelector: an empty selector matches every namespace",
          "conditions[2]: must name namespaces, a non-empty namespaceSelector or namespaceRegexes",
          'conditions[1].namespaceRegexes[0]: ".*" matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")',
        ]);
        return true;
      },
    );
    assert.throws(
      () =>
        new SecretStore("n", {
          provider: { vault: { server: "https://v", caProvider: { type: "ConfigMap", name: "ca", key: "ca.crt", namespace: "vault" }, auth: { kubernetes: { role: "r", serviceAccountRef: { name: "s" } } } } },
          conditions: [{ namespaces: ["a"] }],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "namespace: required for a namespaced SecretStore",
          "conditions: only a ClusterSecretStore has namespace conditions",
          "provider.vault.caProvider.namespace: a SecretStore reads its CA from its own namespace",
        ]);
        return true;
      },
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("SecretStore: conditions that admit every namespace as ESO matches them (unanchored regexes, selectors) are rejected; restricting twins pass", () => {
  const store = (conditions: ClusterSecretStoreConditionArgs[]) => validateSecretStore({ clusterScoped: true, provider: { aws: { region: "us-east-1", serviceAccountRef: { name: "eso-aws", namespace: "external-secrets" } } }, conditions });
  for (const r of ["", "^", ".*.*", "(.*)", "a|.*", "[a-z0-9-]*", "[a-z0-9]", "\\w"]) {
    assert.deepEqual(store([{ namespaceRegexes: ["^team-a$", r] }]), [
      `conditions[0].namespaceRegexes[1]: ${JSON.stringify(r)} matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")`,
    ], r);
  }
  assert.deepEqual(store([{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "Exists" }] } }]), [
    "conditions[0].namespaceSelector: selector kubernetes.io/metadata.name Exists matches every namespace that carries no other label (a new namespace), so it restricts nothing",
  ]);
  assert.deepEqual(store([{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] }] } }]), [
    "conditions[0].namespaceSelector: selector kubernetes.io/metadata.name NotIn (kube-system) matches every namespace that carries no other label (a new namespace), so it restricts nothing",
  ]);
  assert.deepEqual(store([{ namespaceRegexes: ["(unclosed"] }]), ['conditions[0].namespaceRegexes[0]: not a valid Go regular expression (missing )), got "(unclosed"']);
  // Least-privilege twins.
  assert.deepEqual(store([{ namespaceRegexes: ["^team-(a|b)$", "^billing$"] }]), []);
  assert.deepEqual(store([{ namespaceSelector: { matchLabels: { "platform.example.com/team": "a" } } }, { namespaces: ["apps"] }]), []);
  assert.deepEqual(store([{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["apps"] }] } }]), []);
});

// The hole: a store with no auth block authenticates as ESO's controller (its cloud identity or its own
// Vault token); ESO aggregates creating stores into `edit`, so anyone with `edit` anywhere reads what the
// controller reaches. Each provider's twin names the store's own account and passes.
test("SecretStore: a store without its own service account is refused for every provider; a cluster store's account needs a namespace", async () => {
  const stack = await runProgram(() => {
    const ambient: Array<[string, SecretStoreArgs["provider"], string]> = [
      ["aws", { aws: { region: "us-east-1" } }, "provider.aws.serviceAccountRef"],
      ["gcp", { gcpsm: { projectId: "p" } }, "provider.gcpsm.workloadIdentity.serviceAccountRef"],
      ["az", { azurekv: { vaultUrl: "https://kv.vault.azure.net" } }, "provider.azurekv.serviceAccountRef"],
      ["vault", { vault: { server: "https://vault:8200", auth: { kubernetes: { role: "r" } } } }, "provider.vault.auth.kubernetes.serviceAccountRef"],
    ];
    for (const [name, provider, field] of ambient) {
      assert.throws(
        () => new SecretStore(name, { namespace: "apps", provider }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentsError);
          assert.deepEqual(e.problems, [
            `serviceAccount: the store has no service account of its own and would authenticate as ESO's controller (anyone who may create a store reads what the controller can); set serviceAccount or ${field}, or allowControllerIdentity: true to opt in`,
          ]);
          return true;
        },
      );
    }
    assert.throws(
      () =>
        new SecretStore("referent", {
          clusterScoped: true,
          provider: { aws: { region: "us-east-1", serviceAccountRef: { name: "eso-aws" } } },
          conditions: [{ namespaces: ["payments"] }],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "provider.aws.serviceAccountRef.namespace: required on a ClusterSecretStore (without it ESO uses each ExternalSecret's namespace, so every admitted namespace picks the account)",
        ]);
        return true;
      },
    );
    assert.throws(
      () => new SecretStore("both", { namespace: "apps", serviceAccount: { namespace: "other" }, provider: { aws: { region: "us-east-1", serviceAccountRef: { name: "x" } } } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "provider.aws.serviceAccountRef: set either this or serviceAccount (the store's own account), not both",
          `serviceAccount.namespace: a SecretStore's account lives in its own namespace apps, got "other"`,
        ]);
        return true;
      },
    );
    assert.throws(
      () => new SecretStore("cs", { clusterScoped: true, serviceAccount: {}, provider: { aws: { region: "us-east-1" } }, conditions: [{ namespaces: ["a"] }] }),
      /serviceAccount\.namespace: required for a ClusterSecretStore/,
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("SecretStore: the least-privilege twins (own account per provider, GCP cluster fields, opt-in to the controller's identity) pass and validate", async () => {
  const stack = await runProgram(() => {
    new SecretStore("gcp", {
      namespace: "payments",
      serviceAccount: { annotations: { "iam.gke.io/gcp-service-account": "eso@p.iam.gserviceaccount.com" } },
      provider: { gcpsm: { projectId: "p", workloadIdentity: { clusterLocation: "us-central1", clusterName: "prod", clusterProjectId: "p" } } },
    });
    new SecretStore("legacy", { namespace: "payments", allowControllerIdentity: true, provider: { aws: { region: "us-east-1" } } });
  });
  const gcp = stack.one(CR_STORE, "gcp-store");
  assert.deepEqual(gcp.inputs.spec.provider, {
    gcpsm: {
      projectID: "p",
      auth: { workloadIdentity: { clusterLocation: "us-central1", clusterName: "prod", clusterProjectID: "p", serviceAccountRef: { name: "eso-gcp" } } },
    },
  });
  await validateEsoObject(gcp.inputs);
  assert.deepEqual(stack.one("kubernetes:core/v1:ServiceAccount", "gcp-sa").inputs.metadata.annotations, { "iam.gke.io/gcp-service-account": "eso@p.iam.gserviceaccount.com" });
  assert.deepEqual(stack.one(CR_STORE, "legacy-store").inputs.spec.provider, { aws: { service: "SecretsManager", region: "us-east-1" } });
  assert.deepEqual(stack.all("kubernetes:core/v1:ServiceAccount").map((r) => r.name), ["gcp-sa"], "the opt-in store creates no account");
});
