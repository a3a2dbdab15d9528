import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runPlan } from "../../cli/lib/plan";

test("offline plan of the local stack: controller and SealedSecret rendered, no plaintext in any file", async () => {
  const out = mkdtempSync(join(tmpdir(), "sealed-plan-"));
  try {
    const outcome = await runPlan({
      stack: "local",
      stacksDir: "stacks",
      outDir: out,
    });
    assert.equal(outcome.exitCode, 0, outcome.messages.join("\n"));
    const plan = outcome.plan!;
    const byType = (type: string) => plan.resources.filter((r) => r.type === type);
    const [chart] = byType("kubernetes:helm.sh/v4:Chart").filter((r) => r.name === "local-sealed-secrets-chart");
    assert.equal((chart.inputs as any).values.fullnameOverride, "sealed-secrets-controller");
    assert.equal((chart.inputs as any).values.keyrenewperiod, "0");
    const [sealed] = byType("kubernetes:bitnami.com/v1alpha1:SealedSecret");
    assert.equal(sealed.name, "local-sealed-apps-example-credentials-sealed-secret");
    const key = byType("kubernetes:core/v1:Secret").find((r) => r.name === "local-sealed-secrets-sealing-key")!;
    assert.equal((key.inputs as any).stringData, "[secret]", "the managed key Secret's data is a secret in the plan");
    // Sealed in the program from a seed kept in state (no dynamic provider); the ciphertext is real.
    assert.deepEqual(plan.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")), []);
    assert.ok(byType("random:index/randomBytes:RandomBytes").some((r) => r.name === "local-sealed-apps-example-credentials-seal-seed"));
    assert.match(String((sealed.inputs as any).spec.encryptedData.username), /^A[gQ]/);

    const files = [join(out, "local", "plan.json"), join(out, "local", "report.md"), ...readdirSync(join(out, "local", "manifests")).map((f) => join(out, "local", "manifests", f))];
    assert.ok(files.some((f) => f.endsWith("sealedsecret.apps.example-credentials.yaml")));
    for (const f of files) {
      // "example-app" is the plain value of the example's username in Pulumi.local.yaml.
      assert.ok(!readFileSync(f, "utf8").includes("example-app"), `${f} must not contain a sealed value`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
