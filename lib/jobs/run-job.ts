/**
 * Execute one claimed job row: validate its payload, run the handler with a JobContext, store the
 * result or the error. Used by the in-process worker and by CLI scripts (`runJobInline`), so the API,
 * the UI's buttons and `npm run sync` all go through the same code.
 */
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import type { JobContext } from "./define-job";
import { cancelJob, enqueueJob, HEARTBEAT_MS, requeueIfStale, toView, type JobView } from "./queue";
import { getJobDefinition } from "./registry";

const PROGRESS_INTERVAL_MS = 500;

/** Error text of a job that its worker put back in the queue because the worker was stopping. */
export const REQUEUED_ON_STOP = "worker stopped while running; resumed";

/**
 * A job queued for organization `organizationId` may name only that organization and its connections (issue 14:
 * a job enqueued for organization B naming A's connection would otherwise sync, or write into, A's connection).
 * @throws Error naming the mismatch (the job fails; nothing of the other organization is read or written).
 */
async function assertPayloadOfOrganization(db: Db, organizationId: string, payload: unknown): Promise<void> {
  const p = (payload ?? {}) as { organizationId?: unknown; connectionId?: unknown };
  if (typeof p.organizationId === "string" && p.organizationId !== organizationId) {
    throw new Error("job payload names another organization than the one the job was queued for: refused");
  }
  if (typeof p.connectionId === "string") {
    const conn = await db.connection.findUnique({ where: { id: p.connectionId }, select: { organizationId: true } });
    if (conn && conn.organizationId !== organizationId) throw new Error("job payload names a connection of another organization than the one the job was queued for: refused");
  }
}

/**
 * Run one claimed job row (status running) to its end and store the outcome: succeeded (result),
 * queued again (a failure with attempts left, retried after 2 s × attempts), failed, or cancelled (a
 * `cancelJob` request seen at a progress write).
 * - `signal`: aborts the job's `ctx.signal` (the job should stop at its next check).
 * - `requeueOnAbort`: when `signal` aborted the job (its worker is shutting down, not a user cancel), put it
 *   back in the queue (`status: queued`, runnable at once) instead of marking it cancelled, so the next
 *   worker resumes it from its checkpoint. The in-process and child-process workers set this.
 * - `heartbeatMs`: how often `Job.heartbeatAt` is refreshed while the job runs (default {@link HEARTBEAT_MS}).
 * Never throws for a job failure (it is recorded); throws only when the database itself fails.
 */
export async function executeJob(
  db: Db,
  job: { id: string; name: string; payload: unknown; attempts: number; maxAttempts: number; organizationId?: string | null },
  opts: { signal?: AbortSignal; requeueOnAbort?: boolean; heartbeatMs?: number } = {},
): Promise<JobView> {
  const log = logger.child({ jobId: job.id, job: job.name });
  const controller = new AbortController();
  // One listener per job on the caller's signal, removed when the job ends: the worker passes the same
  // long-lived stop signal to every job, and listeners left behind piled up until Node warned
  // "MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort listeners" (issue 18).
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let cancelRequested = false;
  let progressState: Record<string, unknown> = {};
  let lastWrite = 0;
  const ctx: JobContext = {
    jobId: job.id,
    db,
    log,
    signal: controller.signal,
    progress: async (p, o) => {
      progressState = { ...progressState, ...p };
      const now = Date.now();
      if (!o?.force && now - lastWrite < PROGRESS_INTERVAL_MS) return;
      lastWrite = now;
      const row = await db.job.update({ where: { id: job.id }, data: { progress: progressState as object, heartbeatAt: new Date() } });
      if (row.error === "cancel requested") {
        cancelRequested = true;
        controller.abort(new Error("cancelled"));
      }
    },
  };
  const started = Date.now();
  // Heartbeat independent of progress writes: a job in a long silent phase is not taken for a dead one.
  const heartbeat = setInterval(() => {
    void db.job.updateMany({ where: { id: job.id, status: "running" }, data: { heartbeatAt: new Date() } })
      .catch((err: unknown) => log.warn({ err }, "job heartbeat write failed"));
  }, opts.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref?.();
  try {
    const def = await getJobDefinition(job.name);
    const payload = def.schema.parse(job.payload);
    if (job.organizationId) await assertPayloadOfOrganization(db, job.organizationId, payload);
    log.info("job started");
    const result = await def.handle(payload, ctx);
    const row = await db.job.update({
      where: { id: job.id },
      data: { status: "succeeded", result: (result ?? null) as object, progress: progressState as object, finishedAt: new Date(), error: null },
    });
    log.info({ ms: Date.now() - started }, "job succeeded");
    return toView(row);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (opts.requeueOnAbort && !cancelRequested && opts.signal?.aborted) {
      log.warn({ ms: Date.now() - started, reason: message }, "job interrupted by worker shutdown; re-queued");
      const row = await db.job.update({
        where: { id: job.id },
        data: { status: "queued", lockedBy: null, error: REQUEUED_ON_STOP, progress: progressState as object, runAfter: new Date() },
      });
      return toView(row);
    }
    const cancelled = controller.signal.aborted;
    const retry = !cancelled && job.attempts < job.maxAttempts;
    log.error({ err, retry }, "job failed");
    const row = await db.job.update({
      where: { id: job.id },
      data: retry
        ? { status: "queued", error: message, runAfter: new Date(Date.now() + 2_000 * job.attempts), lockedBy: null }
        : { status: cancelled ? "cancelled" : "failed", error: message, progress: progressState as object, finishedAt: new Date() },
    });
    return toView(row);
  } finally {
    clearInterval(heartbeat);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

const g = globalThis as unknown as { __cwDelegateInlineJobs?: boolean };

/**
 * While on, {@link runJobInline} in this process hands the job to the job worker (enqueue, which wakes it)
 * and waits for it instead of running it here. The web server turns it on when its worker runs in a child
 * process (lib/jobs/worker-process.ts), so a request that waits for a job (POST /api/integrations/score)
 * never runs synchronous SQLite work on the web server's event loop. CLI scripts leave it off.
 */
export function delegateInlineJobs(on: boolean): void {
  g.__cwDelegateInlineJobs = on;
}

const TERMINAL = ["succeeded", "failed", "cancelled"];

/**
 * Wait (polling every 250 ms, without blocking the event loop) until job `id` ended; `signal` requests its
 * cancel. A job found running without a recent heartbeat (its process died) is re-queued
 * ({@link requeueIfStale}); with `runHere` (a CLI script: no worker of ours may be running) this process then
 * claims it and runs it, so it resumes from its checkpoint instead of being waited on forever.
 */
async function waitForJobEnd(db: Db, id: string, signal?: AbortSignal, runHere = false): Promise<JobView> {
  let cancelSent = false;
  let polls = 0;
  for (;;) {
    const row = await db.job.findUniqueOrThrow({ where: { id } });
    if (TERMINAL.includes(row.status)) return toView(row);
    if (row.status === "running" && polls++ % 20 === 0) await requeueIfStale(db, id); // every ~5 s
    if (runHere && !signal?.aborted) {
      const claimed = await claimForInline(db, id);
      if (claimed) return executeJob(db, claimed, { signal });
    }
    if (signal?.aborted && !cancelSent) {
      cancelSent = true;
      await cancelJob(db, id);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Enqueue a job and wait for it: run in this process right away (CLI scripts, the demo, tests), or, while
 * {@link delegateInlineJobs} is on (the web server with its worker in a child process), by the worker.
 * Returns the finished job (status succeeded | failed | cancelled). `signal` aborts it (cancels it when the
 * worker runs it).
 */
export async function runJobInline(
  db: Db,
  name: string,
  payload: unknown,
  opts: { organizationId?: string; dedupeKey?: string; signal?: AbortSignal } = {},
): Promise<JobView> {
  const { job } = await enqueueJob(db, name, payload, opts);
  if (g.__cwDelegateInlineJobs) return waitForJobEnd(db, job.id, opts.signal);
  const claimed = await claimForInline(db, job.id);
  // A worker took it (or it was deduplicated onto a running job): wait for it to finish — or, if its process
  // dies, take it over here.
  if (!claimed) return waitForJobEnd(db, job.id, opts.signal, true);
  return executeJob(db, claimed, { signal: opts.signal });
}

/** Claim queued job `id` for this process (one conditional update); null when it is not queued. */
async function claimForInline(db: Db, id: string) {
  const claimed = await db.job.updateMany({
    where: { id, status: "queued" },
    data: { status: "running", lockedBy: `inline-${process.pid}`, startedAt: new Date(), heartbeatAt: new Date(), attempts: { increment: 1 } },
  });
  if (claimed.count !== 1) return null;
  const row = await db.job.findUniqueOrThrow({ where: { id } });
  return { ...row, maxAttempts: 1 };
}
