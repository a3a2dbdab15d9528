// The mock runtime turns source maps off while a program runs (a speed-up: the SDK formats a stack trace
// for every promise and resource) and must give them back: an error escaping the program still names its
// source line, and the process's setting is restored. The failing program runs in a child process: the
// SDK leaves an unhandled rejection behind that would fail this file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { runWithMocks } from "../../cli/lib/mockRuntime";

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs) {
    super("test:index:Thing", name, props);
  }
}

const FIXTURE = "test/fixtures/programs/throwing-program.ts";

test("runWithMocks: an error thrown by the program keeps its source-mapped position; source maps restored", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", FIXTURE], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ok: boolean; message: string; frame: string; before: boolean; after: boolean };
  const line = readFileSync(FIXTURE, "utf8").split("\n").findIndex((l) => l.includes("// THROWS HERE")) + 1;
  assert.equal(out.ok, false);
  assert.equal(out.message, "program failed on 2");
  assert.match(out.frame, new RegExp(`at fail \\(.*throwing-program\\.ts:${line}:\\d+\\)$`));
  assert.deepEqual([out.before, out.after], [true, true]);
});

test("runWithMocks: source maps are restored after a successful run, and off while the program runs", async () => {
  assert.equal(process.sourceMapsEnabled, true, "tsx runs tests with source maps on");
  let during: boolean | undefined;
  const run = await runWithMocks(() => {
    during = process.sourceMapsEnabled;
    new Thing("thing", { size: 1 });
  });
  assert.equal(during, false);
  assert.equal(process.sourceMapsEnabled, true);
  assert.deepEqual(
    run.resources.filter((x) => x.custom).map((x) => [x.type, x.name, x.rawInputs]),
    [["test:index:Thing", "thing", { size: 1 }]],
  );
});
