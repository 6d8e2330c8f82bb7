/**
 * The renewal forecast (issue 17, brief H17f) gives the same answer as an independent recomputation from the raw
 * rows (Subscription, ChurnScoreDaily) on a random portfolio of two organizations: totals per currency, and the
 * whole list of renewing (account, currency) rows, read page by page with `cursor`, in the documented order
 * (expected loss, then MRR, descending; account id, currency ascending). The definition recomputed here is the one
 * of docs/revenue.md: live (active/past_due) subscriptions with MRR > 0 and an account whose current period ends in
 * [now, now + days], summed per account and currency; p = the account's churn probability of the organization's
 * newest scored day (none = unscored, retained); a scheduled cancellation (cancel_at_period_end, or cancel_at within
 * the horizon) counts as p = 1; loss = MRR × p, rounded once per listed row and once per currency total.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { getRenewalForecast, type ForecastAccount } from "@/lib/revenue/report";

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 5, 15, 12, 0, 0));
const NEWEST = new Date(Date.UTC(2026, 5, 15));
let t: TestDb;
let orgA: string;
let orgB: string;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random portfolio: every case the forecast's filter and weighting distinguish, and ties in the list order. */
async function seed(organizationId: string, accounts: number, seedNo: number): Promise<void> {
  const rnd = prng(seedNo);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ids: string[] = [];
  for (let i = 0; i < accounts; i++) ids.push((await t.db.account.create({ data: { organizationId, name: `Account ${seedNo}-${i}` } })).id);
  const subs = [];
  let n = 0;
  for (const accountId of ids) {
    const count = rnd() < 0.7 ? 1 : rnd() < 0.7 ? 2 : 3;
    for (let k = 0; k < count; k++) {
      // Amounts in whole hundreds and probabilities in hundredths: every loss total is an integer, so a sum taken in
      // another order (SQL vs this recomputation) rounds to the same cents.
      const mrr = rnd() < 0.08 ? 0 : pick([1_000, 2_000, 5_000, 10_000, 29_900, 100_000]) + 100 * Math.floor(rnd() * 5);
      const end = rnd() < 0.05 ? null : new Date(NOW.getTime() + Math.round((rnd() * 140 - 20) * DAY));
      subs.push({
        organizationId, connectionId: `conn-${organizationId}`, externalId: `sub_${seedNo}_${n++}`,
        accountId: rnd() < 0.04 ? null : accountId, customerExternalId: `cus_${accountId}`,
        status: pick(["active", "active", "active", "active", "past_due", "trialing", "canceled", "paused"]),
        currency: rnd() < 0.7 ? "usd" : pick(["eur", "gbp"]), mrrCents: mrr,
        cancelAtPeriodEnd: rnd() < 0.06,
        cancelAt: rnd() < 0.06 ? new Date(NOW.getTime() + Math.round(rnd() * 200 * DAY)) : null,
        startDate: new Date(NOW.getTime() - 400 * DAY), sourceCreatedAt: new Date(NOW.getTime() - 400 * DAY), currentPeriodEnd: end,
      });
    }
  }
  await t.db.subscription.createMany({ data: subs });
  const scores = [];
  for (const accountId of ids) {
    const r = rnd();
    // 15 % unscored on the newest day; 20 % of the probabilities 0 (loss ties, ordered by MRR then id).
    if (r < 0.85) scores.push({ organizationId, accountId, day: NEWEST, healthScore: 50, churnProbability: rnd() < 0.2 ? 0 : Math.round(rnd() * 100) / 100, factors: [], scoringConfigVersion: 1 });
    else if (r < 0.95) scores.push({ organizationId, accountId, day: NEWEST, healthScore: 50, churnProbability: null, factors: [], scoringConfigVersion: 1 });
    // An older day with another probability: never read.
    scores.push({ organizationId, accountId, day: new Date(NEWEST.getTime() - DAY), healthScore: 50, churnProbability: 0.99, factors: [], scoringConfigVersion: 1 });
  }
  await t.db.churnScoreDaily.createMany({ data: scores });
}

type Row = { a: string; c: string; mrr: number; renewal: number; canceling: boolean; p: number | null; loss: number };

/** The forecast recomputed in JS from the raw rows of one organization (see the file's docstring). */
async function recompute(organizationId: string, days: number) {
  const to = NOW.getTime() + days * DAY;
  const subs = await t.db.subscription.findMany({ where: { organizationId } });
  const newest = await t.db.churnScoreDaily.findFirst({ where: { organizationId }, orderBy: { day: "desc" } });
  const scores = await t.db.churnScoreDaily.findMany({ where: { organizationId, day: newest!.day } });
  const p = new Map(scores.map((s) => [s.accountId, s.churnProbability]));
  const groups = new Map<string, Row>();
  for (const s of subs) {
    const end = s.currentPeriodEnd?.getTime();
    if (!["active", "past_due"].includes(s.status) || s.mrrCents <= 0 || !s.accountId || end === undefined || end < NOW.getTime() || end > to) continue;
    const key = `${s.accountId}|${s.currency}`;
    const g = groups.get(key) ?? { a: s.accountId, c: s.currency, mrr: 0, renewal: end, canceling: false, p: p.get(s.accountId) ?? null, loss: 0 };
    g.mrr += s.mrrCents;
    g.renewal = Math.min(g.renewal, end);
    g.canceling ||= s.cancelAtPeriodEnd || (s.cancelAt !== null && s.cancelAt.getTime() <= to);
    groups.set(key, g);
  }
  const rows = [...groups.values()];
  for (const g of rows) g.loss = g.mrr * (g.canceling ? 1 : (g.p ?? 0));
  rows.sort((x, y) => y.loss - x.loss || y.mrr - x.mrr || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0) || (x.c < y.c ? -1 : x.c > y.c ? 1 : 0));
  const totals = new Map<string, { currency: string; renewals: number; renewingMrrCents: number; expectedRetainedCents: number; expectedLossCents: number; unscored: number; lossExact: number }>();
  for (const g of rows) {
    const x = totals.get(g.c) ?? { currency: g.c, renewals: 0, renewingMrrCents: 0, expectedRetainedCents: 0, expectedLossCents: 0, unscored: 0, lossExact: 0 };
    x.renewals += 1;
    x.renewingMrrCents += g.mrr;
    x.lossExact += g.loss;
    x.unscored += g.p === null ? 1 : 0;
    totals.set(g.c, x);
  }
  const list: Omit<ForecastAccount, "accountName">[] = rows.map((g) => {
    const loss = Math.round(g.loss);
    return {
      accountId: g.a, currency: g.c, renewalDate: new Date(g.renewal).toISOString(), mrrCents: g.mrr, churnProbability: g.p,
      effectiveChurnProbability: g.canceling ? 1 : (g.p ?? 0), expectedRetainedCents: g.mrr - loss, expectedLossCents: loss,
    };
  });
  return {
    totals: [...totals.values()].sort((x, y) => x.currency.localeCompare(y.currency)).map(({ lossExact, ...x }) => ({
      ...x, expectedLossCents: Math.round(lossExact), expectedRetainedCents: x.renewingMrrCents - Math.round(lossExact),
    })),
    list,
  };
}

beforeAll(async () => {
  t = await createTestDb();
  orgA = (await t.db.organization.create({ data: { name: "Forecast A", slug: `forecast-a-${Date.now()}` } })).id;
  orgB = (await t.db.organization.create({ data: { name: "Forecast B", slug: `forecast-b-${Date.now()}` } })).id;
  await seed(orgA, 260, 17);
  await seed(orgB, 60, 18);
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
});

describe("getRenewalForecast", () => {
  for (const days of [90, 30, 366]) {
    it(`equals the independent recomputation over ${days} days: totals, and every row of the list page by page`, async () => {
      const want = await recompute(orgA, days);
      expect(want.list.length).toBeGreaterThan(37); // more than one page
      const first = await getRenewalForecast(t.db, { organizationId: orgA, days, now: NOW, limit: 37 });
      expect(first.totals).toEqual(want.totals);
      expect(first.total).toBe(want.list.length);
      const got: ForecastAccount[] = [...first.accounts];
      let cursor = first.nextCursor;
      let pages = 1;
      while (cursor) {
        const page = await getRenewalForecast(t.db, { organizationId: orgA, days, now: NOW, limit: 37, cursor });
        expect(page.totals).toEqual(want.totals);
        got.push(...page.accounts);
        cursor = page.nextCursor;
        pages++;
      }
      expect(pages).toBe(Math.ceil(want.list.length / 37));
      expect(got.map(({ accountName: _n, ...a }) => a)).toEqual(want.list);
      // Names come from the organization's accounts.
      const names = new Map((await t.db.account.findMany({ where: { organizationId: orgA } })).map((a) => [a.id, a.name]));
      expect(got.every((a) => a.accountName === names.get(a.accountId))).toBe(true);
    });
  }

  it("the default page is the 20 rows that weigh most; another organization's rows never appear", async () => {
    const want = await recompute(orgA, 90);
    const f = await getRenewalForecast(t.db, { organizationId: orgA, now: NOW });
    expect(f.accounts.map((a) => [a.accountId, a.currency])).toEqual(want.list.slice(0, 20).map((a) => [a.accountId, a.currency]));
    expect(f.nextCursor).toBe("20");
    const bAccounts = new Set((await t.db.account.findMany({ where: { organizationId: orgB } })).map((a) => a.id));
    const all = await getRenewalForecast(t.db, { organizationId: orgA, now: NOW, limit: 200 });
    const rest = await getRenewalForecast(t.db, { organizationId: orgA, now: NOW, limit: 200, cursor: all.nextCursor ?? "0" });
    expect([...all.accounts, ...rest.accounts].some((a) => bAccounts.has(a.accountId))).toBe(false);
    const b = await getRenewalForecast(t.db, { organizationId: orgB, now: NOW, limit: 200 });
    expect(b.totals).toEqual((await recompute(orgB, 90)).totals);
    expect(b.accounts.every((a) => bAccounts.has(a.accountId))).toBe(true);
  });

  it("a cursor past the end gives an empty last page with the same totals", async () => {
    const f = await getRenewalForecast(t.db, { organizationId: orgA, now: NOW, limit: 10, cursor: "100000" });
    expect(f.accounts).toEqual([]);
    expect(f.nextCursor).toBeNull();
    expect(f.totals).toEqual((await recompute(orgA, 90)).totals);
  });
});
