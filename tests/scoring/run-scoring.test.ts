import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { DEFAULT_SCORING_CONFIG, FACTOR_KEYS } from "@/lib/scoring/config";
import { getActiveScoringConfig, saveScoringConfig } from "@/lib/scoring/config-store";
import { ScoringConfigError } from "@/lib/scoring/config";
import { scoreHistory, scoreOrganization } from "@/lib/scoring/run-scoring";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const D = new Date("2026-11-20T00:00:00Z");
const daysAgo = (n: number) => new Date(D.getTime() - n * 86_400_000);

/** Signal columns of a healthy account (default config → 85.7, see tests/scoring/fixtures.ts). */
const good = {
  mrrCents: 100_000, mrrCurrency: "usd", mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0,
  seats: 5, activeContacts: 2, openDeals: 1, daysUntilRenewal: 60, autoRenew: false, cancellationPending: false,
  failedPayments30d: 0, daysSinceLastPayment: 10, pastDueInvoices: 0, calls30d: 1, meetings30d: 1, notes30d: 1,
  daysSinceLastEngagement: 7, openTickets: 0, urgentTickets: 0, tenureDays: 365, billingInterval: "month",
  lifecycleState: "customer",
};

async function setup(name: string) {
  const org = await t.db.organization.create({ data: { name, slug: `${name}-${Math.random().toString(36).slice(2, 8)}` } });
  const a = await t.db.account.create({ data: { organizationId: org.id, name: "Healthy Co" } });
  const b = await t.db.account.create({ data: { organizationId: org.id, name: "Trouble Inc" } });
  const c = await t.db.account.create({ data: { organizationId: org.id, name: "Unknown Ltd" } });
  return { org, a, b, c };
}

describe(`scoreOrganization on ${process.env.CHURNWATCH_TEST_DB === "postgres" ? "postgresql" : "sqlite"}`, () => {
  it("scores a day, stores versions and explanations, updates the accounts, and re-scoring replaces", async () => {
    const { org, a, b, c } = await setup("acme");
    await t.db.accountSignalDaily.createMany({
      data: [
        { organizationId: org.id, accountId: a.id, day: D, ...good },
        { organizationId: org.id, accountId: b.id, day: D, ...good, cancellationPending: true, failedPayments30d: 3, mrrCents: 50_000 },
        { organizationId: org.id, accountId: c.id, day: D },
      ],
    });
    const res = await scoreOrganization(t.db, { organizationId: org.id, day: D, batchSize: 2 });
    expect(res).toMatchObject({ accounts: 3, probabilitySource: "fallback", scoringConfigVersion: 1, churnModelVersion: null });
    // "Unknown Ltd" has no data at all: not a paying customer, so a score but no risk level (issue 13 contract).
    expect(res.counts).toEqual({ healthy: 1, at_risk: 0, critical: 1, none: 1 });
    expect((await getActiveScoringConfig(t.db, org.id)).version).toBe(1);

    const rowA = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: a.id, day: D } } });
    expect(rowA).toMatchObject({ healthScore: 85.7, riskLevel: "healthy", probabilitySource: "fallback", scoringConfigVersion: 1, trend: null });
    expect(rowA.churnProbability).toBeCloseTo(1 / (1 + Math.exp((85.7 - 40) / 10)), 4);
    expect((rowA.factors as { key: string }[]).map((f) => f.key)).toHaveLength(FACTOR_KEYS.length);
    expect((rowA.inputs as { daysSinceLastPayment: number }).daysSinceLastPayment).toBe(10);
    const rowC = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: c.id, day: D } } });
    expect(rowC.missingFactors).toHaveLength(FACTOR_KEYS.filter((k) => (DEFAULT_SCORING_CONFIG.weights as Record<string, number>)[k] > 0).length);
    expect(rowC.drivers).toEqual(["no data for any factor"]);

    const accB = await t.db.account.findUniqueOrThrow({ where: { id: b.id } });
    expect(accB).toMatchObject({ riskLevel: "critical", mrrCents: 50_000, mrrCurrency: "usd" });
    expect(accB.topReason).toMatch(/cancellation pending.*\(−30\)/);
    expect(accB.scoredAt).not.toBeNull();
    // renewal date on the account = scored day + daysUntilRenewal (60 d); unknown renewal → null
    expect(accB.renewalDate?.getTime()).toBe(D.getTime() + 60 * 86_400_000);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: c.id } })).renewalDate).toBeNull();

    // re-score the same day after the signals changed: rows replaced, not duplicated
    await t.db.accountSignalDaily.update({ where: { accountId_day: { accountId: a.id, day: D } }, data: { failedPayments30d: 2 } });
    await scoreOrganization(t.db, { organizationId: org.id, day: D });
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: org.id } })).toBe(3);
    const again = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: a.id, day: D } } });
    expect(again.healthScore).toBeLessThan(85.7);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: a.id } })).healthScore).toBe(again.healthScore);
  });

  it("uses a saved config version, computes the trend against 7 days ago, and keeps the newest score on the account", async () => {
    const { org, a } = await setup("globex");
    await t.db.accountSignalDaily.createMany({
      data: [
        { organizationId: org.id, accountId: a.id, day: daysAgo(7), ...good, failedPayments30d: 3 },
        { organizationId: org.id, accountId: a.id, day: D, ...good },
      ],
    });
    await scoreOrganization(t.db, { organizationId: org.id, day: daysAgo(7) });
    await expect(saveScoringConfig(t.db, org.id, { ...DEFAULT_SCORING_CONFIG, weights: { ...DEFAULT_SCORING_CONFIG.weights, tenure: 0 } }, null))
      .rejects.toBeInstanceOf(ScoringConfigError);
    const v2 = await saveScoringConfig(t.db, org.id, { ...DEFAULT_SCORING_CONFIG, thresholds: { healthy: 90, atRisk: 50 } }, null);
    expect(v2.version).toBe(2);
    const res = await scoreOrganization(t.db, { organizationId: org.id, day: D });
    expect(res.scoringConfigVersion).toBe(2);
    // The score 7 days ago was made with v1: not compared with a v2 score (no trend rather than a config-made one).
    expect(await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: a.id, day: D } } })).toMatchObject({ scoringConfigVersion: 2, trend: null });
    // Once that day is re-scored with v2 (the pipeline re-scores history after a config change), the trend is back.
    await scoreOrganization(t.db, { organizationId: org.id, day: daysAgo(7) });
    await scoreOrganization(t.db, { organizationId: org.id, day: D });
    const today = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: a.id, day: D } } });
    expect(today).toMatchObject({ scoringConfigVersion: 2, riskLevel: "at_risk", trend: "improving" });
    // re-scoring the older day must not overwrite the account's latest score
    await scoreOrganization(t.db, { organizationId: org.id, day: daysAgo(7) });
    expect((await t.db.account.findUniqueOrThrow({ where: { id: a.id } })).healthScore).toBe(today.healthScore);
  });

  it("scoreHistory scores every stored day in range with chained trends", async () => {
    const { org, a, b } = await setup("initech");
    const data = [];
    for (let k = 10; k >= 0; k--) {
      data.push({ organizationId: org.id, accountId: a.id, day: daysAgo(k), ...good, failedPayments30d: k > 5 ? 0 : 3 });
      data.push({ organizationId: org.id, accountId: b.id, day: daysAgo(k), ...good });
    }
    await t.db.accountSignalDaily.createMany({ data });
    const res = await scoreHistory(t.db, { organizationId: org.id, from: daysAgo(10), to: D, accountBatchSize: 1 });
    expect(res).toMatchObject({ accounts: 2, scores: 22 });
    const rowsA = await t.db.churnScoreDaily.findMany({ where: { accountId: a.id }, orderBy: { day: "asc" } });
    expect(rowsA).toHaveLength(11);
    expect(rowsA[3].trend).toBeNull(); // day −7: no score 7 or 30 days earlier
    expect(rowsA[7].trend).toBe("declining"); // day −3 (3 failed payments) vs day −10 (none), scored in the same run
    expect(rowsA.at(-1)!.trend).toBe("declining");
    const lastB = await t.db.churnScoreDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: b.id, day: D } } });
    expect(lastB.trend).toBe("stable");
    expect((await t.db.account.findUniqueOrThrow({ where: { id: a.id } })).healthScore).toBe(rowsA.at(-1)!.healthScore);
  });
});
