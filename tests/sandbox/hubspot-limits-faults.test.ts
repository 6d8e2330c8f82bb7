/**
 * HubSpot rate limits and fault injection as the official SDK sees them: 429 with policyName and
 * X-HubSpot-RateLimit-* headers (10 s rolling per token, search 5/s, daily), 5xx percentages,
 * 429 storms, dropped connections, a malformed record inside a page, tokens revoked/expired
 * after N requests. Limits use small numbers so the file stays fast.
 */
import { Client } from "@hubspot/api-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NO_FAULTS } from "@/sandbox/core/types";
import { startSandbox, type Sandbox } from "@/sandbox";
import { makeTinyPortfolio } from "./fixtures/tiny-portfolio";

let sb: Sandbox;
let token: string;
const get = (path = "/crm/v3/objects/companies?limit=1", t = token) => fetch(sb.hubspotUrl + path, { headers: { authorization: `Bearer ${t}` } });
const search = (t = token) =>
  fetch(`${sb.hubspotUrl}/crm/v3/objects/companies/search`, {
    method: "POST", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: JSON.stringify({ limit: 1 }),
  });

beforeAll(async () => {
  sb = await startSandbox({ portfolio: makeTinyPortfolio(), ports: { hubspot: 0, stripe: 0 }, limits: { hubspot: { tenSecondly: 20, searchPerSecond: 5, daily: 1000 } }, seed: 7 });
  token = sb.info.hubspot.privateAppToken;
});
afterAll(async () => {
  await sb?.close();
});
afterEach(() => {
  sb.control.setFaults("hubspot", { ...NO_FAULTS });
  sb.control.setLimits("hubspot", { tenSecondly: 20, searchPerSecond: 5, daily: 1000, enabled: true });
  sb.control.resetLimits("hubspot");
});

describe("rate limits", () => {
  it("allows `tenSecondly` requests per token in 10 s, then 429 TEN_SECONDLY_ROLLING with headers", async () => {
    const first = await get();
    expect(first.headers.get("x-hubspot-ratelimit-max")).toBe("20");
    expect(first.headers.get("x-hubspot-ratelimit-remaining")).toBe("19");
    expect(first.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    expect(first.headers.get("x-hubspot-ratelimit-daily")).toBe("1000");
    const rest = await Promise.all(Array.from({ length: 25 }, () => get()));
    const statuses = rest.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    const limited = rest.find((r) => r.status === 429)!;
    expect(limited.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await limited.json()).toMatchObject({ status: "error", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING", message: "You have reached your ten_secondly_rolling limit." });
    // another token has its own budget
    const other = (sb.info.hubspot.tokens as Record<string, string>).readOnlyNoWrite;
    expect((await get(undefined, other)).status).toBe(200);
    // the SDK surfaces the 429 as ApiException code 429
    const c = new Client({ accessToken: token, basePath: sb.hubspotUrl });
    await expect(c.crm.companies.basicApi.getPage(1)).rejects.toMatchObject({ code: 429 });
  });

  it("limits search to 5 per second (SECONDLY) without rate-limit headers", async () => {
    const rs = await Promise.all(Array.from({ length: 8 }, () => search()));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(5);
    const limited = rs.find((r) => r.status === 429)!;
    expect((await limited.json()).policyName).toBe("SECONDLY");
    expect(rs.find((r) => r.status === 200)!.headers.get("x-hubspot-ratelimit-remaining")).toBeNull();
  });

  it("enforces the daily budget (DAILY) and resets it on the next sandbox day", async () => {
    sb.control.setLimits("hubspot", { daily: 3 });
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    const r = await get();
    expect(r.status).toBe(429);
    expect((await r.json()).policyName).toBe("DAILY");
    sb.control.clock.advance(86_400_000);
    expect((await get()).status).toBe(200);
  });

  it("can be switched off at runtime through the control API", async () => {
    const res = await fetch(`${sb.hubspotUrl}/__sandbox/limits`, { method: "POST", body: JSON.stringify({ vendor: "hubspot", enabled: false }) });
    expect(res.status).toBe(200);
    const rs = await Promise.all(Array.from({ length: 40 }, () => get()));
    expect(rs.every((r) => r.status === 200)).toBe(true);
  });
});

describe("faults", () => {
  it("answers about the configured share of requests with 5xx JSON", async () => {
    sb.control.setLimits("hubspot", { enabled: false });
    sb.control.setFaults("hubspot", { errorRate5xx: 0.3 });
    const rs = await Promise.all(Array.from({ length: 200 }, () => get()));
    const fails = rs.filter((r) => r.status >= 500);
    expect(fails.length).toBeGreaterThan(30);
    expect(fails.length).toBeLessThan(90);
    expect(fails.every((r) => r.status === 502 || r.status === 503)).toBe(true);
    expect((await fails[0].json()).status).toBe("error");
    const c = new Client({ accessToken: token, basePath: sb.hubspotUrl });
    sb.control.setFaults("hubspot", { errorRate5xx: 1 });
    await expect(c.crm.companies.basicApi.getPage(1)).rejects.toMatchObject({ code: expect.any(Number) });
  });

  it("a 429 storm answers every request with TEN_SECONDLY_ROLLING until it ends (sandbox time)", async () => {
    sb.control.setFaults("hubspot", { rateLimitStormForMs: 60_000 });
    const r = await get();
    expect(r.status).toBe(429);
    expect((await r.json()).policyName).toBe("TEN_SECONDLY_ROLLING");
    sb.control.clock.advance(61_000);
    expect((await get()).status).toBe(200);
  });

  it("drops connections: the SDK sees a network error, not a response", async () => {
    sb.control.setFaults("hubspot", { dropRate: 1 });
    const c = new Client({ accessToken: token, basePath: sb.hubspotUrl });
    const e = await c.crm.companies.basicApi.getPage(1).then(() => null, (x: unknown) => x as Error & { code?: unknown });
    expect(e).toBeInstanceOf(Error);
    expect(e?.code).toBeUndefined(); // not an ApiException with an HTTP code
    expect(sb.control.stats().hubspot["fault.drop"]).toBeGreaterThan(0);
  });

  it("slowMs delays responses", async () => {
    sb.control.setFaults("hubspot", { slowMs: 300 });
    const t0 = Date.now();
    expect((await get()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it("puts one malformed record inside list and search pages of the chosen type", async () => {
    sb.control.setFaults("hubspot", { malformedRecordIn: ["companies"] });
    const r = await (await get("/crm/v3/objects/companies?limit=4")).json();
    expect(r.results).toHaveLength(5);
    const bad = r.results.filter((x: { id: string }) => !/^\d+$/.test(x.id));
    expect(bad).toHaveLength(1);
    expect(Number.isNaN(Date.parse(bad[0].createdAt))).toBe(true);
    const s = await (await search()).json();
    expect(s.results.some((x: { id: string }) => x.id === "")).toBe(true);
    const contacts = await (await get("/crm/v3/objects/contacts?limit=4")).json();
    expect(contacts.results.every((x: { id: string }) => /^\d+$/.test(x.id))).toBe(true);
  });

  it("revokes the token after N more requests (401 from then on)", async () => {
    const t = (sb.info.hubspot.tokens as Record<string, string>).companiesOnly;
    sb.control.setFaults("hubspot", { revokeTokenAfter: 2 });
    expect((await get(undefined, t)).status).toBe(200);
    expect((await get(undefined, t)).status).toBe(200);
    const r = await get(undefined, t);
    expect(r.status).toBe(401);
    expect((await r.json()).category).toBe("INVALID_AUTHENTICATION");
    expect((await get(undefined, t)).status).toBe(401);
    expect((await get()).status).toBe(200); // other tokens unaffected
  });
});
