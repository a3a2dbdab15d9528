/**
 * Argument validation shared by every component: zod schemas for the plain parts of `args`, problems
 * reported as `field.path: rule` strings, and one error listing all of them thrown before anything is
 * registered. Internal.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * Thrown by a component constructor when its args are invalid. `problems` holds one
 * `field.path: rule` string per problem; the message lists all of them.
 */
export class InvalidArgumentsError extends Error {
  constructor(
    readonly component: string,
    readonly resourceName: string,
    readonly problems: string[],
  ) {
    super(`${component} "${resourceName}": invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidArgumentsError";
  }
}

/** Throws {@link InvalidArgumentsError} when `problems` is not empty. */
export function assertValid(component: string, resourceName: string, problems: string[]): void {
  if (problems.length > 0) throw new InvalidArgumentsError(component, resourceName, problems);
}

/** True for a value only known at deployment time (an Output or a Promise): it cannot be checked now. */
export function isDeferred(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/**
 * A zod schema accepting either a plain value that satisfies `schema` or a deferred value
 * (Output/Promise) that can only be checked once known.
 */
export function input<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.custom<pulumi.Output<z.infer<T>>>((v) => isDeferred(v), { message: "expected a value or an Output" })]);
}

/** Joins a zod issue path into `a.b[0].c` form under `prefix`. */
export function fieldPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

/** Formats a zod issue as `path: rule`, naming unknown keys individually. */
function formatIssue(prefix: string, issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${fieldPath(prefix, [...issue.path, k])}: unknown field`);
  }
  if (issue.code === "invalid_union") {
    // Report the most specific branch error rather than "invalid input".
    const nested = issue.errors.flat();
    const specific = nested.filter((i) => i.code !== "custom");
    if (specific.length > 0) return specific.flatMap((i) => formatIssue(prefix, { ...i, path: [...issue.path, ...i.path] }));
  }
  return [`${fieldPath(prefix, issue.path)}: ${issue.message}`];
}

/** Runs `schema` over `value` and returns `path: rule` problems (prefixed with `prefix`), or []. */
export function zodProblems(schema: z.ZodType, value: unknown, prefix = ""): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return [...new Set(result.error.issues.flatMap((i) => formatIssue(prefix, i)))];
}

/** A plain (known) value of an Input, or undefined when it is deferred. */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  return isDeferred(value) ? undefined : (value as T | undefined);
}
