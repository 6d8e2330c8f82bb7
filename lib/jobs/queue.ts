/**
 * The job queue interface that job code, routes and scripts use — enqueue (returns the Job row at once), get,
 * wait (lib/jobs/run-job.ts), cancel, retry, list — over the `Job` table, which stays the record the UI and
 * API read whichever engine runs the jobs (lib/jobs/engine.ts): the Job table's own workers (the embedded
 * default, lib/jobs/worker.ts: claiming is an atomic conditional update) or pg-boss on PostgreSQL
 * (lib/jobs/pgboss/*). The queue knows nothing of job kinds: they are registered by the entry points
 * (lib/app/register-jobs.ts).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import { Prisma } from "@/lib/generated/sqlite/client";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { currentJobEngine, type DispatchedJob } from "./engine";
import { getJobDefinition } from "./registry";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export type JobView = {
  id: string;
  name: string;
  status: JobStatus;
  progress: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

/**
 * A running job whose heartbeat (`Job.heartbeatAt`, written every {@link HEARTBEAT_MS} by the process running
 * it, see lib/jobs/run-job.ts) is older than this (ms) has lost its process (SIGKILL, crash, power loss).
 */
export const STALE_MS = 120_000;
/** How often (ms) a running job's process refreshes `Job.heartbeatAt`, progress or not. */
export const HEARTBEAT_MS = 15_000;
/** Error text of a job put back in the queue because its process stopped sending heartbeats. */
export const REQUEUED_STALE = "worker stopped while running (no heartbeat); resumed";

/**
 * Put running jobs whose heartbeat is older than `staleMs` (ms) back in the queue — job `id` only when given,
 * else every stale job (the worker's start-up and maintenance sweep, lib/jobs/worker.ts `requeueStaleJobs`).
 * One conditional update, so when several waiters or workers see the same dead job only one re-queues it; the
 * job gets error {@link REQUEUED_STALE}, runs at once, and this process's workers are woken.
 * @returns how many jobs this call re-queued.
 */
export async function requeueStale(db: Db, opts: { id?: string; staleMs?: number } = {}): Promise<number> {
  const r = await db.job.updateMany({
    where: { ...(opts.id ? { id: opts.id } : {}), status: "running", heartbeatAt: { lt: new Date(Date.now() - (opts.staleMs ?? STALE_MS)) } },
    data: { status: "queued", lockedBy: null, error: REQUEUED_STALE, runAfter: new Date() },
  });
  if (r.count > 0) for (const fn of g.__cwJobListeners!) fn();
  return r.count;
}

/**
 * Put job `id` back in the queue if it is running with a stale heartbeat ({@link requeueStale} for one job).
 * Returns true when this call re-queued it. Called wherever a job is waited on or deduplicated onto.
 */
export async function requeueIfStale(db: Db, id: string, staleMs = STALE_MS): Promise<boolean> {
  return (await requeueStale(db, { id, staleMs })) === 1;
}

type Listener = () => void;
const g = globalThis as unknown as { __cwJobListeners?: Set<Listener> };
g.__cwJobListeners ??= new Set();

/** Workers subscribe to be woken immediately when a job is enqueued in this process. */
export function onJobEnqueued(fn: Listener): () => void {
  g.__cwJobListeners!.add(fn);
  return () => g.__cwJobListeners!.delete(fn);
}

/**
 * Enqueue a job; `runAfter` (a time) or `delayMs` (ms after the row is written) delays it. With `dedupeKey`, an
 * existing queued/running job with the same key is returned instead
 * (e.g. one sync per connection at a time).
 * With `coalesce` (and a `dedupeKey`), only a job still QUEUED with that key is joined, and its payload becomes
 * `coalesce(itsPayload, payload)` (one compare-and-set update: still queued AND still the payload it was computed from,
 * so two requests joining at once never drop each other's items — issue 15; else it looks again, and after 3 lost
 * races a new job is queued; validated by the job's schema; null = do not join) — e.g. re-scores of
 * accounts asked for by many webhooks within a few seconds become one job. A running job is never joined then
 * (its payload was already read): a new queued job is created.
 * @throws AppError bad_request when the payload (or the coalesced one) does not match the job's schema.
 */
export async function enqueueJob(
  db: Db,
  name: string,
  payload: unknown,
  opts: { organizationId?: string; dedupeKey?: string; runAfter?: Date; delayMs?: number; maxAttempts?: number; coalesce?: (queued: unknown, next: unknown) => unknown | null } = {},
): Promise<{ job: JobView; deduplicated: boolean }> {
  const def = await getJobDefinition(name);
  const parsed = def.schema.safeParse(payload);
  if (!parsed.success) throw new AppError("bad_request", `invalid payload for ${name}: ${z.prettifyError(parsed.error)}`);
  if (opts.dedupeKey && opts.coalesce) {
    for (let i = 0; i < 3; i++) {
      const queued = await db.job.findFirst({ where: { dedupeKey: opts.dedupeKey, status: "queued" }, orderBy: { createdAt: "desc" } });
      if (!queued) break;
      const joined = opts.coalesce(queued.payload, parsed.data);
      if (joined === null) break; // the queued job cannot take more: a new one
      const merged = def.schema.safeParse(joined);
      if (!merged.success) throw new AppError("bad_request", `invalid coalesced payload for ${name}: ${z.prettifyError(merged.error)}`);
      // Compare-and-set: still queued AND still the payload read above. Without the payload condition two requests
      // joining at once both read the same payload and the later write dropped the earlier one's items (issue 15:
      // bench:webhooks lost 7-10 of 3,000 re-scores with 2 webhook loops on pg-boss; tests/jobs/coalesce-engines).
      const r = await db.job.updateMany({
        where: { id: queued.id, status: "queued", payload: { equals: queued.payload as Prisma.InputJsonValue } },
        data: { payload: merged.data as object },
      });
      if (r.count === 1) return { job: toView(await db.job.findUniqueOrThrow({ where: { id: queued.id } })), deduplicated: true };
      // claimed or joined meanwhile: look again (or create a new one)
    }
  } else if (opts.dedupeKey) {
    const dedupeKey = opts.dedupeKey;
    const create = async (tx: Pick<Db, "job">) => {
      const live = await tx.job.findFirst({ where: { dedupeKey, status: { in: ["queued", "running"] } }, orderBy: { createdAt: "desc" } });
      if (live) return { live };
      return { created: await createRow(tx) };
    };
    // PostgreSQL: look and create under a transaction-scoped advisory lock on the key, so concurrent enqueues
    // from several web/worker processes (a double-clicked "Sync now", a webhook burst) make ONE job per key.
    // SQLite has a single writer, and its one connection serializes these anyway.
    const r = providerOf(db) === "postgresql"
      ? await db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${"cw-job:" + dedupeKey}))::text AS locked`;
        return create(tx);
      })
      : await create(db);
    if (r.live) {
      const live = r.live;
      // Joining a dead job would wait forever: a running job without a recent heartbeat is re-queued first.
      if (live.status === "running" && await requeueIfStale(db, live.id)) {
        return { job: toView(await db.job.findUniqueOrThrow({ where: { id: live.id } })), deduplicated: true };
      }
      return { job: toView(live), deduplicated: true };
    }
    await announce(r.created!);
    return { job: toView(r.created!), deduplicated: false };
  }
  const job = await createRow(db);
  await announce(job);
  return { job: toView(job), deduplicated: false };

  function createRow(tx: Pick<Db, "job">) {
    return tx.job.create({
      data: {
        name,
        payload: parsed.data as object,
        organizationId: opts.organizationId,
        dedupeKey: opts.dedupeKey,
        // delayMs counts from the row's creation (not from the call: the first enqueue of a kind loads its code).
        runAfter: opts.runAfter ?? new Date(Date.now() + (opts.delayMs ?? 0)),
        maxAttempts: opts.maxAttempts ?? def.maxAttempts ?? 1,
      },
    });
  }
}

/**
 * Tell the engine (if any) and this process's workers that a queued row exists. An engine that fails is
 * logged, never thrown: the row is queued and the pg-boss maintenance dispatches it later.
 */
async function announce(job: DispatchedJob): Promise<void> {
  const engine = currentJobEngine();
  if (engine) {
    try {
      await engine.dispatch(job);
    } catch (err) {
      logger.error({ err, jobId: job.id, job: job.name, engine: engine.kind }, "job engine could not take a queued job; it is dispatched again by the maintenance");
    }
  }
  for (const fn of g.__cwJobListeners!) fn();
}

export function toView(j: {
  id: string; name: string; status: string; progress: unknown; result: unknown; error: string | null; attempts: number;
  createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
}): JobView {
  return {
    id: j.id, name: j.name, status: j.status as JobStatus, progress: (j.progress as Record<string, unknown> | null) ?? null,
    result: j.result ?? null, error: j.error, attempts: j.attempts, createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt,
  };
}

/** @throws AppError not_found (also when the job belongs to another organization). */
export async function getJobOrThrow(db: Db, id: string, organizationId?: string): Promise<JobView> {
  const j = await db.job.findUnique({ where: { id } });
  if (!j || (organizationId && j.organizationId && j.organizationId !== organizationId)) throw new AppError("not_found", `job ${id} not found`);
  return toView(j);
}

/** Atomically claim the next runnable job (queued, runAfter ≤ now). Returns null when none. */
export async function claimNextJob(db: Db, workerId: string, names?: string[]) {
  for (let i = 0; i < 5; i++) {
    const next = await db.job.findFirst({
      where: { status: "queued", runAfter: { lte: new Date() }, ...(names ? { name: { in: names } } : {}) },
      orderBy: [{ runAfter: "asc" }, { createdAt: "asc" }],
    });
    if (!next) return null;
    const now = new Date();
    const claimed = await db.job.updateMany({
      where: { id: next.id, status: "queued" },
      data: { status: "running", lockedBy: workerId, startedAt: now, heartbeatAt: now, attempts: { increment: 1 } },
    });
    if (claimed.count === 1) return db.job.findUniqueOrThrow({ where: { id: next.id } });
  }
  return null;
}

/**
 * When (epoch ms) the next queued job that is not runnable yet becomes runnable (its `runAfter`, within the next
 * `withinMs`), or null. The Job table's worker sets a timer for it, so a job queued with a short delay (a
 * coalescing window, lib/pipeline/enqueue-account-refresh.ts) starts when its window ends, not at the next poll.
 */
export async function nextRunAfter(db: Db, withinMs: number): Promise<number | null> {
  const now = Date.now();
  const next = await db.job.findFirst({
    where: { status: "queued", runAfter: { gt: new Date(now), lte: new Date(now + withinMs) } },
    orderBy: { runAfter: "asc" },
    select: { runAfter: true },
  });
  return next ? next.runAfter.getTime() : null;
}

/** Request cancellation: queued jobs are cancelled at once, running ones at their next progress write. */
export async function cancelJob(db: Db, id: string): Promise<void> {
  await db.job.updateMany({ where: { id, status: "queued" }, data: { status: "cancelled", finishedAt: new Date() } });
  await db.job.updateMany({ where: { id, status: "running" }, data: { error: "cancel requested" } });
}

/**
 * Jobs of one organization for the UI and the admin API, newest first: `status` filters (e.g. "failed": the
 * dead-letter list — jobs whose attempts are used up, with their error), `name` filters by job kind. `cursor` is
 * the id of the last job of the previous page. Returns `{data, total, next_cursor}` like every list of the API.
 * Never returns another organization's jobs (nor jobs without an organization).
 */
export async function listJobs(
  db: Db,
  organizationId: string,
  opts: { status?: JobStatus; name?: string; limit?: number; cursor?: string } = {},
): Promise<{ data: JobView[]; total: number; next_cursor: string | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const where = { organizationId, ...(opts.status ? { status: opts.status } : {}), ...(opts.name ? { name: opts.name } : {}) };
  const [rows, total] = await Promise.all([
    db.job.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
      ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
    }),
    db.job.count({ where }),
  ]);
  const page = rows.slice(0, limit);
  return { data: page.map(toView), total, next_cursor: rows.length > limit ? page[page.length - 1].id : null };
}

/**
 * Run a failed (dead-lettered) or cancelled job again: its row goes back to `queued` with its attempts reset
 * and its last error kept in the log only, and the engine gets it again (pg-boss: a new job on its queue). A job
 * with a `dedupeKey` whose key has a live job (queued/running) is not retried: that live job is returned.
 * @throws AppError not_found (unknown id, or another organization's job); conflict when the job is not failed
 *   or cancelled (queued, running and succeeded jobs are not retried).
 */
export async function retryJob(db: Db, id: string, organizationId?: string): Promise<JobView> {
  const j = await getJobOrThrow(db, id, organizationId);
  if (j.status !== "failed" && j.status !== "cancelled") throw new AppError("conflict", `job ${id} is ${j.status}: only failed or cancelled jobs can be retried`);
  const row = await db.job.findUniqueOrThrow({ where: { id } });
  if (row.dedupeKey) {
    const live = await db.job.findFirst({ where: { dedupeKey: row.dedupeKey, status: { in: ["queued", "running"] } } });
    if (live) return toView(live);
  }
  const r = await db.job.updateMany({
    where: { id, status: { in: ["failed", "cancelled"] } },
    data: { status: "queued", attempts: 0, error: null, result: Prisma.DbNull, finishedAt: null, startedAt: null, lockedBy: null, runAfter: new Date() },
  });
  const after = await db.job.findUniqueOrThrow({ where: { id } });
  if (r.count === 1) {
    logger.info({ jobId: id, job: row.name, previousError: row.error }, "job retried by an admin");
    await announce(after);
  }
  return toView(after);
}
