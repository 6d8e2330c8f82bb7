/**
 * Daily signals on hand-computed days of the fixture portfolio (tests/signals/fixtures.ts), on a
 * real database: point-in-time reconstruction, NULL-not-0 for missing sources, and row writing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeSignalsForDay, writeSignalsForDay, type SignalRow } from "@/lib/signals/compute-signals";
import { createTestDb, type TestDb } from "../helpers/db";
import { AS_OF, d, seedFixture, type Fixture } from "./fixtures";

let t: TestDb;
let f: Fixture;

beforeAll(async () => {
  t = await createTestDb();
  f = await seedFixture(t.db);
});
afterAll(() => t?.cleanup());

async function on(day: string, accountId: string): Promise<SignalRow> {
  const rows = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d(day), accountIds: [accountId] });
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe("computeSignalsForDay", () => {
  it("returns one row per non-archived account of the organization", async () => {
    const rows = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: AS_OF });
    expect(rows.map((r) => r.accountId).sort()).toEqual([f.acmeId, f.hubOnlyId, f.stripeOnlyId].sort());
    expect(rows.every((r) => r.day.toISOString() === "2026-11-20T00:00:00.000Z")).toBe(true);
  });

  it("no row for an account on a day before its start; its start day has one (tenure 0)", async () => {
    // HubOnly starts 2026-06-01 (customerSince), StripeOnly 2026-10-10 15:00 (Stripe customer created)
    const may31 = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d("2026-05-31") });
    expect(may31.map((r) => r.accountId)).toEqual([f.acmeId]);
    const oct9 = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d("2026-10-09") });
    expect(oct9.map((r) => r.accountId).sort()).toEqual([f.acmeId, f.hubOnlyId].sort());
    const oct10 = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d("2026-10-10"), accountIds: [f.stripeOnlyId] });
    expect(oct10).toHaveLength(1);
    expect(oct10[0]!.tenureDays).toBe(0);
    expect((await on("2026-06-01", f.hubOnlyId)).tenureDays).toBe(0);
  });

  it("truncates the day to midnight UTC", async () => {
    const rows = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d("2026-11-20T17:45:00Z"), accountIds: [f.acmeId] });
    expect(rows[0]!.day).toEqual(AS_OF);
  });

  it("Acme on the asOf day: every signal hand-computed", async () => {
    const s = await on("2026-11-20", f.acmeId);
    expect(s).toMatchObject({
      // S1 100000 + S2 10000 (S3 ended 2026-09-15)
      mrrCents: 110000,
      mrrCurrency: "usd",
      // 2026-10-21: S1 only (S2 starts 10-25) → 110000 − 100000
      mrrChange30dCents: 10000,
      // 2026-09-21: S1 only (S3 ended 09-15) → +10000
      mrrChange60dCents: 10000,
      // 2026-08-22: S1 + S3 = 120000 → 110000 − 120000
      mrrChange90dCents: -10000,
      // S1 renews, S2's cancellation (requested 11-10) is pending: 10000 of 110000 cents are leaving
      autoRenew: true,
      cancellationPending: true,
      cancelingMrrShare: 0.0909,
      // paying, with two overdue invoices (in_2, in_3); first revenue 2025-01-15: not a new customer
      lifecycleState: "past_due",
      newCustomer: false,
      // failed charges in 10-22 … 11-20: ch_2 (11-18); ch_3 (10-15) too old, ch_4 (11-21) not yet
      failedPayments30d: 1,
      // last payment: in_1 / ch_1 on 11-15
      daysSinceLastPayment: 5,
      // in_2 (automatic, failed attempt 11-18) and in_3 (due 11-19); in_4 paid, in_5 void
      pastDueInvoices: 2,
      // S1 renews 2026-12-15 10:00 → 25.4 days → 25
      daysUntilRenewal: 25,
      billingInterval: "month",
      commitmentTermMonths: 1,
      collectionMethod: "charge_automatically",
      // latest charge by the end of 11-20 is ch_2 (sepa_debit); ch_4 (us_bank_account) comes later
      paymentMethodType: "sepa_debit",
      productCount: 2,
      itemCount: 2,
      products: ["Analytics", "Platform"],
      // k1, k2 (created 11-19); k3 archived 11-01
      seats: 2,
      activeContacts: 1,
      // the new-business deal closed 11-05
      openDeals: 1,
      renewalDealStage: "negotiation",
      // e1 (11-19) and e2 (11-10); e3 too old; e7 archived
      calls30d: 2,
      // e4 happens 11-21 02:00
      meetings30d: 0,
      notes30d: 1,
      daysSinceLastEngagement: 1,
      openTickets: 1,
      urgentTickets: 1,
      // 2025-01-15 → 2026-11-20
      tenureDays: 674,
      freshness: { hubspot: "2026-11-20T06:00:00.000Z", stripe: "2026-11-20T07:00:00.000Z" },
      extra: { mrrByCurrency: { usd: 110000 }, liveSubscriptions: 2, allSubscriptionsCanceling: false, someSubscriptionsCanceling: true },
    });
  });

  it("point in time: a charge, contact or meeting after the day does not count; the next day it does", async () => {
    const next = await on("2026-11-21", f.acmeId);
    expect(next.failedPayments30d).toBe(2); // ch_2 + ch_4
    expect(next.paymentMethodType).toBe("us_bank_account");
    expect(next.meetings30d).toBe(1);
    const before = await on("2026-11-18", f.acmeId);
    expect(before.seats).toBe(1); // k2 created 11-19, k3 archived 11-01
    expect(before.openTickets).toBe(2); // t2 closes 11-19 12:00
    expect((await on("2026-11-19", f.acmeId)).openTickets).toBe(1);
  });

  it("point in time: a cancellation counts as pending only once it was requested", async () => {
    const s = await on("2026-11-05", f.acmeId);
    expect(s.cancellationPending).toBe(false);
    expect(s.autoRenew).toBe(true);
    expect(s.mrrCents).toBe(110000);
    // in_4 due 11-01 and paid 11-10 is past due on 11-05; in_2 and in_3 are not yet
    expect(s.pastDueInvoices).toBe(1);
    // the renewal deal's stage was last changed 11-12: before that it is reported as "open"
    expect(s.renewalDealStage).toBe("open");
    // deal_nb closes 11-05 16:00: open on 11-04, closed by the end of 11-05
    expect(s.openDeals).toBe(1);
    expect((await on("2026-11-04", f.acmeId)).openDeals).toBe(2);
    expect((await on("2026-11-10", f.acmeId)).pastDueInvoices).toBe(0); // in_4 paid on 11-10
  });

  it("point in time: an automatic invoice is past due from its first failed attempt", async () => {
    expect((await on("2026-11-17", f.acmeId)).pastDueInvoices).toBe(0);
    expect((await on("2026-11-18", f.acmeId)).pastDueInvoices).toBe(1);
  });

  it("point in time: a subscription canceled later still counted before it ended", async () => {
    const s = await on("2026-09-01", f.acmeId);
    expect(s.mrrCents).toBe(120000); // S1 + S3
    expect(s.products).toEqual(["Platform", "Reports"]);
    expect(s.cancellationPending).toBe(false); // S3 was canceled without notice on 09-15
    expect((await on("2026-09-15", f.acmeId)).mrrCents).toBe(100000);
  });

  it("renewal: 1 day the day before; on the renewal day the period has rolled over (next one 30 days away)", async () => {
    expect((await on("2026-11-14", f.acmeId)).daysUntilRenewal).toBe(1);
    expect((await on("2026-11-15", f.acmeId)).daysUntilRenewal).toBe(30);
    expect((await on("2026-11-16", f.acmeId)).daysUntilRenewal).toBe(29);
  });

  it("failed payments are NULL before the synced charge history (stored chargesLookbackDays 90: connection created 10-01 − 90 days)", async () => {
    expect((await on("2026-07-20", f.acmeId)).failedPayments30d).toBeNull();
    expect((await on("2026-08-20", f.acmeId)).failedPayments30d).toBe(0);
    expect((await on("2026-11-01", f.acmeId)).failedPayments30d).toBe(1); // ch_3 on 10-15
  });

  it("HubSpot-only account: every billing signal is NULL, CRM counts are numbers", async () => {
    const s = await on("2026-11-20", f.hubOnlyId);
    for (const key of [
      "mrrCents", "mrrCurrency", "mrrChange30dCents", "mrrChange60dCents", "mrrChange90dCents", "autoRenew", "cancellationPending",
      "failedPayments30d", "daysSinceLastPayment", "pastDueInvoices", "billingInterval", "commitmentTermMonths", "collectionMethod",
      "paymentMethodType", "productCount", "itemCount", "products", "daysUntilRenewal", "daysSinceLastEngagement", "renewalDealStage",
    ] as const) {
      expect(s[key], key).toBeNull();
    }
    expect(s).toMatchObject({ seats: 1, activeContacts: 0, openDeals: 0, calls30d: 0, openTickets: 0, urgentTickets: 0, tenureDays: 172 });
    // No billing source: nothing says it ever paid.
    expect(s).toMatchObject({ lifecycleState: "prospect", cancelingMrrShare: null, newCustomer: null });
    expect(s.freshness).toEqual({ hubspot: "2026-11-20T06:00:00.000Z" });
  });

  it("Stripe-only account: CRM signals NULL; between customer creation and its first subscription MRR is 0 (not NULL)", async () => {
    const early = await on("2026-10-20", f.stripeOnlyId);
    for (const key of ["seats", "activeContacts", "openDeals", "calls30d", "meetings30d", "notes30d", "openTickets", "urgentTickets"] as const) {
      expect(early[key], key).toBeNull();
    }
    expect(early).toMatchObject({
      mrrCents: 0, mrrCurrency: "eur", mrrChange30dCents: 0, productCount: 0, itemCount: 0, products: [], pastDueInvoices: 0,
      // tenure counts from the customer's creation (2026-10-10), the account's start
      failedPayments30d: 0, autoRenew: null, cancellationPending: null, daysUntilRenewal: null, tenureDays: 10, billingInterval: null,
    });
    expect(early.freshness).toEqual({ stripe: "2026-11-20T07:00:00.000Z" });
  });

  it("trialing subscriptions give no MRR; currencies are never mixed", async () => {
    // 11-10: the eur plan is in its trial (ends 11-15) → only the usd plan counts
    const trial = await on("2026-11-10", f.stripeOnlyId);
    expect(trial).toMatchObject({ mrrCents: 1000, mrrCurrency: "usd", autoRenew: true, daysUntilRenewal: 5 });
    // 11-20: eur 3000 > usd 1000 → primary eur; change vs 10-21 (nothing) = +3000
    const s = await on("2026-11-20", f.stripeOnlyId);
    expect(s).toMatchObject({
      mrrCents: 3000, mrrCurrency: "eur", mrrChange30dCents: 3000, daysUntilRenewal: 11, collectionMethod: "send_invoice",
      paymentMethodType: null, daysSinceLastPayment: null, tenureDays: 41, products: ["Core EU", "Core US"],
    });
    expect(s.extra).toMatchObject({ mrrByCurrency: { eur: 3000, usd: 1000 } });
  });
});

describe("writeSignalsForDay", () => {
  it("writes one row per account and day; re-running replaces instead of duplicating", async () => {
    const first = await writeSignalsForDay(t.db, { organizationId: f.orgId, day: AS_OF });
    expect(first).toMatchObject({ accounts: 3, rows: 3 });
    await writeSignalsForDay(t.db, { organizationId: f.orgId, day: AS_OF });
    const rows = await t.db.accountSignalDaily.findMany({ where: { organizationId: f.orgId } });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => !r.isBackfill)).toBe(true);
    const acme = rows.find((r) => r.accountId === f.acmeId)!;
    expect(acme).toMatchObject({ mrrCents: 110000, failedPayments30d: 1, products: ["Analytics", "Platform"] });
    const hub = rows.find((r) => r.accountId === f.hubOnlyId)!;
    expect(hub.mrrCents).toBeNull();
    expect(hub.products).toBeNull();
  });

  it("a day before an account's start writes no row for it and removes a stale one", async () => {
    await t.db.accountSignalDaily.create({ data: { organizationId: f.orgId, accountId: f.stripeOnlyId, day: d("2026-10-01"), isBackfill: true } });
    const res = await writeSignalsForDay(t.db, { organizationId: f.orgId, day: d("2026-10-01") });
    expect(res).toMatchObject({ accounts: 2, rows: 2 }); // Acme and HubOnly
    const rows = await t.db.accountSignalDaily.findMany({ where: { organizationId: f.orgId, day: d("2026-10-01") } });
    expect(rows.map((r) => r.accountId).sort()).toEqual([f.acmeId, f.hubOnlyId].sort());
    await t.db.accountSignalDaily.deleteMany({ where: { organizationId: f.orgId, day: d("2026-10-01") } });
  });

  it("a re-run picks up new data; accountIds limits the accounts written", async () => {
    await t.db.charge.create({
      data: {
        organizationId: f.orgId, connectionId: (await t.db.connection.findFirstOrThrow({ where: { organizationId: f.orgId, provider: "stripe" } })).id,
        externalId: "ch_new", customerExternalId: "cus_acme", accountId: f.acmeId, status: "failed", amountCents: 100, currency: "usd",
        sourceCreatedAt: d("2026-11-20T05:00:00Z"),
      },
    });
    const res = await writeSignalsForDay(t.db, { organizationId: f.orgId, day: AS_OF, accountIds: [f.acmeId] });
    expect(res).toMatchObject({ accounts: 1, rows: 1 });
    const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: f.acmeId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.failedPayments30d).toBe(2);
    await t.db.charge.deleteMany({ where: { externalId: "ch_new" } });
  });
});
