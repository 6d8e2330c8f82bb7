/**
 * Issue 13 (H13) measurement: the health score's figures for several configurations on an existing database
 * (a finished demo database or a copy of one), without running the demo.
 *
 *   npx tsx scripts/dev/fit-eval.ts <sqlite file> [--backfill] [--train] [--fit] [--org-slug demo] [--json out.json]
 *
 * --backfill recomputes the 365-day signals with the current code and --train retrains the churn model
 * (both WRITE to the file: use a copy).
 *
 * For the default config, the organization's active config and (with --fit) a freshly fitted candidate
 * (lib/scoring/fit-history.ts, current code), prints per config: backtest ROC AUC and top-decile lift (90 d,
 * 180 d), churners caught at critical / at risk or worse (90 d), the share of paying accounts flagged
 * (at risk or critical) on the newest signal day, and the p95 of day-to-day |Δ score| of paying accounts over
 * the last 90 signal days; and the active model's backtest figures. Reads only (the fit saves nothing).
 * `now` = the organization's newest connection sync (as the demo's fit step).
 */
import { randomBytes } from "node:crypto";
import { createPrisma } from "@/lib/db/prisma";
import { setDb, type Db } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { fitToHistory } from "@/lib/scoring/fit-history";
import { backfillSignals } from "@/lib/signals/backfill-signals";
import { trainAndStoreModel } from "@/lib/model/train-from-db";
import { backtest } from "@/lib/scoring/backtest";
import { DEFAULT_SCORING_CONFIG, riskLevelFor, type ScoringConfig } from "@/lib/scoring/config";
import { getActiveScoringConfig } from "@/lib/scoring/config-store";
import { scoreAccount, isPayingCustomer } from "@/lib/scoring/score-account";
import { addDays, rowToSnapshot, utcDay } from "@/lib/scoring/signal-row";
import type { SignalSnapshot } from "@/lib/signals/types";

process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
process.env.LOG_LEVEL ??= "warn";

const args = process.argv.slice(2);
const file = args[0];
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };

/** Snapshots of the last `days` signal days, per account, in day order. */
async function recentSnapshots(db: Db, organizationId: string, today: Date, days: number): Promise<Map<string, SignalSnapshot[]>> {
  const rows = await db.accountSignalDaily.findMany({ where: { organizationId, day: { gte: addDays(today, -days) } }, orderBy: [{ accountId: "asc" }, { day: "asc" }] });
  const by = new Map<string, SignalSnapshot[]>();
  for (const r of rows) { const l = by.get(r.accountId) ?? []; l.push(rowToSnapshot(r)); by.set(r.accountId, l); }
  return by;
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function dailyFigures(history: Map<string, SignalSnapshot[]>, config: ScoringConfig) {
  const deltas: number[] = [], worst: number[] = [];
  let paying = 0, flagged = 0, critical = 0, jumps = 0, penaltyJumps = 0;
  let newest = 0;
  for (const l of history.values()) newest = Math.max(newest, l[l.length - 1].day.getTime());
  for (const l of history.values()) {
    let prev: number | null = null, prevDay = 0, max = -1, prevPen = 0;
    for (const s of l) {
      const scored = scoreAccount(s, config);
      const hs = scored.healthScore;
      const pen = scored.penalties.reduce((a, p) => a + p.points, 0);
      if (isPayingCustomer(s)) {
        if (prev !== null && s.day.getTime() - prevDay === 86_400_000) {
          deltas.push(Math.abs(hs - prev));
          max = Math.max(max, Math.abs(hs - prev));
          const a = riskLevelFor(prev, config.thresholds), b = riskLevelFor(hs, config.thresholds);
          if (a === "healthy" && b === "critical") { jumps++; if (pen > prevPen) penaltyJumps++; }
        }
        prev = hs; prevDay = s.day.getTime(); prevPen = pen;
      } else prev = null;
      if (s.day.getTime() === newest && isPayingCustomer(s)) {
        paying++;
        const lv = riskLevelFor(hs, config.thresholds);
        if (lv !== "healthy") flagged++;
        if (lv === "critical") critical++;
      }
    }
    if (max >= 0) worst.push(max);
  }
  return {
    payingToday: paying, flaggedShareToday: paying ? flagged / paying : null, criticalShareToday: paying ? critical / paying : null,
    p95AbsDelta: quantile(deltas, 0.95), p99AbsDelta: quantile(deltas, 0.99), maxAbsDelta: deltas.length ? Math.max(...deltas) : NaN,
    p95WorstDayPerAccount: quantile(worst, 0.95), medianWorstDayPerAccount: quantile(worst, 0.5),
    healthyToCriticalInADay: jumps, ofWhichAPenaltyStarted: penaltyJumps, dayPairs: deltas.length,
  };
}

async function main() {
  if (!file) throw new Error("usage: fit-eval.ts <sqlite file> [--fit]");
  const url = `file:${file}`;
  process.env.DATABASE_URL = url; resetEnvCache();
  const db = createPrisma(url); setDb(db);
  const org = await db.organization.findUniqueOrThrow({ where: { slug: opt("--org-slug") ?? "demo" } });
  const conn = await db.connection.findFirst({ where: { organizationId: org.id }, orderBy: { lastSyncAt: "desc" }, select: { lastSyncAt: true } });
  const now = conn?.lastSyncAt ?? new Date();
  const today = utcDay(now);
  if (args.includes("--backfill")) {
    const t = Date.now();
    const r = await backfillSignals(db, { organizationId: org.id, asOf: now, days: 365 });
    console.log(`backfill: ${r.rows} rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  if (args.includes("--train")) {
    const m = await trainAndStoreModel(db, { organizationId: org.id, now });
    console.log(`model v${m.version} ${m.status}: ${m.trainingRows} rows, ${m.positives} positive; test ROC AUC ${m.metrics?.rocAuc?.toFixed(3)} lift ${m.metrics?.topDecileLift?.toFixed(2)}${m.notes ? ` (${m.notes})` : ""}`);
  }
  const active = await getActiveScoringConfig(db, org.id);
  const configs: [string, ScoringConfig][] = [["default", DEFAULT_SCORING_CONFIG]];
  if (active.version > 1) configs.push([`active v${active.version}`, active.config]);
  const out: Record<string, unknown> = { now: now.toISOString() };
  if (args.includes("--fit")) {
    const t = Date.now();
    const fit = { curves: !args.includes("--no-curves"), maxFactorWeight: opt("--cap") ? Number(opt("--cap")) : undefined, families: args.includes("--no-families") ? [] as [] : undefined };
    const r = await fitToHistory(db, { organizationId: org.id, now, fit });
    console.log(`fit ${r.status} in ${((Date.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(r.split)} ${r.notes ?? ""}`);
    if (r.candidate) {
      configs.push(["fitted now", r.candidate]);
      console.log(JSON.stringify({ weights: r.candidate.weights, penalties: r.candidate.penalties.map((p) => `${p.key}:${p.enabled ? p.points : "off"}`), thresholds: r.candidate.thresholds, curves: (r.candidate.learned as Record<string, unknown> | undefined)?.curves }));
      console.log(`held-out: before ${JSON.stringify(r.before?.heldOut)} after ${JSON.stringify(r.after?.heldOut)}`);
      out.fit = { split: r.split, candidate: r.candidate, heldOutBefore: r.before?.heldOut, heldOutAfter: r.after?.heldOut };
    }
  }
  const history = await recentSnapshots(db, org.id, today, 90);
  for (const [name, config] of configs) {
    const bt = await backtest(db, { organizationId: org.id, now, config });
    const daily = dailyFigures(history, config);
    const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? "—" : x.toFixed(d));
    for (const w of bt.windows) {
      const l = w.healthScore.levels;
      console.log(`${name.padEnd(12)} ${w.days}d: score AUC ${f(w.healthScore.rocAuc)} lift ${f(w.healthScore.topDecileLift, 2)} caught crit ${f(l.caughtCritical, 2)} atRisk+ ${f(l.caughtAtRiskOrCritical, 2)} FA/CSM ${l.falseAlarmsPerCsm} | model AUC ${f(w.model?.rocAuc)} lift ${f(w.model?.topDecileLift, 2)} (${w.accounts} accts, ${w.churned} churned)`);
    }
    console.log(`${name.padEnd(12)} today: paying ${daily.payingToday} flagged ${f(daily.flaggedShareToday, 3)} critical ${f(daily.criticalShareToday, 3)} | p95 |Δ| ${f(daily.p95AbsDelta, 1)} p99 ${f(daily.p99AbsDelta, 1)} max ${f(daily.maxAbsDelta, 1)} | per account worst day: p95 ${f(daily.p95WorstDayPerAccount, 1)} median ${f(daily.medianWorstDayPerAccount, 1)} | healthy→critical in a day ${daily.healthyToCriticalInADay} (${daily.ofWhichAPenaltyStarted} with a new penalty; ${daily.dayPairs} day pairs) thresholds ${JSON.stringify(config.thresholds)}`);
    out[name] = { backtest: bt.windows.map((w) => ({ days: w.days, accounts: w.accounts, churned: w.churned, score: { rocAuc: w.healthScore.rocAuc, lift: w.healthScore.topDecileLift, levels: w.healthScore.levels }, model: w.model && { rocAuc: w.model.rocAuc, lift: w.model.topDecileLift } })), daily };
  }
  const json = opt("--json");
  if (json) (await import("node:fs")).writeFileSync(json, JSON.stringify(out, null, 1));
  await db.$disconnect();
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
