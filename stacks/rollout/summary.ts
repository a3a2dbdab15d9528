/**
 * Human-readable output of a rollout: the change counts, durations, where it stopped and the summary
 * table printed at the end of `npm run rollout`. Pure functions.
 */
import type { ChangeSummary } from "./types";
import { mandatoryViolations, type OperationStatus, type RolloutResult, type RolloutStop } from "./waves";

/** Operations in the order a reader cares about; anything else the engine reports follows, `same` last. */
const OP_ORDER = ["create", "update", "replace", "delete"];

/** `create 3, update 1, same 12`; zero counts are left out; `-` when there is nothing to say. */
export function formatChanges(changes: ChangeSummary | undefined): string {
  const entries = Object.entries(changes ?? {}).filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0);
  const rank = (op: string) => (OP_ORDER.includes(op) ? OP_ORDER.indexOf(op) : op === "same" ? Number.MAX_SAFE_INTEGER : OP_ORDER.length);
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return entries.length === 0 ? "-" : entries.map(([op, n]) => `${op} ${n}`).join(", ");
}

/** `850ms`, `12.3s`, `4m05s`; `-` when absent. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

const STATUS_TEXT: Record<OperationStatus, string> = {
  succeeded: "ok",
  failed: "FAILED",
  "policy-violation": "POLICY VIOLATION",
  "skipped-dry-run": "skipped (dry run)",
  "not-started": "not started",
};

/** `stack "aws-prod" (wave 2 "rest"), up: failed: <message>` — where a rollout stopped and why. */
export function describeStop(stop: RolloutStop): string {
  const what = stop.reason === "policy-violation" ? "mandatory policy violation" : "failed";
  const message = stop.message.includes("\n") ? `\n${indent(stop.message, "    ")}` : ` ${stop.message}`;
  return `stack "${stop.stack}" (wave ${stop.wave.index} "${stop.wave.name}"), ${stop.phase}: ${what}:${message}`;
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * The end-of-rollout report: one row per stack (wave, preview and up result, duration, changes), then
 * where the rollout stopped, other failures of in-flight stacks, and advisory violations.
 * Changes are those `up` made; for a stack that was only previewed they are the planned ones, marked so.
 */
export function formatSummary(result: RolloutResult): string {
  const rows = result.outcomes.map((o) => {
    const changes = o.upResult && o.up === "succeeded" ? formatChanges(o.upResult.changes) : o.previewResult && o.preview === "succeeded" ? `${formatChanges(o.previewResult.changes)} (planned)` : "-";
    return [o.stack, `${o.wave.index} ${o.wave.name}`, STATUS_TEXT[o.preview], STATUS_TEXT[o.up], formatDuration(o.durationMs), changes];
  });
  const out = [table(["stack", "wave", "preview", "up", "duration", "changes"], rows), ""];

  if (result.stop) {
    out.push(`rollout stopped at ${describeStop(result.stop)}`);
    for (const f of result.failures.slice(1)) out.push(`also failed (already in flight): ${describeStop(f)}`);
    const notStarted = result.outcomes.filter((o) => o.preview === "not-started").map((o) => o.stack);
    if (notStarted.length > 0) out.push(`not started: ${notStarted.join(", ")}`);
  } else if (result.interrupted) {
    const notStarted = result.outcomes.filter((o) => o.preview === "not-started" || o.up === "not-started").map((o) => o.stack);
    out.push(`rollout interrupted; not (fully) rolled out: ${notStarted.join(", ")}`);
  } else {
    const n = result.outcomes.length;
    out.push(result.dryRun ? `dry run: ${n} stack(s) previewed, nothing was changed` : `rollout complete: ${n} stack(s) previewed and updated`);
  }

  const advisories = result.outcomes.flatMap((o) =>
    [...(o.previewResult?.violations ?? []), ...(o.upResult?.violations ?? [])]
      .filter((v) => !mandatoryViolations([v]).length)
      .map((v) => `  ${o.stack}: [${v.enforcementLevel}] ${v.policy}: ${v.message.trim().split("\n")[0]}${v.urn ? ` (${v.urn})` : ""}`),
  );
  const unique = [...new Set(advisories)];
  if (unique.length > 0) out.push(`advisory policy violations (${unique.length}):`, ...unique);
  return out.join("\n");
}
