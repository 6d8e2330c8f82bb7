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
 * Source: node_modules/pg-boss/README.md, types.d.ts, src/plans.js (10.4.2).
 */
import PgBoss from "pg-boss";
import { logger } from "@/lib/logger";
import type { DispatchedJob, JobEngine } from "../engine";
import { DEAD_LETTER_QUEUE, queueSettingsOf, type QueueClass, type QueueSettings } from "./queues";

export const PGBOSS_SCHEMA = "pgboss";

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
      const id = await boss.send(job.name, { jobId: job.id }, {
        ...(job.runAfter.getTime() > Date.now() + 1_000 ? { startAfter: job.runAfter } : {}),
        // One active job per connection (policy singleton): the key is the row's dedupeKey (sync:<connectionId>).
        ...(s.policy === "singleton" ? { singletonKey: job.dedupeKey ?? job.id } : {}),
        // Webhooks first when one queue holds several kinds' work (priority is per queue in pg-boss).
        priority: s.class === "webhook" ? 10 : 0,
        // Explicit per job (not only the queue's defaults): the sending process's settings decide, whichever
        // worker last updated the queue.
        retryLimit: s.retryLimit, retryDelay: s.retryDelay, retryBackoff: s.retryBackoff, expireInSeconds: s.expireInSeconds,
      });
      if (!id) log.warn({ jobId: job.id, job: job.name }, "pg-boss did not take the job (a conflicting singleton); the maintenance dispatches it again");
    },
  };

  let stopping: Promise<void> | undefined;
  return {
    boss,
    engine,
    settingsOf,
    ensureQueue,
    stop: (o = {}) => (stopping ??= boss.stop({ graceful: true, wait: true, timeout: o.timeoutMs ?? 15_000 }).catch((err: unknown) => log.warn({ err }, "pg-boss stop failed"))),
  };
}
