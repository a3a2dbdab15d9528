/** Package-wide naming constants and helpers. Internal: not exported from the package entry. */

/** The Pulumi package name; every component's type token is `${PACKAGE}:index:<ClassName>`. */
export const PACKAGE = "kube-secrets-platform";

/** The type token of a component class, `kube-secrets-platform:index:<ClassName>`. */
export function typeToken(className: string): string {
  return `${PACKAGE}:index:${className}`;
}

/** The name of a child resource: `${parentName}-${suffix}` (stable suffixes keep URNs stable). */
export function childName(parentName: string, suffix: string): string {
  return `${parentName}-${suffix}`;
}

/** RFC 1123 label (namespace names, service names): lower-case alphanumerics and `-`, at most 63. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain (most object names): labels joined by `.`, at most 253 characters. */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems with a Kubernetes RFC 1123 label value, or [] when valid. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push(`must be at most 63 characters, got ${value.length}`);
  if (!DNS1123_LABEL.test(value)) {
    problems.push(`must be an RFC 1123 label (lower-case alphanumerics and '-', starting and ending alphanumeric), got "${value}"`);
  }
  return problems;
}

/** Problems with a Kubernetes RFC 1123 subdomain value (object names), or [] when valid. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push(`must be at most 253 characters, got ${value.length}`);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    problems.push(`must be an RFC 1123 subdomain (lower-case alphanumerics, '-' and '.'), got "${value}"`);
  }
  return problems;
}
