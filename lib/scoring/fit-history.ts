/**
 * "Fit to our history" for one organization (the fit-scoring-job, `POST /api/scoring/fit`, and the
 * demo's fit step): build labelled snapshots from stored history, fit a candidate configuration on
 * the OLDER days (lib/scoring/fit-weights.ts), and measure the current and the candidate config on
 * NEWER data. Nothing is saved: an admin applies the candidate as a new config version
 * ({@link applyFittedConfig}).
 *
 * Time split (no leakage):
 * - labelled snapshot days d (every 7 days, d ≤ today − H, as the churn model's training rows);
 * - fit days: d + H ≤ today − 90, i.e. every outcome the fit sees was known before the 90-day
 *   backtest window starts, so the 90-day backtest (signals of today − 90, churn in the 90 days
 *   after) is out of time for the fit. When those days hold fewer than {@link MIN_FIT_CHURNED}
 *   churned accounts, the fit uses the older 75 % of labelled days instead (as the model's split)
 *   and `split.strict` is false;
 * - held-out days: the labelled days after the fit days (ROC AUC and lift of both configs);
 * - the 90/180-day backtest of both configs and of the active model (lib/scoring/backtest.ts).
 *   The 180-day window's outcomes overlap the fit's; it is shown for comparison, not as proof.
 */
import type { Db } from "@/lib/db";
import { buildTrainingSet } from "@/lib/model/build-training-set";
import { rocAuc, topDecileLift } from "@/lib/model/metrics";
import { backtest, type BacktestResult } from "./backtest";
import { type ScoringConfig } from "./config";
import { getActiveScoringConfig, saveScoringConfig, type StoredScoringConfig } from "./config-store";
import { fitScoringConfig, scoreWith, type FitRow } from "./fit-weights";
import { isPayingCustomer } from "./score-account";
import { providerOf } from "@/lib/db/prisma";
import { readSignalBatch } from "./score-store";
import { addDays, rowToSnapshot, utcDay } from "./signal-row";
import type { SignalSnapshot } from "@/lib/signals/types";

export const MIN_FIT_CHURNED = 10;

export type ConfigEvaluation = {
  /** Held-out snapshot days (newer than the fit days): ranking of churn within the horizon. */
  heldOut: { rows: number; churned: number; rocAuc: number | null; topDecileLift: number | null };
  backtest: BacktestResult["windows"];
};

export type FitReport = {
  status: "fitted" | "insufficient_data";
  notes: string | null;
  horizonDays: number;
  split: { strict: boolean; fitDays: [string, string] | null; heldOutDays: [string, string] | null; fitRows: number; fitChurnedAccounts: number };
  currentVersion: number;
  current: ScoringConfig;
  candidate: ScoringConfig | null;
  before: ConfigEvaluation | null;
  after: ConfigEvaluation | null;
  durationMs: number;
};

const iso = (d: Date) => d.toISOString().slice(0, 10);

function heldOut(rows: FitRow[], config: ScoringConfig): ConfigEvaluation["heldOut"] {
  const risk = rows.map((r) => 100 - scoreWith(r.signals, config));
  const y = rows.map((r) => (r.churned ? 1 : 0));
  return { rows: rows.length, churned: y.filter((v) => v === 1).length, rocAuc: rocAuc(risk, y), topDecileLift: topDecileLift(risk, y) };
}

/**
 * Fit a candidate configuration and evaluate before/after (see module doc). Reads only; saves nothing.
 * @param onProgress called with {phase, done, total} for the job's progress.
 */
export async function fitToHistory(
  db: Db,
  opts: { organizationId: string; now: Date; horizonDays?: number; iterations?: number; fit?: { curves?: boolean; maxFactorWeight?: number; families?: [] }; onProgress?: (p: { phase: string; done: number; total: number }) => Promise<void> | void },
): Promise<FitReport> {
  const started = performance.now();
  const H = opts.horizonDays ?? 90;
  const today = utcDay(opts.now);
  const progress = async (phase: string, done: number) => opts.onProgress?.({ phase, done, total: 4 });
  const active: StoredScoringConfig = await getActiveScoringConfig(db, opts.organizationId);
  await progress("reading history", 0);
  const set = await buildTrainingSet(db, { organizationId: opts.organizationId, now: opts.now, horizonDays: H });
  const rows: FitRow[] = set.rows.map((r) => ({ accountId: r.accountId, day: r.day, signals: r.signals, churned: r.churnedWithinHorizon }));
  const base = { horizonDays: H, currentVersion: active.version, current: active.config };
  const days = [...new Set(rows.map((r) => r.day.getTime()))].sort((a, b) => a - b);
  const strictEnd = addDays(today, -H - 90).getTime();
  const churnedIn = (rs: FitRow[]) => new Set(rs.filter((r) => r.churned).map((r) => r.accountId)).size;
  let fitEnd = strictEnd;
  let strict = true;
  if (churnedIn(rows.filter((r) => r.day.getTime() <= strictEnd)) < MIN_FIT_CHURNED) {
    strict = false;
    fitEnd = days[Math.max(0, Math.floor(days.length * 0.75) - 1)] ?? strictEnd;
  }
  const fitRows = rows.filter((r) => r.day.getTime() <= fitEnd);
  const testRows = rows.filter((r) => r.day.getTime() > fitEnd);
  const fitDays = days.filter((d) => d <= fitEnd);
  const testDays = days.filter((d) => d > fitEnd);
  const split = {
    strict,
    fitDays: fitDays.length ? [iso(new Date(fitDays[0])), iso(new Date(fitDays[fitDays.length - 1]))] as [string, string] : null,
    heldOutDays: testDays.length ? [iso(new Date(testDays[0])), iso(new Date(testDays[testDays.length - 1]))] as [string, string] : null,
    fitRows: fitRows.length,
    fitChurnedAccounts: churnedIn(fitRows),
  };
  if (split.fitChurnedAccounts < MIN_FIT_CHURNED || fitRows.every((r) => r.churned)) {
    return {
      ...base, status: "insufficient_data", split, candidate: null, before: null, after: null,
      notes: `only ${split.fitChurnedAccounts} churned account(s) on the fit days (need ≥ ${MIN_FIT_CHURNED}); keep the current weights`,
      durationMs: Math.round(performance.now() - started),
    };
  }
  await progress("fitting weights", 1);
  const recent = await newestPayingSnapshots(db, opts.organizationId, today);
  const fitted = fitScoringConfig(fitRows, active.config, H, { iterations: opts.iterations, recent, ...opts.fit });
  const candidate: ScoringConfig = {
    ...fitted.config,
    learned: {
      ...fitted.config.learned,
      fit: { fittedAt: opts.now.toISOString(), fitDays: split.fitDays!, rows: fitRows.length, churned: split.fitChurnedAccounts },
    },
  };
  await progress("backtest before", 2);
  const before: ConfigEvaluation = { heldOut: heldOut(testRows, active.config), backtest: (await backtest(db, { organizationId: opts.organizationId, now: opts.now })).windows };
  await progress("backtest after", 3);
  const after: ConfigEvaluation = { heldOut: heldOut(testRows, candidate), backtest: (await backtest(db, { organizationId: opts.organizationId, now: opts.now, config: candidate })).windows };
  await progress("done", 4);
  const notes = strict ? null : `too few churned accounts before ${iso(new Date(strictEnd))}: fitted on the older 75 % of labelled days, so the 90-day backtest overlaps the fit's outcomes`;
  return { ...base, status: "fitted", notes, split, candidate, before, after, durationMs: Math.round(performance.now() - started) };
}

/**
 * Signals of the paying customers on the organization's newest stored signal day (≤ today): the
 * portfolio the fitted thresholds must fit (the alert budget is set on it, see fitThresholds).
 */
export async function newestPayingSnapshots(db: Db, organizationId: string, today: Date): Promise<SignalSnapshot[]> {
  const found = await db.accountSignalDaily.findFirst({ where: { organizationId, day: { lte: today } }, orderBy: { day: "desc" }, select: { day: true } });
  if (!found) return [];
  const p = providerOf(db);
  const out: SignalSnapshot[] = [];
  let after: string | null = null;
  for (;;) {
    const batch = await readSignalBatch(db, p, organizationId, found.day, after, 1000);
    if (batch.length === 0) break;
    after = batch[batch.length - 1].accountId;
    for (const r of batch) { const s = rowToSnapshot(r); if (isPayingCustomer(s)) out.push(s); }
    if (batch.length < 1000) break;
  }
  return out;
}

/**
 * Save a fitted candidate as the organization's new active config version (admin action).
 * @throws ScoringConfigError when the candidate is not a valid configuration.
 */
export async function applyFittedConfig(db: Db, organizationId: string, candidate: unknown, userId: string | null): Promise<StoredScoringConfig> {
  return saveScoringConfig(db, organizationId, candidate, userId);
}
