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
}

export const CHARTS = {
  vault: { chart: "vault", version: "0.34.1", repo: "https://helm.releases.hashicorp.com" },
  externalSecrets: { chart: "external-secrets", version: "2.9.0", repo: "https://charts.external-secrets.io" },
  sealedSecrets: { chart: "sealed-secrets", version: "2.18.5", repo: "https://bitnami-labs.github.io/sealed-secrets" },
  secretsStoreCsiDriver: {
    chart: "secrets-store-csi-driver",
    version: "1.6.0",
    repo: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
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
