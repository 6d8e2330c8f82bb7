/**
 * The pg-boss engine on PostgreSQL (CHURNWATCH_TEST_DB=postgres; skipped on SQLite, where there is no pg-boss):
 * enqueue returns at once and a worker runs the row; at most one sync per connection at a time across two
 * workers while other connections run in parallel; concurrent enqueues for one connection make one job;
 * retries back off and a job that keeps failing lands failed (dead letter) with its error, listed for the admin
 * of its organization only, and the retry action runs it again; a webhook job never waits behind syncs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, type JobDefinition } from "@/lib/jobs/define-job";
import { setJobEngine } from "@/lib/jobs/engine";
import { enqueueJob, getJobOrThrow, listJobs, retryJob, type JobView } from "@/lib/jobs/queue";
import { registerJob } from "@/lib/jobs/registry";
import { DEAD_LETTER_QUEUE } from "@/lib/jobs/pgboss/queues";
import { startPgBossEngine, type PgBossEngine } from "@/lib/jobs/pgboss/engine";
import { startPgBossWorker, type PgBossWorker } from "@/lib/jobs/pgboss/worker";
import { appSchedules, scheduledScoring } from "@/lib/app/schedules";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";

const onPg = testDbProvider() === "postgresql";

// ── test job kinds (registered like the app's, in lib/app/register-jobs.ts) ──
/** Per key: how many run now, the most that ever ran at once, and the total at once over all keys. */
const running = new Map<string, number>();
const maxRunning = new Map<string, number>();
let runningAll = 0;
let maxRunningAll = 0;
const probe = (name: string) => defineJob({
  name,
  schema: z.object({ key: z.string(), ms: z.number().int().default(300) }),
  handle: async ({ key, ms }) => {
    running.set(key, (running.get(key) ?? 0) + 1);
    maxRunning.set(key, Math.max(maxRunning.get(key) ?? 0, running.get(key)!));
    runningAll++;
    maxRunningAll = Math.max(maxRunningAll, runningAll);
    try {
      await sleep(ms);
    } finally {
      running.set(key, running.get(key)! - 1);
      runningAll--;
    }
    return { key };
  },
});
/** A "sync" kind (queue class sync: singleton per dedupeKey) and a webhook kind. */
const syncProbe = probe("sync-probe-job");
const webhookProbe = probe("webhook-probe-job");

const attemptsAt: number[] = [];
let flakyHeals = false;
const flaky = defineJob({
  name: "flaky-test-job",
  schema: z.object({}),
  handle: async () => {
    attemptsAt.push(Date.now());
    if (!flakyHeals) throw new Error("upstream said no");
    return { healed: true };
  },
});

let t: TestDb;
const engines: PgBossEngine[] = [];
const workers: PgBossWorker[] = [];
let orgA: string;
let orgB: string;

/** Start one "worker process": its own pg-boss instance and work loops (short retry delays for the tests). */
async function startOne(concurrency = 2) {
  const names = ["noop-job", "sync-probe-job", "webhook-probe-job", "flaky-test-job"];
  const pb = await startPgBossEngine({
    connectionString: t.url, names, supervise: true,
    overrides: { default: { retryLimit: 2, retryDelay: 1, retryBackoff: true, pollingIntervalSeconds: 0.5 }, sync: { pollingIntervalSeconds: 0.5 } },
  });
  const w = await startPgBossWorker(t.db, pb, { names, concurrency, maintenanceMs: 0 });
  engines.push(pb);
  workers.push(w);
  return { pb, w };
}

async function waitFor(id: string, statuses: string[], ms = 30_000): Promise<JobView> {
  const until = Date.now() + ms;
  for (;;) {
    const j = await getJobOrThrow(t.db, id);
    if (statuses.includes(j.status)) return j;
    if (Date.now() > until) throw new Error(`job ${id} still ${j.status} (${j.error}) after ${ms} ms`);
    await sleep(100);
  }
}

describe.skipIf(!onPg)("pg-boss engine (PostgreSQL)", () => {
  beforeAll(async () => {
    registerJob("sync-probe-job", async () => syncProbe as JobDefinition);
    registerJob("webhook-probe-job", async () => webhookProbe as JobDefinition);
    registerJob("flaky-test-job", async () => flaky as JobDefinition);
    t = await createTestDb();
    orgA = (await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } })).id;
    orgB = (await t.db.organization.create({ data: { name: "B", slug: `b-${Date.now()}` } })).id;
    const first = await startOne();
    setJobEngine(first.pb.engine); // this process's enqueues go to pg-boss (as the web server's do)
  });
  afterAll(async () => {
    setJobEngine(null);
    for (const w of workers) await w.stop({ graceMs: 2_000 });
    await t?.cleanup();
  });

  it("enqueue answers at once with the queued row; a pg-boss worker runs it and the row carries progress and result", async () => {
    const t0 = performance.now();
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 3, stepMs: 200 }, { organizationId: orgA });
    const ms = performance.now() - t0;
    expect(job.status).toBe("queued");
    expect(ms).toBeLessThan(500);
    const done = await waitFor(job.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ steps: 3 });
    expect(done.progress).toMatchObject({ step: 3, of: 3 });
    // pg-boss completed its copy
    const r = await engines[0].boss.getDb().executeSql("SELECT state FROM pgboss.job WHERE name = 'noop-job' AND data->>'jobId' = $1", [job.id]);
    expect(r.rows.map((x: { state: string }) => x.state)).toEqual(["completed"]);
  });

  it("two workers: at most one sync per connection at a time, other connections in parallel; a burst of enqueues makes one job", async () => {
    await startOne(); // a second worker (its own pg-boss instance and pool)
    running.clear(); maxRunning.clear(); maxRunningAll = 0;
    const ids = new Set<string>();
    for (let round = 0; round < 3; round++) {
      // a double-clicked "Sync now" from several web servers: 8 enqueues per connection at once
      const burst = await Promise.all(["c1", "c2", "c3"].flatMap((c) => Array.from({ length: 8 }, () =>
        enqueueJob(t.db, "sync-probe-job", { key: c, ms: 400 }, { organizationId: orgA, dedupeKey: `sync:${c}` }))));
      const perKey = new Map<string, Set<string>>();
      burst.forEach((b) => {
        const k = (b.job as JobView & { id: string }).id;
        ids.add(k);
      });
      for (const b of burst) {
        const key = ((await t.db.job.findUniqueOrThrow({ where: { id: b.job.id } })).dedupeKey)!;
        perKey.set(key, (perKey.get(key) ?? new Set()).add(b.job.id));
      }
      for (const [, s] of perKey) expect(s.size).toBe(1); // one job per connection per burst
      for (const id of new Set(burst.map((b) => b.job.id))) expect((await waitFor(id, ["succeeded", "failed"])).status).toBe("succeeded");
    }
    expect(ids.size).toBe(9);
    expect(Math.max(...maxRunning.values())).toBe(1); // never two syncs of one connection at once
    expect(maxRunningAll).toBeGreaterThanOrEqual(2); // but connections ran side by side
  });

  it("a webhook job never waits behind a queue full of syncs", async () => {
    running.clear(); maxRunningAll = 0;
    const syncs = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      enqueueJob(t.db, "sync-probe-job", { key: `long${i}`, ms: 1_500 }, { organizationId: orgA, dedupeKey: `sync:long${i}` })));
    await sleep(300); // every sync slot of both workers is busy now
    const t0 = Date.now();
    const { job } = await enqueueJob(t.db, "webhook-probe-job", { key: "hook", ms: 10 }, { organizationId: orgB });
    const hook = await waitFor(job.id, ["succeeded"], 10_000);
    const waitedMs = (hook.finishedAt!.getTime() - t0);
    // 12 syncs × 1.5 s on 4 sync slots take ≥ 4.5 s; the webhook has its own queue and slots
    expect(waitedMs).toBeLessThan(1_500);
    const stillRunning = await t.db.job.count({ where: { id: { in: syncs.map((s) => s.job.id) }, status: { in: ["queued", "running"] } } });
    expect(stillRunning).toBeGreaterThan(0);
    for (const s of syncs) await waitFor(s.job.id, ["succeeded"]);
  });

  it("retries back off; a job that keeps failing is dead-lettered with its error, listed for its organization's admin only, and the retry action runs it again", async () => {
    attemptsAt.length = 0;
    flakyHeals = false;
    const { job } = await enqueueJob(t.db, "flaky-test-job", {}, { organizationId: orgA });
    const dead = await waitFor(job.id, ["failed"], 30_000);
    expect(dead.error).toBe("upstream said no");
    expect(dead.attempts).toBe(3); // 1 + retryLimit 2
    expect(attemptsAt).toHaveLength(3);
    const gap1 = attemptsAt[1] - attemptsAt[0];
    const gap2 = attemptsAt[2] - attemptsAt[1];
    // pg-boss backoff with retryDelay 1 s: 1-2 s, then 2-4 s (delay × 2^n / 2 + jitter; pg-boss plans.js)
    expect(gap1).toBeGreaterThanOrEqual(900);
    expect(gap2).toBeGreaterThanOrEqual(1_900);
    // pg-boss's own dead-letter queue got a copy
    const dl = await engines[0].boss.getDb().executeSql(`SELECT 1 FROM pgboss.job WHERE name = $1 AND data->>'jobId' = $2`, [DEAD_LETTER_QUEUE, job.id]);
    expect(dl.rows).toHaveLength(1);

    // the admin's list of failed jobs: organization A sees it, B does not
    const listA = await listJobs(t.db, orgA, { status: "failed" });
    expect(listA.data.map((j) => j.id)).toContain(job.id);
    expect(listA.data.find((j) => j.id === job.id)?.error).toBe("upstream said no");
    const listB = await listJobs(t.db, orgB, { status: "failed" });
    expect(listB.data.map((j) => j.id)).not.toContain(job.id);
    await expect(retryJob(t.db, job.id, orgB)).rejects.toMatchObject({ code: "not_found" });

    flakyHeals = true;
    const again = await retryJob(t.db, job.id, orgA);
    expect(again.status).toBe("queued");
    const healed = await waitFor(job.id, ["succeeded", "failed"]);
    expect(healed.status).toBe("succeeded");
    expect(healed.result).toEqual({ healed: true });
    await expect(retryJob(t.db, job.id, orgA)).rejects.toMatchObject({ code: "conflict" });
  });

  it("schedules: pg-boss holds the cron entries of the deployment; the scheduled scoring queues one re-score per organization", async () => {
    const scheds = appSchedules({ CHURNWATCH_SYNC_CRON: "*/15 * * * *", CHURNWATCH_SCORE_CRON: "off" });
    expect(scheds.map((x) => [x.name, x.cron])).toEqual([["scheduled-sync-job", "*/15 * * * *"]]);
    const pb = await startPgBossEngine({ connectionString: t.url, names: [], supervise: true });
    engines.push(pb);
    const w = await startPgBossWorker(t.db, pb, { names: [], maintenanceMs: 0, schedules: appSchedules({}) });
    workers.push(w);
    const stored = await pb.boss.getSchedules();
    expect(stored.map((x) => [x.name, x.cron]).sort()).toEqual([["scheduled-score-job", "30 4 * * *"], ["scheduled-sync-job", "0 * * * *"]]);
    expect(await scheduledScoring(t.db)).toBe(2);
    expect(await scheduledScoring(t.db)).toBe(2); // deduplicated onto the queued ones
    const rows = await t.db.job.findMany({ where: { name: "refresh-organization-job" } });
    expect(rows.map((r) => r.organizationId).sort()).toEqual([orgA, orgB].sort());
    const sent = await pb.boss.getDb().executeSql("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'refresh-organization-job'", []);
    expect(sent.rows[0].n).toBe(2);
  });

  it("a queued row no pg-boss job carries (enqueued by a process without the engine) is dispatched by the maintenance", async () => {
    setJobEngine(null);
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 1 }, { organizationId: orgA });
    setJobEngine(engines[0].engine);
    await sleep(1_500);
    expect((await getJobOrThrow(t.db, job.id)).status).toBe("queued"); // nobody runs it…
    await t.db.job.update({ where: { id: job.id }, data: { createdAt: new Date(Date.now() - 60_000), runAfter: new Date(Date.now() - 60_000) } });
    const r = await workers[0].maintain();
    expect(r.orphans).toBe(1);
    expect((await waitFor(job.id, ["succeeded"])).status).toBe("succeeded");
  });
});
