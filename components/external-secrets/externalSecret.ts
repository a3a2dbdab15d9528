import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { goDuration } from "../internal/duration";
import { standardLabels } from "../internal/labels";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import {
  DEFAULT_REFRESH_INTERVAL,
  ESO_API_VERSION,
  ESO_PUSH_API_VERSION,
  compact,
  labelSelectorSchema,
  oneOf,
  refreshIntervalProblems,
  selectorIsEmpty,
  stringMap,
  type LabelSelectorArgs,
} from "./common";

/** Which store an ExternalSecret reads from. */
export interface StoreRefArgs {
  /** Store name. */
  name: pulumi.Input<string>;
  /** `SecretStore` or `ClusterSecretStore`. Default `SecretStore`. */
  kind?: pulumi.Input<string>;
}

/** Where one value lives in the provider. */
export interface RemoteRefArgs {
  /** Key (secret name / path) in the provider. */
  key: pulumi.Input<string>;
  /** Property within a JSON secret (or a Vault KV field). Default: the whole value. */
  property?: pulumi.Input<string>;
  /** Version. Default: the latest. */
  version?: pulumi.Input<string>;
  /** `Default` or `Unicode`. */
  conversionStrategy?: pulumi.Input<string>;
  /** `None`, `Base64`, `Base64URL` or `Auto`. */
  decodingStrategy?: pulumi.Input<string>;
}

/** One key of the target Secret. */
export interface ExternalSecretDataArgs {
  /** Key in the Kubernetes Secret. */
  secretKey: pulumi.Input<string>;
  /** Its source. */
  remoteRef: RemoteRefArgs;
}

/** Extract every key of one JSON secret. */
export interface ExternalSecretExtractArgs {
  key: pulumi.Input<string>;
  property?: pulumi.Input<string>;
  version?: pulumi.Input<string>;
}

/** Find secrets by name pattern or tags. */
export interface ExternalSecretFindArgs {
  /** Path prefix to search under. */
  path?: pulumi.Input<string>;
  /** Regular expression on the secret name. */
  nameRegexp?: pulumi.Input<string>;
  /** Tags that must all match. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** One `dataFrom` entry: `extract` or `find`. */
export interface ExternalSecretDataFromArgs {
  extract?: ExternalSecretExtractArgs;
  find?: ExternalSecretFindArgs;
}

/** The Secret ESO renders. */
export interface ExternalSecretTemplateArgs {
  /** Secret type, e.g. `kubernetes.io/dockerconfigjson`. Default `Opaque`. */
  type?: pulumi.Input<string>;
  /** Template engine version. Default `v2`. */
  engineVersion?: pulumi.Input<string>;
  /** `Replace` or `Merge` (merge templated keys with fetched ones). Default `Replace`. */
  mergePolicy?: pulumi.Input<string>;
  /** Templated keys (Go templates over the fetched values). */
  data?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Labels of the rendered Secret. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Annotations of the rendered Secret. */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The target Kubernetes Secret. */
export interface ExternalSecretTargetArgs {
  /** Secret name. Default: the ExternalSecret's name. */
  name?: pulumi.Input<string>;
  /**
   * `Owner`, `Orphan`, `Merge` or `None`. Default `Orphan`: ESO creates and keeps updating the Secret but sets
   * no ownerReference (external-secrets apis/externalsecrets/v1/externalsecret_types.go `CreatePolicyOrphan`),
   * so removing the ExternalSecret (e.g. from a Pulumi program on a refactor) leaves the Secret workloads use.
   * `Owner` lets Kubernetes garbage-collect the Secret with the ExternalSecret: an explicit opt-in.
   */
  creationPolicy?: pulumi.Input<string>;
  /** `Retain`, `Delete` or `Merge`: what happens to the Secret when the provider's secret disappears. Default `Retain`. */
  deletionPolicy?: pulumi.Input<string>;
  /** Make the Secret immutable. Default `false`. */
  immutable?: pulumi.Input<boolean>;
  /** Template of the rendered Secret. */
  template?: ExternalSecretTemplateArgs;
}

/** The spec of an ExternalSecret (shared by ExternalSecret and ClusterExternalSecret). */
export interface ExternalSecretSpecArgs {
  /** The store to read from. */
  storeRef: StoreRefArgs;
  /**
   * Go duration between re-reads. Default `1h`. Below `1m` is rejected unless `allowFastRefresh`
   * (provider APIs bill and throttle per call); `0s` syncs once.
   */
  refreshInterval?: pulumi.Input<string>;
  /** Opt-in to refresh intervals below one minute. Default `false`. */
  allowFastRefresh?: boolean;
  /** `Periodic`, `OnChange` or `CreatedOnce`. Default: ESO's (`Periodic`). */
  refreshPolicy?: pulumi.Input<string>;
  /** The target Secret. */
  target?: ExternalSecretTargetArgs;
  /** Individual keys. At least one of `data` / `dataFrom`. */
  data?: ExternalSecretDataArgs[];
  /** Whole secrets. */
  dataFrom?: ExternalSecretDataFromArgs[];
}

const remoteRefSchema = z.strictObject({
  key: input(z.string().min(1)),
  property: input(z.string()).optional(),
  version: input(z.string()).optional(),
  conversionStrategy: input(oneOf(["Default", "Unicode"])).optional(),
  decodingStrategy: input(oneOf(["None", "Base64", "Base64URL", "Auto"])).optional(),
});

const specSchema = z.strictObject({
  storeRef: z.strictObject({ name: input(z.string().min(1)), kind: input(oneOf(["SecretStore", "ClusterSecretStore"])).optional() }),
  refreshInterval: input(z.string()).optional(),
  allowFastRefresh: z.boolean().optional(),
  refreshPolicy: input(oneOf(["Periodic", "OnChange", "CreatedOnce"])).optional(),
  target: z
    .strictObject({
      name: input(z.string().min(1)).optional(),
      creationPolicy: input(oneOf(["Owner", "Orphan", "Merge", "None"])).optional(),
      deletionPolicy: input(oneOf(["Retain", "Delete", "Merge"])).optional(),
      immutable: input(z.boolean()).optional(),
      template: z
        .strictObject({
          type: input(z.string().min(1)).optional(),
          engineVersion: input(oneOf(["v2"])).optional(),
          mergePolicy: input(oneOf(["Replace", "Merge"])).optional(),
          data: stringMap.optional(),
          labels: stringMap.optional(),
          annotations: stringMap.optional(),
        })
        .optional(),
    })
    .optional(),
  data: z.array(z.strictObject({ secretKey: input(z.string().min(1)), remoteRef: remoteRefSchema })).optional(),
  dataFrom: z
    .array(
      z.strictObject({
        extract: z.strictObject({ key: input(z.string().min(1)), property: input(z.string()).optional(), version: input(z.string()).optional() }).optional(),
        find: z
          .strictObject({ path: input(z.string()).optional(), nameRegexp: input(z.string().min(1)).optional(), tags: stringMap.optional() })
          .optional(),
      }),
    )
    .optional(),
});

/** Problems with an ExternalSecret spec under `prefix` (`""` or `externalSecretSpec.`). */
export function externalSecretSpecProblems(spec: ExternalSecretSpecArgs | undefined, prefix: string): string[] {
  if (spec === undefined) return [`${prefix.replace(/\.$/, "")}: required`];
  const problems = zodProblems(specSchema, spec, prefix.replace(/\.$/, ""));
  problems.push(...refreshIntervalProblems(`${prefix}refreshInterval`, known(spec.refreshInterval), spec.allowFastRefresh));
  if ((spec.data ?? []).length === 0 && (spec.dataFrom ?? []).length === 0) problems.push(`${prefix}data: set data or dataFrom`);
  (spec.dataFrom ?? []).forEach((d, i) => {
    if (d && (d.extract === undefined) === (d.find === undefined)) problems.push(`${prefix}dataFrom[${i}]: set exactly one of extract, find`);
    if (d?.find && d.find.nameRegexp === undefined && d.find.tags === undefined && d.find.path === undefined) {
      problems.push(`${prefix}dataFrom[${i}].find: set nameRegexp, tags or path (an empty find reads every secret the store can)`);
    }
  });
  const seen = new Set<unknown>();
  (spec.data ?? []).forEach((d, i) => {
    const key = known(d?.secretKey);
    if (typeof key !== "string") return;
    if (seen.has(key)) problems.push(`${prefix}data[${i}].secretKey: duplicate key "${key}"`);
    seen.add(key);
  });
  return problems;
}

function nonEmpty<T>(items: T[] | undefined): T[] | undefined {
  return items && items.length > 0 ? items : undefined;
}

/** The `spec` of an ExternalSecret with this package's defaults applied. */
export function externalSecretSpec(spec: ExternalSecretSpecArgs): Record<string, unknown> {
  const t = spec.target ?? {};
  const tpl = t.template;
  return compact({
    secretStoreRef: { name: spec.storeRef.name, kind: spec.storeRef.kind ?? "SecretStore" },
    refreshInterval: spec.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
    refreshPolicy: spec.refreshPolicy,
    target: compact({
      name: t.name,
      creationPolicy: t.creationPolicy ?? "Orphan",
      deletionPolicy: t.deletionPolicy ?? "Retain",
      immutable: t.immutable,
      template: tpl
        ? compact({
            type: tpl.type ?? "Opaque",
            engineVersion: tpl.engineVersion ?? "v2",
            mergePolicy: tpl.mergePolicy ?? "Replace",
            data: tpl.data,
            metadata: tpl.labels !== undefined || tpl.annotations !== undefined ? compact({ labels: tpl.labels, annotations: tpl.annotations }) : undefined,
          })
        : undefined,
    }),
    data: nonEmpty(spec.data)?.map((d) => ({
      secretKey: d.secretKey,
      remoteRef: compact({
        key: d.remoteRef.key,
        property: d.remoteRef.property,
        version: d.remoteRef.version,
        conversionStrategy: d.remoteRef.conversionStrategy,
        decodingStrategy: d.remoteRef.decodingStrategy,
      }),
    })),
    dataFrom: nonEmpty(spec.dataFrom)?.map((d) =>
      d.extract
        ? { extract: compact({ key: d.extract.key, property: d.extract.property, version: d.extract.version }) }
        : { find: compact({ path: d.find!.path, name: d.find!.nameRegexp !== undefined ? { regexp: d.find!.nameRegexp } : undefined, tags: d.find!.tags }) },
    ),
  });
}

/** Arguments of {@link ExternalSecret}. */
export interface ExternalSecretArgs extends ExternalSecretSpecArgs {
  /** Namespace of the ExternalSecret (and of the Secret it makes). */
  namespace: pulumi.Input<string>;
  /** Object name. Default: the resource name. */
  externalSecretName?: pulumi.Input<string>;
  /** Labels. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Annotations of the ExternalSecret object (e.g. `pulumi.com/waitFor: condition=Ready`). Default none. */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateExternalSecret(args: ExternalSecretArgs): string[] {
  const { namespace, externalSecretName, labels, annotations, ...spec } = args;
  const problems = zodProblems(
    z.strictObject({ namespace: input(z.string().min(1)), externalSecretName: input(z.string().min(1)).optional(), labels: stringMap.optional(), annotations: stringMap.optional() }),
    { namespace, externalSecretName, labels, annotations },
  );
  return [...problems, ...externalSecretSpecProblems(spec, "")];
}

function labelsFor(component: string, name: string, extra: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined) {
  return pulumi.output(extra ?? {}).apply((l) => ({ ...l, ...standardLabels(component, name) }));
}

/**
 * An ESO `ExternalSecret` (`external-secrets.io/v1`) with cost-aware, safe defaults: refresh every hour
 * (below a minute rejected unless opted in), the Secret not owned by the ExternalSecret
 * (`creationPolicy: Orphan`: removing the ExternalSecret never deletes it) and kept when the provider's
 * secret disappears (`deletionPolicy: Retain`).
 */
export class ExternalSecret extends pulumi.ComponentResource {
  /** The ExternalSecret's name. */
  public readonly externalSecretName: pulumi.Output<string>;

  constructor(name: string, args: ExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("ExternalSecret", name, validateExternalSecret(args));
    super(typeToken("ExternalSecret"), name, {}, opts);
    const es = new k8s.apiextensions.CustomResource(
      childName(name, "external-secret"),
      {
        apiVersion: ESO_API_VERSION,
        kind: "ExternalSecret",
        metadata: compact({ name: args.externalSecretName ?? name, namespace: args.namespace, labels: labelsFor("external-secret", name, args.labels), annotations: args.annotations }),
        spec: externalSecretSpec(args),
      },
      { parent: this },
    );
    this.externalSecretName = es.metadata.name;
    this.registerOutputs({ externalSecretName: this.externalSecretName });
  }
}

/** Arguments of {@link ClusterExternalSecret}. */
export interface ClusterExternalSecretArgs {
  /** Name of the ExternalSecret created in each selected namespace. Default: the resource name. */
  externalSecretName?: pulumi.Input<string>;
  /** Namespaces matching any of these selectors get the ExternalSecret. Each must be non-empty. At least one selector or `namespaces`. */
  namespaceSelectors?: LabelSelectorArgs[];
  /** Namespaces by name. */
  namespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** How often namespaces are re-evaluated (Go duration). Default: ESO's (`1m`). */
  refreshTime?: pulumi.Input<string>;
  /** The spec of each ExternalSecret. */
  externalSecretSpec: ExternalSecretSpecArgs;
  /** Labels. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateClusterExternalSecret(args: ClusterExternalSecretArgs): string[] {
  const { externalSecretSpec: spec, ...rest } = args;
  const problems = zodProblems(
    z.strictObject({
      externalSecretName: input(z.string().min(1)).optional(),
      namespaceSelectors: z.array(labelSelectorSchema).optional(),
      namespaces: z.any().optional(),
      refreshTime: input(goDuration("must be a Go duration such as 1m")).optional(),
      labels: stringMap.optional(),
    }),
    rest,
  );
  const names = known(args.namespaces);
  const selectors = args.namespaceSelectors ?? [];
  if (selectors.length === 0 && (names === undefined || (Array.isArray(names) && names.length === 0))) {
    problems.push("namespaceSelectors: select the target namespaces (namespaceSelectors or namespaces)");
  }
  selectors.forEach((s, i) => {
    if (selectorIsEmpty(s)) problems.push(`namespaceSelectors[${i}]: an empty selector matches every namespace`);
  });
  problems.push(...externalSecretSpecProblems(spec, "externalSecretSpec."));
  return problems;
}

/**
 * An ESO `ClusterExternalSecret` (`external-secrets.io/v1`): the same ExternalSecret in every namespace
 * selected by non-empty label selectors or names, with the {@link ExternalSecret} defaults.
 */
export class ClusterExternalSecret extends pulumi.ComponentResource {
  constructor(name: string, args: ClusterExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("ClusterExternalSecret", name, validateClusterExternalSecret(args));
    super(typeToken("ClusterExternalSecret"), name, {}, opts);
    new k8s.apiextensions.CustomResource(
      childName(name, "cluster-external-secret"),
      {
        apiVersion: ESO_API_VERSION,
        kind: "ClusterExternalSecret",
        metadata: { name, labels: labelsFor("cluster-external-secret", name, args.labels) },
        spec: compact({
          externalSecretName: args.externalSecretName ?? name,
          namespaceSelectors: args.namespaceSelectors?.map((s) => compact({ matchLabels: s.matchLabels, matchExpressions: s.matchExpressions })),
          namespaces: args.namespaces,
          refreshTime: args.refreshTime,
          externalSecretSpec: externalSecretSpec(args.externalSecretSpec),
        }),
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

/** One value pushed to the provider. */
export interface PushSecretDataArgs {
  /** Key of the source Secret. Default: the whole Secret. */
  secretKey?: pulumi.Input<string>;
  /** Name of the secret in the provider. */
  remoteKey: pulumi.Input<string>;
  /** Property within the provider's secret. */
  property?: pulumi.Input<string>;
}

/** Arguments of {@link PushSecret}. */
export interface PushSecretArgs {
  /** Namespace of the PushSecret and its source Secret. */
  namespace: pulumi.Input<string>;
  /** Stores to push to (at least one). */
  storeRefs: StoreRefArgs[];
  /** The Kubernetes Secret to push. Exactly one of `secretName` and `secretSelector`. */
  secretName?: pulumi.Input<string>;
  /**
   * Push every Secret of the namespace matching this (non-empty) label selector, e.g. all of a controller's
   * key Secrets, renewed ones included. Exactly one of `secretName` and `secretSelector`.
   */
  secretSelector?: LabelSelectorArgs;
  /** Name of the PushSecret object. Default: the resource name. */
  pushSecretName?: pulumi.Input<string>;
  /** What to push (at least one). */
  data: PushSecretDataArgs[];
  /** Go duration between pushes. Default `1h`; below `1m` rejected unless `allowFastRefresh`. */
  refreshInterval?: pulumi.Input<string>;
  /** Opt-in to refresh intervals below one minute. Default `false`. */
  allowFastRefresh?: boolean;
  /** `None` (leave the provider's secret when the PushSecret goes) or `Delete`. Default `None`. */
  deletionPolicy?: pulumi.Input<string>;
  /** `Replace` or `IfNotExists` (never overwrite an existing provider secret). Default `Replace`. */
  updatePolicy?: pulumi.Input<string>;
  /** Labels. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const pushSchema = z.strictObject({
  namespace: input(z.string().min(1)),
  storeRefs: z
    .array(z.strictObject({ name: input(z.string().min(1)), kind: input(oneOf(["SecretStore", "ClusterSecretStore"])).optional() }))
    .min(1, { message: "list at least one store" }),
  secretName: input(z.string().min(1)).optional(),
  secretSelector: labelSelectorSchema.optional(),
  pushSecretName: input(z.string().min(1)).optional(),
  data: z
    .array(z.strictObject({ secretKey: input(z.string().min(1)).optional(), remoteKey: input(z.string().min(1)), property: input(z.string()).optional() }))
    .min(1, { message: "list at least one value to push" }),
  refreshInterval: input(z.string()).optional(),
  allowFastRefresh: z.boolean().optional(),
  deletionPolicy: input(oneOf(["None", "Delete"])).optional(),
  updatePolicy: input(oneOf(["Replace", "IfNotExists"])).optional(),
  labels: stringMap.optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validatePushSecret(args: PushSecretArgs): string[] {
  const problems = [...zodProblems(pushSchema, args), ...refreshIntervalProblems("refreshInterval", known(args.refreshInterval), args.allowFastRefresh)];
  if ((args.secretName === undefined) === (args.secretSelector === undefined)) problems.push("secretName: set exactly one of secretName and secretSelector");
  else if (args.secretSelector && selectorIsEmpty(args.secretSelector)) problems.push("secretSelector: an empty selector pushes every Secret of the namespace");
  return problems;
}

/**
 * An ESO `PushSecret` (`external-secrets.io/v1alpha1`, its only served version): pushes keys of a
 * Kubernetes Secret (or of every Secret matching a label selector) to one or more stores. Defaults: every hour, `updatePolicy: Replace`,
 * `deletionPolicy: None` (removing the PushSecret never deletes the provider's secret).
 */
export class PushSecret extends pulumi.ComponentResource {
  constructor(name: string, args: PushSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("PushSecret", name, validatePushSecret(args));
    super(typeToken("PushSecret"), name, {}, opts);
    new k8s.apiextensions.CustomResource(
      childName(name, "push-secret"),
      {
        apiVersion: ESO_PUSH_API_VERSION,
        kind: "PushSecret",
        metadata: { name: args.pushSecretName ?? name, namespace: args.namespace, labels: labelsFor("push-secret", name, args.labels) },
        spec: {
          refreshInterval: args.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
          updatePolicy: args.updatePolicy ?? "Replace",
          deletionPolicy: args.deletionPolicy ?? "None",
          secretStoreRefs: args.storeRefs.map((r) => ({ name: r.name, kind: r.kind ?? "SecretStore" })),
          selector: {
            secret: args.secretSelector
              ? { selector: compact({ matchLabels: args.secretSelector.matchLabels, matchExpressions: args.secretSelector.matchExpressions }) }
              : { name: args.secretName },
          },
          data: args.data.map((d) => ({ match: compact({ secretKey: d.secretKey, remoteRef: compact({ remoteKey: d.remoteKey, property: d.property }) }) })),
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
