import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentsError, SecretStore } from "../../../components";
import { validateSecretStore, type ClusterSecretStoreConditionArgs } from "../../../components/external-secrets/secretStore";
import { runProgram, unwrap } from "../../harness/pulumi";
import { validateEsoObject } from "./models";

const CR_STORE = "kubernetes:external-secrets.io/v1:SecretStore";
const CR_CLUSTER_STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n";

test("SecretStore: namespaced Vault store with Kubernetes auth, KV v2 and a CA bundle, valid against the ESO model", async () => {
  let store: SecretStore | undefined;
  const stack = await runProgram(() => {
    store = new SecretStore("vault", {
      namespace: "apps",
      storeName: "vault-kv",
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
        auth: { kubernetes: { mountPath: "kubernetes", role: "external-secrets" } },
      },
    },
  });
  await validateEsoObject(cr.inputs);
  assert.equal(await unwrap(store!.kind), "SecretStore");
  assert.equal(await unwrap(store!.storeName), "vault-kv");
});

test("SecretStore: ClusterSecretStores for aws, gcpsm and azurekv carry their namespace conditions and validate", async () => {
  const stack = await runProgram(() => {
    new SecretStore("aws", {
      clusterScoped: true,
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
      provider: { azurekv: { vaultUrl: "https://prod-kv.vault.azure.net", tenantId: "00000000-0000-0000-0000-000000000000" } },
      allowAllNamespaces: true,
    });
    new SecretStore("aws-ns", { namespace: "apps", provider: { aws: { region: "us-east-1", serviceAccountRef: { name: "app-reader" } } } });
  });
  const aws = stack.one(CR_CLUSTER_STORE, "aws-store");
  assert.equal(aws.inputs.metadata.namespace, undefined);
  assert.deepEqual(aws.inputs.spec, {
    provider: { aws: { service: "ParameterStore", region: "eu-west-1", role: "arn:aws:iam::123456789012:role/reader" } },
    conditions: [{ namespaces: ["payments", "orders"] }, { namespaceSelector: { matchLabels: { "secrets.example.com/aws": "true" } } }],
  });
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
      azurekv: { vaultUrl: "https://prod-kv.vault.azure.net", authType: "WorkloadIdentity", tenantId: "00000000-0000-0000-0000-000000000000", environmentType: "PublicCloud" },
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
      () => new SecretStore("open", { clusterScoped: true, provider: { aws: { region: "us-east-1" } } }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "conditions: a ClusterSecretStore must restrict the namespaces that may use it (or set allowAllNamespaces: true to opt in)",
        ]);
        return true;
      },
    );
    assert.throws(
      () => new SecretStore("v", { namespace: "apps", provider: { vault: { server: "http://vault:8200", auth: { kubernetes: {} as never } } } }),
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
          provider: { vault: { server: "https://v", caProvider: { type: "ConfigMap", name: "ca", key: "ca.crt", namespace: "vault" }, auth: { kubernetes: { role: "r" } } } },
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
  const store = (conditions: ClusterSecretStoreConditionArgs[]) => validateSecretStore({ clusterScoped: true, provider: { aws: { region: "us-east-1" } }, conditions });
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
