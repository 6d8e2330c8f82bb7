/**
 * L2-regularised logistic regression on standardised features, fitted by damped Newton's method (IRLS with a
 * backtracking line search on the objective, so every iteration decreases it and the fit converges).
 * Deterministic: no random initialisation, no shuffling; the same data gives the same coefficients.
 *
 * Objective (minimised): mean log-loss + (l2 / 2) · ‖w‖² over standardised features (intercept not
 * penalised). Features with zero variance in training get std 1 and end with coefficient ≈ 0.
 */

export type LogisticModel = {
  intercept: number;
  /** One per feature, for STANDARDISED inputs ((x − mean) / std). */
  coefficients: number[];
  means: number[];
  stds: number[];
  l2: number;
  iterations: number;
  converged: boolean;
};

export type FitOptions = { l2?: number; maxIterations?: number; tolerance?: number };

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Column means and standard deviations (population); std 0 → 1. */
export function standardisation(X: number[][]): { means: number[]; stds: number[] } {
  const d = X[0]?.length ?? 0;
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) means[j] += row[j];
  for (let j = 0; j < d; j++) means[j] /= Math.max(1, X.length);
  for (const row of X) for (let j = 0; j < d; j++) stds[j] += (row[j] - means[j]) ** 2;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(stds[j] / Math.max(1, X.length));
    stds[j] = s > 1e-12 ? s : 1;
  }
  return { means, stds };
}

/** Solve A x = b for symmetric positive-definite A (Cholesky). @throws Error if A is not SPD. */
export function solveSpd(A: number[][], b: number[]): number[] {
  const n = b.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (s <= 0) throw new Error("matrix is not positive definite");
        L[i][i] = Math.sqrt(s);
      } else L[i][j] = s / L[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

/** Mean log-loss + (l2 / 2) · ‖w‖² of parameters `beta` = [intercept, w…] on standardised rows Z. */
function objective(Z: number[][], y: number[], beta: number[], l2: number): number {
  let loss = 0;
  for (let i = 0; i < Z.length; i++) {
    let eta = beta[0];
    for (let j = 0; j < Z[i].length; j++) eta += beta[j + 1] * Z[i][j];
    // log(1 + e^η) − y·η, computed without overflow
    loss += (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta))) - y[i] * eta;
  }
  let pen = 0;
  for (let j = 1; j < beta.length; j++) pen += beta[j] * beta[j];
  return loss / Math.max(1, Z.length) + (l2 / 2) * pen;
}

/**
 * Fit on rows X (numbers only: impute first) and labels y (0/1).
 * @throws Error when X is empty or X and y differ in length.
 */
export function fitLogistic(X: number[][], y: number[], opts: FitOptions = {}): LogisticModel {
  const l2 = opts.l2 ?? 0.01;
  const maxIterations = opts.maxIterations ?? 50;
  const tolerance = opts.tolerance ?? 1e-8;
  if (X.length === 0 || X.length !== y.length) throw new Error(`fitLogistic: ${X.length} rows vs ${y.length} labels`);
  const n = X.length;
  const d = X[0].length;
  const { means, stds } = standardisation(X);
  const Z = X.map((row) => row.map((v, j) => (v - means[j]) / stds[j]));
  // parameter vector beta = [intercept, w_1..w_d]
  let beta = new Array<number>(d + 1).fill(0);
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, y.reduce((a, b) => a + b, 0) / n));
  beta[0] = Math.log(prior / (1 - prior));
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    const g = new Array<number>(d + 1).fill(0);
    const H = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      let eta = beta[0];
      for (let j = 0; j < d; j++) eta += beta[j + 1] * z[j];
      const p = sigmoid(eta);
      const r = p - y[i];
      const w = Math.max(p * (1 - p), 1e-10);
      g[0] += r;
      H[0][0] += w;
      for (let j = 0; j < d; j++) {
        const zj = z[j];
        g[j + 1] += r * zj;
        const wz = w * zj;
        H[j + 1][0] += wz;
        for (let k = 0; k <= j; k++) H[j + 1][k + 1] += wz * z[k];
      }
    }
    for (let a = 0; a <= d; a++) {
      g[a] /= n;
      for (let b = 0; b <= a; b++) {
        H[a][b] /= n;
        H[b][a] = H[a][b];
      }
    }
    for (let j = 1; j <= d; j++) {
      g[j] += l2 * beta[j];
      H[j][j] += l2;
    }
    H[0][0] += 1e-10;
    const step = solveSpd(H, g);
    // Damped Newton: halve the step until the objective does not increase (Armijo with c = 1e-4). A full
    // Newton step overshoots on nearly separable data (e.g. a binary feature that is 1 only for churners) and
    // then oscillates: before this the fit stopped after 50 iterations at an arbitrary iterate, whose ranking
    // changed a lot with a few hundred rows more or less (issue 13: backtest 0.76 → 0.68, docs/scoring.md).
    const f0 = objective(Z, y, beta, l2);
    const slope = step.reduce((a, s, i) => a + s * g[i], 0);
    let t = 1;
    let next = beta.map((b, i) => b - step[i]);
    for (let k = 0; k < 30 && objective(Z, y, next, l2) > f0 - 1e-4 * t * slope; k++) {
      t /= 2;
      next = beta.map((b, i) => b - t * step[i]);
    }
    beta = next;
    const size = t * Math.max(...step.map(Math.abs));
    if (size < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { intercept: beta[0], coefficients: beta.slice(1), means, stds, l2, iterations, converged };
}

/** Linear predictor (log-odds) for one raw (imputed, unstandardised) feature row. */
export function logit(model: Pick<LogisticModel, "intercept" | "coefficients" | "means" | "stds">, x: number[]): number {
  let eta = model.intercept;
  for (let j = 0; j < model.coefficients.length; j++) eta += model.coefficients[j] * ((x[j] - model.means[j]) / model.stds[j]);
  return eta;
}

/** Uncalibrated probability for one raw feature row. */
export function predictLogistic(model: Pick<LogisticModel, "intercept" | "coefficients" | "means" | "stds">, x: number[]): number {
  return sigmoid(logit(model, x));
}
