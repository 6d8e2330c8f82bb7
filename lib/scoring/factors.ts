/**
 * The health-score factors. Each maps one SignalSnapshot (and, for the two learned factors, the
 * config's `learned` tables) to `{value, detail}`:
 * `value` is 0-100 (higher is healthier) or `null` when the signals it needs are missing;
 * `detail` says in words what the value is based on ("last payment 45 days ago").
 *
 * Curves are piecewise linear through the documented points (x → value), flat outside them.
 * Every curve is listed in docs/scoring.md; change both together.
 */
import type { SignalSnapshot } from "@/lib/signals/types";
import type { FactorKey, LearnedTables } from "./config";

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

/**
 * Billing period in days: interval × interval_count. The snapshot carries interval_count through
 * `commitmentTermMonths` (= interval_count for "month", 12 × interval_count for "year"), so a
 * two-year contract is 730 days, a quarterly one 91; "week"/"day" → 7/1 (their count is not carried).
 * Unknown interval → 30.
 */
export function billingPeriodDays(interval: string | null, commitmentTermMonths: number | null = null): number {
  switch (interval) {
    case "day": return 1;
    case "week": return 7;
    case "month":
    case "year": {
      if (commitmentTermMonths !== null && commitmentTermMonths > 0) return Math.round((commitmentTermMonths * 365) / 12);
      return interval === "year" ? 365 : 30;
    }
    default: return 30;
  }
}

/**
 * Payment recency (days since the last successful payment, relative to the billing period P days;
 * P = the signals' `extra.billingPeriodDays` (interval × interval_count), else {@link billingPeriodDays}):
 * ≤ P+5 → 100, P+35 → 40, ≥ P+65 → 0. Monthly: 35 d → 100, 65 d → 40, 95 d → 0.
 */
export function paymentRecency(s: SignalSnapshot): FactorValue {
  const d = s.daysSinceLastPayment;
  if (d === null) return { value: null, detail: "no successful payment on record" };
  const stored = s.extra?.billingPeriodDays; // interval × interval_count from the signals (any interval)
  const p = typeof stored === "number" && stored > 0 ? stored : billingPeriodDays(s.billingInterval, s.commitmentTermMonths);
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

/**
 * Fractional MRR change over a window: change / MRR at the window start. Null when unknown or when
 * there was no MRR at the window start: a first payment is not growth (a new customer is a state,
 * see {@link mrrTrend}), and a ratio from 0 has no meaning.
 */
export function mrrChangeRatio(mrrCents: number, changeCents: number | null): number | null {
  if (changeCents === null) return null;
  const before = mrrCents - changeCents;
  if (before <= 0) return null;
  return changeCents / before;
}

/** Weights of the 30/60/90-day MRR changes in the MRR-trend factor (renormalised over those present). */
export const MRR_TREND_WEIGHTS = { d30: 0.5, d60: 0.3, d90: 0.2 } as const;

/**
 * MRR trend: weighted change r = 0.5·r30 + 0.3·r60 + 0.2·r90 (ratios; missing windows renormalised).
 * r ≤ −50 % → 0, −20 % → 30, −5 % → 60, 0 → 75, +10 % → 90, ≥ +25 % → 100.
 * Windows that start before the account's first revenue are left out (no baseline). A new customer
 * (first revenue within 90 days, `newCustomer`) whose windows all start before it has NO trend yet:
 * the factor is missing (its weight goes to the other factors) and says "new customer". Counting its
 * first payment as +100 % growth made the newest, often riskiest, customers look the healthiest;
 * newness itself is measured by Tenure and Contract term.
 * Null when MRR or all three changes are unknown.
 */
export function mrrTrend(s: SignalSnapshot): FactorValue {
  if (s.mrrCents === null) return { value: null, detail: "no MRR data" };
  if (s.mrrCents <= 0) return { value: null, detail: "no MRR" };
  const parts: [number, number, string][] = [];
  const add = (w: number, c: number | null, label: string) => {
    const r = mrrChangeRatio(s.mrrCents!, c);
    if (r !== null) parts.push([w, r, label]);
  };
  add(MRR_TREND_WEIGHTS.d30, s.mrrChange30dCents, "30 d");
  add(MRR_TREND_WEIGHTS.d60, s.mrrChange60dCents, "60 d");
  add(MRR_TREND_WEIGHTS.d90, s.mrrChange90dCents, "90 d");
  if (parts.length === 0) {
    return { value: null, detail: s.newCustomer === true || [s.mrrChange30dCents, s.mrrChange60dCents, s.mrrChange90dCents].some((c) => c !== null && c >= s.mrrCents!) ? "new customer: no MRR trend yet" : "no MRR history" };
  }
  const wsum = parts.reduce((a, [w]) => a + w, 0);
  const r = parts.reduce((a, [w, x]) => a + w * x, 0) / wsum;
  const value = piecewise(r, [[-0.5, 0], [-0.2, 30], [-0.05, 60], [0, 75], [0.1, 90], [0.25, 100]]);
  const words = parts.map(([, x, l]) => `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x * 100))}% in ${l}`).join(", ");
  const dir = r <= -0.005 ? "MRR down" : r >= 0.005 ? "MRR up" : "MRR flat";
  return { value, detail: `${dir} (${words})` };
}

/**
 * Share (0..1) of the account's MRR set to cancel: `cancelingMrrShare` when known; else 1 when every
 * live subscription is set to cancel (`cancellationPending`), 0 when none is; null when unknown.
 */
export function cancelingShare(s: SignalSnapshot): number | null {
  if (s.cancelingMrrShare !== null && Number.isFinite(s.cancelingMrrShare)) return Math.min(1, Math.max(0, s.cancelingMrrShare));
  if (s.cancellationPending === true) return 1;
  if (s.cancellationPending === false) return 0;
  return null;
}

/** "22 % of MRR set to cancel, ends in 40 days" / "cancellation pending, ends in 5 days" (all of it; share 0..1). */
export function cancelingWords(share: number, daysUntilEnd: number | null): string {
  const pct = Math.round(share * 100);
  const what = share >= 0.995 ? "cancellation pending" : `${pct === 0 ? "<1" : pct} % of MRR set to cancel`;
  return daysUntilEnd === null ? what : `${what}, ends in ${plural(daysUntilEnd, "day")}`;
}

/**
 * Renewal risk from days to renewal d × auto-renew, scaled by the share c of MRR set to cancel:
 *   value = (1 − c) · renewalValue + c · 0
 * where renewalValue is: auto-renew on → 100 (d ≥ 30), 90 (d < 30); off → d ≤ 0: 20, 30: 40, 90: 70,
 * ≥ 180: 90; unknown → mean of "on" and "off"; d unknown: on → 100, off → 50.
 * Every subscription set to cancel (c = 1) → 0; a 22 % partial cancellation takes 22 % off and the
 * detail says "22 % of MRR set to cancel". Null when d, auto-renew and the cancellation state are unknown.
 */
export function renewalRisk(s: SignalSnapshot): FactorValue {
  const d = s.daysUntilRenewal;
  const c = cancelingShare(s) ?? 0;
  let base: FactorValue;
  if (d === null) {
    if (s.autoRenew === true) base = { value: 100, detail: "auto-renew on" };
    else if (s.autoRenew === false) base = { value: 50, detail: "auto-renew off, renewal date unknown" };
    else base = { value: null, detail: "no renewal data" };
  } else {
    const on = d >= 30 ? 100 : 90;
    const off = piecewise(d, [[0, 20], [30, 40], [90, 70], [180, 90]]);
    const when = d <= 0 ? "renewal due now" : `renewal in ${plural(d, "day")}`;
    if (s.autoRenew === true) base = { value: on, detail: `${when} with auto-renew on` };
    else if (s.autoRenew === false) base = { value: off, detail: `${when} with auto-renew off` };
    else base = { value: (on + off) / 2, detail: `${when}, auto-renew unknown` };
  }
  if (c <= 0) return base;
  if (c >= 0.995 || base.value === null) return { value: (1 - c) * (base.value ?? 100), detail: cancelingWords(c, d) };
  return { value: (1 - c) * base.value, detail: `${cancelingWords(c, d)}; the rest: ${base.detail}` };
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

/**
 * Contract term (commitment) in months, interval × interval_count: 1 (monthly, no commitment) → 40,
 * 12 → 80, ≥ 24 → 100. Null without billing.
 */
export function contractTerm(s: SignalSnapshot): FactorValue {
  const m = s.commitmentTermMonths;
  if (m === null || m <= 0) return { value: null, detail: "no contract term on record" };
  const value = piecewise(m, [[1, 40], [12, 80], [24, 100]]);
  const invoice = s.collectionMethod === "send_invoice" ? ", paid by invoice" : "";
  return { value, detail: m === 1 ? `monthly plan, no commitment${invoice}` : `${m}-month contract${invoice}` };
}

/**
 * Open deals in the CRM on the day: 0 → 100, 1 → 40, ≥ 2 → 20 (an open deal on a customer is
 * usually a renewal or a change under negotiation). Whether that is a warning sign differs between
 * organizations: the default weight is 0 and "Fit to our history" gives it the weight the
 * organization's own churn shows (0 when open deals do not go with churn).
 */
export function openDeals(s: SignalSnapshot): FactorValue {
  const n = s.openDeals;
  if (n === null) return { value: null, detail: "no CRM deal data" };
  const value = piecewise(n, [[0, 100], [1, 40], [2, 20]]);
  if (n === 0) return { value, detail: "no open deals" };
  return { value, detail: `${plural(n, "open deal")}${s.renewalDealStage ? ` (renewal stage: ${s.renewalDealStage})` : ""}` };
}

/** A learned churn-rate table (see config.ts LearnedTables): category → rate over the horizon. */
type RateTable = { rates: Record<string, number>; baseRate: number; horizonDays: number };

/** Relative churn rate (rate / base) → value: ≤ 0.5 → 100, 1 → 75, 1.5 → 50, 2 → 25, ≥ 3 → 0. */
function valueOfRate(rate: number, base: number): number {
  return piecewise(base > 0 ? rate / base : 1, [[0.5, 100], [1, 75], [1.5, 50], [2, 25], [3, 0]]);
}
const pct = (r: number) => `${Math.round(r * 1000) / 10} %`;

/** The payment-method category used by the learned table: a Stripe payment method type, or "invoice". */
export function paymentMethodCategory(s: SignalSnapshot): string | null {
  if (s.paymentMethodType) return s.paymentMethodType;
  if (s.collectionMethod === "send_invoice") return "invoice";
  return null;
}

/**
 * Plan history: how customers on the same plans (Stripe products) fared in this organization's own
 * history — the churn rate over the horizon of the customers on each of the account's products
 * (learned by "Fit to our history", smoothed towards the average), averaged over its products, turned
 * into 0-100 by {@link valueOfRate}. Missing until a fit has learned the table, or when no product is known.
 */
export function planHistory(s: SignalSnapshot, learned?: LearnedTables | null): FactorValue {
  const t: RateTable | undefined = learned?.plans;
  if (!t) return { value: null, detail: "plan history not learned yet (run Fit to our history)" };
  const products = (s.products ?? []).filter((p) => p in t.rates);
  if (products.length === 0) return { value: null, detail: "no plan with churn history" };
  const rate = products.reduce((a, p) => a + t.rates[p], 0) / products.length;
  return {
    value: valueOfRate(rate, t.baseRate),
    detail: `on ${products.join(", ")}: ${pct(rate)} of customers on ${products.length === 1 ? "this plan" : "these plans"} churned within ${t.horizonDays} days (all customers: ${pct(t.baseRate)})`,
  };
}

/**
 * Payment method: how customers paying the same way (card, bank debit, invoice…) fared in this
 * organization's history (learned like {@link planHistory}). Missing until learned, or when unknown.
 */
export function paymentMethod(s: SignalSnapshot, learned?: LearnedTables | null): FactorValue {
  const t: RateTable | undefined = learned?.paymentMethods;
  const cat = paymentMethodCategory(s);
  if (!t) return { value: null, detail: "payment-method history not learned yet (run Fit to our history)" };
  if (cat === null || !(cat in t.rates)) return { value: null, detail: cat === null ? "payment method unknown" : `no churn history for ${cat.replace(/_/g, " ")}` };
  const rate = t.rates[cat];
  return {
    value: valueOfRate(rate, t.baseRate),
    detail: `pays by ${cat.replace(/_/g, " ")}: ${pct(rate)} of customers paying this way churned within ${t.horizonDays} days (all customers: ${pct(t.baseRate)})`,
  };
}

/**
 * A factor's value under a config's learned tables and curves: the factor's documented curve
 * ({@link FACTORS}), then, when "Fit to our history" learned a curve for it (`learned.curves[key]`,
 * see config.ts ZFactorCurve), that curve applied to the value (0-100 → 0-100, non-decreasing).
 * The detail keeps the reading in words; a learned curve adds how accounts reading like this churned
 * ("; accounts like this churned 2.1× as often as the average", said from 1.15× up and 0.87× down).
 */
export function factorValue(key: FactorKey, s: SignalSnapshot, learned?: LearnedTables | null): FactorValue {
  const f = FACTORS[key](s, learned);
  const curve = learned?.curves?.[key];
  if (f.value === null || !curve || curve.points.length === 0) return f;
  const value = piecewise(f.value, curve.points);
  const rate = curve.baseRate > 0 && curve.rates.length === curve.points.length ? piecewise(f.value, curve.points.map(([x], i) => [x, curve.rates[i]] as const)) : null;
  const rr = rate === null ? null : rate / curve.baseRate;
  const words = rr === null || (rr < 1.15 && rr > 0.87) ? "" : `; accounts like this churned ${rr.toFixed(1)}× as often as the average`;
  return { value, detail: `${f.detail}${words}` };
}

/**
 * Seat changes: licensed seats (Stripe subscription item quantity) now vs 90 days ago, from the signals'
 * `extra.licensedSeats` / `extra.seatChange90d` (lib/signals/account-history.ts licensedSeatsAt).
 * r = change / seats 90 days ago: ≤ −50 % → 0, −25 % → 25, −10 % → 50, 0 → 75, ≥ +10 % → 100.
 * "seats down from 20 to 15 in 90 days (−25 %)"; "12 seats, no change in 90 days".
 * Missing without seat data or when the account had no seats 90 days ago (a first purchase is not
 * growth). Weight 0 by default: "Fit to our history" gives it the weight the organization's churn shows.
 */
export function seatChanges(s: SignalSnapshot): FactorValue {
  const now = s.extra?.licensedSeats;
  const change = s.extra?.seatChange90d;
  if (typeof now !== "number" || typeof change !== "number") return { value: null, detail: typeof now === "number" && now > 0 ? "new seats: no 90-day history yet" : "no seat data" };
  const before = now - change;
  if (before <= 0) return { value: null, detail: "new seats: no 90-day history yet" };
  const r = change / before;
  const value = piecewise(r, [[-0.5, 0], [-0.25, 25], [-0.1, 50], [0, 75], [0.1, 100]]);
  const pctWords = `${r >= 0 ? "+" : "−"}${Math.abs(Math.round(r * 100))} %`;
  const detail = change === 0 ? `${plural(now, "seat")}, no change in 90 days`
    : `seats ${change < 0 ? "down" : "up"} from ${before} to ${now} in 90 days (${pctWords})`;
  return { value, detail };
}

/** All factor functions by key (the learned tables are passed to every factor; most ignore them). */
export const FACTORS: Record<FactorKey, (s: SignalSnapshot, learned?: LearnedTables | null) => FactorValue> = {
  paymentRecency,
  failedPayments,
  mrrTrend,
  renewalRisk,
  engagement,
  stakeholderCoverage,
  supportLoad,
  tenure,
  contractTerm,
  openDeals,
  planHistory,
  paymentMethod,
  seatChanges,
};
