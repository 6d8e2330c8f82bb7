/**
 * Issue 13 "scores a CSM can trust": levels only for paying customers and from the displayed score,
 * partial cancellations scale renewal risk and the penalty, a new customer's first revenue is not
 * growth, and payment recency uses interval × interval_count.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from "@/lib/scoring/config";
import { billingPeriodDays, mrrTrend, paymentRecency, renewalRisk } from "@/lib/scoring/factors";
import { scoreAccount } from "@/lib/scoring/score-account";
import { formatScore } from "@/lib/format";
import { goodSignals, signals } from "./fixtures";

const cfg = DEFAULT_SCORING_CONFIG;

describe("risk levels a CSM can trust", () => {
  it("gives non-paying accounts a health score but no risk level", () => {
    for (const lifecycleState of ["prospect", "trialing", "paused", "churned", null] as const) {
      const s = scoreAccount(goodSignals({ lifecycleState, daysSinceLastPayment: 609, mrrCents: 0 }), cfg);
      expect(s.healthScore).toBeGreaterThanOrEqual(0);
      expect(s.riskLevel).toBe(null);
    }
    // a "customer" whose MRR is 0 or unknown is not paying either
    expect(scoreAccount(goodSignals({ mrrCents: 0 }), cfg).riskLevel).toBe(null);
    expect(scoreAccount(goodSignals({ mrrCents: null }), cfg).riskLevel).toBe(null);
    expect(scoreAccount(goodSignals({ lifecycleState: "past_due" }), cfg).riskLevel).toBe("healthy");
  });

  it("decides the level on the displayed whole score: never 'score 70 · At risk'", () => {
    // penalty points chosen so the score lands between 69.5 and 70 (goodSignals = 85.7)
    const c: ScoringConfig = { ...cfg, penalties: [{ key: "pastDue30d", points: 16, enabled: true }] };
    const s = scoreAccount(goodSignals({ daysSinceLastPayment: 31, pastDueInvoices: 1 }), c);
    expect(s.healthScore).toBeGreaterThanOrEqual(69.5);
    expect(s.healthScore).toBeLessThan(70);
    expect(formatScore(s.healthScore)).toBe("70");
    expect(s.riskLevel).toBe("healthy");
  });
});

describe("partial cancellations", () => {
  it("move renewal risk with the share of MRR cancelling and say the share", () => {
    const none = renewalRisk(signals({ daysUntilRenewal: 200, autoRenew: true, cancelingMrrShare: 0 }));
    const part = renewalRisk(signals({ daysUntilRenewal: 200, autoRenew: true, cancellationPending: false, cancelingMrrShare: 0.22 }));
    const all = renewalRisk(signals({ daysUntilRenewal: 20, autoRenew: true, cancellationPending: true, cancelingMrrShare: 1 }));
    expect(none.value).toBe(100);
    expect(part.value).toBeCloseTo(78, 5);
    expect(part.detail).toMatch(/^22 % of MRR set to cancel, ends in 200 days/);
    expect(all.value).toBe(0);
  });

  it("scale the cancellation penalty by that share", () => {
    const s = scoreAccount(goodSignals({ cancelingMrrShare: 0.22, cancellationPending: false }), cfg);
    const p = s.penalties.find((x) => x.key === "cancellationPending");
    expect(p?.points).toBeCloseTo(6.6, 5); // 22 % of 30
    expect(p?.detail).toMatch(/22 % of MRR set to cancel/);
    const full = scoreAccount(goodSignals({ cancelingMrrShare: 1, cancellationPending: true }), cfg);
    expect(full.penalties.find((x) => x.key === "cancellationPending")?.points).toBe(30);
    expect(full.healthScore).toBeLessThan(s.healthScore);
  });
});

describe("MRR trend of a new customer", () => {
  it("does not count the first revenue as +100 % growth: no trend yet, weight to the other factors", () => {
    const f = mrrTrend(signals({ mrrCents: 50_000, mrrChange30dCents: 50_000, mrrChange60dCents: 50_000, mrrChange90dCents: 50_000, newCustomer: true }));
    expect(f.value).toBe(null);
    expect(f.detail).toMatch(/new customer/);
    const s = scoreAccount(goodSignals({ mrrChange30dCents: 100_000, mrrChange60dCents: 100_000, mrrChange90dCents: 100_000, newCustomer: true, tenureDays: 20 }), cfg);
    expect(s.missingFactors).toContain("mrrTrend");
    // a window that started after the first revenue still counts
    expect(mrrTrend(signals({ mrrCents: 60_000, mrrChange30dCents: 10_000, mrrChange60dCents: 60_000, newCustomer: true })).value).toBeGreaterThan(75);
  });
});

describe("payment recency on multi-period contracts", () => {
  it("uses interval × interval_count: a two-year contract paid 400 days ago is on time", () => {
    expect(billingPeriodDays("year", 24)).toBe(730);
    expect(billingPeriodDays("month", 3)).toBe(91);
    expect(billingPeriodDays("year", null)).toBe(365);
    expect(paymentRecency(signals({ daysSinceLastPayment: 400, billingInterval: "year", commitmentTermMonths: 24 })).value).toBe(100);
    expect(paymentRecency(signals({ daysSinceLastPayment: 400, billingInterval: "year", commitmentTermMonths: 12 })).value).toBeLessThan(100);
    // the signals' own period (interval × interval_count) wins: every 2 weeks = 14 days
    expect(paymentRecency(signals({ daysSinceLastPayment: 30, billingInterval: "week", extra: { billingPeriodDays: 14 } })).value).toBeLessThan(100);
    expect(paymentRecency(signals({ daysSinceLastPayment: 400, billingInterval: "year", commitmentTermMonths: null, extra: { billingPeriodDays: 730 } })).value).toBe(100);
  });
});
