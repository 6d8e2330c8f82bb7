/**
 * Puts the job layer together for an entry point: registers the job kinds, picks the engine and starts it.
 *
 * Engine (CHURNWATCH_QUEUE): `auto` (default) = pg-boss when DATABASE_URL is PostgreSQL, the Job table on
 * SQLite; `table` forces the Job table's own workers (also on PostgreSQL); `pg-boss` requires PostgreSQL.
 *
 * - Web server (instrumentation.ts): {@link startWebJobEngine} — with pg-boss, installs the engine so every
 *   enqueue also sends to pg-boss (no worker in the web process unless CHURNWATCH_WORKER=inline), and requests
 *   that wait for a job (runJobInline) wait for a worker instead of running it in the web process.
 * - Worker (scripts/worker.ts): {@link startAppWorker} — the pg-boss worker (queues of every job kind, the
 *   schedules of lib/app/schedules.ts, the webhook sweep as maintenance) or the Job table worker.
 */
import type { Db } from "@/lib/db";
import { isPostgresUrl } from "@/lib/db/prisma";
import { logger } from "@/lib/logger";
import { setJobEngine } from "@/lib/jobs/engine";
import { registeredJobNames } from "@/lib/jobs/registry";
import { delegateInlineJobs } from "@/lib/jobs/run-job";
import { startWorker } from "@/lib/jobs/worker";
import { registerAppJobs } from "./register-jobs";

export type QueueSetting = "auto" | "table" | "pg-boss";

/**
 * The engine for `databaseUrl` under `setting`.
 * @throws Error when `pg-boss` is asked for on a database that is not PostgreSQL.
 */
export function queueEngineFor(databaseUrl: string, setting: QueueSetting = "auto"): "table" | "pg-boss" {
  if (setting === "table") return "table";
  if (setting === "pg-boss") {
    if (!isPostgresUrl(databaseUrl)) throw new Error("CHURNWATCH_QUEUE=pg-boss needs a PostgreSQL DATABASE_URL (postgresql://…)");
    return "pg-boss";
  }
  return isPostgresUrl(databaseUrl) ? "pg-boss" : "table";
}

/** A running worker, whichever engine. */
export type AppWorker = {
  id: string;
  engine: "table" | "pg-boss";
  running: () => number;
  wake: () => void;
  stop: (opts?: { graceMs?: number }) => Promise<void>;
};

/**
 * The web server's side: register the job kinds and, with pg-boss, install the engine (send-only pg-boss; its
 * maintenance runs in the workers). Returns a stop function (no-op for the Job table).
 */
export async function startWebJobEngine(databaseUrl: string, setting: QueueSetting = "auto"): Promise<{ engine: "table" | "pg-boss"; stop: () => Promise<void> }> {
  registerAppJobs();
  if (queueEngineFor(databaseUrl, setting) === "table") return { engine: "table", stop: async () => undefined };
  const { startPgBossEngine } = await import("@/lib/jobs/pgboss/engine");
  const pb = await startPgBossEngine({ connectionString: databaseUrl, names: registeredJobNames(), supervise: false, max: 2 });
  setJobEngine(pb.engine);
  delegateInlineJobs(true);
  return {
    engine: "pg-boss",
    stop: async () => {
      setJobEngine(null);
      delegateInlineJobs(false);
      await pb.stop();
    },
  };
}

/**
 * Start a worker on `db` (`databaseUrl` is the URL `db` connects to). pg-boss: `concurrency` jobs at a time per
 * queue (`webhookConcurrency` for webhook queues), schedules from the environment unless `schedules: false`.
 * Table: the Job table worker (`concurrency` jobs at a time, `pollMs`).
 */
export async function startAppWorker(
  db: Db,
  databaseUrl: string,
  opts: { setting?: QueueSetting; concurrency?: number; webhookConcurrency?: number; pollMs?: number; staleMs?: number; maintenanceMs?: number; schedules?: boolean } = {},
): Promise<AppWorker> {
  registerAppJobs();
  if (queueEngineFor(databaseUrl, opts.setting) === "table") {
    const { sweepWebhookEvents } = await import("@/lib/sync/webhook-sweep");
    const w = startWorker(db, {
      concurrency: opts.concurrency, pollMs: opts.pollMs, // maintenance every 5 min (MAINTENANCE_MS)
      // Webhook events accepted but never applied are queued again (every maintenance pass, 5 min by default).
      maintenance: [async (d) => {
        const swept = await sweepWebhookEvents(d);
        if (swept.hubspot || swept.stripe) logger.warn(swept, "re-queued webhook events that were never applied");
      }],
    });
    return { ...w, engine: "table" };
  }
  const [{ startPgBossEngine }, { startPgBossWorker }, { appSchedules }, { sweepWebhookEvents }] = await Promise.all([
    import("@/lib/jobs/pgboss/engine"),
    import("@/lib/jobs/pgboss/worker"),
    import("./schedules"),
    import("@/lib/sync/webhook-sweep"),
  ]);
  const names = registeredJobNames();
  const pb = await startPgBossEngine({ connectionString: databaseUrl, names, supervise: true, max: 4 + (opts.concurrency ?? 2) });
  setJobEngine(pb.engine);
  let sweptAt = 0;
  const w = await startPgBossWorker(db, pb, {
    names,
    concurrency: opts.concurrency,
    webhookConcurrency: opts.webhookConcurrency,
    staleMs: opts.staleMs,
    maintenanceMs: opts.maintenanceMs,
    schedules: opts.schedules === false ? [] : appSchedules(),
    // Webhook events accepted but never applied are queued again (every 5 min, like the Job table worker).
    maintenance: [async (d) => {
      if (Date.now() - sweptAt < 5 * 60_000) return;
      sweptAt = Date.now();
      await sweepWebhookEvents(d);
    }],
  });
  return {
    id: w.id,
    engine: "pg-boss",
    running: w.running,
    wake: w.wake,
    stop: async (o) => {
      await w.stop(o);
      setJobEngine(null);
    },
  };
}
