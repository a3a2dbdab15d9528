// The policies that reuse the components' checkers: Vault ACL policy documents and audit policies.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stringify } from "yaml";
import { kubernetesAuditPolicy, vaultPolicyDocument } from "../../../components";
import { auditPolicyBodies } from "../../../policy-pack/policies/auditPolicyBodies";
import { vaultPolicyDocuments } from "../../../policy-pack/policies/vaultPolicyDocuments";
import { resource, runPolicy, UNKNOWN } from "../../harness/policy";

const POLICY = "vault:index/policy:Policy";

test("vault-policy-least-privilege: metadata", () => {
  assert.equal(vaultPolicyDocuments.name, "vault-policy-least-privilege");
  assert.equal(vaultPolicyDocuments.enforcementLevel, "mandatory");
  assert.ok(vaultPolicyDocuments.remediationSteps && vaultPolicyDocuments.severity);
});

test("vault-policy-least-privilege: a generated least-privilege policy passes; sudo, root globs and everything-grants are violations", async () => {
  const good = vaultPolicyDocument([{ path: "secret/data/apps/api/*", capabilities: ["read"] }]);
  assert.deepEqual((await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "api", policy: good })])).messages, []);
  const bad = 'path "sys/*" {\n  capabilities = ["read", "sudo"]\n}\npath "secret/*" {\n  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"]\n}\n';
  const r = await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "ops", policy: bad })]);
  assert.ok(r.messages.length >= 3, r.messages.join("\n"));
  for (const m of r.messages) assert.match(m, /^Vault policy ops: rules\[\d\]\./);
  assert.ok(r.messages.some((m) => /sudo/.test(m)));
  assert.ok(r.messages.some((m) => /rules\[0\]\.path/.test(m)), "sys/* is a root glob");
  // Exemptions are per policy name and only widen what they name.
  const exempt = await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "ops", policy: bad })], {
    "vault-policy-least-privilege": { allowSudo: ["ops"], allowBroad: ["ops"] },
  });
  assert.deepEqual(exempt.messages, []);
  const other = await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "ops", policy: bad })], {
    "vault-policy-least-privilege": { allowSudo: ["someone-else"] },
  });
  assert.deepEqual(other.messages, r.messages);
});

test("vault-policy-least-privilege: unparseable HCL is a violation; an unknown document is not applicable", async () => {
  const r = await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "broken", policy: 'path "x" {' })]);
  assert.equal(r.messages.length, 1);
  assert.match(r.messages[0], /^Vault policy broken: cannot be parsed: /);
  const u = await runPolicy(vaultPolicyDocuments, [resource(POLICY, { name: "later", policy: UNKNOWN.string })]);
  assert.deepEqual(u.messages, []);
  assert.equal(u.notApplicable.length, 1);
});

const CM = "kubernetes:core/v1:ConfigMap";

test("audit-policy-keeps-secret-bodies-out: the generated policy passes, in a ConfigMap as YAML", async () => {
  assert.equal(auditPolicyBodies.enforcementLevel, "mandatory");
  const cm = { metadata: { name: "audit", namespace: "kube-system" }, data: { "policy.yaml": stringify(kubernetesAuditPolicy()) } };
  assert.deepEqual((await runPolicy(auditPolicyBodies, [resource(CM, cm)])).messages, []);
});

test("audit-policy-keeps-secret-bodies-out: a RequestResponse catch-all first logs Secret bodies", async () => {
  const policy = kubernetesAuditPolicy();
  const reordered = { ...policy, rules: [{ level: "RequestResponse" }, ...policy.rules] };
  const r = await runPolicy(auditPolicyBodies, [resource(CM, { metadata: { name: "audit" }, data: { "policy.yaml": stringify(reordered) } }, "audit")]);
  assert.ok(r.messages.length > 0);
  for (const m of r.messages) assert.match(m, /^audit policy in audit: /);
  assert.ok(r.messages.some((m) => /secrets/.test(m) && /RequestResponse/.test(m)), r.messages.join("\n"));
  // Other Kubernetes kinds are not searched (charts' values never hold the API server's policy).
  assert.deepEqual((await runPolicy(auditPolicyBodies, [resource("kubernetes:apps/v1:Deployment", { spec: { x: stringify(reordered) } })])).messages, []);
});
