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
 *   fit-slice mean of the feature. Plan identity is target-encoded on the FIT slice only (smoothed
 *   churn rate per product, {@link fitPlanEncoding}).
 * - Scheduled full cancellations (every live subscription set to cancel, last end within the
 *   horizon): the probability is at least the share of such cancellations that were carried out
 *   in the organization's fit + calibration history, smoothed towards {@link CARRY_OUT_PRIOR}
 *   ({@link scheduledCancellationFloor}). Why: a history where cancellations take effect at once
 *   (RavenStack) or are announced a year ahead has (almost) no labelled row of "ends in 20 days",
 *   so the regression cannot learn it and gave 5-6 % to accounts whose revenue ends in days.
 * - Reliability: predicted vs observed churn by decile of predicted probability on the test days
 *   (metrics.reliability), for the settings page.
 */
import { z } from "zod";
import type { SignalSnapshot } from "@/lib/signals/types";
import { assertNoLeakage, extractFeatures, FEATURE_NAMES, scheduledFullCancellation, type FeatureEncoding } from "./features";
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

/** Prior share of scheduled full cancellations that are carried out, and its weight in pseudo-rows. */
export const CARRY_OUT_PRIOR = 0.9;
export const CARRY_OUT_PRIOR_ROWS = 10;

/** The floor for scheduled full cancellations (see module doc). */
export type ScheduledCancellationFloor = { horizonDays: number; rows: number; churned: number; floor: number };

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
  /** Learned categorical encodings (fit slice); absent in models trained before issue 13. */
  encoding?: FeatureEncoding | null;
  /** Probability floor for scheduled full cancellations; absent → {@link CARRY_OUT_PRIOR} over 90 days. */
  scheduledCancellation?: ScheduledCancellationFloor | null;
};

/** zod schema of stored ModelParameters (the loader in lib/scoring/run-scoring.ts parses with it, so encoding and floor survive). */
export const ZModelParameters = z.object({
  intercept: z.number(),
  coefficients: z.array(z.number()),
  means: z.array(z.number()),
  stds: z.array(z.number()),
  imputation: z.array(z.number()),
  platt: z.object({ a: z.number(), b: z.number() }),
  l2: z.number(),
  encoding: z.object({ plans: z.record(z.string(), z.number()), baseRate: z.number() }).nullish(),
  scheduledCancellation: z.object({ horizonDays: z.number(), rows: z.number(), churned: z.number(), floor: z.number() }).nullish(),
});

/** One decile of predicted probability on the test days: mean predicted vs observed churn rate. */
export type ReliabilityBin = { decile: number; rows: number; meanPredicted: number; observedRate: number };

export type ModelMetrics = BinaryMetrics & {
  /** Predicted vs observed by decile of predicted probability on the test days (10 bins, fewer when rows < 10). */
  reliability: ReliabilityBin[];
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

/**
 * Calibrated churn probability (0-1) of one snapshot under stored parameters, raised to the
 * scheduled-cancellation floor when every live subscription is set to cancel within the horizon.
 */
export function predictChurnProbability(p: ModelParameters, signals: SignalSnapshot): number {
  const model = applyPlatt(p.platt, logit(p, imputeRow(extractFeatures(signals, p.encoding ?? null), p.imputation)));
  return applyFactFloor(p.scheduledCancellation ?? null, signals, model);
}

/** max(model, floor) for a scheduled full cancellation within the floor's horizon; the model's value otherwise. */
export function applyFactFloor(f: ScheduledCancellationFloor | null, s: SignalSnapshot, probability: number): number {
  const floor = f ?? { horizonDays: 90, rows: 0, churned: 0, floor: CARRY_OUT_PRIOR };
  return scheduledFullCancellation(s, floor.horizonDays) ? Math.max(probability, floor.floor) : probability;
}

/**
 * The floor from history: among labelled rows whose account had every live subscription set to
 * cancel within the horizon, the share that churned, smoothed: (churned + prior·m) / (rows + m).
 */
export function scheduledCancellationFloor(rows: TrainingRow[], horizonDays: number): ScheduledCancellationFloor {
  const hit = rows.filter((r) => scheduledFullCancellation(r.signals, horizonDays));
  const churned = hit.filter((r) => r.churnedWithinHorizon).length;
  const floor = (churned + CARRY_OUT_PRIOR * CARRY_OUT_PRIOR_ROWS) / (hit.length + CARRY_OUT_PRIOR_ROWS);
  return { horizonDays, rows: hit.length, churned, floor: Math.round(floor * 10000) / 10000 };
}

/** Pseudo-rows of the plan encoding's smoothing towards the overall rate. */
export const PLAN_ENCODING_SMOOTHING = 50;

/**
 * Plan identity as a number: for each product seen on the fit rows, its churn rate over the horizon,
 * smoothed towards the overall rate with {@link PLAN_ENCODING_SMOOTHING} pseudo-rows. Fit rows only.
 */
export function fitPlanEncoding(rows: TrainingRow[]): FeatureEncoding {
  const base = rows.length ? rows.filter((r) => r.churnedWithinHorizon).length / rows.length : 0;
  const by = new Map<string, [number, number]>();
  for (const r of rows) {
    for (const p of new Set(r.signals.products ?? [])) {
      const e = by.get(p) ?? [0, 0];
      e[0]++;
      if (r.churnedWithinHorizon) e[1]++;
      by.set(p, e);
    }
  }
  const plans: Record<string, number> = {};
  for (const [p, [n, k]] of by) plans[p] = (k + base * PLAN_ENCODING_SMOOTHING) / (n + PLAN_ENCODING_SMOOTHING);
  return { plans, baseRate: base };
}

/** Predicted vs observed by decile of predicted probability (ties stay in input order). */
export function reliabilityByDecile(probs: number[], labels: number[], bins = 10): ReliabilityBin[] {
  const idx = probs.map((p, i) => i).sort((a, b) => probs[a] - probs[b] || a - b);
  const k = Math.min(bins, idx.length);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < k; b++) {
    const part = idx.slice(Math.floor((b * idx.length) / k), Math.floor(((b + 1) * idx.length) / k));
    if (part.length === 0) continue;
    const mp = part.reduce((a, i) => a + probs[i], 0) / part.length;
    const oy = part.reduce((a, i) => a + labels[i], 0) / part.length;
    out.push({ decile: b + 1, rows: part.length, meanPredicted: Math.round(mp * 10000) / 10000, observedRate: Math.round(oy * 10000) / 10000 });
  }
  return out;
}

/**
 * The features that push this snapshot's churn risk up the most (standardised value × coefficient,
 * largest positive first), for explanations: [{feature, effect (log-odds)}].
 */
export function modelDrivers(p: ModelParameters, signals: SignalSnapshot, k = 3): { feature: string; effect: number }[] {
  const x = imputeRow(extractFeatures(signals, p.encoding ?? null), p.imputation);
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

  const encoding = fitPlanEncoding(fit);
  const rawFit = fit.map((r) => extractFeatures(r.signals, encoding));
  const imputation = features.map((_, j) => {
    let s = 0, n = 0;
    for (const x of rawFit) if (x[j] !== null) { s += x[j]!; n++; }
    return n ? s / n : 0;
  });
  const Xfit = rawFit.map((x) => imputeRow(x, imputation));
  const yfit = fit.map((r) => (r.churnedWithinHorizon ? 1 : 0));
  const lr = fitLogistic(Xfit, yfit, { l2: opts.l2 ?? 0.01 });
  const score = (r: TrainingRow) => logit(lr, imputeRow(extractFeatures(r.signals, encoding), imputation));
  const platt = fitPlatt(cal.map(score), cal.map((r) => (r.churnedWithinHorizon ? 1 : 0)));
  const scheduledCancellation = scheduledCancellationFloor([...fit, ...cal], opts.horizonDays);

  const ytest = test.map((r) => (r.churnedWithinHorizon ? 1 : 0));
  const sTest = test.map(score);
  const probs = sTest.map((s, i) => applyFactFloor(scheduledCancellation, test[i].signals, applyPlatt(platt, s)));
  const m = binaryMetrics(probs, ytest);
  const metrics: ModelMetrics = {
    ...m,
    reliability: reliabilityByDecile(probs, ytest),
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
    encoding, scheduledCancellation,
  };
  const notes = m.positives === 0 ? "no churn in the test period: ranking metrics are undefined" : lr.converged ? null : `optimiser stopped after ${lr.iterations} iterations`;
  return { ...base, status: "trained", parameters, metrics, trainingRows: labelled.length, positives, notes };
}
