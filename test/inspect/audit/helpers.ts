/** Shared by the audit reader tests: read a text or buffer as one input. */
import { Readable } from "node:stream";
import { readAudit } from "../../../inspect/audit/command";
import type { DecodeOptions } from "../../../inspect/audit/decode";
import type { AccessRecord } from "../../../inspect/audit/types";

export async function read(text: string | Buffer, options: DecodeOptions = {}, name = "input.json") {
  const records: AccessRecord[] = [];
  const result = await readAudit([{ name, open: () => Readable.from([typeof text === "string" ? Buffer.from(text) : text]) }], options, (r) => records.push(r));
  return { records, problems: result.problems, result };
}
