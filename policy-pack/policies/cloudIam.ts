/**
 * Cloud IAM that reaches secrets and keys, judged the way the cloud evaluates it:
 * - AWS (IAM policy evaluation: actions and resources are case-insensitive / case-sensitive globs with
 *   `*` and `?`; `NotAction` / `NotResource` allow everything they do not list): identity policies
 *   (Policy, RolePolicy, UserPolicy, GroupPolicy, Role.inlinePolicies), managed-policy attachments to roles
 *   a workload can assume (trust for pods.eks.amazonaws.com or a federated OIDC provider), and KMS key
 *   policy principals.
 * - GCP: project / folder / organization level bindings of Secret Manager, Cloud KMS and primitive
 *   roles, and key-ring level KMS bindings, where a secret- or key-scoped binding would do.
 * - Azure: Key Vault data-plane role assignments (secrets, keys) at vault or wider scope, where a
 *   `/secrets/<name>` or `/keys/<name>` scope would do: of built-in roles (a resource policy) and of custom
 *   role definitions of the program, judged by their (wildcard) data actions (a stack policy).
 * The checkers are pure functions over plain inputs, exported for tests and reuse.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isUnknownValueError, toPlain } from "../rbac";

/** Actions that read or change secret material, or hand out access to it. */
export const AWS_SECRET_ACTIONS: readonly string[] = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:BatchGetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecret",
  "secretsmanager:PutResourcePolicy",
  "secretsmanager:DeleteSecret",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:PutParameter",
  "ssm:DeleteParameter",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:GenerateDataKey",
  "kms:CreateGrant",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
];

/** Of those, the ones that hand out or destroy access: never granted by a wildcard action. */
const AWS_ADMIN_ACTIONS = new Set([
  "secretsmanager:PutResourcePolicy",
  "secretsmanager:DeleteSecret",
  "ssm:DeleteParameter",
  "kms:CreateGrant",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
]);

/** An IAM glob (`*` any run, `?` one character) as a RegExp. */
function glob(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.filter((x) => typeof x === "string") : typeof v === "string" ? [v] : []);

/** The statements of a policy document (object or JSON string); [] when it is not one. */
export function policyStatements(doc: unknown): any[] {
  let d = doc;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return [];
    }
  }
  const s = (d as any)?.Statement;
  return Array.isArray(s) ? s : s && typeof s === "object" ? [s] : [];
}

/** The secret actions an Allow statement grants (Action globs, or everything NotAction does not list). */
export function grantedSecretActions(statement: any): string[] {
  if (statement?.Effect !== "Allow") return [];
  if (statement.NotAction !== undefined) {
    const excluded = list(statement.NotAction).map((a) => glob(a, true));
    return AWS_SECRET_ACTIONS.filter((a) => !excluded.some((g) => g.test(a)));
  }
  const patterns = list(statement.Action).map((a) => glob(a, true));
  return AWS_SECRET_ACTIONS.filter((a) => patterns.some((g) => g.test(a)));
}

/**
 * Why an ARN pattern covers more than named secrets, parameters or keys; undefined when it names them:
 * an exact ARN, a path prefix (`secret:team-a/*`, `parameter/team-a/*`) or the Secrets Manager random
 * suffix (`secret:db-??????`, `secret:db-*`) pass.
 */
export function broadArn(resource: string): string | undefined {
  if (resource === "*") return 'Resource "*" (every resource of the account)';
  const parts = resource.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return /[*?]/.test(resource) ? `"${resource}" is a wildcard` : undefined;
  const [, partition, service, region, account] = parts;
  const wild = (s: string) => /[*?]/.test(s);
  if (wild(partition) || wild(service)) return `"${resource}" wildcards the partition or service`;
  if (wild(account)) return `"${resource}" wildcards the account (every account's resources)`;
  if (wild(region)) return `"${resource}" wildcards the region`;
  const rest = parts.slice(5).join(":");
  const m = /^([^:/]*)[:/](.*)$/.exec(rest);
  const type = m ? m[1] : rest;
  const name = m ? m[2] : "";
  if (wild(type)) return `"${resource}" wildcards the resource type`;
  const first = name.search(/[*?]/);
  if (first < 0) return name.length > 0 ? undefined : `"${resource}" names no resource`;
  const prefix = name.slice(0, first);
  if (prefix.length < 2 || !(prefix.endsWith("/") || prefix.endsWith("-"))) return `"${resource}" wildcards the name (every ${type} whose name starts with "${prefix}")`;
  return undefined;
}

/** Fail closed: a document given as text that is not JSON cannot be judged, so it is a problem, never a pass. */
function unreadableDocument(doc: unknown): string[] {
  if (typeof doc !== "string") return [];
  try {
    JSON.parse(doc);
    return [];
  } catch {
    return ["the policy document is not valid JSON, so it cannot be checked"];
  }
}

/** Problems of one identity-policy document: secret actions on broad resources, admin actions through wildcards. */
export function identityPolicyProblems(doc: unknown): string[] {
  const out: string[] = unreadableDocument(doc);
  policyStatements(doc).forEach((st, i) => {
    const granted = grantedSecretActions(st);
    if (granted.length === 0) return;
    const at = `Statement[${i}]`;
    const shown = granted.length > 4 ? `${granted.slice(0, 4).join(", ")} and ${granted.length - 4} more` : granted.join(", ");
    if (st.NotResource !== undefined) out.push(`${at} allows ${shown} on NotResource ${JSON.stringify(st.NotResource)} (every resource but those)`);
    else {
      for (const r of list(st.Resource)) {
        const why = broadArn(r);
        if (why) out.push(`${at} allows ${shown} on ${why}`);
      }
    }
    const viaPattern = st.NotAction !== undefined ? granted : granted.filter((a) => !list(st.Action).some((x) => x.toLowerCase() === a.toLowerCase()));
    const admin = viaPattern.filter((a) => AWS_ADMIN_ACTIONS.has(a));
    if (admin.length > 0) {
      const how = st.NotAction !== undefined ? `NotAction ${JSON.stringify(st.NotAction)}` : `action pattern(s) ${JSON.stringify(list(st.Action).filter((a) => /[*?]/.test(a)))}`;
      out.push(`${at}: ${how} also grant(s) ${admin.join(", ")} (hand out or destroy access); list the actions the workload needs`);
    }
  });
  return out;
}

/** Problems of a KMS key policy: principals that are `*` without a condition, or ARNs with wildcards. */
export function keyPolicyProblems(doc: unknown): string[] {
  const out: string[] = unreadableDocument(doc);
  policyStatements(doc).forEach((st, i) => {
    if (grantedSecretActions(st).length === 0) return;
    const p = st.Principal;
    const principals = p === "*" ? ["*"] : list(p?.AWS);
    for (const arn of principals) {
      if (arn === "*" && st.Condition === undefined) out.push(`Statement[${i}] grants key use to Principal "*" without a Condition (every AWS principal)`);
      else if (arn !== "*" && /[*?]/.test(arn)) out.push(`Statement[${i}] Principal ${JSON.stringify(arn)} has a wildcard (KMS refuses wildcard principal ARNs; name each role)`);
    }
    if (st.NotPrincipal !== undefined) out.push(`Statement[${i}] uses NotPrincipal: every principal but those may use the key`);
  });
  return out;
}

/** Whether a trust policy lets a Kubernetes workload assume the role (EKS Pod Identity or an OIDC provider / IRSA). */
export function workloadAssumable(trust: unknown): boolean {
  return policyStatements(trust).some((st) => {
    if (st?.Effect !== "Allow") return false;
    const services = list(st.Principal?.Service);
    const federated = list(st.Principal?.Federated);
    return services.includes("pods.eks.amazonaws.com") || federated.some((f) => f.includes(":oidc-provider/")) || st.Principal === "*";
  });
}

/** AWS managed policies that reach every secret, parameter or key of the account. */
export const BROAD_AWS_MANAGED_POLICIES: readonly string[] = [
  "SecretsManagerReadWrite",
  "AdministratorAccess",
  "PowerUserAccess",
  "AmazonSSMFullAccess",
  "AmazonSSMReadOnlyAccess",
  "AWSKeyManagementServicePowerUser",
  "AmazonSSMManagedInstanceCore",
];

/** The broad managed policy an ARN names (`arn:aws:iam::aws:policy/SecretsManagerReadWrite`), or undefined. */
export function broadManagedPolicy(arn: unknown): string | undefined {
  if (typeof arn !== "string") return undefined;
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m && BROAD_AWS_MANAGED_POLICIES.includes(m[1]) ? m[1] : undefined;
}

const IDENTITY_POLICY_TYPES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];

export const esoIamNoWildcardResources: ResourceValidationPolicy = {
  name: "eso-iam-no-wildcard-resources",
  description:
    "IAM policies granting Secrets Manager, SSM Parameter Store or KMS actions (also through `*`, `secretsmanager:*`, `Get*` or NotAction) name their resources: " +
    "no `*`, NotResource, account/region/type wildcards or whole-account name wildcards; admin actions are never granted through a wildcard.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "List the actions (secretsmanager:GetSecretValue, …) and the secret/parameter/key ARNs, or an ARN path prefix such as " +
    "arn:aws:secretsmanager:<region>:<account>:secret:team-a/* (AwsSecretsManagerAccess does this). Inline policies of aws.iam.Role are checked too.",
  validateResource: (args, reportViolation) => {
    const docs: Array<[string, unknown]> = [];
    if (IDENTITY_POLICY_TYPES.includes(args.type)) docs.push([`IAM policy ${args.name}`, args.props.policy]);
    else if (args.type === "aws:iam/role:Role") {
      (Array.isArray(args.props.inlinePolicies) ? args.props.inlinePolicies : []).forEach((p: any, i: number) => docs.push([`IAM role ${args.name} inlinePolicies[${i}] (${p?.name ?? "?"})`, p?.policy]));
    } else return;
    for (const [id, doc] of docs) for (const problem of identityPolicyProblems(doc)) reportViolation(`${id}: ${problem}`);
  },
};

export const kmsKeyPolicyPrincipals: ResourceValidationPolicy = {
  name: "kms-key-policy-principals",
  description: "KMS key policies grant key use to named principals: no `*` without a condition, no wildcard ARNs (`role/*`), no NotPrincipal.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Name each role ARN that may use the key (EksSecretsEncryption: administratorArns and clusterRoleArn as exact ARNs).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:kms/key:Key" && args.type !== "aws:kms/keyPolicy:KeyPolicy") return;
    for (const problem of keyPolicyProblems(args.props.policy)) reportViolation(`KMS key policy ${args.name}: ${problem}`);
  },
};

function roleName(props: any): string | undefined {
  return typeof props?.name === "string" ? props.name : undefined;
}

/** Managed policies that reach every secret, attached to roles a workload can assume. */
export const awsBroadManagedPolicies: StackValidationPolicy = {
  name: "aws-no-broad-managed-secret-policies",
  description: "Roles a Kubernetes workload can assume (Pod Identity, IRSA) carry no AWS managed policy that reaches every secret or key (SecretsManagerReadWrite, AdministratorAccess, …).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Detach the managed policy and attach a customer policy listing the secret ARNs the workload reads (AwsSecretsManagerAccess).",
  validateStack: (args, reportViolation) => {
    const roles = new Map<string, PolicyResource>();
    for (const r of args.resources) {
      if (r.type !== "aws:iam/role:Role") continue;
      roles.set(r.name, r);
      const n = roleName(r.props);
      if (n) roles.set(n, r);
    }
    const judge = (urn: string, role: unknown, arn: unknown, what: string) => {
      const broad = broadManagedPolicy(arn);
      if (!broad) return;
      const found = typeof role === "string" ? (roles.get(role) ?? [...roles.values()].find((r) => r.props.arn === role)) : undefined;
      if (found && !workloadAssumable(found.props.assumeRolePolicy)) return;
      const trust = found ? `role ${found.name} can be assumed by Kubernetes workloads (trust: pods.eks.amazonaws.com or an OIDC provider)` : `role ${typeof role === "string" ? role : "(unknown)"} is not in this stack, so who assumes it is unknown`;
      reportViolation(`${what} attaches ${String(arn)} (${broad}: every secret/parameter/key of the account) and ${trust}`, urn);
    };
    for (const r of args.resources) {
      if (r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") judge(r.urn, r.props.role, r.props.policyArn, `RolePolicyAttachment ${r.name}`);
      else if (r.type === "aws:iam/policyAttachment:PolicyAttachment") for (const role of list(r.props.roles)) judge(r.urn, role, r.props.policyArn, `PolicyAttachment ${r.name}`);
      else if (r.type === "aws:iam/role:Role") {
        for (const arn of list(r.props.managedPolicyArns)) judge(r.urn, r.name, arn, `IAM role ${r.name} managedPolicyArns`);
      }
    }
  },
};

/** GCP roles that read secrets or decrypt, or that include those permissions (primitive roles). */
export const GCP_SECRET_ROLES: readonly string[] = [
  "roles/secretmanager.admin",
  "roles/secretmanager.secretAccessor",
  "roles/secretmanager.secretVersionManager",
  "roles/secretmanager.secretVersionAdder",
  "roles/cloudkms.admin",
  "roles/cloudkms.cryptoKeyDecrypter",
  "roles/cloudkms.cryptoKeyEncrypterDecrypter",
  "roles/cloudkms.cryptoKeyDecrypterViaDelegation",
  "roles/owner",
  "roles/editor",
];

const GCP_WIDE_TYPES: Record<string, string> = {
  "gcp:projects/iAMMember:IAMMember": "project",
  "gcp:projects/iAMBinding:IAMBinding": "project",
  "gcp:projects/iAMPolicy:IAMPolicy": "project",
  "gcp:folder/iAMMember:IAMMember": "folder",
  "gcp:folder/iAMBinding:IAMBinding": "folder",
  "gcp:folder/iAMPolicy:IAMPolicy": "folder",
  "gcp:organizations/iAMMember:IAMMember": "organization",
  "gcp:organizations/iAMBinding:IAMBinding": "organization",
  "gcp:organizations/iAMPolicy:IAMPolicy": "organization",
  "gcp:kms/keyRingIAMMember:KeyRingIAMMember": "key ring",
  "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding": "key ring",
  "gcp:kms/keyRingIAMPolicy:KeyRingIAMPolicy": "key ring",
};

/** Whether an IAM condition narrows the binding to named resources (`resource.name.startsWith(...)`, `resource.name == ...`). */
function narrowedByCondition(condition: any): boolean {
  return typeof condition?.expression === "string" && /resource\.name/.test(condition.expression);
}

export const gcpSecretIamScope: ResourceValidationPolicy = {
  name: "gcp-secret-iam-scope",
  description: "Secret Manager, Cloud KMS and primitive (owner/editor) roles are bound on the secret or key, not on a project, folder, organization or key ring.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Bind roles/secretmanager.secretAccessor with gcp.secretmanager.SecretIamMember on each secret (GcpSecretManagerAccess does this) and KMS roles with gcp.kms.CryptoKeyIAMMember; " +
    "or add an IAM condition on resource.name.",
  validateResource: (args, reportViolation) => {
    const level = GCP_WIDE_TYPES[args.type];
    if (!level) return;
    const bindings: Array<{ role: unknown; members: string[]; condition: unknown }> = [];
    if (args.type.endsWith("IAMPolicy")) {
      let data = args.props.policyData;
      if (typeof data === "string") {
        try {
          data = JSON.parse(data);
        } catch {
          data = undefined;
        }
      }
      for (const b of Array.isArray(data?.bindings) ? data.bindings : []) bindings.push({ role: b?.role, members: list(b?.members), condition: b?.condition });
    } else bindings.push({ role: args.props.role, members: list(args.props.member ?? args.props.members), condition: args.props.condition });
    for (const b of bindings) {
      if (typeof b.role !== "string" || !GCP_SECRET_ROLES.includes(b.role) || narrowedByCondition(b.condition)) continue;
      const scope = level === "key ring" ? "every key of the key ring" : `every secret and key of the ${level}`;
      reportViolation(`${args.type.split(":").pop()} ${args.name}: ${b.role} at ${level} level for ${b.members.join(", ") || "?"} reaches ${scope}; bind it on the secret (SecretIamMember) or key (CryptoKeyIAMMember)`);
    }
  },
};

/** Azure built-in roles that read or use Key Vault secrets and keys (data plane), by role definition GUID. */
export const AZURE_KEY_VAULT_DATA_ROLES: Readonly<Record<string, { name: string; object: "secrets" | "keys" | "any" }>> = {
  "4633458b-17de-408a-b874-0445c86b69e6": { name: "Key Vault Secrets User", object: "secrets" },
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": { name: "Key Vault Secrets Officer", object: "secrets" },
  "12338af0-0e69-4776-bea7-57ae8d297424": { name: "Key Vault Crypto User", object: "keys" },
  "e147488a-f6f5-4113-8e2d-b22465e65bf6": { name: "Key Vault Crypto Service Encryption User", object: "keys" },
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": { name: "Key Vault Crypto Officer", object: "keys" },
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": { name: "Key Vault Administrator", object: "any" },
};

/** Why an Azure role assignment of a Key Vault data role is broader than one secret or key; undefined when it is not. */
export function azureAssignmentProblem(roleDefinitionId: unknown, scope: unknown): string | undefined {
  if (typeof roleDefinitionId !== "string" || typeof scope !== "string") return undefined;
  const guid = roleDefinitionId.split("/").pop()!.toLowerCase();
  const role = AZURE_KEY_VAULT_DATA_ROLES[guid];
  if (!role) return undefined;
  const m = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/(secrets|keys)\/[^/]+$/i.exec(scope);
  if (m && (role.object === "any" || m[1].toLowerCase() === role.object)) return undefined;
  const what = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(scope) ? "the whole vault" : /\/resourceGroups\/[^/]+$/i.test(scope) ? "every vault of the resource group" : "every vault in scope";
  const fix = role.object === "keys" ? "<vault id>/keys/<key name>" : "<vault id>/secrets/<secret name>";
  return `${role.name} at scope ${scope} reaches ${what}; scope it to ${fix}`;
}

export const azureKeyVaultRoleScope: ResourceValidationPolicy = {
  name: "azure-key-vault-role-scope",
  description: "Key Vault data-plane roles (Secrets User/Officer, Crypto User/Officer/Service Encryption User, Administrator) are assigned on one secret or key, not a vault, resource group or subscription.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set the role assignment's scope to `${vaultId}/secrets/<name>` (ESO) or `${vaultId}/keys/<name>` (KMS, auto-unseal).",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:authorization:RoleAssignment") return;
    const problem = azureAssignmentProblem(args.props.roleDefinitionId, args.props.scope);
    if (problem) reportViolation(`RoleAssignment ${args.name} (principal ${args.props.principalId ?? "?"}): ${problem}`);
  },
};

/**
 * Key Vault operations that read, change or use secret values and keys, by the object they act on (Microsoft,
 * "Azure permissions for Security", Microsoft.KeyVault). Metadata reads (`secrets/readMetadata/action`,
 * `keys/read`: names, attributes, public key parts) are left out, as for Key Vault Reader. `secrets/write` is
 * the one control-plane action among them: ARM "creates a new secret or updates the value of an existing secret".
 */
export const AZURE_KEY_VAULT_OBJECT_OPERATIONS: Readonly<Record<"secrets" | "keys", { dataActions: readonly string[]; actions: readonly string[] }>> = {
  secrets: {
    dataActions: ["getSecret/action", "setSecret/action", "update/action", "delete", "backup/action", "restore/action", "recover/action", "purge/action"].map((a) => `Microsoft.KeyVault/vaults/secrets/${a}`),
    actions: ["Microsoft.KeyVault/vaults/secrets/write"],
  },
  keys: {
    dataActions: [
      ...["encrypt/action", "decrypt/action", "wrap/action", "unwrap/action", "sign/action", "verify/action", "release/action", "rotate/action", "create/action", "import/action", "update/action"],
      ...["delete", "backup/action", "restore/action", "recover/action", "purge/action"],
    ]
      .map((a) => `Microsoft.KeyVault/vaults/keys/${a}`)
      .concat(["Microsoft.KeyVault/vaults/keyrotationpolicies/write"]),
    actions: [],
  },
};

/** What a role definition's `permissions` grant on Key Vault objects: the operations by object, or why they cannot be read. */
export function azureKeyVaultGrants(permissions: unknown): { objects: Array<"secrets" | "keys">; operations: string[] } | { unresolved: string } {
  if (!Array.isArray(permissions)) return { unresolved: `permissions is ${permissions === undefined ? "not set" : JSON.stringify(permissions)}, not a list` };
  const objects = new Set<"secrets" | "keys">();
  const operations: string[] = [];
  for (const [i, p] of permissions.entries()) {
    if (p === null || typeof p !== "object") return { unresolved: `permissions[${i}] is not an object` };
    for (const field of ["actions", "notActions", "dataActions", "notDataActions"]) {
      const v = (p as Record<string, unknown>)[field];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) return { unresolved: `permissions[${i}].${field} is not a list of strings` };
    }
    // Azure evaluates an action against each permission block: allowed by one of its (Data)Actions, not removed by its Not(Data)Actions.
    const granted = (allowed: unknown, denied: unknown, candidates: readonly string[]) => {
      const allow = list(allowed).map((a) => glob(a, true));
      const deny = list(denied).map((a) => glob(a, true));
      return candidates.filter((c) => allow.some((g) => g.test(c)) && !deny.some((g) => g.test(c)));
    };
    for (const object of ["secrets", "keys"] as const) {
      const ops = AZURE_KEY_VAULT_OBJECT_OPERATIONS[object];
      const hit = [...granted(p.dataActions, p.notDataActions, ops.dataActions), ...granted(p.actions, p.notActions, ops.actions)];
      if (hit.length > 0) objects.add(object);
      for (const h of hit) if (!operations.includes(h)) operations.push(h);
    }
  }
  return { objects: [...objects], operations };
}

const ONE_KEY_VAULT_OBJECT = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/(secrets|keys)\/[^/]+$/i;

/** Why a custom role reaching `objects` is assigned at a scope broader than one of those objects; undefined when it is not. */
export function azureCustomAssignmentProblem(objects: ReadonlyArray<"secrets" | "keys">, scope: string): string | undefined {
  const m = ONE_KEY_VAULT_OBJECT.exec(scope);
  if (m && objects.includes(m[1].toLowerCase() as "secrets" | "keys")) return undefined;
  const what = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(scope)
    ? "the whole vault"
    : /\/resourceGroups\/[^/]+$/i.test(scope)
      ? "every vault of the resource group"
      : /^\/subscriptions\/[^/]+$/i.test(scope)
        ? "every vault of the subscription"
        : "every vault in scope";
  const fix = objects.includes("secrets") ? "<vault id>/secrets/<secret name>" : "<vault id>/keys/<key name>";
  return `at scope ${scope} reaches ${what}; scope it to ${fix}`;
}

const UNRESOLVED: unique symbol = Symbol("unresolved");

/** A plain copy of a property, or UNRESOLVED when it (or anything in it) is an unknown preview value. */
function settled(read: () => unknown): unknown {
  try {
    return toPlain(read());
  } catch (e) {
    if (isUnknownValueError(e)) return UNRESOLVED;
    throw e;
  }
}

const lastSegment = (id: unknown) => (typeof id === "string" && id.length > 0 ? id.split("/").pop()!.toLowerCase() : undefined);

export const azureKeyVaultCustomRoleScope: StackValidationPolicy = {
  name: "azure-key-vault-custom-role-scope",
  description:
    "Custom role definitions of the program whose data actions (wildcards included: `*`, `Microsoft.KeyVault/vaults/secrets/*`) reach Key Vault secrets or keys " +
    "are assigned on one secret or key, not a vault, resource group or subscription; a role whose permissions cannot be read fails.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set the role assignment's scope to `${vaultId}/secrets/<name>` (or `/keys/<name>`), one assignment per object, and list in the role only the data actions " +
    "the workload calls (AzureKeyVaultAccess pushSecretNames: getSecret/action and setSecret/action, assigned on each pushed secret).",
  validateStack: (args, reportViolation) => {
    // The program's custom roles, by GUID: the `roleDefinitionId` input, or after creation the `name` output and the id's last segment.
    const roles = new Map<string, PolicyResource>();
    const definitions = args.resources.filter((r) => r.type === "azure-native:authorization:RoleDefinition");
    for (const r of definitions) {
      for (const key of [settled(() => r.props.roleDefinitionId), settled(() => r.props.name), settled(() => r.props.id)]) {
        const guid = lastSegment(key);
        if (guid) roles.set(guid, r);
      }
    }
    const grantsOf = (r: PolicyResource) => {
      const permissions = settled(() => r.props.permissions);
      return permissions === UNRESOLVED ? { unresolved: "its permissions are unknown (computed at deployment)" } : azureKeyVaultGrants(permissions);
    };
    const labelOf = (r: PolicyResource) => {
      const n = settled(() => r.props.roleName);
      return typeof n === "string" ? `custom role ${r.name} ("${n}")` : `custom role ${r.name}`;
    };
    for (const a of args.resources) {
      if (a.type !== "azure-native:authorization:RoleAssignment") continue;
      const principal = settled(() => a.props.principalId);
      const who = `RoleAssignment ${a.name} (principal ${typeof principal === "string" ? principal : "?"})`;
      const scope = settled(() => a.props.scope);
      const roleId = settled(() => a.props.roleDefinitionId);
      if (roleId === UNRESOLVED) {
        // Which role is unknown at preview: fail closed when a reaching (or unreadable) custom role of the program could be it.
        if (typeof scope !== "string") continue;
        if (ONE_KEY_VAULT_OBJECT.test(scope)) continue; // one secret or key, whichever role it is
        const broad = definitions.filter((r) => {
          const g = grantsOf(r);
          return "unresolved" in g || g.objects.length > 0;
        });
        if (broad.length > 0) {
          reportViolation(
            `${who}: roleDefinitionId is unknown until deployment, and it may be ${broad.map(labelOf).join(" or ")}, which reach(es) Key Vault secrets or keys; ` +
              `at scope ${scope} that reaches more than one secret or key (give the role a fixed roleDefinitionId GUID, or scope the assignment to one secret or key)`,
            a.urn,
          );
        }
        continue;
      }
      const role = roles.get(lastSegment(roleId) ?? "");
      if (!role) continue; // a built-in role (azure-key-vault-role-scope) or one defined elsewhere
      const g = grantsOf(role);
      if ("unresolved" in g) {
        reportViolation(`${who}: ${labelOf(role)} cannot be judged: ${g.unresolved}; fail closed`, a.urn);
        continue;
      }
      if (g.objects.length === 0 || typeof scope !== "string") continue; // no Key Vault object reached, or a scope judged once known
      const problem = azureCustomAssignmentProblem(g.objects, scope);
      if (!problem) continue;
      const shown = g.operations.length > 3 ? `${g.operations.slice(0, 3).join(", ")} and ${g.operations.length - 3} more` : g.operations.join(", ");
      reportViolation(`${who}: ${labelOf(role)} grants ${shown} and ${problem}`, a.urn);
    }
  },
};
