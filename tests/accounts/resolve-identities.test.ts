import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { addConnection, createOrg, linkSnapshot, recordOf, upsertCompany, upsertCustomer } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

describe("resolveIdentities: merge rules", () => {
  it("merges a Stripe customer into the HubSpot company named by metadata.hubspot_company_id (confidence 1.0)", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "101", name: "Globex", domain: "globex.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_1", name: "Accounts Payable", email: "ap@gmail.com", metadata: { hubspot_company_id: "101" } });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const company = await recordOf(t.db, org, "company", "101");
    const customer = await recordOf(t.db, org, "customer", "cus_1");
    expect(customer.accountId).toBe(company.accountId);
    expect(customer.matchRule).toBe("explicit_metadata");
    expect(customer.matchConfidence).toBe(1);
    expect(r.created).toBe(1);
    expect(r.linked.explicit_metadata).toBe(1);
    expect(company.account?.name).toBe("Globex");
  });

  it("merges by e-mail domain = company domain after normalisation (confidence 0.9)", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "201", name: "Initech", domain: "https://WWW.Initech.com/about" });
    await upsertCustomer(t.db, org, { externalId: "cus_2", name: "Initech billing", email: "Bill.Lumbergh@initech.COM" });

    await resolveIdentities(t.db, { organizationId: org.organizationId });

    const company = await recordOf(t.db, org, "company", "201");
    const customer = await recordOf(t.db, org, "customer", "cus_2");
    expect(customer.accountId).toBe(company.accountId);
    expect(customer.matchRule).toBe("email_domain");
    expect(customer.matchConfidence).toBe(0.9);
    expect(company.account?.domain).toBe("initech.com");
  });

  it("never matches a free-mail domain, even when a company carries it", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "301", name: "Solo Consulting", domain: "gmail.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_3", name: "Pat Smith", email: "pat@gmail.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_4", name: "Lee Jones", email: "lee@yahoo.co.uk" });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const company = await recordOf(t.db, org, "company", "301");
    const customer = await recordOf(t.db, org, "customer", "cus_3");
    expect(customer.accountId).not.toBe(company.accountId);
    expect(customer.matchRule).toBe("new_account");
    expect(r.created).toBe(3);
    expect(r.pendingReview).toBe(0);
  });

  it("two companies sharing the customer's domain → both proposed for review, nothing merged", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "401", name: "Umbrella Corp", domain: "umbrella.com" });
    await upsertCompany(t.db, org, { externalId: "402", name: "Umbrella Pharma", domain: "www.umbrella.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_5", name: "Umbrella", email: "ops@umbrella.com" });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const a = await recordOf(t.db, org, "company", "401");
    const b = await recordOf(t.db, org, "company", "402");
    const customer = await recordOf(t.db, org, "customer", "cus_5");
    expect(new Set([a.accountId, b.accountId, customer.accountId]).size).toBe(3);
    expect(r.created).toBe(3);
    expect(r.pendingReview).toBe(2);
    const candidates = await t.db.matchCandidate.findMany({ where: { organizationId: org.organizationId } });
    expect(candidates.map((c) => c.accountId).sort()).toEqual([a.accountId, b.accountId].sort());
    expect(candidates.every((c) => c.rule === "email_domain" && c.status === "pending" && c.sourceRecordId === customer.id)).toBe(true);
    expect(candidates[0].reason).toContain("umbrella.com");
  });

  it("an exact normalized name match only is queued for review (0.6), not merged", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "501", name: "Hooli, Inc.", domain: "hooli.xyz" });
    await upsertCustomer(t.db, org, { externalId: "cus_6", name: "HOOLI LLC", email: "gavin@gmail.com" });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const company = await recordOf(t.db, org, "company", "501");
    const customer = await recordOf(t.db, org, "customer", "cus_6");
    expect(customer.accountId).not.toBe(company.accountId);
    expect(r.pendingReview).toBe(1);
    const [c] = await t.db.matchCandidate.findMany({ where: { organizationId: org.organizationId } });
    expect(c).toMatchObject({ rule: "normalized_name", confidence: 0.6, status: "pending", accountId: company.accountId, sourceRecordId: customer.id });
  });

  it("a name match contradicted by a company e-mail on another domain is not proposed", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "601", name: "Acme", domain: "acme.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_7", name: "Acme", email: "wile@acme-rockets.io" });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });
    expect(r.pendingReview).toBe(0);
    expect(r.created).toBe(2);
  });

  it("records only in one system get an account each (HubSpot-only and Stripe-only)", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "701", name: "Vandelay Industries" });
    await upsertCustomer(t.db, org, { externalId: "cus_8", name: null, email: "art@vandelay-imports.net" });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    expect(r).toMatchObject({ created: 2, linked: { new_account: 2 } });
    const customer = await recordOf(t.db, org, "customer", "cus_8");
    expect(customer.account).toMatchObject({ name: "art@vandelay-imports.net", domain: "vandelay-imports.net" });
    expect(await t.db.account.count({ where: { organizationId: org.organizationId } })).toBe(2);
  });

  it("resolves customers of several Stripe accounts and companies of several portals within the organization", async () => {
    const org = await createOrg(t.db);
    const stripe2 = await addConnection(t.db, org, "stripe");
    const hubspot2 = await addConnection(t.db, org, "hubspot");
    await upsertCompany(t.db, org, { externalId: "801", name: "Stark Industries", domain: "stark.com" });
    await upsertCompany(t.db, org, { externalId: "9", name: "Wayne Enterprises", domain: "wayne.com", connectionId: hubspot2 });
    await upsertCustomer(t.db, org, { externalId: "cus_a", email: "tony@stark.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_a", email: "pepper@stark.com", connectionId: stripe2 });
    await upsertCustomer(t.db, org, { externalId: "cus_b", email: "bruce@wayne.com", connectionId: stripe2 });

    await resolveIdentities(t.db, { organizationId: org.organizationId });

    const stark = await recordOf(t.db, org, "company", "801");
    const wayne = await recordOf(t.db, org, "company", "9", hubspot2);
    expect((await recordOf(t.db, org, "customer", "cus_a")).accountId).toBe(stark.accountId);
    expect((await recordOf(t.db, org, "customer", "cus_a", stripe2)).accountId).toBe(stark.accountId);
    expect((await recordOf(t.db, org, "customer", "cus_b", stripe2)).accountId).toBe(wayne.accountId);
  });

  it("a hubspot_company_id that exists in two portals is ambiguous → review, no merge", async () => {
    const org = await createOrg(t.db);
    const hubspot2 = await addConnection(t.db, org, "hubspot");
    await upsertCompany(t.db, org, { externalId: "42", name: "Tyrell", domain: "tyrell.com" });
    await upsertCompany(t.db, org, { externalId: "42", name: "Tyrell EU", domain: "tyrell.eu", connectionId: hubspot2 });
    await upsertCustomer(t.db, org, { externalId: "cus_t", email: "roy@gmail.com", metadata: { hubspot_company_id: "42" } });

    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    expect(r).toMatchObject({ created: 3, pendingReview: 2 });
    expect((await recordOf(t.db, org, "customer", "cus_t")).matchRule).toBe("new_account");
    const candidates = await t.db.matchCandidate.findMany({ where: { organizationId: org.organizationId } });
    expect(candidates.every((c) => c.rule === "explicit_metadata" && c.status === "pending")).toBe(true);
  });

  it("a merge whose evidence disappears (company changes domain) is undone on the next run", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "55", name: "Oscorp", domain: "oscorp.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_o", name: "Norman", email: "norman@oscorp.com" });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const companyAccount = (await recordOf(t.db, org, "company", "55")).accountId;
    expect((await recordOf(t.db, org, "customer", "cus_o")).accountId).toBe(companyAccount);

    await upsertCompany(t.db, org, { externalId: "55", name: "Oscorp", domain: "oscorp-industries.com" });
    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const customer = await recordOf(t.db, org, "customer", "cus_o");
    expect(customer.accountId).not.toBe(companyAccount);
    expect(customer.matchRule).toBe("new_account");
    expect(customer.account?.name).toBe("Norman");
    expect(r.created).toBe(1);
  });

  it("does not reach into another organization", async () => {
    const orgA = await createOrg(t.db);
    const orgB = await createOrg(t.db);
    await upsertCompany(t.db, orgA, { externalId: "901", name: "Cyberdyne", domain: "cyberdyne.com" });
    await upsertCustomer(t.db, orgB, { externalId: "cus_c", email: "miles@cyberdyne.com", metadata: { hubspot_company_id: "901" } });
    await resolveIdentities(t.db, { organizationId: orgA.organizationId });
    await resolveIdentities(t.db, { organizationId: orgB.organizationId });
    const customer = await recordOf(t.db, orgB, "customer", "cus_c");
    expect(customer.matchRule).toBe("new_account");
    expect(customer.account?.organizationId).toBe(orgB.organizationId);
  });
});

describe("resolveIdentities: convergence and idempotency", () => {
  it("running twice changes nothing and creates no duplicate accounts", async () => {
    const org = await createOrg(t.db);
    await upsertCompany(t.db, org, { externalId: "1", name: "Globex", domain: "globex.com" });
    await upsertCompany(t.db, org, { externalId: "2", name: "Umbrella", domain: "umbrella.com" });
    await upsertCompany(t.db, org, { externalId: "3", name: "Umbrella 2", domain: "umbrella.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_1", email: "x@globex.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_2", email: "x@umbrella.com" });
    await upsertCustomer(t.db, org, { externalId: "cus_3", name: "Globex Inc.", email: "y@gmail.com" });
    const first = await resolveIdentities(t.db, { organizationId: org.organizationId });
    const before = await linkSnapshot(t.db, org);

    const second = await resolveIdentities(t.db, { organizationId: org.organizationId });

    expect(first.created).toBe(5);
    expect(second).toMatchObject({
      created: 0, childRecordsLinked: 0, mergedAway: 0, accountsUpdated: 0, pendingReview: first.pendingReview,
      linked: { explicit_metadata: 0, manual: 0, email_domain: 0, normalized_name: 0, new_account: 0 },
    });
    expect(await linkSnapshot(t.db, org)).toEqual(before);
  });

  it("a customer synced before its company moves to the company's account, taking its children; the empty account is removed", async () => {
    const org = await createOrg(t.db);
    await upsertCustomer(t.db, org, { externalId: "cus_early", email: "cfo@soylent.com" });
    await t.db.subscription.create({
      data: { organizationId: org.organizationId, connectionId: org.stripeId, externalId: "sub_1", customerExternalId: "cus_early", status: "active", currency: "usd", mrrCents: 50_000 },
    });
    await resolveIdentities(t.db, { organizationId: org.organizationId, connectionId: org.stripeId });
    const standalone = (await recordOf(t.db, org, "customer", "cus_early")).accountId!;
    expect((await t.db.subscription.findFirstOrThrow({ where: { externalId: "sub_1" } })).accountId).toBe(standalone);

    await upsertCompany(t.db, org, { externalId: "77", name: "Soylent", domain: "soylent.com" });
    const r = await resolveIdentities(t.db, { organizationId: org.organizationId, connectionId: org.hubspotId });

    const company = await recordOf(t.db, org, "company", "77");
    expect((await recordOf(t.db, org, "customer", "cus_early")).accountId).toBe(company.accountId);
    expect((await t.db.subscription.findFirstOrThrow({ where: { externalId: "sub_1" } })).accountId).toBe(company.accountId);
    expect(await t.db.account.findUnique({ where: { id: standalone } })).toBeNull();
    expect(r).toMatchObject({ created: 1, mergedAway: 1, childRecordsLinked: 1 });
  });
});
