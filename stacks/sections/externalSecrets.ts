/**
 * Stack section `externalSecrets` of a cluster: its config schema and what it deploys. Not built yet: the
 * section accepts only an empty object until its issue lands.
 */
import { z } from "zod";
import type { ClusterContext } from "./context";

export const externalSecretsSection = z.strictObject({}).optional();
export type ExternalSecretsSection = z.infer<typeof externalSecretsSection>;

export function deployExternalSecrets(_ctx: ClusterContext, _section: ExternalSecretsSection): Record<string, unknown> {
  return {};
}
