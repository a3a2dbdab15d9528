/**
 * scan.sarif is valid SARIF 2.1.0: checked against the OASIS JSON schema as shipped by
 * @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json, draft-04, validated with Ajv's draft-04 class),
 * with one rule per finding kind and a logical location naming each finding's object.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import schema from "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { FINDING_RULES } from "../../inspect/findings";
import { InventoryBuilder } from "../../inspect/inventory";
import { scanSarif } from "../../inspect/sarif";
import { DEFAULT_EXEMPT_SUBJECTS, scanCluster, scanDocument } from "../../inspect/scan";
import { fixtureCluster } from "./fixtures/cluster";

// The schema's language-tag pattern is not a valid `u`-flag regular expression; Ajv must compile it without.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema as object);

function doc(exempt: string[] = [...DEFAULT_EXEMPT_SUBJECTS]) {
  const b = new InventoryBuilder();
  b.add({ kind: "List", apiVersion: "v1", items: fixtureCluster() });
  const now = new Date("2026-03-01T00:00:00Z");
  return scanDocument([scanCluster(b.inventory, { cluster: "fx", input: { kind: "dump", files: [] }, exemptSubjects: exempt, now })], now, "0.1.0");
}

test("scan.sarif validates against the SARIF 2.1.0 schema", () => {
  const d = doc();
  const sarif = scanSarif(d) as any;
  assert.equal(validate(sarif), true, JSON.stringify(validate.errors?.slice(0, 5)));
  assert.equal(sarif.version, "2.1.0");
  const run = sarif.runs[0];
  assert.deepEqual(run.tool.driver.rules.map((r: any) => r.id), Object.keys(FINDING_RULES));
  assert.equal(run.results.length, d.clusters[0].findings.length);
  for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
  const broad = run.results.find((r: any) => r.ruleId === "over-broad-reader" && r.properties.subject === "ServiceAccount shop/web");
  assert.deepEqual(broad.locations[0].logicalLocations[0], { name: "web-secrets", fullyQualifiedName: "fx/RoleBinding/shop/web-secrets", kind: "resource" });
  assert.equal(broad.level, "error");
  const stat = run.results.find((r: any) => r.ruleId === "static-secret");
  assert.equal(stat.level, "warning");
  assert.equal(stat.locations[0].logicalLocations[0].fullyQualifiedName, "fx/Secret/shop/legacy-api-key");
});

test("the validator rejects what SARIF forbids (it is not vacuous)", () => {
  const sarif = scanSarif(doc()) as any;
  const broken = JSON.parse(JSON.stringify(sarif));
  broken.runs[0].results[0].level = "critical";
  assert.equal(validate(broken), false);
  const noDriver = JSON.parse(JSON.stringify(sarif));
  delete noDriver.runs[0].tool.driver;
  assert.equal(validate(noDriver), false);
});
