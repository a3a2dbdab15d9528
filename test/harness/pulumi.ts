/**
 * Test harness for components and programs: runs a program under the Pulumi mock runtime (one run per
 * test file: mocks are process-global) and gives typed access to what it registered.
 *
 *   const stack = await runProgram(() => new HardenedNamespace("ns", {}), { config: { "p:k": "v" } });
 *   stack.one("kubernetes:core/v1:Namespace").inputs.metadata.labels
 */
import {
  isSecretAt,
  isSecretOutput,
  reveal,
  runWithMocks,
  unwrap,
  type MockRunOptions,
  type RecordedResource,
} from "../../cli/lib/mockRuntime";
import { planInvokes } from "../../cli/lib/invokes";

export { isSecretOutput, unwrap, isSecretAt };

/** A recorded resource with its inputs revealed (secrets unwrapped) for assertions. */
export interface TestResource extends RecordedResource {
  inputs: any;
}

export interface TestStack {
  resources: TestResource[];
  outputs: any;
  /** Every resource of `type` (optionally with `name`). */
  all(type: string, name?: string): TestResource[];
  /** The only resource of `type` (optionally with `name`); fails when there are none or several. */
  one(type: string, name?: string): TestResource;
  /** The direct children of a resource. */
  children(parent: TestResource): TestResource[];
  /** Whether the input at `path` of `resource` was registered as a secret. */
  isSecret(resource: TestResource, path: Array<string | number>): boolean;
}

export interface RunProgramOptions extends MockRunOptions {
  /** Use the offline plan's placeholder invokes as well as `invokes`. Default true. */
  planInvokes?: boolean;
}

/** Runs `program` under mocks (config, secret keys and invoke mocks from options) and records it. */
export async function runProgram(program: () => unknown, options: RunProgramOptions = {}): Promise<TestStack> {
  const invokes = { ...(options.planInvokes === false ? {} : planInvokes), ...(options.invokes ?? {}) };
  const run = await runWithMocks(program, { ...options, invokes });
  const resources: TestResource[] = run.resources.map((r) => ({ ...r, inputs: reveal(r.rawInputs) }));
  const all = (type: string, name?: string) => resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  return {
    resources,
    outputs: run.outputs,
    all,
    one(type, name) {
      const found = all(type, name);
      if (found.length !== 1) {
        const seen = [...new Set(resources.map((r) => `${r.type} ${r.name}`))].join("\n  ");
        throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}; registered:\n  ${seen}`);
      }
      return found[0];
    },
    children: (parent) => resources.filter((r) => r.parent === parent.urn),
    isSecret: (resource, path) => isSecretAt(resource.rawInputs, path),
  };
}
