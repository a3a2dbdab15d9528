/**
 * Runs a Pulumi program in-process under the SDK's mock runtime and records every resource it
 * registers (custom and component), with its URN, parent URN and inputs (secrets kept marked).
 * Shared by `npm run plan` and the test harness. Mocks are process-global: runs must not overlap.
 */
import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc: { deserializeProperties(s: unknown): Record<string, unknown> } = require("@pulumi/pulumi/runtime/rpc");

/** The key and value the Pulumi wire format uses to mark a secret: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** One resource as the program registered it. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, null for the stack itself. */
  parent: string | null;
  /** true for custom resources (provider-managed), false for components. */
  custom: boolean;
  /** Inputs with secrets still marked (see {@link isSecretValue}); use {@link reveal} or {@link redact}. */
  rawInputs: Record<string, unknown>;
  /** Provider reference (`urn::id`) when one was given explicitly. */
  provider?: string;
  /** Resource options the engine acts on (what tests of protection and retention need). */
  options: {
    protect: boolean;
    retainOnDelete: boolean;
    /** URNs this resource depends on explicitly or through its inputs. */
    dependsOn: string[];
    additionalSecretOutputs: string[];
    ignoreChanges: string[];
    /** `customTimeouts` as given (Go durations), when any. */
    customTimeouts?: { create: string; update: string; delete: string };
    /** The `import` option: the id of an existing resource to adopt, when given. */
    importId?: string;
  };
}

/** An invoke mock: gets the invoke's inputs, returns its result. */
export type InvokeMock = (inputs: Record<string, any>) => Record<string, any> | Promise<Record<string, any>>;

export interface MockRunOptions {
  project?: string;
  stack?: string;
  /** Full config keys (`project:key`) to string values (structured values as JSON). */
  config?: Record<string, string>;
  /** Config keys (full form) whose values are secrets. */
  secretKeys?: string[];
  /** Invoke mocks by token; an invoke without one fails the run. */
  invokes?: Record<string, InvokeMock>;
  /**
   * What the resource's provider does to inputs before anyone sees them (its Check): e.g. auto-naming.
   * Applied to the recorded inputs and to the state the resource resolves with.
   */
  check?: (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
  /** Extra output state for a resource (merged over its inputs), e.g. ARNs a test wants to see. */
  resourceState?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** How long to wait for stray registrations after the program returns. Default 20 s. */
  settleTimeoutMs?: number;
}

export interface MockRunResult {
  resources: RecordedResource[];
  outputs: Record<string, unknown> | undefined;
}

/** True when `v` is a wire-format secret marker. */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A deep copy of `v` with every secret replaced by `"[secret]"`. */
export function redact(v: unknown): unknown {
  if (isSecretValue(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  return v;
}

/** A deep copy of `v` with every secret unwrapped to its plain value (for assertions). */
export function reveal(v: unknown): any {
  if (isSecretValue(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

/** True when the value at `path` (or any value containing it) inside `inputs` is marked secret. */
export function isSecretAt(inputs: unknown, path: Array<string | number>): boolean {
  let cur: unknown = inputs;
  for (const part of path) {
    if (isSecretValue(cur)) return true;
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return isSecretValue(cur);
}

let runs = 0;

/**
 * Runs `program` as a stack under mocks and returns every registered resource. Fails (rejects) when the
 * program throws, when an invoke has no mock, or when registrations do not settle in time.
 */
export async function runWithMocks(
  program: () => unknown,
  options: MockRunOptions = {},
): Promise<MockRunResult> {
  // Mocks are process-global: runs in one process are sequential and each gets fresh mocks; a second
  // run without an explicit stack name gets its own stack name so URNs never collide.
  runs++;
  const project = options.project ?? "kube-secrets-platform";
  const stack = options.stack ?? (runs === 1 ? "test" : `test${runs}`);
  const invokes = options.invokes ?? {};
  const missing: string[] = [];

  pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = options.check && args.custom ? options.check(args.type, args.name, args.inputs) : args.inputs;
        const { id, ...extra } = options.resourceState?.({ ...args, inputs }) ?? {};
        // A resource state may name the provider-assigned id (e.g. an Azure resource id), else `<name>-id`.
        return { id: args.custom ? (typeof id === "string" ? id : `${args.name}-id`) : undefined, state: { ...inputs, ...extra } };
      },
      call(args) {
        const mock = invokes[args.token];
        if (!mock) {
          missing.push(args.token);
          throw new Error(`no mock for invoke ${args.token}`);
        }
        return mock(args.inputs);
      },
    },
    project,
    stack,
    false,
  );

  const resources: RecordedResource[] = [];
  const pending = new Set<Promise<void>>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
    const done = new Promise<void>((resolve) => {
      register(req, (err: unknown, resp: any) => {
        if (!err && resp) {
          resources.push({
            urn: resp.getUrn(),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || null,
            custom: req.getCustom(),
            rawInputs: options.check && req.getCustom()
              ? options.check(req.getType(), req.getName(), rpc.deserializeProperties(req.getObject()))
              : rpc.deserializeProperties(req.getObject()),
            provider: req.getProvider() || undefined,
            options: {
              protect: Boolean(req.getProtect()),
              retainOnDelete: Boolean(req.getRetainondelete()),
              dependsOn: req.getDependenciesList(),
              additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
              ignoreChanges: req.getIgnorechangesList(),
              ...(req.getImportid() ? { importId: req.getImportid() } : {}),
              ...(req.getCustomtimeouts()
                ? { customTimeouts: { create: req.getCustomtimeouts().getCreate(), update: req.getCustomtimeouts().getUpdate(), delete: req.getCustomtimeouts().getDelete() } }
                : {}),
            },
          });
        }
        callback(err, resp);
        resolve();
      });
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };

  // Errors thrown inside apply callbacks (or by the stack's own output registration once the program
  // failed) surface as unhandled rejections: collect them so the run fails with them instead.
  const stray: unknown[] = [];
  const onRejection = (reason: unknown) => stray.push(reason);
  process.on("unhandledRejection", onRejection);
  // The SDK reads `new Error().stack` for every promise it wraps and every resource it registers
  // (debuggablePromise, Resource.callsites). Under tsx, source maps make each read map every frame: that
  // was about a third of a plan's CPU time, for positions the mocks never use. Off during the run; a stack is
  // formatted when first read, so an error that escapes the run still shows source-mapped positions.
  // (`setSourceMapsEnabled` is in Node since 16.6; @types/node 20.9 does not declare it.)
  const proc = process as { sourceMapsEnabled?: boolean; setSourceMapsEnabled?: (on: boolean) => void };
  const sourceMaps = proc.sourceMapsEnabled ?? false;
  proc.setSourceMapsEnabled?.(false);
  try {
    return await runAndSettle();
  } finally {
    proc.setSourceMapsEnabled?.(sourceMaps);
    await new Promise((r) => setImmediate(r));
    process.off("unhandledRejection", onRejection);
  }

  async function runAndSettle(): Promise<MockRunResult> {
  const noMock = () => new Error(`no mock for invoke ${[...new Set(missing)].join(", ")} (add one to the run's invokes)`);
  let outputs: Record<string, unknown> | undefined;
  try {
    outputs = (await pulumi.runtime.runInPulumiStack(async () => program()));
  } catch (e) {
    // The SDK's invoke error loses the mock's message: name the missing invoke instead.
    if (missing.length > 0) throw noMock();
    throw e;
  }

  // Resources created inside apply callbacks may register after the stack's outputs resolve: wait until
  // nothing is pending for a few consecutive turns of the event loop.
  const deadline = Date.now() + (options.settleTimeoutMs ?? 20_000);
  let quiet = 0;
  while (quiet < 5) {
    if (Date.now() > deadline) throw new Error(`registrations did not settle: ${pending.size} still pending`);
    if (pending.size > 0) {
      quiet = 0;
      await Promise.all([...pending]);
    } else {
      quiet++;
      await new Promise((r) => setImmediate(r));
    }
  }
  // A program that swallowed the failed invoke still fails: the run did not do what it said.
  if (missing.length > 0) throw noMock();
  await new Promise((r) => setImmediate(r));
  if (stray.length > 0) {
    const first = stray[0];
    throw new Error(`the program failed asynchronously (e.g. inside an apply): ${first instanceof Error ? first.message : String(first)}`, { cause: first });
  }
  return { resources, outputs };
  }
}

/**
 * The value of an Input, failing instead of hanging when it is unknown or never resolves.
 */
export async function unwrap<T>(value: pulumi.Input<T>, timeoutMs = 10_000): Promise<T> {
  if (!pulumi.Output.isInstance(value)) return await value;
  const out = value as any;
  const known = await withTimeout<boolean>(out.isKnown, timeoutMs, "output never became known");
  if (!known) throw new Error("output is unknown (a preview value): it has no value to unwrap");
  return withTimeout<T>(out.promise(), timeoutMs, "output never resolved");
}

/** Whether an Output is marked secret. */
export async function isSecretOutput(value: pulumi.Input<unknown>, timeoutMs = 10_000): Promise<boolean> {
  if (!pulumi.Output.isInstance(value)) return false;
  return withTimeout(pulumi.isSecret(value), timeoutMs, "output never resolved");
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
