import { z } from "zod";

/** Go `time.ParseDuration` for the forms Kubernetes and operator APIs accept. Internal. */

const GO_DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Nanoseconds of a Go duration string (`1m30s`, `500ms`, `-2s`), or undefined when it is not one. `0` is 0. */
export function parseGoDuration(value: string): number | undefined {
  if (value === "0" || value === "+0" || value === "-0") return 0;
  if (!GO_DURATION.test(value)) return undefined;
  const sign = value.startsWith("-") ? -1 : 1;
  let total = 0;
  for (const m of value.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * UNIT_NS[m[2]];
  }
  return sign * total;
}

/** Seconds of a Go duration string, or undefined when it is not one. */
export function goDurationSeconds(value: string): number | undefined {
  const ns = parseGoDuration(value);
  return ns === undefined ? undefined : ns / 1e9;
}

/**
 * zod: a Go duration that is positive, or also `0` with `allowZero` (e.g. "0 disables"); `message` is
 * the problem text (e.g. "must be a Go duration such as 2m").
 */
export function goDuration(message: string, options: { allowZero?: boolean } = {}) {
  return z.string().refine((v) => {
    const ns = parseGoDuration(v);
    return ns !== undefined && (ns > 0 || (ns === 0 && options.allowZero === true));
  }, { message });
}

/** An ISO 8601 duration (`P90D`, `P1Y`, `PT48H`), as Azure Key Vault rotation policies take them. */
export const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/** Days of an ISO 8601 duration (`P90D`, `P1Y`, `P2W`; a year 365 days, a month 30), or undefined. */
export function isoDurationDays(text: string): number | undefined {
  const m = ISO_DURATION.exec(text);
  if (!m) return undefined;
  const n = (s: string | undefined) => (s ? Number(s.slice(0, -1)) : 0);
  return n(m[1]) * 365 + n(m[2]) * 30 + n(m[3]) * 7 + n(m[4]) + n(m[6]) / 24 + n(m[7]) / 1440 + n(m[8]) / 86400;
}
