/**
 * Rule and selector matching exactly as the API server does it (k8s.io/kubernetes
 * pkg/apis/rbac/v1/evaluation_helpers.go and apimachinery's LabelSelectorAsSelector).
 */
import { selectorMatchesLabels } from "../../components/internal/namespaceConditions";
import type { LabelSelector, PolicyRule } from "./types";

/** Verbs are compared exactly (case-sensitive); `*` matches every verb. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === "*" || v === verb) return true;
  return false;
}

/** API groups are compared exactly: `""` is the core group (`core` and `v1` are not groups); `*` matches all. */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === "*" || g === group) return true;
  return false;
}

/**
 * `*` matches every resource and subresource; otherwise the rule entry must equal `resource` or
 * `resource/subresource` exactly, or be a star followed by `/subresource` for a subresource request.
 * A star-slash-star entry and `secrets/` followed by a star therefore match nothing a real request asks for.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (subresource === "") continue;
    if (r.length === subresource.length + 2 && r.startsWith("*/") && r.endsWith(subresource)) return true;
  }
  return false;
}

/** A rule without resourceNames matches any name; with them, only a request for one of those names. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  for (const n of names) if (n === name) return true;
  return false;
}

export interface ResourceRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** Empty for create (POST to a collection), collection list/watch and deletecollection. */
  name?: string;
}

/** RuleAllows for a resource request. */
export function ruleAllows(rule: PolicyRule, req: ResourceRequest): boolean {
  const sub = req.subresource ?? "";
  const combined = sub ? `${req.resource}/${sub}` : req.resource;
  return (
    verbMatches(rule, req.verb) &&
    apiGroupMatches(rule, req.apiGroup) &&
    resourceMatches(rule, combined, sub) &&
    resourceNameMatches(rule, req.name ?? "")
  );
}

/**
 * Label selector semantics of metav1.LabelSelectorAsSelector: matchLabels and matchExpressions are
 * ANDed; an empty selector matches everything; an invalid selector (unknown operator, In/NotIn without
 * values, Exists with values) matches nothing (the API server fails to build it). One implementation,
 * shared with ESO's namespace conditions (components/internal/namespaceConditions.ts).
 */
export function selectorMatches(selector: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  return selectorMatchesLabels(selector, labels ?? {});
}
