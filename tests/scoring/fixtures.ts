/** Test helpers: SignalSnapshot builders (not a test file). */
import type { SignalSnapshot } from "@/lib/signals/types";

/** A snapshot with every signal missing (null) on `day`. */
export function emptySignals(day = new Date("2026-11-20T00:00:00Z")): SignalSnapshot {
  return {
    day, mrrCents: null, mrrCurrency: null, mrrChange30dCents: null, mrrChange60dCents: null, mrrChange90dCents: null,
    seats: null, activeContacts: null, openDeals: null, renewalDealStage: null, daysUntilRenewal: null, autoRenew: null,
    cancellationPending: null, failedPayments30d: null, daysSinceLastPayment: null, pastDueInvoices: null, calls30d: null,
    meetings30d: null, notes30d: null, daysSinceLastEngagement: null, openTickets: null, urgentTickets: null,
    tenureDays: null, billingInterval: null, commitmentTermMonths: null, collectionMethod: null, paymentMethodType: null,
    productCount: null, itemCount: null, products: null, lifecycleState: null, cancelingMrrShare: null, newCustomer: null,
    freshness: null, extra: null,
  };
}

/** Builder: empty snapshot overridden by `over`. */
export function signals(over: Partial<SignalSnapshot> = {}): SignalSnapshot {
  return { ...emptySignals(), ...over };
}

/**
 * A fully populated snapshot whose factor values are hand-computed (default config → 85.7):
 * paymentRecency 100 (10 d, monthly), failedPayments 100, mrrTrend 75 (flat), renewalRisk 55
 * (60 d, auto-renew off), engagement 88 (1 meeting, 1 call, 1 note; last 7 d ago), stakeholderCoverage 90
 * (5 seats, 2 active), supportLoad 100, tenure 80 (365 d).
 */
export function goodSignals(over: Partial<SignalSnapshot> = {}): SignalSnapshot {
  return signals({
    mrrCents: 100_000, mrrCurrency: "usd", mrrChange30dCents: 0, mrrChange60dCents: 0, mrrChange90dCents: 0, // $1,000.00 flat
    seats: 5, activeContacts: 2, openDeals: 1, daysUntilRenewal: 60, autoRenew: false, cancellationPending: false,
    failedPayments30d: 0, daysSinceLastPayment: 10, pastDueInvoices: 0, calls30d: 1, meetings30d: 1, notes30d: 1,
    daysSinceLastEngagement: 7, openTickets: 0, urgentTickets: 0, tenureDays: 365, billingInterval: "month",
    commitmentTermMonths: 1, collectionMethod: "charge_automatically", paymentMethodType: "card", productCount: 1, itemCount: 1,
    lifecycleState: "customer", newCustomer: false,
    ...over,
  });
}
