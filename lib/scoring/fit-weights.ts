/**
 * "Fit to our history": fit the health score's factor weights (non-negative, total 100), penalty
 * points and risk thresholds to the organization's own churn outcomes (pure maths; the database
 * side is lib/scoring/fit-history.ts).
 *
 * The score stays an explainable weighted sum of 0-100 factors: only weights, penalty points, the
 * two thresholds and the learned churn-rate tables of "Plan history" and "Payment method" change.
 *
 * Method (deterministic):
 * 1. Learned tables, from the fit rows only: churn rate over the horizon per product and per payment
 *    method, smoothed towards the overall rate with {@link TABLE_SMOOTHING} pseudo-rows.
 * 2. Every fit row's factor values (0-100 or missing) and penalty conditions are computed once.
 *    The score of a row is Σ w_f·v_f / Σ w_f over its present factors − Σ points_k·applies_k
 *    (exactly scoreAccount's formula, before clamping).
 * 3. Weights w (on the simplex), penalty points (0..100) and a logistic link
 *    P(churn) = σ(α − β·(score − 50)) are fitted by projected gradient descent (Adam steps, {@link FIT_ITERATIONS})
 *    on the class-balanced log-loss (churners weigh as much as all others together, so the fit ranks
 *    rather than predicts the base rate), plus a small pull ({@link SHRINK}) towards the current
 *    weights so factors that do not matter keep their current share instead of jumping around.
 *    Step sizes fall linearly to 10 % over the run and the lowest-loss parameters seen are kept
 *    (with fixed steps the loss oscillated around its plateau from ~1,000 steps on).
 * 4. Weights are rounded to whole numbers totalling exactly 100 (largest remainders); a penalty whose
 *    points round to 0 is switched off.
 * 5. Thresholds from the fitted scores of the fit rows: "at risk" starts below the score that best
 *    separates churners from the others (maximum of true-positive rate − false-positive rate);
 *    "critical" is the riskiest tenth of the rows (never above the at-risk line).
 */
import type { SignalSnapshot } from "@/lib/signals/types";
import { FACTOR_KEYS, PENALTY_KEYS, type FactorKey, type LearnedTables, type PenaltyKey, type ScoringConfig } from "./config";
import { FACTORS, paymentMethodCategory } from "./factors";
import { penaltyCondition, penaltyScale } from "./score-account";

/** One labelled snapshot: the account's signals on a day and whether its revenue ended within the horizon. */
export type FitRow = { accountId: string; day: Date; signals: SignalSnapshot; churned: boolean };

export const TABLE_SMOOTHING = 50;
/** Adam steps: at 600 the RavenStack fit had not converged (held-out AUC 0.77 → 0.79 at 1,500). */
export const FIT_ITERATIONS = 1500;
export const SHRINK = 0.005;
/** Rows used by the gradient: above this, retained rows are thinned evenly (churned rows all kept; classes are re-balanced anyway). */
export const MAX_FIT_ROWS = 60_000;
/** Share of fit rows that falls in "critical". */
export const CRITICAL_SHARE = 0.1;
/** Fewest score points between the fitted "critical" and "at risk" lines. */
export const MIN_AT_RISK_BAND = 10;

type Table = NonNullable<LearnedTables["plans"]>;

/** Smoothed churn rate per category (a row may carry several categories, each counted once). */
export function learnRateTable(rows: FitRow[], categories: (s: SignalSnapshot) => string[], horizonDays: number): Table | undefined {
  if (rows.length === 0) return undefined;
  const base = rows.filter((r) => r.churned).length / rows.length;
  const by = new Map<string, [number, number]>();
  for (const r of rows) {
    for (const c of new Set(categories(r.signals))) {
      const e = by.get(c) ?? [0, 0];
      e[0]++;
      if (r.churned) e[1]++;
      by.set(c, e);
    }
  }
  if (by.size === 0) return undefined;
  const rates: Record<string, number> = {};
  for (const [c, [n, k]] of by) rates[c] = Math.round(((k + base * TABLE_SMOOTHING) / (n + TABLE_SMOOTHING)) * 10000) / 10000;
  return { rates, baseRate: Math.round(base * 10000) / 10000, horizonDays };
}

/** The learned tables of the two learned factors, from fit rows. */
export function learnTables(rows: FitRow[], horizonDays: number): LearnedTables {
  return {
    plans: learnRateTable(rows, (s) => s.products ?? [], horizonDays),
    paymentMethods: learnRateTable(rows, (s) => { const c = paymentMethodCategory(s); return c ? [c] : []; }, horizonDays),
  };
}

/** Factor values (NaN = missing) and penalty applicability (0..1 scale, 0 = does not apply) of one row. */
type Prepared = { v: Float64Array; g: Float64Array; y: number; weight: number };

function prepare(rows: FitRow[], learned: LearnedTables): Prepared[] {
  const pos = rows.filter((r) => r.churned).length;
  const neg = rows.length - pos;
  return rows.map((r) => {
    const v = new Float64Array(FACTOR_KEYS.length);
    FACTOR_KEYS.forEach((k, j) => { const x = FACTORS[k](r.signals, learned).value; v[j] = x === null ? NaN : x; });
    const g = new Float64Array(PENALTY_KEYS.length);
    PENALTY_KEYS.forEach((k, j) => { g[j] = penaltyCondition(k, r.signals) !== null ? penaltyScale(k, r.signals) : 0; });
    // class-balanced: each class carries half of the total weight
    const weight = r.churned ? (pos ? 0.5 / pos : 0) : (neg ? 0.5 / neg : 0);
    return { v, g, y: r.churned ? 1 : 0, weight };
  });
}

/** Score of a prepared row under weights w (any scale) and penalty points P (unclamped). */
function rawScore(p: Prepared, w: ArrayLike<number>, P: ArrayLike<number>): { s: number; mean: number; denom: number } {
  let num = 0, den = 0;
  for (let j = 0; j < w.length; j++) if (!Number.isNaN(p.v[j])) { num += w[j] * p.v[j]; den += w[j]; }
  const mean = den > 0 ? num / den : 50;
  let pen = 0;
  for (let k = 0; k < P.length; k++) pen += P[k] * p.g[k];
  return { s: mean - pen, mean, denom: den };
}

/** Euclidean projection onto the simplex {w ≥ 0, Σ w = 1}. */
export function projectSimplex(w: number[]): number[] {
  const u = [...w].sort((a, b) => b - a);
  let css = 0, theta = 0;
  for (let i = 0; i < u.length; i++) {
    css += u[i];
    const t = (css - 1) / (i + 1);
    if (u[i] - t > 0) theta = t;
  }
  return w.map((x) => Math.max(0, x - theta));
}

/** Whole-number weights totalling exactly 100 (largest remainders), from shares summing to 1. */
export function roundWeights(shares: number[]): number[] {
  const raw = shares.map((x) => x * 100);
  const floor = raw.map(Math.floor);
  let left = 100 - floor.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) { if (left <= 0) break; floor[i]++; left--; }
  return floor;
}

export type FitOutcome = { config: ScoringConfig; iterations: number; loss: number };

/**
 * Fit weights, penalty points and thresholds to `rows` starting from `current` (see module doc).
 * Rows must all be from days whose outcome is known (day + horizon ≤ the last observed day).
 * @throws Error when the rows have no churned or no retained row (nothing to fit).
 */
export function fitScoringConfig(rows: FitRow[], current: ScoringConfig, horizonDays: number, opts: { iterations?: number } = {}): FitOutcome {
  const iterations = opts.iterations ?? FIT_ITERATIONS;
  const pos = rows.filter((r) => r.churned).length;
  if (pos === 0 || pos === rows.length) throw new Error("the fit rows need both churned and retained accounts");
  const learned = learnTables(rows, horizonDays);
  const keepEvery = Math.max(1, Math.ceil((rows.length - pos) / Math.max(1, MAX_FIT_ROWS - pos)));
  let negSeen = 0;
  const data = prepare(rows.filter((r) => r.churned || negSeen++ % keepEvery === 0), learned);
  const F = FACTOR_KEYS.length, K = PENALTY_KEYS.length;
  const w0 = FACTOR_KEYS.map((k) => (current.weights[k] ?? 0) / 100);
  let w = projectSimplex(w0.map((x) => x + 0.02)); // every factor starts with a little weight so the gradient can see it
  const enabled = new Map(current.penalties.map((p) => [p.key, p]));
  let P = PENALTY_KEYS.map((k) => (enabled.get(k)?.enabled ? enabled.get(k)!.points : 0));
  let alpha = 0, beta = 0.1; // P(churn) = σ(alpha − beta·(score − 50))
  // Adam state
  const mw = new Array(F).fill(0), vw = new Array(F).fill(0), mP = new Array(K).fill(0), vP = new Array(K).fill(0);
  let ma = 0, va = 0, mb = 0, vb = 0;
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let loss = 0;
  const losses: number[] = [];
  let best = { loss: Infinity, w: [...w], P: [...P] };
  for (let it = 1; it <= iterations; it++) {
    const gw = new Array(F).fill(0), gP = new Array(K).fill(0);
    let ga = 0, gb = 0;
    loss = 0;
    for (const p of data) {
      const { s, mean, denom } = rawScore(p, w, P);
      const z = alpha - beta * (s - 50);
      const q = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      loss += p.weight * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - p.y * z);
      const dz = p.weight * (q - p.y); // dL/dz
      ga += dz;
      gb += dz * -(s - 50);
      const dS = dz * -beta; // dL/dS
      if (denom > 0) for (let j = 0; j < F; j++) if (!Number.isNaN(p.v[j])) gw[j] += (dS * (p.v[j] - mean)) / denom;
      for (let k = 0; k < K; k++) if (p.g[k] > 0) gP[k] += dS * -p.g[k];
    }
    for (let j = 0; j < F; j++) { gw[j] += 2 * SHRINK * (w[j] - w0[j]); loss += SHRINK * (w[j] - w0[j]) ** 2; }
    if (loss < best.loss) best = { loss, w: [...w], P: [...P] }; // loss of the parameters this step started from
    const decay = 1 - 0.9 * (it - 1) / Math.max(1, iterations - 1); // step sizes fall linearly to 10 %: settles instead of oscillating
    const lr = 0.01 * decay, lrP = 0.5 * decay, lrAB = 0.05 * decay;
    const step = (g: number, m: number, v: number) => {
      const m2 = b1 * m + (1 - b1) * g, v2 = b2 * v + (1 - b2) * g * g;
      return { m: m2, v: v2, d: (m2 / (1 - b1 ** it)) / (Math.sqrt(v2 / (1 - b2 ** it)) + eps) };
    };
    const nw = w.map((x, j) => { const r = step(gw[j], mw[j], vw[j]); mw[j] = r.m; vw[j] = r.v; return x - lr * r.d; });
    w = projectSimplex(nw);
    P = P.map((x, k) => { const r = step(gP[k], mP[k], vP[k]); mP[k] = r.m; vP[k] = r.v; return Math.min(100, Math.max(0, x - lrP * r.d)); });
    { const r = step(ga, ma, va); ma = r.m; va = r.v; alpha -= lrAB * r.d; }
    { const r = step(gb, mb, vb); mb = r.m; vb = r.v; beta = Math.max(1e-4, beta - lrAB * 0.1 * r.d); }
    losses.push(loss);
  }
  if (process.env.H5_FIT_TRACE) console.log(`fit loss: ${[1, 100, 300, 600, 1000, 1500, 2000, 3000, 5000].filter((i) => i <= losses.length).map((i) => `${i}: ${losses[i - 1].toFixed(5)}`).join(", ")}`);
  w = best.w;
  P = best.P;
  loss = best.loss;
  const rounded = roundWeights(w);
  const weights = Object.fromEntries(FACTOR_KEYS.map((k, j) => [k, rounded[j]])) as Record<FactorKey, number>;
  const penalties = PENALTY_KEYS.map((k, j) => {
    const points = Math.round(P[j]);
    return { key: k as PenaltyKey, points: points > 0 ? points : (enabled.get(k)?.points ?? 0), enabled: points > 0 };
  });
  const config: ScoringConfig = { weights, penalties, thresholds: current.thresholds, learned };
  config.thresholds = fitThresholds(rows, config);
  return { config, iterations, loss };
}

/** Share of fit rows flagged (at risk or critical) by the fitted "at risk" line: at least / at most. */
export const FLAGGED_SHARE = { min: 0.15, max: 0.25 } as const;

/**
 * Thresholds from the fitted scores of the fit rows (whole numbers, as the level is decided on the
 * displayed score):
 * - healthy (the "at risk" line): the score that best separates churners from the others (maximum of
 *   true-positive rate − false-positive rate over scores below the line), kept so that between
 *   {@link FLAGGED_SHARE}.min and .max of the rows are flagged (a CSM team cannot work everyone, and
 *   a list nobody is on catches nobody);
 * - atRisk (the "critical" line): just above the riskiest {@link CRITICAL_SHARE} of rows, at least
 *   {@link MIN_AT_RISK_BAND} points below the healthy line.
 */
export function fitThresholds(rows: FitRow[], config: ScoringConfig, scoreOf?: (s: SignalSnapshot) => number): ScoringConfig["thresholds"] {
  const score = scoreOf ?? ((s: SignalSnapshot) => scoreWith(s, config));
  const scored = rows.map((r) => ({ s: Math.round(score(r.signals)), y: r.churned }));
  const pos = scored.filter((x) => x.y).length;
  const neg = scored.length - pos;
  const sorted = scored.map((x) => x.s).sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(sorted.length * q)))] ?? 50;
  const lo = Math.max(1, quantile(FLAGGED_SHARE.min) + 1);
  const hi = Math.min(100, Math.max(lo, quantile(FLAGGED_SHARE.max)));
  let best = { t: Math.min(hi, Math.max(lo, config.thresholds.healthy)), j: -Infinity };
  for (let t = lo; t <= hi; t++) {
    let tp = 0, fp = 0;
    for (const x of scored) if (x.s < t) { if (x.y) tp++; else fp++; }
    const j = (pos ? tp / pos : 0) - (neg ? fp / neg : 0);
    if (j > best.j + 1e-12) best = { t, j };
  }
  const healthy = best.t;
  // A band a CSM can see: fitted scores are often clumped, and the riskiest-decile line then sat one point below
  // the healthy line (demo: "at risk" = one score value, 141 of 381 paying accounts "critical").
  const atRisk = Math.max(0, Math.min(healthy - MIN_AT_RISK_BAND, quantile(CRITICAL_SHARE) + 1));
  return { healthy, atRisk };
}

/** The clamped score of one snapshot (same maths as scoreAccount, without explanations). */
export function scoreWith(s: SignalSnapshot, config: ScoringConfig): number {
  const w = FACTOR_KEYS.map((k) => config.weights[k] ?? 0);
  const P = PENALTY_KEYS.map((k) => { const p = config.penalties.find((x) => x.key === k); return p?.enabled ? p.points : 0; });
  const v = new Float64Array(FACTOR_KEYS.length);
  FACTOR_KEYS.forEach((k, j) => { const x = FACTORS[k](s, config.learned).value; v[j] = x === null ? NaN : x; });
  const g = new Float64Array(PENALTY_KEYS.length);
  PENALTY_KEYS.forEach((k, j) => { g[j] = penaltyCondition(k, s) !== null ? penaltyScale(k, s) : 0; });
  const { s: raw } = rawScore({ v, g, y: 0, weight: 0 }, w, P);
  return Math.min(100, Math.max(0, raw));
}
