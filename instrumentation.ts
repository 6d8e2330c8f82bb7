/**
 * Next.js start-up hook (server only): validates the environment — `next start` without
 * APP_ENCRYPTION_KEY refuses to start with a message saying how to make one — and starts the
 * embedded job worker (syncs, scoring, webhooks) unless CHURNWATCH_WORKER=off.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` loads this file too: never validate runtime secrets or touch the database while building.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { env, EnvError } = await import("@/lib/env");
  try {
    env();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(`\nChurnwatch cannot start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (process.env.CHURNWATCH_WORKER !== "off") {
    const { getDb } = await import("@/lib/db");
    const { startWorker } = await import("@/lib/jobs/worker");
    const g = globalThis as unknown as { __cwWorker?: unknown };
    g.__cwWorker ??= startWorker(getDb(), { concurrency: 2 });
  }
}
