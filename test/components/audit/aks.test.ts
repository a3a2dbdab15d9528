import assert from "node:assert/strict";
import { test } from "node:test";
import { AksAuditLogging, InvalidArgumentsError } from "../../../components";
import { runProgram, unwrap } from "../../harness/pulumi";

const CLUSTER = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod-1";
const WORKSPACE = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/security";

test("AksAuditLogging: kube-audit, kube-audit-admin and guard to a created workspace with retention", async () => {
  let c: AksAuditLogging | undefined;
  const stack = await runProgram(() => {
    c = new AksAuditLogging("aks-audit", { clusterId: CLUSTER, workspace: { resourceGroupName: "rg-logs", location: "westeurope", tags: { team: "platform" } } });
  });
  // the mock runtime gives every custom resource the id `<name>-id`: the setting must point at the created workspace
  const createdWorkspaceId = "aks-audit-workspace-id";
  const component = stack.one("kube-secrets-platform:index:AksAuditLogging", "aks-audit");
  const ws = stack.one("azure-native:operationalinsights:Workspace", "aks-audit-workspace");
  assert.equal(ws.parent, component.urn);
  assert.equal(stack.resources.find((r) => r.name === "aks-audit-workspace")?.options.retainOnDelete, true, "the workspace holding the audit trail survives deletion");
  assert.deepEqual(ws.inputs, {
    resourceGroupName: "rg-logs",
    location: "westeurope",
    sku: { name: "PerGB2018" },
    retentionInDays: 365,
    features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
    tags: { team: "platform" },
  });
  const setting = stack.one("azure-native:monitor:DiagnosticSetting", "aks-audit-diagnostic-setting");
  assert.deepEqual(setting.inputs, {
    name: "kube-secrets-platform-audit",
    resourceUri: CLUSTER,
    workspaceId: createdWorkspaceId,
    logAnalyticsDestinationType: "Dedicated",
    logs: [
      { category: "kube-audit", enabled: true },
      { category: "kube-audit-admin", enabled: true },
      { category: "guard", enabled: true },
    ],
  });
  assert.equal(await unwrap(c!.workspaceId), createdWorkspaceId);
  assert.deepEqual(await unwrap(c!.categories), ["kube-audit", "kube-audit-admin", "guard"]);
});

test("AksAuditLogging: an existing workspace and chosen categories; no workspace created", async () => {
  const stack = await runProgram(() => {
    new AksAuditLogging("aks-audit", { clusterId: CLUSTER, workspaceId: WORKSPACE, categories: ["kube-audit", "guard", "kube-apiserver"], diagnosticSettingName: "audit" });
  });
  assert.deepEqual(stack.all("azure-native:operationalinsights:Workspace"), []);
  const setting = stack.one("azure-native:monitor:DiagnosticSetting").inputs;
  assert.equal(setting.name, "audit");
  assert.equal(setting.workspaceId, WORKSPACE);
  assert.deepEqual(setting.logs, [
    { category: "kube-audit", enabled: true },
    { category: "guard", enabled: true },
    { category: "kube-apiserver", enabled: true },
  ]);
});

test("AksAuditLogging: invalid args throw naming each field, before anything registers", async () => {
  const stack = await runProgram(() => {
    assert.throws(
      () =>
        new AksAuditLogging("bad", {
          clusterId: "prod-1",
          categories: ["kube-audit-admin", "kube-audits", "kube-audit-admin"],
          workspace: { resourceGroupName: "rg", retentionInDays: 7 },
          workspaceId: WORKSPACE,
        }),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentsError);
        assert.deepEqual(e.problems, [
          "clusterId: must be the ARM id of a managed cluster",
          `categories[1]: must be one of kube-apiserver, kube-audit, kube-audit-admin, kube-controller-manager, kube-scheduler, cluster-autoscaler, cloud-controller-manager, guard, csi-azuredisk-controller, csi-azurefile-controller, csi-snapshot-controller, fleet-member-agent, fleet-member-net-controller-manager, fleet-mcs-controller-manager, got "kube-audits"`,
          "workspace.retentionInDays: must be at least 30 (the Log Analytics minimum)",
          "workspaceId: set exactly one of workspaceId and workspace",
          `categories: must include "kube-audit", the only category that records Secret reads, got ["kube-audit-admin","kube-audits","kube-audit-admin"]`,
          `categories: duplicate ["kube-audit-admin"]`,
        ]);
        return true;
      },
    );
    assert.throws(() => new AksAuditLogging("none", { clusterId: CLUSTER }), /workspaceId: set exactly one of workspaceId and workspace/);
    assert.throws(() => new AksAuditLogging("long", { clusterId: CLUSTER, workspace: { resourceGroupName: "rg", retentionInDays: 731 } }), /workspace\.retentionInDays: must be at most 730/);
  });
  assert.deepEqual(stack.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
});
