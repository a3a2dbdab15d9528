// ClusterSecretStore conditions judged by what they admit, as ESO 2.9 evaluates them
// (external-secrets pkg/controllers/secretstore/client_manager.go shouldProcessSecret: namespaces become
// kubernetes.io/metadata.name selectors, selectors via metav1.LabelSelectorAsSelector, regexes with Go's
// unanchored regexp.MatchString). The automaton's matcher is checked against a real regex engine (V8's,
// which agrees with RE2 on the syntax generated here) on random patterns and names.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compileGoRegexp, nfaMatches } from "../../../components/internal/goRegexp";
import {
  conditionsAdmitNamespace,
  conditionsAdmittingEveryNamespace,
  regexAdmitsEveryNamespace,
  selectorAdmitsUnlabelledNamespaces,
  selectorAdmitsUnlabelledObjects,
} from "../../../components/internal/namespaceConditions";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

test("regexes that admit every namespace (the issue's list and more) are recognised; anchored twins are not", () => {
  for (const p of ["", "^", "$", ".*", ".*.*", "(.*)", "a|.*", "[a-z0-9-]*", "^.+$", "[a-z0-9]", "[a-z]|[0-9]", "\\w", "(?i)[A-Z0-9]", "^.{1,63}$", "a*", "[^_]", "^[^-]", "(|x)"]) {
    const v = regexAdmitsEveryNamespace(p);
    assert.deepEqual(v, { every: true, method: "automaton" }, JSON.stringify(p));
  }
  const restricted: Array<[string, string]> = [
    ["^team-a$", "a"],
    ["team", "a"],
    ["^team-", "a"],
    ["^[a-z]", "0"],
    ["^(a|b)", "c"],
    ["x^", "a"],
    // 63 characters is the longest name: a pattern up to 62 misses exactly those.
    ["^.{1,62}$", "a".repeat(63)],
  ];
  for (const [p, counterexample] of restricted) {
    assert.deepEqual(regexAdmitsEveryNamespace(p), { every: false, method: "automaton", counterexample }, p);
    assert.equal(new RegExp(p).test(counterexample), false, `${p} really misses ${counterexample}`);
  }
});

test("syntax the automaton does not model falls back to witness names; invalid Go syntax is reported", () => {
  assert.deepEqual(regexAdmitsEveryNamespace("\\b"), { every: true, method: "witnesses" });
  assert.deepEqual(regexAdmitsEveryNamespace("\\bteam\\b"), { every: false, method: "witnesses" });
  assert.equal(regexAdmitsEveryNamespace("(").invalid, "missing )");
  assert.equal(regexAdmitsEveryNamespace("a**").invalid, "invalid nested repetition operator");
  assert.equal(regexAdmitsEveryNamespace("*a").invalid, "missing argument to repetition operator");
});

// Patterns from a grammar both RE2 and V8 read the same way.
const atom = fc.constantFrom("a", "b", "0", "-", ".", "[a-z]", "[^a]", "[0-9-]", "\\d", "\\w", "x");
const pattern: fc.Arbitrary<string> = fc.letrec((tie) => {
  const node = () => tie("node") as fc.Arbitrary<string>;
  return {
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.tuple(node(), node()).map(([a, b]) => a + b),
    fc.tuple(node(), node()).map(([a, b]) => `(${a}|${b})`),
    fc.tuple(node(), fc.constantFrom("*", "+", "?", "{1,2}", "{2}")).map(([a, q]) => `(${a})${q}`),
  ),
  };
}).node;
const anchored = fc.tuple(fc.constantFrom("", "^"), pattern, fc.constantFrom("", "$")).map(([a, p, b]) => a + p + b);
const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);

test("the NFA matches exactly what an unanchored regex engine matches (random patterns and names)", () => {
  fc.assert(
    fc.property(anchored, fc.array(name, { minLength: 1, maxLength: 8 }), (p, names) => {
      const c = compileGoRegexp(p);
      assert.ok("nfa" in c, p);
      for (const n of names) assert.equal(nfaMatches(c.nfa, n), new RegExp(p).test(n), `${p} on ${n}`);
    }),
    { numRuns: 600, seed: 20261202 },
  );
});

test("a verdict is right: every name matches when it says so, and its counterexample is a valid name the pattern misses", () => {
  fc.assert(
    fc.property(anchored, fc.array(name, { minLength: 10, maxLength: 20 }), (p, names) => {
      const v = regexAdmitsEveryNamespace(p);
      assert.equal(v.method, "automaton");
      const re = new RegExp(p);
      if (v.every) for (const n of names) assert.ok(re.test(n), `${p} said to admit all, misses ${n}`);
      else {
        assert.ok(v.counterexample !== undefined && DNS_LABEL.test(v.counterexample) && v.counterexample.length <= 63, p);
        assert.equal(re.test(v.counterexample), false, `${p} on ${v.counterexample}`);
      }
    }),
    { numRuns: 400, seed: 20261202 },
  );
});

test("selectors every new namespace matches: {}, Exists on kubernetes.io/metadata.name, NotIn / DoesNotExist deny-lists", () => {
  const name = "kubernetes.io/metadata.name";
  assert.ok(selectorAdmitsUnlabelledNamespaces({}));
  assert.ok(selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: name, operator: "Exists" }] }));
  assert.ok(selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: name, operator: "NotIn", values: ["kube-system"] }] }));
  assert.ok(selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }));
  assert.ok(selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: "team", operator: "NotIn", values: ["x"] }] }));
  // Least-privilege twins: a label only admins set, or the names themselves.
  assert.ok(!selectorAdmitsUnlabelledNamespaces({ matchLabels: { team: "a" } }));
  assert.ok(!selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: name, operator: "In", values: ["ns", "nsx"] }] }));
  assert.ok(!selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: "team", operator: "Exists" }] }));
  // An invalid selector matches nothing (LabelSelectorAsSelector fails).
  assert.ok(!selectorAdmitsUnlabelledNamespaces({ matchExpressions: [{ key: name, operator: "NotIn", values: [] }] }));
  assert.ok(selectorAdmitsUnlabelledObjects({ matchExpressions: [{ key: "push", operator: "DoesNotExist" }] }));
  assert.ok(!selectorAdmitsUnlabelledObjects({ matchLabels: { push: "true" } }));
});

test("conditions: messages per cause with the field path; restricting conditions give none", () => {
  assert.deepEqual(conditionsAdmittingEveryNamespace([]), ["conditions: no conditions, so every namespace may use the store"]);
  assert.deepEqual(
    conditionsAdmittingEveryNamespace(
      [{ namespaceRegexes: ["^team-a$", ".*.*"] }, { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "Exists" }] } }, { namespaces: ["apps"] }],
      "spec.conditions",
    ),
    [
      'spec.conditions[0].namespaceRegexes[1]: ".*.*" matches every namespace name (ESO matches unanchored; anchor and name them, e.g. "^team-a$")',
      "spec.conditions[1].namespaceSelector: selector kubernetes.io/metadata.name Exists matches every namespace that carries no other label (a new namespace), so it restricts nothing",
    ],
  );
  assert.deepEqual(conditionsAdmittingEveryNamespace([{ namespaces: ["apps"], namespaceRegexes: ["^team-(a|b)$"], namespaceSelector: { matchLabels: { team: "a" } } }]), []);
  // What a namespace is admitted by (the engine's ESO model).
  const conditions = [{ namespaceRegexes: ["^team-"] }, { namespaceSelector: { matchLabels: { tier: "db" } } }];
  assert.equal(conditionsAdmitNamespace(conditions, "team-a"), true);
  assert.equal(conditionsAdmitNamespace(conditions, "my-team-a"), false);
  assert.equal(conditionsAdmitNamespace(conditions, "billing", { tier: "db" }), true);
  assert.equal(conditionsAdmitNamespace([{ namespaces: ["apps"] }], "apps"), true);
  assert.equal(conditionsAdmitNamespace(undefined, "anything"), true);
});
