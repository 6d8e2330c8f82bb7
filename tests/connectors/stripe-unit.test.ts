/**
 * Pure parts of the Stripe connector: the 429 retry policy, the pacer, object mapping (basil/clover
 * shapes), error guidance.
 */
import { describe, expect, it } from "vitest";
import Stripe from "stripe";
import { decideRetry, modeFromKey, Pacer, sdkAddress, STRIPE_API_VERSION } from "@/lib/connectors/stripe/client";
import { PINNED_API_VERSION } from "@/sandbox/stripe/versions";
import { describeStripeError, permissionHint } from "@/lib/connectors/stripe/errors";
import { mapCharge, mapCustomer, mapInvoice, mapSubscription, eventObjectType, RELEVANT_EVENT_TYPES } from "@/lib/connectors/stripe/map";

describe("the pinned API version", () => {
  it("is the version the installed stripe SDK sends, in the connector and in the sandbox (move all three together)", () => {
    expect(STRIPE_API_VERSION).toBe((Stripe as unknown as { API_VERSION: string }).API_VERSION);
    expect(PINNED_API_VERSION).toBe(STRIPE_API_VERSION);
  });
});

describe("decideRetry", () => {
  const fixed = () => 0.5;
  it("never retries non-429 statuses (the SDK owns 5xx retries)", () => {
    for (const status of [200, 400, 401, 403, 404, 500, 503]) expect(decideRetry({ status, attempt: 0 })).toEqual({ retry: false });
  });
  it("backs off exponentially with jitter within 50-100 % of the step, capped", () => {
    const d = [0, 1, 2, 3, 10].map((attempt) => decideRetry({ status: 429, attempt, random: fixed, maxRetries: 20 }));
    expect(d.map((x) => (x.retry ? x.delayMs : -1))).toEqual([750, 1500, 3000, 6000, 12000]);
    const lo = decideRetry({ status: 429, attempt: 1, random: () => 0 });
    const hi = decideRetry({ status: 429, attempt: 1, random: () => 0.999999 });
    expect(lo).toEqual({ retry: true, delayMs: 1000 });
    expect(hi.retry && hi.delayMs).toBe(2000);
  });
  it("concurrency limits retry sooner than rate limits", () => {
    const conc = decideRetry({ status: 429, attempt: 0, reason: "global-concurrency", random: fixed });
    const rate = decideRetry({ status: 429, attempt: 0, reason: "global-rate", random: fixed });
    expect(conc.retry && rate.retry && conc.delayMs < rate.delayMs).toBe(true);
  });
  it("honours Retry-After as a lower bound and stops after maxRetries", () => {
    expect(decideRetry({ status: 429, attempt: 0, retryAfter: "5", random: fixed })).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry({ status: 429, attempt: 3, maxRetries: 3 })).toEqual({ retry: false });
  });
});

describe("Pacer", () => {
  it("lets at most rps requests start per sliding second", async () => {
    const p = new Pacer(10, 200, 0); // 10 per 200 ms window for a fast test
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 25 }, () => p.acquire().then(() => starts.push(Date.now() - t0))));
    starts.sort((a, b) => a - b);
    for (let i = 10; i < starts.length; i++) expect(starts[i]! - starts[i - 10]!).toBeGreaterThanOrEqual(199);
    expect(starts[24]!).toBeGreaterThanOrEqual(400);
  });
  it("pauseFor holds every caller", async () => {
    const p = new Pacer(0);
    p.pauseFor(150);
    const t0 = Date.now();
    await p.acquire();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe("client helpers", () => {
  it("detects the mode from the key prefix", () => {
    expect(modeFromKey("rk_test_abc")).toBe("test");
    expect(modeFromKey("sk_live_abc")).toBe("live");
    expect(modeFromKey("pk_test_abc")).toBeNull();
  });
  it("turns a base URL into SDK host/port/protocol", () => {
    expect(sdkAddress("http://127.0.0.1:4020")).toEqual({ host: "127.0.0.1", port: "4020", protocol: "http" });
    expect(sdkAddress("https://api.stripe.com")).toEqual({ host: "api.stripe.com", port: "443", protocol: "https" });
  });
});

describe("error guidance", () => {
  it("names the missing permission of a 403", () => {
    const err = Stripe.errors.StripeError.generate({
      type: "invalid_request_error", statusCode: 403,
      message: "The provided key 'rk_test_***' does not have the required permissions for this endpoint. Having the 'rak_charge_read' permission would allow this request to continue.",
    });
    const info = describeStripeError(err);
    expect(info.kind).toBe("permission");
    expect(info.permission).toBe("rak_charge_read");
    expect(info.guidance).toContain("rak_charge_read: give the restricted key Read access to Charges");
  });
  it("401 says reconnect and recommends a restricted key", () => {
    const info = describeStripeError(Stripe.errors.StripeError.generate({ type: "invalid_request_error", statusCode: 401, message: "Invalid API Key provided: sk_test_****1234" }));
    expect(info.kind).toBe("auth");
    expect(info.guidance).toMatch(/Reconnect Stripe/);
    expect(info.guidance).toMatch(/restricted key/);
    expect(permissionHint("rak_event_read")).toBe("rak_event_read: give the restricted key Read access to Events");
  });
});

describe("mapping", () => {
  it("keeps customer metadata whole and derives a company domain from the e-mail", () => {
    const r = mapCustomer({ id: "cus_1", object: "customer", created: 1_700_000_000, email: "ana@acme.io", name: " Acme ", currency: "eur", metadata: { plan: "pro", hubspot_company_id: "7" } });
    expect(r.ok && r.row).toMatchObject({ externalId: "cus_1", name: "Acme", domain: "acme.io", properties: { metadata: { plan: "pro", hubspot_company_id: "7" }, currency: "eur", created: 1_700_000_000, deleted: false } });
    const free = mapCustomer({ id: "cus_2", object: "customer", created: 1, email: "bob@gmail.com" });
    expect(free.ok && free.row.domain).toBeNull();
    const deleted = mapCustomer({ id: "cus_3", object: "customer", deleted: true });
    expect(deleted.ok && deleted.row.deleted).toBe(true);
  });
  it("skips malformed records with a reason naming the field", () => {
    const r = mapCustomer({ id: "cus_x", object: "customer", created: "oops" });
    expect(r).toEqual({ ok: false, id: "cus_x", reason: expect.stringContaining("created") });
    expect(mapInvoice({ object: "invoice" }).ok).toBe(false);
  });
  it("maps basil+ subscriptions: item periods, discounts via source.coupon (clover), expanded product and payment method", () => {
    const r = mapSubscription({
      id: "sub_1", object: "subscription", customer: "cus_1", status: "active", created: 100, currency: "usd",
      cancel_at_period_end: true, cancel_at: 500, default_payment_method: { id: "pm_1", type: "sepa_debit" },
      discounts: [{ id: "di_1", source: { coupon: { id: "co_1", percent_off: 20, duration: "forever" } } }, { id: "di_2", coupon: { id: "co_2", amount_off: 500, currency: "usd", duration: "once" } }],
      items: { data: [
        { id: "si_1", quantity: 3, current_period_start: 200, current_period_end: 300, price: { id: "price_1", currency: "usd", unit_amount: 1000, product: { id: "prod_1", name: "Growth" }, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } } },
        { id: "si_2", current_period_start: 210, current_period_end: 310, price: { id: "price_2", currency: "usd", unit_amount: null, product: "prod_2", recurring: { interval: "month", interval_count: 1, usage_type: "metered" } } },
      ] },
    }, new Map([["prod_2", "API calls"]]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.row).toMatchObject({ cancelAtPeriodEnd: true, cancelAt: new Date(500_000), defaultPaymentMethodType: "sepa_debit", currentPeriodStart: new Date(200_000), currentPeriodEnd: new Date(300_000) });
    expect(r.row.discounts).toEqual([
      { coupon: "co_1", percentOff: 20, amountOffCents: null, currency: null, duration: "forever" },
      { coupon: "co_2", percentOff: null, amountOffCents: 500, currency: "usd", duration: "once" },
    ]);
    expect(r.row.items.map((i) => [i.productName, i.quantity, i.usageType])).toEqual([["Growth", 3, "licensed"], ["API calls", 1, "metered"]]);
    const unexpandedPm = mapSubscription({ id: "sub_2", object: "subscription", customer: "cus_1", status: "active", created: 1, default_payment_method: "pm_9", items: { data: [] }, currency: "usd" });
    expect(unexpandedPm.ok && unexpandedPm.row.defaultPaymentMethodType).toBeUndefined();
  });
  it("an unexpanded discount id (events never expand) means 'discounts unknown', not 'no discount'", () => {
    const r = mapSubscription({ id: "sub_3", object: "subscription", customer: "cus_1", status: "active", created: 1, currency: "usd", discounts: ["di_3"], items: { data: [] } });
    expect(r.ok && r.row.discounts).toBeUndefined();
    const none = mapSubscription({ id: "sub_4", object: "subscription", customer: "cus_1", status: "active", created: 1, currency: "usd", discounts: [], items: { data: [] } });
    expect(none.ok && none.row.discounts).toEqual([]);
  });
  it("maps a pre-basil (2024-06-20) subscription exactly like the same subscription at the pinned version", () => {
    const price = { id: "price_1", currency: "usd", unit_amount: 1000, product: "prod_1", recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } };
    const coupon = { id: "co_1", percent_off: 20, duration: "forever" };
    const pinned = mapSubscription({
      id: "sub_1", object: "subscription", customer: "cus_1", status: "active", created: 100, currency: "usd",
      discounts: [{ id: "di_1", source: { coupon, type: "coupon" } }],
      items: { data: [{ id: "si_1", quantity: 2, current_period_start: 200, current_period_end: 300, price }] },
    }, new Map([["prod_1", "Growth"]]));
    const legacy = mapSubscription({
      id: "sub_1", object: "subscription", customer: "cus_1", status: "active", created: 100, currency: "usd",
      current_period_start: 200, current_period_end: 300, discount: { id: "di_1", coupon }, discounts: ["di_1"],
      items: { data: [{ id: "si_1", quantity: 2, price }] },
    }, new Map([["prod_1", "Growth"]]));
    expect(pinned.ok && legacy.ok).toBe(true);
    if (!pinned.ok || !legacy.ok) return;
    expect(legacy.row).toEqual(pinned.row);
    expect(legacy.row.currentPeriodEnd).toEqual(new Date(300_000));
    expect(legacy.row.items[0]!.currentPeriodEnd).toEqual(new Date(300_000));
    expect(legacy.row.discounts).toEqual([{ coupon: "co_1", percentOff: 20, amountOffCents: null, currency: null, duration: "forever" }]);
  });
  it("maps a pre-basil invoice (top-level subscription) like a pinned one; a charge without `invoice` keeps the stored link", () => {
    const base = { id: "in_1", object: "invoice", customer: "cus_1", status: "paid", currency: "usd", created: 10, amount_due: 5000, amount_paid: 5000 };
    const pinned = mapInvoice({ ...base, parent: { type: "subscription_details", subscription_details: { subscription: "sub_1", metadata: {} } } });
    const legacy = mapInvoice({ ...base, subscription: "sub_1", subscription_details: { metadata: {} }, paid: true });
    expect(legacy.ok && pinned.ok && legacy.row).toEqual(pinned.ok && pinned.row);
    const charge = { id: "ch_1", object: "charge", customer: "cus_1", status: "succeeded", amount: 1, currency: "usd", created: 1 };
    expect(mapCharge(charge).ok && (mapCharge(charge) as { row: { invoiceExternalId: unknown } }).row.invoiceExternalId).toBeUndefined();
    expect(mapCharge({ ...charge, invoice: "in_1" }).ok && (mapCharge({ ...charge, invoice: "in_1" }) as { row: { invoiceExternalId: unknown } }).row.invoiceExternalId).toBe("in_1");
  });
  it("maps invoices with basil parent.subscription_details and paid_at", () => {
    const r = mapInvoice({
      id: "in_1", object: "invoice", customer: "cus_1", status: "paid", currency: "USD", created: 10, amount_due: 5000, amount_paid: 5000, amount_remaining: 0,
      attempt_count: 2, due_date: null, collection_method: "charge_automatically", billing_reason: "subscription_cycle",
      parent: { subscription_details: { subscription: "sub_1" } }, status_transitions: { paid_at: 20 },
    });
    expect(r.ok && r.row).toMatchObject({ subscriptionExternalId: "sub_1", currency: "usd", paidAt: new Date(20_000), attemptCount: 2, amountRemainingCents: 0 });
  });
  it("skips anonymous charges with reason 'no customer'", () => {
    expect(mapCharge({ id: "ch_1", object: "charge", customer: null, status: "succeeded", amount: 1, currency: "usd", created: 1 })).toEqual({ ok: false, id: "ch_1", reason: "no customer" });
    const r = mapCharge({ id: "ch_2", object: "charge", customer: "cus_1", status: "failed", amount: 900, currency: "usd", created: 1, failure_code: "card_declined", failure_message: "Declined", payment_method_details: { type: "card" } });
    expect(r.ok && r.row).toMatchObject({ status: "failed", failureCode: "card_declined", paymentMethodType: "card" });
  });
  it("routes event types and stays within Stripe's 20 types[] limit", () => {
    expect(eventObjectType("customer.subscription.updated")).toBe("subscription");
    expect(eventObjectType("customer.updated")).toBe("customer");
    expect(eventObjectType("invoice.payment_failed")).toBe("invoice");
    expect(eventObjectType("charge.failed")).toBe("charge");
    expect(eventObjectType("payout.paid")).toBeNull();
    expect(RELEVANT_EVENT_TYPES.length).toBeLessThanOrEqual(20);
  });
});
