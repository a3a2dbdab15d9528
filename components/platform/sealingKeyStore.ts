import type * as pulumi from "@pulumi/pulumi";
import { validateAwsSecretsManagerAccess, type AwsSecretsManagerAccessArgs } from "../external-secrets/aws";
import { validateAzureKeyVaultAccess, type AzureKeyVaultAccessArgs } from "../external-secrets/azure";
import type { BoundServiceAccountArgs } from "../external-secrets/common";
import { validateGcpSecretManagerAccess, type GcpSecretManagerAccessArgs } from "../external-secrets/gcp";
import { known } from "../internal/validation";
import { defaultBackupRemoteKey } from "../sealed-secrets/controller";
import { vaultPolicyProblems, type VaultPolicyRule } from "../vault/policy";

/**
 * The store the sealing key is backed up to and imported from ({@link PlatformSealingKeyStoreArgs}): a
 * namespaced SecretStore in the Sealed Secrets controller's namespace, so only ExternalSecrets and
 * PushSecrets of that namespace can use it.
 */
export const SEALING_KEY_STORE_NAME = "sealing-key-store";
/** The service account the sealing-key store authenticates as (in the controller's namespace, used by nothing else). */
export const SEALING_KEY_STORE_ACCOUNT = "eso-sealing-key-store";
/** The Vault role of the sealing-key store (with `keyStore.vault`). */
export const SEALING_KEY_VAULT_ROLE = "sealing-key-store";

/** The sealing-key store on AWS Secrets Manager. */
export interface SealingKeyAwsStoreArgs {
  /** Region of the backup secret. */
  region: pulumi.Input<string>;
}

/** The sealing-key store on Google Secret Manager. */
export interface SealingKeyGcpStoreArgs {
  /** Project of the backup secret. Default `externalSecrets.gcp.secretProject`, else its `project`. */
  projectId?: pulumi.Input<string>;
  /** Google service account id. Default `sealing-key-<clusterName>` cut to 30 characters. */
  accountId?: pulumi.Input<string>;
}

/** The sealing-key store on Azure Key Vault. */
export interface SealingKeyAzureStoreArgs {
  /** `https://<vault>.vault.azure.net`: the vault `externalSecrets.azure.keyVaultId` names. */
  vaultUrl: pulumi.Input<string>;
}

/** The sealing-key store on the platform's Vault. */
export interface SealingKeyVaultStoreArgs {
  /** KV v2 mount. Default `secret` (the platform's KV engine). A plain value: it decides the policy paths. */
  mount?: string;
}

/**
 * Where the Sealed Secrets sealing key is backed up to (`controller.keyBackup`) and restored or shared from
 * (`controller.keyImport`). Exactly one provider. The platform creates a store of its own for it: a
 * SecretStore `sealing-key-store` in the controller's namespace, authenticating as its own service account
 * `eso-sealing-key-store` through a cloud identity of its own (an IAM role, a Google service account, an
 * Azure identity, a Vault role) that reaches exactly the backup secret: write and read it for the backup,
 * read it for the import, nothing else. No other store shares that identity, so the private key, which
 * decrypts every SealedSecret, is out of reach of every namespace the other stores serve.
 */
export interface PlatformSealingKeyStoreArgs {
  /**
   * AWS Secrets Manager in `region`. The role trusts the store's account through IRSA on
   * `externalSecrets.aws.oidcProvider` (required, whatever that identity's mode).
   */
  aws?: SealingKeyAwsStoreArgs;
  /**
   * Google Secret Manager. `projectId` (default `externalSecrets.gcp.secretProject`, else its `project`)
   * holds the backup secret; the Google service account lives in `externalSecrets.gcp.project` (Workload
   * Identity). `accountId` default `sealing-key-<clusterName>` cut to 30 characters.
   */
  gcp?: SealingKeyGcpStoreArgs;
  /**
   * Azure Key Vault at `vaultUrl`, the vault `externalSecrets.azure.keyVaultId` names (the identity is
   * created in its resource group, federated with the cluster's issuer `externalSecrets.azure.oidcIssuerUrl`).
   */
  azure?: SealingKeyAzureStoreArgs;
  /**
   * The platform's own Vault, KV v2 at `mount` (default `secret`; the `remoteKey` is the path under it). The
   * Vault role and policy are stage 2 (`vault.configuration`); in stage 1 the store exists and is not Ready yet.
   */
  vault?: SealingKeyVaultStoreArgs;
}

/** The provider kinds of {@link PlatformSealingKeyStoreArgs}. */
export const SEALING_KEY_STORE_KINDS = ["aws", "gcp", "azure", "vault"] as const;
export type SealingKeyStoreKind = (typeof SEALING_KEY_STORE_KINDS)[number];

/** The provider chosen in `keyStore` (undefined unless exactly one). */
export function sealingKeyStoreKind(store: PlatformSealingKeyStoreArgs | undefined): SealingKeyStoreKind | undefined {
  const set = SEALING_KEY_STORE_KINDS.filter((k) => store?.[k] !== undefined);
  return set.length === 1 ? set[0] : undefined;
}

/** The remote keys the key store serves: what the backup writes and what the import reads. */
export interface SealingKeyRemoteKeys {
  /** The backup's provider secret (`keyBackup.remoteKey`, default `sealed-secrets-keys-<controller resource name>`). */
  backup?: string;
  /** The import's provider secret (`keyImport.remoteKey`). */
  import?: string;
}

/**
 * The remote keys of the platform named `name` (plain values only: each decides a permission).
 * `controllerResourceName` is the SealedSecretsController's resource name (it names the default backup key).
 */
export function sealingKeyRemoteKeys(
  controllerResourceName: string,
  controller: { keyBackup?: { remoteKey?: pulumi.Input<string> }; keyImport?: { remoteKey: pulumi.Input<string> } } | undefined,
): SealingKeyRemoteKeys {
  const out: SealingKeyRemoteKeys = {};
  if (controller?.keyBackup) {
    const key = controller.keyBackup.remoteKey === undefined ? defaultBackupRemoteKey(controllerResourceName) : known(controller.keyBackup.remoteKey);
    if (typeof key === "string") out.backup = key;
  }
  if (controller?.keyImport) {
    const key = known(controller.keyImport.remoteKey);
    if (typeof key === "string") out.import = key;
  }
  return out;
}

/** The keys only imported (read), not also backed up (the backup's permission already reads). */
function readOnly(keys: SealingKeyRemoteKeys): string[] {
  return keys.import !== undefined && keys.import !== keys.backup ? [keys.import] : [];
}

/**
 * The cluster imports the key it backs up (a restore): the backup secret exists already, so it is bound, not
 * created (GCP would fail with ALREADY_EXISTS; Azure would write the placeholder as its newest version, which the
 * import would then read).
 */
function backupExists(keys: SealingKeyRemoteKeys): boolean {
  return keys.backup !== undefined && keys.backup === keys.import;
}

/** `list`, or undefined when it is empty (an unset optional argument). */
const nonEmpty = (list: string[]) => (list.length > 0 ? list : undefined);

/** The store's own account. */
export function sealingKeyStoreAccount(namespace: string): BoundServiceAccountArgs {
  return { namespace, name: SEALING_KEY_STORE_ACCOUNT };
}

/** Identity inputs the key store borrows from `externalSecrets` (the cluster's OIDC issuer, projects, the vault). */
export interface SealingKeyIdentitySources {
  aws?: Pick<AwsSecretsManagerAccessArgs, "oidcProvider" | "permissionsBoundary" | "tags">;
  gcp?: Pick<GcpSecretManagerAccessArgs, "project" | "secretProject">;
  azure?: Pick<AzureKeyVaultAccessArgs, "resourceGroupName" | "location" | "keyVaultId" | "oidcIssuerUrl" | "tags">;
}

/** The AWS identity of the key store: push on the backup, read on an imported key, trusted by the store's account only. */
export function sealingKeyAwsArgs(source: SealingKeyIdentitySources["aws"], namespace: string, keys: SealingKeyRemoteKeys): AwsSecretsManagerAccessArgs {
  return {
    mode: "irsa",
    oidcProvider: source?.oidcProvider,
    serviceAccounts: [sealingKeyStoreAccount(namespace)],
    pushSecretNames: keys.backup !== undefined ? [keys.backup] : undefined,
    readSecretNames: nonEmpty(readOnly(keys)),
    permissionsBoundary: source?.permissionsBoundary,
    tags: source?.tags,
  };
}

/** The default Google service account id of the key store: `sealing-key-<cluster>` cut to 30 characters. */
export function sealingKeyGcpAccountId(clusterName: string): string {
  return `sealing-key-${clusterName.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 30).replace(/-+$/, "");
}

/** The GCP identity of the key store. */
export function sealingKeyGcpArgs(
  source: SealingKeyIdentitySources["gcp"],
  store: NonNullable<PlatformSealingKeyStoreArgs["gcp"]>,
  clusterName: string,
  namespace: string,
  keys: SealingKeyRemoteKeys,
): GcpSecretManagerAccessArgs {
  return {
    project: source?.project as pulumi.Input<string>,
    secretProject: store.projectId ?? source?.secretProject,
    secrets: readOnly(keys),
    pushSecrets: keys.backup !== undefined ? [keys.backup] : undefined,
    pushSecretsExist: backupExists(keys),
    accountId: store.accountId ?? sealingKeyGcpAccountId(clusterName),
    serviceAccounts: [sealingKeyStoreAccount(namespace)],
  };
}

/** The Azure identity of the key store. */
export function sealingKeyAzureArgs(source: SealingKeyIdentitySources["azure"], name: string, namespace: string, keys: SealingKeyRemoteKeys): AzureKeyVaultAccessArgs {
  return {
    resourceGroupName: source?.resourceGroupName as pulumi.Input<string>,
    location: source?.location,
    keyVaultId: source?.keyVaultId as pulumi.Input<string>,
    oidcIssuerUrl: source?.oidcIssuerUrl as pulumi.Input<string>,
    secretNames: nonEmpty(readOnly(keys)),
    pushSecretNames: keys.backup !== undefined ? [keys.backup] : undefined,
    pushSecretsExist: backupExists(keys),
    serviceAccounts: [sealingKeyStoreAccount(namespace)],
    identityName: `${name}-sealing-key`,
    tags: source?.tags,
  };
}

/**
 * The Vault policy of the key store's role. ESO 2.9's Vault PushSecret on KV v2
 * (providers/v1/vault/client_push.go) reads `<mount>/data/<key>` and, when it exists, `<mount>/metadata/<key>`
 * (the `managed-by` custom metadata and, with check-and-set, `current_version`), writes the custom metadata
 * to `<mount>/metadata/<key>`, then the data to `<mount>/data/<key>`: create/read/update on both paths,
 * never delete, list or destroy. An import only reads the data path.
 */
export function sealingKeyVaultRules(keys: SealingKeyRemoteKeys, mount = "secret"): VaultPolicyRule[] {
  const rules: VaultPolicyRule[] = [];
  if (keys.backup !== undefined) {
    rules.push({ path: `${mount}/data/${keys.backup}`, capabilities: ["create", "read", "update"] });
    rules.push({ path: `${mount}/metadata/${keys.backup}`, capabilities: ["create", "read", "update"] });
  }
  for (const key of readOnly(keys)) rules.push({ path: `${mount}/data/${key}`, capabilities: ["read"] });
  return rules;
}

type Problems = string[];

/** Rename a component's field in its problem (`pushSecretNames[0]: …`) to the platform field it comes from. */
function mapped(problems: string[], kind: SealingKeyStoreKind, source: string): Problems {
  return problems.map((p) => {
    if (/^(pushSecretNames|pushSecrets)\[\d+\]/.test(p)) return p.replace(/^[^:]+/, "sealedSecrets.controller.keyBackup.remoteKey");
    if (/^(readSecretNames|secrets|secretNames)\[\d+\]/.test(p)) return p.replace(/^[^:]+/, "sealedSecrets.controller.keyImport.remoteKey");
    if (/^accountId:/.test(p)) return `sealedSecrets.keyStore.gcp.${p}`;
    return `sealedSecrets.keyStore.${kind}: from ${source}: ${p}`;
  });
}

/** What the platform needs to check the key store (a subset of SecretsPlatformArgs, to avoid a cycle). */
export interface SealingKeyStoreCheckInput {
  /** The SecretsPlatform's resource name. */
  platformName: string;
  clusterName: string;
  controllerResourceName: string;
  controllerNamespace: string;
  keyStore?: PlatformSealingKeyStoreArgs;
  controller?: {
    keyBackup?: { secretStoreName?: pulumi.Input<string>; secretStoreKind?: pulumi.Input<string>; remoteKey?: pulumi.Input<string> };
    keyImport?: { secretStoreName?: pulumi.Input<string>; secretStoreKind?: pulumi.Input<string>; remoteKey: pulumi.Input<string> };
  };
  hasExternalSecrets: boolean;
  sources: SealingKeyIdentitySources;
  /** Names of the platform's own stores usable from the controller's namespace (they share identities). */
  sharedStoreNames: string[];
  hasVault: boolean;
  /** Whether Vault's configuration is applied (stage 2): the key store's Vault role exists only then. */
  hasVaultConfiguration: boolean;
}

/** Every problem with the sealing key's backup/import wiring, as `field.path: rule` strings. */
export function sealingKeyStoreProblems(c: SealingKeyStoreCheckInput): Problems {
  const problems: Problems = [];
  const ks = c.keyStore;
  if (ks !== undefined) {
    const set = SEALING_KEY_STORE_KINDS.filter((k) => ks[k] !== undefined);
    if (set.length !== 1) problems.push(`sealedSecrets.keyStore: set exactly one of ${SEALING_KEY_STORE_KINDS.join(", ")}, got ${set.length === 0 ? "none" : set.join(" and ")}`);
    if (!c.hasExternalSecrets) problems.push("sealedSecrets.keyStore: needs externalSecrets (the store is an ESO SecretStore)");
    if (!c.controller?.keyBackup && !c.controller?.keyImport) problems.push("sealedSecrets.keyStore: set sealedSecrets.controller.keyBackup or keyImport (the store serves nothing else)");
  }
  for (const which of ["keyBackup", "keyImport"] as const) {
    const part = c.controller?.[which];
    if (!part) continue;
    const path = `sealedSecrets.controller.${which}`;
    const storeName = known(part.secretStoreName);
    if (ks !== undefined) {
      if (part.secretStoreName !== undefined) problems.push(`${path}.secretStoreName: must be unset with sealedSecrets.keyStore (the platform's store ${SEALING_KEY_STORE_NAME} is used)`);
      continue;
    }
    if (part.secretStoreName === undefined) {
      problems.push(`${path}.secretStoreName: required without sealedSecrets.keyStore; set sealedSecrets.keyStore to give the key a store and identity of its own`);
      continue;
    }
    if (typeof storeName === "string" && c.sharedStoreNames.includes(storeName)) {
      problems.push(
        `${path}.secretStoreName: "${storeName}" is a store of the platform whose identity other stores share, so every namespace they serve could read the sealing key (which decrypts every SealedSecret); use sealedSecrets.keyStore`,
      );
    }
    const kind = part.secretStoreKind === undefined ? "ClusterSecretStore" : known(part.secretStoreKind);
    if (kind === "ClusterSecretStore") {
      problems.push(
        `${path}.secretStoreKind: a ClusterSecretStore (the default) lets every namespace it admits read the sealing key through an ExternalSecret; use sealedSecrets.keyStore, or a SecretStore in ${c.controllerNamespace} with an identity of its own`,
      );
    }
  }
  const kind = sealingKeyStoreKind(ks);
  if (!ks || !kind) return problems;
  const keys = sealingKeyRemoteKeys(c.controllerResourceName, c.controller);
  const ns = c.controllerNamespace;
  if (kind === "aws") {
    if (!c.sources.aws) problems.push("sealedSecrets.keyStore.aws: needs externalSecrets.aws (its oidcProvider: the store's role trusts its account through IRSA)");
    else problems.push(...mapped(validateAwsSecretsManagerAccess(sealingKeyAwsArgs(c.sources.aws, ns, keys)), kind, "externalSecrets.aws"));
  } else if (kind === "gcp") {
    if (!c.sources.gcp) problems.push("sealedSecrets.keyStore.gcp: needs externalSecrets.gcp (its project hosts the Google service account and the workload pool)");
    else problems.push(...mapped(validateGcpSecretManagerAccess(sealingKeyGcpArgs(c.sources.gcp, ks.gcp!, c.clusterName, ns, keys)), kind, "externalSecrets.gcp"));
  } else if (kind === "azure") {
    if (!c.sources.azure) problems.push("sealedSecrets.keyStore.azure: needs externalSecrets.azure (its resource group, vault and OIDC issuer)");
    else problems.push(...mapped(validateAzureKeyVaultAccess(sealingKeyAzureArgs(c.sources.azure, c.platformName, ns, keys)), kind, "externalSecrets.azure"));
    const url = known(ks.azure!.vaultUrl);
    if (typeof url === "string" && !/^https:\/\/\S+$/.test(url)) problems.push(`sealedSecrets.keyStore.azure.vaultUrl: must be an https:// URL, got "${url}"`);
  } else {
    if (!c.hasVault) problems.push("sealedSecrets.keyStore.vault: needs vault (the platform's Vault)");
    else if (c.controller?.keyImport && !c.hasVaultConfiguration) {
      // The controller is installed only once the imported key is Ready; in stage 1 the store's Vault role does
      // not exist, so the first `up` would wait for it until it times out.
      problems.push(
        "sealedSecrets.controller.keyImport: through keyStore.vault it needs Vault's configuration (stage 2: the store's Vault role): the controller waits for the imported key, which stage 1 cannot serve; import from a cloud keyStore, or add keyImport in the stage-2 update",
      );
    }
    for (const [which, key] of [["keyBackup", keys.backup], ["keyImport", keys.import]] as const) {
      if (key === undefined) continue;
      if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split("/").some((s) => s === "." || s === "..")) {
        problems.push(`sealedSecrets.controller.${which}.remoteKey: must be a KV path under the mount (segments of letters, digits, '_', '.', '-'; no wildcards), got "${key}"`);
      }
    }
    const mount = ks.vault!.mount ?? "secret";
    if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(mount)) problems.push(`sealedSecrets.keyStore.vault.mount: must be a mount path (letters, digits, '_', '-', segments separated by '/'), got "${mount}"`);
    if (problems.length === 0) problems.push(...vaultPolicyProblems(sealingKeyVaultRules(keys, mount), { fieldPrefix: "sealedSecrets.keyStore.vault.policy" }));
  }
  return problems;
}
