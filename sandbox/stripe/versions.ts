/**
 * Stripe API versions in the sandbox: which version a response is rendered in, and how an object
 * rendered at the pinned version is turned into the shape an older version returns.
 *
 * What Stripe documents (checked Dec 2026):
 * - "Versioning" / "Upgrades" (docs.stripe.com/api/versioning, docs.stripe.com/upgrades): a request
 *   without `Stripe-Version` is answered in the account's default API version; a `Stripe-Version`
 *   header overrides it for that request. stripe-node 23.1.0 always sends its pinned version
 *   (`node_modules/stripe/cjs/apiVersion.js`: `2026-10-28.endive`).
 * - "Webhooks" best practices / "Handle webhook versioning" (docs.stripe.com/webhooks,
 *   docs.stripe.com/webhooks/versioning): an Event's `data.object` is rendered in the account's
 *   default API version at the time the event is created — or in the webhook endpoint's
 *   `api_version` when the endpoint has one — and never changes afterwards; fetching it through
 *   `/v1/events` with another `Stripe-Version` does not re-render it. `event.api_version` says which
 *   version rendered `data` (stripe-node types: "The Stripe API version used to render data when the
 *   event was created").
 * - Changelog 2025-03-31.basil: "Adds subscription item-level billing periods and removes
 *   subscription-level periods" (`current_period_start/end` move from the Subscription to
 *   `items.data[]`); "Invoicing resources now specify how they were generated" (Invoice `subscription`,
 *   `subscription_details` → `parent.subscription_details`; line items' `subscription`,
 *   `subscription_item`, `type`, `proration` → `parent.subscription_item_details`); the invoice's
 *   `paid`, `charge`, `payment_intent` gave way to invoice payments, and `Charge.invoice` was removed;
 *   the single `discount` field of subscriptions/invoices/customers was removed (`discounts[]` stays).
 * - Changelog 2025-09-30.clover: `Discount.coupon` → `Discount.source.coupon`.
 *
 * The sandbox renders two families: the pinned shape (every version from 2025-03-31.basil on; the
 * small additive differences between basil, clover, dahlia and endive are not reproduced, except
 * the clover discount change) and the pre-basil shape of 2024-06-20 (every older version gets it).
 */

/** The version stripe-node 23.1.0 pins and sends; the sandbox's default account version. */
export const PINNED_API_VERSION = "2026-10-28.endive";
/** The pre-basil version the sandbox reproduces (acacia's predecessor; what many accounts still run). */
export const LEGACY_API_VERSION = "2024-06-20";
/** First version of the basil shape. */
export const BASIL_DATE = "2025-03-31";
/** First version of the clover shape (`Discount.source.coupon`). */
export const CLOVER_DATE = "2025-09-30";

const VERSION_RE = /^(\d{4}-\d{2}-\d{2})(\.[a-z]+)?$/;

/**
 * Parses a `Stripe-Version` value (`2024-06-20`, `2026-10-28.endive`; beta flags after `;` are
 * ignored). Returns the version string without flags, or null when it is not a version at all or
 * names a date after the pinned version (a version that does not exist yet).
 */
export function parseApiVersion(raw: string): string | null {
  const v = raw.split(";")[0]!.trim();
  const m = VERSION_RE.exec(v);
  if (!m) return null;
  if (m[1]! > PINNED_API_VERSION.slice(0, 10)) return null;
  return v;
}

/** True for versions older than 2025-03-31.basil (subscription-level periods, `invoice.subscription`). */
export function isPreBasil(version: string): boolean {
  return version.slice(0, 10) < BASIL_DATE;
}

/** True for versions older than 2025-09-30.clover (`discount.coupon` instead of `discount.source.coupon`). */
export function isPreClover(version: string): boolean {
  return version.slice(0, 10) < CLOVER_DATE;
}

/**
 * A rendered subscription serves `discounts` as ids (stripe 23.1.0 types: "Use `expand[]=discounts` to expand
 * each discount"); the discount objects ride along under this non-enumerable key, for `expand[]` and for the
 * pre-basil `discount` field. Never serialised.
 */
export const DISCOUNT_OBJECTS = Symbol("stripe-sandbox-discount-objects");

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** A discount at the requested version: pre-clover discounts carry `coupon` at the top. */
function discountAt(d: unknown, version: string): unknown {
  if (!isObj(d) || !isPreClover(version)) return d;
  const source = isObj(d.source) ? d.source : null;
  if (!source || "coupon" in d) return d;
  const { source: _source, ...rest } = d;
  return { ...rest, coupon: source.coupon ?? null };
}

/** A subscription rendered at the pinned version → its shape at `version`. */
function subscriptionAt(o: Obj, version: string): Obj {
  const discounts = Array.isArray(o.discounts) ? o.discounts : [];
  const objects = ((o as { [DISCOUNT_OBJECTS]?: Obj[] })[DISCOUNT_OBJECTS] ?? discounts.filter(isObj)) as Obj[];
  const out: Obj = { ...o, discounts: discounts.map((d) => discountAt(d, version)) };
  if (!isPreBasil(version)) return out;
  const items = isObj(o.items) && Array.isArray(o.items.data) ? (o.items.data as Obj[]) : [];
  // Pre-basil: one billing period for the whole subscription (all items shared it).
  const starts = items.map((i) => i.current_period_start).filter((x): x is number => typeof x === "number");
  const ends = items.map((i) => i.current_period_end).filter((x): x is number => typeof x === "number");
  out.current_period_start = starts.length ? Math.min(...starts) : o.created;
  out.current_period_end = ends.length ? Math.min(...ends) : o.created;
  // Pre-basil: `discount` (the single subscription discount, coupon included) and `discounts` as ids.
  const first = objects[0];
  out.discount = first ? discountAt(first, version) : null;
  if (isObj(o.items)) {
    out.items = {
      ...o.items,
      data: items.map((i) => {
        const { current_period_start: _s, current_period_end: _e, ...rest } = i;
        return rest;
      }),
    };
  }
  delete out.billing_mode;
  return out;
}

/** An invoice rendered at the pinned version → its shape at `version`. */
function invoiceAt(o: Obj, version: string): Obj {
  const out: Obj = { ...o, discounts: Array.isArray(o.discounts) ? o.discounts.map((d) => discountAt(d, version)) : o.discounts };
  if (!isPreBasil(version)) return out;
  const parent = isObj(o.parent) ? o.parent : null;
  const details = parent && isObj(parent.subscription_details) ? parent.subscription_details : null;
  delete out.parent;
  out.subscription = details?.subscription ?? null;
  out.subscription_details = { metadata: details && isObj(details.metadata) ? details.metadata : null };
  out.quote = null;
  out.subscription_proration_date = null;
  out.paid = o.status === "paid";
  out.paid_out_of_band = false;
  out.charge = null;
  out.payment_intent = null;
  out.discount = null;
  if (isObj(o.lines) && Array.isArray(o.lines.data)) {
    out.lines = {
      ...o.lines,
      data: (o.lines.data as Obj[]).map((l) => {
        const lp = isObj(l.parent) ? l.parent : null;
        const sid = lp && isObj(lp.subscription_item_details) ? lp.subscription_item_details : null;
        const { parent: _p, ...rest } = l;
        return {
          ...rest,
          type: sid ? "subscription" : "invoiceitem",
          subscription: sid?.subscription ?? null,
          subscription_item: sid?.subscription_item ?? null,
          invoice_item: sid?.invoice_item ?? null,
          proration: sid?.proration ?? false,
        };
      }),
    };
  }
  return out;
}

/** A charge rendered at the pinned version → its shape at `version` (pre-basil: `invoice`). */
function chargeAt(o: Obj, version: string): Obj {
  if (!isPreBasil(version)) return o;
  return { invoice: null, ...o };
}

/** A customer rendered at the pinned version → its shape at `version` (pre-basil: `discount`). */
function customerAt(o: Obj, version: string): Obj {
  if (!isPreBasil(version) || o.deleted) return o;
  return { discount: null, ...o };
}

/**
 * Converts one API object rendered at {@link PINNED_API_VERSION} to its shape at `version`
 * (objects nested by expansion are converted too: a list's `data`, an expanded customer/invoice/
 * subscription/charge). Objects of other types are returned as they are.
 */
export function atVersion(o: unknown, version: string): unknown {
  if (version === PINNED_API_VERSION || !isObj(o)) return o;
  let out: Obj = o;
  switch (o.object) {
    case "subscription":
      out = subscriptionAt(o, version);
      break;
    case "invoice":
      out = invoiceAt(o, version);
      break;
    case "charge":
      out = chargeAt(o, version);
      break;
    case "customer":
      out = customerAt(o, version);
      break;
    case "list":
    case "search_result":
      return { ...o, data: Array.isArray(o.data) ? o.data.map((x) => atVersion(x, version)) : o.data };
    default:
      return o;
  }
  for (const k of ["customer", "latest_invoice", "subscription", "invoice"]) {
    if (isObj(out[k])) out[k] = atVersion(out[k], version);
  }
  return out;
}
