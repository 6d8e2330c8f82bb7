/**
 * The job engine behind the queue interface (lib/jobs/queue.ts: enqueue → id at once, get, wait, cancel, retry,
 * list). The `Job` row is always the record the UI and the API read (id, status, progress, result, error,
 * attempts); the engine only decides WHO runs a queued row and WHEN:
 *
 * - `table` (the embedded default, and whenever no engine was installed in this process): workers claim queued
 *   rows from the Job table themselves (lib/jobs/worker.ts, one atomic conditional update per claim);
 *   `dispatch` has nothing to do.
 * - `pg-boss` (PostgreSQL, installed by the entry points: instrumentation.ts, scripts/worker.ts): every new
 *   queued row is also sent to pg-boss (schema `pgboss` in the same database) as `{jobId}` on the queue named
 *   after the job kind; pg-boss workers fetch it, run the row with lib/jobs/run-job.ts and pg-boss retries
 *   (with backoff), expires, dead-letters and schedules (lib/jobs/pgboss/*).
 *
 * Job code never sees the engine: it gets a JobContext either way. Kept on `globalThis` (Next.js bundles
 * instrumentation.ts and the routes as separate module graphs in one process).
 */
export type DispatchedJob = {
  id: string;
  name: string;
  organizationId: string | null;
  dedupeKey: string | null;
  runAfter: Date;
  maxAttempts: number;
};

export type JobEngine = {
  kind: "table" | "pg-boss";
  /**
   * A Job row was created (or put back to queued by a retry): make it run. Must not run the job itself and
   * should return in milliseconds (enqueue from a request returns at once). Throwing is logged, not fatal: the
   * pg-boss engine's maintenance dispatches queued rows that no engine job carries (docs/deploy.md).
   */
  dispatch: (job: DispatchedJob) => Promise<void>;
};

const g = globalThis as unknown as { __cwJobEngine?: JobEngine };

/** Install the engine of this process (`null`: back to the Job table alone). */
export function setJobEngine(engine: JobEngine | null): void {
  if (engine) g.__cwJobEngine = engine;
  else delete g.__cwJobEngine;
}

/** The engine installed in this process, or undefined (the Job table: workers claim rows themselves). */
export function currentJobEngine(): JobEngine | undefined {
  return g.__cwJobEngine;
}
