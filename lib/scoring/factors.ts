/**
 * The eight health-score factors. Each maps one SignalSnapshot to `{value, detail}`:
 * `value` is 0-100 (higher is healthier) or `null` when the signals it needs are missing;
 * `detail` says in words what the value is based on ("last payment 45 days ago").
 *
 * Curves are piecewise linear through the documented points (x → value), flat outside them.
 * Every curve is listed in docs/scoring.md; change both together.
 */
import type { SignalSnapshot } from "@/lib/signals/types";
import type { FactorKey } from "./config";

export type FactorValue = { value: number | null; detail: string };

/** Piecewise-linear interpolation through `points` ([x, y] sorted by x); flat beyond the ends. */
export function piecewise(x: number, points: readonly (readonly [number, number])[]): number {
  if (x <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i];
    if (x <= x1) {
      const [x0, y0] = points[i - 1];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1][1];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Billing period in days for an interval ("month" → 30); unknown → 30. */
export function billingPeriodDays(interval: string | null): number {
  switch (interval) {
    case "day": return 1;
    case "week": return 7;
    case "year": return 365;
    default: return 30;
  }
}

/**
 * Payment recency (days since the last successful payment, relative to the billing period P days):
 * ≤ P+5 → 100, P+35 → 40, ≥ P+65 → 0. Monthly: 35 d → 100, 65 d → 40, 95 d → 0.
 */
export function paymentRecency(s: SignalSnapshot): FactorValue {
  const d = s.daysSinceLastPayment;
  if (d === null) return { value: null, detail: "no successful payment on record" };
  const p = billingPeriodDays(s.billingInterval);
  const value = piecewise(d, [[p + 5, 100], [p + 35, 40], [p + 65, 0]]);
  return { value, detail: d === 0 ? "paid today" : `last payment ${plural(d, "day")} ago` };
}

/** Failed payments in 30 days: 0 → 100, 1 → 60, 2 → 30, ≥ 3 → 0. */
export function failedPayments(s: SignalSnapshot): FactorValue {
  const n = s.failedPayments30d;
  if (n === null) return { value: null, detail: "no payment data" };
  const value = piecewise(n, [[0, 100], [1, 60], [2, 30], [3, 0]]);
  return { value, detail: n === 0 ? "no failed payments in 30 days" : `${plural(n, "failed payment")} in 30 days` };
}

/** Fractional MRR change over a window: change / MRR at the window start; null when unknown or both ends 0. */
export function mrrChangeRatio(mrrCents: number, changeCents: number | null): number | null {
  if (changeCents === null) return null;
  const before = mrrCents - changeCents;
  if (before <= 0) return mrrCents > 0 ? 1 : null; // grew from nothing = +100 %
  return changeCents / before;
}

/** Weights of the 30/60/90-day MRR changes in the MRR-trend factor (renormalised over those present). */
export const MRR_TREND_WEIGHTS = { d30: 0.5, d60: 0.3, d90: 0.2 } as const;

/**
 * MRR trend: weighted change r = 0.5·r30 + 0.3·r60 + 0.2·r90 (ratios; missing windows renormalised).
 * r ≤ −50 % → 0, −20 % → 30, −5 % → 60, 0 → 75, +10 % → 90, ≥ +25 % → 100.
 * Null when MRR or all three changes are unknown.
 */
export function mrrTrend(s: SignalSnapshot): FactorValue {
  if (s.mrrCents === null) return { value: null, detail: "no MRR data" };
  const parts: [number, number, string][] = [];
  const add = (w: number, c: number | null, label: string) => {
    const r = mrrChangeRatio(s.mrrCents!, c);
    if (r !== null) parts.push([w, r, label]);
  };
  add(MRR_TREND_WEIGHTS.d30, s.mrrChange30dCents, "30 d");
  add(MRR_TREND_WEIGHTS.d60, s.mrrChange60dCents, "60 d");
  add(MRR_TREND_WEIGHTS.d90, s.mrrChange90dCents, "90 d");
  if (parts.length === 0) return { value: null, detail: "no MRR history" };
  const wsum = parts.reduce((a, [w]) => a + w, 0);
  const r = parts.reduce((a, [w, x]) => a + w * x, 0) / wsum;
  const value = piecewise(r, [[-0.5, 0], [-0.2, 30], [-0.05, 60], [0, 75], [0.1, 90], [0.25, 100]]);
  const words = parts.map(([, x, l]) => `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x * 100))}% in ${l}`).join(", ");
  const dir = r <= -0.005 ? "MRR down" : r >= 0.005 ? "MRR up" : "MRR flat";
  return { value, detail: `${dir} (${words})` };
}

/**
 * Renewal risk from days to renewal d × auto-renew / cancellation state:
 * - cancellation pending → 0;
 * - auto-renew on → 100 (d ≥ 30), 90 (d < 30);
 * - auto-renew off → d ≤ 0: 20, 30: 40, 90: 70, ≥ 180: 90;
 * - auto-renew unknown → mean of "on" and "off".
 * Null when d and auto-renew are both unknown.
 */
export function renewalRisk(s: SignalSnapshot): FactorValue {
  const d = s.daysUntilRenewal;
  if (s.cancellationPending === true) {
    return { value: 0, detail: d === null ? "cancellation pending" : `cancellation pending, ends in ${plural(d, "day")}` };
  }
  if (d === null) {
    if (s.autoRenew === true) return { value: 100, detail: "auto-renew on" };
    if (s.autoRenew === false) return { value: 50, detail: "auto-renew off, renewal date unknown" };
    return { value: null, detail: "no renewal data" };
  }
  const on = d >= 30 ? 100 : 90;
  const off = piecewise(d, [[0, 20], [30, 40], [90, 70], [180, 90]]);
  const when = d <= 0 ? "renewal due now" : `renewal in ${plural(d, "day")}`;
  if (s.autoRenew === true) return { value: on, detail: `${when} with auto-renew on` };
  if (s.autoRenew === false) return { value: off, detail: `${when} with auto-renew off` };
  return { value: (on + off) / 2, detail: `${when}, auto-renew unknown` };
}

/**
 * Engagement = 0.6 · activity + 0.4 · recency (renormalised when one part is missing).
 * activity points = 3·meetings + 2·calls + 1·notes (30 d): 0 → 0, 3 → 50, 6 → 80, ≥ 10 → 100
 * (a missing count counts 0 when another count is known);
 * recency (days since last engagement): ≤ 7 → 100, 30 → 60, 60 → 20, ≥ 90 → 0.
 */
export function engagement(s: SignalSnapshot): FactorValue {
  const counts = [s.meetings30d, s.calls30d, s.notes30d];
  const hasCounts = counts.some((c) => c !== null);
  const [m, c, n] = counts.map((x) => x ?? 0);
  const parts: [number, number][] = [];
  const words: string[] = [];
  if (hasCounts) {
    parts.push([0.6, piecewise(3 * m + 2 * c + n, [[0, 0], [3, 50], [6, 80], [10, 100]])]);
    words.push(m + c + n === 0 ? "no calls, meetings or notes in 30 days" : `${plural(m, "meeting")}, ${plural(c, "call")}, ${plural(n, "note")} in 30 days`);
  }
  const d = s.daysSinceLastEngagement;
  if (d !== null) {
    parts.push([0.4, piecewise(d, [[7, 100], [30, 60], [60, 20], [90, 0]])]);
    words.push(`last engagement ${plural(d, "day")} ago`);
  } else if (hasCounts && m + c + n === 0) {
    words.push("never engaged");
  }
  if (parts.length === 0) return { value: null, detail: "no engagement data" };
  const wsum = parts.reduce((a, [w]) => a + w, 0);
  return { value: parts.reduce((a, [w, v]) => a + w * v, 0) / wsum, detail: words.join("; ") };
}

/**
 * Stakeholder coverage = 0.5 · breadth + 0.5 · activity (breadth alone when active contacts unknown).
 * breadth (seats = contacts): 0 → 0, 1 → 30, 3 → 70, ≥ 5 → 100;
 * activity (active contacts / seats): 0 → 0, ≥ 0.5 → 100.
 */
export function stakeholderCoverage(s: SignalSnapshot): FactorValue {
  const seats = s.seats;
  const active = s.activeContacts;
  if (seats === null) return { value: null, detail: "no contact data" };
  const breadth = piecewise(seats, [[0, 0], [1, 30], [3, 70], [5, 100]]);
  if (seats === 0) return { value: 0, detail: "no contacts on record" };
  if (active === null) return { value: breadth, detail: `${plural(seats, "contact")}` };
  const act = piecewise(active / seats, [[0, 0], [0.5, 100]]);
  return { value: 0.5 * breadth + 0.5 * act, detail: `${active} of ${plural(seats, "contact")} active in 30 days` };
}

/** Support load = open + 2 · urgent tickets: 0 → 100, 2 → 80, 5 → 50, ≥ 10 → 0. */
export function supportLoad(s: SignalSnapshot): FactorValue {
  if (s.openTickets === null && s.urgentTickets === null) return { value: null, detail: "no ticket data" };
  const open = s.openTickets ?? 0;
  const urgent = s.urgentTickets ?? 0;
  const value = piecewise(open + 2 * urgent, [[0, 100], [2, 80], [5, 50], [10, 0]]);
  const detail = open === 0 && urgent === 0 ? "no open tickets" : `${plural(open, "open ticket")}${urgent ? ` (${urgent} urgent)` : ""}`;
  return { value, detail };
}

/** Tenure in days: 0 → 40, 90 → 50, 365 → 80, ≥ 730 → 100 (new customers churn more). */
export function tenure(s: SignalSnapshot): FactorValue {
  const d = s.tenureDays;
  if (d === null) return { value: null, detail: "customer start unknown" };
  const value = piecewise(d, [[0, 40], [90, 50], [365, 80], [730, 100]]);
  const months = Math.floor(d / 30.44);
  const detail = d < 60 ? `customer for ${plural(d, "day")}` : months < 24 ? `customer for ${months} months` : `customer for ${round1(d / 365.25)} years`;
  return { value, detail };
}

/** All factor functions by key. */
export const FACTORS: Record<FactorKey, (s: SignalSnapshot) => FactorValue> = {
  paymentRecency,
  failedPayments,
  mrrTrend,
  renewalRisk,
  engagement,
  stakeholderCoverage,
  supportLoad,
  tenure,
};
