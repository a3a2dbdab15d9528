import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as YAML from "yaml";
import { runSeal, sealSecretManifest } from "../../cli/lib/seal";
import { unsealValue, type SealingScope } from "../../components";
import { testKeyPair } from "../components/sealed-secrets/testCerts";

const key = testKeyPair(2048);
const dir = mkdtempSync(join(tmpdir(), "seal-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const certPath = join(dir, "cert.pem");
writeFileSync(certPath, key.certificatePem);

function run(argv: string[], stdin = "", files: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const code = runSeal(argv, {
    readFile: (p) => {
      if (p === certPath) return Buffer.from(key.certificatePem);
      if (p in files) return Buffer.from(files[p]);
      throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    },
    readStdin: () => Buffer.from(stdin),
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  });
  return { code, out, err };
}

const unseal = (sealed: string, ns: string, name: string, scope: SealingScope = "strict") =>
  unsealValue({ privateKeyPem: key.privateKeyPem, namespace: ns, name, scope, sealed }).toString("utf8");

const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels: { app: api }
  annotations:
    owner: team-a
    kubectl.kubernetes.io/last-applied-configuration: "{}"
type: kubernetes.io/basic-auth
data:
  username: YWRtaW4=
  password: b3ZlcnJpZGRlbg==
stringData:
  password: s3cr3t!
`;

test("seal: a YAML Secret from stdin becomes kubeseal's SealedSecret manifest that unseals to the same data", () => {
  const { code, out, err } = run(["--cert", certPath], SECRET_YAML);
  assert.equal(err, "");
  assert.equal(code, 0);
  const sealed = YAML.parse(out);
  const { encryptedData, ...spec } = sealed.spec;
  assert.deepEqual(
    { ...sealed, spec },
    {
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "db", namespace: "apps" },
      spec: {
        template: {
          metadata: { name: "db", namespace: "apps", labels: { app: "api" }, annotations: { owner: "team-a" } },
          type: "kubernetes.io/basic-auth",
        },
      },
    },
  );
  assert.deepEqual(Object.keys(encryptedData), ["password", "username"]);
  assert.equal(unseal(encryptedData.password, "apps", "db"), "s3cr3t!", "stringData wins over data");
  assert.equal(unseal(encryptedData.username, "apps", "db"), "admin");
  assert.ok(!out.includes("s3cr3t"), "no plaintext in the output");
});

test("seal: JSON input from a file, --scope overrides the annotations, --format json", () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "tok", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" } },
    stringData: { token: "abc" },
  };
  const files = { "in.json": JSON.stringify(secret) };
  const byAnnotation = JSON.parse(run(["--cert", certPath, "--format", "json", "in.json"], "", files).out);
  assert.deepEqual(byAnnotation.metadata.annotations, { "sealedsecrets.bitnami.com/namespace-wide": "true" });
  assert.equal(unseal(byAnnotation.spec.encryptedData.token, "apps", "whatever", "namespace-wide"), "abc");

  const overridden = run(["--cert", certPath, "--scope", "cluster-wide", "-o", "json", "in.json"], "", files);
  assert.equal(overridden.code, 0);
  const cw = JSON.parse(overridden.out);
  assert.deepEqual(cw.metadata.annotations, { "sealedsecrets.bitnami.com/cluster-wide": "true" });
  assert.deepEqual(cw.spec.template.metadata.annotations, { "sealedsecrets.bitnami.com/cluster-wide": "true" });
  assert.equal(unseal(cw.spec.encryptedData.token, "other", "x", "cluster-wide"), "abc");
  assert.throws(() => unseal(cw.spec.encryptedData.token, "apps", "tok", "namespace-wide"));
});

test("seal --raw: one value from stdin or --from-file, in every scope", () => {
  for (const scope of ["strict", "namespace-wide", "cluster-wide"] as const) {
    const res = run(["--cert", certPath, "--raw", "--scope", scope, "--namespace", "apps", "--name", "db"], "raw-value\n");
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /^AQ[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(unseal(res.out, "apps", "db", scope), "raw-value\n", "the value is sealed byte for byte");
  }
  const fromFile = run(["--cert", certPath, "--raw", "-n", "apps", "--name", "db", "--from-file", "v.txt"], "", { "v.txt": "file-value" });
  assert.equal(unseal(fromFile.out, "apps", "db"), "file-value");
  const cluster = run(["--cert", certPath, "--raw", "--scope", "cluster-wide"], "cw");
  assert.equal(unseal(cluster.out, "", "", "cluster-wide"), "cw");
});

test("seal: bad inputs exit 2 with a message naming the problem", () => {
  const cases: Array<[string[], string, Record<string, string>, RegExp]> = [
    [[], "", {}, /^seal: --cert: required/],
    [["--cert", "missing.pem"], "", {}, /^seal: --cert: cannot read missing\.pem \(ENOENT\)/],
    [["--cert", "bad.pem"], SECRET_YAML, { "bad.pem": "hello" }, /^seal: --cert bad\.pem: must be a PEM-encoded X\.509 certificate/],
    [["--cert", certPath, "--scope", "global"], SECRET_YAML, {}, /^seal: --scope: must be one of strict, namespace-wide, cluster-wide, got "global"/],
    [["--cert", certPath], "kind: Secret\nmetadata: { namespace: a }\nstringData: { k: v }\n", {}, /^seal: the Secret has no metadata\.name/],
    [["--cert", certPath], "kind: Secret\nmetadata: { name: a }\nstringData: { k: v }\n", {}, /^seal: the Secret has no metadata\.namespace/],
    [["--cert", certPath], "kind: ConfigMap\nmetadata: { name: a }\n", {}, /^seal: stdin: expected kind Secret \(apiVersion v1\), got "ConfigMap"/],
    [["--cert", certPath], "kind: Secret\nmetadata: {name: a, namespace: b}\n", {}, /^seal: the Secret has no data or stringData to seal/],
    [["--cert", certPath], "kind: Secret\nmetadata: {name: a, namespace: b}\ndata: {k: 'not base64!'}\n", {}, /^seal: data\.k: must be base64/],
    [["--cert", certPath], "a: [\n", {}, /^seal: stdin: not valid YAML or JSON/],
    [["--cert", certPath], `${SECRET_YAML}---\n${SECRET_YAML}`, {}, /^seal: stdin: expected exactly one Secret manifest, got 2 documents/],
    [["--cert", certPath, "--raw", "--namespace", "a"], "v", {}, /^seal: --name: required with --raw in strict scope/],
    [["--cert", certPath, "--raw", "--name", "a"], "v", {}, /^seal: --namespace: required with --raw in strict scope/],
    [["--cert", certPath, "--name", "a"], SECRET_YAML, {}, /^seal: --name, --namespace and --from-file only apply with --raw/],
    [["--cert", certPath, "--bogus"], "", {}, /^seal: Unknown option '--bogus'/],
  ];
  for (const [argv, stdin, files, message] of cases) {
    const res = run(argv, stdin, files);
    assert.equal(res.code, 2, `${argv.join(" ")} exits 2`);
    assert.match(res.err, message);
    assert.equal(res.out, "", "nothing on stdout");
  }
});

test("seal --recovery-unseal: a SealedSecret back to its Secret with a PEM key or an exported key Secret list", () => {
  const sealed = run(["--cert", certPath, "--scope", "namespace-wide"], SECRET_YAML).out;
  const wrong = testKeyPair(2048, true);
  const keyList = YAML.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [wrong, key].map((k, i) => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `sealed-secrets-key${i}`, labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" } },
      type: "kubernetes.io/tls",
      data: { "tls.crt": Buffer.from(k.certificatePem).toString("base64"), "tls.key": Buffer.from(k.privateKeyPem).toString("base64") },
    })),
  });
  const files = { "key.pem": key.privateKeyPem, "wrong.pem": wrong.privateKeyPem, "keys.yaml": keyList, "sealed.yaml": sealed };
  const expected = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "db",
      namespace: "apps",
      labels: { app: "api" },
      annotations: { owner: "team-a", "sealedsecrets.bitnami.com/namespace-wide": "true" },
    },
    type: "kubernetes.io/basic-auth",
    data: { password: Buffer.from("s3cr3t!").toString("base64"), username: "YWRtaW4=" },
  };
  for (const keyArgs of [["--recovery-private-key", "key.pem"], ["--recovery-private-key", "wrong.pem", "--recovery-private-key", "keys.yaml"]]) {
    const res = run(["--recovery-unseal", ...keyArgs, "sealed.yaml"], "", files);
    assert.equal(res.code, 0, res.err);
    assert.deepEqual(YAML.parse(res.out), expected);
  }
  const fromStdin = run(["--recovery-unseal", "--recovery-private-key", "key.pem", "-o", "json"], sealed, files);
  assert.deepEqual(JSON.parse(fromStdin.out), expected);

  const noKey = run(["--recovery-unseal", "--recovery-private-key", "wrong.pem", "sealed.yaml"], "", files);
  assert.equal(noKey.code, 2);
  assert.match(noKey.err, /^seal: encryptedData\.password: none of the private keys can decrypt it for apps\/db \(namespace-wide scope\)/);
  assert.equal(noKey.out, "");
  assert.match(run(["--recovery-unseal", "sealed.yaml"], "", files).err, /^seal: --recovery-private-key: required with --recovery-unseal/);
  assert.match(run(["--recovery-unseal", "--recovery-private-key", "sealed.yaml"], sealed, files).err, /^seal: --recovery-private-key sealed\.yaml: no PEM private key or key Secret with tls\.key found/);
  assert.match(run(["--recovery-unseal", "--recovery-private-key", "key.pem"], SECRET_YAML, files).err, /^seal: stdin: expected kind SealedSecret \(apiVersion bitnami\.com\/v1alpha1\), got "Secret"/);
});

test("sealSecretManifest: usable as a library", () => {
  const sealed = sealSecretManifest({ kind: "Secret", metadata: { name: "a", namespace: "b" }, stringData: { k: "v" }, immutable: true }, key.certificatePem);
  assert.equal(sealed.spec.template.immutable, true);
  assert.equal(unseal(sealed.spec.encryptedData.k, "b", "a"), "v");
});

test("npm run seal: the real command round-trips through unsealValue and fails with exit 2 on bad input", () => {
  const secretPath = join(dir, "secret.yaml");
  writeFileSync(secretPath, SECRET_YAML);
  const ok = spawnSync(process.execPath, ["--import", "tsx", "cli/seal.ts", "--cert", certPath, secretPath], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(unseal(YAML.parse(ok.stdout).spec.encryptedData.password, "apps", "db"), "s3cr3t!");

  const raw = spawnSync(process.execPath, ["--import", "tsx", "cli/seal.ts", "--cert", certPath, "--raw", "--namespace", "apps", "--name", "db"], {
    input: "stdin-value",
    encoding: "utf8",
  });
  assert.equal(raw.status, 0, raw.stderr);
  assert.equal(unseal(raw.stdout, "apps", "db"), "stdin-value");

  const bad = spawnSync(process.execPath, ["--import", "tsx", "cli/seal.ts", "--cert", certPath, "--scope", "everywhere"], { input: SECRET_YAML, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--scope: must be one of strict, namespace-wide, cluster-wide, got "everywhere"/);
});
