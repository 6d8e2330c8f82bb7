/**
 * lib/connectors/hubspot/write.ts on the real database (SQLite by default, PostgreSQL with CHURNWATCH_TEST_DB=postgres):
 * the bulk upsert the sync writes every batch with must keep the echo suppression of companies (an unchanged
 * company is not rewritten, its sourceUpdatedAt stays the user's last change), update changed records in place
 * without duplicates, never touch what identity resolution and write-back own (accountId, match, pushedValues),
 * and archive records on webhook deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import type { HubspotRecord } from "@/lib/connectors/hubspot/client";
import {
  markArchived, writeCompanies, writeContacts, writeDeals, writeEngagements, writeTickets, type WriteContext, type WriteResult,
} from "@/lib/connectors/hubspot/write";
import type { Tx } from "@/lib/db";

let t: TestDb;
let w: WriteContext;
let accountId: string;

beforeAll(async () => {
  t = await createTestDb();
  const org = await t.db.organization.create({ data: { name: "Write", slug: "hubspot-write" } });
  const conn = await t.db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: "4242", displayName: "HubSpot 4242" } });
  w = { organizationId: org.id, connectionId: conn.id, dealStageMap: { renewalsigned: "won" } };
  accountId = (await t.db.account.create({ data: { organizationId: org.id, name: "Acme" } })).id;
}, 60_000);
afterAll(async () => t?.cleanup());

const T0 = new Date("2026-10-01T09:00:00.000Z");
const T1 = new Date("2026-11-02T10:30:00.000Z");
const T2 = new Date("2026-11-15T16:45:00.000Z");

function rec(id: string, properties: Record<string, string | null>, o: { updatedAt?: Date; archived?: boolean; createdAt?: Date | null } = {}): HubspotRecord {
  return { id, properties, createdAt: o.createdAt === undefined ? T0 : o.createdAt, updatedAt: o.updatedAt ?? T1, archived: o.archived ?? false };
}

/** Run a writer in its own transaction, as the sync does for each batch. */
function inTx(f: (tx: Tx) => Promise<WriteResult>): Promise<WriteResult> {
  return t.db.$transaction(f);
}

const company = (id: string, name: string, modified: Date, extra: Record<string, string | null> = {}) =>
  rec(id, { name, domain: `c${id}.example`, industry: "SaaS", createdate: T0.toISOString(), hs_lastmodifieddate: modified.toISOString(), ...extra });

describe("companies", () => {
  it("skips an unchanged company (echo of our write-back) and updates a changed one, keeping what identity and write-back own", async () => {
    const first = await inTx((tx) => writeCompanies(tx, w, [company("101", "Acme", T1), company("102", "Globex", T1)]));
    expect(first).toEqual({ processed: 2, unchanged: 0, skipped: [] });
    const stored = await t.db.sourceRecord.findMany({ where: { connectionId: w.connectionId, objectType: "company" }, orderBy: { externalId: "asc" } });
    expect(stored.map((r) => [r.externalId, r.name, r.domain, r.sourceUpdatedAt?.toISOString()])).toEqual([
      ["101", "Acme", "c101.example", T1.toISOString()],
      ["102", "Globex", "c102.example", T1.toISOString()],
    ]);
    // Identity resolution and write-back state on both rows.
    await t.db.sourceRecord.updateMany({
      where: { connectionId: w.connectionId, objectType: "company" },
      data: { accountId, matchRule: "email_domain", matchConfidence: 0.9, isManual: true, pushedValues: { healthScore: "71" }, pushedAt: T1 },
    });
    const before = await t.db.sourceRecord.findUniqueOrThrow({ where: { connectionId_objectType_externalId: { connectionId: w.connectionId, objectType: "company", externalId: "101" } } });

    // 101: only our churnwatch_* properties and hs_lastmodifieddate moved (write-back echo). 102: the user renamed it.
    const second = await inTx((tx) => writeCompanies(tx, w, [
      company("101", "Acme", T2, { churnwatch_health_score: "71" }),
      company("102", "Globex Corp", T2),
    ]));
    expect(second).toEqual({ processed: 2, unchanged: 1, skipped: [] });

    const after = await t.db.sourceRecord.findMany({ where: { connectionId: w.connectionId, objectType: "company" }, orderBy: { externalId: "asc" } });
    expect(after).toHaveLength(2);
    const [acme, globex] = after as [typeof after[0], typeof after[0]];
    expect(acme.sourceUpdatedAt?.toISOString()).toBe(T1.toISOString());
    expect(acme.updatedAt.toISOString()).toBe(before.updatedAt.toISOString());
    expect(acme.properties).toMatchObject({ hs_lastmodifieddate: T1.toISOString() });
    expect(globex).toMatchObject({ name: "Globex Corp", domain: "c102.example", accountId, matchRule: "email_domain", matchConfidence: 0.9, isManual: true, pushedValues: { healthScore: "71" } });
    expect(globex.sourceUpdatedAt?.toISOString()).toBe(T2.toISOString());
    expect(globex.pushedAt?.toISOString()).toBe(T1.toISOString());
    expect(globex.createdAt.toISOString()).toBe(before.createdAt.toISOString());
    expect(globex.properties).toMatchObject({ name: "Globex Corp", hs_lastmodifieddate: T2.toISOString() });
    expect(globex.organizationId).toBe(w.organizationId);
  });

  it("rewrites an unchanged company whose archived state changed, and a later active listing restores it", async () => {
    const archived = await inTx((tx) => writeCompanies(tx, w, [rec("101", company("101", "Acme", T1).properties, { archived: true, updatedAt: T2 })]));
    expect(archived.unchanged).toBe(0);
    const row = () => t.db.sourceRecord.findUniqueOrThrow({ where: { connectionId_objectType_externalId: { connectionId: w.connectionId, objectType: "company", externalId: "101" } } });
    expect((await row()).archivedAt?.toISOString()).toBe(T2.toISOString());
    expect((await row()).accountId).toBe(accountId);
    // Listed again, archived, same content: nothing to do.
    expect((await inTx((tx) => writeCompanies(tx, w, [rec("101", company("101", "Acme", T1).properties, { archived: true, updatedAt: T2 })]))).unchanged).toBe(1);
    // Restored in HubSpot: the active listing clears archivedAt.
    expect((await inTx((tx) => writeCompanies(tx, w, [company("101", "Acme", T1)]))).unchanged).toBe(0);
    expect((await row()).archivedAt).toBeNull();
  });
});

describe("contacts, deals, engagements, tickets", () => {
  it("contacts: a re-write updates fields and the primary company in place, never duplicates, keeps accountId", async () => {
    const c = (id: string, email: string, title: string | null) =>
      rec(id, { firstname: "Ada", lastname: "Lovelace", email, jobtitle: title, notes_last_updated: T1.toISOString(), createdate: T0.toISOString(), lastmodifieddate: T1.toISOString() });
    const r1 = await inTx((tx) => writeContacts(tx, w, [c("201", "Ada@Acme.example", "CTO"), c("202", "bob@acme.example", null), c("201", "ada@acme.example", "CTO")], new Map([["201", ["101", "102"]]])));
    expect(r1.processed).toBe(2);
    await t.db.contact.update({ where: { connectionId_externalId: { connectionId: w.connectionId, externalId: "201" } }, data: { accountId } });

    const r2 = await inTx((tx) => writeContacts(tx, w, [c("201", "ADA@globex.example", "CEO")], new Map([["201", ["102"]]])));
    expect(r2).toEqual({ processed: 1, unchanged: 0, skipped: [] });
    const rows = await t.db.contact.findMany({ where: { connectionId: w.connectionId }, orderBy: { externalId: "asc" } });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ externalId: "201", email: "ada@globex.example", jobTitle: "CEO", companyExternalId: "102", accountId, organizationId: w.organizationId });
    expect(rows[0]!.lastActivityAt?.toISOString()).toBe(T1.toISOString());
    expect(rows[0]!.sourceCreatedAt?.toISOString()).toBe(T0.toISOString());
    expect(rows[1]).toMatchObject({ externalId: "202", email: "bob@acme.example", jobTitle: null, companyExternalId: null, accountId: null });
  });

  it("a record re-listed by the archived listing (associations not read) keeps its company; one read without associations loses it", async () => {
    const c = (id: string) => rec(id, { firstname: "Cy", lastname: "Archived", email: `${id}@acme.example`, createdate: T0.toISOString(), lastmodifieddate: T1.toISOString() }, { archived: true });
    await inTx((tx) => writeContacts(tx, w, [c("301")], new Map([["301", ["101"]]])));
    await inTx((tx) => writeContacts(tx, w, [c("301")], null));
    const kept = await t.db.contact.findFirstOrThrow({ where: { connectionId: w.connectionId, externalId: "301" } });
    expect(kept.companyExternalId).toBe("101");
    await inTx((tx) => writeContacts(tx, w, [c("301")], new Map()));
    const cleared = await t.db.contact.findFirstOrThrow({ where: { connectionId: w.connectionId, externalId: "301" } });
    expect(cleared.companyExternalId).toBeNull();
    // A record first seen in the archived listing is stored without a company.
    await inTx((tx) => writeDeals(tx, w, [rec("401", { dealname: "Old deal", createdate: T0.toISOString(), hs_lastmodifieddate: T1.toISOString() }, { archived: true })], null));
    expect((await t.db.deal.findFirstOrThrow({ where: { connectionId: w.connectionId, externalId: "401" } })).companyExternalId).toBeNull();
    await t.db.deal.deleteMany({ where: { connectionId: w.connectionId, externalId: "401" } });
    await t.db.contact.deleteMany({ where: { connectionId: w.connectionId, externalId: "301" } });
  });

  it("deals: a re-write moves the stage, amount and closed/won flags; accountId survives", async () => {
    const d = (stage: string, amount: string) =>
      rec("301", { dealname: "Renewal 2027", amount, deal_currency_code: "EUR", dealstage: stage, pipeline: "default", closedate: T2.toISOString(), hs_is_closed: "false", hs_is_closed_won: "false", createdate: T0.toISOString(), hs_lastmodifieddate: T1.toISOString() });
    await inTx((tx) => writeDeals(tx, w, [d("contractsent", "1200.50")], new Map([["301", ["101"]]])));
    await t.db.deal.update({ where: { connectionId_externalId: { connectionId: w.connectionId, externalId: "301" } }, data: { accountId } });
    const first = await t.db.deal.findFirstOrThrow({ where: { connectionId: w.connectionId } });
    expect(first).toMatchObject({ amountCents: 120050, currency: "eur", renewalStage: "committed", isClosed: false, isWon: false });

    await inTx((tx) => writeDeals(tx, w, [d("renewalsigned", "1300")], new Map([["301", ["101"]]])));
    const rows = await t.db.deal.findMany({ where: { connectionId: w.connectionId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amountCents: 130000, dealStage: "renewalsigned", renewalStage: "won", isClosed: true, isWon: true, companyExternalId: "101", accountId });
    expect(rows[0]!.closeDate?.toISOString()).toBe(T2.toISOString());
  });

  it("engagements: keyed by type too, re-writes update in place, a record without a timestamp is skipped with the reason", async () => {
    const call = (title: string) => rec("401", { hs_timestamp: T1.toISOString(), hs_call_title: title, hs_call_disposition: "f240bbac-87c9-4f6e-bf70-924b57d47db7", hs_call_duration: "61000", hs_lastmodifieddate: T1.toISOString() });
    const note = rec("401", { hs_timestamp: T2.toISOString(), hs_note_body: "<p>Quarterly review</p>", hs_lastmodifieddate: T2.toISOString() });
    const broken = rec("402", { hs_lastmodifieddate: T1.toISOString() }, { createdAt: null });
    const a = await inTx((tx) => writeEngagements(tx, w, "call", [call("Check-in"), broken], new Map([["401", ["101"]]])));
    expect(a).toEqual({ processed: 1, unchanged: 0, skipped: [{ externalId: "402", reason: "malformed record: no hs_timestamp" }] });
    await inTx((tx) => writeEngagements(tx, w, "note", [note], new Map()));
    await inTx((tx) => writeEngagements(tx, w, "call", [call("Renewal call with the CFO")], new Map([["401", ["101"]]])));

    const rows = await t.db.engagement.findMany({ where: { connectionId: w.connectionId }, orderBy: { type: "asc" } });
    expect(rows.map((r) => [r.type, r.externalId])).toEqual([["call", "401"], ["note", "401"]]);
    expect(rows[0]).toMatchObject({ title: "Renewal call with the CFO", outcome: "connected", durationMs: 61000, isDecisionMaker: true, companyExternalId: "101" });
    expect(rows[0]!.occurredAt.toISOString()).toBe(T1.toISOString());
    expect(rows[1]).toMatchObject({ title: "Quarterly review", isDecisionMaker: false, companyExternalId: null });
  });

  it("tickets: a re-write closes the ticket in place; one without a creation date is skipped with the reason", async () => {
    const tk = (stage: string, closed: string | null) => rec("501", { subject: "Export broken", hs_ticket_priority: "HIGH", hs_pipeline_stage: stage, createdate: T0.toISOString(), closed_date: closed, hs_lastmodifieddate: T1.toISOString() });
    const open = await inTx((tx) => writeTickets(tx, w, [tk("1", null), rec("502", { subject: "?" }, { createdAt: null })], new Map()));
    expect(open.skipped).toEqual([{ externalId: "502", reason: "malformed record: no createdate" }]);
    expect(await t.db.ticket.findFirstOrThrow({ where: { connectionId: w.connectionId } })).toMatchObject({ isOpen: true, closedAt: null, priority: "high" });
    await inTx((tx) => writeTickets(tx, w, [tk("4", T2.toISOString())], new Map([["501", ["102"]]])));
    const rows = await t.db.ticket.findMany({ where: { connectionId: w.connectionId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ isOpen: false, status: "4", companyExternalId: "102" });
    expect(rows[0]!.closedAt?.toISOString()).toBe(T2.toISOString());
    expect(rows[0]!.openedAt.toISOString()).toBe(T0.toISOString());
  });
});

describe("markArchived (webhook deletions)", () => {
  it("archives the stream's live rows once and ignores unknown ids and streams", async () => {
    const at = new Date("2026-11-20T08:00:00.000Z");
    expect(await t.db.$transaction((tx) => markArchived(tx, w, "contacts", ["201", "999"], at))).toBe(1);
    expect(await t.db.$transaction((tx) => markArchived(tx, w, "contacts", ["201"], new Date()))).toBe(0);
    const c = await t.db.contact.findUniqueOrThrow({ where: { connectionId_externalId: { connectionId: w.connectionId, externalId: "201" } } });
    expect(c.archivedAt?.toISOString()).toBe(at.toISOString());
    expect(c.accountId).toBe(accountId);
    expect(await t.db.contact.count({ where: { connectionId: w.connectionId, archivedAt: null } })).toBe(1);
    expect(await t.db.$transaction((tx) => markArchived(tx, w, "companies", ["102"], at))).toBe(1);
    expect((await t.db.sourceRecord.findFirstOrThrow({ where: { externalId: "102" } })).archivedAt?.toISOString()).toBe(at.toISOString());
    expect(await t.db.$transaction((tx) => markArchived(tx, w, "calls", ["401"], at))).toBe(0);
  });
});
