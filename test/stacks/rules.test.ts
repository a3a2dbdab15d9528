// Value rules of the stack sections, against the programs that read the values: apimachinery's quantity
// grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go), CIDR unions, ISO 8601 durations (Azure Key
// Vault rotation policies), IsConfigMapKey (k8s.io/apimachinery/pkg/util/validation/validation.go).
import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrUnionProblem, cleanAbsolutePathProblem, dataKeyProblem, isoDurationDays, parseQuantity, PINNED_IMAGE, TAGGED_IMAGE } from "../../stacks/sections/rules";

test("parseQuantity: the apimachinery grammar (binary SI, decimal SI, exponents), nothing else", () => {
  assert.equal(parseQuantity("10Gi"), 10 * 2 ** 30);
  assert.equal(parseQuantity("100m"), 0.1);
  assert.equal(parseQuantity("1.5"), 1.5);
  assert.equal(parseQuantity("1e3"), 1000);
  assert.equal(parseQuantity("1Ei"), 2 ** 60);
  assert.equal(parseQuantity("2E"), 2e18);
  assert.equal(parseQuantity("-10Gi"), -10 * 2 ** 30);
  for (const bad of ["lots", "10GB", "10 Gi", "", "Gi", "1.2.3", "1Ki1"]) assert.equal(parseQuantity(bad), undefined, bad);
});

test("cidrUnionProblem: the union counts, IPv4 and IPv6", () => {
  assert.equal(cidrUnionProblem(["0.0.0.0/0"]), "must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)");
  assert.equal(cidrUnionProblem(["128.0.0.0/1", "0.0.0.0/1"]), "must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)");
  assert.equal(cidrUnionProblem(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]), "must not admit every address: their union is 0.0.0.0/0 (list only the networks that need access)");
  assert.equal(cidrUnionProblem(["0.0.0.0/2", "64.0.0.0/2", "192.0.0.0/2"]), undefined, "a gap of a quarter");
  assert.equal(cidrUnionProblem(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5"]), undefined);
  assert.equal(cidrUnionProblem(["::/1", "8000::/1"]), "must not admit every address: their union is ::/0 (list only the networks that need access)");
  assert.equal(cidrUnionProblem(["203.0.113.0/24", "2001:db8::/32"]), undefined);
});

test("isoDurationDays, paths, images, data keys", () => {
  assert.equal(isoDurationDays("P90D"), 90);
  assert.equal(isoDurationDays("P1Y"), 365);
  assert.equal(isoDurationDays("P2W"), 14);
  assert.equal(isoDurationDays("PT48H"), 2);
  assert.equal(isoDurationDays("P"), undefined);
  assert.equal(isoDurationDays("90D"), undefined);
  assert.equal(cleanAbsolutePathProblem("/etc/kubernetes/audit/policy.yaml"), undefined);
  assert.equal(cleanAbsolutePathProblem("relative/path"), "must be an absolute path");
  assert.equal(cleanAbsolutePathProblem("/a//b"), 'must be a file path without empty segments, got "/a//b"');
  assert.equal(cleanAbsolutePathProblem("/a/../b"), 'must not contain "." or ".." segments, got "/a/../b"');
  const digest = "a".repeat(64);
  assert.ok(PINNED_IMAGE.test(`alpine/k8s:1.33.1@sha256:${digest}`));
  assert.ok(PINNED_IMAGE.test(`registry.example.com:5000/tools/kubectl@sha256:${digest}`));
  assert.ok(!PINNED_IMAGE.test("alpine/k8s:1.33.1"));
  assert.ok(TAGGED_IMAGE.test("alpine/k8s:1.33.1") && !TAGGED_IMAGE.test("alpine/k8s"));
  assert.equal(dataKeyProblem("tls.crt"), undefined);
  assert.equal(dataKeyProblem(".dotfile"), undefined);
  assert.equal(dataKeyProblem("..data"), "must not start with '..'");
  assert.equal(dataKeyProblem("a/b"), "must consist of alphanumerics, '-', '_' or '.'");
});
