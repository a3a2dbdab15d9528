/** The service account a remote Vault uses to review this cluster's service account tokens. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, dns1123SubdomainProblems, typeToken } from "../internal/naming";
import { assertValid } from "../internal/validation";
import { HardenedNamespace } from "../platform/hardenedNamespace";

/** Arguments of {@link VaultTokenReviewer}. */
export interface VaultTokenReviewerArgs {
  /** Namespace (a {@link HardenedNamespace}). Default `vault-token-reviewer`. */
  namespace?: string;
  /** Service account name. Default `vault-token-reviewer`. */
  serviceAccountName?: string;
}

/** Every problem with `args` as `field.path: rule` strings ([] when valid). */
export function validateVaultTokenReviewer(args: VaultTokenReviewerArgs): string[] {
  return [
    ...dns1123LabelProblems(args.namespace ?? "vault-token-reviewer").map((p) => `namespace: ${p}`),
    ...dns1123SubdomainProblems(args.serviceAccountName ?? "vault-token-reviewer").map((p) => `serviceAccountName: ${p}`),
  ];
}

/**
 * On a spoke cluster of a fleet whose workloads log in to a hub Vault: a service account bound to the built-in
 * ClusterRole `system:auth-delegator` (create TokenReviews and SubjectAccessReviews, nothing else), with a
 * long-lived token Secret (`kubernetes.io/service-account-token`, filled in by the token controller). Its token is
 * the hub mount's `token_reviewer_jwt`: `kubectl -n <namespace> get secret <tokenSecretName> -o
 * jsonpath='{.data.token}' | base64 -d | pulumi config set --secret <key>`. Vault's Kubernetes auth method calls
 * the spoke's TokenReview API with it for every login through that mount.
 */
export class VaultTokenReviewer extends pulumi.ComponentResource {
  /** The namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The service account's name. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** The token Secret's name. */
  public readonly tokenSecretName: pulumi.Output<string>;

  constructor(name: string, args: VaultTokenReviewerArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("VaultTokenReviewer", name, validateVaultTokenReviewer(args));
    super(typeToken("VaultTokenReviewer"), name, {}, opts);
    const saName = args.serviceAccountName ?? "vault-token-reviewer";
    const ns = new HardenedNamespace(childName(name, "namespace"), { namespace: args.namespace ?? "vault-token-reviewer" }, { parent: this });
    const labels = standardLabels("vault-token-reviewer", name);
    const sa = new k8s.core.v1.ServiceAccount(
      childName(name, "sa"),
      { metadata: { name: saName, namespace: ns.namespaceName, labels }, automountServiceAccountToken: false },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      childName(name, "auth-delegator"),
      {
        metadata: { name: `${saName}-auth-delegator`, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: [{ kind: "ServiceAccount", name: saName, namespace: ns.namespaceName }],
      },
      { parent: this, dependsOn: [sa] },
    );
    const token = new k8s.core.v1.Secret(
      childName(name, "token"),
      {
        metadata: { name: `${saName}-token`, namespace: ns.namespaceName, labels, annotations: { "kubernetes.io/service-account.name": saName } },
        type: "kubernetes.io/service-account-token",
      },
      { parent: this, dependsOn: [sa] },
    );
    this.namespace = ns.namespaceName;
    this.serviceAccountName = sa.metadata.name;
    this.tokenSecretName = token.metadata.name;
    this.registerOutputs({ namespace: this.namespace, serviceAccountName: this.serviceAccountName, tokenSecretName: this.tokenSecretName });
  }
}
