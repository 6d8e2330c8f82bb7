/**
 * Background jobs: long work (syncs, backfill, scoring, training, write-back, webhook processing)
 * runs as a Job row with an id, a status and progress that the UI and API read.
 *
 *   export const syncConnectionJob = defineJob({
 *     name: "sync-connection-job", schema: z.object({ connectionId: z.string() }),
 *     handle: async (payload, ctx) => { …; await ctx.progress({ …}); return { …result } },
 *   });
 *
 * Payloads carry ids only; handlers re-read state from the database, so the same job can later run in
 * a separate worker process claiming rows from a PostgreSQL-backed queue without being rewritten.
 */
import type { z } from "zod";
import type { Db } from "@/lib/db";
import type { Logger } from "@/lib/logger";

export type JobContext = {
  jobId: string;
  db: Db;
  log: Logger;
  /** Save progress for UIs (merged shallowly; writes are throttled to one per ~500 ms unless `force`). */
  progress: (p: Record<string, unknown>, opts?: { force?: boolean }) => Promise<void>;
  /** Aborted when the job is cancelled or the process shuts down; long loops should check it. */
  signal: AbortSignal;
};

export type JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> = {
  /** kebab-case, ends with -job. */
  name: string;
  schema: S;
  /** Attempts before the job is marked failed (default 1: syncs resume from checkpoints on the next run instead). */
  maxAttempts?: number;
  handle: (payload: z.infer<S>, ctx: JobContext) => Promise<R>;
};

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*-job$/;

export function defineJob<S extends z.ZodType, R>(def: JobDefinition<S, R>): JobDefinition<S, R> {
  if (!NAME.test(def.name)) throw new Error(`job name "${def.name}" must be kebab-case and end with -job`);
  return def;
}
