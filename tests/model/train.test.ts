import { describe, expect, it } from "vitest";
import { assertNoLeakage, extractFeatures, FEATURE_NAMES, LeakageError } from "@/lib/model/features";
import { fitLogistic, predictLogistic } from "@/lib/model/logistic";
import { predictChurnProbability, trainChurnModel, type TrainingRow } from "@/lib/model/train";
import { mulberry32 } from "@/sandbox/core/prng";
import { goodSignals } from "../scoring/fixtures";


const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/**
 * 200 accounts × 20 weekly snapshots. `signal` decides how strongly churners differ:
 * 1 = separable (failed payments, late payments), 0 = features independent of labels.
 * One in four accounts churns (50 accounts).
 */
function dataset(signal: number, seed = 7, accounts = 200, churnEvery = 4): TrainingRow[] {
  const r = mulberry32(seed);
  const rows: TrainingRow[] = [];
  for (let a = 0; a < accounts; a++) {
    const churner = signal === 0 ? r() < 0.25 : a % churnEvery === 0;
    for (let w = 0; w < 20; w++) {
      const bad = signal > 0 && churner;
      rows.push({
        accountId: `acc_${String(a).padStart(3, "0")}`,
        day: new Date(START + w * 7 * DAY),
        churnedWithinHorizon: churner,
        signals: goodSignals({
          day: new Date(START + w * 7 * DAY),
          failedPayments30d: bad ? 1 + Math.floor(r() * 3) : Math.floor(r() * 1.3),
          daysSinceLastPayment: bad ? 30 + Math.floor(r() * 40) : Math.floor(r() * 35),
          daysSinceLastEngagement: Math.floor(r() * 60),
          openTickets: Math.floor(r() * 4),
          tenureDays: 30 + Math.floor(r() * 900),
        }),
      });
    }
  }
  return rows;
}

describe("leakage guard", () => {
  it("the model's features contain nothing that encodes the outcome", () => {
    expect(() => assertNoLeakage(FEATURE_NAMES)).not.toThrow();
    expect(FEATURE_NAMES).toContain("cancellationPending"); // announced on the day: allowed
  });
  it.each(["status", "subscriptionStatus", "canceledAt", "daysSinceCancel", "endedAt", "churned", "mrrAfterEnd", "mrrIsZero", "churnedWithinHorizon"])(
    "refuses %s",
    (name) => expect(() => assertNoLeakage([...FEATURE_NAMES, name])).toThrow(LeakageError),
  );
  it("ignores anything outside the snapshot's known signals (e.g. a status smuggled into extra)", () => {
    const s = goodSignals();
    expect(extractFeatures({ ...s, extra: { subscriptionStatus: "canceled", daysSinceCancel: 3 } })).toEqual(extractFeatures(s));
  });
  it("gives missing values an indicator instead of a zero", () => {
    const x = extractFeatures(goodSignals({ daysSinceLastPayment: null }));
    expect(x[FEATURE_NAMES.indexOf("daysSinceLastPayment")]).toBeNull();
    expect(x[FEATURE_NAMES.indexOf("daysSinceLastPayment_missing")]).toBe(1);
  });
});

describe("logistic regression", () => {
  it("is deterministic and learns a one-feature rule", () => {
    const X = Array.from({ length: 40 }, (_, i) => [i]);
    const y = X.map(([x]) => (x >= 20 ? 1 : 0));
    const m1 = fitLogistic(X, y, { l2: 0.01 });
    const m2 = fitLogistic(X, y, { l2: 0.01 });
    expect(m1).toEqual(m2);
    expect(m1.coefficients[0]).toBeGreaterThan(0);
    expect(predictLogistic(m1, [35])).toBeGreaterThan(0.9);
    expect(predictLogistic(m1, [3])).toBeLessThan(0.1);
  });
});

describe("trainChurnModel", () => {
  const opts = { horizonDays: 90, lastObservedDay: new Date(START + 400 * DAY) };

  it("reaches AUC > 0.9 on a separable data set, with a time-based split and stored metrics", () => {
    const rows = dataset(1);
    const r = trainChurnModel(rows, opts);
    expect(r.status).toBe("trained");
    expect(r.positives).toBe(50);
    expect(r.metrics!.rocAuc!).toBeGreaterThan(0.9);
    expect(r.metrics!.topDecileLift!).toBeGreaterThan(2);
    // time split: test days are the newest, calibration just before, fit before that
    expect(r.metrics!.splitDay > r.metrics!.calibrationStartDay).toBe(true);
    expect(r.metrics!.trainRows + r.metrics!.calibrationRows + r.metrics!.testRows).toBe(rows.length);
    expect(r.features).toEqual(FEATURE_NAMES);
    const churner = rows.find((x) => x.churnedWithinHorizon)!;
    const stayer = rows.find((x) => !x.churnedWithinHorizon)!;
    expect(predictChurnProbability(r.parameters!, churner.signals)).toBeGreaterThan(predictChurnProbability(r.parameters!, stayer.signals));
  });

  it("is ≈ 0.5 AUC on random labels", () => {
    const r = trainChurnModel(dataset(0, 11), opts);
    expect(r.status).toBe("trained");
    expect(Math.abs(r.metrics!.rocAuc! - 0.5)).toBeLessThan(0.12);
  });

  it("calibration improves the Brier score of a shrunken (under-confident) model", () => {
    const r = trainChurnModel(dataset(1, 3), { ...opts, l2: 3 });
    expect(r.metrics!.brier!).toBeLessThan(r.metrics!.brierUncalibrated!);
  });

  it("drops rows without an observable label (newer than lastObservedDay − horizon)", () => {
    const rows = dataset(1);
    const r = trainChurnModel(rows, { horizonDays: 90, lastObservedDay: new Date(START + (13 * 7 + 90) * DAY) });
    expect(r.trainingRows).toBe(200 * 14); // weeks 0..13
  });

  it("reports insufficient_data with fewer than 20 churned accounts", () => {
    const rows = dataset(1, 5, 100, 10); // 10 churned accounts
    const r = trainChurnModel(rows, opts);
    expect(r.status).toBe("insufficient_data");
    expect(r.parameters).toBeNull();
    expect(r.notes).toMatch(/only 10 churned account\(s\).*need ≥ 20/);
  });
});
