/**
 * The HubSpot sandbox held to what HubSpot documents (issue 12, findings 5, 6, 7, 8), over HTTP with the
 * official SDK where it has the call:
 * - rate-limit headers on every authenticated CRM response even with limits off, none on search (its own
 *   limit, which never uses the ten-second window), Retry-After on every 429;
 * - date-versioned paths (/crm/objects/2026-03/…) beside v3, an unknown date version is a 404;
 * - PropertyCreate options need `hidden` (400 naming it), the sandbox no longer fills it in;
 * - associations v4 are paged per record past the page size (batch read and GET);
 * - OAuth v3 token introspection.
 */
import { Client } from "@hubspot/api-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";

let sb: Sandbox;
let token: string;
let bigCompany: string;
const CONTACTS = 1_200;

const hs = (path: string, init: RequestInit = {}, t = token) =>
  fetch(sb.hubspotUrl + path, { ...init, headers: { authorization: `Bearer ${t}`, "content-type": "application/json", ...(init.headers ?? {}) } });
const post = (path: string, body: unknown, t = token) => hs(path, { method: "POST", body: JSON.stringify(body) }, t);

beforeAll(async () => {
  sb = await startSandbox({
    portfolio: { synthetic: { companies: 6, contacts: CONTACTS + 50, deals: 5, engagements: 5, tickets: 1, customers: 1 } },
    ports: { hubspot: 0, stripe: 0 }, limits: { hubspot: { enabled: false, tenSecondly: 20, searchPerSecond: 5, daily: 1000 } }, seed: 11,
  });
  token = sb.info.hubspot.privateAppToken;
  const sdk = new Client({ accessToken: token, basePath: sb.hubspotUrl });
  const contacts = (await sdk.crm.contacts.getAll(100)).map((c) => c.id).slice(0, CONTACTS);
  bigCompany = (await sdk.crm.companies.basicApi.getPage(1)).results[0].id;
  await sb.control.mutate("hubspot", { type: "companies", op: "update", id: bigCompany, associations: { contacts } });
}, 120_000);
afterAll(async () => {
  await sb?.close();
});
afterEach(() => {
  sb.control.setLimits("hubspot", { enabled: false, tenSecondly: 20, searchPerSecond: 5, daily: 1000 });
  sb.control.resetLimits("hubspot");
});

describe("rate-limit headers and 429s (finding 8)", () => {
  it("sends X-HubSpot-RateLimit-* on a CRM response with limits off, counting down, daily ones for private apps", async () => {
    const a = await hs("/crm/v3/objects/companies?limit=1");
    const b = await hs("/crm/v3/objects/companies?limit=1");
    expect(a.status).toBe(200);
    expect(a.headers.get("x-hubspot-ratelimit-max")).toBe("20");
    expect(a.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    expect(Number(b.headers.get("x-hubspot-ratelimit-remaining"))).toBe(Number(a.headers.get("x-hubspot-ratelimit-remaining")) - 1);
    expect(a.headers.get("x-hubspot-ratelimit-daily")).toBe("1000");
    expect(a.headers.get("x-hubspot-ratelimit-daily-remaining")).not.toBeNull();
    expect(a.headers.get("x-hubspot-ratelimit-secondly")).not.toBeNull();
    // with limits off nothing is refused, even far past the ten-second maximum
    const burst = await Promise.all(Array.from({ length: 40 }, () => hs("/crm/v3/objects/companies?limit=1")));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(burst.every((r) => r.headers.get("x-hubspot-ratelimit-remaining") !== null)).toBe(true);
  });

  it("counts search toward its own per-second limit only, not the ten-second window", async () => {
    sb.control.setLimits("hubspot", { enabled: true });
    const before = Number((await hs("/crm/v3/objects/companies?limit=1")).headers.get("x-hubspot-ratelimit-remaining"));
    for (let i = 0; i < 4; i++) {
      const s = await post("/crm/v3/objects/companies/search", { limit: 1 });
      expect(s.status).toBe(200);
      expect(s.headers.get("x-hubspot-ratelimit-remaining")).toBeNull();
    }
    const after = Number((await hs("/crm/v3/objects/companies?limit=1")).headers.get("x-hubspot-ratelimit-remaining"));
    expect(after).toBe(before - 1); // only the second list call used the window
  });

  it("puts Retry-After on ten-second, per-second and daily 429s", async () => {
    sb.control.setLimits("hubspot", { enabled: true });
    const rs = await Promise.all(Array.from({ length: 25 }, () => hs("/crm/v3/objects/companies?limit=1")));
    const limited = rs.find((r) => r.status === 429)!;
    expect((await limited.json()).policyName).toBe("TEN_SECONDLY_ROLLING");
    const ra = Number(limited.headers.get("retry-after"));
    expect(ra).toBeGreaterThanOrEqual(1);
    expect(ra).toBeLessThanOrEqual(10);
    expect(limited.headers.get("x-hubspot-ratelimit-remaining")).toBe("0");

    const ss = await Promise.all(Array.from({ length: 8 }, () => post("/crm/v3/objects/companies/search", { limit: 1 })));
    const secondly = ss.find((r) => r.status === 429)!;
    expect((await secondly.json()).policyName).toBe("SECONDLY");
    expect(secondly.headers.get("retry-after")).toBe("1");

    sb.control.resetLimits("hubspot");
    sb.control.setLimits("hubspot", { daily: 2 });
    await hs("/crm/v3/objects/companies?limit=1");
    await hs("/crm/v3/objects/companies?limit=1");
    const daily = await hs("/crm/v3/objects/companies?limit=1");
    expect(daily.status).toBe(429);
    expect((await daily.json()).policyName).toBe("DAILY");
    const secs = Number(daily.headers.get("retry-after"));
    expect(secs).toBeGreaterThan(0);
    expect(secs).toBeLessThanOrEqual(86_400);
  });
});

describe("date-versioned paths", () => {
  it("serves /crm/objects/2026-03/… (and the other families the connector uses) beside v3", async () => {
    const v3 = await (await hs("/crm/v3/objects/companies?limit=3&properties=name")).json();
    const dated = await hs("/crm/objects/2026-03/companies?limit=3&properties=name");
    expect(dated.status).toBe(200);
    const body = await dated.json();
    expect(body.results).toEqual(v3.results);
    expect(body.paging.next.link).toContain("/crm/objects/2026-03/companies");
    expect((await hs("/crm/objects/2026-09/companies?limit=1")).status).toBe(200);
    expect((await post("/crm/objects/2026-03/companies/search", { limit: 1 })).status).toBe(200);
    expect((await post("/crm/associations/2026-03/companies/contacts/batch/read", { inputs: [{ id: bigCompany }] })).status).toBe(200);
    expect((await hs(`/crm/objects/2026-03/companies/${bigCompany}/associations/contacts?limit=5`)).status).toBe(200);
    expect((await hs("/crm/properties/2026-03/companies")).status).toBe(200);
    expect((await hs("/crm/owners/2026-03/?limit=1")).status).toBe(200);
    expect((await hs("/account-info/2026-03/details")).status).toBe(200);
    const unknown = await hs("/crm/objects/2019-01/companies?limit=1");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).status).toBe("error");
  });
});

describe("property definitions (finding 5)", () => {
  it("refuses an option without `hidden` (400 naming it) and keeps the value a complete definition sends", async () => {
    const sdk = new Client({ accessToken: token, basePath: sb.hubspotUrl });
    await sdk.crm.properties.groupsApi.create("companies", { name: "vendor_rules", label: "Vendor rules", displayOrder: -1 });
    const base = { label: "Tier", type: "enumeration", fieldType: "select", groupName: "vendor_rules" };
    const missing = await post("/crm/v3/properties/companies", { ...base, name: "vr_tier_a", options: [{ label: "Gold", value: "gold", displayOrder: 0 }] });
    expect(missing.status).toBe(400);
    const err = await missing.json();
    expect(err).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
    expect(err.message).toContain("[hidden]");
    const noLabel = await post("/crm/v3/properties/companies", { name: "vr_tier_c", type: "string", fieldType: "text" });
    expect(noLabel.status).toBe(400);
    expect((await noLabel.json()).message).toContain("[label, groupName]");
    const ok = await post("/crm/v3/properties/companies", { ...base, name: "vr_tier_b", options: [{ label: "Gold", value: "gold", displayOrder: 0, hidden: true }] });
    expect(ok.status).toBe(201);
    expect((await ok.json()).options[0]).toMatchObject({ value: "gold", hidden: true });
  });
});

describe("associations v4 paging (finding 6)", () => {
  it("batch read pages a record's associations past the page size; `after` goes with the id", async () => {
    const seen: string[] = [];
    let input: { id: string; after?: string } = { id: bigCompany };
    let pages = 0;
    for (;;) {
      const r = await post("/crm/v4/associations/companies/contacts/batch/read", { inputs: [input] });
      expect(r.status).toBe(200);
      const res = (await r.json()).results[0];
      pages++;
      expect(res.to.length).toBeLessThanOrEqual(500);
      seen.push(...res.to.map((t: { toObjectId: number | string }) => String(t.toObjectId)));
      if (!res.paging) break;
      input = { id: bigCompany, after: res.paging.next.after };
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(CONTACTS);
    const bad = await post("/crm/v4/associations/companies/contacts/batch/read", { inputs: [{ id: bigCompany, after: "not-a-cursor" }] });
    expect(bad.status).toBe(400);
  });

  it("GET …/associations/{to} pages with paging.next.after, as the SDK reads it", async () => {
    const sdk = new Client({ accessToken: token, basePath: sb.hubspotUrl });
    const first = await sdk.crm.associations.v4.basicApi.getPage("companies", bigCompany, "contacts", undefined, 500);
    expect(first.results).toHaveLength(500);
    const second = await sdk.crm.associations.v4.basicApi.getPage("companies", bigCompany, "contacts", first.paging!.next!.after, 500);
    expect(second.results).toHaveLength(500);
    expect(second.results[0].toObjectId).not.toBe(first.results[0].toObjectId);
  });
});

describe("OAuth token introspection (finding 7)", () => {
  const form = (f: Record<string, string>) =>
    fetch(`${sb.hubspotUrl}/oauth/v3/token/introspect`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(f).toString() });

  it("answers active with metadata for a live access token, inactive otherwise, 400 for a wrong client secret", async () => {
    const oauth = sb.info.hubspot.oauth as { clientId: string; clientSecret: string; authorizeUrl: string };
    const auth = await fetch(`${oauth.authorizeUrl}?client_id=${oauth.clientId}&redirect_uri=${encodeURIComponent("http://localhost/cb")}&scope=crm.objects.companies.read`, { redirect: "manual" });
    const code = new URL(auth.headers.get("location")!).searchParams.get("code")!;
    const tok = await (await fetch(`${sb.hubspotUrl}/oauth/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", client_id: oauth.clientId, client_secret: oauth.clientSecret, redirect_uri: "http://localhost/cb", code }).toString() })).json();
    const live = await form({ client_id: oauth.clientId, client_secret: oauth.clientSecret, token: tok.access_token, token_type_hint: "access_token" });
    expect(live.status).toBe(200);
    const body = await live.json();
    expect(body).toMatchObject({ active: true, token_type: "access", hub_id: sb.info.hubspot.portalId });
    expect(body.scopes).toContain("crm.objects.companies.read");
    expect(body.expires_in).toBeGreaterThan(1700);
    expect(await (await form({ client_id: oauth.clientId, client_secret: oauth.clientSecret, token: "CN-unknown" })).json()).toEqual({ active: false });
    expect((await form({ client_id: oauth.clientId, client_secret: "wrong", token: tok.access_token })).status).toBe(400);
    // the dated path is the same endpoint
    expect(await (await fetch(`${sb.hubspotUrl}/oauth/2026-03/token/introspect`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: oauth.clientId, client_secret: oauth.clientSecret, token: tok.access_token }).toString() })).json()).toMatchObject({ active: true });
  });
});
