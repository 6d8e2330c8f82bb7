/**
 * Stores computed signal rows with a bulk UPSERT on the unique key (accountId, day): a re-run
 * replaces the values of existing rows (their id is kept) and never duplicates. Each statement is
 * atomic on its own; a chunk always covers whole accounts × all requested days, so no row is ever
 * half-written and nothing needs deleting first.
 *
 * Why raw SQL, one bound parameter per statement: through the driver adapters Prisma's
 * `createMany` costs ~3 ms per 38-column row and bound parameters ~0.5 ms per row on this machine;
 * and with @prisma/adapter-libsql 6.19.3 every `$transaction` and every distinct SQL text leaks
 * native memory (measured: ~2.4 MB per transaction, ~4× the SQL size per statement, never
 * reclaimed — the RavenStack backfill reached 1 GB RSS). So every chunk is sent as ONE JSON array
 * parameter to a constant SQL text, expanded server-side:
 * - SQLite: `json_each(?)` with `value ->> i` per column (SQLite ≥ 3.38; libsql ships 3.44);
 * - PostgreSQL: `jsonb_to_recordset($1::jsonb)`.
 * Nothing is interpolated into SQL. Dates are sent in each provider's own text format (SQLite:
 * Prisma's `2026-11-20T00:00:00.000+00:00`, so Prisma's range filters keep matching the rows).
 */
import type { Db, Tx } from "@/lib/db";
import { newRowId, sqliteDateText } from "@/lib/db/json-upsert";
import { providerOf } from "@/lib/db/prisma";
import type { SignalRow, SignalSnapshot } from "./types";

const SQLITE_ROWS_PER_INSERT = 1_000;
const PG_ROWS_PER_INSERT = 2_000;

/** Snapshot columns and their PostgreSQL types, in insert order. */
const SNAPSHOT_COLUMNS = {
  mrrCents: "integer", mrrCurrency: "text", mrrChange30dCents: "integer", mrrChange60dCents: "integer",
  mrrChange90dCents: "integer", seats: "integer", activeContacts: "integer", openDeals: "integer", renewalDealStage: "text",
  daysUntilRenewal: "integer", autoRenew: "boolean", cancellationPending: "boolean", failedPayments30d: "integer",
  daysSinceLastPayment: "integer", pastDueInvoices: "integer", calls30d: "integer", meetings30d: "integer", notes30d: "integer",
  daysSinceLastEngagement: "integer", openTickets: "integer", urgentTickets: "integer", tenureDays: "integer",
  billingInterval: "text", commitmentTermMonths: "integer", collectionMethod: "text", paymentMethodType: "text",
  productCount: "integer", itemCount: "integer", products: "jsonb", lifecycleState: "text", cancelingMrrShare: "double precision",
  newCustomer: "boolean", freshness: "jsonb", extra: "jsonb",
} as const satisfies Partial<Record<keyof SignalSnapshot, string>>;

type SnapshotColumn = keyof typeof SNAPSHOT_COLUMNS;
const SNAPSHOT_KEYS = Object.keys(SNAPSHOT_COLUMNS) as SnapshotColumn[];
const JSON_KEYS: ReadonlySet<string> = new Set<SnapshotColumn>(["products", "freshness", "extra"]);

const ALL_COLUMNS: Record<string, string> = {
  id: "text", organizationId: "text", accountId: "text", day: "timestamp(3)", ...SNAPSHOT_COLUMNS,
  isBackfill: "boolean", computedAt: "timestamp(3)",
};
const COLUMN_NAMES = Object.keys(ALL_COLUMNS);
const COLUMN_LIST = COLUMN_NAMES.map((c) => `"${c}"`).join(", ");
/** On conflict every column but the id (and the key) takes the new value. */
const UPDATE_SET = COLUMN_NAMES.filter((c) => c !== "id" && c !== "accountId" && c !== "day")
  .map((c) => `"${c}" = excluded."${c}"`)
  .join(", ");

const SQLITE_UPSERT =
  `INSERT INTO "AccountSignalDaily" (${COLUMN_LIST}) ` +
  `SELECT ${COLUMN_NAMES.map((_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?) WHERE true ` +
  `ON CONFLICT ("accountId", "day") DO UPDATE SET ${UPDATE_SET}`;

const PG_UPSERT =
  `INSERT INTO "AccountSignalDaily" (${COLUMN_LIST}) ` +
  `SELECT ${COLUMN_LIST} FROM jsonb_to_recordset($1::jsonb) AS x(${Object.entries(ALL_COLUMNS)
    .map(([c, t]) => `"${c}" ${t}`)
    .join(", ")}) ` +
  `ON CONFLICT ("accountId", "day") DO UPDATE SET ${UPDATE_SET}`;

/** Time-ordered signal row id ("sig" + …, see `newRowId`): inserts append to the primary-key index. */
export function newSignalId(nowMs = Date.now()): string {
  return newRowId("sig", nowMs);
}

/** One row as a positional array (SQLite: JSON columns as JSON text, booleans as 0/1, dates as text). */
function sqliteTuple(row: SignalRow, id: string, isBackfill: boolean, computedAt: string): unknown[] {
  const out: unknown[] = [id, row.organizationId, row.accountId, sqliteDateText(row.day)];
  for (const k of SNAPSHOT_KEYS) {
    const v = row[k];
    if (v === null || v === undefined) out.push(null);
    else if (JSON_KEYS.has(k)) out.push(JSON.stringify(v));
    else if (typeof v === "boolean") out.push(v ? 1 : 0);
    else out.push(v);
  }
  out.push(isBackfill ? 1 : 0, computedAt);
  return out;
}

/** One row as a record for `jsonb_to_recordset` (dates as ISO UTC; JSON columns as JSON values). */
function pgRecord(row: SignalRow, id: string, isBackfill: boolean, computedAt: string): Record<string, unknown> {
  const rec: Record<string, unknown> = { id, organizationId: row.organizationId, accountId: row.accountId, day: row.day.toISOString() };
  for (const k of SNAPSHOT_KEYS) rec[k] = row[k];
  rec.isBackfill = isBackfill;
  rec.computedAt = computedAt;
  return rec;
}

/**
 * Upsert `rows` (unique on accountId + day). Each statement carries ≤ 1,000 (SQLite) / 2,000
 * (PostgreSQL) rows in one JSON parameter.
 * @param isBackfill decides the `isBackfill` flag per row day (ms).
 */
export async function upsertSignalRows(db: Db | Tx, rows: readonly SignalRow[], isBackfill: (dayMs: number) => boolean): Promise<void> {
  const pg = providerOf(db) === "postgresql";
  const now = new Date();
  const step = pg ? PG_ROWS_PER_INSERT : SQLITE_ROWS_PER_INSERT;
  for (let i = 0; i < rows.length; i += step) {
    const chunk = rows.slice(i, i + step);
    if (pg) {
      const at = now.toISOString();
      await db.$executeRawUnsafe(PG_UPSERT, JSON.stringify(chunk.map((r) => pgRecord(r, newSignalId(), isBackfill(r.day.getTime()), at))));
    } else {
      const at = sqliteDateText(now);
      await db.$executeRawUnsafe(SQLITE_UPSERT, JSON.stringify(chunk.map((r) => sqliteTuple(r, newSignalId(), isBackfill(r.day.getTime()), at))));
    }
  }
}

/**
 * Rows of the accounts in `firstDayMs` for days in `fromDayMs` … `toDayMs` (midnight UTC ms,
 * inclusive) that lie before the account's first signal day: what an earlier run (or older code)
 * wrote for days before the account existed. SQLite: ISO text per Prisma's format; PostgreSQL:
 * timestamp(3). Only accounts whose first day is after `fromDayMs` are sent (usually few).
 */
const SQLITE_DELETE_BEFORE_START =
  `DELETE FROM "AccountSignalDaily" WHERE "accountId" IN (SELECT value ->> 0 FROM json_each(?)) AND EXISTS (` +
  `SELECT 1 FROM json_each(?) AS j WHERE j.value ->> 0 = "AccountSignalDaily"."accountId" ` +
  `AND "AccountSignalDaily"."day" >= j.value ->> 1 AND "AccountSignalDaily"."day" < j.value ->> 2)`;

const PG_DELETE_BEFORE_START =
  `DELETE FROM "AccountSignalDaily" AS s USING jsonb_to_recordset($1::jsonb) AS x("accountId" text, "from" timestamp(3), "before" timestamp(3)) ` +
  `WHERE s."accountId" = x."accountId" AND s."day" >= x."from" AND s."day" < x."before"`;

/** Accounts per DELETE statement. */
const DELETE_ACCOUNTS_PER_STATEMENT = 1_000;

/**
 * Delete the rows of days `fromDayMs` … `toDayMs` (inclusive, midnight UTC ms) that are before each
 * account's first signal day (`firstDayMs`: account id → first day ms; −Infinity = unknown start,
 * nothing deleted). Makes a re-run converge to "no row before the account existed".
 * @returns nothing; one constant-text statement per ≤ 1,000 affected accounts (none when no account starts after `fromDayMs`).
 */
export async function deleteRowsBeforeStart(
  db: Db | Tx,
  firstDayMs: ReadonlyMap<string, number>,
  range: { fromDayMs: number; toDayMs: number },
): Promise<void> {
  const affected: [string, number][] = [];
  for (const [accountId, first] of firstDayMs) {
    if (first > range.fromDayMs) affected.push([accountId, Math.min(first, range.toDayMs + 86_400_000)]);
  }
  if (affected.length === 0) return;
  const pg = providerOf(db) === "postgresql";
  const from = new Date(range.fromDayMs);
  for (let i = 0; i < affected.length; i += DELETE_ACCOUNTS_PER_STATEMENT) {
    const part = affected.slice(i, i + DELETE_ACCOUNTS_PER_STATEMENT);
    if (pg) {
      const json = JSON.stringify(part.map(([accountId, before]) => ({ accountId, from: from.toISOString(), before: new Date(before).toISOString() })));
      await db.$executeRawUnsafe(PG_DELETE_BEFORE_START, json);
    } else {
      const json = JSON.stringify(part.map(([accountId, before]) => [accountId, sqliteDateText(from), sqliteDateText(new Date(before))]));
      await db.$executeRawUnsafe(SQLITE_DELETE_BEFORE_START, json, json);
    }
  }
}

/**
 * Account.lifecycleState / Account.churnedAt from each account's LATEST signal day: for every account
 * in `rows`, its newest row there is applied unless a newer signal day is already stored (a backfill of
 * past days never overwrites today's state). churnedAt comes from `extra.churnedAt` (ISO; set while
 * the state is churned, NULL otherwise). Scoped to `organizationId`: an id of another organization
 * is never updated. One constant-text statement per ≤ 1,000 accounts (JSON parameter, as the upsert).
 */
export async function updateAccountLifecycle(db: Db | Tx, organizationId: string, rows: readonly SignalRow[]): Promise<void> {
  const latest = new Map<string, SignalRow>();
  for (const r of rows) {
    const cur = latest.get(r.accountId);
    if (!cur || r.day.getTime() > cur.day.getTime()) latest.set(r.accountId, r);
  }
  if (latest.size === 0) return;
  const pg = providerOf(db) === "postgresql";
  const list = [...latest.values()];
  for (let i = 0; i < list.length; i += DELETE_ACCOUNTS_PER_STATEMENT) {
    const part = list.slice(i, i + DELETE_ACCOUNTS_PER_STATEMENT).map((r) => {
      const churned = r.lifecycleState === "churned" && typeof r.extra?.churnedAt === "string" ? new Date(r.extra.churnedAt) : null;
      const churnedAt = churned && Number.isFinite(churned.getTime()) ? churned : null;
      return { id: r.accountId, state: r.lifecycleState, churnedAt, day: r.day };
    });
    if (pg) {
      const json = JSON.stringify(part.map((p) => ({ id: p.id, lifecycleState: p.state, churnedAt: p.churnedAt?.toISOString() ?? null, day: p.day.toISOString() })));
      await db.$executeRawUnsafe(PG_UPDATE_LIFECYCLE, json, organizationId);
    } else {
      const json = JSON.stringify(part.map((p) => [p.id, p.state, p.churnedAt ? sqliteDateText(p.churnedAt) : null, sqliteDateText(p.day)]));
      await db.$executeRawUnsafe(SQLITE_UPDATE_LIFECYCLE, json, organizationId);
    }
  }
}

/** Longest a chunk's transaction may run (a 100-account × 365-day chunk writes 36,500 rows). */
const CHUNK_TRANSACTION_TIMEOUT_MS = 300_000;

/**
 * Write one chunk of computed rows — the upsert, the accounts' lifecycle columns and the deletion of rows
 * before each account's start — in ONE transaction: a failure or crash anywhere in the chunk leaves none
 * of it (before, the upsert's statements of ≤ 1,000 rows and the two updates committed one by one, so a
 * crash left some accounts' days written and others not, and lifecycle columns behind their rows).
 * Cost: one interactive transaction per chunk (100 accounts of a backfill, 500 of a one-day run); the
 * libsql adapter's per-transaction native memory (header) is paid per chunk, not per statement.
 * @param range days whose rows before an account's start are deleted (midnight UTC ms, inclusive).
 */
export async function writeSignalChunk(
  db: Db,
  organizationId: string,
  chunk: { rows: readonly SignalRow[]; firstDayMs: ReadonlyMap<string, number> },
  isBackfill: (dayMs: number) => boolean,
  range: { fromDayMs: number; toDayMs: number },
): Promise<void> {
  if (chunk.rows.length === 0 && chunk.firstDayMs.size === 0) return;
  await db.$transaction(async (tx) => {
    await upsertSignalRows(tx, chunk.rows, isBackfill);
    await updateAccountLifecycle(tx, organizationId, chunk.rows);
    await deleteRowsBeforeStart(tx, chunk.firstDayMs, range);
  }, { timeout: CHUNK_TRANSACTION_TIMEOUT_MS, maxWait: 60_000 });
}

const SQLITE_UPDATE_LIFECYCLE =
  `UPDATE "Account" SET "lifecycleState" = j.value ->> 1, "churnedAt" = j.value ->> 2 FROM json_each(?) AS j ` +
  `WHERE "Account"."id" = j.value ->> 0 AND "Account"."organizationId" = ? AND NOT EXISTS (` +
  `SELECT 1 FROM "AccountSignalDaily" AS s WHERE s."accountId" = "Account"."id" AND s."day" > j.value ->> 3)`;

const PG_UPDATE_LIFECYCLE =
  `UPDATE "Account" AS a SET "lifecycleState" = x."lifecycleState", "churnedAt" = x."churnedAt" ` +
  `FROM jsonb_to_recordset($1::jsonb) AS x("id" text, "lifecycleState" text, "churnedAt" timestamp(3), "day" timestamp(3)) ` +
  `WHERE a."id" = x."id" AND a."organizationId" = $2 AND NOT EXISTS (` +
  `SELECT 1 FROM "AccountSignalDaily" AS s WHERE s."accountId" = a."id" AND s."day" > x."day")`;
