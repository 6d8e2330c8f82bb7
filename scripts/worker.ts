/**
 * `npm run worker` — the job worker as a process of its own (syncs, backfill, scoring, webhooks):
 *
 *   npm run worker                          # against DATABASE_URL (default file:./data/churnwatch.db)
 *   npm run worker -- --concurrency 4       # jobs at a time (1-16, default 2)
 *
 * Two ways it runs:
 * - forked by the web server (the embedded default, CHURNWATCH_WORKER=process: lib/jobs/worker-process.ts,
 *   started from instrumentation.ts) with an IPC channel: a `{type: "wake"}` message makes it look at the
 *   queue at once, it answers `{type: "ready", workerId, pid}` once running, and it stops when the channel
 *   closes (`disconnect`: the web server exited or was killed) so it never outlives the web server;
 * - standalone (CHURNWATCH_WORKER=off in the web server's environment, then one or more `npm run worker`;
 *   with PostgreSQL run as many as you like, on any machines).
 * The engine follows CHURNWATCH_QUEUE (lib/app/job-runtime.ts): on PostgreSQL pg-boss (queues per job kind,
 * retries with backoff, dead letters, the schedules of lib/app/schedules.ts; docs/deploy.md), on SQLite the
 * Job table. The job kinds are registered here (lib/app/register-jobs.ts), not by the queue.
 *
 * SIGTERM / SIGINT / disconnect: stop claiming, abort the running jobs' signals, wait up to `--grace-ms`
 * for them, put unfinished ones back in the queue (they resume from their checkpoints), exit 0. A second
 * signal exits at once (a job left running is re-queued by the next worker's stale-job check).
 * Configuration: the environment, then `--dotenv` (default .env.local; never overrides the environment),
 * validated by lib/env.ts. Logs: pino JSON lines (LOG_LEVEL). Exit codes: 0 stopped, 1 crashed, 2 bad
 * usage or configuration.
 */
import { z } from "zod";
import { CliError, EXIT, parseCli, runCli } from "./lib/cli-db";
import { readEnvFile } from "./lib/env-file";

const USAGE = `Usage: npm run worker -- [options]

Run queued background jobs (syncs, backfill, scoring, webhooks) until SIGTERM/SIGINT. The web server forks
one by default (CHURNWATCH_WORKER=process); with CHURNWATCH_WORKER=off run this yourself (PostgreSQL: any number).

Options:
      --concurrency <n>   jobs at a time, 1-16 (default 2)
      --poll-ms <ms>      look at the queue this often when nothing wakes the worker (default 1000)
      --grace-ms <ms>     on stop, wait this long for running jobs before re-queueing them (default 10000)
      --webhook-concurrency <n>  pg-boss: webhook jobs at a time per webhook queue, 1-16 (default 2)
      --stale-ms <ms>     pg-boss: a running job whose heartbeat is older than this lost its worker (default 120000)
      --maintenance-ms <ms>  pg-boss: how often to look for such jobs and for queued jobs pg-boss lost (default 30000)
      --no-schedules      pg-boss: do not run the cron schedules in this worker
      --dotenv <path>     configuration file read after the environment (default .env.local)
  -h, --help              this help`;

const OPTIONS = {
  concurrency: { type: "string", default: "2" },
  "poll-ms": { type: "string", default: "1000" },
  "grace-ms": { type: "string", default: "10000" },
  "webhook-concurrency": { type: "string", default: "2" },
  "stale-ms": { type: "string", default: "120000" },
  "maintenance-ms": { type: "string", default: "30000" },
  "no-schedules": { type: "boolean", default: false },
  dotenv: { type: "string", default: ".env.local" },
  help: { type: "boolean", short: "h" },
} as const;

const ZArgs = z.object({
  concurrency: z.coerce.number().int().min(1).max(16),
  "poll-ms": z.coerce.number().int().min(10).max(600_000),
  "grace-ms": z.coerce.number().int().min(0).max(600_000),
  "webhook-concurrency": z.coerce.number().int().min(1).max(16),
  "stale-ms": z.coerce.number().int().min(1_000).max(3_600_000),
  "maintenance-ms": z.coerce.number().int().min(100).max(3_600_000),
});

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), OPTIONS, USAGE);
  const parsed = ZArgs.safeParse(args.values);
  if (!parsed.success) throw new CliError(`bad option: ${z.prettifyError(parsed.error)} (see --help)`);
  const { concurrency, "poll-ms": pollMs, "grace-ms": graceMs, "webhook-concurrency": webhookConcurrency, "stale-ms": staleMs, "maintenance-ms": maintenanceMs } = parsed.data;

  for (const [k, v] of Object.entries(readEnvFile(args.values.dotenv))) if (process.env[k] === undefined) process.env[k] = v;
  const { env, EnvError, resetEnvCache } = await import("@/lib/env");
  resetEnvCache();
  try {
    env();
  } catch (err) {
    if (err instanceof EnvError) throw new CliError(err.message);
    throw err;
  }
  // After the env file: the logger reads LOG_LEVEL when it is first imported.
  const { logger } = await import("@/lib/logger");
  const { getDb } = await import("@/lib/db");
  const { startAppWorker } = await import("@/lib/app/job-runtime");
  const { ZWakeMessage } = await import("@/lib/jobs/worker-messages");
  const log = logger.child({ component: "job-worker", pid: process.pid });

  const db = getDb();
  try {
    await db.job.count({ where: { status: "queued" } });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n").filter(Boolean).slice(-1)[0] : String(err);
    throw new CliError(`cannot read the database: ${msg}\n  Check DATABASE_URL and run \`npm run db:deploy\` to apply the migrations.`);
  }

  const e = env();
  let worker;
  try {
    worker = await startAppWorker(db, e.DATABASE_URL, {
      setting: e.CHURNWATCH_QUEUE, concurrency, webhookConcurrency, pollMs, staleMs, maintenanceMs, schedules: !args.values["no-schedules"],
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n").filter(Boolean).slice(-1)[0] : String(err);
    throw new CliError(`cannot start the job engine: ${msg}`);
  }
  const viaIpc = typeof process.send === "function";
  log.info({ workerId: worker.id, engine: worker.engine, concurrency, pollMs, ipc: viaIpc }, "job worker started");

  const stopReason = await new Promise<string>((resolve) => {
    let stopping = false;
    const request = (reason: string) => {
      if (stopping) {
        log.warn({ reason }, "job worker: second stop request, exiting now");
        process.exit(EXIT.failed);
      }
      stopping = true;
      resolve(reason);
    };
    process.on("SIGTERM", () => request("SIGTERM"));
    process.on("SIGINT", () => request("SIGINT"));
    if (viaIpc) {
      process.on("disconnect", () => request("parent disconnected"));
      process.on("message", (m: unknown) => {
        if (ZWakeMessage.safeParse(m).success) worker.wake();
      });
      process.send!({ type: "ready", workerId: worker.id, pid: process.pid }, undefined, undefined, () => undefined);
    }
  });

  const t0 = Date.now();
  log.info({ reason: stopReason, running: worker.running() }, "job worker stopping");
  await worker.stop({ graceMs });
  // Bounded: a connection stuck mid-query must not keep the process alive (runCli exits afterwards anyway).
  await Promise.race([db.$disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 3_000).unref())]);
  log.info({ ms: Date.now() - t0 }, "job worker stopped");
  if (process.connected) process.disconnect();
  return EXIT.ok;
}

runCli(main, { verbose: true });
