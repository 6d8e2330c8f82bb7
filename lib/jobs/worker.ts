/**
 * The job worker: claims queued jobs from the Job table and runs them in the current process. Where it
 * runs is `CHURNWATCH_WORKER` (instrumentation.ts): by default in a child process of the web server
 * (scripts/worker.ts, started by lib/jobs/worker-process.ts) so SQLite work never blocks the web server's
 * event loop; `inline` runs it inside the web process; `npm run worker` runs it standalone (production:
 * N of them against PostgreSQL — claiming is an atomic conditional update, see queue.ts).
 *
 * Polls every `pollMs`, wakes at once when this process enqueues (or when `wake()` is called, e.g. on an IPC
 * message from the web process) and when a queued job's `runAfter` comes within the next poll (a timer; e.g. a
 * webhook re-score's 200 ms coalescing window), runs up to `concurrency` jobs, and re-queues jobs whose heartbeat went
 * stale (a process killed mid-job) so syncs resume from their checkpoints. `stop()` aborts the running
 * jobs' signals and puts them back in the queue.
 */
import { hostname } from "node:os";
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { claimNextJob, nextRunAfter, onJobEnqueued, requeueStale, STALE_MS } from "./queue";
import { executeJob, REQUEUED_ON_STOP } from "./run-job";

export type Worker = {
  /** Unique id of this worker, stored in `Job.lockedBy` of the jobs it runs (`<host>-<pid>-<random>`). */
  id: string;
  /** Look for runnable jobs now (instead of at the next poll). Never throws. */
  wake: () => void;
  /**
   * Stop claiming, abort the running jobs' signals and wait up to `graceMs` (default 10,000 ms) for them to
   * settle; jobs still running after that are put back in the queue (status queued) so another worker
   * resumes them. Resolves when done; idempotent.
   */
  stop: (opts?: { graceMs?: number }) => Promise<void>;
  /** Jobs running now. */
  running: () => number;
};

const DEFAULT_GRACE_MS = 10_000;
/** How often (ms) a worker runs its maintenance (stale jobs, unapplied webhook events). */
const MAINTENANCE_MS = 5 * 60_000;

/** Re-queue running jobs whose heartbeat is older than `staleMs` (ms). Returns how many. One implementation: queue.ts `requeueStale`. */
export async function requeueStaleJobs(db: Db, staleMs: number = STALE_MS): Promise<number> {
  return requeueStale(db, { staleMs });
}

/**
 * Re-queue the running jobs of one worker (`Job.lockedBy === workerId`), e.g. after its process crashed or
 * did not stop in time, so they resume at once instead of after the stale-heartbeat timeout. Returns how many.
 */
export async function requeueJobsOfWorker(db: Db, workerId: string, error = REQUEUED_ON_STOP): Promise<number> {
  const r = await db.job.updateMany({
    where: { status: "running", lockedBy: workerId },
    data: { status: "queued", lockedBy: null, error, runAfter: new Date() },
  });
  return r.count;
}

/**
 * Start a worker on `db`. `concurrency` jobs at a time (default 2); `pollMs` between looks at the queue
 * when nothing woke it (default 1,000 ms).
 */
export function startWorker(
  db: Db,
  opts: { concurrency?: number; pollMs?: number; maintenanceMs?: number; maintenance?: ((db: Db) => Promise<unknown>)[] } = {},
): Worker {
  const concurrency = opts.concurrency ?? 2;
  const pollMs = opts.pollMs ?? 1_000;
  const maintenanceMs = opts.maintenanceMs ?? MAINTENANCE_MS;
  const id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const controller = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  let ticking = false;
  // A wake that arrived while a tick was already looking: look once more when it ends (else that job waits a poll).
  let again = false;
  // The timer for the earliest not-yet-runnable queued job (see look()).
  let dueTimer: NodeJS.Timeout | undefined;
  let dueTimerAt: number | null = null;

  // The database work in progress outside jobs (start-up re-queue, a tick's claim): stop() waits for it, so a
  // caller may disconnect the client right after stop() without cutting a query off mid-way.
  const housekeeping = new Set<Promise<unknown>>();
  function track<T>(p: Promise<T>): Promise<T> {
    housekeeping.add(p);
    void p.finally(() => housekeeping.delete(p)).catch(() => undefined);
    return p;
  }

  function tick(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (ticking) {
      again = true;
      return Promise.resolve();
    }
    return track(look());
  }

  async function look() {
    ticking = true;
    try {
      do {
        again = false;
        while (!stopped && inflight.size < concurrency) {
          const job = await claimNextJob(db, id);
          if (!job) break;
          const p = executeJob(db, job, { signal: controller.signal, requeueOnAbort: true })
            .catch((err: unknown) => logger.error({ err, jobId: job.id }, "job worker could not record a job's outcome"))
            .finally(() => {
              inflight.delete(p);
              void tick();
            });
          inflight.add(p);
        }
      } while (again && !stopped && inflight.size < concurrency);
      // A free slot and a job that becomes runnable before the next poll: look again exactly then.
      if (!stopped && inflight.size < concurrency) {
        const at = await nextRunAfter(db, pollMs);
        if (at !== null && (dueTimerAt === null || at < dueTimerAt)) {
          if (dueTimer) clearTimeout(dueTimer);
          dueTimerAt = at;
          dueTimer = setTimeout(() => {
            dueTimer = undefined;
            dueTimerAt = null;
            void tick();
          }, Math.max(0, at - Date.now()) + 5);
          dueTimer.unref?.();
        }
      }
    } catch (err) {
      logger.error({ err }, "job worker tick failed");
    } finally {
      ticking = false;
    }
  }

  void track(
    requeueStaleJobs(db)
      .then((n) => n && logger.warn({ n }, "re-queued stale jobs"))
      .catch((err: unknown) => logger.error({ err }, "job worker could not re-queue stale jobs")),
  );
  timer = setInterval(() => void tick(), pollMs);
  timer.unref?.();
  // Maintenance, every maintenanceMs (0 = off): jobs whose process died are re-queued (not only at start-up),
  // then `opts.maintenance` runs (the app passes the webhook sweep, lib/sync/webhook-sweep.ts).
  const maintenance = maintenanceMs > 0 ? setInterval(() => {
    if (stopped) return;
    void track(
      (async () => {
        const n = await requeueStaleJobs(db);
        if (n) logger.warn({ n }, "re-queued stale jobs");
        // The application's own maintenance (the webhook sweep, lib/app/job-runtime.ts): the queue knows no job kinds.
        for (const task of opts.maintenance ?? []) await task(db);
      })().catch((err: unknown) => logger.error({ err }, "job worker maintenance failed")),
    );
  }, maintenanceMs) : undefined;
  maintenance?.unref?.();
  const unsubscribe = onJobEnqueued(() => void tick());
  void tick();

  async function stop(graceMs: number) {
    stopped = true;
    unsubscribe();
    if (timer) clearInterval(timer);
    if (dueTimer) clearTimeout(dueTimer);
    if (maintenance) clearInterval(maintenance);
    timer = undefined;
    controller.abort(new Error("worker stopping"));
    let graceTimer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      (async () => {
        // Loop: a claim in flight when stop() began adds a job (it sees the aborted signal and re-queues itself).
        while (inflight.size || housekeeping.size) await Promise.allSettled([...inflight, ...housekeeping]);
        return true;
      })(),
      new Promise<boolean>((r) => { graceTimer = setTimeout(() => r(false), graceMs); }),
    ]);
    clearTimeout(graceTimer);
    if (!settled) {
      const n = await requeueJobsOfWorker(db, id);
      logger.warn({ n, graceMs }, "jobs did not stop in time; re-queued");
    }
  }

  return {
    id,
    running: () => inflight.size,
    wake: () => void tick(),
    stop: (o = {}) => (stopping ??= stop(o.graceMs ?? DEFAULT_GRACE_MS)),
  };
}
