import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterExternalSecret, ExternalSecret, InvalidArgumentsError, PushSecret } from "../../../components";
import { goDuration, goDurationSeconds as parseGoDuration } from "../../../components/internal/duration";
import { runProgram } from "../../harness/pulumi";
import { validateEsoObject } from "./models";

test("ExternalSecret: secure, cost-aware defaults (1h, Orphan: removing it keeps the Secret, Retain) and a template; valid against the ESO model", async () => {
  const stack = await runProgram(() => {
    new ExternalSecret("db", {
      namespace: "apps",
      storeRef: { name: "vault-kv" },
      data: [
        { secretKey: "username", remoteRef: { key: "apps/db", property: "username" } },
        { secretKey: "password", remoteRef: { key: "apps/db", property: "password" } },
      ],
    });
    new ExternalSecret("registry", {
      namespace: "apps",
      externalSecretName: "registry-creds",
      storeRef: { name: "aws", kind: "ClusterSecretStore" },
      refreshInterval: "15m",
      refreshPolicy: "OnChange",
      target: {
        name: "regcred",
        creationPolicy: "Merge",
        deletionPolicy: "Delete",
        immutable: false,
        template: { type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": "{{ .config }}" }, labels: { team: "a" } },
      },
      dataFrom: [{ extract: { key: "prod/registry" } }, { find: { nameRegexp: "^prod/shared/", tags: { team: "a" } } }],
    });
  });
  const db = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret", "db-external-secret");
  assert.equal(db.parent, stack.one("kube-secrets-platform:index:ExternalSecret", "db").urn);
  assert.equal(db.inputs.metadata.name, "db");
  assert.equal(db.inputs.metadata.namespace, "apps");
  assert.deepEqual(db.inputs.spec, {
    secretStoreRef: { name: "vault-kv", kind: "SecretStore" },
    refreshInterval: "1h",
    // external-secrets apis/externalsecrets/v1/externalsecret_types.go: Orphan sets no ownerReference, so the
    // Secret outlives the ExternalSecret (Owner would let the garbage collector delete it on removal).
    target: { creationPolicy: "Orphan", deletionPolicy: "Retain" },
    data: [
      { secretKey: "username", remoteRef: { key: "apps/db", property: "username" } },
      { secretKey: "password", remoteRef: { key: "apps/db", property: "password" } },
    ],
  });
  const reg = stack.one("kubernetes:external-secrets.io/v1:ExternalSecret", "registry-external-secret");
  assert.equal(reg.inputs.metadata.name, "registry-creds");
  assert.deepEqual(reg.inputs.spec, {
    secretStoreRef: { name: "aws", kind: "ClusterSecretStore" },
    refreshInterval: "15m",
    refreshPolicy: "OnChange",
    target: {
      name: "regcred",
      creationPolicy: "Merge",
      deletionPolicy: "Delete",
      immutable: false,
      template: {
        type: "kubernetes.io/dockerconfigjson",
        engineVersion: "v2",
        mergePolicy: "Replace",
        data: { ".dockerconfigjson": "{{ .config }}" },
        metadata: { labels: { team: "a" } },
      },
    },
    dataFrom: [{ extract: { key: "prod/registry" } }, { find: { name: { regexp: "^prod/shared/" }, tags: { team: "a" } } }],
  });
  for (const r of stack.all("kubernetes:external-secrets.io/v1:ExternalSecret")) await validateEsoObject(r.inputs);
});

test("ExternalSecret: refreshInterval below 1m is rejected unless opted in; other mistakes name their field", async () => {
  const stack = await runProgram(() => {
    const base = { namespace: "apps", storeRef: { name: "s" }, data: [{ secretKey: "k", remoteRef: { key: "x" } }] };
    assert.throws(
      () => new ExternalSecret("fast", { ...base, refreshInterval: "10s" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `refreshInterval: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "10s"`,
        ]);
        return true;
      },
    );
    assert.throws(
      () =>
        new ExternalSecret("bad", {
          namespace: "apps",
          storeRef: { name: "s", kind: "Vault" },
          refreshInterval: "hourly",
          target: { creationPolicy: "Always" },
          dataFrom: [{ find: {} }, { extract: { key: "a" }, find: { path: "b" } }],
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `storeRef.kind: must be one of SecretStore, ClusterSecretStore, got "Vault"`,
          `target.creationPolicy: must be one of Owner, Orphan, Merge, None, got "Always"`,
          `refreshInterval: must be a Go duration such as 1h or 15m, got "hourly"`,
          "dataFrom[0].find: set nameRegexp, tags or path (an empty find reads every secret the store can)",
          "dataFrom[1]: set exactly one of extract, find",
        ]);
        return true;
      },
    );
    assert.throws(() => new ExternalSecret("empty", { namespace: "apps", storeRef: { name: "s" } }), /data: set data or dataFrom/);
    assert.throws(
      () => new ExternalSecret("dup", { ...base, data: [...base.data, { secretKey: "k", remoteRef: { key: "y" } }] }),
      /data\[1\]\.secretKey: duplicate key "k"/,
    );
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);

  const allowed = await runProgram(() => {
    new ExternalSecret("fast", { namespace: "apps", storeRef: { name: "s" }, refreshInterval: "30s", allowFastRefresh: true, data: [{ secretKey: "k", remoteRef: { key: "x" } }] });
    new ExternalSecret("once", { namespace: "apps", storeRef: { name: "s" }, refreshInterval: "0s", data: [{ secretKey: "k", remoteRef: { key: "x" } }] });
  });
  assert.equal(allowed.one("kubernetes:external-secrets.io/v1:ExternalSecret", "fast-external-secret").inputs.spec.refreshInterval, "30s");
  assert.equal(allowed.one("kubernetes:external-secrets.io/v1:ExternalSecret", "once-external-secret").inputs.spec.refreshInterval, "0s");
});

test("parseGoDuration reads Go durations", () => {
  assert.equal(parseGoDuration("1h30m"), 5400);
  assert.equal(parseGoDuration("59s"), 59);
  assert.equal(parseGoDuration("1m0s"), 60);
  assert.equal(parseGoDuration("500ms"), 0.5);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("1d"), undefined);
  assert.equal(parseGoDuration(""), undefined);
});

test("goDuration: positive Go durations (fractions too), 0 only when allowed, the given message otherwise", () => {
  const every = goDuration("must be a Go duration such as 2m");
  for (const ok of ["2m", "1.5m", "1h30m", "500ms"]) assert.equal(every.safeParse(ok).success, true, ok);
  for (const bad of ["0", "-1m", "2 minutes", "1d", ""]) {
    assert.deepEqual(every.safeParse(bad).error?.issues.map((i) => i.message), ["must be a Go duration such as 2m"], bad);
  }
  assert.equal(goDuration("m", { allowZero: true }).safeParse("0").success, true);
});

test("ClusterExternalSecret: non-empty namespace selectors and the ExternalSecret defaults; valid against the ESO model", async () => {
  const stack = await runProgram(() => {
    new ClusterExternalSecret("shared-ca", {
      namespaceSelectors: [{ matchLabels: { "secrets.example.com/shared-ca": "true" } }],
      refreshTime: "5m",
      externalSecretSpec: { storeRef: { name: "vault", kind: "ClusterSecretStore" }, data: [{ secretKey: "ca.crt", remoteRef: { key: "pki/ca", property: "pem" } }] },
    });
  });
  const ces = stack.one("kubernetes:external-secrets.io/v1:ClusterExternalSecret", "shared-ca-cluster-external-secret");
  assert.deepEqual(ces.inputs.spec, {
    externalSecretName: "shared-ca",
    namespaceSelectors: [{ matchLabels: { "secrets.example.com/shared-ca": "true" } }],
    refreshTime: "5m",
    externalSecretSpec: {
      secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
      refreshInterval: "1h",
      target: { creationPolicy: "Orphan", deletionPolicy: "Retain" },
      data: [{ secretKey: "ca.crt", remoteRef: { key: "pki/ca", property: "pem" } }],
    },
  });
  await validateEsoObject(ces.inputs);

  await runProgram(() => {
    assert.throws(
      () =>
        new ClusterExternalSecret("everywhere", {
          namespaceSelectors: [{}],
          externalSecretSpec: { storeRef: { name: "v" }, refreshInterval: "5s", data: [{ secretKey: "a", remoteRef: { key: "b" } }] },
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "namespaceSelectors[0]: an empty selector matches every namespace",
          `externalSecretSpec.refreshInterval: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "5s"`,
        ]);
        return true;
      },
    );
    assert.throws(
      () => new ClusterExternalSecret("none", { externalSecretSpec: { storeRef: { name: "v" }, data: [{ secretKey: "a", remoteRef: { key: "b" } }] } }),
      /namespaceSelectors: select the target namespaces \(namespaceSelectors or namespaces\)/,
    );
  });
});

test("PushSecret: v1alpha1 with Replace/None defaults; valid against the ESO model; fast refresh rejected", async () => {
  const stack = await runProgram(() => {
    new PushSecret("backup-key", {
      namespace: "apps",
      storeRefs: [{ name: "aws-backup", kind: "ClusterSecretStore" }],
      secretName: "signing-key",
      data: [{ secretKey: "tls.key", remoteKey: "prod/signing-key", property: "key" }],
    });
  });
  const ps = stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret", "backup-key-push-secret");
  assert.equal(ps.inputs.apiVersion, "external-secrets.io/v1alpha1");
  assert.equal(ps.inputs.metadata.namespace, "apps");
  assert.deepEqual(ps.inputs.spec, {
    refreshInterval: "1h",
    updatePolicy: "Replace",
    deletionPolicy: "None",
    secretStoreRefs: [{ name: "aws-backup", kind: "ClusterSecretStore" }],
    selector: { secret: { name: "signing-key" } },
    data: [{ match: { secretKey: "tls.key", remoteRef: { remoteKey: "prod/signing-key", property: "key" } } }],
  });
  await validateEsoObject(ps.inputs);

  await runProgram(() => {
    assert.throws(
      () => new PushSecret("p", { namespace: "apps", storeRefs: [], secretName: "s", data: [{ remoteKey: "k" }], refreshInterval: "10s", updatePolicy: "Always" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "storeRefs: list at least one store",
          `updatePolicy: must be one of Replace, IfNotExists, got "Always"`,
          `refreshInterval: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "10s"`,
        ]);
        return true;
      },
    );
  });
});

test("PushSecret: a label-selector source (every matching Secret), exactly one source, never an empty selector", async () => {
  const stack = await runProgram(() => {
    new PushSecret("keys", {
      namespace: "kube-system",
      pushSecretName: "keys-backup",
      storeRefs: [{ name: "vault" }],
      secretSelector: { matchExpressions: [{ key: "sealedsecrets.bitnami.com/sealed-secrets-key", operator: "Exists" }] },
      data: [{ secretKey: "tls.key", remoteKey: "backup/keys", property: "tls.key" }],
    });
  });
  const ps = stack.one("kubernetes:external-secrets.io/v1alpha1:PushSecret", "keys-push-secret");
  assert.equal(ps.inputs.metadata.name, "keys-backup");
  assert.deepEqual(ps.inputs.spec.selector, {
    secret: { selector: { matchExpressions: [{ key: "sealedsecrets.bitnami.com/sealed-secrets-key", operator: "Exists" }] } },
  });
  await validateEsoObject(ps.inputs);

  const base = { namespace: "apps", storeRefs: [{ name: "vault" }], data: [{ remoteKey: "k" }] };
  const problems = (args: object) => {
    try {
      new PushSecret("p", { ...base, ...args });
    } catch (e) {
      assert.ok(e instanceof InvalidArgumentsError);
      return e.problems;
    }
    return [];
  };
  await runProgram(() => {
    assert.deepEqual(problems({}), ["secretName: set exactly one of secretName and secretSelector"]);
    assert.deepEqual(problems({ secretName: "s", secretSelector: { matchLabels: { a: "b" } } }), ["secretName: set exactly one of secretName and secretSelector"]);
    assert.deepEqual(problems({ secretSelector: {} }), ["secretSelector: an empty selector pushes every Secret of the namespace"]);
  });
});
