// npm run plan: exit codes, the written files, the plan.json shape, policy wiring and redaction.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";

function plan(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "cli/plan.ts", ...args], { encoding: "utf8" });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("npm run plan", () => {
  test("the local stack: exit 0, summary table, plan.json, one manifest per object, report.md", () => {
    const out = mkdtempSync(join(tmpdir(), "plan-"));
    const r = plan(["--out", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^stack local: \d+ resources$/m);
    assert.match(r.stdout, /kubernetes:core\/v1:Namespace\s+\d+/);
    assert.match(r.stdout, /^policy: 0 mandatory, \d+ advisory violations/m);

    const doc = JSON.parse(readFileSync(join(out, "local", "plan.json"), "utf8"));
    assert.equal(doc.stack, "local");
    assert.equal(doc.project, "kube-secrets-platform");
    assert.ok(Array.isArray(doc.policy.violations));
    const stackRes = doc.resources.find((x: any) => x.type === "pulumi:pulumi:Stack");
    assert.deepEqual(Object.keys(stackRes).sort(), ["custom", "inputs", "name", "parent", "type", "urn"]);
    assert.equal(stackRes.parent, null);
    const ns = doc.resources.find((x: any) => x.type === "kubernetes:core/v1:Namespace" && x.inputs.metadata.name === "apps");
    assert.ok(ns, "the apps namespace is planned");
    assert.equal(ns.custom, true);
    const parent = doc.resources.find((x: any) => x.urn === ns.parent);
    assert.equal(parent.type, "kube-secrets-platform:index:HardenedNamespace");

    const manifests = readdirSync(join(out, "local", "manifests"));
    const k8sObjects = doc.resources.filter((x: any) => x.custom && /^kubernetes:[^:]+\/[^:]+:/.test(x.type) && !/helm\.sh/.test(x.type));
    assert.equal(manifests.length, k8sObjects.length);
    const nsManifest = parse(readFileSync(join(out, "local", "manifests", "namespace.cluster.apps.yaml"), "utf8"));
    assert.equal(nsManifest.apiVersion, "v1");
    assert.equal(nsManifest.kind, "Namespace");
    assert.equal(nsManifest.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const report = readFileSync(join(out, "local", "report.md"), "utf8");
    assert.match(report, /^# Plan of stack `local`/);
    assert.match(report, /## Resource tree/);
  });

  test("a stack file that does not exist: exit 2 naming the file", () => {
    const r = plan(["--stack", "nope", "--out", mkdtempSync(join(tmpdir(), "plan-"))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /stacks\/Pulumi\.nope\.yaml: stack file does not exist/);
  });

  test("a wrong type: exit 2 naming the key and the rule", () => {
    const r = plan(["--stack", "wrong-type", "--stacks-dir", "test/fixtures/stacks", "--out", mkdtempSync(join(tmpdir(), "plan-"))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Pulumi\.wrong-type\.yaml: kube-secrets-platform:clusters\[0\]\.namespaces: Invalid input: expected array, received string/);
  });

  test("unknown keys: exit 2 naming each key", () => {
    const r = plan(["--stack", "unknown-key", "--stacks-dir", "test/fixtures/stacks", "--out", mkdtempSync(join(tmpdir(), "plan-"))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /kube-secrets-platform:clusters\[0\]\.nmespaces: unknown key/);
    assert.match(r.stderr, /kube-secrets-platform:colour: unknown key/);
  });

  test("bad arguments: exit 2 with usage", () => {
    const r = plan(["--stak", "local"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: npm run plan/);
  });

  test("secrets never reach any file; a mandatory violation exits 1", () => {
    const out = mkdtempSync(join(tmpdir(), "plan-"));
    const r = spawnSync(process.execPath, ["--import", "tsx", "test/fixtures/programs/plan-secret.ts", out], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const files = filesUnder(join(out, "secret"));
    assert.ok(files.some((f) => f.endsWith("plan.json")) && files.some((f) => f.endsWith("report.md")));
    const forbidden = [
      "s3cr3t-plaintext-value",
      "plan-placeholder:",
      "cGxhbi10ZXN0LWNpcGhlcnRleHQ=",
      "bmVzdGVkLWNpcGhlcnRleHQ=",
    ];
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      for (const s of forbidden) assert.ok(!text.includes(s), `${f} contains ${s}`);
    }
    for (const s of forbidden) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `console output contains ${s}`);
    const doc = JSON.parse(readFileSync(join(out, "secret", "plan.json"), "utf8"));
    const secret = doc.resources.find((x: any) => x.type === "kubernetes:core/v1:Secret");
    // The Kubernetes SDK marks a Secret's whole stringData secret.
    assert.equal(secret.inputs.stringData, "[secret]");
    const careless = doc.resources.find((x: any) => x.type === "kubernetes:core/v1:ConfigMap");
    assert.deepEqual(careless.inputs.data, { name: "demo", password: "[secret]" });
    assert.deepEqual(doc.policy.violations, [
      { policy: "test-leaky-policy", enforcementLevel: "mandatory", urn: secret.urn, message: 'secret holds {"direct":"[secret]","token":"[secret]"}' },
    ]);
    const manifest = parse(readFileSync(join(out, "secret", "manifests", "secret.demo.api.yaml"), "utf8"));
    assert.equal(manifest.stringData, "[secret]");
    assert.match(readFileSync(join(out, "secret", "report.md"), "utf8"), /\| mandatory \| test-leaky-policy \|/);
  });
});
