// npm run seal: what kubeseal (and the API server the SealedSecret is applied to) refuses is refused here, exit 2.
// Checked upstream: bitnami-labs/sealed-secrets pkg/kubeseal/kubeseal.go `ParseKey` (refuses a certificate
// after NotAfter: "failed to encrypt using an expired certificate"); kubernetes/apimachinery
// pkg/util/validation/validation.go `IsConfigMapKey` (Secret data keys: [-._a-zA-Z0-9]{1,253}, not "." or
// "..", not starting with ".."), `IsDNS1123Subdomain` (names) and `IsDNS1123Label` (namespaces).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as YAML from "yaml";
import { runSeal } from "../../cli/lib/seal";
import { unsealValue } from "../../components";
import { selfSignedCertificate, testKeyPair } from "../components/sealed-secrets/testCerts";

const key = testKeyPair(2048);
const NOW = new Date("2027-06-01T00:00:00Z");
const certs: Record<string, string> = {
  "valid.pem": key.certificatePem,
  "expired.pem": selfSignedCertificate(key.privateKey, "old", { notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2027-01-01T00:00:00Z") }),
  "future.pem": selfSignedCertificate(key.privateKey, "future", { notBefore: new Date("2028-01-01T00:00:00Z"), notAfter: new Date("2038-01-01T00:00:00Z") }),
};

function run(argv: string[], stdin = "") {
  let out = "";
  let err = "";
  const code = runSeal(argv, {
    readFile: (p) => {
      if (p in certs) return Buffer.from(certs[p]);
      throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    },
    readStdin: () => Buffer.from(stdin),
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    now: () => NOW,
  });
  return { code, out, err };
}

const secret = (name: string, namespace: string, data: Record<string, string> = { password: "s3cret-value" }) =>
  YAML.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, stringData: data });

test("seal: an expired or not-yet-valid certificate is refused (exit 2), a valid one seals", () => {
  const expired = run(["--cert", "expired.pem"], secret("db", "apps"));
  assert.equal(expired.code, 2);
  assert.equal(expired.err, "seal: --cert expired.pem: the certificate expired on 2027-01-01T00:00:00.000Z: fetch the controller's current one (kubeseal --fetch-cert)\n");
  assert.equal(expired.out, "");
  const future = run(["--cert", "future.pem", "--raw", "--namespace", "apps", "--name", "db"], "v");
  assert.equal(future.code, 2);
  assert.equal(future.err, "seal: --cert future.pem: the certificate is not valid before 2028-01-01T00:00:00.000Z: check the clock or the certificate\n");
  // The twin: inside its window, sealed values unseal with the key.
  const ok = run(["--cert", "valid.pem"], secret("db", "apps"));
  assert.equal(ok.code, 0, ok.err);
  const sealed = YAML.parse(ok.out.replace(/^---\n/, ""));
  assert.equal(unsealValue({ privateKeyPem: key.privateKeyPem, namespace: "apps", name: "db", sealed: sealed.spec.encryptedData.password }).toString(), "s3cret-value");
});

test("seal: names and namespaces follow the API server's rules", () => {
  for (const [name, namespace, message] of [
    ["Bad_Name!", "apps", `seal: metadata.name: must be a DNS-1123 subdomain (at most 253 lower-case alphanumerics, '-' or '.'), got "Bad_Name!"\n`],
    ["db", "Apps/x", `seal: metadata.namespace: must be a DNS-1123 label (at most 63 lower-case alphanumerics or '-'), got "Apps/x"\n`],
    ["db", "a.b", `seal: metadata.namespace: must be a DNS-1123 label (at most 63 lower-case alphanumerics or '-'), got "a.b"\n`],
    ["a".repeat(254), "apps", `seal: metadata.name: must be a DNS-1123 subdomain (at most 253 lower-case alphanumerics, '-' or '.'), got "${"a".repeat(254)}"\n`],
  ]) {
    const r = run(["--cert", "valid.pem"], secret(name, namespace));
    assert.equal(r.code, 2, `${name} ${namespace}`);
    assert.equal(r.err, message);
    assert.equal(r.out, "");
  }
  const raw = run(["--cert", "valid.pem", "--raw", "--namespace", "apps", "--name", "Bad_Name!"], "v");
  assert.equal(raw.code, 2);
  assert.match(raw.err, /^seal: --name: must be a DNS-1123 subdomain/);
  // Longest valid names pass: a 253-character subdomain, a 63-character namespace.
  const longest = run(["--cert", "valid.pem"], secret(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, "n".repeat(63)));
  assert.equal(longest.code, 0, longest.err);
});

test("seal: data keys follow IsConfigMapKey", () => {
  for (const [k, rule] of [
    ["bad key/..", "must consist of alphanumerics, '-', '_' or '.'"],
    [".", "must not be '.'"],
    ["..", "must not be '..'"],
    ["..data", "must not start with '..'"],
    ["k".repeat(254), "must be at most 253 characters, got 254"],
  ]) {
    const r = run(["--cert", "valid.pem"], secret("db", "apps", { [k]: "value" }));
    assert.equal(r.code, 2, k);
    assert.equal(r.err, `seal: data key ${JSON.stringify(k)}: ${rule} (the API server's rule for Secret keys)\n`);
    assert.equal(r.out, "");
  }
  const ok = run(["--cert", "valid.pem"], secret("db", "apps", { ".dotfile": "v", "tls.crt": "v", a_b: "v" }));
  assert.equal(ok.code, 0, ok.err);
});
