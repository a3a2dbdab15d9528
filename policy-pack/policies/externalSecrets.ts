/** External Secrets Operator resources and the cloud IAM behind them (raw resource inputs). */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { k8sName, parseDuration } from "./common";

export const clusterSecretStoreConditions: ResourceValidationPolicy = {
  name: "cluster-secret-store-namespace-conditions",
  description: "ClusterSecretStores restrict the namespaces that may use them (spec.conditions).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add `spec.conditions: [{ namespaces: [...] }]` (or namespaceSelector / namespaceRegexes); without it every namespace can pull every secret the store's identity reaches.",
  validateResource: (args, reportViolation) => {
    if (!/^kubernetes:external-secrets\.io\/v1(beta1)?:ClusterSecretStore$/.test(args.type)) return;
    const conditions: any[] = args.props.spec?.conditions ?? [];
    const id = k8sName(args.type, args.props);
    if (conditions.length === 0) return reportViolation(`${id}: spec.conditions is empty, every namespace can use this store`);
    conditions.forEach((c, i) => {
      const sel = c?.namespaceSelector;
      const selects = sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0);
      if (!(c?.namespaces ?? []).length && !(c?.namespaceRegexes ?? []).length && !selects) {
        reportViolation(`${id}: spec.conditions[${i}] restricts no namespace (set namespaces, namespaceSelector or namespaceRegexes)`);
      }
    });
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

const SECRET_ACTIONS = /^(secretsmanager|ssm|kms):/i;

/** The statements of an IAM policy document; undefined when the document is not JSON (judged as a violation). */
function statements(doc: unknown): any[] | undefined {
  let d = doc;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return undefined;
    }
  }
  const s = (d as any)?.Statement;
  return Array.isArray(s) ? s : s ? [s] : [];
}

export const esoIamNoWildcardResources: ResourceValidationPolicy = {
  name: "eso-iam-no-wildcard-resources",
  description: "IAM policies granting Secrets Manager, SSM Parameter Store or KMS actions name their resources (no `*`).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "List the secret/parameter/key ARNs (or an ARN prefix like arn:aws:secretsmanager:<region>:<account>:secret:team-a/*) instead of `*` (AwsSecretsManagerAccess does this).",
  validateResource: (args, reportViolation) => {
    if (!["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"].includes(args.type)) return;
    const list = statements(args.props.policy);
    // Fail closed: a document the policy cannot read is never a pass.
    if (!list) return reportViolation(`IAM policy ${args.name}: the policy document is not valid JSON, so it cannot be checked`);
    list.forEach((st, i) => {
      if (st?.Effect !== "Allow") return;
      const actions: string[] = [st.Action ?? []].flat();
      const secretActions = actions.filter((a) => a === "*" || SECRET_ACTIONS.test(a));
      if (secretActions.length === 0) return;
      const resources: string[] = [st.Resource ?? []].flat();
      if (resources.includes("*")) reportViolation(`IAM policy ${args.name}: Statement[${i}] allows ${secretActions.join(", ")} on Resource "*"`);
    });
  },
};
