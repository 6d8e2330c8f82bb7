/**
 * The job queue over the Job table. The embedded default (SQLite or PostgreSQL, one process) runs
 * jobs in the web process (lib/jobs/worker.ts). Claiming is an atomic conditional update, so several
 * worker processes can share one PostgreSQL database later.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
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
 * Enqueue a job. With `dedupeKey`, an existing queued/running job with the same key is returned instead
 * (e.g. one sync per connection at a time).
 * With `coalesce` (and a `dedupeKey`), only a job still QUEUED with that key is joined, and its payload becomes
 * `coalesce(itsPayload, payload)` (one conditional update; validated by the job's schema; null = do not join) — e.g. re-scores of
 * accounts asked for by many webhooks within a few seconds become one job. A running job is never joined then
 * (its payload was already read): a new queued job is created.
 * @throws AppError bad_request when the payload (or the coalesced one) does not match the job's schema.
 */
export async function enqueueJob(
  db: Db,
  name: string,
  payload: unknown,
  opts: { organizationId?: string; dedupeKey?: string; runAfter?: Date; maxAttempts?: number; coalesce?: (queued: unknown, next: unknown) => unknown | null } = {},
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
      const r = await db.job.updateMany({ where: { id: queued.id, status: "queued" }, data: { payload: merged.data as object } });
      if (r.count === 1) return { job: toView(await db.job.findUniqueOrThrow({ where: { id: queued.id } })), deduplicated: true };
      // claimed meanwhile: look again (or create a new one)
    }
  } else if (opts.dedupeKey) {
    const live = await db.job.findFirst({ where: { dedupeKey: opts.dedupeKey, status: { in: ["queued", "running"] } }, orderBy: { createdAt: "desc" } });
    if (live) {
      // Joining a dead job would wait forever: a running job without a recent heartbeat is re-queued first.
      if (live.status === "running" && await requeueIfStale(db, live.id)) {
        return { job: toView(await db.job.findUniqueOrThrow({ where: { id: live.id } })), deduplicated: true };
      }
      return { job: toView(live), deduplicated: true };
    }
  }
  const job = await db.job.create({
    data: {
      name,
      payload: parsed.data as object,
      organizationId: opts.organizationId,
      dedupeKey: opts.dedupeKey,
      runAfter: opts.runAfter ?? new Date(),
      maxAttempts: opts.maxAttempts ?? def.maxAttempts ?? 1,
    },
  });
  for (const fn of g.__cwJobListeners!) fn();
  return { job: toView(job), deduplicated: false };
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

/** Request cancellation: queued jobs are cancelled at once, running ones at their next progress write. */
export async function cancelJob(db: Db, id: string): Promise<void> {
  await db.job.updateMany({ where: { id, status: "queued" }, data: { status: "cancelled", finishedAt: new Date() } });
  await db.job.updateMany({ where: { id, status: "running" }, data: { error: "cancel requested" } });
}
