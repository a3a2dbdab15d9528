import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { childName, typeToken } from "../internal/naming";
import { assertValid, input, zodProblems } from "../internal/validation";

/** Resource-log categories of `Microsoft.ContainerService/managedClusters`. */
export const AKS_LOG_CATEGORIES = [
  "kube-apiserver",
  "kube-audit",
  "kube-audit-admin",
  "kube-controller-manager",
  "kube-scheduler",
  "cluster-autoscaler",
  "cloud-controller-manager",
  "guard",
  "csi-azuredisk-controller",
  "csi-azurefile-controller",
  "csi-snapshot-controller",
  "fleet-member-agent",
  "fleet-member-net-controller-manager",
  "fleet-mcs-controller-manager",
] as const;

/**
 * Default categories: `kube-audit` (every audit event, the only category with Secret get/list/watch),
 * `kube-audit-admin` (the same without get/list: the mutation trail, queried cheaply on its own table) and
 * `guard` (Entra ID and Azure RBAC authorization decisions).
 */
export const AKS_DEFAULT_AUDIT_CATEGORIES = ["kube-audit", "kube-audit-admin", "guard"] as const;

/** A Log Analytics workspace created for the audit logs. */
export interface AksAuditWorkspaceArgs {
  /** Resource group of the workspace. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. Default: the resource group's region. */
  location?: pulumi.Input<string>;
  /** Workspace name (4-63 letters, digits, `-`). Default: generated from the resource name. */
  workspaceName?: pulumi.Input<string>;
  /** Interactive retention in days, 30 to 730. Default 365. */
  retentionInDays?: pulumi.Input<number>;
  /** Keep the workspace (and the audit trail in it) when this component is deleted (`retainOnDelete`). Default `true`. */
  retainOnDelete?: boolean;
  /** Tags. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Arguments of {@link AksAuditLogging}. */
export interface AksAuditLoggingArgs {
  /** ARM id of the managed cluster (`/subscriptions/…/providers/Microsoft.ContainerService/managedClusters/<name>`). */
  clusterId: pulumi.Input<string>;
  /** Log categories to send. Default `kube-audit`, `kube-audit-admin`, `guard`. Must include `kube-audit` (Secret reads). */
  categories?: pulumi.Input<string>[];
  /** ARM id of an existing Log Analytics workspace. Exactly one of `workspaceId` and `workspace`. */
  workspaceId?: pulumi.Input<string>;
  /** Create a Log Analytics workspace. Exactly one of `workspaceId` and `workspace` (a plain value: it decides whether a resource exists). */
  workspace?: AksAuditWorkspaceArgs;
  /** Diagnostic setting name. Default `kube-secrets-platform-audit`. */
  diagnosticSettingName?: pulumi.Input<string>;
}

const armId = (what: string, provider: string) =>
  z.string().regex(new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${provider.replace(".", "\\.")}/[^/]+$`, "i"), {
    message: `must be the ARM id of ${what}`,
  });

const argsSchema = z.strictObject({
  clusterId: input(armId("a managed cluster", "Microsoft.ContainerService/managedClusters")),
  categories: z
    .array(input(z.enum(AKS_LOG_CATEGORIES, { error: (i) => `must be one of ${AKS_LOG_CATEGORIES.join(", ")}, got ${JSON.stringify(i.input)}` })))
    .optional(),
  workspaceId: input(armId("a Log Analytics workspace", "Microsoft.OperationalInsights/workspaces")).optional(),
  workspace: z
    .strictObject({
      resourceGroupName: input(z.string().min(1)),
      location: input(z.string().min(1)).optional(),
      workspaceName: input(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/, { message: "must be 4-63 letters, digits or '-', not starting or ending with '-'" })).optional(),
      retentionInDays: input(z.number().int().min(30, { message: "must be at least 30 (the Log Analytics minimum)" }).max(730, { message: "must be at most 730" })).optional(),
      retainOnDelete: z.boolean().optional(),
      tags: z.any().optional(),
    })
    .optional(),
  diagnosticSettingName: input(z.string().min(1).max(260)).optional(),
});

/** Every problem with `args` as `field.path: rule` strings ([] when valid). Deferred values are not checked. */
export function validateAksAuditLogging(args: AksAuditLoggingArgs): string[] {
  const problems = zodProblems(argsSchema, args);
  if ((args.workspaceId === undefined) === (args.workspace === undefined)) {
    problems.push("workspaceId: set exactly one of workspaceId and workspace");
  }
  const categories = args.categories;
  if (categories !== undefined) {
    const plain = categories.filter((c): c is string => typeof c === "string");
    if (plain.length === categories.length && !plain.includes("kube-audit")) {
      problems.push(`categories: must include "kube-audit", the only category that records Secret reads, got ${JSON.stringify(plain)}`);
    }
    const dupes = plain.filter((c, i) => plain.indexOf(c) !== i);
    if (dupes.length) problems.push(`categories: duplicate ${JSON.stringify([...new Set(dupes)])}`);
  }
  return problems;
}

/**
 * AKS audit logging: an azure-native diagnostic setting on the managed cluster sending `kube-audit`
 * (the only category that records Secret get/list/watch; `kube-audit-admin` omits get and list),
 * `kube-audit-admin` and `guard` to a Log Analytics workspace, given or created (PerGB2018, 365 days of
 * retention by default, local authentication disabled). Logs go to the resource-specific tables
 * (`AKSAudit`, `AKSAuditAdmin`, `AKSControlPlane`).
 */
export class AksAuditLogging extends pulumi.ComponentResource {
  /** ARM id of the workspace receiving the logs. */
  public readonly workspaceId: pulumi.Output<string>;
  /** Categories sent. */
  public readonly categories: pulumi.Output<string[]>;
  /** Name of the diagnostic setting. */
  public readonly diagnosticSettingName: pulumi.Output<string>;

  constructor(name: string, args: AksAuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValid("AksAuditLogging", name, validateAksAuditLogging(args));
    super(typeToken("AksAuditLogging"), name, {}, opts);

    let workspaceId: pulumi.Output<string>;
    if (args.workspace) {
      const ws = args.workspace;
      const workspace = new azure.operationalinsights.Workspace(
        childName(name, "workspace"),
        {
          resourceGroupName: ws.resourceGroupName,
          location: ws.location,
          workspaceName: ws.workspaceName,
          sku: { name: "PerGB2018" },
          retentionInDays: ws.retentionInDays ?? 365,
          features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
          tags: ws.tags,
        },
        { parent: this, retainOnDelete: ws.retainOnDelete ?? true },
      );
      workspaceId = workspace.id;
    } else {
      workspaceId = pulumi.output(args.workspaceId!);
    }

    const categories = args.categories ?? [...AKS_DEFAULT_AUDIT_CATEGORIES];
    const setting = new azure.monitor.DiagnosticSetting(
      childName(name, "diagnostic-setting"),
      {
        name: args.diagnosticSettingName ?? "kube-secrets-platform-audit",
        resourceUri: args.clusterId,
        workspaceId,
        logAnalyticsDestinationType: "Dedicated",
        logs: categories.map((category) => ({ category, enabled: true })),
      },
      { parent: this },
    );

    this.workspaceId = workspaceId;
    this.categories = pulumi.output(categories);
    this.diagnosticSettingName = setting.name;
    this.registerOutputs({ workspaceId: this.workspaceId, categories: this.categories, diagnosticSettingName: this.diagnosticSettingName });
  }
}
