/**
 * `npm run access -- --out DIR [options] FILE|GLOB|-...` and `npm run access -- --query eks|gke|aks`:
 * who accessed which credentials, when, and from where, from Kubernetes / EKS / GKE / AKS audit logs and
 * Vault audit devices. The command is inspect/audit/command.ts (options and exit codes there and in the README).
 */
import { runAccess } from "../inspect/audit/command";

runAccess(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: process.stdin,
}).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`access: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);
