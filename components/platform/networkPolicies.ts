/**
 * NetworkPolicies of the namespaces the platform creates: a default deny (ingress and egress) in each, plus
 * allow rules admitting exactly the traffic each controller needs. Pure builders (plain objects) shared by
 * SecretsPlatform and its tests; ports and pod labels are those of the pinned charts (checked with
 * `helm template` of vault 0.34.1, external-secrets 2.9.0, sealed-secrets 2.18.5, secrets-store-csi-driver
 * 1.6.0).
 *
 * Sources that are not pods (the API server calling webhooks, kubeseal through the API server's service
 * proxy) and the API server as a destination are addressed by CIDR: `apiServerCidrs` (default every
 * address, on the listed ports only; set the control plane's CIDRs to tighten). Kubelet probes are not
 * subject to NetworkPolicy in the common CNIs (host traffic), so no rule admits them.
 */

/** A NetworkPolicy as a plain object (`networking.k8s.io/v1`). */
export interface NetworkPolicyObject {
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
}

/** Settings of the platform's NetworkPolicies. */
export interface PlatformNetworkPoliciesArgs {
  /** Default-deny plus per-controller allow rules in every namespace the platform creates. Default `true`. */
  enabled?: boolean;
  /**
   * CIDRs of the Kubernetes API server endpoints: egress to them on 443/6443 (TokenReview, TokenRequest,
   * watches) and ingress from them to webhooks and the Sealed Secrets service proxy. Default `["0.0.0.0/0"]`
   * (any address, on those ports only): list the control plane's CIDRs to tighten.
   */
  apiServerCidrs?: string[];
  /**
   * CIDRs of the cloud APIs the controllers call on 443 (KMS, STS, Secrets Manager, Secret Manager, Key
   * Vault, Entra ID). Default `["0.0.0.0/0"]` without the link-local range (169.254.0.0/16): the controllers
   * never reach the node's metadata service and its node identity, except the exact agent a Vault unseal
   * identity needs (EKS Pod Identity agent, GKE metadata server).
   */
  cloudApiCidrs?: string[];
  /**
   * CIDRs outside the cluster allowed to reach Vault on 8200 (a load balancer, the other clusters of a
   * fleet). Default none.
   */
  vaultClientCidrs?: string[];
}

/** The pod selector of one chart workload. */
const byName = (name: string) => ({ matchLabels: { "app.kubernetes.io/name": name } });
/** Every pod of a namespace named `ns` (the API server sets `kubernetes.io/metadata.name`). */
const namespaceNamed = (ns: string[]) => ({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ns }] });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
/** The Vault server pods of the vault chart (not its injector or CSI provider). */
const VAULT_SERVER = { matchLabels: { "app.kubernetes.io/name": "vault", component: "server" } };
/** The Vault server pods in namespace `ns`, as a peer. */
const vaultServerIn = (ns: string) => ({ namespaceSelector: namespaceNamed([ns]), podSelector: VAULT_SERVER });

/** Egress to the cluster DNS (CoreDNS/kube-dns in kube-system, label `k8s-app: kube-dns`) on 53. */
export const DNS_EGRESS = {
  to: [{ namespaceSelector: namespaceNamed(["kube-system"]), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

/** Link-local range: node metadata services (IMDS, the GKE metadata server, the EKS Pod Identity agent). */
export const LINK_LOCAL_CIDR = "169.254.0.0/16";

/** Defaults of {@link PlatformNetworkPoliciesArgs}. */
export function networkPolicySettings(args: PlatformNetworkPoliciesArgs | undefined): Required<PlatformNetworkPoliciesArgs> {
  return {
    enabled: args?.enabled ?? true,
    apiServerCidrs: args?.apiServerCidrs ?? ["0.0.0.0/0"],
    cloudApiCidrs: args?.cloudApiCidrs ?? ["0.0.0.0/0"],
    vaultClientCidrs: args?.vaultClientCidrs ?? [],
  };
}

/** `ipBlock` peers for `cidrs`, with the link-local range cut out of any block containing it. */
function blocks(cidrs: string[]): Record<string, unknown>[] {
  return cidrs.map((cidr) => ({ ipBlock: cidr === "0.0.0.0/0" ? { cidr, except: [LINK_LOCAL_CIDR] } : { cidr } }));
}

function apiServerEgress(s: Required<PlatformNetworkPoliciesArgs>) {
  return { to: blocks(s.apiServerCidrs), ports: tcp(443, 6443) };
}

function defaultDeny(namespace: string, podSelector: Record<string, unknown> = {}): NetworkPolicyObject {
  return { name: "default-deny", namespace, spec: { podSelector, policyTypes: ["Ingress", "Egress"] } };
}

function policy(name: string, namespace: string, podSelector: Record<string, unknown>, ingress: unknown[], egress: unknown[]): NetworkPolicyObject {
  return { name, namespace, spec: { podSelector, policyTypes: ["Ingress", "Egress"], ingress, egress } };
}

/** What the External Secrets namespace needs. */
export interface EsoNetworkInput {
  namespace: string;
  /** Namespace of the in-cluster Vault the stores read (egress 8200 to its server pods). */
  vaultNamespace?: string;
  /** TCP ports of store endpoints outside the cluster (Vault servers elsewhere, besides 443). */
  externalPorts: number[];
}

/**
 * External Secrets: the controller reaches the API server, DNS, the providers on 443 (never the node's
 * metadata service: with no identity of its own it must not fall back to the node's) and the stores' Vault;
 * the webhook (container port 10250, `webhook.port`) admits the API server only; the cert controller
 * reaches the API server and DNS.
 */
export function esoNetworkPolicies(e: EsoNetworkInput, s: Required<PlatformNetworkPoliciesArgs>): NetworkPolicyObject[] {
  const providers: unknown[] = [{ to: blocks(s.cloudApiCidrs), ports: tcp(...[443, ...e.externalPorts.filter((p) => p !== 443)]) }];
  if (e.vaultNamespace) {
    providers.push({ to: [vaultServerIn(e.vaultNamespace)], ports: tcp(8200) });
  }
  return [
    defaultDeny(e.namespace),
    policy("external-secrets-controller", e.namespace, byName("external-secrets"), [], [DNS_EGRESS, apiServerEgress(s), ...providers]),
    policy("external-secrets-webhook", e.namespace, byName("external-secrets-webhook"), [{ from: blocks(s.apiServerCidrs), ports: tcp(10250) }], [DNS_EGRESS, apiServerEgress(s)]),
    policy("external-secrets-cert-controller", e.namespace, byName("external-secrets-cert-controller"), [], [DNS_EGRESS, apiServerEgress(s)]),
  ];
}

/** What the Vault namespace needs. */
export interface VaultNetworkInput {
  namespace: string;
  /** Namespaces whose pods may call Vault on 8200 (ESO's, the CSI provider's, the roles' namespaces). */
  clientNamespaces: string[];
  /** The Agent injector runs (its webhook, container port 8080, admits the API server). */
  injector: boolean;
  /** Auto-unseal calls a cloud KMS on 443. */
  cloudKms: boolean;
  /** The unseal identity comes from a node agent: `eks-pod-identity` (169.254.170.23:80) or `gke-metadata` (169.254.169.254:80, 169.254.169.252:988). */
  metadataAgent?: string;
}

/**
 * Vault: 8200 from the client namespaces (and `vaultClientCidrs`), 8200/8201 between Vault's own server pods
 * (API forwarding, raft and request forwarding on the cluster port); egress to DNS, the API server (Kubernetes
 * auth's TokenReview, service registration), the other server pods, the KMS on 443 when auto-unsealed, and
 * exactly the node agent an unseal identity needs.
 */
export function vaultNetworkPolicies(v: VaultNetworkInput, s: Required<PlatformNetworkPoliciesArgs>): NetworkPolicyObject[] {
  const server = VAULT_SERVER;
  const ingress: unknown[] = [
    { from: [{ podSelector: server }], ports: tcp(8200, 8201) },
    { from: [{ namespaceSelector: namespaceNamed([...new Set(v.clientNamespaces)].sort()) }], ports: tcp(8200) },
  ];
  if (s.vaultClientCidrs.length > 0) ingress.push({ from: s.vaultClientCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(8200) });
  const egress: unknown[] = [DNS_EGRESS, apiServerEgress(s), { to: [{ podSelector: server }], ports: tcp(8200, 8201) }];
  if (v.cloudKms) egress.push({ to: blocks(s.cloudApiCidrs), ports: tcp(443) });
  if (v.metadataAgent === "eks-pod-identity") egress.push({ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: tcp(80) });
  if (v.metadataAgent === "gke-metadata") {
    egress.push({ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: tcp(80) }, { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: tcp(988) });
  }
  const out = [defaultDeny(v.namespace), policy("vault-server", v.namespace, server, ingress, egress)];
  if (v.injector) {
    out.push(policy("vault-agent-injector", v.namespace, byName("vault-agent-injector"), [{ from: blocks(s.apiServerCidrs), ports: tcp(8080) }], [DNS_EGRESS, apiServerEgress(s)]));
  }
  return out;
}

/** The Vault CSI provider (DaemonSet; the driver reaches it over a unix socket): egress to Vault, DNS and the API server (TokenRequest). */
export function csiProviderNetworkPolicies(namespace: string, vaultNamespace: string, s: Required<PlatformNetworkPoliciesArgs>): NetworkPolicyObject[] {
  const vault = vaultServerIn(vaultNamespace);
  return [defaultDeny(namespace), policy("vault-csi-provider", namespace, byName("vault-csi-provider"), [], [DNS_EGRESS, apiServerEgress(s), { to: [vault], ports: tcp(8200) }])];
}

/** A namespace whose pods only talk to the API server (the CSI driver, the re-encryption Job). */
export function apiOnlyNetworkPolicies(namespace: string, s: Required<PlatformNetworkPoliciesArgs>): NetworkPolicyObject[] {
  return [defaultDeny(namespace), policy("api-server-only", namespace, {}, [], [DNS_EGRESS, apiServerEgress(s)])];
}

/**
 * Sealed Secrets in a namespace the platform does not own (kube-system by default): one policy selecting only
 * the controller's pods, admitting the API server on 8080 (kubeseal fetches the certificate through the
 * service proxy) and egress to DNS and the API server. Selecting the pods isolates exactly them.
 */
export function sealedSecretsNetworkPolicies(namespace: string, s: Required<PlatformNetworkPoliciesArgs>): NetworkPolicyObject[] {
  return [policy("sealed-secrets-controller", namespace, byName("sealed-secrets"), [{ from: blocks(s.apiServerCidrs), ports: tcp(8080) }], [DNS_EGRESS, apiServerEgress(s)])];
}

/** TCP port of an `https://host[:port]/…` URL (443 when absent), or undefined when not a URL. */
export function urlPort(url: string): number | undefined {
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  } catch {
    return undefined;
  }
}
