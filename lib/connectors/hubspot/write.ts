/**
 * Writing HubSpot records into our tables, one batch (≤ 1,000 records) per call, inside the caller's
 * transaction (the sync saves the stream checkpoint in the same one). Keyed by the unique
 * (connectionId[, objectType | type], externalId): re-running never duplicates. New rows go in with
 * one `createMany`; existing rows are updated one by one.
 *
 * Echo suppression (write-back, write-back.ts): our own `batch/update` bumps a company's
 * `hs_lastmodifieddate`, so the next incremental search returns it. A company whose properties —
 * ignoring `hs_lastmodifieddate` and our `churnwatch_*` properties — equal the stored ones is counted
 * `unchanged` and not rewritten (sourceUpdatedAt stays the user's last change), so downstream jobs
 * never see our write as a user change.
 */
import type { Tx } from "@/lib/db";
import type { HubspotRecord } from "./client";
import {
  companyContentKey, mapCompany, mapContact, mapDeal, mapEngagement, mapTicket, type EngagementType,
} from "./mappers";

export type WriteContext = { organizationId: string; connectionId: string; dealStageMap?: Record<string, string> };
export type WriteResult = { processed: number; unchanged: number; skipped: { externalId: string | null; reason: string }[] };
/** companyIds: HubSpot record id → associated company ids (ascending; the first is the primary). */
export type Assoc = Map<string, string[]>;

function dedupe(recs: HubspotRecord[]): HubspotRecord[] {
  const m = new Map<string, HubspotRecord>();
  for (const r of recs) m.set(r.id, r);
  return [...m.values()];
}

/** SQLite (libsql) caps bound parameters per statement: query ids and insert rows in chunks. */
const ID_CHUNK = 300;
const ROW_CHUNK = 50;

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** findMany over many external ids, chunked. */
async function findChunked<R>(ids: string[], q: (ids: string[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const c of chunks(ids, ID_CHUNK)) out.push(...(await q(c)));
  return out;
}

/** createMany, chunked. */
async function createChunked<D>(rows: D[], q: (rows: D[]) => Promise<unknown>): Promise<void> {
  for (const c of chunks(rows, ROW_CHUNK)) await q(c);
}

const sameTime = (a: Date | null, b: Date | null) => (a === null) === (b === null);

/** Companies → SourceRecord(objectType "company"). */
export async function writeCompanies(tx: Tx, w: WriteContext, recs: HubspotRecord[]): Promise<WriteResult> {
  const rows = dedupe(recs).map(mapCompany);
  const existing = await findChunked(rows.map((r) => r.externalId), (ids) => tx.sourceRecord.findMany({
    where: { connectionId: w.connectionId, objectType: "company", externalId: { in: ids } },
    select: { id: true, externalId: true, properties: true, archivedAt: true },
  }));
  const byExt = new Map(existing.map((e) => [e.externalId, e]));
  let unchanged = 0;
  const creates = [];
  for (const row of rows) {
    const ex = byExt.get(row.externalId);
    if (!ex) {
      creates.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId, objectType: "company" });
      continue;
    }
    if (companyContentKey(ex.properties as Record<string, unknown>) === companyContentKey(row.properties) && sameTime(ex.archivedAt, row.archivedAt)) {
      unchanged++;
      continue;
    }
    await tx.sourceRecord.update({ where: { id: ex.id }, data: { name: row.name, domain: row.domain, properties: row.properties, sourceCreatedAt: row.sourceCreatedAt, sourceUpdatedAt: row.sourceUpdatedAt, archivedAt: row.archivedAt } });
  }
  await createChunked(creates, (data) => tx.sourceRecord.createMany({ data }));
  return { processed: rows.length, unchanged, skipped: [] };
}

export async function writeContacts(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc): Promise<WriteResult> {
  const rows = dedupe(recs).map((r) => mapContact(r, assoc.get(r.id)));
  const existing = await findChunked(rows.map((r) => r.externalId), (ids) => tx.contact.findMany({ where: { connectionId: w.connectionId, externalId: { in: ids } }, select: { id: true, externalId: true } }));
  const byExt = new Map(existing.map((e) => [e.externalId, e.id]));
  const creates = [];
  for (const row of rows) {
    const id = byExt.get(row.externalId);
    if (id) await tx.contact.update({ where: { id }, data: row });
    else creates.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId });
  }
  await createChunked(creates, (data) => tx.contact.createMany({ data }));
  return { processed: rows.length, unchanged: 0, skipped: [] };
}

export async function writeDeals(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc): Promise<WriteResult> {
  const rows = dedupe(recs).map((r) => mapDeal(r, assoc.get(r.id), w.dealStageMap));
  const existing = await findChunked(rows.map((r) => r.externalId), (ids) => tx.deal.findMany({ where: { connectionId: w.connectionId, externalId: { in: ids } }, select: { id: true, externalId: true } }));
  const byExt = new Map(existing.map((e) => [e.externalId, e.id]));
  const creates = [];
  for (const row of rows) {
    const id = byExt.get(row.externalId);
    if (id) await tx.deal.update({ where: { id }, data: row });
    else creates.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId });
  }
  await createChunked(creates, (data) => tx.deal.createMany({ data }));
  return { processed: rows.length, unchanged: 0, skipped: [] };
}

export async function writeEngagements(tx: Tx, w: WriteContext, type: EngagementType, recs: HubspotRecord[], assoc: Assoc): Promise<WriteResult> {
  const skipped: WriteResult["skipped"] = [];
  const rows = [];
  for (const r of dedupe(recs)) {
    const row = mapEngagement(type, r, assoc.get(r.id));
    if (row) rows.push(row);
    else skipped.push({ externalId: r.id, reason: "malformed record: no hs_timestamp" });
  }
  const existing = await findChunked(rows.map((r) => r.externalId), (ids) => tx.engagement.findMany({ where: { connectionId: w.connectionId, type, externalId: { in: ids } }, select: { id: true, externalId: true } }));
  const byExt = new Map(existing.map((e) => [e.externalId, e.id]));
  const creates = [];
  for (const row of rows) {
    const id = byExt.get(row.externalId);
    if (id) await tx.engagement.update({ where: { id }, data: row });
    else creates.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId });
  }
  await createChunked(creates, (data) => tx.engagement.createMany({ data }));
  return { processed: rows.length, unchanged: 0, skipped };
}

export async function writeTickets(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc): Promise<WriteResult> {
  const skipped: WriteResult["skipped"] = [];
  const rows = [];
  for (const r of dedupe(recs)) {
    const row = mapTicket(r, assoc.get(r.id));
    if (row) rows.push(row);
    else skipped.push({ externalId: r.id, reason: "malformed record: no createdate" });
  }
  const existing = await findChunked(rows.map((r) => r.externalId), (ids) => tx.ticket.findMany({ where: { connectionId: w.connectionId, externalId: { in: ids } }, select: { id: true, externalId: true } }));
  const byExt = new Map(existing.map((e) => [e.externalId, e.id]));
  const creates = [];
  for (const row of rows) {
    const id = byExt.get(row.externalId);
    if (id) await tx.ticket.update({ where: { id }, data: row });
    else creates.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId });
  }
  await createChunked(creates, (data) => tx.ticket.createMany({ data }));
  return { processed: rows.length, unchanged: 0, skipped };
}

/** Mark records archived/deleted in HubSpot (webhook deletions). Returns how many rows changed. */
export async function markArchived(tx: Tx, w: WriteContext, stream: string, externalIds: string[], at: Date): Promise<number> {
  if (externalIds.length > ID_CHUNK) {
    let n = 0;
    for (const c of chunks(externalIds, ID_CHUNK)) n += await markArchived(tx, w, stream, c, at);
    return n;
  }
  const where = { connectionId: w.connectionId, externalId: { in: externalIds }, archivedAt: null };
  switch (stream) {
    case "companies": return (await tx.sourceRecord.updateMany({ where: { ...where, objectType: "company" }, data: { archivedAt: at } })).count;
    case "contacts": return (await tx.contact.updateMany({ where, data: { archivedAt: at } })).count;
    case "deals": return (await tx.deal.updateMany({ where, data: { archivedAt: at } })).count;
    case "tickets": return (await tx.ticket.updateMany({ where, data: { archivedAt: at } })).count;
    default: return 0;
  }
}
