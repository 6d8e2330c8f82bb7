/**
 * The web server's job worker as a child process (the embedded default, CHURNWATCH_WORKER=process;
 * instrumentation.ts starts it). libsql is synchronous, so scoring, backfill and sync writes running in the
 * web process would block its event loop for seconds at a time; in a child they only share the SQLite file
 * (WAL + busy_timeout, lib/db/sqlite-connection-pragmas.ts).
 *
 *   const wp = startWorkerProcess({ db: getDb(), concurrency: 2 });   // forks `tsx scripts/worker.ts`
 *   await wp.stop();
 *
 * - The child is `node --import tsx <cwd>/scripts/worker.ts --concurrency N`, run from `cwd` (default
 *   `process.cwd()`, the app root: Next bundles this module, so paths never come from the bundle's location);
 *   it inherits the environment (DATABASE_URL, APP_ENCRYPTION_KEY, …) and stdout/stderr.
 * - Waking: every `enqueueJob` in this process sends the child `{type: "wake"}` over IPC (coalesced per
 *   tick), so a webhook or "Sync now" starts at once; the child's poll (1 s) is the fallback.
 * - `runJobInline` in this process (a request that waits for its job, e.g. POST /api/integrations/score)
 *   hands the job to the child and waits for it (`delegateInlineJobs`), until `stop()`.
 * - Crashes: the child is restarted after `restartDelayMs.min` (default 5 s), doubling per crash in a row up
 *   to `restartDelayMs.max` (default 60 s; back to the minimum once a child ran ≥ 60 s); its running jobs
 *   are re-queued at once when `db` is given (else after the stale-heartbeat timeout).
 * - The child exits when this process exits (killed on `exit`; and it stops by itself when the IPC channel
 *   closes, e.g. if this process was SIGKILLed).
 */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { Db } from "@/lib/db";
import { logger } from "@/lib/logger";
import { onJobEnqueued } from "./queue";
import { delegateInlineJobs } from "./run-job";
import { ZReadyMessage, type TWakeMessage } from "./worker-messages";
import { requeueJobsOfWorker } from "./worker";

export type WorkerProcessOptions = {
  /** App root the child runs in (tsx reads tsconfig.json's `@/` alias there). Default `process.cwd()`. */
  cwd?: string;
  /** Worker script, relative to `cwd`. Default `scripts/worker.ts`. */
  script?: string;
  /** Jobs at a time in the child (default 2). */
  concurrency?: number;
  /** More arguments for the script (e.g. `["--poll-ms", "500"]`). */
  args?: string[];
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Restart delay after a crash, ms: `min` doubling per crash in a row up to `max` (default 5,000 / 60,000). */
  restartDelayMs?: { min: number; max: number };
  /** This process's database: used only to re-queue a crashed child's running jobs at once. */
  db?: Db;
};

export type WorkerProcess = {
  /** pid of the running child (undefined between a crash and its restart, or after stop). */
  pid: () => number | undefined;
  /** `Job.lockedBy` id of the running child's worker, once it reported ready. */
  workerId: () => string | undefined;
  /** Children started after a crash so far. */
  restarts: () => number;
  /** Resolves when the current (or next) child reported ready. */
  ready: () => Promise<void>;
  /** Ask the child to look at the queue now (no-op while no child runs). */
  wake: () => void;
  /**
   * Stop: no more restarts, SIGTERM the child (it re-queues unfinished jobs), SIGKILL after `killAfterMs`
   * (default 15,000 ms). Resolves when the child exited. Idempotent.
   */
  stop: (opts?: { killAfterMs?: number }) => Promise<void>;
};

const HEALTHY_RUN_MS = 60_000;

/** Fork the worker script and keep one child running (restarting it with backoff) until `stop()`. */
export function startWorkerProcess(opts: WorkerProcessOptions = {}): WorkerProcess {
  const cwd = opts.cwd ?? process.cwd();
  const script = path.resolve(cwd, opts.script ?? path.join("scripts", "worker.ts"));
  const args = ["--concurrency", String(opts.concurrency ?? 2), ...(opts.args ?? [])];
  const delay = opts.restartDelayMs ?? { min: 5_000, max: 60_000 };
  const log = logger.child({ component: "job-worker-process" });

  let child: ChildProcess | undefined;
  let childWorkerId: string | undefined;
  let crashesInARow = 0;
  let restarts = 0;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let wakePending = false;
  let readyWaiters: (() => void)[] = [];
  let exited: Promise<void> = Promise.resolve();

  function spawnChild() {
    const startedAt = Date.now();
    // Fetched at run time: Turbopack reads `fork(<path>)` of an imported child_process as a module reference and
    // fails the build trying to bundle the script; the script is run by tsx from `cwd`, never bundled.
    const { fork } = process.getBuiltinModule("node:child_process");
    const c = fork(script, args, {
      cwd,
      env: opts.env ?? process.env,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
    });
    child = c;
    childWorkerId = undefined;
    log.info({ pid: c.pid, script }, "job worker process started");
    c.on("message", (m: unknown) => {
      const ready = ZReadyMessage.safeParse(m);
      if (!ready.success || c !== child) return;
      childWorkerId = ready.data.workerId;
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const w of waiters) w();
    });
    c.on("error", (err) => log.error({ err, pid: c.pid }, "job worker process error"));
    exited = new Promise<void>((resolve) => {
      c.once("exit", (code, signal) => {
        const workerId = childWorkerId;
        if (c === child) {
          child = undefined;
          childWorkerId = undefined;
        }
        resolve();
        if (stopped) {
          log.info({ pid: c.pid, code, signal }, "job worker process exited");
          return;
        }
        const ranMs = Date.now() - startedAt;
        crashesInARow = ranMs >= HEALTHY_RUN_MS ? 1 : crashesInARow + 1;
        const waitMs = Math.min(delay.max, delay.min * 2 ** (crashesInARow - 1));
        // Exit code 0 = it was stopped from outside (SIGTERM/SIGINT to the child alone, or Ctrl-C reaching it first).
        log[code === 0 ? "warn" : "error"]({ pid: c.pid, code, signal, ranMs, restartInMs: waitMs }, "job worker process exited; restarting it");
        if (workerId && opts.db) {
          requeueJobsOfWorker(opts.db, workerId, "worker process exited while running; resumed")
            .then((n) => n && log.warn({ n, workerId }, "re-queued the exited worker's jobs"))
            .catch((err: unknown) => log.error({ err }, "could not re-queue the exited worker's jobs"));
        }
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (stopped) return;
          restarts++;
          spawnChild();
        }, waitMs);
        restartTimer.unref?.();
      });
    });
  }

  function wake() {
    if (wakePending) return;
    wakePending = true;
    setImmediate(() => {
      wakePending = false;
      const c = child;
      if (!c?.connected) return;
      const msg: TWakeMessage = { type: "wake" };
      // The callback swallows a send on a channel that closed meanwhile (the exit handler restarts the child).
      c.send(msg, undefined, undefined, () => undefined);
    });
  }

  const unsubscribe = onJobEnqueued(wake);
  // Requests that wait for a job (runJobInline, e.g. POST /api/integrations/score) let the child run it too.
  delegateInlineJobs(true);
  // Never outlive the web server: exit handlers must be synchronous, and kill() is.
  const onExit = () => {
    stopped = true;
    child?.kill("SIGTERM");
  };
  process.once("exit", onExit);
  spawnChild();

  let stopping: Promise<void> | undefined;
  async function stop(killAfterMs: number) {
    stopped = true;
    unsubscribe();
    delegateInlineJobs(false);
    process.removeListener("exit", onExit);
    if (restartTimer) clearTimeout(restartTimer);
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const killTimer = setTimeout(() => c.kill("SIGKILL"), killAfterMs);
      c.kill("SIGTERM");
      await exited;
      clearTimeout(killTimer);
    }
    for (const w of readyWaiters) w();
    readyWaiters = [];
  }

  return {
    pid: () => child?.pid,
    workerId: () => childWorkerId,
    restarts: () => restarts,
    ready: () => (childWorkerId || stopped ? Promise.resolve() : new Promise<void>((r) => readyWaiters.push(r))),
    wake,
    stop: (o = {}) => (stopping ??= stop(o.killAfterMs ?? 15_000)),
  };
}
