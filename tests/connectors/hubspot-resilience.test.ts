/**
 * Resilience of the HubSpot sync against the sandbox: a 429 storm plus 5 % 5xx and dropped
 * connections still finish with nothing lost or duplicated; a sync aborted mid-way (job signal)
 * resumes from its checkpoint without re-reading what was committed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync, setHubspotClientDefaults } from "@/lib/connectors/hubspot/sync";
import { loadCheckpoint } from "@/lib/sync/checkpoints";
import { startHubspotHarness, type HubspotHarness } from "./hubspot-harness";

let h: HubspotHarness;
let connectionId: string;
const SPEED = 100;

beforeAll(async () => {
  // Sandbox clock 100× faster; our waits scaled to match (a 10 s rate-limit wait takes 100 ms).
  h = await startHubspotHarness({
    portfolio: { synthetic: { companies: 300, contacts: 2600, deals: 120, engagements: 30, tickets: 10, customers: 5 } },
    clock: { speed: SPEED }, client: { pacer: { disabled: true }, timeScale: 1 / SPEED },
  });
  connectionId = (await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token } })).connectionId;
}, 60_000);
afterAll(async () => {
  setHubspotClientDefaults({});
  await h?.close();
});

describe("killed mid-sync", () => {
  it("resumes from the last committed batch on the next run", async () => {
    const ac = new AbortController();
    const first = runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx({
      signal: ac.signal,
      onProgress: (p) => {
        const c = (p.streams as Record<string, { processed: number }> | undefined)?.contacts;
        if (c && c.processed >= 1000) ac.abort();
      },
    }));
    await expect(first).rejects.toThrow(/cancelled/);
    const cp = await loadCheckpoint<{ mode: string; after: string | null }>(h.t.db, connectionId, "contacts");
    expect(cp).toMatchObject({ mode: "full" });
    const committed = await h.t.db.contact.count({ where: { connectionId } });
    expect(committed).toBeGreaterThanOrEqual(1000);
    expect(committed).toBeLessThan(2600);
    const run = await h.t.db.syncRun.findFirstOrThrow({ where: { connectionId, objectType: "contacts" } });
    expect(run.status).toBe("cancelled");

    const second = await runHubspotSync(h.t.db, { connectionId, full: false, trigger: "manual" }, h.ctx());
    expect(await h.t.db.contact.count({ where: { connectionId } })).toBe(2600);
    expect(second.objects.contacts.processed).toBe(2600 - committed);
    // Only the remaining pages were listed (26 pages in all), not the whole list again.
    expect(second.requestsByOp["list:contacts"]).toBe(26 - committed / 100);
    expect(await h.t.db.sourceRecord.count({ where: { connectionId } })).toBe(300);
  });
});

describe("429 storm + 5 % 5xx + dropped connections", () => {
  it("finishes a full re-sync with nothing lost or duplicated", async () => {
    h.sb.control.setFaults("hubspot", { errorRate5xx: 0.05, dropRate: 0.02, rateLimitStormForMs: 30_000 });
    try {
      const s = await runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx());
      expect(Object.entries(s.objects).filter(([, o]) => o.status !== "succeeded")).toEqual([]);
      expect(s.retries).toBeGreaterThan(0);
      const stats = h.sb.control.stats().hubspot;
      expect(stats["fault.storm"]).toBeGreaterThan(0);
      expect((stats["fault.5xx"] ?? 0) + (stats["fault.drop"] ?? 0)).toBeGreaterThan(0);
    } finally {
      h.sb.control.setFaults("hubspot", { errorRate5xx: 0, dropRate: 0, rateLimitStormUntil: null });
    }
    expect(await h.t.db.sourceRecord.count({ where: { connectionId } })).toBe(300);
    expect(await h.t.db.contact.count({ where: { connectionId } })).toBe(2600);
    expect(await h.t.db.deal.count({ where: { connectionId } })).toBe(120);
    expect(await h.t.db.contact.count({ where: { connectionId, companyExternalId: null } })).toBe(0);
  });
});
