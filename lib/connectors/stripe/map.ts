/**
 * Pure mapping of Stripe API objects to the rows the connector stores. Each `map*` validates its input
 * with zod and returns either `{ok: true, row}` or `{ok: false, id, reason}` (a malformed record is
 * skipped with that reason, never crashes a page).
 *
 * Units: Stripe timestamps are epoch SECONDS → `Date`; amounts stay integer minor units (cents).
 *
 * API versions. Lists and retrieves come in the pinned version (`STRIPE_API_VERSION`, client.ts), but
 * an event's `data.object` — from `/v1/events` or a webhook — is rendered in the account's default API
 * version when the event was created, or the webhook endpoint's version (docs.stripe.com/webhooks,
 * "Handle webhook versioning"; `event.api_version` says which). So every mapper reads BOTH the pinned
 * shape and the pre-basil shape (2024-06-20 and older acacia-era versions), by field presence, and a
 * field an object's version does not carry maps to `undefined` ("unknown: keep what is stored") rather
 * than null, so an older event never blanks a good value (docs/stripe.md "Versions and vendor rules"):
 * - basil (2025-03-31): billing periods moved from the subscription to `items.data[]`. Pinned: each
 *   item's own period; the subscription's period is the earliest item start / end. Pre-basil: the
 *   subscription's `current_period_start/end`, which all its items shared.
 * - basil: the single `discount` was removed, `discounts[]` stays — and is a list of discount ids unless
 *   expanded (the full sync expands `data.discounts.source.coupon`; events never are). Ids that cannot
 *   be resolved (pre-basil: from the `discount` object with the same id) give `discounts: undefined`.
 * - basil: an invoice's subscription is `parent.subscription_details.subscription`; pre-basil the
 *   top-level `subscription` (read as a fallback). `Charge.invoice` exists only pre-basil: absent →
 *   `invoiceExternalId: undefined` (kept).
 * - clover (2025-09-30): `discount.source.coupon` replaces `discount.coupon` (both read; an unexpanded
 *   coupon id gives `{coupon}` with unknown amounts).
 */
import { z } from "zod";
import { companyEmailDomain, normalizeDomain } from "@/lib/accounts/normalize";

const epoch = z.number().int().nonnegative();
const idOf = (prefixes: string[]) =>
  z.string().min(4).refine((s) => prefixes.some((p) => s.startsWith(p)), { message: `must start with ${prefixes.join(" or ")}` });
/** An expandable reference: the id, or the expanded object with an id. */
const ref = z.union([z.string(), z.looseObject({ id: z.string() })]);
const refId = (v: z.infer<typeof ref> | null | undefined): string | null => (v == null ? null : typeof v === "string" ? v : v.id);

export const toDate = (s: number | null | undefined): Date | null => (s == null ? null : new Date(s * 1000));

export type MapResult<T> = { ok: true; row: T } | { ok: false; id: string | null; reason: string };

function fail(input: unknown, err: z.ZodError): { ok: false; id: string | null; reason: string } {
  const id = input && typeof input === "object" && typeof (input as { id?: unknown }).id === "string" ? (input as { id: string }).id : null;
  const i = err.issues[0];
  return { ok: false, id, reason: `malformed record: ${i ? `${i.path.join(".") || "(record)"}: ${i.message}` : "invalid"}` };
}

// ───────────────────────────── customers ─────────────────────────────

const ZCustomer = z.looseObject({
  id: idOf(["cus_"]),
  object: z.literal("customer"),
  deleted: z.boolean().optional(),
  created: epoch.optional(),
  email: z.string().nullish(),
  name: z.string().nullish(),
  currency: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  delinquent: z.boolean().nullish(),
  livemode: z.boolean().optional(),
  description: z.string().nullish(),
});

/** A SourceRecord (objectType "customer") as stored. `properties` keeps metadata whole. */
export type CustomerRow = {
  externalId: string;
  name: string | null;
  email: string | null;
  domain: string | null;
  properties: { metadata: Record<string, string>; currency: string | null; created: number | null; deleted: boolean; delinquent: boolean | null; livemode: boolean | null; description: string | null };
  sourceCreatedAt: Date | null;
  deleted: boolean;
};

/** Stripe Customer (or `{id, object:"customer", deleted:true}`) → SourceRecord fields. */
export function mapCustomer(input: unknown): MapResult<CustomerRow> {
  const r = ZCustomer.safeParse(input);
  if (!r.success) return fail(input, r.error);
  const c = r.data;
  const deleted = c.deleted === true;
  if (!deleted && c.created === undefined) return { ok: false, id: c.id, reason: "malformed record: created: missing" };
  const metadata = c.metadata ?? {};
  const domain = normalizeDomain(metadata.domain ?? metadata.website ?? null) ?? companyEmailDomain(c.email ?? null);
  return {
    ok: true,
    row: {
      externalId: c.id,
      name: c.name?.trim() || null,
      email: c.email?.trim() || null,
      domain,
      properties: {
        metadata, currency: c.currency ?? null, created: c.created ?? null, deleted,
        delinquent: c.delinquent ?? null, livemode: c.livemode ?? null, description: c.description ?? null,
      },
      sourceCreatedAt: toDate(c.created),
      deleted,
    },
  };
}

// ───────────────────────────── subscriptions ─────────────────────────────

const ZProductRef = z.union([z.string(), z.looseObject({ id: z.string(), name: z.string().nullish(), deleted: z.boolean().optional() })]);

const ZPrice = z.looseObject({
  id: z.string(),
  currency: z.string(),
  unit_amount: z.number().int().nullish(),
  product: ZProductRef,
  recurring: z
    .looseObject({
      interval: z.enum(["day", "week", "month", "year"]),
      interval_count: z.number().int().positive().optional(),
      usage_type: z.string().nullish(),
    })
    .nullish(),
});

const ZItem = z.looseObject({
  id: z.string(),
  price: ZPrice,
  quantity: z.number().int().nonnegative().nullish(),
  current_period_start: epoch.nullish(),
  current_period_end: epoch.nullish(),
});

const ZCoupon = z.looseObject({
  id: z.string(),
  percent_off: z.number().nullish(),
  amount_off: z.number().int().nullish(),
  currency: z.string().nullish(),
  duration: z.string().nullish(),
});
const ZDiscount = z.union([
  z.string(),
  z.looseObject({
    id: z.string().nullish(),
    coupon: z.union([z.string(), ZCoupon]).nullish(),
    source: z.looseObject({ coupon: z.union([z.string(), ZCoupon]).nullish() }).nullish(),
  }),
]);

const ZSubscription = z.looseObject({
  id: idOf(["sub_"]),
  object: z.literal("subscription"),
  customer: ref,
  status: z.string().min(1),
  currency: z.string().nullish(),
  created: epoch,
  start_date: epoch.nullish(),
  cancel_at_period_end: z.boolean().nullish(),
  cancel_at: epoch.nullish(),
  canceled_at: epoch.nullish(),
  ended_at: epoch.nullish(),
  trial_start: epoch.nullish(),
  trial_end: epoch.nullish(),
  collection_method: z.string().nullish(),
  default_payment_method: z.union([z.string(), z.looseObject({ id: z.string(), type: z.string().nullish() })]).nullish(),
  discounts: z.array(ZDiscount).nullish(),
  /** Pre-basil only: the single subscription discount (coupon embedded). */
  discount: ZDiscount.nullish(),
  /** Pre-basil only: the subscription's billing period (basil moved it to the items). */
  current_period_start: epoch.nullish(),
  current_period_end: epoch.nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  items: z.looseObject({ data: z.array(ZItem), has_more: z.boolean().optional() }),
});

/** Subscription.discounts JSON entry (lib/billing/mrr.ts parseDiscounts reads it). */
export type DiscountEntry = { coupon: string | null; percentOff: number | null; amountOffCents: number | null; currency: string | null; duration: string | null };

export type SubscriptionItemRow = {
  externalId: string;
  priceId: string | null;
  productId: string | null;
  productName: string | null;
  unitAmountCents: number | null;
  currency: string;
  quantity: number;
  interval: string | null;
  intervalCount: number;
  usageType: string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
};

export type SubscriptionRow = {
  externalId: string;
  customerExternalId: string;
  status: string;
  currency: string;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  startDate: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  collectionMethod: string | null;
  /** undefined = unknown (unexpanded id): keep what is stored. */
  defaultPaymentMethodType: string | null | undefined;
  /** undefined = unknown (discount ids that this object's version does not resolve): keep what is stored. */
  discounts: DiscountEntry[] | undefined;
  metadata: Record<string, string>;
  sourceCreatedAt: Date;
  items: SubscriptionItemRow[];
};

/** The discount entries of a subscription, or undefined when some are bare ids we cannot resolve. */
function discountEntries(s: z.infer<typeof ZSubscription>): DiscountEntry[] | undefined {
  const list = s.discounts ?? [];
  const legacy = s.discount && typeof s.discount === "object" ? s.discount : null;
  const out: DiscountEntry[] = [];
  for (const d of list) {
    if (typeof d !== "string") out.push(discountEntry(d));
    // Pre-basil: `discounts` holds ids; the `discount` object with the same id carries the coupon.
    else if (legacy && legacy.id === d) out.push(discountEntry(legacy));
    else return undefined;
  }
  // Pre-basil objects without a `discounts` list (older than 2023-ish) carry only `discount`.
  if (s.discounts == null && legacy) out.push(discountEntry(legacy));
  return out;
}

function discountEntry(d: z.infer<typeof ZDiscount>): DiscountEntry {
  if (typeof d === "string") return { coupon: null, percentOff: null, amountOffCents: null, currency: null, duration: null };
  const c = d.source?.coupon ?? d.coupon ?? null;
  if (c === null || typeof c === "string") return { coupon: c, percentOff: null, amountOffCents: null, currency: null, duration: null };
  return { coupon: c.id, percentOff: c.percent_off ?? null, amountOffCents: c.amount_off ?? null, currency: c.currency ?? null, duration: c.duration ?? null };
}

/**
 * Stripe Subscription (pinned or pre-basil shape, see the module doc) → Subscription + items. Product
 * names come from an expanded `items.data.price.product`, else from `productNames` (product id → name:
 * the products listed once per full sync, or stored items). An items list with `has_more` (more than
 * 10 items when unexpanded) is mapped from what is present.
 */
export function mapSubscription(input: unknown, productNames: ReadonlyMap<string, string> = new Map()): MapResult<SubscriptionRow> {
  const r = ZSubscription.safeParse(input);
  if (!r.success) return fail(input, r.error);
  const s = r.data;
  const items: SubscriptionItemRow[] = s.items.data.map((it) => {
    const productId = refId(it.price.product);
    const productName = typeof it.price.product === "object" ? (it.price.product.name ?? null) : productId ? (productNames.get(productId) ?? null) : null;
    return {
      externalId: it.id,
      priceId: it.price.id,
      productId,
      productName,
      unitAmountCents: it.price.unit_amount ?? null,
      currency: it.price.currency.toLowerCase(),
      quantity: it.quantity ?? 1,
      interval: it.price.recurring?.interval ?? null,
      intervalCount: it.price.recurring?.interval_count ?? 1,
      usageType: it.price.recurring?.usage_type ?? "licensed",
      // Pinned: the item's own period. Pre-basil: the subscription's, which all items shared.
      currentPeriodStart: toDate(it.current_period_start ?? s.current_period_start),
      currentPeriodEnd: toDate(it.current_period_end ?? s.current_period_end),
    };
  });
  const currency = (s.currency ?? items[0]?.currency ?? "").toLowerCase();
  if (!currency) return { ok: false, id: s.id, reason: "malformed record: currency: missing (no currency and no items)" };
  const pm = s.default_payment_method;
  const starts = items.map((i) => i.currentPeriodStart).filter((d): d is Date => d !== null);
  const ends = items.map((i) => i.currentPeriodEnd).filter((d): d is Date => d !== null);
  return {
    ok: true,
    row: {
      externalId: s.id,
      customerExternalId: refId(s.customer)!,
      status: s.status,
      currency,
      cancelAtPeriodEnd: s.cancel_at_period_end ?? false,
      cancelAt: toDate(s.cancel_at),
      canceledAt: toDate(s.canceled_at),
      endedAt: toDate(s.ended_at),
      startDate: toDate(s.start_date),
      trialStart: toDate(s.trial_start),
      trialEnd: toDate(s.trial_end),
      // basil+: the subscription's period is its items' (the earliest start / earliest end).
      currentPeriodStart: starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : null,
      currentPeriodEnd: ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null,
      collectionMethod: s.collection_method ?? null,
      defaultPaymentMethodType: pm == null ? null : typeof pm === "string" ? undefined : (pm.type ?? null),
      discounts: discountEntries(s),
      metadata: s.metadata ?? {},
      sourceCreatedAt: toDate(s.created)!,
      items,
    },
  };
}

// ───────────────────────────── invoices ─────────────────────────────

const ZInvoice = z.looseObject({
  id: idOf(["in_"]),
  object: z.literal("invoice"),
  customer: ref,
  status: z.string().nullish(),
  currency: z.string(),
  created: epoch,
  amount_due: z.number().int(),
  amount_paid: z.number().int().nullish(),
  amount_remaining: z.number().int().nullish(),
  attempt_count: z.number().int().nullish(),
  due_date: epoch.nullish(),
  collection_method: z.string().nullish(),
  billing_reason: z.string().nullish(),
  period_start: epoch.nullish(),
  period_end: epoch.nullish(),
  subscription: ref.nullish(),
  parent: z.looseObject({ subscription_details: z.looseObject({ subscription: ref.nullish() }).nullish() }).nullish(),
  status_transitions: z.looseObject({ paid_at: epoch.nullish() }).nullish(),
});

export type InvoiceRow = {
  externalId: string;
  customerExternalId: string;
  subscriptionExternalId: string | null;
  status: string;
  currency: string;
  amountDueCents: number;
  amountPaidCents: number;
  amountRemainingCents: number;
  attemptCount: number;
  dueDate: Date | null;
  paidAt: Date | null;
  collectionMethod: string | null;
  billingReason: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  sourceCreatedAt: Date;
};

/** Stripe Invoice → Invoice row (status draft when Stripe sends null). */
export function mapInvoice(input: unknown): MapResult<InvoiceRow> {
  const r = ZInvoice.safeParse(input);
  if (!r.success) return fail(input, r.error);
  const i = r.data;
  const paid = i.amount_paid ?? 0;
  return {
    ok: true,
    row: {
      externalId: i.id,
      customerExternalId: refId(i.customer)!,
      subscriptionExternalId: refId(i.parent?.subscription_details?.subscription) ?? refId(i.subscription),
      status: i.status ?? "draft",
      currency: i.currency.toLowerCase(),
      amountDueCents: i.amount_due,
      amountPaidCents: paid,
      amountRemainingCents: i.amount_remaining ?? Math.max(0, i.amount_due - paid),
      attemptCount: i.attempt_count ?? 0,
      dueDate: toDate(i.due_date),
      paidAt: toDate(i.status_transitions?.paid_at),
      collectionMethod: i.collection_method ?? null,
      billingReason: i.billing_reason ?? null,
      periodStart: toDate(i.period_start),
      periodEnd: toDate(i.period_end),
      sourceCreatedAt: toDate(i.created)!,
    },
  };
}

// ───────────────────────────── charges ─────────────────────────────

const ZCharge = z.looseObject({
  id: idOf(["ch_", "py_"]),
  object: z.literal("charge"),
  customer: ref.nullish(),
  status: z.enum(["succeeded", "failed", "pending"]),
  amount: z.number().int(),
  amount_refunded: z.number().int().nullish(),
  currency: z.string(),
  created: epoch,
  failure_code: z.string().nullish(),
  failure_message: z.string().nullish(),
  invoice: ref.nullish(),
  payment_method_details: z.looseObject({ type: z.string().nullish() }).nullish(),
});

export type ChargeRow = {
  externalId: string;
  customerExternalId: string;
  /** Pre-basil charges only (basil removed `Charge.invoice`); undefined = not in this version: keep what is stored. */
  invoiceExternalId: string | null | undefined;
  status: string;
  amountCents: number;
  amountRefundedCents: number;
  currency: string;
  failureCode: string | null;
  failureMessage: string | null;
  paymentMethodType: string | null;
  sourceCreatedAt: Date;
};

/** Reason used for charges without a customer (seed 03: anonymous charges are skipped). */
export const NO_CUSTOMER = "no customer";

/** Stripe Charge → Charge row; a charge without a customer is skipped with reason "no customer". */
export function mapCharge(input: unknown): MapResult<ChargeRow> {
  const r = ZCharge.safeParse(input);
  if (!r.success) return fail(input, r.error);
  const c = r.data;
  const customer = refId(c.customer);
  if (!customer) return { ok: false, id: c.id, reason: NO_CUSTOMER };
  return {
    ok: true,
    row: {
      externalId: c.id,
      customerExternalId: customer,
      invoiceExternalId: c.invoice === undefined ? undefined : refId(c.invoice),
      status: c.status,
      amountCents: c.amount,
      amountRefundedCents: c.amount_refunded ?? 0,
      currency: c.currency.toLowerCase(),
      failureCode: c.failure_code ?? null,
      failureMessage: c.failure_message ?? null,
      paymentMethodType: c.payment_method_details?.type ?? null,
      sourceCreatedAt: toDate(c.created)!,
    },
  };
}

// ───────────────────────────── events ─────────────────────────────

export const ZEvent = z.looseObject({
  id: idOf(["evt_"]),
  object: z.literal("event"),
  type: z.string(),
  created: epoch,
  account: z.string().nullish(),
  livemode: z.boolean().optional(),
  data: z.looseObject({ object: z.looseObject({ id: z.string().optional(), object: z.string() }) }),
});
export type StripeEventLike = z.infer<typeof ZEvent>;

/** Which of our object types an event type touches, or null when we ignore it. */
export function eventObjectType(type: string): "customer" | "subscription" | "invoice" | "charge" | null {
  if (type.startsWith("customer.subscription.")) return "subscription";
  if (/^customer\.(created|updated|deleted)$/.test(type)) return "customer";
  if (type.startsWith("invoice.")) return "invoice";
  if (type.startsWith("charge.")) return "charge";
  return null;
}

/**
 * The event types an incremental sync lists (`types[]`, Stripe allows up to 20) and the webhook
 * endpoint handles (seed 03 table + the invoice/charge lifecycle).
 */
export const RELEVANT_EVENT_TYPES = [
  "customer.created", "customer.updated", "customer.deleted",
  "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
  "customer.subscription.paused",
  "invoice.created", "invoice.updated", "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed",
  "invoice.finalized", "invoice.voided", "invoice.marked_uncollectible",
  "charge.succeeded", "charge.failed", "charge.pending", "charge.refunded", "charge.updated",
] as const;
