/**
 * Issue 13: HubSpot write-back of risk levels covers paying customers only. A churned account's or a
 * prospect's company gets its health score but an empty risk level (a stale "critical" is cleared),
 * over HTTP against the sandbox with the official SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync } from "@/lib/connectors/hubspot/sync";
import { pushScores } from "@/lib/connectors/hubspot/write-back";
import { setDb } from "@/lib/db";
import { startHubspotHarness, type HubspotHarness } from "../connectors/hubspot-harness";

const portfolio = buildSyntheticPortfolio({ companies: 6, contacts: 6, deals: 2, engagements: 3, tickets: 1, customers: 3 });
let h: HubspotHarness;
let connectionId: string;
const companies: Record<string, string> = {};

const STATES = [
  { name: "paying", lifecycleState: "customer", mrrCents: 40_000 },
  { name: "churned", lifecycleState: "churned", mrrCents: 0 },
  { name: "prospect", lifecycleState: "prospect", mrrCents: null },
] as const;

async function riskLevelInHubspot(id: string): Promise<string | null | undefined> {
  const r = await fetch(`${h.sb.hubspotUrl}/crm/v3/objects/companies/${id}?properties=churnwatch_risk_level,churnwatch_health_score`, {
    headers: { authorization: `Bearer ${h.token}` },
  });
  const body = (await r.json()) as { properties: Record<string, string | null> };
  return body.properties.churnwatch_risk_level;
}

beforeAll(async () => {
  h = await startHubspotHarness({ portfolio });
  setDb(h.t.db);
  connectionId = (await configureHubspot(h.t.db, { organizationId: h.organizationId, body: { token: h.token, write_back: true } })).connectionId;
  await runHubspotSync(h.t.db, { connectionId, full: true, trigger: "manual" }, h.ctx());
  const recs = await h.t.db.sourceRecord.findMany({ where: { connectionId, objectType: "company" }, orderBy: { externalId: "asc" }, take: STATES.length });
  for (const [i, s] of STATES.entries()) {
    const a = await h.t.db.account.create({
      data: {
        organizationId: h.organizationId, name: s.name, lifecycleState: s.lifecycleState, mrrCents: s.mrrCents, mrrCurrency: "usd",
        // As before issue 13: every scored account carried a level.
        healthScore: 20, riskLevel: "critical", trend: "stable", churnProbability: 0.5, scoredAt: new Date("2026-11-20T06:00:00Z"),
      },
    });
    await h.t.db.sourceRecord.update({ where: { id: recs[i]!.id }, data: { accountId: a.id } });
    companies[s.name] = recs[i]!.externalId;
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("write-back of risk levels", () => {
  it("a paying customer's company gets its level; churned and prospect companies get none", async () => {
    const r = await pushScores(h.t.db, { connectionId });
    expect(r.pushed).toBe(3);
    expect(await riskLevelInHubspot(companies.paying!)).toBe("critical");
    expect(await riskLevelInHubspot(companies.churned!)).toBeFalsy();
    expect(await riskLevelInHubspot(companies.prospect!)).toBeFalsy();
  });

  it("an account that stops paying has its pushed level cleared on the next push", async () => {
    const rec = await h.t.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: companies.paying! } });
    await h.t.db.account.update({ where: { id: rec.accountId! }, data: { lifecycleState: "churned", mrrCents: 0 } });
    const r = await pushScores(h.t.db, { connectionId });
    expect(r.pushed).toBe(1);
    expect(await riskLevelInHubspot(companies.paying!)).toBeFalsy();
  });
});
