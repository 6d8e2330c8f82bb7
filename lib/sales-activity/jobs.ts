/**
 * The background refresh of the scorecard's pre-aggregates (issue 17; rollup.ts):
 * - sales-activity-refresh-job {organizationId}: rebuilds the days marked since the last refresh (and their weeks
 *   and months), or everything after a settings change. Queued by HubSpot webhook writes and by a settings change;
 *   the HubSpot sync job refreshes at its own end. One queued job per organization: later requests join it.
 * Reads (the page, the API, the CSV) never rebuild.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/queue";
import { getSalesActivityConfig } from "./config";
import { ensureSalesActivityRollup } from "./rollup";

export const SALES_ACTIVITY_REFRESH_JOB = "sales-activity-refresh-job";

export const salesActivityRefreshJob = defineJob({
  name: SALES_ACTIVITY_REFRESH_JOB,
  schema: z.object({ organizationId: z.string() }),
  maxAttempts: 3,
  handle: async (p, ctx) => {
    const r = await ensureSalesActivityRollup(ctx.db, p.organizationId, await getSalesActivityConfig(ctx.db, p.organizationId));
    ctx.log.info({ organizationId: p.organizationId, rebuilt: r.rebuilt, ms: r.ms }, "sales-activity pre-aggregate refreshed");
    return r;
  },
});

/**
 * Queue a refresh of one organization's pre-aggregates; joins a refresh of that organization still queued (a
 * running one has read its marks already, so a new one is queued behind it).
 * @throws what enqueueJob throws (database errors); callers that must not fail catch and log.
 */
export async function queueSalesActivityRefresh(db: Db, organizationId: string): Promise<void> {
  await enqueueJob(db, SALES_ACTIVITY_REFRESH_JOB, { organizationId }, {
    organizationId, dedupeKey: `sales-activity-refresh:${organizationId}`, coalesce: (queued) => queued,
  });
}
