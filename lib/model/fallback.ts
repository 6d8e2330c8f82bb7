/**
 * Fallback churn probability when there is no trained model (too little churn history):
 * a fixed logistic mapping of the health score, flagged `source: "fallback"`.
 *
 *   p = 1 / (1 + exp((healthScore − 40) / 10))
 *
 * 40 (the default at_risk/critical border) → 0.50; 20 → 0.88; 0 → 0.98; 55 → 0.18; 70 → 0.047;
 * 100 → 0.0025. It ranks exactly like the health score; its absolute level is a convention, not a
 * calibrated estimate for any organization.
 */
export const FALLBACK_MIDPOINT = 40;
export const FALLBACK_SCALE = 10;

export type ProbabilityResult = { probability: number; source: "model" | "fallback" };

/** @param healthScore 0-100 @returns churn probability 0-1 with source "fallback". */
export function fallbackProbability(healthScore: number): ProbabilityResult {
  const p = 1 / (1 + Math.exp((healthScore - FALLBACK_MIDPOINT) / FALLBACK_SCALE));
  return { probability: Math.round(p * 10000) / 10000, source: "fallback" };
}
