/**
 * Sales-activity scorecard (issue 17) on a real database (SQLite, or PostgreSQL with CHURNWATCH_TEST_DB=postgres):
 * every metric per owner and week, the drill-down records behind each count, the decision-maker rules and their
 * configuration, targets, months, CSV, and two organizations that never see each other's activity.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { getSalesActivityConfig, saveSalesActivityConfig } from "@/lib/sales-activity/config";
import { ensureSalesActivityRollup } from "@/lib/sales-activity/rollup";
import { scorecardCsv } from "@/lib/sales-activity/csv";
import { salesActivityRecords, salesActivityScorecard, SALES_METRICS } from "@/lib/sales-activity/scorecard";
import { setSalesTargets } from "@/lib/sales-activity/targets";
import { toSearchText } from "@/lib/connectors/hubspot/mappers";
import type { Db } from "@/lib/db";

// "Now" is Thursday 2026-12-03; this week starts Monday 2026-11-30, last week 2026-11-23.
const NOW = new Date("2026-12-03T12:00:00Z");
const THIS_WEEK = new Date("2026-11-30T00:00:00Z");
const LAST_WEEK = new Date("2026-11-23T00:00:00Z");
const at = (s: string) => new Date(s);

let t: TestDb;
let db: Db;
let orgA: string, orgB: string, connA: string, connB: string, dana: string, marco: string, other: string;

/** The background refresh (sync job / sales-activity-refresh-job): these tests write rows directly, so in full. */
const refresh = async (org: string) => ensureSalesActivityRollup(db, org, await getSalesActivityConfig(db, org), { full: true });

type Eng = { type: "call" | "meeting" | "note"; id: string; owner: string | null; at: string; created?: string; outcome?: string | null; direction?: string | null; contact?: string | null; text?: string; archived?: boolean };

async function engagement(org: string, conn: string, e: Eng) {
  await db.engagement.create({
    data: {
      organizationId: org, connectionId: conn, type: e.type, externalId: e.id, ownerExternalId: e.owner, occurredAt: at(e.at),
      sourceCreatedAt: at(e.created ?? e.at), outcome: e.outcome ?? null, direction: e.direction ?? null, contactExternalId: e.contact ?? null,
      title: e.text ?? `${e.type} ${e.id}`, searchText: toSearchText(e.text ?? null), archivedAt: e.archived ? at(e.at) : null,
    },
  });
}

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  orgA = (await db.organization.create({ data: { name: "A", slug: "sales-a" } })).id;
  orgB = (await db.organization.create({ data: { name: "B", slug: "sales-b" } })).id;
  connA = (await db.connection.create({ data: { organizationId: orgA, provider: "hubspot", externalAccountId: "111", displayName: "A", scopes: ["crm.objects.contacts.read", "crm.objects.deals.read"] } })).id;
  connB = (await db.connection.create({ data: { organizationId: orgB, provider: "hubspot", externalAccountId: "222", displayName: "B", scopes: ["crm.objects.contacts.read", "crm.objects.deals.read", "crm.objects.owners.read"] } })).id;
  dana = (await db.owner.create({ data: { organizationId: orgA, connectionId: connA, externalId: "501", firstName: "Dana", lastName: "Whitfield", email: "dana@a.io" } })).id;
  marco = (await db.owner.create({ data: { organizationId: orgA, connectionId: connA, externalId: "502", firstName: "Marco", lastName: "Bellini", email: "marco@a.io" } })).id;
  // Organization B has an owner with the SAME HubSpot owner id and its own activity.
  other = (await db.owner.create({ data: { organizationId: orgB, connectionId: connB, externalId: "501", firstName: "Bea", lastName: "Other" } })).id;
  for (const [org, conn, id, title] of [
    [orgA, connA, "c1", "Chief Executive Officer"], [orgA, connA, "c2", "Office administrator"], [orgA, connA, "c3", "VP, Sales"],
    [orgA, connA, "c4", "Director of IT"], [orgB, connB, "c1", "CEO"],
  ] as const) {
    await db.contact.create({ data: { organizationId: org, connectionId: conn, externalId: id, firstName: id, jobTitle: title } });
  }
  const A = (e: Eng) => engagement(orgA, connA, e);
  // Dana, this week.
  await A({ type: "call", id: "1", owner: "501", at: "2026-11-30T00:00:00Z", direction: "OUTBOUND", outcome: "connected", contact: "c1" }); // dial + DM (title)
  await A({ type: "call", id: "2", owner: "501", at: "2026-12-01T09:00:00Z", direction: "OUTBOUND", outcome: "no_answer", contact: "c1" }); // dial only (not connected)
  await A({ type: "call", id: "3", owner: "501", at: "2026-12-01T10:00:00Z", direction: null, outcome: "connected", contact: "c2" }); // dial, admin is no DM
  await A({ type: "call", id: "4", owner: "501", at: "2026-12-02T10:00:00Z", direction: "INBOUND", outcome: "connected", contact: "c3" }); // not a dial, DM (VP)
  await A({ type: "call", id: "5", owner: "501", at: "2026-12-02T11:00:00Z", direction: "OUTBOUND", outcome: "connected", contact: "c2", text: "Spoke with their DM about renewal" }); // dial + DM (keyword)
  await A({ type: "note", id: "6", owner: "501", at: "2026-12-02T12:00:00Z", text: "Admin: sent the sysadmin the docs" }); // "admin" ≠ "dm"
  await A({ type: "note", id: "7", owner: "501", at: "2026-12-02T13:00:00Z", text: "<p>The <b>CEO</b> wants a demo</p>" }); // DM (keyword)
  await A({ type: "meeting", id: "8", owner: "501", at: "2026-12-03T09:00:00Z", created: "2026-11-25T09:00:00Z", outcome: "completed", contact: "c4" }); // held this week (set last week), DM (director)
  await A({ type: "meeting", id: "9", owner: "501", at: "2026-12-10T09:00:00Z", created: "2026-12-01T09:00:00Z", outcome: "scheduled", contact: "c1" }); // set this week, held later
  await A({ type: "meeting", id: "10", owner: "501", at: "2026-12-02T09:00:00Z", created: "2026-12-01T08:00:00Z", outcome: "no_show", contact: "c1" }); // set this week, not held
  await A({ type: "call", id: "11", owner: "501", at: "2026-12-02T09:00:00Z", direction: "OUTBOUND", outcome: "connected", contact: "c1", archived: true }); // archived: never counts
  await A({ type: "call", id: "12", owner: "501", at: "2026-12-07T00:00:00Z", direction: "OUTBOUND" }); // next week: outside
  // Marco, last week; an owner not synced; no owner.
  await A({ type: "call", id: "20", owner: "502", at: "2026-11-29T23:59:59Z", direction: "OUTBOUND", outcome: "connected", contact: "c3" }); // last week (Sunday) dial + DM
  await A({ type: "call", id: "21", owner: "999", at: "2026-12-01T09:00:00Z", direction: "OUTBOUND" });
  await A({ type: "call", id: "22", owner: null, at: "2026-12-01T09:00:00Z", direction: "OUTBOUND" });
  // Organization B: Dana's HubSpot owner id, same contact ids, lots of activity.
  for (let i = 0; i < 5; i++) await engagement(orgB, connB, { type: "call", id: `b${i}`, owner: "501", at: "2026-12-01T09:00:00Z", direction: "OUTBOUND", outcome: "connected", contact: "c1" });
  // Deals.
  const deal = (org: string, conn: string, id: string, owner: string, close: string, amount: number, won: boolean, extra: Record<string, unknown> = {}) =>
    db.deal.create({ data: { organizationId: org, connectionId: conn, externalId: id, ownerExternalId: owner, closeDate: at(close), amountCents: amount, isWon: won, isClosed: true, currency: "usd", name: `Deal ${id}`, ...extra } });
  await deal(orgA, connA, "d1", "501", "2026-12-01T10:00:00Z", 120_000, true, { mrrCents: 10_000 });
  await deal(orgA, connA, "d2", "501", "2026-12-02T10:00:00Z", 60_000, true, { mrrCents: 5_000 });
  await deal(orgA, connA, "d3", "501", "2026-12-02T10:00:00Z", 99_900, false); // lost
  await deal(orgA, connA, "d4", "502", "2026-11-24T10:00:00Z", 30_000, true, { mrrCents: 2_500 }); // Marco last week
  await deal(orgA, connA, "d5", "501", "2026-12-02T10:00:00Z", 50_000, true, { archivedAt: at("2026-12-02T11:00:00Z") }); // archived
  await deal(orgB, connB, "d1", "501", "2026-12-01T10:00:00Z", 7_700_000, true);
  await refresh(orgA);
  await refresh(orgB);
});
afterAll(async () => t?.cleanup());

describe("sales-activity scorecard", () => {
  it("counts every metric per owner and week, and never another organization's records", async () => {
    const s = await salesActivityScorecard(db, orgA, { granularity: "week", periods: 12, end: NOW });
    expect(s.periods).toHaveLength(12);
    expect(s.periods[11]).toMatchObject({ start: THIS_WEEK.toISOString(), label: "2026-W49" });
    expect(s.periods[10].start).toBe(LAST_WEEK.toISOString());
    const d = s.owners.find((o) => o.ownerId === dana)!;
    expect(d.name).toBe("Dana Whitfield");
    expect(d.periods[11]).toEqual({ dials: 4, dm_conversations: 5, meetings_set: 2, meetings_held: 1, mrr_closed_cents: 180_000 });
    expect(d.periods[10]).toEqual({ dials: 0, dm_conversations: 0, meetings_set: 1, meetings_held: 0, mrr_closed_cents: 0 });
    const m = s.owners.find((o) => o.ownerId === marco)!;
    expect(m.periods[10]).toEqual({ dials: 1, dm_conversations: 1, meetings_set: 0, meetings_held: 0, mrr_closed_cents: 30_000 });
    expect(s.owners.find((o) => o.hubspotOwnerId === "999")!.name).toContain("not synced");
    expect(s.owners.at(-1)!.name).toBe("No owner");
    expect(s.totals[11].dials).toBe(6);
    expect(s.owners.some((o) => o.ownerId === other)).toBe(false);
    expect(s.missingScopes).toEqual([{ connectionId: connA, portalId: "111", scopes: ["crm.objects.owners.read"] }]);
    const b = await salesActivityScorecard(db, orgB, { end: NOW });
    expect(b.owners.map((o) => [o.ownerId, o.periods[11].dials, o.periods[11].dm_conversations, o.periods[11].mrr_closed_cents])).toEqual([[other, 5, 5, 7_700_000]]);
    expect(b.missingScopes).toEqual([]);
  });

  it("drill-down: each count's records are exactly the ones counted", async () => {
    const s = await salesActivityScorecard(db, orgA, { end: NOW });
    for (const o of s.owners) {
      for (const [i, p] of s.periods.entries()) {
        for (const metric of SALES_METRICS) {
          const r = await salesActivityRecords(db, orgA, { ownerKey: o.key, metric, granularity: "week", periodStart: new Date(p.start) });
          if (metric === "mrr_closed_cents") expect(r.records.reduce((x, d) => x + (d.amountCents ?? 0), 0)).toBe(o.periods[i][metric]);
          else expect(r.total).toBe(o.periods[i][metric]);
        }
      }
    }
    const dm = await salesActivityRecords(db, orgA, { ownerKey: dana, metric: "dm_conversations", granularity: "week", periodStart: THIS_WEEK });
    expect(dm.records.map((r) => [r.hubspotId, r.reason]).sort()).toEqual([["1", "job title"], ["4", "job title"], ["5", "keyword"], ["7", "keyword"], ["8", "job title"]]);
    expect(dm.records.find((r) => r.hubspotId === "1")!.contact).toEqual({ hubspotId: "c1", name: "c1", jobTitle: "Chief Executive Officer" });
  });

  it("refuses another organization's owner and a date that is not a period start", async () => {
    await expect(salesActivityRecords(db, orgA, { ownerKey: other, metric: "dials", granularity: "week", periodStart: THIS_WEEK })).rejects.toMatchObject({ code: "not_found" });
    await expect(salesActivityRecords(db, orgA, { ownerKey: `unknown:${connB}:501`, metric: "dials", granularity: "week", periodStart: THIS_WEEK })).rejects.toMatchObject({ code: "not_found" });
    await expect(salesActivityRecords(db, orgA, { ownerKey: dana, metric: "dials", granularity: "week", periodStart: at("2026-12-01T00:00:00Z") })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(setSalesTargets(db, orgA, { owner_id: other, period: "week", targets: { dials: 10 } })).rejects.toMatchObject({ code: "not_found" });
  });

  it("months: the same records by calendar month", async () => {
    const s = await salesActivityScorecard(db, orgA, { granularity: "month", periods: 3, end: NOW });
    expect(s.periods.map((p) => p.label)).toEqual(["2026-10", "2026-11", "2026-12"]);
    const d = s.owners.find((o) => o.ownerId === dana)!;
    // Dec: calls 2,3,5,12 are dials (12 is on Dec 7, after "now" but in the month); meetings set 9,10.
    // Nov: call 1 (Monday Nov 30: this WEEK, but last MONTH) and meeting 8 set on Nov 25.
    expect(d.periods[2]).toMatchObject({ dials: 4, meetings_set: 2, meetings_held: 1, mrr_closed_cents: 180_000 });
    expect(d.periods[1]).toMatchObject({ dials: 1, dm_conversations: 1, meetings_set: 1 });
  });

  it("configuration: job titles and keywords change the decision-maker count; MRR closed can read the MRR property", async () => {
    await saveSalesActivityConfig(db, orgA, { keyword_rule: false });
    expect((await salesActivityScorecard(db, orgA, { end: NOW })).rollup.status).toBe("stale"); // until the refresh job ran
    await refresh(orgA);
    let d = (await salesActivityScorecard(db, orgA, { end: NOW })).owners.find((o) => o.ownerId === dana)!;
    expect(d.periods[11].dm_conversations).toBe(3);
    await saveSalesActivityConfig(db, orgA, { keyword_rule: true, note_keywords: ["wants a demo"], decision_maker_titles: ["chief executive officer"] });
    await refresh(orgA);
    d = (await salesActivityScorecard(db, orgA, { end: NOW })).owners.find((o) => o.ownerId === dana)!;
    expect(d.periods[11].dm_conversations).toBe(2); // call 1 (title) + note 7 (keyword)
    await saveSalesActivityConfig(db, orgA, { deal_value: "mrr" }); // both sums are kept: no rebuild needed
    expect((await salesActivityScorecard(db, orgA, { end: NOW })).rollup.status).toBe("current");
    d = (await salesActivityScorecard(db, orgA, { end: NOW })).owners.find((o) => o.ownerId === dana)!;
    expect(d.periods[11].mrr_closed_cents).toBe(15_000);
    // Organization B keeps the defaults.
    const b = (await salesActivityScorecard(db, orgB, { end: NOW })).owners[0];
    expect(b.periods[11]).toMatchObject({ dm_conversations: 5, mrr_closed_cents: 7_700_000 });
    await db.salesActivityConfig.deleteMany({ where: { organizationId: orgA } });
    await refresh(orgA);
  });

  it("targets per owner and granularity, and the CSV", async () => {
    expect(await setSalesTargets(db, orgA, { owner_id: dana, period: "week", targets: { dials: 50, mrr_closed_cents: 100_000 } })).toEqual({ dials: 50, mrr_closed_cents: 100_000 });
    expect(await setSalesTargets(db, orgA, { owner_id: dana, period: "week", targets: { dials: null, meetings_set: 3 } })).toEqual({ meetings_set: 3, mrr_closed_cents: 100_000 });
    await setSalesTargets(db, orgA, { owner_id: marco, period: "month", targets: { dials: 400 } });
    const s = await salesActivityScorecard(db, orgA, { end: NOW });
    expect(s.owners.find((o) => o.ownerId === dana)!.targets).toEqual({ meetings_set: 3, mrr_closed_cents: 100_000 });
    expect(s.owners.find((o) => o.ownerId === marco)!.targets).toEqual({});
    const csv = scorecardCsv(s).split("\r\n");
    expect(csv[0]).toBe("owner,owner_email,hubspot_owner_id,period,period_start,dials,dm_conversations,meetings_set,meetings_held,mrr_closed,currency,target_dials,target_dm_conversations,target_meetings_set,target_meetings_held,target_mrr_closed");
    expect(csv).toContain("Dana Whitfield,dana@a.io,501,2026-W49,2026-11-30,4,5,2,1,1800.00,usd,,,3,,1000.00");
  });
});
