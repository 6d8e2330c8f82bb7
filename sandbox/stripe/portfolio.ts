/**
 * The Stripe half of a sandbox portfolio: the records the Stripe sandbox serves, in the shapes the
 * Stripe API (version basil and later, e.g. `2026-10-28.endive`) returns them.
 *
 * Shape (JSON):
 * ```
 * { account: { id: "acct_…", business_profile: { name }, … },
 *   products: Product[], prices: Price[], customers: Customer[], subscriptions: Subscription[],
 *   invoices: Invoice[], charges: Charge[], payment_methods?: PaymentMethod[], events?: Event[],
 *   balance?: Balance }
 * ```
 * Units: every amount is an integer in the currency's minor unit (cents); every timestamp
 * (`created`, `current_period_*`, `canceled_at`, …) is epoch SECONDS.
 *
 * Each record is a loose object: fields the schema does not name pass through untouched and are
 * served as given; the sandbox fills the remaining fields of Stripe's published object with null /
 * empty defaults when serving (see render.ts). Required fields are validated strictly, and
 * references are checked (subscription → customer, item → price, price → product, invoice /
 * charge → customer). Subscription items may carry the full price object or just its id.
 *
 * Errors: {@link parseStripePortfolio} throws {@link StripePortfolioError} whose message names the
 * first bad record by list, index and id, and the field, e.g.
 * `stripe.customers[12] (cus_abc): created: Invalid input: expected number, received string`.
 */
import { z } from "zod";
import { parseApiVersion } from "./versions";

const idWith = (prefixes: string[]) =>
  z
    .string()
    .refine((s) => prefixes.some((p) => s.startsWith(p)) && s.length > prefixes[0].length, {
      message: `must be an id starting with ${prefixes.join(" or ")}`,
    });

const epochSeconds = z.number().int().nonnegative();
const nullableEpoch = epochSeconds.nullable().optional();
const metadata = z.record(z.string(), z.string()).optional();
const currency = z.string().regex(/^[a-z]{3}$/, "must be a lower-case ISO currency code");
const amount = z.number().int();

/** A Stripe Account (`GET /v1/account`). */
export const ZStripeAccount = z.looseObject({
  id: idWith(["acct_"]),
  object: z.literal("account").optional(),
  business_profile: z.looseObject({ name: z.string().nullable() }),
  country: z.string().optional(),
  default_currency: currency.optional(),
  email: z.string().nullable().optional(),
  created: epochSeconds.optional(),
});

/** A Product (`/v1/products`). */
export const ZStripeProduct = z.looseObject({
  id: idWith(["prod_"]),
  object: z.literal("product"),
  created: epochSeconds,
  name: z.string(),
  active: z.boolean().optional(),
  metadata,
});

const ZRecurring = z.looseObject({
  interval: z.enum(["day", "week", "month", "year"]),
  interval_count: z.number().int().positive(),
  usage_type: z.enum(["licensed", "metered"]).optional(),
});

/** A Price (`/v1/prices`); `product` is the product id. */
export const ZStripePrice = z.looseObject({
  id: idWith(["price_", "plan_"]),
  object: z.literal("price"),
  created: epochSeconds,
  currency,
  product: idWith(["prod_"]),
  unit_amount: amount.nullable(),
  recurring: ZRecurring.nullable().optional(),
  type: z.enum(["one_time", "recurring"]).optional(),
  active: z.boolean().optional(),
  metadata,
});

/** A Customer (`/v1/customers`). */
export const ZStripeCustomer = z.looseObject({
  id: idWith(["cus_"]),
  object: z.literal("customer"),
  created: epochSeconds,
  email: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  currency: currency.nullable().optional(),
  metadata,
});

const ZSubscriptionItem = z.looseObject({
  id: idWith(["si_"]),
  object: z.literal("subscription_item").optional(),
  price: z.union([idWith(["price_", "plan_"]), ZStripePrice]),
  quantity: z.number().int().nonnegative().optional(),
  current_period_start: epochSeconds,
  current_period_end: epochSeconds,
  created: epochSeconds.optional(),
  metadata,
});

/** A Subscription (`/v1/subscriptions`), basil+ shape: billing periods live on the items. */
export const ZStripeSubscription = z.looseObject({
  id: idWith(["sub_"]),
  object: z.literal("subscription"),
  created: epochSeconds,
  customer: idWith(["cus_"]),
  status: z.enum(["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]),
  items: z.looseObject({
    object: z.literal("list").optional(),
    data: z.array(ZSubscriptionItem).min(1),
  }),
  currency: currency.optional(),
  start_date: epochSeconds.optional(),
  cancel_at_period_end: z.boolean().optional(),
  cancel_at: nullableEpoch,
  canceled_at: nullableEpoch,
  ended_at: nullableEpoch,
  trial_start: nullableEpoch,
  trial_end: nullableEpoch,
  collection_method: z.enum(["charge_automatically", "send_invoice"]).optional(),
  default_payment_method: z.string().nullable().optional(),
  discounts: z.array(z.unknown()).optional(),
  metadata,
});

/** An Invoice (`/v1/invoices`). */
export const ZStripeInvoice = z.looseObject({
  id: idWith(["in_"]),
  object: z.literal("invoice"),
  created: epochSeconds,
  customer: idWith(["cus_"]),
  status: z.enum(["draft", "open", "paid", "uncollectible", "void"]),
  currency,
  amount_due: amount,
  amount_paid: amount.optional(),
  total: amount.optional(),
  subscription: z.string().nullable().optional(),
  period_start: epochSeconds.optional(),
  period_end: epochSeconds.optional(),
  metadata,
});

/** A Charge (`/v1/charges`). */
export const ZStripeCharge = z.looseObject({
  id: idWith(["ch_", "py_"]),
  object: z.literal("charge"),
  created: epochSeconds,
  amount,
  currency,
  status: z.enum(["succeeded", "pending", "failed"]),
  customer: idWith(["cus_"]).nullable(),
  paid: z.boolean().optional(),
  failure_code: z.string().nullable().optional(),
  failure_message: z.string().nullable().optional(),
  metadata,
});

/** A PaymentMethod (expandable as `default_payment_method`). */
export const ZStripePaymentMethod = z.looseObject({
  id: idWith(["pm_", "card_"]),
  object: z.literal("payment_method"),
  created: epochSeconds,
  type: z.string(),
  customer: z.string().nullable().optional(),
});

/** An Event (`/v1/events`), served as given when younger than 30 days of sandbox time. */
export const ZStripeEvent = z.looseObject({
  id: idWith(["evt_"]),
  object: z.literal("event"),
  created: epochSeconds,
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, "must look like customer.updated"),
  data: z.looseObject({ object: z.looseObject({ id: z.string().optional(), object: z.string() }) }),
});

/** The whole Stripe portfolio. */
export const ZStripePortfolio = z.object({
  account: ZStripeAccount,
  products: z.array(ZStripeProduct),
  prices: z.array(ZStripePrice),
  customers: z.array(ZStripeCustomer),
  subscriptions: z.array(ZStripeSubscription),
  invoices: z.array(ZStripeInvoice),
  charges: z.array(ZStripeCharge),
  payment_methods: z.array(ZStripePaymentMethod).optional(),
  events: z.array(ZStripeEvent).optional(),
  balance: z.looseObject({ available: z.array(z.unknown()), pending: z.array(z.unknown()) }).optional(),
  /**
   * The account's default API version (Stripe Workbench → "API version"): requests without
   * `Stripe-Version` are answered in it and events are rendered in it (versions.ts). Default: the
   * version stripe-node 23.1.0 pins. E.g. `"2024-06-20"` for an account that never upgraded past acacia.
   */
  api_version: z
    .string()
    .refine((v) => parseApiVersion(v) === v, { message: "must be a Stripe API version such as 2024-06-20 or 2026-10-28.endive, not later than the pinned one" })
    .optional(),
});

export type StripePortfolio = z.infer<typeof ZStripePortfolio>;
export type StripeAccount = z.infer<typeof ZStripeAccount>;
export type StripeProduct = z.infer<typeof ZStripeProduct>;
export type StripePrice = z.infer<typeof ZStripePrice>;
export type StripeCustomer = z.infer<typeof ZStripeCustomer>;
export type StripeSubscription = z.infer<typeof ZStripeSubscription>;
export type StripeSubscriptionItem = z.infer<typeof ZSubscriptionItem>;
export type StripeInvoice = z.infer<typeof ZStripeInvoice>;
export type StripeCharge = z.infer<typeof ZStripeCharge>;
export type StripePaymentMethod = z.infer<typeof ZStripePaymentMethod>;
export type StripeEvent = z.infer<typeof ZStripeEvent>;

/** A portfolio that failed validation; `message` names the first bad record and field. */
export class StripePortfolioError extends Error {
  constructor(
    message: string,
    /** Path of the bad value, e.g. ["customers", 12, "created"]. */
    readonly path: (string | number)[],
  ) {
    super(message);
    this.name = "StripePortfolioError";
  }
}

function describePath(input: unknown, path: (string | number)[]): string {
  // "customers[12] (cus_abc): created.gte" — list, index, id of the record, then the field path.
  if (path.length === 0) return "stripe";
  const [list, index, ...rest] = path;
  if (typeof index !== "number") return `stripe.${[list, index, ...rest].filter((p) => p !== undefined).join(".")}`;
  const lists = input as Record<string, unknown> | null;
  const arr = lists && typeof lists === "object" ? lists[String(list)] : undefined;
  const rec = Array.isArray(arr) ? arr[index] : undefined;
  const id = rec && typeof rec === "object" && typeof (rec as { id?: unknown }).id === "string" ? ` (${(rec as { id: string }).id})` : "";
  const field = rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
  return `stripe.${String(list)}[${index}]${id}: ${field || "(record)"}`;
}

/**
 * Validates a Stripe portfolio (already JSON-parsed) and checks its references.
 * @returns the typed portfolio (loose records keep their extra fields).
 * @throws StripePortfolioError naming the first bad record (list, index, id) and field.
 */
export function parseStripePortfolio(input: unknown): StripePortfolio {
  const parsed = ZStripePortfolio.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    throw new StripePortfolioError(`${describePath(input, path)}: ${issue.message}`, path);
  }
  const p = parsed.data;
  const fail = (path: (string | number)[], msg: string): never => {
    throw new StripePortfolioError(`${describePath(input, path)}: ${msg}`, path);
  };
  const seen = new Set<string>();
  const lists = ["products", "prices", "customers", "subscriptions", "invoices", "charges", "payment_methods", "events"] as const;
  for (const list of lists) {
    (p[list] ?? []).forEach((r: { id: string }, i: number) => {
      if (seen.has(r.id)) fail([list, i, "id"], `duplicate id '${r.id}'`);
      seen.add(r.id);
    });
  }
  const products = new Set(p.products.map((x) => x.id));
  const prices = new Set(p.prices.map((x) => x.id));
  const customers = new Set(p.customers.map((x) => x.id));
  p.prices.forEach((x, i) => {
    if (!products.has(x.product)) fail(["prices", i, "product"], `unknown product '${x.product}'`);
  });
  p.subscriptions.forEach((s, i) => {
    if (!customers.has(s.customer)) fail(["subscriptions", i, "customer"], `unknown customer '${s.customer}'`);
    s.items.data.forEach((it, j) => {
      const priceId = typeof it.price === "string" ? it.price : it.price.id;
      if (typeof it.price === "string" && !prices.has(priceId)) fail(["subscriptions", i, "items", "data", j, "price"], `unknown price '${priceId}'`);
      if (typeof it.price !== "string" && !products.has(it.price.product))
        fail(["subscriptions", i, "items", "data", j, "price", "product"], `unknown product '${it.price.product}'`);
    });
  });
  p.invoices.forEach((x, i) => {
    if (!customers.has(x.customer)) fail(["invoices", i, "customer"], `unknown customer '${x.customer}'`);
  });
  p.charges.forEach((x, i) => {
    if (x.customer !== null && !customers.has(x.customer)) fail(["charges", i, "customer"], `unknown customer '${x.customer}'`);
  });
  return p;
}
