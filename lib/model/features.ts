/**
 * Churn-model features from ONE day's SignalSnapshot (nothing from later days).
 *
 * `extractFeatures(s)` returns raw values in FEATURE_NAMES order; `null` = missing. The model
 * (lib/model/logistic.ts via train.ts) imputes a missing value with the training mean of that
 * feature and also sees a 0/1 missing-indicator feature (`<name>_missing`) for the groups in
 * MISSING_INDICATORS, so "no Stripe data" is itself a signal.
 *
 * Leakage: a feature must be knowable on the snapshot day without knowing the outcome. Names that
 * encode the outcome (subscription status canceled, days since cancel, ended-at, MRR after the end,
 * the label itself…) are on LEAKAGE_DENY_LIST; `assertNoLeakage` is called by training and by a test,
 * so adding such a feature fails loudly. Rows of accounts that had already churned on the snapshot
 * day are excluded by build-training-set.ts (their MRR of 0 would encode the outcome).
 */
import type { SignalSnapshot } from "@/lib/signals/types";
import { cancelingShare, mrrChangeRatio, paymentMethodCategory } from "@/lib/scoring/factors";

/**
 * Learned, per-model encodings of categorical signals, fitted on the FIT slice only (never on the
 * calibration or test days): `plans` = smoothed churn rate per product over the horizon.
 * Stored in ModelParameters.encoding; a snapshot whose products are unknown to the table gets null
 * (imputed). Without an encoding (older callers) the feature is null.
 */
export type FeatureEncoding = { plans: Record<string, number>; baseRate: number };

type Extractor = (s: SignalSnapshot, enc: FeatureEncoding | null) => number | null;

/** Bank-debit payment method types (Stripe `payment_method.type`). */
const BANK_DEBIT = new Set(["us_bank_account", "sepa_debit", "bacs_debit", "au_becs_debit", "acss_debit", "nz_bank_account", "ach_debit", "ach_credit_transfer"]);
const pm = (s: SignalSnapshot) => paymentMethodCategory(s);

/** Horizon (days) of the "whole account ends within" feature: the model's default horizon. */
export const SCHEDULED_END_FEATURE_DAYS = 90;

/** All live MRR set to cancel and the last end within `days`: the account will churn unless it reverses or buys again. */
export function scheduledFullCancellation(s: SignalSnapshot, days: number): boolean {
  return (cancelingShare(s) ?? 0) >= 0.995 && s.daysUntilRenewal !== null && s.daysUntilRenewal <= days;
}

/** Mean smoothed churn rate of the snapshot's products in the encoding table (null when none is known). */
function planRate(s: SignalSnapshot, enc: FeatureEncoding | null): number | null {
  if (!enc) return null;
  const known = (s.products ?? []).filter((p) => p in enc.plans);
  if (known.length === 0) return null;
  return known.reduce((a, p) => a + enc.plans[p], 0) / known.length;
}

const num = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);
const bool = (v: boolean | null) => (v === null ? null : v ? 1 : 0);
const clip = (v: number | null, lo: number, hi: number) => (v === null ? null : Math.min(hi, Math.max(lo, v)));
const log1p = (v: number | null) => (v === null ? null : Math.log1p(Math.max(0, v)));
const ratio = (s: SignalSnapshot, c: number | null) => (s.mrrCents === null ? null : clip(mrrChangeRatio(s.mrrCents, c), -1, 2));

/** Base features (raw, before imputation/standardisation). Units in comments. */
const BASE: [string, Extractor][] = [
  ["mrrLog", (s) => log1p(s.mrrCents === null ? null : s.mrrCents / 100)], // log(1 + MRR in major units)
  ["mrrChange30dRatio", (s) => ratio(s, s.mrrChange30dCents)], // fraction, clipped −1..2
  ["mrrChange60dRatio", (s) => ratio(s, s.mrrChange60dCents)],
  ["mrrChange90dRatio", (s) => ratio(s, s.mrrChange90dCents)],
  ["seats", (s) => clip(num(s.seats), 0, 200)],
  ["activeContacts", (s) => clip(num(s.activeContacts), 0, 200)],
  ["activeContactRatio", (s) => (s.seats && s.activeContacts !== null ? Math.min(1, s.activeContacts / s.seats) : null)],
  ["openDeals", (s) => clip(num(s.openDeals), 0, 50)],
  ["daysUntilRenewal", (s) => clip(num(s.daysUntilRenewal), -30, 730)], // days
  ["autoRenew", (s) => bool(s.autoRenew)],
  ["cancellationPending", (s) => bool(s.cancellationPending)], // announced, not yet ended: known on the day
  ["failedPayments30d", (s) => clip(num(s.failedPayments30d), 0, 20)],
  ["daysSinceLastPayment", (s) => clip(num(s.daysSinceLastPayment), 0, 400)], // days
  ["pastDueInvoices", (s) => clip(num(s.pastDueInvoices), 0, 20)],
  ["calls30d", (s) => clip(num(s.calls30d), 0, 100)],
  ["meetings30d", (s) => clip(num(s.meetings30d), 0, 100)],
  ["notes30d", (s) => clip(num(s.notes30d), 0, 100)],
  ["daysSinceLastEngagement", (s) => clip(num(s.daysSinceLastEngagement), 0, 400)], // days
  ["openTickets", (s) => clip(num(s.openTickets), 0, 100)],
  ["urgentTickets", (s) => clip(num(s.urgentTickets), 0, 50)],
  ["tenureLog", (s) => log1p(num(s.tenureDays))], // log(1 + days)
  ["commitmentTermMonths", (s) => clip(num(s.commitmentTermMonths), 0, 60)],
  ["productCount", (s) => clip(num(s.productCount), 0, 50)],
  ["itemCount", (s) => clip(num(s.itemCount), 0, 100)],
  ["billingAnnual", (s) => (s.billingInterval === null ? null : s.billingInterval === "year" ? 1 : 0)],
  ["collectionSendInvoice", (s) => (s.collectionMethod === null ? null : s.collectionMethod === "send_invoice" ? 1 : 0)],
  // Issue 13: the share of MRR set to cancel (0..1), whole account ending within 90 days, new customer.
  ["cancelingMrrShare", (s) => cancelingShare(s)],
  ["scheduledFullCancelWithin90d", (s) => (cancelingShare(s) === null ? null : scheduledFullCancellation(s, SCHEDULED_END_FEATURE_DAYS) ? 1 : 0)],
  ["newCustomer", (s) => bool(s.newCustomer)],
  // Plan identity: the churn rate of the account's products on the fit days (target encoding, fit slice only).
  ["planRisk", (s, enc) => planRate(s, enc)],
  // Payment method type (one-hot; null when unknown).
  ["paymentCard", (s) => (pm(s) === null ? null : pm(s) === "card" ? 1 : 0)],
  ["paymentBankDebit", (s) => (pm(s) === null ? null : BANK_DEBIT.has(pm(s)!) ? 1 : 0)],
  ["paymentInvoice", (s) => (pm(s) === null ? null : pm(s) === "invoice" ? 1 : 0)],
  // Seats (Stripe licensed quantity, extra.licensedSeats / extra.seatChange90d, facts of the day): account
  // size and the seat change over 90 days as a fraction of the seats then (clipped −1..2; null without a baseline).
  ["licensedSeatsLog", (s) => log1p(seatNum(s.extra?.licensedSeats))],
  ["seatChange90dRatio", (s) => seatChangeRatio(s)],
];

/** A number from `extra` (null when absent or not finite). */
function seatNum(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Seat change over 90 days ÷ seats 90 days ago (null without seats then). */
function seatChangeRatio(s: SignalSnapshot): number | null {
  const now = seatNum(s.extra?.licensedSeats), change = seatNum(s.extra?.seatChange90d);
  if (now === null || change === null || now - change <= 0) return null;
  return clip(change / (now - change), -1, 2);
}

/** Features whose missingness gets its own 0/1 indicator feature (one per source group). */
export const MISSING_INDICATORS: [string, string][] = [
  ["mrrLog_missing", "mrrLog"],
  ["daysSinceLastPayment_missing", "daysSinceLastPayment"],
  ["daysUntilRenewal_missing", "daysUntilRenewal"],
  ["daysSinceLastEngagement_missing", "daysSinceLastEngagement"],
  ["seats_missing", "seats"],
  ["openTickets_missing", "openTickets"],
  ["tenureLog_missing", "tenureLog"],
  ["planRisk_missing", "planRisk"],
  ["seatChange90dRatio_missing", "seatChange90dRatio"],
];

/** Feature names in vector order: base features then missing indicators. */
export const FEATURE_NAMES: string[] = [...BASE.map(([n]) => n), ...MISSING_INDICATORS.map(([n]) => n)];

/**
 * Names (or patterns) that encode the outcome and must never be features. Case-insensitive.
 * `cancellationPending` is allowed: it is announced before the revenue ends and known on the day.
 */
export const LEAKAGE_DENY_LIST: RegExp[] = [
  /(^|_)status$/i, // subscription status (canceled/ended) at the snapshot
  /subscriptionStatus/i,
  /canceled|cancelled|cancelDate|cancelAt\b/i, // cancellation happened (not merely pending)
  /daysSinceCancel/i,
  /ended|endedAt|endDate/i,
  /churn/i, // churned, churnDate, churnedWithinHorizon
  /label|outcome|target/i,
  /mrrAfter|mrrIsZero|zeroMrr|mrrZero/i,
  /future|next\d+d/i, // anything computed from days after the snapshot
];

/** A feature that encodes the outcome was offered to the model. */
export class LeakageError extends Error {
  readonly code = "feature_leakage";
  constructor(readonly features: string[]) {
    super(`leaking feature(s) refused: ${features.join(", ")}`);
    this.name = "LeakageError";
  }
}

/**
 * @throws LeakageError naming every feature that matches LEAKAGE_DENY_LIST.
 */
export function assertNoLeakage(featureNames: readonly string[]): void {
  const bad = featureNames.filter((n) => LEAKAGE_DENY_LIST.some((re) => re.test(n)));
  if (bad.length) throw new LeakageError(bad);
}

const baseIndex = new Map(BASE.map(([n], i) => [n, i]));

/**
 * Raw feature vector of one snapshot (FEATURE_NAMES order; base features may be null = missing).
 * `encoding`: the model's learned categorical encodings (null → those features are missing).
 */
export function extractFeatures(s: SignalSnapshot, encoding: FeatureEncoding | null = null): (number | null)[] {
  const base = BASE.map(([, f]) => f(s, encoding));
  const ind = MISSING_INDICATORS.map(([, src]) => (base[baseIndex.get(src)!] === null ? 1 : 0));
  return [...base, ...ind];
}
