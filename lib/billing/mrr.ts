/**
 * Monthly recurring revenue (MRR) of Stripe subscriptions, the way billing-analytics tools define it
 * (../shared/docs/api-facts.md, "MRR, the way billing-analytics tools define it"). Pure: no I/O.
 *
 * Rules
 * - Only subscriptions with status `active` or `past_due` count. `trialing`, `canceled`, `incomplete`,
 *   `incomplete_expired`, `unpaid` and `paused` give 0. A subscription that is `active` with
 *   `cancel_at_period_end` still counts until it actually ends (its status is still `active`).
 * - Per licensed item: `unit_amount × quantity`, normalised to one month:
 *   month ÷ interval_count, year ÷ (12 × interval_count), week × 52/12 ÷ interval_count,
 *   day × 365/12 ÷ interval_count. Metered (usage-based) items, items without a recurring interval
 *   (one-off) and items without a unit amount (tiered prices) are excluded. Tax is never part of it.
 * - Discounts are applied to the subscription total in the order given: `forever` coupons always,
 *   `once`/`repeating` only with `applyNonForeverDiscounts`. `percent_off` scales the total;
 *   `amount_off` (minor units per invoice, i.e. per billing period) is normalised to a month with the
 *   subscription's billing interval (the interval of its first licensed item) and only applies when
 *   its currency equals the subscription's. The total never goes below 0.
 * - Arithmetic is exact (BigInt fractions); the result is rounded ONCE at the end, half up, to
 *   integer minor units of the subscription currency (cents for usd/eur, yen for jpy …).
 *   Example: $100/week → 100 × 52 / 12 = 433.333… → 433.33 → 43333 cents.
 * - Currencies are never mixed: `accountMrr` keeps one total per currency.
 */
import { z } from "zod";

/** One subscription item, as stored in SubscriptionItem. Amounts in minor units. */
export type MrrItemInput = {
  /** Price per unit per billing period (minor units); null for tiered/custom prices (excluded). */
  unitAmountCents: number | null;
  quantity: number;
  /** day | week | month | year; null for one-off prices (excluded). */
  interval: string | null;
  intervalCount: number;
  /** licensed | metered (metered is excluded). */
  usageType: string;
  currency: string;
};

/** One discount of a subscription (Stripe `discounts[].source.coupon`, flattened). */
export type MrrDiscountInput = {
  /** 0-100, may have decimals (Stripe allows e.g. 12.5). */
  percentOff?: number | null;
  /** Minor units taken off each invoice (billing period). */
  amountOffCents?: number | null;
  duration: "forever" | "once" | "repeating";
  /** Currency of an amount_off coupon; when missing it is assumed to be the subscription's. */
  currency?: string | null;
};

export type MrrSubscriptionInput = {
  /** Stripe subscription status. */
  status: string;
  /** Subscription currency; defaults to the first item's currency. */
  currency?: string | null;
  items: readonly MrrItemInput[];
  discounts?: readonly MrrDiscountInput[] | null;
};

export type MrrOptions = {
  /** Also apply `once` and `repeating` coupons (default false: only `forever`). */
  applyNonForeverDiscounts?: boolean;
};

/** An amount of money: integer minor units of `currency` (lower-case ISO-4217; null when unknown). */
export type Money = { cents: number; currency: string | null };

export type AccountMrr = {
  /** The currency with the largest MRR (ties: alphabetical). `{cents: 0, currency: null}` when nothing counts. */
  primary: Money;
  /** MRR per currency (minor units), one entry per currency of a counted subscription. */
  byCurrency: Record<string, number>;
};

/** Subscription statuses whose revenue counts as MRR. */
export const MRR_STATUSES: ReadonlySet<string> = new Set(["active", "past_due"]);

type Fraction = { n: bigint; d: bigint };

const ZERO: Fraction = { n: 0n, d: 1n };

function add(a: Fraction, b: Fraction): Fraction {
  return { n: a.n * b.d + b.n * a.d, d: a.d * b.d };
}

function mul(a: Fraction, b: Fraction): Fraction {
  return { n: a.n * b.n, d: a.d * b.d };
}

function isNegative(a: Fraction): boolean {
  return a.n < 0n !== a.d < 0n && a.n !== 0n;
}

/** Round a non-negative fraction half up to an integer. */
function roundHalfUp(a: Fraction): number {
  if (isNegative(a)) return 0;
  const n = a.n < 0n ? -a.n : a.n;
  const d = a.d < 0n ? -a.d : a.d;
  return Number((2n * n + d) / (2n * d));
}

/**
 * Factor that turns one billing period's amount into a monthly amount, as an exact fraction.
 * Returns null for an unknown interval or a non-positive interval count.
 */
function monthlyFactor(interval: string | null, intervalCount: number): Fraction | null {
  if (!Number.isInteger(intervalCount) || intervalCount <= 0) return null;
  const c = BigInt(intervalCount);
  switch (interval) {
    case "month":
      return { n: 1n, d: c };
    case "year":
      return { n: 1n, d: 12n * c };
    case "week":
      return { n: 52n, d: 12n * c };
    case "day":
      return { n: 365n, d: 12n * c };
    default:
      return null;
  }
}

function isCountedItem(item: MrrItemInput): boolean {
  return (
    item.usageType !== "metered" &&
    item.unitAmountCents !== null &&
    Number.isInteger(item.unitAmountCents) &&
    item.unitAmountCents >= 0 &&
    monthlyFactor(item.interval, item.intervalCount) !== null
  );
}

function itemMonthly(item: MrrItemInput): Fraction {
  const f = monthlyFactor(item.interval, item.intervalCount);
  if (f === null || !isCountedItem(item)) return ZERO;
  const qty = Number.isInteger(item.quantity) && item.quantity > 0 ? item.quantity : 0;
  return mul({ n: BigInt(item.unitAmountCents ?? 0) * BigInt(qty), d: 1n }, f);
}

/**
 * Monthly amount of one item in minor units (rounded half up), ignoring status and discounts;
 * 0 for metered, one-off or tiered items. Used to find a subscription's dominant item.
 */
export function itemMonthlyCents(item: MrrItemInput): number {
  return roundHalfUp(itemMonthly(item));
}

/** Convert a decimal percentage (e.g. 12.5) to an exact "remaining share" fraction (0.875). */
function remainingShare(percentOff: number): Fraction {
  const p = Math.min(100, Math.max(0, percentOff));
  const scaled = BigInt(Math.round(p * 10_000)); // percent with 4 decimals → parts per million
  return { n: 1_000_000n - scaled, d: 1_000_000n };
}

/**
 * MRR of one subscription in integer minor units of its currency (see the module doc for the rules).
 * @returns `{cents, currency}`; cents is 0 for statuses that do not count.
 */
export function subscriptionMrr(sub: MrrSubscriptionInput, opts: MrrOptions = {}): Money {
  const currency = (sub.currency ?? sub.items[0]?.currency ?? null)?.toLowerCase() ?? null;
  if (!MRR_STATUSES.has(sub.status)) return { cents: 0, currency };
  let total = ZERO;
  for (const item of sub.items) total = add(total, itemMonthly(item));
  const billingItem = sub.items.find(isCountedItem);
  const periodFactor = billingItem ? monthlyFactor(billingItem.interval, billingItem.intervalCount) : null;
  for (const discount of sub.discounts ?? []) {
    if (discount.duration !== "forever" && !opts.applyNonForeverDiscounts) continue;
    if (discount.percentOff != null && discount.percentOff > 0) {
      total = mul(total, remainingShare(discount.percentOff));
    } else if (discount.amountOffCents != null && discount.amountOffCents > 0 && periodFactor) {
      const dc = discount.currency?.toLowerCase();
      if (dc && currency && dc !== currency) continue;
      total = add(total, mul({ n: -BigInt(Math.round(discount.amountOffCents)), d: 1n }, periodFactor));
    }
    if (isNegative(total)) total = ZERO;
  }
  return { cents: roundHalfUp(total), currency };
}

/**
 * MRR of an account: the sum of its subscriptions' MRR per currency (never converted).
 * Subscriptions whose status does not count are ignored entirely (they add no currency entry).
 */
export function accountMrr(subs: readonly MrrSubscriptionInput[], opts: MrrOptions = {}): AccountMrr {
  const byCurrency: Record<string, number> = {};
  for (const sub of subs) {
    if (!MRR_STATUSES.has(sub.status)) continue;
    const m = subscriptionMrr(sub, opts);
    if (!m.currency) continue;
    byCurrency[m.currency] = (byCurrency[m.currency] ?? 0) + m.cents;
  }
  return { primary: primaryOf(byCurrency), byCurrency };
}

/** The largest entry of a per-currency map (ties: alphabetical); `{0, null}` for an empty map. */
export function primaryOf(byCurrency: Record<string, number>): Money {
  let best: Money = { cents: 0, currency: null };
  for (const cur of Object.keys(byCurrency).sort()) {
    const cents = byCurrency[cur]!;
    if (best.currency === null || cents > best.cents) best = { cents, currency: cur };
  }
  return best;
}

const discountEntrySchema = z.object({
  percentOff: z.number().nullish(),
  amountOffCents: z.number().nullish(),
  duration: z.string().nullish(),
  currency: z.string().nullish(),
});

/**
 * Parse the `Subscription.discounts` JSON column (`[{coupon, percentOff, amountOffCents, duration, currency?}]`).
 * Malformed entries are dropped; an unknown duration is treated as `once` (not applied by default).
 */
export function parseDiscounts(json: unknown): MrrDiscountInput[] {
  if (!Array.isArray(json)) return [];
  const out: MrrDiscountInput[] = [];
  for (const entry of json) {
    const r = discountEntrySchema.safeParse(entry);
    if (!r.success) continue;
    const d = r.data.duration;
    out.push({
      percentOff: r.data.percentOff ?? null,
      amountOffCents: r.data.amountOffCents ?? null,
      duration: d === "forever" || d === "repeating" ? d : "once",
      currency: r.data.currency ?? null,
    });
  }
  return out;
}
