// Sync history (issue 18): after a full re-sync and a later incremental sync, the Integrations card still
// shows the full run's counts, and GET /api/integrations/{name}/sync-runs lists both syncs (trigger, mode,
// per-object counts, duration), filterable, scoped to the organization, kept 90 days.
// The HubSpot connector runs against the sandbox over HTTP (official SDK), real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as status } from "@/app/api/integrations/[name]/status/route";
import { GET as syncRuns } from "@/app/api/integrations/[name]/sync-runs/route";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { pruneSyncHistory } from "@/lib/sync/sync-history";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { startHubspotHarness, type HubspotHarness } from "../connectors/hubspot-harness";

const portfolio = buildSyntheticPortfolio({ companies: 40, contacts: 60, deals: 20, customers: 5, engagements: 20, tickets: 5 });
let h: HubspotHarness;
let app: ApiHarness;
let admin: Session;
let connectionId: string;

async function syncAs(trigger: string, full: boolean) {
  const job = await h.t.db.job.create({ data: { name: "sync-connection-job", payload: { connectionId, full, trigger }, organizationId: app.org.id, status: "running" } });
  await runHubspotSync(h.t.db, { connectionId, full, trigger }, { ...h.ctx(), jobId: job.id });
  await h.t.db.job.update({ where: { id: job.id }, data: { status: "succeeded" } });
  return job.id;
}

let fullJob: string;
let incrementalJob: string;

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio });
  app = await createApiHarness({ HUBSPOT_API_BASE_URL: h.sb.hubspotUrl }, { db: h.t.db, url: h.t.url });
  admin = await app.signIn("admin");
  connectionId = (await configureHubspot(h.t.db, { organizationId: app.org.id, body: { token: h.token } })).connectionId;
  await syncAs("cli", false); // the first sync of a connection reads everything (mode full)
  fullJob = await syncAs("manual", true);
  incrementalJob = await syncAs("cron", false);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("the Integrations card", () => {
  it("keeps the full re-sync's counts after a later incremental sync with no changes", async () => {
    const r = await app.call(status, "/api/integrations/hubspot/status", { as: admin, params: { name: "hubspot" } });
    expect(r.status).toBe(200);
    const c = r.json.connections[0];
    const last = c.last_runs.find((x: { object_type: string }) => x.object_type === "companies");
    expect(last).toMatchObject({ mode: "incremental", records_processed: 0 });
    const full = c.last_full_runs.find((x: { object_type: string }) => x.object_type === "companies");
    expect(full).toMatchObject({ records_processed: 40, status: "succeeded" });
  });
});

describe("GET /api/integrations/{name}/sync-runs", () => {
  const get = (q: string, as: Session = admin) => app.call(syncRuns, `/api/integrations/hubspot/sync-runs${q}`, { as, params: { name: "hubspot" } });

  it("lists every sync, newest first, with trigger, mode, per-object counts and duration", async () => {
    const r = await get("");
    expect(r.status).toBe(200);
    expect(r.json.total).toBe(3);
    expect(r.json.data.map((e: { job_id: string; trigger: string; mode: string }) => [e.job_id, e.trigger, e.mode])).toEqual([
      [incrementalJob, "cron", "incremental"], [fullJob, "manual", "full"], [expect.any(String), "cli", "full"],
    ]);
    const full = r.json.data[1];
    expect(full.status).toBe("succeeded");
    expect(full.duration_ms).toBeGreaterThanOrEqual(0);
    expect(full.objects.find((o: { object_type: string }) => o.object_type === "companies")).toMatchObject({ records_processed: 40, direction: "inbound" });
    expect(full.objects.find((o: { object_type: string }) => o.object_type === "contacts").records_processed).toBe(60);
    expect(full.totals.records_processed).toBeGreaterThanOrEqual(120);
  });

  it("filters by mode, trigger and status, and pages", async () => {
    expect((await get("?mode=full")).json.data.map((e: { job_id: string }) => e.job_id)).toHaveLength(2);
    expect((await get("?trigger=cron")).json.data.map((e: { job_id: string }) => e.job_id)).toEqual([incrementalJob]);
    expect((await get("?status=failed")).json.total).toBe(0);
    const p1 = await get("?limit=2");
    expect(p1.json.data).toHaveLength(2);
    const p2 = await get(`?limit=2&cursor=${p1.json.next_cursor}`);
    expect(p2.json.data).toHaveLength(1);
    expect(p2.json.next_cursor).toBeNull();
    expect((await get("?mode=sideways")).status).toBe(400);
  });

  it("never shows another organization's connection", async () => {
    const other = await app.db.organization.create({ data: { name: "Other", slug: `other-${Math.random().toString(36).slice(2, 8)}` } });
    const outsider = await app.signIn("admin", other.id);
    expect((await get(`?connection_id=${connectionId}`, outsider)).status).toBe(404);
    expect((await get("", outsider)).status).toBe(404);
  });
});

describe("retention", () => {
  it("deletes runs that started more than 90 days ago and keeps the rest", async () => {
    const now = new Date();
    const old = await h.t.db.syncRun.create({ data: { organizationId: app.org.id, connectionId, objectType: "companies", mode: "full", status: "succeeded", startedAt: new Date(now.getTime() - 91 * 86_400_000), completedAt: new Date(now.getTime() - 91 * 86_400_000) } });
    const kept = await h.t.db.syncRun.create({ data: { organizationId: app.org.id, connectionId, objectType: "companies", mode: "full", status: "succeeded", startedAt: new Date(now.getTime() - 89 * 86_400_000), completedAt: new Date(now.getTime() - 89 * 86_400_000) } });
    const before = await h.t.db.syncRun.count({ where: { connectionId } });
    expect(await pruneSyncHistory(h.t.db, connectionId, now)).toBe(1);
    expect(await h.t.db.syncRun.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await h.t.db.syncRun.findUnique({ where: { id: kept.id } })).not.toBeNull();
    expect(await h.t.db.syncRun.count({ where: { connectionId } })).toBe(before - 1);
  });
});
