/**
 * Issue 14 (brief H14 item 3): HubSpot deliveries are verified on the raw bytes BEFORE the body is parsed.
 * The secrets tried depend on the URL, never on the (unverified) body: the operator's app secret, plus the
 * connection named by `?connection=<id>` (an organization's own app's URL), or on the bare URL every connected
 * connection's stored secret. HubSpot's v3 rule: HMAC-SHA256(client secret, method + URI + body + timestamp),
 * refused when the timestamp is older than 5 minutes
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests).
 * Runs on SQLite, and on PostgreSQL with CHURNWATCH_TEST_DB=postgres.
 */
import { Signature } from "@hubspot/api-client";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/hubspot/route";
import { encryptSecret } from "@/lib/crypto";
import { setDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { createTestDb, type TestDb } from "../helpers/db";

const SECRET_A = "org-a-private-app-secret-000001";
const SECRET_B = "org-b-private-app-secret-000002";
const PORTAL_A = "7101", PORTAL_B = "7102";
let t: TestDb;
const org: Record<string, string> = {};
const conn: Record<string, string> = {};

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString("base64");
  delete process.env.HUBSPOT_CLIENT_ID;
  delete process.env.HUBSPOT_CLIENT_SECRET;
  resetEnvCache();
  t = await createTestDb();
  setDb(t.db);
  for (const [k, portal, secret] of [["a", PORTAL_A, SECRET_A], ["b", PORTAL_B, SECRET_B]] as const) {
    org[k] = (await t.db.organization.create({ data: { name: `Org ${k}`, slug: `vf-${k}-${Math.random().toString(36).slice(2, 8)}` } })).id;
    conn[k] = (await t.db.connection.create({
      data: { organizationId: org[k], provider: "hubspot", externalAccountId: portal, displayName: portal, credentialsEnc: "x", webhookSecretEnc: encryptSecret(secret) },
    })).id;
  }
}, 60_000);
afterAll(async () => { await t?.cleanup(); });

let nextId = 900_000;
const ev = (portalId: string, subscriptionType = "company.propertyChange") =>
  ({ eventId: nextId++, subscriptionId: 1, portalId: Number(portalId), appId: 1, occurredAt: Date.now(), subscriptionType, attemptNumber: 0, objectId: 42, propertyName: "name", propertyValue: "x", changeSource: "CRM_UI" });

async function deliver(body: string, secret: string, url = "http://localhost:3000/api/webhooks/hubspot", timestamp = Date.now()) {
  const signature = Signature.getSignature("POST", "v3", { signature: "", clientSecret: secret, requestBody: body, url, method: "POST", timestamp });
  const res = await POST(new NextRequest(url, { method: "POST", body, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) } }));
  return { status: res.status, json: (await res.json()) as { received?: number; refused?: number; error?: { code: string } } };
}
const stored = (connectionId: string) => t.db.webhookEvent.count({ where: { connectionId } });

describe("HubSpot receive: verify on the raw bytes, then parse", () => {
  it("an unsigned (forged) delivery is refused without its body ever being parsed", async () => {
    const body = JSON.stringify(Array.from({ length: 1000 }, () => ev(PORTAL_A)));
    const spy = vi.spyOn(JSON, "parse");
    try {
      const r = await deliver(body, "not-anyones-secret");
      expect(r.status).toBe(401);
      expect(spy.mock.calls.filter(([text]) => text === body)).toHaveLength(0);
    } finally {
      spy.mockRestore();
    }
    expect(await stored(conn.a)).toBe(0);
  });

  it("a stale timestamp (> 5 minutes) is refused even with the right secret", async () => {
    const r = await deliver(JSON.stringify([ev(PORTAL_A)]), SECRET_A, undefined, Date.now() - 6 * 60_000);
    expect(r.status).toBe(401);
  });

  it("per-connection URL: only that connection's secret verifies; another organization's secret is refused", async () => {
    const urlA = `http://localhost:3000/api/webhooks/hubspot?connection=${conn.a}`;
    // B signs with its own secret but calls A's URL: B's secret is not tried there.
    const forged = await deliver(JSON.stringify([ev(PORTAL_B)]), SECRET_B, urlA);
    expect(forged.status).toBe(401);
    expect(await stored(conn.b)).toBe(0);
    const ok = await deliver(JSON.stringify([ev(PORTAL_A)]), SECRET_A, urlA);
    expect(ok).toMatchObject({ status: 200, json: { received: 1, refused: 0 } });
    expect(await stored(conn.a)).toBe(1);
  });

  it("a connection's secret verifies whatever portal the body names; events for another portal are refused, not stored", async () => {
    // The body names only B's portal; A's secret signed it. The candidate secrets do not come from the body,
    // so A's signature is recognised (not a 401 HubSpot would retry) and B's portal's event is refused.
    const before = { a: await stored(conn.a), b: await stored(conn.b) };
    const r = await deliver(JSON.stringify([ev(PORTAL_B), ev(PORTAL_B, "company.deletion")]), SECRET_A);
    expect(r).toMatchObject({ status: 200, json: { received: 0, refused: 2 } });
    expect({ a: await stored(conn.a), b: await stored(conn.b) }).toEqual(before);
  });
});
