import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { createOrg, recordOf, upsertCompany, upsertCustomer, type Org } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

const COMPANY_CREATED = "2023-03-15T10:00:00.000Z";
const CUSTOMER_CREATED = Date.parse("2022-11-01T00:00:00Z") / 1000; // Stripe `created`, epoch seconds

async function seedMerged(org: Org) {
  await t.db.owner.create({ data: { organizationId: org.organizationId, connectionId: org.hubspotId, externalId: "55", email: "csm@us.example", firstName: "Casey" } });
  await upsertCompany(t.db, org, {
    externalId: "10", name: "Massive Dynamic", domain: "massivedynamic.com",
    properties: {
      industry: "BIOTECHNOLOGY", annualrevenue: "12500000.5", numberofemployees: "420", lifecyclestage: "customer",
      hubspot_owner_id: "55", createdate: COMPANY_CREATED, tier: "Enterprise", region: "EMEA",
    },
  });
  await upsertCustomer(t.db, org, { externalId: "cus_md", name: "MD Billing", email: "ap@massivedynamic.com", created: CUSTOMER_CREATED });
}

describe("account fields come from the sources", () => {
  it("name, domain, firmographics, owner, customerSince (earliest source) and mapped custom properties", async () => {
    const org = await createOrg(t.db, { propertyMappings: { tier: "plan_tier", region: "sales_region", missing_prop: "unused" } });
    await seedMerged(org);

    await resolveIdentities(t.db, { organizationId: org.organizationId });

    const { account } = await recordOf(t.db, org, "company", "10");
    const owner = await t.db.owner.findFirstOrThrow({ where: { connectionId: org.hubspotId, externalId: "55" } });
    expect(account).toMatchObject({
      name: "Massive Dynamic",
      domain: "massivedynamic.com",
      industry: "BIOTECHNOLOGY",
      annualRevenue: 12500000.5,
      employeeCount: 420,
      lifecycleStage: "customer",
      ownerId: owner.id,
      archivedAt: null,
      customFields: { plan_tier: "Enterprise", sales_region: "EMEA", unused: null },
    });
    expect(account!.customerSince?.toISOString()).toBe("2022-11-01T00:00:00.000Z");
  });

  it("refreshes fields when the connector re-upserts changed sources, and archives when every source is archived", async () => {
    const org = await createOrg(t.db);
    await seedMerged(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    await t.db.owner.create({ data: { organizationId: org.organizationId, connectionId: org.hubspotId, externalId: "56" } });

    await upsertCompany(t.db, org, {
      externalId: "10", name: "Massive Dynamic Holdings", domain: "massivedynamic.com",
      properties: { hubspot_owner_id: "56", lifecyclestage: "evangelist", createdate: COMPANY_CREATED },
    });
    const r1 = await resolveIdentities(t.db, { organizationId: org.organizationId });
    const after = (await recordOf(t.db, org, "company", "10")).account!;
    const newOwner = await t.db.owner.findFirstOrThrow({ where: { connectionId: org.hubspotId, externalId: "56" } });
    expect(r1.accountsUpdated).toBe(1);
    expect(after).toMatchObject({ name: "Massive Dynamic Holdings", lifecycleStage: "evangelist", ownerId: newOwner.id, industry: null });

    const archivedAt = new Date("2026-02-01T00:00:00Z");
    await upsertCompany(t.db, org, { externalId: "10", name: "Massive Dynamic Holdings", domain: "massivedynamic.com", archivedAt });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    expect((await recordOf(t.db, org, "company", "10")).account!.archivedAt).toBeNull(); // the Stripe customer is still live

    await upsertCustomer(t.db, org, { externalId: "cus_md", name: "MD Billing", email: "ap@massivedynamic.com", created: CUSTOMER_CREATED, archivedAt: new Date("2026-01-15T00:00:00Z") });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const archived = (await recordOf(t.db, org, "company", "10")).account!;
    expect(archived.archivedAt?.toISOString()).toBe(archivedAt.toISOString());
    // Still matched after archiving: the account keeps both sources.
    expect((await recordOf(t.db, org, "customer", "cus_md")).accountId).toBe(archived.id);
  });
});

describe("child rows get the account of their source record", () => {
  it("contacts, deals, engagements, tickets by company; subscriptions, invoices, charges by customer", async () => {
    const org = await createOrg(t.db);
    await seedMerged(org);
    await upsertCompany(t.db, org, { externalId: "11", name: "Kramerica" });
    const base = { organizationId: org.organizationId };
    const hs = { ...base, connectionId: org.hubspotId };
    const st = { ...base, connectionId: org.stripeId };
    const when = new Date("2026-01-10T00:00:00Z");
    await t.db.contact.createMany({ data: [
      { ...hs, externalId: "c1", companyExternalId: "10" },
      { ...hs, externalId: "c2", companyExternalId: "11" },
      { ...hs, externalId: "c3", companyExternalId: null },
      { ...hs, externalId: "c4", companyExternalId: "999" },
    ] });
    await t.db.deal.create({ data: { ...hs, externalId: "d1", companyExternalId: "10" } });
    await t.db.engagement.create({ data: { ...hs, externalId: "e1", type: "call", companyExternalId: "10", occurredAt: when } });
    await t.db.ticket.create({ data: { ...hs, externalId: "t1", companyExternalId: "11", openedAt: when } });
    await t.db.subscription.create({ data: { ...st, externalId: "sub_1", customerExternalId: "cus_md", status: "active", currency: "usd" } });
    await t.db.invoice.create({ data: { ...st, externalId: "in_1", customerExternalId: "cus_md", status: "paid", currency: "usd", amountDueCents: 100, amountPaidCents: 100, amountRemainingCents: 0, sourceCreatedAt: when } });
    await t.db.charge.create({ data: { ...st, externalId: "ch_1", customerExternalId: "cus_md", status: "succeeded", amountCents: 100, currency: "usd", sourceCreatedAt: when } });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const md = (await recordOf(t.db, org, "company", "10")).accountId;
    const kramerica = (await recordOf(t.db, org, "company", "11")).accountId;
    const contacts = Object.fromEntries((await t.db.contact.findMany({ where: base })).map((c) => [c.externalId, c.accountId]));
    expect(contacts).toEqual({ c1: md, c2: kramerica, c3: null, c4: null });
    expect((await t.db.deal.findFirstOrThrow({ where: base })).accountId).toBe(md);
    expect((await t.db.engagement.findFirstOrThrow({ where: base })).accountId).toBe(md);
    expect((await t.db.ticket.findFirstOrThrow({ where: base })).accountId).toBe(kramerica);
    expect((await t.db.subscription.findFirstOrThrow({ where: base })).accountId).toBe(md);
    expect((await t.db.invoice.findFirstOrThrow({ where: base })).accountId).toBe(md);
    expect((await t.db.charge.findFirstOrThrow({ where: base })).accountId).toBe(md);
    expect(r.childRecordsLinked).toBe(8);

    // A contact synced later is linked by the next (scoped) run; nothing else is touched.
    await t.db.contact.create({ data: { ...hs, externalId: "c5", companyExternalId: "11" } });
    const r2 = await resolveIdentities(t.db, { organizationId: org.organizationId, connectionId: org.hubspotId });
    expect(r2.childRecordsLinked).toBe(1);
    expect((await t.db.contact.findFirstOrThrow({ where: { ...base, externalId: "c5" } })).accountId).toBe(kramerica);
  });
});
