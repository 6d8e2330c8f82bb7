/**
 * The HubSpot sync reads what the sales-activity scorecard needs, through the official SDK against the sandbox:
 * call direction/disposition/duration, the contact a call or meeting was with (v4 associations), a meeting's
 * creation time (booking) apart from its hs_timestamp, deal close date/amount and the configured MRR property —
 * and the scorecard built from the synced rows. Two organizations connect the same portal with different
 * MRR properties; neither sees the other's rows.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { saveSalesActivityConfig } from "@/lib/sales-activity/config";
import { salesActivityRecords, salesActivityScorecard } from "@/lib/sales-activity/scorecard";
import type { Portfolio } from "@/sandbox/portfolio";
import { startHubspotHarness, type HubspotHarness } from "@/tests/connectors/hubspot-harness";

const CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7";
const NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20";

function portfolio(): Portfolio {
  const p = JSON.parse(readFileSync("docs/example-portfolio.json", "utf8")) as Portfolio;
  const rec = (id: string, at: string, props: Record<string, string>, assoc: Record<string, string[]>, created = at) => ({
    id, properties: { hs_timestamp: at, hubspot_owner_id: "11", hs_lastmodifieddate: at, hs_object_id: id, ...props },
    createdAt: created, updatedAt: at, associations: assoc,
  });
  p.hubspot.calls.push(
    rec("402", "2026-01-13T09:00:00Z", { hs_call_title: "Intro", hs_call_direction: "OUTBOUND", hs_call_disposition: NO_ANSWER, hs_call_duration: "12000" }, { companies: ["101"], contacts: ["201"] }),
    rec("403", "2026-01-13T11:00:00Z", { hs_call_title: "Call back", hs_call_body: "Spoke with the CEO about pricing", hs_call_direction: "INBOUND", hs_call_disposition: CONNECTED, hs_call_duration: "300000" }, { companies: ["101"], contacts: ["202"] }),
  );
  p.hubspot.meetings.push(
    rec("701", "2026-01-13T15:00:00Z", { hs_meeting_title: "Demo", hs_meeting_outcome: "COMPLETED", hs_meeting_start_time: "2026-01-13T15:00:00Z", hs_meeting_end_time: "2026-01-13T15:30:00Z" }, { companies: ["101"], contacts: ["201"] }, "2026-01-06T10:00:00Z"),
  );
  p.hubspot.deals.push({
    id: "302",
    properties: { dealname: "Acme – expansion", amount: "12000", hs_mrr: "1000", mrr_custom: "777", dealstage: "closedwon", pipeline: "default", closedate: "2026-01-13T12:00:00Z", createdate: "2025-12-01T10:00:00Z", hubspot_owner_id: "11", hs_lastmodifieddate: "2026-01-13T12:00:00Z", hs_object_id: "302" },
    createdAt: "2025-12-01T10:00:00Z", updatedAt: "2026-01-13T12:00:00Z", associations: { companies: ["101"] },
  } as Portfolio["hubspot"]["deals"][number]);
  return p;
}

let h: HubspotHarness;
let orgB: string;
const END = new Date("2026-01-14T12:00:00Z");

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio: portfolio() });
  orgB = (await h.t.db.organization.create({ data: { name: "B", slug: "sales-sync-b" } })).id;
  await saveSalesActivityConfig(h.t.db, orgB, { mrr_property: "mrr_custom", deal_value: "mrr" });
  for (const organizationId of [h.organizationId, orgB]) {
    const c = await configureHubspot(h.t.db, { organizationId, body: { token: h.token } });
    const s = await runHubspotSync(h.t.db, { connectionId: c.connectionId, full: true, trigger: "manual" }, h.ctx());
    for (const k of ["owners", "contacts", "deals", "calls", "meetings", "notes"]) expect(s.objects[k]?.status, k).toBe("succeeded");
  }
}, 120_000);
afterAll(async () => h?.close());

describe("HubSpot sync → sales-activity scorecard", () => {
  it("stores direction, disposition, duration, the associated contact and the booking time", async () => {
    const calls = await h.t.db.engagement.findMany({ where: { organizationId: h.organizationId, type: "call" }, orderBy: { externalId: "asc" } });
    expect(calls.map((c) => [c.externalId, c.direction, c.outcome, c.durationMs, c.contactExternalId])).toEqual([
      ["401", "OUTBOUND", "connected", 420000, "203"], ["402", "OUTBOUND", "no_answer", 12000, "201"], ["403", "INBOUND", "connected", 300000, "202"],
    ]);
    expect(calls[2].searchText).toContain(" ceo ");
    const m = await h.t.db.engagement.findFirstOrThrow({ where: { organizationId: h.organizationId, type: "meeting" } });
    expect([m.outcome, m.contactExternalId, m.sourceCreatedAt?.toISOString(), m.occurredAt.toISOString()]).toEqual(["completed", "201", "2026-01-06T10:00:00.000Z", "2026-01-13T15:00:00.000Z"]);
    const note = await h.t.db.engagement.findFirstOrThrow({ where: { organizationId: h.organizationId, type: "note" } });
    expect(note.contactExternalId).toBeNull();
  });

  it("reads the deal's MRR property each organization configured", async () => {
    const a = await h.t.db.deal.findFirstOrThrow({ where: { organizationId: h.organizationId, externalId: "302" } });
    const b = await h.t.db.deal.findFirstOrThrow({ where: { organizationId: orgB, externalId: "302" } });
    expect([a.amountCents, a.mrrCents, a.isWon, a.closeDate?.toISOString()]).toEqual([1_200_000, 100_000, true, "2026-01-13T12:00:00.000Z"]);
    expect([b.amountCents, b.mrrCents]).toEqual([1_200_000, 77_700]);
  });

  it("builds the week's scorecard from the synced rows, per organization", async () => {
    const s = await salesActivityScorecard(h.t.db, h.organizationId, { end: END, periods: 2 });
    expect(s.periods.map((p) => p.label)).toEqual(["2026-W02", "2026-W03"]);
    const dana = s.owners.find((o) => o.hubspotOwnerId === "11")!;
    expect(dana.name).toBe("Dana Whitfield");
    expect(dana.periods[1]).toEqual({ dials: 2, dm_conversations: 3, meetings_set: 0, meetings_held: 1, mrr_closed_cents: 1_200_000 });
    expect(dana.periods[0]).toMatchObject({ meetings_set: 1 });
    const dm = await salesActivityRecords(h.t.db, h.organizationId, { ownerKey: dana.key, metric: "dm_conversations", granularity: "week", periodStart: new Date(s.periods[1].start) });
    expect(dm.records.map((r) => [r.kind, r.hubspotId, r.reason, r.contact?.jobTitle ?? null])).toEqual([
      ["meeting", "701", "job title", "VP Engineering"], ["call", "403", "keyword", "Data Analyst"], ["call", "401", "job title", "Head of Operations"],
    ]);
    const b = await salesActivityScorecard(h.t.db, orgB, { end: END, periods: 2 });
    expect(b.owners).toHaveLength(1);
    expect(b.owners[0].key).not.toBe(dana.key);
    expect(b.owners[0].periods[1].mrr_closed_cents).toBe(77_700);
    await expect(salesActivityRecords(h.t.db, orgB, { ownerKey: dana.key, metric: "dials", granularity: "week", periodStart: new Date(s.periods[1].start) })).rejects.toMatchObject({ code: "not_found" });
  });

  it("a meeting rescheduled in HubSpot moves weeks after the next incremental sync: only the touched days are rebuilt", async () => {
    const before = await salesActivityScorecard(h.t.db, h.organizationId, { end: new Date("2026-01-21T12:00:00Z"), periods: 2 });
    expect(before.rollup.status).toBe("current");
    const dana = (c: typeof before) => c.owners.find((o) => o.hubspotOwnerId === "11")!;
    expect(dana(before).periods.map((p) => p.meetings_held)).toEqual([1, 0]);
    const res = await fetch(`${h.sb.hubspotUrl}/crm/v3/objects/meetings/701`, {
      method: "PATCH", headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
      body: JSON.stringify({ properties: { hs_timestamp: "2026-01-20T15:00:00Z" } }),
    });
    expect(res.status).toBe(200);
    const conn = await h.t.db.connection.findFirstOrThrow({ where: { organizationId: h.organizationId } });
    // The sync refreshes the pre-aggregate at its end: capture what it rebuilt.
    const refreshed: unknown[] = [];
    const base = h.ctx();
    const log = new Proxy(base.log, {
      get: (t, k) => k === "info" ? (o: unknown, m?: string) => { if (m?.startsWith("sales-activity")) refreshed.push(o); return t.info(o as object, m); } : Reflect.get(t, k),
    });
    const s = await runHubspotSync(h.t.db, { connectionId: conn.id, full: false, trigger: "manual" }, { ...base, log });
    expect(s.objects.meetings.processed).toBe(1);
    // 2026-01-13 (where it was), 2026-01-20 (where it is) and its booking day 2026-01-06 — not every day.
    expect(refreshed).toEqual([expect.objectContaining({ rebuilt: 3 })]);
    const after = await salesActivityScorecard(h.t.db, h.organizationId, { end: new Date("2026-01-21T12:00:00Z"), periods: 2 });
    expect(after.rollup.status).toBe("current");
    expect(dana(after).periods.map((p) => p.meetings_held)).toEqual([0, 1]);
    expect(dana(after).periods.map((p) => p.dm_conversations)).toEqual([2, 1]);
    // Organization B's copy of the portal is not touched until its own sync.
    const b = await salesActivityScorecard(h.t.db, orgB, { end: new Date("2026-01-21T12:00:00Z"), periods: 2 });
    expect(b.owners[0].periods.map((p) => p.meetings_held)).toEqual([1, 0]);
  });
  it("a contact's new job title changes the decision-maker count of its days after the next sync", async () => {
    const end = new Date("2026-01-14T12:00:00Z"); // the week of call 401 (the meeting moved to the next week above)
    const dana = async () => (await salesActivityScorecard(h.t.db, h.organizationId, { end, periods: 1 })).owners.find((o) => o.hubspotOwnerId === "11")!.periods[0];
    expect((await dana()).dm_conversations).toBe(2); // call 401 (Head of Operations) + call 403 (keyword)
    const res = await fetch(`${h.sb.hubspotUrl}/crm/v3/objects/contacts/203`, {
      method: "PATCH", headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
      body: JSON.stringify({ properties: { jobtitle: "Support agent" } }),
    });
    expect(res.status).toBe(200);
    const conn = await h.t.db.connection.findFirstOrThrow({ where: { organizationId: h.organizationId } });
    await runHubspotSync(h.t.db, { connectionId: conn.id, full: false, trigger: "manual" }, h.ctx());
    expect((await dana()).dm_conversations).toBe(1); // call 401 was with contact 203, no longer a head of operations
  });

});
