/**
 * GET /api/jobs and POST /api/jobs/{id}/retry (admin), on SQLite and PostgreSQL: the dead-letter list (failed
 * jobs with their error) shows only the caller's organization; a CSM may not read it; the retry action puts a
 * failed job back in the queue once (a second retry is a conflict), and never another organization's job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listJobsHandler } from "@/app/api/jobs/route";
import { POST as retryHandler } from "@/app/api/jobs/[id]/retry/route";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";

let app: ApiHarness;
let adminA: Session;
let adminB: Session;
let csmA: Session;
let failedA: string;
let failedB: string;

beforeAll(async () => {
  app = await createApiHarness();
  const orgB = await app.db.organization.create({ data: { name: "Other Org", slug: `other-${Date.now()}` } });
  adminA = await app.signIn("admin");
  csmA = await app.signIn("csm");
  adminB = await app.signIn("admin", orgB.id);
  const dead = { name: "noop-job", payload: { steps: 1 }, status: "failed", attempts: 3, maxAttempts: 3, finishedAt: new Date() };
  failedA = (await app.db.job.create({ data: { ...dead, organizationId: app.org.id, error: "HubSpot answered 500 three times" } })).id;
  failedB = (await app.db.job.create({ data: { ...dead, organizationId: orgB.id, error: "secret of B" } })).id;
  await app.db.job.create({ data: { name: "noop-job", payload: { steps: 1 }, status: "succeeded", organizationId: app.org.id } });
});
afterAll(async () => app?.cleanup());

describe("jobs API: dead letters and retry", () => {
  it("lists the organization's failed jobs with their error, never another organization's; CSMs are refused", async () => {
    const a = await app.call(listJobsHandler, "/api/jobs?status=failed", { as: adminA });
    expect(a.status).toBe(200);
    expect(a.json.data.map((j: { id: string }) => j.id)).toEqual([failedA]);
    expect(a.json.data[0]).toMatchObject({ status: "failed", error: "HubSpot answered 500 three times", attempts: 3 });
    expect(a.json.total).toBe(1);
    const all = await app.call(listJobsHandler, "/api/jobs", { as: adminA });
    expect(all.json.total).toBe(2);
    expect(JSON.stringify(all.json)).not.toContain("secret of B");
    const b = await app.call(listJobsHandler, "/api/jobs?status=failed", { as: adminB });
    expect(b.json.data.map((j: { id: string }) => j.id)).toEqual([failedB]);
    expect((await app.call(listJobsHandler, "/api/jobs", { as: csmA })).status).toBe(403);
    expect((await app.call(listJobsHandler, "/api/jobs?status=dead", { as: adminA })).status).toBe(400);
  });

  it("retry puts a failed job back in the queue once; another organization's job is not found", async () => {
    const other = await app.call(retryHandler, `/api/jobs/${failedB}/retry`, { as: adminA, method: "POST", params: { id: failedB } });
    expect(other.status).toBe(404);
    expect((await app.db.job.findUniqueOrThrow({ where: { id: failedB } })).status).toBe("failed");
    const r = await app.call(retryHandler, `/api/jobs/${failedA}/retry`, { as: adminA, method: "POST", params: { id: failedA } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: failedA, status: "queued", error: null });
    const row = await app.db.job.findUniqueOrThrow({ where: { id: failedA } });
    expect(row).toMatchObject({ status: "queued", attempts: 0, finishedAt: null });
    const again = await app.call(retryHandler, `/api/jobs/${failedA}/retry`, { as: adminA, method: "POST", params: { id: failedA } });
    expect(again.status).toBe(409);
    expect((await app.call(retryHandler, `/api/jobs/${failedA}/retry`, { as: csmA, method: "POST", params: { id: failedA } })).status).toBe(403);
  });
});
