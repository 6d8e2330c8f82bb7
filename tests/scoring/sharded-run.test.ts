/**
 * Sharded scoring runs (issue 15, lib/scoring/sharded-run.ts): one organization's day split into account-id-range
 * shards that several workers score. What a user would notice if it were wrong: other scores than the unsharded run
 * (a shard missing or overlapping accounts, another run time, trends lost), a score row written twice after a
 * worker died mid-shard, alerts/write-back queued twice (or never), another organization's accounts scored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { scoreOrganization } from "@/lib/scoring/run-scoring";
import { claimShard, planScoreRun, scoreOrganizationSharded, tryFinishRun, type ScoreRunSummary } from "@/lib/scoring/sharded-run";
import { startWorker } from "@/lib/jobs/worker";
import { enqueueJob } from "@/lib/jobs/queue";
import { setJobEngine } from "@/lib/jobs/engine";
import { startPgBossEngine } from "@/lib/jobs/pgboss/engine";
import { startPgBossWorker, type PgBossWorker } from "@/lib/jobs/pgboss/worker";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const D = new Date("2026-11-20T00:00:00Z");
const daysAgo = (n: number) => new Date(D.getTime() - n * 86_400_000);

/** Varied signals per account (k: account number, ago: days before D). */
function signals(k: number, ago: number) {
  const v = k % 7;
  return {
    mrrCents: v === 6 ? 0 : 50_000 + k * 1_300 - ago * 10 * v, mrrCurrency: "usd", mrrChange30dCents: v % 2 ? -9_000 - ago * 50 : 1_000, mrrChange60dCents: null,
    mrrChange90dCents: 0, seats: 1 + (k % 5), activeContacts: k % 3, openDeals: k % 2, renewalDealStage: null,
    daysUntilRenewal: 10 + ((k * 13 + ago) % 200), autoRenew: k % 3 !== 0, cancellationPending: v === 3 && ago < 10,
    failedPayments30d: (k + ago) % 4 === 0 ? 1 : 0, daysSinceLastPayment: 3 + ((k + ago) % 60), pastDueInvoices: v === 2 ? 1 : 0,
    calls30d: (k + ago) % 3, meetings30d: k % 2, notes30d: v, daysSinceLastEngagement: 2 + ((k * 7 + ago) % 80), openTickets: v % 4, urgentTickets: v === 1 ? 1 : 0,
    tenureDays: 100 + k * 11 - ago, billingInterval: v % 2 ? "year" : "month", commitmentTermMonths: v % 2 ? 12 : null,
    collectionMethod: "charge_automatically", paymentMethodType: "card", productCount: 1, itemCount: 1,
    lifecycleState: v === 5 ? "churned" : "customer",
  };
}

async function seed(slug: string, accounts: number) {
  const org = await t.db.organization.create({ data: { name: slug, slug: `${slug}-${Math.random().toString(36).slice(2, 8)}` } });
  const ids: string[] = [];
  for (let k = 0; k < accounts; k++) ids.push((await t.db.account.create({ data: { organizationId: org.id, name: `${slug} ${k}` } })).id);
  const data = [];
  for (let k = 0; k < accounts; k++) for (const ago of [30, 7, 0]) data.push({ organizationId: org.id, accountId: ids[k], day: daysAgo(ago), ...signals(k, ago) });
  await t.db.accountSignalDaily.createMany({ data });
  // stored scores 30 and 7 days back, so today's trends have something to compare with
  const now = new Date("2026-11-20T06:00:00Z");
  await scoreOrganization(t.db, { organizationId: org.id, day: daysAgo(30), now });
  await scoreOrganization(t.db, { organizationId: org.id, day: daysAgo(7), now });
  return { org, ids };
}

/** What a user sees of the day's scores: every stored row's visible columns + the accounts' latest-score columns. */
async function snapshot(organizationId: string, day: Date) {
  const rows = await t.db.churnScoreDaily.findMany({ where: { organizationId, day }, orderBy: { accountId: "asc" } });
  const accounts = await t.db.account.findMany({ where: { organizationId }, orderBy: { id: "asc" } });
  return {
    rows: rows.map((r) => ({ accountId: r.accountId, healthScore: r.healthScore, riskLevel: r.riskLevel, churnProbability: r.churnProbability, trend: r.trend, factors: r.factors, penalties: r.penalties, drivers: r.drivers, inputs: r.inputs, missingFactors: r.missingFactors, scoringConfigVersion: r.scoringConfigVersion })),
    accounts: accounts.map((a) => ({ id: a.id, healthScore: a.healthScore, riskLevel: a.riskLevel, churnProbability: a.churnProbability, trend: a.trend, topReason: a.topReason, mrrCents: a.mrrCents, scoredAt: a.scoredAt?.toISOString() ?? null })),
  };
}

async function clearDay(organizationId: string, day: Date) {
  await t.db.churnScoreDaily.deleteMany({ where: { organizationId, day } });
  await t.db.account.updateMany({ where: { organizationId }, data: { healthScore: null, riskLevel: null, churnProbability: null, trend: null, topReason: null, scoredAt: null } });
}

const RUN_TIME = new Date("2026-11-20T07:00:00Z");

describe(`sharded scoring on ${testDbProvider()}`, () => {
  it("scores the same rows as the unsharded run, with several shards run by two Job-table workers, and finishes once", async () => {
    const a = await seed("shard-a", 23);
    const b = await seed("shard-b", 4); // another organization with signals on the same day
    await scoreOrganization(t.db, { organizationId: a.org.id, day: D, now: RUN_TIME });
    const want = await snapshot(a.org.id, D);
    expect(want.rows).toHaveLength(23);
    expect(want.rows.some((r) => r.trend !== null)).toBe(true);
    await clearDay(a.org.id, D);

    // the run's time is the parent's planned startedAt: pin it so scoredAt compares
    const run = await planScoreRun(t.db, { organizationId: a.org.id, day: D, shardSize: 5, jobId: "parent-1", now: RUN_TIME });
    expect(run.shardsTotal).toBe(5);
    const shards = await t.db.scoreShard.findMany({ where: { runId: run.id }, orderBy: { index: "asc" } });
    expect(shards.map((s) => s.planned)).toEqual([5, 5, 5, 5, 3]);

    const workers = [startWorker(t.db, { concurrency: 2, pollMs: 50 }), startWorker(t.db, { concurrency: 2, pollMs: 50 })];
    const finished: ScoreRunSummary[] = [];
    let summary: ScoreRunSummary;
    try {
      summary = await scoreOrganizationSharded(t.db, {
        organizationId: a.org.id, day: D, shardSize: 5, jobId: "parent-1", batchSize: 2, pollMs: 50,
        onFinish: async (s) => { finished.push(s); },
      });
    } finally {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 5_000 })));
    }
    const got = await snapshot(a.org.id, D);
    expect(got).toEqual(want);
    expect(summary.accounts).toBe(23);
    expect(summary.counts.healthy + summary.counts.at_risk + summary.counts.critical + summary.counts.none).toBe(23);
    const done = await t.db.scoreShard.findMany({ where: { runId: run.id } });
    expect(done.every((s) => s.status === "done")).toBe(true);
    expect(done.reduce((n, s) => n + s.processed, 0)).toBe(23);
    // the shard jobs ran (or were cancelled because the parent took their shard): none is left queued
    const jobs = await t.db.job.findMany({ where: { name: "score-shard-job", organizationId: a.org.id } });
    expect(jobs).toHaveLength(4);
    expect(jobs.every((j) => j.status === "succeeded" || j.status === "cancelled")).toBe(true);
    // the run finished once (the follow-ups ran once), whether a shard job or the parent took the last shard
    const stored = await t.db.scoreRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored.status).toBe("done");
    expect(stored.result).toMatchObject({ accounts: 23, shards: 5 });
    expect(finished.length).toBeLessThanOrEqual(1); // 0 when a shard job took the last shard (its own follow-ups)
    // organization B: untouched on that day
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: b.org.id, day: D } })).toBe(0);
  });

  it("a shard whose worker died mid-shard is taken over after its lease and resumed from its checkpoint, without double rows", async () => {
    const a = await seed("shard-kill", 12);
    await scoreOrganization(t.db, { organizationId: a.org.id, day: D, now: RUN_TIME });
    const want = await snapshot(a.org.id, D);
    await clearDay(a.org.id, D);

    const run = await planScoreRun(t.db, { organizationId: a.org.id, day: D, shardSize: 6, jobId: "parent-kill", now: RUN_TIME });
    // a worker claims shard 0, commits accounts 1-3, checkpoints only after account 2, then is SIGKILLed (no heartbeat since)
    const dead = await claimShard(t.db, run.id, "dead-worker");
    expect(dead?.index).toBe(0);
    const ids = [...a.ids].sort(); // test ids are cuid-like ASCII: JS order = the database's
    await scoreOrganization(t.db, { organizationId: a.org.id, day: D, now: RUN_TIME, untilAccountId: ids[2] });
    await t.db.scoreShard.update({ where: { id: dead!.id }, data: { checkpoint: ids[1], processed: 2, heartbeatAt: new Date(Date.now() - 120_000) } });

    let finishes = 0;
    await scoreOrganizationSharded(t.db, {
      organizationId: a.org.id, day: D, jobId: "parent-kill", enqueueShards: false, batchSize: 2, pollMs: 50,
      onFinish: async () => { finishes++; },
    });
    expect(finishes).toBe(1);
    expect(await snapshot(a.org.id, D)).toEqual(want);
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: a.org.id, day: D } })).toBe(12);
    const s0 = await t.db.scoreShard.findUniqueOrThrow({ where: { id: dead!.id } });
    expect(s0).toMatchObject({ status: "done", attempts: 2, processed: 6 });
  });

  it("a live shard is not taken over, and concurrent finishers finish the run exactly once", async () => {
    const a = await seed("shard-once", 4);
    const run = await planScoreRun(t.db, { organizationId: a.org.id, day: D, shardSize: 2 });
    const held = await claimShard(t.db, run.id, "w1");
    expect(held).not.toBeNull();
    expect(await claimShard(t.db, run.id, "w2", held!.id)).toBeNull(); // fresh heartbeat: not claimable
    expect(await tryFinishRun(t.db, run.id)).toBe(false); // shards not done
    await t.db.scoreShard.updateMany({ where: { runId: run.id }, data: { status: "done" } });
    let calls = 0;
    const results = await Promise.all(Array.from({ length: 5 }, () => tryFinishRun(t.db, run.id, async () => { calls++; })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(calls).toBe(1);
    // a week later the finished run's bookkeeping is dropped when the organization plans its next run
    await t.db.scoreRun.update({ where: { id: run.id }, data: { finishedAt: new Date(Date.now() - 8 * 86_400_000) } });
    const next = await planScoreRun(t.db, { organizationId: a.org.id, day: D, shardSize: 2 });
    expect(await t.db.scoreRun.findUnique({ where: { id: run.id } })).toBeNull();
    expect(await t.db.scoreShard.count({ where: { runId: run.id } })).toBe(0);
    expect(await t.db.scoreShard.count({ where: { runId: next.id } })).toBe(2);
  });

  it("score-organization-job on the Job-table engine: one job, progress summed over its shards, result per risk level", async () => {
    const a = await seed("shard-job", 9);
    const { job } = await enqueueJob(t.db, "score-organization-job", { organizationId: a.org.id, day: "2026-11-20", shardSize: 3, batchSize: 2 }, { organizationId: a.org.id });
    const workers = [startWorker(t.db, { concurrency: 2, pollMs: 50 }), startWorker(t.db, { concurrency: 1, pollMs: 50 })];
    try {
      for (let i = 0; i < 400; i++) {
        const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
        if (j.status !== "queued" && j.status !== "running") break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 5_000 })));
    }
    const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(j.status).toBe("succeeded");
    expect(j.result).toMatchObject({ accounts: 9, shards: 3 });
    expect(j.progress).toMatchObject({ phase: "scoring", processed: 9, total: 9, shards: { done: 3, total: 3 } });
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: a.org.id, day: D } })).toBe(9);
  });

  it.skipIf(testDbProvider() !== "postgresql")("score-organization-job on pg-boss: two worker processes' engines share the shards; same rows as unsharded", async () => {
    const a = await seed("shard-boss", 14);
    await scoreOrganization(t.db, { organizationId: a.org.id, day: D, now: RUN_TIME });
    const want = await snapshot(a.org.id, D);
    await clearDay(a.org.id, D);
    const names = ["score-organization-job", "score-shard-job"];
    const engines = [];
    const workers: PgBossWorker[] = [];
    for (let i = 0; i < 2; i++) {
      const pb = await startPgBossEngine({ connectionString: t.url, names, supervise: false, overrides: { default: { pollingIntervalSeconds: 0.5, retryDelay: 1 } } });
      engines.push(pb);
      workers.push(await startPgBossWorker(t.db, pb, { names, concurrency: 2, maintenanceMs: 0 }));
    }
    setJobEngine(engines[0].engine);
    try {
      const { job } = await enqueueJob(t.db, "score-organization-job", { organizationId: a.org.id, day: "2026-11-20", shardSize: 3, batchSize: 2 }, { organizationId: a.org.id });
      for (let i = 0; i < 600; i++) {
        const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
        if (j.status !== "queued" && j.status !== "running") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const j = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect(j.status).toBe("succeeded");
      expect(j.result).toMatchObject({ accounts: 14, shards: 5 });
      const got = await snapshot(a.org.id, D);
      // scoredAt: the run's startedAt (not RUN_TIME) — compare everything else
      const strip = (x: typeof got) => ({ rows: x.rows, accounts: x.accounts.map(({ scoredAt: _s, ...rest }) => rest) });
      expect(strip(got)).toEqual(strip(want));
      const run = await t.db.scoreRun.findFirstOrThrow({ where: { jobId: job.id } });
      expect(new Set(got.accounts.map((x) => x.scoredAt))).toEqual(new Set([run.startedAt.toISOString()]));
      const shardJobs = await t.db.job.findMany({ where: { name: "score-shard-job", organizationId: a.org.id } });
      expect(shardJobs).toHaveLength(4);
    } finally {
      setJobEngine(null);
      for (const w of workers) await w.stop({ graceMs: 2_000 });
    }
  });
});
