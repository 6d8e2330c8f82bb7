/**
 * Loads, for a batch of accounts, every record the signal reconstruction needs, with a fixed number
 * of queries per batch (never one per account): accounts, source records, subscriptions (+items),
 * invoices, charges, contacts, deals, engagements (+ the last one before the window), tickets.
 * Records are read only within the day range being computed (plus the 30/90-day look-backs).
 */
import { z } from "zod";
import { parseDiscounts } from "@/lib/billing/mrr";
import type { Db } from "@/lib/db";
import { dateProp, propertiesOf } from "@/lib/accounts/source-record";
import { accountStartMs, type AccountHistory, type ChargeHistory, type SubscriptionHistory } from "./account-history";
import { DAY_MS } from "./utc-day";

type Provider = "hubspot" | "stripe";

/** Per-organization facts shared by all batches of one run. */
export type OrgContext = {
  organizationId: string;
  /** Connection id → provider, last sync, first-sync charge coverage start (Stripe, epoch ms). */
  connections: Map<string, { provider: Provider; lastSyncAt: Date | null; chargeCoverageStartMs: number | null }>;
};

/**
 * Days of charges the Stripe connector lists on a full sync when the connection does not set
 * `settings.chargesLookbackDays`: 395 = the 365-day backfill + the 30-day failed-payment window, so
 * every backfilled day has its payment signals (issue 5/6 decision; lib/connectors/stripe/connection.ts
 * must use the same default).
 */
export const DEFAULT_CHARGE_HISTORY_DAYS = 395;

/** The part of Connection.settings the charge coverage reads (the Stripe connector's own setting). */
const chargeSettingsSchema = z.object({ chargesLookbackDays: z.number().int().positive().max(3650).optional() }).loose();

/**
 * Load the organization's connections (a few rows) and, per Stripe connection, the start of the
 * charge history it holds (epoch ms):
 *
 *   min(first full sync − N days, the connection's earliest stored charge)
 *
 * - first full sync: the start of the connection's earliest full "charges" SyncRun (the time the
 *   connector computed its `created[gte]` window), else the connection's creation time;
 * - N: `chargeHistoryDays` when the caller passes it, else the connection's stored
 *   `settings.chargesLookbackDays` (what the connector used), else {@link DEFAULT_CHARGE_HISTORY_DAYS}.
 * Later full syncs list the same trailing window and incremental syncs add new charges, so history is
 * contiguous from that start. (If N was raised after the first sync, coverage is overstated until a
 * full sync with the new N ran: the SyncRun does not record the N it used.)
 */
export async function loadOrgContext(db: Db, organizationId: string, chargeHistoryDays?: number): Promise<OrgContext> {
  const [conns, earliest, firstSyncs] = await Promise.all([
    db.connection.findMany({
      where: { organizationId },
      select: { id: true, provider: true, lastSyncAt: true, createdAt: true, settings: true },
    }),
    db.charge.groupBy({
      by: ["connectionId"],
      where: { organizationId },
      _min: { sourceCreatedAt: true },
    }),
    db.syncRun.groupBy({
      by: ["connectionId"],
      where: { organizationId, objectType: "charges", mode: "full" },
      _min: { startedAt: true },
    }),
  ]);
  const earliestBy = new Map(earliest.map((e) => [e.connectionId, e._min.sourceCreatedAt?.getTime() ?? null]));
  const firstSyncBy = new Map(firstSyncs.map((e) => [e.connectionId, e._min.startedAt?.getTime() ?? null]));
  const connections: OrgContext["connections"] = new Map();
  for (const c of conns) {
    let coverage: number | null = null;
    if (c.provider === "stripe") {
      const stored = chargeSettingsSchema.safeParse(c.settings ?? {});
      const days = chargeHistoryDays ?? (stored.success ? stored.data.chargesLookbackDays : undefined) ?? DEFAULT_CHARGE_HISTORY_DAYS;
      coverage = (firstSyncBy.get(c.id) ?? c.createdAt.getTime()) - days * DAY_MS;
      const e = earliestBy.get(c.id);
      if (e != null && e < coverage) coverage = e;
    }
    connections.set(c.id, { provider: c.provider, lastSyncAt: c.lastSyncAt, chargeCoverageStartMs: coverage });
  }
  return { organizationId, connections };
}

const customerPropsSchema = z.object({ currency: z.string().min(3) }).loose();

const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);

/** AccountStartInputs (account-history.ts) being collected. */
type MutableStartInputs = {
  customerSinceMs: number | null;
  subscriptions: { status: string; startDateMs: number | null; createdMs: number | null }[];
  sourceCreatedMs: (number | null)[];
};

/**
 * Load the histories of `accountIds` (≤ a few thousand) for days `firstDayMs` … `lastDayMs` (midnight UTC).
 * @returns one AccountHistory per existing account id, in the order of `accountIds`.
 */
export async function loadAccountHistories(
  db: Db,
  ctx: OrgContext,
  accountIds: readonly string[],
  range: { firstDayMs: number; lastDayMs: number },
): Promise<AccountHistory[]> {
  if (accountIds.length === 0) return [];
  const ids = [...accountIds];
  const organizationId = ctx.organizationId;
  const end = new Date(range.lastDayMs + DAY_MS);
  const windowStart = new Date(range.firstDayMs - 30 * DAY_MS);
  const first = new Date(range.firstDayMs);
  const inBatch = { organizationId, accountId: { in: ids } };

  const [accounts, sources, subs, invoices, charges, contacts, deals, engagements, earlierEngagements, tickets] = await Promise.all([
    db.account.findMany({ where: { organizationId, id: { in: ids } }, select: { id: true, customerSince: true } }),
    db.sourceRecord.findMany({ where: inBatch, select: { accountId: true, connectionId: true, objectType: true, properties: true, sourceCreatedAt: true } }),
    db.subscription.findMany({
      where: inBatch,
      select: {
        accountId: true, connectionId: true, status: true, currency: true, cancelAtPeriodEnd: true, cancelAt: true,
        canceledAt: true, endedAt: true, startDate: true, trialStart: true, trialEnd: true, currentPeriodEnd: true,
        collectionMethod: true, defaultPaymentMethodType: true, discounts: true, sourceCreatedAt: true,
        sourceVersionAt: true, updatedAt: true,
        items: {
          select: {
            productId: true, productName: true, unitAmountCents: true, currency: true, quantity: true, interval: true,
            intervalCount: true, usageType: true, currentPeriodEnd: true,
          },
        },
      },
    }),
    db.invoice.findMany({
      where: { ...inBatch, sourceCreatedAt: { lt: end } },
      select: {
        accountId: true, connectionId: true, externalId: true, status: true, sourceCreatedAt: true, paidAt: true, dueDate: true,
        amountDueCents: true, amountPaidCents: true, attemptCount: true, collectionMethod: true,
      },
    }),
    // All charges (Stripe keeps ~90 days): a later failed charge dates an invoice's first failed
    // attempt, which the attempt count alone cannot; days only ever see charges created by then.
    db.charge.findMany({
      where: inBatch,
      select: { accountId: true, connectionId: true, status: true, sourceCreatedAt: true, paymentMethodType: true, invoiceExternalId: true },
      orderBy: [{ sourceCreatedAt: "asc" }, { externalId: "asc" }],
    }),
    db.contact.findMany({
      where: { ...inBatch, OR: [{ archivedAt: null }, { archivedAt: { gte: first } }] },
      select: { accountId: true, connectionId: true, sourceCreatedAt: true, archivedAt: true, lastActivityAt: true },
    }),
    db.deal.findMany({
      where: { ...inBatch, archivedAt: null },
      select: {
        accountId: true, connectionId: true, sourceCreatedAt: true, sourceUpdatedAt: true, updatedAt: true, isClosed: true,
        closeDate: true, renewalStage: true,
      },
    }),
    db.engagement.findMany({
      where: { ...inBatch, archivedAt: null, occurredAt: { gte: windowStart, lt: end } },
      select: { accountId: true, connectionId: true, type: true, occurredAt: true },
    }),
    db.engagement.groupBy({
      by: ["accountId"],
      where: { ...inBatch, archivedAt: null, occurredAt: { lt: windowStart }, NOT: { type: "task" } },
      _max: { occurredAt: true },
    }),
    db.ticket.findMany({
      where: { ...inBatch, archivedAt: null, openedAt: { lt: end }, OR: [{ closedAt: null }, { closedAt: { gte: first } }] },
      select: {
        accountId: true, connectionId: true, openedAt: true, closedAt: true, isOpen: true, sourceUpdatedAt: true, updatedAt: true,
        priority: true,
      },
    }),
  ]);

  const histories = new Map<string, AccountHistory>();
  const conns = new Map<string, { hubspot: Set<string>; stripe: Set<string> }>();
  const customerCurrency = new Map<string, string>();
  const starts = new Map<string, MutableStartInputs>();
  for (const a of accounts) {
    starts.set(a.id, { customerSinceMs: ms(a.customerSince), subscriptions: [], sourceCreatedMs: [] });
    histories.set(a.id, {
      accountId: a.id, hasStripe: false, hasHubspot: false, startMs: null, fallbackCurrency: null,
      chargeCoverageStartMs: null, freshness: null, subscriptions: [], invoices: [], charges: [], failedChargeMs: [],
      paymentMs: [], contacts: [], deals: [], engagementMs: { call: [], meeting: [], note: [], any: [] }, tickets: [],
    });
    conns.set(a.id, { hubspot: new Set(), stripe: new Set() });
  }
  /** Record that `accountId` has data from `connectionId` (provider from the connection, else the table's). */
  const seen = (accountId: string | null, connectionId: string, tableProvider: Provider | null): AccountHistory | undefined => {
    if (!accountId) return undefined;
    const h = histories.get(accountId);
    if (!h) return undefined;
    const provider = ctx.connections.get(connectionId)?.provider ?? tableProvider;
    if (provider) conns.get(accountId)![provider].add(connectionId);
    return h;
  };

  for (const s of sources) {
    const h = seen(s.accountId, s.connectionId, s.objectType === "customer" ? "stripe" : s.objectType === "company" ? "hubspot" : null);
    if (!h) continue;
    // Created at the vendor: the column, else Stripe `created` (epoch s) / HubSpot `createdate` in the properties.
    const props = propertiesOf(s);
    const vendorCreated = s.objectType === "customer" ? dateProp(props, "created", "s") : s.objectType === "company" ? dateProp(props, "createdate") : null;
    starts.get(h.accountId)!.sourceCreatedMs.push(ms(s.sourceCreatedAt), ms(vendorCreated));
    if (s.objectType !== "customer") continue;
    const p = customerPropsSchema.safeParse(s.properties);
    if (p.success) customerCurrency.set(h.accountId, p.data.currency.toLowerCase());
  }

  const latestSubStart = new Map<string, number>();
  for (const s of subs) {
    const h = seen(s.accountId, s.connectionId, "stripe");
    if (!h) continue;
    starts.get(h.accountId)!.subscriptions.push({
      status: s.status, startDateMs: ms(s.startDate), createdMs: ms(s.sourceCreatedAt),
    });
    const statusKnownMs = (s.sourceVersionAt ?? s.updatedAt).getTime();
    const startMs = (s.startDate ?? s.sourceCreatedAt ?? s.trialStart ?? s.updatedAt).getTime();
    const isGone = s.status === "canceled" || s.status === "incomplete_expired";
    const endMs = ms(s.endedAt) ?? (isGone ? (ms(s.canceledAt) ?? ms(s.cancelAt) ?? s.updatedAt.getTime()) : null);
    const noticeGiven = s.endedAt !== null && s.canceledAt !== null && s.endedAt.getTime() - s.canceledAt.getTime() > 60_000;
    const cancelScheduled = s.cancelAtPeriodEnd || s.cancelAt !== null || noticeGiven;
    let cpe = ms(s.currentPeriodEnd);
    for (const i of s.items) if (cpe === null || (i.currentPeriodEnd && i.currentPeriodEnd.getTime() > cpe)) cpe = ms(i.currentPeriodEnd) ?? cpe;
    const sub: SubscriptionHistory = {
      status: s.status,
      currency: s.currency.toLowerCase(),
      startMs,
      endMs,
      trialEndMs: ms(s.trialEnd),
      cancelScheduled,
      cancelKnownMs: cancelScheduled ? (ms(s.canceledAt) ?? statusKnownMs) : null,
      cancelAtMs: ms(s.cancelAt) ?? (s.cancelAtPeriodEnd ? cpe : null),
      statusKnownMs,
      currentPeriodEndMs: cpe,
      collectionMethod: s.collectionMethod,
      defaultPaymentMethodType: s.defaultPaymentMethodType,
      discounts: parseDiscounts(s.discounts),
      items: s.items.map((i) => ({
        productId: i.productId, productName: i.productName, unitAmountCents: i.unitAmountCents, quantity: i.quantity,
        interval: i.interval, intervalCount: i.intervalCount, usageType: i.usageType, currency: i.currency.toLowerCase(),
      })),
    };
    h.subscriptions.push(sub);
    if ((latestSubStart.get(h.accountId) ?? -Infinity) < startMs) {
      latestSubStart.set(h.accountId, startMs);
      if (!customerCurrency.has(h.accountId)) h.fallbackCurrency = sub.currency;
    }
  }

  for (const i of invoices) {
    const h = seen(i.accountId, i.connectionId, "stripe");
    if (!h) continue;
    const paidMs = ms(i.paidAt) ?? (i.status === "paid" ? i.sourceCreatedAt.getTime() : null);
    h.invoices.push({
      externalId: i.externalId, status: i.status, createdMs: i.sourceCreatedAt.getTime(), paidMs, dueMs: ms(i.dueDate),
      amountDueCents: i.amountDueCents, attemptCount: i.attemptCount, collectionMethod: i.collectionMethod,
    });
    if (paidMs !== null && i.amountPaidCents > 0) h.paymentMs.push(paidMs);
  }

  for (const c of charges) {
    const h = seen(c.accountId, c.connectionId, "stripe");
    if (!h) continue;
    const charge: ChargeHistory = {
      createdMs: c.sourceCreatedAt.getTime(), status: c.status, paymentMethodType: c.paymentMethodType, invoiceExternalId: c.invoiceExternalId,
    };
    h.charges.push(charge);
    if (c.status === "failed") h.failedChargeMs.push(charge.createdMs);
    else if (c.status === "succeeded") h.paymentMs.push(charge.createdMs);
  }

  for (const c of contacts) {
    const h = seen(c.accountId, c.connectionId, "hubspot");
    h?.contacts.push({ createdMs: ms(c.sourceCreatedAt), archivedMs: ms(c.archivedAt), lastActivityMs: ms(c.lastActivityAt) });
  }
  for (const d of deals) {
    const h = seen(d.accountId, d.connectionId, "hubspot");
    h?.deals.push({
      createdMs: ms(d.sourceCreatedAt),
      closedMs: d.isClosed ? (ms(d.closeDate) ?? ms(d.sourceUpdatedAt) ?? d.updatedAt.getTime()) : null,
      closeDateMs: ms(d.closeDate),
      renewalStage: d.renewalStage,
      updatedMs: ms(d.sourceUpdatedAt),
    });
  }
  for (const e of engagements) {
    const h = seen(e.accountId, e.connectionId, "hubspot");
    if (!h) continue;
    const t = e.occurredAt.getTime();
    const type = e.type.toLowerCase();
    if (type === "call" || type === "meeting" || type === "note") h.engagementMs[type].push(t);
    if (type !== "task") h.engagementMs.any.push(t);
  }
  for (const e of earlierEngagements) {
    const h = e.accountId ? histories.get(e.accountId) : undefined;
    if (!h || !e._max.occurredAt) continue;
    h.hasHubspot = true;
    h.engagementMs.any.push(e._max.occurredAt.getTime());
  }
  for (const t of tickets) {
    const h = seen(t.accountId, t.connectionId, "hubspot");
    if (!h) continue;
    const closedMs = ms(t.closedAt) ?? (t.isOpen ? null : (ms(t.sourceUpdatedAt) ?? t.updatedAt.getTime()));
    h.tickets.push({ openedMs: t.openedAt.getTime(), closedMs, priority: t.priority?.toLowerCase() ?? null });
  }

  const out: AccountHistory[] = [];
  for (const id of ids) {
    const h = histories.get(id);
    if (!h) continue;
    const c = conns.get(id)!;
    h.hasStripe = c.stripe.size > 0;
    h.hasHubspot = h.hasHubspot || c.hubspot.size > 0;
    h.fallbackCurrency = customerCurrency.get(id) ?? h.fallbackCurrency;
    h.startMs = accountStartMs(starts.get(id)!);
    const asc = (a: number, b: number) => a - b;
    h.paymentMs.sort(asc);
    h.failedChargeMs.sort(asc);
    for (const list of Object.values(h.engagementMs)) list.sort(asc);
    let coverage: number | null = null;
    for (const cid of c.stripe) {
      const cov = ctx.connections.get(cid)?.chargeCoverageStartMs ?? null;
      if (cov !== null && (coverage === null || cov > coverage)) coverage = cov;
    }
    h.chargeCoverageStartMs = coverage;
    const fresh: NonNullable<AccountHistory["freshness"]> = {};
    for (const provider of ["hubspot", "stripe"] as const) {
      if (provider === "hubspot" ? !h.hasHubspot : !h.hasStripe) continue;
      let stalest: Date | null = null;
      for (const cid of c[provider]) {
        const at = ctx.connections.get(cid)?.lastSyncAt ?? null;
        if (at && (stalest === null || at < stalest)) stalest = at;
      }
      fresh[provider] = stalest ? stalest.toISOString() : null;
    }
    h.freshness = Object.keys(fresh).length ? fresh : null;
    out.push(h);
  }
  return out;
}
