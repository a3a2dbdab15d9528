/**
 * Stack section `encryption` of a cluster: its config schema and what it deploys. Not built yet: the
 * section accepts only an empty object until its issue lands.
 */
import { z } from "zod";
import type { ClusterContext } from "./context";

export const encryptionSection = z.strictObject({}).optional();
export type EncryptionSection = z.infer<typeof encryptionSection>;

export function deployEncryption(_ctx: ClusterContext, _section: EncryptionSection): Record<string, unknown> {
  return {};
}
