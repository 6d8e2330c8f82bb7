/**
 * Train the churn model from labelled (account, snapshot day) rows (pure; no DB).
 *
 * - Label: `churnedWithinHorizon` = all the account's revenue ended within (day, day + horizonDays].
 *   A row only has a label when day ≤ lastObservedDay − horizonDays; newer rows are dropped.
 * - Too few churned ACCOUNTS (distinct accountIds with a positive row) < minPositives (default 20)
 *   → status "insufficient_data" (the caller falls back to lib/model/fallback.ts).
 * - Time-based split on snapshot days: test = days ≥ splitDay (default: the newest 25 % of distinct
 *   labelled days); of the older days, the newest 20 % are the calibration slice and the rest fit the
 *   logistic regression. Platt scaling is fitted on the calibration slice; metrics are measured on
 *   the test days only. The stored model is the one fitted on the fit slice (so metrics describe it).
 * - Features: lib/model/features.ts (checked with assertNoLeakage); missing values imputed with the
 *   fit-slice mean of the feature.
 */
import type { SignalSnapshot } from "@/lib/signals/types";
import { assertNoLeakage, extractFeatures, FEATURE_NAMES } from "./features";
import { fitLogistic, logit } from "./logistic";
import { applyPlatt, fitPlatt, type Platt } from "./calibration";
import { binaryMetrics, brierScore, type BinaryMetrics } from "./metrics";

export const MODEL_ALGORITHM = "logistic_regression_l2+platt";
const DAY_MS = 86_400_000;

export type TrainingRow = { accountId: string; day: Date; signals: SignalSnapshot; churnedWithinHorizon: boolean };

export type TrainOptions = {
  horizonDays: number;
  /** Minimum number of churned accounts (default 20). */
  minPositives?: number;
  /** First day of the test period (default: newest 25 % of labelled days). */
  splitDay?: Date;
  /** Last day with observed outcomes (default: the newest row's day). */
  lastObservedDay?: Date;
  /** L2 strength on standardised features (default 0.01). */
  l2?: number;
};

/** Everything needed to score with the model (stored in ChurnModel.parameters). */
export type ModelParameters = {
  intercept: number;
  coefficients: number[];
  means: number[];
  stds: number[];
  /** Value used for a missing raw feature (fit-slice mean). */
  imputation: number[];
  platt: Platt;
  l2: number;
};

export type ModelMetrics = BinaryMetrics & {
  /** Brier score of the uncalibrated model on the test days (to show what calibration did). */
  brierUncalibrated: number | null;
  trainRows: number;
  calibrationRows: number;
  testRows: number;
  positives: number;
  splitDay: string;
  calibrationStartDay: string;
};

export type TrainResult = {
  status: "trained" | "insufficient_data";
  algorithm: string;
  horizonDays: number;
  features: string[];
  parameters: ModelParameters | null;
  metrics: ModelMetrics | null;
  /** Labelled rows used (fit + calibration + test). */
  trainingRows: number;
  /** Distinct churned accounts among labelled rows. */
  positives: number;
  notes: string | null;
};

/** Replace nulls with the imputation values. */
export function imputeRow(raw: (number | null)[], imputation: number[]): number[] {
  return raw.map((v, j) => (v === null ? imputation[j] : v));
}

/** Calibrated churn probability (0-1) of one snapshot under stored parameters. */
export function predictChurnProbability(p: ModelParameters, signals: SignalSnapshot): number {
  return applyPlatt(p.platt, logit(p, imputeRow(extractFeatures(signals), p.imputation)));
}

/**
 * The features that push this snapshot's churn risk up the most (standardised value × coefficient,
 * largest positive first), for explanations: [{feature, effect (log-odds)}].
 */
export function modelDrivers(p: ModelParameters, signals: SignalSnapshot, k = 3): { feature: string; effect: number }[] {
  const x = imputeRow(extractFeatures(signals), p.imputation);
  return x
    .map((v, j) => ({ feature: FEATURE_NAMES[j], effect: p.coefficients[j] * ((v - p.means[j]) / p.stds[j]) }))
    .filter((d) => d.effect > 0.05)
    .sort((a, b) => b.effect - a.effect)
    .slice(0, k)
    .map((d) => ({ ...d, effect: Math.round(d.effect * 1000) / 1000 }));
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Train and validate a churn model. Deterministic for the same rows (order-independent).
 * @throws LeakageError if FEATURE_NAMES contains a denied (outcome-encoding) feature.
 */
export function trainChurnModel(rows: TrainingRow[], opts: TrainOptions): TrainResult {
  const features = [...FEATURE_NAMES];
  assertNoLeakage(features);
  const minPositives = opts.minPositives ?? 20;
  const base = { algorithm: MODEL_ALGORITHM, horizonDays: opts.horizonDays, features };
  if (rows.length === 0) {
    return { ...base, status: "insufficient_data", parameters: null, metrics: null, trainingRows: 0, positives: 0, notes: "no snapshot rows" };
  }
  const lastObserved = opts.lastObservedDay ?? new Date(Math.max(...rows.map((r) => r.day.getTime())));
  const cutoff = lastObserved.getTime() - opts.horizonDays * DAY_MS;
  const labelled = rows
    .filter((r) => r.day.getTime() <= cutoff)
    .sort((a, b) => a.day.getTime() - b.day.getTime() || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  const positives = new Set(labelled.filter((r) => r.churnedWithinHorizon).map((r) => r.accountId)).size;
  const insufficient = (notes: string): TrainResult => ({
    ...base, status: "insufficient_data", parameters: null, metrics: null, trainingRows: labelled.length, positives, notes,
  });
  if (positives < minPositives) {
    return insufficient(`only ${positives} churned account(s) in ${labelled.length} labelled snapshots (need ≥ ${minPositives}); using the health-score fallback`);
  }

  const days = [...new Set(labelled.map((r) => r.day.getTime()))].sort((a, b) => a - b);
  if (days.length < 3) return insufficient(`only ${days.length} labelled snapshot day(s); need ≥ 3 for a time-based split`);
  const split = opts.splitDay?.getTime() ?? days[Math.min(days.length - 1, Math.max(1, Math.floor(days.length * 0.75)))];
  const trainDays = days.filter((d) => d < split);
  if (trainDays.length < 2) return insufficient(`split day ${isoDay(new Date(split))} leaves ${trainDays.length} training day(s)`);
  const calStart = trainDays[Math.min(trainDays.length - 1, Math.max(1, Math.floor(trainDays.length * 0.8)))];
  const fit = labelled.filter((r) => r.day.getTime() < calStart);
  const cal = labelled.filter((r) => r.day.getTime() >= calStart && r.day.getTime() < split);
  const test = labelled.filter((r) => r.day.getTime() >= split);
  if (!fit.some((r) => r.churnedWithinHorizon) || fit.every((r) => r.churnedWithinHorizon)) {
    return insufficient("the fit period has only one class (all churned or none churned)");
  }

  const rawFit = fit.map((r) => extractFeatures(r.signals));
  const imputation = features.map((_, j) => {
    let s = 0, n = 0;
    for (const x of rawFit) if (x[j] !== null) { s += x[j]!; n++; }
    return n ? s / n : 0;
  });
  const Xfit = rawFit.map((x) => imputeRow(x, imputation));
  const yfit = fit.map((r) => (r.churnedWithinHorizon ? 1 : 0));
  const lr = fitLogistic(Xfit, yfit, { l2: opts.l2 ?? 0.01 });
  const score = (r: TrainingRow) => logit(lr, imputeRow(extractFeatures(r.signals), imputation));
  const platt = fitPlatt(cal.map(score), cal.map((r) => (r.churnedWithinHorizon ? 1 : 0)));

  const ytest = test.map((r) => (r.churnedWithinHorizon ? 1 : 0));
  const sTest = test.map(score);
  const probs = sTest.map((s) => applyPlatt(platt, s));
  const m = binaryMetrics(probs, ytest);
  const metrics: ModelMetrics = {
    ...m,
    brierUncalibrated: brierScore(sTest.map((s) => 1 / (1 + Math.exp(-s))), ytest),
    trainRows: fit.length,
    calibrationRows: cal.length,
    testRows: test.length,
    positives,
    splitDay: isoDay(new Date(split)),
    calibrationStartDay: isoDay(new Date(calStart)),
  };
  const parameters: ModelParameters = {
    intercept: lr.intercept, coefficients: lr.coefficients, means: lr.means, stds: lr.stds, imputation, platt, l2: lr.l2,
  };
  const notes = m.positives === 0 ? "no churn in the test period: ranking metrics are undefined" : lr.converged ? null : `optimiser stopped after ${lr.iterations} iterations`;
  return { ...base, status: "trained", parameters, metrics, trainingRows: labelled.length, positives, notes };
}
