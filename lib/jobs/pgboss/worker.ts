/**
 * A job worker on pg-boss (PostgreSQL; `npm run worker` with CHURNWATCH_QUEUE=auto|pg-boss, any number of
 * processes on any number of machines). Same shape as the Job table's worker (lib/jobs/worker.ts).
 *
 * - One pg-boss `work()` loop per job kind (queue) × `concurrency` (`webhookConcurrency` for webhook kinds):
 *   separate fetch loops, so webhooks never wait behind syncs or a backfill (fairness, docs/deploy.md).
 * - Each fetched pg-boss job carries `{jobId}`. The worker claims that Job row (queued → running, one conditional
 *   update; attempts = pg-boss retryCount + 1, maxAttempts = retryLimit + 1) and runs it with
 *   lib/jobs/run-job.ts (`executeJob`: progress, heartbeat, cancel, result). A row that is not queued any more
 *   (cancelled, or already run elsewhere) completes the pg-boss job without running anything.
 * - Outcome → pg-boss: succeeded/cancelled → complete; a failure → the handler throws, so pg-boss retries with
 *   backoff (state `retry`, the row shows `queued` with the error) or, retries used up, marks it `failed` and
 *   copies it to the dead-letter queue (the row shows `failed` with its error; POST /api/jobs/{id}/retry).
 * - Dead workers (SIGKILL, power loss): a running row whose heartbeat is older than `staleMs` (default 120 s;
 *   rows refresh it every min(15 s, staleMs/4)) is failed in pg-boss → retried with backoff → the sync resumes
 *   from its checkpoint. Queued rows that no pg-boss job carries (enqueued by a process without the engine, a
 *   send that failed, a job interrupted on its last retry) are dispatched again. Both run every
 *   `maintenanceMs` (default 30 s) under a transaction-scoped advisory lock (one worker at a time).
 * - `schedules`: cron entries registered with pg-boss `schedule()` (stored in pgboss.schedule; pg-boss sends
 *   each at most once per minute across all instances) and run by this worker.
 * - `stop()`: no more fetches, running jobs' signals aborted (they put their rows back to queued and pg-boss
 *   retries them), waits up to `graceMs`, then stops pg-boss.
 *
 * Latency and throughput (issue 15, measured in docs/deploy.md):
 * - pg-boss 10's `work()` loop sleeps `pollingIntervalSeconds` minus the time spent after EVERY fetch, also one
 *   that returned jobs (node_modules/pg-boss/src/worker.js `start()`), so a loop with `batchSize: 1` ran at most
 *   2 jobs/s at 0.5 s polling whatever the backlog (≈ 4 webhook events/s with 2 loops). After a fetch that
 *   returned jobs a loop now calls `boss.notifyWorker(itsId)` (types.d.ts: "notifyWorker(workerId)"; it sets the
 *   loop's `beenNotified`, which skips the sleep), so a busy queue is fetched again at once; an idle one polls.
 * - Workers LISTEN on {@link JOB_NOTIFY_CHANNEL} (one connection per worker, reconnected after errors) and wake
 *   the loops of the notified kind at once (the engine notifies on every dispatch).
 * - Webhook queues fetch up to `webhookBatchSize` jobs per fetch (pg-boss `batchSize`; default 10), run one after
 *   the other; each is completed or failed in pg-boss on its own (pg-boss completes a batch as a whole only when
 *   the handler resolves, and `complete` touches only jobs still `active`, src/plans.js `completeJobs`), so each
 *   event is still applied once in effect and retried alone.
 * - A job whose data carries `runAfterMs` (a coalescing window of ≤ 1 s, lib/pipeline/enqueue-account-refresh.ts)
 *   is claimed only once that time has come, so re-score requests arriving meanwhile still join the queued row —
 *   the same `coalesce` behaviour as the Job table's worker, which does not claim a row before its `runAfter`.
 */
import { hostname } from "node:os";
import type PgBoss from "pg-boss";
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { HEARTBEAT_MS, REQUEUED_STALE, STALE_MS } from "../queue";
import { executeJob } from "../run-job";
import pg from "pg";
import type { PgBossEngine, PgBossJobData } from "./engine";
import { JOB_NOTIFY_CHANNEL, PGBOSS_SCHEMA, START_AFTER_MS } from "./engine";

/** A cron schedule run by the pg-boss workers (e.g. the hourly incremental syncs, the daily scoring). */
export type PgBossSchedule = {
  /** pg-boss queue/schedule name, kebab-case, e.g. "scheduled-sync-job". */
  name: string;
  /** 5-field cron, UTC (pg-boss `schedule(name, cron, data, {tz})`). */
  cron: string;
  /** What to do when it fires (enqueue Job rows: they run like any other job). */
  run: (db: Db) => Promise<unknown>;
};

export type PgBossWorkerOptions = {
  /** Job kinds this worker runs. */
  names: string[];
  /** Jobs at a time per non-webhook queue in this process (default 2). */
  concurrency?: number;
  /** Jobs at a time per webhook queue (default 2). */
  webhookConcurrency?: number;
  /** Webhook jobs fetched at once by one loop (pg-boss `batchSize`, default 10; each still completed alone). */
  webhookBatchSize?: number;
  /** LISTEN for dispatch notifications and wake the loops at once (default true; false: polling only). */
  listen?: boolean;
  /** A running row with an older heartbeat has lost its process (ms, default {@link STALE_MS}). */
  staleMs?: number;
  /** Period of the stale/orphan maintenance (ms, default 30,000; 0 = off). */
  maintenanceMs?: number;
  /** Queued rows younger than this are left to their own dispatch (ms, default 30,000). */
  orphanAfterMs?: number;
  /** More maintenance, run with the stale/orphan pass (e.g. the webhook sweep). */
  maintenance?: ((db: Db) => Promise<unknown>)[];
  schedules?: PgBossSchedule[];
};

export type PgBossWorker = {
  id: string;
  /** Jobs running now in this process. */
  running: () => number;
  /** Run the stale/orphan maintenance now (tests; the timer calls it). Resolves to what it did. */
  maintain: () => Promise<{ stale: number; orphans: number }>;
  wake: () => void;
  stop: (opts?: { graceMs?: number }) => Promise<void>;
};

type Data = PgBossJobData;

/**
 * Start working the queues of `opts.names` with the pg-boss instance of `pb` (started with `supervise: true`
 * for a worker). Resolves once every `work()` loop is registered.
 */
export async function startPgBossWorker(db: Db, pb: PgBossEngine, opts: PgBossWorkerOptions): Promise<PgBossWorker> {
  const { boss } = pb;
  const id = `pgboss:${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const log = logger.child({ component: "pg-boss-worker", workerId: id });
  const staleMs = opts.staleMs ?? STALE_MS;
  const heartbeatMs = Math.max(250, Math.min(HEARTBEAT_MS, Math.floor(staleMs / 4)));
  const controller = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  let stopped = false;

  async function runOne(job: PgBoss.JobWithMetadata<Data>) {
    const jobId = job.data?.jobId;
    if (!jobId || stopped) {
      if (stopped) throw new Error("worker stopping");
      log.warn({ bossJobId: job.id, queue: job.name }, "pg-boss job without a jobId; completed without running");
      return { skipped: "no jobId" };
    }
    // A coalescing window (≤ START_AFTER_MS): the row stays queued (joinable) until then, as on the Job table.
    const waitMs = Math.min((job.data?.runAfterMs ?? 0) - Date.now(), START_AFTER_MS);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    if (stopped) throw new Error("worker stopping");
    const now = new Date();
    const claimed = await db.job.updateMany({
      where: { id: jobId, status: "queued" },
      data: { status: "running", lockedBy: id, startedAt: now, heartbeatAt: now, attempts: job.retryCount + 1, maxAttempts: job.retryLimit + 1 },
    });
    if (claimed.count !== 1) {
      const row = await db.job.findUnique({ where: { id: jobId }, select: { status: true } });
      log.info({ jobId, bossJobId: job.id, status: row?.status ?? "missing" }, "job row not queued; pg-boss job completed without running it");
      return { skipped: row?.status ?? "missing" };
    }
    const row = await db.job.findUniqueOrThrow({ where: { id: jobId } });
    const p = executeJob(db, row, { signal: controller.signal, requeueOnAbort: true, heartbeatMs });
    inflight.add(p);
    try {
      const view = await p;
      if (view.status === "succeeded" || view.status === "cancelled") return { status: view.status };
      // queued (a retry, or put back because this worker stops) or failed (attempts used up): pg-boss decides.
      throw new Error(view.error ?? `job ${view.status}`);
    } finally {
      inflight.delete(p);
    }
  }

  /** pg-boss work() ids of this worker's loops per job kind (to wake them). */
  const loops = new Map<string, string[]>();
  const wakeKind = (name: string) => { for (const wid of loops.get(name) ?? []) boss.notifyWorker(wid); };
  for (const name of opts.names) {
    await pb.ensureQueue(name);
    const s = pb.settingsOf(name);
    const n = s.class === "webhook" ? (opts.webhookConcurrency ?? 2) : (opts.concurrency ?? 2);
    const batchSize = s.class === "webhook" ? Math.max(1, opts.webhookBatchSize ?? 10) : 1;
    for (let i = 0; i < n; i++) {
      let wid = "";
      wid = await boss.work<Data>(name, { batchSize, includeMetadata: true, pollingIntervalSeconds: s.pollingIntervalSeconds }, async (jobs) => {
        // Busy: fetch again as soon as this batch is done instead of sleeping the polling interval (see above).
        if (jobs.length && wid && !stopped) boss.notifyWorker(wid);
        if (jobs.length === 1) return runOne(jobs[0]!); // pg-boss completes it with the result, or fails it (retry)
        for (const j of jobs) {
          try {
            await runOne(j);
            await boss.complete(name, j.id);
          } catch (err) {
            // This job only: retried with backoff / dead-lettered by pg-boss; the others of the batch go on.
            await boss.fail(name, j.id, { message: err instanceof Error ? err.message : String(err) })
              .catch((e: unknown) => log.error({ err: e, bossJobId: j.id }, "could not fail a pg-boss job; it expires and is retried"));
          }
        }
      });
      loops.set(name, [...(loops.get(name) ?? []), wid]);
    }
  }

  // LISTEN for dispatches (any process, any machine) and wake the loops of that kind now.
  let listener: pg.Client | undefined;
  let relisten: NodeJS.Timeout | undefined;
  async function listen() {
    if (stopped) return;
    const c = new pg.Client({ connectionString: pb.connectionString, application_name: "churnwatch-jobs-listen" });
    const retry = (err: unknown) => {
      if (stopped || listener !== c) return;
      listener = undefined;
      log.warn({ err }, "job notification listener lost; polling until it reconnects");
      c.end().catch(() => undefined);
      relisten = setTimeout(() => void listen(), 1_000);
      relisten.unref?.();
    };
    listener = c;
    c.on("error", retry);
    c.on("end", () => retry(new Error("connection ended")));
    c.on("notification", (m) => { if (m.channel === JOB_NOTIFY_CHANNEL && m.payload) wakeKind(m.payload); });
    try {
      await c.connect();
      await c.query(`LISTEN ${JOB_NOTIFY_CHANNEL}`);
    } catch (err) {
      retry(err);
    }
  }
  if (opts.listen !== false) await listen();

  for (const sch of opts.schedules ?? []) {
    await boss.createQueue(sch.name, { name: sch.name, policy: "short", retryLimit: 1 });
    await boss.schedule(sch.name, sch.cron, {}, { tz: "UTC" });
    await boss.work(sch.name, { pollingIntervalSeconds: 5 }, async () => {
      log.info({ schedule: sch.name }, "scheduled run");
      await sch.run(db);
    });
  }

  /** Stale rows → fail in pg-boss (retry with backoff); orphan queued rows → dispatch. One worker at a time. */
  async function maintain(): Promise<{ stale: number; orphans: number }> {
    return db.$transaction(async (tx) => {
      const got = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('cw-pgboss-maintenance')) AS ok`;
      if (!got[0]?.ok) return { stale: 0, orphans: 0 };
      let stale = 0;
      let orphans = 0;
      const cutoff = new Date(Date.now() - staleMs);
      const dead = await tx.job.findMany({ where: { status: "running", lockedBy: { startsWith: "pgboss:" }, heartbeatAt: { lt: cutoff } }, take: 500 });
      for (const j of dead) {
        const active = await boss.getDb().executeSql(
          `SELECT id FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state = 'active' AND data->>'jobId' = $2`,
          [j.name, j.id],
        );
        let state: string | undefined;
        for (const r of active.rows as { id: string }[]) {
          await boss.fail(j.name, r.id, { message: REQUEUED_STALE });
          state = (await boss.getJobById(j.name, r.id))?.state;
        }
        const failed = state === "failed";
        const r = await tx.job.updateMany({
          where: { id: j.id, status: "running", heartbeatAt: { lt: cutoff } },
          data: failed
            ? { status: "failed", error: `${REQUEUED_STALE}: no retries left`, finishedAt: new Date(), lockedBy: null }
            : { status: "queued", error: REQUEUED_STALE, lockedBy: null, runAfter: new Date() },
        });
        stale += r.count;
        // No pg-boss job was active for it (e.g. pg-boss's own expiry got there first and the copy was lost): send one.
        if (r.count === 1 && !failed && active.rows.length === 0) await pb.engine.dispatch(j);
        if (r.count === 1) log.warn({ jobId: j.id, job: j.name, heartbeatAt: j.heartbeatAt, lockedBy: j.lockedBy, failed }, "job lost its worker; handed back to pg-boss");
      }
      const orphanCutoff = new Date(Date.now() - (opts.orphanAfterMs ?? 30_000));
      const queued = await tx.job.findMany({ where: { status: "queued", runAfter: { lt: orphanCutoff }, createdAt: { lt: orphanCutoff } }, take: 500, orderBy: { createdAt: "asc" } });
      for (const j of queued) {
        const live = await boss.getDb().executeSql(
          `SELECT 1 FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state < 'completed' AND data->>'jobId' = $2 LIMIT 1`,
          [j.name, j.id],
        );
        if (live.rows.length) continue;
        await pb.engine.dispatch(j);
        orphans++;
      }
      if (orphans) log.warn({ orphans }, "dispatched queued jobs that no pg-boss job carried");
      return { stale, orphans };
    }, { maxWait: 10_000, timeout: 120_000 });
  }

  const maintenanceMs = opts.maintenanceMs ?? 30_000;
  let maintaining: Promise<unknown> | undefined;
  const timer = maintenanceMs > 0 ? setInterval(() => {
    if (stopped || maintaining) return;
    maintaining = (async () => {
      await maintain();
      for (const task of opts.maintenance ?? []) await task(db);
    })().catch((err: unknown) => log.error({ err }, "pg-boss worker maintenance failed")).finally(() => { maintaining = undefined; });
  }, maintenanceMs) : undefined;
  timer?.unref?.();

  let stopping: Promise<void> | undefined;
  async function stop(graceMs: number) {
    stopped = true;
    if (timer) clearInterval(timer);
    if (relisten) clearTimeout(relisten);
    const l = listener;
    listener = undefined;
    await l?.end().catch(() => undefined);
    for (const name of [...opts.names, ...(opts.schedules ?? []).map((s) => s.name)]) await boss.offWork(name).catch(() => undefined);
    controller.abort(new Error("worker stopping"));
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => { while (inflight.size || maintaining) await Promise.allSettled([...inflight, maintaining]); })(),
      new Promise((r) => { t = setTimeout(r, graceMs); }),
    ]);
    clearTimeout(t);
    await pb.stop({ timeoutMs: Math.max(1_000, graceMs) });
  }

  log.info({ queues: opts.names.length, concurrency: opts.concurrency ?? 2, staleMs }, "pg-boss worker started");
  return {
    id,
    running: () => inflight.size,
    maintain,
    wake: () => { for (const name of loops.keys()) wakeKind(name); },
    stop: (o = {}) => (stopping ??= stop(o.graceMs ?? 10_000)),
  };
}
