/**
 * Database writes of mapped Stripe rows, shared by the sync (list pages and events) and the webhook job.
 * Every function runs inside the caller's transaction (`Tx`) so a page and its checkpoint commit together.
 *
 * Idempotency: rows are keyed by (connectionId, externalId) (SourceRecord: + objectType "customer");
 * new rows are inserted in bulk (`createMany`), existing ones updated. `accountId` is never written
 * here (identity resolution owns it).
 *
 * Ordering: `version.at` is the Stripe time of the data (event `created`, or for a full sync the
 * `created` of the newest event that existed when it started). With `onlyIfNewer`, a row whose stored
 * version (`sourceVersionAt`; customers: `sourceUpdatedAt`) is later than `version.at` is left alone
 * (counted as stale): an older event never overwrites newer state. The stored version only moves
 * forward.
 *
 * Speed: a re-run mostly sees unchanged records. Those are not rewritten: one `updateMany` per page
 * only advances their version (and `updatedAt`, which the full sync's deleted-customer reconciliation
 * reads). Changed records are updated one by one, new ones inserted in bulk.
 */
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";
import { subscriptionMrr, type MrrOptions } from "@/lib/billing/mrr";
import type { ChargeRow, CustomerRow, InvoiceRow, SubscriptionRow } from "./map";

export type WriteCtx = { organizationId: string; connectionId: string; mrr?: MrrOptions };
export type Version = { at: Date | null; onlyIfNewer: boolean };
export type WriteResult = { written: number; stale: number };

const later = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : a > b ? a : b);

/** Structural equality of stored and new values (Dates by time, JSON by content, null == undefined). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!sameValue(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** True when every field of `data` equals the stored row's. */
function unchanged(stored: Record<string, unknown>, data: Record<string, unknown>): boolean {
  return Object.entries(data).every(([k, v]) => sameValue(stored[k], v));
}

/** The version unchanged rows advance to (null: nothing to advance). */
const versionTouch = (v: Version) => (v.at ? { at: v.at } : null);
const isStale = (stored: Date | null, v: Version) => v.onlyIfNewer && !!stored && !!v.at && stored > v.at;

/** The last row per externalId (a batch ordered oldest-first keeps the newest state). */
function lastPerId<T extends { externalId: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [r.externalId, r])).values()];
}

/** SourceRecord rows of objectType "customer". Deleted customers are archived (data kept). */
export async function writeCustomers(tx: Tx, ctx: WriteCtx, input: CustomerRow[], v: Version): Promise<WriteResult> {
  const rows = lastPerId(input);
  if (!rows.length) return { written: 0, stale: 0 };
  const existing = await tx.sourceRecord.findMany({
    where: { connectionId: ctx.connectionId, objectType: "customer", externalId: { in: rows.map((r) => r.externalId) } },
  });
  const byId = new Map(existing.map((e) => [e.externalId, e]));
  const now = new Date();
  const creates = [];
  const same: string[] = [];
  let written = 0;
  let stale = 0;
  for (const r of rows) {
    const e = byId.get(r.externalId);
    if (!e) {
      creates.push({
        organizationId: ctx.organizationId, connectionId: ctx.connectionId, objectType: "customer", externalId: r.externalId,
        name: r.name, email: r.email, domain: r.domain, properties: r.properties, sourceCreatedAt: r.sourceCreatedAt,
        sourceUpdatedAt: v.at, archivedAt: r.deleted ? now : null,
      });
      written++;
      continue;
    }
    if (isStale(e.sourceUpdatedAt, v)) {
      stale++;
      continue;
    }
    // A deleted customer comes back as {id, deleted:true}: keep the last known fields, mark it deleted.
    const data = r.deleted
      ? { properties: { ...(e.properties as object | null), deleted: true }, archivedAt: e.archivedAt ?? now }
      : { name: r.name, email: r.email, domain: r.domain, properties: r.properties, sourceCreatedAt: r.sourceCreatedAt, archivedAt: null };
    written++;
    if (unchanged(e, data)) same.push(e.id);
    else await tx.sourceRecord.update({ where: { id: e.id }, data: { ...data, sourceUpdatedAt: later(e.sourceUpdatedAt, v.at) } });
  }
  if (creates.length) await tx.sourceRecord.createMany({ data: creates });
  if (same.length) {
    // Touch (updatedAt) and advance the version of unchanged rows in one statement.
    const t = versionTouch(v);
    await tx.sourceRecord.updateMany({ where: { id: { in: same } }, data: { updatedAt: now } });
    if (t) await tx.sourceRecord.updateMany({ where: { id: { in: same }, OR: [{ sourceUpdatedAt: null }, { sourceUpdatedAt: { lt: t.at } }] }, data: { sourceUpdatedAt: t.at } });
  }
  return { written, stale };
}

function subscriptionData(ctx: WriteCtx, r: SubscriptionRow) {
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

const itemData = (subscriptionId: string, r: SubscriptionRow) =>
  r.items.map((i) => ({ subscriptionId, ...i }));

const byExternalId = <T extends { externalId: string }>(a: T, b: T) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0);

/** Subscription rows (+ items, replaced wholesale when they changed) with mrrCents from lib/billing/mrr.ts. */
export async function writeSubscriptions(tx: Tx, ctx: WriteCtx, input: SubscriptionRow[], v: Version): Promise<WriteResult> {
  const rows = lastPerId(input);
  if (!rows.length) return { written: 0, stale: 0 };
  const existing = await tx.subscription.findMany({
    where: { connectionId: ctx.connectionId, externalId: { in: rows.map((r) => r.externalId) } },
    include: { items: true },
  });
  const byId = new Map(existing.map((e) => [e.externalId, e]));
  const subs = [];
  const items = [];
  const same: string[] = [];
  let written = 0;
  let stale = 0;
  for (const r of rows) {
    const e = byId.get(r.externalId);
    if (!e) {
      const id = randomUUID();
      subs.push({ id, organizationId: ctx.organizationId, connectionId: ctx.connectionId, externalId: r.externalId, sourceVersionAt: v.at, ...subscriptionData(ctx, r) });
      items.push(...itemData(id, r));
      written++;
      continue;
    }
    if (isStale(e.sourceVersionAt, v)) {
      stale++;
      continue;
    }
    written++;
    const data = subscriptionData(ctx, r);
    const newItems = itemData(e.id, r).sort(byExternalId);
    const oldItems = [...e.items].sort(byExternalId);
    const itemsSame = newItems.length === oldItems.length && newItems.every((it, i) => unchanged(oldItems[i]!, it));
    if (itemsSame && unchanged(e, data)) {
      same.push(e.id);
      continue;
    }
    await tx.subscription.update({ where: { id: e.id }, data: { ...data, sourceVersionAt: later(e.sourceVersionAt, v.at) } });
    if (!itemsSame) {
      await tx.subscriptionItem.deleteMany({ where: { subscriptionId: e.id } });
      items.push(...newItems);
    }
  }
  if (subs.length) await tx.subscription.createMany({ data: subs });
  if (items.length) await tx.subscriptionItem.createMany({ data: items });
  const t = versionTouch(v);
  if (same.length && t) await tx.subscription.updateMany({ where: { id: { in: same }, OR: [{ sourceVersionAt: null }, { sourceVersionAt: { lt: t.at } }] }, data: { sourceVersionAt: t.at } });
  return { written, stale };
}

/**
 * The Prisma delegate surface shared by the flat, versioned Stripe tables (Invoice, Charge): rows keyed by
 * (connectionId, externalId) with a `sourceVersionAt` that older events never overwrite.
 */
type VersionedTable = {
  findMany(args: { where: { connectionId: string; externalId: { in: string[] } } }): Promise<(Record<string, unknown> & { id: string; externalId: string; sourceVersionAt: Date | null })[]>;
  update(args: { where: { id: string }; data: Record<string, unknown> }): Promise<unknown>;
  createMany(args: { data: Record<string, unknown>[] }): Promise<unknown>;
  updateMany(args: { where: Record<string, unknown>; data: { sourceVersionAt: Date } }): Promise<unknown>;
};

/**
 * Upsert rows into a versioned table: insert new ids in bulk, skip rows older than the stored version (stale),
 * leave unchanged rows untouched except for advancing their version, update the rest.
 */
async function writeVersionedRows<R extends { externalId: string }>(table: VersionedTable, ctx: WriteCtx, input: R[], v: Version): Promise<WriteResult> {
  const rows = lastPerId(input);
  if (!rows.length) return { written: 0, stale: 0 };
  const existing = await table.findMany({ where: { connectionId: ctx.connectionId, externalId: { in: rows.map((r) => r.externalId) } } });
  const byId = new Map(existing.map((e) => [e.externalId, e]));
  const creates: Record<string, unknown>[] = [];
  const same: string[] = [];
  let written = 0;
  let stale = 0;
  for (const r of rows) {
    const e = byId.get(r.externalId);
    if (!e) {
      creates.push({ organizationId: ctx.organizationId, connectionId: ctx.connectionId, ...r, sourceVersionAt: v.at });
      written++;
    } else if (isStale(e.sourceVersionAt, v)) {
      stale++;
    } else {
      written++;
      if (unchanged(e, r)) same.push(e.id);
      else await table.update({ where: { id: e.id }, data: { ...r, sourceVersionAt: later(e.sourceVersionAt, v.at) } });
    }
  }
  if (creates.length) await table.createMany({ data: creates });
  const t = versionTouch(v);
  if (same.length && t) await table.updateMany({ where: { id: { in: same }, OR: [{ sourceVersionAt: null }, { sourceVersionAt: { lt: t.at } }] }, data: { sourceVersionAt: t.at } });
  return { written, stale };
}

/** Invoice rows. */
export async function writeInvoices(tx: Tx, ctx: WriteCtx, input: InvoiceRow[], v: Version): Promise<WriteResult> {
  return writeVersionedRows(tx.invoice as unknown as VersionedTable, ctx, input, v);
}

/** Charge rows. */
export async function writeCharges(tx: Tx, ctx: WriteCtx, input: ChargeRow[], v: Version): Promise<WriteResult> {
  return writeVersionedRows(tx.charge as unknown as VersionedTable, ctx, input, v);
}
