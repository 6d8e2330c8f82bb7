import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

describe(`data model on ${process.env.CHURNWATCH_TEST_DB === "postgres" ? "postgresql" : "sqlite"}`, () => {
  it("applies the migrations and rejects a second source record for the same connection + type + external id", async () => {
    const org = await t.db.organization.create({ data: { name: "Acme", slug: `acme-${Date.now()}` } });
    const conn = await t.db.connection.create({
      data: { organizationId: org.id, provider: "hubspot", externalAccountId: "123", displayName: "Portal 123" },
    });
    const rec = { organizationId: org.id, connectionId: conn.id, objectType: "company", externalId: "42" };
    await t.db.sourceRecord.create({ data: rec });
    await expect(t.db.sourceRecord.create({ data: rec })).rejects.toMatchObject({ code: "P2002" });
    // same external id under another object type is a different record
    await t.db.sourceRecord.create({ data: { ...rec, objectType: "customer" } });
    expect(await t.db.sourceRecord.count()).toBe(2);
  });

  it("keeps one score per account per day and one webhook event per provider + connection + event id", async () => {
    const org = await t.db.organization.create({ data: { name: "B", slug: `b-${Date.now()}` } });
    const acc = await t.db.account.create({ data: { organizationId: org.id, name: "Globex" } });
    const day = new Date("2026-11-20T00:00:00Z");
    const row = { organizationId: org.id, accountId: acc.id, day, healthScore: 55, riskLevel: "at_risk" as const, factors: [], scoringConfigVersion: 1 };
    await t.db.churnScoreDaily.create({ data: row });
    await expect(t.db.churnScoreDaily.create({ data: row })).rejects.toMatchObject({ code: "P2002" });
    const ev = { provider: "stripe" as const, eventId: "evt_1", type: "customer.updated", payload: {}, connectionId: "conn_a", organizationId: org.id };
    await t.db.webhookEvent.create({ data: ev });
    await expect(t.db.webhookEvent.create({ data: ev })).rejects.toMatchObject({ code: "P2002" });
    // the same vendor event for another connection (another organization on the same Stripe account) is its own row
    await t.db.webhookEvent.create({ data: { ...ev, connectionId: "conn_b" } });
    expect(await t.db.webhookEvent.count({ where: { eventId: "evt_1" } })).toBe(2);
  });
});
