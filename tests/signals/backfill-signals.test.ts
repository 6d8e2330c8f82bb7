/**
 * The 365-day backfill on the fixture portfolio: row counts, flags, idempotent re-runs, and that a
 * reconstructed day equals what computeSignalsForDay says for that day (one rule set, point in time).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillSignals, type BackfillProgress } from "@/lib/signals/backfill-signals";
import { computeSignalsForDay } from "@/lib/signals/compute-signals";
import { createTestDb, type TestDb } from "../helpers/db";
import { AS_OF, d, seedFixture, type Fixture } from "./fixtures";

let t: TestDb;
let f: Fixture;

beforeAll(async () => {
  t = await createTestDb();
  f = await seedFixture(t.db);
});
afterAll(() => t?.cleanup());

const COMPARED = [
  "mrrCents", "mrrCurrency", "mrrChange30dCents", "mrrChange60dCents", "mrrChange90dCents", "seats", "activeContacts", "openDeals",
  "renewalDealStage", "daysUntilRenewal", "autoRenew", "cancellationPending", "failedPayments30d", "daysSinceLastPayment",
  "pastDueInvoices", "calls30d", "meetings30d", "notes30d", "daysSinceLastEngagement", "openTickets", "urgentTickets", "tenureDays",
  "billingInterval", "commitmentTermMonths", "collectionMethod", "paymentMethodType", "productCount", "itemCount", "products",
] as const;

describe("backfillSignals", () => {
  it("writes one row per day from each account's start (or the first backfill day) to asOf, flagged isBackfill except asOf", async () => {
    const progress: BackfillProgress[] = [];
    const res = await backfillSignals(t.db, { organizationId: f.orgId, asOf: d("2026-11-20T13:00:00Z"), onProgress: (p) => progress.push(p) });
    // Acme 365 (customer since 2025-01-15), HubOnly 173 (2026-06-01 … 11-20), StripeOnly 42 (2026-10-10 … 11-20)
    expect(res).toMatchObject({ accounts: 3, rows: 365 + 173 + 42, days: 365, firstDay: d("2025-11-21"), lastDay: AS_OF });
    expect(progress.at(-1)).toMatchObject({ accountsDone: 3, accountsTotal: 3, rowsWritten: 580 });
    for (const [id, first, n] of [[f.acmeId, "2025-11-21", 365], [f.hubOnlyId, "2026-06-01", 173], [f.stripeOnlyId, "2026-10-10", 42]] as const) {
      const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: id }, orderBy: { day: "asc" } });
      expect(rows, first).toHaveLength(n);
      expect(rows[0]!.day).toEqual(d(first));
      expect(rows.at(-1)!.day).toEqual(AS_OF);
      // consecutive days, no gaps
      expect(rows.every((r, i) => r.day.getTime() === d(first).getTime() + i * 86_400_000)).toBe(true);
      expect(rows.filter((r) => !r.isBackfill).map((r) => r.day)).toEqual([AS_OF]);
    }
    // tenure counts from the same start: 0 on the first day
    const hubFirst = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.hubOnlyId, day: d("2026-06-01") } } });
    expect(hubFirst.tenureDays).toBe(0);
    expect(await t.db.accountSignalDaily.count({ where: { accountId: { in: [f.archivedId, f.otherOrgAccountId] } } })).toBe(0);
  });

  it("a re-run deletes rows an older run left before an account's start", async () => {
    // as written by the code before issue 6: a row of NULLs for a day before StripeOnly existed
    await t.db.accountSignalDaily.create({ data: { organizationId: f.orgId, accountId: f.stripeOnlyId, day: d("2026-10-09"), isBackfill: true } });
    await t.db.accountSignalDaily.create({ data: { organizationId: f.orgId, accountId: f.hubOnlyId, day: d("2025-12-01"), isBackfill: true } });
    // outside the re-run's range (45 days: 2026-10-07 … 11-20): left alone
    await t.db.accountSignalDaily.create({ data: { organizationId: f.orgId, accountId: f.stripeOnlyId, day: d("2026-09-01"), isBackfill: true } });
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF, days: 45 });
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.stripeOnlyId, day: d("2026-10-09") } })).toBe(0);
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.hubOnlyId, day: d("2025-12-01") } })).toBe(1);
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.stripeOnlyId, day: d("2026-09-01") } })).toBe(1);
    // the full 365-day range covers both
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId } })).toBe(580);
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.hubOnlyId, day: d("2025-12-01") } })).toBe(0);
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.stripeOnlyId, day: d("2026-09-01") } })).toBe(0);
  });

  it("re-running replaces the rows (no duplicates) and picks up changed data", async () => {
    await t.db.ticket.create({
      data: {
        organizationId: f.orgId, connectionId: (await t.db.connection.findFirstOrThrow({ where: { organizationId: f.orgId, provider: "hubspot" } })).id,
        externalId: "t-new", accountId: f.acmeId, priority: "urgent", openedAt: d("2026-11-19T08:00:00Z"),
      },
    });
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId } })).toBe(580);
    const last = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.acmeId, day: AS_OF } } });
    expect(last.urgentTickets).toBe(2);
    const before = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.acmeId, day: d("2026-11-18") } } });
    expect(before.urgentTickets).toBe(1); // the new ticket opened 11-19
    await t.db.ticket.deleteMany({ where: { externalId: "t-new" } });
  });

  it("a reconstructed day equals computeSignalsForDay of that day", async () => {
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    for (const [day, accounts] of [["2025-11-21", 1], ["2026-03-01", 1], ["2026-09-15", 2], ["2026-10-10", 3], ["2026-11-05", 3], ["2026-11-18", 3]] as const) {
      const expected = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d(day) });
      // only the accounts that existed by the end of that day
      expect(expected, day).toHaveLength(accounts);
      expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId, day: d(day) } })).toBe(accounts);
      for (const e of expected) {
        const row = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: e.accountId, day: d(day) } } });
        for (const key of COMPARED) expect(row[key], `${day} ${key}`).toEqual(e[key]);
      }
    }
  });

  it("the first backfilled day is reconstructed from what existed then", async () => {
    const row = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.acmeId, day: d("2025-11-21") } } });
    expect(row).toMatchObject({
      mrrCents: 120000, // S1 100000 + S3 20000; S2 starts 2026-10-25
      products: ["Platform", "Reports"],
      failedPayments30d: null, // before the synced charge history (2026-07-03)
      daysSinceLastPayment: null, // no payment synced before then
      pastDueInvoices: 0,
      seats: 2, // k1 and k3 (archived only in 2026-11)
      daysSinceLastEngagement: 173, // call e6 on 2025-06-01
      calls30d: 0,
      tenureDays: 310, // 2025-01-15 → 2025-11-21
      isBackfill: true,
    });
    // StripeOnly's first row is the day its Stripe customer was created (before any subscription): MRR 0, tenure 0
    expect(await t.db.accountSignalDaily.findUnique({ where: { accountId_day: { accountId: f.stripeOnlyId, day: d("2025-11-21") } } })).toBeNull();
    const stripeOnly = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.stripeOnlyId, day: d("2026-10-10") } } });
    expect(stripeOnly).toMatchObject({ mrrCents: 0, mrrCurrency: "eur", seats: null, tenureDays: 0, productCount: 0, failedPayments30d: 0 });
  });

  it("rejects a non-positive day count", async () => {
    await expect(backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF, days: 0 })).rejects.toThrow(RangeError);
  });
});
