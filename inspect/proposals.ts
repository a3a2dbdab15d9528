/**
 * Narrowing proposals: for each workload identity (a non-exempt service account that runs pods), the
 * least-privilege replacement of its Secret grants derived from what its pods consume. Mounted Secrets
 * (env, envFrom, volumes, projected volumes, imagePullSecrets, CSI) are fetched by the kubelet and need no
 * RBAC for the pod's identity at all; Secrets its containers read through the API (named in env values or
 * args, or declared in the `kube-secrets-platform/reads-secrets` annotation) get one namespaced Role with
 * `resourceNames` and `get`. Never widening: a proposal only removes grants or replaces them by a subset.
 */
import type { Graph } from "./graph";
import { objectOfPath } from "./findings";
import type { ObjectRef, Proposal, RbacObject, SecretGrant } from "./scanSchema";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function grantText(g: SecretGrant): string {
  const scope = g.namespace === "*" ? "in every namespace" : `in ${g.namespace}`;
  const names = g.resourceNames ? ` (only ${g.resourceNames.join(", ")})` : "";
  const what = g.mechanism === "secret-read" ? "read Secrets" : g.mechanism === "secret-write" ? "write Secrets" : `${g.mechanism} (reads Secrets indirectly)`;
  return `${what} [${g.verbs.join(",")}] ${scope}${names}${g.via ? ` by acting as ${g.via}` : ""} via ${g.path[0]}`;
}

/** `name` cut to a valid object name. */
function objectName(base: string): string {
  return base.length <= 63 ? base : base.slice(0, 63).replace(/[-.]+$/, "");
}

function identifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : "")).replace(/^[^A-Za-z_]+/, "");
  return id ? id[0].toLowerCase() + id.slice(1) : "x";
}

export function computeProposals(graph: Graph): Proposal[] {
  const out: Proposal[] = [];
  const subjects = new Map(graph.subjects.map((s) => [s.subject, s]));
  const bindings = new Map<string, { obj: import("./inventory").Obj; kind: string }>();
  for (const kind of ["RoleBinding", "ClusterRoleBinding"]) {
    for (const b of graph.byKind.get(kind) ?? []) bindings.set(kind === "RoleBinding" ? `RoleBinding ${b.metadata.namespace ?? "default"}/${b.metadata.name}` : `ClusterRoleBinding ${b.metadata.name}`, { obj: b, kind });
  }
  const byServiceAccount = new Map<string, typeof graph.workloadInfo>();
  for (const w of graph.workloadInfo) {
    let l = byServiceAccount.get(w.node.serviceAccount);
    if (!l) byServiceAccount.set(w.node.serviceAccount, (l = []));
    l.push(w);
  }
  for (const [sa, infos] of [...byServiceAccount.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    const subject = subjects.get(sa);
    if (!subject || subject.exempt) continue;
    const ns = subject.namespace!;
    const saName = subject.name;
    const mounted = new Set<string>();
    const api = new Set<string>();
    for (const w of infos) {
      for (const n of w.mounted) if (graph.secretIndex.has(`${ns}/${n}`)) mounted.add(n);
      for (const n of w.apiReads) api.add(n);
    }
    const apiReads = [...api].filter((n) => !mounted.has(n)).sort();
    const current = subject.grants.map((id) => graph.grants[id]);
    const within = (g: SecretGrant) => !g.inherited && g.access === "read" && g.mechanism === "secret-read" && g.namespace === ns && !!g.resourceNames && g.resourceNames.every((n) => apiReads.includes(n)) && g.verbs.every((v) => v === "get");
    // Bindings that give anything beyond the proposal are changed; the others are kept as they are.
    const byBinding = new Map<string, SecretGrant[]>();
    for (const g of current) {
      const b = g.path[0];
      let l = byBinding.get(b);
      if (!l) byBinding.set(b, (l = []));
      l.push(g);
    }
    const bindingChanges: Proposal["bindingChanges"] = [];
    const covered = new Set<string>();
    for (const [b, gs] of [...byBinding.entries()].sort((x, y) => cmp(x[0], y[0]))) {
      if (gs.every(within)) {
        for (const g of gs) for (const n of g.resourceNames ?? []) covered.add(n);
        continue;
      }
      const found = bindings.get(b);
      const ref: ObjectRef = found ? { kind: found.kind, apiVersion: "rbac.authorization.k8s.io/v1", ...(found.kind === "RoleBinding" ? { namespace: found.obj.metadata.namespace ?? "default" } : {}), name: found.obj.metadata.name ?? "" } : objectOfPath([b], b);
      const others = (found?.obj.subjects ?? []).filter((s) => !(s.kind === "ServiceAccount" && s.name === saName && (s.namespace || (found!.kind === "RoleBinding" ? found!.obj.metadata.namespace : "")) === ns));
      bindingChanges.push({ binding: ref, action: others.length === 0 ? "delete-binding" : "remove-subject", grants: gs.map(grantText).join("; ") });
    }
    const roleNames = apiReads.filter((n) => !covered.has(n));
    const roleName = objectName(`${saName}-secrets-read`);
    let role: RbacObject | undefined;
    let roleBinding: RbacObject | undefined;
    if (roleNames.length > 0) {
      role = { kind: "Role", metadata: { name: roleName, namespace: ns, labels: { "app.kubernetes.io/managed-by": "kube-secrets-platform-scan" }, annotations: {} }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: roleNames }] };
      roleBinding = {
        kind: "RoleBinding",
        metadata: { name: roleName, namespace: ns, labels: { "app.kubernetes.io/managed-by": "kube-secrets-platform-scan" }, annotations: {} },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
        subjects: [{ kind: "ServiceAccount", name: saName, namespace: ns }],
      };
    }
    const diff: string[] = [];
    for (const c of bindingChanges) for (const g of byBinding.get(c.binding.kind === "RoleBinding" ? `RoleBinding ${c.binding.namespace}/${c.binding.name}` : `ClusterRoleBinding ${c.binding.name}`) ?? []) diff.push(`- ${grantText(g)}`);
    if (role) diff.push(`+ read Secrets [get] in ${ns} (only ${roleNames.join(", ")}) via RoleBinding ${ns}/${roleName}`);
    for (const gr of subject.groups ?? []) diff.push(`! also holds what ${gr} can do (change that group's bindings; not per service account)`);
    const narrows = bindingChanges.length > 0;
    const workloads = infos.map((w) => `${w.node.ref.kind} ${w.node.ref.namespace}/${w.node.ref.name}`).sort();
    out.push({
      serviceAccount: sa,
      namespace: ns,
      workloads,
      mounted: [...mounted].sort(),
      apiReads,
      current: subject.grants,
      ...(role ? { role, roleBinding } : {}),
      bindingChanges,
      narrows,
      diff,
      yaml: proposalYaml(sa, role, roleBinding, bindingChanges),
      pulumi: proposalPulumi(graph, ns, saName, role, roleBinding, bindingChanges, [...mounted].sort()),
    });
  }
  return out;
}

function manifest(o: RbacObject): Record<string, unknown> {
  const m: Record<string, unknown> = { apiVersion: "rbac.authorization.k8s.io/v1", kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, labels: o.metadata.labels } };
  if (o.rules) m.rules = o.rules;
  if (o.roleRef) m.roleRef = o.roleRef;
  if (o.subjects) m.subjects = o.subjects;
  return m;
}

/**
 * Block YAML of plain data (maps, lists, strings): every value is written as a JSON string, which YAML 1.1
 * (kubectl's parser) and 1.2 read as the same string, so no name needs quoting rules; keys that are plain
 * words stay unquoted. Much cheaper than a general YAML emitter for thousands of proposals.
 */
export function blockYaml(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return " []\n";
    return `\n${value.map((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? `${indent}- ${blockYaml(v, `${indent}  `).slice(indent.length + 3)}` : `${indent}-${blockYaml(v, `${indent}  `)}`)).join("")}`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return " {}\n";
    return `\n${entries.map(([k, v]) => `${indent}${yamlKey(k)}:${blockYaml(v, `${indent}  `)}`).join("")}`;
  }
  return ` ${JSON.stringify(value)}\n`;
}

/** A key as a plain scalar when it is a word YAML 1.1 and 1.2 both read as that string, else JSON-quoted. */
function yamlKey(k: string): string {
  return /^[A-Za-z][A-Za-z0-9]*$/.test(k) && !/^(y|yes|n|no|on|off|true|false|null)$/i.test(k) ? k : JSON.stringify(k);
}

function yamlDocument(value: Record<string, unknown>): string {
  return blockYaml(value).slice(1);
}

function proposalYaml(sa: string, role: RbacObject | undefined, binding: RbacObject | undefined, changes: Proposal["bindingChanges"]): string {
  const lines = [`# Least-privilege Secret access for ${sa} (kube-secrets-platform scan).`, "# Mounted Secrets need no RBAC: the kubelet fetches them for the pod."];
  for (const c of changes) {
    const id = `${c.binding.kind} ${c.binding.namespace ? `${c.binding.namespace}/` : ""}${c.binding.name}`;
    lines.push(c.action === "delete-binding" ? `# delete ${id}: kubectl delete ${c.binding.kind.toLowerCase()} ${c.binding.name}${c.binding.namespace ? ` -n ${c.binding.namespace}` : ""}` : `# remove ${sa} from the subjects of ${id}`);
    lines.push(`#   it grants: ${c.grants}`);
  }
  if (!role) {
    lines.push("# No API reads: no Role is needed.");
    return `${lines.join("\n")}\n`;
  }
  return `${lines.join("\n")}\n---\n${yamlDocument(manifest(role))}---\n${yamlDocument(manifest(binding!))}`;
}

function proposalPulumi(graph: Graph, ns: string, saName: string, role: RbacObject | undefined, binding: RbacObject | undefined, changes: Proposal["bindingChanges"], mounted: string[]): string {
  const lines: string[] = ['import * as k8s from "@pulumi/kubernetes";'];
  const statics = mounted.map((n) => graph.secretIndex.get(`${ns}/${n}`)!).filter((s) => s && s.source.kind === "static");
  if (statics.length) lines.push('import { ExternalSecret } from "kube-secrets-platform";');
  lines.push("");
  lines.push(`// Least-privilege Secret access for ServiceAccount ${ns}/${saName}. This package has no Role component:`);
  lines.push("// plain Kubernetes RBAC from @pulumi/kubernetes (checked by the kube-secrets-guard policy pack).");
  for (const c of changes) lines.push(`// ${c.action === "delete-binding" ? "delete" : `remove ${saName} from`} ${c.binding.kind} ${c.binding.namespace ? `${c.binding.namespace}/` : ""}${c.binding.name} (${c.grants})`);
  if (role && binding) {
    const v = identifier(`${saName}-secrets-read`);
    lines.push(`const ${v} = new k8s.rbac.v1.Role(${JSON.stringify(role.metadata.name)}, {`);
    lines.push(`  metadata: { name: ${JSON.stringify(role.metadata.name)}, namespace: ${JSON.stringify(ns)} },`);
    lines.push(`  rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ${JSON.stringify(role.rules![0].resourceNames)} }],`);
    lines.push("});");
    lines.push(`new k8s.rbac.v1.RoleBinding(${JSON.stringify(binding.metadata.name)}, {`);
    lines.push(`  metadata: { name: ${JSON.stringify(binding.metadata.name)}, namespace: ${JSON.stringify(ns)} },`);
    lines.push(`  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ${v}.metadata.name },`);
    lines.push(`  subjects: [{ kind: "ServiceAccount", name: ${JSON.stringify(saName)}, namespace: ${JSON.stringify(ns)} }],`);
    lines.push("});");
  } else lines.push("// No API reads: no Role is needed.");
  for (const s of statics) {
    lines.push("");
    lines.push(`// ${s.namespace}/${s.name} is static: let ESO write it from your store (replace the store and remote key).`);
    lines.push(`new ExternalSecret(${JSON.stringify(s.name)}, {`);
    lines.push(`  namespace: ${JSON.stringify(s.namespace)},`);
    lines.push('  storeRef: { name: "REPLACE-store", kind: "ClusterSecretStore" },');
    // The kubelet and Ingress controllers read a Secret by its type (kubernetes.io/dockerconfigjson, kubernetes.io/tls): keep it.
    if (s.type && s.type !== "Opaque") lines.push(`  target: { name: ${JSON.stringify(s.name)}, template: { type: ${JSON.stringify(s.type)} } },`);
    else lines.push(`  target: { name: ${JSON.stringify(s.name)} },${s.type ? "" : " // set template.type if the Secret is not Opaque"}`);
    if (s.keys?.length) lines.push(`  data: [${s.keys.map((k) => `{ secretKey: ${JSON.stringify(k)}, remoteRef: { key: ${JSON.stringify(`REPLACE/${s.namespace}/${s.name}`)}, property: ${JSON.stringify(k)} } }`).join(", ")}],`);
    else lines.push(`  dataFrom: [{ extract: { key: ${JSON.stringify(`REPLACE/${s.namespace}/${s.name}`)} } }],`);
    lines.push("});");
  }
  return `${lines.join("\n")}\n`;
}
