/**
 * Background jobs of alerts (issue 16), registered in lib/jobs/registry.ts:
 * - evaluate-alerts-job {organizationId, accountIds?}: queued by the scoring run (refresh-organization-job) and by
 *   webhook-driven re-scores (refresh-accounts-job); evaluates the rules (lib/alerts/evaluate.ts), queues the
 *   deliveries and the next daily digest.
 * - deliver-alert-job {deliveryId}: sends one delivery with retries/backoff (lib/alerts/deliver.ts).
 * - alert-digest-job {organizationId, dueAt}: the daily digest (lib/alerts/digest.ts).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import type { Db } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/queue";
import { deliver, requeueStuckDeliveries } from "./deliver";
import { runDigestJob, scheduleNextDigest } from "./digest";
import { evaluateAlerts } from "./evaluate";

export const evaluateAlertsJob = defineJob({
  name: "evaluate-alerts-job",
  schema: z.object({ organizationId: z.string(), accountIds: z.array(z.string()).max(10_000).optional() }),
  maxAttempts: 3,
  handle: async (p, ctx) => {
    const r = await evaluateAlerts(ctx.db, { organizationId: p.organizationId, accountIds: p.accountIds });
    await scheduleNextDigest(ctx.db, p.organizationId);
    await requeueStuckDeliveries(ctx.db, p.organizationId);
    return r;
  },
});

export const deliverAlertJob = defineJob({
  name: "deliver-alert-job",
  schema: z.object({ deliveryId: z.string() }),
  handle: async (p, ctx) => deliver(ctx.db, p.deliveryId),
});

export const alertDigestJob = defineJob({
  name: "alert-digest-job",
  schema: z.object({ organizationId: z.string(), dueAt: z.string() }),
  maxAttempts: 3,
  handle: async (p, ctx) => runDigestJob(ctx.db, p),
});

/**
 * The scoring hook: queue an alert evaluation for the organization (all scored accounts) or for the re-scored
 * accounts of a webhook. Evaluations of one organization are serial-safe (events are unique per change) and
 * coalesced while queued. Errors are the caller's to log; scoring never fails because alerts could not be queued.
 */
export async function queueAlertEvaluation(db: Db, organizationId: string, accountIds?: string[]): Promise<void> {
  const hasRules = await db.alertRule.count({ where: { organizationId, enabled: true } });
  if (!hasRules) return;
  await enqueueJob(db, "evaluate-alerts-job", { organizationId, ...(accountIds ? { accountIds } : {}) }, {
    organizationId,
    dedupeKey: `evaluate-alerts:${organizationId}`,
    coalesce: (queued, next) => {
      const q = queued as { accountIds?: string[] };
      const n = next as { accountIds?: string[] };
      if (!q.accountIds || !n.accountIds) return { organizationId }; // a whole-organization run covers both
      const ids = [...new Set([...q.accountIds, ...n.accountIds])];
      return ids.length > 10_000 ? { organizationId } : { organizationId, accountIds: ids };
    },
  });
}
