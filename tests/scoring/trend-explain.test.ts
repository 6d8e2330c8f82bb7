import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { explainChange } from "@/lib/scoring/explain-change";
import { scoreAccount } from "@/lib/scoring/score-account";
import { computeTrend } from "@/lib/scoring/trend";
import { goodSignals } from "./fixtures";

describe("computeTrend (±5 points vs 7 days ago, else ±10 vs 30 days ago)", () => {
  it.each([
    [70, 60, null, "improving"],
    [70, 75, null, "declining"],
    [70, 72, 85, "declining"], // within 5 of last week, 15 below last month
    [70, 68, 58, "improving"],
    [70, 68, 75, "stable"],
    [70, null, 65, "stable"],
    [70, null, null, null],
  ] as const)("score %d vs %s (7 d) and %s (30 d) → %s", (cur, s7, s30, expected) => {
    expect(computeTrend(cur, s7, s30)).toBe(expected);
  });
});

describe("explainChange", () => {
  it("keeps an acronym's capitals when the first change starts the summary's second clause", () => {
    const before = scoreAccount(goodSignals({ mrrChange30dCents: -40_000, mrrChange60dCents: -40_000, mrrChange90dCents: -40_000 }), DEFAULT_SCORING_CONFIG);
    const after = scoreAccount(goodSignals(), DEFAULT_SCORING_CONFIG);
    const e = explainChange(before, after)!;
    expect(e.changes[0]!.text).toMatch(/^MRR trend rose/);
    expect(e.summary).toMatch(/: MRR trend rose from/);
  });
  it("says which factor moved, by how much and why, largest effect first", () => {
    const before = scoreAccount(goodSignals(), DEFAULT_SCORING_CONFIG);
    const after = scoreAccount(goodSignals({ meetings30d: 0, calls30d: 0, notes30d: 0, daysSinceLastEngagement: 45, failedPayments30d: 1 }), DEFAULT_SCORING_CONFIG);
    const e = explainChange(before, after)!;
    expect(e.delta).toBeLessThan(0);
    // engagement 88 → 16 (−10.8 points) outweighs failed payments 100 → 60 (−6 points)
    expect(e.changes[0].text).toBe("Engagement fell from 88 to 16: no calls, meetings or notes in 30 days; last engagement 45 days ago");
    expect(e.changes[1].text).toBe("Failed payments fell from 100 to 60: 1 failed payment in 30 days");
    expect(e.summary).toMatch(/^Score fell from 85.7 to \d+(\.\d)?: engagement fell from 88 to 16/);
  });

  it("reports penalties added and factors that lost their data; validates stored JSON", () => {
    const before = scoreAccount(goodSignals(), DEFAULT_SCORING_CONFIG);
    const after = scoreAccount(goodSignals({ cancellationPending: true, tenureDays: null }), DEFAULT_SCORING_CONFIG);
    const texts = explainChange({ ...before, scoringConfigVersion: 2 }, { ...after, scoringConfigVersion: 2 })!;
    expect(texts.changes.map((c) => c.text)).toEqual(
      expect.arrayContaining([
        "Penalty added: cancellation pending, ends in 60 days (−30)",
        "Tenure has no data any more (was 80); its weight went to the other factors",
      ]),
    );
    expect(() => explainChange({ healthScore: 1, factors: [{ key: "nope" }] }, after)).toThrow();
  });

  it("does not compare scores made with different scoring config versions (a weight change is not the account's move)", () => {
    const before = scoreAccount(goodSignals(), DEFAULT_SCORING_CONFIG);
    const after = scoreAccount(goodSignals({ meetings30d: 0, calls30d: 0, notes30d: 0, daysSinceLastEngagement: 45 }), DEFAULT_SCORING_CONFIG);
    expect(explainChange({ ...before, scoringConfigVersion: 1 }, { ...after, scoringConfigVersion: 2 })).toBeNull();
    expect(explainChange({ ...before, scoringConfigVersion: 2 }, { ...after, scoringConfigVersion: 2 })!.delta).toBeLessThan(0);
  });
});
