/**
 * Turns stored records into the objects the Stripe API returns: every top-level field of Stripe's
 * published example object (../shared/specs/stripe-fixtures3.json) is present — stored values win,
 * the rest get null / empty / derived defaults — plus `livemode` per the key's mode, embedded
 * prices and plans on subscription items, and `expand[]` handling.
 *
 * Key order follows Stripe: `id`, `object`, then the fields alphabetically, then any extra
 * portfolio fields.
 */
import type { Rec, Resource, StripeStore } from "./store";
import { OBJECT_NAME } from "./store";
import type { StripeAccount } from "./portfolio";
import { DISCOUNT_OBJECTS, atVersion } from "./versions";

type Obj = Record<string, unknown>;

/**
 * Context of one render: the key's mode, the store to resolve ids from, the API version of the
 * response (`Stripe-Version` header, else the account default) and the account's default API
 * version (what events created without an explicit version are rendered in).
 */
export type RenderCtx = { livemode: boolean; store: StripeStore; account: StripeAccount; apiVersion: string; accountApiVersion: string };

/** The `object` value of each resource → the resource (events carry their object by name). */
const RESOURCE_OF_OBJECT: Record<string, Resource> = Object.fromEntries(Object.entries(OBJECT_NAME).map(([r, o]) => [o, r as Resource]));

/**
 * The subscription an invoice record belongs to: `parent.subscription_details.subscription`
 * (basil+) or a portfolio's top-level `subscription` (accepted for older hand-written portfolios).
 */
export function invoiceSubscriptionId(r: Record<string, unknown>): string | null {
  const parent = r.parent as { subscription_details?: { subscription?: unknown } | null } | null | undefined;
  const fromParent = parent?.subscription_details?.subscription;
  if (typeof fromParent === "string") return fromParent;
  return typeof r.subscription === "string" ? r.subscription : null;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

function renderCustomer(r: Rec, ctx: RenderCtx): Obj {
  if (r.deleted) return { id: r.id, object: "customer", deleted: true };
  const hex = Buffer.from(r.id).toString("hex").toUpperCase();
  return {
    id: r.id,
    object: "customer",
    address: null,
    balance: 0,
    created: r.created,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: hex.slice(-8),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
    ...(r as Obj),
    livemode: ctx.livemode,
  };
}

function renderPrice(r: Rec, ctx: RenderCtx): Obj {
  const recurring = r.recurring as Obj | null | undefined;
  return {
    id: r.id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: r.created,
    currency: r.currency,
    custom_unit_amount: null,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: r.product,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: r.unit_amount,
    unit_amount_decimal: r.unit_amount === null || r.unit_amount === undefined ? null : String(r.unit_amount),
    ...(r as Obj),
    recurring: recurring ? { meter: null, trial_period_days: null, usage_type: "licensed", ...recurring } : null,
    livemode: ctx.livemode,
  };
}

/** The legacy `plan` that Stripe still embeds on subscription items, derived from the price. */
function planOf(price: Obj, ctx: RenderCtx): Obj | null {
  const rec = price.recurring as Obj | null;
  if (!rec) return null;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: rec.interval,
    interval_count: rec.interval_count,
    livemode: ctx.livemode,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: rec.trial_period_days ?? null,
    usage_type: rec.usage_type,
  };
}

function priceById(id: string, ctx: RenderCtx): Obj {
  const p = ctx.store.collections.prices.get(id);
  return p ? renderPrice(p, ctx) : { id, object: "price", deleted: true };
}

function renderSubscription(r: Rec, ctx: RenderCtx): Obj {
  const items = (r.items ?? { data: [] }) as Obj;
  const rawItems = (items.data ?? []) as Obj[];
  const data = rawItems.map((it) => {
    const price = typeof it.price === "string" ? priceById(it.price, ctx) : renderPrice(it.price as Rec, ctx);
    return {
      id: it.id,
      object: "subscription_item",
      billing_thresholds: null,
      created: r.created,
      current_period_end: it.current_period_end,
      current_period_start: it.current_period_start,
      discounts: [],
      metadata: {},
      quantity: 1,
      subscription: r.id,
      tax_rates: [],
      ...it,
      plan: planOf(price, ctx),
      price,
    };
  });
  const firstPrice = data[0]?.price as Obj | undefined;
  // latest_invoice: the newest invoice of this subscription, unless the portfolio says otherwise.
  const customerInvoices = typeof r.customer === "string" ? ctx.store.collections.invoices.byCustomer.get(r.customer) : undefined;
  const latestInvoice = customerInvoices?.find((i) => invoiceSubscriptionId(i) === r.id)?.id ?? null;
  const out: Obj = {
    id: r.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: num(r.start_date) ?? r.created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: r.created,
    currency: firstPrice?.currency ?? null,
    customer: r.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    latest_invoice: latestInvoice,
    managed_payments: { enabled: false },
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: r.created,
    status: r.status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
    trial_start: null,
    ...(r as Obj),
    items: { object: "list", data, has_more: false, total_count: data.length, url: `/v1/subscription_items?subscription=${r.id}` },
    livemode: ctx.livemode,
  };
  // Discounts are ids unless expanded (`expand[]=discounts`, `data.discounts.source.coupon`), as Stripe serves them.
  const stored = Array.isArray(r.discounts) ? (r.discounts as unknown[]) : [];
  out.discounts = stored.map((d) => (d && typeof d === "object" ? (d as Obj).id : d)).filter((d) => typeof d === "string");
  Object.defineProperty(out, DISCOUNT_OBJECTS, { value: stored.filter((d) => d && typeof d === "object"), enumerable: false });
  return out;
}

function renderInvoice(r: Rec, ctx: RenderCtx): Obj {
  const status = str(r.status);
  const due = num(r.amount_due) ?? 0;
  const paid = num(r.amount_paid) ?? (status === "paid" ? due : 0);
  const total = num(r.total) ?? due;
  const cust = typeof r.customer === "string" ? ctx.store.collections.customers.get(r.customer) : undefined;
  const sub = invoiceSubscriptionId(r);
  const finalized = status && status !== "draft" ? r.created : null;
  const out: Obj = {
    id: r.id,
    object: "invoice",
    account_country: ctx.account.country ?? "US",
    account_name: ctx.account.business_profile.name,
    account_tax_ids: null,
    amount_due: due,
    amount_overpaid: 0,
    amount_paid: paid,
    amount_remaining: Math.max(0, due - paid),
    amount_shipping: 0,
    application: null,
    attempt_count: status === "paid" || status === "open" ? 1 : 0,
    attempted: status === "paid" || status === "open",
    auto_advance: status === "open",
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: sub ? "subscription_cycle" : "manual",
    collection_method: "charge_automatically",
    created: r.created,
    currency: r.currency,
    custom_fields: null,
    customer: r.customer,
    customer_account: null,
    customer_address: null,
    customer_email: cust && !cust.deleted ? (cust.email ?? null) : null,
    customer_name: cust && !cust.deleted ? (cust.name ?? null) : null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: finalized,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    // "When retrieving an invoice, you'll get a lines property containing the total count of line items and the first
    // handful of those items" (docs.stripe.com/api/invoice-line-item/retrieve): a portfolio invoice's own lines (first 10).
    lines: linesOf(r),
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: sub ? { quote_details: null, subscription_details: { metadata: {}, subscription: sub }, type: "subscription_details" } : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: r.created,
    period_start: r.created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status,
    status_transitions: {
      finalized_at: finalized,
      marked_uncollectible_at: status === "uncollectible" ? r.created : null,
      paid_at: status === "paid" ? r.created : null,
      voided_at: status === "void" ? r.created : null,
    },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: r.created,
    ...(r as Obj),
    livemode: ctx.livemode,
  };
  // basil+ (2025-03-31 changelog "Invoicing resources now specify how they were generated"): the
  // subscription lives in `parent.subscription_details` only; a portfolio's top-level field is moved there.
  if (sub && !(out.parent as Obj | null)) out.parent = { quote_details: null, subscription_details: { metadata: {}, subscription: sub }, type: "subscription_details" };
  delete out.subscription;
  delete out.subscription_details;
  return out;
}

function renderCharge(r: Rec, ctx: RenderCtx): Obj {
  const ok = r.status === "succeeded";
  const failed = r.status === "failed";
  const amount = num(r.amount) ?? 0;
  return {
    id: r.id,
    object: "charge",
    amount,
    amount_captured: ok ? amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: null,
    captured: ok,
    created: r.created,
    currency: r.currency,
    customer: r.customer,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? "card_declined" : null,
    failure_message: failed ? "Your card was declined." : null,
    fraud_details: {},
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: ok ? "approved_by_network" : failed ? "declined_by_network" : null,
      reason: failed ? (str(r.failure_code) ?? "generic_decline") : null,
      risk_level: "normal",
      seller_message: ok ? "Payment complete." : failed ? "The bank did not return any further details with this decline." : null,
      type: ok ? "authorized" : failed ? "issuer_declined" : "manual_review",
    },
    paid: ok,
    payment_intent: null,
    payment_method: null,
    payment_method_details: { card: { brand: "visa", country: "US", exp_month: 12, exp_year: 2030, funding: "credit", last4: "4242", network: "visa" }, type: "card" },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, total_count: 0, url: `/v1/charges/${r.id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: r.status,
    transfer_data: null,
    transfer_group: null,
    ...(r as Obj),
    livemode: ctx.livemode,
  };
}

function renderProduct(r: Rec, ctx: RenderCtx): Obj {
  return {
    id: r.id,
    object: "product",
    active: true,
    created: r.created,
    default_price: null,
    description: null,
    images: [],
    marketing_features: [],
    metadata: {},
    name: r.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: "service",
    unit_label: null,
    updated: r.created,
    url: null,
    ...(r as Obj),
    livemode: ctx.livemode,
  };
}

function renderPaymentMethod(r: Rec, ctx: RenderCtx): Obj {
  return {
    id: r.id,
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    ...(r.type === "card" ? { card: { brand: "visa", country: "US", display_brand: "visa", exp_month: 12, exp_year: 2030, funding: "credit", last4: "4242" } } : {}),
    created: r.created,
    customer: null,
    customer_account: null,
    metadata: {},
    type: r.type,
    ...(r as Obj),
    livemode: ctx.livemode,
  };
}

/**
 * An event. Its `data.object` is rendered by the resource's renderer (prices embedded in
 * subscription items, defaults filled in, as Stripe renders the object) in the event's own
 * `api_version` — the account default when the event was created, or the one `ctx.eventVersion`
 * forces (a webhook endpoint's version) — never in the version of the request that reads it
 * (docs.stripe.com/webhooks: "Fetching older events by calling /v1/events using a newer API version
 * also has no impact on the structure of the received events").
 */
function renderEvent(r: Rec, ctx: RenderCtx & { eventVersion?: string }): Obj {
  const version = ctx.eventVersion ?? (typeof r.api_version === "string" ? r.api_version : ctx.accountApiVersion);
  const data = (r.data ?? {}) as Obj;
  const obj = data.object as Rec | undefined;
  const resource = obj && typeof obj.object === "string" ? RESOURCE_OF_OBJECT[obj.object] : undefined;
  const object = obj && resource && resource !== "events" && typeof obj.id === "string" ? atVersion(RENDERERS[resource](obj, ctx), version) : obj;
  return {
    id: r.id,
    object: "event",
    created: r.created,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: r.type,
    ...(r as Obj),
    api_version: version,
    data: { ...data, object },
    livemode: ctx.livemode,
  };
}

/** An event as delivered to a webhook endpoint whose `api_version` is `endpointVersion` (null: the event's own). */
export function renderEventForWebhook(r: Rec, ctx: RenderCtx, endpointVersion: string | null): Obj {
  return renderEvent(r, endpointVersion ? { ...ctx, eventVersion: endpointVersion } : ctx);
}

/** The account object (`GET /v1/account`). */
export function renderAccount(ctx: RenderCtx): Obj {
  const a = ctx.account;
  const reqs = { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] };
  return {
    id: a.id,
    object: "account",
    business_type: "company",
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    controller: { type: "account" },
    country: "US",
    created: a.created ?? 1_500_000_000,
    default_currency: "usd",
    details_submitted: true,
    email: null,
    external_accounts: { object: "list", data: [], has_more: false, total_count: 0, url: `/v1/accounts/${a.id}/external_accounts` },
    future_requirements: reqs,
    metadata: {},
    payouts_enabled: true,
    requirements: reqs,
    settings: { dashboard: { display_name: a.business_profile.name, timezone: "Etc/UTC" } },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: "standard",
    ...(a as Obj),
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
      ...a.business_profile,
    },
    livemode: ctx.livemode,
  };
}

const RENDERERS: Record<Resource, (r: Rec, ctx: RenderCtx) => Obj> = {
  customers: renderCustomer,
  subscriptions: renderSubscription,
  invoices: renderInvoice,
  charges: renderCharge,
  products: renderProduct,
  prices: renderPrice,
  payment_methods: renderPaymentMethod,
  events: renderEvent,
};

/** Renders a stored record of `resource` as the API object. */
export function render(resource: Resource, r: Rec, ctx: RenderCtx): Obj {
  if (r.deleted) return { id: r.id, object: OBJECT_NAME[resource], deleted: true };
  return RENDERERS[resource](r, ctx);
}

/** Fields that hold an expandable id somewhere in Stripe's API. */
const EXPANDABLE = new Set([
  "customer",
  "default_payment_method",
  "default_source",
  "latest_invoice",
  "product",
  "default_price",
  "invoice",
  "subscription",
  "payment_intent",
  "payment_method",
  "balance_transaction",
  "schedule",
  "test_clock",
  "pending_setup_intent",
  "on_behalf_of",
  "application",
  "source",
  "review",
  "charge",
  "price",
  "plan",
  "discounts",
  "coupon",
]);

/**
 * Maximum expansion depth. docs.stripe.com/expand ("Expanding responses"): "Expansions have a maximum
 * depth of four levels", and on a list request `data` is the first level — "when listing charges,
 * `data.payment_intent.customer.default_source` is the deepest allowed" — so every dot-separated
 * segment counts, nested lists' `data` included: `data.items.data.price` (4) is the deepest item
 * expansion on a subscription list and `data.items.data.price.product` (5) is refused with a 400.
 */
export const MAX_EXPAND_DEPTH = 4;

/** An `expand[]` path that cannot be honoured; the server answers 400 with this message. */
export class ExpandError extends Error {}

/**
 * Applies one `expand[]` path to `obj` in place. For a list the caller strips the leading `data.` and
 * passes `listPrefix: true`, which counts it as the first level.
 * @throws ExpandError for a property that cannot be expanded or a path deeper than 4 levels.
 */
export function applyExpand(obj: Obj, path: string, ctx: RenderCtx, opts: { listPrefix?: boolean } = {}): void {
  const segs = path.split(".");
  if (segs.some((s) => s === "")) throw new ExpandError(`This property cannot be expanded (${path}).`);
  const depth = segs.length + (opts.listPrefix ? 1 : 0);
  if (depth > MAX_EXPAND_DEPTH)
    throw new ExpandError(`You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${opts.listPrefix ? "data." : ""}${path}`);
  walk(obj, segs, 0, path, ctx);
}

function walk(node: unknown, segs: string[], i: number, path: string, ctx: RenderCtx): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, segs, i, path, ctx);
    return;
  }
  if (!node || typeof node !== "object") return;
  const o = node as Obj;
  const seg = segs[i];
  // Discount ids → the discount objects the renderer kept aside (the sandbox has no discount store).
  const kept = seg === "discounts" ? (o as { [DISCOUNT_OBJECTS]?: Obj[] })[DISCOUNT_OBJECTS] : undefined;
  if (kept && Array.isArray(o.discounts)) o.discounts = o.discounts.map((d) => (typeof d === "string" ? (kept.find((k) => k.id === d) ?? d) : d));
  if (!(seg in o)) throw new ExpandError(`This property cannot be expanded (${segs.slice(0, i + 1).join(".")}).`);
  let v = o[seg];
  if (typeof v === "string") {
    if (!EXPANDABLE.has(seg)) throw new ExpandError(`This property cannot be expanded (${segs.slice(0, i + 1).join(".")}).`);
    const found = ctx.store.find(v);
    if (found) {
      v = render(found.resource, found.rec, ctx);
      o[seg] = v;
    }
  } else if (i === segs.length - 1 && v !== null && typeof v === "object" && !EXPANDABLE.has(seg)) {
    throw new ExpandError(`This property cannot be expanded (${segs.slice(0, i + 1).join(".")}).`);
  }
  if (i + 1 < segs.length) walk(v, segs, i + 1, path, ctx);
}

/** The `lines` list of a stored invoice: its portfolio lines (the first 10, `has_more` beyond), else an empty list. */
function linesOf(r: { id: string; lines?: unknown }): { object: "list"; data: unknown[]; has_more: boolean; total_count: number; url: string } {
  const data = r.lines && typeof r.lines === "object" && Array.isArray((r.lines as { data?: unknown }).data) ? ((r.lines as { data: unknown[] }).data) : [];
  return { object: "list", data: data.slice(0, 10), has_more: data.length > 10, total_count: data.length, url: `/v1/invoices/${r.id}/lines` };
}
