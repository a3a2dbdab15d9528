/** Secrets engines and audit devices configured through `@pulumi/vault`. */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { AUDIT_DIR } from "./serverConfig";

const MOUNT_PATH = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
const mountPath = z.string().regex(MOUNT_PATH, { message: "must be a mount path (letters, digits, '-', '_' and '/')" });

// ---------------------------------------------------------------- KV v2

/** Arguments of {@link VaultKvEngine}. */
export interface VaultKvEngineArgs {
  /** Mount path. Default `secret`. */
  path?: string;
  /** Mount description. Default `KV v2 secrets`. */
  description?: pulumi.Input<string>;
  /** Versions kept per key (1–100). Default 10. */
  maxVersions?: number;
  /** Require check-and-set on every write (no blind overwrites). Default true. */
  casRequired?: boolean;
  /** Delete versions older than this many seconds (0 = never). Default 0. */
  deleteVersionAfterSeconds?: number;
  /** Vault Enterprise namespace. Default: the provider's. */
  vaultNamespace?: pulumi.Input<string>;
}

const kvSchema = z.strictObject({
  path: mountPath.optional(),
  description: input(z.string()).optional(),
  maxVersions: z.number().int().min(1).max(100).optional(),
  casRequired: z.boolean().optional(),
  deleteVersionAfterSeconds: z.number().int().min(0).optional(),
  vaultNamespace: input(z.string()).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultKvEngine(args: VaultKvEngineArgs): string[] {
  return zodProblems(kvSchema, args);
}

/** A KV version 2 secrets engine with max versions, check-and-set and delete-after settings. */
export class VaultKvEngine extends pulumi.ComponentResource {
  /** The mount path (`secret`). */
  public readonly path: pulumi.Output<string>;

  constructor(name: string, args: VaultKvEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultKvEngine", name, validateVaultKvEngine(args));
    super(typeToken("VaultKvEngine"), name, {}, opts);
    const mount = new vault.Mount(
      childName(name, "mount"),
      {
        path: args.path ?? "secret",
        type: "kv",
        options: { version: "2" },
        description: args.description ?? "KV v2 secrets",
        namespace: args.vaultNamespace,
      },
      { parent: this },
    );
    new vault.kv.SecretBackendV2(
      childName(name, "config"),
      {
        mount: mount.path,
        maxVersions: args.maxVersions ?? 10,
        casRequired: args.casRequired ?? true,
        deleteVersionAfter: args.deleteVersionAfterSeconds ?? 0,
        namespace: args.vaultNamespace,
      },
      { parent: this },
    );
    this.path = mount.path;
    this.registerOutputs({ path: this.path });
  }
}

// ---------------------------------------------------------------- database (PostgreSQL)

/** The PostgreSQL connection of {@link VaultDatabaseCredentials}. */
export interface VaultPostgresConnectionArgs {
  /**
   * Connection URL with the `{{username}}` and `{{password}}` templates, never literal credentials:
   * `postgresql://{{username}}:{{password}}@db.example:5432/app?sslmode=verify-full`.
   */
  connectionUrl: pulumi.Input<string>;
  /** The root (management) user Vault creates roles with. */
  username: pulumi.Input<string>;
  /**
   * Its password. Sent through the provider's write-only field (`postgresql.passwordWo`), so it never appears in
   * the resource's outputs and a refresh reads it back as null; Vault rotates it right after setup unless
   * `rotateRootAfterSetup` is false, so the value given here stops working at once. (Pulumi's Terraform bridge
   * still records a write-only input, encrypted as a secret, in the state's inputs:
   * pulumi/pulumi-terraform-bridge#3201.)
   */
  password: pulumi.Input<string>;
  /**
   * Version of `password`: the write-only field is only sent again when this number changes (bump it after
   * changing the root password outside Vault). Default 1.
   */
  passwordVersion?: number;
  /** Password authentication: `password` or `scram-sha-256`. Default `scram-sha-256`. */
  passwordAuthentication?: pulumi.Input<string>;
  /** Maximum open connections. Default 4. */
  maxOpenConnections?: number;
}

/** A database role: what Vault runs to create a user, and how long it lives. */
export interface VaultDatabaseRoleArgs {
  /** Role name (credentials are read from `<path>/creds/<name>`). */
  name: string;
  /** SQL run to create the user (`{{name}}`, `{{password}}`, `{{expiration}}` templates). */
  creationStatements: string[];
  /** SQL run to drop the user. Default: the plugin's (revoke and drop). */
  revocationStatements?: string[];
  /** Lease TTL in seconds. Default 3600 (1 h). */
  defaultTtlSeconds?: number;
  /** Maximum lease TTL in seconds. Default 86400 (24 h). */
  maxTtlSeconds?: number;
}

/** Arguments of {@link VaultDatabaseCredentials}. */
export interface VaultDatabaseCredentialsArgs {
  /** Mount path of the database secrets engine. Default `database`. */
  path?: string;
  /** Connection name. Default `postgresql`. */
  connectionName?: string;
  /** The PostgreSQL connection. */
  postgresql: VaultPostgresConnectionArgs;
  /** Rotate the root password once the connection is configured, so only Vault knows it. Default true. */
  rotateRootAfterSetup?: boolean;
  /** Dynamic-credential roles. At least one. */
  roles: VaultDatabaseRoleArgs[];
  /** Vault Enterprise namespace. Default: the provider's. */
  vaultNamespace?: pulumi.Input<string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const dbSchema = z.strictObject({
  path: mountPath.optional(),
  connectionName: z.string().regex(NAME, { message: "must be letters, digits, '.', '-' or '_'" }).optional(),
  postgresql: z.strictObject({
    connectionUrl: input(z.string().min(1)),
    username: input(z.string().min(1)),
    password: input(z.string().min(1)),
    passwordVersion: z.number().int().min(1).optional(),
    passwordAuthentication: input(z.enum(["password", "scram-sha-256"], { error: (i) => `must be password or scram-sha-256, got ${JSON.stringify(i.input)}` })).optional(),
    maxOpenConnections: z.number().int().min(1).max(100).optional(),
  }),
  rotateRootAfterSetup: z.boolean().optional(),
  roles: z
    .array(
      z.strictObject({
        name: z.string().regex(NAME, { message: "must be letters, digits, '.', '-' or '_'" }),
        creationStatements: z.array(z.string().min(1)).min(1, { message: "must contain at least one statement" }),
        revocationStatements: z.array(z.string().min(1)).optional(),
        defaultTtlSeconds: z.number().int().positive().optional(),
        maxTtlSeconds: z.number().int().positive().optional(),
      }),
    )
    .min(1, { message: "must define at least one role" }),
  vaultNamespace: input(z.string()).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultDatabaseCredentials(args: VaultDatabaseCredentialsArgs): string[] {
  const problems = zodProblems(dbSchema, args);
  const url = known(args.postgresql?.connectionUrl);
  if (typeof url === "string") {
    if (!url.includes("{{username}}") || !url.includes("{{password}}")) {
      problems.push("postgresql.connectionUrl: must use the {{username}} and {{password}} templates instead of literal credentials");
    }
  }
  const names = new Set<string>();
  (Array.isArray(args.roles) ? args.roles : []).forEach((role, i) => {
    if (names.has(role?.name)) problems.push(`roles[${i}].name: duplicate role name "${role.name}"`);
    names.add(role?.name);
    const ttl = role?.defaultTtlSeconds ?? 3600;
    const max = role?.maxTtlSeconds ?? 86400;
    if (ttl > max) problems.push(`roles[${i}].defaultTtlSeconds: must not exceed maxTtlSeconds (${max}), got ${ttl}`);
  });
  return problems;
}

/**
 * The database secrets engine with a PostgreSQL connection (root password sent through the write-only
 * `passwordWo` field and rotated by Vault after setup, so no human, output or state file holds the live one) and roles issuing dynamic
 * credentials with TTLs (1 h / 24 h by default).
 */
export class VaultDatabaseCredentials extends pulumi.ComponentResource {
  /** The mount path (`database`). */
  public readonly path: pulumi.Output<string>;
  /** Credential paths per role: `<path>/creds/<role>`. */
  public readonly credentialPaths: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: VaultDatabaseCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultDatabaseCredentials", name, validateVaultDatabaseCredentials(args));
    super(typeToken("VaultDatabaseCredentials"), name, {}, opts);
    const connectionName = args.connectionName ?? "postgresql";
    const rotate = args.rotateRootAfterSetup ?? true;
    const mount = new vault.Mount(
      childName(name, "mount"),
      { path: args.path ?? "database", type: "database", description: "Dynamic database credentials", namespace: args.vaultNamespace },
      { parent: this },
    );
    const pg = args.postgresql;
    const connection = new vault.database.SecretBackendConnection(
      childName(name, "connection"),
      {
        backend: mount.path,
        name: connectionName,
        pluginName: "postgresql-database-plugin",
        allowedRoles: args.roles.map((r) => r.name),
        verifyConnection: true,
        postgresql: {
          connectionUrl: pg.connectionUrl,
          username: pg.username,
          // Write-only (@pulumi/vault 7.8.0 SecretBackendConnectionPostgresql.passwordWo): Vault gets it, the
          // resource's outputs never hold it, and it is sent again only when passwordWoVersion changes, so the
          // rotated-away original is never pushed back.
          passwordWo: pulumi.secret(pg.password),
          passwordWoVersion: pg.passwordVersion ?? 1,
          passwordAuthentication: pg.passwordAuthentication ?? "scram-sha-256",
          maxOpenConnections: pg.maxOpenConnections ?? 4,
        },
        namespace: args.vaultNamespace,
      },
      { parent: this },
    );
    if (rotate) {
      new vault.generic.Endpoint(
        childName(name, "rotate-root"),
        {
          path: pulumi.interpolate`${mount.path}/rotate-root/${connection.name}`,
          dataJson: "{}",
          disableRead: true,
          disableDelete: true,
          namespace: args.vaultNamespace,
        },
        { parent: this, dependsOn: [connection] },
      );
    }
    const roles = args.roles.map(
      (role) =>
        new vault.database.SecretBackendRole(
          childName(name, `role-${role.name}`),
          {
            backend: mount.path,
            name: role.name,
            dbName: connection.name,
            creationStatements: role.creationStatements,
            revocationStatements: role.revocationStatements,
            defaultTtl: role.defaultTtlSeconds ?? 3600,
            maxTtl: role.maxTtlSeconds ?? 86400,
            namespace: args.vaultNamespace,
          },
          { parent: this },
        ),
    );
    this.path = mount.path;
    this.credentialPaths = pulumi
      .all([mount.path, ...roles.map((r) => r.name)])
      .apply(([p, ...names]) => Object.fromEntries(names.map((n) => [n, `${p}/creds/${n}`])));
    this.registerOutputs({ path: this.path, credentialPaths: this.credentialPaths });
  }
}

// ---------------------------------------------------------------- audit devices

/** A file audit device. */
export interface VaultFileAuditArgs {
  /** `stdout`, or a `*.log` file directly under `/vault/audit/` (VaultCluster's audit volume, where its reloader rotates it). Default `/vault/audit/vault-audit.log`. */
  filePath?: string;
  /** File mode (octal string). Default `0600`; group/other access is rejected. Ignored for stdout. */
  mode?: string;
}

/** A socket audit device. */
export interface VaultSocketAuditArgs {
  /** `host:port` (tcp/udp) or a unix socket path. */
  address: pulumi.Input<string>;
  /** `tcp`, `udp` or `unix`. Default `tcp`. */
  socketType?: pulumi.Input<string>;
}

/** Arguments of {@link VaultAuditDevice}: exactly one of `file` / `socket` (neither: a file device with defaults). */
export interface VaultAuditDeviceArgs {
  /** Audit mount path. Default `file` or `socket`. */
  path?: string;
  /** File device. */
  file?: VaultFileAuditArgs;
  /** Socket device. */
  socket?: VaultSocketAuditArgs;
  /** Also HMAC token accessors in the log. Default true. */
  hmacAccessor?: boolean;
  /** Description. Default `Audit log (<kind>)`. */
  description?: pulumi.Input<string>;
  /** Vault Enterprise namespace. Default: the provider's. */
  vaultNamespace?: pulumi.Input<string>;
}

const auditSchema = z.strictObject({
  path: mountPath.optional(),
  file: z.strictObject({ filePath: z.string().optional(), mode: z.string().optional() }).optional(),
  socket: z
    .strictObject({
      address: input(z.string().min(1)),
      socketType: input(z.enum(["tcp", "udp", "unix"], { error: (i) => `must be tcp, udp or unix, got ${JSON.stringify(i.input)}` })).optional(),
    })
    .optional(),
  hmacAccessor: z.boolean().optional(),
  description: input(z.string()).optional(),
  vaultNamespace: input(z.string()).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultAuditDevice(args: VaultAuditDeviceArgs): string[] {
  const problems = zodProblems(auditSchema, args);
  if (args.file && args.socket) problems.push("file: only one of file, socket may be set");
  const file = args.file;
  if (file?.filePath !== undefined && file.filePath !== "stdout" && !new RegExp(`^${AUDIT_DIR}/[^/]+\\.log$`).test(file.filePath)) {
    // VaultCluster's server root filesystem is read-only: only the audit volume keeps a log file, and its reloader
    // sidecar rotates the `*.log` files directly in it (so the log stays within the volume).
    problems.push(`file.filePath: must be "stdout" or a *.log file directly under ${AUDIT_DIR}/ (the audit volume, rotated by VaultCluster's reloader), got "${file.filePath}"`);
  }
  if (file?.mode !== undefined) {
    if (!/^0?[0-7]{3}$/.test(file.mode)) problems.push(`file.mode: must be an octal file mode such as 0600, got "${file.mode}"`);
    else if ((parseInt(file.mode, 8) & 0o077) !== 0) problems.push(`file.mode: must not grant group or other access, got "${file.mode}"`);
  }
  return problems;
}

/**
 * A Vault audit device: a file device (stdout, or a file on the audit volume with mode 0600; the
 * default) or a socket device. JSON format; token accessors HMAC'd. Vault refuses requests when no
 * enabled audit device can record them, so add a second device before removing one.
 */
export class VaultAuditDevice extends pulumi.ComponentResource {
  /** The audit mount path. */
  public readonly path: pulumi.Output<string>;

  constructor(name: string, args: VaultAuditDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultAuditDevice", name, validateVaultAuditDevice(args));
    super(typeToken("VaultAuditDevice"), name, {}, opts);
    const common = { format: "json", hmac_accessor: String(args.hmacAccessor ?? true) };
    let type: string;
    let options: pulumi.Input<Record<string, pulumi.Input<string>>>;
    if (args.socket) {
      type = "socket";
      options = { ...common, address: args.socket.address, socket_type: args.socket.socketType ?? "tcp" };
    } else {
      type = "file";
      const filePath = args.file?.filePath ?? `${AUDIT_DIR}/vault-audit.log`;
      options = filePath === "stdout" ? { ...common, file_path: "stdout" } : { ...common, file_path: filePath, mode: args.file?.mode ?? "0600" };
    }
    const device = new vault.Audit(
      childName(name, "device"),
      { type, path: args.path ?? type, options, description: args.description ?? `Audit log (${type})`, namespace: args.vaultNamespace },
      { parent: this },
    );
    this.path = device.path;
    this.registerOutputs({ path: this.path });
  }
}
