/**
 * Execute one claimed job row: validate its payload, run the handler with a JobContext, store the
 * result or the error. Used by the in-process worker and by CLI scripts (`runJobInline`), so the API,
 * the UI's buttons and `npm run sync` all go through the same code.
 */
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import type { JobContext } from "./define-job";
import { enqueueJob, toView, type JobView } from "./queue";
import { getJobDefinition } from "./registry";

const PROGRESS_INTERVAL_MS = 500;

export async function executeJob(
  db: Db,
  job: { id: string; name: string; payload: unknown; attempts: number; maxAttempts: number },
  opts: { signal?: AbortSignal } = {},
): Promise<JobView> {
  const log = logger.child({ jobId: job.id, job: job.name });
  const controller = new AbortController();
  opts.signal?.addEventListener("abort", () => controller.abort(opts.signal?.reason));
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
      if (row.error === "cancel requested") controller.abort(new Error("cancelled"));
    },
  };
  const started = Date.now();
  try {
    const def = await getJobDefinition(job.name);
    const payload = def.schema.parse(job.payload);
    log.info("job started");
    const result = await def.handle(payload, ctx);
    const row = await db.job.update({
      where: { id: job.id },
      data: { status: "succeeded", result: (result ?? null) as object, progress: progressState as object, finishedAt: new Date(), error: null },
    });
    log.info({ ms: Date.now() - started }, "job succeeded");
    return toView(row);
  } catch (err) {
    const cancelled = controller.signal.aborted;
    const message = err instanceof Error ? err.message : String(err);
    const retry = !cancelled && job.attempts < job.maxAttempts;
    log.error({ err, retry }, "job failed");
    const row = await db.job.update({
      where: { id: job.id },
      data: retry
        ? { status: "queued", error: message, runAfter: new Date(Date.now() + 2_000 * job.attempts), lockedBy: null }
        : { status: cancelled ? "cancelled" : "failed", error: message, progress: progressState as object, finishedAt: new Date() },
    });
    return toView(row);
  }
}

/**
 * Enqueue and run a job in this process right away, waiting for it (CLI scripts, the demo, tests).
 * Returns the finished job (status succeeded | failed | cancelled).
 */
export async function runJobInline(
  db: Db,
  name: string,
  payload: unknown,
  opts: { organizationId?: string; dedupeKey?: string; signal?: AbortSignal } = {},
): Promise<JobView> {
  const { job } = await enqueueJob(db, name, payload, opts);
  const claimed = await db.job.updateMany({
    where: { id: job.id, status: "queued" },
    data: { status: "running", lockedBy: `inline-${process.pid}`, startedAt: new Date(), heartbeatAt: new Date(), attempts: { increment: 1 } },
  });
  if (claimed.count !== 1) {
    // A worker took it (or it was deduplicated onto a running job): wait for it to finish.
    for (;;) {
      const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      if (["succeeded", "failed", "cancelled"].includes(row.status)) return toView(row);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
  return executeJob(db, { ...row, maxAttempts: 1 }, { signal: opts.signal });
}
