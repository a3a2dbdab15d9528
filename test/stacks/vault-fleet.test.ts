// The fleet stack over real TLS: the hub Vault's certificate carries the configured external name, the hub is
// exposed only through an explicit LoadBalancer with source ranges, every spoke store trusts the hub's CA (the
// exact bytes ESO decodes from caBundle), and every spoke gets the token reviewer the hub's mount calls.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readStackFile } from "../../cli/lib/stackFile";
import { planResourceState } from "../../cli/lib/planState";
import { PROJECT, StackConfigError, parseStackConfig } from "../../stacks/config";
import { program } from "../../stacks/program";
import { runProgram } from "../harness/pulumi";

const FLEET = join(__dirname, "..", "..", "stacks", "Pulumi.fleet.yaml");

test("fleet: hub certificate names, exposure, the hub CA in every spoke store, a reviewer account on every spoke", async () => {
  const file = readStackFile(FLEET, PROJECT);
  const stack = await runProgram(() => program(), { project: PROJECT, stack: "fleet", config: file.config, secretKeys: file.secretKeys, resourceState: planResourceState });

  // The server certificate (what Vault presents to spokes and to Pulumi) covers the external name.
  const csr = stack.one("tls:index/certRequest:CertRequest", "hub-vault-server-csr");
  assert.ok(csr.inputs.dnsNames.includes("vault.hub.example.com"), "extraDnsNames reach the certificate request");
  assert.ok(csr.inputs.dnsNames.includes("vault.vault.svc"));

  // Exposure: one LoadBalancer on the active server only, limited to the configured ranges.
  const lb = stack.one("kubernetes:core/v1:Service", "hub-vault-external");
  assert.deepEqual(lb.inputs.spec, {
    type: "LoadBalancer",
    loadBalancerSourceRanges: ["198.51.100.0/24", "203.0.113.0/24"],
    externalTrafficPolicy: "Local",
    ports: [{ name: "https", port: 8200, targetPort: 8200, protocol: "TCP" }],
    // vault-helm's server-ha-active-service.yaml selector: the pod Vault labels vault-active=true (the leader).
    selector: { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server", "vault-active": "true" },
  });

  // ESO's Vault provider reads spec.provider.vault.caBundle as []byte (base64 in JSON): it must decode to the hub's CA.
  // The hub CA as the hub itself publishes it (its vault-ca ConfigMap, from the VaultCluster's CA certificate).
  const hubCa = stack.one("kubernetes:core/v1:ConfigMap", "hub-vault-ca").inputs.data["ca.crt"] as string;
  assert.match(hubCa, /-----BEGIN CERTIFICATE-----/);
  const stores = stack.all("kubernetes:external-secrets.io/v1:SecretStore").filter((s) => s.name.startsWith("fleet-"));
  assert.deepEqual(stores.map((s) => s.name).sort(), ["fleet-aws-store-hub-vault-payments-store", "fleet-gcp-store-hub-vault-payments-store"]);
  for (const s of stores) {
    const v = s.inputs.spec.provider.vault;
    assert.equal(v.server, "https://vault.hub.example.com:8200");
    assert.equal(Buffer.from(v.caBundle, "base64").toString("utf8"), hubCa, `${s.name} trusts exactly the hub CA`);
  }

  // The reviewer account on each spoke: bound to system:auth-delegator only, with a long-lived token Secret.
  for (const spoke of ["fleet-aws", "fleet-gcp"]) {
    const sa = stack.one("kubernetes:core/v1:ServiceAccount", `${spoke}-vault-token-reviewer-sa`);
    assert.deepEqual([sa.inputs.metadata.name, sa.inputs.metadata.namespace, sa.inputs.automountServiceAccountToken], ["vault-token-reviewer", "vault-token-reviewer", false]);
    const crb = stack.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", `${spoke}-vault-token-reviewer-auth-delegator`);
    assert.deepEqual(crb.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" });
    assert.deepEqual(crb.inputs.subjects, [{ kind: "ServiceAccount", name: "vault-token-reviewer", namespace: "vault-token-reviewer" }]);
    // The token controller fills a Secret of this type for the annotated service account (kube-controller-manager).
    const token = stack.one("kubernetes:core/v1:Secret", `${spoke}-vault-token-reviewer-token`);
    assert.deepEqual([token.inputs.type, token.inputs.metadata.annotations], ["kubernetes.io/service-account-token", { "kubernetes.io/service-account.name": "vault-token-reviewer" }]);
    // It is created through the spoke's own Kubernetes provider.
    assert.match(sa.provider ?? "", new RegExp(`::${spoke}-k8s::`));
  }
  assert.deepEqual(stack.all("kubernetes:core/v1:ServiceAccount").filter((s) => s.name.startsWith("hub-vault-token-reviewer")), [], "none on the hub itself");
});

test("fleet links are checked: caFromCluster must name a cluster with Vault; caBundle and caFromCluster are exclusive", () => {
  const problems = (clusters: unknown[]) => {
    try {
      parseStackConfig({ clusters });
      return [];
    } catch (e) {
      assert.ok(e instanceof StackConfigError);
      return e.problems;
    }
  };
  const store = (vault: Record<string, unknown>) => ({
    name: "spoke",
    externalSecrets: { stores: [{ name: "hub", namespace: "apps", vault: { server: "https://vault.hub.example.com:8200", role: "r", ...vault } }] },
  });
  assert.deepEqual(problems([{ name: "hub" }, store({ caFromCluster: "hub" })]), [
    `${PROJECT}:clusters[1].externalSecrets.stores[0].vault.caFromCluster: must name a cluster of this stack that runs Vault, got "hub"`,
  ]);
  assert.deepEqual(problems([{ name: "hub", vault: {} }, store({ caFromCluster: "hub" })]), []);
  assert.deepEqual(problems([{ name: "hub", vault: {} }, store({ caFromCluster: "hub", caBundle: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n" })]), [
    `${PROJECT}:clusters[1].externalSecrets.stores[0].vault.caFromCluster: set one of caBundle, caProvider, caFromCluster, got caBundle and caFromCluster`,
  ]);
});
