import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG, parseScoringConfig, riskLevelFor, ScoringConfigError, ZScoringConfig } from "@/lib/scoring/config";

const d = DEFAULT_SCORING_CONFIG;

function issuesOf(input: unknown) {
  try {
    parseScoringConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringConfigError);
    return (e as ScoringConfigError).issues;
  }
  throw new Error("expected the config to be rejected");
}

describe("scoring config validation", () => {
  it("accepts the defaults (weights total 100; healthy 70, at_risk 40)", () => {
    expect(ZScoringConfig.parse(d)).toEqual(d);
    expect(riskLevelFor(70, d.thresholds)).toBe("healthy");
    expect(riskLevelFor(69.4, d.thresholds)).toBe("at_risk");
    expect(riskLevelFor(69.6, d.thresholds)).toBe("healthy"); // shown as 70: the level follows the displayed score
    expect(riskLevelFor(40, d.thresholds)).toBe("at_risk");
    expect(riskLevelFor(39.4, d.thresholds)).toBe("critical");
  });

  it.each([
    ["weights total 95", { ...d, weights: { ...d.weights, tenure: 0 } }, "weights", /weights must total 100, got 95/],
    ["negative weight", { ...d, weights: { ...d.weights, engagement: -5, tenure: 25 } }, "weights.engagement", /engagement must be ≥ 0/],
    ["unknown factor", { ...d, weights: { ...d.weights, vibes: 0 } }, "weights", /vibes/],
    ["thresholds out of order", { ...d, thresholds: { healthy: 70, atRisk: 80 } }, "thresholds.atRisk", /atRisk must be lower than healthy/],
    ["healthy above 100", { ...d, thresholds: { healthy: 120, atRisk: 40 } }, "thresholds.healthy", /healthy must be ≤ 100/],
    ["penalty points 150", { ...d, penalties: [{ key: "cancellationPending", points: 150, enabled: true }] }, "penalties.0.points", /points must be ≤ 100/],
    ["unknown penalty", { ...d, penalties: [{ key: "moonPhase", points: 5, enabled: true }] }, "penalties.0.key", /./],
    ["duplicate penalty", { ...d, penalties: [d.penalties[0], d.penalties[0]] }, "penalties.1.key", /duplicate penalty cancellationPending/],
  ])("rejects %s naming the field", (_n, input, path, msg) => {
    const issues = issuesOf(input);
    const hit = issues.find((i) => i.path === path);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.message).toMatch(msg);
  });

  it("accepts weights that total 100 within ±0.001", () => {
    expect(() => parseScoringConfig({ ...d, weights: { ...d.weights, tenure: 5.0005 } })).not.toThrow();
    expect(() => parseScoringConfig({ ...d, weights: { ...d.weights, tenure: 5.01 } })).toThrow(/weights: weights must total 100, got 100.01/);
  });
});
