/**
 * Pins what users see from the queries rewritten for 50,000 accounts (issue 7): the accounts list's order
 * (sort column with unscored accounts last, then id) across page boundaries for every sort and direction,
 * the CSV export (same rows, same order as the pages, streamed), and the dashboard's SQL aggregates and
 * movers (largest change first, unchanged accounts left out).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { GET as summary } from "@/app/api/dashboard/summary/route";
import { SORT_FIELDS } from "@/lib/queries/list-account-scores";

let app: ApiHarness;
let csm: Session;
const DAY = 86_400_000;
const today = new Date(Date.UTC(2026, 10, 20));

type Seeded = { id: string; name: string; healthScore: number | null; churnProbability: number | null; mrrCents: number | null; mrrCurrency?: string | null; renewalDate: Date | null; scoredAt: Date | null; riskLevel: string | null };
const seeded: Seeded[] = [];

beforeAll(async () => {
  app = await createApiHarness();
  csm = await app.signIn("csm");
  // 23 accounts: every 4th unscored (null score/probability/level), every 5th without MRR, every 3rd
  // without a renewal date, and duplicate scores so the id tie-breaker matters.
  for (let i = 0; i < 23; i++) {
    const scored = i % 4 !== 3;
    const score = scored ? [35, 35, 50, 72, 90, 12][i % 6] : null;
    const level = score === null ? null : score >= 70 ? "healthy" : score >= 40 ? "at_risk" : "critical";
    const a = await app.db.account.create({
      data: {
        organizationId: app.org.id, name: `Zeta ${String((i * 7) % 23).padStart(2, "0")}`, domain: `z${i}.example`,
        healthScore: score, riskLevel: level, churnProbability: score === null ? null : (100 - score) / 100, trend: scored ? "stable" : null,
        mrrCents: i % 5 === 4 ? null : 1000 * ((i * 3) % 7), mrrCurrency: i % 5 === 4 ? null : i < 20 ? "usd" : "eur",
        renewalDate: i % 3 === 2 ? null : new Date(today.getTime() + ((i * 11) % 40) * DAY), scoredAt: scored ? today : null,
      },
    });
    seeded.push({ id: a.id, name: a.name, healthScore: a.healthScore, churnProbability: a.churnProbability, mrrCents: a.mrrCents, mrrCurrency: a.mrrCurrency, renewalDate: a.renewalDate, scoredAt: a.scoredAt, riskLevel: a.riskLevel });
  }
  // One archived account: never listed, never counted.
  await app.db.account.create({ data: { organizationId: app.org.id, name: "Archived", healthScore: 1, riskLevel: "critical", archivedAt: today } });
});
afterAll(() => app.cleanup());

/** Paying by MRR (these accounts have no lifecycle state: signals never ran, so MRR decides). */
const paying = (s: Seeded) => (s.mrrCents ?? 0) > 0;

const COLUMN = { health_score: "healthScore", churn_probability: "churnProbability", mrr: "mrrCents", name: "name", renewal_date: "renewalDate", scored_at: "scoredAt" } as const;

/** The documented order: column (NULLS LAST) in `dir`, then id in the same direction. */
function expected(sort: (typeof SORT_FIELDS)[number], dir: "asc" | "desc", rows = seeded): string[] {
  const key = COLUMN[sort];
  const v = (r: Seeded) => {
    const x = r[key];
    return x instanceof Date ? x.getTime() : x;
  };
  return [...rows].sort((a, b) => {
    const x = v(a), y = v(b);
    // sort=mrr never compares currencies: by currency (a → z), then the amount (issue 17).
    if (sort === "mrr" && x !== null && y !== null && a.mrrCurrency !== b.mrrCurrency) return String(a.mrrCurrency) < String(b.mrrCurrency) ? -1 : 1;
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && x !== y) return (x < y ? -1 : 1) * (dir === "asc" ? 1 : -1);
    return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * (dir === "asc" ? 1 : -1);
  }).map((r) => r.id);
}

async function allPages(query: string, limit: number): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor = "";
  for (let i = 0; i < 30; i++) {
    const r = await app.call(listAccounts, `/api/accounts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, { as: csm });
    expect(r.status).toBe(200);
    ids.push(...r.json.data.map((x: { account_id: string }) => x.account_id));
    totals.push(r.json.total);
    if (!r.json.next_cursor) break;
    cursor = r.json.next_cursor;
  }
  return { ids, totals };
}

describe("accounts list order across pages", () => {
  for (const sort of SORT_FIELDS) {
    for (const dir of ["asc", "desc"] as const) {
      it(`sort=${sort} order=${dir}: pages of 4 list every account once, unscored/empty values last, ties by id in the same direction`, async () => {
        const { ids, totals } = await allPages(`sort=${sort}&order=${dir}&lifecycle=all`, 4);
        expect(ids).toEqual(expected(sort, dir));
        expect(new Set(totals)).toEqual(new Set([23]));
      });
    }
  }

  it("a page that starts inside the unscored tail (offset past every scored row) continues it", async () => {
    const { ids } = await allPages("sort=health_score&lifecycle=all", 9);
    expect(ids.slice(18)).toEqual(expected("health_score", "asc").slice(18));
    expect(ids.slice(18).every((id) => seeded.find((s) => s.id === id)!.healthScore === null)).toBe(true);
  });

  it("a filter combined with a sort keeps the same order rule (a risk level only on accounts with MRR)", async () => {
    const { ids, totals } = await allPages("sort=mrr&risk_level=critical,at_risk&lifecycle=all", 2);
    expect(ids).toEqual(expected("mrr", "desc", seeded.filter((s) => (s.riskLevel === "critical" || s.riskLevel === "at_risk") && paying(s))));
    expect(totals[0]).toBe(ids.length);
  });
});

describe("CSV export", () => {
  it("streams every row of the view in the page order, one line each, filters applied", async () => {
    const r = await app.call(listAccounts, "/api/accounts?sort=renewal_date&order=desc&format=csv&lifecycle=all", { as: csm });
    expect(r.status).toBe(200);
    const lines = r.text.trim().split("\n");
    expect(lines[0].split(",")[0]).toBe("account_id");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(expected("renewal_date", "desc"));
    // A whole line: owner name, level, lifecycle, money in cents, ARR, currency and the renewal day.
    const a = seeded[1]; // score 35, critical, $30.00 MRR
    const owner = await app.db.owner.create({ data: { organizationId: app.org.id, connectionId: "c1", externalId: "o1", firstName: "Olive", lastName: "Owner" } });
    await app.db.account.update({ where: { id: a.id }, data: { ownerId: owner.id, lifecycleState: "customer", topReason: "3 failed payments, 1 \"past due\"" } });
    const one = await app.call(listAccounts, `/api/accounts?q=${encodeURIComponent(a.name)}&format=csv`, { as: csm });
    expect(one.text.trim().split("\n")[1]).toBe(
      `${a.id},${a.name},z1.example,Olive Owner,35,critical,customer,,stable,0.65,3000,36000,usd,${a.renewalDate!.toISOString().slice(0, 10)},"3 failed payments, 1 ""past due"""`,
    );
    await app.db.account.update({ where: { id: a.id }, data: { lifecycleState: null } });
    const crit = await app.call(listAccounts, "/api/accounts?risk_level=critical&format=csv", { as: csm });
    const critIds = crit.text.trim().split("\n").slice(1).map((l) => l.split(",")[0]);
    expect(critIds).toEqual(expected("health_score", "asc", seeded.filter((s) => s.riskLevel === "critical" && paying(s))));
  });
});

describe("dashboard aggregates and movers", () => {
  it("counts, sums and averages live accounts per level in one pass; movers are the largest changes first", async () => {
    // Scores for the first 6 scored accounts on today, yesterday and a week ago.
    const scoredIds = seeded.filter((s) => s.healthScore !== null).slice(0, 6);
    const yesterdayDelta = [+12.3, -30, 0, +0.04, -5.5, +30];
    for (const [k, s] of scoredIds.entries()) {
      const now = s.healthScore!;
      for (const [day, score] of [[today, now], [new Date(today.getTime() - DAY), Math.round((now - yesterdayDelta[k]) * 10) / 10], [new Date(today.getTime() - 7 * DAY), now - 1]] as const) {
        await app.db.churnScoreDaily.create({ data: { organizationId: app.org.id, accountId: s.id, day, healthScore: score, riskLevel: "at_risk", factors: [], scoringConfigVersion: 1 } });
      }
    }
    const r = await app.call(summary, "/api/dashboard/summary", { as: csm });
    expect(r.status).toBe(200);
    const live = seeded.filter(paying); // levels, averages and MRR at risk: paying customers only
    const scored = live.filter((s) => s.healthScore !== null);
    expect(r.json.total_accounts).toBe(23);
    expect(r.json.paying_accounts).toBe(live.length);
    expect(r.json.scored_accounts).toBe(scored.length);
    expect(r.json.avg_health_score).toBe(Math.round((scored.reduce((a, s) => a + s.healthScore!, 0) / scored.length) * 10) / 10);
    // MRR totals are in the most common currency (usd) only: the eur accounts are listed apart, never added (issue 17).
    const mrrOf = (f: (s: Seeded) => boolean, cur = "usd") => live.filter((s) => s.mrrCurrency === cur && f(s)).reduce((a, s) => a + (s.mrrCents ?? 0), 0);
    expect(r.json.total_mrr_cents).toBe(mrrOf(() => true));
    expect(r.json.mrr_per_currency.find((x: { currency: string }) => x.currency === "eur").total_mrr_cents).toBe(mrrOf(() => true, "eur"));
    expect(r.json.health_distribution.unscored).toEqual({ count: live.filter((s) => s.riskLevel === null).length, mrr_cents: mrrOf((s) => s.riskLevel === null) });
    expect(r.json.health_distribution.critical.count).toBe(live.filter((s) => s.riskLevel === "critical").length);
    expect(r.json.mrr_at_risk_cents).toBe(mrrOf((s) => s.riskLevel === "critical" || s.riskLevel === "at_risk"));
    expect(r.json.currency).toBe("usd");
    // Yesterday: |−30| and |+30| first (tie → account id order), then +12.3, −5.5; 0 and +0.04 (rounds to 0.0) left out.
    const m = r.json.movers.since_yesterday as { account_id: string; delta: number; from: number; to: number; name: string }[];
    const tied = [scoredIds[1].id, scoredIds[5].id].sort();
    expect(m.map((x) => x.account_id)).toEqual([...tied, scoredIds[0].id, scoredIds[4].id]);
    expect(m.map((x) => x.delta)).toEqual([...tied.map((id): number => (id === scoredIds[1].id ? -30 : 30)), 12.3, -5.5]);
    expect(m[2]).toMatchObject({ name: scoredIds[0].name, to: scoredIds[0].healthScore });
    expect((r.json.movers.since_last_week as { delta: number }[]).map((x) => x.delta)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
