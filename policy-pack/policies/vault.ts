/** Vault server chart values and Vault Kubernetes auth roles (raw resource inputs). */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { vaultPolicyProblems } from "../../components/vault/policy";
import { parseVaultPolicyDocument } from "../../components/vault/policyParser";

function isVaultChart(props: any): boolean {
  const chart = String(props.chart ?? "");
  return chart === "vault" || chart.endsWith("/vault") || (chart.includes("helm.releases.hashicorp.com") && chart.endsWith("vault"));
}

export const vaultChartHardening: ResourceValidationPolicy = {
  name: "vault-chart-hardening",
  description: "The Vault Helm chart runs HA (raft, >= 3 replicas), with TLS, and never in dev mode.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Set server.ha.enabled=true with server.ha.raft.enabled=true and server.ha.replicas >= 3, global.tlsDisable=false (the chart default is true), and server.dev.enabled=false (VaultCluster does all of this).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "kubernetes:helm.sh/v4:Chart" && args.type !== "kubernetes:helm.sh/v3:Release") return;
    if (!isVaultChart(args.props)) return;
    const v = args.props.values ?? {};
    const server = v.server ?? {};
    // A release that runs no server (only the CSI provider or the injector, e.g. VaultCluster's CSI
    // provider release) stores nothing: the server rules do not apply to it.
    if (server.enabled === false) {
      if (server.dev?.enabled === true) reportViolation(`Vault chart ${args.name}: server.dev.enabled is true (in-memory, unsealed, root token)`);
      return;
    }
    if (server.dev?.enabled === true) reportViolation(`Vault chart ${args.name}: server.dev.enabled is true (in-memory, unsealed, root token)`);
    if (server.ha?.enabled !== true) reportViolation(`Vault chart ${args.name}: server.ha.enabled must be true`);
    else {
      if ((server.ha.replicas ?? 3) < 3) reportViolation(`Vault chart ${args.name}: server.ha.replicas must be >= 3, got ${server.ha.replicas}`);
      if (server.ha.raft?.enabled !== true && !server.ha.config) reportViolation(`Vault chart ${args.name}: server.ha.raft.enabled must be true (integrated storage)`);
    }
    if (v.global?.tlsDisable !== false) reportViolation(`Vault chart ${args.name}: global.tlsDisable must be false (the chart defaults to true), got ${String(v.global?.tlsDisable)}`);
  },
};

export const vaultKubernetesRoleBindings: ResourceValidationPolicy = {
  name: "vault-kubernetes-role-bindings",
  description: "Vault Kubernetes auth roles are bound to named service accounts and namespaces (no `*`).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "List the exact service account names and namespaces in bound_service_account_names / bound_service_account_namespaces (VaultKubernetesAuth does this).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "vault:kubernetes/authBackendRole:AuthBackendRole") return;
    for (const field of ["boundServiceAccountNames", "boundServiceAccountNamespaces"]) {
      const values: string[] = args.props[field] ?? [];
      if (values.length === 0) reportViolation(`Vault role ${args.props.roleName ?? args.name}: ${field} is empty`);
      else if (values.some((v) => v.includes("*"))) reportViolation(`Vault role ${args.props.roleName ?? args.name}: ${field} contains a wildcard, got ${JSON.stringify(values)}`);
    }
  },
};

/**
 * Kubernetes auth roles hand out tokens with their `tokenPolicies`: `root` (every capability on every
 * path) never, and no policy of this stack whose document the least-privilege checker rejects.
 */
export const vaultRoleTokenPolicies: StackValidationPolicy = {
  name: "vault-role-token-policies",
  description: "Vault Kubernetes auth roles never issue the root policy, nor a policy of the stack that grants sudo, everything, root or whole-mount globs, or escalation paths.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "List only least-privilege policies in token_policies (VaultPolicy renders them); operator policies are for humans with MFA, not for service accounts.",
  validateStack: (args, reportViolation) => {
    const documents = new Map<string, string>();
    for (const r of args.resources) {
      if (r.type === "vault:index/policy:Policy" && typeof r.props.policy === "string") documents.set(String(r.props.name ?? r.name), r.props.policy);
    }
    for (const r of args.resources) {
      if (r.type !== "vault:kubernetes/authBackendRole:AuthBackendRole") continue;
      const role = String(r.props.roleName ?? r.name);
      const policies: unknown[] = Array.isArray(r.props.tokenPolicies) ? r.props.tokenPolicies : [];
      for (const p of policies) {
        if (p === "root") {
          reportViolation(`Vault role ${role}: tokenPolicies includes "root": every token it issues can do anything in Vault`, r.urn);
          continue;
        }
        const doc = typeof p === "string" ? documents.get(p) : undefined;
        if (doc === undefined) continue;
        let problems: string[];
        try {
          problems = vaultPolicyProblems(parseVaultPolicyDocument(doc));
        } catch (e) {
          problems = [`cannot be parsed: ${(e as Error).message}`];
        }
        if (problems.length > 0) reportViolation(`Vault role ${role}: tokenPolicies includes "${String(p)}", which is not least-privilege: ${problems.join("; ")}`, r.urn);
      }
    }
  },
};
