/**
 * Platt scaling: p = sigmoid(a · s + b) where s is the model's log-odds, fitted on a held-out slice
 * (never on the rows the model was trained on) by Newton's method with backtracking on the log-loss, with Platt's
 * smoothed targets (positives (N₊+1)/(N₊+2), negatives 1/(N₋+2)) to avoid over-confidence on small
 * slices. Identity {a: 1, b: 0} when the slice lacks either class.
 */
import { sigmoid } from "./logistic";

export type Platt = { a: number; b: number };
export const IDENTITY_PLATT: Platt = { a: 1, b: 0 };

/** Fit Platt parameters on log-odds `scores` and 0/1 `labels` of a held-out slice. */
export function fitPlatt(scores: number[], labels: number[], maxIterations = 100): Platt {
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return IDENTITY_PLATT;
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (neg + 2);
  const t = labels.map((y) => (y === 1 ? tPos : tNeg));
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < scores.length; i++) {
      const z = a * scores[i] + b;
      // log(1 + e^z) − t·z, computed stably
      l += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i] * z;
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let it = 0; it < maxIterations; it++) {
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < scores.length; i++) {
      const p = sigmoid(a * scores[i] + b);
      const r = p - t[i];
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * scores[i];
      gb += r;
      haa += w * scores[i] * scores[i];
      hab += w * scores[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-18) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Newton step with backtracking: halve until the loss does not increase
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current + 1e-12 && step > 1e-8) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current + 1e-12) break;
    a -= step * da;
    b -= step * db;
    const moved = Math.max(Math.abs(step * da), Math.abs(step * db));
    current = next;
    if (moved < 1e-10) break;
  }
  return { a, b };
}

/** Calibrated probability of a log-odds score. */
export function applyPlatt(platt: Platt, score: number): number {
  return sigmoid(platt.a * score + platt.b);
}
