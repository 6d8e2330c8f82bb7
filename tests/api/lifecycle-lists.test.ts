/**
 * Issue 13: risk lists of paying customers. The accounts table (GET /api/accounts) shows paying customers by
 * default and the other lifecycle states through `lifecycle=`; GET /api/integrations/scores/latest lists every
 * account but gives a risk level only to paying ones; the dashboard's levels, MRR at risk, movers and at-risk
 * renewals leave prospects and churned accounts out. A second organization's accounts never appear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { GET as latestScores } from "@/app/api/integrations/scores/latest/route";
import { GET as summary } from "@/app/api/dashboard/summary/route";
import { GET as accountDetail } from "@/app/api/accounts/[id]/route";

let app: ApiHarness;
let csm: Session;
const DAY = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10) + "T00:00:00Z");
const ids: Record<string, string> = {};

type Seed = { name: string; lifecycleState: string | null; mrrCents: number | null; healthScore: number; riskLevel: "healthy" | "at_risk" | "critical" | null; churnedAt?: Date };
// As the data looked before issue 13: levels on every scored account, whatever it paid.
const SEEDS: Seed[] = [
  { name: "Paying critical", lifecycleState: "customer", mrrCents: 50_000, healthScore: 20, riskLevel: "critical" },
  { name: "Late payer", lifecycleState: "past_due", mrrCents: 20_000, healthScore: 45, riskLevel: "at_risk" },
  { name: "Happy", lifecycleState: "customer", mrrCents: 10_000, healthScore: 90, riskLevel: "healthy" },
  { name: "Gone long ago", lifecycleState: "churned", mrrCents: 0, healthScore: 15, riskLevel: "critical", churnedAt: new Date(today.getTime() - 609 * DAY) },
  { name: "Never billed", lifecycleState: "prospect", mrrCents: null, healthScore: 25, riskLevel: "critical" },
  { name: "On trial", lifecycleState: "trialing", mrrCents: 0, healthScore: 50, riskLevel: "at_risk" },
];

beforeAll(async () => {
  app = await createApiHarness();
  csm = await app.signIn("csm");
  const other = await app.db.organization.create({ data: { name: "Other Org", slug: `other-${Math.random().toString(36).slice(2, 8)}` } });
  for (const org of [app.org.id, other.id]) {
    for (const s of SEEDS) {
      const a = await app.db.account.create({
        data: {
          organizationId: org, name: org === app.org.id ? s.name : `Other ${s.name}`, lifecycleState: s.lifecycleState, churnedAt: s.churnedAt ?? null,
          mrrCents: s.mrrCents, mrrCurrency: "usd", healthScore: s.healthScore, riskLevel: s.riskLevel, scoredAt: today,
          renewalDate: new Date(today.getTime() + 10 * DAY), trend: "stable",
        },
      });
      if (org === app.org.id) ids[s.name] = a.id;
      // Today's and yesterday's scores: a non-paying account's latest score has no level (issue 13 scoring).
      const paying = s.lifecycleState === "customer" || s.lifecycleState === "past_due";
      await app.db.churnScoreDaily.create({ data: { organizationId: org, accountId: a.id, day: today, healthScore: s.healthScore, riskLevel: paying ? s.riskLevel : null, factors: [], scoringConfigVersion: 1 } });
      await app.db.churnScoreDaily.create({ data: { organizationId: org, accountId: a.id, day: new Date(today.getTime() - DAY), healthScore: s.healthScore + 20, riskLevel: paying ? "healthy" : null, factors: [], scoringConfigVersion: 1 } });
    }
  }
});
afterAll(() => app.cleanup());

const names = (r: { json: { data: { name: string }[] } }) => r.json.data.map((x) => x.name).sort();

describe("accounts table: paying customers by default, other states by filter", () => {
  it("the default view lists customer and past_due accounts with MRR, with their lifecycle state", async () => {
    const r = await app.call(listAccounts, "/api/accounts?limit=50", { as: csm });
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(["Happy", "Late payer", "Paying critical"]);
    expect(r.json.data.find((x: { name: string }) => x.name === "Late payer")).toMatchObject({ lifecycle_state: "past_due", risk_level: "at_risk" });
  });

  it("lifecycle=churned shows churned accounts with the churn date and no risk level; prospect and all work too", async () => {
    const churned = await app.call(listAccounts, "/api/accounts?lifecycle=churned", { as: csm });
    expect(churned.json.data).toHaveLength(1);
    expect(churned.json.data[0]).toMatchObject({ name: "Gone long ago", lifecycle_state: "churned", risk_level: null });
    expect(churned.json.data[0].churned_at.slice(0, 10)).toBe(new Date(today.getTime() - 609 * DAY).toISOString().slice(0, 10));
    expect(names(await app.call(listAccounts, "/api/accounts?lifecycle=prospect,trialing", { as: csm }))).toEqual(["Never billed", "On trial"]);
    expect((await app.call(listAccounts, "/api/accounts?lifecycle=all", { as: csm })).json.total).toBe(SEEDS.length);
  });

  it("a risk-level filter never matches a non-paying account, even with lifecycle=all", async () => {
    expect(names(await app.call(listAccounts, "/api/accounts?risk_level=critical&lifecycle=all", { as: csm }))).toEqual(["Paying critical"]);
  });

  it("rejects an unknown lifecycle value naming the field", async () => {
    const r = await app.call(listAccounts, "/api/accounts?lifecycle=zombie", { as: csm });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain("lifecycle");
  });

  it("the CSV export of the default view holds paying customers only, with a lifecycle column", async () => {
    const r = await app.call(listAccounts, "/api/accounts?format=csv", { as: csm });
    const lines = r.text.trim().split("\n");
    expect(lines[0]).toContain("lifecycle_state");
    expect(lines.slice(1).map((l) => l.split(",")[1]).sort()).toEqual(["Happy", "Late payer", "Paying critical"]);
  });
});

describe("account detail", () => {
  it("shows the lifecycle state and churn date; its history stays", async () => {
    const r = await app.call(accountDetail, `/api/accounts/${ids["Gone long ago"]}`, { as: csm, params: { id: ids["Gone long ago"]! } });
    expect(r.status).toBe(200);
    expect(r.json.account).toMatchObject({ lifecycle_state: "churned" });
    expect(r.json.account.churned_at.slice(0, 10)).toBe(new Date(today.getTime() - 609 * DAY).toISOString().slice(0, 10));
    expect(r.json.history.length).toBe(2);
  });
});

describe("GET /api/integrations/scores/latest", () => {
  it("lists every account of the organization; at risk / critical only on accounts with MRR (the score-truth check)", async () => {
    const r = await app.call(latestScores, "/api/integrations/scores/latest?limit=200", { as: csm });
    expect(r.json.data).toHaveLength(SEEDS.length);
    const risky = r.json.data.filter((x: { risk_level: string | null }) => x.risk_level === "at_risk" || x.risk_level === "critical");
    expect(risky.map((x: { name: string }) => x.name).sort()).toEqual(["Late payer", "Paying critical"]);
    expect(risky.every((x: { mrr_cents: number | null }) => (x.mrr_cents ?? 0) > 0)).toBe(true);
  });
});

describe("dashboard", () => {
  it("levels, MRR at risk, movers and at-risk renewals cover paying customers; lifecycle counts cover everyone", async () => {
    const r = await app.call(summary, "/api/dashboard/summary", { as: csm });
    expect(r.status).toBe(200);
    const s = r.json;
    expect(s.total_accounts).toBe(SEEDS.length);
    expect(s.paying_accounts).toBe(3);
    expect(s.health_distribution.critical.count).toBe(1);
    expect(s.health_distribution.at_risk.count).toBe(1);
    expect(s.critical_count).toBe(1);
    expect(s.mrr_at_risk_cents).toBe(70_000);
    expect(s.avg_health_score).toBe(Math.round(((20 + 45 + 90) / 3) * 10) / 10);
    expect(s.lifecycle_counts).toMatchObject({ customer: 2, past_due: 1, churned: 1, prospect: 1, trialing: 1, paused: 0 });
    expect(s.renewals_at_risk.map((a: { name: string }) => a.name).sort()).toEqual(["Late payer", "Paying critical"]);
    const moved = (s.movers.since_yesterday as { name: string }[]).map((m) => m.name).sort();
    expect(moved).toEqual(["Happy", "Late payer", "Paying critical"]);
  });
});
