import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { z } from "zod";
import { childName, dns1123LabelProblems, dns1123SubdomainProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";

/**
 * The audience the platform's Vault logins carry: roles check it (`audience`), and the platform's clients
 * ask for tokens with it (ESO's `serviceAccountRef.audiences`, the CSI provider's `audience` parameter).
 * A token minted for the API server (or for another service) then cannot log in to Vault, nor a Vault
 * login token be replayed against the API server.
 */
export const VAULT_TOKEN_AUDIENCE = "vault";

/** A Kubernetes auth role: who (service accounts in namespaces) gets which policies, for how long. */
export interface VaultKubernetesAuthRoleArgs {
  /** Role name (what pods log in as). */
  name: string;
  /** Service account names the role is bound to. `*` only with `allowWildcards`. */
  serviceAccountNames: string[];
  /** Namespaces the role is bound to. `*` only with `allowWildcards`. */
  namespaces: string[];
  /** Vault policies attached to the issued tokens. At least one. */
  policies: pulumi.Input<string>[];
  /** Token TTL in seconds. Default 3600 (1 h). */
  tokenTtlSeconds?: number;
  /** Token max TTL in seconds. Default 86400 (24 h). */
  tokenMaxTtlSeconds?: number;
  /**
   * Audience the service account JWT must carry (vault-plugin-auth-kubernetes path_login.go checks the
   * `aud` claim contains it and hands the token's own audiences to the TokenReview). Default `vault`
   * ({@link VAULT_TOKEN_AUDIENCE}): clients must request tokens with it (ESO `serviceAccountRef.audiences`,
   * the SecretProviderClass `audience` parameter, a projected token volume for the agent injector).
   */
  audience?: pulumi.Input<string>;
  /** Allow `*` in serviceAccountNames / namespaces. Default false. */
  allowWildcards?: boolean;
  /**
   * Allow several service account names *and* several namespaces in one role. Vault admits every
   * combination (any listed name in any listed namespace), so a role for `api` in `a` and `worker` in `b`
   * also admits `worker` in `a`. Default false: use one role per (namespace, service account) pair, or one
   * name across namespaces, or several names in one namespace.
   */
  allowCrossProduct?: boolean;
}

/** Arguments of {@link VaultKubernetesAuth}. */
export interface VaultKubernetesAuthArgs {
  /** Auth mount path; one mount per cluster in a fleet (e.g. `kubernetes-prod-eu`). Default `kubernetes`. */
  path?: string;
  /** Mount description. Default `Kubernetes auth for <path>`. */
  description?: pulumi.Input<string>;
  /** The cluster's API server URL. Default `https://kubernetes.default.svc` (Vault runs in this cluster). */
  kubernetesHost?: pulumi.Input<string>;
  /** PEM CA of the API server. Default: Vault's local service account CA (only when Vault runs in the cluster). */
  kubernetesCaCert?: pulumi.Input<string>;
  /** Service account token issuer to validate. Default: not validated (Vault's default). */
  issuer?: pulumi.Input<string>;
  /**
   * Long-lived JWT of a service account allowed to call TokenReview in the cluster, for a cluster Vault
   * does not run in (stored as a secret). Default: Vault uses the reviewed token itself / its local token.
   */
  tokenReviewerJwt?: pulumi.Input<string>;
  /** Do not use Vault's local service account token and CA. Default: true when `tokenReviewerJwt` is set, else false. */
  disableLocalCaJwt?: boolean;
  /** Roles (plain values: checked at construction). */
  roles: VaultKubernetesAuthRoleArgs[];
  /** Vault Enterprise namespace. Default: the provider's. */
  vaultNamespace?: pulumi.Input<string>;
}

const MOUNT_PATH = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const roleSchema = z.strictObject({
  name: z.string(),
  serviceAccountNames: z.array(z.string()).min(1, { message: "must name at least one service account" }),
  namespaces: z.array(z.string()).min(1, { message: "must name at least one namespace" }),
  policies: z.array(input(z.string().min(1))).min(1, { message: "must attach at least one policy" }),
  tokenTtlSeconds: z.number().int().positive().optional(),
  tokenMaxTtlSeconds: z.number().int().positive().optional(),
  audience: input(z.string().min(1)).optional(),
  allowWildcards: z.boolean().optional(),
  allowCrossProduct: z.boolean().optional(),
});
const argsSchema = z.strictObject({
  path: z.string().optional(),
  description: input(z.string()).optional(),
  kubernetesHost: input(z.string().regex(/^https:\/\//, { message: "must be an https:// URL" })).optional(),
  kubernetesCaCert: input(z.string().regex(/-----BEGIN CERTIFICATE-----/, { message: "must be a PEM certificate" })).optional(),
  issuer: input(z.string().min(1)).optional(),
  tokenReviewerJwt: input(z.string().min(1)).optional(),
  disableLocalCaJwt: z.boolean().optional(),
  roles: z.array(roleSchema).min(1, { message: "must define at least one role" }),
  vaultNamespace: input(z.string()).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultKubernetesAuth(args: VaultKubernetesAuthArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const path = args.path ?? "kubernetes";
  if (typeof path !== "string" || !MOUNT_PATH.test(path)) problems.push(`path: must be a mount path (letters, digits, '-', '_' and '/'), got ${JSON.stringify(path)}`);
  if (args.tokenReviewerJwt !== undefined && args.kubernetesCaCert === undefined) {
    problems.push("kubernetesCaCert: is required with tokenReviewerJwt (Vault does not run in that cluster)");
  }
  if (args.tokenReviewerJwt !== undefined && args.kubernetesHost === undefined) {
    problems.push("kubernetesHost: is required with tokenReviewerJwt (Vault does not run in that cluster)");
  }
  const roleNames = new Set<string>();
  (Array.isArray(args.roles) ? args.roles : []).forEach((role, i) => {
    const at = `roles[${i}]`;
    if (typeof role?.name !== "string" || !ROLE_NAME.test(role.name)) {
      problems.push(`${at}.name: must be letters, digits, '.', '-' or '_', got ${JSON.stringify(role?.name)}`);
    } else if (roleNames.has(role.name)) problems.push(`${at}.name: duplicate role name "${role.name}"`);
    else roleNames.add(role.name);
    const check = (field: "serviceAccountNames" | "namespaces", validate: (v: string) => string[]) => {
      (Array.isArray(role?.[field]) ? role[field] : []).forEach((value, j) => {
        if (typeof value !== "string") return;
        if (value.includes("*")) {
          if (!role.allowWildcards) problems.push(`${at}.${field}[${j}]: '*' is not allowed without allowWildcards, got "${value}"`);
          return;
        }
        problems.push(...validate(value).map((p) => `${at}.${field}[${j}]: ${p}`));
      });
    };
    // A Kubernetes auth role that issues `root` hands every pod of its accounts the whole Vault.
    (Array.isArray(role?.policies) ? role.policies : []).forEach((p, j) => {
      if (p === "root") problems.push(`${at}.policies[${j}]: must not be "root" (every token this role issues could do anything in Vault); attach a least-privilege policy`);
    });
    check("serviceAccountNames", dns1123SubdomainProblems);
    const names = Array.isArray(role?.serviceAccountNames) ? role.serviceAccountNames : [];
    const spaces = Array.isArray(role?.namespaces) ? role.namespaces : [];
    if (names.length > 1 && spaces.length > 1 && !role.allowCrossProduct) {
      problems.push(
        `${at}: binds every combination of serviceAccountNames ${JSON.stringify(names)} and namespaces ${JSON.stringify(spaces)} (Vault checks each list on its own); use one role per (namespace, service account) pair, or set allowCrossProduct: true to opt in`,
      );
    }
    check("namespaces", dns1123LabelProblems);
    const ttl = role?.tokenTtlSeconds ?? 3600;
    const max = role?.tokenMaxTtlSeconds ?? 86400;
    if (typeof ttl === "number" && typeof max === "number" && ttl > max) {
      problems.push(`${at}.tokenTtlSeconds: must not exceed tokenMaxTtlSeconds (${max}), got ${ttl}`);
    }
  });
  const jwt = known(args.tokenReviewerJwt);
  if (typeof jwt === "string" && jwt.split(".").length !== 3) problems.push("tokenReviewerJwt: must be a JWT (three dot-separated parts)");
  return problems;
}

/**
 * A Kubernetes auth mount for one cluster (`auth/<path>`), its config (API host, CA, issuer; for a
 * cluster Vault does not run in, a token reviewer JWT stored as a secret and local-JWT use disabled) and
 * roles bound to named service accounts in named namespaces (no cross products unless opted in) with an
 * audience (`vault` by default), token policies and TTLs (1 h / 24 h by default). Takes the `vault.Provider` through `opts`.
 */
export class VaultKubernetesAuth extends pulumi.ComponentResource {
  /** The auth mount path (`kubernetes`). */
  public readonly path: pulumi.Output<string>;
  /** The mount accessor (for identity templating in policies). */
  public readonly accessor: pulumi.Output<string>;
  /** Role names, in argument order. */
  public readonly roleNames: pulumi.Output<string[]>;

  constructor(name: string, args: VaultKubernetesAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultKubernetesAuth", name, validateVaultKubernetesAuth(args));
    super(typeToken("VaultKubernetesAuth"), name, {}, opts);
    const path = args.path ?? "kubernetes";
    const mount = new vault.AuthBackend(
      childName(name, "mount"),
      { type: "kubernetes", path, description: args.description ?? `Kubernetes auth for ${path}`, namespace: args.vaultNamespace },
      { parent: this },
    );
    const remote = args.tokenReviewerJwt !== undefined;
    const config = new vault.kubernetes.AuthBackendConfig(
      childName(name, "config"),
      {
        backend: mount.path,
        kubernetesHost: args.kubernetesHost ?? "https://kubernetes.default.svc",
        kubernetesCaCert: args.kubernetesCaCert,
        issuer: args.issuer,
        tokenReviewerJwt: remote ? pulumi.secret(args.tokenReviewerJwt!) : undefined,
        disableLocalCaJwt: args.disableLocalCaJwt ?? remote,
        namespace: args.vaultNamespace,
      },
      { parent: this },
    );
    const roles = args.roles.map(
      (role) =>
        new vault.kubernetes.AuthBackendRole(
          childName(name, `role-${role.name}`),
          {
            backend: mount.path,
            roleName: role.name,
            boundServiceAccountNames: role.serviceAccountNames,
            boundServiceAccountNamespaces: role.namespaces,
            tokenPolicies: role.policies,
            tokenTtl: role.tokenTtlSeconds ?? 3600,
            tokenMaxTtl: role.tokenMaxTtlSeconds ?? 86400,
            audience: role.audience ?? VAULT_TOKEN_AUDIENCE,
            tokenType: "default",
            namespace: args.vaultNamespace,
          },
          { parent: this, dependsOn: [config] },
        ),
    );
    this.path = mount.path;
    this.accessor = mount.accessor;
    this.roleNames = pulumi.all(roles.map((r) => r.roleName));
    this.registerOutputs({ path: this.path, accessor: this.accessor, roleNames: this.roleNames });
  }
}
