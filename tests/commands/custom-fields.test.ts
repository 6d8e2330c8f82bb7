// Custom property mappings (issue 18): saved and synced but never shown. The accounts list returns the mapped
// fields asked for as columns and filters on one (`columns=`, `custom_field=field:value`), per organization.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { listMappedFields } from "@/lib/queries/custom-fields";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";

let app: ApiHarness;
let csm: Session;
let otherOrgId: string;

beforeAll(async () => {
  app = await createApiHarness();
  csm = await app.signIn("csm");
  await app.db.connection.create({ data: { organizationId: app.org.id, provider: "hubspot", externalAccountId: "p1", displayName: "HubSpot", settings: { writeBack: false, propertyMappings: { plan_tier__c: "plan_tier", csm_region: "region" } } } });
  const other = await app.db.organization.create({ data: { name: "Other", slug: `other-${Math.random().toString(36).slice(2, 8)}` } });
  otherOrgId = other.id;
  await app.db.connection.create({ data: { organizationId: other.id, provider: "hubspot", externalAccountId: "p2", displayName: "Other", settings: { propertyMappings: { secret_prop: "secret_field" } } } });
  const rows: [string, Record<string, string | null> | null][] = [["Alpha", { plan_tier: "Enterprise", region: "EMEA" }], ["Beta", { plan_tier: "starter", region: null }], ["Gamma", null]];
  for (const [name, customFields] of rows) {
    await app.db.account.create({ data: { organizationId: app.org.id, name, mrrCents: 100, mrrCurrency: "usd", lifecycleState: "customer", ...(customFields ? { customFields } : {}) } });
  }
  await app.db.account.create({ data: { organizationId: other.id, name: "Alpha Other", mrrCents: 100, lifecycleState: "customer", customFields: { plan_tier: "Enterprise" } } });
});
afterAll(() => app.cleanup());

describe("mapped custom fields in the accounts list", () => {
  it("lists the organization's mapped fields with their HubSpot properties (never another organization's)", async () => {
    expect(await listMappedFields(app.db, app.org.id)).toEqual([
      { field: "plan_tier", hubspotProperties: ["plan_tier__c"] }, { field: "region", hubspotProperties: ["csm_region"] },
    ]);
    expect((await listMappedFields(app.db, otherOrgId)).map((f) => f.field)).toEqual(["secret_field"]);
  });

  it("returns the fields asked for as columns", async () => {
    const r = await app.call(listAccounts, "/api/accounts?columns=plan_tier,region&sort=name", { as: csm });
    expect(r.status).toBe(200);
    expect(r.json.data.map((x: { name: string; custom_fields: unknown }) => [x.name, x.custom_fields])).toEqual([
      ["Alpha", { plan_tier: "Enterprise", region: "EMEA" }], ["Beta", { plan_tier: "starter", region: null }], ["Gamma", { plan_tier: null, region: null }],
    ]);
  });

  it("filters on one field's value, case-insensitively, within the organization", async () => {
    const r = await app.call(listAccounts, "/api/accounts?custom_field=plan_tier:enterprise", { as: csm });
    expect(r.json.data.map((x: { name: string }) => x.name)).toEqual(["Alpha"]);
    const empty = await app.call(listAccounts, "/api/accounts?custom_field=region:&sort=name", { as: csm });
    expect(empty.json.data.map((x: { name: string }) => x.name)).toEqual(["Beta", "Gamma"]);
    const bad = await app.call(listAccounts, `/api/accounts?custom_field=${encodeURIComponent("x' OR 1=1 --:a")}`, { as: csm });
    expect(bad.status).toBe(200);
    expect(bad.json.total).toBe(0);
    const csv = await app.call(listAccounts, "/api/accounts?custom_field=plan_tier:enterprise&format=csv", { as: csm });
    expect(csv.text.trim().split("\n")).toHaveLength(2);
  });
});
