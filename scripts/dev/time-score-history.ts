/**
 * Times the history stages of the pipeline on an existing SQLite database (e.g. one kept by
 * `scripts/bench/pipeline.ts --keep`): `scoreHistory` of every account over the 365-day window (the backfill's
 * scoring stage, also what a config change re-runs), then the history-gap check and the next pipeline run
 * (no backfill), then per-account signal/score row counts.
 *
 *   npx tsx scripts/dev/time-score-history.ts data/bench/pipeline-<pid>.db [--day 2026-12-03]
 *
 * Prints wall/CPU seconds and peak RSS per stage and the counts as JSON. Writes to the database it is given.
 */
import os from "node:os";
import { createPrisma } from "@/lib/db/prisma";
import { setDb } from "@/lib/db";
import { BACKFILL_DAYS, refreshOrganization } from "@/lib/pipeline/refresh-organization";
import { findHistoryGaps } from "@/lib/pipeline/history-gaps";
import { scoreHistory } from "@/lib/scoring/run-scoring";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";

const file = process.argv[2];
const dayArg = process.argv.includes("--day") ? process.argv[process.argv.indexOf("--day") + 1] : undefined;
const mb = (b: number) => Math.round(b / 1048576);

async function stage<T>(name: string, out: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 200);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    const c = process.cpuUsage(c0);
    out[name] = { wallS: +((performance.now() - t0) / 1000).toFixed(1), cpuS: +((c.user + c.system) / 1e6).toFixed(1), peakRssMb: mb(peak), load1: +os.loadavg()[0].toFixed(1) };
    console.error(`${new Date().toISOString().slice(11, 19)} ${name} ${JSON.stringify(out[name])}`);
  }
}

async function main() {
  if (!file) throw new Error("usage: time-score-history.ts <sqlite file> [--day YYYY-MM-DD]");
  process.env.LOG_LEVEL ??= "warn";
  const db = createPrisma(`file:${file}`);
  setDb(db);
  const org = await db.organization.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
  const newest = await db.accountSignalDaily.findFirstOrThrow({ where: { organizationId: org.id }, orderBy: { day: "desc" }, select: { day: true } });
  const day = dayArg ? new Date(`${dayArg}T00:00:00Z`) : newest.day;
  const now = new Date(day.getTime() + 12 * 3_600_000);
  const from = new Date(day.getTime() - (BACKFILL_DAYS - 1) * 86_400_000);
  const out: Record<string, unknown> = {};
  let last = 0;
  const h = await stage("scoreHistory", out, () => scoreHistory(db, {
    organizationId: org.id, from, to: day, now,
    onProgress: (p) => { if (performance.now() - last > 30_000) { last = performance.now(); console.error(`  scoring ${p.processed}/${p.total}`); } },
  }));
  const version = (await getActiveScoringConfig(db, org.id)).version;
  const gaps = await stage("gapCheck", out, () => findHistoryGaps(db, { organizationId: org.id, day, fromDay: from, configVersion: version, sourcesSince: null }));
  const next = await stage("nextRun", out, () => refreshOrganization(db, { organizationId: org.id, now: new Date(now.getTime() + 60_000) }));
  const sig = await db.accountSignalDaily.groupBy({ by: ["accountId"], where: { organizationId: org.id, day: { gte: from, lte: day } }, _count: { _all: true } });
  const scr = await db.churnScoreDaily.groupBy({ by: ["accountId"], where: { organizationId: org.id, day: { gte: from, lte: day } }, _count: { _all: true } });
  const scoresOf = new Map(scr.map((r) => [r.accountId, r._count._all]));
  const accounts = await db.account.count({ where: { organizationId: org.id, archivedAt: null } });
  console.log(JSON.stringify({
    ...out, scores: h.scores, accounts, accountsWithSignals: sig.length,
    mismatched: sig.filter((r) => scoresOf.get(r.accountId) !== r._count._all).length,
    gaps: { missingSignals: gaps.missingSignals.length, unscored: gaps.unscored.length, staleConfig: gaps.staleConfig.length },
    nextRunRebuilt: next.history, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }, null, 2));
  await db.$disconnect();
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
