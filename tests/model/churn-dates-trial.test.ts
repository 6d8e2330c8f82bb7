/** Issue 13: a trial that was canceled before it ended never was revenue, so it is not a churn (lib/model/churn-dates.ts). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { activeOn, churnedWithin, loadRevenueSpans } from "@/lib/model/churn-dates";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const NOW = new Date("2026-11-20T00:00:00Z");
const ago = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

describe("revenue spans", () => {
  it("do not count a subscription canceled in its trial as revenue churn; revenue starts when the trial ends", async () => {
    const org = await t.db.organization.create({ data: { name: "Trials", slug: "trials" } });
    const other = await t.db.organization.create({ data: { name: "Other", slug: "trials-other" } });
    const mk = async (name: string, org_: string, sub: { status: string; startDate: Date; trialStart?: Date; trialEnd: Date; canceledAt: Date; endedAt: Date }) => {
      const a = await t.db.account.create({ data: { organizationId: org_, name } });
      await t.db.subscription.create({
        data: { organizationId: org_, connectionId: "conn_test", externalId: `sub_${name}`, accountId: a.id, customerExternalId: `cus_${name}`, currency: "usd", mrrCents: 0, ...sub },
      });
      return a.id;
    };
    // trial 40 → 26 days ago, canceled 30 days ago (inside the trial): never paid
    const trialOnly = await mk("trial-only", org.id, { status: "canceled", startDate: ago(40), trialStart: ago(40), trialEnd: ago(26), canceledAt: ago(30), endedAt: ago(30) });
    // trial 100 → 86 days ago, paid, then canceled 20 days ago: a real churn
    const paidThenLeft = await mk("paid-then-left", org.id, { status: "canceled", startDate: ago(100), trialStart: ago(100), trialEnd: ago(86), canceledAt: ago(20), endedAt: ago(20) });
    // another organization's trial-only account is not read
    await mk("other-trial", other.id, { status: "canceled", startDate: ago(40), trialEnd: ago(26), canceledAt: ago(30), endedAt: ago(30) });

    const spans = await loadRevenueSpans(t.db, org.id);
    expect(spans.has(trialOnly)).toBe(false);
    expect(churnedWithin(spans.get(trialOnly), ago(60), 90)).toBe(false);
    expect(spans.size).toBe(1);
    const s = spans.get(paidThenLeft)!;
    expect(s.churnedAt?.toISOString()).toBe(ago(20).toISOString());
    expect(s.startedAt?.toISOString()).toBe(ago(86).toISOString());
    expect(activeOn(s, ago(95))).toBe(false); // still in its trial: not paying yet
    expect(activeOn(s, ago(50))).toBe(true);
    expect(churnedWithin(s, ago(50), 90)).toBe(true);
  });
});
