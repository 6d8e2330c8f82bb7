/**
 * A "turned critical" alert says what moved the account across the line (issue 16): its first reason is the factor
 * that lowered the score most since the previous scored day — here one more failed payment (Failed payments 100 → 60)
 * — followed by the account's top drivers; another organization's identical account gets its own event only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { createRule } from "@/lib/alerts/rules";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { DAY, makeAccount, makeOrg, utcDay } from "./fixtures";

let t: TestDb;
const today = new Date("2026-12-03T10:00:00.000Z");
beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  resetEnvCache();
  t = await createTestDb();
}, 120_000);
afterAll(async () => t?.cleanup());

const factor = (key: string, label: string, weight: number, value: number, detail: string) => ({ key, label, weight, effectiveWeight: weight, value, contribution: (weight * value) / 100, missing: false, detail });
const factorsWith = (failedValue: number, failedDetail: string) => [
  factor("failedPayments", "Failed payments", 15, failedValue, failedDetail),
  factor("renewalRisk", "Renewal risk", 15, 10, "86 % of MRR set to cancel, ends in 6 days"),
  factor("engagement", "Engagement", 15, 20, "no calls, meetings or notes in 30 days"),
];

describe("what changed, in a level-change alert", () => {
  it("names the failed payment that turned the account critical first, then the top drivers", async () => {
    const db = t.db;
    const orgs = [await makeOrg(db, "wc-a", [{ email: "csm@x.test", name: "Cleo", role: "csm" }]), await makeOrg(db, "wc-b", [{ email: "csm@x.test", name: "Bo", role: "csm" }])];
    const accs = [];
    for (const o of orgs) {
      const acc = await makeAccount(db, { organizationId: o.org.id, name: "Acme", today, scores: [{ daysAgo: 1, score: 42, level: "at_risk" }, { daysAgo: 0, score: 36, level: "critical" }] });
      const day = (n: number) => new Date(utcDay(today).getTime() - n * DAY);
      await db.churnScoreDaily.update({ where: { accountId_day: { accountId: acc.id, day: day(1) } }, data: { factors: factorsWith(100, "no failed payments in 30 days") } });
      await db.churnScoreDaily.update({ where: { accountId_day: { accountId: acc.id, day: day(0) } }, data: { factors: factorsWith(60, "1 failed payment in 30 days") } });
      accs.push(acc);
    }
    await createRule(db, orgs[0].org.id, { name: "Critical", kind: "risk_level_changed", params: { levels: ["critical"] } });
    const r = await evaluateAlerts(db, { organizationId: orgs[0].org.id, now: today });
    expect(r.fired).toBe(1);
    const ev = await db.alertEvent.findFirstOrThrow({ where: { organizationId: orgs[0].org.id, accountId: accs[0].id } });
    const reasons = (ev.details as { reasons: string[] }).reasons;
    expect(reasons[0]).toBe("Failed payments fell from 100 to 60: 1 failed payment in 30 days (−6.0 since 2026-12-02)");
    expect(reasons.slice(1)).toEqual(["2 failed payments in 30 days", "MRR down 20% in 30 days"]);
    expect(await db.alertEvent.count({ where: { organizationId: orgs[1].org.id } })).toBe(0);
  });
});
