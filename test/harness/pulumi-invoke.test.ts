// An invoke without a mock fails the run loudly, naming the token; a mocked one answers. The failing run
// happens in a child process: the SDK leaves an unhandled rejection behind that would fail this file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

test("an unmocked invoke fails the run with its token", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/fixtures/programs/unmocked-invoke.ts"], { encoding: "utf8" });
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /run failed: no mock for invoke test:index:notMocked/);
  assert.doesNotMatch(r.stderr, /test:index:answer/);
});
