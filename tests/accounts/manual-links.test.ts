import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { confirmMatch } from "@/lib/accounts/confirm-match";
import { rejectMatch } from "@/lib/accounts/reject-match";
import { unlinkSourceRecord } from "@/lib/accounts/unlink-source-record";
import { linkSourceRecord } from "@/lib/accounts/link-source-record";
import { listMatchCandidates } from "@/lib/accounts/list-match-candidates";
import { AppError } from "@/lib/errors";
import { createOrg, linkSnapshot, recordOf, upsertCompany, upsertCustomer, type Org } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

/** A portfolio with one name-only candidate and one two-company domain ambiguity. */
async function seed(org: Org) {
  await upsertCompany(t.db, org, { externalId: "1", name: "Hooli, Inc.", domain: "hooli.xyz" });
  await upsertCompany(t.db, org, { externalId: "2", name: "Umbrella Corp", domain: "umbrella.com" });
  await upsertCompany(t.db, org, { externalId: "3", name: "Umbrella Pharma", domain: "umbrella.com" });
  await upsertCompany(t.db, org, { externalId: "4", name: "Globex", domain: "globex.com" });
  await upsertCustomer(t.db, org, { externalId: "cus_hooli", name: "Hooli LLC", email: "gavin@gmail.com" });
  await upsertCustomer(t.db, org, { externalId: "cus_umb", name: "Umbrella billing", email: "ap@umbrella.com" });
  await upsertCustomer(t.db, org, { externalId: "cus_globex", name: "Globex AP", email: "ap@globex.com" });
}

/** The connectors re-upsert the same records (a re-sync), touching every field again. */
async function resync(org: Org) {
  await seed(org);
}

describe("review list", () => {
  it("lists pending candidates with both sides and the reason, highest confidence first, paginated", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });

    const page1 = await listMatchCandidates(t.db, { organizationId: org.organizationId, limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.items.map((i) => i.rule)).toEqual(["email_domain", "email_domain"]);
    const first = page1.items[0];
    expect(first.sourceRecord).toMatchObject({ provider: "stripe", objectType: "customer", externalId: "cus_umb", email: "ap@umbrella.com" });
    expect(first.account.sources[0]).toMatchObject({ provider: "hubspot", objectType: "company", domain: "umbrella.com" });
    expect(first.reason).toMatch(/umbrella\.com/);
    expect(page1.nextCursor).not.toBeNull();

    const page2 = await listMatchCandidates(t.db, { organizationId: org.organizationId, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items).toHaveLength(1);
    expect(page2.items[0]).toMatchObject({ rule: "normalized_name", confidence: 0.6 });
    expect(page2.items[0].account.name).toBe("Hooli, Inc.");
    expect(page2.nextCursor).toBeNull();
  });

  it("rejects a limit above 200", async () => {
    await expect(listMatchCandidates(t.db, { organizationId: "x", limit: 500 })).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("manual decisions survive re-syncs", () => {
  it("a confirmed candidate merges the record, pins it, and stays after the connector re-upserts everything", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const customer = await recordOf(t.db, org, "customer", "cus_hooli");
    const company = await recordOf(t.db, org, "company", "1");
    const [candidate] = (await listMatchCandidates(t.db, { organizationId: org.organizationId })).items.filter((i) => i.rule === "normalized_name");

    const r = await confirmMatch(t.db, { organizationId: org.organizationId, candidateId: candidate.id, userId: "user-1" });

    expect(r).toMatchObject({ accountId: company.accountId, previousAccountId: customer.accountId, previousAccountDeleted: true });
    const after = await recordOf(t.db, org, "customer", "cus_hooli");
    expect(after).toMatchObject({ accountId: company.accountId, isManual: true, matchRule: "manual", matchConfidence: 1 });
    expect(await t.db.account.findUnique({ where: { id: customer.accountId! } })).toBeNull();
    const decided = await t.db.matchCandidate.findUniqueOrThrow({ where: { id: candidate.id } });
    expect(decided).toMatchObject({ status: "confirmed", decidedById: "user-1" });

    await resync(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    expect((await recordOf(t.db, org, "customer", "cus_hooli")).accountId).toBe(company.accountId);
  });

  it("a rejected candidate is never proposed or merged again, even after the ambiguity disappears", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const umbrellaCorp = await recordOf(t.db, org, "company", "2");
    const { items } = await listMatchCandidates(t.db, { organizationId: org.organizationId });
    const toCorp = items.find((i) => i.account.id === umbrellaCorp.accountId)!;

    await rejectMatch(t.db, { organizationId: org.organizationId, candidateId: toCorp.id, userId: "user-1" });
    await resync(org);
    // Umbrella Pharma changes its domain: umbrella.com now names only Umbrella Corp, the rejected pair.
    await upsertCompany(t.db, org, { externalId: "3", name: "Umbrella Pharma", domain: "umbrella-pharma.com" });
    const r = await resolveIdentities(t.db, { organizationId: org.organizationId });

    const customer = await recordOf(t.db, org, "customer", "cus_umb");
    expect(customer.accountId).not.toBe(umbrellaCorp.accountId);
    expect(customer.matchRule).toBe("new_account");
    const pending = (await listMatchCandidates(t.db, { organizationId: org.organizationId })).items;
    expect(pending.some((i) => i.sourceRecord?.id === customer.id)).toBe(false);
    expect(r.pendingReview).toBe(pending.length);
    expect((await t.db.matchCandidate.findUniqueOrThrow({ where: { id: toCorp.id } })).status).toBe("rejected");
  });

  it("unlink detaches a wrong auto-merge into its own pinned account, and it stays detached after re-syncs", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await t.db.invoice.create({
      data: {
        organizationId: org.organizationId, connectionId: org.stripeId, externalId: "in_1", customerExternalId: "cus_globex",
        status: "paid", currency: "usd", amountDueCents: 1000, amountPaidCents: 1000, amountRemainingCents: 0, sourceCreatedAt: new Date("2026-01-01T00:00:00Z"),
      },
    });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const globex = await recordOf(t.db, org, "company", "4");
    const customer = await recordOf(t.db, org, "customer", "cus_globex");
    expect(customer.accountId).toBe(globex.accountId);

    const r = await unlinkSourceRecord(t.db, { organizationId: org.organizationId, accountId: globex.accountId!, sourceRecordId: customer.id, userId: "user-1" });

    const detached = await recordOf(t.db, org, "customer", "cus_globex");
    expect(detached.accountId).toBe(r.accountId);
    expect(detached.accountId).not.toBe(globex.accountId);
    expect(detached).toMatchObject({ isManual: true, matchRule: "manual" });
    expect(detached.account?.name).toBe("Globex AP");
    expect((await t.db.invoice.findFirstOrThrow({ where: { externalId: "in_1" } })).accountId).toBe(r.accountId);
    expect((await recordOf(t.db, org, "company", "4")).accountId).toBe(globex.accountId);

    await resync(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    expect((await recordOf(t.db, org, "customer", "cus_globex")).accountId).toBe(r.accountId);
    const pending = (await listMatchCandidates(t.db, { organizationId: org.organizationId })).items;
    expect(pending.some((i) => i.sourceRecord?.id === customer.id)).toBe(false);
  });

  it("unlinking the company keeps the customers that matched it on the old account", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const globex = await recordOf(t.db, org, "company", "4");

    const r = await unlinkSourceRecord(t.db, { organizationId: org.organizationId, accountId: globex.accountId!, sourceRecordId: globex.id });
    await resync(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });

    expect((await recordOf(t.db, org, "company", "4")).accountId).toBe(r.accountId);
    const customer = await recordOf(t.db, org, "customer", "cus_globex");
    expect(customer.accountId).toBe(globex.accountId);
    expect(customer.account?.name).toBe("Globex AP");
  });

  it("a manual link moves any record into any account and survives re-syncs; linking twice is a no-op", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const pharma = await recordOf(t.db, org, "company", "3");
    const customer = await recordOf(t.db, org, "customer", "cus_umb");

    await linkSourceRecord(t.db, { organizationId: org.organizationId, accountId: pharma.accountId!, sourceRecordId: customer.id });
    const snapshot = await linkSnapshot(t.db, org);
    await linkSourceRecord(t.db, { organizationId: org.organizationId, accountId: pharma.accountId!, sourceRecordId: customer.id });
    await resync(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });

    expect((await recordOf(t.db, org, "customer", "cus_umb")).accountId).toBe(pharma.accountId);
    expect((await linkSnapshot(t.db, org)).accounts.map((a) => a.id)).toEqual(snapshot.accounts.map((a) => a.id));
    expect((await listMatchCandidates(t.db, { organizationId: org.organizationId })).items.some((i) => i.sourceRecord?.id === customer.id)).toBe(false);
  });
});

describe("errors", () => {
  it("not_found for unknown ids or records of another organization; conflict for unlinking an account's only source", async () => {
    const org = await createOrg(t.db);
    const other = await createOrg(t.db);
    await seed(org);
    await upsertCompany(t.db, other, { externalId: "1", name: "Other" });
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    await resolveIdentities(t.db, { organizationId: other.organizationId });
    const hooli = await recordOf(t.db, org, "company", "1");
    const foreign = await recordOf(t.db, other, "company", "1");

    await expect(confirmMatch(t.db, { organizationId: org.organizationId, candidateId: "nope" })).rejects.toMatchObject({ code: "not_found" });
    await expect(linkSourceRecord(t.db, { organizationId: org.organizationId, accountId: hooli.accountId!, sourceRecordId: foreign.id })).rejects.toMatchObject({ code: "not_found" });
    await expect(rejectMatch(t.db, { organizationId: org.organizationId, candidateId: "nope" })).rejects.toBeInstanceOf(AppError);
    await expect(unlinkSourceRecord(t.db, { organizationId: org.organizationId, accountId: hooli.accountId!, sourceRecordId: hooli.id })).rejects.toMatchObject({ code: "conflict" });
    await expect(unlinkSourceRecord(t.db, { organizationId: org.organizationId, accountId: hooli.accountId!, sourceRecordId: foreign.id })).rejects.toMatchObject({ code: "not_found" });
    // Nothing changed by the failed actions.
    expect((await recordOf(t.db, org, "company", "1")).isManual).toBe(false);
  });

  it("rejecting a confirmed, linked pair is a conflict (unlink instead)", async () => {
    const org = await createOrg(t.db);
    await seed(org);
    await resolveIdentities(t.db, { organizationId: org.organizationId });
    const [candidate] = (await listMatchCandidates(t.db, { organizationId: org.organizationId })).items.filter((i) => i.rule === "normalized_name");
    await confirmMatch(t.db, { organizationId: org.organizationId, candidateId: candidate.id });
    await expect(rejectMatch(t.db, { organizationId: org.organizationId, candidateId: candidate.id })).rejects.toMatchObject({ code: "conflict" });
  });
});
