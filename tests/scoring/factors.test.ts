import { describe, expect, it } from "vitest";
import { engagement, failedPayments, mrrTrend, paymentRecency, piecewise, renewalRisk, stakeholderCoverage, supportLoad, tenure } from "@/lib/scoring/factors";
import { signals } from "./fixtures";

describe("piecewise curve", () => {
  it("interpolates between points and is flat outside", () => {
    const pts = [[0, 0], [10, 100]] as const;
    expect(piecewise(-5, pts)).toBe(0);
    expect(piecewise(2.5, pts)).toBe(25);
    expect(piecewise(50, pts)).toBe(100);
  });
});

describe("factor values (hand-computed)", () => {
  const cases: [string, () => { value: number | null; detail: string }, number | null, RegExp?][] = [
    // payment recency, monthly: ≤35 d → 100, 65 d → 40, 95 d → 0
    ["payment 10 days ago", () => paymentRecency(signals({ daysSinceLastPayment: 10 })), 100],
    ["payment 45 days ago", () => paymentRecency(signals({ daysSinceLastPayment: 45 })), 80, /last payment 45 days ago/],
    ["payment 80 days ago", () => paymentRecency(signals({ daysSinceLastPayment: 80 })), 20],
    ["payment 100 days ago", () => paymentRecency(signals({ daysSinceLastPayment: 100 })), 0],
    ["annual payer, 380 days", () => paymentRecency(signals({ daysSinceLastPayment: 380, billingInterval: "year" })), 80],
    ["no payment data", () => paymentRecency(signals()), null],
    // failed payments in 30 d: 0/1/2/3+ → 100/60/30/0
    ["0 failed", () => failedPayments(signals({ failedPayments30d: 0 })), 100],
    ["1 failed", () => failedPayments(signals({ failedPayments30d: 1 })), 60],
    ["3 failed", () => failedPayments(signals({ failedPayments30d: 3 })), 0, /3 failed payments in 30 days/],
    ["5 failed", () => failedPayments(signals({ failedPayments30d: 5 })), 0],
    // MRR trend: $100.00 now, −$20.00 in 30 d → r = −20/120 = −0.1667 → 30 + 30·(0.0333/0.15) = 36.67
    ["MRR −16.7 % in 30 d", () => mrrTrend(signals({ mrrCents: 10_000, mrrChange30dCents: -2_000 })), 36.667, /MRR down/],
    ["MRR flat", () => mrrTrend(signals({ mrrCents: 10_000, mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0 })), 75],
    ["MRR halved", () => mrrTrend(signals({ mrrCents: 5_000, mrrChange30dCents: -5_000 })), 0],
    // r = 0.5·(1000/9000) + 0.3·(2000/8000) + 0.2·(5000/5000) = 0.33 → 100
    ["MRR growing", () => mrrTrend(signals({ mrrCents: 10_000, mrrChange30dCents: 1_000, mrrChange60dCents: 2_000, mrrChange90dCents: 5_000 })), 100],
    ["MRR unknown", () => mrrTrend(signals({ mrrChange30dCents: 100 })), null],
    // renewal: pending → 0; off: 12 d → 20 + 20·12/30 = 28; 60 d → 55; on: 100 (≥30 d) / 90; unknown: mean
    ["cancellation pending", () => renewalRisk(signals({ cancellationPending: true, daysUntilRenewal: 20 })), 0, /cancellation pending, ends in 20 days/],
    ["renewal in 12 d, auto-renew off", () => renewalRisk(signals({ daysUntilRenewal: 12, autoRenew: false })), 28, /renewal in 12 days with auto-renew off/],
    ["renewal in 60 d, auto-renew off", () => renewalRisk(signals({ daysUntilRenewal: 60, autoRenew: false })), 55],
    ["renewal in 200 d, auto-renew on", () => renewalRisk(signals({ daysUntilRenewal: 200, autoRenew: true })), 100],
    ["renewal in 10 d, auto-renew on", () => renewalRisk(signals({ daysUntilRenewal: 10, autoRenew: true })), 90],
    ["renewal in 60 d, auto-renew unknown", () => renewalRisk(signals({ daysUntilRenewal: 60 })), 77.5],
    ["no renewal data", () => renewalRisk(signals()), null],
    // engagement: points 3·1 + 2·1 + 1 = 6 → 80; last 7 d → 100; 0.6·80 + 0.4·100 = 88
    ["engaged", () => engagement(signals({ meetings30d: 1, calls30d: 1, notes30d: 1, daysSinceLastEngagement: 7 })), 88],
    // no activity → 0; 45 d → 40; 0.6·0 + 0.4·40 = 16
    ["silent 45 d", () => engagement(signals({ meetings30d: 0, calls30d: 0, notes30d: 0, daysSinceLastEngagement: 45 })), 16, /no calls, meetings or notes in 30 days/],
    ["only recency known", () => engagement(signals({ daysSinceLastEngagement: 30 })), 60],
    ["no engagement data", () => engagement(signals()), null],
    // stakeholders: 5 seats → 100, 1/5 active → 40 → 70; 2 seats → 50 (active unknown)
    ["5 seats, 1 active", () => stakeholderCoverage(signals({ seats: 5, activeContacts: 1 })), 70, /1 of 5 contacts active/],
    ["2 seats", () => stakeholderCoverage(signals({ seats: 2 })), 50],
    ["0 seats", () => stakeholderCoverage(signals({ seats: 0, activeContacts: 0 })), 0],
    // support: open + 2·urgent: 5 → 50; 1 → 90; 0 → 100
    ["3 open, 1 urgent", () => supportLoad(signals({ openTickets: 3, urgentTickets: 1 })), 50, /3 open tickets \(1 urgent\)/],
    ["1 open", () => supportLoad(signals({ openTickets: 1, urgentTickets: 0 })), 90],
    ["no tickets", () => supportLoad(signals({ openTickets: 0, urgentTickets: 0 })), 100],
    // tenure: 0 → 40, 365 → 80, 180 → 50 + 30·90/275 = 59.82, ≥730 → 100
    ["tenure 0", () => tenure(signals({ tenureDays: 0 })), 40],
    ["tenure 180", () => tenure(signals({ tenureDays: 180 })), 59.818],
    ["tenure 365", () => tenure(signals({ tenureDays: 365 })), 80, /customer for 11 months/],
    ["tenure 1000", () => tenure(signals({ tenureDays: 1000 })), 100],
  ];
  it.each(cases)("%s", (_name, run, expected, detail) => {
    const r = run();
    if (expected === null) expect(r.value).toBeNull();
    else expect(r.value).toBeCloseTo(expected, 2);
    expect(r.detail.length).toBeGreaterThan(0);
    if (detail) expect(r.detail).toMatch(detail);
  });
});
