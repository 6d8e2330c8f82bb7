/**
 * GET /api/dashboard/summary and the dashboard page: totals, MRR/ARR (minor units, primary currency),
 * MRR at risk, average health score, distribution by risk level with counts and MRR (seed 04's shape),
 * biggest movers since yesterday and last week, renewals within 30 days that are at risk, data freshness.
 */
import type { Db } from "@/lib/db";

const DAY = 86_400_000;
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export async function getDashboardSummary(db: Db, organizationId: string, now = new Date()) {
  const where = { organizationId, archivedAt: null };
  const [total, scored, byLevel, mrr, currencies, connections] = await Promise.all([
    db.account.count({ where }),
    db.account.aggregate({ where: { ...where, healthScore: { not: null } }, _avg: { healthScore: true }, _count: { _all: true } }),
    db.account.groupBy({ by: ["riskLevel"], where, _count: { _all: true }, _sum: { mrrCents: true } }),
    db.account.aggregate({ where, _sum: { mrrCents: true } }),
    db.account.groupBy({ by: ["mrrCurrency"], where: { ...where, mrrCurrency: { not: null } }, _count: { _all: true } }),
    db.connection.findMany({ where: { organizationId, status: { not: "disconnected" } }, select: { provider: true, displayName: true, lastSyncAt: true, status: true, mode: true } }),
  ]);
  const dist = { healthy: { count: 0, mrrCents: 0 }, at_risk: { count: 0, mrrCents: 0 }, critical: { count: 0, mrrCents: 0 }, unscored: { count: 0, mrrCents: 0 } };
  for (const g of byLevel) {
    const k = (g.riskLevel ?? "unscored") as keyof typeof dist;
    dist[k] = { count: g._count._all, mrrCents: g._sum.mrrCents ?? 0 };
  }
  const totalMrr = mrr._sum.mrrCents ?? 0;
  const atRiskMrr = dist.at_risk.mrrCents + dist.critical.mrrCents;
  const currency = [...currencies].sort((a, b) => b._count._all - a._count._all)[0]?.mrrCurrency ?? "usd";

  // Movers: compare the latest scored day with the day before and a week before.
  const latest = await db.churnScoreDaily.findFirst({ where: { organizationId }, orderBy: { day: "desc" }, select: { day: true } });
  async function movers(daysBack: number) {
    if (!latest) return [];
    const [cur, prev] = await Promise.all([
      db.churnScoreDaily.findMany({ where: { organizationId, day: latest.day }, select: { accountId: true, healthScore: true, riskLevel: true } }),
      db.churnScoreDaily.findMany({ where: { organizationId, day: new Date(latest.day.getTime() - daysBack * DAY) }, select: { accountId: true, healthScore: true } }),
    ]);
    const before = new Map(prev.map((p) => [p.accountId, p.healthScore]));
    const deltas = cur.filter((c) => before.has(c.accountId)).map((c) => ({ accountId: c.accountId, from: before.get(c.accountId)!, to: c.healthScore, delta: Math.round((c.healthScore - before.get(c.accountId)!) * 10) / 10, riskLevel: c.riskLevel }));
    const top = deltas.filter((d) => d.delta !== 0).sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, 8);
    const names = new Map((await db.account.findMany({ where: { id: { in: top.map((t) => t.accountId) } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
    return top.map((t) => ({ ...t, name: names.get(t.accountId) ?? "?" }));
  }
  const [sinceYesterday, sinceLastWeek, renewals] = await Promise.all([
    movers(1),
    movers(7),
    db.account.findMany({
      where: { ...where, riskLevel: { in: ["at_risk", "critical"] }, renewalDate: { gte: utcDay(now), lte: new Date(now.getTime() + 30 * DAY) } },
      orderBy: { renewalDate: "asc" }, take: 20,
      select: { id: true, name: true, healthScore: true, riskLevel: true, renewalDate: true, mrrCents: true, mrrCurrency: true },
    }),
  ]);
  return {
    totalAccounts: total,
    scoredAccounts: scored._count._all,
    currency,
    totalMrrCents: totalMrr,
    totalArrCents: totalMrr * 12,
    mrrAtRiskCents: atRiskMrr,
    arrAtRiskCents: atRiskMrr * 12,
    avgHealthScore: scored._avg.healthScore === null ? null : Math.round(scored._avg.healthScore * 10) / 10,
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
