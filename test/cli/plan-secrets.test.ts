// npm run plan and secrets: redaction replaces exactly the secret values (and their encodings), placeholders
// of `secure` values are never sealed to the stack's certificate, plans of sealed secrets are deterministic,
// label exemptions only cover the platform's own objects, and a policy that throws fails the plan.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse, stringify } from "yaml";
import { runPlan } from "../../cli/lib/plan";
import { Redactor } from "../../cli/lib/redaction";
import { unsealValue } from "../../components";
import { testKeyPair } from "../components/sealed-secrets/testCerts";

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const SECRET = "vault-token-0123456789";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("redaction", () => {
  test("exactly the secret and its encodings are replaced, never the strings around it", () => {
    const r = new Redactor([SECRET]);
    assert.equal(r.string(`prefix-${SECRET}-suffix`), "prefix-[secret]-suffix");
    assert.equal(r.string("vault"), "vault", "a string the secret contains is left alone");
    assert.equal(r.string(Buffer.from(SECRET).toString("base64")), "[secret]");
    assert.equal(r.string(Buffer.from(`token: ${SECRET}\n`).toString("base64")), "[secret]", "base64 of a text holding the secret");
    const quoted = new Redactor(['pa"ss\\word-0123']);
    assert.equal(quoted.string(JSON.stringify({ p: 'pa"ss\\word-0123' })), '{"p":"[secret]"}');
    assert.equal(quoted.string("p: 'pa\"ss\\word-0123'"), "p: '[secret]'");
    assert.deepEqual(r.value({ namespace: "vault", [SECRET]: [`x${SECRET}`] }), { namespace: "vault", "[secret]": ["x[secret]"] });
    // Too short to replace inside other strings: the Redactor ignores it (the plan refuses such secrets).
    assert.equal(new Redactor(["vault"]).string("namespace vault"), "namespace vault");
  });

  test("a plan: the namespace named like part of a secret stays, the secret in plain strings does not", async () => {
    const stacksDir = tmp("plan-redact-stacks-");
    writeFileSync(join(stacksDir, "Pulumi.redact.yaml"), "config: {}\n");
    const program = () => {
      const cfg = new pulumi.Config("kube-secrets-platform");
      new k8s.core.v1.Namespace("vault", { metadata: { name: "vault" } });
      new k8s.core.v1.ConfigMap("careless", {
        metadata: { name: "careless", namespace: "vault" },
        data: { url: `https://vault.vault.svc:8200/?token=${SECRET}`, encoded: Buffer.from(SECRET).toString("base64"), json: JSON.stringify({ token: SECRET }) },
      });
      new k8s.core.v1.Secret("token", { metadata: { name: "token", namespace: "vault" }, stringData: { token: cfg.requireSecret("token") } });
    };
    const out = tmp("plan-redact-out-");
    const r = await runPlan({ stack: "redact", stacksDir, outDir: out, program, policies: [], extraConfig: { "kube-secrets-platform:token": SECRET }, extraSecretKeys: ["kube-secrets-platform:token"] });
    assert.equal(r.exitCode, 0, r.messages.join("\n"));
    const cm = r.plan!.resources.find((x) => x.type === "kubernetes:core/v1:ConfigMap")!;
    assert.deepEqual(cm.inputs.data, { url: "https://vault.vault.svc:8200/?token=[secret]", encoded: "[secret]", json: '{"token":"[secret]"}' });
    assert.equal((cm.inputs.metadata as any).namespace, "vault");
    assert.ok(readdirSync(join(out, "redact", "manifests")).includes("namespace.cluster.vault.yaml"));
    for (const f of filesUnder(join(out, "redact"))) assert.ok(!readFileSync(f, "utf8").includes(SECRET), f);
  });
});

describe("sealing in the offline plan", () => {
  const key = testKeyPair(2048);

  function sealedStack() {
    const doc = parse(readFileSync("stacks/Pulumi.local.yaml", "utf8"));
    const c = doc.config["kube-secrets-platform:clusters"][0];
    delete c.sealedSecrets.managedKey;
    c.sealedSecrets.certificatePem = key.certificatePem;
    c.sealedSecrets.secrets = [{ name: "db", namespace: "apps", values: { username: "app-user-name", password: { secure: "v1:AAAAencrypted-by-pulumi" } } }];
    const stacksDir = tmp("plan-seal-stacks-");
    writeFileSync(join(stacksDir, "Pulumi.seal.yaml"), stringify(doc));
    return stacksDir;
  }

  test("deterministic across runs; a secure placeholder is sealed to the discard certificate, never the stack's", async () => {
    const stacksDir = sealedStack();
    const outs = [tmp("plan-seal-a-"), tmp("plan-seal-b-")];
    for (const out of outs) {
      const r = await runPlan({ stack: "seal", stacksDir, outDir: out });
      assert.ok(r.exitCode === 0 || r.exitCode === 1, r.messages.join("\n"));
    }
    const a = filesUnder(join(outs[0], "seal")).map((f) => f.slice(outs[0].length));
    const b = filesUnder(join(outs[1], "seal")).map((f) => f.slice(outs[1].length));
    assert.deepEqual(a, b);
    for (const f of a) assert.equal(readFileSync(join(outs[0], f), "utf8"), readFileSync(join(outs[1], f), "utf8"), `${f} differs between two plans`);

    const sealed = parse(readFileSync(join(outs[0], "seal", "manifests", "sealedsecret.apps.db.yaml"), "utf8"));
    const { username, password } = sealed.spec.encryptedData;
    // The plain value is sealed to the stack's certificate (the controller's key opens it) ...
    assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "db", sealed: username }).toString(), "app-user-name");
    // ... the placeholder standing for the secure value is not: no controller can ever decrypt it.
    assert.throws(() => unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "db", sealed: password }), /cannot be decrypted with this key/);
  });
});

describe("the pack fails closed", () => {
  test("with config.example.json, a stack's own ClusterRole carrying the exemption label does not exempt itself", async () => {
    const doc = parse(readFileSync("stacks/Pulumi.local.yaml", "utf8"));
    const c = doc.config["kube-secrets-platform:clusters"][0];
    c.rbac.clusterRoles = [
      {
        name: "sneaky-secret-reader",
        labels: { "kube-secrets-platform.io/exempt-from": "secret-read.secret-write" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
      },
    ];
    c.rbac.clusterRoleBindings = [{ name: "sneaky", roleRef: { kind: "ClusterRole", name: "sneaky-secret-reader" }, subjects: [{ kind: "Group", name: "contractors" }] }];
    const stacksDir = tmp("plan-label-");
    writeFileSync(join(stacksDir, "Pulumi.label.yaml"), stringify(doc));
    const policyConfig = JSON.parse(readFileSync("policy-pack/config.example.json", "utf8"));
    const r = await runPlan({ stack: "label", stacksDir, outDir: tmp("plan-label-out-"), policyConfig });
    assert.equal(r.exitCode, 1, r.messages.join("\n"));
    const mine = r.plan!.policy.violations.filter((v) => v.policy === "who-can-read-secrets");
    assert.equal(mine.length, 1, JSON.stringify(mine));
    assert.equal(mine[0].enforcementLevel, "mandatory");
    assert.match(mine[0].message, /Group contractors/);
    assert.match(mine[0].message, /sneaky-secret-reader/);
    // The platform's own labelled objects (the rewrite Job's ClusterRole) stay exempt: nothing else is reported.
    assert.ok(!mine[0].message.includes("secrets-reencryption"));
  });

  test("a policy that throws fails the plan (exit 1), it is never a pass", async () => {
    const stacksDir = tmp("plan-throw-");
    writeFileSync(join(stacksDir, "Pulumi.throw.yaml"), "config: {}\n");
    const broken: ResourceValidationPolicy = {
      name: "broken-policy",
      description: "throws",
      enforcementLevel: "advisory",
      validateResource: () => {
        throw new Error("bug in the policy");
      },
    };
    const program = () => {
      new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } });
    };
    const r = await runPlan({ stack: "throw", stacksDir, outDir: tmp("plan-throw-out-"), program, policies: [broken] });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(
      r.plan!.policy.errors?.map((e) => [e.policy, e.error]),
      r.plan!.resources.map(() => ["broken-policy", "bug in the policy"]),
    );
  });
});
