/**
 * Stack section `vault` of a cluster: its config schema and what it deploys. Not built yet: the
 * section accepts only an empty object until its issue lands.
 */
import { z } from "zod";
import type { ClusterContext } from "./context";

export const vaultSection = z.strictObject({}).optional();
export type VaultSection = z.infer<typeof vaultSection>;

export function deployVault(_ctx: ClusterContext, _section: VaultSection): Record<string, unknown> {
  return {};
}
