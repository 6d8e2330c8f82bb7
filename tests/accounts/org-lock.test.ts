/**
 * The cross-process organization lock: two processes (two database clients here) resolving identities of one
 * organization run one after the other, and different organizations do not wait for each other.
 * PostgreSQL only (advisory locks; `CHURNWATCH_TEST_DB=postgres`): with SQLite the lock is the database's write lock,
 * which two clients of one process cannot show without blocking this process's event loop
 * (tests/foundation/sqlite-concurrency.test.ts covers the cross-process write lock with a second process).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "@/tests/helpers/db";
import { createPrisma, type Db } from "@/lib/db/prisma";
import { lockOrganizationInTx } from "@/lib/accounts/org-lock";

const pg = testDbProvider() === "postgresql";
let t: TestDb;
let other: Db;
let orgA: string;
let orgB: string;

beforeAll(async () => {
  if (!pg) return;
  t = await createTestDb();
  other = createPrisma(t.url);
  orgA = (await t.db.organization.create({ data: { name: "A", slug: "lock-a" } })).id;
  orgB = (await t.db.organization.create({ data: { name: "B", slug: "lock-b" } })).id;
});
afterAll(async () => {
  await other?.$disconnect();
  await t?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Hold the organization's lock for `holdMs` in a transaction of `db`; returns [acquired, released] times. */
async function hold(db: Db, organizationId: string, holdMs: number): Promise<[number, number]> {
  return db.$transaction(async (tx) => {
    await lockOrganizationInTx(tx, organizationId);
    const acquired = Date.now();
    await sleep(holdMs);
    return [acquired, Date.now()] as [number, number];
  }, { timeout: 20_000 });
}

describe.skipIf(!pg)("lockOrganizationInTx (PostgreSQL advisory lock)", () => {
  it("serialises two clients on one organization and lets another organization through", async () => {
    const first = hold(t.db, orgA, 800);
    await sleep(150);
    const second = hold(other, orgA, 0);
    const unrelated = hold(other, orgB, 0);
    const [[, firstReleased], [secondAcquired], [unrelatedAcquired]] = await Promise.all([first, second, unrelated]);
    expect(secondAcquired).toBeGreaterThanOrEqual(firstReleased);
    expect(unrelatedAcquired).toBeLessThan(firstReleased);
  });
});
