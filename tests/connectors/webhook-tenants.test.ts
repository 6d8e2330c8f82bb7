/**
 * Webhooks and tenants across both vendors (issue 14 item 1): an event reaches exactly the connections whose
 * signing secret verified it and that hold the account/portal it is about. Two organizations that connected
 * the same Stripe account or HubSpot portal each get the event; a third organization's secret never delivers
 * into them. Route handlers are called in-process; no vendor call is made on the receive path.
 */
import { Signature } from "@hubspot/api-client";
import Stripe from "stripe";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as stripePOST } from "@/app/api/webhooks/stripe/route";
import { POST as hubspotPOST } from "@/app/api/webhooks/hubspot/route";
import { encryptSecret } from "@/lib/crypto";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { createTestDb, type TestDb } from "../helpers/db";

let t: TestDb;
const org: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
const conn: Record<string, string> = {};
const SHARED_WHSEC = "whsec_shared_endpoint_secret_0001";
const C_WHSEC = "whsec_org_c_own_secret_000000002";
const HS_OPERATOR = "operator-app-client-secret-0003";
const HS_C = "org-c-private-app-secret-000004";

async function connection(organizationId: string, provider: "stripe" | "hubspot", externalAccountId: string, secret: string | null) {
  return (await t.db.connection.create({
    data: {
      organizationId, provider, externalAccountId, displayName: externalAccountId, credentialsEnc: "x",
      ...(secret ? { webhookSecretEnc: encryptSecret(secret) } : {}),
    },
  })).id;
}

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
  process.env.HUBSPOT_CLIENT_ID = "operator-app";
  process.env.HUBSPOT_CLIENT_SECRET = HS_OPERATOR;
  resetEnvCache();
  t = await createTestDb();
  setDb(t.db);
  for (const k of ["a", "b", "c"] as const) {
    org[k] = (await t.db.organization.create({ data: { name: `Org ${k}`, slug: `org-${k}-${Math.random().toString(36).slice(2, 8)}` } })).id;
  }
  conn.stripeA = await connection(org.a, "stripe", "acct_shared", SHARED_WHSEC);
  conn.stripeB = await connection(org.b, "stripe", "acct_shared", SHARED_WHSEC);
  conn.stripeC = await connection(org.c, "stripe", "acct_c", C_WHSEC);
  conn.hubA = await connection(org.a, "hubspot", "7001", null);
  conn.hubB = await connection(org.b, "hubspot", "7001", null);
  conn.hubC = await connection(org.c, "hubspot", "7003", HS_C);
}, 60_000);
afterAll(async () => {
  delete process.env.HUBSPOT_CLIENT_ID;
  delete process.env.HUBSPOT_CLIENT_SECRET;
  resetEnvCache();
  await t?.cleanup();
});

let n = 0;
const stripeEvent = (account?: string) => JSON.stringify({
  id: `evt_tenant_${++n}`, object: "event", type: "customer.updated", created: Math.floor(Date.now() / 1000), livemode: false,
  api_version: "2025-03-31.basil", ...(account ? { account } : {}),
  data: { object: { id: "cus_tenant_1", object: "customer", email: "x@shared.example", created: 1_700_000_000 } },
});
async function deliverStripe(payload: string, secret: string) {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const res = await stripePOST(new NextRequest("http://localhost:3000/api/webhooks/stripe", { method: "POST", body: payload, headers: { "content-type": "application/json", "stripe-signature": signature } }));
  return { status: res.status, json: await res.json() };
}
const hubUrl = "http://localhost:3000/api/webhooks/hubspot";
async function deliverHubspot(events: object[], secret: string) {
  const body = JSON.stringify(events);
  const timestamp = Date.now();
  const signature = Signature.getSignature("POST", "v3", { signature: "", clientSecret: secret, requestBody: body, url: hubUrl, method: "POST", timestamp });
  const res = await hubspotPOST(new NextRequest(hubUrl, { method: "POST", body, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } }));
  return { status: res.status, json: await res.json() };
}
const rowsOf = async (eventId: string) =>
  (await t.db.webhookEvent.findMany({ where: { eventId }, select: { connectionId: true, organizationId: true } })).map((r) => r.connectionId).sort();

describe("Stripe", () => {
  it("two organizations on the same Stripe account and endpoint secret each store the event once; a repeat is a duplicate", async () => {
    const payload = stripeEvent();
    const r = await deliverStripe(payload, SHARED_WHSEC);
    expect(r).toMatchObject({ status: 200, json: { duplicate: false, status: "received" } });
    const id = JSON.parse(payload).id as string;
    expect(await rowsOf(id)).toEqual([conn.stripeA, conn.stripeB].sort());
    expect((await deliverStripe(payload, SHARED_WHSEC)).json).toMatchObject({ duplicate: true });
    expect(await rowsOf(id)).toHaveLength(2);
  });

  it("organization C's secret delivers only into C's connection, and never an event about another account", async () => {
    const mine = stripeEvent();
    expect((await deliverStripe(mine, C_WHSEC)).status).toBe(200);
    expect(await rowsOf(JSON.parse(mine).id)).toEqual([conn.stripeC]);
    const aboutShared = stripeEvent("acct_shared");
    const r = await deliverStripe(aboutShared, C_WHSEC);
    expect(r.status).toBe(400); // C's secret is not a secret of acct_shared's connections
    expect(await rowsOf(JSON.parse(aboutShared).id)).toEqual([]);
  });
});

describe("HubSpot", () => {
  const hubEvent = (portalId: number, eventId: number) =>
    ({ eventId, subscriptionId: 1, portalId, appId: 1, occurredAt: Date.now(), subscriptionType: "company.propertyChange", attemptNumber: 0, objectId: 42, propertyName: "name", propertyValue: "x" });

  it("a delivery signed with the operator's app secret reaches every organization connected to the portal", async () => {
    const r = await deliverHubspot([hubEvent(7001, 810)], HS_OPERATOR);
    expect(r).toMatchObject({ status: 200, json: { received: 2, duplicates: 0 } });
    expect(await rowsOf("810")).toEqual([conn.hubA, conn.hubB].sort());
  });

  it("organization C's own secret cannot deliver into the shared portal's connections", async () => {
    const r = await deliverHubspot([hubEvent(7001, 811), hubEvent(7003, 812)], HS_C);
    expect(r).toMatchObject({ status: 200, json: { received: 1, refused: 1 } });
    expect(await rowsOf("811")).toEqual([]);
    expect(await rowsOf("812")).toEqual([conn.hubC]);
  });
});
