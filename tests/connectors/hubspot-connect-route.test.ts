/**
 * The HubSpot "Connect with OAuth" button as a user meets it: the Integrations page's ConnectForm sends
 * `POST /api/integrations/hubspot/connect` with `{redirect_to: "/integrations"}` (plus `write_back` when the
 * box is ticked). That body was refused with 400 `Unrecognized key "redirect_to"`; now it starts OAuth, and
 * the callback lands on the `redirect_to` path. Without HUBSPOT_CLIENT_ID/SECRET the route answers 503
 * not_configured naming what to set (the form shows it as "OAuth is not set up", not as a raw error).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as connectPOST } from "@/app/api/integrations/hubspot/connect/route";
import { GET as callbackGET } from "@/app/api/integrations/hubspot/callback/route";
import { resetEnvCache } from "@/lib/env";
import { startSandbox, type Sandbox } from "@/sandbox";
import { createApiHarness, type ApiHarness, type Session } from "@/tests/helpers/api";

let sb: Sandbox;
let app: ApiHarness;
let admin: Session;

beforeAll(async () => {
  sb = await startSandbox({ portfolio: { synthetic: { companies: 5, contacts: 10, deals: 3, engagements: 3, tickets: 1, customers: 1 } }, limits: false, ports: { hubspot: 0, stripe: 0 } });
  const oauth = sb.info.hubspot.oauth as { clientId: string; clientSecret: string };
  app = await createApiHarness({
    HUBSPOT_API_BASE_URL: sb.hubspotUrl, HUBSPOT_CLIENT_ID: oauth.clientId, HUBSPOT_CLIENT_SECRET: oauth.clientSecret,
    HUBSPOT_OAUTH_AUTHORIZE_URL: `${sb.hubspotUrl}/oauth/authorize`, CHURNWATCH_WORKER: "off",
  });
  admin = await app.signIn("admin");
}, 120_000);
afterAll(async () => {
  await app?.cleanup();
  await sb?.close();
});

describe("POST /api/integrations/hubspot/connect", () => {
  it("accepts the body the Connect with OAuth button sends and the callback lands on redirect_to", async () => {
    const res = await app.call(connectPOST, "/api/integrations/hubspot/connect", { as: admin, body: { redirect_to: "/integrations", write_back: true } });
    expect(res.status).toBe(200);
    const authorize = new URL(res.json.authorize_url);
    expect(authorize.searchParams.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["crm.objects.owners.read", "crm.objects.companies.write"]));
    const back = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")!);
    const cb = await app.call(callbackGET, `/api/integrations/hubspot/callback${back.search}`);
    expect(cb.status).toBe(303);
    const landed = new URL(cb.headers.get("location")!);
    expect(landed.pathname).toBe("/integrations");
    expect(landed.searchParams.get("connected")).toBe("hubspot");
    expect(await app.db.connection.count({ where: { organizationId: app.org.id, provider: "hubspot", authType: "oauth" } })).toBe(1);
  });

  it("binds the connection and the landing path to the organization whose admin started OAuth", async () => {
    const other = await app.db.organization.create({ data: { name: "Other Org", slug: `other-${Date.now()}` } });
    const otherAdmin = await app.signIn("admin", other.id);
    const res = await app.call(connectPOST, "/api/integrations/hubspot/connect", { as: otherAdmin, body: { redirect_to: "/integrations?from=other" } });
    expect(res.status).toBe(200);
    const back = new URL((await fetch(res.json.authorize_url, { redirect: "manual" })).headers.get("location")!);
    const cb = await app.call(callbackGET, `/api/integrations/hubspot/callback${back.search}`);
    const landed = new URL(cb.headers.get("location")!);
    expect(landed.searchParams.get("from")).toBe("other");
    const id = landed.searchParams.get("connection_id")!;
    expect((await app.db.connection.findUniqueOrThrow({ where: { id } })).organizationId).toBe(other.id);
    expect(await app.db.connection.count({ where: { organizationId: app.org.id, provider: "hubspot" } })).toBe(1);
  });

  it("refuses a redirect_to that leaves the app", async () => {
    for (const to of ["https://evil.example/", "//evil.example/x"]) {
      const res = await app.call(connectPOST, "/api/integrations/hubspot/connect", { as: admin, body: { redirect_to: to } });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toContain("redirect_to");
    }
  });

  it("says what to set when the OAuth app is not configured", async () => {
    const saved = { id: process.env.HUBSPOT_CLIENT_ID, secret: process.env.HUBSPOT_CLIENT_SECRET };
    delete process.env.HUBSPOT_CLIENT_ID;
    delete process.env.HUBSPOT_CLIENT_SECRET;
    resetEnvCache();
    try {
      const res = await app.call(connectPOST, "/api/integrations/hubspot/connect", { as: admin, body: { redirect_to: "/integrations" } });
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("not_configured");
      expect(res.json.error.message).toContain("HUBSPOT_CLIENT_ID");
      expect(res.json.error.message).toContain("HUBSPOT_CLIENT_SECRET");
    } finally {
      process.env.HUBSPOT_CLIENT_ID = saved.id;
      process.env.HUBSPOT_CLIENT_SECRET = saved.secret;
      resetEnvCache();
    }
  });
});
