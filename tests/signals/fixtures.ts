/**
 * A small, hand-checkable portfolio for the signal tests, written directly with Prisma.
 *
 * Org "Signals Co" with a HubSpot and a Stripe connection, and:
 * - Acme (HubSpot company + Stripe customer, usd): three subscriptions (a live monthly plan, an
 *   add-on started 2026-10-25 whose cancellation was requested 2026-11-10, a plan canceled
 *   2026-09-15), invoices, charges (one created after the asOf day), contacts, deals,
 *   engagements and tickets.
 * - HubOnly (HubSpot company only, customerSince 2026-06-01): one contact. Rows from 2026-06-01.
 * - StripeOnly (Stripe customer only, eur, no customerSince; the customer was created 2026-10-10):
 *   a trial that converted 2026-11-15 (eur) and a usd plan started 2026-11-01. Rows from 2026-10-10.
 * - Acme's start is its customerSince 2025-01-15: rows for every day of a 365-day backfill.
 * - The Stripe connection stores `chargesLookbackDays: 90` (charge history from 2026-07-03).
 * - Archived (archived account) and an account of another organization: never get rows.
 * The expected values, with the arithmetic, are in the tests.
 */
import type { Db } from "@/lib/db";

export const AS_OF = new Date("2026-11-20T00:00:00Z");
export const d = (iso: string): Date => new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

export type Fixture = { orgId: string; acmeId: string; hubOnlyId: string; stripeOnlyId: string; archivedId: string; otherOrgAccountId: string };

export async function seedFixture(db: Db): Promise<Fixture> {
  const org = await db.organization.create({ data: { name: "Signals Co", slug: `signals-${Math.random().toString(36).slice(2)}` } });
  const other = await db.organization.create({ data: { name: "Other", slug: `other-${Math.random().toString(36).slice(2)}` } });
  const orgId = org.id;
  const hs = await db.connection.create({
    data: {
      organizationId: orgId, provider: "hubspot", externalAccountId: "portal-1", displayName: "HubSpot",
      lastSyncAt: d("2026-11-20T06:00:00Z"), createdAt: d("2026-10-01"),
    },
  });
  const st = await db.connection.create({
    data: {
      organizationId: orgId, provider: "stripe", externalAccountId: "acct_1", displayName: "Stripe", mode: "test",
      // charges are kept for 90 days before the first sync: coverage starts 2026-07-03
      lastSyncAt: d("2026-11-20T07:00:00Z"), createdAt: d("2026-10-01"), settings: { chargesLookbackDays: 90 },
    },
  });

  const acme = await db.account.create({ data: { organizationId: orgId, name: "Acme", domain: "acme.test", customerSince: d("2025-01-15") } });
  const hubOnly = await db.account.create({ data: { organizationId: orgId, name: "HubOnly", customerSince: d("2026-06-01") } });
  const stripeOnly = await db.account.create({ data: { organizationId: orgId, name: "StripeOnly" } });
  const archived = await db.account.create({ data: { organizationId: orgId, name: "Archived", archivedAt: d("2026-01-01") } });
  const otherAcc = await db.account.create({ data: { organizationId: other.id, name: "Elsewhere" } });

  const base = { organizationId: orgId };
  await db.sourceRecord.createMany({
    data: [
      { ...base, connectionId: hs.id, objectType: "company", externalId: "c-acme", accountId: acme.id },
      { ...base, connectionId: st.id, objectType: "customer", externalId: "cus_acme", accountId: acme.id, properties: { currency: "usd" } },
      { ...base, connectionId: hs.id, objectType: "company", externalId: "c-hub", accountId: hubOnly.id },
      { ...base, connectionId: st.id, objectType: "customer", externalId: "cus_so", accountId: stripeOnly.id, properties: { currency: "eur" },
        sourceCreatedAt: d("2026-10-10T15:00:00Z") },
      { ...base, connectionId: hs.id, objectType: "company", externalId: "c-arch", accountId: archived.id },
    ],
  });

  const sub = { ...base, connectionId: st.id, customerExternalId: "cus_acme", accountId: acme.id, collectionMethod: "charge_automatically" };
  const item = (p: { id: string; product: string; amount: number; qty?: number; interval?: string; currency?: string }) => ({
    externalId: p.id, productId: `prod_${p.product}`, productName: p.product, unitAmountCents: p.amount, quantity: p.qty ?? 1,
    interval: p.interval ?? "month", intervalCount: 1, usageType: "licensed", currency: p.currency ?? "usd",
  });
  // S1: $500.00 × 2 seats monthly = 100000 cents, billed on the 15th at 10:00
  await db.subscription.create({
    data: {
      ...sub, externalId: "sub_1", status: "active", currency: "usd", startDate: d("2025-01-15T10:00:00Z"),
      currentPeriodStart: d("2026-11-15T10:00:00Z"), currentPeriodEnd: d("2026-12-15T10:00:00Z"), defaultPaymentMethodType: "card",
      items: { create: [item({ id: "si_1", product: "Platform", amount: 50000, qty: 2 })] },
    },
  });
  // S2: add-on $1,200.00/year = 10000 cents/month from 2026-10-25; cancel at period end requested 2026-11-10 12:00
  await db.subscription.create({
    data: {
      ...sub, externalId: "sub_2", status: "active", currency: "usd", startDate: d("2026-10-25T00:00:00Z"),
      currentPeriodStart: d("2026-10-25T00:00:00Z"), currentPeriodEnd: d("2027-10-25T00:00:00Z"), cancelAtPeriodEnd: true,
      canceledAt: d("2026-11-10T12:00:00Z"), items: { create: [item({ id: "si_2", product: "Analytics", amount: 120000, interval: "year" })] },
    },
  });
  // S3: $200.00/month = 20000 cents from 2025-03-01, canceled immediately 2026-09-15
  await db.subscription.create({
    data: {
      ...sub, externalId: "sub_3", status: "canceled", currency: "usd", startDate: d("2025-03-01"), canceledAt: d("2026-09-15"),
      endedAt: d("2026-09-15"), currentPeriodEnd: d("2026-10-01"), items: { create: [item({ id: "si_3", product: "Reports", amount: 20000 })] },
    },
  });

  const inv = { ...base, connectionId: st.id, customerExternalId: "cus_acme", accountId: acme.id, currency: "usd", amountPaidCents: 0 };
  await db.invoice.createMany({
    data: [
      // paid 2026-10-15 (last payment before the November cycle)
      { ...inv, externalId: "in_0", status: "paid", amountDueCents: 100000, amountPaidCents: 100000, amountRemainingCents: 0, attemptCount: 1,
        sourceCreatedAt: d("2026-10-15T10:00:00Z"), paidAt: d("2026-10-15T10:05:00Z"), collectionMethod: "charge_automatically" },
      // paid 2026-11-15 10:05 (charge c1)
      { ...inv, externalId: "in_1", status: "paid", amountDueCents: 100000, amountPaidCents: 100000, amountRemainingCents: 0, attemptCount: 1,
        sourceCreatedAt: d("2026-11-15T10:00:00Z"), paidAt: d("2026-11-15T10:05:00Z"), collectionMethod: "charge_automatically" },
      // open, automatic, 2 attempts; first failed charge c2 on 2026-11-18 → past due from 2026-11-18
      { ...inv, externalId: "in_2", status: "open", amountDueCents: 5000, amountRemainingCents: 5000, attemptCount: 2,
        sourceCreatedAt: d("2026-11-16T10:00:00Z"), collectionMethod: "charge_automatically" },
      // open, sent invoice due 2026-11-19 → past due from 2026-11-20
      { ...inv, externalId: "in_3", status: "open", amountDueCents: 7000, amountRemainingCents: 7000, sourceCreatedAt: d("2026-10-20"),
        dueDate: d("2026-11-19"), collectionMethod: "send_invoice" },
      // sent invoice due 2026-11-01, paid 2026-11-10 → past due 2026-11-02 … 2026-11-09
      { ...inv, externalId: "in_4", status: "paid", amountDueCents: 3000, amountPaidCents: 3000, amountRemainingCents: 0,
        sourceCreatedAt: d("2026-10-18"), dueDate: d("2026-11-01"), paidAt: d("2026-11-10T09:00:00Z"), collectionMethod: "send_invoice" },
      // void: never counts
      { ...inv, externalId: "in_5", status: "void", amountDueCents: 9000, amountRemainingCents: 9000, sourceCreatedAt: d("2026-10-01"),
        dueDate: d("2026-10-05"), collectionMethod: "send_invoice" },
    ],
  });
  const ch = { ...base, connectionId: st.id, customerExternalId: "cus_acme", accountId: acme.id, currency: "usd" };
  await db.charge.createMany({
    data: [
      { ...ch, externalId: "ch_1", status: "succeeded", amountCents: 100000, paymentMethodType: "card", invoiceExternalId: "in_1", sourceCreatedAt: d("2026-11-15T10:05:00Z") },
      { ...ch, externalId: "ch_2", status: "failed", amountCents: 5000, paymentMethodType: "sepa_debit", invoiceExternalId: "in_2", sourceCreatedAt: d("2026-11-18T09:00:00Z") },
      { ...ch, externalId: "ch_3", status: "failed", amountCents: 5000, paymentMethodType: "card", sourceCreatedAt: d("2026-10-15T08:00:00Z") },
      // after the asOf day: invisible on 2026-11-20
      { ...ch, externalId: "ch_4", status: "failed", amountCents: 5000, paymentMethodType: "us_bank_account", invoiceExternalId: "in_2", sourceCreatedAt: d("2026-11-21T01:00:00Z") },
    ],
  });

  const hsBase = { ...base, connectionId: hs.id, accountId: acme.id };
  await db.contact.createMany({
    data: [
      { ...hsBase, externalId: "k1", sourceCreatedAt: d("2025-02-01"), lastActivityAt: d("2026-11-18T15:00:00Z") },
      { ...hsBase, externalId: "k2", sourceCreatedAt: d("2026-11-19T12:00:00Z") },
      { ...hsBase, externalId: "k3", sourceCreatedAt: d("2025-02-01"), archivedAt: d("2026-11-01T08:00:00Z"), lastActivityAt: d("2026-10-05") },
      { ...base, connectionId: hs.id, accountId: hubOnly.id, externalId: "k4", sourceCreatedAt: d("2026-06-01") },
    ],
  });
  await db.deal.createMany({
    data: [
      { ...hsBase, externalId: "deal_r", pipeline: "renewals", renewalStage: "negotiation", closeDate: d("2026-12-10"),
        sourceCreatedAt: d("2026-10-01"), sourceUpdatedAt: d("2026-11-12T09:00:00Z") },
      { ...hsBase, externalId: "deal_nb", pipeline: "default", isClosed: true, isWon: true, closeDate: d("2026-11-05T16:00:00Z"),
        sourceCreatedAt: d("2026-09-01"), sourceUpdatedAt: d("2026-11-05T16:00:00Z") },
    ],
  });
  await db.engagement.createMany({
    data: [
      { ...hsBase, type: "call", externalId: "e1", occurredAt: d("2026-11-19T10:00:00Z") },
      { ...hsBase, type: "call", externalId: "e2", occurredAt: d("2026-11-10T10:00:00Z") },
      { ...hsBase, type: "call", externalId: "e3", occurredAt: d("2026-10-01T10:00:00Z") },
      { ...hsBase, type: "meeting", externalId: "e4", occurredAt: d("2026-11-21T02:00:00Z") },
      { ...hsBase, type: "note", externalId: "e5", occurredAt: d("2026-10-25T10:00:00Z") },
      { ...hsBase, type: "call", externalId: "e6", occurredAt: d("2025-06-01T10:00:00Z") },
      { ...hsBase, type: "call", externalId: "e7", occurredAt: d("2026-11-15T10:00:00Z"), archivedAt: d("2026-11-16") },
    ],
  });
  await db.ticket.createMany({
    data: [
      { ...hsBase, externalId: "t1", priority: "URGENT", openedAt: d("2026-11-10T09:00:00Z") },
      { ...hsBase, externalId: "t2", priority: "high", isOpen: false, openedAt: d("2026-10-01"), closedAt: d("2026-11-19T12:00:00Z") },
    ],
  });

  // StripeOnly: eur plan €30.00/month trialing until 2026-11-15, and a usd plan $10.00/month from 2026-11-01
  const so = { ...base, connectionId: st.id, customerExternalId: "cus_so", accountId: stripeOnly.id };
  await db.subscription.create({
    data: {
      ...so, externalId: "sub_so_eur", status: "active", currency: "eur", startDate: d("2026-11-01"), trialStart: d("2026-11-01"),
      trialEnd: d("2026-11-15"), currentPeriodEnd: d("2026-12-15"), collectionMethod: "send_invoice",
      items: { create: [item({ id: "si_e", product: "Core EU", amount: 3000, currency: "eur" })] },
    },
  });
  await db.subscription.create({
    data: {
      ...so, externalId: "sub_so_usd", status: "active", currency: "usd", startDate: d("2026-11-01"), currentPeriodEnd: d("2026-12-01"),
      items: { create: [item({ id: "si_u", product: "Core US", amount: 1000 })] },
    },
  });

  return { orgId, acmeId: acme.id, hubOnlyId: hubOnly.id, stripeOnlyId: stripeOnly.id, archivedId: archived.id, otherOrgAccountId: otherAcc.id };
}
