/**
 * Database writes of mapped Stripe rows, shared by the sync (list pages and events) and the webhook job.
 * Every function runs inside the caller's transaction (`Tx`) so a page and its checkpoint commit together.
 *
 * Idempotency: rows are keyed by (connectionId, externalId) (SourceRecord: + objectType "customer") and
 * written with ONE bulk upsert statement per table per call (lib/db/json-upsert.ts: one JSON parameter,
 * constant SQL — Prisma's per-row model calls cost ~1–3 ms of CPU per row). `accountId` is never written
 * here (identity resolution owns it).
 *
 * Ordering: `version.at` is the Stripe time of the data (event `created`, or for a full sync the
 * `created` of the newest event that existed when it started). With `onlyIfNewer`, a row whose stored
 * version (`sourceVersionAt`; customers: `sourceUpdatedAt`) is later than `version.at` is left alone
 * (counted as stale): an older event never overwrites newer state. The stored version only moves
 * forward. Re-writing identical data leaves `updatedAt` as it was (customers excepted: their `updatedAt`
 * is the full sync's "seen in this listing" mark, read by the deleted-customer reconciliation).
 */
import type { Tx } from "@/lib/db";
import { defineJsonUpsert, type JsonUpsert } from "@/lib/db/json-upsert";
import { providerOf } from "@/lib/db/prisma";
import { subscriptionMrr, type MrrOptions } from "@/lib/billing/mrr";
import { recordSubscriptionVersions } from "@/lib/revenue/subscription-versions";
import type { ChargeRow, CustomerRow, DiscountEntry, InvoiceRow, SubscriptionRow } from "./map";

export type WriteCtx = { organizationId: string; connectionId: string; mrr?: MrrOptions };
export type Version = { at: Date | null; onlyIfNewer: boolean };
export type WriteResult = { written: number; stale: number };

const later = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a > b ? a : b);

const isStale = (stored: Date | null, v: Version) => v.onlyIfNewer && !!stored && !!v.at && stored > v.at;

/** The last row per externalId (a batch ordered oldest-first keeps the newest state). */
function lastPerId<T extends { externalId: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [r.externalId, r])).values()];
}

const CUSTOMERS = defineJsonUpsert({
  table: "SourceRecord",
  columns: {
    organizationId: "text", connectionId: "text", objectType: "text", externalId: "text", name: "text", email: "text", domain: "text",
    properties: "json", sourceCreatedAt: "timestamp", sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "objectType", "externalId"],
  insertOnly: ["organizationId"],
  version: "sourceUpdatedAt",
  // Always touched: the full sync's deleted-customer reconciliation archives customers it did not touch.
  touch: { column: "updatedAt", when: "always" },
  createdAt: true,
  returning: ["externalId"],
});

/**
 * SourceRecord rows of objectType "customer". Live customers are upserted in bulk (lib/db/json-upsert.ts);
 * deleted customers (`{id, deleted: true}`, rare) keep their last known fields and are archived, data kept.
 */
export async function writeCustomers(tx: Tx, ctx: WriteCtx, input: CustomerRow[], v: Version): Promise<WriteResult> {
  const rows = lastPerId(input);
  if (!rows.length) return { written: 0, stale: 0 };
  const live = rows.filter((r) => !r.deleted);
  const done = await CUSTOMERS.run(
    tx,
    live.map((r) => ({
      organizationId: ctx.organizationId, connectionId: ctx.connectionId, objectType: "customer", externalId: r.externalId,
      name: r.name, email: r.email, domain: r.domain, properties: r.properties, sourceCreatedAt: r.sourceCreatedAt,
      sourceUpdatedAt: v.at, archivedAt: null,
    })),
    { onlyIfNewer: v.onlyIfNewer },
  );
  let written = done.length;
  let stale = live.length - done.length;
  const deleted = rows.filter((r) => r.deleted);
  if (deleted.length) {
    const r = await writeDeletedCustomers(tx, ctx, deleted, v);
    written += r.written;
    stale += r.stale;
  }
  return { written, stale };
}

/** Deleted customers: archive (keeping the last known fields) or insert a tombstone row. */
async function writeDeletedCustomers(tx: Tx, ctx: WriteCtx, rows: CustomerRow[], v: Version): Promise<WriteResult> {
  const existing = await tx.sourceRecord.findMany({
    where: { connectionId: ctx.connectionId, objectType: "customer", externalId: { in: rows.map((r) => r.externalId) } },
  });
  const byId = new Map(existing.map((e) => [e.externalId, e]));
  const now = new Date();
  let written = 0;
  let stale = 0;
  for (const r of rows) {
    const e = byId.get(r.externalId);
    if (!e) {
      await tx.sourceRecord.create({
        data: {
          organizationId: ctx.organizationId, connectionId: ctx.connectionId, objectType: "customer", externalId: r.externalId,
          name: r.name, email: r.email, domain: r.domain, properties: r.properties, sourceCreatedAt: r.sourceCreatedAt,
          sourceUpdatedAt: v.at, archivedAt: now,
        },
      });
      written++;
    } else if (isStale(e.sourceUpdatedAt, v)) {
      stale++;
    } else {
      await tx.sourceRecord.update({
        where: { id: e.id },
        data: { properties: { ...(e.properties as object | null), deleted: true }, archivedAt: e.archivedAt ?? now, sourceUpdatedAt: later(e.sourceUpdatedAt, v.at) },
      });
      written++;
    }
  }
  return { written, stale };
}

function subscriptionData(ctx: WriteCtx, r: SubscriptionRow & { discounts: DiscountEntry[] }) {
  const mrr = subscriptionMrr(
    {
      status: r.status, currency: r.currency, items: r.items,
      discounts: r.discounts.map((d) => ({ ...d, duration: d.duration === "forever" || d.duration === "repeating" ? d.duration : "once" })),
    },
    ctx.mrr,
  );
  return {
    customerExternalId: r.customerExternalId, status: r.status, currency: r.currency, mrrCents: mrr.cents,
    cancelAtPeriodEnd: r.cancelAtPeriodEnd, cancelAt: r.cancelAt, canceledAt: r.canceledAt, endedAt: r.endedAt,
    startDate: r.startDate, trialStart: r.trialStart, trialEnd: r.trialEnd, currentPeriodStart: r.currentPeriodStart,
    currentPeriodEnd: r.currentPeriodEnd, collectionMethod: r.collectionMethod,
    ...(r.defaultPaymentMethodType !== undefined ? { defaultPaymentMethodType: r.defaultPaymentMethodType } : {}),
    discounts: r.discounts, metadata: r.metadata, sourceCreatedAt: r.sourceCreatedAt,
  };
}

const SUBSCRIPTIONS = defineJsonUpsert({
  table: "Subscription",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", customerExternalId: "text", status: "text", currency: "text",
    mrrCents: "integer", cancelAtPeriodEnd: "boolean", cancelAt: "timestamp", canceledAt: "timestamp", endedAt: "timestamp",
    startDate: "timestamp", trialStart: "timestamp", trialEnd: "timestamp", currentPeriodStart: "timestamp", currentPeriodEnd: "timestamp",
    collectionMethod: "text", defaultPaymentMethodType: "text", discounts: "json", metadata: "json", sourceCreatedAt: "timestamp",
    sourceVersionAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  optional: ["defaultPaymentMethodType"],
  version: "sourceVersionAt",
  // Signals read updatedAt as "status observed" when there is no version: re-writing identical data must not move it.
  touch: { column: "updatedAt", when: "onChange" },
  returning: ["id", "externalId"],
});

const SUBSCRIPTION_ITEMS = defineJsonUpsert({
  table: "SubscriptionItem",
  columns: {
    subscriptionId: "text", externalId: "text", priceId: "text", productId: "text", productName: "text", unitAmountCents: "integer",
    currency: "text", quantity: "integer", interval: "text", intervalCount: "integer", usageType: "text",
    currentPeriodStart: "timestamp", currentPeriodEnd: "timestamp",
  },
  conflict: ["subscriptionId", "externalId"],
});

/** Items of the given subscriptions that are not in `keep` (pairs [subscriptionId, itemExternalId]). */
const DELETE_OTHER_ITEMS = {
  sqlite:
    `DELETE FROM "SubscriptionItem" WHERE "subscriptionId" IN (SELECT value FROM json_each(?)) ` +
    `AND NOT EXISTS (SELECT 1 FROM json_each(?) AS k WHERE k.value ->> 0 = "SubscriptionItem"."subscriptionId" AND k.value ->> 1 = "SubscriptionItem"."externalId")`,
  postgresql:
    // = ANY(ARRAY(…)): the id list is expanded once and drives the index; `IN (SELECT jsonb_…)` can be planned as a
    // nested loop re-expanding the JSON per stored row when the table has no statistics yet (a new connection).
    `DELETE FROM "SubscriptionItem" AS i WHERE i."subscriptionId" = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb))) ` +
    `AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements($2::jsonb) AS k WHERE k ->> 0 = i."subscriptionId" AND k ->> 1 = i."externalId")`,
};

/**
 * Rows whose discounts are unknown (`undefined`: discount ids an event's API version does not resolve, see
 * map.ts) take the stored discounts (none for a subscription not stored yet), so MRR is computed with them and
 * an event never drops a discount the full sync read.
 */
async function withKnownDiscounts(tx: Tx, ctx: WriteCtx, rows: SubscriptionRow[]): Promise<(SubscriptionRow & { discounts: DiscountEntry[] })[]> {
  const unknown = rows.filter((r) => r.discounts === undefined).map((r) => r.externalId);
  const stored = new Map<string, DiscountEntry[]>();
  if (unknown.length) {
    const found = await tx.subscription.findMany({ where: { connectionId: ctx.connectionId, externalId: { in: unknown } }, select: { externalId: true, discounts: true } });
    for (const f of found) stored.set(f.externalId, Array.isArray(f.discounts) ? (f.discounts as DiscountEntry[]) : []);
  }
  return rows.map((r) => (r.discounts === undefined ? { ...r, discounts: stored.get(r.externalId) ?? [] } : (r as SubscriptionRow & { discounts: DiscountEntry[] })));
}

/**
 * Subscription rows with mrrCents from lib/billing/mrr.ts, and their items: a written subscription's items become
 * exactly the incoming ones (upserted on subscriptionId + item id, others deleted), in the caller's transaction.
 * Stale rows (older than the stored version with `onlyIfNewer`) are left alone, items included.
 */
export async function writeSubscriptions(tx: Tx, ctx: WriteCtx, input: SubscriptionRow[], v: Version): Promise<WriteResult> {
  const rows = await withKnownDiscounts(tx, ctx, lastPerId(input));
  if (!rows.length) return { written: 0, stale: 0 };
  const done = await SUBSCRIPTIONS.run(
    tx,
    rows.map((r) => ({ organizationId: ctx.organizationId, connectionId: ctx.connectionId, externalId: r.externalId, sourceVersionAt: v.at, ...subscriptionData(ctx, r) })),
    { onlyIfNewer: v.onlyIfNewer },
  );
  const idByExt = new Map(done.map((d) => [String(d.externalId), String(d.id)]));
  const items: Record<string, unknown>[] = [];
  const keep: [string, string][] = [];
  for (const r of rows) {
    const subscriptionId = idByExt.get(r.externalId);
    if (!subscriptionId) continue;
    for (const it of r.items) {
      items.push({ subscriptionId, ...it });
      keep.push([subscriptionId, it.externalId]);
    }
  }
  if (idByExt.size) {
    const p = providerOf(tx);
    await tx.$executeRawUnsafe(DELETE_OTHER_ITEMS[p], JSON.stringify([...idByExt.values()]), JSON.stringify(keep));
    await SUBSCRIPTION_ITEMS.run(tx, items);
    // Item/price/quantity history for the MRR movements (issue 17): a version per changed subscription.
    await recordSubscriptionVersions(tx, { organizationId: ctx.organizationId, subscriptionIds: [...idByExt.values()], at: v.at });
  }
  return { written: done.length, stale: rows.length - done.length };
}

const INVOICES = defineJsonUpsert({
  table: "Invoice",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", customerExternalId: "text", subscriptionExternalId: "text",
    status: "text", currency: "text", amountDueCents: "integer", amountPaidCents: "integer", amountRemainingCents: "integer",
    attemptCount: "integer", dueDate: "timestamp", paidAt: "timestamp", collectionMethod: "text", billingReason: "text",
    periodStart: "timestamp", periodEnd: "timestamp", sourceCreatedAt: "timestamp", sourceVersionAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  version: "sourceVersionAt",
  touch: { column: "updatedAt", when: "onChange" },
  returning: ["externalId"],
});

const CHARGES = defineJsonUpsert({
  table: "Charge",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", customerExternalId: "text", invoiceExternalId: "text",
    status: "text", amountCents: "integer", amountRefundedCents: "integer", currency: "text", failureCode: "text",
    failureMessage: "text", paymentMethodType: "text", sourceCreatedAt: "timestamp", sourceVersionAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  // Pre-basil charges carry `invoice`, pinned ones do not: an absent value keeps the stored one.
  optional: ["invoiceExternalId"],
  version: "sourceVersionAt",
  touch: { column: "updatedAt", when: "onChange" },
  returning: ["externalId"],
});

/** Upsert rows into a versioned flat table (Invoice, Charge); stale rows are counted, not written. */
async function writeVersionedRows<R extends { externalId: string }>(table: JsonUpsert, tx: Tx, ctx: WriteCtx, input: R[], v: Version): Promise<WriteResult> {
  const rows = lastPerId(input);
  if (!rows.length) return { written: 0, stale: 0 };
  const done = await table.run(tx, rows.map((r) => ({ organizationId: ctx.organizationId, connectionId: ctx.connectionId, ...r, sourceVersionAt: v.at })), { onlyIfNewer: v.onlyIfNewer });
  return { written: done.length, stale: rows.length - done.length };
}

/** Invoice rows. */
export async function writeInvoices(tx: Tx, ctx: WriteCtx, input: InvoiceRow[], v: Version): Promise<WriteResult> {
  return writeVersionedRows(INVOICES, tx, ctx, input, v);
}

/** Charge rows. */
export async function writeCharges(tx: Tx, ctx: WriteCtx, input: ChargeRow[], v: Version): Promise<WriteResult> {
  return writeVersionedRows(CHARGES, tx, ctx, input, v);
}
