// `npm run plan` end to end on fixture stacks: application RBAC from the stack's `rbac` section is vetted
// by the pack (exit 1 with the chain in report.md) and the report keeps two clusters apart.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

function plan(stack: string, extra: string[] = []) {
  const out = mkdtempSync(join(tmpdir(), "plan-report-"));
  const r = spawnSync(process.execPath, ["--import", "tsx", "cli/plan.ts", "--stack", stack, "--stacks-dir", "test/fixtures/stacks", "--out", out, ...extra], { encoding: "utf8" });
  return { ...r, dir: join(out, stack) };
}

/** The `## <heading>` section of a report (up to the next `## `). */
function section(md: string, heading: string): string {
  const start = md.indexOf(`## ${heading}\n`);
  assert.ok(start >= 0, `report has no "## ${heading}"`);
  const next = md.indexOf("\n## ", start + 3);
  return md.slice(start, next < 0 ? undefined : next);
}

test("bad-rbac: a ClusterRoleBinding of a secrets-reading ClusterRole to system:authenticated exits 1 with the chain", () => {
  const r = plan("bad-rbac");
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^policy: 2 mandatory, 0 advisory violations$/m);

  const doc = JSON.parse(readFileSync(join(r.dir, "plan.json"), "utf8"));
  const binding = doc.resources.find((x: any) => x.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
  assert.equal(binding.name, "bad-rbac-clusterrolebinding-everyone-reads-secrets");
  assert.deepEqual(binding.inputs.subjects, [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:authenticated" }]);
  const chain = `ClusterRoleBinding everyone-reads-secrets -> ClusterRole secret-reader rules[0] verbs=get,list,watch apiGroups="" resources=secrets`;
  assert.deepEqual(
    doc.policy.violations.filter((v: any) => v.enforcementLevel === "mandatory"),
    [
      {
        policy: "who-can-read-secrets",
        enforcementLevel: "mandatory",
        urn: binding.urn,
        message: `Group system:authenticated can read Secrets (get, list, watch) in every namespace via ${chain}`,
      },
      {
        policy: "no-system-group-bindings",
        enforcementLevel: "mandatory",
        urn: binding.urn,
        message: "ClusterRoleBinding everyone-reads-secrets binds ClusterRole secret-reader to system group system:authenticated",
      },
    ],
  );
  assert.equal(doc.access, undefined, "plan.json keeps its documented shape");

  const md = readFileSync(join(r.dir, "report.md"), "utf8");
  const cluster = section(md, "Cluster `bad`");
  assert.ok(
    cluster.includes(
      `| Group system:authenticated | every namespace | read | get, list, watch | all | ClusterRoleBinding everyone-reads-secrets → ClusterRole secret-reader rules\\[0\\] verbs=get,list,watch apiGroups="" resources=secrets | critical | no |`,
    ),
    cluster,
  );
  assert.match(cluster, /\| mandatory \| who-can-read-secrets \| `bad-rbac-clusterrolebinding-everyone-reads-secrets` \(`ClusterRoleBinding`\) \|/);
  assert.match(cluster, / {2}s0\["Group system:authenticated"\]\n {2}n0\[\("every namespace #40;\*#41;"\)\]\n {2}s0 -->\|"read"\| n0/);
});

test("two clusters: per-cluster sections, exemptions from the --policy-config the policies ran with", () => {
  const config = join(mkdtempSync(join(tmpdir(), "plan-config-")), "policy.json");
  writeFileSync(config, JSON.stringify({ "who-can-read-secrets": { exemptSubjects: ["ServiceAccount apps/ci", "ServiceAccount deploy/*"] } }));
  const r = plan("two-clusters", ["--policy-config", config]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const doc = JSON.parse(readFileSync(join(r.dir, "plan.json"), "utf8"));
  // The policies ran with the exemptions: only alice's named read is left.
  assert.deepEqual(
    doc.policy.violations.filter((v: any) => v.policy === "who-can-read-secrets").map((v: any) => v.message.split(" via ")[0]),
    ["[east-k8s] User alice can read Secrets (get) in namespace apps (only db)"],
  );

  const md = readFileSync(join(r.dir, "report.md"), "utf8");
  assert.match(md, /\| \[east\]\(#cluster-east\) \| 9 \| 1 \| 0 \|\n\| \[west\]\(#cluster-west\) \| 5 \| 0 \| 0 \|/);
  assert.match(section(md, "Exemptions applied"), /- exemptSubjects: `ServiceAccount apps\/ci`, `ServiceAccount deploy\/\*`/);

  const east = section(md, "Cluster `east`");
  const eastRows = east.split("\n").filter((l) => /^\| (ServiceAccount|User|Group) /.test(l));
  assert.deepEqual(
    eastRows.map((l) => l.split(" | ").slice(0, 3).join(" | ") + " | " + l.split(" | ").at(-1)),
    [
      "| ServiceAccount apps/ci | apps | read | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      "| ServiceAccount apps/ci | apps | write | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      "| ServiceAccount apps/ci | apps | indirect | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      "| ServiceAccount apps/ci | apps | indirect | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      "| ServiceAccount apps/ci | apps | indirect | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      // edit's update/patch on pods: swapping a running pod's image (issue 15).
      "| ServiceAccount apps/ci | apps | indirect | exempt (exemptSubjects: ServiceAccount apps/ci) |",
      "| User alice | apps | read | no |",
    ],
  );
  assert.match(east, /- `east-rbac-rolebinding-apps-alice-db` \(`kubernetes:rbac\.authorization\.k8s\.io\/v1:RoleBinding`\)/);
  assert.doesNotMatch(east, /deployer|west-/);

  const west = section(md, "Cluster `west`");
  assert.ok(
    west.includes(
      `| ServiceAccount deploy/deployer | every namespace | indirect | create | all | ClusterRoleBinding deployer-runs-pods → ClusterRole pod-runner rules\\[0\\] verbs=create apiGroups="" resources=pods | critical | exempt (exemptSubjects: ServiceAccount deploy/\\*) |`,
    ),
    west,
  );
  assert.match(west, /### Policy results\n\nNo violations\./);
  assert.match(west, /s0\["ServiceAccount deploy\/deployer \(exempt\)"\]/);
  assert.doesNotMatch(west, /alice|apps\/ci|east-/);
});
