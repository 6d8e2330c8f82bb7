/**
 * The sales-activity API through the route handlers (auth, zod contracts, snake_case, CSV), two organizations:
 * a CSM reads the scorecard and the records, an admin changes settings and targets, a CSM cannot, cron names its
 * organization, another organization's owner is a 404, and the routes are in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as scorecard } from "@/app/api/sales-activity/route";
import { GET as records } from "@/app/api/sales-activity/records/route";
import { GET as getConfig, PUT as putConfig } from "@/app/api/sales-activity/config/route";
import { PUT as putTargets } from "@/app/api/sales-activity/targets/route";
import { GET as openapi } from "@/app/api/openapi.json/route";
import { createApiHarness, type ApiHarness, type Session } from "@/tests/helpers/api";
import { getSalesActivityConfig } from "@/lib/sales-activity/config";
import { ensureSalesActivityRollup } from "@/lib/sales-activity/rollup";

let app: ApiHarness;
let admin: Session, csm: Session, otherAdmin: Session;
let ownerA: string, ownerB: string;

beforeAll(async () => {
  app = await createApiHarness();
  const db = app.db;
  const orgB = await db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
  otherAdmin = await app.signIn("admin", orgB.id);
  const connA = await db.connection.create({ data: { organizationId: app.org.id, provider: "hubspot", externalAccountId: "1", displayName: "A", scopes: ["crm.objects.owners.read", "crm.objects.contacts.read", "crm.objects.deals.read"] } });
  const connB = await db.connection.create({ data: { organizationId: orgB.id, provider: "hubspot", externalAccountId: "2", displayName: "B", scopes: [] } });
  ownerA = (await db.owner.create({ data: { organizationId: app.org.id, connectionId: connA.id, externalId: "7", firstName: "Ann", lastName: "Rep", email: "ann@a.io" } })).id;
  ownerB = (await db.owner.create({ data: { organizationId: orgB.id, connectionId: connB.id, externalId: "7", firstName: "=cmd", lastName: "Other" } })).id;
  const now = new Date();
  for (const [org, conn, n] of [[app.org.id, connA.id, 3], [orgB.id, connB.id, 9]] as const) {
    for (let i = 0; i < n; i++) {
      await db.engagement.create({ data: { organizationId: org, connectionId: conn, type: "call", externalId: `c${i}`, ownerExternalId: "7", occurredAt: now, sourceCreatedAt: now, direction: "OUTBOUND", outcome: "no_answer" } });
    }
  }
  // What the background refresh does after a sync (rows written directly here: in full).
  for (const org of [app.org.id, orgB.id]) await ensureSalesActivityRollup(db, org, await getSalesActivityConfig(db, org), { full: true });
});
afterAll(async () => app?.cleanup());

describe("sales-activity API", () => {
  it("a CSM reads the scorecard (snake_case) and the records of a count; never another organization's", async () => {
    const r = await app.call(scorecard, "/api/sales-activity?granularity=week&periods=4", { as: csm });
    expect(r.status).toBe(200);
    expect(r.json.periods).toHaveLength(4);
    expect(r.json.owners.map((o: { owner_id: string; periods: { dials: number }[] }) => [o.owner_id, o.periods[3].dials])).toEqual([[ownerA, 3]]);
    expect(r.json.missing_scopes).toEqual([]);
    const rec = await app.call(records, `/api/sales-activity/records?owner=${ownerA}&metric=dials&period_start=${r.json.periods[3].start.slice(0, 10)}`, { as: csm });
    expect(rec.status).toBe(200);
    expect(rec.json.total).toBe(3);
    expect(rec.json.records[0]).toMatchObject({ kind: "call", direction: "OUTBOUND", outcome: "no_answer" });
    const foreign = await app.call(records, `/api/sales-activity/records?owner=${ownerB}&metric=dials&period_start=${r.json.periods[3].start.slice(0, 10)}`, { as: csm });
    expect(foreign.status).toBe(404);
    const bad = await app.call(records, `/api/sales-activity/records?owner=${ownerA}&metric=calls&period_start=2026-01-05`, { as: csm });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.metric).toBeTruthy();
  });

  it("CSV with Accept: text/csv; formula cells are neutralised", async () => {
    const r = await app.call(scorecard, "/api/sales-activity?periods=2", { as: otherAdmin, headers: { accept: "text/csv" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/csv");
    const lines = r.text.trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^'=cmd Other,,7,/);
  });

  it("admins change settings and targets; a CSM gets 403; bad input is a 400 naming the field", async () => {
    expect((await app.call(putConfig, "/api/sales-activity/config", { as: csm, method: "PUT", body: { keyword_rule: false } })).status).toBe(403);
    expect((await app.call(putTargets, "/api/sales-activity/targets", { as: csm, method: "PUT", body: { owner_id: ownerA, period: "week", targets: { dials: 5 } } })).status).toBe(403);
    const bad = await app.call(putConfig, "/api/sales-activity/config", { as: admin, method: "PUT", body: { mrr_property: "MRR Property!" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.mrr_property).toBeTruthy();
    const ok = await app.call(putConfig, "/api/sales-activity/config", { as: admin, method: "PUT", body: { decision_maker_titles: ["CEO", "Head of"], mrr_property: "hs_mrr" } });
    expect(ok.status).toBe(200);
    expect(ok.json.decision_maker_titles).toEqual(["CEO", "Head of"]);
    // New decision-maker rules: the full rebuild is queued for a background worker (one job, this organization), never run by the request.
    const jobs = await app.db.job.findMany({ where: { name: "sales-activity-refresh-job" } });
    expect(jobs.map((j) => [j.organizationId, j.status])).toEqual([[app.org.id, "queued"]]);
    expect((await app.call(scorecard, "/api/sales-activity", { as: csm })).json.rollup).toMatchObject({ status: "stale" });
    expect((await app.call(getConfig, "/api/sales-activity/config", { as: otherAdmin })).json.decision_maker_titles).toContain("founder");
    const t = await app.call(putTargets, "/api/sales-activity/targets", { as: admin, method: "PUT", body: { owner_id: ownerA, period: "week", targets: { dials: 40 } } });
    expect(t.status).toBe(200);
    expect(t.json).toEqual({ owner_id: ownerA, period: "week", targets: { dials: 40 } });
    expect((await app.call(putTargets, "/api/sales-activity/targets", { as: admin, method: "PUT", body: { owner_id: ownerB, period: "week", targets: { dials: 40 } } })).status).toBe(404);
    const neg = await app.call(putTargets, "/api/sales-activity/targets", { as: admin, method: "PUT", body: { owner_id: ownerA, period: "week", targets: { dials: -1 } } });
    expect(neg.status).toBe(400);
    const card = await app.call(scorecard, "/api/sales-activity", { as: csm });
    expect(card.json.owners[0].targets).toEqual({ dials: 40 });
  });

  it("cron reads one named organization; the routes are in the OpenAPI document", async () => {
    const r = await app.call(scorecard, `/api/sales-activity?organization=${app.org.slug}`, { as: "cron" });
    expect(r.status).toBe(200);
    expect(r.json.owners[0].owner_id).toBe(ownerA);
    const doc = (await app.call(openapi as never, "/api/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/api/sales-activity"])).toContain("get");
    expect(Object.keys(doc.paths["/api/sales-activity/targets"])).toContain("put");
    expect(Object.keys(doc.paths["/api/sales-activity/records"])).toContain("get");
  });
});
