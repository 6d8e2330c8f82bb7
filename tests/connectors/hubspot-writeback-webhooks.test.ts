/**
 * Score write-back (properties created once, only changed values pushed, a 207 survived, no echo
 * loop in the next incremental sync), property mappings, and the webhook route (forged/stale → 401,
 * duplicates ignored, the job applies changes and deletions).
 */
import { Signature } from "@hubspot/api-client";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { POST as webhookPOST } from "@/app/api/webhooks/hubspot/route";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { setPropertyMappings } from "@/lib/connectors/hubspot/mappings";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { applyHubspotWebhookEvents } from "@/lib/connectors/hubspot/webhooks";
import { pushScores } from "@/lib/connectors/hubspot/write-back";
import { setDb } from "@/lib/db";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

const portfolio = buildSyntheticPortfolio({ companies: 140, contacts: 150, deals: 20, engagements: 10, tickets: 5, customers: 5 });
let h: HubspotHarness;
let connectionId: string;
const companyIds = portfolio.hubspot.companies.map((c) => c.id);

async function hubspotGet(path: string): Promise<{ status: number; body: { results?: { name: string; groupName?: string }[] } }> {
  const r = await fetch(`${h.sb.hubspotUrl}${path}`, { headers: { authorization: `Bearer ${h.token}` } });
  return { status: r.status, body: await r.json() };
}

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio });
  setDb(h.t.db);
  connectionId = (await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token, write_back: true } })).connectionId;
  await runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx());
  // Scores for the first 130 companies (what the scoring pipeline would have written).
  const recs = await h.t.db.sourceRecord.findMany({ where: { connectionId }, orderBy: { externalId: "asc" }, take: 130 });
  for (const [i, r] of recs.entries()) {
    const a = await h.t.db.account.create({
      data: { organizationId: h.organizationId, name: r.name ?? r.externalId, healthScore: 40 + (i % 60), riskLevel: i % 3 === 0 ? "critical" : "healthy", trend: "stable", churnProbability: 0.1 + (i % 5) / 10, scoredAt: new Date("2026-01-01T06:00:00Z") },
    });
    await h.t.db.sourceRecord.update({ where: { id: r.id }, data: { accountId: a.id } });
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("write-back", () => {
  it("creates the churnwatch group and properties once, pushes in batches of 100 and survives a 207", async () => {
    const gone = companyIds[5];
    await h.sb.control.mutate("hubspot", { type: "companies", op: "delete", id: gone });
    const r = await pushScores(h.t.db, { connectionId });
    expect(r.schemaCreated).toBe(true);
    expect(r.candidates).toBe(130);
    expect(r.pushed).toBe(129);
    expect(r.failed).toEqual([{ id: gone, reason: expect.stringMatching(/Could not get some COMPANY objects/) }]);
    const props = await hubspotGet("/crm/v3/properties/companies");
    const ours = props.body.results!.filter((p) => p.groupName === "churnwatch").map((p) => p.name).sort();
    expect(ours).toEqual(["churnwatch_churn_probability", "churnwatch_health_score", "churnwatch_last_scored", "churnwatch_risk_level", "churnwatch_trend"]);
    const run = await h.t.db.syncRun.findUniqueOrThrow({ where: { id: r.runId } });
    expect(run).toMatchObject({ direction: "outbound", mode: "write_back", status: "partial", recordsProcessed: 129, recordsSkipped: 1 });
    // group + 5 properties, 2 batches + 1 retry of the failed id (more only if a keep-alive socket was reset and retried).
    expect(r.requestsByOp["property:create"]).toBeGreaterThanOrEqual(5);
    expect(r.requestsByOp["batch-update:companies"]).toBeGreaterThanOrEqual(3);
    expect(r.requests - r.retries).toBe(9);
  });

  it("pushes only changed values and never re-creates the schema", async () => {
    const again = await pushScores(h.t.db, { connectionId });
    expect(again).toMatchObject({ schemaCreated: false, pushed: 0, unchanged: 129 });
    // Only the company deleted in HubSpot is tried again (push + one retry); no schema requests.
    expect(Object.keys(again.requestsByOp)).toEqual(["batch-update:companies"]);
    expect(again.requests - again.retries).toBe(2);
    const rec = await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companyIds[0] } });
    await h.t.db.account.update({ where: { id: rec.accountId! }, data: { healthScore: 12, riskLevel: "critical" } });
    const one = await pushScores(h.t.db, { connectionId });
    expect(one.pushed).toBe(1);
  });

  it("our own writes do not come back as user changes in the next incremental sync (no echo loop)", async () => {
    const before = await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companyIds[0] } });
    const s = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "cron" }, h.ctx());
    expect(s.objects.companies.processed).toBeGreaterThanOrEqual(129);
    expect(s.objects.companies.unchanged).toBe(s.objects.companies.processed);
    const after = await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companyIds[0] } });
    expect(after.sourceUpdatedAt).toEqual(before.sourceUpdatedAt);
    expect(after.updatedAt).toEqual(before.updatedAt);
  });
});

describe("property mappings", () => {
  it("rejects an unknown HubSpot property by name and stores valid ones for the next sync", async () => {
    await expect(setPropertyMappings(h.t.db, { organizationId: h.organizationId, mappings: { no_such_prop: "plan" } })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("no_such_prop") });
    const r = await setPropertyMappings(h.t.db, { organizationId: h.organizationId, mappings: { lifecyclestage: "stage", numberofemployees: "headcount" } });
    expect(r.connectionId).toBe(connectionId);
    const conn = await h.t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(conn.settings).toMatchObject({ propertyMappings: { lifecyclestage: "stage", numberofemployees: "headcount" }, writeBack: true });
  });
});

describe("webhooks", () => {
  const secret = () => (h.sb.info.hubspot.oauth as { clientSecret: string }).clientSecret;
  const url = "http://localhost:3000/api/webhooks/hubspot";
  const portalId = () => Number(h.sb.info.hubspot.portalId);

  function delivery(events: object[], opts: { secret?: string; timestamp?: number } = {}): NextRequest {
    const body = JSON.stringify(events);
    const timestamp = opts.timestamp ?? Date.now();
    const signature = Signature.getSignature("POST", "v3", { signature: "", clientSecret: opts.secret ?? secret(), requestBody: body, url, method: "POST", timestamp });
    return new NextRequest(url, { method: "POST", body, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } });
  }
  const events = () => [
    { eventId: 9001, subscriptionId: 1, portalId: portalId(), appId: 1, occurredAt: Date.now(), subscriptionType: "company.propertyChange", attemptNumber: 0, objectId: Number(companyIds[20]), changeSource: "CRM_UI", propertyName: "name", propertyValue: "Webhook Co" },
    { eventId: 9002, subscriptionId: 2, portalId: portalId(), appId: 1, occurredAt: Date.now(), subscriptionType: "company.deletion", attemptNumber: 0, objectId: Number(companyIds[21]), changeSource: "CRM_UI" },
  ];

  it("refuses a forged or stale signature with 401 and processes nothing", async () => {
    const forged = await webhookPOST(delivery(events(), { secret: "not-the-secret" }));
    expect(forged.status).toBe(401);
    const stale = await webhookPOST(delivery(events(), { timestamp: Date.now() - 6 * 60 * 1000 }));
    expect(stale.status).toBe(401);
    const unsigned = await webhookPOST(new NextRequest(url, { method: "POST", body: JSON.stringify(events()) }));
    expect(unsigned.status).toBe(401);
    expect(await h.t.db.webhookEvent.count()).toBe(0);
  });

  it("stores a signed delivery once, ignores the duplicate, and the job applies the change and the deletion", async () => {
    await h.sb.control.mutate("hubspot", { type: "companies", op: "update", id: companyIds[20], properties: { name: "Webhook Co" } });
    await h.sb.control.mutate("hubspot", { type: "companies", op: "delete", id: companyIds[21] });
    const started = performance.now();
    const res = await webhookPOST(delivery(events()));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ received: 2, duplicates: 0 });
    expect(body.enqueued).toHaveLength(1);
    const dup = await (await webhookPOST(delivery(events()))).json();
    expect(dup).toMatchObject({ received: 0, duplicates: 2, enqueued: [] });
    const stored = await h.t.db.webhookEvent.findMany({ where: { provider: "hubspot" } });
    expect(stored).toHaveLength(2);
    const r = await applyHubspotWebhookEvents(h.t.db, { connectionId, eventIds: stored.map((e) => e.id) });
    expect(r).toMatchObject({ upserted: 1, archived: 1 });
    expect((await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companyIds[20] } })).name).toBe("Webhook Co");
    expect((await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companyIds[21] } })).archivedAt).not.toBeNull();
    expect(await h.t.db.webhookEvent.count({ where: { status: "processed" } })).toBe(2);
  });
});
