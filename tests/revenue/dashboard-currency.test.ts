/**
 * The dashboard's MRR totals never add different currencies (issue 17): totals in the most common currency with the
 * others listed apart, or in the reporting currency when every currency has a rate. Two organizations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";
import { setReportingCurrency, upsertRates } from "@/lib/revenue/currency";

let t: TestDb;
let orgA: string;
let orgB: string;

async function paying(organizationId: string, name: string, mrrCents: number, mrrCurrency: string, riskLevel: "healthy" | "critical") {
  await t.db.account.create({ data: { organizationId, name, mrrCents, mrrCurrency, lifecycleState: "customer", riskLevel, healthScore: riskLevel === "healthy" ? 80 : 20 } });
}

beforeAll(async () => {
  t = await createTestDb();
  orgA = (await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } })).id;
  orgB = (await t.db.organization.create({ data: { name: "B", slug: `b-${Date.now()}` } })).id;
  await paying(orgA, "US 1", 10_000, "usd", "healthy");
  await paying(orgA, "US 2", 20_000, "usd", "critical");
  await paying(orgA, "JP", 500_000, "jpy", "critical");
  await paying(orgB, "B", 70_000, "usd", "critical");
});
afterAll(async () => t?.cleanup());

describe("dashboard MRR totals per currency", () => {
  it("adds only the most common currency and lists the others apart", async () => {
    const s = await getDashboardSummary(t.db, orgA);
    expect(s.currency).toBe("usd");
    expect(s.totalMrrCents).toBe(30_000);
    expect(s.mrrAtRiskCents).toBe(20_000);
    expect(s.healthDistribution.critical.mrrCents).toBe(20_000);
    expect(s.mrrConverted).toBe(false);
    expect(s.mrrPerCurrency).toEqual([
      { currency: "jpy", totalMrrCents: 500_000, mrrAtRiskCents: 500_000 },
      { currency: "usd", totalMrrCents: 30_000, mrrAtRiskCents: 20_000 },
    ]);
  });

  it("converts to the reporting currency with the latest rate once every currency has one", async () => {
    await setReportingCurrency(t.db, orgA, "usd");
    await upsertRates(t.db, orgA, [{ day: "2026-01-01", currency: "jpy", rate: 0.01 }, { day: "2026-02-01", currency: "jpy", rate: 0.0065 }], "api");
    const s = await getDashboardSummary(t.db, orgA);
    expect(s.mrrConverted).toBe(true);
    // ¥500,000 × 0.0065 = $3,250.00 = 325,000 cents.
    expect(s.totalMrrCents).toBe(30_000 + 325_000);
    expect(s.mrrAtRiskCents).toBe(20_000 + 325_000);
    const b = await getDashboardSummary(t.db, orgB);
    expect(b.totalMrrCents).toBe(70_000);
    expect(b.mrrConverted).toBe(false);
  });
});
