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
  it("writes exactly 365 rows per account, flagged isBackfill except the asOf day", async () => {
    const progress: BackfillProgress[] = [];
    const res = await backfillSignals(t.db, { organizationId: f.orgId, asOf: d("2026-11-20T13:00:00Z"), onProgress: (p) => progress.push(p) });
    expect(res).toMatchObject({ accounts: 3, rows: 3 * 365, days: 365, firstDay: d("2025-11-21"), lastDay: AS_OF });
    expect(progress.at(-1)).toMatchObject({ accountsDone: 3, accountsTotal: 3, rowsWritten: 1095 });
    for (const id of [f.acmeId, f.hubOnlyId, f.stripeOnlyId]) {
      const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: id }, orderBy: { day: "asc" } });
      expect(rows).toHaveLength(365);
      expect(rows[0]!.day).toEqual(d("2025-11-21"));
      expect(rows.at(-1)!.day).toEqual(AS_OF);
      expect(new Set(rows.map((r) => r.day.getTime())).size).toBe(365);
      expect(rows.filter((r) => !r.isBackfill).map((r) => r.day)).toEqual([AS_OF]);
    }
    expect(await t.db.accountSignalDaily.count({ where: { accountId: { in: [f.archivedId, f.otherOrgAccountId] } } })).toBe(0);
  });

  it("re-running replaces the rows (no duplicates) and picks up changed data", async () => {
    await t.db.ticket.create({
      data: {
        organizationId: f.orgId, connectionId: (await t.db.connection.findFirstOrThrow({ where: { organizationId: f.orgId, provider: "hubspot" } })).id,
        externalId: "t-new", accountId: f.acmeId, priority: "urgent", openedAt: d("2026-11-19T08:00:00Z"),
      },
    });
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId } })).toBe(3 * 365);
    const last = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.acmeId, day: AS_OF } } });
    expect(last.urgentTickets).toBe(2);
    const before = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.acmeId, day: d("2026-11-18") } } });
    expect(before.urgentTickets).toBe(1); // the new ticket opened 11-19
    await t.db.ticket.deleteMany({ where: { externalId: "t-new" } });
  });

  it("a reconstructed day equals computeSignalsForDay of that day", async () => {
    await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    for (const day of ["2025-11-21", "2026-03-01", "2026-09-15", "2026-11-05", "2026-11-18"]) {
      const expected = await computeSignalsForDay(t.db, { organizationId: f.orgId, day: d(day) });
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
    const stripeOnly = await t.db.accountSignalDaily.findUniqueOrThrow({ where: { accountId_day: { accountId: f.stripeOnlyId, day: d("2025-11-21") } } });
    expect(stripeOnly).toMatchObject({ mrrCents: 0, mrrCurrency: "eur", seats: null, tenureDays: null });
  });

  it("rejects a non-positive day count", async () => {
    await expect(backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF, days: 0 })).rejects.toThrow(RangeError);
  });
});
