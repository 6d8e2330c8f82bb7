import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { GET as listIntegrations } from "@/app/api/integrations/route";
import { POST as configure } from "@/app/api/integrations/[name]/configure/route";
import { POST as sync } from "@/app/api/integrations/[name]/sync/route";
import { PATCH as settings } from "@/app/api/integrations/[name]/settings/route";
import { GET as me } from "@/app/api/me/route";
import { GET as unknownRoute } from "@/app/api/[...path]/route";
import { GET as openapi } from "@/app/api/openapi.json/route";
import { encryptJson, decryptJson } from "@/lib/crypto";

let app: ApiHarness;
let admin: Session;
let csm: Session;
beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
});
afterAll(() => app.cleanup());

describe("sessions, roles and the cron bearer", () => {
  it("a signed-in admin sees who they are; no session gets 401 JSON", async () => {
    const r = await app.call(me, "/api/me", { as: admin });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ role: "admin", organization: { name: "Test Org" } });
    const anon = await app.call(me, "/api/me");
    expect(anon.status).toBe(401);
    expect(anon.json.error.code).toBe("unauthorized");
  });

  it("a CSM gets 403 with a JSON error on an admin action", async () => {
    const r = await app.call(configure, "/api/integrations/hubspot/configure", { as: csm, body: { token: "x" }, params: { name: "hubspot" } });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ code: "forbidden" });
    expect(r.json.error.message).toMatch(/admin role/);
  });

  it("the cron bearer starts syncs; a wrong bearer gets 401", async () => {
    const ok = await app.call(sync, "/api/integrations/hubspot/sync", { as: "cron", method: "POST", params: { name: "hubspot" } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ jobs: [] });
    const bad = await app.call(sync, "/api/integrations/hubspot/sync", { as: { bearer: "wrong" }, method: "POST", params: { name: "hubspot" } });
    expect(bad.status).toBe(401);
    expect(bad.json.error.message).toMatch(/CRON_SECRET/);
  });
});

describe("bad input", () => {
  it("malformed JSON gets 400 invalid_json", async () => {
    const r = await app.call(settings, "/api/integrations/hubspot/settings", { as: admin, method: "PATCH", rawBody: "{not json", params: { name: "hubspot" } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
  });
  it("wrong types get 400 naming the field", async () => {
    const r = await app.call(settings, "/api/integrations/hubspot/settings", { as: admin, method: "PATCH", body: { write_back: "yes" }, params: { name: "hubspot" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toHaveProperty("write_back");
    const p = await app.call(settings, "/api/integrations/salesforce/settings", { as: admin, method: "PATCH", body: {}, params: { name: "salesforce" } });
    expect(p.status).toBe(400);
    expect(p.json.error.fields).toHaveProperty("name");
  });
  it("a credential in the query string is refused with the reason", async () => {
    const r = await app.call(configure, "/api/integrations/stripe/configure?api_key=sk_test_123", { as: admin, body: {}, params: { name: "stripe" } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/query string.*logs/);
  });
  it("an unknown API route answers 404 JSON", async () => {
    const r = await app.call(unknownRoute, "/api/nope");
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("not_found");
  });
});

describe("credentials at rest", () => {
  it("a stored credential decrypts but no API response contains it", async () => {
    const secret = "pat-na1-11111111-2222-3333-4444-555555555555";
    const enc = encryptJson({ token: secret });
    await app.db.connection.create({
      data: { organizationId: app.org.id, provider: "hubspot", externalAccountId: "999", displayName: "Portal 999", credentialsEnc: enc, credentialsHint: "••••5555" },
    });
    const row = await app.db.connection.findFirstOrThrow({ where: { externalAccountId: "999" } });
    expect(row.credentialsEnc).not.toContain(secret);
    expect(decryptJson<{ token: string }>(row.credentialsEnc!)).toEqual({ token: secret });
    const r = await app.call(listIntegrations, "/api/integrations", { as: admin });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(secret);
    expect(r.text).not.toContain(enc);
    expect(r.json.data[0].connections[0]).toMatchObject({ display_name: "Portal 999", credentials_hint: "••••5555" });
  });
});

describe("OpenAPI", () => {
  it("documents every contract route with its parameters", async () => {
    const r = await app.call(openapi as never, "/api/openapi.json");
    expect(r.json.openapi).toBe("3.1.0");
    expect(r.json.paths["/api/integrations/{name}/sync"].post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["name", "full"]));
  });
});

describe("sign-in", () => {
  it("wrong credentials get the same message whether or not the e-mail exists, and repeated failures are throttled", async () => {
    const { POST: authPost } = await import("@/app/api/auth/[...all]/route");
    const attempt = async (email: string) => {
      const res = await authPost(new Request("http://localhost:3000/api/auth/sign-in/email", {
        method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9", origin: "http://localhost:3000" },
        body: JSON.stringify({ email, password: "wrong-password" }),
      }));
      return { status: res.status, body: await res.text() };
    };
    const known = await attempt(admin.email);
    const unknown = await attempt("nobody@example.com");
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(JSON.parse(known.body).message).toBe(JSON.parse(unknown.body).message);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(admin.email)).status);
    expect(statuses).toContain(429);
  });
});
