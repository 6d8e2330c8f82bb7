/**
 * The fast scoring store (lib/scoring/score-store.ts openScoreStore): on SQLite a direct libsql
 * connection, on PostgreSQL Prisma with JSON parameters. What a user would notice if it were wrong:
 * history scores that differ from the day-by-day scores, stale rows after a re-run, booleans/JSON
 * read differently (other drivers, other scores), or a scoring run that blocks the app's own writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { openScoreStore } from "@/lib/scoring/score-store";
import { scoreHistory, scoreOrganization } from "@/lib/scoring/run-scoring";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const D = new Date("2026-11-20T00:00:00Z");
const daysAgo = (n: number) => new Date(D.getTime() - n * 86_400_000);

/** A varied signal row: booleans, JSON columns, nulls, and values that move day to day. */
function signals(k: number, variant: number) {
  return {
    mrrCents: 100_000 + variant * 1_000, mrrCurrency: "usd", mrrChange30dCents: variant % 2 ? -20_000 : 0, mrrChange60dCents: null,
    mrrChange90dCents: 0, seats: 5, activeContacts: variant % 3, openDeals: 1, renewalDealStage: variant % 2 ? "negotiation" : null,
    daysUntilRenewal: 40 - k, autoRenew: variant % 2 === 0, cancellationPending: variant === 3 && k < 4,
    failedPayments30d: k < 3 ? variant % 3 : 0, daysSinceLastPayment: 5 + k, pastDueInvoices: variant === 2 ? 1 : 0,
    calls30d: k % 3, meetings30d: 1, notes30d: variant, daysSinceLastEngagement: 3 + k * variant, openTickets: variant, urgentTickets: variant === 1 ? 1 : 0,
    tenureDays: 400 - k, billingInterval: variant % 2 ? "year" : "month", commitmentTermMonths: variant % 2 ? 12 : null,
    collectionMethod: "charge_automatically", paymentMethodType: variant === 0 ? null : "card", productCount: 2, itemCount: 3,
    products: variant === 0 ? undefined : ["Core", `Add-on ${variant}`],
    freshness: { hubspot: "2026-11-20T01:00:00.000Z", stripe: variant === 2 ? null : "2026-11-20T02:00:00.000Z" },
    extra: variant === 0 ? undefined : { liveSubscriptions: variant, nested: { a: [1, 2.5, "x"], b: true } },
  };
}

async function seed(slug: string, accounts = 4, days = 12) {
  const org = await t.db.organization.create({ data: { name: slug, slug: `${slug}-${Math.random().toString(36).slice(2, 8)}` } });
  const ids: string[] = [];
  for (let v = 0; v < accounts; v++) ids.push((await t.db.account.create({ data: { organizationId: org.id, name: `${slug} ${v}` } })).id);
  const data = [];
  for (let v = 0; v < accounts; v++) {
    for (let k = days - 1; k >= 0; k--) data.push({ organizationId: org.id, accountId: ids[v], day: daysAgo(k), ...signals(k, v) });
  }
  await t.db.accountSignalDaily.createMany({ data });
  return { org, ids };
}

/** The user-visible columns of a stored score row. */
const visible = (r: { day: Date; healthScore: number; riskLevel: string | null; churnProbability: number | null; trend: string | null; factors: unknown; penalties: unknown; missingFactors: unknown; drivers: unknown; inputs: unknown }) =>
  ({ day: r.day.toISOString(), healthScore: r.healthScore, riskLevel: r.riskLevel, churnProbability: r.churnProbability, trend: r.trend, factors: r.factors, penalties: r.penalties, missingFactors: r.missingFactors, drivers: r.drivers, inputs: r.inputs });

describe(`scoring store on ${testDbProvider()}`, () => {
  it("reads signal history exactly as Prisma's findMany does (booleans, JSON, nulls, dates), ordered by account then day", async () => {
    const { org, ids } = await seed("read");
    const store = await openScoreStore(t.db);
    try {
      const got = await store.readSignalHistory(org.id, [ids[2], ids[0], ids[3], ids[1]], daysAgo(9), daysAgo(2));
      const want = await t.db.accountSignalDaily.findMany({
        where: { accountId: { in: ids }, day: { gte: daysAgo(9), lte: daysAgo(2) } },
        orderBy: [{ accountId: "asc" }, { day: "asc" }],
        omit: { id: true, organizationId: true, isBackfill: true, computedAt: true },
      });
      expect(got).toHaveLength(4 * 8);
      expect(got).toEqual(want);
      expect(got.some((r) => r.autoRenew === true) && got.some((r) => r.autoRenew === false)).toBe(true);
      expect(await store.readSignalHistory(org.id, [], daysAgo(9), D)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("reads one day's signal rows in keyset pages exactly as Prisma's findMany does", async () => {
    const { org, ids } = await seed("page", 5, 3);
    const store = await openScoreStore(t.db);
    try {
      const want = await t.db.accountSignalDaily.findMany({
        where: { organizationId: org.id, day: daysAgo(1) },
        orderBy: { accountId: "asc" },
        omit: { id: true, organizationId: true, isBackfill: true, computedAt: true },
      });
      const first = await store.readSignalDay(org.id, daysAgo(1), null, 2);
      const second = await store.readSignalDay(org.id, daysAgo(1), first[1].accountId, 2);
      const rest = await store.readSignalDay(org.id, daysAgo(1), second[1].accountId, 10);
      expect([first.length, second.length, rest.length]).toEqual([2, 2, 1]);
      expect([...first, ...second, ...rest]).toEqual(want);
      expect(want.map((r) => r.accountId)).toEqual([...ids].sort());
      expect(await store.readSignalDay(org.id, daysAgo(5), null, 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("a write that fails part-way leaves the stored scores and account columns as they were", async () => {
    const { org, ids } = await seed("atomic", 2, 1);
    await scoreOrganization(t.db, { organizationId: org.id, day: D, now: D });
    const before = await t.db.churnScoreDaily.findMany({ where: { organizationId: org.id }, orderBy: { accountId: "asc" } });
    const accountsBefore = await t.db.account.findMany({ where: { organizationId: org.id }, orderBy: { id: "asc" } });
    expect(before).toHaveLength(2);
    const row = (accountId: string) => ({
      organizationId: org.id, accountId, day: D, healthScore: 12.5, riskLevel: "critical" as const, churnProbability: 0.9, probabilitySource: "fallback",
      trend: null, factors: [], penalties: [], missingFactors: [], drivers: ["y"], inputs: {}, scoringConfigId: null, scoringConfigVersion: 1, churnModelId: null, churnModelVersion: null,
    });
    const store = await openScoreStore(t.db);
    try {
      // The third row repeats (account, day): the unique key fails after the DELETE and the first INSERTs.
      await expect(store.write({
        accountIds: ids, from: D, to: D, now: new Date(D.getTime() + 3_600_000),
        rows: [row(ids[0]), row(ids[1]), row(ids[1])],
        accounts: [{ id: ids[0], healthScore: 12.5, riskLevel: "critical", churnProbability: 0.9, trend: null, topReason: "y", scoredAt: D, mrrCents: null, mrrCurrency: null, renewalDate: null }],
      })).rejects.toThrow();
    } finally {
      await store.close();
    }
    expect(await t.db.churnScoreDaily.findMany({ where: { organizationId: org.id }, orderBy: { accountId: "asc" } })).toEqual(before);
    expect(await t.db.account.findMany({ where: { organizationId: org.id }, orderBy: { id: "asc" } })).toEqual(accountsBefore);
  });

  it("a score without a risk level (not a paying customer) is stored as NULL and clears the account's level", async () => {
    const { org, ids } = await seed("nolevel", 2, 1);
    await t.db.account.update({ where: { id: ids[0] }, data: { riskLevel: "critical" } });
    const row = (accountId: string, riskLevel: "at_risk" | null) => ({
      organizationId: org.id, accountId, day: D, healthScore: 41.5, riskLevel, churnProbability: 0.3, probabilitySource: "fallback",
      trend: null, factors: [], penalties: [], missingFactors: [], drivers: ["z"], inputs: {}, scoringConfigId: null, scoringConfigVersion: 1, churnModelId: null, churnModelVersion: null,
    });
    const account = (id: string, riskLevel: "at_risk" | null) => ({ id, healthScore: 41.5, riskLevel, churnProbability: 0.3, trend: null, topReason: "z", scoredAt: D, mrrCents: null, mrrCurrency: null, renewalDate: null });
    const store = await openScoreStore(t.db);
    try {
      await store.write({ accountIds: ids, from: D, to: D, now: D, rows: [row(ids[0], null), row(ids[1], "at_risk")], accounts: [account(ids[0], null), account(ids[1], "at_risk")] });
      // Prior scores are read whatever their level (trends of accounts without a level still work).
      expect(await store.scoresOnDay(ids, D, 1)).toEqual(new Map([[ids[0], 41.5], [ids[1], 41.5]]));
    } finally {
      await store.close();
    }
    const stored = await t.db.churnScoreDaily.findMany({ where: { organizationId: org.id }, orderBy: { accountId: "asc" }, select: { accountId: true, riskLevel: true } });
    expect(stored).toEqual([{ accountId: ids[0], riskLevel: null }, { accountId: ids[1], riskLevel: "at_risk" }].sort((x, y) => (x.accountId < y.accountId ? -1 : 1)));
    expect((await t.db.account.findUniqueOrThrow({ where: { id: ids[0] } })).riskLevel).toBeNull();
    expect((await t.db.account.findUniqueOrThrow({ where: { id: ids[1] } })).riskLevel).toBe("at_risk");
  });

  it("prior scores of another scoring config version are not read (they are not compared)", async () => {
    const { org, ids } = await seed("versions", 2, 1);
    await scoreOrganization(t.db, { organizationId: org.id, day: D, now: D });
    const store = await openScoreStore(t.db);
    try {
      expect((await store.scoresOnDay(ids, D, 1)).size).toBe(2);
      expect((await store.scoresOnDay(ids, D, 2)).size).toBe(0);
      expect((await store.scoresBetween(ids, daysAgo(1), new Date(D.getTime() + 1), 1)).size).toBe(2);
      expect((await store.scoresBetween(ids, daysAgo(1), new Date(D.getTime() + 1), 2)).size).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("scoreHistory stores the same scores as scoring each day in turn", async () => {
    const a = await seed("hist");
    const b = await seed("daily");
    const now = new Date("2026-11-20T06:00:00Z");
    await scoreHistory(t.db, { organizationId: a.org.id, from: daysAgo(11), to: D, now, accountBatchSize: 3 });
    for (let k = 11; k >= 0; k--) await scoreOrganization(t.db, { organizationId: b.org.id, day: daysAgo(k), now });
    for (let v = 0; v < 4; v++) {
      const ha = await t.db.churnScoreDaily.findMany({ where: { accountId: a.ids[v] }, orderBy: { day: "asc" } });
      const hb = await t.db.churnScoreDaily.findMany({ where: { accountId: b.ids[v] }, orderBy: { day: "asc" } });
      expect(ha).toHaveLength(12);
      expect(ha.map(visible)).toEqual(hb.map(visible));
      const [accA, accB] = await Promise.all([a.ids[v], b.ids[v]].map((id) => t.db.account.findUniqueOrThrow({ where: { id } })));
      const cols = (x: typeof accA) => ({ healthScore: x.healthScore, riskLevel: x.riskLevel, churnProbability: x.churnProbability, trend: x.trend, topReason: x.topReason, mrrCents: x.mrrCents, mrrCurrency: x.mrrCurrency, renewalDate: x.renewalDate, scoredAt: x.scoredAt });
      expect(cols(accA)).toEqual(cols(accB));
      expect(accA.healthScore).toBe(ha.at(-1)!.healthScore);
    }
    // at least one trend other than stable/null, so the chaining is exercised
    expect((await t.db.churnScoreDaily.count({ where: { organizationId: a.org.id, trend: { in: ["declining", "improving"] } } }))).toBeGreaterThan(0);
  });

  it("scoreOrganization in keyset pages of 2 accounts stores what scoreHistory stores, trends from the stored 7- and 30-day-old scores included", async () => {
    const a = await seed("pages", 5, 31);
    const b = await seed("whole", 5, 31);
    const now = new Date("2026-11-20T07:00:00Z");
    await scoreHistory(t.db, { organizationId: a.org.id, from: daysAgo(30), to: daysAgo(1), now });
    const res = await scoreOrganization(t.db, { organizationId: a.org.id, day: D, now, batchSize: 2 });
    await scoreHistory(t.db, { organizationId: b.org.id, from: daysAgo(30), to: D, now });
    expect(res.accounts).toBe(5);
    const today = async (orgId: string) => (await t.db.churnScoreDaily.findMany({ where: { organizationId: orgId, day: D }, include: { account: { select: { name: true } } } }))
      .sort((x, y) => (x.account.name.split(" ")[1] < y.account.name.split(" ")[1] ? -1 : 1)).map(visible);
    const [ta, tb] = [await today(a.org.id), await today(b.org.id)];
    expect(ta).toHaveLength(5);
    expect(ta).toEqual(tb);
    expect(ta.filter((r) => r.trend !== null).length).toBe(5); // every account had a score 7 days earlier
  });

  it("the account columns: a day without MRR keeps the stored MRR and its currency, renewal date = day + days until renewal, updatedAt = run time", async () => {
    const { org, ids } = await seed("cols", 2, 1);
    await t.db.account.update({ where: { id: ids[0] }, data: { mrrCents: 4_200, mrrCurrency: "eur" } });
    await t.db.accountSignalDaily.updateMany({ where: { accountId: ids[0] }, data: { mrrCents: null, mrrCurrency: null, daysUntilRenewal: null } });
    const now = new Date("2026-11-20T08:00:00Z");
    await scoreOrganization(t.db, { organizationId: org.id, day: D, now });
    const [kept, fresh] = await Promise.all(ids.map((id) => t.db.account.findUniqueOrThrow({ where: { id } })));
    const stored = await t.db.churnScoreDaily.findMany({ where: { organizationId: org.id }, orderBy: { accountId: "asc" } });
    expect(kept).toMatchObject({ mrrCents: 4_200, mrrCurrency: "eur", renewalDate: null, scoredAt: now, updatedAt: now });
    expect(kept.healthScore).toBe(stored.find((r) => r.accountId === ids[0])!.healthScore);
    expect(fresh).toMatchObject({ mrrCents: 101_000, mrrCurrency: "usd", renewalDate: new Date(D.getTime() + 40 * 86_400_000), scoredAt: now });
    expect(fresh.topReason).toBe((stored.find((r) => r.accountId === ids[1])!.drivers as string[])[0] ?? null);
  });

  it("re-running scoreHistory replaces the range: no duplicates, days without signals lose their score, newer days keep the account columns", async () => {
    const { org, ids } = await seed("rerun", 2, 6);
    await scoreHistory(t.db, { organizationId: org.id, from: daysAgo(5), to: D });
    const latest = await t.db.account.findUniqueOrThrow({ where: { id: ids[0] } });
    await t.db.accountSignalDaily.deleteMany({ where: { accountId: ids[0], day: daysAgo(3) } });
    await t.db.accountSignalDaily.updateMany({ where: { accountId: ids[0], day: daysAgo(2) }, data: { cancellationPending: true } });
    const res = await scoreHistory(t.db, { organizationId: org.id, from: daysAgo(5), to: daysAgo(1) });
    expect(res).toMatchObject({ accounts: 2, scores: 9 });
    const days = (await t.db.churnScoreDaily.findMany({ where: { accountId: ids[0] }, orderBy: { day: "asc" }, select: { day: true } })).map((r) => r.day.getTime());
    expect(days).toEqual([5, 4, 2, 1, 0].map((k) => daysAgo(k).getTime()));
    const changed = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: ids[0], day: daysAgo(2) } } });
    expect(changed.drivers).toEqual(expect.arrayContaining([expect.stringMatching(/cancellation pending/)]));
    // today's score still exists, so the account keeps today's values
    const after = await t.db.account.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(after.healthScore).toBe(latest.healthScore);
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: org.id } })).toBe(11);
  });

  it("the app's own writes (interactive transactions) during a history run neither block it nor fail", async () => {
    const { org, ids } = await seed("busy", 6, 30);
    let writes = 0;
    let running = true;
    const writer = (async () => {
      while (running) {
        // an interactive transaction holds SQLite's write lock across awaits (as the sync and identity jobs do)
        await t.db.$transaction(async (tx) => {
          const acc = await tx.account.findUniqueOrThrow({ where: { id: ids[0] } });
          await tx.account.update({ where: { id: acc.id }, data: { industry: `tick ${writes}` } });
        });
        writes++;
        await new Promise((resolve) => setTimeout(resolve, 1)); // like requests arriving, not a microtask spin
      }
    })();
    const started = Date.now();
    const res = await scoreHistory(t.db, { organizationId: org.id, from: daysAgo(29), to: D, accountBatchSize: 2 }).finally(() => { running = false; });
    await writer;
    expect(res.scores).toBe(180);
    expect(writes).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(4_000); // a lock wait would hit the 5 s busy timeout
    expect((await t.db.account.findUniqueOrThrow({ where: { id: ids[0] } })).industry).toBe(`tick ${writes - 1}`);
  });

  it("a write waits (without blocking the event loop) for a lock this process holds across awaits, then succeeds", async () => {
    const { org, ids } = await seed("held", 2, 5);
    const store = await openScoreStore(t.db); // opened first: Prisma queues its own queries behind the transaction
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => { locked = resolve; });
    // Prisma's interactive transaction: the write lock is held until `released`.
    const holder = t.db.$transaction(async (tx) => {
      await tx.account.update({ where: { id: ids[1] }, data: { industry: "held" } });
      locked();
      await released;
    }, { timeout: 20_000 });
    await isLocked;
    try {
      const started = Date.now();
      setTimeout(release, 300); // needs the event loop: a synchronous busy wait would stall 5 s, then fail
      await store.write({
        accountIds: [ids[0]], from: D, to: D, now: D,
        rows: [{
          organizationId: org.id, accountId: ids[0], day: D, healthScore: 55.5, riskLevel: "at_risk", churnProbability: 0.25, probabilitySource: "fallback",
          trend: null, factors: [], penalties: [], missingFactors: [], drivers: ["x"], inputs: {}, scoringConfigId: null, scoringConfigVersion: 1, churnModelId: null, churnModelVersion: null,
        }],
        accounts: [{ id: ids[0], healthScore: 55.5, riskLevel: "at_risk", churnProbability: 0.25, trend: null, topReason: "x", scoredAt: D, mrrCents: null, mrrCurrency: null, renewalDate: null }],
      });
      await holder;
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await store.close();
    }
    expect(await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: ids[0], day: D } } })).toMatchObject({ healthScore: 55.5, riskLevel: "at_risk" });
    expect(await t.db.account.findUniqueOrThrow({ where: { id: ids[0] } })).toMatchObject({ healthScore: 55.5, topReason: "x" });
    expect((await t.db.account.findUniqueOrThrow({ where: { id: ids[1] } })).industry).toBe("held");
  });
});
