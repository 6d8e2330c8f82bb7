/**
 * HubSpot webhooks and tenants (issue 14, items 1 and 3): a delivery signed with one organization's own
 * webhook secret reaches only that organization's connection; events naming a portal the verifying
 * connection does not own are refused; a deletion is archived only after HubSpot confirms the record is
 * gone; a 1,000-event delivery (the route's maximum) is applied in full.
 */
import { Signature } from "@hubspot/api-client";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { POST as webhookPOST } from "@/app/api/webhooks/hubspot/route";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { applyHubspotWebhookEvents } from "@/lib/connectors/hubspot/webhooks";
import { updateConnectionSettings } from "@/lib/integrations/manage-connections";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

const portfolio = buildSyntheticPortfolio({ companies: 60, contacts: 40, deals: 10, engagements: 5, tickets: 2, customers: 3 });
const companyIds = portfolio.hubspot.companies.map((c) => c.id);
const url = "http://localhost:3000/api/webhooks/hubspot";
const SECRET_A = "org-a-webhook-secret-000000000";
const SECRET_B = "org-b-webhook-secret-111111111";
let h: HubspotHarness;
let connA: string, connB: string, orgB: string;

function delivery(events: object[], secret: string): NextRequest {
  const body = JSON.stringify(events);
  const timestamp = Date.now();
  const signature = Signature.getSignature("POST", "v3", { signature: "", clientSecret: secret, requestBody: body, url, method: "POST", timestamp });
  return new NextRequest(url, { method: "POST", body, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } });
}
const portalId = () => Number(h.sb.info.hubspot.portalId);
let nextEventId = 50_000;
const ev = (subscriptionType: string, objectId: string, portal = portalId()) =>
  ({ eventId: nextEventId++, subscriptionId: 1, portalId: portal, appId: 1, occurredAt: Date.now(), subscriptionType, attemptNumber: 0, objectId: Number(objectId), changeSource: "CRM_UI" });
const archivedIn = async (connectionId: string, ids: string[]) =>
  h.t.db.sourceRecord.count({ where: { connectionId, externalId: { in: ids }, archivedAt: { not: null } } });

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio });
  // No operator app secret: each organization verifies with the webhook secret its admin entered.
  delete process.env.HUBSPOT_CLIENT_ID;
  delete process.env.HUBSPOT_CLIENT_SECRET;
  resetEnvCache();
  setDb(h.t.db);
  orgB = (await h.t.db.organization.create({ data: { name: "Other Co", slug: `other-${Math.random().toString(36).slice(2, 8)}` } })).id;
  connA = (await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token } })).connectionId;
  await updateConnectionSettings(h.t.db, { organizationId: h.organizationId, provider: "hubspot", connectionId: connA, webhookSecret: SECRET_A });
  await runHubspotSync(h.t.db, { connectionId: connA, full: true, trigger: "manual" }, h.ctx());
  // Organization B: its own connection to a portal it does not share with A (set up directly: the sandbox
  // serves one portal), with its own webhook secret.
  connB = (await h.t.db.connection.create({
    data: { organizationId: orgB, provider: "hubspot", externalAccountId: "999000111", displayName: "B's portal", credentialsEnc: "x", authType: "token" },
  })).id;
  await updateConnectionSettings(h.t.db, { organizationId: orgB, provider: "hubspot", connectionId: connB, webhookSecret: SECRET_B });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("HubSpot webhooks are bound to the connection whose secret signed them", () => {
  it("a delivery signed with organization B's secret, naming A's portal, is refused and archives nothing of A's", async () => {
    const victims = companyIds.slice(0, 3);
    await h.sb.control.mutate("hubspot", { type: "companies", op: "delete", id: victims[0] }); // even a real deletion
    const res = await webhookPOST(delivery(victims.map((id) => ev("company.deletion", id)), SECRET_B));
    // B's signature is recognised (the secrets tried never depend on the body), and every event is refused.
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 0, refused: 3 });
    expect(await h.t.db.webhookEvent.count()).toBe(0);
    expect(await archivedIn(connA, victims)).toBe(0);
  });

  it("in a mixed delivery signed by B, only B's portal's events are stored (for B), A's are refused", async () => {
    const res = await webhookPOST(delivery([ev("company.deletion", companyIds[4]), ev("company.propertyChange", "123", 999000111)], SECRET_B));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, refused: 1 });
    const rows = await h.t.db.webhookEvent.findMany();
    expect(rows.map((r) => [r.organizationId, r.connectionId])).toEqual([[orgB, connB]]);
    // A job given A's connection and B's event ids applies nothing.
    const r = await applyHubspotWebhookEvents(h.t.db, { connectionId: connA, eventIds: rows.map((x) => x.id) });
    expect(r).toMatchObject({ upserted: 0, archived: 0 });
    expect(await archivedIn(connA, [companyIds[4]])).toBe(0);
    await h.t.db.webhookEvent.deleteMany();
  });

  it("a deletion event for a record HubSpot still has is not archived; a confirmed one is", async () => {
    const alive = companyIds[10], gone = companyIds[11];
    await h.sb.control.mutate("hubspot", { type: "companies", op: "delete", id: gone });
    const res = await webhookPOST(delivery([ev("company.deletion", alive), ev("company.deletion", gone)], SECRET_A));
    expect(res.status).toBe(200);
    const rows = await h.t.db.webhookEvent.findMany({ where: { connectionId: connA } });
    const r = await applyHubspotWebhookEvents(h.t.db, { connectionId: connA, eventIds: rows.map((x) => x.id) });
    expect(r.archived).toBe(1);
    expect(await archivedIn(connA, [alive])).toBe(0);
    expect(await archivedIn(connA, [gone])).toBe(1);
    await h.t.db.webhookEvent.deleteMany();
  });

  it("a 1,000-event delivery is stored and applied in full", async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ev("company.propertyChange", companyIds[20 + (i % 30)]));
    const res = await webhookPOST(delivery(events, SECRET_A));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1000, duplicates: 0 });
    const rows = await h.t.db.webhookEvent.findMany({ where: { connectionId: connA }, select: { id: true } });
    await applyHubspotWebhookEvents(h.t.db, { connectionId: connA, eventIds: rows.map((x) => x.id) });
    expect(await h.t.db.webhookEvent.count({ where: { connectionId: connA, status: "processed" } })).toBe(1000);
  });
});
