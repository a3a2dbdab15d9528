/**
 * Runs the rewrite Job's real shell script against a fake `kubectl` (and a no-op `sleep`) on PATH, so paging,
 * conflict retries, deleted Secrets and the exit status are exercised exactly as the Job runs them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REENCRYPTION_SCRIPT } from "../../../components/encryption/reencryptionScript";

const FAKE_KUBECTL = `#!/bin/sh
echo "$*" >> "$FAKE/calls"
if [ "$1" = get ] && [ "$2" = secrets ]; then
  if [ "$3" = --namespace ]; then f="$FAKE/list-$4"; else f="$FAKE/list-all"; fi
  [ -f "$FAKE/list-fails" ] && { echo "Error from server (Forbidden): secrets is forbidden" >&2; exit 1; }
  [ -f "$f" ] && cat "$f"
  exit 0
fi
if [ "$1" = get ] && [ "$2" = secret ]; then
  name="$3"; ns="$5"
  [ -f "$FAKE/gone-$ns-$name" ] && exit 0
  printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","namespace":"%s","resourceVersion":"1"},"data":{"k":"c2VjcmV0"}}\\n' "$name" "$ns"
  exit 0
fi
if [ "$1" = replace ]; then
  obj="$(cat)"
  name="$(printf '%s' "$obj" | sed 's/.*"name":"\\([^"]*\\)".*/\\1/')"
  c="$FAKE/conflicts-$name"
  if [ -f "$c" ] && [ "$(cat "$c")" -gt 0 ]; then
    echo $(( $(cat "$c") - 1 )) > "$c"
    echo 'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on secrets "'"$name"'": the object has been modified; please apply your changes to the latest version and try again' >&2
    exit 1
  fi
  if [ -f "$FAKE/forbidden-$name" ]; then echo "Error from server (Forbidden): secrets \\"$name\\" is forbidden" >&2; exit 1; fi
  echo "$name" >> "$FAKE/replaced"
  echo "secret/$name replaced"
  exit 0
fi
echo "unexpected kubectl call: $*" >&2
exit 2
`;

function setup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "reencrypt-"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "kubectl"), FAKE_KUBECTL);
  writeFileSync(join(dir, "bin", "sleep"), `#!/bin/sh\necho "$1" >> "$FAKE/sleeps"\n`);
  chmodSync(join(dir, "bin", "kubectl"), 0o755);
  chmodSync(join(dir, "bin", "sleep"), 0o755);
  mkdirSync(join(dir, "tmp"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function run(dir: string, env: Record<string, string>) {
  const result = spawnSync("sh", ["-c", REENCRYPTION_SCRIPT], {
    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE: dir, TMPDIR: join(dir, "tmp"), ...env },
    encoding: "utf8",
  });
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8").trim().split("\n").filter(Boolean) : []);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, replaced: read("replaced"), calls: read("calls"), sleeps: read("sleeps") };
}

test("rewrite script: pages through every namespace, rewrites each Secret, retries conflicts, exits 0", () => {
  const dir = setup({
    "list-all": "default   app-token\nteam-a   db\nteam-a   gone-one\nkube-system   bootstrap\n",
    "conflicts-db": "2",
    "gone-team-a-gone-one": "",
  });
  try {
    const r = run(dir, { CHUNK_SIZE: "50", MAX_ATTEMPTS: "5" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.replaced, ["app-token", "db", "bootstrap"]);
    assert.equal(r.calls[0], "get secrets --all-namespaces --chunk-size=50 --no-headers -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name");
    assert.ok(r.calls.includes("get secret db --namespace team-a --ignore-not-found -o json"));
    assert.equal(r.calls.filter((c) => c === "replace -f -").length, 5, "3 Secrets + 2 conflict retries");
    assert.deepEqual(r.sleeps, ["2", "3"], "a growing pause between conflict retries");
    assert.match(r.stdout, /secrets: 4 listed, 3 rewritten, 1 deleted meanwhile, 0 failed/);
    assert.doesNotMatch(r.stdout + r.stderr, /c2VjcmV0/, "secret data is never printed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite script: only the given namespaces; a forbidden update and exhausted conflicts fail the run", () => {
  const dir = setup({
    "list-team-a": "team-a   ok\nteam-a   locked\n",
    "list-team-b": "team-b   busy\n",
    "list-all": "default   must-not-be-touched\n",
    "forbidden-locked": "",
    "conflicts-busy": "99",
  });
  try {
    const r = run(dir, { NAMESPACES: "team-a team-b", CHUNK_SIZE: "10", MAX_ATTEMPTS: "3" });
    assert.equal(r.status, 1);
    assert.deepEqual(r.replaced, ["ok"]);
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith("get secrets")),
      [
        "get secrets --namespace team-a --chunk-size=10 --no-headers -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name",
        "get secrets --namespace team-b --chunk-size=10 --no-headers -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name",
      ],
    );
    assert.match(r.stderr, /FAILED team-a\/locked: Error from server \(Forbidden\)/);
    assert.match(r.stderr, /FAILED team-b\/busy: Error from server \(Conflict\)/);
    assert.equal(r.calls.filter((c) => c === "replace -f -").length, 1 + 1 + 3, "forbidden is not retried; conflicts up to MAX_ATTEMPTS");
    assert.match(r.stdout, /secrets: 3 listed, 1 rewritten, 0 deleted meanwhile, 2 failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite script: a failed list exits non-zero before rewriting anything", () => {
  const dir = setup({ "list-fails": "", "list-all": "default   x\n" });
  try {
    const r = run(dir, {});
    assert.equal(r.status, 1);
    assert.deepEqual(r.replaced, []);
    assert.match(r.stderr, /listing Secrets failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
