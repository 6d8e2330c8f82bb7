import { describe, expect, it } from "vitest";
import { accountStartMs, firstSignalDayMs, nextRenewalMs, signalsOnDay, subscriptionStateAt, type AccountHistory, type SubscriptionHistory } from "./account-history";
import { DAY_MS } from "./utc-day";

const t = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

function sub(p: Partial<SubscriptionHistory> = {}): SubscriptionHistory {
  return {
    status: "active", currency: "usd", startMs: t("2027-01-31T09:00:00Z"), endMs: null, trialEndMs: null, cancelScheduled: false,
    cancelKnownMs: null, cancelAtMs: null, statusKnownMs: t("2027-06-01"), currentPeriodEndMs: t("2027-04-30T09:00:00Z"),
    collectionMethod: "charge_automatically", defaultPaymentMethodType: null, discounts: [],
    items: [{ productId: "p", productName: "Plan", unitAmountCents: 10000, quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd" }],
    ...p,
  };
}

function history(subs: SubscriptionHistory[]): AccountHistory {
  return {
    accountId: "a", hasStripe: true, hasHubspot: false, startMs: null, fallbackCurrency: "usd", chargeCoverageStartMs: null,
    freshness: null, subscriptions: subs, invoices: [], charges: [], failedChargeMs: [], paymentMs: [], contacts: [], deals: [],
    engagementMs: { call: [], meeting: [], note: [], any: [] }, tickets: [],
  };
}

const renewal = (s: SubscriptionHistory, day: string): string | null => {
  const d = t(day);
  const r = nextRenewalMs(s, d, d + DAY_MS, subscriptionStateAt(s, d + DAY_MS));
  return r === null ? null : new Date(r).toISOString();
};

describe("nextRenewalMs", () => {
  it("monthly on the 31st: clamps to short months and returns to the 31st", () => {
    const s = sub(); // started Jan 31, current period ends Apr 30 (clamped)
    expect(renewal(s, "2027-02-01")).toBe("2027-02-28T09:00:00.000Z");
    expect(renewal(s, "2027-03-01")).toBe("2027-03-31T09:00:00.000Z");
    expect(renewal(s, "2027-03-30")).toBe("2027-03-31T09:00:00.000Z");
    // On the renewal day itself the period rolls over (Stripe renews at current_period_end): the next one is a month away.
    expect(renewal(s, "2027-03-31")).toBe("2027-04-30T09:00:00.000Z");
    expect(renewal(s, "2027-05-01")).toBe("2027-05-31T09:00:00.000Z");
  });

  it("weekly steps by 7 days from the current period end", () => {
    const s = sub({ currentPeriodEndMs: t("2027-03-10T12:00:00Z"), items: [{ ...sub().items[0]!, interval: "week", intervalCount: 1 }] });
    expect(renewal(s, "2027-02-25")).toBe("2027-03-03T12:00:00.000Z");
    expect(renewal(s, "2027-03-04")).toBe("2027-03-10T12:00:00.000Z");
  });

  it("a cancellation known that day caps the renewal; one not yet known does not", () => {
    const s = sub({ cancelScheduled: true, cancelKnownMs: t("2027-03-05T10:00:00Z"), cancelAtMs: t("2027-03-20") });
    expect(renewal(s, "2027-03-04")).toBe("2027-03-31T09:00:00.000Z");
    expect(renewal(s, "2027-03-05")).toBe("2027-03-20T00:00:00.000Z");
  });
});

describe("subscriptionStateAt", () => {
  it("not started → none; trial → trialing; after end → ended", () => {
    const s = sub({ startMs: t("2027-01-10"), trialEndMs: t("2027-01-24"), endMs: t("2027-05-01T12:00:00Z"), status: "canceled" });
    expect(subscriptionStateAt(s, t("2027-01-10"))).toBe("none");
    expect(subscriptionStateAt(s, t("2027-01-24"))).toBe("trialing");
    expect(subscriptionStateAt(s, t("2027-01-25"))).toBe("active");
    expect(subscriptionStateAt(s, t("2027-05-02"))).toBe("ended");
  });

  it("a current past_due status is only used from when it was observed", () => {
    const s = sub({ status: "past_due", statusKnownMs: t("2027-03-10T08:00:00Z") });
    expect(subscriptionStateAt(s, t("2027-03-10"))).toBe("active");
    expect(subscriptionStateAt(s, t("2027-03-11"))).toBe("past_due");
  });

  it("incomplete subscriptions never existed for signals", () => {
    expect(subscriptionStateAt(sub({ status: "incomplete_expired" }), t("2027-03-01"))).toBe("none");
  });
});

describe("signalsOnDay billing details", () => {
  it("2-year plan: commitment 24 months, MRR = price ÷ 24", () => {
    const s = sub({ currentPeriodEndMs: t("2029-01-31T09:00:00Z"), items: [{ ...sub().items[0]!, unitAmountCents: 480000, interval: "year", intervalCount: 2 }] });
    const row = signalsOnDay(history([s]), t("2027-03-01"));
    // 480000 / 24 = 20000
    expect(row).toMatchObject({ mrrCents: 20000, billingInterval: "year", commitmentTermMonths: 24, daysUntilRenewal: 702 });
  });

  it("unpaid subscription: live (renewal, products) but no MRR once observed", () => {
    const s = sub({ status: "unpaid", statusKnownMs: t("2027-03-01T06:00:00Z") });
    expect(signalsOnDay(history([s]), t("2027-02-27")).mrrCents).toBe(10000);
    // 03-05: unpaid since 03-01 → 0; 30 days earlier (02-03) it was active → change −10000
    const row = signalsOnDay(history([s]), t("2027-03-05"));
    expect(row).toMatchObject({ mrrCents: 0, mrrChange30dCents: -10000, autoRenew: true, products: ["Plan"], daysUntilRenewal: 26 });
  });
});

describe("cancellationPending: any live subscription set to end; cancelingMrrShare says how much", () => {
  const canceling = sub({ cancelScheduled: true, cancelKnownMs: t("2027-03-02T10:00:00Z"), cancelAtMs: t("2027-03-31") });
  it("one of two equal live subscriptions set to end: pending, half the MRR, still auto-renewing the other", () => {
    const row = signalsOnDay(history([canceling, sub()]), t("2027-03-10"));
    expect(row).toMatchObject({ cancellationPending: true, cancelingMrrShare: 0.5, autoRenew: true });
    expect(row.extra).toMatchObject({ someSubscriptionsCanceling: true, allSubscriptionsCanceling: false });
  });
  it("every live subscription set to end: cancellation pending, no auto-renew", () => {
    const row = signalsOnDay(history([canceling]), t("2027-03-10"));
    expect(row).toMatchObject({ cancellationPending: true, cancelingMrrShare: 1, autoRenew: false });
  });
  it("before the request was known: not pending", () => {
    expect(signalsOnDay(history([canceling]), t("2027-03-01"))).toMatchObject({ cancellationPending: false, cancelingMrrShare: 0, autoRenew: true });
  });
});

describe("accountStartMs / firstSignalDayMs", () => {
  it("the earliest of customerSince, live-ever subscriptions' start/created and source creation dates", () => {
    const start = accountStartMs({
      customerSinceMs: t("2027-03-01"),
      subscriptions: [
        { status: "canceled", startDateMs: t("2027-02-10T08:00:00Z"), createdMs: t("2027-02-11") },
        // a signup whose first payment never succeeded does not make the customer older
        { status: "incomplete_expired", startDateMs: t("2027-01-01"), createdMs: t("2027-01-01") },
      ],
      sourceCreatedMs: [null, t("2027-02-20")],
    });
    expect(start).toBe(t("2027-02-10T08:00:00Z"));
    expect(firstSignalDayMs({ startMs: start })).toBe(t("2027-02-10"));
  });

  it("unknown start: null, and every day gets a row", () => {
    expect(accountStartMs({ customerSinceMs: null, subscriptions: [{ status: "incomplete", startDateMs: t("2027-01-01"), createdMs: null }], sourceCreatedMs: [null] })).toBeNull();
    expect(firstSignalDayMs({ startMs: null })).toBe(-Infinity);
  });

  it("tenure counts from the start: 0 on its day, NULL when unknown", () => {
    const h = { ...history([sub({ startMs: t("2027-02-10T08:00:00Z") })]), startMs: t("2027-02-01T23:00:00Z") };
    expect(signalsOnDay(h, t("2027-02-01")).tenureDays).toBe(0);
    expect(signalsOnDay(h, t("2027-02-11")).tenureDays).toBe(10);
    expect(signalsOnDay(history([sub()]), t("2027-03-01")).tenureDays).toBeNull();
  });
});
