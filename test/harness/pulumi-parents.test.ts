// The mock harness records every resource with type, name, custom flag, inputs and the right parent.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { runProgram, unwrap, isSecretOutput } from "./pulumi";

class Outer extends pulumi.ComponentResource {
  readonly token: pulumi.Output<string>;
  constructor(name: string) {
    super("test:index:Outer", name);
    const inner = new Inner(`${name}-inner`, { parent: this });
    const cm = new k8s.core.v1.ConfigMap(`${name}-cm`, { metadata: { name: "top" }, data: { a: "1" } }, { parent: this, retainOnDelete: true, protect: true });
    new k8s.core.v1.Secret(`${name}-secret`, { metadata: { name: "s" }, stringData: { token: pulumi.secret("hunter2") } }, { parent: inner, dependsOn: [cm] });
    this.token = pulumi.secret("t0ken");
    this.registerOutputs({});
  }
}
class Inner extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("test:index:Inner", name, {}, opts);
    this.registerOutputs({});
  }
}

test("records parents, custom flags, inputs and secrets", async () => {
  let outer: Outer | undefined;
  const stack = await runProgram(() => {
    outer = new Outer("o");
  });
  const root = stack.one("pulumi:pulumi:Stack");
  const o = stack.one("test:index:Outer", "o");
  const inner = stack.one("test:index:Inner", "o-inner");
  const cm = stack.one("kubernetes:core/v1:ConfigMap", "o-cm");
  const secret = stack.one("kubernetes:core/v1:Secret", "o-secret");
  assert.equal(root.parent, null);
  assert.equal(o.parent, root.urn);
  assert.equal(inner.parent, o.urn);
  assert.equal(cm.parent, o.urn);
  assert.equal(secret.parent, inner.urn);
  assert.deepEqual([o.custom, inner.custom, cm.custom, secret.custom], [false, false, true, true]);
  assert.deepEqual(cm.inputs.data, { a: "1" });
  assert.deepEqual([cm.options.retainOnDelete, cm.options.protect, secret.options.retainOnDelete], [true, true, false]);
  assert.deepEqual(secret.options.dependsOn, [cm.urn]);
  assert.deepEqual(stack.children(o).map((r) => r.name).sort(), ["o-cm", "o-inner"]);
  assert.equal(secret.inputs.stringData.token, "hunter2");
  assert.equal(stack.isSecret(secret, ["stringData", "token"]), true);
  assert.equal(stack.isSecret(cm, ["data", "a"]), false);
  assert.equal(await unwrap(outer!.token), "t0ken");
  assert.equal(await isSecretOutput(outer!.token), true);
});

test("unwrap fails fast on an unknown output and on one that never resolves", async () => {
  const unknownOutput = pulumi.output(pulumi.unknown as unknown as string);
  await assert.rejects(unwrap(unknownOutput, 1000), /unknown/);
  const never = pulumi.output(new Promise<string>(() => undefined));
  await assert.rejects(unwrap(never, 200), /never/);
});
