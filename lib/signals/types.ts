/**
 * Where an account stands with the business on a day (see docs/signals.md, "Lifecycle states"):
 * - `prospect`: never had a live paid subscription (no billing, or only incomplete ones);
 * - `trialing`: only trialing subscriptions live (no paid revenue yet);
 * - `customer`: live paid revenue (MRR > 0);
 * - `past_due`: live paid subscription(s) whose latest invoice is unpaid / past due (still a paying
 *   customer for risk purposes);
 * - `paused`: all live revenue paused (Stripe `pause_collection` / status `paused`);
 * - `churned`: had revenue, all of it ended (Account.churnedAt = the latest end).
 * Only `customer` and `past_due` are "paying" (see {@link PAYING_LIFECYCLE_STATES}): they get risk levels.
 */
export type LifecycleState = "prospect" | "trialing" | "customer" | "past_due" | "paused" | "churned";

/** Every lifecycle state, in display order. */
export const LIFECYCLE_STATES = ["customer", "past_due", "trialing", "paused", "prospect", "churned"] as const satisfies readonly LifecycleState[];

/** A stored text as a LifecycleState (anything else → false; unknown values are never trusted). */
export function isLifecycleState(v: unknown): v is LifecycleState {
  return typeof v === "string" && (LIFECYCLE_STATES as readonly string[]).includes(v);
}

/** States whose accounts are paying customers: the only ones with a risk level (risk lists, movers, MRR at risk, write-back). */
export const PAYING_LIFECYCLE_STATES: readonly LifecycleState[] = ["customer", "past_due"];

/**
 * Is the account a paying customer (the only accounts with a risk level: risk lists, movers, MRR at risk,
 * alerts, HubSpot write-back)? Lifecycle customer/past_due and MRR > 0 (minor units). An account whose
 * lifecycle was never computed (signals from before lifecycle states existed) counts by its MRR alone.
 */
export function isPayingAccount(a: { lifecycleState: string | null; mrrCents: number | null }): boolean {
  return (a.mrrCents ?? 0) > 0 && (a.lifecycleState === null || (PAYING_LIFECYCLE_STATES as readonly string[]).includes(a.lifecycleState));
}

/**
 * The daily per-account measurements (one AccountSignalDaily row) as the scoring engine and the
 * churn model read them. Produced by lib/signals (from synced HubSpot/Stripe records), consumed by
 * lib/scoring and lib/model. `null` always means "no data", never zero.
 *
 * Units: *Cents = integer minor units of `mrrCurrency`; days = whole UTC days; counts are integers.
 */
export type SignalSnapshot = {
  /** Midnight UTC of the day described. */
  day: Date;
  mrrCents: number | null;
  mrrCurrency: string | null;
  /** MRR now minus MRR 30/60/90 days earlier (cents; negative = contraction). */
  mrrChange30dCents: number | null;
  mrrChange60dCents: number | null;
  mrrChange90dCents: number | null;
  /** Contacts (stakeholders) linked to the account. */
  seats: number | null;
  /** Contacts with activity in the last 30 days. */
  activeContacts: number | null;
  openDeals: number | null;
  renewalDealStage: string | null;
  daysUntilRenewal: number | null;
  autoRenew: boolean | null;
  cancellationPending: boolean | null;
  failedPayments30d: number | null;
  daysSinceLastPayment: number | null;
  pastDueInvoices: number | null;
  calls30d: number | null;
  meetings30d: number | null;
  notes30d: number | null;
  daysSinceLastEngagement: number | null;
  openTickets: number | null;
  urgentTickets: number | null;
  tenureDays: number | null;
  billingInterval: string | null;
  commitmentTermMonths: number | null;
  collectionMethod: string | null;
  paymentMethodType: string | null;
  productCount: number | null;
  itemCount: number | null;
  products: string[] | null;
  /**
   * Lifecycle state at the end of the day (see {@link LifecycleState}); null when unknown (no billing
   * source and nothing else says whether the account pays).
   */
  lifecycleState: LifecycleState | null;
  /**
   * Share (0..1) of the account's MRR (primary currency) on live subscriptions set to cancel (cancel at
   * period end or a cancel_at) as known by the end of the day; null when the account has no MRR.
   */
  cancelingMrrShare: number | null;
  /**
   * First revenue (first day with MRR > 0) within the last 90 days. A new customer's MRR change from 0
   * is not growth: the MRR-change signals still report it honestly, scoring treats it as this state.
   * Null without a billing source or when the account never had revenue.
   */
  newCustomer: boolean | null;
  /** When each source was last synced when this row was computed (ISO strings). */
  freshness: { hubspot?: string | null; stripe?: string | null } | null;
  /** Signals added later without a migration. */
  extra: Record<string, unknown> | null;
};

/** Signal keys in a stable order (for feature vectors and CSV). */
export const SIGNAL_KEYS = [
  "mrrCents", "mrrChange30dCents", "mrrChange60dCents", "mrrChange90dCents", "seats", "activeContacts",
  "openDeals", "daysUntilRenewal", "autoRenew", "cancellationPending", "failedPayments30d", "daysSinceLastPayment",
  "pastDueInvoices", "calls30d", "meetings30d", "notes30d", "daysSinceLastEngagement", "openTickets",
  "urgentTickets", "tenureDays", "commitmentTermMonths", "productCount", "itemCount",
] as const satisfies readonly (keyof SignalSnapshot)[];

/** One AccountSignalDaily row to be written: the snapshot plus its keys. */
export type SignalRow = SignalSnapshot & { organizationId: string; accountId: string };
