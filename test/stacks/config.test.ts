// Stack config: defaults, and every problem reported as kube-secrets-platform:<key>.<path>: <rule>.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StackConfigError, parseStackConfig } from "../../stacks/config";

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    assert.ok(e instanceof StackConfigError);
    return e.problems;
  }
  assert.fail("expected a StackConfigError");
}

test("defaults are applied", () => {
  const cfg = parseStackConfig({ clusters: [{ name: "local", namespaces: [{ name: "apps" }] }] });
  assert.equal(cfg.environment, "dev");
  assert.deepEqual(cfg.clusters[0].kind, "self-managed");
  assert.deepEqual(cfg.clusters[0].kubernetes, {});
  assert.deepEqual(cfg.clusters[0].namespaces, [{ name: "apps", podSecurity: "restricted" }]);
});

test("every problem at once, each naming its key path", () => {
  assert.deepEqual(
    problems({
      clusters: [
        { name: "Local", kind: "openshift", namespaces: [{ name: "apps", podSecurity: "strict" }], extra: 1 },
        { name: "b", kubernetes: { context: 3 } },
      ],
      colour: "blue",
    }),
    [
      "kube-secrets-platform:clusters[0].name: must be an RFC 1123 label (lower-case alphanumerics and '-')",
      'kube-secrets-platform:clusters[0].kind: Invalid option: expected one of "self-managed"|"eks"|"gke"|"aks"',
      'kube-secrets-platform:clusters[0].namespaces[0].podSecurity: Invalid option: expected one of "privileged"|"baseline"|"restricted"',
      "kube-secrets-platform:clusters[0].extra: unknown key",
      "kube-secrets-platform:clusters[1].kubernetes.context: Invalid input: expected string, received number",
      "kube-secrets-platform:colour: unknown key",
    ],
  );
});

test("missing clusters and duplicate names are rejected", () => {
  assert.deepEqual(problems({}), ["kube-secrets-platform:clusters: Invalid input: expected array, received undefined"]);
  assert.deepEqual(problems({ clusters: [] }), ["kube-secrets-platform:clusters: Too small: expected array to have >=1 items"]);
  assert.deepEqual(problems({ clusters: [{ name: "a" }, { name: "a" }] }), ['kube-secrets-platform:clusters[1].name: duplicate cluster name "a"']);
});
