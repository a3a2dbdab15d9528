/**
 * The kube-apiserver `apiserver.config.k8s.io/v1` EncryptionConfiguration: its TypeScript shape and a pure
 * validator that applies the rules the API server itself applies when it loads the file
 * (`--encryption-provider-config`), plus two rules of this package that keep a configuration safe.
 * No Pulumi imports: the policy pack and tests use it directly.
 */
import { parseGoDuration } from "../internal/duration";

/** One key of a local (`aesgcm`, `aescbc`, `secretbox`) provider. `secret` is base64 of the raw key bytes. */
export interface EncryptionKey {
  name: string;
  secret: string;
}

/** A KMS provider. This package emits only `apiVersion: v2`. */
export interface KmsProviderConfiguration {
  apiVersion?: string;
  name: string;
  endpoint: string;
  /** Go duration, e.g. `3s`. The API server defaults it to 3s. */
  timeout?: string;
  /** KMS v1 only. */
  cachesize?: number;
}

/** Exactly one member is set per provider entry. */
export interface EncryptionProviderConfiguration {
  kms?: KmsProviderConfiguration;
  aesgcm?: { keys: EncryptionKey[] };
  aescbc?: { keys: EncryptionKey[] };
  secretbox?: { keys: EncryptionKey[] };
  identity?: Record<string, never>;
}

export interface EncryptionResourceConfiguration {
  resources: string[];
  providers: EncryptionProviderConfiguration[];
}

export interface EncryptionConfiguration {
  apiVersion: "apiserver.config.k8s.io/v1";
  kind: "EncryptionConfiguration";
  resources: EncryptionResourceConfiguration[];
}

/** The provider kinds the API server knows, in the order it checks them. */
export const ENCRYPTION_PROVIDER_KINDS = ["kms", "aesgcm", "aescbc", "secretbox", "identity"] as const;

/** Valid decoded key lengths in bytes, as the API server checks them (AES: 16/24/32; secretbox: 32). */
export const KEY_SIZES: Record<"aesgcm" | "aescbc" | "secretbox", readonly number[]> = {
  aesgcm: [16, 24, 32],
  aescbc: [16, 24, 32],
  secretbox: [32],
};

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const NON_REST_RESOURCES = new Set(["apiserveripinfo", "serviceipallocations", "servicenodeportallocations"]);

/** Decoded length of strict standard base64, or undefined when `value` is not standard base64. */
export function base64DecodedLength(value: string): number | undefined {
  if (!STD_BASE64.test(value)) return undefined;
  return Buffer.from(value, "base64").length;
}

function parseGroupResource(resource: string): { group: string; resource: string } {
  const dot = resource.indexOf(".");
  return dot < 0 ? { group: "", resource } : { group: resource.slice(dot + 1), resource: resource.slice(0, dot) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 0 ? "[]" : "an array";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" ? String(v) : typeof v;
}

function resourceListProblems(resources: unknown, path: string): string[] {
  if (!Array.isArray(resources) || resources.length === 0) {
    return [`${path}: at least one resource is required, got ${describe(resources)}`];
  }
  const problems: string[] = [];
  const parsed: Array<{ group: string; resource: string }> = [];
  resources.forEach((res: unknown, j) => {
    const p = `${path}[${j}]`;
    if (typeof res !== "string" || res === "") {
      problems.push(`${p}: must be a non-empty resource name, got ${describe(res)}`);
      return;
    }
    const gr = parseGroupResource(res);
    parsed.push(gr);
    if (res.toLowerCase() !== res) problems.push(`${p}: resource names must not contain capital letters, got "${res}"`);
    else if (res === "*") problems.push(`${p}: use "*." for every core resource or "*.*" for every resource, got "*"`);
    else if (NON_REST_RESOURCES.has(res)) problems.push(`${p}: resources without a REST API cannot be encrypted, got "${res}"`);
    else if (gr.group === "events.k8s.io") problems.push(`${p}: events.k8s.io objects are stored as core "events"; use "events", got "${res}"`);
    else if (gr.group === "extensions") problems.push(`${p}: the "extensions" group was removed and cannot be encrypted, got "${res}"`);
    else if (gr.group === "*" && gr.resource !== "*") problems.push(`${p}: encrypting one resource across all groups is not supported, got "${res}"`);
  });
  let duplicate = false;
  let overlap = false;
  parsed.forEach((a, i) =>
    parsed.forEach((b, j) => {
      if (i === j) return;
      if (a.group === b.group && a.resource === b.resource) duplicate = true;
      else if ((a.group === "*" && a.resource === "*") || (a.group === b.group && (a.resource === "*" || b.resource === "*"))) overlap = true;
    }),
  );
  if (duplicate) problems.push(`${path}: the same resource must not be listed twice, got ${JSON.stringify(resources)}`);
  if (overlap) problems.push(`${path}: overlapping entries (such as "secrets" and "*.") mask each other, got ${JSON.stringify(resources)}`);
  return problems;
}

function keyProblems(keys: unknown, path: string, sizes: readonly number[]): string[] {
  if (!Array.isArray(keys) || keys.length === 0) return [`${path}: at least one key is required, got ${describe(keys)}`];
  const problems: string[] = [];
  keys.forEach((key: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(key)) {
      problems.push(`${p}: must be an object with name and secret, got ${describe(key)}`);
      return;
    }
    if (typeof key.name !== "string" || key.name === "") problems.push(`${p}.name: is required, got ${describe(key.name)}`);
    // Never echo a secret's value, only its length.
    if (typeof key.secret !== "string" || key.secret === "") {
      problems.push(`${p}.secret: is required`);
      return;
    }
    const length = base64DecodedLength(key.secret);
    if (length === undefined) problems.push(`${p}.secret: must be standard base64`);
    else if (!sizes.includes(length)) problems.push(`${p}.secret: must decode to ${sizes.join(", ")} bytes, got ${length}`);
  });
  return problems;
}

function kmsProblems(kms: unknown, path: string, seenNames: Set<string>): string[] {
  if (!isObject(kms)) return [`${path}: must be an object, got ${describe(kms)}`];
  const problems: string[] = [];
  const apiVersion = kms.apiVersion;
  if (apiVersion !== "v2") {
    // API server: only v1 and v2 exist and an absent apiVersion means v1. This package: v1 is deprecated
    // (Kubernetes 1.28) and off by default (1.29), so v2 must be set explicitly.
    problems.push(`${path}.apiVersion: must be "v2" (KMS v1 is deprecated and disabled by default since Kubernetes 1.29), got ${describe(apiVersion)}`);
  }
  const name = kms.name;
  if (typeof name !== "string" || name === "") problems.push(`${path}.name: is required, got ${describe(name)}`);
  else {
    if (apiVersion !== "v1" && name.includes(":")) problems.push(`${path}.name: a KMS v2 provider name must not contain ':', got "${name}"`);
    if (apiVersion !== "v1" && seenNames.has(name)) problems.push(`${path}.name: KMS provider names must be unique, got "${name}" twice`);
    seenNames.add(name);
  }
  const endpoint = kms.endpoint;
  if (typeof endpoint !== "string" || endpoint === "") problems.push(`${path}.endpoint: is required, got ${describe(endpoint)}`);
  else if (!/^unix:\/\/./.test(endpoint)) problems.push(`${path}.endpoint: only unix:// sockets are supported, got "${endpoint}"`);
  if (kms.timeout !== undefined) {
    const ns = typeof kms.timeout === "string" ? parseGoDuration(kms.timeout) : undefined;
    if (ns === undefined) problems.push(`${path}.timeout: must be a duration such as "3s", got ${describe(kms.timeout)}`);
    else if (ns <= 0) problems.push(`${path}.timeout: must be positive, got ${describe(kms.timeout)}`);
  }
  if (kms.cachesize !== undefined && apiVersion !== "v1") problems.push(`${path}.cachesize: is not supported by KMS v2, got ${describe(kms.cachesize)}`);
  for (const key of Object.keys(kms)) {
    if (!["apiVersion", "name", "endpoint", "timeout", "cachesize"].includes(key)) problems.push(`${path}.${key}: unknown field`);
  }
  return problems;
}

/**
 * Every problem with an EncryptionConfiguration object as `path: rule, got X` strings ([] when valid).
 *
 * The API server's own rules (k8s.io/apiserver `ValidateEncryptionConfiguration`): at least one resource
 * entry; each entry lists at least one resource and one provider; resource names are lower-case, not `*`,
 * not listed twice, not overlapping (`secrets` with `*.`), not `events.k8s.io`/`extensions` groups, not
 * `name.*`, not the REST-less allocators; exactly one provider kind per provider element; local keys present,
 * named, standard base64 of 16/24/32 bytes (AES) or 32 bytes (secretbox); KMS names present, unique and
 * without `:` (v2), `unix://` endpoints, positive timeouts, no `cachesize` for v2.
 *
 * This package's rules on top: KMS providers must say `apiVersion: v2` explicitly (v1 is deprecated), and
 * `identity: {}` is allowed only as the last provider of an entry that has another one before it: first it
 * would write Secrets unencrypted; elsewhere it would hide the providers after it. Secret key values never
 * appear in messages.
 */
export function validateEncryptionConfiguration(config: object): string[] {
  const c = config as Record<string, unknown>;
  const problems: string[] = [];
  if (c.apiVersion !== "apiserver.config.k8s.io/v1") problems.push(`apiVersion: must be "apiserver.config.k8s.io/v1", got ${describe(c.apiVersion)}`);
  if (c.kind !== "EncryptionConfiguration") problems.push(`kind: must be "EncryptionConfiguration", got ${describe(c.kind)}`);
  if (!Array.isArray(c.resources) || c.resources.length === 0) {
    problems.push(`resources: at least one entry is required, got ${describe(c.resources)}`);
    return problems;
  }
  const kmsNames = new Set<string>();
  c.resources.forEach((entry: unknown, i) => {
    const base = `resources[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${base}: must be an object with resources and providers, got ${describe(entry)}`);
      return;
    }
    problems.push(...resourceListProblems(entry.resources, `${base}.resources`));
    const providers = entry.providers;
    if (!Array.isArray(providers) || providers.length === 0) {
      problems.push(`${base}.providers: at least one provider is required, got ${describe(providers)}`);
      return;
    }
    providers.forEach((provider: unknown, j) => {
      const path = `${base}.providers[${j}]`;
      if (!isObject(provider)) {
        problems.push(`${path}: must be an object, got ${describe(provider)}`);
        return;
      }
      const kinds = ENCRYPTION_PROVIDER_KINDS.filter((k) => provider[k] !== undefined && provider[k] !== null);
      const unknown = Object.keys(provider).filter((k) => !(ENCRYPTION_PROVIDER_KINDS as readonly string[]).includes(k));
      for (const k of unknown) problems.push(`${path}.${k}: unknown provider kind (expected one of ${ENCRYPTION_PROVIDER_KINDS.join(", ")})`);
      if (kinds.length === 0) {
        if (unknown.length === 0) problems.push(`${path}: must set exactly one of ${ENCRYPTION_PROVIDER_KINDS.join(", ")}, got none`);
        return;
      }
      if (kinds.length > 1) {
        problems.push(`${path}: must set exactly one provider kind per element, got ${kinds.join(" and ")}`);
        return;
      }
      const kind = kinds[0];
      if (kind === "kms") problems.push(...kmsProblems(provider.kms, `${path}.kms`, kmsNames));
      else if (kind === "identity") {
        if (!isObject(provider.identity) || Object.keys(provider.identity).length > 0) {
          problems.push(`${path}.identity: must be an empty object {}, got ${JSON.stringify(provider.identity)}`);
        }
        if (j === 0) problems.push(`${path}.identity: identity must not be the first provider (it would store new Secrets unencrypted)`);
        else if (j !== providers.length - 1) problems.push(`${path}.identity: identity may only be the last provider (the read fallback during migration)`);
      } else {
        const local = provider[kind];
        if (!isObject(local)) problems.push(`${path}.${kind}: must be an object with keys, got ${describe(local)}`);
        else problems.push(...keyProblems(local.keys, `${path}.${kind}.keys`, KEY_SIZES[kind]));
      }
    });
  });
  return problems;
}
