/**
 * Stack section `rbac` of a cluster: the application RBAC a platform team declares for the cluster
 * (Roles, ClusterRoles, RoleBindings, ClusterRoleBindings as plain Kubernetes shapes). The program creates
 * them on the cluster's provider, so every `pulumi preview --policy-pack policy-pack` (and `npm run plan`)
 * vets them with the pack: who can read Secrets, wildcards, escalation verbs, system-group bindings…
 * Absent: nothing is deployed.
 *
 * ```yaml
 * rbac:
 *   roles:
 *     - name: config-reader
 *       namespace: apps
 *       rules:
 *         - apiGroups: [""]             # "" is the core group ("core" and "v1" are not groups)
 *           resources: [configmaps]
 *           verbs: [get, list, watch]
 *   roleBindings:
 *     - name: app-developers-view
 *       namespace: apps
 *       roleRef: { kind: ClusterRole, name: view }      # built-in: no Secrets
 *       subjects:
 *         - { kind: Group, name: app-developers }
 *         - { kind: ServiceAccount, name: ci }          # namespace defaults to the binding's
 *   clusterRoles: []                                    # rules, or aggregationRule.clusterRoleSelectors
 *   clusterRoleBindings: []                             # ServiceAccount subjects need a namespace
 * ```
 *
 * Validation follows the API server's (names, rule shapes, subjects, roleRef) and also rejects what it
 * accepts but what never grants anything: upper-case verbs or resources, the `core`/`v1` "groups",
 * a `*` after a slash (`secrets/` + `*`, which matches no real subresource), rules on an aggregated ClusterRole.
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { standardLabels } from "../../components/internal/labels";
import { DNS1123_SUBDOMAIN } from "../../components/internal/naming";
import { labelSchema, type ClusterContext } from "./context";

const RBAC_GROUP = "rbac.authorization.k8s.io";

const label = labelSchema;

/** RBAC object names are path segments: anything but `.`/`..`, `/` and `%` (`system:foo` is fine). */
const rbacName = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(253)
  .refine((n) => n !== "." && n !== ".." && !/[/%]/.test(n), { message: `must be a valid RBAC name (not "." or "..", no "/" or "%")` });

const verb = z.string().regex(/^(\*|[a-z]+)$/, { message: `must be a lower-case verb (verbs are case-sensitive) or "*"` });

const apiGroup = z.string().superRefine((g, ctx) => {
  if (g === "core" || g === "v1") ctx.addIssue({ code: "custom", message: `"${g}" is not an API group: the core group is ""` });
  else if (g !== "" && g !== "*" && !(g.length <= 253 && DNS1123_SUBDOMAIN.test(g))) {
    ctx.addIssue({ code: "custom", message: `must be "" (the core group), "*" or an API group such as apps, got "${g}"` });
  }
});

const RESOURCE_PART = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const resource = z.string().superRefine((r, ctx) => {
  const [res, sub, ...more] = r.split("/");
  if (r === "*") return;
  if (more.length > 0 || !(res === "*" || RESOURCE_PART.test(res)) || (sub !== undefined && sub !== "*" && !RESOURCE_PART.test(sub)) || (res === "*" && sub === undefined)) {
    ctx.addIssue({ code: "custom", message: `must be a lower-case resource ("secrets"), "resource/subresource", "*/subresource" or "*", got "${r}"` });
  } else if (sub === "*") {
    ctx.addIssue({ code: "custom", message: `"${r}" matches no real subresource: use "${res === "*" ? "*" : res}" (covers every subresource) or name the subresources` });
  }
});

const nonResourceUrl = z.string().regex(/^(\*|\/[^*]*\*?)$/, { message: `must be a path starting with "/" (a "*" only at the end) or "*"` });

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const labels = z
  .record(z.string(), z.string())
  .default({})
  .superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      if (!LABEL_KEY.test(k)) ctx.addIssue({ code: "custom", path: [k], message: "must be a label key (optional DNS prefix/, a name of at most 63 characters)" });
      else if (!LABEL_VALUE.test(v)) ctx.addIssue({ code: "custom", path: [k], message: "must be a label value (at most 63 alphanumerics, '-', '_' or '.')" });
    }
  });

const rule = z
  .strictObject({
    /** API groups: `""` is the core group, `*` every group. Required with `resources`. */
    apiGroups: z.array(apiGroup).optional(),
    /** `secrets`, `pods/exec`, a subresource of every resource (`*` + `/scale`), or `*` (every resource and subresource). */
    resources: z.array(resource).optional(),
    /** Narrows get/update/patch/delete to these objects (create and list ignore it). */
    resourceNames: z.array(z.string().min(1)).optional(),
    /** Non-resource URLs (`/healthz`, `/metrics`); ClusterRoles only, never with resources. */
    nonResourceURLs: z.array(nonResourceUrl).optional(),
    /** Verbs (case-sensitive): get, list, watch, create, update, patch, delete, deletecollection, … or `*`. */
    verbs: z.array(verb).min(1, { message: "a rule needs at least one verb" }),
  })
  .superRefine((r, ctx) => {
    if (r.nonResourceURLs?.length) {
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        ctx.addIssue({ code: "custom", path: ["nonResourceURLs"], message: "a rule cannot mix nonResourceURLs with apiGroups, resources or resourceNames" });
      }
      return;
    }
    if (!r.apiGroups?.length) ctx.addIssue({ code: "custom", path: ["apiGroups"], message: `a resource rule needs at least one API group ("" is the core group)` });
    if (!r.resources?.length) ctx.addIssue({ code: "custom", path: ["resources"], message: "a resource rule needs at least one resource" });
  });
type Rule = z.infer<typeof rule>;

const selector = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z
          .strictObject({
            key: z.string().min(1),
            operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
            values: z.array(z.string()).optional(),
          })
          .superRefine((e, ctx) => {
            const needs = e.operator === "In" || e.operator === "NotIn";
            if (needs && !e.values?.length) ctx.addIssue({ code: "custom", path: ["values"], message: `${e.operator} needs at least one value` });
            if (!needs && e.values?.length) ctx.addIssue({ code: "custom", path: ["values"], message: `${e.operator} takes no values` });
          }),
      )
      .optional(),
  });

const subject = z
  .strictObject({
    /** ServiceAccount, User or Group (`system:authenticated` etc. are Groups). */
    kind: z.enum(["ServiceAccount", "User", "Group"]),
    name: z.string().min(1, { message: "must not be empty" }),
    /** ServiceAccount only; in a RoleBinding it defaults to the binding's namespace. */
    namespace: label.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.kind === "ServiceAccount" && !(s.name.length <= 253 && DNS1123_SUBDOMAIN.test(s.name))) {
      ctx.addIssue({ code: "custom", path: ["name"], message: "a ServiceAccount name must be an RFC 1123 subdomain" });
    }
    if (s.kind !== "ServiceAccount" && s.namespace !== undefined) {
      ctx.addIssue({ code: "custom", path: ["namespace"], message: `only ServiceAccount subjects have a namespace (${s.kind}s are cluster-wide)` });
    }
  });
type Subject = z.infer<typeof subject>;

const roleConfig = z
  .strictObject({
    name: rbacName,
    namespace: label,
    labels,
    rules: z.array(rule).default([]),
  })
  .superRefine((r, ctx) => {
    r.rules.forEach((x, i) => {
      if (x.nonResourceURLs?.length) ctx.addIssue({ code: "custom", path: ["rules", i, "nonResourceURLs"], message: "a Role cannot grant nonResourceURLs (use a ClusterRole)" });
    });
  });

const clusterRoleConfig = z
  .strictObject({
    name: rbacName,
    /** e.g. `rbac.authorization.k8s.io/aggregate-to-view: "true"` extends the built-in view role. */
    labels,
    rules: z.array(rule).default([]),
    /** Makes this an aggregated ClusterRole: its rules are those of every ClusterRole any selector matches. */
    aggregationRule: z.strictObject({ clusterRoleSelectors: z.array(selector).min(1) }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.aggregationRule && r.rules.length > 0) {
      ctx.addIssue({ code: "custom", path: ["rules"], message: "an aggregated ClusterRole's rules are replaced by the aggregation: leave rules empty" });
    }
  });

const roleBindingConfig = z.strictObject({
  name: rbacName,
  namespace: label,
  labels,
  /** A Role of the binding's namespace or a ClusterRole (granted only in the binding's namespace). */
  roleRef: z.strictObject({ kind: z.enum(["Role", "ClusterRole"]), name: rbacName }),
  subjects: z.array(subject).min(1, { message: "a binding needs at least one subject" }),
});

const clusterRoleBindingConfig = z
  .strictObject({
    name: rbacName,
    labels,
    roleRef: z.strictObject({
      kind: z.literal("ClusterRole", { message: "a ClusterRoleBinding can only reference a ClusterRole" }),
      name: rbacName,
    }),
    subjects: z.array(subject).min(1, { message: "a binding needs at least one subject" }),
  })
  .superRefine((b, ctx) => {
    b.subjects.forEach((s, i) => {
      if (s.kind === "ServiceAccount" && !s.namespace) {
        ctx.addIssue({ code: "custom", path: ["subjects", i, "namespace"], message: "a ServiceAccount subject of a ClusterRoleBinding needs a namespace" });
      }
    });
  });

export const rbacSection = z
  .strictObject({
    roles: z.array(roleConfig).default([]),
    clusterRoles: z.array(clusterRoleConfig).default([]),
    roleBindings: z.array(roleBindingConfig).default([]),
    clusterRoleBindings: z.array(clusterRoleBindingConfig).default([]),
  })
  .superRefine((s, ctx) => {
    const unique = (list: Array<{ name: string; namespace?: string }>, key: string, what: string) => {
      const seen = new Set<string>();
      list.forEach((x, i) => {
        const id = x.namespace ? `${x.namespace}/${x.name}` : x.name;
        if (seen.has(id)) ctx.addIssue({ code: "custom", path: [key, i, "name"], message: `duplicate ${what} ${id}` });
        seen.add(id);
      });
    };
    // The program names each object's Pulumi resource `<cluster>-rbac-<kind>-[<namespace>-]<name part>`: two
    // objects with distinct Kubernetes identities must not share it (a URN collision fails only at deploy time).
    const resourceNames = (list: Array<{ name: string; namespace?: string }>, key: string) => {
      const seen = new Map<string, number>();
      list.forEach((x, i) => {
        const id = x.namespace ? `${x.namespace}-${namePart(x.name)}` : namePart(x.name);
        const first = seen.get(id);
        if (first !== undefined && (list[first].name !== x.name || list[first].namespace !== x.namespace)) {
          ctx.addIssue({ code: "custom", path: [key, i, "name"], message: `gets the same resource name as ${key}[${first}] ("${id}"): rename one` });
        } else if (first === undefined) seen.set(id, i);
      });
    };
    resourceNames(s.roles, "roles");
    resourceNames(s.roleBindings, "roleBindings");
    unique(s.roles, "roles", "Role");
    unique(s.clusterRoles, "clusterRoles", "ClusterRole");
    unique(s.roleBindings, "roleBindings", "RoleBinding");
    unique(s.clusterRoleBindings, "clusterRoleBindings", "ClusterRoleBinding");
  })
  .optional();
export type RbacSection = z.infer<typeof rbacSection>;

/** A Pulumi resource name part for an RBAC name (`system:x` → `system-x-<hash>`: distinct names stay distinct). */
function namePart(name: string): string {
  const safe = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return safe === name ? name : `${safe}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** The rule as the API takes it (absent fields omitted). */
function plainRule(r: Rule): k8s.types.input.rbac.v1.PolicyRule {
  const out: k8s.types.input.rbac.v1.PolicyRule = { verbs: r.verbs };
  if (r.apiGroups) out.apiGroups = r.apiGroups;
  if (r.resources) out.resources = r.resources;
  if (r.resourceNames) out.resourceNames = r.resourceNames;
  if (r.nonResourceURLs) out.nonResourceURLs = r.nonResourceURLs;
  return out;
}

function plainSubject(s: Subject, bindingNamespace?: string): k8s.types.input.rbac.v1.Subject {
  if (s.kind === "ServiceAccount") return { kind: s.kind, name: s.name, namespace: (s.namespace ?? bindingNamespace)! };
  return { kind: s.kind, apiGroup: RBAC_GROUP, name: s.name };
}

/**
 * Creates the section's Roles, ClusterRoles and bindings on the cluster's provider (bindings after the
 * roles of this section they reference); returns their `namespace/name`s as stack outputs.
 */
export function deployRbac(ctx: ClusterContext, section: RbacSection): Record<string, unknown> {
  if (!section) return {};
  const opts = { provider: ctx.provider };
  const meta = (name: string, own: Record<string, string>, namespace?: string) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...standardLabels("application-rbac", ctx.name), ...own },
  });
  const roles = new Map<string, k8s.rbac.v1.Role>();
  for (const r of section.roles) {
    roles.set(
      `${r.namespace}/${r.name}`,
      new k8s.rbac.v1.Role(`${ctx.name}-rbac-role-${r.namespace}-${namePart(r.name)}`, { metadata: meta(r.name, r.labels, r.namespace), rules: r.rules.map(plainRule) }, opts),
    );
  }
  const clusterRoles = new Map<string, k8s.rbac.v1.ClusterRole>();
  for (const r of section.clusterRoles) {
    clusterRoles.set(
      r.name,
      new k8s.rbac.v1.ClusterRole(
        `${ctx.name}-rbac-clusterrole-${namePart(r.name)}`,
        {
          metadata: meta(r.name, r.labels),
          ...(r.aggregationRule ? { aggregationRule: r.aggregationRule } : { rules: r.rules.map(plainRule) }),
        },
        opts,
      ),
    );
  }
  const referenced = (kind: string, name: string, namespace?: string) => {
    const role = kind === "Role" ? roles.get(`${namespace}/${name}`) : clusterRoles.get(name);
    return role ? { dependsOn: [role] } : {};
  };
  for (const b of section.roleBindings) {
    new k8s.rbac.v1.RoleBinding(
      `${ctx.name}-rbac-rolebinding-${b.namespace}-${namePart(b.name)}`,
      {
        metadata: meta(b.name, b.labels, b.namespace),
        roleRef: { apiGroup: RBAC_GROUP, kind: b.roleRef.kind, name: b.roleRef.name },
        subjects: b.subjects.map((s) => plainSubject(s, b.namespace)),
      },
      { ...opts, ...referenced(b.roleRef.kind, b.roleRef.name, b.namespace) },
    );
  }
  for (const b of section.clusterRoleBindings) {
    new k8s.rbac.v1.ClusterRoleBinding(
      `${ctx.name}-rbac-clusterrolebinding-${namePart(b.name)}`,
      {
        metadata: meta(b.name, b.labels),
        roleRef: { apiGroup: RBAC_GROUP, kind: b.roleRef.kind, name: b.roleRef.name },
        subjects: b.subjects.map((s) => plainSubject(s)),
      },
      { ...opts, ...referenced("ClusterRole", b.roleRef.name) },
    );
  }
  return {
    roles: section.roles.map((r) => `${r.namespace}/${r.name}`),
    clusterRoles: section.clusterRoles.map((r) => r.name),
    roleBindings: section.roleBindings.map((b) => `${b.namespace}/${b.name}`),
    clusterRoleBindings: section.clusterRoleBindings.map((b) => b.name),
  };
}
