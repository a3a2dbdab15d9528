/**
 * The contract between the rollout's wave logic and whatever actually runs Pulumi operations.
 *
 * The wave logic (`waves.ts`) only ever talks to a {@link StackRunner}; the real one
 * (`localRunner.ts`) drives the Pulumi CLI through the Automation API, tests use a recording fake.
 * Results are structured (never "an exception with some text") so that the rollout can say exactly
 * which stack failed, in which phase and why.
 */

/** The two operations a rollout performs on a stack, in this order. */
export type Phase = "preview" | "up";

/**
 * Resource changes by operation, as the engine counts them (`create`, `update`, `delete`, `replace`,
 * `same`, …; the keys of the Automation API's `OpMap`). Missing keys mean 0.
 */
export type ChangeSummary = Partial<Record<string, number>>;

/** One policy violation reported by the engine (CrossGuard) while previewing or updating a stack. */
export interface RolloutPolicyViolation {
  /** Policy name, e.g. `secret-rbac-least-privilege`. */
  policy: string;
  /** Policy pack name, when the engine reports it. */
  pack?: string;
  /**
   * `mandatory` stops the rollout; anything else (`advisory`, the engine's `warning`, `remediate`) is
   * reported in the summary and does not.
   */
  enforcementLevel: string;
  /** The resource the violation is about; absent for stack-level policies. */
  urn?: string;
  message: string;
}

/** The structured outcome of one preview or update of one stack. */
export interface OperationResult {
  /** True when the operation succeeded. A mandatory violation makes it false even if `ok` says true. */
  ok: boolean;
  /** Resource changes (planned for a preview, performed for an update). */
  changes: ChangeSummary;
  /** Every policy violation the engine reported, mandatory or not. */
  violations: RolloutPolicyViolation[];
  /** Why the operation failed: the engine's error diagnostics, or the error's first meaningful lines. */
  error?: string;
}

/** Options every operation of a rollout is run with. */
export interface StackOperationOptions {
  /** Policy packs to enforce (paths of policy pack directories), e.g. `["policy-pack"]`. */
  policyPacks: string[];
  /** JSON files configuring the packs (`--policy-pack-config`), in the order of `policyPacks`. */
  policyPackConfigs: string[];
  /** Refresh the stack's state from the providers before the operation. */
  refresh: boolean;
}

/** Runs Pulumi operations on named stacks of this project. */
export interface StackRunner {
  /** Previews `stack`; must not change anything. May throw: a thrown error counts as a failed preview. */
  preview(stack: string, opts: StackOperationOptions): Promise<OperationResult>;
  /** Updates `stack`. May throw: a thrown error counts as a failed update. */
  up(stack: string, opts: StackOperationOptions): Promise<OperationResult>;
}
