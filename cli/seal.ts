/**
 * `npm run seal -- --cert CERT.pem [--scope SCOPE] [--format yaml|json] [SECRET_FILE|-]`
 * `npm run seal -- --cert CERT.pem --raw --namespace NS --name NAME [--scope SCOPE] [--from-file FILE|-]`
 * `npm run seal -- --recovery-unseal --recovery-private-key KEY.pem [SEALED_FILE|-]`
 *
 * Offline, kubeseal-compatible sealing (no cluster needed): like `kubeseal --cert CERT.pem`. Reads a Secret
 * manifest (YAML or JSON) from a file or stdin and writes the SealedSecret manifest to stdout; `--raw`
 * seals a single value; `--recovery-unseal` decrypts a SealedSecret with the controller's private keys (a
 * PEM file or an exported key Secret backup), like `kubeseal --recovery-unseal`.
 * Exit 0 on success, 2 on bad input (the message says what is wrong), 3 on an internal error (one line).
 */
import { readFileSync } from "node:fs";
import { runSeal } from "./lib/seal";

try {
  process.exitCode = runSeal(process.argv.slice(2), {
    readFile: (path) => readFileSync(path),
    readStdin: () => readFileSync(0),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
} catch (e) {
  process.stderr.write(`seal: internal error: ${e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e).split("\n")[0]}\n`);
  process.exitCode = 3;
}
