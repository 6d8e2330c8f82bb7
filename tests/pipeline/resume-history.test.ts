/**
 * History that survives (issue 13): a history run that fails midway is completed by the next pipeline run, and a
 * scoring config change neither floods movers/trends nor leaves history on the old config.
 *
 * Failures are injected the way they happen in production: the database refuses a write midway (a trigger that
 * aborts the INSERT of one account's rows, like the `UNIQUE constraint failed` that stopped the 7,000-account run),
 * on SQLite and PostgreSQL. Accounts are written in id order, so accounts before the failing one keep their new
 * history and the rest have none — what a CSM saw as "1,423 accounts without history".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { refreshOrganization } from "@/lib/pipeline/refresh-organization";
import { findHistoryGaps } from "@/lib/pipeline/history-gaps";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { saveScoringConfig } from "@/lib/scoring/config-store";
import { scoreHistory, scoreOrganization } from "@/lib/scoring/run-scoring";
import { explainChange } from "@/lib/scoring/explain-change";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const DAY = 86_400_000;
const NOW = new Date("2026-11-20T12:00:00Z");
const TODAY = new Date("2026-11-20T00:00:00Z");

async function org(name: string, accounts: number) {
  const o = await t.db.organization.create({ data: { name, slug: `${name}-${Math.random().toString(36).slice(2, 8)}` } });
  for (let i = 0; i < accounts; i++) await t.db.account.create({ data: { organizationId: o.id, name: `${name} ${String(i).padStart(3, "0")}` } });
  const ids = (await t.db.account.findMany({ where: { organizationId: o.id }, select: { id: true }, orderBy: { id: "asc" } })).map((a) => a.id);
  return { id: o.id, ids };
}

/** Make the database refuse INSERTs into `table` for one account (until `heal`). */
async function failInsertsFor(table: "ChurnScoreDaily" | "AccountSignalDaily", accountId: string) {
  if (testDbProvider() === "postgresql") {
    await t.db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION h6_injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
        `IF NEW."accountId" = '${accountId}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`,
    );
    await t.db.$executeRawUnsafe(`CREATE TRIGGER h6_injected_failure BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION h6_injected_failure()`);
    return () => t.db.$executeRawUnsafe(`DROP TRIGGER h6_injected_failure ON "${table}"`);
  }
  await t.db.$executeRawUnsafe(
    `CREATE TRIGGER h6_injected_failure BEFORE INSERT ON "${table}" WHEN NEW."accountId" = '${accountId}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
  );
  return () => t.db.$executeRawUnsafe(`DROP TRIGGER h6_injected_failure`);
}

/** Per account of the organization: [signal rows, score rows] in the 365-day window ending today. */
async function historyCounts(organizationId: string, ids: string[]) {
  const from = new Date(TODAY.getTime() - 364 * DAY);
  const sig = await t.db.accountSignalDaily.groupBy({ by: ["accountId"], where: { organizationId, day: { gte: from, lte: TODAY } }, _count: { _all: true } });
  const scr = await t.db.churnScoreDaily.groupBy({ by: ["accountId"], where: { organizationId, day: { gte: from, lte: TODAY } }, _count: { _all: true } });
  const s = new Map(sig.map((r) => [r.accountId, r._count._all]));
  const c = new Map(scr.map((r) => [r.accountId, r._count._all]));
  return ids.map((id) => [s.get(id) ?? 0, c.get(id) ?? 0]);
}

describe(`a failed history run resumes on the next pipeline run (${testDbProvider()})`, () => {
  it("scoring that fails midway: the next run scores the accounts left without history, then a config change re-scores all", async () => {
    // SQLite writes whole accounts per transaction of ≤ 4,000 rows (10 accounts here), PostgreSQL one batch of 50
    // accounts per transaction: the failure at the 11th account stops the run midway on SQLite, at its start on PostgreSQL.
    const o = await org("resume-scores", 12);
    const heal = await failInsertsFor("ChurnScoreDaily", o.ids[10]!);
    await expect(refreshOrganization(t.db, { organizationId: o.id, now: NOW, backfill: true })).rejects.toThrow(/injected failure/);
    await heal();
    const broken = await historyCounts(o.id, o.ids);
    expect(broken.every(([signals]) => signals === 365)).toBe(true);
    const withoutScores = broken.filter(([, scores]) => scores === 0).length;
    expect(withoutScores).toBeGreaterThan(0); // the accounts after the failure point
    if (testDbProvider() === "sqlite") expect(withoutScores).toBe(2); // …but not those before it

    // The next pipeline run (e.g. after the next sync; no backfill asked) finds and fills the gap.
    const next = await refreshOrganization(t.db, { organizationId: o.id, now: NOW });
    expect(next.signals.mode).toBe("today");
    expect(next.history).toMatchObject({ signals: 0, scored: withoutScores, rescored: 0, scores: withoutScores * 365 });
    expect(await historyCounts(o.id, o.ids)).toEqual(o.ids.map(() => [365, 365]));

    // A run with nothing missing rebuilds nothing.
    expect((await refreshOrganization(t.db, { organizationId: o.id, now: NOW })).history).toMatchObject({ signals: 0, scored: 0, rescored: 0, scores: 0 });

    // A config change: the next run re-scores the stored history with the new version (every day, every account).
    const w = DEFAULT_SCORING_CONFIG.weights;
    await saveScoringConfig(t.db, o.id, { ...DEFAULT_SCORING_CONFIG, weights: { ...w, engagement: 0, failedPayments: w.failedPayments + w.engagement } }, null);
    const after = await refreshOrganization(t.db, { organizationId: o.id, now: NOW });
    expect(after.history).toMatchObject({ rescored: 12, scores: 12 * 365 });
    expect(await t.db.churnScoreDaily.count({ where: { organizationId: o.id, scoringConfigVersion: { not: 2 } } })).toBe(0);
  });

  it("a signal backfill that fails midway: the next run rebuilds the missing accounts' signal history and scores it", async () => {
    // The backfill writes 13 accounts × 365 days per chunk, in statements of ≤ 1,000 (SQLite) / 2,000 (PostgreSQL)
    // rows, each chunk in one transaction (issue 13): the failure at the 17th account leaves the first chunk whole
    // and nothing of the second.
    const o = await org("resume-signals", 20);
    const heal = await failInsertsFor("AccountSignalDaily", o.ids[16]!);
    await expect(refreshOrganization(t.db, { organizationId: o.id, now: NOW, backfill: true })).rejects.toThrow(/injected failure/);
    await heal();
    const broken = await historyCounts(o.id, o.ids);
    const missing = broken.filter(([signals]) => signals < 365).length;
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(20);
    // No account is half-written (before issue 13, on SQLite the account written just before the failing statement kept only its first days).
    expect(broken.some(([signals]) => signals > 0 && signals < 365)).toBe(false);

    const next = await refreshOrganization(t.db, { organizationId: o.id, now: NOW });
    expect(next.signals.mode).toBe("today");
    expect(next.history?.signals).toBe(missing);
    expect(await historyCounts(o.id, o.ids)).toEqual(o.ids.map(() => [365, 365]));
  });

  it("finds gaps in one organization only", async () => {
    const a = await org("gaps-a", 3);
    const b = await org("gaps-b", 3);
    await refreshOrganization(t.db, { organizationId: a.id, now: NOW, backfill: true });
    await refreshOrganization(t.db, { organizationId: b.id, now: NOW, backfill: true });
    await t.db.churnScoreDaily.deleteMany({ where: { accountId: b.ids[1] } });
    const gapsA = await findHistoryGaps(t.db, { organizationId: a.id, day: TODAY, fromDay: new Date(TODAY.getTime() - 364 * DAY), configVersion: 1, sourcesSince: null });
    const gapsB = await findHistoryGaps(t.db, { organizationId: b.id, day: TODAY, fromDay: new Date(TODAY.getTime() - 364 * DAY), configVersion: 1, sourcesSince: null });
    expect(gapsA).toEqual({ missingSignals: [], unscored: [], staleConfig: [] });
    expect(gapsB).toEqual({ missingSignals: [], unscored: [b.ids[1]], staleConfig: [] });
  });
});

/** Signals of a paying customer; `k` varies engagement and failed payments between accounts (constant over days). */
function customerSignals(k: number) {
  return {
    lifecycleState: "customer", mrrCents: 100_000 + k * 5_000, mrrCurrency: "usd", mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0,
    seats: 5, activeContacts: 2, openDeals: 1, daysUntilRenewal: 200, autoRenew: true, cancellationPending: false,
    failedPayments30d: k % 4, daysSinceLastPayment: 10, pastDueInvoices: 0, calls30d: k % 3, meetings30d: k % 2, notes30d: k % 5,
    daysSinceLastEngagement: 5 + 10 * (k % 6), openTickets: 0, urgentTickets: 0, tenureDays: 500, billingInterval: "month",
  };
}

describe(`a weight change does not flood movers and trends (${testDbProvider()})`, () => {
  it("scores of different config versions are never compared; after the pipeline's re-score, trends and movers are quiet again", async () => {
    const o = await org("no-flood", 12);
    const days = 40;
    const data = [];
    for (const [k, accountId] of o.ids.entries()) {
      for (let d = days; d >= 1; d--) data.push({ organizationId: o.id, accountId, day: new Date(TODAY.getTime() - d * DAY), ...customerSignals(k) });
    }
    await t.db.accountSignalDaily.createMany({ data });
    const yesterday = new Date(TODAY.getTime() - DAY);
    await scoreHistory(t.db, { organizationId: o.id, from: new Date(TODAY.getTime() - days * DAY), to: yesterday, now: NOW });
    const v1 = new Map((await t.db.churnScoreDaily.findMany({ where: { organizationId: o.id, day: yesterday } })).map((r) => [r.accountId, r.healthScore]));

    // The admin moves engagement's weight onto failed payments (config v2); the accounts' signals do not change.
    const w = DEFAULT_SCORING_CONFIG.weights;
    await saveScoringConfig(t.db, o.id, { ...DEFAULT_SCORING_CONFIG, weights: { ...w, engagement: 0, failedPayments: w.failedPayments + w.engagement } }, null);
    await t.db.accountSignalDaily.createMany({ data: o.ids.map((accountId, k) => ({ organizationId: o.id, accountId, day: TODAY, ...customerSignals(k) })) });
    await scoreOrganization(t.db, { organizationId: o.id, day: TODAY, now: NOW });
    const today = await t.db.churnScoreDaily.findMany({ where: { organizationId: o.id, day: TODAY } });
    // The weight change moved scores by ≥ 5 points for some accounts: compared across versions, that was a flood.
    expect(today.filter((r) => Math.abs(r.healthScore - v1.get(r.accountId)!) >= 5).length).toBeGreaterThanOrEqual(3);
    // Not compared: no trend, no movers, no "why it changed" until the history has v2 scores.
    expect(today.map((r) => r.trend)).toEqual(today.map(() => null));
    let summary = await getDashboardSummary(t.db, o.id, NOW);
    expect(summary.movers.sinceYesterday).toEqual([]);
    expect(summary.movers.sinceLastWeek).toEqual([]);
    const before = await t.db.churnScoreDaily.findFirstOrThrow({ where: { accountId: today[0]!.accountId, day: yesterday } });
    expect(explainChange(before, today[0]!)).toBeNull();

    // The pipeline's check sees every account's history on v1 and re-scores it with v2.
    const gaps = await findHistoryGaps(t.db, { organizationId: o.id, day: TODAY, fromDay: new Date(TODAY.getTime() - 364 * DAY), configVersion: 2, sourcesSince: null });
    expect(gaps.staleConfig).toHaveLength(12);
    await scoreHistory(t.db, { organizationId: o.id, from: new Date(TODAY.getTime() - 364 * DAY), to: TODAY, accountIds: gaps.staleConfig, now: NOW });
    const rescored = await t.db.churnScoreDaily.findMany({ where: { organizationId: o.id, day: TODAY } });
    expect(rescored.map((r) => r.trend)).toEqual(rescored.map(() => "stable"));
    summary = await getDashboardSummary(t.db, o.id, NOW);
    expect(summary.movers.sinceYesterday).toEqual([]);
    expect(summary.movers.sinceLastWeek).toEqual([]);
    const b2 = await t.db.churnScoreDaily.findFirstOrThrow({ where: { accountId: rescored[0]!.accountId, day: yesterday } });
    expect(explainChange(b2, rescored[0]!)).toMatchObject({ delta: 0 });
  });
});
