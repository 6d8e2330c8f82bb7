/**
 * Ranking and calibration metrics for binary outcomes. `scores`: higher = more likely positive
 * (probabilities for Brier/ECE); `labels`: 0/1. Metrics that are undefined (e.g. AUC with one class)
 * return null rather than a made-up number.
 */

const check = (scores: number[], labels: number[]) => {
  if (scores.length !== labels.length) throw new Error(`metrics: ${scores.length} scores vs ${labels.length} labels`);
};

/** ROC AUC (Mann-Whitney U with mid-ranks for ties): P(score of a positive > score of a negative). */
export function rocAuc(scores: number[], labels: number[]): number | null {
  check(scores, labels);
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return null;
  const idx = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k][1]] === 1) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Distinct-threshold confusion counts, highest score first: [{threshold, tp, fp}]. */
function sweep(scores: number[], labels: number[]): { threshold: number; tp: number; fp: number }[] {
  const idx = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => b[0] - a[0]);
  const out: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0, fp = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && idx[j][0] === idx[i][0]) {
      if (idx[j][1] === 1) tp++;
      else fp++;
      j++;
    }
    out.push({ threshold: idx[i][0], tp, fp });
    i = j;
  }
  return out;
}

/** PR AUC as average precision: Σ (recall_k − recall_{k−1}) · precision_k over distinct thresholds. */
export function prAuc(scores: number[], labels: number[]): number | null {
  check(scores, labels);
  const pos = labels.filter((y) => y === 1).length;
  if (pos === 0) return null;
  let prevRecall = 0;
  let ap = 0;
  for (const { tp, fp } of sweep(scores, labels)) {
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Brier score: mean squared error of probabilities (0 = perfect). Null when empty. */
export function brierScore(probs: number[], labels: number[]): number | null {
  check(probs, labels);
  if (probs.length === 0) return null;
  return probs.reduce((a, p, i) => a + (p - labels[i]) ** 2, 0) / probs.length;
}

/** Expected calibration error over `bins` equal-width bins: Σ (n_b / n) · |mean p_b − mean y_b|. */
export function expectedCalibrationError(probs: number[], labels: number[], bins = 10): number | null {
  check(probs, labels);
  if (probs.length === 0) return null;
  const n = new Array<number>(bins).fill(0), sp = new Array<number>(bins).fill(0), sy = new Array<number>(bins).fill(0);
  probs.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    n[b]++;
    sp[b] += p;
    sy[b] += labels[i];
  });
  let e = 0;
  for (let b = 0; b < bins; b++) if (n[b]) e += (n[b] / probs.length) * Math.abs(sp[b] / n[b] - sy[b] / n[b]);
  return e;
}

/**
 * Top-decile lift: positive rate among the top 10 % by score (ceil(n/10) rows; ties by input order)
 * divided by the overall positive rate. 1 = no better than random. Null without positives.
 */
export function topDecileLift(scores: number[], labels: number[]): number | null {
  check(scores, labels);
  const pos = labels.filter((y) => y === 1).length;
  if (pos === 0 || labels.length === 0) return null;
  const k = Math.ceil(labels.length / 10);
  const top = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
  const topRate = top.filter(([, i]) => labels[i] === 1).length / k;
  return topRate / (pos / labels.length);
}

export type RocPoint = { fpr: number; tpr: number; threshold: number };

/** ROC curve points from (0,0) to (1,1), down-sampled to at most `maxPoints` (ends kept). */
export function rocCurve(scores: number[], labels: number[], maxPoints = 50): RocPoint[] {
  check(scores, labels);
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return [];
  const pts: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  for (const { threshold, tp, fp } of sweep(scores, labels)) pts.push({ fpr: fp / neg, tpr: tp / pos, threshold });
  if (pts.length <= maxPoints) return pts;
  const out: RocPoint[] = [];
  for (let i = 0; i < maxPoints; i++) out.push(pts[Math.round((i * (pts.length - 1)) / (maxPoints - 1))]);
  return out;
}

export type BinaryMetrics = {
  rocAuc: number | null;
  prAuc: number | null;
  brier: number | null;
  calibrationError: number | null;
  topDecileLift: number | null;
  rows: number;
  positives: number;
};

/** All metrics at once (probabilities in `probs`). */
export function binaryMetrics(probs: number[], labels: number[]): BinaryMetrics {
  return {
    rocAuc: rocAuc(probs, labels),
    prAuc: prAuc(probs, labels),
    brier: brierScore(probs, labels),
    calibrationError: expectedCalibrationError(probs, labels),
    topDecileLift: topDecileLift(probs, labels),
    rows: labels.length,
    positives: labels.filter((y) => y === 1).length,
  };
}
