// The reloader sidecar's script, run for real under /bin/sh against a process named `vault`: it must rotate an
// audit log that reached its bound and send SIGHUP (on which Vault's file audit device reopens its path), and
// send SIGHUP when the mounted TLS certificate changes (on which Vault reloads its listener certificate).
// The stand-in for `vault` is a copy of `sleep` (its process name is what `pkill -x vault` matches); SIGHUP ends it,
// which is how the test observes the signal.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { vaultReloaderScript } from "../../../components/vault/cluster";

// The production script signals `vault`; here a name of this process only, so parallel runs never meet.
const NAME = `vault${process.pid}`.slice(0, 15);

function startFakeVault(dir: string): { child: ChildProcess; signal: Promise<NodeJS.Signals | null> } {
  const bin = join(dir, NAME);
  copyFileSync("/bin/sleep", bin);
  const child = spawn(bin, ["300"], { stdio: "ignore" });
  const signal = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
  return { child, signal };
}

/** Waits for `p` or fails after `ms` (an upper bound for a hang, not a speed assertion). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function setup() {
  const root = mkdtempSync(join(tmpdir(), "reloader-"));
  const tlsDir = join(root, "tls");
  const auditDir = join(root, "audit");
  mkdirSync(tlsDir);
  mkdirSync(auditDir);
  writeFileSync(join(tlsDir, "tls.crt"), "CERT-1\n");
  return { root, tlsDir, auditDir };
}

test("reloader: an audit log at its bound is rotated (older files shift, the oldest dropped) and Vault gets SIGHUP", async () => {
  const { root, tlsDir, auditDir } = setup();
  const log = join(auditDir, "vault-audit.log");
  writeFileSync(log, "x".repeat(2048));
  writeFileSync(`${log}.1`, "one");
  writeFileSync(`${log}.2`, "two");
  writeFileSync(join(auditDir, "small.log"), "tiny");
  const vault = startFakeVault(root);
  const script = spawn("/bin/sh", ["-c", vaultReloaderScript({ tlsDir, auditDir, maxBytes: 1024, keepFiles: 2, intervalSeconds: 1, processName: NAME })], { stdio: "ignore" });
  try {
    assert.equal(await within(vault.signal, 20_000, "SIGHUP"), "SIGHUP");
    assert.equal(readFileSync(`${log}.1`, "utf8"), "x".repeat(2048), "the full log became .1");
    assert.equal(readFileSync(`${log}.2`, "utf8"), "one", ".1 became .2");
    assert.equal(existsSync(`${log}.3`), false, "only keepFiles rotated files are kept (the old .2 is gone)");
    assert.equal(existsSync(log), false, "Vault recreates the path when it reopens it");
    assert.equal(readFileSync(join(auditDir, "small.log"), "utf8"), "tiny", "a log below the bound is left alone");
  } finally {
    script.kill("SIGKILL");
    vault.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
});

test("reloader: a renewed TLS certificate makes it send SIGHUP; an unchanged one does not", async () => {
  const { root, tlsDir, auditDir } = setup();
  const vault = startFakeVault(root);
  const script = spawn("/bin/sh", ["-c", vaultReloaderScript({ tlsDir, auditDir, maxBytes: 1024, keepFiles: 2, intervalSeconds: 1, processName: NAME })], { stdio: "ignore" });
  try {
    // Several check intervals with nothing changed: no signal.
    const early = await Promise.race([vault.signal, new Promise((r) => setTimeout(() => r("none"), 3500))]);
    assert.equal(early, "none", "no SIGHUP while nothing changed");
    writeFileSync(join(tlsDir, "tls.crt"), "CERT-2\n");
    assert.equal(await within(vault.signal, 20_000, "SIGHUP"), "SIGHUP");
  } finally {
    script.kill("SIGKILL");
    vault.child.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  }
});
