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
