/**
 * The job worker as a separate process (scripts/worker.ts), as the web server forks it by default
 * (CHURNWATCH_WORKER=process): jobs enqueued by another process run in it, an IPC wake starts them at once,
 * it exits with its parent's channel, a stop re-queues the running job, and the web-process side
 * (startWorkerProcess) forwards enqueues as wakes, restarts a crashed child and hands waited-for jobs
 * (runJobInline) to it. SQLite and PostgreSQL.
 */
import { fork, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { enqueueJob, getJobOrThrow, runJobInline, startWorker, type JobView } from "@/lib/jobs";
import { REQUEUED_ON_STOP } from "@/lib/jobs/run-job";
import { startWorkerProcess, type WorkerProcess } from "@/lib/jobs/worker-process";

/** Long enough that a job picked up within half of it can only have been woken, not polled. */
const POLL_MS = 8_000;
const ARGS = ["--poll-ms", String(POLL_MS), "--dotenv", "/dev/null"];

let t: TestDb;
let childEnv: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];
let wp: WorkerProcess | undefined;

beforeAll(async () => {
  t = await createTestDb();
  // The embedded default's worker process runs the Job table engine; on PostgreSQL `auto` would pick pg-boss
  // (covered by tests/jobs/pgboss-*.test.ts), so these tests pin the engine they are about.
  childEnv = { ...process.env, DATABASE_URL: t.url, APP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), LOG_LEVEL: "warn", CHURNWATCH_QUEUE: "table" };
});
afterAll(async () => {
  await wp?.stop({ killAfterMs: 2_000 });
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await t.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fork scripts/worker.ts like the web server does; resolves once it reported ready over IPC. */
async function forkWorker(): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null }> }> {
  const child = fork("scripts/worker.ts", ARGS, { execArgv: ["--import", "tsx"], env: childEnv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.once("message", (m) => ((m as { type?: string }).type === "ready" ? resolve() : reject(new Error(`unexpected ${JSON.stringify(m)}`))));
    void exit.then((e) => reject(new Error(`worker exited before ready: ${JSON.stringify(e)}`)));
  });
  return { child, exit };
}

async function waitForJob(id: string, done: (j: JobView) => boolean, timeoutMs = 10_000): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = await getJobOrThrow(t.db, id);
    if (done(j)) return j;
    if (Date.now() > until) throw new Error(`job ${id} still ${j.status} (${JSON.stringify(j.progress)}) after ${timeoutMs} ms`);
    await sleep(25);
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)))]);
}

describe("the job worker process (scripts/worker.ts)", () => {
  let a: Awaited<ReturnType<typeof forkWorker>>;

  it("runs a job enqueued by another process to succeeded; an IPC wake starts it well before the next poll", async () => {
    a = await forkWorker();
    await sleep(300); // let its start-up look at the (empty) queue pass
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 3 });
    await sleep(1_000);
    expect((await getJobOrThrow(t.db, job.id)).status).toBe("queued"); // not picked up without a wake (poll is 8 s)
    const woke = Date.now();
    a.child.send({ type: "wake" });
    const done = await waitForJob(job.id, (j) => j.status === "succeeded" || j.status === "failed");
    expect(Date.now() - woke).toBeLessThan(POLL_MS / 2);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ steps: 3 });
  }, 20_000);

  it("on SIGTERM while a long job runs, the job goes back to the queue and another worker finishes it", async () => {
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 20, stepMs: 100 });
    a.child.send({ type: "wake" });
    await waitForJob(job.id, (j) => j.status === "running" && Number(j.progress?.step ?? 0) >= 2);
    a.child.kill("SIGTERM");
    expect(await within(a.exit, 8_000, "exit after SIGTERM")).toEqual({ code: 0, signal: null });
    const requeued = await getJobOrThrow(t.db, job.id);
    expect(requeued).toMatchObject({ status: "queued", error: REQUEUED_ON_STOP, finishedAt: null });
    const w = startWorker(t.db, { pollMs: 50 });
    try {
      const done = await waitForJob(job.id, (j) => j.status === "succeeded" || j.status === "failed");
      expect(done).toMatchObject({ status: "succeeded", result: { steps: 20 }, attempts: 2 });
    } finally {
      await w.stop();
    }
  }, 20_000);

  it("exits when its parent's IPC channel closes (never outlives the web server)", async () => {
    const b = await forkWorker();
    b.child.disconnect();
    expect(await within(b.exit, 8_000, "exit after disconnect")).toEqual({ code: 0, signal: null });
  }, 20_000);
});

describe("startWorkerProcess (the web server's side)", () => {
  it("forwards this process's enqueues as wakes, restarts a killed child whose job is resumed at once, runs waited-for jobs in the child", async () => {
    wp = startWorkerProcess({ args: ARGS, env: childEnv, db: t.db, restartDelayMs: { min: 200, max: 1_000 } });
    await within(wp.ready(), 10_000, "first child ready");
    const firstPid = wp.pid();
    await sleep(300);
    const enqueued = Date.now();
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 20, stepMs: 100 }); // no explicit wake: enqueueJob's listener sends it
    await waitForJob(job.id, (j) => j.status === "running");
    expect(Date.now() - enqueued).toBeLessThan(POLL_MS / 2);
    const crashedWorker = wp.workerId();
    process.kill(firstPid!, "SIGKILL");
    // Re-queued by the parent as soon as the child died (not after the 2-minute stale-heartbeat check) …
    await waitForJob(job.id, (j) => j.status === "queued", 5_000);
    // … and picked up by the restarted child, which the parent's restart and the child's start-up look find.
    await within(
      (async () => { while (!wp!.pid() || wp!.pid() === firstPid) await sleep(50); })(),
      5_000,
      "restart",
    );
    expect(wp.restarts()).toBe(1);
    const done = await waitForJob(job.id, (j) => j.status === "succeeded" || j.status === "failed", 15_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(wp.workerId()).not.toBe(crashedWorker);

    // A request that waits for its job (POST /api/integrations/score → runJobInline) lets the child run it.
    const waited = await runJobInline(t.db, "noop-job", { steps: 2 });
    expect(waited.status).toBe("succeeded");
    expect((await t.db.job.findUniqueOrThrow({ where: { id: waited.id } })).lockedBy).toBe(wp.workerId());

    await wp.stop();
    expect(wp.pid()).toBeUndefined();
    const inline = await runJobInline(t.db, "noop-job", { steps: 1 }); // no worker process any more: runs here
    expect((await t.db.job.findUniqueOrThrow({ where: { id: inline.id } })).lockedBy).toBe(`inline-${process.pid}`);
  }, 30_000);
});
