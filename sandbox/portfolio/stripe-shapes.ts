/**
 * Builders for Stripe API objects (version basil+, as in ../shared/specs/stripe-fixtures3.json) used
 * by the RavenStack and synthetic portfolios. Plain objects, no closures, so that hundreds of
 * thousands of them stay cheap. Amounts are integer cents, times epoch SECONDS. Fields not set here
 * are filled with Stripe's null/empty defaults by the Stripe sandbox when it serves the object.
 */
import type {
  StripeAccount,
  StripeCharge,
  StripeCustomer,
  StripeInvoice,
  StripePaymentMethod,
  StripePrice,
  StripeProduct,
  StripeSubscription,
} from "../stripe/portfolio";
import { hashInt, pick } from "./util";

/** The merchant account (`GET /v1/account`). */
export function makeAccount(p: { id: string; name: string; email: string; createdS: number; url: string }): StripeAccount {
  return {
    id: p.id,
    object: "account",
    business_profile: { name: p.name, url: p.url, support_email: p.email, mcc: "5734", product_description: "Team software" },
    business_type: "company",
    capabilities: { card_payments: "active", transfers: "active" },
    charges_enabled: true,
    country: "US",
    created: p.createdS,
    default_currency: "usd",
    details_submitted: true,
    email: p.email,
    metadata: {},
    payouts_enabled: true,
    settings: { dashboard: { display_name: p.name, timezone: "Etc/UTC" } },
    type: "standard",
  };
}

/** A product (`/v1/products`). */
export function makeProduct(p: { id: string; name: string; description: string; createdS: number; defaultPrice: string | null }): StripeProduct {
  return {
    id: p.id,
    object: "product",
    active: true,
    created: p.createdS,
    default_price: p.defaultPrice,
    description: p.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: p.name,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: "service",
    unit_label: "seat",
    updated: p.createdS,
    url: null,
  };
}

/** A licensed per-seat recurring price (`/v1/prices`). `unitAmount` in cents per seat per interval. */
export function makePrice(p: {
  id: string;
  productId: string;
  unitAmount: number;
  interval: "month" | "year";
  createdS: number;
  nickname: string;
  lookupKey: string;
}): StripePrice {
  return {
    id: p.id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: p.createdS,
    currency: "usd",
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookupKey,
    metadata: {},
    nickname: p.nickname,
    product: p.productId,
    recurring: { interval: p.interval, interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" },
    tax_behavior: "exclusive",
    tiers_mode: null,
    transform_quantity: null,
    type: "recurring",
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  };
}

/** A customer (`/v1/customers`). */
export function makeCustomer(p: {
  id: string;
  createdS: number;
  name: string;
  email: string;
  country: string;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
  delinquent: boolean;
  invoicePrefix: string;
  nextInvoiceSequence: number;
}): StripeCustomer {
  return {
    id: p.id,
    object: "customer",
    address: { city: null, country: p.country, line1: null, line2: null, postal_code: null, state: null },
    balance: 0,
    created: p.createdS,
    currency: "usd",
    default_source: null,
    delinquent: p.delinquent,
    description: null,
    discount: null,
    email: p.email,
    invoice_prefix: p.invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: p.defaultPaymentMethod, footer: null, rendering_options: null },
    livemode: false,
    metadata: p.metadata,
    name: p.name,
    next_invoice_sequence: p.nextInvoiceSequence,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export type PaymentMethodKind = "card" | "us_bank_account" | "sepa_debit";

/** Card details derived from a key (brand, last4, expiry); deterministic. */
function cardFor(key: string) {
  const brand = pick(key + ":brand", ["visa", "visa", "visa", "mastercard", "mastercard", "amex"] as const);
  return {
    brand,
    country: "US",
    exp_month: 1 + hashInt(key + ":m", 12),
    exp_year: 2027 + hashInt(key + ":y", 5),
    funding: "credit",
    last4: String(1000 + hashInt(key + ":l4", 9000)),
  };
}

/** A payment method attached to a customer (`/v1/payment_methods`). */
export function makePaymentMethod(p: { id: string; customer: string; createdS: number; kind: PaymentMethodKind; name: string; email: string }): StripePaymentMethod {
  const base = {
    id: p.id,
    object: "payment_method" as const,
    allow_redisplay: "unspecified",
    billing_details: { address: null, email: p.email, name: p.name, phone: null, tax_id: null },
    created: p.createdS,
    customer: p.customer,
    livemode: false,
    metadata: {},
    type: p.kind,
  };
  if (p.kind === "card") {
    const c = cardFor(p.id);
    return { ...base, card: { ...c, display_brand: c.brand, checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" }, networks: { available: [c.brand], preferred: null }, wallet: null } };
  }
  if (p.kind === "sepa_debit") {
    return { ...base, sepa_debit: { bank_code: "37040044", branch_code: null, country: "DE", fingerprint: p.id.slice(-16), last4: String(1000 + hashInt(p.id, 9000)) } };
  }
  return {
    ...base,
    us_bank_account: { account_holder_type: "company", account_type: "checking", bank_name: "STRIPE TEST BANK", fingerprint: p.id.slice(-16), last4: String(1000 + hashInt(p.id, 9000)), routing_number: "110000000" },
  };
}

/** `payment_method_details` of a charge paid with the given method. */
function paymentMethodDetails(pmId: string, kind: PaymentMethodKind) {
  if (kind === "card") {
    const c = cardFor(pmId);
    return { type: "card", card: { ...c, network: c.brand, checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" }, three_d_secure: null, wallet: null } };
  }
  if (kind === "sepa_debit") return { type: "sepa_debit", sepa_debit: { bank_code: "37040044", country: "DE", last4: String(1000 + hashInt(pmId, 9000)) } };
  return { type: "us_bank_account", us_bank_account: { account_holder_type: "company", account_type: "checking", bank_name: "STRIPE TEST BANK", last4: String(1000 + hashInt(pmId, 9000)) } };
}

export type CancellationDetails = {
  comment: string | null;
  feedback: "customer_service" | "low_quality" | "missing_features" | "other" | "switched_service" | "too_complex" | "too_expensive" | "unused" | null;
  reason: "cancellation_requested" | "payment_disputed" | "payment_failed" | null;
};

/** A subscription with one licensed item (basil+: the billing period lives on the item). */
export function makeSubscription(p: {
  id: string;
  itemId: string;
  customer: string;
  createdS: number;
  priceId: string;
  quantity: number;
  status: "trialing" | "active" | "past_due" | "canceled";
  periodStartS: number;
  periodEndS: number;
  billingCycleAnchorS: number;
  cancelAtPeriodEnd: boolean;
  cancelAtS: number | null;
  canceledAtS: number | null;
  endedAtS: number | null;
  cancellationDetails: CancellationDetails;
  trialStartS: number | null;
  trialEndS: number | null;
  collectionMethod: "charge_automatically" | "send_invoice";
  defaultPaymentMethod: string | null;
  latestInvoice: string | null;
  metadata: Record<string, string>;
}): StripeSubscription {
  return {
    id: p.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: p.billingCycleAnchorS,
    billing_cycle_anchor_config: null,
    billing_mode: { type: "classic" },
    billing_thresholds: null,
    cancel_at: p.cancelAtS,
    cancel_at_period_end: p.cancelAtPeriodEnd,
    canceled_at: p.canceledAtS,
    cancellation_details: p.cancellationDetails,
    collection_method: p.collectionMethod,
    created: p.createdS,
    currency: "usd",
    customer: p.customer,
    days_until_due: p.collectionMethod === "send_invoice" ? 30 : null,
    default_payment_method: p.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: p.endedAtS,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: [
        {
          id: p.itemId,
          object: "subscription_item",
          billing_thresholds: null,
          created: p.createdS,
          current_period_end: p.periodEndS,
          current_period_start: p.periodStartS,
          discounts: [],
          metadata: {},
          price: p.priceId,
          quantity: p.quantity,
          subscription: p.id,
          tax_rates: [],
        },
      ],
      has_more: false,
      total_count: 1,
      url: `/v1/subscription_items?subscription=${p.id}`,
    },
    latest_invoice: p.latestInvoice,
    livemode: false,
    metadata: p.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: p.createdS,
    status: p.status,
    test_clock: null,
    transfer_data: null,
    trial_end: p.trialEndS,
    trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    trial_start: p.trialStartS,
  };
}

/** An invoice for one billing period of a one-item subscription. */
export function makeInvoice(p: {
  id: string;
  lineId: string;
  customer: string;
  customerName: string;
  customerEmail: string;
  accountName: string;
  number: string;
  createdS: number;
  subscription: string;
  subscriptionItem: string;
  priceId: string;
  productId: string;
  productName: string;
  unitAmount: number;
  quantity: number;
  interval: "month" | "year";
  periodStartS: number;
  periodEndS: number;
  billingReason: "subscription_create" | "subscription_cycle";
  collectionMethod: "charge_automatically" | "send_invoice";
  status: "open" | "paid";
  attemptCount: number;
  paidAtS: number | null;
  dueDateS: number | null;
  nextPaymentAttemptS: number | null;
}): StripeInvoice {
  const amount = p.unitAmount * p.quantity;
  const paid = p.status === "paid";
  return {
    id: p.id,
    object: "invoice",
    account_country: "US",
    account_name: p.accountName,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    amount_shipping: 0,
    attempt_count: p.attemptCount,
    attempted: p.attemptCount > 0,
    auto_advance: !paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    billing_reason: p.billingReason,
    collection_method: p.collectionMethod,
    created: p.createdS,
    currency: "usd",
    customer: p.customer,
    customer_email: p.customerEmail,
    customer_name: p.customerName,
    description: null,
    discounts: [],
    due_date: p.dueDateS,
    effective_at: p.createdS,
    ending_balance: 0,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    lines: {
      object: "list",
      data: [
        {
          id: p.lineId,
          object: "line_item",
          amount,
          currency: "usd",
          description: `${p.quantity} × ${p.productName} (at $${(p.unitAmount / 100).toFixed(2)} / ${p.interval})`,
          discount_amounts: [],
          discountable: true,
          discounts: [],
          invoice: p.id,
          livemode: false,
          metadata: {},
          parent: {
            type: "subscription_item_details",
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: false,
              proration_details: { credited_items: null },
              subscription: p.subscription,
              subscription_item: p.subscriptionItem,
            },
          },
          period: { end: p.periodEndS, start: p.periodStartS },
          pretax_credit_amounts: [],
          pricing: { type: "price_details", price_details: { price: p.priceId, product: p.productId }, unit_amount_decimal: String(p.unitAmount) },
          quantity: p.quantity,
          subtotal: amount,
          taxes: [],
        },
      ],
      has_more: false,
      total_count: 1,
      url: `/v1/invoices/${p.id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: p.nextPaymentAttemptS,
    number: p.number,
    parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: {}, subscription: p.subscription } },
    period_end: p.periodEndS,
    period_start: p.periodStartS,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: p.status,
    status_transitions: { finalized_at: p.createdS, marked_uncollectible_at: null, paid_at: p.paidAtS, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: p.createdS,
  };
}

export const FAILURES = [
  { code: "card_declined", decline: "generic_decline", message: "Your card was declined." },
  { code: "card_declined", decline: "insufficient_funds", message: "Your card has insufficient funds." },
  { code: "expired_card", decline: "expired_card", message: "Your card has expired." },
] as const;

/** A payment attempt on an invoice. `failure` = index into {@link FAILURES}, or null for success. */
export function makeCharge(p: {
  id: string;
  customer: string;
  createdS: number;
  amount: number;
  paymentMethod: string;
  paymentMethodKind: PaymentMethodKind;
  name: string;
  email: string;
  description: string;
  failure: number | null;
  paymentIntent: string;
  balanceTransaction: string | null;
}): StripeCharge {
  const f = p.failure === null ? null : FAILURES[p.failure];
  const ok = f === null;
  return {
    id: p.id,
    object: "charge",
    amount: p.amount,
    amount_captured: ok ? p.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: p.balanceTransaction,
    billing_details: { address: null, email: p.email, name: p.name, phone: null, tax_id: null },
    calculated_statement_descriptor: "RAVENSTACK",
    captured: ok,
    created: p.createdS,
    currency: "usd",
    customer: p.customer,
    description: p.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: f ? f.code : null,
    failure_message: f ? f.message : null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: ok
      ? { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" }
      : { advice_code: "try_again_later", network_advice_code: null, network_decline_code: null, network_status: "declined_by_network", reason: f!.decline, risk_level: "normal", seller_message: "The bank did not return any further details with this decline.", type: "issuer_declined" },
    paid: ok,
    payment_intent: p.paymentIntent,
    payment_method: p.paymentMethod,
    payment_method_details: paymentMethodDetails(p.paymentMethod, p.paymentMethodKind),
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, total_count: 0, url: `/v1/charges/${p.id}/refunds` },
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: ok ? "succeeded" : "failed",
    transfer_data: null,
    transfer_group: null,
  };
}
