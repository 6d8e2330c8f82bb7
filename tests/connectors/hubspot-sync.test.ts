/**
 * HubSpot connector against the sandbox over HTTP (official SDK), real SQLite: token connect,
 * full sync (every record once), re-run without duplicates, incremental sync of exactly the changed
 * records, malformed records skipped with a reason, a missing scope reported per object type.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { decryptJson } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

const portfolio = buildSyntheticPortfolio({ companies: 120, contacts: 400, deals: 150, customers: 10, engagements: 300, tickets: 60 });
let h: HubspotHarness;
let connectionId: string;

function expectedEngagements(kind: "calls" | "meetings" | "notes"): number {
  const recs = [...portfolio.hubspot[kind]];
  const newest = Math.max(...recs.map((r) => Date.parse(r.properties.hs_lastmodifieddate ?? r.updatedAt)));
  // The first sync reads 395 days of engagements (the 365-day signal backfill + its 30-day window).
  const cutoff = Math.min(Date.now(), newest) - 395 * 86_400_000;
  return recs.filter((r) => Date.parse(r.properties.hs_timestamp!) >= cutoff).length;
}

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe("token connect (Test & Save)", () => {
  it("rejects a bad token with a clear message and stores nothing", async () => {
    const err = await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: "pat-na1-00000000-0000-0000-0000-000000000000" } }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/rejected this token/);
    expect(await h.t.db.connection.count()).toBe(0);
  });

  it("names every missing required scope and stores nothing", async () => {
    const tokens = h.sb.info.hubspot.tokens as Record<string, string>;
    const err = await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: tokens.missingDealsScope } }).catch((e) => e);
    expect(err.status).toBe(422);
    expect(err.message).toContain("crm.objects.deals.read");
    const noWrite = await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: tokens.readOnlyNoWrite, write_back: true } }).catch((e) => e);
    expect(noWrite.status).toBe(422);
    expect(noWrite.message).toContain("crm.objects.companies.write");
    expect(noWrite.message).toContain("crm.schemas.companies.write");
    expect(await h.t.db.connection.count()).toBe(0);
  });

  it("reports the portal, stores the token encrypted with a 4-character hint", async () => {
    const r = await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token, write_back: true } });
    expect(r.externalAccountId).toBe(String(portfolio.hubspot.portal.id));
    expect(r.missingScopes).toEqual([]);
    expect(r.created).toBe(true);
    connectionId = r.connectionId;
    const conn = await h.t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(conn.credentialsEnc).not.toContain(h.token);
    expect(decryptJson<{ token: string }>(conn.credentialsEnc!).token).toBe(h.token);
    expect(conn.credentialsHint).toBe(`••••${h.token.slice(-4)}`);
    expect(conn.settings).toMatchObject({ writeBack: true });
    // Test & Save again for the same portal updates the connection.
    const again = await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token } });
    expect(again).toMatchObject({ connectionId, created: false });
  });
});

describe("full sync", () => {
  it("lands every record once, with company associations, and logs the requests per object", async () => {
    const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "manual" }, h.ctx());
    expect(s.mode).toBe("full");
    const db = h.t.db;
    expect(await db.sourceRecord.count({ where: { connectionId, objectType: "company" } })).toBe(120);
    expect(await db.contact.count({ where: { connectionId } })).toBe(400);
    expect(await db.deal.count({ where: { connectionId } })).toBe(150);
    expect(await db.owner.count({ where: { connectionId } })).toBe(8);
    expect(await db.ticket.count({ where: { connectionId } })).toBe(60);
    for (const k of ["calls", "meetings", "notes"] as const) {
      expect(await db.engagement.count({ where: { connectionId, type: k.slice(0, -1) } })).toBe(expectedEngagements(k));
    }
    // Associations: every contact of the synthetic portfolio belongs to company j % 120.
    const c = await db.contact.findFirstOrThrow({ where: { connectionId, externalId: portfolio.hubspot.contacts[5].id } });
    expect(c.companyExternalId).toBe(portfolio.hubspot.contacts[5].associations!.companies[0]);
    const deal = await db.deal.findFirstOrThrow({ where: { connectionId, externalId: portfolio.hubspot.deals[0].id } });
    expect(deal.renewalStage).toBeTruthy();
    expect(deal.amountCents).toBe(Number(portfolio.hubspot.deals[0].properties.amount) * 100);
    // Minimal requests: contacts = 4 list pages + 1 association read (+1 archived page +1 probe).
    expect(s.objects.contacts).toMatchObject({ processed: 400, skipped: 0, status: "succeeded", requests: 7 });
    expect(s.objects.companies.requests).toBe(4); // probe + 2 pages + archived page
    const runs = await db.syncRun.findMany({ where: { connectionId } });
    expect(runs.map((r) => r.objectType).sort()).toEqual(["calls", "companies", "contacts", "deals", "meetings", "notes", "owners", "tickets"]);
    expect(runs.every((r) => r.status === "succeeded" && r.completedAt)).toBe(true);
  });

  it("a full re-sync re-reads everything without duplicating a record", async () => {
    const s = await runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx());
    expect(s.objects.companies.processed).toBe(120);
    expect(s.objects.companies.unchanged).toBe(120);
    expect(await h.t.db.sourceRecord.count({ where: { connectionId } })).toBe(120);
    expect(await h.t.db.contact.count({ where: { connectionId } })).toBe(400);
  });
});

describe("incremental sync", () => {
  it("fetches exactly the changed records", async () => {
    const ids = portfolio.hubspot.companies.slice(10, 13).map((c) => c.id);
    for (const id of ids) await h.sb.control.mutate("hubspot", { type: "companies", op: "update", id, properties: { industry: "RETAIL", name: `Renamed ${id}` } });
    await h.sb.control.mutate("hubspot", { type: "contacts", op: "update", id: portfolio.hubspot.contacts[7].id, properties: { jobtitle: "VP Customer Success" } });
    const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "cron" }, h.ctx());
    expect(s.mode).toBe("incremental");
    expect(s.objects.companies).toMatchObject({ processed: 3, unchanged: 0 });
    expect(s.objects.contacts.processed).toBe(1);
    expect(s.objects.deals.processed).toBe(0);
    const renamed = await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: ids[0] } });
    expect(renamed.name).toBe(`Renamed ${ids[0]}`);
    const again = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "cron" }, h.ctx());
    expect(again.objects.companies.processed).toBe(0);
    expect(again.objects.contacts.processed).toBe(0);
  });

  it("skips a malformed record with its reason and keeps the rest", async () => {
    await h.sb.control.mutate("hubspot", { type: "deals", op: "update", id: portfolio.hubspot.deals[3].id, properties: { amount: "777" } });
    await h.sb.control.mutate("hubspot", { type: "deals", op: "update", id: portfolio.hubspot.deals[4].id, properties: { amount: "888" } });
    h.sb.control.setFaults("hubspot", { malformedRecordIn: ["deals"] });
    try {
      const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "cron" }, h.ctx());
      expect(s.objects.deals).toMatchObject({ processed: 2, skipped: 1, status: "partial" });
      const run = await h.t.db.syncRun.findFirstOrThrow({ where: { connectionId, objectType: "deals" }, orderBy: { startedAt: "desc" } });
      expect(JSON.stringify(run.skipReasons)).toMatch(/malformed record/);
      expect((await h.t.db.deal.findFirstOrThrow({ where: { connectionId, externalId: portfolio.hubspot.deals[4].id } })).amountCents).toBe(88_800);
    } finally {
      h.sb.control.setFaults("hubspot", { malformedRecordIn: [] });
    }
  });
});
