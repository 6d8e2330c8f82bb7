/**
 * Incremental search past HubSpot's 10,000-result cap: 12,000 companies changed with ONE timestamp
 * (sandbox bulk-touch, limits off) are each fetched exactly once, in bounded requests, without
 * looping; and the sync's incremental run processes exactly those.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubspotClient } from "@/lib/connectors/hubspot/client";
import { pivotFilterGroups, probeHighWater, searchWindowPages } from "@/lib/connectors/hubspot/search-window";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

let h: HubspotHarness;

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio: { synthetic: { companies: 12_500, contacts: 10, deals: 0, engagements: 0, tickets: 0, customers: 1 } } });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("search windows", () => {
  it("builds the pivot filter: (prop = since AND hs_object_id > lastId) OR prop > since", () => {
    expect(pivotFilterGroups("hs_lastmodifieddate", { since: 5, lastId: "9" })).toEqual([
      { filters: [{ propertyName: "hs_lastmodifieddate", operator: "EQ", value: "5" }, { propertyName: "hs_object_id", operator: "GT", value: "9" }] },
      { filters: [{ propertyName: "hs_lastmodifieddate", operator: "GT", value: "5" }] },
    ]);
    expect(pivotFilterGroups("x", { since: 5, lastId: null })).toEqual([{ filters: [{ propertyName: "x", operator: "GTE", value: "5" }] }]);
  });

  it("fetches 12,000 companies sharing one timestamp exactly once, restarting the window at the 10,000 cap", async () => {
    const client = new HubspotClient({ accessToken: h.token, pacer: { disabled: true } });
    const start = (await probeHighWater(client, "companies", "hs_lastmodifieddate")).cursor;
    h.sb.control.clock.advance(60_000);
    const touched = h.sb.control.bulkTouch({ type: "companies", count: 12_000, sameTimestamp: true }) as { touched: number; timestamp: number };
    expect(touched.touched).toBe(12_000);
    const seen = new Map<string, number>();
    let pages = 0;
    let last = start;
    for await (const p of searchWindowPages(client, "companies", { prop: "hs_lastmodifieddate", start, properties: ["name"] })) {
      pages++;
      for (const it of p.items) if (it.ok) seen.set(it.record.id, (seen.get(it.record.id) ?? 0) + 1);
      last = p.cursor;
      expect(pages).toBeLessThan(100); // never loops
    }
    expect(seen.size).toBe(12_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(pages).toBe(60); // 50 pages in the first window + 10 after the restart
    expect(client.requestsByOp["search:companies"]).toBe(61); // + the probe
    expect(last.since).toBe(touched.timestamp);
    // Nothing changed since: the next window is empty.
    let again = 0;
    for await (const p of searchWindowPages(client, "companies", { prop: "hs_lastmodifieddate", start: last, properties: ["name"] })) again += p.items.length;
    expect(again).toBe(0);
  });
});
