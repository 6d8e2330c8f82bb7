/**
 * `revenue-movements-job`: brings an organization's MRR movements and revenue summary up to date
 * (lib/revenue/build-movements.ts `updateRevenueMovements`: incremental — only the accounts whose subscriptions
 * changed — or full when it must). Requested after each Stripe sync (lib/sync/sync-connection-job.ts), after each
 * webhook-driven subscription change (lib/connectors/stripe/webhook.ts), and by a revenue read that finds the
 * figures stale; one queued job per organization (later requests join it). Progress: {phase, mode, accounts,
 * subscriptions, movements}; result: the BuildResult (mode, counts, durationMs).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import { REVENUE_BUILD_JOB, rebuildRevenueMovements, updateRevenueMovements } from "./build-movements";

export const revenueMovementsJob = defineJob({
  name: REVENUE_BUILD_JOB,
  schema: z.object({
    organizationId: z.string().min(1),
    /** Force a full rebuild (else incremental when possible). */
    full: z.boolean().optional(),
  }),
  maxAttempts: 2,
  handle: async ({ organizationId, full }, ctx) => {
    const progress = (p: Record<string, unknown>) => ctx.progress(p, { force: true });
    return full ? rebuildRevenueMovements(ctx.db, { organizationId, progress }) : updateRevenueMovements(ctx.db, { organizationId, progress });
  },
});
