// Cross-language check: the SDK's own component analyzer (the code behind `pulumi package add`) must infer
// every exported component, and every component must use its own type token.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import * as pkg from "../../components";

function componentClasses(): string[] {
  return Object.entries(pkg)
    .filter(([, v]) => typeof v === "function" && v.prototype instanceof pulumi.ComponentResource)
    .map(([k]) => k)
    .sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("every exported component class declares the type token kube-secrets-platform:index:<ClassName>", () => {
  const names = componentClasses();
  assert.ok(names.includes("HardenedNamespace"));
  const sources = sourceFiles("components").map((f) => readFileSync(f, "utf8"));
  for (const name of names) {
    const declaring = sources.filter((s) => new RegExp(`export class ${name} extends pulumi\\.ComponentResource`).test(s));
    assert.equal(declaring.length, 1, `${name}: expected one declaration`);
    assert.match(declaring[0], new RegExp(`super\\(typeToken\\("${name}"\\)`), `${name} must call super(typeToken("${name}"), ...)`);
  }
});

test("the package as built (npm run build) and as the Pulumi component analyzer reads it: every component, the same set", () => {
  // The published entry: `npm run build` must succeed, and the built `main` must export every component.
  const outDir = join("out", `analyzer-build-${process.pid}`);
  mkdirSync("out", { recursive: true });
  try {
    const build = spawnSync("npm", ["run", "build", "--", "--outDir", outDir], { encoding: "utf8" });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    const packageJSON = JSON.parse(readFileSync("package.json", "utf8"));
    const main = resolve(outDir, packageJSON.main.replace(/^dist\//, ""));
    const built = createRequire(__filename)(main) as Record<string, unknown>;
    const builtNames = Object.entries(built)
      .filter(([, v]) => typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof pulumi.ComponentResource)
      .map(([k]) => k)
      .sort();
    assert.deepEqual(builtNames, componentClasses(), "the built main exports exactly the source's components");
    assert.ok(readdirSync(join(outDir, "components")).includes("index.d.ts"), "types are published");

    // The analyzer with the package.json as published (no override): it maps `main` (.js) to a .ts source of
    // the package and otherwise starts at the root index.ts (@pulumi/pulumi provider/experimental/analyzer.js
    // findProgramEntryPoint) — what `pulumi package add` runs on this repository (PulumiPlugin.yaml).
    const analyzer = new Analyzer(process.cwd(), "kube-secrets-platform", packageJSON, new Set(builtNames));
    const result = analyzer.analyze();
    assert.deepEqual(Object.keys(result.components).sort(), builtNames);
    analyzed = result;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

let analyzed: ReturnType<Analyzer["analyze"]> | undefined;

test("the Pulumi component analyzer infers every exported component", () => {
  const names = componentClasses();
  const result = analyzed ?? new Analyzer(process.cwd(), "kube-secrets-platform", JSON.parse(readFileSync("package.json", "utf8")), new Set(names)).analyze();
  assert.deepEqual(Object.keys(result.components).sort(), names);
  const ns = result.components.HardenedNamespace;
  assert.deepEqual(Object.keys(ns.inputs).sort(), ["annotations", "defaultDenyNetworkPolicy", "labels", "namespace", "podSecurity"]);
  assert.deepEqual(ns.outputs.namespaceName, { type: "string", description: "The namespace name." });
  assert.equal((ns.inputs.defaultDenyNetworkPolicy as { plain?: boolean }).plain, true);
  assert.ok(result.typeDefinitions.PodSecurityArgs, "nested args interfaces become schema types");
  // Values that decide which resources exist are plain in every language.
  assert.equal(result.components.SecretStore.inputs.clusterScoped.plain, true);
  assert.equal(result.components.AwsSecretsManagerAccess.inputs.mode.plain, true);
  assert.ok(result.components.ExternalSecretsOperator.outputs.serviceAccountName);
  assert.deepEqual(Object.keys(result.components.SelfManagedSecretsEncryption.outputs).sort(), ["configYaml", "writeProvider"]);
  assert.equal(result.components.EksSecretsEncryption.inputs.clusterRoleArn.optional, undefined, "clusterRoleArn is required");
  const vault = result.components.VaultCluster;
  assert.match(vault.inputs.replicas.description ?? "", /odd number from 3 to 7/);
  assert.ok(vault.inputs.autoUnseal, "autoUnseal is an input");
  for (const out of ["namespace", "address", "caCertificatePem", "serverServiceAccountName"]) assert.ok(vault.outputs[out], `VaultCluster output ${out}`);
});
