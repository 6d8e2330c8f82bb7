/**
 * GET /api/dashboard/summary and the dashboard page: totals, MRR/ARR (minor units, primary currency),
 * MRR at risk, average health score, distribution by risk level with counts and MRR (seed 04's shape),
 * biggest movers since yesterday and last week, renewals within 30 days that are at risk, data freshness.
 * Levels, average, MRR at risk, movers and at-risk renewals cover paying customers only (lifecycle
 * customer/past_due with MRR; issue 13); `lifecycleCounts` counts every live account per lifecycle state.
 */
import { latestRateConverter } from "@/lib/revenue/currency";
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { isLifecycleState, type LifecycleState } from "@/lib/signals/types";
import { PAYING_WHERE } from "./list-account-scores";

const DAY = 86_400_000;
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

type Level = "healthy" | "at_risk" | "critical";
/**
 * One (risk level of a paying customer, currency, lifecycle state) group of the organization's live accounts.
 * `level` is NULL for accounts that do not pay (see PAYING_SQL): they never count as healthy/at risk/critical.
 */
type LevelRow = {
  level: Level | null; paying: number | bigint | boolean; currency: string | null; lifecycle: string | null;
  n: number | bigint; scored: number | bigint; scoreSum: number | string | null; mrr: number | bigint | string | null;
};
type MoverRow = { accountId: string; name: string; from: number; to: number; riskLevel: Level };
export type Mover = { accountId: string; name: string; from: number; to: number; delta: number; riskLevel: Level };

/**
 * A DateTime as a raw-query parameter that compares equal to what Prisma stored: SQLite keeps the text
 * `2026-11-20T00:00:00.000+00:00`; PostgreSQL `timestamp(3)` parses ISO text (the zone is ignored, UTC).
 */
const dbTimestamp = (pg: boolean, d: Date) => (pg ? d.toISOString() : sqliteDateText(d));

const num = (v: number | bigint | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The Account part of the dashboard in ONE scan: counts, scored counts, health-score sums and MRR sums
 * (minor units) per (risk level, currency). Was five Prisma count/aggregate/groupBy calls.
 */
async function levelGroups(db: Db, organizationId: string, csmUserId?: string): Promise<LevelRow[]> {
  const p = (i: number) => (providerOf(db) === "postgresql" ? `$${i}` : "?");
  const csm = csmUserId ? ` AND "csmUserId" = ${p(2)}` : ""; // "my accounts" (issue 16)
  return db.$queryRawUnsafe<LevelRow[]>(
    `SELECT CASE WHEN ${PAYING_SQL} THEN "riskLevel" END AS "level", CASE WHEN ${PAYING_SQL} THEN 1 ELSE 0 END AS "paying", ` +
      `"mrrCurrency" AS "currency", "lifecycleState" AS "lifecycle", COUNT(*) AS "n", COUNT("healthScore") AS "scored", ` +
      `SUM("healthScore") AS "scoreSum", SUM("mrrCents") AS "mrr" ` +
      `FROM "Account" WHERE "organizationId" = ${p(1)} AND "archivedAt" IS NULL${csm} GROUP BY 1, 2, 3, 4`,
    organizationId, ...(csmUserId ? [csmUserId] : []),
  );
}

/** SQL form of PAYING_WHERE (lib/queries/list-account-scores.ts): customer/past_due (or not computed yet) with MRR > 0. */
const PAYING_SQL = `("mrrCents" > 0 AND ("lifecycleState" IS NULL OR "lifecycleState" IN ('customer', 'past_due')))`;

/**
 * The 8 accounts whose score moved most between `prev` and `latest` (both stored ChurnScoreDaily days),
 * largest |delta| first (delta rounded to 0.1 point; unchanged accounts left out; ties by account id). Scores made with
 * different scoring config versions are not compared (the pipeline re-scores history after a config change).
 * One SQL join over the (organizationId, day, accountId, healthScore) index with ORDER BY … LIMIT, instead
 * of loading both days' rows (2 × N) into JS.
 */
async function moversBetween(db: Db, organizationId: string, latest: Date, prev: Date, csmUserId?: string): Promise<Mover[]> {
  const pg = providerOf(db) === "postgresql";
  const p = (i: number) => (pg ? `$${i}` : `?${i}`); // numbered: the SQL text uses them out of order
  // The Account name is joined after the LIMIT: joining it first read 50,000 Account rows for 8 names.
  const rows = await db.$queryRawUnsafe<MoverRow[]>(
    `SELECT m."accountId" AS "accountId", a."name" AS "name", m."from" AS "from", m."to" AS "to", m."riskLevel" AS "riskLevel" FROM (` +
      `SELECT c."accountId" AS "accountId", b."healthScore" AS "from", c."healthScore" AS "to", c."riskLevel" AS "riskLevel", ` +
      `ROUND(ABS(c."healthScore" - b."healthScore") * 10) AS "size" ` +
      `FROM "ChurnScoreDaily" c ` +
      `JOIN "ChurnScoreDaily" b ON b."organizationId" = c."organizationId" AND b."day" = ${p(3)} AND b."accountId" = c."accountId" ` +
      // Only scores of the same scoring config version are compared: a weight change is not a move (docs/scoring.md).
      `AND b."scoringConfigVersion" = c."scoringConfigVersion" ` +
      // Only paying customers move in the risk lists: a score without a level (prospect, churned) is left out.
      `WHERE c."organizationId" = ${p(1)} AND c."day" = ${p(2)} AND c."riskLevel" IS NOT NULL AND ROUND(ABS(c."healthScore" - b."healthScore") * 10) > 0 ` +
      (csmUserId ? `AND c."accountId" IN (SELECT "id" FROM "Account" WHERE "organizationId" = ${p(1)} AND "csmUserId" = ${p(4)}) ` : "") +
      `ORDER BY "size" DESC, c."accountId" ASC LIMIT 8` +
      `) m JOIN "Account" a ON a."id" = m."accountId" ORDER BY m."size" DESC, m."accountId" ASC`,
    organizationId, dbTimestamp(pg, latest), dbTimestamp(pg, prev), ...(csmUserId ? [csmUserId] : []),
  );
  return rows.map((r) => {
    const from = Number(r.from), to = Number(r.to);
    return { accountId: r.accountId, name: r.name, from, to, delta: Math.round((to - from) * 10) / 10, riskLevel: r.riskLevel };
  });
}

/**
 * @param now decides "renewing within 30 days" and staleness (default: the current time).
 * @returns totals, MRR/ARR and MRR at risk (minor units of the most common currency), average health
 *   score (0-100, 1 decimal), distribution by level, movers since yesterday / last week (≤ 8 each),
 *   at-risk renewals within 30 days (≤ 20, soonest first) and per-connection freshness (stale after 24 h).
 */
export async function getDashboardSummary(db: Db, organizationId: string, now = new Date(), scope: { csmUserId?: string } = {}) {
  // scope.csmUserId: only that CSM's accounts ("my accounts", issue 16).
  const where = { organizationId, archivedAt: null, ...(scope.csmUserId ? { csmUserId: scope.csmUserId } : {}) };
  const [groups, connections, latest] = await Promise.all([
    levelGroups(db, organizationId, scope.csmUserId),
    db.connection.findMany({ where: { organizationId, status: { not: "disconnected" } }, select: { provider: true, displayName: true, lastSyncAt: true, status: true, mode: true } }),
    db.churnScoreDaily.findFirst({ where: { organizationId }, orderBy: { day: "desc" }, select: { day: true } }),
  ]);
  // Levels, the average and MRR at risk are about paying customers; `unscored` = paying but not scored yet.
  const dist = { healthy: { count: 0, mrrCents: 0 }, at_risk: { count: 0, mrrCents: 0 }, critical: { count: 0, mrrCents: 0 }, unscored: { count: 0, mrrCents: 0 } };
  // MRR per currency and level: amounts of different currencies are never added (issue 17, docs/revenue.md).
  const mrrBy = new Map<string, Record<keyof typeof dist, number>>();
  const lifecycle: Record<LifecycleState | "unknown", number> = { customer: 0, past_due: 0, trialing: 0, paused: 0, prospect: 0, churned: 0, unknown: 0 };
  const currencyCounts = new Map<string, number>();
  let total = 0, paying = 0, scored = 0, scoreSum = 0;
  for (const g of groups) {
    total += num(g.n);
    lifecycle[isLifecycleState(g.lifecycle) ? g.lifecycle : "unknown"] += num(g.n);
    if (!Number(g.paying)) continue;
    const k = g.level ?? "unscored";
    dist[k] = { count: dist[k].count + num(g.n), mrrCents: 0 };
    if (g.currency !== null) {
      const m = mrrBy.get(g.currency) ?? { healthy: 0, at_risk: 0, critical: 0, unscored: 0 };
      m[k] += num(g.mrr);
      mrrBy.set(g.currency, m);
    }
    paying += num(g.n);
    scored += num(g.scored);
    scoreSum += num(g.scoreSum);
    if (g.currency !== null) currencyCounts.set(g.currency, (currencyCounts.get(g.currency) ?? 0) + num(g.n));
  }
  // One currency for the totals: the reporting currency when every currency has a rate to it (latest rate), else the
  // most common currency — the others are listed in mrrPerCurrency, never added in.
  const conv = await latestRateConverter(db, organizationId);
  const converted = conv && [...mrrBy.keys()].every((c) => conv.convert(0, c) !== null);
  const currency = converted ? conv.currency : ([...currencyCounts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "usd");
  for (const [cur, m] of mrrBy)
    for (const k of Object.keys(dist) as (keyof typeof dist)[])
      if (converted) dist[k].mrrCents += conv.convert(m[k], cur)!;
      else if (cur === currency) dist[k].mrrCents += m[k];
  const totalMrr = dist.healthy.mrrCents + dist.at_risk.mrrCents + dist.critical.mrrCents + dist.unscored.mrrCents;
  const atRiskMrr = dist.at_risk.mrrCents + dist.critical.mrrCents;
  const mrrPerCurrency = [...mrrBy].map(([cur, m]) => ({ currency: cur, totalMrrCents: m.healthy + m.at_risk + m.critical + m.unscored, mrrAtRiskCents: m.at_risk + m.critical }))
    .sort((a, b) => b.totalMrrCents - a.totalMrrCents || a.currency.localeCompare(b.currency));

  // Movers: compare the latest scored day with the day before and a week before.
  const movers = (daysBack: number) => (latest ? moversBetween(db, organizationId, latest.day, new Date(latest.day.getTime() - daysBack * DAY), scope.csmUserId) : Promise.resolve([]));
  const [sinceYesterday, sinceLastWeek, renewals] = await Promise.all([
    movers(1),
    movers(7),
    db.account.findMany({
      where: { ...where, AND: [PAYING_WHERE], riskLevel: { in: ["at_risk", "critical"] }, renewalDate: { gte: utcDay(now), lte: new Date(now.getTime() + 30 * DAY) } },
      orderBy: { renewalDate: "asc" }, take: 20,
      select: { id: true, name: true, healthScore: true, riskLevel: true, renewalDate: true, mrrCents: true, mrrCurrency: true },
    }),
  ]);
  return {
    totalAccounts: total,
    /** Paying customers (lifecycle customer/past_due with MRR): the population of levels, average, MRR at risk. */
    payingAccounts: paying,
    /** Live accounts per lifecycle state ("unknown": signals not computed with lifecycle states yet). */
    lifecycleCounts: lifecycle,
    scoredAccounts: scored,
    currency,
    /** MRR totals, MRR at risk and the distribution's MRR are in `currency` only (converted when it is the reporting currency). */
    totalMrrCents: totalMrr,
    /** Paying customers' MRR and MRR at risk per currency (minor units of each), largest first. */
    mrrPerCurrency,
    /** true when the totals are converted to the organization's reporting currency (latest rate per currency). */
    mrrConverted: Boolean(converted),
    totalArrCents: totalMrr * 12,
    mrrAtRiskCents: atRiskMrr,
    arrAtRiskCents: atRiskMrr * 12,
    avgHealthScore: scored === 0 ? null : Math.round((scoreSum / scored) * 10) / 10,
    healthDistribution: dist,
    atRiskCount: dist.at_risk.count,
    criticalCount: dist.critical.count,
    latestScoreDay: latest?.day ?? null,
    movers: { sinceYesterday, sinceLastWeek },
    renewalsAtRisk: renewals,
    freshness: connections.map((c) => ({ provider: c.provider, displayName: c.displayName, mode: c.mode, status: c.status, lastSyncAt: c.lastSyncAt, stale: !c.lastSyncAt || now.getTime() - c.lastSyncAt.getTime() > DAY })),
  };
}
export type DashboardSummary = Awaited<ReturnType<typeof getDashboardSummary>>;
