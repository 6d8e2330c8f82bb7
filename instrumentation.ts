/**
 * Next.js start-up hook (server only): validates the environment — `next start` without
 * APP_ENCRYPTION_KEY refuses to start with a message saying how to make one — and starts the job worker
 * (syncs, scoring, webhooks) as `CHURNWATCH_WORKER` says:
 * - `process` (default): a child process running scripts/worker.ts (lib/jobs/worker-process.ts), so long
 *   synchronous SQLite work never blocks the web server's event loop; woken over IPC on each enqueue,
 *   restarted with backoff if it crashes, killed when this process exits;
 * - `inline`: inside this process (the old behaviour);
 * - `off`: none (run `npm run worker` yourself, e.g. N of them against PostgreSQL).
 * Before that it registers the job kinds (lib/app/register-jobs.ts; the queue itself knows none) and, on
 * PostgreSQL (CHURNWATCH_QUEUE=auto|pg-boss), installs the pg-boss engine so enqueues reach pg-boss
 * (lib/app/job-runtime.ts, docs/deploy.md). Next.js calls register() once per server instance and waits for it
 * before serving requests (nextjs.org/docs/app/api-reference/file-conventions/instrumentation); the registry
 * and the engine live on globalThis, which the route bundles share with this one.
 * One worker per web process even when `next dev` runs register() again (kept on globalThis).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads this file too: never validate runtime secrets, fork or touch the database while building.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { env, EnvError } = await import("@/lib/env");
  let mode: "process" | "inline" | "off";
  let e: ReturnType<typeof env>;
  try {
    e = env();
    mode = e.CHURNWATCH_WORKER;
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(`\nChurnwatch cannot start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const g = globalThis as unknown as { __cwWorker?: unknown; __cwJobEngineStarted?: boolean };
  if (!g.__cwJobEngineStarted) {
    g.__cwJobEngineStarted = true;
    const { registerAppJobs } = await import("@/lib/app/register-jobs");
    registerAppJobs();
    // The inline worker below starts the engine itself (with pg-boss: a full worker in this process).
    if (mode !== "inline") {
      const { startWebJobEngine } = await import("@/lib/app/job-runtime");
      await startWebJobEngine(e.DATABASE_URL, e.CHURNWATCH_QUEUE);
    }
  }
  if (mode === "off") return;
  if (g.__cwWorker) return;
  g.__cwWorker = "starting"; // claimed before the awaits below, so a concurrent register() starts no second one
  const { getDb } = await import("@/lib/db");
  if (mode === "inline") {
    const { startAppWorker } = await import("@/lib/app/job-runtime");
    g.__cwWorker = await startAppWorker(getDb(), e.DATABASE_URL, { setting: e.CHURNWATCH_QUEUE, concurrency: 2 });
  } else {
    const { startWorkerProcess } = await import("@/lib/jobs/worker-process");
    g.__cwWorker = startWorkerProcess({ db: getDb(), concurrency: 2 });
  }
}
