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
});
