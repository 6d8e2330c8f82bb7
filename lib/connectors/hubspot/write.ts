/**
 * Writing HubSpot records into our tables, one batch (≤ 1,000 records) per call, inside the caller's
 * transaction (the sync saves the stream checkpoint in the same one, so a page and its checkpoint commit
 * together). Keyed by the unique (connectionId[, objectType | type], externalId): re-running never duplicates.
 *
 * Every table is written with ONE bulk upsert statement per ≤ 1,000 rows (lib/db/json-upsert.ts: the rows
 * travel as one JSON parameter, constant SQL text; Prisma's per-row `createMany`/`update` cost ~1–3 ms of
 * CPU per row — 40 s of a 50,000-contact sync). Columns owned by identity resolution and write-back
 * (`accountId`, `matchRule`, `matchConfidence`, `isManual`, `matchedAt`, `pushedValues`, `pushedAt`) are not
 * in any spec, so a re-sync never touches them; `organizationId` is written on insert only. `updatedAt` is
 * set to now on every row written (as Prisma's `@updatedAt` did), `createdAt` (SourceRecord) on insert.
 *
 * Echo suppression (write-back, write-back.ts): our own `batch/update` bumps a company's
 * `hs_lastmodifieddate`, so the next incremental search returns it. Companies are pre-read with ONE raw
 * query per batch (externalId, properties, archivedAt); a company whose properties — ignoring
 * `hs_lastmodifieddate` and our `churnwatch_*` properties (`companyContentKey`) — equal the stored ones and
 * whose archived state is the same is counted `unchanged` and not rewritten (sourceUpdatedAt stays the
 * user's last change), so downstream jobs never see our write as a user change.
 *
 * Errors: a database error (e.g. a NOT NULL column) is thrown and the caller's transaction rolls back.
 */
import type { Tx } from "@/lib/db";
import { defineJsonUpsert } from "@/lib/db/json-upsert";
import { providerOf } from "@/lib/db/prisma";
import { chunks } from "@/lib/db/chunks";
import { markSalesActivityDays, utcDay } from "@/lib/sales-activity/rollup";
import type { HubspotRecord } from "./client";
import {
  companyContentKey, mapCompany, mapContact, mapDeal, mapEngagement, mapTicket, type EngagementType,
} from "./mappers";

/** dealMrrProperty: the deal property stored as Deal.mrrCents (default hs_mrr; SalesActivityConfig.mrrProperty). */
export type WriteContext = { organizationId: string; connectionId: string; dealStageMap?: Record<string, string>; dealMrrProperty?: string };
/** processed: distinct records in the batch that were mapped (written or unchanged); skipped: not mappable, with the reason. */
export type WriteResult = { processed: number; unchanged: number; skipped: { externalId: string | null; reason: string }[] };
/** companyIds: HubSpot record id → associated company ids (ascending; the first is the primary). */
/** `null` where a writer takes `Assoc | null`: associations were not read (archived listing) — keep the stored company. */
export type Assoc = Map<string, string[]>;

/** Rows per upsert statement: a whole batch (10 list pages / 5 search pages ≤ 1,000 records) in one. */
const UPSERT_CHUNK = 1000;

function dedupe(recs: HubspotRecord[]): HubspotRecord[] {
  const m = new Map<string, HubspotRecord>();
  for (const r of recs) m.set(r.id, r);
  return [...m.values()];
}

const COMPANIES = defineJsonUpsert({
  table: "SourceRecord",
  columns: {
    organizationId: "text", connectionId: "text", objectType: "text", externalId: "text", name: "text", domain: "text",
    properties: "json", sourceCreatedAt: "timestamp", sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "objectType", "externalId"],
  insertOnly: ["organizationId"],
  touch: { column: "updatedAt", when: "always" },
  createdAt: true,
  returning: ["externalId"],
});

const CONTACTS = defineJsonUpsert({
  table: "Contact",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", companyExternalId: "text", firstName: "text", lastName: "text",
    email: "text", jobTitle: "text", phone: "text", lifecycleStage: "text", lastActivityAt: "timestamp",
    sourceCreatedAt: "timestamp", sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  // undefined (associations not read: the archived listing) keeps the stored company.
  optional: ["companyExternalId"],
  touch: { column: "updatedAt", when: "always" },
  returning: ["externalId"],
});

const DEALS = defineJsonUpsert({
  table: "Deal",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", companyExternalId: "text", name: "text", amountCents: "integer",
    currency: "text", dealStage: "text", pipeline: "text", renewalStage: "text", closeDate: "timestamp", isClosed: "boolean",
    isWon: "boolean", ownerExternalId: "text", mrrCents: "integer", sourceCreatedAt: "timestamp", sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  // undefined (associations not read: the archived listing) keeps the stored company.
  optional: ["companyExternalId"],
  touch: { column: "updatedAt", when: "always" },
  returning: ["externalId"],
});

const ENGAGEMENTS = defineJsonUpsert({
  table: "Engagement",
  columns: {
    organizationId: "text", connectionId: "text", type: "text", externalId: "text", companyExternalId: "text", ownerExternalId: "text",
    occurredAt: "timestamp", title: "text", outcome: "text", durationMs: "integer", isDecisionMaker: "boolean",
    direction: "text", sourceCreatedAt: "timestamp", contactExternalId: "text", searchText: "text",
    sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "type", "externalId"],
  insertOnly: ["organizationId"],
  // undefined (associations not read: the archived listing) keeps the stored company / contact.
  optional: ["companyExternalId", "contactExternalId"],
  touch: { column: "updatedAt", when: "always" },
  returning: ["externalId"],
});

const TICKETS = defineJsonUpsert({
  table: "Ticket",
  columns: {
    organizationId: "text", connectionId: "text", externalId: "text", companyExternalId: "text", subject: "text", priority: "text",
    status: "text", isOpen: "boolean", openedAt: "timestamp", closedAt: "timestamp", sourceUpdatedAt: "timestamp", archivedAt: "timestamp",
  },
  conflict: ["connectionId", "externalId"],
  insertOnly: ["organizationId"],
  // undefined (associations not read: the archived listing) keeps the stored company.
  optional: ["companyExternalId"],
  touch: { column: "updatedAt", when: "always" },
  returning: ["externalId"],
});

/**
 * Stored state of companies, for echo suppression: one statement, the external ids as one JSON parameter.
 * PostgreSQL: driven by the id list through LATERAL … LIMIT 1 (one unique-index probe per id, whatever the
 * statistics say) — `IN (SELECT jsonb_array_elements_text(…))` was planned as a nested loop re-expanding the JSON
 * for every stored row when the connection's rows were newer than the last ANALYZE (1.7 s per 1,000 ids on a
 * 5,000-company connection instead of 12 ms).
 */
const READ_COMPANIES = {
  sqlite:
    `SELECT "externalId", "properties", "archivedAt" FROM "SourceRecord" WHERE "connectionId" = ? AND "objectType" = 'company' ` +
    `AND "externalId" IN (SELECT value FROM json_each(?))`,
  postgresql:
    `SELECT s."externalId", s."properties", s."archivedAt" FROM jsonb_array_elements_text($2::jsonb) AS k(id) CROSS JOIN LATERAL ` +
    `(SELECT "externalId", "properties", "archivedAt" FROM "SourceRecord" WHERE "connectionId" = $1 AND "objectType" = 'company' AND "externalId" = k.id LIMIT 1) AS s`,
};

type StoredCompany = { properties: Record<string, unknown> | null; archived: boolean };

/** externalId → stored properties and archived state of the given companies (absent: not stored yet). */
async function readCompanies(tx: Tx, connectionId: string, externalIds: string[]): Promise<Map<string, StoredCompany>> {
  const out = new Map<string, StoredCompany>();
  if (!externalIds.length) return out;
  const rows = (await tx.$queryRawUnsafe(READ_COMPANIES[providerOf(tx)], connectionId, JSON.stringify(externalIds))) as
    { externalId: string; properties: unknown; archivedAt: unknown }[];
  for (const r of rows) {
    // SQLite returns the JSON column as text, PostgreSQL as a parsed value.
    const props = typeof r.properties === "string" ? (JSON.parse(r.properties) as unknown) : r.properties;
    out.set(r.externalId, {
      properties: props && typeof props === "object" ? (props as Record<string, unknown>) : null,
      archived: r.archivedAt !== null && r.archivedAt !== undefined,
    });
  }
  return out;
}

/**
 * Companies → SourceRecord(objectType "company"). New and changed companies are upserted; a company whose
 * content key and archived state equal the stored ones is counted `unchanged` and left as it is.
 */
export async function writeCompanies(tx: Tx, w: WriteContext, recs: HubspotRecord[]): Promise<WriteResult> {
  const rows = dedupe(recs).map(mapCompany);
  const stored = await readCompanies(tx, w.connectionId, rows.map((r) => r.externalId));
  let unchanged = 0;
  const writes: Record<string, unknown>[] = [];
  for (const row of rows) {
    const ex = stored.get(row.externalId);
    if (ex && ex.archived === (row.archivedAt !== null) && companyContentKey(ex.properties) === companyContentKey(row.properties)) {
      unchanged++;
      continue;
    }
    writes.push({ ...row, organizationId: w.organizationId, connectionId: w.connectionId, objectType: "company" });
  }
  await COMPANIES.run(tx, writes, { chunkSize: UPSERT_CHUNK });
  return { processed: rows.length, unchanged, skipped: [] };
}

/** The row's company from `assoc`, or (assoc null: not read) undefined = keep the stored one. */
function withCompany<R extends { companyExternalId: string | null }>(row: R, assoc: Assoc | null): R | Omit<R, "companyExternalId"> {
  if (assoc) return row;
  const { companyExternalId: _ignored, ...rest } = row;
  return rest;
}

/**
 * The sales-activity pre-aggregate counts decision makers by their contact's job title: when titles of `contactIds`
 * are new or changed, the days their calls/meetings occurred on are marked for rebuilding (one indexed read on
 * Engagement(connectionId, contactExternalId)).
 */
async function markContactDays(tx: Tx, w: WriteContext, contactIds: string[]): Promise<void> {
  const days: (string | null)[] = [];
  for (const ids of chunks(contactIds, ID_CHUNK)) {
    const rows = await tx.engagement.findMany({ where: { connectionId: w.connectionId, contactExternalId: { in: ids } }, select: { occurredAt: true } });
    for (const r of rows) days.push(utcDay(r.occurredAt));
  }
  await markSalesActivityDays(tx, w.organizationId, days);
}

/**
 * Contacts → Contact (companyExternalId: the primary associated company). Every record is upserted. A contact whose
 * job title is new or changed marks the days of its calls/meetings in the sales-activity pre-aggregate (one read
 * of the stored titles per batch).
 */
export async function writeContacts(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc | null): Promise<WriteResult> {
  const rows = dedupe(recs).map((r) => ({ ...withCompany(mapContact(r, assoc?.get(r.id)), assoc), organizationId: w.organizationId, connectionId: w.connectionId }));
  const titled = rows.filter((r) => r.jobTitle !== null);
  if (titled.length) {
    const before = new Map<string, string | null>();
    for (const ids of chunks(titled.map((r) => r.externalId), ID_CHUNK)) {
      for (const c of await tx.contact.findMany({ where: { connectionId: w.connectionId, externalId: { in: ids } }, select: { externalId: true, jobTitle: true } })) before.set(c.externalId, c.jobTitle);
    }
    const changed = titled.filter((r) => before.get(r.externalId) !== r.jobTitle).map((r) => r.externalId);
    if (changed.length) await markContactDays(tx, w, changed);
  }
  await CONTACTS.run(tx, rows, { chunkSize: UPSERT_CHUNK });
  return { processed: rows.length, unchanged: 0, skipped: [] };
}

/**
 * Deals → Deal (renewalStage from the stage map, see mappers.ts). Every record is upserted. The sales-activity
 * pre-aggregate ("MRR closed" by closedate): the close days of these deals before and after the write are marked.
 */
export async function writeDeals(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc | null): Promise<WriteResult> {
  const rows = dedupe(recs).map((r) => ({ ...withCompany(mapDeal(r, assoc?.get(r.id), w.dealStageMap, w.dealMrrProperty), assoc), organizationId: w.organizationId, connectionId: w.connectionId }));
  if (rows.length) {
    const days = new Set<string | null>(rows.map((r) => utcDay(r.closeDate)));
    for (const ids of chunks(rows.map((r) => r.externalId), ID_CHUNK)) {
      for (const d of await tx.deal.findMany({ where: { connectionId: w.connectionId, externalId: { in: ids } }, select: { closeDate: true } })) days.add(utcDay(d.closeDate));
    }
    await markSalesActivityDays(tx, w.organizationId, days);
  }
  await DEALS.run(tx, rows, { chunkSize: UPSERT_CHUNK });
  return { processed: rows.length, unchanged: 0, skipped: [] };
}

/**
 * Calls/meetings/notes → Engagement of `type`. A record without a timestamp is skipped with the reason.
 * contactAssoc: record id → associated contact ids (the first is stored as contactExternalId; the decision-maker
 * rule reads its job title); null/undefined = not read, the stored contact is kept.
 */
export async function writeEngagements(tx: Tx, w: WriteContext, type: EngagementType, recs: HubspotRecord[], assoc: Assoc | null, contactAssoc?: Assoc | null): Promise<WriteResult> {
  const skipped: WriteResult["skipped"] = [];
  const rows: Record<string, unknown>[] = [];
  const days = new Set<string | null>();
  for (const r of dedupe(recs)) {
    const row = mapEngagement(type, r, assoc?.get(r.id), contactAssoc ? (contactAssoc.get(r.id) ?? []) : undefined);
    if (row) {
      rows.push({ ...withCompany(row, assoc), organizationId: w.organizationId, connectionId: w.connectionId });
      days.add(utcDay(row.occurredAt)).add(utcDay(row.sourceCreatedAt));
    } else skipped.push({ externalId: r.id, reason: "malformed record: no hs_timestamp" });
  }
  // The sales-activity pre-aggregate: the days these records occurred/were created on, before and after this write.
  if (rows.length) {
    for (const ids of chunks(rows.map((r) => String(r.externalId)), ID_CHUNK)) {
      const stored = await tx.engagement.findMany({ where: { connectionId: w.connectionId, type, externalId: { in: ids } }, select: { occurredAt: true, sourceCreatedAt: true } });
      for (const e of stored) days.add(utcDay(e.occurredAt)).add(utcDay(e.sourceCreatedAt));
    }
    await markSalesActivityDays(tx, w.organizationId, days);
  }
  await ENGAGEMENTS.run(tx, rows, { chunkSize: UPSERT_CHUNK });
  return { processed: rows.length, unchanged: 0, skipped };
}

/** Tickets → Ticket. A record without a creation date is skipped with the reason. */
export async function writeTickets(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc | null): Promise<WriteResult> {
  const skipped: WriteResult["skipped"] = [];
  const rows: Record<string, unknown>[] = [];
  for (const r of dedupe(recs)) {
    const row = mapTicket(r, assoc?.get(r.id));
    if (row) rows.push({ ...withCompany(row, assoc), organizationId: w.organizationId, connectionId: w.connectionId });
    else skipped.push({ externalId: r.id, reason: "malformed record: no createdate" });
  }
  await TICKETS.run(tx, rows, { chunkSize: UPSERT_CHUNK });
  return { processed: rows.length, unchanged: 0, skipped };
}

/** Ids per `updateMany` in `markArchived` (SQLite caps bound parameters per statement). */
const ID_CHUNK = 300;

/**
 * Mark records archived/deleted in HubSpot (webhook deletions): `archivedAt = at` on the stream's rows among
 * `externalIds` that are not archived yet (companies, contacts, deals, tickets; other streams: nothing). Already
 * a set operation (one `updateMany` per 300 ids), so it stays on Prisma. @returns how many rows changed.
 */
export async function markArchived(tx: Tx, w: WriteContext, stream: string, externalIds: string[], at: Date): Promise<number> {
  if (externalIds.length > ID_CHUNK) {
    let n = 0;
    for (let i = 0; i < externalIds.length; i += ID_CHUNK) n += await markArchived(tx, w, stream, externalIds.slice(i, i + ID_CHUNK), at);
    return n;
  }
  const where = { connectionId: w.connectionId, externalId: { in: externalIds }, archivedAt: null };
  switch (stream) {
    case "companies": return (await tx.sourceRecord.updateMany({ where: { ...where, objectType: "company" }, data: { archivedAt: at } })).count;
    case "contacts": return (await tx.contact.updateMany({ where, data: { archivedAt: at } })).count;
    case "deals": {
      // A closed-won deal leaves "MRR closed" of its close day (sales-activity pre-aggregate).
      const closed = await tx.deal.findMany({ where, select: { closeDate: true } });
      await markSalesActivityDays(tx, w.organizationId, closed.map((d) => utcDay(d.closeDate)));
      return (await tx.deal.updateMany({ where, data: { archivedAt: at } })).count;
    }
    case "tickets": return (await tx.ticket.updateMany({ where, data: { archivedAt: at } })).count;
    default: return 0;
  }
}
