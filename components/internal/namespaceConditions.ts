/**
 * Which namespaces a ClusterSecretStore's `spec.conditions` admit, as ESO 2.9 decides it
 * (external-secrets pkg/controllers/secretstore/client_manager.go `shouldProcessSecret`): no conditions
 * admit every namespace; otherwise a namespace is admitted when any condition admits it, and a condition
 * admits it when its `namespaceSelector` (metav1.LabelSelectorAsSelector; an empty selector matches
 * everything), one of its `namespaces` (turned into `kubernetes.io/metadata.name=<n>` selectors) or one
 * of its `namespaceRegexes` (`regexp.MatchString`, unanchored) matches. Shared by the SecretStore
 * component's validator, the cluster-secret-store-namespace-conditions policy and the RBAC engine's
 * ESO model. Pure; internal.
 */
import { compileGoRegexp, namespaceNotMatched, nfaMatches } from "./goRegexp";

/** The label the API server sets on every namespace to its own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export interface SelectorRequirementLike {
  key?: string;
  operator?: string;
  values?: string[];
}
export interface NamespaceSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirementLike[];
}
/** One entry of `spec.conditions` as plain data. */
export interface NamespaceConditionLike {
  namespaces?: unknown;
  namespaceSelector?: NamespaceSelectorLike | null;
  namespaceRegexes?: unknown;
}

/**
 * Names every admit-all pattern must match, including the odd ones (one character, digits first, the
 * longest name, double dashes): used only for syntax the automaton does not model.
 */
export const NAMESPACE_WITNESSES: readonly string[] = ["a", "z", "0", "9", "a-b", "a--b", "0a", "default", "kube-system", "team-a", "x".repeat(63), "9".repeat(62) + "z"];

export interface RegexVerdict {
  /** The pattern matches every valid namespace name. */
  every: boolean;
  /** `automaton`: decided exactly; `witnesses`: every witness name matched (syntax not modelled). */
  method: "automaton" | "witnesses";
  /** A valid namespace name it does not match (automaton only). */
  counterexample?: string;
  /** The pattern does not compile as a Go regexp. */
  invalid?: string;
}

/** Whether Go's `regexp.MatchString(pattern, ns)` is true for every valid namespace name `ns` (see goRegexp.ts). */
export function regexAdmitsEveryNamespace(pattern: string): RegexVerdict {
  const compiled = compileGoRegexp(pattern);
  if ("invalid" in compiled) return { every: false, method: "automaton", invalid: compiled.invalid };
  if ("nfa" in compiled) {
    const missed = namespaceNotMatched(compiled.nfa);
    if (missed !== undefined) return missed === null ? { every: true, method: "automaton" } : { every: false, method: "automaton", counterexample: missed };
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    return { every: false, method: "witnesses" };
  }
  return { every: NAMESPACE_WITNESSES.every((w) => re.test(w)), method: "witnesses" };
}

/** Go's unanchored match of `pattern` against the namespace `name`; undefined when the pattern is not modelled. */
export function regexAdmitsNamespace(pattern: string, name: string): boolean | undefined {
  const compiled = compileGoRegexp(pattern);
  if ("nfa" in compiled) return nfaMatches(compiled.nfa, name);
  if ("invalid" in compiled) return false;
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return undefined;
  }
}

/**
 * metav1.LabelSelectorAsSelector + Matches: matchLabels and matchExpressions ANDed, `{}` matches
 * everything, an invalid selector (unknown operator, In/NotIn without values, Exists/DoesNotExist with
 * values) matches nothing (the API server and ESO fail to build it). Also the RBAC engine's matcher.
 */
export function selectorMatchesLabels(sel: NamespaceSelectorLike, labels: Record<string, string>): boolean {
  const own = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (!own(k) || labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = own(e.key ?? "");
    const values = e.values ?? [];
    const value = labels[e.key ?? ""];
    switch (e.operator) {
      case "In":
        if (values.length === 0 || !has || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (values.length === 0 || (has && values.includes(value))) return false;
        break;
      case "Exists":
        if (values.length > 0 || !has) return false;
        break;
      case "DoesNotExist":
        if (values.length > 0 || has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * Whether `selector` admits a namespace that carries no label but its name, for a name it does not
 * mention: true for `{}`, `Exists` on kubernetes.io/metadata.name, any `NotIn` / `DoesNotExist` deny-list.
 * Such a selector admits every namespace created without labels (every new namespace), so it restricts
 * nothing in effect.
 */
export function selectorAdmitsUnlabelledNamespaces(selector: NamespaceSelectorLike): boolean {
  const mentioned = new Set<string>([...Object.values(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).flatMap((e) => e.values ?? [])]);
  let fresh = "ns";
  while (mentioned.has(fresh)) fresh += "x";
  return selectorMatchesLabels(selector, { [NAMESPACE_NAME_LABEL]: fresh });
}

/**
 * Whether `selector` selects an object that carries no labels at all (`{}`, a `NotIn` / `DoesNotExist`
 * deny-list): for a Secret selector, every unlabelled Secret of the namespace.
 */
export function selectorAdmitsUnlabelledObjects(selector: NamespaceSelectorLike): boolean {
  return selectorMatchesLabels(selector, {});
}

/**
 * Why the conditions admit every namespace, one message per cause (`conditions[0].namespaceRegexes[1]:
 * ".*.*" matches every namespace name`); [] when they restrict. Values only known later (not arrays or
 * strings) are skipped.
 */
export function conditionsAdmittingEveryNamespace(conditions: readonly NamespaceConditionLike[] | undefined, prefix = "conditions"): string[] {
  const list = conditions ?? [];
  if (list.length === 0) return [`${prefix}: no conditions, so every namespace may use the store`];
  const out: string[] = [];
  list.forEach((c, i) => {
    const at = `${prefix}[${i}]`;
    const sel = c?.namespaceSelector;
    if (sel && typeof sel === "object" && selectorAdmitsUnlabelledNamespaces(sel)) {
      out.push(`${at}.namespaceSelector: ${describeSelector(sel)} matches every namespace that carries no other label (a new namespace), so it restricts nothing`);
    }
    const regexes = Array.isArray(c?.namespaceRegexes) ? c.namespaceRegexes : [];
    regexes.forEach((r, j) => {
      if (typeof r !== "string") return;
      const v = regexAdmitsEveryNamespace(r);
      if (v.every) {
        out.push(
          `${at}.namespaceRegexes[${j}]: ${JSON.stringify(r)} matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")` +
            (v.method === "witnesses" ? " (judged on witness names: the pattern uses syntax the checker does not model)" : ""),
        );
      }
    });
  });
  return out;
}

/** Whether the conditions admit namespace `name` with `labels` (ESO's decision); undefined when a regex is not modelled. */
export function conditionsAdmitNamespace(conditions: readonly NamespaceConditionLike[] | undefined, name: string, labels: Record<string, string> = {}): boolean | undefined {
  const list = conditions ?? [];
  if (list.length === 0) return true;
  const all = { ...labels, [NAMESPACE_NAME_LABEL]: name };
  let unknown = false;
  for (const c of list) {
    if (c?.namespaceSelector && selectorMatchesLabels(c.namespaceSelector, all)) return true;
    if (Array.isArray(c?.namespaces) && c.namespaces.includes(name)) return true;
    for (const r of Array.isArray(c?.namespaceRegexes) ? c.namespaceRegexes : []) {
      if (typeof r !== "string") continue;
      const m = regexAdmitsNamespace(r, name);
      if (m === true) return true;
      if (m === undefined) unknown = true;
    }
  }
  return unknown ? undefined : false;
}

function describeSelector(sel: NamespaceSelectorLike): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(",")})` : ""}`);
  return parts.length > 0 ? `selector ${parts.join(", ")}` : "the empty selector";
}
