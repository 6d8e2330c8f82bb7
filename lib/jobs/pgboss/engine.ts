/**
 * The pg-boss job engine (PostgreSQL): pg-boss 10 in schema `pgboss` of the application's own database
 * (no Redis, no hosted service). Each queued Job row is sent as `{jobId}` to the pg-boss queue named like its
 * job kind (settings: lib/jobs/pgboss/queues.ts); `npm run worker` processes fetch and run them
 * (lib/jobs/pgboss/worker.ts). The Job row stays the record the UI/API read.
 *
 *   const pb = await startPgBossEngine({ connectionString: url, names: registeredJobNames() });
 *   setJobEngine(pb.engine);      // enqueueJob() now also sends to pg-boss
 *   await pb.stop();
 *
 * `start()` installs or migrates the `pgboss` schema (pg-boss takes an advisory lock for that, so several
 * processes may start at once) and creates the queues (create_queue is `ON CONFLICT DO NOTHING`).
 * Waking workers (issue 15): pg-boss 10 workers poll (`work()` loops sleep `pollingIntervalSeconds` between fetches,
 * node_modules/pg-boss/src/worker.js) and `boss.send()` wakes only workers of the SAME pg-boss instance. So every
 * dispatch also runs `pg_notify('${JOB_NOTIFY_CHANNEL}', <job kind>)`; workers LISTEN on that channel and call
 * `boss.notifyWorker(id)` for the kind's loops (lib/jobs/pgboss/worker.ts) — a job sent by a web server starts in
 * milliseconds instead of after the next poll. Polling stays as the fallback (a lost notification, a worker that
 * was reconnecting). PostgreSQL delivers NOTIFY on commit to every listening session
 * (https://www.postgresql.org/docs/current/sql-notify.html); the send and the notify are separate statements, so
 * the job is visible before its notification arrives.
 * The data of a pg-boss job is `{jobId, runAfterMs?}`: `runAfterMs` (epoch ms) when the row may not run yet but soon
 * (≤ {@link START_AFTER_MS}; a coalescing window): the worker waits for it before claiming. Later ones are sent
 * with pg-boss `startAfter` and not fetched before.
 * Source: node_modules/pg-boss/README.md, types.d.ts, src/plans.js, src/manager.js (10.4.2).
 */
import PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import type { DispatchedJob, JobEngine } from "../engine";
import { DEAD_LETTER_QUEUE, queueSettingsOf, type QueueClass, type QueueSettings } from "./queues";

export const PGBOSS_SCHEMA = "pgboss";
/** The PostgreSQL NOTIFY channel a dispatch wakes workers on (payload: the job kind = pg-boss queue name). */
export const JOB_NOTIFY_CHANNEL = "churnwatch_job";
/** A row runnable later than this (ms from now) is sent with pg-boss `startAfter`; sooner, the worker waits for it. */
export const START_AFTER_MS = 1_000;

/** The data of our pg-boss jobs: the Job row, and when it may run if that is a little later than now. */
export type PgBossJobData = { jobId?: string; runAfterMs?: number };

export type PgBossEngineOptions = {
  /** postgresql://… — the application's database (the `pgboss` schema is created in it). */
  connectionString: string;
  /** Job kinds to create queues for (more are created on first dispatch). */
  names: string[];
  /** Per-class setting overrides (tests: short retry delays). */
  overrides?: Partial<Record<QueueClass, Partial<QueueSettings>>>;
  /** pg-boss's connection pool size (default 4). */
  max?: number;
  /** Run pg-boss's own maintenance (expiry, archive, retention) and cron timekeeping in this instance (workers: true; web: false). */
  supervise?: boolean;
};

export type PgBossEngine = {
  boss: PgBoss;
  /** The database URL pg-boss connects to (workers open their LISTEN connection with it). */
  connectionString: string;
  engine: JobEngine;
  /** Settings of the queue of job kind `name`. */
  settingsOf: (name: string) => QueueSettings;
  /** Create the queue of job kind `name` if this instance has not yet (idempotent). */
  ensureQueue: (name: string) => Promise<void>;
  /** Stop pg-boss (no more fetches; active jobs of this instance are failed → retried after `timeoutMs`). */
  stop: (opts?: { timeoutMs?: number }) => Promise<void>;
};

/**
 * Start pg-boss on `connectionString` and return the engine to install with `setJobEngine`.
 * @throws the pg error when the database cannot be reached or the schema cannot be created.
 */
export async function startPgBossEngine(opts: PgBossEngineOptions): Promise<PgBossEngine> {
  const log = logger.child({ component: "pg-boss" });
  const supervise = opts.supervise ?? false;
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    schema: PGBOSS_SCHEMA,
    application_name: "churnwatch-jobs",
    max: opts.max ?? 4,
    migrate: true,
    supervise,
    schedule: supervise,
  });
  boss.on("error", (err) => log.error({ err }, "pg-boss error"));
  await boss.start();

  const created = new Set<string>();
  const settingsOf = (name: string) => queueSettingsOf(name, opts.overrides);
  async function ensureQueue(name: string) {
    if (created.has(name)) return;
    const s = settingsOf(name);
    const queue = {
      name, policy: s.policy, retryLimit: s.retryLimit, retryDelay: s.retryDelay, retryBackoff: s.retryBackoff,
      expireInSeconds: s.expireInSeconds, deadLetter: DEAD_LETTER_QUEUE,
    };
    if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
    else await boss.createQueue(name, queue);
    created.add(name);
  }
  if (!(await boss.getQueue(DEAD_LETTER_QUEUE))) await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, policy: "standard" });
  for (const name of opts.names) await ensureQueue(name);

  const engine: JobEngine = {
    kind: "pg-boss",
    dispatch: async (job: DispatchedJob) => {
      await ensureQueue(job.name);
      const s = settingsOf(job.name);
      const delayMs = job.runAfter.getTime() - Date.now();
      const data: PgBossJobData = { jobId: job.id, ...(delayMs > 0 && delayMs <= START_AFTER_MS ? { runAfterMs: job.runAfter.getTime() } : {}) };
      const id = await boss.send(job.name, data, {
        ...(delayMs > START_AFTER_MS ? { startAfter: job.runAfter } : {}),
        // One active job per connection (policy singleton): the key is the row's dedupeKey (sync:<connectionId>).
        ...(s.policy === "singleton" ? { singletonKey: job.dedupeKey ?? job.id } : {}),
        // Webhooks first when one queue holds several kinds' work (priority is per queue in pg-boss).
        priority: s.class === "webhook" ? 10 : 0,
        // Explicit per job (not only the queue's defaults): the sending process's settings decide, whichever
        // worker last updated the queue.
        retryLimit: s.retryLimit, retryDelay: s.retryDelay, retryBackoff: s.retryBackoff, expireInSeconds: s.expireInSeconds,
      });
      if (!id) log.warn({ jobId: job.id, job: job.name }, "pg-boss did not take the job (a conflicting singleton); the maintenance dispatches it again");
      // Wake the workers of this kind on every machine now (not at their next poll). Best effort: polling remains.
      else if (delayMs <= START_AFTER_MS) {
        await boss.getDb().executeSql("SELECT pg_notify($1, $2)", [JOB_NOTIFY_CHANNEL, job.name])
          .catch((err: unknown) => log.warn({ err, job: job.name }, "could not notify the workers; they find the job at their next poll"));
      }
    },
  };

  let stopping: Promise<void> | undefined;
  return {
    boss,
    connectionString: opts.connectionString,
    engine,
    settingsOf,
    ensureQueue,
    stop: (o = {}) => (stopping ??= boss.stop({ graceful: true, wait: true, timeout: o.timeoutMs ?? 15_000 }).catch((err: unknown) => log.warn({ err }, "pg-boss stop failed"))),
  };
}
