/**
 * Sharded scoring jobs (issue 15, lib/scoring/sharded-run.ts):
 * - score-organization-job {organizationId, day?, shardSize?, batchSize?}: the parent of one organization's scoring
 *   run for a day (default today, UTC). Splits it into shards, enqueues score-shard-job for the others, scores
 *   shards itself, waits for the rest; its progress is {phase: "scoring", processed, total, shards: {done, running,
 *   total}} summed over the shards, its result the run's summary (accounts, counts per risk level, shards).
 *   POST /api/integrations/score style callers and `npm run bench:score-million` enqueue it.
 * - score-shard-job {runId, shardId}: one shard; a no-op when the parent (or a retry) already scored it.
 * Whoever finishes the run's last shard queues what follows scoring, exactly once: the alert evaluation
 * (lib/alerts/jobs.ts) and the HubSpot write-back of connections that have it on — as refresh-organization does.
 * The day's scores themselves carry the risk level history and the model's churn probability (ChurnScoreDaily).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { queueAlertEvaluation } from "@/lib/alerts/jobs";
import { runShardJob, scoreOrganizationSharded, type ScoreRunSummary } from "@/lib/scoring/sharded-run";

/** The follow-ups of a finished scoring run (alerts, write-back); never throws for one of them. */
export async function afterScoringRun(db: Db, s: ScoreRunSummary): Promise<void> {
  const organizationId = s.organizationId;
  if (registeredJobNames().includes("hubspot-push-scores-job")) {
    const conns = await db.connection.findMany({ where: { organizationId, provider: "hubspot", status: { in: ["connected", "error"] } } });
    for (const c of conns) {
      if (!(c.settings as { writeBack?: boolean } | null)?.writeBack) continue;
      await enqueueJob(db, "hubspot-push-scores-job", { connectionId: c.id }, { organizationId, dedupeKey: `push:${c.id}` });
    }
  }
  if (registeredJobNames().includes("evaluate-alerts-job")) await queueAlertEvaluation(db, organizationId);
}

function utcToday(): Date {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export const scoreOrganizationJob = defineJob({
  name: "score-organization-job",
  schema: z.object({
    organizationId: z.string(),
    /** YYYY-MM-DD (UTC); default today */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    shardSize: z.number().int().min(1).max(1_000_000).optional(),
    batchSize: z.number().int().min(1).max(10_000).optional(),
  }),
  maxAttempts: 3,
  handle: async (p, ctx) =>
    scoreOrganizationSharded(ctx.db, {
      organizationId: p.organizationId,
      day: p.day ? new Date(`${p.day}T00:00:00.000Z`) : utcToday(),
      shardSize: p.shardSize,
      batchSize: p.batchSize,
      jobId: ctx.jobId,
      signal: ctx.signal,
      onFinish: (s) => afterScoringRun(ctx.db, s),
      onProgress: (pr) => ctx.progress({ phase: "scoring", ...pr }),
    }),
});

export const scoreShardJob = defineJob({
  name: "score-shard-job",
  schema: z.object({ runId: z.string(), shardId: z.string() }),
  maxAttempts: 3,
  handle: async (p, ctx) =>
    runShardJob(ctx.db, { runId: p.runId, shardId: p.shardId, jobId: ctx.jobId, signal: ctx.signal, onFinish: (s) => shardFollowUps(ctx.db, s) }),
});

/**
 * Follow-ups when a SHARD job finishes the run: they belong to the run's parent kind. A score-organization-job
 * parent (or a run without a parent job) gets them here; another parent (e.g. a refresh-organization-job that
 * scores through scoreOrganizationSharded) queues its own after the run, so none are queued twice.
 */
async function shardFollowUps(db: Db, s: ScoreRunSummary): Promise<void> {
  const run = await db.scoreRun.findUnique({ where: { id: s.runId }, select: { jobId: true } });
  const parent = run?.jobId ? await db.job.findUnique({ where: { id: run.jobId }, select: { name: true } }) : null;
  if (parent && parent.name !== "score-organization-job") return;
  await afterScoringRun(db, s);
}
