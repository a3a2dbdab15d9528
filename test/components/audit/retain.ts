/**
 * Records the `retainOnDelete` option of every resource registered after it is called (the harness keeps
 * inputs, not options). Call inside a `runProgram` program, before creating the component.
 */
import * as pulumi from "@pulumi/pulumi";

export function recordRetainOnDelete(): Map<string, boolean | undefined> {
  const seen = new Map<string, boolean | undefined>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    seen.set(req.getName() as string, req.getRetainondelete() as boolean | undefined);
    register(req, callback);
  };
  return seen;
}
