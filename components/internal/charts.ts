import * as pulumi from "@pulumi/pulumi";
/**
 * The one place Helm chart names, repositories and versions are pinned. Upgrade deliberately: a chart
 * upgrade changes what the policy pack sees and may change value names.
 */
export interface ChartPin {
  /** Chart name within the repository. */
  readonly chart: string;
  /** Chart version (semver), pinned exactly. */
  readonly version: string;
  /** HTTPS Helm repository that serves the chart. */
  readonly repo: string;
  /**
   * `sha256:<hex>` of the chart's packaged tarball (`<chart>-<version>.tgz`, as the repository serves it):
   * the offline plan renders only a tarball with this digest and refuses any other.
   */
  readonly digest: string;
}

export const CHARTS = {
  vault: {
    chart: "vault",
    version: "0.34.1",
    repo: "https://helm.releases.hashicorp.com",
    digest: "sha256:53b3b258e8e7c1943d3b432b4373accac88a32a1d83272b20513ea6557aa6e94",
  },
  externalSecrets: {
    chart: "external-secrets",
    version: "2.9.0",
    repo: "https://charts.external-secrets.io",
    digest: "sha256:bcbe6661fb2813bf0ef26cc6633d620b6d6e00109250ee1fc54defeb011af9c5",
  },
  sealedSecrets: {
    chart: "sealed-secrets",
    version: "2.18.5",
    repo: "https://bitnami-labs.github.io/sealed-secrets",
    digest: "sha256:4abef623e1c649777e5e17aef7437b07b9ad8087f589ab2963a1fa53a2db6cb3",
  },
  secretsStoreCsiDriver: {
    chart: "secrets-store-csi-driver",
    version: "1.6.0",
    repo: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
    digest: "sha256:61b1fa83e8ef689212b5ed339fc567e9131fe2b67f10d3038f673930bcc7cd04",
  },
} as const satisfies Record<string, ChartPin>;

/** The `chart`, `version` and `repositoryOpts` inputs of a `kubernetes.helm.v4.Chart` for a pin. */
export function chartSource(pin: ChartPin): { chart: string; version: string; repositoryOpts: { repo: string } } {
  return { chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo } };
}

/**
 * Chart transform: every CustomResourceDefinition the chart renders is `retainOnDelete`. CRDs hold users'
 * objects (ExternalSecrets, SealedSecrets, SecretProviderClasses); deleting one with the chart would
 * delete every such object and, through owner references, the Secrets made from them.
 */
export function retainCrdsTransform(args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined {
  if (!/^kubernetes:apiextensions\.k8s\.io\/v1(beta1)?:CustomResourceDefinition$/.test(args.type)) return undefined;
  return { props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) };
}
