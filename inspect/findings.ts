/**
 * Findings of a scan: the graph's own (over-broad readers, readers that do not consume, static and
 * unconsumed Secrets, legacy tokens, bindings to missing subjects) plus every RBAC engine finding of the
 * pack, each with a severity and a fix.
 */
import type { RbacFinding } from "../policy-pack/rbac";
import { isExempt, refText, type Graph } from "./graph";
import type { Inventory } from "./inventory";
import type { Finding, FindingRule, ObjectRef, Severity } from "./scanSchema";

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

/** Title, default severity and fix per rule (also the SARIF rule metadata). */
export const FINDING_RULES: Record<FindingRule, { title: string; description: string; fix: string }> = {
  "over-broad-reader": {
    title: "Over-broad Secret reader",
    description: "A subject can read every Secret of a namespace or of the whole cluster (no resourceNames).",
    fix: "Replace the grant with a namespaced Role limited to the Secrets the subject needs (resourceNames, verb get), or mount the Secrets instead of reading them through the API.",
  },
  "non-consumer-reader": {
    title: "Secret reader that does not consume it",
    description: "A subject that is not an exempt controller can read a Secret that none of its workloads uses.",
    fix: "Remove the Secret from the subject's grant (resourceNames), or exempt the subject explicitly if it is a controller that must read it.",
  },
  "static-secret": {
    title: "Static Secret",
    description: "Nothing manages the Secret (no ExternalSecret, SealedSecret, CSI sync, Helm or controller): its value lives only in etcd and in whatever pipeline wrote it.",
    fix: "Move the value to an external store and let an ExternalSecret (kube-secrets-platform ExternalSecret) write it, or commit a SealedSecret instead of the plain Secret.",
  },
  "unconsumed-secret": {
    title: "Secret no workload consumes",
    description: "No pod, workload, Ingress or ServiceAccount references the Secret.",
    fix: "Delete it if nothing reads it through the API (check the access report of the audit logs first).",
  },
  "legacy-token-secret": {
    title: "Legacy service-account token Secret",
    description: "A long-lived, non-expiring token Secret (kubernetes.io/service-account-token).",
    fix: "Delete it and use projected, short-lived tokens (TokenRequest); the legacy token cleaner removes unused ones since Kubernetes 1.29.",
  },
  "binding-missing-subject": {
    title: "Binding to a missing service account",
    description: "A binding names a ServiceAccount that does not exist: whoever creates it later (anyone who can create service accounts there) gets the grants.",
    fix: "Remove the subject from the binding, or delete the binding.",
  },
  "rbac-secret-read": { title: "RBAC: direct Secret read", description: "The RBAC engine found a direct Secret read grant.", fix: "Narrow the role to resourceNames the subject needs, or remove the binding." },
  "rbac-secret-write": { title: "RBAC: Secret write", description: "The RBAC engine found a Secret write/delete grant.", fix: "Limit writes to the controllers that own the Secrets." },
  "rbac-indirect-secret-read": {
    title: "RBAC: indirect Secret read",
    description: "The subject can obtain Secret content indirectly (create pods or workloads, exec, ephemeral containers, tokens, impersonation).",
    fix: "Remove pod/workload creation, exec and token/impersonation rights from identities that do not need them; run CI deployments through a controller (GitOps) instead of direct pod create.",
  },
  "rbac-escalation": { title: "RBAC: privilege escalation", description: "The RBAC engine found a privilege escalation path.", fix: "Remove escalate/bind/impersonate/nodes-proxy/token rights, or restrict them with resourceNames." },
  "rbac-ineffective-rule": { title: "RBAC: ineffective rule", description: "A rule can never match a request.", fix: "Fix or remove the rule (see the message)." },
  "rbac-missing-role": { title: "RBAC: binding to a missing role", description: "A binding references a role that does not exist.", fix: "Delete the binding, or create the role deliberately." },
  "rbac-external-secret-access": {
    title: "RBAC: external secret access through ESO",
    description: "The subject can pull or push external secrets through External Secrets Operator resources (ExternalSecrets, SecretStores, PushSecrets) and the stores usable in the namespace.",
    fix: "Limit who can create ESO resources; restrict ClusterSecretStores to the namespaces that need them (conditions) and give each store least-privilege cloud credentials.",
  },
  "rbac-other": { title: "RBAC: other engine finding", description: "An RBAC engine finding of a kind this version of the scan does not classify.", fix: "See the message and the policy pack's documentation for the code." },
};

/** The object an engine finding is about: the first binding (or role) of its chain. */
export function objectOfPath(path: string[], fallback: string): ObjectRef {
  const first = path[0] ?? fallback;
  const m = /^(RoleBinding|ClusterRoleBinding|Role|ClusterRole|ServiceAccount) (\S+)/.exec(first);
  if (!m) return { kind: "Unknown", name: first };
  const [, kind, id] = m;
  const slash = id.indexOf("/");
  if ((kind === "RoleBinding" || kind === "Role" || kind === "ServiceAccount") && slash > 0) return { kind, namespace: id.slice(0, slash), name: id.slice(slash + 1) };
  return { kind, name: id };
}

function engineFinding(cluster: string, f: RbacFinding): Finding {
  const known = `rbac-${f.code}` as FindingRule;
  const rule: FindingRule = known in FINDING_RULES ? known : "rbac-other";
  const object = objectOfPath(f.path, f.subject);
  const meta = FINDING_RULES[rule];
  return {
    id: `${rule}:${cluster}:${refText(object)}:${f.subject}:${f.namespace}`,
    rule,
    severity: f.severity,
    cluster,
    object,
    subject: f.subject,
    message: f.message,
    fix: meta.fix,
    path: f.path,
  };
}

export function computeFindings(cluster: string, graph: Graph, inv: Inventory, exemptSubjects: string[]): Finding[] {
  const out: Finding[] = [];
  const secretRef = (ns: string, name: string): ObjectRef => ({ kind: "Secret", apiVersion: "v1", namespace: ns, name });
  // Every engine finding of the pack (exempt subjects dropped, as the pack's exemptions do).
  for (const f of graph.rbacFindings) {
    if (f.code !== "ineffective-rule" && f.code !== "missing-role" && isExempt(f.subject, exemptSubjects)) continue;
    out.push(engineFinding(cluster, f));
  }
  // Over-broad readers: direct read of every Secret of a scope.
  for (const g of graph.grants) {
    if (g.exempt || g.access !== "read" || g.mechanism !== "secret-read" || g.resourceNames) continue;
    const object = objectOfPath(g.path, g.subject);
    out.push({
      id: `over-broad-reader:${cluster}:${refText(object)}:${g.subject}:${g.namespace}`,
      rule: "over-broad-reader",
      severity: g.namespace === "*" ? "critical" : "high",
      cluster,
      object,
      subject: g.subject,
      grant: g.id,
      message: `${g.subject} can read every Secret ${g.namespace === "*" ? "of the cluster" : `of namespace ${g.namespace}`} (${g.verbs.join(", ")}) via ${g.path.join(" -> ")}`,
      fix: FINDING_RULES["over-broad-reader"].fix,
      path: g.path,
    });
  }
  // Named readers that do not consume what they can read.
  const consumes = new Map(graph.subjects.map((s) => [s.subject, new Set(s.consumes)]));
  for (const g of graph.grants) {
    if (g.exempt || g.access !== "read" || g.mechanism !== "secret-read" || !g.resourceNames) continue;
    const namespaces = g.namespace === "*" ? [...new Set(graph.secrets.map((s) => s.namespace))] : [g.namespace];
    for (const ns of namespaces) {
      for (const name of g.resourceNames) {
        const s = graph.secretIndex.get(`${ns}/${name}`);
        if (!s || consumes.get(g.subject)?.has(s.id)) continue;
        out.push({
          id: `non-consumer-reader:${cluster}:${s.namespace}/${s.name}:${g.subject}`,
          rule: "non-consumer-reader",
          severity: "high",
          cluster,
          object: secretRef(s.namespace, s.name),
          subject: g.subject,
          secret: s.id,
          grant: g.id,
          message: `${g.subject} can read Secret ${s.namespace}/${s.name} but none of its workloads consumes it (via ${g.path.join(" -> ")})`,
          fix: FINDING_RULES["non-consumer-reader"].fix,
          path: g.path,
        });
      }
    }
  }
  // Secret-level findings.
  for (const s of graph.secrets) {
    const object = secretRef(s.namespace, s.name);
    if (s.source.kind === "static") {
      out.push({
        id: `static-secret:${cluster}:${s.namespace}/${s.name}`,
        rule: "static-secret",
        severity: "medium",
        cluster,
        object,
        secret: s.id,
        message: `Secret ${s.namespace}/${s.name} is static: ${s.source.detail}; ${s.blast.readers} subjects can read it, ${s.blast.pods} pods consume it`,
        fix: FINDING_RULES["static-secret"].fix,
      });
    }
    if (s.source.kind === "service-account-token") {
      out.push({
        id: `legacy-token-secret:${cluster}:${s.namespace}/${s.name}`,
        rule: "legacy-token-secret",
        severity: "medium",
        cluster,
        object,
        secret: s.id,
        message: `Secret ${s.namespace}/${s.name} is a long-lived token of ServiceAccount ${s.namespace}/${s.source.ref?.name ?? "?"}; ${s.blast.readers} subjects can read it`,
        fix: FINDING_RULES["legacy-token-secret"].fix,
      });
    }
    const managed = s.source.kind === "service-account-token" || s.source.kind === "bootstrap-token" || s.source.kind === "helm-release-record" || s.source.kind === "controller";
    if (!managed && s.consumers.length === 0) {
      out.push({
        id: `unconsumed-secret:${cluster}:${s.namespace}/${s.name}`,
        rule: "unconsumed-secret",
        severity: "low",
        cluster,
        object,
        secret: s.id,
        message: `Secret ${s.namespace}/${s.name} (${s.source.kind}) is consumed by no pod, workload, Ingress or ServiceAccount`,
        fix: FINDING_RULES["unconsumed-secret"].fix,
      });
    }
  }
  // Bindings to service accounts that do not exist (only when service accounts could be listed).
  if (!inv.notListed.some((n) => n.resource === "serviceaccounts")) {
    for (const kind of ["RoleBinding", "ClusterRoleBinding"]) {
      for (const b of graph.byKind.get(kind) ?? []) {
        const bns = kind === "RoleBinding" ? (b.metadata.namespace ?? "default") : null;
        for (const subj of b.subjects ?? []) {
          if (subj.kind !== "ServiceAccount" || !subj.name) continue;
          const ns = subj.namespace || bns;
          if (!ns || graph.serviceAccounts.has(`${ns}/${subj.name}`)) continue;
          const object: ObjectRef = { kind, apiVersion: "rbac.authorization.k8s.io/v1", ...(bns ? { namespace: bns } : {}), name: b.metadata.name ?? "" };
          out.push({
            id: `binding-missing-subject:${cluster}:${refText(object)}:ServiceAccount ${ns}/${subj.name}`,
            rule: "binding-missing-subject",
            severity: "medium",
            cluster,
            object,
            subject: `ServiceAccount ${ns}/${subj.name}`,
            message: `${refText(object)} binds ${b.roleRef?.kind ?? "?"} ${b.roleRef?.name ?? "?"} to ServiceAccount ${ns}/${subj.name}, which does not exist`,
            fix: FINDING_RULES["binding-missing-subject"].fix,
          });
        }
      }
    }
  }
  // Ids unique (engine findings of one subject may share object and namespace).
  const seen = new Map<string, number>();
  for (const f of out) {
    const n = seen.get(f.id) ?? 0;
    seen.set(f.id, n + 1);
    if (n > 0) f.id = `${f.id}#${n}`;
  }
  out.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}
