/**
 * Contract tests: the official @hubspot/api-client 14.0.1 against the HubSpot sandbox (rate
 * limits off). Paging, properties, batch read/update, search operators and the 10,000 cap,
 * associations v4, owners, property create 409, account/token introspection, error bodies.
 */
import { Client } from "@hubspot/api-client";
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/companies";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "@/sandbox";
import { makeTinyPortfolio } from "./fixtures/tiny-portfolio";

let sb: Sandbox;
let hs: Client;
let token: string;

/** Raw fetch against the HubSpot port with the all-scope token (or `auth`). */
async function raw(path: string, init: RequestInit & { auth?: string | null } = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.auth !== null) headers.set("authorization", `Bearer ${init.auth ?? token}`);
  if (init.body) headers.set("content-type", "application/json");
  const r = await fetch(sb.hubspotUrl + path, { ...init, headers });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
}

/** Runs `fn` and returns the SDK's ApiException (fails if it resolves). */
async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await fn();
  } catch (e) {
    return e as { code: number; body: Record<string, unknown> };
  }
  throw new Error("expected the SDK call to fail");
}

beforeAll(async () => {
  sb = await startSandbox({ portfolio: makeTinyPortfolio(), ports: { hubspot: 0, stripe: 0 }, limits: false });
  token = sb.info.hubspot.privateAppToken;
  hs = new Client({ accessToken: token, basePath: sb.hubspotUrl });
});
afterAll(async () => {
  await sb?.close();
});

describe("list objects", () => {
  it("pages companies 10 at a time by default with paging.next.after until the end", async () => {
    const p1 = await hs.crm.companies.basicApi.getPage();
    expect(p1.results).toHaveLength(10);
    expect(p1.paging?.next?.after).toBe("111");
    expect(p1.paging?.next?.link).toContain("after=111");
    const all = await hs.crm.companies.getAll(7);
    expect(all.map((c) => c.id)).toEqual(Array.from({ length: 25 }, (_, i) => String(101 + i)));
  });

  it("returns requested properties as strings (null when unset) plus hs_object_id/createdate/hs_lastmodifieddate", async () => {
    const p = await hs.crm.companies.basicApi.getPage(2, undefined, ["name", "numberofemployees", "churnwatch_health", "no_such_prop"]);
    expect(p.results[0].properties).toEqual({
      name: "Company 00", numberofemployees: "10", churnwatch_health: null, hs_object_id: "101",
      createdate: "2025-01-01T00:00:00.000Z", hs_lastmodifieddate: "2025-04-11T00:00:00.000Z",
    });
    expect(p.results[0].createdAt).toBeInstanceOf(Date);
    // contacts use lastmodifieddate
    const c = await hs.crm.contacts.basicApi.getPage(1);
    expect(Object.keys(c.results[0].properties)).toContain("lastmodifieddate");
    expect(c.results[0].properties.email).toBe("person0@company0.example.com");
  });

  it("accepts comma-separated properties and returns associations when asked", async () => {
    const r = await raw("/crm/v3/objects/companies?limit=1&properties=name,domain&associations=contacts");
    expect(r.status).toBe(200);
    const first = (r.body.results as Record<string, unknown>[])[0];
    expect(Object.keys(first.properties as object)).toEqual(expect.arrayContaining(["name", "domain"]));
    expect(first.associations).toEqual({ contacts: { results: [{ id: "1001", type: "company_to_contact" }, { id: "1002", type: "company_to_contact" }] } });
  });

  it("refuses limit above 100, a bad after and unknown parameters with a 400 naming the parameter", async () => {
    const e = await apiError(() => hs.crm.companies.basicApi.getPage(101));
    expect(e.code).toBe(400);
    expect(String(e.body.message)).toContain("limit");
    const bad = await raw("/crm/v3/objects/companies?after=abc");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
    expect(String(bad.body.message)).toContain("after");
    const unknown = await raw("/crm/v3/objects/companies?colour=blue");
    expect(unknown.status).toBe(400);
    expect(String(unknown.body.message)).toContain("colour");
    expect(bad.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("lists deals, tickets, calls and reads one object by id (404 for an unknown id)", async () => {
    expect((await hs.crm.deals.getAll()).length).toBe(4);
    expect((await hs.crm.tickets.getAll()).length).toBe(2);
    expect((await hs.crm.objects.calls.basicApi.getPage()).results).toHaveLength(0);
    expect((await hs.crm.objects.notes.basicApi.getPage()).results).toHaveLength(0);
    const one = await hs.crm.companies.basicApi.getById("105", ["name"]);
    expect(one.properties.name).toBe("Company 04");
    const e = await apiError(() => hs.crm.companies.basicApi.getById("999999"));
    expect(e.code).toBe(404);
    expect(e.body.category).toBe("OBJECT_NOT_FOUND");
  });
});

describe("batch read", () => {
  it("answers 200 for known ids and 207 with errors for unknown ones", async () => {
    const ok = await hs.crm.companies.batchApi.read({ inputs: [{ id: "101" }, { id: "102" }], properties: ["name"], propertiesWithHistory: [] });
    expect(ok.results.map((r) => r.properties.name).sort()).toEqual(["Company 00", "Company 01"]);
    const r = await raw("/crm/v3/objects/companies/batch/read", { method: "POST", body: JSON.stringify({ inputs: [{ id: "101" }, { id: "424242" }], properties: ["name"] }) });
    expect(r.status).toBe(207);
    expect(r.body.numErrors).toBe(1);
    expect((r.body.errors as { context: { ids: string[] } }[])[0].context.ids).toEqual(["424242"]);
  });

  it("refuses more than 100 inputs and malformed JSON with 400", async () => {
    const many = await raw("/crm/v3/objects/companies/batch/read", { method: "POST", body: JSON.stringify({ inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i + 1) })), properties: [] }) });
    expect(many.status).toBe(400);
    expect(String(many.body.message)).toContain("inputs");
    const broken = await raw("/crm/v3/objects/companies/batch/read", { method: "POST", body: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.status).toBe("error");
  });
});

describe("search", () => {
  const search = (filters: { propertyName: string; operator: FilterOperatorEnum; value?: string; highValue?: string; values?: string[] }[], extra: Record<string, unknown> = {}) =>
    hs.crm.companies.searchApi.doSearch({ filterGroups: [{ filters }], properties: ["name", "numberofemployees"], limit: 100, after: "0", sorts: [], ...extra });
  const ids = (r: { results: { id: string }[] }) => r.results.map((x) => x.id);

  it("supports every operator on strings, numbers and epoch-ms dates", async () => {
    expect(ids(await search([{ propertyName: "name", operator: FilterOperatorEnum.Eq, value: "company 03" }]))).toEqual(["104"]);
    expect((await search([{ propertyName: "industry", operator: FilterOperatorEnum.Neq, value: "SaaS" }])).total).toBe(20);
    expect(ids(await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Gt, value: "230" }]))).toEqual(["124", "125"]);
    expect(ids(await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Gte, value: "240" }]))).toEqual(["124", "125"]);
    expect(ids(await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Lt, value: "20" }]))).toEqual(["101"]);
    expect(ids(await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Lte, value: "20" }]))).toEqual(["101", "102"]);
    expect(ids(await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Between, value: "30", highValue: "50" }]))).toEqual(["103", "104", "105"]);
    expect(ids(await search([{ propertyName: "industry", operator: FilterOperatorEnum.In, values: ["edtech", "retail"] }])).length).toBe(10);
    expect((await search([{ propertyName: "domain", operator: FilterOperatorEnum.HasProperty }])).total).toBe(24);
    expect(ids(await search([{ propertyName: "domain", operator: FilterOperatorEnum.NotHasProperty }]))).toEqual(["125"]);
    // dates: epoch ms strings against hs_lastmodifieddate (company i updated 2025-01-01 + 100+i days)
    const cutoff = String(Date.parse("2025-05-01T00:00:00Z"));
    const after = await search([{ propertyName: "hs_lastmodifieddate", operator: FilterOperatorEnum.Gte, value: cutoff }]);
    expect(ids(after)).toEqual(["121", "122", "123", "124", "125"]);
    const createdBetween = await search([{ propertyName: "createdate", operator: FilterOperatorEnum.Between, value: String(Date.parse("2025-01-02T00:00:00Z")), highValue: String(Date.parse("2025-01-03T00:00:00Z")) }]);
    expect(ids(createdBetween)).toEqual(["102", "103"]);
  });

  it("ORs filter groups, sorts descending and pages with after/total", async () => {
    const r = await hs.crm.companies.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Lte, value: "20" }] },
        { filters: [{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Gte, value: "240" }] },
      ],
      sorts: [JSON.stringify({ propertyName: "numberofemployees", direction: "DESCENDING" }) as string].map((s) => JSON.parse(s)),
      properties: ["numberofemployees"], limit: 3, after: "0",
    });
    expect(r.total).toBe(4);
    expect(ids(r)).toEqual(["125", "124", "102"]);
    expect(r.paging?.next?.after).toBe("3");
    const p2 = await search([{ propertyName: "numberofemployees", operator: FilterOperatorEnum.Lte, value: "20" }], { limit: 1, after: "1", sorts: ["hs_object_id"] });
    expect(ids(p2)).toEqual(["102"]);
    expect(p2.paging).toBeUndefined();
  });

  it("rejects unknown properties, missing values, limit > 200 and bad operators with 400", async () => {
    let e = await apiError(() => search([{ propertyName: "nope", operator: FilterOperatorEnum.Eq, value: "x" }]));
    expect(e.code).toBe(400);
    expect(String(e.body.message)).toContain("nope");
    e = await apiError(() => search([{ propertyName: "name", operator: FilterOperatorEnum.Eq }]));
    expect(String(e.body.message)).toContain("value");
    e = await apiError(() => search([], { limit: 201 }));
    expect(String(e.body.message)).toContain("limit");
    const r = await raw("/crm/v3/objects/companies/search", { method: "POST", body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: "name", operator: "LIKE", value: "x" }] }] }) });
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toContain("operator");
  });
});

describe("the 10,000-result search cap", () => {
  let big: Sandbox;
  beforeAll(async () => {
    const p = makeTinyPortfolio();
    const base = Date.parse("2025-06-01T00:00:00Z");
    p.hubspot.companies = Array.from({ length: 10_050 }, (_, i) => ({
      id: String(i + 1), properties: { name: `Bulk ${i}` }, createdAt: new Date(base).toISOString(), updatedAt: new Date(base + i * 1000).toISOString(),
    }));
    big = await startSandbox({ portfolio: p, ports: { hubspot: 0, stripe: 0 }, limits: false });
  });
  afterAll(async () => {
    await big?.close();
  });

  it("reports the full total but answers 400 once after + limit passes 10,000", async () => {
    const c = new Client({ accessToken: big.info.hubspot.privateAppToken, basePath: big.hubspotUrl });
    const req = (after: string, limit: number) => c.crm.companies.searchApi.doSearch({ filterGroups: [], sorts: ["hs_lastmodifieddate"], properties: ["name"], limit, after });
    const last = await req("9800", 200);
    expect(last.total).toBe(10_050);
    expect(last.results).toHaveLength(200);
    expect(last.results[199].id).toBe("10000");
    expect(last.paging?.next?.after).toBe("10000");
    const e = await apiError(() => req("10000", 100));
    expect(e.code).toBe(400);
    expect(String(e.body.message)).toMatch(/10000/);
    const e2 = await apiError(() => req("9950", 100));
    expect(e2.code).toBe(400);
  });
});

describe("associations v4, owners, properties", () => {
  it("batch-reads company→contact associations; ids without any come back as 207 errors", async () => {
    const ok = await hs.crm.associations.v4.batchApi.getPage("companies", "contacts", { inputs: [{ id: "101" }, { id: "102" }] });
    const byFrom = Object.fromEntries(ok.results.map((r) => [r._from.id, r.to.map((t) => t.toObjectId)]));
    expect(byFrom).toEqual({ "101": ["1001", "1002"].map(Number), "102": ["1003", "1004"].map(Number) });
    expect(ok.results[0].to[0].associationTypes[0]).toMatchObject({ category: "HUBSPOT_DEFINED", typeId: 280 });
    const mixed = await raw("/crm/v4/associations/companies/contacts/batch/read", { method: "POST", body: JSON.stringify({ inputs: [{ id: "101" }, { id: "120" }] }) });
    expect(mixed.status).toBe(207);
    expect(mixed.body.numErrors).toBe(1);
    // reverse direction exists too
    const rev = await hs.crm.associations.v4.batchApi.getPage("deals", "companies", { inputs: [{ id: "5002" }] });
    expect(rev.results[0].to[0].toObjectId).toBe(102);
  });

  it("lists owners with and without the trailing slash, by email", async () => {
    const all = await hs.crm.owners.ownersApi.getPage();
    expect(all.results.map((o) => o.email)).toEqual(["alice@tiny.example.com", "bob@tiny.example.com"]);
    const bob = await hs.crm.owners.ownersApi.getPage("bob@tiny.example.com");
    expect(bob.results.map((o) => o.id)).toEqual(["302"]);
    const slash = await raw("/crm/v3/owners/?limit=1");
    expect(slash.status).toBe(200);
    expect((slash.body.paging as { next: { after: string } }).next.after).toBe("1");
  });

  it("lists company properties and creates a group and a property (409 the second time)", async () => {
    const props = await hs.crm.properties.coreApi.getAll("companies");
    const names = props.results.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["name", "domain", "hs_lastmodifieddate", "churnwatch_health", "numberofemployees"]));
    expect(props.results.find((p) => p.name === "numberofemployees")?.type).toBe("number");
    await hs.crm.properties.groupsApi.create("companies", { name: "churnwatch", label: "Churnwatch" });
    const dupGroup = await apiError(() => hs.crm.properties.groupsApi.create("companies", { name: "churnwatch", label: "Churnwatch" }));
    expect(dupGroup.code).toBe(409);
    const body = { name: "churnwatch_score", label: "Churn score", type: "number", fieldType: "number", groupName: "churnwatch" } as const;
    const created = await hs.crm.properties.coreApi.create("companies", body as never);
    expect(created.name).toBe("churnwatch_score");
    const dup = await apiError(() => hs.crm.properties.coreApi.create("companies", body as never));
    expect(dup.code).toBe(409);
    expect(String(dup.body.message)).toContain("churnwatch_score");
    const noGroup = await apiError(() => hs.crm.properties.coreApi.create("companies", { ...body, name: "x_y", groupName: "missing" } as never));
    expect(noGroup.code).toBe(400);
  });
});

describe("batch update", () => {
  it("writes companies (200), bumps hs_lastmodifieddate to sandbox now, and answers 207 for unknown ids", async () => {
    const before = Date.now();
    const r = await hs.crm.companies.batchApi.update({ inputs: [{ id: "103", properties: { churnwatch_health: "at_risk" } }] });
    expect(r.status).toBe("COMPLETE");
    const got = await hs.crm.companies.basicApi.getById("103", ["churnwatch_health"]);
    expect(got.properties.churnwatch_health).toBe("at_risk");
    const mod = Date.parse(got.properties.hs_lastmodifieddate!);
    expect(Math.abs(mod - sb.clock.now())).toBeLessThan(5000); // sandbox clock, not the wall clock
    expect(Math.abs(mod - before)).toBeGreaterThan(86_400_000);
    const partial = await raw("/crm/v3/objects/companies/batch/update", { method: "POST", body: JSON.stringify({ inputs: [{ id: "104", properties: { churnwatch_health: "ok" } }, { id: "999999", properties: { churnwatch_health: "ok" } }] }) });
    expect(partial.status).toBe(207);
    expect(partial.body.numErrors).toBe(1);
    expect((partial.body.results as unknown[]).length).toBe(1);
  });

  it("rejects unknown and read-only properties with 400, and needs the write scope (403)", async () => {
    const unknown = await apiError(() => hs.crm.companies.batchApi.update({ inputs: [{ id: "103", properties: { not_a_property: "1" } }] }));
    expect(unknown.code).toBe(400);
    expect(String(unknown.body.message)).toContain("not_a_property");
    const ro = await apiError(() => hs.crm.companies.batchApi.update({ inputs: [{ id: "103", properties: { hs_lastmodifieddate: "1" } }] }));
    expect(ro.code).toBe(400);
    const reader = new Client({ accessToken: String(sb.info.hubspot.tokens && (sb.info.hubspot.tokens as Record<string, string>).readOnlyNoWrite), basePath: sb.hubspotUrl });
    const forbidden = await apiError(() => reader.crm.companies.batchApi.update({ inputs: [{ id: "103", properties: { churnwatch_health: "x" } }] }));
    expect(forbidden.code).toBe(403);
    expect(String(forbidden.body.message)).toContain("crm.objects.companies.write");
  });
});

describe("auth errors and introspection", () => {
  it("answers 401 with HubSpot's JSON body for a missing or wrong token", async () => {
    const none = await raw("/crm/v3/objects/companies", { auth: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
    expect(typeof none.body.correlationId).toBe("string");
    const bad = new Client({ accessToken: "pat-na1-wrong", basePath: sb.hubspotUrl });
    const e = await apiError(() => bad.crm.companies.basicApi.getPage());
    expect(e.code).toBe(401);
  });

  it("answers 403 naming the missing scope", async () => {
    const t = (sb.info.hubspot.tokens as Record<string, string>).missingDealsScope;
    const c = new Client({ accessToken: t, basePath: sb.hubspotUrl });
    expect((await c.crm.companies.basicApi.getPage(1)).results).toHaveLength(1);
    const e = await apiError(() => c.crm.deals.basicApi.getPage());
    expect(e.code).toBe(403);
    expect(e.body.category).toBe("MISSING_SCOPES");
    expect(String(e.body.message)).toContain("crm.objects.deals.read");
  });

  it("serves account details and private-app token info for Test & Save", async () => {
    const details = await hs.apiRequest({ method: "GET", path: "/account-info/v3/details" });
    expect(await details.json()).toMatchObject({ portalId: 4242, accountType: "STANDARD" });
    const info = await raw("/oauth/v2/private-apps/get/access-token-info", { method: "POST", auth: null, body: JSON.stringify({ tokenKey: token }) });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ hubId: 4242 });
    expect(info.body.scopes).toEqual(expect.arrayContaining(["crm.objects.companies.read", "crm.objects.owners.read"]));
    const unknown = await raw("/oauth/v2/private-apps/get/access-token-info", { method: "POST", auth: null, body: JSON.stringify({ tokenKey: "pat-na1-nope" }) });
    expect(unknown.status).toBe(401);
  });

  it("answers 404 JSON for an unknown route", async () => {
    const r = await raw("/crm/v3/nothing/here");
    expect(r.status).toBe(404);
    expect(r.body.status).toBe("error");
  });
});
