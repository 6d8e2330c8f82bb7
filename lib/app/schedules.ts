/**
 * The scheduled work that pg-boss runs on PostgreSQL (lib/jobs/pgboss/worker.ts `schedules`), so a deployment
 * needs no outside cron (the cron endpoints keep working: POST /api/integrations/{hubspot|stripe}/sync and
 * POST /api/integrations/score with `Authorization: Bearer $CRON_SECRET` do the same):
 * - `scheduled-sync-job` — CHURNWATCH_SYNC_CRON (default `0 * * * *`, hourly, UTC): an incremental sync of every
 *   connected HubSpot and Stripe connection of every organization (one job per connection, deduplicated onto a
 *   sync already queued/running). Each sync then queues its organization's re-score.
 * - `scheduled-score-job` — CHURNWATCH_SCORE_CRON (default `30 4 * * *`, daily 04:30 UTC): a re-score
 *   (refresh-organization-job) of every organization.
 * A cron of `off` disables that schedule. The cron syntax is checked by pg-boss (cron-parser) at worker start.
 */
import type { Db } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/queue";
import type { PgBossSchedule } from "@/lib/jobs/pgboss/worker";
import { startAllSyncs } from "@/lib/integrations/manage-connections";

/** The schedules of this deployment, from the environment (`env` defaults to process.env). */
export function appSchedules(env: Record<string, string | undefined> = process.env): PgBossSchedule[] {
  const out: PgBossSchedule[] = [];
  const sync = env.CHURNWATCH_SYNC_CRON?.trim() || "0 * * * *";
  const score = env.CHURNWATCH_SCORE_CRON?.trim() || "30 4 * * *";
  if (sync !== "off") out.push({ name: "scheduled-sync-job", cron: sync, run: (db) => scheduledSyncs(db) });
  if (score !== "off") out.push({ name: "scheduled-score-job", cron: score, run: (db) => scheduledScoring(db) });
  return out;
}

/** Queue an incremental sync of every connected connection (all organizations). Returns how many were new. */
export async function scheduledSyncs(db: Db): Promise<number> {
  const jobs = await startAllSyncs(db, { full: false, trigger: "schedule" });
  return jobs.filter((j) => !j.deduplicated).length;
}

/** Queue a re-score of every organization. Returns how many jobs were queued. */
export async function scheduledScoring(db: Db): Promise<number> {
  const orgs = await db.organization.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } });
  for (const o of orgs) {
    await enqueueJob(db, "refresh-organization-job", { organizationId: o.id, trigger: "schedule" }, { organizationId: o.id, dedupeKey: `scheduled-score:${o.id}` });
  }
  return orgs.length;
}
