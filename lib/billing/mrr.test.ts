import { describe, expect, it } from "vitest";
import { accountMrr, parseDiscounts, subscriptionMrr, type MrrItemInput, type MrrSubscriptionInput } from "./mrr";

function item(p: Partial<MrrItemInput> & { unitAmountCents: number }): MrrItemInput {
  return { quantity: 1, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd", ...p };
}

function sub(p: Partial<MrrSubscriptionInput> & { items: MrrItemInput[] }): MrrSubscriptionInput {
  return { status: "active", discounts: [], ...p };
}

describe("subscriptionMrr", () => {
  it("monthly price × quantity", () => {
    // $50.00/month × 3 seats = $150.00
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 5000, quantity: 3 })] }))).toEqual({ cents: 15000, currency: "usd" });
  });

  it("yearly price is divided by 12", () => {
    // $1,000.00/year → 100000 / 12 = 8333.33… → 8333 cents
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 100000, interval: "year" })] })).cents).toBe(8333);
    // $1,000.02/year → 100002 / 12 = 8333.5 → half up → 8334
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 100002, interval: "year" })] })).cents).toBe(8334);
  });

  it("two-year price is divided by 24", () => {
    // $2,400.00 every 2 years → 240000 / 24 = 10000 cents ($100.00)
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 240000, interval: "year", intervalCount: 2 })] })).cents).toBe(10000);
  });

  it("every 3 months is divided by 3", () => {
    // $299.00 per quarter → 29900 / 3 = 9966.67 → 9967 cents
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 29900, intervalCount: 3 })] })).cents).toBe(9967);
  });

  it("weekly is × 52/12", () => {
    // $100.00/week → 10000 × 52 / 12 = 43333.33 → 43333 cents
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 10000, interval: "week" })] })).cents).toBe(43333);
    // $100.00 every 2 weeks × 2 seats → 20000 × 52 / 24 = 43333.33 → 43333
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 10000, interval: "week", intervalCount: 2, quantity: 2 })] })).cents).toBe(43333);
  });

  it("daily is × 365/12", () => {
    // $10.00/day → 1000 × 365 / 12 = 30416.67 → 30417 cents
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 1000, interval: "day" })] })).cents).toBe(30417);
  });

  it("rounds once at the end, not per item", () => {
    // 3 items of $1.00/year: each 100/12 = 8.33 (would round to 8 → 24), exact sum 300/12 = 25
    const items = [1, 2, 3].map(() => item({ unitAmountCents: 100, interval: "year" }));
    expect(subscriptionMrr(sub({ items })).cents).toBe(25);
  });

  it("mixed licensed + metered items: metered, one-off and tiered items are excluded", () => {
    const items = [
      item({ unitAmountCents: 4900, quantity: 2 }), // 9800
      item({ unitAmountCents: 25, quantity: 1000, usageType: "metered" }), // excluded (usage-based)
      item({ unitAmountCents: 50000, interval: null }), // excluded (one-off)
      // tiered price: no unit amount → excluded
      { quantity: 5, interval: "month", intervalCount: 1, usageType: "licensed", currency: "usd", unitAmountCents: null },
    ];
    expect(subscriptionMrr(sub({ items })).cents).toBe(9800);
  });

  it("100 %-off forever coupon gives 0", () => {
    const s = sub({ items: [item({ unitAmountCents: 9900 })], discounts: [{ percentOff: 100, duration: "forever" }] });
    expect(subscriptionMrr(s)).toEqual({ cents: 0, currency: "usd" });
  });

  it("percent-off: forever applied, once/repeating only when asked", () => {
    // $200.00/month, 12.5 % forever → 20000 × 0.875 = 17500
    const forever = sub({ items: [item({ unitAmountCents: 20000 })], discounts: [{ percentOff: 12.5, duration: "forever" }] });
    expect(subscriptionMrr(forever).cents).toBe(17500);
    const repeating = sub({ items: [item({ unitAmountCents: 20000 })], discounts: [{ percentOff: 50, duration: "repeating" }] });
    expect(subscriptionMrr(repeating).cents).toBe(20000);
    // opt-in: 20000 × 0.5 = 10000
    expect(subscriptionMrr(repeating, { applyNonForeverDiscounts: true }).cents).toBe(10000);
  });

  it("amount_off coupon is per billing period, normalised like the price", () => {
    // $1,200.00/year with $120.00 off each (yearly) invoice forever: (120000 − 12000) / 12 = 9000
    const yearly = sub({
      items: [item({ unitAmountCents: 120000, interval: "year" })],
      discounts: [{ amountOffCents: 12000, duration: "forever", currency: "usd" }],
    });
    expect(subscriptionMrr(yearly).cents).toBe(9000);
    // $30.00/month − $50.00 off → never below 0
    const over = sub({ items: [item({ unitAmountCents: 3000 })], discounts: [{ amountOffCents: 5000, duration: "forever" }] });
    expect(subscriptionMrr(over).cents).toBe(0);
    // an amount_off coupon in another currency does not apply
    const otherCurrency = sub({ items: [item({ unitAmountCents: 3000 })], discounts: [{ amountOffCents: 1000, duration: "forever", currency: "eur" }] });
    expect(subscriptionMrr(otherCurrency).cents).toBe(3000);
  });

  it("trialing, canceled, incomplete, unpaid and paused give 0; past_due counts", () => {
    const items = [item({ unitAmountCents: 5000 })];
    for (const status of ["trialing", "canceled", "incomplete", "incomplete_expired", "unpaid", "paused"]) {
      expect(subscriptionMrr(sub({ status, items })).cents, status).toBe(0);
    }
    expect(subscriptionMrr(sub({ status: "past_due", items })).cents).toBe(5000);
  });

  it("canceled at period end still counts while the subscription is active", () => {
    // status stays "active" (cancel_at_period_end = true) until the period ends
    expect(subscriptionMrr(sub({ status: "active", items: [item({ unitAmountCents: 7500 })] })).cents).toBe(7500);
  });

  it("currency is lower-cased and taken from the items", () => {
    expect(subscriptionMrr(sub({ items: [item({ unitAmountCents: 1000, currency: "EUR" })] })).currency).toBe("eur");
  });
});

describe("accountMrr", () => {
  it("keeps currencies separate and picks the largest as primary", () => {
    const subs = [
      sub({ items: [item({ unitAmountCents: 10000 })] }), // usd 10000
      sub({ items: [item({ unitAmountCents: 120000, interval: "year", currency: "eur" })] }), // eur 10000
      sub({ items: [item({ unitAmountCents: 6000, currency: "eur" })] }), // eur 6000 → eur 16000
      sub({ status: "trialing", items: [item({ unitAmountCents: 99900, currency: "gbp" })] }), // ignored
    ];
    const m = accountMrr(subs);
    expect(m.byCurrency).toEqual({ usd: 10000, eur: 16000 });
    expect(m.primary).toEqual({ cents: 16000, currency: "eur" });
  });

  it("no counting subscription → 0 with no currency", () => {
    expect(accountMrr([sub({ status: "canceled", items: [item({ unitAmountCents: 1 })] })])).toEqual({
      primary: { cents: 0, currency: null },
      byCurrency: {},
    });
  });
});

describe("parseDiscounts", () => {
  it("keeps valid entries, drops malformed ones", () => {
    expect(
      parseDiscounts([{ coupon: "X", percentOff: 10, duration: "forever" }, "junk", { amountOffCents: 500, duration: "weird" }]),
    ).toEqual([
      { percentOff: 10, amountOffCents: null, duration: "forever", currency: null },
      { percentOff: null, amountOffCents: 500, duration: "once", currency: null },
    ]);
    expect(parseDiscounts(null)).toEqual([]);
  });
});
