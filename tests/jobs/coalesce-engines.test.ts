/**
 * One behaviour for `enqueueJob(..., {dedupeKey, coalesce, delayMs})` on BOTH job engines (issue 15): the Job table's
 * worker (SQLite by default; the embedded default) and pg-boss (PostgreSQL, CHURNWATCH_TEST_DB=postgres):
 * - requests arriving within the window join the queued row: one job runs with every request's items;
 * - the job starts when its window ends — not before (pg-boss would otherwise hand it to a worker at once, and every
 *   later request would make a new job), and not a poll later (the Job table's worker polls every `pollMs`; here
 *   5 s, longer than the bound);
 * - a burst of requests for one account while a worker runs makes a few jobs, not one per request.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, type JobDefinition } from "@/lib/jobs/define-job";
import { setJobEngine } from "@/lib/jobs/engine";
import { enqueueJob } from "@/lib/jobs/queue";
import { registerJob } from "@/lib/jobs/registry";
import { startWorker, type Worker } from "@/lib/jobs/worker";
import { startPgBossEngine, type PgBossEngine } from "@/lib/jobs/pgboss/engine";
import { startPgBossWorker, type PgBossWorker } from "@/lib/jobs/pgboss/worker";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";

const engine = testDbProvider() === "postgresql" ? "pg-boss" : "table";

/** A re-score stand-in (queue class "pipeline" on pg-boss, like refresh-accounts-job). */
const ran: { items: string[]; startedAt: number }[] = [];
const refreshProbe = defineJob({
  name: "refresh-probe-job",
  schema: z.object({ key: z.string(), items: z.array(z.string()) }),
  handle: async ({ items }) => {
    ran.push({ items, startedAt: Date.now() });
    await sleep(50);
    return { items: items.length };
  },
});

const union = (q: unknown, n: unknown) => {
  const a = q as { key: string; items: string[] }, b = n as { key: string; items: string[] };
  return { key: a.key, items: [...new Set([...a.items, ...b.items])] };
};

let t: TestDb;
let orgA: string;
let pb: PgBossEngine | undefined;
let worker: Worker | PgBossWorker;

async function idle(ms = 20_000) {
  const until = Date.now() + ms;
  while ((await t.db.job.count({ where: { name: "refresh-probe-job", status: { in: ["queued", "running"] } } })) > 0) {
    if (Date.now() > until) throw new Error("jobs still queued or running");
    await sleep(50);
  }
}

describe(`coalescing on the ${engine} engine`, () => {
  beforeAll(async () => {
    registerJob("refresh-probe-job", async () => refreshProbe as JobDefinition);
    t = await createTestDb();
    orgA = (await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } })).id;
    if (engine === "pg-boss") {
      // pipeline queues poll every 2 s: a start within the bound below needs the NOTIFY wake-up
      pb = await startPgBossEngine({ connectionString: t.url, names: ["refresh-probe-job"], supervise: true });
      setJobEngine(pb.engine);
      worker = await startPgBossWorker(t.db, pb, { names: ["refresh-probe-job"], concurrency: 2, maintenanceMs: 0 });
    } else {
      worker = startWorker(t.db, { concurrency: 2, pollMs: 5_000, maintenanceMs: 0 });
    }
    // warm up (module loads, pg-boss queue creation) outside the timed part
    await enqueueJob(t.db, "refresh-probe-job", { key: "warm", items: ["w"] }, { organizationId: orgA });
    await idle();
    ran.length = 0;
  }, 60_000);
  afterAll(async () => {
    await worker?.stop({ graceMs: 2_000 });
    setJobEngine(null);
    await t?.cleanup();
  });

  it("requests within the window join one queued job, which starts when the window ends (not before, not a poll later)", async () => {
    const windowMs = 800;
    const opts = { organizationId: orgA, dedupeKey: "refresh-probe:one", delayMs: windowMs, coalesce: union };
    const first = await enqueueJob(t.db, "refresh-probe-job", { key: "one", items: ["acc-0"] }, opts);
    for (let i = 1; i < 10; i++) {
      const r = await enqueueJob(t.db, "refresh-probe-job", { key: "one", items: [`acc-${i}`] }, opts);
      if (Date.now() < first.job.createdAt.getTime() + windowMs - 100) {
        expect(r.deduplicated).toBe(true);
        expect(r.job.id).toBe(first.job.id);
      }
    }
    await idle();
    const row = await t.db.job.findUniqueOrThrow({ where: { id: first.job.id } });
    expect(row.status).toBe("succeeded");
    // every request that joined is in the one run, none ran twice
    const all = ran.flatMap((r) => r.items);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `acc-${i}`).sort());
    expect(ran[0]!.items.length).toBeGreaterThanOrEqual(5);
    // started at the end of its window: not before runAfter, and well before the 5 s poll / 2 s pg-boss poll
    const late = row.startedAt!.getTime() - row.runAfter.getTime();
    expect(late).toBeGreaterThanOrEqual(-20); // clocks: one process
    expect(late).toBeLessThan(1_500);
  });

  it("two requests joining the same queued job at once both get their items run (no lost update of the payload)", async () => {
    // Issue 15 (H15r): bench:webhooks lost 7-10 of 3,000 re-scores on pg-boss. Two webhook jobs (2 loops) join the
    // organization's queued re-score at the same time: each read the payload, then wrote `union(read, its own)`
    // with `WHERE status = 'queued'` only — the later write dropped what the earlier one had added. Here request B
    // reads the payload, A joins, then B writes (deterministic interleaving): A's item must still run.
    ran.length = 0;
    const opts = { organizationId: orgA, dedupeKey: "refresh-probe:race", delayMs: 1_500, coalesce: union };
    const first = await enqueueJob(t.db, "refresh-probe-job", { key: "race", items: ["acc-x"] }, opts);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let bRead!: () => void;
    const bHasRead = new Promise<void>((r) => { bRead = r; });
    // B's database: its join write waits until A has joined (B has already read the payload by then).
    const job = new Proxy(t.db.job, {
      get(target, prop) {
        const v = Reflect.get(target, prop) as unknown;
        if (typeof v !== "function") return v;
        if (prop === "updateMany") return async (args: unknown) => { bRead(); await gate; return (v as (a: unknown) => unknown).call(target, args); };
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    });
    const dbB = new Proxy(t.db, { get: (target, prop) => (prop === "job" ? job : Reflect.get(target, prop)) }) as typeof t.db;
    const b = enqueueJob(dbB, "refresh-probe-job", { key: "race", items: ["acc-z"] }, opts);
    await bHasRead;
    const a = await enqueueJob(t.db, "refresh-probe-job", { key: "race", items: ["acc-y"] }, opts);
    expect(a.job.id).toBe(first.job.id);
    release();
    await b;
    await idle();
    const all = ran.flatMap((r) => r.items);
    expect(all.sort()).toEqual(["acc-x", "acc-y", "acc-z"]);
  });

  it("a request arriving after a worker claimed the queued job is not joined to it: a new job runs its items", async () => {
    // The other interleaving the symptom suggested (join vs claim): the claim is one conditional update
    // (queued → running) and a join writes only `WHERE status = 'queued'`, so a claimed row is never joined.
    ran.length = 0;
    const opts = { organizationId: orgA, dedupeKey: "refresh-probe:claimed", delayMs: 1_500, coalesce: union };
    const first = await enqueueJob(t.db, "refresh-probe-job", { key: "claimed", items: ["acc-1"] }, opts);
    // a worker's claim, as lib/jobs/queue.ts claimNextJob / lib/jobs/pgboss/worker.ts runOne do it
    const claim = await t.db.job.updateMany({ where: { id: first.job.id, status: "queued" }, data: { status: "running", lockedBy: "test", startedAt: new Date(), heartbeatAt: new Date() } });
    expect(claim.count).toBe(1);
    const late = await enqueueJob(t.db, "refresh-probe-job", { key: "claimed", items: ["acc-2"] }, opts);
    expect(late.deduplicated).toBe(false);
    expect(late.job.id).not.toBe(first.job.id);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: first.job.id } })).payload).toEqual({ key: "claimed", items: ["acc-1"] });
    await t.db.job.update({ where: { id: first.job.id }, data: { status: "succeeded", finishedAt: new Date() } }); // "its worker ran it"
    await idle();
    expect(ran.flatMap((r) => r.items)).toEqual(["acc-2"]);
  });

  it("a burst of 40 requests for one account while a worker runs makes a few jobs, not 40", async () => {
    ran.length = 0;
    const before = await t.db.job.count({ where: { name: "refresh-probe-job" } });
    const opts = { organizationId: orgA, dedupeKey: "refresh-probe:burst", delayMs: 200, coalesce: union };
    for (let i = 0; i < 40; i++) {
      await enqueueJob(t.db, "refresh-probe-job", { key: "burst", items: ["acc-1"] }, opts);
      await sleep(10); // ~0.5-1 s of requests, longer than one window
    }
    await idle();
    const jobs = (await t.db.job.count({ where: { name: "refresh-probe-job" } })) - before;
    expect(jobs).toBeGreaterThanOrEqual(1);
    expect(jobs).toBeLessThanOrEqual(10);
    expect(ran.length).toBe(jobs);
  });
});
