import { describe, expect, it } from "vitest";
import { brierScore, expectedCalibrationError, prAuc, rocAuc, rocCurve, topDecileLift } from "@/lib/model/metrics";
import { fallbackProbability } from "@/lib/model/fallback";
import { fitPlatt, applyPlatt } from "@/lib/model/calibration";

describe("metrics on hand-checkable examples", () => {
  const s = [0.1, 0.4, 0.35, 0.8];
  const y = [0, 0, 1, 1];
  it("ROC AUC: 3 of 4 positive/negative pairs ordered correctly → 0.75; ties count half", () => {
    expect(rocAuc(s, y)).toBeCloseTo(0.75, 10);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.9, 0.1], [1, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNull();
  });
  it("PR AUC (average precision): (0.5·1) + (0.5·2/3) = 0.8333", () => {
    expect(prAuc(s, y)).toBeCloseTo(0.8333, 4);
  });
  it("Brier: perfect 0, coin-flip 0.25", () => {
    expect(brierScore([1, 0], [1, 0])).toBe(0);
    expect(brierScore([0.5, 0.5], [1, 0])).toBe(0.25);
  });
  it("ECE (10 bins): ¼·0.05 + ¼·0.15 + ½·|0.95 − 0.5| = 0.275", () => {
    expect(expectedCalibrationError([0.05, 0.15, 0.95, 0.95], [0, 0, 1, 0])).toBeCloseTo(0.275, 10);
  });
  it("top-decile lift: 20 rows, 4 positives, top 2 both positive → 1 / 0.2 = 5", () => {
    const scores = Array.from({ length: 20 }, (_, i) => 20 - i);
    const labels = scores.map((_, i) => (i < 2 || i === 10 || i === 15 ? 1 : 0));
    expect(topDecileLift(scores, labels)).toBe(5);
    expect(topDecileLift(scores, scores.map(() => 0))).toBeNull();
  });
  it("ROC curve runs (0,0) → (1,1) with at most 50 points", () => {
    const n = 500;
    const scores = Array.from({ length: n }, (_, i) => i / n);
    const labels = scores.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const c = rocCurve(scores, labels, 50);
    expect(c.length).toBe(50);
    expect(c[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(c.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    for (let i = 1; i < c.length; i++) expect(c[i].fpr).toBeGreaterThanOrEqual(c[i - 1].fpr);
  });
});

describe("fallback mapping and Platt scaling", () => {
  it("maps health score to a probability: 40 → 0.5, 70 → 0.047, flagged fallback", () => {
    expect(fallbackProbability(40)).toEqual({ probability: 0.5, source: "fallback" });
    expect(fallbackProbability(70).probability).toBeCloseTo(0.0474, 4);
    expect(fallbackProbability(10).probability).toBeGreaterThan(fallbackProbability(30).probability);
  });
  it("Platt scaling turns over-confident scores into calibrated ones (lower Brier)", () => {
    // log-odds ±4 (p ≈ 0.98 / 0.02) but only 70 % of each group is right
    const scores: number[] = [], labels: number[] = [];
    for (let i = 0; i < 100; i++) { scores.push(4); labels.push(i < 70 ? 1 : 0); scores.push(-4); labels.push(i < 70 ? 0 : 1); }
    const platt = fitPlatt(scores, labels);
    const raw = scores.map((x) => 1 / (1 + Math.exp(-x)));
    const cal = scores.map((x) => applyPlatt(platt, x));
    expect(cal[0]).toBeCloseTo(0.7, 1);
    expect(brierScore(cal, labels)!).toBeLessThan(brierScore(raw, labels)!);
  });
});
