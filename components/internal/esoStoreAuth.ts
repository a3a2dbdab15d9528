/**
 * Whether an ESO SecretStore / ClusterSecretStore spec authenticates explicitly, i.e. with credentials
 * bound to the store (its own service account's token, or a Secret it names), rather than with the ESO
 * controller's ambient identity. Decided from ESO 2.9 (external-secrets, tag helm-chart-2.9.0):
 * - AWS (providers/v1/aws/auth/auth.go `New`): `auth.jwt.serviceAccountRef` (AssumeRoleWithWebIdentity),
 *   else `auth.secretRef` (static keys), else the SDK default chain: the controller's Pod Identity/IRSA.
 * - GCP (providers/v1/gcp/secretmanager/auth.go): `auth.secretRef`, `auth.workloadIdentity`
 *   (serviceAccountRef is required by the type), `auth.workloadIdentityFederation`, else
 *   `google.DefaultTokenSource`: the controller's Workload Identity.
 * - Azure (providers/v1/azure/keyvault/keyvault.go): `authType` defaults to ServicePrincipal (needs
 *   `authSecretRef`); WorkloadIdentity without `serviceAccountRef` reads the controller's
 *   AZURE_FEDERATED_TOKEN_FILE; ManagedIdentity takes the node's/pod's IMDS identity, shared by
 *   everything on the node whatever `identityId` picks.
 * - Vault (providers/v1/vault/auth_kubernetes.go etc.): `auth.kubernetes` without `serviceAccountRef`
 *   or `secretRef` reads the controller's own token file (/var/run/secrets/kubernetes.io/serviceaccount/token);
 *   `auth.iam` / `auth.gcp` without their refs use the controller's cloud identity; tokenSecretRef,
 *   appRole, ldap, userPass, cert and jwt name their Secret (or service account).
 * Providers other than these four are not judged here. Pure; internal.
 */

/** The provider key of a store spec (`aws`, `gcpsm`, …), or undefined. */
export function storeProviderName(spec: any): string | undefined {
  const p = spec?.provider;
  if (!p || typeof p !== "object") return undefined;
  return Object.keys(p).find((k) => p[k] !== undefined && p[k] !== null);
}

const has = (v: unknown): boolean => typeof v === "string" ? v.length > 0 : v !== undefined && v !== null;
const named = (ref: any): boolean => has(ref?.name);

/**
 * Why the store's spec does not authenticate explicitly ([] when it does, or for a provider not judged):
 * each message names the field path and the fix.
 */
export function storeAuthProblems(spec: any, prefix = "spec.provider"): string[] {
  const name = storeProviderName(spec);
  if (name === undefined) return [];
  const p = spec.provider[name];
  const at = `${prefix}.${name}`;
  switch (name) {
    case "aws": {
      const a = p.auth ?? {};
      if (named(a.jwt?.serviceAccountRef)) return [];
      if (named(a.secretRef?.accessKeyIDSecretRef) && named(a.secretRef?.secretAccessKeySecretRef)) return [];
      return [
        `${at}.auth: no auth.jwt.serviceAccountRef or auth.secretRef, so the store authenticates as the ESO controller's own AWS identity (Pod Identity/IRSA) and anyone who can create an ExternalSecret here reads everything that role reaches; set auth.jwt.serviceAccountRef to a service account of this store with its own IRSA role`,
      ];
    }
    case "gcpsm": {
      const a = p.auth ?? {};
      if (named(a.workloadIdentity?.serviceAccountRef)) return [];
      const wif = a.workloadIdentityFederation;
      if (wif && (named(wif.serviceAccountRef) || named(wif.credConfig) || has(wif.awsSecurityCredentials))) return [];
      if (named(a.secretRef?.secretAccessKeySecretRef)) return [];
      return [
        `${at}.auth: no auth.workloadIdentity.serviceAccountRef, workloadIdentityFederation or secretRef, so the store authenticates as the ESO controller's own Google identity (Workload Identity); set auth.workloadIdentity.serviceAccountRef to a service account of this store bound to its own Google service account`,
      ];
    }
    case "azurekv": {
      const type = p.authType ?? "ServicePrincipal";
      if (type === "WorkloadIdentity") {
        if (named(p.serviceAccountRef)) return [];
        return [`${at}.serviceAccountRef: authType WorkloadIdentity without serviceAccountRef uses the ESO controller's own federated token; name a service account of this store with its own federated credential`];
      }
      if (type === "ManagedIdentity") {
        return [`${at}.authType: ManagedIdentity uses the node's (IMDS) identity, shared by every pod on the node whatever identityId selects; use WorkloadIdentity with serviceAccountRef`];
      }
      const s = p.authSecretRef ?? {};
      if (named(s.clientId) && (named(s.clientSecret) || named(s.clientCertificate))) return [];
      return [`${at}.authSecretRef: authType ${type} needs authSecretRef.clientId and clientSecret (or clientCertificate); prefer WorkloadIdentity with serviceAccountRef`];
    }
    case "vault": {
      const a = p.auth ?? {};
      if (a.kubernetes) {
        if (named(a.kubernetes.serviceAccountRef) || named(a.kubernetes.secretRef)) return [];
        return [`${at}.auth.kubernetes: no serviceAccountRef or secretRef, so ESO logs in to Vault with the controller's own service account token; set serviceAccountRef to a service account of this store bound to its Vault role`];
      }
      if (a.iam) {
        if (named(a.iam.jwt?.serviceAccountRef) || named(a.iam.secretRef?.accessKeyIDSecretRef)) return [];
        return [`${at}.auth.iam: no jwt.serviceAccountRef or secretRef, so ESO logs in with the controller's own AWS identity; set jwt.serviceAccountRef`];
      }
      if (a.gcp) {
        if (named(a.gcp.serviceAccountRef) || named(a.gcp.secretRef?.secretAccessKeySecretRef) || named(a.gcp.workloadIdentity?.serviceAccountRef)) return [];
        return [`${at}.auth.gcp: no serviceAccountRef, workloadIdentity or secretRef, so ESO logs in with the controller's own Google identity; set serviceAccountRef`];
      }
      if (named(a.tokenSecretRef) || a.appRole || a.ldap || a.userPass || a.cert || a.jwt) return [];
      return [`${at}.auth: no authentication method; use auth.kubernetes with the store's own serviceAccountRef`];
    }
    default:
      return [];
  }
}
