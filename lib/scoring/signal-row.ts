/**
 * AccountSignalDaily row ⇄ SignalSnapshot, and UTC day arithmetic used by the scoring jobs.
 */
import type { AccountSignalDaily } from "@/lib/generated/sqlite/client";
import { isLifecycleState, type SignalSnapshot } from "@/lib/signals/types";

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day containing `d`. */
export function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** `d` plus `days` whole days (negative = earlier). */
export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

const strArray = (v: unknown): string[] | null => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : null);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The signal columns of an AccountSignalDaily row as a SignalSnapshot (JSON columns checked loosely). */
export function rowToSnapshot(r: Omit<AccountSignalDaily, "id" | "organizationId" | "accountId" | "isBackfill" | "computedAt">): SignalSnapshot {
  const fresh = obj(r.freshness);
  return {
    day: r.day,
    mrrCents: r.mrrCents,
    mrrCurrency: r.mrrCurrency,
    mrrChange30dCents: r.mrrChange30dCents,
    mrrChange60dCents: r.mrrChange60dCents,
    mrrChange90dCents: r.mrrChange90dCents,
    seats: r.seats,
    activeContacts: r.activeContacts,
    openDeals: r.openDeals,
    renewalDealStage: r.renewalDealStage,
    daysUntilRenewal: r.daysUntilRenewal,
    autoRenew: r.autoRenew,
    cancellationPending: r.cancellationPending,
    failedPayments30d: r.failedPayments30d,
    daysSinceLastPayment: r.daysSinceLastPayment,
    pastDueInvoices: r.pastDueInvoices,
    calls30d: r.calls30d,
    meetings30d: r.meetings30d,
    notes30d: r.notes30d,
    daysSinceLastEngagement: r.daysSinceLastEngagement,
    openTickets: r.openTickets,
    urgentTickets: r.urgentTickets,
    tenureDays: r.tenureDays,
    billingInterval: r.billingInterval,
    commitmentTermMonths: r.commitmentTermMonths,
    collectionMethod: r.collectionMethod,
    paymentMethodType: r.paymentMethodType,
    productCount: r.productCount,
    itemCount: r.itemCount,
    products: strArray(r.products),
    lifecycleState: isLifecycleState(r.lifecycleState) ? r.lifecycleState : null,
    cancelingMrrShare: r.cancelingMrrShare,
    newCustomer: r.newCustomer,
    freshness: fresh
      ? { hubspot: typeof fresh.hubspot === "string" ? fresh.hubspot : null, stripe: typeof fresh.stripe === "string" ? fresh.stripe : null }
      : null,
    extra: obj(r.extra),
  };
}

/** JSON-safe copy of a snapshot for ChurnScoreDaily.inputs (day as ISO string). */
export function snapshotToJson(s: SignalSnapshot): Record<string, unknown> {
  return { ...s, day: s.day.toISOString() };
}
