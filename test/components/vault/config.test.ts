// The Vault configuration components (@pulumi/vault): Kubernetes auth, KV v2, database credentials, audit.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as vault from "@pulumi/vault";
import {
  InvalidArgumentsError,
  VaultAuditDevice,
  VaultDatabaseCredentials,
  VaultKubernetesAuth,
  VaultKvEngine,
  validateVaultAuditDevice,
  validateVaultDatabaseCredentials,
  validateVaultKubernetesAuth,
} from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const CA = "-----BEGIN CERTIFICATE-----\nAPI-CA\n-----END CERTIFICATE-----\n";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06dmF1bHQifQ.c2lnbmF0dXJl";

test("VaultKubernetesAuth: mount, in-cluster config, roles bound to named accounts with TTL defaults, through the given provider", async () => {
  let auth: VaultKubernetesAuth | undefined;
  const stack = await runProgram(() => {
    const provider = new vault.Provider("vault", { address: "https://vault.vault.svc:8200", token: "t" });
    auth = new VaultKubernetesAuth(
      "k8s",
      {
        roles: [
          { name: "external-secrets", serviceAccountNames: ["external-secrets"], namespaces: ["external-secrets"], policies: ["external-secrets"] },
          { name: "demo", serviceAccountNames: ["demo"], namespaces: ["apps", "apps-canary"], policies: ["demo", "common"], tokenTtlSeconds: 600, tokenMaxTtlSeconds: 3600, audience: "vault" },
        ],
      },
      { provider },
    );
  });
  const mount = stack.one("vault:index/authBackend:AuthBackend", "k8s-mount");
  assert.deepEqual(mount.inputs, { type: "kubernetes", path: "kubernetes", description: "Kubernetes auth for kubernetes" });
  assert.match(mount.provider ?? "", /pulumi:providers:vault::vault::/, "children use the vault.Provider passed to the component");
  const config = stack.one("vault:kubernetes/authBackendConfig:AuthBackendConfig", "k8s-config");
  assert.deepEqual(config.inputs, { backend: "kubernetes", kubernetesHost: "https://kubernetes.default.svc", disableLocalCaJwt: false });
  assert.deepEqual(stack.one("vault:kubernetes/authBackendRole:AuthBackendRole", "k8s-role-external-secrets").inputs, {
    backend: "kubernetes",
    roleName: "external-secrets",
    boundServiceAccountNames: ["external-secrets"],
    boundServiceAccountNamespaces: ["external-secrets"],
    tokenPolicies: ["external-secrets"],
    tokenTtl: 3600,
    tokenMaxTtl: 86400,
    // Default audience: vault-plugin-auth-kubernetes path_login.go refuses a JWT whose aud lacks it.
    audience: "vault",
    tokenType: "default",
  });
  const demo = stack.one("vault:kubernetes/authBackendRole:AuthBackendRole", "k8s-role-demo").inputs;
  assert.deepEqual(
    [demo.boundServiceAccountNamespaces, demo.tokenPolicies, demo.tokenTtl, demo.tokenMaxTtl, demo.audience],
    [["apps", "apps-canary"], ["demo", "common"], 600, 3600, "vault"],
  );
  assert.deepEqual(await unwrap(auth!.roleNames), ["external-secrets", "demo"]);
  assert.equal(await unwrap(auth!.path), "kubernetes");
});

test("VaultKubernetesAuth: a remote cluster gets its own mount, a secret reviewer JWT and local-JWT disabled", async () => {
  const stack = await runProgram(() => {
    new VaultKubernetesAuth("edge", {
      path: "kubernetes-edge-eu",
      kubernetesHost: "https://edge.example.com:6443",
      kubernetesCaCert: CA,
      issuer: "https://kubernetes.default.svc.cluster.local",
      tokenReviewerJwt: JWT,
      roles: [{ name: "app", serviceAccountNames: ["app"], namespaces: ["apps"], policies: ["app"] }],
    });
  });
  const config = stack.one("vault:kubernetes/authBackendConfig:AuthBackendConfig", "edge-config");
  assert.deepEqual(config.inputs, {
    backend: "kubernetes-edge-eu",
    kubernetesHost: "https://edge.example.com:6443",
    kubernetesCaCert: CA,
    issuer: "https://kubernetes.default.svc.cluster.local",
    tokenReviewerJwt: JWT,
    disableLocalCaJwt: true,
  });
  assert.ok(stack.isSecret(config, ["tokenReviewerJwt"]), "the reviewer JWT is a secret");
  assert.equal(stack.one("vault:index/authBackend:AuthBackend").inputs.path, "kubernetes-edge-eu");
});

test("VaultKubernetesAuth: '*' and other bad input rejected naming the field; nothing registered", async () => {
  const base = { roles: [{ name: "r", serviceAccountNames: ["*"], namespaces: ["apps"], policies: ["p"] }] };
  assert.deepEqual(validateVaultKubernetesAuth(base), [`roles[0].serviceAccountNames[0]: '*' is not allowed without allowWildcards, got "*"`]);
  assert.deepEqual(validateVaultKubernetesAuth({ roles: [{ ...base.roles[0], allowWildcards: true }] }), []);
  // A role that issues root (the attacker's shortcut) is refused; its least-privilege twin above passes.
  assert.deepEqual(validateVaultKubernetesAuth({ roles: [{ name: "ci", serviceAccountNames: ["ci"], namespaces: ["ci"], policies: ["ci-read", "root"] }] }), [
    `roles[0].policies[1]: must not be "root" (every token this role issues could do anything in Vault); attach a least-privilege policy`,
  ]);
  assert.deepEqual(
    validateVaultKubernetesAuth({
      path: "/kubernetes",
      tokenReviewerJwt: "not-a-jwt",
      roles: [
        { name: "a", serviceAccountNames: ["App"], namespaces: ["team-*"], policies: [] },
        { name: "a", serviceAccountNames: ["x"], namespaces: ["y"], policies: ["p"], tokenTtlSeconds: 7200, tokenMaxTtlSeconds: 3600 },
      ],
    }),
    [
      "roles[0].policies: must attach at least one policy",
      `path: must be a mount path (letters, digits, '-', '_' and '/'), got "/kubernetes"`,
      "kubernetesCaCert: is required with tokenReviewerJwt (Vault does not run in that cluster)",
      "kubernetesHost: is required with tokenReviewerJwt (Vault does not run in that cluster)",
      `roles[0].serviceAccountNames[0]: must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "App"`,
      `roles[0].namespaces[0]: '*' is not allowed without allowWildcards, got "team-*"`,
      `roles[1].name: duplicate role name "a"`,
      "roles[1].tokenTtlSeconds: must not exceed tokenMaxTtlSeconds (3600), got 7200",
      "tokenReviewerJwt: must be a JWT (three dot-separated parts)",
    ],
  );
  const stack = await runProgram(() => {
    assert.throws(() => new VaultKubernetesAuth("bad", base), (e: unknown) => e instanceof InvalidArgumentsError && /serviceAccountNames\[0\]: '\*'/.test(e.message));
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

// Vault checks bound_service_account_names and bound_service_account_namespaces independently
// (vault-plugin-auth-kubernetes path_login.go), so two names x two namespaces admit all four pairs.
test("VaultKubernetesAuth: a role binding several names in several namespaces (a cross product) is refused; one pair per role passes", async () => {
  const crossed = { roles: [{ name: "apps", serviceAccountNames: ["api", "worker"], namespaces: ["a", "b"], policies: ["p"] }] };
  assert.deepEqual(validateVaultKubernetesAuth(crossed), [
    `roles[0]: binds every combination of serviceAccountNames ["api","worker"] and namespaces ["a","b"] (Vault checks each list on its own); use one role per (namespace, service account) pair, or set allowCrossProduct: true to opt in`,
  ]);
  assert.deepEqual(validateVaultKubernetesAuth({ roles: [{ ...crossed.roles[0], allowCrossProduct: true }] }), []);
  const pairs = {
    roles: [
      { name: "api-a", serviceAccountNames: ["api"], namespaces: ["a"], policies: ["p"] },
      { name: "worker-b", serviceAccountNames: ["worker"], namespaces: ["b"], policies: ["p"] },
      { name: "eso-vault", serviceAccountNames: ["eso-vault"], namespaces: ["a", "b"], policies: ["p"] },
    ],
  };
  assert.deepEqual(validateVaultKubernetesAuth(pairs), []);
  const stack = await runProgram(() => {
    assert.throws(() => new VaultKubernetesAuth("crossed", crossed), (e: unknown) => e instanceof InvalidArgumentsError && /binds every combination/.test(e.message));
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});

test("VaultKvEngine: a kv v2 mount with max versions, check-and-set and delete-after", async () => {
  const stack = await runProgram(() => {
    new VaultKvEngine("kv", {});
    new VaultKvEngine("team", { path: "team-a", maxVersions: 25, casRequired: false, deleteVersionAfterSeconds: 2592000 });
    assert.throws(() => new VaultKvEngine("bad", { path: "/x", maxVersions: 0 }), /path: must be a mount path[\s\S]*maxVersions: /);
  });
  assert.deepEqual(stack.one("vault:index/mount:Mount", "kv-mount").inputs, { path: "secret", type: "kv", options: { version: "2" }, description: "KV v2 secrets" });
  assert.deepEqual(stack.one("vault:kv/secretBackendV2:SecretBackendV2", "kv-config").inputs, { mount: "secret", maxVersions: 10, casRequired: true, deleteVersionAfter: 0 });
  assert.deepEqual(stack.one("vault:kv/secretBackendV2:SecretBackendV2", "team-config").inputs, {
    mount: "team-a",
    maxVersions: 25,
    casRequired: false,
    deleteVersionAfter: 2592000,
  });
  assert.deepEqual(stack.all("vault:index/mount:Mount", "bad-mount"), []);
});

test("VaultDatabaseCredentials: PostgreSQL connection with the root password in the write-only field, root rotation, roles with TTLs", async () => {
  let db: VaultDatabaseCredentials | undefined;
  const stack = await runProgram(() => {
    db = new VaultDatabaseCredentials("orders-db", {
      postgresql: {
        connectionUrl: "postgresql://{{username}}:{{password}}@orders.db:5432/orders?sslmode=verify-full",
        username: "vault_admin",
        password: "initial-root-password",
      },
      roles: [
        {
          name: "orders-ro",
          creationStatements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`],
        },
        { name: "orders-rw", creationStatements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`], defaultTtlSeconds: 900, maxTtlSeconds: 7200 },
      ],
    });
  });
  assert.deepEqual(stack.one("vault:index/mount:Mount", "orders-db-mount").inputs, { path: "database", type: "database", description: "Dynamic database credentials" });
  const conn = stack.one("vault:database/secretBackendConnection:SecretBackendConnection", "orders-db-connection");
  assert.deepEqual(conn.inputs, {
    backend: "database",
    name: "postgresql",
    pluginName: "postgresql-database-plugin",
    allowedRoles: ["orders-ro", "orders-rw"],
    verifyConnection: true,
    postgresql: {
      connectionUrl: "postgresql://{{username}}:{{password}}@orders.db:5432/orders?sslmode=verify-full",
      username: "vault_admin",
      // @pulumi/vault 7.8.0 SecretBackendConnectionPostgresql: passwordWo is write-only (never in outputs, null on
      // read), re-sent only when passwordWoVersion changes; `password` (kept in state) is not set at all.
      passwordWo: "initial-root-password",
      passwordWoVersion: 1,
      passwordAuthentication: "scram-sha-256",
      maxOpenConnections: 4,
    },
  });
  assert.ok(stack.isSecret(conn, ["postgresql", "passwordWo"]), "the root password is a secret");
  assert.equal("password" in conn.inputs.postgresql, false, "the state-kept password field is never used");
  const rotate = stack.one("vault:generic/endpoint:Endpoint", "orders-db-rotate-root");
  assert.deepEqual(rotate.inputs, { path: "database/rotate-root/postgresql", dataJson: "{}", disableRead: true, disableDelete: true });
  const ro = stack.one("vault:database/secretBackendRole:SecretBackendRole", "orders-db-role-orders-ro").inputs;
  assert.deepEqual([ro.backend, ro.dbName, ro.defaultTtl, ro.maxTtl, ro.creationStatements.length], ["database", "postgresql", 3600, 86400, 2]);
  const rw = stack.one("vault:database/secretBackendRole:SecretBackendRole", "orders-db-role-orders-rw").inputs;
  assert.deepEqual([rw.defaultTtl, rw.maxTtl], [900, 7200]);
  assert.deepEqual(await unwrap(db!.credentialPaths), { "orders-ro": "database/creds/orders-ro", "orders-rw": "database/creds/orders-rw" });

  const noRotate = await runProgram(() => {
    new VaultDatabaseCredentials("db", {
      rotateRootAfterSetup: false,
      postgresql: { connectionUrl: "postgresql://{{username}}:{{password}}@db/app", username: "u", password: "p4ssword" },
      roles: [{ name: "r", creationStatements: ["CREATE ROLE x"] }],
    });
  });
  assert.deepEqual(noRotate.all("vault:generic/endpoint:Endpoint"), []);
});

test("VaultDatabaseCredentials: literal credentials in the URL and TTL inversions are rejected", () => {
  assert.deepEqual(
    validateVaultDatabaseCredentials({
      postgresql: { connectionUrl: "postgresql://admin:hunter2@db/app", username: "admin", password: "hunter2", passwordAuthentication: "md5" },
      roles: [
        { name: "r", creationStatements: [], defaultTtlSeconds: 90000 },
        { name: "r", creationStatements: ["x"] },
      ],
    }),
    [
      `postgresql.passwordAuthentication: must be password or scram-sha-256, got "md5"`,
      "roles[0].creationStatements: must contain at least one statement",
      "postgresql.connectionUrl: must use the {{username}} and {{password}} templates instead of literal credentials",
      "roles[0].defaultTtlSeconds: must not exceed maxTtlSeconds (86400), got 90000",
      `roles[1].name: duplicate role name "r"`,
    ],
  );
});

test("VaultAuditDevice: file on the audit volume with 0600 by default, stdout, socket; loose modes rejected", async () => {
  const stack = await runProgram(() => {
    new VaultAuditDevice("file", {});
    new VaultAuditDevice("stdout", { path: "stdout", file: { filePath: "stdout" } });
    new VaultAuditDevice("siem", { socket: { address: "fluentd.logging.svc:24224" }, hmacAccessor: false });
  });
  assert.deepEqual(stack.one("vault:index/audit:Audit", "file-device").inputs, {
    type: "file",
    path: "file",
    options: { format: "json", hmac_accessor: "true", file_path: "/vault/audit/vault-audit.log", mode: "0600" },
    description: "Audit log (file)",
  });
  assert.deepEqual(stack.one("vault:index/audit:Audit", "stdout-device").inputs.options, { format: "json", hmac_accessor: "true", file_path: "stdout" });
  assert.deepEqual(stack.one("vault:index/audit:Audit", "siem-device").inputs, {
    type: "socket",
    path: "socket",
    options: { format: "json", hmac_accessor: "false", address: "fluentd.logging.svc:24224", socket_type: "tcp" },
    description: "Audit log (socket)",
  });
  assert.deepEqual(validateVaultAuditDevice({ file: { filePath: "audit.log", mode: "0644" }, socket: { address: "x:1" } }), [
    "file: only one of file, socket may be set",
    `file.filePath: must be "stdout" or a *.log file directly under /vault/audit/ (the audit volume, rotated by VaultCluster's reloader), got "audit.log"`,
    `file.mode: must not grant group or other access, got "0644"`,
  ]);
  assert.deepEqual(validateVaultAuditDevice({ file: { mode: "rw" } }), [`file.mode: must be an octal file mode such as 0600, got "rw"`]);
  assert.deepEqual(validateVaultAuditDevice({ file: { filePath: "/var/log/vault.log" } }), [
    `file.filePath: must be "stdout" or a *.log file directly under /vault/audit/ (the audit volume, rotated by VaultCluster's reloader), got "/var/log/vault.log"`,
  ]);
  assert.deepEqual(validateVaultAuditDevice({ file: { filePath: "/vault/audit/a.log", mode: "0400" } }), []);
  // Not rotated by the reloader (it rotates *.log directly in the audit volume): refused.
  assert.deepEqual(validateVaultAuditDevice({ file: { filePath: "/vault/audit/sub/a.log" } }).length, 1);
  assert.deepEqual(validateVaultAuditDevice({ file: { filePath: "/vault/audit/audit.json" } }).length, 1);
});
