/**
 * Outputs the offline plan gives resources whose providers compute them (keys, certificates, random
 * values), so that everything derived from them can be rendered. Certificates and keys are obvious
 * placeholders, never usable material; "random" values are derived from the resource's type and name (so
 * two plans of the same stack are identical): placeholders, never the values a real run generates.
 */
import { adoptedEksClusterState } from "./invokes";
import { createHash } from "node:crypto";
import { stableGuid } from "../../components/external-secrets/azure";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";

/**
 * A real self-signed RSA-4096 certificate (O=kube-secrets-platform, CN=offline plan placeholder) whose
 * private key was discarded when it was made: values sealed to it in a plan look like real ciphertexts and
 * can never be decrypted by anyone.
 */
export const PLAN_PLACEHOLDER_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIFaTCCA1GgAwIBAgIUE0uqQfMtekqxKFVWcobnXEngdAowDQYJKoZIhvcNAQEL
BQAwQzEeMBwGA1UECgwVa3ViZS1zZWNyZXRzLXBsYXRmb3JtMSEwHwYDVQQDDBhv
ZmZsaW5lIHBsYW4gcGxhY2Vob2xkZXIwIBcNMjYxMTI4MTQ1OTM4WhgPMjEyNjEx
MDQxNDU5MzhaMEMxHjAcBgNVBAoMFWt1YmUtc2VjcmV0cy1wbGF0Zm9ybTEhMB8G
A1UEAwwYb2ZmbGluZSBwbGFuIHBsYWNlaG9sZGVyMIICIjANBgkqhkiG9w0BAQEF
AAOCAg8AMIICCgKCAgEAuGeDfSlVUR7tU0wT5YWfaNyoXSGhFZixdKnSn5c77/kQ
tquj96DWo9u47Py0Q7kzXqLqm+JlkAI6/8mSig9NkbiOysYFImIp8jyFciSoIHyK
eJZzFnmmYvcasHfc+6cw9/Lsp7btGcplIJsTHyAz4w3g5vdgeyvNIOIMU004K56t
mXP0AvqyBKpPD6XB2mfu0OnyGarWdLq3Url5ghjV/50pE6cX4psd29otANNVhxRd
cwLmeVqx7itV+EkRkW+PXLRJ1nvT9G2rYuvZwfPsncfMfHKRV71eqLh4PpFXOmUI
ZRF3xqz9tdN4ODbofJ2b/3xaDIivVLkSMwSJvTt/2qf70oNP4Rc2fDl8yEI2U5Iv
ajYbJ46E9OElhGWIl8xaMXZfuzVcaLiWzCOEpgiJKoENWaV6b/C4APo5oT71Zmqr
zcQEg0bUSQF0q8DoHnzIJe5j25lznpiemJBJRVNLStFFPr216ANYltG+y8lkkBqv
fIqgZ02IudrOZcJG7j+qJeFCmTyXE2W2knFohsxIpo+8/7vdrJ3NA8CAky9irLeI
P8Zke8f46+m9QMbY+F78ehbKJOLf5KUYDiZWWxfBwQYSwRKODsvn5DCP2yYiSUKf
jOHKvvLtwH+2nicH2hil0QBC0k9FMOYTsmf9nJ8qWVV9FfS7rb/Nrg7JKD1wGQcC
AwEAAaNTMFEwHQYDVR0OBBYEFNHruGVb784pCpq09vxl4x64ps46MB8GA1UdIwQY
MBaAFNHruGVb784pCpq09vxl4x64ps46MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZI
hvcNAQELBQADggIBAA7aKSGZTpvxUfJyxsY8PzXGJnk4Hagpwmhobk6oy78LcEGf
jFoWjiwxVea+yN+dMA1IvLx9+ItYf3m3Vgey89U9IowyDIkM/KRUzMAbuk8rITLd
KF50BdPN+44YTmYKTDQ0lddcOkPMIrzFmwnKnHlxBjSWy7ENr6xbUNmAM/uzCpvj
lra4yPW6Y3eMn7TIEq39hxkSa97q/cIC67GpWiAaYUeaOlzj74NiuEgj/CAr/L83
3vL/hLYTCE0bZyrqTF2qJwAmlqq0hw2klZ0vURXTpGJOnv8MR328aXNkt7NQBKGg
LpJcHXhmb4sNWSd94d4vTtIxgFr5Ltgfer0w9bazEy63l2K5tRSUgacUhbou+oGm
sFRKGmVRRMyXkl4fcTju+/0Ha/XNKzglZ/PFcKQMyVI0cxWmPoqL3EcPQZNhuZxQ
2KDfTobxn2xw6aXH2bNpjh6WC5LIVVBNbeM7KJLGTfDbJOEQM58jv77OF17tL55y
VM6MUqMEC+fdD0FNzHXDt+inqqCX53c96a97QSM3ZJq/Q19fyEiAW1wE4F3C+jmN
WoAJqRig6m/BknH0mMOnDDwp0pmOj17aH8SclQyIH25iVCpClTwe4yj83v0QCa89
6DvS/Aq1X6z//kxoztIyJJlms/GbNoZWi3OKNqQA4hq3f5j/Ktu/VTkiN5FW
-----END CERTIFICATE-----
`;

const PLACEHOLDER_BODY = Buffer.from("kube-secrets-platform offline plan placeholder").toString("base64");
const pem = (label: string) => `-----BEGIN ${label}-----\n${PLACEHOLDER_BODY}\n-----END ${label}-----\n`;

/** `length` bytes derived from a resource's type and name (SHA-256 in counter mode). */
function placeholderBytes(args: MockResourceArgs, length: number): Buffer {
  const n = Math.max(0, Math.min(Number.isFinite(length) ? Math.floor(length) : 32, 4096));
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < n; i++) parts.push(createHash("sha256").update(`plan-random\0${args.type}\0${args.name}\0${i}`).digest());
  return Buffer.concat(parts as unknown as Uint8Array[]).subarray(0, n);
}

function randomString(args: MockResourceArgs, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...placeholderBytes(args, length)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A UUID-shaped placeholder derived from a resource name. */
function placeholderUuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Computed outputs by resource type (merged over the resource's inputs by the mock runtime). */
export function planResourceState(args: MockResourceArgs): Record<string, unknown> | undefined {
  const inputs = args.inputs as Record<string, any>;
  switch (args.type) {
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: pem("PRIVATE KEY"), privateKeyPemPkcs8: pem("PRIVATE KEY"), publicKeyPem: pem("PUBLIC KEY") };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: PLAN_PLACEHOLDER_CERTIFICATE };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: pem("CERTIFICATE REQUEST") };
    case "random:index/randomBytes:RandomBytes": {
      const bytes = placeholderBytes(args, Number(inputs.length ?? 32));
      return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return { result: randomString(args, Number(inputs.length ?? 32)) };
    case "random:index/randomId:RandomId": {
      const bytes = placeholderBytes(args, Number(inputs.byteLength ?? 8));
      return { hex: bytes.toString("hex"), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url"), dec: BigInt(`0x${bytes.toString("hex")}`).toString() };
    }
    // Cloud resources a created cluster is wired from (stacks/clusters.ts): placeholder ids in the
    // placeholder account/project/subscription, derived from the resource name so plans are stable.
    case "aws:kms/key:Key": {
      const id = placeholderUuid(args.name);
      return { keyId: id, arn: `arn:aws:kms:us-east-1:123456789012:key/${id}` };
    }
    case "aws:eks/cluster:Cluster":
      // A read (`aws.eks.Cluster.get`, an adopted cluster): its state as the plan assumes it.
      if (args.id) return adoptedEksClusterState(args.id);
      return {
        arn: `arn:aws:eks:us-east-1:123456789012:cluster/${String(inputs.name)}`,
        endpoint: `https://${placeholderUuid(args.name).replace(/-/g, "").toUpperCase()}.eks.example.invalid`,
        certificateAuthority: { data: Buffer.from(PLAN_PLACEHOLDER_CERTIFICATE).toString("base64") },
      };
    case "gcp:container/cluster:Cluster":
      return { endpoint: "203.0.113.10", masterAuth: { ...(inputs.masterAuth ?? {}), clusterCaCertificate: Buffer.from(PLAN_PLACEHOLDER_CERTIFICATE).toString("base64") } };
    case "azure-native:keyvault:Vault":
      // The provider's id is the ARM resource id (what role assignment scopes are built from).
      return {
        id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/${String(inputs.resourceGroupName ?? "plan-rg")}/providers/Microsoft.KeyVault/vaults/${String(inputs.vaultName ?? args.name)}`,
      };
    case "azure-native:keyvault:Key": {
      const uri = `https://${String(inputs.vaultName ?? "plan-vault")}.vault.example.invalid/keys/${String(inputs.keyName)}`;
      return { keyUri: uri, keyUriWithVersion: `${uri}/${placeholderUuid(args.name).replace(/-/g, "")}` };
    }
    case "azure-native:containerservice:ManagedCluster":
      return {
        name: inputs.resourceName,
        fqdn: `${String(inputs.dnsPrefix)}.hcp.example.invalid`,
        oidcIssuerProfile: { enabled: true, issuerURL: `https://oidc.example.invalid/${placeholderUuid(args.name)}/` },
      };
    default:
      return cloudState(args.type, args.name, inputs);
  }
}

/** Placeholder identifiers cloud providers assign (ARNs, key URIs, identity ids), in the plan's fake account. */
function cloudState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> | undefined {
  const [pkg, mod] = type.split(":");
  if (pkg === "aws") {
    const service = mod.split("/")[0];
    const kind = type.slice(type.lastIndexOf(":") + 1).toLowerCase();
    const region = service === "iam" ? "" : "us-east-1";
    return { arn: inputs.arn ?? `arn:aws:${service}:${region}:123456789012:${kind}/${inputs.name ?? name}` };
  }
  if (pkg === "azure-native") {
    if (type === "azure-native:managedidentity:UserAssignedIdentity") {
      // One client and principal id per identity (as Azure assigns them), so policies comparing identities
      // (e.g. sealing-key-identity-isolation) see two identities as two.
      return { clientId: stableGuid("plan-identity", "client", name), principalId: stableGuid("plan-identity", "principal", name), tenantId: "00000000-0000-0000-0000-000000000000" };
    }
    return undefined;
  }
  if (pkg === "gcp" && type === "gcp:serviceaccount/account:Account") {
    return { email: `${String(inputs.accountId ?? name)}@${String(inputs.project ?? "example-project")}.iam.gserviceaccount.com` };
  }
  return undefined;
}

/** Kubernetes kinds the provider never auto-names (patches name an existing object; these are singletons). */
const NOT_AUTONAMED = /Patch$|^kubernetes:(helm\.sh|yaml|kustomize)\//;

/**
 * The Kubernetes provider's auto-naming, as its Check does before policies see the inputs: an object without
 * `metadata.name` gets `<resource name>-<8 hex>` (deterministic here, random in the provider).
 */
export function planCheck(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (!type.startsWith("kubernetes:") || NOT_AUTONAMED.test(type)) return inputs;
  const metadata = inputs.metadata as Record<string, unknown> | undefined;
  if (!metadata || typeof metadata !== "object" || metadata.name !== undefined || metadata.generateName !== undefined) return inputs;
  const suffix = createHash("sha256").update(`${type}::${name}`).digest("hex").slice(0, 8);
  return { ...inputs, metadata: { ...metadata, name: `${name}-${suffix}` } };
}
