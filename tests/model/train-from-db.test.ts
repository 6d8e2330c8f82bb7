import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { buildTrainingSet } from "@/lib/model/build-training-set";
import { trainAndStoreModel } from "@/lib/model/train-from-db";
import { backtest } from "@/lib/scoring/backtest";
import { scoreOrganization } from "@/lib/scoring/run-scoring";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const NOW = new Date("2026-11-20T00:00:00Z");
const ago = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

const good = {
  mrrCents: 50_000, mrrCurrency: "usd", mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0, seats: 4, activeContacts: 2,
  daysUntilRenewal: 120, autoRenew: true, cancellationPending: false, failedPayments30d: 0, daysSinceLastPayment: 12, pastDueInvoices: 0,
  calls30d: 2, meetings30d: 1, notes30d: 2, daysSinceLastEngagement: 5, openTickets: 1, urgentTickets: 0, tenureDays: 400, billingInterval: "month",
};
const bad = { ...good, failedPayments30d: 2, daysSinceLastPayment: 50, meetings30d: 0, calls30d: 0, notes30d: 0, daysSinceLastEngagement: 55, mrrChange30dCents: -10_000 };

/**
 * `accounts` accounts, the first `churners` churn on NOW − 10 − 8j days; they look bad during the 90
 * days before their churn. Signals every 7 days from NOW − 90 back to NOW − 265 (the training snapshot
 * days), one subscription each (canceled + ended for churners).
 */
async function seedOrg(slug: string, accounts: number, churners: number) {
  const org = await t.db.organization.create({ data: { name: slug, slug } });
  const signalRows = [];
  for (let i = 0; i < accounts; i++) {
    const acc = await t.db.account.create({ data: { organizationId: org.id, name: `${slug} ${i}` } });
    const churnAt = i < churners ? ago(10 + 8 * i) : null;
    await t.db.subscription.create({
      data: {
        organizationId: org.id, connectionId: "conn_test", externalId: `sub_${slug}_${i}`, accountId: acc.id, customerExternalId: `cus_${i}`,
        status: churnAt ? "canceled" : "active", currency: "usd", mrrCents: churnAt ? 0 : 50_000, startDate: ago(400),
        canceledAt: churnAt, endedAt: churnAt,
      },
    });
    for (let k = 0; k <= 25; k++) {
      const day = ago(90 + 7 * k);
      if (churnAt && day >= churnAt) continue;
      const soon = churnAt && churnAt.getTime() - day.getTime() <= 90 * 86_400_000;
      signalRows.push({ organizationId: org.id, accountId: acc.id, day, ...(soon ? bad : good), openTickets: (i + k) % 3 });
    }
  }
  await t.db.accountSignalDaily.createMany({ data: signalRows });
  return org;
}

describe("training from stored history", () => {
  it("labels snapshots by revenue ending within the horizon, trains, stores an active model, and backtests", async () => {
    const org = await seedOrg("trainco", 60, 30);
    const set = await buildTrainingSet(t.db, { organizationId: org.id, now: NOW });
    expect(set.snapshotDays[0]).toBe("2026-08-22"); // NOW − 90
    expect(set.churnedAccounts).toBe(30);
    // a churner's row 7 days before churn is positive; its rows > 90 days before are negative
    const c0 = await t.db.account.findFirstOrThrow({ where: { organizationId: org.id, name: "trainco 20" } }); // churns NOW − 170
    const rows0 = set.rows.filter((r) => r.accountId === c0.id);
    expect(rows0.every((r) => r.day < ago(170))).toBe(true);
    expect(rows0.find((r) => r.day.getTime() === ago(174).getTime())!.churnedWithinHorizon).toBe(true);
    expect(rows0.find((r) => r.day.getTime() === ago(265).getTime())!.churnedWithinHorizon).toBe(false);

    const m1 = await trainAndStoreModel(t.db, { organizationId: org.id, now: NOW });
    expect(m1).toMatchObject({ version: 1, status: "trained", positives: 30 });
    expect(m1.metrics!.rocAuc!).toBeGreaterThan(0.8);
    const m2 = await trainAndStoreModel(t.db, { organizationId: org.id, now: NOW });
    expect(m2.version).toBe(2);
    const stored = await t.db.churnModel.findMany({ where: { organizationId: org.id }, orderBy: { version: "asc" } });
    expect(stored.map((m) => m.isActive)).toEqual([false, true]);
    expect(stored[1].metrics).toMatchObject({ rocAuc: expect.any(Number), prAuc: expect.any(Number), brier: expect.any(Number), calibrationError: expect.any(Number), topDecileLift: expect.any(Number) });

    // scoring now uses the model
    const run = await scoreOrganization(t.db, { organizationId: org.id, day: ago(90) });
    expect(run).toMatchObject({ probabilitySource: "model", churnModelVersion: 2 });
    const anyScore = await t.db.churnScoreDaily.findFirstOrThrow({ where: { organizationId: org.id } });
    expect(anyScore).toMatchObject({ probabilitySource: "model", churnModelVersion: 2 });

    const bt = await backtest(t.db, { organizationId: org.id, windows: [90, 180], now: NOW });
    expect(bt.windows.map((w) => [w.days, w.signalDay, w.churned])).toEqual([[90, "2026-08-22", 10], [180, "2026-05-23", 22]]);
    for (const w of bt.windows) {
      expect(w.healthScore.rocAuc!).toBeGreaterThan(0.7);
      expect(w.model!.rocAuc!).toBeGreaterThan(0.7);
      expect(w.healthScore.curve.length).toBeLessThanOrEqual(50);
    }
  });

  it("stores insufficient_data and scores with the fallback when fewer than 20 accounts churned", async () => {
    const org = await seedOrg("tinyco", 12, 4);
    const m = await trainAndStoreModel(t.db, { organizationId: org.id, now: NOW });
    expect(m).toMatchObject({ version: 1, status: "insufficient_data", positives: 4 });
    expect(m.notes).toMatch(/only 4 churned account\(s\)/);
    const row = await t.db.churnModel.findFirstOrThrow({ where: { organizationId: org.id } });
    expect(row).toMatchObject({ isActive: true, status: "insufficient_data", parameters: null });
    const run = await scoreOrganization(t.db, { organizationId: org.id, day: ago(90) });
    expect(run).toMatchObject({ probabilitySource: "fallback", churnModelVersion: null });
    const bt = await backtest(t.db, { organizationId: org.id, now: NOW });
    expect(bt.windows[0].model).toBeNull();
  });
});
