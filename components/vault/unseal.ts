/**
 * Auto-unseal for VaultCluster: the argument types, the `seal` stanza of each cloud, validation, and the
 * cloud identity the Vault server pods use, limited to the one unseal key.
 */
import * as aws from "@pulumi/aws";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childName } from "../internal/naming";
import { known } from "../internal/validation";
import { eksPodIdentityTrustStatement } from "../internal/podIdentity";
import { hclString } from "./hcl";

/** IAM Roles for Service Accounts: the EKS cluster's IAM OIDC provider. */
export interface AwsIrsaArgs {
  /** ARN of the cluster's IAM OIDC identity provider (`arn:aws:iam::<account>:oidc-provider/oidc.eks…`). */
  oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
  oidcIssuerUrl: pulumi.Input<string>;
}

/** EKS Pod Identity: an association of the Vault server service account with the unseal role. */
export interface AwsPodIdentityArgs {
  /** Name of the EKS cluster (the Pod Identity Agent add-on must be installed). */
  clusterName: pulumi.Input<string>;
}

/** Auto-unseal with an AWS KMS key (`seal "awskms"`). */
export interface AwsKmsUnsealArgs {
  /** ARN of the symmetric KMS key (`arn:aws:kms:<region>:<account>:key/<id>`). Required: the IAM policy is scoped to it. */
  keyArn: pulumi.Input<string>;
  /** Region of the key. Default: the region in `keyArn`. */
  region?: pulumi.Input<string>;
  /** Use IRSA for the role. Exactly one of `irsa` / `podIdentity`. */
  irsa?: AwsIrsaArgs;
  /** Use EKS Pod Identity for the role. Exactly one of `irsa` / `podIdentity`. */
  podIdentity?: AwsPodIdentityArgs;
}

/** Auto-unseal with a Google Cloud KMS key (`seal "gcpckms"`) through GKE Workload Identity. */
export interface GcpCkmsUnsealArgs {
  /** Full crypto key id: `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`. Required: the IAM bindings are on it. */
  cryptoKeyId: pulumi.Input<string>;
  /** Project of the GKE cluster (its Workload Identity pool `<project>.svc.id.goog`). Default: the key's project. */
  workloadIdentityProject?: pulumi.Input<string>;
  /** Project the Google service account is created in. Default: the key's project. */
  serviceAccountProject?: pulumi.Input<string>;
  /** Account id of the Google service account (6–30 characters). Default `vault-unseal`. */
  serviceAccountId?: string;
}

/** Auto-unseal with an Azure Key Vault key (`seal "azurekeyvault"`) through AKS workload identity. */
export interface AzureKeyVaultUnsealArgs {
  /** ARM id of the Key Vault (`/subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.KeyVault/vaults/<name>`). */
  keyVaultId: pulumi.Input<string>;
  /** Name of the RSA key in the vault. Required: the role assignment is scoped to it. */
  keyName: pulumi.Input<string>;
  /** Microsoft Entra tenant id. */
  tenantId: pulumi.Input<string>;
  /** The AKS cluster's OIDC issuer URL (federated credential issuer). */
  oidcIssuerUrl: pulumi.Input<string>;
  /** Resource group the user-assigned managed identity is created in. */
  identityResourceGroupName: pulumi.Input<string>;
  /** Location of the managed identity. Default: the resource group's. */
  identityLocation?: pulumi.Input<string>;
}

/**
 * Auto-unseal: at most one member. None: Shamir seal, and an operator must unseal every Vault pod
 * (`vault operator unseal`, with a threshold of key shares) after each restart.
 */
export interface VaultAutoUnsealArgs {
  /** AWS KMS. */
  awsKms?: AwsKmsUnsealArgs;
  /** Google Cloud KMS. */
  gcpCkms?: GcpCkmsUnsealArgs;
  /** Azure Key Vault. */
  azureKeyVault?: AzureKeyVaultUnsealArgs;
}

/**
 * The role Azure defines as "Key Vault Crypto Service Encryption User": read key metadata, wrap and
 * unwrap (no encrypt/decrypt of data, no key management).
 */
export const AZURE_KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/** The IAM actions Vault's awskms seal needs on its key. */
export const AWS_KMS_UNSEAL_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"];

/** The Cloud KMS roles Vault's gcpckms seal needs on its key (use the key versions; read the key). */
export const GCP_KMS_UNSEAL_ROLES = ["roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.viewer"];

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;
const GCP_CRYPTO_KEY = /^projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)$/;
const AZURE_KEY_VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)$/i;
const GCP_SA_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** Every problem with `autoUnseal` as `autoUnseal.…: rule` strings. */
export function autoUnsealProblems(autoUnseal: VaultAutoUnsealArgs | undefined, prefix = "autoUnseal"): string[] {
  if (autoUnseal === undefined) return [];
  const problems: string[] = [];
  const kinds = (["awsKms", "gcpCkms", "azureKeyVault"] as const).filter((k) => autoUnseal[k] !== undefined);
  if (kinds.length > 1) problems.push(`${prefix}: at most one of awsKms, gcpCkms, azureKeyVault may be set, got ${kinds.join(", ")}`);
  const missing = (value: unknown) => value === undefined || value === null || value === "";

  const awsKms = autoUnseal.awsKms;
  if (awsKms) {
    const at = `${prefix}.awsKms`;
    const arn = known(awsKms.keyArn);
    if (missing(awsKms.keyArn)) problems.push(`${at}.keyArn: is required (the ARN of the unseal key)`);
    else if (typeof arn === "string" && !KMS_KEY_ARN.test(arn)) {
      problems.push(`${at}.keyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "${arn}"`);
    }
    const ids = [awsKms.irsa, awsKms.podIdentity].filter((x) => x !== undefined).length;
    if (ids !== 1) problems.push(`${at}: exactly one of irsa, podIdentity must be set, got ${ids}`);
    if (awsKms.irsa) {
      if (missing(awsKms.irsa.oidcProviderArn)) problems.push(`${at}.irsa.oidcProviderArn: is required`);
      const issuer = known(awsKms.irsa.oidcIssuerUrl);
      if (missing(awsKms.irsa.oidcIssuerUrl)) problems.push(`${at}.irsa.oidcIssuerUrl: is required`);
      else if (typeof issuer === "string" && !issuer.startsWith("https://")) {
        problems.push(`${at}.irsa.oidcIssuerUrl: must be an https:// URL, got "${issuer}"`);
      }
    }
    if (awsKms.podIdentity && missing(awsKms.podIdentity.clusterName)) problems.push(`${at}.podIdentity.clusterName: is required`);
  }

  const gcpCkms = autoUnseal.gcpCkms;
  if (gcpCkms) {
    const at = `${prefix}.gcpCkms`;
    const id = known(gcpCkms.cryptoKeyId);
    if (missing(gcpCkms.cryptoKeyId)) problems.push(`${at}.cryptoKeyId: is required (the full id of the unseal key)`);
    else if (typeof id === "string" && !GCP_CRYPTO_KEY.test(id)) {
      problems.push(`${at}.cryptoKeyId: must be projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>, got "${id}"`);
    }
    if (gcpCkms.serviceAccountId !== undefined && !GCP_SA_ID.test(gcpCkms.serviceAccountId)) {
      problems.push(`${at}.serviceAccountId: must be 6-30 lower-case letters, digits and '-', starting with a letter, got "${gcpCkms.serviceAccountId}"`);
    }
  }

  const azure = autoUnseal.azureKeyVault;
  if (azure) {
    const at = `${prefix}.azureKeyVault`;
    const id = known(azure.keyVaultId);
    if (missing(azure.keyVaultId)) problems.push(`${at}.keyVaultId: is required (the ARM id of the Key Vault)`);
    else if (typeof id === "string" && !AZURE_KEY_VAULT_ID.test(id)) {
      problems.push(`${at}.keyVaultId: must be /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.KeyVault/vaults/<name>, got "${id}"`);
    }
    for (const field of ["keyName", "tenantId", "oidcIssuerUrl", "identityResourceGroupName"] as const) {
      if (missing(azure[field])) problems.push(`${at}.${field}: is required`);
    }
  }
  return problems;
}

/** Where the unseal identity binds: the Vault server service account. */
export interface UnsealBinding {
  namespace: pulumi.Input<string>;
  serviceAccountName: string;
}

/** What the chart needs from the unseal setup. */
export interface UnsealSetup {
  /** The `seal` stanza (HCL). */
  stanza: pulumi.Output<string>;
  /** Annotations for the server service account. */
  serviceAccountAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Extra labels for the server pods. */
  podLabels: Record<string, string>;
  /** Outputs describing the identity (role ARN, service account e-mail, client id). */
  identity: Record<string, pulumi.Output<string>>;
}

function stanza(kind: string, fields: Array<[string, pulumi.Input<string> | undefined]>): pulumi.Output<string> {
  const present = fields.filter((f): f is [string, pulumi.Input<string>] => f[1] !== undefined);
  return pulumi
    .all(present.map(([, v]) => v))
    .apply((values) => [`seal ${hclString(kind)} {`, ...present.map(([k], i) => `  ${k} = ${hclString(values[i])}`), "}"].join("\n"));
}

/** Splits an https issuer URL into the host/path IAM uses as a condition-key prefix. */
function issuerHostPath(url: string): string {
  return url.replace(/^https:\/\//, "").replace(/\/$/, "");
}

/**
 * The Pod Identity trust policy of the unseal role ({@link eksPodIdentityTrustStatement}) for the Vault server
 * service account. The cluster ARN is built from the default AWS provider's account, region and partition: the
 * ones the PodIdentityAssociation is created in.
 */
function podIdentityTrust(clusterName: pulumi.Input<string>, bind: UnsealBinding, parent: pulumi.Resource): pulumi.Output<string> {
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const region = aws.getRegionOutput({}, { parent });
  const partition = aws.getPartitionOutput({}, { parent });
  return pulumi
    .all([identity.accountId, region.region, partition.partition, pulumi.output(clusterName), bind.namespace, bind.serviceAccountName])
    .apply(([account, r, part, cluster, ns, sa]) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [eksPodIdentityTrustStatement({ sid: "VaultServerViaPodIdentity", account, region: r, partition: part, cluster, namespace: ns, serviceAccount: sa })],
      }),
    );
}

/** The AWS unseal: an IAM role (IRSA or Pod Identity) allowed only kms:Encrypt/Decrypt/DescribeKey on the key. */
export function awsKmsUnseal(name: string, args: AwsKmsUnsealArgs, bind: UnsealBinding, parent: pulumi.Resource): UnsealSetup {
  const region = args.region ?? pulumi.output(args.keyArn).apply((arn) => KMS_KEY_ARN.exec(arn)?.[1] ?? "");
  const subject = pulumi.interpolate`system:serviceaccount:${bind.namespace}:${bind.serviceAccountName}`;
  const irsa = args.irsa;
  const assumeRolePolicy = irsa
    ? pulumi.all([irsa.oidcProviderArn, irsa.oidcIssuerUrl, subject]).apply(([providerArn, issuer, sub]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: providerArn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                StringEquals: { [`${issuerHostPath(issuer)}:sub`]: sub, [`${issuerHostPath(issuer)}:aud`]: "sts.amazonaws.com" },
              },
            },
          ],
        }),
      )
    : podIdentityTrust(args.podIdentity!.clusterName, bind, parent);
  const role = new aws.iam.Role(
    childName(name, "unseal-role"),
    { description: "Vault auto-unseal: may use only its KMS key", assumeRolePolicy },
    { parent },
  );
  new aws.iam.RolePolicy(
    childName(name, "unseal-kms"),
    {
      role: role.name,
      policy: pulumi.output(args.keyArn).apply((keyArn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "VaultUnsealKey", Effect: "Allow", Action: AWS_KMS_UNSEAL_ACTIONS, Resource: keyArn }],
        }),
      ),
    },
    { parent },
  );
  if (args.podIdentity) {
    new aws.eks.PodIdentityAssociation(
      childName(name, "unseal-pod-identity"),
      { clusterName: args.podIdentity.clusterName, namespace: bind.namespace, serviceAccount: bind.serviceAccountName, roleArn: role.arn },
      { parent },
    );
  }
  return {
    stanza: stanza("awskms", [
      ["region", region],
      ["kms_key_id", args.keyArn],
    ]),
    serviceAccountAnnotations: irsa ? { "eks.amazonaws.com/role-arn": role.arn } : {},
    podLabels: {},
    identity: { roleArn: role.arn },
  };
}

/** The GCP unseal: a Google service account bound through Workload Identity, granted only on the key. */
export function gcpCkmsUnseal(name: string, args: GcpCkmsUnsealArgs, bind: UnsealBinding, parent: pulumi.Resource): UnsealSetup {
  const parts = pulumi.output(args.cryptoKeyId).apply((id) => {
    const m = GCP_CRYPTO_KEY.exec(id);
    return { project: m?.[1] ?? "", location: m?.[2] ?? "", keyRing: m?.[3] ?? "", key: m?.[4] ?? "" };
  });
  const saProject = args.serviceAccountProject ?? parts.project;
  const sa = new gcp.serviceaccount.Account(
    childName(name, "unseal-gsa"),
    {
      accountId: args.serviceAccountId ?? "vault-unseal",
      project: saProject,
      displayName: "Vault auto-unseal",
      description: "Used only by the Vault server pods to wrap and unwrap the Vault root key with one Cloud KMS key",
    },
    { parent },
  );
  const member = pulumi.interpolate`serviceAccount:${sa.email}`;
  GCP_KMS_UNSEAL_ROLES.forEach((role) => {
    new gcp.kms.CryptoKeyIAMMember(
      childName(name, role === "roles/cloudkms.viewer" ? "unseal-key-viewer" : "unseal-key-encrypter"),
      { cryptoKeyId: args.cryptoKeyId, role, member },
      { parent },
    );
  });
  const wiProject = args.workloadIdentityProject ?? parts.project;
  new gcp.serviceaccount.IAMMember(
    childName(name, "unseal-workload-identity"),
    {
      serviceAccountId: sa.name,
      role: "roles/iam.workloadIdentityUser",
      member: pulumi.interpolate`serviceAccount:${wiProject}.svc.id.goog[${bind.namespace}/${bind.serviceAccountName}]`,
    },
    { parent },
  );
  return {
    stanza: stanza("gcpckms", [
      ["project", parts.project],
      ["region", parts.location],
      ["key_ring", parts.keyRing],
      ["crypto_key", parts.key],
    ]),
    serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": sa.email },
    podLabels: {},
    identity: { serviceAccountEmail: sa.email },
  };
}

/** The Azure unseal: a user-assigned identity federated with the Vault service account, allowed only on the key. */
export function azureKeyVaultUnseal(name: string, args: AzureKeyVaultUnsealArgs, bind: UnsealBinding, parent: pulumi.Resource): UnsealSetup {
  const parts = pulumi.output(args.keyVaultId).apply((id) => {
    const m = AZURE_KEY_VAULT_ID.exec(id);
    return { subscription: m?.[1] ?? "", vaultName: m?.[3] ?? "" };
  });
  const identity = new managedidentity.UserAssignedIdentity(
    childName(name, "unseal-identity"),
    { resourceGroupName: args.identityResourceGroupName, location: args.identityLocation },
    { parent },
  );
  new managedidentity.FederatedIdentityCredential(
    childName(name, "unseal-federation"),
    {
      resourceGroupName: args.identityResourceGroupName,
      resourceName: identity.name,
      issuer: args.oidcIssuerUrl,
      subject: pulumi.interpolate`system:serviceaccount:${bind.namespace}:${bind.serviceAccountName}`,
      audiences: ["api://AzureADTokenExchange"],
    },
    { parent },
  );
  new authorization.RoleAssignment(
    childName(name, "unseal-key-access"),
    {
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${parts.subscription}/providers/Microsoft.Authorization/roleDefinitions/${AZURE_KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER}`,
      scope: pulumi.interpolate`${args.keyVaultId}/keys/${args.keyName}`,
      description: "Vault auto-unseal: wrap/unwrap with this one key",
    },
    { parent },
  );
  return {
    stanza: stanza("azurekeyvault", [
      ["tenant_id", args.tenantId],
      ["vault_name", parts.vaultName],
      ["key_name", args.keyName],
    ]),
    serviceAccountAnnotations: {
      "azure.workload.identity/client-id": identity.clientId,
      "azure.workload.identity/tenant-id": args.tenantId,
    },
    podLabels: { "azure.workload.identity/use": "true" },
    identity: { clientId: identity.clientId, principalId: identity.principalId },
  };
}
