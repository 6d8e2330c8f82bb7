/**
 * Accepted webhooks that were never applied (issue 14 item 3): events still `received` minutes after they
 * arrived are queued again — once, whoever sweeps — and applied; an admin sees pending and failed events on
 * the connection. Two organizations: each sweep job carries one connection's events only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { sweepWebhookEvents, webhookHealth } from "@/lib/sync/webhook-sweep";
import { summarizeConnections } from "@/lib/integrations/connection-summary";

let t: TestDb;
const org: string[] = [];
const conn: string[] = [];
beforeAll(async () => {
  t = await createTestDb();
  for (const n of ["A", "B"]) {
    const o = await t.db.organization.create({ data: { name: n, slug: `${n}-${Date.now()}` } });
    org.push(o.id);
    conn.push((await t.db.connection.create({ data: { organizationId: o.id, provider: "hubspot", externalAccountId: `p-${n}`, displayName: n, credentialsEnc: "x" } })).id);
  }
});
afterAll(() => t.cleanup());

const ago = (min: number) => new Date(Date.now() - min * 60_000);
async function event(i: number, k: number, status: string, receivedAt: Date, error?: string) {
  return t.db.webhookEvent.create({
    data: { provider: "hubspot", eventId: `e-${k}-${i}`, type: "company.propertyChange", organizationId: org[k], connectionId: conn[k], status, receivedAt, error, payload: { objectId: String(i), subscriptionType: "company.propertyChange" } },
  });
}

describe("webhook sweep", () => {
  it("queues received events older than 5 minutes again, per connection, once; fresh and very old ones are left", async () => {
    for (let i = 0; i < 30; i++) await event(i, 0, "received", ago(20));
    for (let i = 0; i < 5; i++) await event(100 + i, 1, "received", ago(20));
    await event(200, 0, "received", ago(1)); // its own job may still be waiting
    await event(201, 0, "received", ago(5 * 24 * 60)); // past the vendors' retry window
    const r = await sweepWebhookEvents(t.db);
    expect(r).toEqual({ hubspot: 35, stripe: 0 });
    const jobs = await t.db.job.findMany({ where: { name: "hubspot-webhook-job" } });
    expect(jobs).toHaveLength(2);
    for (const j of jobs) {
      const p = j.payload as { connectionId: string; eventIds: string[] };
      const rows = await t.db.webhookEvent.findMany({ where: { id: { in: p.eventIds } }, select: { connectionId: true, organizationId: true } });
      expect(new Set(rows.map((x) => x.connectionId))).toEqual(new Set([p.connectionId]));
      expect(j.organizationId).toBe(rows[0]!.organizationId);
    }
    expect((await sweepWebhookEvents(t.db))).toEqual({ hubspot: 0, stripe: 0 }); // a second sweeper joins the queued jobs
  });

  it("the connection summary shows pending and failed events with the newest error", async () => {
    await event(300, 1, "failed", ago(30), "HubSpot answered 502 three times");
    expect(await webhookHealth(t.db, conn[1]!)).toEqual({ pending: 5, failed: 1, lastError: "HubSpot answered 502 three times" });
    const [summary] = await summarizeConnections(t.db, { organizationId: org[0]! });
    expect(summary!.webhooks).toEqual({ pending: 30, failed: 0, lastError: null });
  });
});
