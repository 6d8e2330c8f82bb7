/**
 * Sharded scoring runs (issue 15): one organization's day of scoring split into shards by account id range, so
 * any number of workers score one organization at once (a single `scoreOrganization` call is one job, one core).
 *
 * Shape (tables `ScoreRun`, `ScoreShard`, prisma/models.prisma):
 * - `planScoreRun` counts the day's signal rows and cuts them into ⌈total / shardSize⌉ ranges
 *   (afterAccountId, untilAccountId] — the bounds are real account ids found by keyset + OFFSET on the index
 *   (organizationId, day, accountId), so planning never loads the organization's ids (one query per shard).
 * - The PARENT (`scoreOrganizationSharded`, run by score-organization-job) enqueues one `score-shard-job` per
 *   shard but the first, then itself claims and scores shards until none is left, then waits for the shards
 *   other workers hold, reporting progress = Σ shards' committed accounts. So 2 workers × N slots all score.
 * - A shard is CLAIMED with one conditional update (queued, or running with a heartbeat older than
 *   SHARD_LEASE_MS); the holder heartbeats and checkpoints after every committed batch (1,000 accounts):
 *   a killed shard's retry (its job's retry, or the parent taking over an expired lease) resumes after its
 *   checkpoint. A batch committed just before the kill but not yet checkpointed is scored again: its write
 *   REPLACES the day's ChurnScoreDaily rows of those accounts (delete + insert in one transaction,
 *   score-store.ts), so nothing is written twice. Every shard writes `scoredAt` = the run's `startedAt`.
 * - Memory stays flat: a shard reads its range in keyset pages (`batchSize` signal rows), never the whole
 *   organization; the parent holds shard rows only.
 * - The run FINISHES exactly once: whoever marks the last shard done (a shard job or the parent) flips
 *   ScoreRun.status running → finishing with one conditional update; only that caller runs `onFinish` (the
 *   follow-ups of scoring: alert evaluation, HubSpot write-back), then stores the result (counts per risk level
 *   read from the day's stored scores, so a re-scored batch is not counted twice) and sets done.
 * - Identical results: each account's score depends only on its own signals, its stored scores 7/30 days back
 *   and the active config/model — the same whichever shard or worker scores it (tests/scoring/sharded-run.test.ts).
 *   A scoring config saved or a model trained DURING a run applies to the shards that start after it.
 *
 * Works on both job engines: the Job table (SQLite, PostgreSQL) and pg-boss — the shard jobs are plain jobs,
 * and the shard state lives in our tables, not in the engine.
 */
import { hostname } from "node:os";
import type { Db } from "@/lib/db";
import { cancelJob, enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { logger } from "@/lib/logger";
import { scoreOrganization, type LevelCounts } from "./run-scoring";
import { utcDay } from "./signal-row";

/** Accounts per shard by default (1,000,000 accounts → 50 shards). */
export const DEFAULT_SHARD_SIZE = 20_000;
/** A running shard whose holder has not heartbeated for this long (ms) may be taken over. */
export const SHARD_LEASE_MS = 60_000;
/** Finished runs (and their shard rows) older than this (ms) are deleted when the organization plans a new run. */
export const RUN_KEEP_MS = 7 * 86_400_000;
/** The job kind that carries one shard (lib/pipeline/score-organization-job.ts). */
export const SCORE_SHARD_JOB = "score-shard-job";

export type ScoreRunRow = {
  id: string; organizationId: string; day: Date; jobId: string | null; shardSize: number; shardsTotal: number;
  accountsTotal: number; status: string; startedAt: Date; finishedAt: Date | null; result: unknown;
};
type ShardRow = {
  id: string; runId: string; index: number; afterAccountId: string | null; untilAccountId: string | null; planned: number;
  status: string; claimedBy: string | null; heartbeatAt: Date | null; attempts: number; checkpoint: string | null; processed: number; jobId: string | null;
};

/** What a finished run stored in ScoreRun.result. */
export type ScoreRunSummary = {
  runId: string;
  organizationId: string;
  day: string;
  /** Accounts with a score for the day (stored rows). */
  accounts: number;
  counts: LevelCounts;
  shards: number;
  durationMs: number;
};

export type ScoreRunProgress = { processed: number; total: number; shards: { done: number; running: number; total: number } };

/** A shard lost its lease (another worker took it over) or its job was stopped: stop scoring it. */
export class ShardLostError extends Error {}

/**
 * Plan (or, for a parent job retried after a crash, find again) the sharded run of `organizationId`'s `day`.
 * `jobId` identifies the parent: a second call with the same jobId returns the same run.
 */
export async function planScoreRun(
  db: Db,
  opts: { organizationId: string; day: Date; shardSize?: number; jobId?: string | null; now?: Date },
): Promise<ScoreRunRow> {
  const day = utcDay(opts.day);
  const { organizationId } = opts;
  if (opts.jobId) {
    const existing = await db.scoreRun.findFirst({ where: { jobId: opts.jobId, organizationId }, orderBy: { startedAt: "desc" } });
    if (existing) return existing;
  }
  // the bookkeeping of finished runs is kept a week (the scores themselves are in ChurnScoreDaily), then dropped
  await db.scoreRun.deleteMany({ where: { organizationId, status: "done", finishedAt: { lt: new Date(Date.now() - RUN_KEEP_MS) } } });
  const shardSize = Math.max(1, Math.floor(opts.shardSize ?? DEFAULT_SHARD_SIZE));
  const total = await db.accountSignalDaily.count({ where: { organizationId, day } });
  const shardsTotal = Math.max(1, Math.ceil(total / shardSize));
  const bounds: { afterAccountId: string | null; untilAccountId: string | null; planned: number }[] = [];
  let after: string | null = null;
  for (let i = 0; i < shardsTotal; i++) {
    if (i === shardsTotal - 1) {
      bounds.push({ afterAccountId: after, untilAccountId: null, planned: total - i * shardSize });
      break;
    }
    const last: { accountId: string } | null = await db.accountSignalDaily.findFirst({
      where: { organizationId, day, ...(after !== null ? { accountId: { gt: after } } : {}) },
      orderBy: { accountId: "asc" },
      skip: shardSize - 1,
      select: { accountId: true },
    });
    if (!last) { // rows vanished since the count: the rest is one open shard
      bounds.push({ afterAccountId: after, untilAccountId: null, planned: Math.max(0, total - i * shardSize) });
      break;
    }
    bounds.push({ afterAccountId: after, untilAccountId: last.accountId, planned: shardSize });
    after = last.accountId;
  }
  return db.$transaction(async (tx) => {
    const run = await tx.scoreRun.create({
      data: { organizationId, day, jobId: opts.jobId ?? null, shardSize, shardsTotal: bounds.length, accountsTotal: total, startedAt: opts.now ?? new Date() },
    });
    await tx.scoreShard.createMany({ data: bounds.map((b, index) => ({ runId: run.id, index, ...b })) });
    return run;
  });
}

/**
 * Claim one shard of `runId` for `workerId` (`shardId`: only that one): a queued shard, or a running one whose
 * lease expired. Returns null when there is none to claim (all done or held by live workers).
 */
export async function claimShard(db: Db, runId: string, workerId: string, shardId?: string, leaseMs = SHARD_LEASE_MS): Promise<ShardRow | null> {
  for (let i = 0; i < 5; i++) {
    const staleBefore = new Date(Date.now() - leaseMs);
    const claimable = { OR: [{ status: "queued" }, { status: "running", heartbeatAt: { lt: staleBefore } }] };
    const candidates = await db.scoreShard.findMany({
      where: { runId, ...(shardId ? { id: shardId } : {}), ...claimable },
      orderBy: { index: "asc" },
      take: 3,
    });
    if (candidates.length === 0) return null;
    for (const c of candidates) {
      const r = await db.scoreShard.updateMany({
        where: { id: c.id, ...claimable },
        data: { status: "running", claimedBy: workerId, heartbeatAt: new Date(), attempts: { increment: 1 } },
      });
      if (r.count === 1) return db.scoreShard.findUniqueOrThrow({ where: { id: c.id } });
    }
  }
  return null;
}

/**
 * Score one claimed shard: its range from its checkpoint on, checkpointing + heartbeating after every committed
 * batch, then mark it done. @throws ShardLostError when another worker took the shard over or `signal` aborted
 * (the shard is then left to be claimed again); database errors as thrown by scoreOrganization.
 */
export async function runShard(
  db: Db,
  run: ScoreRunRow,
  shard: ShardRow,
  workerId: string,
  opts: { batchSize?: number; signal?: AbortSignal; onBatch?: (accounts: number) => void | Promise<void> } = {},
): Promise<void> {
  try {
    await scoreOrganization(db, {
      organizationId: run.organizationId,
      day: run.day,
      now: run.startedAt,
      batchSize: opts.batchSize,
      afterAccountId: shard.checkpoint ?? shard.afterAccountId,
      untilAccountId: shard.untilAccountId,
      total: Math.max(0, shard.planned - shard.processed),
      onBatchWritten: async ({ lastAccountId, accounts }) => {
        const r = await db.scoreShard.updateMany({
          where: { id: shard.id, claimedBy: workerId, status: "running" },
          data: { checkpoint: lastAccountId, processed: { increment: accounts }, heartbeatAt: new Date() },
        });
        if (r.count === 0) throw new ShardLostError(`shard ${shard.index} of run ${run.id} was taken over by another worker`);
        await opts.onBatch?.(accounts);
        if (opts.signal?.aborted) throw new ShardLostError(`shard ${shard.index} of run ${run.id} stopped: ${String(opts.signal.reason ?? "aborted")}`);
      },
    });
  } catch (err) {
    // let another worker (or this job's retry) take it at once instead of after the lease
    await db.scoreShard.updateMany({ where: { id: shard.id, claimedBy: workerId, status: "running" }, data: { status: "queued", claimedBy: null } }).catch(() => {});
    throw err;
  }
  await db.scoreShard.updateMany({ where: { id: shard.id, claimedBy: workerId, status: "running" }, data: { status: "done", finishedAt: new Date(), heartbeatAt: new Date() } });
}

/** Accounts per risk level among the day's stored scores of the organization (what the run produced). */
async function storedCounts(db: Db, organizationId: string, day: Date): Promise<LevelCounts> {
  const groups = await db.churnScoreDaily.groupBy({ by: ["riskLevel"], where: { organizationId, day }, _count: { _all: true } });
  const counts: LevelCounts = { healthy: 0, at_risk: 0, critical: 0, none: 0 };
  for (const g of groups) {
    const key = (g.riskLevel ?? "none") as keyof LevelCounts;
    if (key in counts) counts[key] += g._count._all;
  }
  return counts;
}

/**
 * Finish `runId` if every shard is done and nobody finished it yet: exactly one caller gets true and runs
 * `onFinish` (errors are logged, never thrown: the scores are stored either way). Returns false otherwise.
 */
export async function tryFinishRun(db: Db, runId: string, onFinish?: (s: ScoreRunSummary) => Promise<void>): Promise<boolean> {
  const open = await db.scoreShard.count({ where: { runId, status: { not: "done" } } });
  if (open > 0) return false;
  const claimed = await db.scoreRun.updateMany({ where: { id: runId, status: "running" }, data: { status: "finishing" } });
  if (claimed.count !== 1) return false;
  const run = await db.scoreRun.findUniqueOrThrow({ where: { id: runId } });
  const counts = await storedCounts(db, run.organizationId, run.day);
  const finishedAt = new Date();
  const summary: ScoreRunSummary = {
    runId,
    organizationId: run.organizationId,
    day: run.day.toISOString().slice(0, 10),
    accounts: counts.healthy + counts.at_risk + counts.critical + counts.none,
    counts,
    shards: run.shardsTotal,
    durationMs: finishedAt.getTime() - run.startedAt.getTime(),
  };
  try {
    await onFinish?.(summary);
  } catch (err) {
    logger.error({ err, runId, organizationId: run.organizationId }, "scoring run finished but a follow-up could not be queued");
  }
  await db.scoreRun.update({ where: { id: runId }, data: { status: "done", finishedAt, result: summary as unknown as object } });
  return true;
}

/** Progress of a run: Σ committed accounts of its shards, shards done/running. */
export async function scoreRunProgress(db: Db, run: Pick<ScoreRunRow, "id" | "accountsTotal" | "shardsTotal">): Promise<ScoreRunProgress> {
  const [sum, byStatus] = await Promise.all([
    db.scoreShard.aggregate({ where: { runId: run.id }, _sum: { processed: true } }),
    db.scoreShard.groupBy({ by: ["status"], where: { runId: run.id }, _count: { _all: true } }),
  ]);
  const n = (s: string) => byStatus.find((g) => g.status === s)?._count._all ?? 0;
  const processed = Math.min(sum._sum.processed ?? 0, run.accountsTotal);
  return { processed, total: run.accountsTotal, shards: { done: n("done"), running: n("running"), total: run.shardsTotal } };
}

/** A worker id for shard claims: host, process and job. */
export function shardWorkerId(jobId?: string): string {
  return `${hostname()}:${process.pid}:${jobId ?? "inline"}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

export type ShardedScoreOptions = {
  organizationId: string;
  /** Day to score (midnight UTC). */
  day: Date;
  /** Accounts per shard (default DEFAULT_SHARD_SIZE). */
  shardSize?: number;
  /** Signal rows per batch inside a shard (default 1,000). */
  batchSize?: number;
  /** The parent job's id: a retried parent resumes its run instead of planning another. */
  jobId?: string;
  /** Enqueue score-shard-job for shards 2..n (default: when that job kind is registered in this process). */
  enqueueShards?: boolean;
  /** Follow-ups of scoring, run exactly once by whoever finishes the run. */
  onFinish?: (s: ScoreRunSummary) => Promise<void>;
  onProgress?: (p: ScoreRunProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** How often the parent looks at shards other workers hold (ms, default 500). */
  pollMs?: number;
  leaseMs?: number;
};

/**
 * The parent of a sharded run (see module doc): plan, hand shards 2..n to shard jobs, score shards itself while
 * any is claimable, wait for the others, and return the run's summary once it is done.
 * @throws when the parent's signal aborts (the run stays; a retried parent with the same jobId resumes it), or
 *   a shard it scores fails with a database error (its shard goes back to queued for another worker).
 */
export async function scoreOrganizationSharded(db: Db, opts: ShardedScoreOptions): Promise<ScoreRunSummary> {
  const run = await planScoreRun(db, { organizationId: opts.organizationId, day: opts.day, shardSize: opts.shardSize, jobId: opts.jobId });
  const workerId = shardWorkerId(opts.jobId);
  const enqueue = opts.enqueueShards ?? registeredJobNames().includes(SCORE_SHARD_JOB);
  if (enqueue && run.shardsTotal > 1) {
    const pending = await db.scoreShard.findMany({ where: { runId: run.id, index: { gt: 0 }, jobId: null, status: "queued" }, orderBy: { index: "asc" } });
    for (const s of pending) {
      const { job } = await enqueueJob(db, SCORE_SHARD_JOB, { runId: run.id, shardId: s.id }, { organizationId: run.organizationId, dedupeKey: `score-shard:${s.id}`, maxAttempts: 3 });
      await db.scoreShard.update({ where: { id: s.id }, data: { jobId: job.id } });
    }
  }
  const report = async () => opts.onProgress?.(await scoreRunProgress(db, run));
  await report();
  for (;;) {
    if (opts.signal?.aborted) throw new ShardLostError(`scoring run ${run.id} stopped: ${String(opts.signal.reason ?? "aborted")}`);
    const shard = await claimShard(db, run.id, workerId, undefined, opts.leaseMs);
    if (shard) {
      let since = 0;
      await runShard(db, run, shard, workerId, {
        batchSize: opts.batchSize,
        signal: opts.signal,
        onBatch: async (n) => { since += n; if (since >= 5_000) { since = 0; await report(); } },
      });
      await tryFinishRun(db, run.id, opts.onFinish);
      continue;
    }
    const now = await db.scoreRun.findUniqueOrThrow({ where: { id: run.id } });
    if (now.status === "done") break;
    if (now.status === "running" && await tryFinishRun(db, run.id, opts.onFinish)) break;
    await report();
    await sleep(opts.pollMs ?? 500, opts.signal);
  }
  // shard jobs whose shard this parent scored are still queued: cancel them (queued only; running ones end as no-ops)
  const leftover = await db.scoreShard.findMany({ where: { runId: run.id, jobId: { not: null } }, select: { jobId: true } });
  for (const s of leftover) await cancelJob(db, s.jobId!).catch(() => {});
  await report();
  const done = await db.scoreRun.findUniqueOrThrow({ where: { id: run.id } });
  return done.result as unknown as ScoreRunSummary;
}

/**
 * One shard job's work: claim shard `shardId` of `runId` (a no-op when it is done or held by a live worker —
 * e.g. the parent took it), score it, and finish the run when it was the last one.
 */
export async function runShardJob(
  db: Db,
  p: { runId: string; shardId: string; jobId?: string; signal?: AbortSignal; batchSize?: number; onFinish?: (s: ScoreRunSummary) => Promise<void>; leaseMs?: number },
): Promise<{ shard: number | null; skipped: boolean; finishedRun: boolean }> {
  const run = await db.scoreRun.findUnique({ where: { id: p.runId } });
  if (!run) return { shard: null, skipped: true, finishedRun: false };
  const workerId = shardWorkerId(p.jobId);
  const shard = await claimShard(db, p.runId, workerId, p.shardId, p.leaseMs);
  if (!shard) return { shard: null, skipped: true, finishedRun: false };
  await runShard(db, run, shard, workerId, { signal: p.signal, batchSize: p.batchSize });
  const finishedRun = await tryFinishRun(db, p.runId, p.onFinish);
  return { shard: shard.index, skipped: false, finishedRun };
}
