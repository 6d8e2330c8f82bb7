/**
 * Issue 13: "an account with every subscription set to cancel shows a 5-6 % churn probability".
 * Cause (measured on RavenStack): in the history the model learns from, cancellations either take
 * effect at once (no pending days) or are announced a year ahead (pending, no churn within 90 days):
 * 94 labelled rows with a pending cancellation, 0 churned. The regression learns "pending → no churn"
 * and cannot know that an end in 20 days is different. The fix: a scheduled full cancellation within
 * the horizon gets at least the smoothed carry-out rate of such cancellations in the history.
 */
import { describe, expect, it } from "vitest";
import { assertNoLeakage, FEATURE_NAMES } from "@/lib/model/features";
import { CARRY_OUT_PRIOR, predictChurnProbability, reliabilityByDecile, trainChurnModel, type TrainingRow } from "@/lib/model/train";
import { mulberry32 } from "@/sandbox/core/prng";
import { goodSignals } from "../scoring/fixtures";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** 300 accounts × 20 weekly rows; churners have failed payments; 1 in 10 non-churners has a cancellation pending a year ahead. */
function history(opts: { scheduledCarriedOut?: number } = {}): TrainingRow[] {
  const r = mulberry32(11);
  const rows: TrainingRow[] = [];
  for (let a = 0; a < 300; a++) {
    const churner = a % 5 === 0;
    const farPending = !churner && a % 10 === 1;
    const scheduledSoon = a < (opts.scheduledCarriedOut ?? 0) * 5 && churner; // churners that announced 30 days ahead
    for (let w = 0; w < 20; w++) {
      rows.push({
        accountId: `acc_${a}`,
        day: new Date(START + w * 7 * DAY),
        churnedWithinHorizon: churner,
        signals: goodSignals({
          day: new Date(START + w * 7 * DAY),
          failedPayments30d: churner ? 1 + Math.floor(r() * 2) : Math.floor(r() * 1.2),
          daysSinceLastPayment: Math.floor(r() * 35),
          cancellationPending: farPending || scheduledSoon,
          cancelingMrrShare: farPending || scheduledSoon ? 1 : 0,
          daysUntilRenewal: farPending ? 300 + Math.floor(r() * 60) : scheduledSoon ? 30 : 60,
          products: [a % 3 === 0 ? "Basic" : "Pro"],
          paymentMethodType: a % 4 === 0 ? "us_bank_account" : "card",
        }),
      });
    }
  }
  return rows;
}

describe("churn probability of a fully cancelling account", () => {
  it("is at least the carry-out floor, not the 5 % the history's far-off cancellations suggest", () => {
    const res = trainChurnModel(history(), { horizonDays: 90 });
    expect(res.status).toBe("trained");
    const p = res.parameters!;
    // No labelled row had a cancellation ending within 90 days: the floor is the prior.
    expect(p.scheduledCancellation).toMatchObject({ rows: 0, churned: 0, floor: CARRY_OUT_PRIOR });
    const endsIn20 = goodSignals({ cancellationPending: true, cancelingMrrShare: 1, daysUntilRenewal: 20, products: ["Pro"] });
    expect(predictChurnProbability(p, endsIn20)).toBeGreaterThanOrEqual(0.9);
    // Without the floor the model alone says what it learned from the far-off cancellations: low.
    expect(predictChurnProbability({ ...p, scheduledCancellation: { horizonDays: 90, rows: 0, churned: 0, floor: 0 } }, endsIn20)).toBeLessThan(0.2);
    // A cancellation a year away, or a partial one, is not a scheduled churn within the horizon.
    expect(predictChurnProbability(p, goodSignals({ cancellationPending: true, cancelingMrrShare: 1, daysUntilRenewal: 300 }))).toBeLessThan(0.5);
    expect(predictChurnProbability(p, goodSignals({ cancelingMrrShare: 0.22, daysUntilRenewal: 20 }))).toBeLessThan(0.5);
  });

  it("learns the carry-out rate from history when it has such cancellations", () => {
    const res = trainChurnModel(history({ scheduledCarriedOut: 12 }), { horizonDays: 90 });
    const f = res.parameters!.scheduledCancellation!;
    expect(f.rows).toBeGreaterThan(0);
    expect(f.churned).toBe(f.rows); // every one was carried out
    expect(f.floor).toBeGreaterThan(CARRY_OUT_PRIOR);
  });
});

describe("model features and reliability", () => {
  it("has plan identity and payment method type features, and none that leaks", () => {
    expect(FEATURE_NAMES).toEqual(expect.arrayContaining(["planRisk", "paymentCard", "paymentBankDebit", "paymentInvoice", "cancelingMrrShare", "newCustomer"]));
    expect(() => assertNoLeakage(FEATURE_NAMES)).not.toThrow();
    const res = trainChurnModel(history(), { horizonDays: 90 });
    // plan encoding learned on the fit slice: Basic (a % 3 == 0) churns more often than Pro here
    const enc = res.parameters!.encoding!;
    expect(Object.keys(enc.plans).sort()).toEqual(["Basic", "Pro"]);
  });

  it("reports predicted vs observed by decile on the test days", () => {
    const res = trainChurnModel(history(), { horizonDays: 90 });
    const rel = res.metrics!.reliability;
    expect(rel).toHaveLength(10);
    expect(rel.reduce((a, b) => a + b.rows, 0)).toBe(res.metrics!.testRows);
    for (let i = 1; i < rel.length; i++) expect(rel[i].meanPredicted).toBeGreaterThanOrEqual(rel[i - 1].meanPredicted);
    expect(reliabilityByDecile([0.1, 0.9], [0, 1])).toEqual([
      { decile: 1, rows: 1, meanPredicted: 0.1, observedRate: 0 },
      { decile: 2, rows: 1, meanPredicted: 0.9, observedRate: 1 },
    ]);
  });
});
