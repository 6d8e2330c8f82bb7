/**
 * The daily digest with a fixed clock (2026-12-03 08:00 UTC): a CSM's digest lists exactly their accounts that
 * changed risk level since the previous scored day, their new failed payments (last 24 h) and their renewals in
 * 30 days at risk — not another CSM's, not another organization's, not an older change, not a weight-change-only
 * difference (another config version). Sending is once per CSM and day; the job skips a second run of the day.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resetEnvCache } from "@/lib/env";
import { registerJob } from "@/lib/jobs/registry";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { buildDigest, runDigestJob, sendDigests } from "@/lib/alerts/digest";
import { refreshBookOfBusiness } from "@/lib/book/csm";
import { DAY, makeAccount, makeOrg, makeOwner } from "./fixtures";

let t: TestDb;
const now = new Date("2026-12-03T08:00:00.000Z");

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.BETTER_AUTH_URL = "http://localhost:3000";
  resetEnvCache();
  registerJob("deliver-alert-job", async () => (await import("@/lib/alerts/jobs")).deliverAlertJob as JobDefinition);
  registerJob("alert-digest-job", async () => (await import("@/lib/alerts/jobs")).alertDigestJob as JobDefinition);
  t = await createTestDb();
}, 120_000);
afterAll(async () => t?.cleanup());

describe("daily digest", () => {
  it("lists exactly the CSM's changed accounts, failed payments and renewals at risk", async () => {
    const db = t.db;
    const A = await makeOrg(db, "d", [{ email: "kim@x.test", name: "Kim", role: "csm" }, { email: "lee@x.test", name: "Lee", role: "csm" }]);
    const B = await makeOrg(db, "e", [{ email: "kim@x.test", name: "Kim B", role: "csm" }]);
    const kimOwner = await makeOwner(db, A.org.id, A.connectionId, "1", "d.kim@x.test", ["Kim", "K"]);
    const leeOwner = await makeOwner(db, A.org.id, A.connectionId, "2", "d.lee@x.test", ["Lee", "L"]);
    const bOwner = await makeOwner(db, B.org.id, B.connectionId, "1", "e.kim@x.test", ["Kim", "B"]);
    const mk = (org: string, name: string, ownerId: string, scores: Parameters<typeof makeAccount>[1]["scores"], renewalDate?: Date) =>
      makeAccount(db, { organizationId: org, name, ownerId, today: now, scores, renewalDate });
    const changed = await mk(A.org.id, "Kim changed", kimOwner.id, [{ daysAgo: 1, score: 60, level: "at_risk" }, { daysAgo: 0, score: 35, level: "critical" }]);
    const improved = await mk(A.org.id, "Kim improved", kimOwner.id, [{ daysAgo: 1, score: 35, level: "critical" }, { daysAgo: 0, score: 75, level: "healthy" }]);
    await mk(A.org.id, "Kim steady", kimOwner.id, [{ daysAgo: 1, score: 60, level: "at_risk" }, { daysAgo: 0, score: 58, level: "at_risk" }]);
    await mk(A.org.id, "Kim old change", kimOwner.id, [{ daysAgo: 4, score: 80, level: "healthy" }, { daysAgo: 3, score: 30, level: "critical" }]);
    await mk(A.org.id, "Kim new weights", kimOwner.id, [{ daysAgo: 1, score: 80, level: "healthy", version: 1 }, { daysAgo: 0, score: 45, level: "at_risk", version: 2 }]);
    await mk(A.org.id, "Lee changed", leeOwner.id, [{ daysAgo: 1, score: 60, level: "at_risk" }, { daysAgo: 0, score: 35, level: "critical" }]);
    await mk(B.org.id, "Other org changed", bOwner.id, [{ daysAgo: 1, score: 60, level: "at_risk" }, { daysAgo: 0, score: 35, level: "critical" }]);
    const renewing = await mk(A.org.id, "Kim renewing", kimOwner.id, [{ daysAgo: 1, score: 55, level: "at_risk" }, { daysAgo: 0, score: 55, level: "at_risk" }], new Date(now.getTime() + 20 * DAY));
    await mk(A.org.id, "Kim renewing later", kimOwner.id, [{ daysAgo: 0, score: 55, level: "at_risk" }], new Date(now.getTime() + 45 * DAY));
    const conn = await db.connection.create({ data: { organizationId: A.org.id, provider: "stripe", externalAccountId: "acct_d", displayName: "Stripe" } });
    const charge = (id: string, accountId: string, at: Date, status = "failed") =>
      db.charge.create({ data: { organizationId: A.org.id, connectionId: conn.id, externalId: id, accountId, customerExternalId: "cus_1", status, amountCents: 12_900, currency: "usd", sourceCreatedAt: at } });
    await charge("ch_new", improved.id, new Date(now.getTime() - 3 * 3_600_000));
    await charge("ch_old", improved.id, new Date(now.getTime() - 2 * DAY));
    await charge("ch_ok", improved.id, new Date(now.getTime() - 3_600_000), "succeeded");
    await refreshBookOfBusiness(db, A.org.id);
    await refreshBookOfBusiness(db, B.org.id);

    const kim = await buildDigest(db, { organizationId: A.org.id, userId: A.users["kim@x.test"], now });
    expect(kim.levelChanges.map((c) => [c.name, c.from, c.to])).toEqual([["Kim changed", "at_risk", "critical"], ["Kim improved", "critical", "healthy"]]);
    expect(kim.levelChanges[0].link).toBe(`http://localhost:3000/accounts/${changed.id}`);
    expect(kim.failedPayments.map((p) => [p.name, p.amountCents])).toEqual([["Kim improved", 12_900]]);
    expect(kim.renewalsAtRisk.map((r) => r.accountId)).toEqual([renewing.id]);
    const lee = await buildDigest(db, { organizationId: A.org.id, userId: A.users["lee@x.test"], now });
    expect(lee.levelChanges.map((c) => c.name)).toEqual(["Lee changed"]);
    expect(lee.failedPayments).toEqual([]);

    // One e-mail delivery per CSM for the day, even when asked twice; the other organization's digest is its own.
    expect(await sendDigests(db, { organizationId: A.org.id, now })).toMatchObject({ digests: 2 });
    expect(await sendDigests(db, { organizationId: A.org.id, now })).toMatchObject({ digests: 0 });
    const ds = await db.alertDelivery.findMany({ where: { organizationId: A.org.id, kind: "digest" }, orderBy: { target: "asc" } });
    expect(ds.map((d) => d.target)).toEqual(["d.kim@x.test", "d.lee@x.test"]);
    const text = (ds[0].payload as { message: { text: string } }).message.text;
    expect(text).toContain("Kim changed: at risk → critical");
    expect(text).not.toContain("Lee changed");
    expect(text).not.toContain("Other org");
    expect(await db.alertDelivery.count({ where: { organizationId: B.org.id } })).toBe(0);

    // The job marks the day done and does not send a second time.
    const r1 = await runDigestJob(db, { organizationId: B.org.id, dueAt: now.toISOString(), now });
    expect(r1.sent).toBe(1);
    const r2 = await runDigestJob(db, { organizationId: B.org.id, dueAt: now.toISOString(), now: new Date(now.getTime() + 60_000) });
    expect(r2).toMatchObject({ sent: 0, skipped: "already sent today" });
  });
});
