/**
 * Groups a plan's resources by the Kubernetes cluster they belong to, for the per-cluster sections of
 * report.md. A cluster is a `pulumi:providers:kubernetes` resource; the stack program names it
 * `<cluster>-k8s`, so the cluster's name is the provider's name without that suffix.
 *
 * Assignment, first rule that applies:
 * 1. a Kubernetes provider belongs to its own cluster;
 * 2. a resource registered with a Kubernetes provider (`provider` = `<providerUrn>::<id>`) belongs to
 *    that provider's cluster;
 * 3. any other resource (a component, a TLS key, a Vault object…) belongs to the cluster of its nearest
 *    ancestor-or-self whose subtree holds resources of rule 1–2, when that subtree holds exactly one
 *    cluster; when it holds several (a fleet-wide component), it is stack-wide;
 * 4. a resource whose top-level component holds no Kubernetes resource at all (e.g. a Vault mount on a
 *    Vault provider) belongs to the cluster whose name prefixes the top-level component's name
 *    (`<cluster>-…`, the stack's naming convention; the longest such name wins);
 * 5. everything else (and the stack itself) is stack-wide.
 */

/** What grouping needs of a resource: plan.json's fields plus the provider reference it was registered with. */
export interface GroupableResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  /** `<providerUrn>::<id>` when the resource was registered with (or inherited) an explicit provider. */
  provider?: string;
}

export const KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes";
const STACK_TYPE = "pulumi:pulumi:Stack";

export interface ClusterGroup<R extends GroupableResource = GroupableResource> {
  /** The cluster's name; null for the stack-wide group. */
  cluster: string | null;
  /** URN of the cluster's Kubernetes provider (null for the stack-wide group). */
  providerUrn: string | null;
  /** The resources assigned to this group, in plan order. */
  resources: R[];
}

/** `<cluster>` of a Kubernetes provider named `<cluster>-k8s` (the provider's own name otherwise). */
export function clusterNameOfProvider(providerName: string): string {
  return providerName.endsWith("-k8s") && providerName.length > 4 ? providerName.slice(0, -4) : providerName;
}

/** The provider URN of a provider reference `<urn>::<id>` (the id never contains `::`). */
export function providerUrnOf(ref: string): string {
  const i = ref.lastIndexOf("::");
  return i < 0 ? ref : ref.slice(0, i);
}

/**
 * The resources grouped by cluster: one group per Kubernetes provider (in the order the providers were
 * registered), then the stack-wide group when it holds anything besides the stack resource itself.
 */
export function groupByCluster<R extends GroupableResource>(resources: R[]): Array<ClusterGroup<R>> {
  const clusterOfProvider = new Map<string, string>();
  const order: Array<{ cluster: string; providerUrn: string }> = [];
  for (const r of resources) {
    if (r.type !== KUBERNETES_PROVIDER_TYPE) continue;
    let cluster = clusterNameOfProvider(r.name);
    // Two providers resolving to the same name (e.g. `a-k8s` and `a`) stay apart.
    if (order.some((o) => o.cluster === cluster)) cluster = r.name;
    clusterOfProvider.set(r.urn, cluster);
    order.push({ cluster, providerUrn: r.urn });
  }

  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stackUrns = new Set(resources.filter((r) => r.type === STACK_TYPE).map((r) => r.urn));
  const direct = new Map<string, string>();
  for (const r of resources) {
    const own = clusterOfProvider.get(r.urn) ?? (r.provider ? clusterOfProvider.get(providerUrnOf(r.provider)) : undefined);
    if (own !== undefined) direct.set(r.urn, own);
  }

  // The clusters held by each resource's subtree (itself included), from the direct assignments up.
  const subtree = new Map<string, Set<string>>();
  for (const [urn, cluster] of direct) {
    const seen = new Set<string>();
    for (let cur: string | null | undefined = urn; cur && !stackUrns.has(cur) && !seen.has(cur); cur = byUrn.get(cur)?.parent) {
      seen.add(cur);
      let set = subtree.get(cur);
      if (!set) subtree.set(cur, (set = new Set()));
      set.add(cluster);
    }
  }

  const clusterNames = order.map((o) => o.cluster).sort((a, b) => b.length - a.length);
  const byPrefix = (name: string) => clusterNames.find((c) => name === c || name.startsWith(`${c}-`));

  const assign = (r: R): string | null => {
    if (stackUrns.has(r.urn)) return null;
    const own = direct.get(r.urn);
    if (own !== undefined) return own;
    let top: R = r;
    const seen = new Set<string>();
    for (let cur: R | undefined = r; cur && !stackUrns.has(cur.urn) && !seen.has(cur.urn); cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      seen.add(cur.urn);
      const set = subtree.get(cur.urn);
      if (set) return set.size === 1 ? [...set][0] : null;
      top = cur;
    }
    return byPrefix(top.name) ?? null;
  };

  const groups = new Map<string | null, ClusterGroup<R>>(order.map((o) => [o.cluster, { cluster: o.cluster, providerUrn: o.providerUrn, resources: [] }]));
  const stackWide: ClusterGroup<R> = { cluster: null, providerUrn: null, resources: [] };
  for (const r of resources) {
    const cluster = assign(r);
    (cluster === null ? stackWide : groups.get(cluster)!).resources.push(r);
  }
  const out = [...groups.values()];
  if (stackWide.resources.some((r) => !stackUrns.has(r.urn))) out.push(stackWide);
  return out;
}
