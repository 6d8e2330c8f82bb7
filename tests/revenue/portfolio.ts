/**
 * The synthetic revenue portfolio of the correctness test: Stripe objects (basil+ shapes) whose history exercises
 * every movement — upgrades, downgrades, quantity changes, annual and 2-year plans, interval_count 3, a weekly plan,
 * forever (percent and amount) and repeating discounts, trials (converted and not), a pause and resume, immediate
 * cancellations, a reactivation, a second currency, a metered item, an incomplete_expired subscription — and the
 * script of changes made later through the sandbox control API (each one then read by the real connector).
 */
const s = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The sandbox clock at start. All later steps lie after it and before the real "now" of the test run. */
export const T0 = "2026-03-10T12:00:00Z";

const PRICES = {
  price_basic: { currency: "usd", unit_amount: 5_000, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } },
  price_pro: { currency: "usd", unit_amount: 12_000, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } },
  price_annual: { currency: "usd", unit_amount: 120_000, recurring: { interval: "year", interval_count: 1, usage_type: "licensed" } },
  price_twoyear: { currency: "usd", unit_amount: 200_000, recurring: { interval: "year", interval_count: 2, usage_type: "licensed" } },
  price_quarter: { currency: "usd", unit_amount: 30_001, recurring: { interval: "month", interval_count: 3, usage_type: "licensed" } },
  price_weekly: { currency: "usd", unit_amount: 1_000, recurring: { interval: "week", interval_count: 1, usage_type: "licensed" } },
  price_metered: { currency: "usd", unit_amount: 10, recurring: { interval: "month", interval_count: 1, usage_type: "metered" } },
  price_eur: { currency: "eur", unit_amount: 9_000, recurring: { interval: "month", interval_count: 1, usage_type: "licensed" } },
} as const;
export type PriceId = keyof typeof PRICES;

function coupon(id: string, c: Record<string, unknown>, sub: string, cus: string) {
  return {
    id: `di_${id}`, object: "discount", checkout_session: null, customer: cus, end: null, invoice: null, invoice_item: null,
    promotion_code: null, start: s("2025-01-01T00:00:00Z"), subscription: sub, subscription_item: null,
    source: { type: "coupon", coupon: { id: `co_${id}`, object: "coupon", amount_off: null, currency: null, percent_off: null, duration_in_months: null, name: id, ...c } },
  };
}

export function item(id: string, price: PriceId, quantity: number, periodStartIso = T0) {
  const start = s(periodStartIso);
  return { id, object: "subscription_item", price, quantity, current_period_start: start, current_period_end: start + 30 * 86_400 };
}

function sub(id: string, customer: string, startIso: string, items: ReturnType<typeof item>[], extra: Record<string, unknown> = {}) {
  const currency = PRICES[items[0]!.price].currency;
  return {
    id, object: "subscription", created: s(startIso), start_date: s(startIso), customer, status: "active", currency,
    collection_method: "charge_automatically", cancel_at_period_end: false, cancel_at: null, canceled_at: null, ended_at: null,
    trial_start: null, trial_end: null, metadata: {}, items: { object: "list", data: items }, ...extra,
  };
}

const customers = ["c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12"];

export function buildRevenuePortfolio(): Record<string, unknown> {
  const created = s("2025-01-01T00:00:00Z");
  return {
    version: 1,
    clock: { now: T0, speed: 1 },
    hubspot: { portal: { id: 7_700_017, name: "Revenue test" }, owners: [], companies: [], contacts: [], deals: [], calls: [], meetings: [], notes: [], tickets: [] },
    stripe: {
      account: { id: "acct_1RevenueTest0001", object: "account", business_profile: { name: "Revenue Test" }, country: "US", default_currency: "usd", created },
      products: [{ id: "prod_Rev01", object: "product", created, name: "Platform", active: true, metadata: {} }],
      prices: Object.entries(PRICES).map(([id, p]) => ({ id, object: "price", created, product: "prod_Rev01", type: "recurring", active: true, ...p })),
      customers: customers.map((c) => ({
        id: `cus_${c}`, object: "customer", created, email: `billing@${c}.example`, name: `Customer ${c.toUpperCase()}`,
        currency: c === "c06" ? "eur" : "usd", delinquent: false, metadata: { domain: `${c}.example` }, invoice_settings: { default_payment_method: null },
      })),
      subscriptions: [
        sub("sub_c01", "cus_c01", "2025-10-05T09:00:00Z", [item("si_c01", "price_basic", 1)]),
        sub("sub_c02", "cus_c02", "2025-06-20T10:00:00Z", [item("si_c02", "price_annual", 5)], {
          discounts: [coupon("c02loyal", { percent_off: 20, duration: "forever" }, "sub_c02", "cus_c02")],
        }),
        sub("sub_c03", "cus_c03", "2026-02-25T08:00:00Z", [item("si_c03", "price_basic", 2)], {
          status: "trialing", trial_start: s("2026-02-25T08:00:00Z"), trial_end: s("2026-03-27T08:00:00Z"),
        }),
        sub("sub_c04", "cus_c04", "2025-11-01T00:00:00Z", [item("si_c04", "price_pro", 1)]),
        sub("sub_c05", "cus_c05", "2025-12-01T00:00:00Z", [item("si_c05", "price_quarter", 2)]),
        sub("sub_c06", "cus_c06", "2026-01-15T00:00:00Z", [item("si_c06", "price_eur", 2)], {
          discounts: [coupon("c06intro", { percent_off: 50, duration: "repeating", duration_in_months: 3 }, "sub_c06", "cus_c06")],
        }),
        sub("sub_c07", "cus_c07", "2025-09-01T00:00:00Z", [item("si_c07a", "price_twoyear", 1), item("si_c07b", "price_metered", 1)], {
          discounts: [coupon("c07partner", { amount_off: 10_000, currency: "usd", duration: "forever" }, "sub_c07", "cus_c07")],
        }),
        sub("sub_c08a", "cus_c08", "2025-12-15T00:00:00Z", [item("si_c08a", "price_basic", 1)]),
        sub("sub_c08b", "cus_c08", "2026-02-01T00:00:00Z", [item("si_c08b", "price_weekly", 3)]),
        sub("sub_c10", "cus_c10", "2025-07-01T00:00:00Z", [item("si_c10", "price_basic", 3)], {
          status: "canceled", canceled_at: s("2026-01-31T15:00:00Z"), ended_at: s("2026-01-31T15:00:00Z"),
        }),
        sub("sub_c11", "cus_c11", "2026-02-20T00:00:00Z", [item("si_c11", "price_pro", 1)], {
          status: "trialing", trial_start: s("2026-02-20T00:00:00Z"), trial_end: s("2026-04-01T00:00:00Z"),
        }),
        sub("sub_c12", "cus_c12", "2026-03-01T00:00:00Z", [item("si_c12", "price_pro", 4)], { status: "incomplete_expired" }),
      ],
      invoices: [],
      charges: [],
      payment_methods: [],
      // One event before T0 so the first full sync has a start cursor (its `created` dates the first versions).
      events: [{ id: "evt_RevStart01", object: "event", created: s(T0) - 60, type: "customer.updated", data: { object: { id: "cus_c01", object: "customer", created } } }],
    },
  };
}

export type Step = { at: string; op: "update" | "create" | "delete"; id?: string; data?: Record<string, unknown>; why: string };

/** Changes made after the first sync, in time order (each followed by a sync of the connector). */
export const STEPS: Step[] = [
  { at: "2026-03-27T08:00:30Z", op: "update", id: "sub_c03", data: { status: "active" }, why: "trial converts (MRR from trial_end)" },
  { at: "2026-04-01T00:00:00Z", op: "delete", id: "sub_c11", why: "trial canceled at its end: never MRR" },
  { at: "2026-04-12T14:00:00Z", op: "update", id: "sub_c01", data: { items: { object: "list", data: [item("si_c01", "price_pro", 1, "2026-04-12T14:00:00Z")] } }, why: "mid-month upgrade basic → pro" },
  { at: "2026-04-25T10:00:00Z", op: "delete", id: "sub_c08a", why: "one of two subscriptions canceled: contraction" },
  { at: "2026-05-03T09:00:00Z", op: "delete", id: "sub_c04", why: "cancellation: churn" },
  { at: "2026-05-20T11:00:00Z", op: "create", data: { ...sub("sub_c09", "cus_c09", "2026-05-20T11:00:00Z", [item("si_c09", "price_annual", 1, "2026-05-20T11:00:00Z")]) }, why: "new annual customer" },
  { at: "2026-06-02T12:00:00Z", op: "update", id: "sub_c05", data: { status: "paused" }, why: "pause: churn" },
  { at: "2026-06-20T10:00:00Z", op: "update", id: "sub_c02", data: { items: { object: "list", data: [item("si_c02", "price_annual", 3, "2026-06-20T10:00:00Z")] } }, why: "annual renewal with fewer seats: contraction" },
  { at: "2026-07-08T16:00:00Z", op: "update", id: "sub_c01", data: { items: { object: "list", data: [item("si_c01", "price_pro", 3, "2026-07-08T16:00:00Z")] } }, why: "quantity 1 → 3: expansion" },
  { at: "2026-07-15T08:00:00Z", op: "update", id: "sub_c05", data: { status: "active" }, why: "resume: reactivation" },
  { at: "2026-08-11T13:00:00Z", op: "create", data: { ...sub("sub_c04b", "cus_c04", "2026-08-11T13:00:00Z", [item("si_c04b", "price_basic", 2, "2026-08-11T13:00:00Z")]) }, why: "churned customer returns: reactivation" },
  { at: "2026-08-20T09:00:00Z", op: "update", id: "sub_c07", data: { cancel_at_period_end: true }, why: "cancellation scheduled: no movement yet" },
  { at: "2026-09-14T10:00:00Z", op: "update", id: "sub_c01", data: { items: { object: "list", data: [item("si_c01", "price_pro", 2, "2026-09-14T10:00:00Z")] } }, why: "quantity 3 → 2: contraction" },
  { at: "2026-10-10T10:00:00Z", op: "update", id: "sub_c06", data: { items: { object: "list", data: [item("si_c06", "price_eur", 4, "2026-10-10T10:00:00Z")] } }, why: "EUR expansion" },
  { at: "2026-10-28T10:00:00Z", op: "delete", id: "sub_c09", why: "annual customer cancels: churn" },
  { at: "2026-11-05T10:00:00Z", op: "update", id: "sub_c08b", data: { items: { object: "list", data: [item("si_c08b", "price_weekly", 3, "2026-11-05T10:00:00Z"), item("si_c08c", "price_basic", 1, "2026-11-05T10:00:00Z")] } }, why: "item added: expansion" },
];

/** The instant the test computes everything at (after the last step). */
export const AS_OF = "2026-11-20T00:00:00Z";
