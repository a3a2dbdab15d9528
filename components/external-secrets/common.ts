/**
 * Helpers shared by the External Secrets components: the ESO API versions, durations, defaults and
 * small zod building blocks. Internal: not exported from the package entry.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { goDurationSeconds } from "../internal/duration";
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from "../internal/naming";
import { input } from "../internal/validation";

/** The served API version of ExternalSecret, SecretStore, ClusterSecretStore and ClusterExternalSecret. */
export const ESO_API_VERSION = "external-secrets.io/v1";
/** PushSecret is only served at v1alpha1. */
export const ESO_PUSH_API_VERSION = "external-secrets.io/v1alpha1";

/** Namespace the operator is installed in unless told otherwise. */
export const DEFAULT_ESO_NAMESPACE = "external-secrets";
/** Name of the controller's service account unless told otherwise (what cloud identities trust). */
export const DEFAULT_ESO_SERVICE_ACCOUNT = "external-secrets";

/**
 * A Kubernetes service account a cloud identity trusts: a store's own account (see `SecretStore`'s
 * `serviceAccount`), never ESO's controller unless explicitly opted in. Plain values: each decides a binding.
 */
export interface BoundServiceAccountArgs {
  /** Namespace of the account. */
  namespace: string;
  /** Name of the account. */
  name: string;
}

/** zod: a non-empty list of bound service accounts (RFC 1123 names, no duplicates checked separately). */
export const boundServiceAccountsSchema = z
  .array(z.strictObject({ namespace: z.string().regex(DNS1123_LABEL, { message: "must be an RFC 1123 label" }), name: z.string().regex(DNS1123_SUBDOMAIN, { message: "must be an RFC 1123 subdomain" }) }))
  .min(1, { message: "list at least one service account (a store's own account)" });

/** Duplicate-pair problems of a bound service account list at `field`. */
export function duplicateAccountProblems(field: string, accounts: BoundServiceAccountArgs[] | undefined): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  (Array.isArray(accounts) ? accounts : []).forEach((a, i) => {
    const key = `${a?.namespace}/${a?.name}`;
    if (seen.has(key)) problems.push(`${field}[${i}]: duplicate service account ${key}`);
    seen.add(key);
  });
  return problems;
}

/** True when `account` is ESO's controller account (in its default or given namespace). */
export function isControllerAccount(account: BoundServiceAccountArgs, controllerNamespace = DEFAULT_ESO_NAMESPACE, controllerName = DEFAULT_ESO_SERVICE_ACCOUNT): boolean {
  return account.namespace === controllerNamespace && account.name === controllerName;
}

/** Default refresh interval of ExternalSecrets and PushSecrets. */
export const DEFAULT_REFRESH_INTERVAL = "1h";
/** Refresh intervals below this are rejected unless explicitly allowed (provider APIs bill and throttle per call). */
export const MIN_REFRESH_SECONDS = 60;



/**
 * Problems with a refresh interval at `field`: it must be a Go duration; a non-zero interval below one
 * minute is rejected unless `allowFast`. `0s` (sync once) is always allowed.
 */
export function refreshIntervalProblems(field: string, value: unknown, allowFast: boolean | undefined): string[] {
  if (typeof value !== "string") return [];
  const seconds = goDurationSeconds(value);
  if (seconds === undefined) return [`${field}: must be a Go duration such as 1h or 15m, got "${value}"`];
  if (seconds > 0 && seconds < MIN_REFRESH_SECONDS && !allowFast) {
    return [
      `${field}: must be at least 1m (provider APIs bill and throttle per call; set allowFastRefresh to opt in), got "${value}"`,
    ];
  }
  return [];
}

/** zod: a string that must be one of `values` (message names them). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (i) => `must be one of ${values.join(", ")}, got ${JSON.stringify(i.input)}` });
}

/** zod: an RFC 1123 label (namespace names). */
export const labelName = z
  .string()
  .max(63, { message: "must be at most 63 characters" })
  .regex(DNS1123_LABEL, { message: "must be an RFC 1123 label (lower-case alphanumerics and '-')" });
/** zod: an RFC 1123 subdomain (object names). */
export const objectName = z
  .string()
  .max(253, { message: "must be at most 253 characters" })
  .regex(DNS1123_SUBDOMAIN, { message: "must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.')" });

/** zod: a string map that may be deferred. */
export const stringMap = input(z.record(z.string(), input(z.string())));

/** A label selector (the Kubernetes `LabelSelector`). */
export interface LabelSelectorArgs {
  /** Labels that must all match. */
  matchLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Set-based requirements that must all match. */
  matchExpressions?: pulumi.Input<LabelSelectorRequirementArgs>[];
}

/** One set-based requirement of a label selector. */
export interface LabelSelectorRequirementArgs {
  /** Label key. */
  key: pulumi.Input<string>;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: pulumi.Input<string>;
  /** Values for `In`/`NotIn`. */
  values?: pulumi.Input<pulumi.Input<string>[]>;
}

export const labelSelectorSchema = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      input(
        z.strictObject({
          key: input(z.string().min(1)),
          operator: input(oneOf(["In", "NotIn", "Exists", "DoesNotExist"])),
          values: z.any().optional(),
        }),
      ),
    )
    .optional(),
});

/** True when a selector is known to be empty (an empty selector selects everything). */
export function selectorIsEmpty(selector: LabelSelectorArgs | undefined): boolean {
  if (!selector) return true;
  const labels = selector.matchLabels;
  const labelsEmpty = labels === undefined || (!pulumi.Output.isInstance(labels) && !(labels instanceof Promise) && Object.keys(labels).length === 0);
  const exprs = selector.matchExpressions;
  return labelsEmpty && (exprs === undefined || exprs.length === 0);
}

/** Removes keys whose value is `undefined` (so CR specs carry only what was set). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The label (GCP) or tag (Azure) ESO 2.9 puts on a provider secret it pushes, and requires on an existing one
 * before it writes it (providers/v1/gcp/secretmanager psBuilder, providers/v1/azure/keyvault canCreate).
 */
export const ESO_MANAGED_BY: Readonly<Record<string, string>> = { "managed-by": "external-secrets" };
