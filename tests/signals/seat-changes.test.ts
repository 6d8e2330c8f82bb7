/**
 * Issue 13 item "seat changes": licensed seats (Stripe subscription item quantity) over the last 90 days,
 * as a signal (extra.licensedSeats / extra.seatChange90d), a health-score factor with a plain-words
 * explanation, and model features.
 */
import { describe, expect, it } from "vitest";
import { signalsOnDay, type AccountHistory, type SubscriptionHistory } from "@/lib/signals/account-history";
import { seatChanges } from "@/lib/scoring/factors";
import { extractFeatures, FEATURE_NAMES } from "@/lib/model/features";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { scoreAccount } from "@/lib/scoring/score-account";

const t = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const item = (quantity: number, over: Partial<SubscriptionHistory["items"][number]> = {}) => ({
  productId: "p", productName: "Seats", unitAmountCents: 1000, quantity, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd", ...over,
});
function sub(p: Partial<SubscriptionHistory>): SubscriptionHistory {
  return {
    status: "active", currency: "usd", startMs: t("2026-01-01"), endMs: null, trialEndMs: null, cancelScheduled: false, cancelKnownMs: null,
    cancelAtMs: null, statusKnownMs: t("2026-12-01"), currentPeriodEndMs: t("2026-12-15"), collectionMethod: "charge_automatically",
    defaultPaymentMethodType: "card", discounts: [], items: [item(1)], ...p,
  };
}
const history = (subs: SubscriptionHistory[]): AccountHistory => ({
  accountId: "a", hasStripe: true, hasHubspot: false, startMs: t("2026-01-01"), fallbackCurrency: "usd", chargeCoverageStartMs: null,
  freshness: null, subscriptions: subs, invoices: [], charges: [], failedChargeMs: [], paymentMs: [], contacts: [], deals: [],
  engagementMs: { call: [], meeting: [], note: [], any: [] }, tickets: [],
});

describe("seat changes", () => {
  it("counts licensed seats of live subscriptions now and 90 days earlier (metered and free items do not count)", () => {
    const h = history([
      sub({ items: [item(20), item(500, { usageType: "metered", unitAmountCents: 1 }), item(3, { unitAmountCents: 0 })], endMs: t("2026-10-01") }), // 20 seats, ended Oct 1
      sub({ startMs: t("2026-10-01"), items: [item(15)] }), // replaced by 15 seats
    ]);
    const day = signalsOnDay(h, t("2026-11-20"));
    expect(day.extra?.licensedSeats).toBe(15);
    expect(day.extra?.seatChange90d).toBe(-5);
    const f = seatChanges(day);
    expect(f.detail).toBe("seats down from 20 to 15 in 90 days (−25 %)");
    expect(f.value).toBe(25);
    // the score explains it when the factor has weight
    const cfg = { ...DEFAULT_SCORING_CONFIG, weights: { ...DEFAULT_SCORING_CONFIG.weights, tenure: 0, seatChanges: 5 } };
    expect(scoreAccount(day, cfg).drivers).toContain("seats down from 20 to 15 in 90 days (−25 %)");
    // model features
    const x = extractFeatures(day);
    expect(x[FEATURE_NAMES.indexOf("seatChange90dRatio")]).toBeCloseTo(-0.25, 6);
    expect(x[FEATURE_NAMES.indexOf("licensedSeatsLog")]).toBeCloseTo(Math.log1p(15), 6);
  });

  it("a first purchase is not growth; unchanged seats say so", () => {
    const fresh = signalsOnDay(history([sub({ startMs: t("2026-10-01"), items: [item(8)] })]), t("2026-11-20"));
    expect(fresh.extra?.licensedSeats).toBe(8);
    expect(fresh.extra?.seatChange90d).toBeNull();
    expect(seatChanges(fresh)).toEqual({ value: null, detail: "new seats: no 90-day history yet" });
    expect(extractFeatures(fresh)[FEATURE_NAMES.indexOf("seatChange90dRatio_missing")]).toBe(1);
    const steady = signalsOnDay(history([sub({ items: [item(12)] })]), t("2026-11-20"));
    expect(seatChanges(steady)).toEqual({ value: 75, detail: "12 seats, no change in 90 days" });
  });
});
