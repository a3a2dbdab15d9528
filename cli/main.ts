/**
 * The package `bin`: `kube-secrets-platform <command> [arguments]`. Each command is a module under cli/
 * that, when loaded, reads its arguments from `process.argv.slice(2)` and sets `process.exitCode`
 * (the same file `npm run <command> --` runs). To add a command, add one line to COMMANDS.
 */
import { resolve } from "node:path";

export const COMMANDS: Record<string, { module: string; summary: string }> = {
  plan: { module: "./plan", summary: "render a stack offline, run the policy pack, write plan.json and a report" },
  seal: { module: "./seal", summary: "kubeseal-compatible offline sealing" },
  scan: { module: "./scan", summary: "scan a running cluster or dumps: Secret sources, consumers, readers, proposals" },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `usage: kube-secrets-platform <command> [arguments]\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join("\n")}\n\nkube-secrets-platform <command> --help shows a command's arguments.\n`;
}

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(usage());
  process.exitCode = command === undefined ? 2 : 0;
} else if (!(command in COMMANDS)) {
  process.stderr.write(`kube-secrets-platform: unknown command ${JSON.stringify(command)}\n${usage()}`);
  process.exitCode = 2;
} else {
  process.argv = [process.argv[0], resolve(__dirname, COMMANDS[command].module), ...rest];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(COMMANDS[command].module);
}
