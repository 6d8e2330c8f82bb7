/**
 * Targets per HubSpot owner (issue 17): an admin sets, per owner and granularity (week | month), a target for any
 * scorecard metric (a count, or minor units for mrr_closed_cents). `null` removes a target.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { SALES_METRICS, type SalesMetric } from "./scorecard";

const ZTarget = z.number().int().min(0).max(1_000_000_000).nullable();
/** Body of PUT /api/sales-activity/targets. */
export const ZSalesTargetsInput = z.object({
  owner_id: z.string().min(1).describe("Owner id (scorecard owner key of a synced owner)"),
  period: z.enum(["week", "month"]),
  targets: z.object(Object.fromEntries(SALES_METRICS.map((m) => [m, ZTarget.optional()])) as Record<SalesMetric, z.ZodOptional<typeof ZTarget>>).strict()
    .describe("Per metric: the target per period (mrr_closed_cents in minor units), or null to remove it"),
}).strict();
export type SalesTargetsInput = z.infer<typeof ZSalesTargetsInput>;

/**
 * Set/remove targets of one owner of the organization. @returns the owner's targets for that period afterwards.
 * @throws AppError not_found when the owner is not one of the organization's synced HubSpot owners.
 */
export async function setSalesTargets(db: Db, organizationId: string, input: SalesTargetsInput): Promise<Partial<Record<SalesMetric, number>>> {
  const owner = await db.owner.findFirst({ where: { id: input.owner_id, organizationId }, select: { id: true } });
  if (!owner) throw new AppError("not_found", `owner ${input.owner_id} not found: targets can be set for synced HubSpot owners only`);
  await db.$transaction(async (tx) => {
    for (const m of SALES_METRICS) {
      const v = input.targets[m];
      if (v === undefined) continue;
      const where = { organizationId_ownerId_metric_period: { organizationId, ownerId: owner.id, metric: m, period: input.period } };
      if (v === null) await tx.salesTarget.deleteMany({ where: { organizationId, ownerId: owner.id, metric: m, period: input.period } });
      else await tx.salesTarget.upsert({ where, create: { organizationId, ownerId: owner.id, metric: m, period: input.period, target: v }, update: { target: v } });
    }
  });
  const rows = await db.salesTarget.findMany({ where: { organizationId, ownerId: owner.id, period: input.period } });
  return Object.fromEntries(rows.map((r) => [r.metric, r.target]));
}
