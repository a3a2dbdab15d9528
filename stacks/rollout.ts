/**
 * `npm run rollout -- (--stacks a,b,c | --all) [--canary N|a,b] [--concurrency N]
 *                     [--policy-config FILE | --policy-config-dir DIR] [--dry-run] [--refresh] [--verbose]`
 *
 * Rolls this Pulumi program across stacks in waves through the Automation API (`LocalWorkspace`): a
 * canary wave first, then the rest with bounded concurrency; every stack is previewed with the policy
 * pack before it is updated; the first mandatory violation, failed preview or failed update stops the
 * rollout and says where. Needs the Pulumi CLI, a backend login and cloud credentials (see
 * docs/rollout.md). The wave logic lives in `stacks/rollout/` and is tested with a fake runner.
 *
 * Exit codes: 0 done, 1 stopped by a violation or failure, 2 invalid arguments, 130 interrupted.
 */
import { resolve } from "node:path";
import { rolloutMain } from "./rollout/cli";
import { createLocalWorkspaceRunner } from "./rollout/localRunner";

const repoRoot = resolve(__dirname, "..");
const controller = new AbortController();
let interrupts = 0;
// SIGINT (Ctrl-C) and SIGTERM (a CI job cancelled): the operations in flight finish (on Ctrl-C the Pulumi
// CLI processes got the same signal from the terminal and cancel gracefully, finishing the resource
// operations they started), nothing new starts, the summary is printed. A second signal exits at once.
const onSignal = (name: string) => () => {
  interrupts += 1;
  if (interrupts === 1) {
    console.error(`rollout: ${name}; waiting for running operations, starting nothing new (${name} again to exit now)`);
    controller.abort();
  } else {
    process.exit(130);
  }
};
process.on("SIGINT", onSignal("SIGINT"));
process.on("SIGTERM", onSignal("SIGTERM"));

rolloutMain(process.argv.slice(2), {
  repoRoot,
  createRunner: ({ repoRoot: workDir, onOutput }) => createLocalWorkspaceRunner({ workDir, ...(onOutput ? { onOutput } : {}) }),
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  signal: controller.signal,
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`rollout failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
