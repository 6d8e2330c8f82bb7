/**
 * Issue 13: a signal chunk (rows, the accounts' lifecycle columns, rows before an account's start) is written
 * in one transaction: a failure in the middle leaves none of it, never some accounts' days without their
 * lifecycle or a half-written day. SQLite and PostgreSQL (CHURNWATCH_TEST_DB=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { writeSignalsForDay } from "@/lib/signals/compute-signals";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { AS_OF, seedFixture, type Fixture } from "./fixtures";

let t: TestDb;
let f: Fixture;
beforeAll(async () => { t = await createTestDb(); f = await seedFixture(t.db); });
afterAll(() => t?.cleanup());

/** Make the database refuse UPDATEs of one account's row (the lifecycle columns written after the signal rows). */
async function failAccountUpdate(accountId: string): Promise<() => Promise<unknown>> {
  if (testDbProvider() === "postgresql") {
    await t.db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION h13_injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
        `IF NEW."id" = '${accountId}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`,
    );
    await t.db.$executeRawUnsafe(`CREATE TRIGGER h13_injected_failure BEFORE UPDATE ON "Account" FOR EACH ROW EXECUTE FUNCTION h13_injected_failure()`);
    return () => t.db.$executeRawUnsafe(`DROP TRIGGER h13_injected_failure ON "Account"`);
  }
  await t.db.$executeRawUnsafe(`CREATE TRIGGER h13_injected_failure BEFORE UPDATE ON "Account" WHEN NEW."id" = '${accountId}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
  return () => t.db.$executeRawUnsafe(`DROP TRIGGER h13_injected_failure`);
}

describe("signal chunks are transactional", () => {
  it("a backfill that fails while writing a chunk leaves no row of that chunk; the re-run writes all of it", async () => {
    const heal = await failAccountUpdate(f.stripeOnlyId);
    await expect(backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF })).rejects.toThrow(/injected failure/);
    await heal();
    // before: the chunk's 580 signal rows were committed, only the lifecycle update failed
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId } })).toBe(0);
    const res = await backfillSignals(t.db, { organizationId: f.orgId, asOf: AS_OF });
    expect(res.rows).toBe(365 + 173 + 42);
    expect(await t.db.accountSignalDaily.count({ where: { organizationId: f.orgId } })).toBe(580);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: f.stripeOnlyId } })).lifecycleState).not.toBeNull();
  });

  it("a one-day run that fails keeps the day's previous rows whole", async () => {
    const before = await t.db.accountSignalDaily.findMany({ where: { organizationId: f.orgId, day: AS_OF }, orderBy: { accountId: "asc" } });
    await t.db.accountSignalDaily.updateMany({ where: { organizationId: f.orgId, day: AS_OF }, data: { openTickets: 99 } });
    const heal = await failAccountUpdate(f.acmeId);
    await expect(writeSignalsForDay(t.db, { organizationId: f.orgId, day: AS_OF })).rejects.toThrow(/injected failure/);
    await heal();
    const after = await t.db.accountSignalDaily.findMany({ where: { organizationId: f.orgId, day: AS_OF }, orderBy: { accountId: "asc" } });
    expect(after.map((r) => r.openTickets)).toEqual(before.map(() => 99)); // none of the day's rows replaced
    // the other organization's rows were never touched
    expect(await t.db.accountSignalDaily.count({ where: { accountId: f.otherOrgAccountId } })).toBe(0);
  });
});
