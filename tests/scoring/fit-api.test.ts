/** The "Fit to our history" API: admins only, a background job per organization, applying a finished fit as a new config version of that organization only. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type Session } from "../helpers/api";
import { POST as startFit } from "@/app/api/scoring/fit/route";
import { POST as applyFit } from "@/app/api/scoring/fit/[id]/apply/route";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";

let app: Awaited<ReturnType<typeof createApiHarness>>;
let admin: Session;
let csm: Session;
let otherAdmin: Session;
let otherOrg: string;

beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("owner");
  csm = await app.signIn("csm");
  otherOrg = (await app.db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } })).id;
  otherAdmin = await app.signIn("admin", otherOrg);
});
afterAll(() => app.cleanup());

describe("POST /api/scoring/fit and /apply", () => {
  it("enqueues one fit job per organization for admins; applies only a finished fit of the caller's organization", async () => {
    expect((await app.call(startFit, "/api/scoring/fit", { as: csm, method: "POST" })).status).toBe(403);
    const r = await app.call(startFit, "/api/scoring/fit", { as: admin, method: "POST" });
    expect(r.status).toBe(200);
    const again = await app.call(startFit, "/api/scoring/fit", { as: admin, method: "POST" });
    expect(again.json.job.id).toBe(r.json.job.id); // deduplicated while queued
    const queued = await app.call(applyFit, `/api/scoring/fit/${r.json.job.id}/apply`, { as: admin, method: "POST", params: { id: r.json.job.id } });
    expect(queued.status).toBe(409);

    const candidate = { ...DEFAULT_SCORING_CONFIG, weights: { ...DEFAULT_SCORING_CONFIG.weights, engagement: 5, openDeals: 10 }, thresholds: { healthy: 60, atRisk: 45 } };
    const done = await app.db.job.create({
      data: { name: "fit-scoring-job", payload: { organizationId: app.org.id }, organizationId: app.org.id, status: "succeeded", result: { status: "fitted", candidate } },
    });
    const foreign = await app.call(applyFit, `/api/scoring/fit/${done.id}/apply`, { as: otherAdmin, method: "POST", params: { id: done.id } });
    expect(foreign.status).toBe(404);
    expect((await getActiveScoringConfig(app.db, otherOrg)).version).toBe(1);
    expect((await app.call(applyFit, `/api/scoring/fit/${done.id}/apply`, { as: csm, method: "POST", params: { id: done.id } })).status).toBe(403);

    const ok = await app.call(applyFit, `/api/scoring/fit/${done.id}/apply`, { as: admin, method: "POST", params: { id: done.id } });
    expect(ok.status).toBe(200);
    const active = await getActiveScoringConfig(app.db, app.org.id);
    expect(active.version).toBe(ok.json.config.version);
    expect(active.config.weights.openDeals).toBe(10);
    expect(active.config.thresholds).toEqual({ healthy: 60, atRisk: 45 });
  });
});
