/**
 * The scorecard's pre-aggregates (issue 17, H17s; lib/sales-activity/rollup.ts) on a real database (SQLite, or
 * PostgreSQL with CHURNWATCH_TEST_DB=postgres):
 * - a read (week, month, CSV, drill-down) never writes: pending marks and stale settings stay as they are until
 *   the background refresh runs, and the answer says so;
 * - after changes written by the HubSpot writers (a meeting rescheduled across a week and a month, a call archived,
 *   a deal's close date moved, a deal won in another currency, a deal archived, a contact's new job title), the
 *   incremental refresh (only the marked days, their weeks and months) leaves exactly the rows a full rebuild
 *   makes, every count equals its drill-down, and the other organization's rows are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import type { Db, Tx } from "@/lib/db";
import type { HubspotRecord } from "@/lib/connectors/hubspot/client";
import { markArchived, writeContacts, writeDeals, writeEngagements, type Assoc, type WriteContext } from "@/lib/connectors/hubspot/write";
import { getSalesActivityConfig, saveSalesActivityConfig } from "@/lib/sales-activity/config";
import { scorecardCsv } from "@/lib/sales-activity/csv";
import { ensureSalesActivityRollup } from "@/lib/sales-activity/rollup";
import { queueSalesActivityRefresh, SALES_ACTIVITY_REFRESH_JOB } from "@/lib/sales-activity/jobs";
import { runJobInline } from "@/lib/jobs/run-job";
import { salesActivityRecords, salesActivityScorecard, SALES_METRICS } from "@/lib/sales-activity/scorecard";

const NOW = new Date("2026-12-03T12:00:00Z");
const CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"; // HubSpot's default "Connected" call disposition

let t: TestDb;
let db: Db;
let wA: WriteContext, wB: WriteContext;

const rec = (id: string, properties: Record<string, string | null>, archived = false): HubspotRecord => ({ id, properties, createdAt: null, updatedAt: new Date(), archived });
const call = (id: string, owner: string, at: string, contact: string, extra: Record<string, string | null> = {}) =>
  rec(id, { hs_timestamp: at, hs_createdate: at, hubspot_owner_id: owner, hs_call_direction: "OUTBOUND", hs_call_disposition: CONNECTED, hs_call_title: "Call", ...extra });
const meeting = (id: string, owner: string, at: string, created: string, outcome = "COMPLETED") =>
  rec(id, { hs_timestamp: at, hs_createdate: created, hubspot_owner_id: owner, hs_meeting_outcome: outcome, hs_meeting_title: "Review" });
const note = (id: string, owner: string, at: string, body: string) => rec(id, { hs_timestamp: at, hs_createdate: at, hubspot_owner_id: owner, hs_note_body: body });
const deal = (id: string, owner: string, close: string, amount: string, cur: string | null, won = true) =>
  rec(id, { dealname: `Deal ${id}`, amount, deal_currency_code: cur, closedate: close, hs_is_closed_won: String(won), hs_is_closed: "true", hubspot_owner_id: owner, hs_mrr: String(Number(amount) / 12) });

async function write(fn: (tx: Tx) => Promise<unknown>) {
  await db.$transaction(async (tx) => { await fn(tx); });
}
const contactsOf = (pairs: [string, string][]): Assoc => new Map(pairs.map(([e, c]) => [e, [c]]));

/** Every pre-aggregate row of an organization, in a stable order (BigInt → number). */
async function rowsOf(organizationId: string) {
  const norm = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]));
  const days = await db.salesActivityDay.findMany({ where: { organizationId }, orderBy: { id: "asc" } });
  const periods = await db.salesActivityPeriod.findMany({ where: { organizationId }, orderBy: { id: "asc" } });
  return { days: days.map((r) => norm({ ...r, id: undefined })), periods: periods.map(norm) };
}

/** What a read could change: the pre-aggregates, their marks and state, and the job queue. */
async function everything(organizationId: string) {
  return {
    ...(await rowsOf(organizationId)),
    dirty: (await db.salesActivityDirtyDay.findMany({ where: { organizationId }, orderBy: { day: "asc" } })).map((d) => [d.day, d.markedAt.toISOString()]),
    state: await db.salesActivityRollupState.findUnique({ where: { organizationId } }),
    jobs: await db.job.count(),
  };
}

/** Every owner × period × metric of the scorecard equals its drill-down (the live predicates). */
async function expectCountsMatchRecords(organizationId: string, granularity: "week" | "month", periods: number) {
  const s = await salesActivityScorecard(db, organizationId, { granularity, periods, end: NOW });
  let checked = 0;
  for (const o of s.owners) {
    for (const [i, p] of s.periods.entries()) {
      for (const metric of SALES_METRICS) {
        const r = await salesActivityRecords(db, organizationId, { ownerKey: o.key, metric, granularity, periodStart: new Date(p.start) });
        if (metric === "mrr_closed_cents") {
          const main = s.currencies[0] ?? "";
          expect(r.records.filter((d) => (d.currency ?? "") === main).reduce((x, d) => x + (d.amountCents ?? 0), 0)).toBe(o.periods[i][metric]);
        } else expect(r.total).toBe(o.periods[i][metric]);
        checked += o.periods[i][metric];
      }
    }
  }
  expect(checked).toBeGreaterThan(0);
  return s;
}

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  const orgs: WriteContext[] = [];
  for (const slug of ["refresh-a", "refresh-b"]) {
    const org = await db.organization.create({ data: { name: slug, slug } });
    const conn = await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: slug, displayName: slug, scopes: [] } });
    await db.owner.create({ data: { organizationId: org.id, connectionId: conn.id, externalId: "501", firstName: "Dana" } });
    await db.owner.create({ data: { organizationId: org.id, connectionId: conn.id, externalId: "502", firstName: "Marco" } });
    orgs.push({ organizationId: org.id, connectionId: conn.id });
  }
  [wA, wB] = orgs;
  for (const w of [wA, wB]) {
    await write((tx) => writeContacts(tx, w, [rec("c1", { jobtitle: "CEO", firstname: "Ceo" }), rec("c2", { jobtitle: "Office manager", firstname: "Om" })], null));
    await write((tx) => writeEngagements(tx, w, "call", [
      call("1", "501", "2026-11-30T09:00:00Z", "c1"), call("2", "501", "2026-11-27T09:00:00Z", "c2"), call("3", "502", "2026-12-01T09:00:00Z", "c2"),
      call("4", "502", "2026-11-10T09:00:00Z", "c1", { hs_call_direction: "INBOUND" }),
    ], null, contactsOf([["1", "c1"], ["2", "c2"], ["3", "c2"], ["4", "c1"]])));
    await write((tx) => writeEngagements(tx, w, "meeting", [
      meeting("10", "501", "2026-11-28T15:00:00Z", "2026-11-20T10:00:00Z"), meeting("11", "502", "2026-12-02T15:00:00Z", "2026-11-29T10:00:00Z", "NO_SHOW"),
    ], null, contactsOf([["10", "c1"], ["11", "c2"]])));
    await write((tx) => writeEngagements(tx, w, "note", [note("20", "501", "2026-11-25T09:00:00Z", "Talked to the decision maker")], null));
    await write((tx) => writeDeals(tx, w, [
      deal("30", "501", "2026-11-26T12:00:00Z", "1200", "USD"), deal("31", "502", "2026-12-01T12:00:00Z", "600", "USD"), deal("32", "501", "2026-12-02T12:00:00Z", "999", "USD", false),
    ], null));
    await ensureSalesActivityRollup(db, w.organizationId, await getSalesActivityConfig(db, w.organizationId));
  }
});
afterAll(async () => t?.cleanup());

describe("sales-activity pre-aggregates", () => {
  it("a read never writes: marked days and changed settings wait for the background refresh, and the answer says so", async () => {
    const fresh = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    expect(fresh.rollup).toMatchObject({ status: "current", pendingDays: 0 });
    // A webhook rescheduled call 3 (marks two days); an admin changed the decision-maker titles.
    await write((tx) => writeEngagements(tx, wA, "call", [call("3", "502", "2026-12-02T09:00:00Z", "c2")], null, contactsOf([["3", "c2"]])));
    const pending = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    expect(pending.rollup).toMatchObject({ status: "pending", pendingDays: 2 });
    await saveSalesActivityConfig(db, wA.organizationId, { decision_maker_titles: ["office manager"] });
    const before = await everything(wA.organizationId);
    const card = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    expect(card.rollup.status).toBe("stale");
    scorecardCsv(card);
    await salesActivityScorecard(db, wA.organizationId, { granularity: "month", periods: 12, end: NOW });
    for (const metric of SALES_METRICS) await salesActivityRecords(db, wA.organizationId, { ownerKey: card.owners[0].key, metric, granularity: "week", periodStart: new Date(card.periods[11].start) });
    expect(await everything(wA.organizationId)).toEqual(before);
    // The refresh job's work: a full rebuild (settings changed), after which the rows are current.
    expect((await ensureSalesActivityRollup(db, wA.organizationId, await getSalesActivityConfig(db, wA.organizationId))).rebuilt).toBe("all");
    expect((await salesActivityScorecard(db, wA.organizationId, { end: NOW })).rollup).toMatchObject({ status: "current", pendingDays: 0 });
    await db.salesActivityConfig.deleteMany({ where: { organizationId: wA.organizationId } });
    await ensureSalesActivityRollup(db, wA.organizationId, await getSalesActivityConfig(db, wA.organizationId));
  });

  it("after HubSpot writes, the incremental refresh leaves exactly the rows of a full rebuild, and every count equals its records", async () => {
    const otherBefore = await rowsOf(wB.organizationId);
    const weekBefore = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    const dana = (s: typeof weekBefore) => s.owners.find((o) => o.hubspotOwnerId === "501")!;
    expect(dana(weekBefore).periods[11]).toEqual({ dials: 1, dm_conversations: 1, meetings_set: 0, meetings_held: 0, mrr_closed_cents: 0 });
    expect(dana(weekBefore).periods[10]).toEqual({ dials: 1, dm_conversations: 2, meetings_set: 0, meetings_held: 1, mrr_closed_cents: 120_000 });

    // Meeting 10 moves from Sat 2026-11-28 (week 48, November) to Wed 2026-12-02 (week 49, December).
    await write((tx) => writeEngagements(tx, wA, "meeting", [meeting("10", "501", "2026-12-02T15:00:00Z", "2026-11-20T10:00:00Z")], null, contactsOf([["10", "c1"]])));
    // Call 2 archived in HubSpot; a new call on a day nothing happened yet.
    await write((tx) => writeEngagements(tx, wA, "call", [call("2", "501", "2026-11-27T09:00:00Z", "c2", {}), call("5", "501", "2026-10-15T09:00:00Z", "c1")], null, contactsOf([["2", "c2"], ["5", "c1"]])));
    await write((tx) => writeEngagements(tx, wA, "call", [rec("2", { ...call("2", "501", "2026-11-27T09:00:00Z", "c2").properties }, true)], null, contactsOf([["2", "c2"]])));
    // Deal 30's close date moves into December; lost deal 32 is won after all; a new deal in euros; deal 31 deleted.
    await write((tx) => writeDeals(tx, wA, [deal("30", "501", "2026-12-01T12:00:00Z", "1200", "USD"), deal("32", "501", "2026-12-02T12:00:00Z", "999", "USD"), deal("33", "502", "2026-11-03T12:00:00Z", "500", "EUR")], null));
    await write((tx) => markArchived(tx, wA, "deals", ["31"], new Date()));
    // Contact c2 becomes a decision maker: calls 3 (and archived 2) were with c2.
    await write((tx) => writeContacts(tx, wA, [rec("c2", { jobtitle: "Founder", firstname: "Om" })], null));

    const inc = await ensureSalesActivityRollup(db, wA.organizationId, await getSalesActivityConfig(db, wA.organizationId));
    expect(typeof inc.rebuilt).toBe("number"); // only the marked days, not everything
    expect(inc.rebuilt as number).toBeLessThan(12);
    const incremental = await rowsOf(wA.organizationId);
    expect((await ensureSalesActivityRollup(db, wA.organizationId, await getSalesActivityConfig(db, wA.organizationId), { full: true })).rebuilt).toBe("all");
    expect(incremental).toEqual(await rowsOf(wA.organizationId));

    const week = await expectCountsMatchRecords(wA.organizationId, "week", 8);
    expect(dana(week).periods[7]).toEqual({ dials: 1, dm_conversations: 2, meetings_set: 0, meetings_held: 1, mrr_closed_cents: 219_900 });
    expect(dana(week).periods[6]).toEqual({ dials: 0, dm_conversations: 1, meetings_set: 0, meetings_held: 0, mrr_closed_cents: 0 });
    const month = await expectCountsMatchRecords(wA.organizationId, "month", 3);
    expect(month.currencies).toEqual(["usd", "eur"]);
    expect(month.owners.find((o) => o.hubspotOwnerId === "502")!.mrrClosedByCurrency).toEqual({ eur: [0, 50_000, 0] });
    expect(dana(month).periods.map((p) => p.meetings_held)).toEqual([0, 0, 1]);
    // The other organization (same HubSpot ids) is untouched.
    expect(await rowsOf(wB.organizationId)).toEqual(otherBefore);
  });

  it("writes queue ONE refresh job per organization; the job brings the figures up to date", async () => {
    // A webhook brings a new won deal for Marco this week.
    await write((tx) => writeDeals(tx, wA, [deal("34", "502", "2026-12-02T12:00:00Z", "300", "USD")], null));
    const before = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    expect(before.rollup).toMatchObject({ status: "pending", pendingDays: 1 });
    const marco = (s: typeof before) => s.owners.find((o) => o.hubspotOwnerId === "502")!.periods[11].mrr_closed_cents;
    expect(marco(before)).toBe(0);
    await queueSalesActivityRefresh(db, wA.organizationId);
    await queueSalesActivityRefresh(db, wA.organizationId); // a second webhook batch joins the queued job
    await queueSalesActivityRefresh(db, wB.organizationId);
    const jobs = await db.job.findMany({ where: { name: SALES_ACTIVITY_REFRESH_JOB, status: "queued" } });
    expect(jobs.map((j) => j.organizationId).sort()).toEqual([wA.organizationId, wB.organizationId].sort());
    const run = await runJobInline(db, SALES_ACTIVITY_REFRESH_JOB, { organizationId: wA.organizationId }, { organizationId: wA.organizationId, dedupeKey: `sales-activity-refresh:${wA.organizationId}` });
    expect(run).toMatchObject({ status: "succeeded", id: jobs.find((j) => j.organizationId === wA.organizationId)!.id });
    const after = await salesActivityScorecard(db, wA.organizationId, { end: NOW });
    expect(after.rollup).toMatchObject({ status: "current", pendingDays: 0 });
    expect(marco(after)).toBe(30_000);
  });
});
