import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { standardLabels } from "../internal/labels";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, isDeferred, known, zodProblems } from "../internal/validation";
import { conditionsAdmittingEveryNamespace, regexAdmitsEveryNamespace, type NamespaceSelectorLike } from "../internal/namespaceConditions";
import { DEFAULT_ESO_NAMESPACE, DEFAULT_ESO_SERVICE_ACCOUNT, ESO_API_VERSION, compact, labelName, labelSelectorSchema, objectName, oneOf, selectorIsEmpty, type LabelSelectorArgs } from "./common";

/**
 * A reference to a service account whose token the provider exchanges (instead of the controller's own).
 * ESO mints the token with the TokenRequest API (`serviceaccounts/token` create), so the controller needs
 * that permission for exactly this account: {@link SecretStoreServiceAccountArgs} creates both.
 */
export interface ServiceAccountRefArgs {
  /** Service account name. */
  name: pulumi.Input<string>;
  /**
   * Its namespace. Required on a ClusterSecretStore (without it ESO takes the namespace of each
   * ExternalSecret, so every admitted namespace picks the account); a SecretStore uses its own namespace.
   */
  namespace?: pulumi.Input<string>;
  /**
   * Token audiences. Default: the provider's (AWS `sts.amazonaws.com`, GCP `<project>.svc.id.goog`,
   * Azure `api://AzureADTokenExchange`, added by ESO; Vault: none, the API server's own audience).
   */
  audiences?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The store's own service account, created with the store: no mounted token
 * (`automountServiceAccountToken: false`; ESO mints short-lived tokens for it), the cloud identity
 * annotations of the store, and a Role + RoleBinding letting exactly ESO's controller `create` on
 * `serviceaccounts/token` of exactly this account (resourceNames). The provider's `serviceAccountRef` is
 * filled in from it.
 */
export interface SecretStoreServiceAccountArgs {
  /** Name. Default `eso-<storeName>` (or `eso-<resource name>` when storeName is not a plain string). */
  name?: string;
  /** Namespace: required for a ClusterSecretStore (e.g. the operator's); a SecretStore's own namespace otherwise. */
  namespace?: string;
  /** Annotations, e.g. `AwsSecretsManagerAccess.serviceAccountAnnotations`. Default none. */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Token audiences written to the `serviceAccountRef` (Vault: the role's audience). Default: the provider's. */
  audiences?: pulumi.Input<string>[];
  /** Namespace of ESO's controller (the subject allowed to mint tokens). Default `external-secrets`. */
  controllerNamespace?: pulumi.Input<string>;
  /** ESO's controller service account. Default `external-secrets`. */
  controllerServiceAccountName?: pulumi.Input<string>;
}

/** AWS Secrets Manager or Parameter Store. */
export interface AwsStoreProviderArgs {
  /** `SecretsManager` or `ParameterStore`. Default `SecretsManager`. */
  service?: pulumi.Input<string>;
  /** AWS region of the secrets. */
  region: pulumi.Input<string>;
  /** Role to assume after authenticating (cross-account). Default none. */
  role?: pulumi.Input<string>;
  /**
   * Authenticate as this service account through IRSA (`auth.jwt.serviceAccountRef`: ESO reads the
   * account's `eks.amazonaws.com/role-arn` annotation and calls AssumeRoleWithWebIdentity with a token it
   * mints; EKS Pod Identity cannot be used this way). Default: the store's `serviceAccount`; one of the two
   * is required unless `allowControllerIdentity`.
   */
  serviceAccountRef?: ServiceAccountRefArgs;
}

/** GKE Workload Identity settings for a store that uses a service account other than the controller's. */
export interface GcpWorkloadIdentityArgs {
  /** Location of the cluster. */
  clusterLocation?: pulumi.Input<string>;
  /** Name of the cluster. */
  clusterName?: pulumi.Input<string>;
  /** Project of the cluster. */
  clusterProjectId?: pulumi.Input<string>;
  /** The Kubernetes service account bound to a Google service account. Default: the store's `serviceAccount`. */
  serviceAccountRef?: ServiceAccountRefArgs;
}

/** Google Secret Manager. */
export interface GcpStoreProviderArgs {
  /** Project holding the secrets. */
  projectId: pulumi.Input<string>;
  /** Location for regional secrets. Default: global secrets. */
  location?: pulumi.Input<string>;
  /**
   * Workload Identity as a service account of the store (`auth.workloadIdentity`). Default: filled in from
   * the store's `serviceAccount` (cluster fields then come from the metadata server); without either the
   * store would use the controller's own identity, refused unless `allowControllerIdentity`.
   */
  workloadIdentity?: GcpWorkloadIdentityArgs;
}

/** Azure Key Vault through workload identity. */
export interface AzureStoreProviderArgs {
  /** `https://<vault>.vault.azure.net`. */
  vaultUrl: pulumi.Input<string>;
  /** Tenant of the vault. Default: from the service account's annotation. */
  tenantId?: pulumi.Input<string>;
  /** Azure cloud: `PublicCloud`, `USGovernmentCloud`, `ChinaCloud` or `GermanCloud`. Default `PublicCloud`. */
  environmentType?: pulumi.Input<string>;
  /**
   * Service account carrying the `azure.workload.identity/client-id` annotation (ESO exchanges a token it
   * mints for it). Default: the store's `serviceAccount`; one of the two unless `allowControllerIdentity`.
   */
  serviceAccountRef?: ServiceAccountRefArgs;
}

/** Where a Vault store reads Vault's CA certificate from. */
export interface CaProviderArgs {
  /** `Secret` or `ConfigMap`. */
  type: pulumi.Input<string>;
  /** Object name. */
  name: pulumi.Input<string>;
  /** Key holding the PEM. */
  key: pulumi.Input<string>;
  /** Namespace of the object (ClusterSecretStore only; a SecretStore reads its own namespace). */
  namespace?: pulumi.Input<string>;
}

/** Vault Kubernetes auth. */
export interface VaultStoreKubernetesAuthArgs {
  /** Mount path of the Kubernetes auth method. Default `kubernetes`. */
  mountPath?: pulumi.Input<string>;
  /** Vault role bound to the service account (required). */
  role: pulumi.Input<string>;
  /**
   * Authenticate with a token minted for this service account (with `audiences`, matching the Vault role's
   * `audience`). Default: the store's `serviceAccount`; one of the two unless `allowControllerIdentity`
   * (the controller's own mounted token).
   */
  serviceAccountRef?: ServiceAccountRefArgs;
}

/** HashiCorp Vault KV. */
export interface VaultStoreProviderArgs {
  /** Vault address; must be `https://`. */
  server: pulumi.Input<string>;
  /** KV mount path. Default `secret`. */
  path?: pulumi.Input<string>;
  /** KV version `v1` or `v2`. Default `v2`. */
  version?: pulumi.Input<string>;
  /** Vault Enterprise namespace. Default none. */
  namespace?: pulumi.Input<string>;
  /** PEM CA bundle that signs Vault's certificate (stored base64 in the spec). One of `caBundle`/`caProvider`, or neither to use the system roots. */
  caBundle?: pulumi.Input<string>;
  /** A ConfigMap or Secret holding Vault's CA. */
  caProvider?: CaProviderArgs;
  /**
   * Send check-and-set with every PushSecret write (`checkAndSet.required`, KV v2 only): needed on a mount
   * with `cas_required` (the platform's KV engine has it by default), where Vault refuses writes without
   * `cas`. ESO then writes version 0 for a new secret and the current version otherwise
   * (providers/v1/vault/client_push.go, getCASVersion). Default `false`. A plain value.
   */
  checkAndSet?: boolean;
  /** How ESO authenticates to Vault. */
  auth: VaultAuthArgs;
}

/** Vault authentication: Kubernetes auth is the only method modelled (no static tokens in the cluster). */
export interface VaultAuthArgs {
  /** Kubernetes auth with a Vault role. */
  kubernetes: VaultStoreKubernetesAuthArgs;
}

/** Exactly one provider. */
export interface SecretStoreProviderArgs {
  aws?: AwsStoreProviderArgs;
  gcpsm?: GcpStoreProviderArgs;
  azurekv?: AzureStoreProviderArgs;
  vault?: VaultStoreProviderArgs;
}

/** One namespace condition of a ClusterSecretStore (a namespace may use the store when any condition matches). */
export interface ClusterSecretStoreConditionArgs {
  /** Namespace names. */
  namespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Namespaces whose labels match (must not be empty). */
  namespaceSelector?: LabelSelectorArgs;
  /** Namespace name regular expressions. */
  namespaceRegexes?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Arguments of {@link SecretStore}. */
export interface SecretStoreArgs {
  /**
   * Create a `ClusterSecretStore` (usable from other namespaces) instead of a namespaced `SecretStore`.
   * Default `false`. A plain value: it decides the kind.
   */
  clusterScoped?: boolean;
  /** Namespace of a `SecretStore` (required unless `clusterScoped`). */
  namespace?: pulumi.Input<string>;
  /** Object name. Default: the resource name. */
  storeName?: pulumi.Input<string>;
  /** The provider: exactly one of `aws`, `gcpsm`, `azurekv`, `vault`. */
  provider: SecretStoreProviderArgs;
  /**
   * Namespaces allowed to use a `ClusterSecretStore`. Required for a cluster store unless
   * `allowAllNamespaces` is set: otherwise every namespace could read every secret the store can.
   */
  conditions?: ClusterSecretStoreConditionArgs[];
  /** Explicit opt-in to a `ClusterSecretStore` any namespace may use. Default `false`. */
  allowAllNamespaces?: boolean;
  /**
   * Create the store's own service account (and the RBAC letting ESO mint its tokens) and authenticate
   * as it. Default none: then the provider's `serviceAccountRef` must be given.
   */
  serviceAccount?: SecretStoreServiceAccountArgs;
  /**
   * Explicit opt-in to a store without a service account of its own: it authenticates as ESO's controller
   * (its cloud identity or its own Vault token), so everyone who may create a store in any namespace
   * (ESO aggregates that into `edit`) reads what the controller can. Default `false`.
   */
  allowControllerIdentity?: boolean;
  /** Seconds between the controller's store health checks. Default: ESO's (none; validated on change). */
  refreshIntervalSeconds?: pulumi.Input<number>;
  /** Labels for the store. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const saRef = z.strictObject({ name: input(z.string().min(1)), namespace: input(z.string().min(1)).optional(), audiences: z.any().optional() });

const providerSchema = z.strictObject({
  aws: z
    .strictObject({
      service: input(oneOf(["SecretsManager", "ParameterStore"])).optional(),
      region: input(z.string().min(1)),
      role: input(z.string().min(1)).optional(),
      serviceAccountRef: saRef.optional(),
    })
    .optional(),
  gcpsm: z
    .strictObject({
      projectId: input(z.string().min(1)),
      location: input(z.string().min(1)).optional(),
      workloadIdentity: z
        .strictObject({
          clusterLocation: input(z.string()).optional(),
          clusterName: input(z.string()).optional(),
          clusterProjectId: input(z.string()).optional(),
          serviceAccountRef: saRef.optional(),
        })
        .optional(),
    })
    .optional(),
  azurekv: z
    .strictObject({
      vaultUrl: input(z.string().regex(/^https:\/\/\S+$/, { message: "must be an https:// URL" })),
      tenantId: input(z.string().min(1)).optional(),
      environmentType: input(oneOf(["PublicCloud", "USGovernmentCloud", "ChinaCloud", "GermanCloud"])).optional(),
      serviceAccountRef: saRef.optional(),
    })
    .optional(),
  vault: z
    .strictObject({
      server: input(z.string().regex(/^https:\/\/\S+$/, { message: "must be an https:// URL (Vault tokens must not cross the network in clear text)" })),
      path: input(z.string().min(1)).optional(),
      version: input(oneOf(["v1", "v2"])).optional(),
      namespace: input(z.string().min(1)).optional(),
      caBundle: input(z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate bundle" })).optional(),
      caProvider: z
        .strictObject({
          type: input(oneOf(["Secret", "ConfigMap"])),
          name: input(z.string().min(1)),
          key: input(z.string().min(1)),
          namespace: input(z.string().min(1)).optional(),
        })
        .optional(),
      checkAndSet: z.boolean().optional(),
      auth: z.strictObject({
        kubernetes: z.strictObject({
          mountPath: input(z.string().min(1)).optional(),
          role: z.any().optional(), // checked below with a plain message
          serviceAccountRef: saRef.optional(),
        }),
      }),
    })
    .optional(),
});

const argsSchema = z.strictObject({
  clusterScoped: z.boolean().optional(),
  namespace: input(z.string().min(1)).optional(),
  storeName: input(z.string().min(1)).optional(),
  provider: providerSchema,
  conditions: z
    .array(
      z.strictObject({
        namespaces: z.any().optional(),
        namespaceSelector: labelSelectorSchema.optional(),
        namespaceRegexes: z.any().optional(),
      }),
    )
    .optional(),
  allowAllNamespaces: z.boolean().optional(),
  serviceAccount: z
    .strictObject({
      name: objectName.optional(),
      namespace: labelName.optional(),
      annotations: z.any().optional(),
      audiences: z.array(input(z.string().min(1))).optional(),
      controllerNamespace: input(z.string().min(1)).optional(),
      controllerServiceAccountName: input(z.string().min(1)).optional(),
    })
    .optional(),
  allowControllerIdentity: z.boolean().optional(),
  refreshIntervalSeconds: input(z.number().int().min(0)).optional(),
  labels: z.any().optional(),
});

/** A selector whose every part is a plain value (undefined when something is only known at deployment). */
function plainSelector(sel: LabelSelectorArgs | undefined): NamespaceSelectorLike | undefined {
  if (!sel || isDeferred(sel.matchLabels) || Object.values(sel.matchLabels ?? {}).some(isDeferred)) return undefined;
  const exprs = sel.matchExpressions ?? [];
  const plain = exprs.every((e) => !isDeferred(e) && !isDeferred((e as { key: unknown }).key) && !isDeferred((e as { operator: unknown }).operator) && !isDeferred((e as { values?: unknown }).values));
  return plain ? (sel as NamespaceSelectorLike) : undefined;
}

/** Where each provider names the service account it authenticates as. */
const SERVICE_ACCOUNT_REF_FIELDS = {
  aws: "provider.aws.serviceAccountRef",
  gcpsm: "provider.gcpsm.workloadIdentity.serviceAccountRef",
  azurekv: "provider.azurekv.serviceAccountRef",
  vault: "provider.vault.auth.kubernetes.serviceAccountRef",
} as const;

/** Each provider's `serviceAccountRef` field path with its value (undefined when unset). */
export function providerServiceAccountRefs(p: SecretStoreProviderArgs): Array<[string, ServiceAccountRefArgs | undefined]> {
  return [
    [SERVICE_ACCOUNT_REF_FIELDS.aws, p.aws?.serviceAccountRef],
    [SERVICE_ACCOUNT_REF_FIELDS.gcpsm, p.gcpsm?.workloadIdentity?.serviceAccountRef],
    [SERVICE_ACCOUNT_REF_FIELDS.azurekv, p.azurekv?.serviceAccountRef],
    [SERVICE_ACCOUNT_REF_FIELDS.vault, p.vault?.auth?.kubernetes?.serviceAccountRef],
  ];
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateSecretStore(args: SecretStoreArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  const p = args.provider ?? {};
  const chosen = (["aws", "gcpsm", "azurekv", "vault"] as const).filter((k) => p[k] !== undefined);
  if (chosen.length !== 1) problems.push(`provider: set exactly one of aws, gcpsm, azurekv, vault, got ${chosen.length === 0 ? "none" : chosen.join(", ")}`);
  if (p.vault?.auth?.kubernetes) {
    const role = p.vault.auth.kubernetes.role;
    if (role === undefined || role === null || role === "") {
      problems.push("provider.vault.auth.kubernetes.role: required (the Vault role bound to the service account)");
    } else if (!isDeferred(role) && typeof role !== "string") {
      problems.push(`provider.vault.auth.kubernetes.role: must be a string, got ${JSON.stringify(role)}`);
    }
  }
  if (p.vault?.caBundle !== undefined && p.vault.caProvider !== undefined) problems.push("provider.vault: set caBundle or caProvider, not both");
  if (p.vault?.checkAndSet && known(p.vault.version) === "v1") problems.push("provider.vault.checkAndSet: only applies to KV v2 (version v1 has no check-and-set)");

  const cluster = args.clusterScoped ?? false;
  const refs = providerServiceAccountRefs(p);
  const explicit = refs.filter(([, ref]) => ref !== undefined);
  if (args.serviceAccount !== undefined) {
    for (const [field] of explicit) problems.push(`${field}: set either this or serviceAccount (the store's own account), not both`);
    if (cluster && args.serviceAccount.namespace === undefined) {
      problems.push("serviceAccount.namespace: required for a ClusterSecretStore (the namespace the store's account lives in, e.g. the operator's)");
    }
    const ns = known(args.namespace);
    if (!cluster && args.serviceAccount.namespace !== undefined && typeof ns === "string" && args.serviceAccount.namespace !== ns) {
      problems.push(`serviceAccount.namespace: a SecretStore's account lives in its own namespace ${ns}, got "${args.serviceAccount.namespace}"`);
    }
  } else if (chosen.length === 1 && explicit.length === 0 && !args.allowControllerIdentity) {
    const field = SERVICE_ACCOUNT_REF_FIELDS[chosen[0]];
    problems.push(
      `serviceAccount: the store has no service account of its own and would authenticate as ESO's controller (anyone who may create a store reads what the controller can); set serviceAccount or ${field}, or allowControllerIdentity: true to opt in`,
    );
  }
  if (args.allowControllerIdentity && (args.serviceAccount !== undefined || explicit.length > 0)) {
    problems.push("allowControllerIdentity: contradicts the store's own service account");
  }
  if (!cluster) {
    if (args.namespace === undefined) problems.push("namespace: required for a namespaced SecretStore");
    if (args.conditions !== undefined) problems.push("conditions: only a ClusterSecretStore has namespace conditions");
    if (args.allowAllNamespaces !== undefined) problems.push("allowAllNamespaces: only applies to a ClusterSecretStore");
    for (const [field, ref] of refs) {
      if (ref?.namespace !== undefined) problems.push(`${field}.namespace: a SecretStore can only use service accounts of its own namespace`);
    }
    if (p.vault?.caProvider?.namespace !== undefined) problems.push("provider.vault.caProvider.namespace: a SecretStore reads its CA from its own namespace");
  } else {
    if (args.namespace !== undefined) problems.push("namespace: a ClusterSecretStore is not namespaced");
    for (const [field, ref] of refs) {
      if (ref !== undefined && ref.namespace === undefined) {
        problems.push(`${field}.namespace: required on a ClusterSecretStore (without it ESO uses each ExternalSecret's namespace, so every admitted namespace picks the account)`);
      }
    }
    const conditions = args.conditions ?? [];
    if (conditions.length === 0 && !args.allowAllNamespaces) {
      problems.push("conditions: a ClusterSecretStore must restrict the namespaces that may use it (or set allowAllNamespaces: true to opt in)");
    }
    if (conditions.length > 0 && args.allowAllNamespaces) problems.push("allowAllNamespaces: contradicts conditions");
    conditions.forEach((c, i) => {
      const names = known(c.namespaces);
      const regexes = known(c.namespaceRegexes);
      const emptyList = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
      if (emptyList(names) && emptyList(regexes) && selectorIsEmpty(c.namespaceSelector)) {
        problems.push(`conditions[${i}]: must name namespaces, a non-empty namespaceSelector or namespaceRegexes`);
      }
      if (c.namespaceSelector !== undefined && selectorIsEmpty(c.namespaceSelector)) {
        problems.push(`conditions[${i}].namespaceSelector: an empty selector matches every namespace`);
      }
      (Array.isArray(regexes) ? regexes : []).forEach((r, j) => {
        if (typeof r !== "string") return;
        const verdict = regexAdmitsEveryNamespace(r);
        if (verdict.invalid !== undefined) problems.push(`conditions[${i}].namespaceRegexes[${j}]: not a valid Go regular expression (${verdict.invalid}), got ${JSON.stringify(r)}`);
      });
    });
    // What the conditions admit, judged as ESO does (unanchored regexes, selectors): one shared checker.
    const plain = conditions.map((c) => ({
      namespaces: known(c.namespaces),
      namespaceRegexes: known(c.namespaceRegexes),
      namespaceSelector: selectorIsEmpty(c.namespaceSelector) ? undefined : plainSelector(c.namespaceSelector),
    }));
    if (conditions.length > 0) problems.push(...conditionsAdmittingEveryNamespace(plain));
  }
  return problems;
}

function serviceAccountRef(ref: ServiceAccountRefArgs | undefined): Record<string, unknown> | undefined {
  return ref ? compact({ name: ref.name, namespace: ref.namespace, audiences: ref.audiences }) : undefined;
}

/** The store's own account name: `serviceAccount.name`, else `eso-<storeName>` (or `eso-<resource name>`). */
export function storeServiceAccountName(resourceName: string, args: Pick<SecretStoreArgs, "storeName" | "serviceAccount">): string {
  if (args.serviceAccount?.name) return args.serviceAccount.name;
  const store = known(args.storeName);
  return `eso-${typeof store === "string" ? store : resourceName}`;
}

/** The provider args with the store's own `serviceAccount` filled in as its `serviceAccountRef`. */
function withOwnServiceAccount(resourceName: string, args: SecretStoreArgs): SecretStoreProviderArgs {
  const own = args.serviceAccount;
  const p = args.provider;
  if (!own) return p;
  const ref: ServiceAccountRefArgs = compact({
    name: storeServiceAccountName(resourceName, args),
    namespace: args.clusterScoped ? own.namespace : undefined,
    audiences: own.audiences,
  });
  if (p.aws) return { aws: { ...p.aws, serviceAccountRef: ref } };
  if (p.gcpsm) return { gcpsm: { ...p.gcpsm, workloadIdentity: { ...p.gcpsm.workloadIdentity, serviceAccountRef: ref } } };
  if (p.azurekv) return { azurekv: { ...p.azurekv, serviceAccountRef: ref } };
  const v = p.vault!;
  return { vault: { ...v, auth: { kubernetes: { ...v.auth.kubernetes, serviceAccountRef: ref } } } };
}

function providerSpec(p: SecretStoreProviderArgs): Record<string, unknown> {
  if (p.aws) {
    const sa = serviceAccountRef(p.aws.serviceAccountRef);
    return {
      aws: compact({ service: p.aws.service ?? "SecretsManager", region: p.aws.region, role: p.aws.role, auth: sa ? { jwt: { serviceAccountRef: sa } } : undefined }),
    };
  }
  if (p.gcpsm) {
    const wi = p.gcpsm.workloadIdentity;
    return {
      gcpsm: compact({
        projectID: p.gcpsm.projectId,
        location: p.gcpsm.location,
        auth: wi
          ? {
              workloadIdentity: compact({
                clusterLocation: wi.clusterLocation,
                clusterName: wi.clusterName,
                clusterProjectID: wi.clusterProjectId,
                serviceAccountRef: serviceAccountRef(wi.serviceAccountRef),
              }),
            }
          : undefined,
      }),
    };
  }
  if (p.azurekv) {
    return {
      azurekv: compact({
        vaultUrl: p.azurekv.vaultUrl,
        authType: "WorkloadIdentity",
        tenantId: p.azurekv.tenantId,
        environmentType: p.azurekv.environmentType ?? "PublicCloud",
        serviceAccountRef: serviceAccountRef(p.azurekv.serviceAccountRef),
      }),
    };
  }
  const v = p.vault!;
  const k = v.auth.kubernetes;
  return {
    vault: compact({
      server: v.server,
      path: v.path ?? "secret",
      version: v.version ?? "v2",
      namespace: v.namespace,
      caBundle: v.caBundle === undefined ? undefined : pulumi.output(v.caBundle).apply((pem) => Buffer.from(pem, "utf8").toString("base64")),
      caProvider: v.caProvider ? compact({ type: v.caProvider.type, name: v.caProvider.name, key: v.caProvider.key, namespace: v.caProvider.namespace }) : undefined,
      checkAndSet: v.checkAndSet ? { required: true } : undefined,
      auth: { kubernetes: compact({ mountPath: k.mountPath ?? "kubernetes", role: k.role, serviceAccountRef: serviceAccountRef(k.serviceAccountRef) }) },
    }),
  };
}

/** The `spec` of the store for `args` (exported for reuse and tests); `resourceName` names the store's own account by default. */
export function secretStoreSpec(args: SecretStoreArgs, resourceName = "store"): Record<string, unknown> {
  const conditions = args.clusterScoped
    ? (args.conditions ?? []).map((c) =>
        compact({
          namespaces: c.namespaces,
          namespaceSelector: c.namespaceSelector ? compact({ matchLabels: c.namespaceSelector.matchLabels, matchExpressions: c.namespaceSelector.matchExpressions }) : undefined,
          namespaceRegexes: c.namespaceRegexes,
        }),
      )
    : [];
  return compact({
    provider: providerSpec(withOwnServiceAccount(resourceName, args)),
    conditions: conditions.length > 0 ? conditions : undefined,
    refreshInterval: args.refreshIntervalSeconds,
  });
}

/**
 * An ESO `SecretStore` (namespaced, the default) or `ClusterSecretStore` at `external-secrets.io/v1` for
 * AWS Secrets Manager / Parameter Store, Google Secret Manager, Azure Key Vault (workload identity) or
 * Vault (Kubernetes auth, KV v2 by default). A cluster store must carry namespace `conditions` unless
 * `allowAllNamespaces` is set. Every store authenticates as a service account of its own (`serviceAccount`,
 * created here with the RBAC ESO needs to mint its tokens, or a provider `serviceAccountRef`), never as ESO's
 * controller unless `allowControllerIdentity` opts in. Pass the `ExternalSecretsOperator` in `dependsOn` so the CRDs exist first.
 */
export class SecretStore extends pulumi.ComponentResource {
  /** The store's name. */
  public readonly storeName: pulumi.Output<string>;
  /** `SecretStore` or `ClusterSecretStore` (what an ExternalSecret's `storeRef.kind` takes). */
  public readonly kind: pulumi.Output<string>;

  constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SecretStore", name, validateSecretStore(args));
    super(typeToken("SecretStore"), name, {}, opts);

    const kind = args.clusterScoped ? "ClusterSecretStore" : "SecretStore";
    const labels = pulumi.output(args.labels ?? {}).apply((l) => ({ ...l, ...standardLabels("secret-store", name) }));
    const own = args.serviceAccount;
    const dependsOn: pulumi.Resource[] = [];
    if (own) {
      const saName = storeServiceAccountName(name, args);
      const saNamespace = (args.clusterScoped ? own.namespace : args.namespace)!;
      const saLabels = standardLabels("secret-store-account", name);
      const sa = new k8s.core.v1.ServiceAccount(
        childName(name, "sa"),
        { metadata: compact({ name: saName, namespace: saNamespace, labels: saLabels, annotations: own.annotations }), automountServiceAccountToken: false },
        { parent: this },
      );
      const role = new k8s.rbac.v1.Role(
        childName(name, "token-role"),
        {
          metadata: { name: `${saName}-token`, namespace: saNamespace, labels: saLabels },
          rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: [saName] }],
        },
        { parent: this },
      );
      const binding = new k8s.rbac.v1.RoleBinding(
        childName(name, "token-binding"),
        {
          metadata: { name: `${saName}-token`, namespace: saNamespace, labels: saLabels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [
            {
              kind: "ServiceAccount",
              name: own.controllerServiceAccountName ?? DEFAULT_ESO_SERVICE_ACCOUNT,
              namespace: own.controllerNamespace ?? DEFAULT_ESO_NAMESPACE,
            },
          ],
        },
        { parent: this },
      );
      dependsOn.push(sa, binding);
    }
    const store = new k8s.apiextensions.CustomResource(
      childName(name, "store"),
      {
        apiVersion: ESO_API_VERSION,
        kind,
        metadata: compact({ name: args.storeName ?? name, namespace: args.clusterScoped ? undefined : args.namespace, labels }),
        spec: secretStoreSpec(args, name),
      },
      { parent: this, dependsOn },
    );
    this.storeName = store.metadata.name;
    this.kind = pulumi.output(kind);
    this.registerOutputs({ storeName: this.storeName, kind: this.kind });
  }
}
