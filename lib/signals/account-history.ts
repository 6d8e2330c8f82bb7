/**
 * Point-in-time reconstruction of one account's daily signals from its synced records (pure, no I/O).
 *
 * `AccountHistory` is everything lib/signals/load-account-history.ts loads for one account, with
 * timestamps as epoch ms. `signalsOnDay(history, dayStartMs)` returns the SignalSnapshot of that UTC
 * day as it could have been known at the END of the day (instant `dayStart + 24 h`, exclusive):
 * anything created after that instant is invisible, and later state (a cancellation, a closed deal,
 * a paid invoice) is only used from the moment it happened. The rule of every signal is written
 * down in docs/signals.md; the comments below name the same rules.
 *
 * Days before the account existed have NO row: callers only ask for days ≥ `firstSignalDayMs(h)`
 * (the day of `accountStartMs`, the earliest known sign of the customer); `signalsOnDay` itself
 * computes any day it is given.
 */
import { itemMonthlyCents, MRR_STATUSES, primaryOf, subscriptionMrr, type MrrDiscountInput, type MrrItemInput } from "@/lib/billing/mrr";
import type { LifecycleState, SignalSnapshot } from "./types";
import { addMonthsAnchored, countInRange, DAY_MS, daysInMonth, lastBefore, wholeDaysBetween } from "./utc-day";

export type SubscriptionItemHistory = MrrItemInput & { productId: string | null; productName: string | null };

export type SubscriptionHistory = {
  /** Current Stripe status (only trusted from `statusKnownMs` on; earlier days are reconstructed). */
  status: string;
  currency: string;
  /** start_date (or created, trial start, first seen). */
  startMs: number;
  /** When it stopped existing: ended_at, or canceled_at/cancel_at for a canceled one; null while live. */
  endMs: number | null;
  trialEndMs: number | null;
  /** A cancellation is scheduled or happened after a notice period (cancel_at_period_end, cancel_at, ended_at > canceled_at). */
  cancelScheduled: boolean;
  /** When the scheduled cancellation became known (canceled_at, else when we saw it). */
  cancelKnownMs: number | null;
  cancelAtMs: number | null;
  /** When the current status was observed (sourceVersionAt, else our row's updatedAt). */
  statusKnownMs: number;
  currentPeriodEndMs: number | null;
  collectionMethod: string | null;
  defaultPaymentMethodType: string | null;
  items: SubscriptionItemHistory[];
  discounts: MrrDiscountInput[];
};

export type InvoiceHistory = {
  externalId: string;
  status: string;
  createdMs: number;
  /** When it was paid (paid_at; creation time for a paid invoice without paid_at); null when unpaid. */
  paidMs: number | null;
  dueMs: number | null;
  amountDueCents: number;
  attemptCount: number;
  collectionMethod: string | null;
};

export type ChargeHistory = {
  createdMs: number;
  status: string;
  paymentMethodType: string | null;
  invoiceExternalId: string | null;
};

export type ContactHistory = { createdMs: number | null; archivedMs: number | null; lastActivityMs: number | null };

export type DealHistory = {
  createdMs: number | null;
  /** When it closed (close date, else last update); null while open. */
  closedMs: number | null;
  /** Expected (open) or actual (closed) close date. */
  closeDateMs: number | null;
  /** Mapped renewal stage; null when the deal is not in a renewal pipeline. */
  renewalStage: string | null;
  updatedMs: number | null;
};

export type TicketHistory = { openedMs: number; closedMs: number | null; priority: string | null };

/** Everything needed to reconstruct one account's signals over a range of days. */
export type AccountHistory = {
  accountId: string;
  /** The account has a Stripe source (customer or billing records): billing signals are numbers, not NULL. */
  hasStripe: boolean;
  /** The account has a HubSpot source (company or CRM records): CRM signals are numbers, not NULL. */
  hasHubspot: boolean;
  /**
   * When the account started (epoch ms): the earliest known of Account.customerSince, its Stripe
   * subscriptions' start_date / created (incomplete ones excluded), its Stripe customers' created and
   * its HubSpot companies' createdate (see {@link accountStartMs}). Null when none is known. No signal
   * row exists for a day that ends before it (see {@link firstSignalDayMs}); tenure counts from it.
   */
  startMs: number | null;
  /** Currency used for MRR = 0 when no subscription counts (Stripe customer currency, else a subscription's). */
  fallbackCurrency: string | null;
  /** Charges before this instant were not synced (Stripe only lists recent charges): failed-payment counts are NULL before it. */
  chargeCoverageStartMs: number | null;
  freshness: SignalSnapshot["freshness"];
  subscriptions: SubscriptionHistory[];
  invoices: InvoiceHistory[];
  /** Ascending by createdMs. */
  charges: ChargeHistory[];
  /** Ascending times of failed charges. */
  failedChargeMs: number[];
  /** Ascending times of successful payments (succeeded charges and paid invoices with money paid). */
  paymentMs: number[];
  contacts: ContactHistory[];
  deals: DealHistory[];
  /** Ascending occurrence times per engagement type, and of every customer-facing engagement. */
  engagementMs: { call: number[]; meeting: number[]; note: number[]; any: number[] };
  tickets: TicketHistory[];
};

/** Options of the reconstruction. */
export type ReconstructOptions = { applyNonForeverDiscounts?: boolean };

export type SubscriptionState = "none" | "ended" | "trialing" | "active" | "past_due" | "unpaid" | "paused";

const LIVE_STATES: ReadonlySet<SubscriptionState> = new Set(["trialing", "active", "past_due", "unpaid", "paused"]);

/**
 * State of a subscription at instant `atMs` (end of a day, exclusive):
 * not started yet / ended → none / ended; inside the trial → trialing; after `statusKnownMs` the
 * current past_due/unpaid/paused status; otherwise active (a live subscription in good standing).
 */
export function subscriptionStateAt(sub: SubscriptionHistory, atMs: number): SubscriptionState {
  if (sub.status === "incomplete" || sub.status === "incomplete_expired") return "none";
  if (sub.startMs >= atMs) return "none";
  if (sub.endMs !== null && sub.endMs < atMs) return "ended";
  if (sub.trialEndMs !== null ? atMs <= sub.trialEndMs : sub.status === "trialing") return "trialing";
  if ((sub.status === "past_due" || sub.status === "unpaid" || sub.status === "paused") && atMs > sub.statusKnownMs) return sub.status;
  return "active";
}

/** A live subscription whose scheduled cancellation was already known at `atMs`. */
function cancellationPendingAt(sub: SubscriptionHistory, atMs: number): boolean {
  return sub.cancelScheduled && sub.cancelKnownMs !== null && sub.cancelKnownMs < atMs;
}

/** Per-subscription values that do not depend on the day, computed once (BigInt maths is not free). */
type SubscriptionDerived = {
  dominant: SubscriptionItemHistory | null;
  /** Sum of the items' monthly list prices (minor units), to rank subscriptions. */
  grossCents: number;
  /** MRR per counted status, by `applyNonForeverDiscounts`. */
  mrr: Map<string, { cents: number; currency: string | null }>;
};

const derivedCache = new WeakMap<SubscriptionHistory, SubscriptionDerived>();

function derived(sub: SubscriptionHistory): SubscriptionDerived {
  let d = derivedCache.get(sub);
  if (!d) {
    d = { dominant: findDominantItem(sub), grossCents: sub.items.reduce((sum, i) => sum + itemMonthlyCents(i), 0), mrr: new Map() };
    derivedCache.set(sub, d);
  }
  return d;
}

function subscriptionMrrCached(sub: SubscriptionHistory, state: string, opts: ReconstructOptions): { cents: number; currency: string | null } {
  const d = derived(sub);
  const key = `${state}:${opts.applyNonForeverDiscounts ? 1 : 0}`;
  let m = d.mrr.get(key);
  if (!m) {
    m = subscriptionMrr({ status: state, currency: sub.currency, items: sub.items, discounts: sub.discounts }, opts);
    d.mrr.set(key, m);
  }
  return m;
}

function dominantItem(sub: SubscriptionHistory): SubscriptionItemHistory | null {
  return derived(sub).dominant;
}

function findDominantItem(sub: SubscriptionHistory): SubscriptionItemHistory | null {
  let best: SubscriptionItemHistory | null = null;
  let bestCents = -1;
  for (const item of sub.items) {
    if (item.usageType === "metered" || !item.interval) continue;
    const c = itemMonthlyCents(item);
    if (c > bestCents) {
      best = item;
      bestCents = c;
    }
  }
  return best;
}

/**
 * The renewal the customer faces after day D's roll-over: the first billing-period boundary at or
 * after `atMs` (the END of D), stepped from the subscription's current period end by its interval
 * (interval × interval_count); the trial end during a trial; capped by a cancellation date that was
 * known by then (a cancellation due later on D itself still counts: that day is the last one).
 *
 * Why after the end of the day and not its start: Stripe renews a subscription automatically at
 * `current_period_end` ("Subscriptions automatically renew at the end of each billing period",
 * docs.stripe.com/billing/subscriptions/overview), so a subscription whose period ended during D was
 * renewed by the end of D and its next renewal is one period away. Counting the boundary of D as
 * "renews today" made 50 of 53 demo accounts "renew today" on the morning they had just renewed.
 * @returns epoch ms, or null without a period (no interval / no current period end).
 */
export function nextRenewalMs(sub: SubscriptionHistory, dayStartMs: number, atMs: number, state: SubscriptionState): number | null {
  let boundary: number | null = null;
  if (state === "trialing" && sub.trialEndMs !== null) {
    boundary = sub.trialEndMs;
  } else {
    boundary = periodBoundaryOnOrAfter(sub, atMs);
  }
  if (cancellationPendingAt(sub, atMs)) {
    const end = sub.cancelAtMs ?? sub.endMs;
    if (end !== null && end >= dayStartMs && (boundary === null || end < boundary)) boundary = end;
  }
  return boundary;
}

/** Last boundary found per subscription: valid for every day start in (previous, boundary]. */
const boundaryCache = new WeakMap<SubscriptionHistory, { previous: number; boundary: number }>();

/**
 * The first billing-period boundary ≥ `dayStartMs` (any instant, ms), stepped from the current period end by the
 * dominant item's interval (months anchored on the billing day, clamped to short months).
 */
function periodBoundaryOnOrAfter(sub: SubscriptionHistory, dayStartMs: number): number | null {
  const cached = boundaryCache.get(sub);
  if (cached && cached.previous < dayStartMs && dayStartMs <= cached.boundary) return cached.boundary;
  const item = dominantItem(sub) ?? sub.items.find((i) => i.interval) ?? null;
  const cpe = sub.currentPeriodEndMs;
  if (!item || cpe === null || item.intervalCount <= 0) return null;
  let boundary: number;
  let previous: number;
  if (item.interval === "month" || item.interval === "year") {
    const step = item.intervalCount * (item.interval === "year" ? 12 : 1);
    const c = new Date(cpe);
    const startDay = new Date(sub.trialEndMs ?? sub.startMs).getUTCDate();
    const clamped = Math.min(startDay, daysInMonth(c.getUTCFullYear(), c.getUTCMonth()));
    const anchorDay = clamped === c.getUTCDate() ? startDay : c.getUTCDate();
    const d = new Date(dayStartMs);
    const monthsDiff = (d.getUTCFullYear() - c.getUTCFullYear()) * 12 + (d.getUTCMonth() - c.getUTCMonth());
    let k = Math.floor(monthsDiff / step) - 1;
    while (addMonthsAnchored(cpe, k * step, anchorDay) >= dayStartMs) k--;
    while (addMonthsAnchored(cpe, k * step, anchorDay) < dayStartMs) k++;
    boundary = addMonthsAnchored(cpe, k * step, anchorDay);
    previous = addMonthsAnchored(cpe, (k - 1) * step, anchorDay);
  } else if (item.interval === "week" || item.interval === "day") {
    const stepMs = item.intervalCount * (item.interval === "week" ? 7 : 1) * DAY_MS;
    boundary = cpe + Math.ceil((dayStartMs - cpe) / stepMs) * stepMs;
    previous = boundary - stepMs;
  } else {
    return null;
  }
  boundaryCache.set(sub, { previous, boundary });
  return boundary;
}

/**
 * Length of one billing period in days from the Stripe price's `recurring.interval` ×
 * `recurring.interval_count` (docs.stripe.com/api/prices/object#price_object-recurring-interval_count:
 * "The number of intervals between subscription billings"): day → count, week → 7·count,
 * month → count·365/12 rounded (1 → 30, 3 → 91), year → 365·count (a 2-year contract: 730).
 * Null for an unknown interval or a count ≤ 0.
 */
export function billingPeriodDaysOf(interval: string | null, count: number): number | null {
  if (!Number.isFinite(count) || count <= 0) return null;
  switch (interval) {
    case "day":
      return count;
    case "week":
      return 7 * count;
    case "month":
      return Math.round((count * 365) / 12);
    case "year":
      return 365 * count;
    default:
      return null;
  }
}

function commitmentMonths(interval: string | null, count: number): number | null {
  switch (interval) {
    case "month":
      return count;
    case "year":
      return 12 * count;
    case "week":
      return Math.floor((count * 7 * 12) / 365);
    case "day":
      return Math.floor((count * 12) / 365);
    default:
      return null;
  }
}

/** Inputs of {@link accountStartMs}: every timestamp (epoch ms, null = unknown) that shows the account existed. */
export type AccountStartInputs = {
  /** Account.customerSince. */
  customerSinceMs: number | null;
  /** Per Stripe subscription: its status, start_date and created (incomplete ones never existed for signals). */
  subscriptions: readonly { status: string; startDateMs: number | null; createdMs: number | null }[];
  /** Created times of its source records: Stripe customers' `created`, HubSpot companies' `createdate`. */
  sourceCreatedMs: readonly (number | null)[];
};

/**
 * The account's start (epoch ms): the EARLIEST of customerSince, any subscription's start_date or
 * created (subscriptions in status incomplete/incomplete_expired are ignored: no money ever moved),
 * and the created time of its Stripe customers / HubSpot companies. Null when none is known — such an
 * account keeps a row for every requested day (nothing says when it began).
 */
export function accountStartMs(inputs: AccountStartInputs): number | null {
  let start: number | null = null;
  const consider = (t: number | null) => {
    if (t !== null && Number.isFinite(t) && (start === null || t < start)) start = t;
  };
  consider(inputs.customerSinceMs);
  for (const s of inputs.subscriptions) {
    if (s.status === "incomplete" || s.status === "incomplete_expired") continue;
    consider(s.startDateMs);
    consider(s.createdMs);
  }
  for (const t of inputs.sourceCreatedMs) consider(t);
  return start;
}

/**
 * The first day (midnight UTC, ms) that gets a signal row: the day containing `startMs` (the first day
 * whose end is after the start). −Infinity when the start is unknown (every day gets a row).
 */
export function firstSignalDayMs(h: Pick<AccountHistory, "startMs">): number {
  return h.startMs === null ? -Infinity : Math.floor(h.startMs / DAY_MS) * DAY_MS;
}

/** MRR per currency at instant `atMs` (end of a day): subscriptions that were active/past_due then. */
export function mrrByCurrencyAt(h: AccountHistory, atMs: number, opts: ReconstructOptions = {}): Record<string, number> {
  const byCurrency: Record<string, number> = {};
  for (const sub of h.subscriptions) {
    const state = subscriptionStateAt(sub, atMs);
    if (!MRR_STATUSES.has(state)) continue;
    const m = subscriptionMrrCached(sub, state, opts);
    if (!m.currency) continue;
    byCurrency[m.currency] = (byCurrency[m.currency] ?? 0) + m.cents;
  }
  return byCurrency;
}

/**
 * Licensed seats (Stripe subscription item `quantity`) at instant `atMs`: the sum of the quantities of
 * licensed, priced items (usage_type licensed, a unit amount; metered ones have no quantity — "quantity
 * … only for licensed prices", Stripe's SubscriptionItems.d.ts) of subscriptions that were active/past_due
 * then. Item history is not synced: each subscription's CURRENT quantities are used for its whole life,
 * so a change shows when subscriptions start or end (an upgrade as a new subscription, a seat-count
 * plan ending), not a quantity edited in place.
 */
export function licensedSeatsAt(h: AccountHistory, atMs: number): number {
  let seats = 0;
  for (const sub of h.subscriptions) {
    if (!MRR_STATUSES.has(subscriptionStateAt(sub, atMs))) continue;
    for (const it of sub.items) {
      if (it.usageType === "metered" || it.unitAmountCents === null || it.unitAmountCents <= 0) continue;
      if (Number.isInteger(it.quantity) && it.quantity > 0) seats += it.quantity;
    }
  }
  return seats;
}

/** Window of the seat-change signal (`extra.seatChange90d`), days. */
export const SEAT_CHANGE_DAYS = 90;

/**
 * `extra.licensedSeats` (seats at `at`) and `extra.seatChange90d` (seats at `at` minus seats
 * {@link SEAT_CHANGE_DAYS} days earlier; null when the account had no licensed seats then: a first
 * purchase is not growth, as for the MRR trend).
 */
function seatSignals(h: AccountHistory, at: number): { licensedSeats: number; seatChange90d: number | null } {
  const now = licensedSeatsAt(h, at);
  const before = licensedSeatsAt(h, at - SEAT_CHANGE_DAYS * DAY_MS);
  return { licensedSeats: now, seatChange90d: before > 0 ? now - before : null };
}

/** Memoised MRR-per-currency by day start, so 365 days × 4 look-backs cost 455 evaluations. */
export type MrrCache = Map<number, Record<string, number>>;

const WINDOW_MS = 30 * DAY_MS;

/**
 * The signals of `h` on the UTC day starting at `dayStartMs`, as known at the end of that day.
 * Billing signals are NULL without a Stripe source, CRM signals NULL without a HubSpot source.
 * Meant for days ≥ {@link firstSignalDayMs} (earlier days get no row; their tenure would be NULL).
 */
export function signalsOnDay(
  h: AccountHistory,
  dayStartMs: number,
  opts: ReconstructOptions = {},
  cache: MrrCache = new Map(),
): SignalSnapshot {
  const at = dayStartMs + DAY_MS; // end of the day, exclusive
  const windowStart = at - WINDOW_MS; // last 30 whole days: D−29 … D
  const mrrOn = (start: number): Record<string, number> => {
    let v = cache.get(start);
    if (!v) {
      v = mrrByCurrencyAt(h, start + DAY_MS, opts);
      cache.set(start, v);
    }
    return v;
  };

  // ── Subscriptions live at the end of the day ──
  const live: { sub: SubscriptionHistory; state: SubscriptionState }[] = [];
  for (const sub of h.subscriptions) {
    const state = subscriptionStateAt(sub, at);
    if (LIVE_STATES.has(state)) live.push({ sub, state });
  }

  // ── Billing (Stripe) ──
  let billing: Pick<
    SignalSnapshot,
    | "mrrCents" | "mrrCurrency" | "mrrChange30dCents" | "mrrChange60dCents" | "mrrChange90dCents" | "autoRenew"
    | "cancellationPending" | "failedPayments30d" | "daysSinceLastPayment" | "pastDueInvoices" | "billingInterval"
    | "commitmentTermMonths" | "collectionMethod" | "paymentMethodType" | "productCount" | "itemCount" | "products"
    | "lifecycleState" | "cancelingMrrShare" | "newCustomer"
  > = {
    mrrCents: null, mrrCurrency: null, mrrChange30dCents: null, mrrChange60dCents: null, mrrChange90dCents: null,
    autoRenew: null, cancellationPending: null, failedPayments30d: null, daysSinceLastPayment: null,
    pastDueInvoices: null, billingInterval: null, commitmentTermMonths: null, collectionMethod: null,
    paymentMethodType: null, productCount: null, itemCount: null, products: null,
    // Without a billing source nothing shows the account ever paid: a prospect (docs/signals.md).
    lifecycleState: "prospect", cancelingMrrShare: null, newCustomer: null,
  };
  let extra: Record<string, unknown> | null = null;
  let subRenewal: number | null = null;

  if (h.hasStripe) {
    const byCurrency = mrrOn(dayStartMs);
    const primary = primaryOf(byCurrency);
    const currency = primary.currency ?? h.fallbackCurrency;
    const mrr = currency ? (byCurrency[currency] ?? 0) : 0;
    const change = (days: number): number => mrr - (currency ? (mrrOn(dayStartMs - days * DAY_MS)[currency] ?? 0) : 0);

    // Dominant subscription: the live one with the most MRR (trialing/unpaid ones count by list price).
    let dominant: SubscriptionHistory | null = null;
    let dominantCents = -1;
    for (const { sub } of live) {
      const cents = derived(sub).grossCents;
      if (cents > dominantCents) {
        dominant = sub;
        dominantCents = cents;
      }
    }
    const domItem = dominant ? dominantItem(dominant) : null;

    const pending = live.map(({ sub }) => cancellationPendingAt(sub, at));
    // Share of the MRR (primary currency) on live paying subscriptions set to cancel.
    let cancelingCents = 0;
    for (let i = 0; i < live.length; i++) {
      const { sub, state } = live[i]!;
      if (!pending[i] || !MRR_STATUSES.has(state)) continue;
      const m = subscriptionMrrCached(sub, state, opts);
      if (m.currency === currency) cancelingCents += m.cents;
    }
    const cancelingShare = mrr > 0 ? Math.round(Math.min(1, cancelingCents / mrr) * 10_000) / 10_000 : null;

    for (const { sub, state } of live) {
      const r = nextRenewalMs(sub, dayStartMs, at, state);
      if (r !== null && (subRenewal === null || r < subRenewal)) subRenewal = r;
    }

    // Past-due invoices: unpaid at the end of D, and either past their due date (send_invoice) or,
    // automatically collected, with a failed payment attempt by then: the first failed charge of the
    // invoice when synced, else one hour after creation (Stripe's first attempt) when its attempt
    // count shows a failure (attempts − 1 for a paid invoice, all attempts for an unpaid one).
    const firstFailure = firstFailureByInvoice(h);
    let pastDue = 0;
    let latestInvoice: InvoiceHistory | null = null;
    for (const inv of h.invoices) {
      if (inv.createdMs >= at || inv.status === "draft" || inv.status === "void") continue;
      if (!latestInvoice || inv.createdMs > latestInvoice.createdMs) latestInvoice = inv;
      if (inv.amountDueCents <= 0 || (inv.paidMs !== null && inv.paidMs < at)) continue;
      let overdue: boolean;
      if (inv.dueMs !== null) {
        overdue = inv.dueMs < dayStartMs;
      } else {
        const failedAttempts = inv.attemptCount - (inv.paidMs !== null ? 1 : 0);
        const since = firstFailure.get(inv.externalId) ?? (failedAttempts > 0 ? inv.createdMs + 3_600_000 : null);
        overdue = since !== null && since < at;
      }
      if (overdue) pastDue++;
    }

    const life = lifecycleAt(h, live, at, mrr, pastDue, opts);

    let latestChargePm: string | null = null;
    for (const c of h.charges) {
      if (c.createdMs >= at) break;
      if (c.paymentMethodType) latestChargePm = c.paymentMethodType;
    }
    const lastPayment = lastBefore(h.paymentMs, at);

    const productKeys = new Set<string>();
    const productNames = new Set<string>();
    let itemCount = 0;
    for (const { sub } of live) {
      for (const item of sub.items) {
        itemCount++;
        const key = item.productId ?? item.productName;
        if (key) productKeys.add(key);
        const name = item.productName ?? item.productId;
        if (name) productNames.add(name);
      }
    }

    billing = {
      mrrCents: mrr,
      mrrCurrency: currency,
      mrrChange30dCents: change(30),
      mrrChange60dCents: change(60),
      mrrChange90dCents: change(90),
      autoRenew: live.length ? pending.some((p) => !p) : null,
      // Any live subscription set to cancel: the account page says "cancellation pending" from the same
      // fact, and how much of the revenue is leaving is cancelingMrrShare (1 = the customer is leaving).
      cancellationPending: live.length ? pending.some((p) => p) : null,
      failedPayments30d:
        h.chargeCoverageStartMs !== null && windowStart < h.chargeCoverageStartMs ? null : countInRange(h.failedChargeMs, windowStart, at),
      daysSinceLastPayment: lastPayment === null ? null : wholeDaysBetween(lastPayment, dayStartMs),
      pastDueInvoices: pastDue,
      billingInterval: domItem?.interval ?? null,
      commitmentTermMonths: domItem ? commitmentMonths(domItem.interval, domItem.intervalCount) : null,
      collectionMethod: dominant?.collectionMethod ?? latestInvoice?.collectionMethod ?? null,
      paymentMethodType: latestChargePm ?? dominant?.defaultPaymentMethodType ?? null,
      productCount: productKeys.size,
      itemCount,
      products: [...productNames].sort(),
      lifecycleState: life.state,
      cancelingMrrShare: cancelingShare,
      newCustomer: life.firstRevenueMs === null ? null : life.firstRevenueMs >= at - NEW_CUSTOMER_DAYS * DAY_MS,
    };
    extra = {
      mrrByCurrency: byCurrency,
      liveSubscriptions: live.length,
      allSubscriptionsCanceling: live.length ? pending.every((p) => p) : null,
      someSubscriptionsCanceling: live.length ? pending.some((p) => p) : null,
      billingPeriodDays: domItem ? billingPeriodDaysOf(domItem.interval, domItem.intervalCount) : null,
      ...seatSignals(h, at),
      churnedAt: life.churnedAtMs === null ? null : new Date(life.churnedAtMs).toISOString(),
      firstRevenueAt: life.firstRevenueMs === null ? null : new Date(life.firstRevenueMs).toISOString(),
    };
  }

  // ── CRM (HubSpot) ──
  let crm: Pick<
    SignalSnapshot,
    | "seats" | "activeContacts" | "openDeals" | "renewalDealStage" | "calls30d" | "meetings30d" | "notes30d"
    | "daysSinceLastEngagement" | "openTickets" | "urgentTickets"
  > = {
    seats: null, activeContacts: null, openDeals: null, renewalDealStage: null, calls30d: null, meetings30d: null,
    notes30d: null, daysSinceLastEngagement: null, openTickets: null, urgentTickets: null,
  };
  let dealRenewal: number | null = null;

  if (h.hasHubspot) {
    let seats = 0;
    let active = 0;
    for (const c of h.contacts) {
      if (c.createdMs !== null && c.createdMs >= at) continue;
      if (c.archivedMs !== null && c.archivedMs < at) continue;
      seats++;
      if (c.lastActivityMs !== null && c.lastActivityMs >= windowStart && c.lastActivityMs < at) active++;
    }
    let openDeals = 0;
    let renewalDeal: DealHistory | null = null;
    for (const d of h.deals) {
      if (d.createdMs !== null && d.createdMs >= at) continue;
      if (d.closedMs !== null && d.closedMs < at) continue;
      openDeals++;
      if (d.renewalStage === null) continue;
      // Nearest open renewal deal: smallest close date on/after D, else the most recently overdue one.
      if (
        !renewalDeal ||
        rankCloseDate(d.closeDateMs, dayStartMs) < rankCloseDate(renewalDeal.closeDateMs, dayStartMs)
      ) {
        renewalDeal = d;
      }
    }
    if (renewalDeal?.closeDateMs != null) dealRenewal = Math.max(dayStartMs, renewalDeal.closeDateMs);
    const lastEngagement = lastBefore(h.engagementMs.any, at);
    let openTickets = 0;
    let urgent = 0;
    for (const t of h.tickets) {
      if (t.openedMs >= at || (t.closedMs !== null && t.closedMs < at)) continue;
      openTickets++;
      if (t.priority === "urgent") urgent++;
    }
    crm = {
      seats,
      activeContacts: active,
      openDeals,
      // The stage history is not synced: the current stage is used once it was set (last update ≤ D,
      // deal still open now); before that the deal is reported in its entry stage "open".
      renewalDealStage: renewalDeal
        ? renewalDeal.closedMs === null && (renewalDeal.updatedMs === null || renewalDeal.updatedMs < at)
          ? renewalDeal.renewalStage
          : "open"
        : null,
      calls30d: countInRange(h.engagementMs.call, windowStart, at),
      meetings30d: countInRange(h.engagementMs.meeting, windowStart, at),
      notes30d: countInRange(h.engagementMs.note, windowStart, at),
      daysSinceLastEngagement: lastEngagement === null ? null : wholeDaysBetween(lastEngagement, dayStartMs),
      openTickets,
      urgentTickets: urgent,
    };
  }

  // ── Account-wide ──
  const renewalAt = subRenewal ?? dealRenewal;
  // Tenure counts from the same start that decides which days have a row at all.
  const tenure = h.startMs !== null && h.startMs < at ? wholeDaysBetween(h.startMs, dayStartMs) : null;

  return {
    day: new Date(dayStartMs),
    ...billing,
    ...crm,
    daysUntilRenewal: renewalAt === null ? null : Math.max(0, Math.floor((renewalAt - dayStartMs) / DAY_MS)),
    tenureDays: tenure,
    freshness: h.freshness,
    extra,
  };
}

/** An account is a "new customer" while its first revenue is less than this many days old. */
export const NEW_CUSTOMER_DAYS = 90;

/** When a subscription started producing revenue (after its trial), or null if it never can (incomplete, still trialing, free). */
function paidFromMs(sub: SubscriptionHistory, opts: ReconstructOptions): number | null {
  if (sub.status === "incomplete" || sub.status === "incomplete_expired") return null;
  if (subscriptionMrrCached(sub, "active", opts).cents <= 0) return null; // a free plan is not revenue
  const from = sub.trialEndMs !== null ? Math.max(sub.startMs, sub.trialEndMs) : sub.status === "trialing" ? null : sub.startMs;
  if (from === null || (sub.endMs !== null && sub.endMs <= from)) return null; // canceled during its trial
  return from;
}

/**
 * The account's lifecycle state at instant `atMs` (end of a day), per docs/signals.md:
 * live paid subscriptions (active/past_due/unpaid with a price) → `past_due` when one of them is
 * past_due/unpaid or an invoice is overdue, else `customer`; else live `paused` ones → `paused`;
 * else live trials → `trialing`; else revenue that ended → `churned` (churnedAt = the latest end of
 * a revenue subscription, as lib/model/churn-dates.ts); else `prospect`.
 * `firstRevenueMs`: when the first revenue subscription left its trial (null: never, by `atMs`).
 * "paused" is Stripe's subscription status `paused` (a trial that ended without a payment method, or the
 * pause endpoint: "doesn't advance to a new billing period or generate invoices until it resumes", per the
 * `status` doc in node_modules/stripe/esm/resources/Subscriptions.d.ts); `pause_collection` leaves the status
 * active and is not synced, so such a subscription reads as a customer.
 */
export function lifecycleAt(
  h: AccountHistory,
  live: readonly { sub: SubscriptionHistory; state: SubscriptionState }[],
  atMs: number,
  mrrCents: number,
  pastDueInvoices: number,
  opts: ReconstructOptions = {},
): { state: LifecycleState; churnedAtMs: number | null; firstRevenueMs: number | null } {
  let firstRevenueMs: number | null = null;
  let lastEndMs: number | null = null;
  for (const sub of h.subscriptions) {
    const from = paidFromMs(sub, opts);
    if (from === null || from >= atMs) continue;
    if (firstRevenueMs === null || from < firstRevenueMs) firstRevenueMs = from;
    if (sub.endMs !== null && sub.endMs < atMs && (lastEndMs === null || sub.endMs > lastEndMs)) lastEndMs = sub.endMs;
  }
  let paying = false;
  let late = pastDueInvoices > 0;
  let paused = false;
  let trialing = false;
  for (const { sub, state } of live) {
    const priced = subscriptionMrrCached(sub, "active", opts).cents > 0;
    if ((state === "active" || state === "past_due" || state === "unpaid") && priced) {
      paying = true;
      if (state !== "active") late = true;
    } else if (state === "paused" && priced) paused = true;
    else if (state === "trialing") trialing = true;
  }
  if (paying && (late || mrrCents > 0)) return { state: late ? "past_due" : "customer", churnedAtMs: null, firstRevenueMs };
  if (paused) return { state: "paused", churnedAtMs: null, firstRevenueMs };
  if (trialing) return { state: "trialing", churnedAtMs: null, firstRevenueMs };
  if (firstRevenueMs !== null) return { state: "churned", churnedAtMs: lastEndMs, firstRevenueMs };
  return { state: "prospect", churnedAtMs: null, firstRevenueMs: null };
}

const firstFailureCache = new WeakMap<AccountHistory, Map<string, number>>();

/** Invoice external id → time of its first failed charge (charges are ascending by time). */
function firstFailureByInvoice(h: AccountHistory): Map<string, number> {
  let m = firstFailureCache.get(h);
  if (!m) {
    m = new Map();
    for (const c of h.charges) {
      if (c.status === "failed" && c.invoiceExternalId && !m.has(c.invoiceExternalId)) m.set(c.invoiceExternalId, c.createdMs);
    }
    firstFailureCache.set(h, m);
  }
  return m;
}

/** Sort key for "nearest" close date: future dates by distance, overdue ones after all future ones, undated last. */
function rankCloseDate(closeMs: number | null, dayStartMs: number): number {
  if (closeMs === null) return Number.MAX_SAFE_INTEGER;
  return closeMs >= dayStartMs ? closeMs - dayStartMs : 1e15 + (dayStartMs - closeMs);
}
