/**
 * `kube-secrets-platform scan ...` / `npm run scan -- ...`: read-only scan of a running cluster (live, through
 * a kube context) or of dumps: every Secret's source, consumers, readers and blast radius, findings and
 * narrowing proposals. Arguments and exit codes: inspect/command.ts (SCAN_USAGE); outputs: docs/scan.md.
 */
import { runScanCommand } from "../inspect/command";

runScanCommand(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
  (r) => {
    process.exitCode = r.exitCode;
  },
  (e: unknown) => {
    process.stderr.write(`scan: internal error: ${String(e)}\n`);
    process.exitCode = 3;
  },
);
