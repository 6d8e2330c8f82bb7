/**
 * The demo's code path end to end on real input (issue 8): a fresh database, the sandbox serving the
 * RavenStack portfolio over HTTP (rate limits off to keep the suite fast), HubSpot and Stripe connected
 * through the Integrations code path, the first full sync with the official SDKs, identity resolution,
 * the 365-day backfill, model training and scoring. Then the cron endpoints answer like the acceptance probe.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDemo, type DemoResult } from "@/scripts/demo/prepare-demo";
import { createTestDb, type TestDb } from "../helpers/db";
import { createApiHarness } from "../helpers/api";

let t: TestDb;
let demo: DemoResult;

beforeAll(async () => {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 3).toString("base64");
  t = await createTestDb();
  await t.db.$disconnect();
  demo = await prepareDemo({
    databaseUrl: t.url,
    portfolio: "ravenstack",
    ports: { hubspot: 0, stripe: 0 },
    limits: false,
    users: { adminEmail: "admin@demo.test", adminPassword: "demo-admin-pw", csmEmail: "csm@demo.test", csmPassword: "demo-csm-pw" },
  });
}, 900_000);

afterAll(async () => {
  await demo?.sandbox.close();
  await demo?.db.$disconnect();
  await t?.cleanup();
});

describe("npm run demo's data path on RavenStack", () => {
  it("scores every RavenStack account, merged across HubSpot and Stripe", async () => {
    const db = demo.db;
    const accounts = await db.account.count({ where: { organizationId: demo.organizationId, archivedAt: null } });
    const scored = await db.account.count({ where: { organizationId: demo.organizationId, healthScore: { not: null } } });
    expect(accounts).toBeGreaterThanOrEqual(450);
    expect(scored).toBe(accounts);
    const both = await db.account.count({
      where: { organizationId: demo.organizationId, AND: [{ sourceRecords: { some: { objectType: "company" } } }, { sourceRecords: { some: { objectType: "customer" } } }] },
    });
    expect(both).toBeGreaterThan(accounts * 0.7);
    const rules = await db.sourceRecord.groupBy({ by: ["matchRule"], where: { organizationId: demo.organizationId, objectType: "customer" }, _count: { _all: true } });
    const byRule = Object.fromEntries(rules.map((r) => [r.matchRule, r._count._all]));
    expect(byRule.email_domain).toBeGreaterThan(300);
    expect(byRule.explicit_metadata).toBeGreaterThan(0);
    expect(await db.matchCandidate.count({ where: { organizationId: demo.organizationId, status: "pending" } })).toBeGreaterThan(0);
    console.log(`demo: ${accounts} accounts, ${both} merged, customer links by rule ${JSON.stringify(byRule)}, timings ${JSON.stringify(demo.timings)}`);
  });

  it("has a year of score history and a trained model or the documented fallback", async () => {
    const db = demo.db;
    // a customer for over a year has a score for every backfilled day (issue 6: none before an account's start)
    const yearAgo = new Date(Date.now() - 366 * 86_400_000);
    const acc = await db.account.findFirstOrThrow({ where: { organizationId: demo.organizationId, customerSince: { lt: yearAgo }, sourceRecords: { some: { objectType: "customer" } } } });
    const days = await db.churnScoreDaily.count({ where: { accountId: acc.id } });
    expect(days).toBeGreaterThanOrEqual(365);
    const model = await db.churnModel.findFirstOrThrow({ where: { organizationId: demo.organizationId, isActive: true } });
    expect(["trained", "insufficient_data"]).toContain(model.status);
    if (model.status === "trained") expect((model.metrics as { rocAuc?: number }).rocAuc).toBeGreaterThan(0);
    console.log(`model v${model.version} ${model.status} ${JSON.stringify(model.metrics)}`);
  });

  it("answers the cron endpoints: POST score, then GET scores/latest lists every account with a probability", async () => {
    const app = await createApiHarness({}, { db: demo.db, url: t.url });
    const { POST: score } = await import("@/app/api/integrations/score/route");
    const { GET: latest } = await import("@/app/api/integrations/scores/latest/route");
    const s = await app.call(score, "/api/integrations/score", { as: "cron", method: "POST" });
    expect(s.status).toBe(200);
    expect(s.json.organizations.length).toBeGreaterThanOrEqual(1);
    const rows: { risk_level: string; churn_probability: number | null }[] = [];
    let url: string | null = "/api/integrations/scores/latest?limit=200&organization=demo";
    while (url) {
      const r = await app.call(latest, url, { as: "cron" });
      expect(r.status).toBe(200);
      rows.push(...r.json.data);
      url = r.json.next_cursor ? `/api/integrations/scores/latest?limit=200&organization=demo&cursor=${r.json.next_cursor}` : null;
    }
    expect(rows.length).toBeGreaterThanOrEqual(450);
    expect(rows.every((r) => typeof r.churn_probability === "number")).toBe(true);
    expect(new Set(rows.map((r) => r.risk_level)).size).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
