/**
 * GET /api/dashboard/summary?csm=me|all|<user id> (issue 16): the tiles, the level distribution and the movers are
 * the CSM's book, not only the lists. Two CSMs in one organization and a CSM of a second organization, signed in for
 * real, route handler in-process: each "me" sees exactly their accounts; "all" (and no parameter) the organization;
 * a user id of the other organization is refused and reveals nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness } from "@/tests/helpers/api";
import * as summaryRoute from "@/app/api/dashboard/summary/route";
import { makeAccount } from "./fixtures";

let app: ApiHarness;
beforeAll(async () => { app = await createApiHarness(); }, 120_000);
afterAll(async () => app?.cleanup());

type Summary = { total_accounts: number; critical_count: number; at_risk_count: number; health_distribution: { healthy: { count: number } }; csm_user_id: string | null; movers: { since_yesterday: { name: string }[] } };

describe("dashboard summary per CSM", () => {
  it("scopes the tiles to the caller's book with csm=me, to everyone with csm=all, per organization", async () => {
    const kim = await app.signIn("csm");
    const lee = await app.signIn("csm");
    const admin = await app.signIn("admin");
    const other = await app.db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
    const outsider = await app.signIn("csm", other.id);
    const today = new Date();
    const s = (level: "healthy" | "at_risk" | "critical", score: number) => [{ daysAgo: 1, score: 75, level: "healthy" as const }, { daysAgo: 0, score, level }];
    const acc = async (organizationId: string, name: string, csmUserId: string | null, level: "healthy" | "at_risk" | "critical", score: number) => {
      const a = await makeAccount(app.db, { organizationId, name, today, scores: s(level, score) });
      await app.db.account.update({ where: { id: a.id }, data: { csmUserId } });
    };
    await acc(app.org.id, "Kim critical", kim.userId, "critical", 30);
    await acc(app.org.id, "Kim at risk", kim.userId, "at_risk", 50);
    await acc(app.org.id, "Lee healthy", lee.userId, "healthy", 80);
    await acc(app.org.id, "Nobody's", null, "critical", 20);
    await acc(other.id, "Other org", outsider.userId, "critical", 10);

    const get = async (as: typeof kim, q = "") => {
      const r = await app.call(summaryRoute.GET, `/api/dashboard/summary${q}`, { as });
      return { status: r.status, json: r.json as Summary };
    };
    const tiles = (x: Summary) => [x.total_accounts, x.critical_count, x.at_risk_count, x.health_distribution.healthy.count];

    const kimMine = await get(kim, "?csm=me");
    expect(kimMine.status).toBe(200);
    expect(tiles(kimMine.json)).toEqual([2, 1, 1, 0]);
    expect(kimMine.json.csm_user_id).toBe(kim.userId);
    expect(kimMine.json.movers.since_yesterday.map((m) => m.name).sort()).toEqual(["Kim at risk", "Kim critical"]);
    expect(tiles((await get(lee, "?csm=me")).json)).toEqual([1, 0, 0, 1]);
    // All: the organization's four accounts, never the other organization's.
    expect(tiles((await get(kim, "?csm=all")).json)).toEqual([4, 2, 1, 1]);
    expect(tiles((await get(admin)).json)).toEqual([4, 2, 1, 1]);
    // An admin looks at one CSM's book by user id.
    expect(tiles((await get(admin, `?csm=${lee.userId}`)).json)).toEqual([1, 0, 0, 1]);
    // The other organization: its CSM's book is its one account; naming a user of another organization is refused.
    expect(tiles((await get(outsider, "?csm=me")).json)).toEqual([1, 1, 0, 0]);
    const cross = await get(outsider, `?csm=${kim.userId}`);
    expect(cross.status).toBe(400);
    expect(JSON.stringify(cross.json)).not.toContain("Kim");
  });
});
