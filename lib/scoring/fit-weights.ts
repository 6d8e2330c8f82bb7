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
 * 5. Thresholds (see {@link fitThresholds}): "at risk" starts below the score that best separates
 *    churners on the fit rows, within an alert budget of 15-25 % of today's paying accounts; "critical"
 *    is today's riskiest tenth, at least 10 points below.
 */
import { logger } from "@/lib/logger";
import type { SignalSnapshot } from "@/lib/signals/types";
import { FACTOR_KEYS, PENALTY_KEYS, type FactorCurve, type FactorKey, type LearnedTables, type PenaltyKey, type ScoringConfig } from "./config";
import { FACTORS, factorValue, paymentMethodCategory } from "./factors";
import { penaltyCondition, penaltyScale } from "./score-account";

/** One labelled snapshot: the account's signals on a day and whether its revenue ended within the horizon. */
export type FitRow = { accountId: string; day: Date; signals: SignalSnapshot; churned: boolean };

export const TABLE_SMOOTHING = 50;
/** Adam steps: at 600 the RavenStack fit had not converged (held-out AUC 0.77 → 0.79 at 1,500). */
export const FIT_ITERATIONS = 1500;
export const SHRINK = 0.005;
/** Rows used by the gradient: above this, retained rows are thinned evenly (churned rows all kept; classes are re-balanced anyway). */
export const MAX_FIT_ROWS = 60_000;
/**
 * Most weight one factor can take in a fit (points of 100). A CSM must not see an account jump from
 * healthy to critical on one event (an open deal appearing): with one factor at 73 points (the demo's
 * fit before this cap: open deals 73) a deal moved the score by ~44 points in a day.
 */
export const MAX_FACTOR_WEIGHT = 30;
/**
 * Most weight one family of factors that move together on the same event can take: the CRM
 * relationship factors (engagement, stakeholder coverage, open deals: a renewal deal comes with calls and
 * meetings) and the payment factors (payment recency, failed payments: one failed charge moves both).
 */
export const FACTOR_FAMILIES: readonly { name: string; keys: readonly FactorKey[]; max: number }[] = [
  { name: "relationship", keys: ["engagement", "stakeholderCoverage", "openDeals"], max: 45 },
  { name: "payments", keys: ["paymentRecency", "failedPayments"], max: 45 },
];
/** A learned curve whose values span less than this (points) is flat: the factor gets no weight in the fit. */
export const FLAT_CURVE_RANGE = 2;
const curveRange = (c: FactorCurve) => Math.max(...c.points.map((p) => p[1])) - Math.min(...c.points.map((p) => p[1]));
/** Learned curves: the churn-rate ratio to the average that maps to 0 (and its inverse to 100); 1 → 50. */
export const CURVE_RATIO_AT_ZERO = 4;
/** Fewest fit rows per bin of a learned curve (also at least 1/20 of the factor's rows). */
export const CURVE_MIN_BIN_ROWS = 50;

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

/**
 * Learned curve of one factor (see config.ts ZFactorCurve) from `(value, churned)` pairs of fit rows:
 * 1. rows sorted by the factor's value and cut into bins of equal values, each at least
 *    max({@link CURVE_MIN_BIN_ROWS}, n/20) rows (so ≤ 20 bins);
 * 2. each bin's churn rate smoothed towards the overall rate with {@link TABLE_SMOOTHING} pseudo-rows;
 * 3. made non-increasing in the value (pool-adjacent-violators, weighted by rows): a higher factor
 *    value never means more churn, so the factor keeps its meaning and its explanation;
 * 4. rate → value on a log scale shared by every factor: 50 − 50·log(rate/base)/log({@link CURVE_RATIO_AT_ZERO}),
 *    clamped 0-100 (the average rate → 50, 4× → 0, ¼ → 100), so weights compare like with like.
 * Returns undefined with fewer than 2 bins (nothing to learn) or no churned row.
 */
export function learnFactorCurve(pairs: { v: number; y: boolean }[]): FactorCurve | undefined {
  const n = pairs.length;
  const k = pairs.filter((p) => p.y).length;
  if (n === 0 || k === 0) return undefined;
  const base = k / n;
  const sorted = [...pairs].sort((a, b) => a.v - b.v);
  const minBin = Math.max(CURVE_MIN_BIN_ROWS, Math.ceil(n / 20));
  type Bin = { n: number; k: number; sumV: number };
  const bins: Bin[] = [];
  let cur: Bin = { n: 0, k: 0, sumV: 0 };
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    cur.n++; cur.k += p.y ? 1 : 0; cur.sumV += p.v;
    const nextDiffers = i === n - 1 || sorted[i + 1].v !== p.v;
    if (nextDiffers && cur.n >= minBin && n - 1 - i >= minBin) { bins.push(cur); cur = { n: 0, k: 0, sumV: 0 }; }
  }
  if (cur.n > 0) bins.push(cur);
  if (bins.length < 2) return undefined;
  // smoothed rates, then pool adjacent violators (rate must not rise with the value)
  const blocks = bins.map((b) => ({ rate: (b.k + base * TABLE_SMOOTHING) / (b.n + TABLE_SMOOTHING), w: b.n, members: [b] }));
  for (let i = 0; i < blocks.length - 1;) {
    if (blocks[i].rate < blocks[i + 1].rate) {
      const a = blocks[i], b = blocks[i + 1];
      blocks.splice(i, 2, { rate: (a.rate * a.w + b.rate * b.w) / (a.w + b.w), w: a.w + b.w, members: [...a.members, ...b.members] });
      if (i > 0) i--;
    } else i++;
  }
  const toValue = (r: number) => Math.min(100, Math.max(0, 50 - (50 * Math.log(r / base)) / Math.log(CURVE_RATIO_AT_ZERO)));
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  const points: [number, number][] = [], rates: number[] = [];
  for (const blk of blocks) for (const b of blk.members) {
    points.push([Math.round((b.sumV / b.n) * 100) / 100, Math.round(toValue(blk.rate) * 100) / 100]);
    rates.push(r4(blk.rate));
  }
  return { points, rates, baseRate: r4(base) };
}

/** Learned curves of every factor present in the fit rows (under the learned tables of the same fit). */
export function learnFactorCurves(rows: FitRow[], learned: LearnedTables): Record<string, FactorCurve> {
  const curves: Record<string, FactorCurve> = {};
  for (const key of FACTOR_KEYS) {
    const pairs: { v: number; y: boolean }[] = [];
    for (const r of rows) { const v = FACTORS[key](r.signals, learned).value; if (v !== null) pairs.push({ v, y: r.churned }); }
    const c = learnFactorCurve(pairs);
    if (c) curves[key] = c;
  }
  return curves;
}

/** Factor values (NaN = missing) and penalty applicability (0..1 scale, 0 = does not apply) of one row. */
type Prepared = { v: Float64Array; g: Float64Array; y: number; weight: number };

function prepare(rows: FitRow[], learned: LearnedTables): Prepared[] {
  const pos = rows.filter((r) => r.churned).length;
  const neg = rows.length - pos;
  return rows.map((r) => {
    const v = new Float64Array(FACTOR_KEYS.length);
    FACTOR_KEYS.forEach((k, j) => { const x = factorValue(k, r.signals, learned).value; v[j] = x === null ? NaN : x; });
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

/**
 * Euclidean projection onto {0 ≤ w_j ≤ cap_j, Σ w = 1} and, for each family, Σ_family w ≤ family cap
 * (shares of 1). The per-factor box is exact (bisection on the shift); family caps are enforced by
 * alternating: a family over its cap is scaled down to it and the excess re-projected onto the
 * others (a few rounds; exact when no other cap binds).
 * @param caps per-factor upper bounds (Σ caps ≥ 1, else the caps are ignored).
 */
export function projectCappedSimplex(w: number[], caps: number[], families: { idx: number[]; max: number }[] = []): number[] {
  if (caps.reduce((a, b) => a + b, 0) < 1 - 1e-9) return projectSimplex(w);
  const box = (x: number[], ub: number[]) => {
    let lo = Math.min(...x) - 1, hi = Math.max(...x);
    for (let it = 0; it < 100; it++) {
      const mid = (lo + hi) / 2;
      const sum = x.reduce((a, xi, i) => a + Math.min(ub[i], Math.max(0, xi - mid)), 0);
      if (sum > 1) lo = mid; else hi = mid;
    }
    return x.map((xi, i) => Math.min(ub[i], Math.max(0, xi - hi)));
  };
  let out = box(w, caps);
  for (let round = 0; round < 5; round++) {
    const ub = [...caps];
    let over = false;
    for (const f of families) {
      const sum = f.idx.reduce((a, i) => a + out[i], 0);
      if (sum > f.max + 1e-9) {
        over = true;
        for (const i of f.idx) ub[i] = Math.min(ub[i], (out[i] * f.max) / sum);
      }
    }
    if (!over) break;
    if (ub.reduce((a, b) => a + b, 0) < 1 - 1e-9) break;
    out = box(out, ub);
  }
  return out;
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

/** {@link roundWeights}, then whole points moved from a factor/family over its cap to the largest remainders under theirs. */
export function roundCapped(shares: number[], caps: number[], families: { idx: number[]; max: number }[]): number[] {
  const out = roundWeights(shares);
  const famOf = (i: number) => families.filter((f) => f.idx.includes(i));
  const room = (i: number) => out[i] < caps[i] && famOf(i).every((f) => f.idx.reduce((a, j) => a + out[j], 0) < f.max);
  for (let guard = 0; guard < 200; guard++) {
    const bad = out.findIndex((x, i) => x > caps[i] || famOf(i).some((f) => f.idx.reduce((a, j) => a + out[j], 0) > f.max) && x > 0);
    if (bad < 0) break;
    const to = out.map((_, i) => i).filter((i) => i !== bad && room(i)).sort((a, b) => shares[b] * 100 - out[b] - (shares[a] * 100 - out[a]))[0];
    if (to === undefined) break;
    out[bad]--; out[to]++;
  }
  return out;
}

export type FitOutcome = { config: ScoringConfig; iterations: number; loss: number };

/**
 * Fit weights, penalty points and thresholds to `rows` starting from `current` (see module doc).
 * Rows must all be from days whose outcome is known (day + horizon ≤ the last observed day).
 * @throws Error when the rows have no churned or no retained row (nothing to fit).
 */
export function fitScoringConfig(
  rows: FitRow[], current: ScoringConfig, horizonDays: number,
  opts: { iterations?: number; curves?: boolean; maxFactorWeight?: number; families?: typeof FACTOR_FAMILIES; recent?: SignalSnapshot[] } = {},
): FitOutcome {
  const iterations = opts.iterations ?? FIT_ITERATIONS;
  const pos = rows.filter((r) => r.churned).length;
  if (pos === 0 || pos === rows.length) throw new Error("the fit rows need both churned and retained accounts");
  const learned = learnTables(rows, horizonDays);
  if (opts.curves ?? true) learned.curves = learnFactorCurves(rows, learned);
  const cap = (opts.maxFactorWeight ?? MAX_FACTOR_WEIGHT) / 100;
  let caps = FACTOR_KEYS.map(() => cap);
  if (learned.curves) {
    // A factor whose learned curve is flat (or that has one value for every fit row) tells churners from
    // the others by nothing: with weight it only dilutes the others where it has data, and a CSM would read
    // a weight that means nothing. It gets weight 0 when the informative factors can carry the 100 points.
    const informative = FACTOR_KEYS.map((k) => { const c = learned.curves![k]; return !!c && curveRange(c) >= FLAT_CURVE_RANGE; });
    if (informative.filter(Boolean).length * cap >= 1) caps = caps.map((c, j) => (informative[j] ? c : 0));
  }
  const families = (opts.families ?? FACTOR_FAMILIES).map((f) => ({ idx: f.keys.map((k) => FACTOR_KEYS.indexOf(k)), max: f.max / 100 }));
  const project = (x: number[]) => projectCappedSimplex(x, caps, families);
  const keepEvery = Math.max(1, Math.ceil((rows.length - pos) / Math.max(1, MAX_FIT_ROWS - pos)));
  let negSeen = 0;
  const data = prepare(rows.filter((r) => r.churned || negSeen++ % keepEvery === 0), learned);
  const F = FACTOR_KEYS.length, K = PENALTY_KEYS.length;
  const w0 = FACTOR_KEYS.map((k, j) => (caps[j] > 0 ? (current.weights[k] ?? 0) / 100 : 0));
  let w = project(w0.map((x) => x + 0.02)); // every factor starts with a little weight so the gradient can see it
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
    w = project(nw);
    P = P.map((x, k) => { const r = step(gP[k], mP[k], vP[k]); mP[k] = r.m; vP[k] = r.v; return Math.min(100, Math.max(0, x - lrP * r.d)); });
    { const r = step(ga, ma, va); ma = r.m; va = r.v; alpha -= lrAB * r.d; }
    { const r = step(gb, mb, vb); mb = r.m; vb = r.v; beta = Math.max(1e-4, beta - lrAB * 0.1 * r.d); }
    losses.push(loss);
  }
  logger.debug({ losses: [1, 100, 300, 600, 1000, 1500].filter((i) => i <= losses.length).map((i) => [i, Number(losses[i - 1].toFixed(5))]) }, "fit-weights: loss by iteration");
  w = best.w;
  P = best.P;
  loss = best.loss;
  const rounded = roundCapped(w, caps.map((c) => Math.round(c * 100)), families.map((f) => ({ idx: f.idx, max: Math.round(f.max * 100) })));
  const weights = Object.fromEntries(FACTOR_KEYS.map((k, j) => [k, rounded[j]])) as Record<FactorKey, number>;
  const penalties = PENALTY_KEYS.map((k, j) => {
    const points = Math.round(P[j]);
    return { key: k as PenaltyKey, points: points > 0 ? points : (enabled.get(k)?.points ?? 0), enabled: points > 0 };
  });
  const config: ScoringConfig = { weights, penalties, thresholds: current.thresholds, learned };
  config.thresholds = fitThresholds(rows, config, undefined, opts.recent);
  return { config, iterations, loss };
}

/** Share of fit rows flagged (at risk or critical) by the fitted "at risk" line: at least / at most. */
export const FLAGGED_SHARE = { min: 0.15, max: 0.25 } as const;

/**
 * Thresholds (whole numbers, as the level is decided on the displayed score):
 * - healthy (the "at risk" line): the score that best separates churners from the others on the FIT rows
 *   (maximum of true-positive rate − false-positive rate over scores below the line), kept within the
 *   alert budget: between {@link FLAGGED_SHARE}.min and .max of TODAY's paying accounts flagged (`recent`:
 *   the newest signal day's paying snapshots; without them, the fit rows). Lines chosen on the fit's days
 *   alone drifted: on the demo they flagged 45 % of paying accounts today. When tied scores make the
 *   budget impossible, at least the min share is flagged.
 * - atRisk (the "critical" line): the riskiest {@link CRITICAL_SHARE} of the same accounts, at least
 *   {@link MIN_AT_RISK_BAND} points below the healthy line.
 */
export function fitThresholds(rows: FitRow[], config: ScoringConfig, scoreOf?: (s: SignalSnapshot) => number, recent?: SignalSnapshot[]): ScoringConfig["thresholds"] {
  const score = scoreOf ?? ((s: SignalSnapshot) => scoreWith(s, config));
  const scored = rows.map((r) => ({ s: Math.round(score(r.signals)), y: r.churned }));
  const pos = scored.filter((x) => x.y).length;
  const neg = scored.length - pos;
  // The alert budget holds where the CSMs work: today's portfolio when given (scores drift between the
  // fit's days and today; lines set on the fit rows flagged 45 % of paying demo accounts today).
  const budget = recent && recent.length > 0 ? recent.map((s) => Math.round(score(s))) : scored.map((x) => x.s);
  const sorted = budget.sort((a, b) => a - b);
  // flagged = score < t: from the smallest t flagging ≥ min share to the largest flagging ≤ max share
  const share = (t: number) => sorted.filter((x) => x < t).length / sorted.length;
  // (when tied scores make both impossible, the min share wins: a list nobody is on catches nobody)
  let lo = 101;
  for (let t = 100; t >= 1; t--) if (share(t) >= FLAGGED_SHARE.min) lo = t;
  lo = Math.min(100, lo);
  let hi = lo;
  for (let t = lo; t <= 100; t++) if (share(t) <= FLAGGED_SHARE.max) hi = t;
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
  let crit = 0;
  for (let t = 0; t <= 100; t++) if (share(t) <= CRITICAL_SHARE) crit = t;
  const atRisk = Math.max(0, Math.min(healthy - MIN_AT_RISK_BAND, crit));
  return { healthy, atRisk };
}

/** The clamped score of one snapshot (same maths as scoreAccount, without explanations). */
export function scoreWith(s: SignalSnapshot, config: ScoringConfig): number {
  const w = FACTOR_KEYS.map((k) => config.weights[k] ?? 0);
  const P = PENALTY_KEYS.map((k) => { const p = config.penalties.find((x) => x.key === k); return p?.enabled ? p.points : 0; });
  const v = new Float64Array(FACTOR_KEYS.length);
  FACTOR_KEYS.forEach((k, j) => { const x = factorValue(k, s, config.learned).value; v[j] = x === null ? NaN : x; });
  const g = new Float64Array(PENALTY_KEYS.length);
  PENALTY_KEYS.forEach((k, j) => { g[j] = penaltyCondition(k, s) !== null ? penaltyScale(k, s) : 0; });
  const { s: raw } = rawScore({ v, g, y: 0, weight: 0 }, w, P);
  return Math.min(100, Math.max(0, raw));
}
