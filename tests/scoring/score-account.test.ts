import { describe, expect, it } from "vitest";
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from "@/lib/scoring/config";
import { scoreAccount } from "@/lib/scoring/score-account";
import { goodSignals, signals } from "./fixtures";

const cfg = DEFAULT_SCORING_CONFIG;

describe("scoreAccount", () => {
  it("weights the hand-computed factor values (default weights 15/15/15/15/15/10/10/5)", () => {
    // 15·(100+100+75+55+88)/100 + 10·(90+100)/100 + 5·80/100 = 62.7 + 19 + 4 = 85.7
    const s = scoreAccount(goodSignals(), cfg);
    expect(s.healthScore).toBe(85.7);
    expect(s.riskLevel).toBe("healthy");
    expect(s.missingFactors).toEqual([]);
    expect(s.penalties).toEqual([]);
    const renewal = s.factors.find((f) => f.key === "renewalRisk")!;
    expect(renewal).toMatchObject({ weight: 15, effectiveWeight: 15, value: 55, contribution: 8.25, missing: false });
    // the weakest factor is named first among drivers
    expect(s.drivers[0]).toBe("renewal in 60 days with auto-renew off");
  });

  it("gives a missing factor's weight to the others in proportion and lists it", () => {
    // supportLoad (10) and tenure (5) missing: (15·418 + 10·90) / 85 = 84.35 → 84.4
    const s = scoreAccount(goodSignals({ openTickets: null, urgentTickets: null, tenureDays: null }), cfg);
    expect(s.healthScore).toBe(84.4);
    expect(s.missingFactors).toEqual(["supportLoad", "tenure"]);
    const pay = s.factors.find((f) => f.key === "paymentRecency")!;
    expect(pay.effectiveWeight).toBeCloseTo((15 * 100) / 85, 2); // 17.65
    const t = s.factors.find((f) => f.key === "tenure")!;
    expect(t).toMatchObject({ value: null, missing: true, effectiveWeight: 0, contribution: 0 });
    expect(s.factors.reduce((a, f) => a + f.effectiveWeight, 0)).toBeCloseTo(100, 1);
  });

  it("scores an account with no data at all as a neutral 50 (at_risk when paying) and says so", () => {
    const s = scoreAccount(signals(), cfg);
    expect(s.healthScore).toBe(50);
    expect(s.riskLevel).toBe(null); // nothing says it pays: no risk level
    expect(scoreAccount(signals({ lifecycleState: "customer", mrrCents: 1 }), cfg).riskLevel).toBe("at_risk");
    expect(s.missingFactors).toHaveLength(8);
    expect(s.drivers[0]).toBe("no data for any factor");
  });

  it("subtracts a penalty that applies (past due > 30 days) and not one that does not", () => {
    // last payment 45 d → paymentRecency 80: 15·398/100 + 19 + 4 = 82.7; minus 20 → 62.7 (at_risk)
    const s = scoreAccount(goodSignals({ daysSinceLastPayment: 45, pastDueInvoices: 1 }), cfg);
    expect(s.penalties.map((p) => p.key)).toEqual(["pastDue30d"]);
    expect(s.healthScore).toBe(62.7);
    expect(s.riskLevel).toBe("at_risk");
    expect(s.drivers[0]).toMatch(/past due.*\(−20\)/);
    // paid 10 days ago: a past-due invoice alone is not "past due over 30 days"
    expect(scoreAccount(goodSignals({ pastDueInvoices: 1 }), cfg).penalties).toEqual([]);
  });

  it("clamps at 0 when penalties exceed the weighted score", () => {
    const s = scoreAccount(
      signals({
        daysSinceLastPayment: 100, failedPayments30d: 3, mrrCents: 5_000, mrrChange30dCents: -5_000, cancellationPending: true,
        daysUntilRenewal: 5, meetings30d: 0, calls30d: 0, notes30d: 0, daysSinceLastEngagement: 90, seats: 0, openTickets: 10,
        urgentTickets: 0, tenureDays: 0, pastDueInvoices: 2, lifecycleState: "past_due",
      }),
      cfg,
    );
    // weighted = tenure only: 5·40/100 = 2; penalties 30 + 20 = 50 → clamp 0
    expect(s.healthScore).toBe(0);
    expect(s.riskLevel).toBe("critical");
    expect(s.penalties.map((p) => p.points).sort()).toEqual([20, 30]);
    expect(s.drivers[0]).toMatch(/cancellation pending/);
    // The renewal factor's text repeats the penalty's: the reason is listed once.
    expect(s.drivers.filter((d) => d.startsWith("cancellation pending")).length).toBe(1);
  });

  it("ignores disabled penalties and follows configured thresholds", () => {
    const custom: ScoringConfig = {
      ...cfg,
      penalties: cfg.penalties.map((p) => ({ ...p, enabled: false })),
      thresholds: { healthy: 90, atRisk: 60 },
    };
    const s = scoreAccount(goodSignals({ daysSinceLastPayment: 45, pastDueInvoices: 1 }), custom);
    expect(s.penalties).toEqual([]);
    expect(s.healthScore).toBe(82.7);
    expect(s.riskLevel).toBe("at_risk");
  });
});
