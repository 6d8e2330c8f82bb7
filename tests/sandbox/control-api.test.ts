/**
 * The sandbox control API (`/__sandbox/*` on both ports) and the CLI: info shape and order,
 * clock, record changes seen through the SDK, the 12,000-companies-with-one-timestamp bulk touch
 * against the search cap, stats, Stripe fault delegation, portfolio validation errors, and the
 * CLI starting/stopping and refusing a malformed portfolio.
 */
import { Client } from "@hubspot/api-client";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { makeTinyPortfolio } from "./fixtures/tiny-portfolio";

let sb: Sandbox;
const post = (base: string, route: string, body: unknown) =>
  fetch(`${base}/__sandbox/${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  const p = makeTinyPortfolio();
  const base = Date.parse("2025-03-01T00:00:00Z");
  // 12,100 companies for the bulk-touch test (ids 101..125 from the tiny portfolio + 20001..)
  for (let i = 0; i < 12_100; i++) {
    p.hubspot.companies.push({ id: String(20_001 + i), properties: { name: `Bulk ${i}` }, createdAt: new Date(base).toISOString(), updatedAt: new Date(base + i * 60_000).toISOString() });
  }
  sb = await startSandbox({ portfolio: p, ports: { hubspot: 0, stripe: 0 }, limits: false });
});
afterAll(async () => {
  await sb?.close();
});

describe("info", () => {
  it("is served on both ports, clock first, with the all-scope token first under hubspot", async () => {
    const a = await (await fetch(`${sb.hubspotUrl}/__sandbox/info`)).json();
    const b = await (await fetch(`${sb.stripeUrl}/__sandbox/info`)).json();
    expect(Object.keys(a)).toEqual(["clock", "hubspot", "stripe"]);
    expect(a.hubspot).toEqual(b.hubspot);
    expect(Object.keys(a.hubspot).slice(0, 3)).toEqual(["baseUrl", "port", "privateAppToken"]);
    expect(a.hubspot.baseUrl).toBe(sb.hubspotUrl);
    expect(a.stripe.baseUrl).toBe(sb.stripeUrl);
    expect(a.hubspot.oauth).toMatchObject({ authorizeUrl: `${sb.hubspotUrl}/oauth/authorize`, tokenUrl: `${sb.hubspotUrl}/oauth/v1/token` });
    expect(a.hubspot.limits.enabled).toBe(false);
    expect(a.clock.nowMs).toBeGreaterThanOrEqual(Date.parse("2026-01-15T12:00:00Z"));
  });
});

describe("clock", () => {
  it("advances, sets and changes speed over HTTP; bad bodies answer 400", async () => {
    const before = sb.clock.now();
    const adv = await (await post(sb.stripeUrl, "clock", { advanceMs: 3_600_000 })).json();
    expect(adv.nowMs - before).toBeGreaterThanOrEqual(3_600_000);
    const set = await (await post(sb.hubspotUrl, "clock", { set: "2026-02-01T00:00:00Z" })).json();
    expect(set.now.startsWith("2026-02-01T00:00:0")).toBe(true);
    const fast = await (await post(sb.hubspotUrl, "clock", { speed: 0 })).json();
    expect(fast.speed).toBe(0);
    expect((await post(sb.hubspotUrl, "clock", { advanceMs: "soon" })).status).toBe(400);
    expect((await post(sb.hubspotUrl, "clock", { bogus: 1 })).status).toBe(400);
    await post(sb.hubspotUrl, "clock", { speed: 1 });
  });
});

describe("records", () => {
  it("creates, updates and deletes HubSpot records; the SDK sees them with bumped modified dates", async () => {
    const hs = new Client({ accessToken: sb.info.hubspot.privateAppToken, basePath: sb.hubspotUrl });
    const created = await (await post(sb.hubspotUrl, "records", { vendor: "hubspot", type: "companies", op: "create", properties: { name: "Ctl Co", domain: "ctl.example.com" }, associations: { contacts: ["1010"] } })).json();
    expect(created.id).toMatch(/^\d+$/);
    sb.control.clock.advance(60_000);
    const upd = await post(sb.hubspotUrl, "records", { vendor: "hubspot", type: "companies", op: "update", id: created.id, properties: { name: "Ctl Co 2" } });
    expect(upd.status).toBe(200);
    const got = await hs.crm.companies.basicApi.getById(created.id, ["name"], undefined, ["contacts"]);
    expect(got.properties.name).toBe("Ctl Co 2");
    expect(Date.parse(got.properties.hs_lastmodifieddate!)).toBeGreaterThan(Date.parse(got.properties.createdate!));
    expect(got.associations?.contacts?.results.map((r) => r.id)).toEqual(["1010"]);
    const bad = await post(sb.hubspotUrl, "records", { vendor: "hubspot", type: "companies", op: "update", id: "99999999", properties: { name: "x" } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain("99999999");
    const badProp = await post(sb.hubspotUrl, "records", { vendor: "hubspot", type: "companies", op: "update", id: created.id, properties: { nope: "x" } });
    expect(badProp.status).toBe(400);
    const del = await post(sb.hubspotUrl, "records", { vendor: "hubspot", type: "companies", op: "delete", id: created.id });
    expect(del.status).toBe(200);
    await expect(hs.crm.companies.basicApi.getById(created.id)).rejects.toMatchObject({ code: 404 });
  });
});

describe("bulk touch", () => {
  it("gives 12,000 companies the same hs_lastmodifieddate: search reports 12,000 and still caps paging at 10,000", async () => {
    const r = await (await post(sb.hubspotUrl, "hubspot/bulk-touch", { type: "companies", count: 12_000, sameTimestamp: true })).json();
    expect(r.touched).toBe(12_000);
    const hs = new Client({ accessToken: sb.info.hubspot.privateAppToken, basePath: sb.hubspotUrl });
    const q = (after: string) => hs.crm.companies.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: "hs_lastmodifieddate", operator: "EQ" as never, value: String(r.timestamp) }] }],
      sorts: ["hs_lastmodifieddate"], properties: ["name"], limit: 200, after,
    });
    const first = await q("0");
    expect(first.total).toBe(12_000);
    expect(new Set(first.results.map((x) => x.properties.hs_lastmodifieddate)).size).toBe(1);
    // ties are ordered by id, so a connector can tie-break on hs_object_id
    const ids = first.results.map((x) => Number(x.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await expect(q("10000")).rejects.toMatchObject({ code: 400 });
    expect((await post(sb.hubspotUrl, "hubspot/bulk-touch", { type: "spaceships", count: 1 })).status).toBe(400);
  });
});

describe("stats and Stripe delegation", () => {
  it("counts requests per endpoint and forwards faults to the Stripe sandbox", async () => {
    await fetch(`${sb.hubspotUrl}/crm/v3/objects/companies?limit=1`, { headers: { authorization: `Bearer ${sb.info.hubspot.privateAppToken}` } });
    const stats = await (await fetch(`${sb.stripeUrl}/__sandbox/stats`)).json();
    expect(stats.hubspot["GET objects.list"]).toBeGreaterThanOrEqual(1);
    expect(stats).toHaveProperty("stripe");
    const key = Object.values(sb.info.stripe).find((v) => typeof v === "string" && v.startsWith("sk_test_")) as string;
    expect((await post(sb.stripeUrl, "faults", { vendor: "stripe", errorRate5xx: 1 })).status).toBe(200);
    const r = await fetch(`${sb.stripeUrl}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBeGreaterThanOrEqual(500);
    await post(sb.stripeUrl, "faults", { vendor: "stripe", errorRate5xx: 0 });
    expect((await fetch(`${sb.stripeUrl}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await post(sb.stripeUrl, "faults", { vendor: "stripe", errorRate5xx: 3 })).status).toBe(400);
    expect((await post(sb.stripeUrl, "faults", { vendor: "zendesk" })).status).toBe(400);
  });
});

describe("portfolio validation", () => {
  it("startSandbox refuses a malformed portfolio naming the first bad record and field", async () => {
    const p = makeTinyPortfolio();
    (p.hubspot.companies[3].properties as Record<string, unknown>).name = 42;
    await expect(startSandbox({ portfolio: p, ports: { hubspot: 0, stripe: 0 } })).rejects.toThrow(/hubspot\.companies\[3\].*properties\.name/);
    const q = makeTinyPortfolio();
    q.hubspot.contacts[5].id = "abc";
    await expect(startSandbox({ portfolio: q, ports: { hubspot: 0, stripe: 0 } })).rejects.toThrow(/hubspot\.contacts\[5\].*\bid\b/);
  });
});

function runCli(args: string[], onStdout?: (text: string, kill: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.resolve("node_modules/.bin/tsx"), ["sandbox/cli.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); onStdout?.(stdout, () => child.kill("SIGTERM")); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("CLI", () => {
  it("refuses a malformed portfolio file with exit 1, naming the record and field", async () => {
    const r = await runCli(["--portfolio", "tests/sandbox/fixtures/bad-portfolio.json", "--hubspot-port", "0", "--stripe-port", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hubspot\.companies\[1\]/);
    expect(r.stderr).toMatch(/createdAt/);
  });

  it("refuses bad flags with exit 1", async () => {
    const r = await runCli(["--hubspot-limit", "120"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--hubspot-limit");
  });

  it("starts on a portfolio file, prints the info JSON, serves it, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cw-sandbox-"));
    const file = path.join(dir, "p.json");
    writeFileSync(file, JSON.stringify(makeTinyPortfolio()));
    let served: { hubspot: { portalId: number } } | null = null;
    let done = false;
    const r = await runCli(["--portfolio", file, "--hubspot-port", "0", "--stripe-port", "0", "--no-limits"], (text, kill) => {
      if (done) return;
      try {
        const info = JSON.parse(text) as { hubspot: { baseUrl: string } };
        done = true;
        fetch(`${info.hubspot.baseUrl}/__sandbox/info`).then((x) => x.json()).then((j) => { served = j; kill(); }, () => kill());
      } catch {
        // not the whole JSON yet
      }
    });
    expect(r.code).toBe(0);
    expect(served).not.toBeNull();
    expect(served!.hubspot.portalId).toBe(4242);
    expect(r.stderr).toContain("SIGTERM");
  });
});
