/**
 * The embedded worker: runs queued jobs inside the current process (the Next.js server in the
 * embedded default; `instrumentation.ts` starts it). Polls every `pollMs`, wakes at once when this
 * process enqueues, runs up to `concurrency` jobs, and re-queues jobs whose heartbeat went stale
 * (a process killed mid-job) so syncs resume from their checkpoints.
 */
import { hostname } from "node:os";
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { claimNextJob, onJobEnqueued } from "./queue";
import { executeJob } from "./run-job";

export type Worker = { stop: () => Promise<void>; running: () => number };

const STALE_MS = 120_000;

export async function requeueStaleJobs(db: Db, staleMs = STALE_MS): Promise<number> {
  const r = await db.job.updateMany({
    where: { status: "running", heartbeatAt: { lt: new Date(Date.now() - staleMs) } },
    data: { status: "queued", lockedBy: null, error: "worker stopped while running; resumed" },
  });
  return r.count;
}

export function startWorker(db: Db, opts: { concurrency?: number; pollMs?: number } = {}): Worker {
  const concurrency = opts.concurrency ?? 2;
  const pollMs = opts.pollMs ?? 1_000;
  const id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const controller = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let ticking = false;

  async function tick() {
    if (stopped || ticking) return;
    ticking = true;
    try {
      while (!stopped && inflight.size < concurrency) {
        const job = await claimNextJob(db, id);
        if (!job) break;
        const p = executeJob(db, job, { signal: controller.signal }).finally(() => {
          inflight.delete(p);
          void tick();
        });
        inflight.add(p);
      }
    } catch (err) {
      logger.error({ err }, "job worker tick failed");
    } finally {
      ticking = false;
    }
  }

  void requeueStaleJobs(db).then((n) => n && logger.warn({ n }, "re-queued stale jobs"));
  timer = setInterval(() => void tick(), pollMs);
  timer.unref?.();
  const unsubscribe = onJobEnqueued(() => void tick());
  void tick();

  return {
    running: () => inflight.size,
    stop: async () => {
      stopped = true;
      unsubscribe();
      if (timer) clearInterval(timer);
      timer = undefined;
      controller.abort(new Error("worker stopping"));
      await Promise.allSettled([...inflight]);
    },
  };
}
