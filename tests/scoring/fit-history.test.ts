/**
 * "Fit to our history" against a database: the fit-scoring-job fits on older days and measures on
 * newer ones, reads only its own organization, saves nothing, and applying it stores a new config
 * version for that organization only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { runJobInline } from "@/lib/jobs/run-job";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import { applyFittedConfig, type FitReport } from "@/lib/scoring/fit-history";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY);
const ago = (n: number) => new Date(NOW.getTime() - n * DAY);

const base = {
  mrrCents: 50_000, mrrCurrency: "usd", mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0, seats: 4, activeContacts: 2,
  daysUntilRenewal: 120, autoRenew: true, cancellationPending: false, failedPayments30d: 0, daysSinceLastPayment: 12, pastDueInvoices: 0,
  calls30d: 2, meetings30d: 1, notes30d: 2, daysSinceLastEngagement: 5, openTickets: 1, urgentTickets: 0, tenureDays: 400, billingInterval: "month",
  lifecycleState: "customer",
};

/** Churners (the first `churners`) have an open deal in the 90 days before their churn; nothing the default weights read differs. */
async function seedOrg(slug: string, accounts: number, churners: number) {
  const org = await t.db.organization.create({ data: { name: slug, slug } });
  const rows = [];
  for (let i = 0; i < accounts; i++) {
    const acc = await t.db.account.create({ data: { organizationId: org.id, name: `${slug} ${i}` } });
    const churnAt = i < churners ? ago(5 + 6 * i) : null;
    await t.db.subscription.create({
      data: {
        organizationId: org.id, connectionId: "conn_test", externalId: `sub_${slug}_${i}`, accountId: acc.id, customerExternalId: `cus_${i}`,
        status: churnAt ? "canceled" : "active", currency: "usd", mrrCents: churnAt ? 0 : 50_000, startDate: ago(500), canceledAt: churnAt, endedAt: churnAt,
      },
    });
    for (let k = 0; k <= 40; k++) {
      const day = ago(90 + 7 * k);
      if (churnAt && day >= churnAt) continue;
      const soon = churnAt !== null && churnAt.getTime() - day.getTime() <= 90 * DAY;
      rows.push({ organizationId: org.id, accountId: acc.id, day, ...base, openDeals: soon ? 1 : (i + k) % 9 === 0 ? 1 : 0, openTickets: (i + k) % 3 });
    }
  }
  await t.db.accountSignalDaily.createMany({ data: rows });
  return org;
}

describe("fit-scoring-job", () => {
  it("fits on older days, beats the current config on newer ones, stays in its organization, and applies as a new version", async () => {
    const a = await seedOrg("fitco", 80, 40);
    const b = await seedOrg("quietco", 30, 0); // no churn at all
    const job = await runJobInline(t.db, "fit-scoring-job", { organizationId: a.id }, { organizationId: a.id });
    expect(job.status).toBe("succeeded");
    const r = job.result as FitReport;
    expect(r.status).toBe("fitted");
    expect(r.split.strict).toBe(true);
    expect(r.split.fitDays![1] < r.split.heldOutDays![0]).toBe(true); // fit days are older than held-out days
    expect(new Date(r.split.fitDays![1]).getTime()).toBeLessThanOrEqual(ago(180).getTime());
    expect(r.candidate!.weights.openDeals).toBeGreaterThan(0);
    const w90 = (e: FitReport["before"]) => e!.backtest.find((w) => w.days === 90)!.healthScore;
    expect(w90(r.after).rocAuc!).toBeGreaterThan(w90(r.before).rocAuc! + 0.2);
    expect(r.after!.heldOut.rocAuc!).toBeGreaterThan(r.before!.heldOut.rocAuc! + 0.2);
    expect(w90(r.after).levels.caughtAtRiskOrCritical!).toBeGreaterThan(w90(r.before).levels.caughtAtRiskOrCritical!);
    // nothing saved by the fit
    expect((await getActiveScoringConfig(t.db, a.id)).version).toBe(1);

    // the other organization has no churn: nothing to fit, and A's history is not used
    const jb = await runJobInline(t.db, "fit-scoring-job", { organizationId: b.id }, { organizationId: b.id });
    expect((jb.result as FitReport).status).toBe("insufficient_data");
    expect((jb.result as FitReport).split.fitChurnedAccounts).toBe(0);

    const saved = await applyFittedConfig(t.db, a.id, r.candidate, null);
    expect(saved.version).toBe(2);
    expect(saved.config.weights.openDeals).toBe(r.candidate!.weights.openDeals);
    expect(saved.config.learned?.fit?.rows).toBe(r.split.fitRows);
    expect((await getActiveScoringConfig(t.db, a.id)).config.thresholds).toEqual(r.candidate!.thresholds);
    expect((await getActiveScoringConfig(t.db, b.id)).version).toBe(1);
  }, 120_000);
});
