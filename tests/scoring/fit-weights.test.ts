/** "Fit to our history": the fitted config ranks churners better on newer days than the one it started from, and stays a valid, explainable config. */
import { describe, expect, it } from "vitest";
import { rocAuc } from "@/lib/model/metrics";
import { DEFAULT_SCORING_CONFIG, FACTOR_KEYS, parseScoringConfig } from "@/lib/scoring/config";
import { fitScoringConfig, fitThresholds, MIN_AT_RISK_BAND, projectSimplex, roundWeights, scoreWith, type FitRow } from "@/lib/scoring/fit-weights";
import { scoreAccount } from "@/lib/scoring/score-account";
import { mulberry32 } from "@/sandbox/core/prng";
import { goodSignals } from "./fixtures";

const DAY = 86_400_000;

/** Churners have open deals and a worse plan; the signals the default weights favour are noise. */
function rows(seed: number, weeks: number, startWeek: number): FitRow[] {
  const r = mulberry32(seed);
  const out: FitRow[] = [];
  for (let a = 0; a < 200; a++) {
    const churned = a % 6 === 0;
    for (let w = startWeek; w < startWeek + weeks; w++) {
      out.push({
        accountId: `a${a}`, day: new Date(Date.UTC(2026, 0, 1) + w * 7 * DAY), churned,
        signals: goodSignals({
          openDeals: churned ? (r() < 0.8 ? 1 : 0) : (r() < 0.1 ? 1 : 0),
          products: [churned ? (r() < 0.7 ? "Basic" : "Pro") : (r() < 0.3 ? "Basic" : "Pro")],
          daysSinceLastPayment: Math.floor(r() * 60), failedPayments30d: r() < 0.2 ? 1 : 0, daysSinceLastEngagement: Math.floor(r() * 90),
        }),
      });
    }
  }
  return out;
}

describe("fitScoringConfig", () => {
  it("fits weights (non-negative, total 100) and thresholds that rank newer days' churners better", () => {
    const fit = rows(1, 10, 0);
    const newer = rows(2, 4, 10);
    const { config } = fitScoringConfig(fit, DEFAULT_SCORING_CONFIG, 90);
    expect(() => parseScoringConfig(config)).not.toThrow();
    const total = FACTOR_KEYS.reduce((a, k) => a + config.weights[k], 0);
    expect(total).toBe(100);
    for (const k of FACTOR_KEYS) expect(config.weights[k]).toBeGreaterThanOrEqual(0);
    expect(config.weights.openDeals).toBeGreaterThan(DEFAULT_SCORING_CONFIG.weights.openDeals);
    expect(config.thresholds.atRisk).toBeLessThan(config.thresholds.healthy);
    expect(config.learned?.plans?.rates.Basic).toBeGreaterThan(config.learned!.plans!.rates.Pro);
    const auc = (c: typeof config) => rocAuc(newer.map((x) => 100 - scoreWith(x.signals, c)), newer.map((x) => (x.churned ? 1 : 0)))!;
    expect(auc(config)).toBeGreaterThan(auc(DEFAULT_SCORING_CONFIG) + 0.15);
    // the stored score (with explanations) is the same maths
    const s = newer[0].signals;
    expect(scoreAccount(s, config).healthScore).toBeCloseTo(scoreWith(s, config), 0);
    expect(scoreAccount(goodSignals({ openDeals: 1, products: ["Basic"] }), config).factors.find((f) => f.key === "planHistory")?.detail).toMatch(/on Basic: .* churned within 90 days/);
  });

  it("leaves an 'at risk' band a CSM can see when the fitted scores are clumped", () => {
    // 60 % of rows score exactly 80, the rest spread below: the riskiest decile sits just under the healthy line.
    const clumped: FitRow[] = Array.from({ length: 500 }, (_, i) => ({
      accountId: `c${i}`, day: new Date(Date.UTC(2026, 0, 1)), churned: i % 5 === 0, signals: goodSignals({ seats: i }),
    }));
    const scoreOf = (s: { seats: number | null }) => ((s.seats ?? 0) < 300 ? 80 : 79 - ((s.seats ?? 0) % 10));
    const t = fitThresholds(clumped, DEFAULT_SCORING_CONFIG, scoreOf as never);
    expect(t.healthy - t.atRisk).toBeGreaterThanOrEqual(MIN_AT_RISK_BAND);
  });

  it("refuses history without churn", () => {
    expect(() => fitScoringConfig(rows(1, 2, 0).map((r) => ({ ...r, churned: false })), DEFAULT_SCORING_CONFIG, 90)).toThrow(/churned and retained/);
  });

  it("projects onto the simplex and rounds weights to exactly 100", () => {
    const p = projectSimplex([0.5, 0.5, 0.5, -1]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
    expect(roundWeights([1 / 3, 1 / 3, 1 / 3]).reduce((a, b) => a + b, 0)).toBe(100);
  });
});
