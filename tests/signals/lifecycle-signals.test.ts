/**
 * Issue 13 signals, reconstructed per day from an account's history (pure: lib/signals/account-history.ts):
 * renewal after the day's roll-over, the share of MRR set to cancel, the billing period from
 * interval × interval_count, "new customer" as a state, and the lifecycle state with its churn date.
 */
import { describe, expect, it } from "vitest";
import { signalsOnDay, type AccountHistory, type InvoiceHistory, type SubscriptionHistory } from "@/lib/signals/account-history";
import { DAY_MS } from "@/lib/signals/utc-day";

const t = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

function sub(p: Partial<SubscriptionHistory> = {}): SubscriptionHistory {
  return {
    status: "active", currency: "usd", startMs: t("2026-01-15T06:00:00Z"), endMs: null, trialEndMs: null, cancelScheduled: false,
    cancelKnownMs: null, cancelAtMs: null, statusKnownMs: t("2026-12-01"), currentPeriodEndMs: t("2026-12-15T06:00:00Z"),
    collectionMethod: "charge_automatically", defaultPaymentMethodType: "card", discounts: [],
    items: [{ productId: "p", productName: "Plan", unitAmountCents: 10_000, quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd" }],
    ...p,
  };
}

function history(subs: SubscriptionHistory[], over: Partial<AccountHistory> = {}): AccountHistory {
  return {
    accountId: "a", hasStripe: true, hasHubspot: false, startMs: null, fallbackCurrency: "usd", chargeCoverageStartMs: null,
    freshness: null, subscriptions: subs, invoices: [], charges: [], failedChargeMs: [], paymentMs: [], contacts: [], deals: [],
    engagementMs: { call: [], meeting: [], note: [], any: [] }, tickets: [], ...over,
  };
}

describe("renewal after today's roll-over", () => {
  it("a monthly subscription whose period ended this morning (and renewed) renews in a month, not today", () => {
    // Period ends on the 15th at 06:00; on Nov 15 it rolled over at 06:00.
    const row = signalsOnDay(history([sub()]), t("2026-11-15"));
    expect(row.daysUntilRenewal).toBe(30); // Dec 15, not 0
  });

  it("the day before the roll-over it renews tomorrow", () => {
    expect(signalsOnDay(history([sub()]), t("2026-11-14")).daysUntilRenewal).toBe(1);
  });

  it("a cancellation due today still makes today the last day (0), not the next period", () => {
    const leaving = sub({ cancelScheduled: true, cancelKnownMs: t("2026-10-01"), cancelAtMs: t("2026-11-15T23:00:00Z") });
    expect(signalsOnDay(history([leaving]), t("2026-11-15")).daysUntilRenewal).toBe(0);
  });
});

describe("cancelingMrrShare", () => {
  it("22 % of the MRR set to cancel: cancellation pending with share 0.22, the rest still auto-renews", () => {
    const main = sub({ items: [{ ...sub().items[0]!, unitAmountCents: 78_000 }] });
    const addOn = sub({
      cancelScheduled: true, cancelKnownMs: t("2026-11-01"), cancelAtMs: t("2026-12-15T06:00:00Z"),
      items: [{ ...sub().items[0]!, productId: "q", productName: "Add-on", unitAmountCents: 22_000 }],
    });
    const row = signalsOnDay(history([main, addOn]), t("2026-11-20"));
    expect(row).toMatchObject({ mrrCents: 100_000, cancellationPending: true, cancelingMrrShare: 0.22, autoRenew: true });
  });

  it("nothing set to cancel: 0; no MRR (trial only): null", () => {
    expect(signalsOnDay(history([sub()]), t("2026-11-20")).cancelingMrrShare).toBe(0);
    const trial = sub({ status: "trialing", startMs: t("2026-11-10"), trialEndMs: t("2026-11-24") });
    expect(signalsOnDay(history([trial]), t("2026-11-20")).cancelingMrrShare).toBeNull();
  });
});

describe("billing period from interval × interval_count", () => {
  it("a 2-year contract's period is 730 days; quarterly 91; every 2 weeks 14", () => {
    const twoYear = sub({ currentPeriodEndMs: t("2027-01-15T06:00:00Z"), items: [{ ...sub().items[0]!, unitAmountCents: 480_000, interval: "year", intervalCount: 2 }] });
    expect(signalsOnDay(history([twoYear]), t("2026-11-20")).extra).toMatchObject({ billingPeriodDays: 730 });
    const quarterly = sub({ items: [{ ...sub().items[0]!, intervalCount: 3 }] });
    expect(signalsOnDay(history([quarterly]), t("2026-11-20")).extra).toMatchObject({ billingPeriodDays: 91 });
    const biweekly = sub({ items: [{ ...sub().items[0]!, interval: "week", intervalCount: 2 }] });
    expect(signalsOnDay(history([biweekly]), t("2026-11-20")).extra).toMatchObject({ billingPeriodDays: 14 });
  });
});

describe("new customer is a state, the MRR change stays honest", () => {
  it("first revenue 20 days ago: newCustomer, and the 30-day change is the whole MRR (from 0)", () => {
    const fresh = sub({ startMs: t("2026-10-31T10:00:00Z") });
    const row = signalsOnDay(history([fresh]), t("2026-11-20"));
    expect(row).toMatchObject({ newCustomer: true, mrrCents: 10_000, mrrChange30dCents: 10_000, lifecycleState: "customer" });
  });

  it("the trial does not count: revenue starts when the trial ends", () => {
    const s = sub({ startMs: t("2026-06-01"), trialEndMs: t("2026-09-01") });
    expect(signalsOnDay(history([s]), t("2026-11-20")).newCustomer).toBe(true); // 80 days after the trial ended
    expect(signalsOnDay(history([s]), t("2026-12-05")).newCustomer).toBe(false); // 95 days
  });

  it("a customer of 300 days is not new; an account that never paid has no answer (null)", () => {
    expect(signalsOnDay(history([sub()]), t("2026-11-20")).newCustomer).toBe(false);
    expect(signalsOnDay(history([]), t("2026-11-20")).newCustomer).toBeNull();
  });
});

describe("lifecycle state per day", () => {
  const D = t("2026-11-20");

  it("prospect: no billing source, or only an incomplete signup", () => {
    expect(signalsOnDay(history([], { hasStripe: false, hasHubspot: true }), D).lifecycleState).toBe("prospect");
    expect(signalsOnDay(history([sub({ status: "incomplete_expired" })]), D).lifecycleState).toBe("prospect");
  });

  it("trialing: only a trial is live", () => {
    const trial = sub({ status: "trialing", startMs: t("2026-11-10"), trialEndMs: t("2026-11-24") });
    expect(signalsOnDay(history([trial]), D)).toMatchObject({ lifecycleState: "trialing", mrrCents: 0, newCustomer: null });
  });

  it("a trial canceled before it ended never produced revenue: prospect, not churned", () => {
    const trial = sub({ status: "canceled", startMs: t("2026-10-01"), trialEndMs: t("2026-10-15"), endMs: t("2026-10-10") });
    expect(signalsOnDay(history([trial]), D).lifecycleState).toBe("prospect");
  });

  it("customer; past_due once the subscription is past_due or an invoice is overdue", () => {
    expect(signalsOnDay(history([sub()]), D).lifecycleState).toBe("customer");
    const late = sub({ status: "past_due", statusKnownMs: t("2026-11-18") });
    expect(signalsOnDay(history([late]), D).lifecycleState).toBe("past_due");
    const overdue: InvoiceHistory = {
      externalId: "in_1", status: "open", createdMs: t("2026-10-01"), paidMs: null, dueMs: t("2026-10-31"), amountDueCents: 10_000,
      attemptCount: 0, collectionMethod: "send_invoice",
    };
    expect(signalsOnDay(history([sub()], { invoices: [overdue] }), D).lifecycleState).toBe("past_due");
  });

  it("paused: the only live subscription is paused", () => {
    const p = sub({ status: "paused", statusKnownMs: t("2026-11-01") });
    expect(signalsOnDay(history([p]), D).lifecycleState).toBe("paused");
  });

  it("churned with the date its revenue ended; a customer again after a win-back", () => {
    const ended = sub({ status: "canceled", endMs: t("2026-08-15T06:00:00Z") });
    const row = signalsOnDay(history([ended]), D);
    expect(row).toMatchObject({ lifecycleState: "churned", mrrCents: 0, newCustomer: false });
    expect(row.extra).toMatchObject({ churnedAt: "2026-08-15T06:00:00.000Z" });
    // The day before it ended it was a customer.
    expect(signalsOnDay(history([ended]), t("2026-08-14")).lifecycleState).toBe("customer");
    const winBack = sub({ startMs: t("2026-11-01") });
    expect(signalsOnDay(history([ended, winBack]), D)).toMatchObject({ lifecycleState: "customer", newCustomer: false });
  });

  it("every day of a life: prospect → trialing → customer → churned", () => {
    const s = sub({ status: "canceled", startMs: t("2026-03-01T12:00:00Z"), trialEndMs: t("2026-03-15T12:00:00Z"), endMs: t("2026-06-01T12:00:00Z") });
    const states = ["2026-02-28", "2026-03-05", "2026-04-01", "2026-07-01"].map((d) => signalsOnDay(history([s]), t(d)).lifecycleState);
    expect(states).toEqual(["prospect", "trialing", "customer", "churned"]);
    expect(signalsOnDay(history([s]), t("2026-06-01") + DAY_MS).extra).toMatchObject({ churnedAt: "2026-06-01T12:00:00.000Z" });
  });
});
