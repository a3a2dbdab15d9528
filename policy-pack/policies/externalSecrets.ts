/** External Secrets Operator resources and the cloud IAM behind them (raw resource inputs). */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { storeAuthProblems } from "../../components/internal/esoStoreAuth";
import { conditionsAdmittingEveryNamespace, selectorAdmitsUnlabelledObjects } from "../../components/internal/namespaceConditions";
import { k8sName, parseDuration } from "./common";

export const clusterSecretStoreConditions: ResourceValidationPolicy = {
  name: "cluster-secret-store-namespace-conditions",
  description:
    "ClusterSecretStores restrict the namespaces that may use them (spec.conditions), judged by what the conditions admit as ESO evaluates them: " +
    "unanchored namespaceRegexes that match every namespace name and selectors that every new namespace matches restrict nothing.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Add `spec.conditions: [{ namespaces: ["team-a"] }]` (or an anchored `namespaceRegexes: ["^team-a$"]`, or a namespaceSelector on a label only admins set, such as `matchLabels: { team: a }`); ' +
    "without a real restriction every namespace can pull every secret the store's identity reaches.",
  validateResource: (args, reportViolation) => {
    if (!/^kubernetes:external-secrets\.io\/v1(beta1)?:ClusterSecretStore$/.test(args.type)) return;
    const id = k8sName(args.type, args.props);
    for (const problem of conditionsAdmittingEveryNamespace(args.props.spec?.conditions, "spec.conditions")) reportViolation(`${id}: ${problem}`);
  },
};

/**
 * A store without explicit auth authenticates as the ESO controller's own identity: anyone who may create
 * an ExternalSecret that uses it (ESO aggregates that into `edit`) reads everything the controller reaches.
 */
export const esoStoreExplicitAuth: ResourceValidationPolicy = {
  name: "eso-store-explicit-auth",
  description: "SecretStores and ClusterSecretStores (aws, gcpsm, azurekv, vault) authenticate with their own service account or named credentials, never the ESO controller's ambient identity.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "AWS: `auth.jwt.serviceAccountRef`; GCP: `auth.workloadIdentity.serviceAccountRef`; Azure: `authType: WorkloadIdentity` with `serviceAccountRef`; " +
    "Vault: `auth.kubernetes.serviceAccountRef`. Give each such service account its own cloud identity scoped to the store's secrets, and the controller none.",
  validateResource: (args, reportViolation) => {
    if (!/^kubernetes:external-secrets\.io\/v1(beta1)?:(Cluster)?SecretStore$/.test(args.type)) return;
    const id = k8sName(args.type, args.props);
    for (const problem of storeAuthProblems(args.props.spec)) reportViolation(`${id}: ${problem}`);
  },
};

/**
 * A PushSecret copies Secrets of its namespace to an external store. Selecting them by a label selector
 * that every unlabelled Secret matches (`{}`, NotIn / DoesNotExist only) pushes every Secret of the
 * namespace, service-account tokens and other applications' credentials included, out of the cluster
 * (ESO pkg/controllers/pushsecret: metav1.LabelSelectorAsSelector over the namespace's Secrets).
 */
export const pushSecretScope: ResourceValidationPolicy = {
  name: "push-secret-scope",
  description: "PushSecrets push named Secrets (selector.secret.name) or Secrets carrying a label, never every Secret of their namespace.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set `spec.selector.secret.name` (PushSecret does this), or a selector with matchLabels / In on a label only the pushed Secrets carry.",
  validateResource: (args, reportViolation) => {
    if (!/^kubernetes:external-secrets\.io\/v1(alpha1)?:PushSecret$/.test(args.type)) return;
    const secret = args.props.spec?.selector?.secret;
    const selector = secret?.selector;
    if (!selector || typeof selector !== "object" || (typeof secret.name === "string" && secret.name !== "")) return;
    if (selectorAdmitsUnlabelledObjects(selector)) {
      reportViolation(`${k8sName(args.type, args.props)}: spec.selector.secret.selector ${JSON.stringify(selector)} matches every unlabelled Secret of the namespace, so it pushes all of them (service-account tokens and other applications' credentials included)`);
    }
  },
};

export const externalSecretRefreshInterval: ResourceValidationPolicy = {
  name: "external-secret-refresh-interval",
  description: "ExternalSecrets and ClusterExternalSecrets do not refresh more often than the minimum interval (provider rate limits and cost).",
  enforcementLevel: "advisory",
  severity: "low",
  remediationSteps: "Set `refreshInterval` to at least the minimum (default 1m), or `0` to disable periodic refresh.",
  configSchema: { properties: { minimumRefreshInterval: { type: "string", default: "1m", description: "Go duration, e.g. 1m, 15m, 1h." } } },
  validateResource: (args, reportViolation) => {
    let spec: any;
    if (/^kubernetes:external-secrets\.io\/v1(beta1)?:ExternalSecret$/.test(args.type)) spec = args.props.spec;
    else if (/^kubernetes:external-secrets\.io\/v1(beta1)?:ClusterExternalSecret$/.test(args.type)) spec = args.props.spec?.externalSecretSpec;
    else return;
    const min = parseDuration(args.getConfig<{ minimumRefreshInterval: string }>().minimumRefreshInterval) ?? 60;
    const raw = spec?.refreshInterval;
    if (raw === undefined) return; // ESO default: 1h
    const seconds = parseDuration(raw);
    const id = k8sName(args.type, args.props);
    if (seconds === undefined) reportViolation(`${id}: refreshInterval ${JSON.stringify(raw)} is not a duration`);
    else if (seconds !== 0 && seconds < min) reportViolation(`${id}: refreshInterval ${raw} is below the minimum ${args.getConfig<{ minimumRefreshInterval: string }>().minimumRefreshInterval}`);
  },
};

/** Moved to cloudIam.ts (it judges every identity policy); re-exported for existing imports. */
export { esoIamNoWildcardResources } from "./cloudIam";
