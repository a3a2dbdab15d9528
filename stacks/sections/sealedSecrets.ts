/**
 * Stack section `sealedSecrets` of a cluster: its config schema and what it deploys. Not built yet: the
 * section accepts only an empty object until its issue lands.
 */
import { z } from "zod";
import type { ClusterContext } from "./context";

export const sealedSecretsSection = z.strictObject({}).optional();
export type SealedSecretsSection = z.infer<typeof sealedSecretsSection>;

export function deploySealedSecrets(_ctx: ClusterContext, _section: SealedSecretsSection): Record<string, unknown> {
  return {};
}
