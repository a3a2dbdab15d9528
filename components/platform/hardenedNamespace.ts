import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { standardLabels } from "../internal/labels";
import { childName, dns1123LabelProblems, typeToken } from "../internal/naming";
import { assertValid, input, known, zodProblems } from "../internal/validation";
import { DNS_EGRESS } from "./networkPolicies";

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;

/**
 * The Pod Security Standards version namespaces pin when nothing else is known (not `latest`, which changes
 * meaning with every API server upgrade). SecretsPlatform pins the cluster's own minor version when its
 * `kubernetesVersion` is known. A version newer than the API server is evaluated as its latest.
 */
export const DEFAULT_POD_SECURITY_VERSION = "v1.33";

/** `v1.<minor>` of a Kubernetes version such as `1.33`, `v1.33.2` or `1.31.4-eks-abc`, or undefined. */
export function podSecurityVersion(kubernetesVersion: string | undefined): string | undefined {
  const m = /^v?1\.(\d+)(\.|-|$)/.exec(kubernetesVersion ?? "");
  return m ? `v1.${m[1]}` : undefined;
}

/** Pod Security Admission settings of a namespace. */
export interface PodSecurityArgs {
  /** Level enforced (pods violating it are rejected): `privileged`, `baseline` or `restricted`. Default `restricted`. */
  enforce?: pulumi.Input<string>;
  /** Level whose violations are recorded in the audit log. Default: the `enforce` level. */
  audit?: pulumi.Input<string>;
  /** Level whose violations are returned as warnings to clients. Default: the `enforce` level. */
  warn?: pulumi.Input<string>;
  /**
   * Pod Security Standards version the levels refer to (`v1.<minor>`, or `latest` as an explicit choice).
   * Default {@link DEFAULT_POD_SECURITY_VERSION}.
   */
  version?: pulumi.Input<string>;
}

/** Arguments of {@link HardenedNamespace}. */
export interface HardenedNamespaceArgs {
  /** Namespace name (RFC 1123 label). Default: the resource name. */
  namespace?: pulumi.Input<string>;
  /** Pod Security Admission labels. Default: `restricted` enforced, audited and warned at {@link DEFAULT_POD_SECURITY_VERSION}. */
  podSecurity?: PodSecurityArgs;
  /**
   * Adds a NetworkPolicy selecting every pod that denies all ingress and egress not allowed by another
   * policy, and one allowing egress to the cluster DNS (kube-system `k8s-app: kube-dns`, port 53) so names
   * still resolve. Default `false` here: the components living in a namespace need their own allow rules
   * first (SecretsPlatform adds them and turns this on for every namespace it creates). A plain value: it
   * decides whether a resource exists.
   */
  defaultDenyNetworkPolicy?: boolean;
  /** Extra labels for the namespace (the PSA and `app.kubernetes.io/*` labels win on conflict). */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Annotations for the namespace. */
  annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const PSA_LEVEL = z.enum(POD_SECURITY_LEVELS, {
  error: (i) => `must be one of ${POD_SECURITY_LEVELS.join(", ")}, got ${JSON.stringify(i.input)}`,
});
const PSA_VERSION = z.string().regex(/^(latest|v1\.\d+)$/, { message: "must be 'latest' or 'v1.<minor>'" });

const argsSchema = z.strictObject({
  namespace: input(z.string()).optional(),
  podSecurity: z
    .strictObject({
      enforce: input(PSA_LEVEL).optional(),
      audit: input(PSA_LEVEL).optional(),
      warn: input(PSA_LEVEL).optional(),
      version: input(PSA_VERSION).optional(),
    })
    .optional(),
  defaultDenyNetworkPolicy: z.boolean().optional(),
  labels: z.any().optional(),
  annotations: z.any().optional(),
});

/**
 * Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values (Outputs)
 * are not checked. Shared by the constructor and the policy pack.
 */
export function validateHardenedNamespace(args: HardenedNamespaceArgs, resourceName?: string): string[] {
  const problems = zodProblems(argsSchema, args);
  const ns = known(args.namespace) ?? resourceName;
  if (typeof ns === "string") problems.push(...dns1123LabelProblems(ns).map((p) => `namespace: ${p}`));
  return problems;
}

/**
 * A Namespace hardened for workloads that handle secrets: Pod Security Admission labels (`restricted`
 * by default), its `default` ServiceAccount patched to `automountServiceAccountToken: false`
 * (CIS Kubernetes Benchmark 5.1.5), standard `app.kubernetes.io/*` labels, and optionally a default-deny
 * NetworkPolicy (with DNS egress). PSA versions are pinned (`v1.<minor>`), never `latest` by default.
 * Every component of this package puts its workloads in one.
 */
export class HardenedNamespace extends pulumi.ComponentResource {
  /** The namespace name. */
  public readonly namespaceName: pulumi.Output<string>;

  constructor(name: string, args: HardenedNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("HardenedNamespace", name, validateHardenedNamespace(args, name));
    super(typeToken("HardenedNamespace"), name, {}, opts);

    const psa = args.podSecurity ?? {};
    const enforce = pulumi.output(psa.enforce ?? "restricted");
    const version = pulumi.output(psa.version ?? DEFAULT_POD_SECURITY_VERSION);
    const labels = pulumi
      .all([args.labels ?? {}, enforce, pulumi.output(psa.audit ?? enforce), pulumi.output(psa.warn ?? enforce), version])
      .apply(([extra, e, a, w, v]) => ({
        ...extra,
        ...standardLabels("namespace", name),
        "pod-security.kubernetes.io/enforce": e,
        "pod-security.kubernetes.io/enforce-version": v,
        "pod-security.kubernetes.io/audit": a,
        "pod-security.kubernetes.io/audit-version": v,
        "pod-security.kubernetes.io/warn": w,
        "pod-security.kubernetes.io/warn-version": v,
      }));

    const ns = new k8s.core.v1.Namespace(
      childName(name, "ns"),
      { metadata: { name: args.namespace ?? name, labels, annotations: args.annotations } },
      { parent: this },
    );
    this.namespaceName = ns.metadata.name;

    new k8s.core.v1.ServiceAccountPatch(
      childName(name, "default-sa"),
      {
        metadata: { name: "default", namespace: this.namespaceName },
        automountServiceAccountToken: false,
      },
      { parent: this, dependsOn: [ns] },
    );

    if (args.defaultDenyNetworkPolicy) {
      new k8s.networking.v1.NetworkPolicy(
        childName(name, "default-deny"),
        {
          metadata: { name: "default-deny", namespace: this.namespaceName, labels: standardLabels("network-policy", name) },
          spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        { parent: this, dependsOn: [ns] },
      );
      new k8s.networking.v1.NetworkPolicy(
        childName(name, "allow-dns"),
        {
          metadata: { name: "allow-dns", namespace: this.namespaceName, labels: standardLabels("network-policy", name) },
          spec: { podSelector: {}, policyTypes: ["Egress"], egress: [DNS_EGRESS] },
        },
        { parent: this, dependsOn: [ns] },
      );
    }

    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}
