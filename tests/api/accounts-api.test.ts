import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { GET as latestScores } from "@/app/api/integrations/scores/latest/route";
import { GET as accountDetail } from "@/app/api/accounts/[id]/route";
import { GET as summary } from "@/app/api/dashboard/summary/route";
import { GET as getConfig, PUT as putConfig } from "@/app/api/scoring/config/route";
import { GET as listUsers, POST as createUser } from "@/app/api/users/route";
import { PATCH as patchUser, DELETE as deleteUser } from "@/app/api/users/[id]/route";

let app: ApiHarness;
let admin: Session;
let csm: Session;

beforeAll(async () => {
  app = await createApiHarness();
  admin = await app.signIn("owner");
  csm = await app.signIn("csm");
  const day = new Date(Date.UTC(2026, 10, 20));
  for (let i = 0; i < 30; i++) {
    const score = 10 + i * 3; // 10 … 97
    const level = score >= 70 ? "healthy" : score >= 40 ? "at_risk" : "critical";
    const a = await app.db.account.create({
      data: {
        organizationId: app.org.id, name: i === 0 ? "=cmd|' /C calc'!A0" : `Acme ${String(i).padStart(2, "0")}`, domain: `acme${i}.example`,
        healthScore: score, riskLevel: level, trend: i % 3 === 0 ? "declining" : "stable", churnProbability: (100 - score) / 100,
        mrrCents: 10_000 * (i + 1), mrrCurrency: "usd", topReason: i < 5 ? "3 failed payments in 30 days" : null, scoredAt: day,
      },
    });
    await app.db.churnScoreDaily.create({ data: { organizationId: app.org.id, accountId: a.id, day, healthScore: score, riskLevel: level, factors: [], scoringConfigVersion: 1, churnProbability: (100 - score) / 100 } });
  }
});
afterAll(() => app.cleanup());

describe("latest scores list", () => {
  it("paginates with next_cursor until every account is seen once", async () => {
    const seen = new Set<string>();
    let url = "/api/integrations/scores/latest?limit=7";
    for (let i = 0; i < 10 && url; i++) {
      const r = await app.call(latestScores, url, { as: "cron" });
      expect(r.status).toBe(200);
      expect(r.json.total).toBe(30);
      for (const row of r.json.data) seen.add(row.account_id);
      url = r.json.next_cursor ? `/api/integrations/scores/latest?limit=7&cursor=${r.json.next_cursor}` : "";
    }
    expect(seen.size).toBe(30);
  });

  it("sorts by health score ascending by default (worst first) and filters by level, trend, search and MRR", async () => {
    const r = await app.call(listAccounts, "/api/accounts?limit=5", { as: csm });
    expect(r.json.data.map((x: { health_score: number }) => x.health_score)).toEqual([10, 13, 16, 19, 22]);
    const crit = await app.call(listAccounts, "/api/accounts?risk_level=critical&limit=200", { as: csm });
    expect(crit.json.total).toBe(10);
    expect(crit.json.data.every((x: { risk_level: string }) => x.risk_level === "critical")).toBe(true);
    const both = await app.call(listAccounts, "/api/accounts?risk_level=critical,at_risk&trend=declining", { as: csm });
    expect(both.json.data.every((x: { trend: string; risk_level: string }) => x.trend === "declining" && x.risk_level !== "healthy")).toBe(true);
    const q = await app.call(listAccounts, "/api/accounts?q=acme%2012", { as: csm });
    expect(q.json.data.map((x: { name: string }) => x.name)).toEqual(["Acme 12"]);
    const mrr = await app.call(listAccounts, "/api/accounts?min_mrr=250000&sort=mrr", { as: csm });
    expect(mrr.json.data[0]).toMatchObject({ mrr_cents: 300_000, arr_cents: 3_600_000 });
    expect(mrr.json.total).toBe(6);
  });

  it("rejects a bad filter naming the field, and a limit over 200", async () => {
    const r = await app.call(listAccounts, "/api/accounts?risk_level=doomed", { as: csm });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json.error.fields)[0]).toMatch(/^risk_level/);
    const l = await app.call(listAccounts, "/api/accounts?limit=1000", { as: csm });
    expect(l.status).toBe(400);
    expect(l.json.error.fields.limit).toMatch(/200/);
  });

  it("exports the current view as CSV with formula injection neutralised", async () => {
    const r = await app.call(listAccounts, "/api/accounts?risk_level=critical&format=csv", { as: csm });
    expect(r.headers.get("content-type")).toContain("text/csv");
    const lines = r.text.trim().split("\n");
    expect(lines[0]).toContain("health_score,risk_level");
    expect(lines).toHaveLength(11);
    expect(r.text).toContain("'=cmd");
  });
});

describe("account detail and dashboard", () => {
  it("returns an account with its history, and 404 for another organization's id", async () => {
    const a = await app.db.account.findFirstOrThrow({ where: { name: "Acme 05" } });
    const r = await app.call(accountDetail, `/api/accounts/${a.id}`, { as: csm, params: { id: a.id } });
    expect(r.status).toBe(200);
    expect(r.json.account.name).toBe("Acme 05");
    expect(r.json.history).toHaveLength(1);
    const missing = await app.call(accountDetail, "/api/accounts/nope", { as: csm, params: { id: "nope" } });
    expect(missing.status).toBe(404);
  });
  it("sums MRR at risk by level", async () => {
    const r = await app.call(summary, "/api/dashboard/summary", { as: csm });
    expect(r.json.total_accounts).toBe(30);
    const d = r.json.health_distribution;
    expect(d.critical.count + d.at_risk.count + d.healthy.count).toBe(30);
    expect(r.json.mrr_at_risk_cents).toBe(d.critical.mrr_cents + d.at_risk.mrr_cents);
    expect(r.json.total_mrr_cents).toBe(10_000 * (30 * 31) / 2);
  });
});

describe("scoring configuration", () => {
  it("serves the default config and rejects weights that do not total 100, naming the field", async () => {
    const g = await app.call(getConfig, "/api/scoring/config", { as: csm });
    expect(g.json.version).toBe(1);
    expect(g.json.thresholds).toEqual({ healthy: 70, at_risk: 40 });
    const weights = { ...g.json.weights, engagement: g.json.weights.engagement + 5 };
    const bad = await app.call(putConfig, "/api/scoring/config", { as: admin, method: "PUT", body: { weights, thresholds: { healthy: 70, at_risk: 40 }, rescore: false } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/total 100/);
    const denied = await app.call(putConfig, "/api/scoring/config", { as: csm, method: "PUT", body: { weights: g.json.weights, thresholds: { healthy: 70, at_risk: 40 } } });
    expect(denied.status).toBe(403);
    const ok = await app.call(putConfig, "/api/scoring/config", { as: admin, method: "PUT", body: { weights: g.json.weights, thresholds: { healthy: 75, at_risk: 45 }, rescore: false } });
    expect(ok.status).toBe(200);
    expect(ok.json.config.version).toBe(2);
  });
});

describe("users", () => {
  it("adds a user with a one-time password, changes a role, and never removes the last owner", async () => {
    const c = await app.call(createUser, "/api/users", { as: admin, body: { email: "New@Example.com", name: "New Person", role: "csm" } });
    expect(c.status).toBe(200);
    expect(c.json.one_time_password).toMatch(/.{12,}/);
    const dup = await app.call(createUser, "/api/users", { as: admin, body: { email: "new@example.com", name: "Again", role: "csm" } });
    expect(dup.status).toBe(409);
    const p = await app.call(patchUser, `/api/users/${c.json.membership_id}`, { as: admin, method: "PATCH", body: { role: "admin" }, params: { id: c.json.membership_id } });
    expect(p.json.role).toBe("admin");
    const list = await app.call(listUsers, "/api/users", { as: admin });
    const owner = list.json.data.find((m: { role: string }) => m.role === "owner");
    const d = await app.call(deleteUser, `/api/users/${owner.id}`, { as: admin, method: "DELETE", params: { id: owner.id } });
    expect(d.status).toBe(409);
    expect(d.json.error.message).toMatch(/last owner/);
    const csmList = await app.call(listUsers, "/api/users", { as: csm });
    expect(csmList.status).toBe(403);
  });
});
