/**
 * The HubSpot connector against a sandbox that behaves as HubSpot documents (issue 12, findings 5-8), over
 * HTTP with the official SDK:
 * - write-back creates complete property definitions (OptionInput.hidden) — the sandbox refuses incomplete ones;
 * - associations v4 follow per-record paging: a company with 1,200 contacts is read whole, and a contact whose
 *   lowest-id company sits on a later page gets that company;
 * - OAuth syncs introspect their token on POST /oauth/v3/token/introspect (never the deprecated v1 GET), the
 *   v1 endpoint is used only when /introspect is missing, and a failing introspection does not fail a sync;
 * - the API version lives in one constant: a sync with the date version lands exactly what a v3 sync lands,
 *   every request on a dated path; a 429's Retry-After is honoured.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HUBSPOT_API_VERSION, versionedPath } from "@/lib/connectors/hubspot/api-version";
import { HubspotClient } from "@/lib/connectors/hubspot/client";
import { completeHubspotOAuth, configureHubspot, startHubspotOAuth } from "@/lib/connectors/hubspot/connect";
import { openClient } from "@/lib/connectors/hubspot/connection";
import { decideRetry } from "@/lib/connectors/hubspot/retry";
import { runHubspotSync, setHubspotClientDefaults } from "@/lib/connectors/hubspot/sync";
import { WRITE_BACK_PROPERTIES, ensureWriteBackSchema } from "@/lib/connectors/hubspot/write-back";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

const CONTACTS = 1_200;
let h: HubspotHarness;
let sdk: Client;
let bigCompany: string;
let tokenConnection: string;

const stat = (k: string) => (h.sb.hubspot.control.stats()[k] ?? 0);

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio: { synthetic: { companies: 8, contacts: CONTACTS + 40, deals: 6, engagements: 6, tickets: 2, customers: 2 } } });
  sdk = new Client({ accessToken: h.token, basePath: h.sb.hubspotUrl });
  const contacts = (await sdk.crm.contacts.getAll(100)).map((c) => c.id).slice(0, CONTACTS);
  bigCompany = (await sdk.crm.companies.basicApi.getPage(1)).results[0].id;
  await h.sb.control.mutate("hubspot", { type: "companies", op: "update", id: bigCompany, associations: { contacts } });
  tokenConnection = (await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token, write_back: true } })).connectionId;
}, 120_000);
afterAll(async () => {
  setHubspotClientDefaults({ pacer: { disabled: true } });
  await h?.close();
});

describe("write-back property definitions (finding 5)", () => {
  it("sends every option with label, value, displayOrder and hidden, and HubSpot stores them as sent", async () => {
    for (const p of WRITE_BACK_PROPERTIES) for (const o of p.options ?? []) expect(typeof o.hidden).toBe("boolean");
    const { client } = await openClient(h.t.db, tokenConnection, { pacer: { disabled: true } });
    expect(await ensureWriteBackSchema(h.t.db, client, tokenConnection)).toBe(true);
    const risk = await sdk.crm.properties.coreApi.getByName("companies", "churnwatch_risk_level");
    expect(risk.options.map((o) => [o.value, o.hidden])).toEqual([["healthy", false], ["at_risk", false], ["critical", false]]);
  });
});

describe("associations v4 paging (finding 6)", () => {
  it("reads all 1,200 contacts of one company across three pages of 500", async () => {
    const client = new HubspotClient({ accessToken: h.token, pacer: { disabled: true } });
    const m = await client.associations("companies", "contacts", [bigCompany]);
    const ids = m.get(bigCompany)!;
    expect(ids.length).toBeGreaterThanOrEqual(CONTACTS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(client.requestsByOp["assoc:companies>contacts"]).toBe(3);
  });

  it("a full sync stores a contact's lowest-id company even when it is on the second association page", async () => {
    // a contact (not one of the big company's) whose companies all have higher ids than the lowest company
    const lowest = (await sdk.crm.companies.basicApi.getPage(1)).results[0].id;
    const all = await sdk.crm.contacts.getAll(100, undefined, undefined, undefined, ["companies"]);
    const contact = all.find((c) => {
      const own = (c.associations?.companies?.results ?? []).map((r) => Number(r.id));
      return own.length > 0 && own.every((id) => id > Number(lowest));
    })!;
    expect(contact).toBeDefined();
    await h.sb.control.mutate("hubspot", { type: "contacts", op: "update", id: contact.id, associations: { companies: [lowest] } });
    h.sb.control.setLimits("hubspot", { associationsPageSize: 1 });
    try {
      const s = await runHubspotSync(h.t.db, { connectionId: tokenConnection, full: true, trigger: "manual" }, h.ctx());
      expect(s.objects.contacts.status).toBe("succeeded");
      const row = await h.t.db.contact.findFirstOrThrow({ where: { connectionId: tokenConnection, externalId: contact.id } });
      expect(row.companyExternalId).toBe(lowest);
    } finally {
      h.sb.control.setLimits("hubspot", { associationsPageSize: 500 });
    }
  }, 120_000);
});

describe("OAuth token introspection (finding 7)", () => {
  let oauthConnection: string;
  beforeAll(async () => {
    const { authorizeUrl, state } = await startHubspotOAuth(h.t.db, { organizationId: h.organizationId });
    const back = new URL((await fetch(authorizeUrl, { redirect: "manual" })).headers.get("location")!);
    oauthConnection = (await completeHubspotOAuth(h.t.db, { code: back.searchParams.get("code")!, state })).connectionId;
  });

  it("connects and syncs with POST /oauth/v3/token/introspect, never the deprecated v1 GET", async () => {
    const v1 = stat("GET oauth.access-token-info");
    const v3 = stat("POST oauth.token.introspect");
    const { client } = await openClient(h.t.db, oauthConnection, { pacer: { disabled: true } });
    expect(client.isOAuth).toBe(true);
    expect(stat("POST oauth.token.introspect")).toBe(v3 + 1);
    expect(stat("GET oauth.access-token-info")).toBe(v1);
  });

  it("refreshes when introspection says the token is no longer active", async () => {
    h.sb.hubspot.auth.expireAllAccess(h.sb.clock.now());
    const before = stat("POST oauth.token");
    const { client } = await openClient(h.t.db, oauthConnection, { pacer: { disabled: true } });
    expect(stat("POST oauth.token")).toBe(before + 1);
    expect((await client.listPage("companies", { properties: ["name"], limit: 1 })).items).toHaveLength(1);
  });

  it("falls back to v1 only when /introspect is missing, and a failing introspection is an error the caller can skip", async () => {
    let introspectStatus = 404;
    const seen: string[] = [];
    const stub: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === "/oauth/v3/token/introspect") {
        res.writeHead(introspectStatus, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "error", message: "stub", correlationId: "x", category: "OBJECT_NOT_FOUND" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: "t", hub_id: 42, hub_domain: "x.hubspot.com", scopes: ["oauth", "crm.objects.companies.read"], expires_in: 900, app_id: 1, user_id: 2, token_type: "access" }));
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
    try {
      const base = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const client = new HubspotClient({ accessToken: "t", basePath: base, pacer: { disabled: true } });
      const info = await client.oauthTokenInfo("t", { clientId: "c", clientSecret: "s" });
      expect(info).toMatchObject({ active: true, hubId: 42, endpoint: "v1-access-tokens", expiresInSec: 900 });
      expect(seen).toEqual(["POST /oauth/v3/token/introspect", "GET /oauth/v1/access-tokens/t"]);
      introspectStatus = 400;
      seen.length = 0;
      await expect(client.oauthTokenInfo("t", { clientId: "c", clientSecret: "s" })).rejects.toMatchObject({ status: 400 });
      expect(seen).toEqual(["POST /oauth/v3/token/introspect"]);
    } finally {
      await new Promise((r) => stub.close(r));
    }
  });
});

describe("API version in one place, rate-limit rules (findings 8 and the 2027 move)", () => {
  it("maps every legacy path the connector uses to its date-versioned path, v3 unchanged", () => {
    expect(HUBSPOT_API_VERSION).toBe("v3");
    expect(versionedPath("/crm/v3/objects/companies?limit=1", "v3")).toBe("/crm/v3/objects/companies?limit=1");
    expect(versionedPath("/crm/v3/objects/companies?limit=1", "2026-03")).toBe("/crm/objects/2026-03/companies?limit=1");
    expect(versionedPath("/crm/v3/objects/contacts/search", "2026-03")).toBe("/crm/objects/2026-03/contacts/search");
    expect(versionedPath("/crm/v4/associations/contacts/companies/batch/read", "2026-03")).toBe("/crm/associations/2026-03/contacts/companies/batch/read");
    expect(versionedPath("/crm/v3/properties/companies/groups", "2026-03")).toBe("/crm/properties/2026-03/companies/groups");
    expect(versionedPath("/crm/v3/owners", "2026-03")).toBe("/crm/owners/2026-03/");
    expect(versionedPath("/account-info/v3/details", "2026-03")).toBe("/account-info/2026-03/details");
    expect(versionedPath("/oauth/v3/token/introspect", "2026-03")).toBe("/oauth/2026-03/token/introspect");
    expect(versionedPath("/oauth/v2/private-apps/get/access-token-info", "2026-03")).toBe("/oauth/v2/private-apps/get/access-token-info");
  });

  it("a sync on the date version (one option) lands exactly what the v3 sync landed, on dated paths only", async () => {
    const counts = async () => Object.fromEntries(await Promise.all(["company", "contact", "deal"].map(async (t) => [t, await h.t.db.sourceRecord.count({ where: { connectionId: tokenConnection, objectType: t } })])));
    await runHubspotSync(h.t.db, { connectionId: tokenConnection, full: true, trigger: "manual" }, h.ctx());
    const v3 = await counts();
    const datedBefore = stat("dated-path");
    setHubspotClientDefaults({ pacer: { disabled: true }, apiVersion: "2026-03" });
    try {
      const s = await runHubspotSync(h.t.db, { connectionId: tokenConnection, full: true, trigger: "manual" }, h.ctx());
      expect(Object.values(s.objects).every((o) => o.status === "succeeded")).toBe(true);
      expect(await counts()).toEqual(v3);
      // every request of this sync went to a dated path
      expect(stat("dated-path") - datedBefore).toBe(s.requestCount);
    } finally {
      setHubspotClientDefaults({ pacer: { disabled: true } });
    }
  }, 120_000);

  it("waits what a 429's Retry-After says instead of a whole window", () => {
    const d = decideRetry({ status: 429, networkCode: null, policy: "TEN_SECONDLY_ROLLING", message: "limit", headers: { "retry-after": "3", "x-hubspot-ratelimit-interval-milliseconds": "10000" }, body: null }, 1, { random: () => 0 });
    expect(d).toMatchObject({ retry: true, kind: "rate_limited", waitMs: 3000 });
  });
});
