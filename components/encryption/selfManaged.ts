import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, isDeferred, known, zodProblems } from "../internal/validation";
import {
  KEY_SIZES,
  validateEncryptionConfiguration,
  type EncryptionConfiguration,
  type EncryptionProviderConfiguration,
} from "./encryptionConfiguration";

/** A key of a local provider. */
export interface LocalKeyArgs {
  /**
   * Key name, unique within the configuration (lower-case alphanumerics and `-`, at most 40 characters). It
   * names the generated key's child resource, so keep it stable; a new name is a new key. A plain value.
   */
  name: string;
  /**
   * Base64 of the raw key bytes (32 bytes for `secretbox`; 16, 24 or 32 for `aesgcm`/`aescbc`), treated as a
   * secret. Default: 32 random bytes generated with `@pulumi/random` (`RandomBytes`) and kept in state as a
   * secret. Give one only to import a key that already encrypts data in etcd.
   */
  secret?: pulumi.Input<string>;
}

/** A local-key provider (`secretbox`, `aesgcm` or `aescbc`). */
export interface LocalKeysProviderArgs {
  /**
   * Keys in order: the first encrypts every write, the others are tried for reads. Rotate by putting a new key
   * first and keeping the old ones until every Secret was rewritten (see `SecretsReencryption`).
   */
  keys: LocalKeyArgs[];
}

/** A KMS v2 provider: a plugin listening on a unix socket on every control-plane node. */
export interface KmsV2ProviderArgs {
  /** Provider name, unique, without `:` (it is stored with every encrypted object: never rename it). A plain value. */
  name: string;
  /** The plugin's socket, `unix:///path/to/socket`. A plain value. */
  endpoint: string;
  /** Timeout of a call to the plugin, a Go duration. Default `3s`. A plain value. */
  timeout?: string;
}

/** One provider of the configuration: set exactly one member. */
export interface EncryptionProviderArgs {
  /** KMS v2 envelope encryption through a plugin (the recommended provider when a KMS is available). */
  kms?: KmsV2ProviderArgs;
  /** XSalsa20-Poly1305 with local keys: the recommended local provider. */
  secretbox?: LocalKeysProviderArgs;
  /** AES-GCM with local keys. Rotate the key well before 2^32 writes; prefer `secretbox`. */
  aesgcm?: LocalKeysProviderArgs;
  /** AES-CBC with local keys. Not recommended (padding-oracle weaknesses); accepted for migrations. */
  aescbc?: LocalKeysProviderArgs;
  /**
   * `identity: {}` (no encryption): only as the last provider, so that Secrets written before encryption was
   * turned on can still be read until `SecretsReencryption` rewrote them. Never first.
   */
  identity?: boolean;
}

/** Arguments of `SelfManagedSecretsEncryption`. */
export interface SelfManagedSecretsEncryptionArgs {
  /**
   * Resources to encrypt (`secrets`, `configmaps`, `<resource>.<group>`, `*.<group>`). Default `["secrets"]`.
   * A plain value.
   */
  resources?: string[];
  /**
   * Providers in order: the first one encrypts every write, every one is tried for reads. Required, at least
   * one; `identity` may only be last.
   */
  providers: EncryptionProviderArgs[];
  /**
   * Keys no Secret is encrypted with any more (the explicit step that retires a key): left out of the
   * configuration, but a generated key stays in state (protected) so it can still be recovered. Needs
   * `retireAfter`. Default: none. To erase a generated retired key for good, `pulumi state unprotect` its
   * `RandomBytes` and remove it here.
   */
  retiredKeys?: LocalKeyArgs[];
  /**
   * Resolves once every Secret was rewritten with the current write key (`SecretsReencryption.rewrittenWith`
   * of a Job whose trigger is `writeProvider`): `configYaml` leaves the retired keys out only after it
   * resolved, so a failed rewrite never drops a key that may still encrypt data. Required with `retiredKeys`.
   */
  retireAfter?: pulumi.Input<string>;
}

const KEY_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LOCAL_KINDS = ["secretbox", "aesgcm", "aescbc"] as const;
type LocalKind = (typeof LOCAL_KINDS)[number];

/** The size, in bytes, of keys this component generates. */
export const GENERATED_KEY_BYTES = 32;

const keySchema = z.strictObject({
  name: z.string().max(40, { message: "must be at most 40 characters" }).regex(KEY_NAME, { message: "must be lower-case alphanumerics and '-'" }),
  secret: input(z.string()).optional(),
});
const localSchema = z.strictObject({ keys: z.array(keySchema).min(1, { message: "at least one key is required" }) });
const argsSchema = z.strictObject({
  resources: z.array(z.string()).optional(),
  providers: z
    .array(
      z.strictObject({
        kms: z.strictObject({ name: z.string(), endpoint: z.string(), timeout: z.string().optional() }).optional(),
        secretbox: localSchema.optional(),
        aesgcm: localSchema.optional(),
        aescbc: localSchema.optional(),
        identity: z.boolean().optional(),
      }),
    )
    .min(1, { message: "at least one provider is required" }),
  retiredKeys: z.array(keySchema).optional(),
  retireAfter: input(z.string()).optional(),
});

/** A valid stand-in key (zero bytes) used to validate a configuration whose key values are not known yet. */
function placeholderKey(kind: LocalKind): string {
  return Buffer.alloc(KEY_SIZES[kind].includes(GENERATED_KEY_BYTES) ? GENERATED_KEY_BYTES : KEY_SIZES[kind][0]).toString("base64");
}

/**
 * The EncryptionConfiguration `args` describe, with `keyValue(kind, key)` supplying each local key's secret
 * (known strings as given). `identity: false` providers are dropped.
 */
function buildConfiguration(
  args: SelfManagedSecretsEncryptionArgs,
  keyValue: (kind: LocalKind, key: LocalKeyArgs, index: number) => string,
): EncryptionConfiguration {
  const providers: EncryptionProviderConfiguration[] = [];
  for (const p of args.providers) {
    const entry: EncryptionProviderConfiguration = {};
    if (p.kms) entry.kms = { apiVersion: "v2", name: p.kms.name, endpoint: p.kms.endpoint, timeout: p.kms.timeout ?? "3s" };
    for (const kind of LOCAL_KINDS) {
      const local = p[kind];
      if (local) entry[kind] = { keys: local.keys.map((k, i) => ({ name: k.name, secret: keyValue(kind, k, i) })) };
    }
    if (p.identity === true) entry.identity = {};
    if (p.identity === false && Object.keys(entry).length === 0) continue;
    providers.push(entry);
  }
  return {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [{ resources: args.resources ?? ["secrets"], providers }],
  };
}

/**
 * Every problem with `args` as `field.path: rule` strings ([] when valid): the argument shape, unique key
 * names, and `validateEncryptionConfiguration` over the configuration these args produce (given key
 * values checked as they are, generated or not-yet-known ones assumed valid).
 */
export function validateSelfManagedSecretsEncryption(args: SelfManagedSecretsEncryptionArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if (problems.length > 0) return problems;
  const names = new Map<string, string>();
  args.providers.forEach((p, i) =>
    LOCAL_KINDS.forEach((kind) =>
      p[kind]?.keys.forEach((k, j) => {
        const path = `providers[${i}].${kind}.keys[${j}].name`;
        const first = names.get(k.name);
        if (first) problems.push(`${path}: key names must be unique, got "${k.name}" (also at ${first})`);
        else names.set(k.name, path);
      }),
    ),
  );
  args.retiredKeys?.forEach((k, j) => {
    const path = `retiredKeys[${j}].name`;
    const first = names.get(k.name);
    if (first) problems.push(`${path}: key "${k.name}" is retired and still at ${first}: retire a key by moving it from the providers to retiredKeys`);
    else names.set(k.name, path);
  });
  if ((args.retiredKeys?.length ?? 0) > 0 && args.retireAfter === undefined) {
    problems.push(
      `retiredKeys: needs retireAfter (resolving once every Secret was rewritten with the write key, e.g. SecretsReencryption.rewrittenWith), got retired ${args.retiredKeys!.map((k) => `"${k.name}"`).join(", ")}`,
    );
  }
  const config = buildConfiguration(args, (kind, key) => {
    const given = known(key.secret);
    return key.secret === undefined || isDeferred(key.secret) || given === undefined ? placeholderKey(kind) : given;
  });
  // `identity: false` entries were dropped: map provider indexes back to the argument indexes.
  const argIndex = args.providers.flatMap((p, i) => (p.identity === false && !p.kms && !LOCAL_KINDS.some((k) => p[k]) ? [] : [i]));
  for (const problem of validateEncryptionConfiguration(config)) {
    problems.push(
      problem
        .replace(/^resources\[0\]\.resources/, "resources")
        .replace(/^resources\[0\]\.providers\[(\d+)\]/, (_, n: string) => `providers[${argIndex[Number(n)]}]`)
        .replace(/^resources\[0\]\.providers:/, "providers:"),
    );
  }
  return problems;
}

/** Every `<kind>/<name>` the configuration of `args` holds (local keys and KMS providers), in order. */
export function providerKeyIds(args: Pick<SelfManagedSecretsEncryptionArgs, "providers">): string[] {
  return args.providers.flatMap((p) => [
    ...(p.kms ? [`kms/${p.kms.name}`] : []),
    ...LOCAL_KINDS.flatMap((kind) => (p[kind]?.keys ?? []).map((k) => `${kind}/${k.name}`)),
  ]);
}

/** The `<kind>/<name>` that encrypts writes under the configuration of `args` (what `writeProvider` holds). */
export function writeProviderOf(args: Pick<SelfManagedSecretsEncryptionArgs, "providers">): string {
  const first = args.providers[0];
  if (!first) return "";
  if (first.kms) return `kms/${first.kms.name}`;
  const kind = LOCAL_KINDS.find((k) => first[k]);
  return kind ? `${kind}/${first[kind]!.keys[0]?.name ?? ""}` : "identity/";
}

/**
 * Problems with retiring keys (`retiredKeys`) given what the cluster was rewritten with (`rewrittenWith`,
 * the rewrite Job's trigger; undefined: no rewrite), as `retiredKeys[i]: rule`. A key may only leave the
 * configuration once every Secret was rewritten with the configuration's write key, which every API server
 * must use already. Shared by SecretsPlatform and the stack config.
 */
export function keyRetirementProblems(args: SelfManagedSecretsEncryptionArgs, rewrittenWith: string | undefined): string[] {
  const write = writeProviderOf(args);
  return (args.retiredKeys ?? []).flatMap((k, i) =>
    rewrittenWith === write
      ? []
      : [
          `retiredKeys[${i}]: key "${k.name}" may still encrypt Secrets: retire it only with a rewrite with the write key ` +
            `"${write}" (the key the cluster encrypts with now), got ${rewrittenWith === undefined ? "no rewrite" : `a rewrite with "${rewrittenWith}"`}`,
        ],
  );
}

/**
 * An `apiserver.config.k8s.io/v1` EncryptionConfiguration for clusters whose API server you run yourself
 * (kubeadm, k3s, RKE2, kind…): a KMS v2 provider (`apiVersion: v2`, `unix://` endpoint, timeout) and/or local
 * keys (`secretbox`, `aesgcm`, `aescbc`) generated with `@pulumi/random`. The file and every key are secrets.
 *
 * Installing it on every control-plane node:
 * 1. write `configYaml` to e.g. `/etc/kubernetes/enc/encryption-config.yaml` (owner root, mode 0600), for
 *    instance from the stack output: `pulumi stack output --show-secrets ... > encryption-config.yaml`;
 * 2. start kube-apiserver with `--encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml`
 *    (kubeadm: add the flag and a read-only hostPath mount to `/etc/kubernetes/manifests/kube-apiserver.yaml`;
 *    k3s/RKE2: `kube-apiserver-arg`), optionally with `--encryption-provider-config-automatic-reload=true`;
 * 3. once every API server runs with it, run `SecretsReencryption` so existing Secrets are rewritten.
 *
 * Rotation: put a new key first and keep the old ones (they stay for reads); with several API servers,
 * first roll out the new key in second position to all of them, then move it first, then rewrite Secrets,
 * and only then retire the old key (`retiredKeys` + `retireAfter`). Losing a key that still encrypts data makes
 * that data unreadable: generated keys are `protect`ed, so removing one from the program without retiring it
 * fails the update instead.
 */
export class SelfManagedSecretsEncryption extends pulumi.ComponentResource {
  /** The EncryptionConfiguration as YAML, for `--encryption-provider-config`. Secret. */
  public readonly configYaml: pulumi.Output<string>;
  /**
   * What encrypts writes, e.g. `secretbox/key-2026-11` or `kms/vault-kms`: changes exactly when the write key
   * changes, so it is a good `SecretsReencryption` `trigger`. Not secret (names only).
   */
  public readonly writeProvider: pulumi.Output<string>;

  constructor(name: string, args: SelfManagedSecretsEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("SelfManagedSecretsEncryption", name, validateSelfManagedSecretsEncryption(args));
    super(typeToken("SelfManagedSecretsEncryption"), name, {}, opts);

    const secrets = new Map<string, pulumi.Output<string>>();
    // A generated key is protected: dropping it from the program (instead of retiring it) makes `pulumi up`
    // fail naming it rather than delete a key that may still encrypt data. Retired keys keep their resource.
    const generate = (key: LocalKeyArgs) =>
      new random.RandomBytes(
        childName(name, `key-${key.name}`),
        { length: GENERATED_KEY_BYTES },
        { parent: this, additionalSecretOutputs: ["base64", "hex"], protect: true },
      );
    for (const p of args.providers) {
      for (const kind of LOCAL_KINDS) {
        for (const key of p[kind]?.keys ?? []) {
          secrets.set(key.name, pulumi.secret(key.secret !== undefined ? pulumi.output(key.secret) : generate(key).base64));
        }
      }
    }
    for (const key of args.retiredKeys ?? []) if (key.secret === undefined) generate(key);
    const names = [...secrets.keys()];
    const config = pulumi.secret(
      pulumi.all([pulumi.all(names.map((n) => secrets.get(n)!)), pulumi.output(args.retireAfter ?? "")]).apply(([values]) => {
        const byName = new Map(names.map((n, i) => [n, values[i]]));
        return buildConfiguration(args, (_kind, key) => byName.get(key.name)!);
      }),
    );
    this.configYaml = pulumi.secret(config.apply((c) => stringify(c)));
    this.writeProvider = pulumi.output(writeProviderOf(args));

    this.registerOutputs({ configYaml: this.configYaml, writeProvider: this.writeProvider });
  }
}
