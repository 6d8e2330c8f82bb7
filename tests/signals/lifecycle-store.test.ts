/**
 * Issue 13 storage: AccountSignalDaily.lifecycleState / cancelingMrrShare / newCustomer are written by the
 * bulk upsert and read back into the snapshot; Account.lifecycleState / churnedAt follow each account's
 * newest signal day, within one organization only. Runs on SQLite and (CHURNWATCH_TEST_DB=postgres) PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { writeSignalsForDay, computeSignalsForDay } from "@/lib/signals/compute-signals";
import { updateAccountLifecycle } from "@/lib/signals/write-signal-rows";
import { rowToSnapshot } from "@/lib/scoring/signal-row";
import { createTestDb, type TestDb } from "../helpers/db";
import { AS_OF, d, seedFixture, type Fixture } from "./fixtures";

let t: TestDb;
let a: Fixture;
let b: Fixture;
let churnedId: string;

beforeAll(async () => {
  t = await createTestDb();
  a = await seedFixture(t.db);
  b = await seedFixture(t.db);
  // A customer of organization A whose only plan ended 2026-11-10 12:00.
  const conn = await t.db.connection.findFirstOrThrow({ where: { organizationId: a.orgId, provider: "stripe" } });
  const gone = await t.db.account.create({ data: { organizationId: a.orgId, name: "Gone", customerSince: d("2026-01-05") } });
  churnedId = gone.id;
  await t.db.sourceRecord.create({ data: { organizationId: a.orgId, connectionId: conn.id, objectType: "customer", externalId: "cus_gone", accountId: gone.id } });
  await t.db.subscription.create({
    data: {
      organizationId: a.orgId, connectionId: conn.id, customerExternalId: "cus_gone", accountId: gone.id, externalId: "sub_gone",
      status: "canceled", currency: "usd", startDate: d("2026-01-05"), canceledAt: d("2026-11-10T12:00:00Z"), endedAt: d("2026-11-10T12:00:00Z"),
      currentPeriodEnd: d("2026-12-05"),
      items: { create: [{ externalId: "si_gone", productId: "prod_x", productName: "Plan", unitAmountCents: 9000, quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd" }] },
    },
  });
});
afterAll(() => t?.cleanup());

describe("lifecycle and cancellation share are stored", () => {
  it("a backfill stores the new columns per day and the snapshot reads them back", async () => {
    await backfillSignals(t.db, { organizationId: a.orgId, asOf: AS_OF, days: 20 });
    const rows = await t.db.accountSignalDaily.findMany({ where: { accountId: a.acmeId }, orderBy: { day: "asc" } });
    expect(rows).toHaveLength(20);
    const last = rowToSnapshot(rows[rows.length - 1]!);
    // in_2/in_3 overdue → past_due; S2 (10000 of 110000 cents) set to cancel
    expect(last).toMatchObject({ lifecycleState: "past_due", cancelingMrrShare: 0.0909, newCustomer: false, cancellationPending: true });
    // equal to what a one-day computation gives (nothing lost in the bulk write)
    const [fresh] = await computeSignalsForDay(t.db, { organizationId: a.orgId, day: AS_OF, accountIds: [a.acmeId] });
    expect({ l: last.lifecycleState, c: last.cancelingMrrShare, n: last.newCustomer }).toEqual({ l: fresh!.lifecycleState, c: fresh!.cancelingMrrShare, n: fresh!.newCustomer });
    const gone = await t.db.accountSignalDaily.findMany({ where: { accountId: churnedId }, orderBy: { day: "asc" }, select: { day: true, lifecycleState: true } });
    // Its plan ended 2026-11-10 12:00: paying on 11-09, churned by the end of 11-10.
    expect(gone.find((r) => r.day.toISOString().startsWith("2026-11-09"))?.lifecycleState).toBe("customer");
    expect(gone.find((r) => r.day.toISOString().startsWith("2026-11-10"))?.lifecycleState).toBe("churned");
  });

  it("Account.lifecycleState / churnedAt come from the newest day, in organization A only", async () => {
    const accts = await t.db.account.findMany({ where: { organizationId: a.orgId, archivedAt: null }, select: { id: true, lifecycleState: true, churnedAt: true } });
    const by = new Map(accts.map((x) => [x.id, x]));
    expect(by.get(a.acmeId)).toMatchObject({ lifecycleState: "past_due", churnedAt: null });
    expect(by.get(a.hubOnlyId)).toMatchObject({ lifecycleState: "prospect", churnedAt: null });
    expect(by.get(a.stripeOnlyId)).toMatchObject({ lifecycleState: "customer", churnedAt: null });
    expect(by.get(churnedId)?.lifecycleState).toBe("churned");
    expect(by.get(churnedId)?.churnedAt?.toISOString()).toBe("2026-11-10T12:00:00.000Z");
    // Organization B was never computed: untouched.
    const other = await t.db.account.findMany({ where: { organizationId: b.orgId }, select: { lifecycleState: true } });
    expect(other.every((x) => x.lifecycleState === null)).toBe(true);
  });

  it("re-computing an older day does not overwrite the newest state", async () => {
    await writeSignalsForDay(t.db, { organizationId: a.orgId, day: d("2026-11-01"), accountIds: [churnedId] });
    const row = await t.db.accountSignalDaily.findFirstOrThrow({ where: { accountId: churnedId, day: d("2026-11-01") } });
    expect(row.lifecycleState).toBe("customer");
    expect((await t.db.account.findUniqueOrThrow({ where: { id: churnedId } })).lifecycleState).toBe("churned");
  });

  it("an update sent with another organization's id changes nothing", async () => {
    const rows = await computeSignalsForDay(t.db, { organizationId: b.orgId, day: AS_OF, accountIds: [b.acmeId] });
    await updateAccountLifecycle(t.db, a.orgId, rows); // wrong organization for these accounts
    expect((await t.db.account.findUniqueOrThrow({ where: { id: b.acmeId } })).lifecycleState).toBeNull();
    await updateAccountLifecycle(t.db, b.orgId, rows);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: b.acmeId } })).lifecycleState).toBe("past_due");
  });
});
