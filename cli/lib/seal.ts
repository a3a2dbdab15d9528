/**
 * Offline kubeseal (`npm run seal`): Secret manifest in, SealedSecret manifest out, sealed with a
 * certificate file like `kubeseal --cert cert.pem`. The IO is injected so tests drive it in-process.
 */
import { parseArgs } from "node:util";
import * as YAML from "yaml";
import {
  SEALING_SCOPES,
  SealingError,
  certificatePublicKey,
  scopeAnnotations,
  scopeFromAnnotations,
  sealValue,
  unsealValue,
  type SealingScope,
} from "../../components/sealed-secrets/crypto";
import { dns1123LabelProblems, dns1123SubdomainProblems } from "../../components/internal/naming";
import { SEALED_SECRET_API_VERSION } from "../../components/sealed-secrets/sealedSecret";
import { certificateWindowProblem, dataKeyProblem } from "../../stacks/sections/rules";

/**
 * Why `name` / `namespace` is not what the API server accepts for a Secret, or undefined: a Secret's name is a
 * DNS-1123 subdomain (at most 253), its namespace a DNS-1123 label (at most 63).
 */
function secretNameProblem(field: string, value: string, kind: "name" | "namespace"): string | undefined {
  if (kind === "namespace") {
    if (dns1123LabelProblems(value).length > 0) return `${field}: must be a DNS-1123 label (at most 63 lower-case alphanumerics or '-'), got ${JSON.stringify(value)}`;
  } else if (dns1123SubdomainProblems(value).length > 0) {
    return `${field}: must be a DNS-1123 subdomain (at most 253 lower-case alphanumerics, '-' or '.'), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

export const SEAL_USAGE = `usage: npm run seal -- --cert CERT.pem [--scope strict|namespace-wide|cluster-wide] [--format yaml|json] [SECRET_FILE|-]
       npm run seal -- --cert CERT.pem --raw --namespace NS --name NAME [--scope SCOPE] [--from-file VALUE_FILE|-]
       npm run seal -- --recovery-unseal --recovery-private-key KEY.pem [--recovery-private-key ...] [SEALED_FILE|-]

Seals a Secret manifest (YAML or JSON, from SECRET_FILE or stdin) into a bitnami.com/v1alpha1 SealedSecret
manifest on stdout, exactly as kubeseal does. --raw seals one value (from --from-file or stdin) and prints
only its base64 ciphertext. The scope defaults to the Secret's sealedsecrets.bitnami.com/* annotations, else strict.
--recovery-unseal decrypts a SealedSecret back into a Secret manifest with the controller's private keys (PEM
files, or key Secrets as exported with kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml):
for disaster recovery only, the output holds the plaintext.`;

/** Thrown for bad input; the CLI prints the message and exits 2. */
export class SealInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealInputError";
  }
}

/** A Kubernetes object as parsed from a manifest. */
type Manifest = Record<string, any>;

function parseScope(scope: string | undefined): SealingScope | undefined {
  if (scope === undefined) return undefined;
  if (!(SEALING_SCOPES as readonly string[]).includes(scope)) {
    throw new SealInputError(`--scope: must be one of ${SEALING_SCOPES.join(", ")}, got "${scope}"`);
  }
  return scope as SealingScope;
}

/** Parses one manifest of `kind` from YAML or JSON text (JSON is YAML). */
export function parseSecretManifest(text: string, source: string, kind = "Secret", apiVersion = "v1"): Manifest {
  let docs: unknown[];
  try {
    docs = YAML.parseAllDocuments(text).map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJS();
    });
  } catch (e) {
    throw new SealInputError(`${source}: not valid YAML or JSON (${(e as Error).message.split("\n")[0]})`);
  }
  docs = docs.filter((d) => d !== null && d !== undefined);
  if (docs.length !== 1) throw new SealInputError(`${source}: expected exactly one Secret manifest, got ${docs.length} documents`);
  const doc = docs[0];
  if (typeof doc !== "object" || Array.isArray(doc)) throw new SealInputError(`${source}: expected a ${kind} object`);
  const secret = doc as Manifest;
  if (secret.kind !== kind || (secret.apiVersion !== undefined && secret.apiVersion !== apiVersion)) {
    throw new SealInputError(`${source}: expected kind ${kind} (apiVersion ${apiVersion}), got ${JSON.stringify(secret.kind)}`);
  }
  return secret;
}

/**
 * The SealedSecret manifest for a Secret manifest, as kubeseal builds it: every `data` (base64) and
 * `stringData` value sealed (stringData wins on a key in both); the Secret's labels, annotations, type
 * and immutability in the template; the scope annotation on both. `scope` overrides the annotations.
 */
export function sealSecretManifest(secret: Manifest, certificatePem: string, scopeOverride?: SealingScope): Manifest {
  const meta = (secret.metadata ?? {}) as Manifest;
  const name = meta.name;
  const namespace = meta.namespace;
  if (typeof name !== "string" || name === "") throw new SealInputError("the Secret has no metadata.name: a SealedSecret is sealed for a name");
  if (typeof namespace !== "string" || namespace === "") {
    throw new SealInputError("the Secret has no metadata.namespace: set it (offline sealing has no current namespace to fall back to)");
  }
  const nameProblem = secretNameProblem("metadata.name", name, "name") ?? secretNameProblem("metadata.namespace", namespace, "namespace");
  if (nameProblem) throw new SealInputError(nameProblem);
  const givenAnnotations = { ...((meta.annotations ?? {}) as Record<string, string>) };
  const scope = scopeOverride ?? scopeFromAnnotations(givenAnnotations);
  delete givenAnnotations["sealedsecrets.bitnami.com/namespace-wide"];
  delete givenAnnotations["sealedsecrets.bitnami.com/cluster-wide"];
  delete givenAnnotations["kubectl.kubernetes.io/last-applied-configuration"];
  const scoped = scopeAnnotations(scope);

  const values = new Map<string, Buffer>();
  for (const key of [...Object.keys((secret.data ?? {}) as object), ...Object.keys((secret.stringData ?? {}) as object)]) {
    const problem = dataKeyProblem(key);
    if (problem) throw new SealInputError(`data key ${JSON.stringify(key)}: ${problem} (the API server's rule for Secret keys)`);
  }
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, unknown>)) {
    if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ""))) {
      throw new SealInputError(`data.${key}: must be base64 (use stringData for plain text)`);
    }
    values.set(key, Buffer.from(value, "base64"));
  }
  for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, unknown>)) {
    if (typeof value !== "string") throw new SealInputError(`stringData.${key}: must be a string`);
    values.set(key, Buffer.from(value, "utf8"));
  }
  if (values.size === 0) throw new SealInputError("the Secret has no data or stringData to seal");

  const encryptedData: Record<string, string> = {};
  for (const key of [...values.keys()].sort()) {
    encryptedData[key] = sealValue({ certificatePem, namespace, name, scope, value: values.get(key)! });
  }
  const annotations = { ...givenAnnotations, ...scoped };
  const templateMeta: Manifest = { name, namespace };
  if (meta.labels && Object.keys(meta.labels).length > 0) templateMeta.labels = meta.labels;
  if (Object.keys(annotations).length > 0) templateMeta.annotations = annotations;
  const template: Manifest = { metadata: templateMeta, type: secret.type ?? "Opaque" };
  if (secret.immutable !== undefined) template.immutable = secret.immutable;

  const sealedMeta: Manifest = { name, namespace };
  if (Object.keys(scoped).length > 0) sealedMeta.annotations = scoped;
  return { apiVersion: SEALED_SECRET_API_VERSION, kind: "SealedSecret", metadata: sealedMeta, spec: { encryptedData, template } };
}

/**
 * The private keys in a key file: PEM private keys, or the `tls.key` of key Secrets (a Secret, a List of
 * them, or several YAML documents), as a backup of the controller's keys holds them.
 */
export function privateKeysFromFile(text: string, source: string): string[] {
  if (text.includes("-----BEGIN") && text.includes("PRIVATE KEY-----")) {
    const pems = text.match(/-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]*?-----END (RSA )?PRIVATE KEY-----/g) ?? [];
    if (pems.length > 0) return pems.map((p) => `${p}\n`);
  }
  let docs: unknown[];
  try {
    docs = YAML.parseAllDocuments(text).map((d) => d.toJS());
  } catch {
    docs = [];
  }
  const secrets = docs.flatMap((d: any) => (d?.kind === "List" ? (d.items ?? []) : [d])).filter((d: any) => d?.kind === "Secret");
  const keys = secrets.map((s: any) => s?.data?.["tls.key"]).filter((k: unknown): k is string => typeof k === "string");
  if (keys.length === 0) throw new SealInputError(`--recovery-private-key ${source}: no PEM private key or key Secret with tls.key found`);
  return keys.map((k) => Buffer.from(k, "base64").toString("utf8"));
}

/**
 * The Secret manifest a SealedSecret unseals to, decrypted with the first of `privateKeyPems` that works
 * for each value (what `kubeseal --recovery-unseal` does). Throws naming the value no key can decrypt.
 */
export function unsealSealedSecretManifest(sealed: Manifest, privateKeyPems: string[]): Manifest {
  const meta = (sealed.metadata ?? {}) as Manifest;
  const template = (sealed.spec?.template ?? {}) as Manifest;
  const name = meta.name as string | undefined;
  const namespace = meta.namespace as string | undefined;
  if (!name || !namespace) throw new SealInputError("the SealedSecret has no metadata.name or metadata.namespace");
  const scope = scopeFromAnnotations(meta.annotations as Record<string, string> | undefined);
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries((sealed.spec?.encryptedData ?? {}) as Record<string, string>)) {
    let plain: Buffer | undefined;
    for (const privateKeyPem of privateKeyPems) {
      try {
        plain = unsealValue({ privateKeyPem, namespace, name, scope, sealed: value });
        break;
      } catch {
        // try the next key
      }
    }
    if (!plain) throw new SealInputError(`encryptedData.${key}: none of the private keys can decrypt it for ${namespace}/${name} (${scope} scope)`);
    data[key] = plain.toString("base64");
  }
  const metadata: Manifest = { ...((template.metadata ?? {}) as Manifest), name, namespace };
  const secret: Manifest = { apiVersion: "v1", kind: "Secret", metadata, type: template.type ?? "Opaque", data };
  if (template.immutable !== undefined) secret.immutable = template.immutable;
  return secret;
}

/** What the CLI reads from and writes to. */
export interface SealIo {
  readFile(path: string): Buffer;
  readStdin(): Buffer;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The current time (certificate validity); default the clock. */
  now?: () => Date;
}

/** Runs `npm run seal` with `argv`; returns the exit code (0 ok, 2 bad input or usage). */
export function runSeal(argv: string[], io: SealIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        cert: { type: "string" },
        scope: { type: "string" },
        raw: { type: "boolean", default: false },
        name: { type: "string" },
        namespace: { type: "string", short: "n" },
        "from-file": { type: "string" },
        format: { type: "string", short: "o", default: "yaml" },
        "recovery-unseal": { type: "boolean", default: false },
        "recovery-private-key": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.stderr(`seal: ${(e as Error).message}\n${SEAL_USAGE}\n`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  if (opts.help) {
    io.stdout(`${SEAL_USAGE}\n`);
    return 0;
  }
  try {
    if (opts.format !== "yaml" && opts.format !== "json") throw new SealInputError(`--format: must be yaml or json, got "${opts.format}"`);
    const emit = (manifest: Manifest) =>
      io.stdout(opts.format === "json" ? `${JSON.stringify(manifest, null, 2)}\n` : `---\n${YAML.stringify(manifest, { lineWidth: 0 })}`);
    const readInput = (path: string | undefined, what: string): Buffer => {
      if (path === undefined || path === "-") return io.readStdin();
      try {
        return io.readFile(path);
      } catch (e) {
        throw new SealInputError(`${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    };
    if (positionals.length > 1) throw new SealInputError(`expected at most one input file, got ${positionals.length}`);

    if (opts["recovery-unseal"]) {
      const keyFiles = opts["recovery-private-key"] ?? [];
      if (keyFiles.length === 0) throw new SealInputError("--recovery-private-key: required with --recovery-unseal (a PEM key or an exported key Secret)");
      if (opts.cert || opts.raw) throw new SealInputError("--recovery-unseal: does not take --cert or --raw");
      const keys = keyFiles.flatMap((f) => privateKeysFromFile(readInput(f, "--recovery-private-key").toString("utf8"), f));
      const source = positionals[0] ?? "-";
      const sealed = parseSecretManifest(readInput(source, "input").toString("utf8"), source === "-" ? "stdin" : source, "SealedSecret", SEALED_SECRET_API_VERSION);
      emit(unsealSealedSecretManifest(sealed, keys));
      return 0;
    }

    if (!opts.cert) throw new SealInputError("--cert: required (the controller's certificate, e.g. from kubeseal --fetch-cert)");
    let certificatePem: string;
    try {
      certificatePem = io.readFile(opts.cert).toString("utf8");
    } catch (e) {
      throw new SealInputError(`--cert: cannot read ${opts.cert} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      certificatePublicKey(certificatePem);
    } catch (e) {
      throw new SealInputError(`--cert ${opts.cert}: ${(e as Error).message.replace(/^certificatePem: /, "")}`);
    }
    // kubeseal refuses an expired certificate (pkg/kubeseal ParseKey: time.Now().After(NotAfter)); one that is
    // not valid yet is refused here too (a wrong clock or a wrong certificate).
    const window = certificateWindowProblem(certificatePem, io.now?.() ?? new Date());
    if (window) throw new SealInputError(`--cert ${opts.cert}: ${window}`);
    const scope = parseScope(opts.scope);

    if (opts.raw) {
      if (positionals.length > 0) throw new SealInputError("--raw: takes the value from --from-file or stdin, not a positional file");
      const effective = scope ?? "strict";
      if (effective !== "cluster-wide" && !opts.namespace) throw new SealInputError(`--namespace: required with --raw in ${effective} scope`);
      if (effective === "strict" && !opts.name) throw new SealInputError("--name: required with --raw in strict scope");
      const rawProblem = (opts.name ? secretNameProblem("--name", opts.name, "name") : undefined) ?? (opts.namespace ? secretNameProblem("--namespace", opts.namespace, "namespace") : undefined);
      if (rawProblem) throw new SealInputError(rawProblem);
      const value = readInput(opts["from-file"], "--from-file");
      io.stdout(sealValue({ certificatePem, namespace: opts.namespace ?? "", name: opts.name ?? "", scope: effective, value }));
      return 0;
    }

    if (opts["recovery-private-key"]) throw new SealInputError("--recovery-private-key: only applies with --recovery-unseal");
    if (opts.name || opts.namespace || opts["from-file"]) {
      throw new SealInputError("--name, --namespace and --from-file only apply with --raw (a manifest carries its own)");
    }
    const source = positionals[0] ?? "-";
    const secret = parseSecretManifest(readInput(source, "input").toString("utf8"), source === "-" ? "stdin" : source);
    emit(sealSecretManifest(secret, certificatePem, scope));
    return 0;
  } catch (e) {
    if (e instanceof SealInputError || e instanceof SealingError) {
      io.stderr(`seal: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
