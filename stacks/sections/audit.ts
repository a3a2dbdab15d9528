/**
 * Stack section `audit` of a cluster: its config schema and what it deploys. Not built yet: the
 * section accepts only an empty object until its issue lands.
 */
import { z } from "zod";
import type { ClusterContext } from "./context";

export const auditSection = z.strictObject({}).optional();
export type AuditSection = z.infer<typeof auditSection>;

export function deployAudit(_ctx: ClusterContext, _section: AuditSection): Record<string, unknown> {
  return {};
}
