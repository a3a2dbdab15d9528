// The policy harness calls policies with @pulumi/policy-shaped arguments and collects results.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as k8s from "@pulumi/kubernetes";
import { UNKNOWN, resource, runPolicy } from "./policy";

const noLatest: ResourceValidationPolicy = {
  name: "no-latest",
  description: "test",
  enforcementLevel: "mandatory",
  configSchema: { properties: { tag: { type: "string", default: "latest" } } },
  validateResource: (args, report) => {
    if (!args.isType(k8s.core.v1.Pod)) return;
    if (args.stackTags.get("stack") !== "test") throw new Error("stackTags missing");
    const { tag } = args.getConfig<{ tag: string }>();
    const image: string = args.props.spec.containers[0].image;
    if (image.endsWith(":skip")) args.notApplicable("skipped");
    if (image.endsWith(`:${tag}`)) report(`${args.name}: image ${image} uses :${tag}`);
  },
};
const countPods: StackValidationPolicy = {
  name: "count-pods",
  description: "test",
  validateStack: (args, report) => {
    const pods = args.resources.filter((r) => r.isType(k8s.core.v1.Pod));
    if (pods.length > 1) report(`${pods.length} pods`, pods[1].urn);
  },
};
const pod = (name: string, image: string) => resource("kubernetes:core/v1:Pod", { metadata: { name }, spec: { containers: [{ image }] } });

test("resource policy: violations, config defaults and overrides, notApplicable, unknowns", async () => {
  const resources = [pod("a", "nginx:latest"), pod("b", "nginx:1.27"), pod("c", "x:skip"), pod("d", UNKNOWN.string)];
  const r = await runPolicy(noLatest, resources);
  assert.deepEqual(r.messages, ["a: image nginx:latest uses :latest"]);
  assert.equal(r.violations[0].enforcementLevel, "mandatory");
  assert.equal(r.violations[0].urn, resources[0].urn);
  assert.deepEqual(r.notApplicable.map((n) => [n.urn, n.reason.startsWith("unknown value") ? "unknown" : n.reason]), [
    [resources[2].urn, "skipped"],
    [resources[3].urn, "unknown"],
  ]);
  const tightened = await runPolicy(noLatest, resources, { "no-latest": { enforcementLevel: "advisory", tag: "1.27" } });
  assert.deepEqual(tightened.messages, ["b: image nginx:1.27 uses :1.27"]);
  assert.equal(tightened.violations[0].enforcementLevel, "advisory");
  assert.deepEqual((await runPolicy(noLatest, resources, { "no-latest": "disabled" })).messages, []);
  await assert.rejects(runPolicy(noLatest, resources, { "no-latest": { nope: 1 } }), /unknown config property "nope"/);
});

test("stack policy sees every resource and can point at one", async () => {
  const resources = [pod("a", "x:1"), pod("b", "x:2")];
  const r = await runPolicy(countPods, resources);
  assert.deepEqual(r.violations, [{ policy: "count-pods", enforcementLevel: "advisory", urn: resources[1].urn, message: "2 pods" }]);
});

test("a crashing policy is an error, not a pass", async () => {
  const crash: ResourceValidationPolicy = { name: "crash", description: "t", validateResource: () => { throw new Error("boom"); } };
  await assert.rejects(runPolicy(crash, [pod("a", "x")]), /crash: boom/);
  const r = await runPolicy(crash, [pod("a", "x")], undefined, { allowErrors: true });
  assert.equal(r.errors.length, 1);
});
