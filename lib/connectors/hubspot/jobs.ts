/**
 * HubSpot background jobs other than the sync (which runs through sync-connection-job):
 * - `hubspot-push-scores-job` {connectionId}: score write-back (write-back.ts).
 * - `hubspot-webhook-job` {connectionId, eventIds}: apply webhook deliveries (webhooks.ts).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { defineJob } from "@/lib/jobs/define-job";
import { enqueueJob, type JobView } from "@/lib/jobs/queue";
import { hubspotClientDefaults } from "./sync";
import { parseSettings } from "./connection";
import { pushScores } from "./write-back";

export const HUBSPOT_PUSH_SCORES_JOB = "hubspot-push-scores-job";

export const hubspotPushScoresJob = defineJob({
  name: HUBSPOT_PUSH_SCORES_JOB,
  schema: z.object({ connectionId: z.string() }),
  handle: async (p, ctx) => pushScores(ctx.db, { connectionId: p.connectionId, jobId: ctx.jobId, clientOptions: hubspotClientDefaults() }),
});

/**
 * Enqueue write-back for one connection, or for every HubSpot connection with write-back on (of one
 * organization, or of all when `organizationId` is null — cron).
 * @throws AppError not_found (connection of another organization / unknown), conflict (write-back off for the named one).
 */
export async function enqueuePushScores(db: Db, p: { organizationId: string | null; connectionId?: string }): Promise<JobView[]> {
  const conns = await db.connection.findMany({
    where: { provider: "hubspot", credentialsEnc: { not: null }, ...(p.organizationId ? { organizationId: p.organizationId } : {}), ...(p.connectionId ? { id: p.connectionId } : {}) },
  });
  if (p.connectionId && conns.length === 0) throw new AppError("not_found", `HubSpot connection ${p.connectionId} not found`);
  const on = conns.filter((c) => parseSettings(c.settings).writeBack);
  if (p.connectionId && on.length === 0) throw new AppError("conflict", "write-back is off for this HubSpot connection: turn it on first");
  const jobs: JobView[] = [];
  for (const c of on) {
    const { job } = await enqueueJob(db, HUBSPOT_PUSH_SCORES_JOB, { connectionId: c.id }, { organizationId: c.organizationId, dedupeKey: `${HUBSPOT_PUSH_SCORES_JOB}:${c.id}` });
    jobs.push(job);
  }
  return jobs;
}
