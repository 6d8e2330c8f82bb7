/**
 * Book of business on the real database (SQLite and PostgreSQL: the dashboard's one-pass SQL is raw): owners map to
 * CSMs by e-mail, an admin mapping wins over matching and survives a refresh, a hand-reassigned account stays put,
 * "my accounts" (accounts list csm filter, dashboard scope) holds exactly the CSM's accounts, and an unmapped owner's
 * account reads "unassigned — <owner>".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { assignAccountCsm, csmLabel, refreshBookOfBusiness, setOwnerMapping } from "@/lib/book/csm";
import { listAccountScores, ZAccountListQuery } from "@/lib/queries/list-account-scores";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";
import { hasBook } from "@/lib/queries/accounts-page-data";
import { makeAccount, makeOrg, makeOwner } from "./fixtures";

let t: TestDb;
const today = new Date("2026-12-03T10:00:00.000Z");
beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  resetEnvCache();
  t = await createTestDb();
}, 120_000);
afterAll(async () => t?.cleanup());

describe("book of business", () => {
  it("maps owners to CSMs and scopes 'my accounts' on the list and the dashboard", async () => {
    const db = t.db;
    const A = await makeOrg(db, "f", [{ email: "kim@x.test", name: "Kim", role: "csm" }, { email: "lee@x.test", name: "Lee", role: "csm" }, { email: "boss@x.test", name: "Boss", role: "admin" }]);
    const B = await makeOrg(db, "g", [{ email: "kim@x.test", name: "Kim B", role: "csm" }]);
    const kimO = await makeOwner(db, A.org.id, A.connectionId, "1", "F.KIM@x.test", ["Kim", "K"]);
    const ghost = await makeOwner(db, A.org.id, A.connectionId, "2", "ghost@elsewhere.test", ["Gus", "Ghost"]);
    const bO = await makeOwner(db, B.org.id, B.connectionId, "1", "f.kim@x.test", ["Kim", "K"]); // A's Kim's e-mail, in org B: no match there
    const s = (level: "healthy" | "at_risk" | "critical", score: number) => [{ daysAgo: 1, score: 70, level: "healthy" as const }, { daysAgo: 0, score, level }];
    const k1 = await makeAccount(db, { organizationId: A.org.id, name: "K1", ownerId: kimO.id, today, scores: s("critical", 30) });
    const k2 = await makeAccount(db, { organizationId: A.org.id, name: "K2", ownerId: kimO.id, today, scores: s("at_risk", 50) });
    const g1 = await makeAccount(db, { organizationId: A.org.id, name: "G1", ownerId: ghost.id, today, scores: s("critical", 20) });
    const b1 = await makeAccount(db, { organizationId: B.org.id, name: "B1", ownerId: bO.id, today, scores: s("critical", 20) });

    await refreshBookOfBusiness(db, A.org.id);
    await refreshBookOfBusiness(db, B.org.id);
    const kim = A.users["kim@x.test"], lee = A.users["lee@x.test"];
    const csmOf = async (id: string) => (await db.account.findUniqueOrThrow({ where: { id } })).csmUserId;
    expect([await csmOf(k1.id), await csmOf(k2.id), await csmOf(g1.id), await csmOf(b1.id)]).toEqual([kim, kim, null, null]);
    expect((await csmLabel(db, A.org.id, { csmUserId: null, ownerId: ghost.id })).label).toBe("unassigned — Gus Ghost");

    // "My accounts": the list and the dashboard hold exactly Kim's two accounts.
    const list = await listAccountScores(db, A.org.id, ZAccountListQuery.parse({ csm: kim, lifecycle: "all" }));
    expect(list.data.map((r) => r.name).sort()).toEqual(["K1", "K2"]);
    expect((await listAccountScores(db, A.org.id, ZAccountListQuery.parse({ csm: "unassigned", lifecycle: "all" }))).data.map((r) => r.name)).toEqual(["G1"]);
    const dash = await getDashboardSummary(db, A.org.id, today, { csmUserId: kim });
    expect([dash.totalAccounts, dash.criticalCount, dash.atRiskCount]).toEqual([2, 1, 1]);
    expect(dash.movers.sinceYesterday.map((m) => m.name).sort()).toEqual(["K1", "K2"]);
    expect((await getDashboardSummary(db, A.org.id, today)).totalAccounts).toBe(3);
    expect(await hasBook(db, A.org.id, lee)).toBe(false);

    // Admin: the ghost owner → Lee (kept over e-mail matching); K2 reassigned to Lee by hand stays Lee's.
    await setOwnerMapping(db, A.org.id, ghost.id, lee);
    await assignAccountCsm(db, A.org.id, k2.id, lee);
    await refreshBookOfBusiness(db, A.org.id);
    expect([await csmOf(k1.id), await csmOf(k2.id), await csmOf(g1.id)]).toEqual([kim, lee, lee]);
    expect((await getDashboardSummary(db, A.org.id, today, { csmUserId: lee })).totalAccounts).toBe(2);
    // Back to the owner's mapping.
    await assignAccountCsm(db, A.org.id, k2.id, null);
    expect(await csmOf(k2.id)).toBe(kim);
    // Another organization's user and owner are refused.
    await expect(setOwnerMapping(db, B.org.id, ghost.id, null)).rejects.toMatchObject({ code: "not_found" });
    await expect(assignAccountCsm(db, A.org.id, k1.id, B.users["kim@x.test"])).rejects.toMatchObject({ code: "validation_failed" });
  });
});
