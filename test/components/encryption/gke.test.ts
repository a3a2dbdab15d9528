import assert from "node:assert/strict";
import { test } from "node:test";
import * as gcp from "@pulumi/gcp";
import { GkeSecretsEncryption, InvalidArgumentsError } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const KEY = "projects/acme-prod/locations/europe-west1/keyRings/prod-gke-secrets/cryptoKeys/gke-secrets";

test("GkeSecretsEncryption: key ring + key in the region, 90-day rotation, destroy protection, GKE agent only", async () => {
  let enc: GkeSecretsEncryption | undefined;
  const stack = await runProgram(() => {
    enc = new GkeSecretsEncryption("prod", { location: "europe-west1", project: "acme-prod" });
  });
  const component = stack.one("kube-secrets-platform:index:GkeSecretsEncryption", "prod");
  const ring = stack.one("gcp:kms/keyRing:KeyRing", "prod-keyring");
  assert.equal(ring.parent, component.urn);
  assert.deepEqual(ring.inputs, { name: "prod-gke-secrets", location: "europe-west1", project: "acme-prod" });
  const key = stack.one("gcp:kms/cryptoKey:CryptoKey", "prod-key");
  assert.deepEqual(key.inputs, {
    name: "gke-secrets",
    keyRing: "projects/acme-prod/locations/europe-west1/keyRings/prod-gke-secrets",
    purpose: "ENCRYPT_DECRYPT",
    rotationPeriod: "7776000s",
    destroyScheduledDuration: "2592000s",
    versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "SOFTWARE" },
    deletionPolicy: "PREVENT",
  });
  const member = stack.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "prod-gke-agent");
  assert.deepEqual(member.inputs, {
    cryptoKeyId: KEY,
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    member: "serviceAccount:service-123456789@container-engine-robot.iam.gserviceaccount.com",
  });
  assert.equal(stack.all("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").length, 1, "exactly one member");
  assert.equal(await unwrap(enc!.keyName), KEY);
  assert.deepEqual(await unwrap(enc!.databaseEncryption), { state: "ENCRYPTED", keyName: KEY });
});

test("GkeSecretsEncryption composed with gcp.container.Cluster: the cluster receives databaseEncryption", async () => {
  const stack = await runProgram(() => {
    const enc = new GkeSecretsEncryption("prod", { location: "europe-west1", project: "acme-prod", protectionLevel: "HSM", rotationPeriod: "2592000s" });
    new gcp.container.Cluster("prod", { location: "europe-west1", project: "acme-prod", initialNodeCount: 1, databaseEncryption: enc.databaseEncryption });
  });
  assert.deepEqual(stack.one("gcp:container/cluster:Cluster", "prod").inputs.databaseEncryption, { state: "ENCRYPTED", keyName: KEY });
  const key = stack.one("gcp:kms/cryptoKey:CryptoKey").inputs;
  assert.equal(key.versionTemplate.protectionLevel, "HSM");
  assert.equal(key.rotationPeriod, "2592000s");
});

test("GkeSecretsEncryption: bad input throws naming the field before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () => new GkeSecretsEncryption("bad", { location: "us-central1-a", rotationPeriod: "3600s", protectionLevel: "EXTERNAL", destroyScheduledDuration: "30d" }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          `location: must be a region, not a zone (the key ring of a zonal cluster lives in the zone's region), got "us-central1-a"`,
          `rotationPeriod: must be more than one day (86400s), got "3600s"`,
          `protectionLevel: must be SOFTWARE or HSM, got "EXTERNAL"`,
          `destroyScheduledDuration: must be a number of seconds with an 's' suffix, got "30d"`,
        ]);
        return true;
      },
    );
    assert.throws(() => new GkeSecretsEncryption("bad2", { location: "europe-west1", rotationPeriod: "86400s" }), /rotationPeriod: must be more than one day \(86400s\), got "86400s"/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
