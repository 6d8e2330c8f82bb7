/**
 * Bulk SQL for the scoring run (SQLite and PostgreSQL). Prisma's per-row query path costs ~1-4 ms
 * per written row through the driver adapters (measured: 500 `account.update`s ≈ 2 s on SQLite), far
 * too slow for 100,000 accounts in 30 s. The scoring runs use `openScoreStore` (bottom of this file:
 * a direct libsql connection on SQLite, a node-postgres pool on PostgreSQL). The Prisma-level helpers
 * (fallback store for a SQLite client without a file; readSignalBatch is also used by the model's
 * training set and the backtest):
 * - readSignalBatch: keyset page of one day's AccountSignalDaily rows (ordered by accountId);
 * - scoresOnDay: stored health scores of a set of accounts on one day, made with one scoring config version;
 * - replaceScores: DELETE the (accounts × days) rows, then multi-row INSERT of the new ones;
 * - updateAccountColumns: one `WITH v(…) AS (VALUES …) UPDATE "Account" … FROM v` per chunk.
 * Identifiers are fixed strings; every value is a bound parameter. Caller wraps writes in a transaction.
 */
import Database from "libsql";
import { isSqliteBusy } from "@/lib/db/sqlite-connection-pragmas";
import pg from "pg";
import type { Db, Tx } from "@/lib/db";
import { newRowId, sqliteDateText } from "@/lib/db/json-upsert";
import { postgresUrlOf, providerOf, type Provider } from "@/lib/db/prisma";
import type { AccountSignalDaily } from "@/lib/generated/sqlite/client";

type Exec = Db | Tx;

type ColType = "text" | "float" | "int" | "ts" | "json" | "risk" | "trend";

const PG_CAST: Record<ColType, string> = {
  text: "text", float: "double precision", int: "integer", ts: "timestamp(3)", json: "jsonb", risk: '"RiskLevel"', trend: '"Trend"',
};

/** Placeholder for parameter i (0-based) of type t. */
function ph(p: Provider, i: number, t: ColType): string {
  return p === "postgresql" ? `CAST($${i + 1} AS ${PG_CAST[t]})` : "?";
}

/** A value as bound: JSON → string; timestamps → Date (SQLite adapter) or ISO text (PostgreSQL). */
function bind(p: Provider, v: unknown, t: ColType): unknown {
  if (v === null || v === undefined) return null;
  if (t === "json") return JSON.stringify(v);
  if (t === "ts" && v instanceof Date) return p === "postgresql" ? v.toISOString().replace("T", " ").replace("Z", "") : v;
  return v;
}

/** Largest number of bound parameters per statement we use (SQLite ≥ 3.32 allows 32,766; PostgreSQL 65,535). */
const MAX_PARAMS = 5_000;

/** One page of AccountSignalDaily rows for (organization, day), accountId > `after`, ascending. */
export async function readSignalBatch(db: Exec, p: Provider, orgId: string, day: Date, after: string | null, limit: number, until: string | null = null): Promise<AccountSignalDaily[]> {
  const args: unknown[] = [orgId, bind(p, day, "ts")];
  let sql = `SELECT * FROM "AccountSignalDaily" WHERE "organizationId" = ${ph(p, 0, "text")} AND "day" = ${ph(p, 1, "ts")}`;
  if (after !== null) {
    sql += ` AND "accountId" > ${ph(p, args.length, "text")}`;
    args.push(after);
  }
  if (until !== null) {
    // a shard's inclusive upper bound, compared by the database's own collation (sharded-run.ts)
    sql += ` AND "accountId" <= ${ph(p, args.length, "text")}`;
    args.push(until);
  }
  sql += ` ORDER BY "accountId" ASC LIMIT ${Math.floor(limit)}`;
  return (await db.$queryRawUnsafe(sql, ...args)) as AccountSignalDaily[];
}

/** The AccountSignalDaily columns scoring reads (everything but id, organizationId, isBackfill, computedAt). */
export type SignalHistoryRow = Omit<AccountSignalDaily, "id" | "organizationId" | "isBackfill" | "computedAt">;

/** Columns of SignalHistoryRow in the order readSignalHistory fetches them, with how to decode each. */
const HISTORY_COLS: [keyof SignalHistoryRow, "text" | "int" | "bool" | "json" | "ts"][] = [
  ["accountId", "text"], ["day", "ts"], ["mrrCents", "int"], ["mrrCurrency", "text"], ["mrrChange30dCents", "int"],
  ["mrrChange60dCents", "int"], ["mrrChange90dCents", "int"], ["seats", "int"], ["activeContacts", "int"], ["openDeals", "int"],
  ["renewalDealStage", "text"], ["daysUntilRenewal", "int"], ["autoRenew", "bool"], ["cancellationPending", "bool"],
  ["failedPayments30d", "int"], ["daysSinceLastPayment", "int"], ["pastDueInvoices", "int"], ["calls30d", "int"],
  ["meetings30d", "int"], ["notes30d", "int"], ["daysSinceLastEngagement", "int"], ["openTickets", "int"], ["urgentTickets", "int"],
  ["tenureDays", "int"], ["billingInterval", "text"], ["commitmentTermMonths", "int"], ["collectionMethod", "text"],
  ["paymentMethodType", "text"], ["productCount", "int"], ["itemCount", "int"], ["products", "json"], ["freshness", "json"], ["extra", "json"],
  // Issue 13 (lib/signals/types.ts): cancelingMrrShare is a REAL, read as is like the integers.
  ["lifecycleState", "text"], ["cancelingMrrShare", "int"], ["newCustomer", "bool"],
];

const HISTORY_WHERE = {
  sqlite: `WHERE "organizationId" = ? AND "accountId" IN (SELECT value FROM json_each(?)) AND "day" >= ? AND "day" <= ?`,
  postgresql:
    `WHERE "organizationId" = $1 AND "accountId" = ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) ` +
    `AND "day" >= CAST($3 AS timestamp(3)) AND "day" <= CAST($4 AS timestamp(3))`,
} as const;

/** One statement, one text result: every matching row as a JSON array of HISTORY_COLS values. */
const READ_HISTORY = {
  sqlite:
    `SELECT json_group_array(json_array(${HISTORY_COLS.map(([c, t]) => (t === "json" ? `json("${c}")` : `"${c}"`)).join(", ")})) AS "rows" ` +
    `FROM "AccountSignalDaily" ${HISTORY_WHERE.sqlite}`,
  postgresql:
    `SELECT COALESCE(json_agg(json_build_array(${HISTORY_COLS.map(([c]) => `"${c}"`).join(", ")}))::text, '[]') AS "rows" ` +
    `FROM "AccountSignalDaily" ${HISTORY_WHERE.postgresql}`,
} as const;

/** A stored timestamp as a Date: SQLite text (`…+00:00`) or epoch ms; PostgreSQL JSON text has no zone (UTC). */
function parseTs(v: unknown): Date {
  if (typeof v === "number") return new Date(v);
  const s = String(v);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(s) ? s : `${s}Z`);
}

/** HISTORY_COLS' decode kinds as small integers (0 as is, 1 timestamp, 2 boolean, 3 JSON text), for the hot loop. */
const HISTORY_KIND: number[] = HISTORY_COLS.map(([, t]) => (t === "ts" ? 1 : t === "bool" ? 2 : t === "json" ? 3 : 0));

/**
 * One row read by the direct SQLite connection (`.raw(true)`: values in HISTORY_COLS order) as the
 * SignalHistoryRow Prisma's findMany would return: Prisma's date text → Date, 0/1 → boolean, JSON text parsed.
 */
function decodeSqliteHistoryRow(a: unknown[]): SignalHistoryRow {
  const rec: Record<string, unknown> = {};
  for (let i = 0; i < HISTORY_COLS.length; i++) {
    const v = a[i] ?? null;
    const k = HISTORY_KIND[i];
    rec[HISTORY_COLS[i][0]] = v === null || k === 0 ? v : k === 1 ? parseTs(v) : k === 2 ? v === 1 || v === true : JSON.parse(String(v));
  }
  return rec as SignalHistoryRow;
}

/**
 * The rows of a READ_HISTORY-style JSON text (an array of HISTORY_COLS-ordered arrays, or null for
 * no rows) as SignalHistoryRows: timestamps → Date, booleans (true/false or 1/0) → boolean; JSON
 * columns arrive already parsed (embedded JSON values), numbers and text as they are.
 */
function decodeJsonHistoryRows(text: string | null): SignalHistoryRow[] {
  return decodeHistoryArrays(JSON.parse(text ?? "[]") as unknown[][]);
}

/** Parsed READ_HISTORY-style arrays (see decodeJsonHistoryRows) as SignalHistoryRows. */
function decodeHistoryArrays(raw: unknown[][]): SignalHistoryRow[] {
  return raw.map((a) => {
    const rec: Record<string, unknown> = {};
    for (let i = 0; i < HISTORY_COLS.length; i++) {
      const v = a[i] ?? null;
      const k = HISTORY_KIND[i];
      rec[HISTORY_COLS[i][0]] = v === null || k === 0 || k === 3 ? v : k === 1 ? parseTs(v) : v === true || v === 1;
    }
    return rec as SignalHistoryRow;
  });
}

/**
 * Every AccountSignalDaily row of `accountIds` (organization `orgId`) with day in [from, to],
 * ordered by accountId then day — the input of scoreHistory. Read as ONE text value per call
 * (SQLite `json_group_array`, PostgreSQL `json_agg`) through a constant SQL text with the ids as a
 * JSON parameter: the driver adapters' per-row result handling (~0.25 ms per 38-column row via
 * findMany) is the cost avoided. Values decode to what Prisma's findMany returns (booleans,
 * parsed JSON, Dates). Keep `accountIds` to a few hundred accounts (× days = rows in memory).
 */
export async function readSignalHistory(db: Exec, p: Provider, orgId: string, accountIds: string[], from: Date, to: Date): Promise<SignalHistoryRow[]> {
  if (accountIds.length === 0) return [];
  const res = (await db.$queryRawUnsafe(READ_HISTORY[p], orgId, JSON.stringify(accountIds), bind(p, from, "ts"), bind(p, to, "ts"))) as { rows: string | null }[];
  const out = decodeJsonHistoryRows(res[0]?.rows ?? null);
  out.sort((x, y) => (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : x.day.getTime() - y.day.getTime()));
  return out;
}

/**
 * Stored health scores on `day` for `accountIds` made with scoring config `configVersion`: accountId → score.
 * Scores of another config version are left out: they are never compared with this version's (docs/scoring.md).
 */
export async function scoresOnDay(db: Exec, p: Provider, accountIds: string[], day: Date, configVersion: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < accountIds.length; i += 5000) {
    const ids = accountIds.slice(i, i + 5000);
    const sql =
      `SELECT "accountId", "healthScore" FROM "ChurnScoreDaily" WHERE "day" = ${ph(p, 0, "ts")} AND "scoringConfigVersion" = ${ph(p, 1, "int")} ` +
      `AND "accountId" IN (${ids.map((_, k) => ph(p, k + 2, "text")).join(",")})`;
    const rows = (await db.$queryRawUnsafe(sql, bind(p, day, "ts"), configVersion, ...ids)) as { accountId: string; healthScore: number }[];
    for (const r of rows) out.set(r.accountId, Number(r.healthScore));
  }
  return out;
}

/** A ChurnScoreDaily row to insert (id and createdAt are generated here). */
export type ScoreInsert = {
  organizationId: string;
  accountId: string;
  day: Date;
  healthScore: number;
  /** NULL for accounts that are not paying (lifecycle not customer/past_due, or no MRR): a score, no level. */
  riskLevel: "healthy" | "at_risk" | "critical" | null;
  churnProbability: number | null;
  probabilitySource: string | null;
  trend: "improving" | "stable" | "declining" | null;
  factors: unknown;
  penalties: unknown;
  missingFactors: unknown;
  drivers: unknown;
  inputs: unknown;
  scoringConfigId: string | null;
  scoringConfigVersion: number;
  churnModelId: string | null;
  churnModelVersion: number | null;
};

const SCORE_COLS: [keyof ScoreInsert | "id" | "createdAt", ColType][] = [
  ["id", "text"], ["organizationId", "text"], ["accountId", "text"], ["day", "ts"], ["healthScore", "float"], ["riskLevel", "risk"],
  ["churnProbability", "float"], ["probabilitySource", "text"], ["trend", "trend"], ["factors", "json"], ["penalties", "json"],
  ["missingFactors", "json"], ["drivers", "json"], ["inputs", "json"], ["scoringConfigId", "text"], ["scoringConfigVersion", "int"],
  ["churnModelId", "text"], ["churnModelVersion", "int"], ["createdAt", "ts"],
];

/** Rows per INSERT statement (one JSON parameter each; ~2.5 KB of JSON per score row). */
const SCORE_ROWS_PER_INSERT = 500;
/** Accounts per DELETE statement (one JSON parameter). */
const IDS_PER_STATEMENT = 5_000;

const SQLITE_SCORE_INSERT =
  `INSERT INTO "ChurnScoreDaily" (${SCORE_COLS.map(([c]) => `"${c}"`).join(", ")}) ` +
  `SELECT ${SCORE_COLS.map((_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?)`;

const PG_SCORE_INSERT =
  `INSERT INTO "ChurnScoreDaily" (${SCORE_COLS.map(([c]) => `"${c}"`).join(", ")}) ` +
  `SELECT ${SCORE_COLS.map(([c, t]) => (t === "risk" || t === "trend" ? `CAST(x."${c}" AS ${PG_CAST[t]})` : `x."${c}"`)).join(", ")} ` +
  `FROM jsonb_to_recordset($1::jsonb) AS x(${SCORE_COLS.map(([c, t]) => `"${c}" ${t === "risk" || t === "trend" ? "text" : PG_CAST[t]}`).join(", ")})`;

const DELETE_SCORES = {
  sqlite: `DELETE FROM "ChurnScoreDaily" WHERE "accountId" IN (SELECT value FROM json_each(?)) AND "day" >= ? AND "day" <= ?`,
  postgresql:
    `DELETE FROM "ChurnScoreDaily" WHERE "accountId" = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb))) ` +
    `AND "day" >= CAST($2 AS timestamp(3)) AND "day" <= CAST($3 AS timestamp(3))`,
} as const;

/** Recent sqliteTs results by epoch ms (a scoring run converts the same days and run time over and over). */
const tsCache = new Map<number, string>();

/** SQLite text of a DateTime exactly as Prisma's libsql adapter writes it (`2026-11-20T00:00:00.000+00:00`). */
function sqliteTs(d: Date): string {
  const ms = d.getTime();
  let text = tsCache.get(ms);
  if (text === undefined) {
    text = sqliteDateText(d);
    if (tsCache.size >= 4_096) tsCache.clear();
    tsCache.set(ms, text);
  }
  return text;
}

/** Time-ordered ChurnScoreDaily id ("scr" + …, see `newRowId`): inserts append to the primary-key index. */
export function newScoreId(nowMs = Date.now()): string {
  return newRowId("scr", nowMs);
}

/**
 * Delete the ChurnScoreDaily rows of `accountIds` with day in [from, to], then insert `rows`.
 * Run inside a transaction so readers never see the gap.
 *
 * Every statement has a constant SQL text and ONE JSON parameter carrying its rows (SQLite
 * `json_each`, PostgreSQL `jsonb_to_recordset`), ≤ 500 rows per INSERT: through the driver
 * adapters a bound parameter costs ~0.5 ms per row and @prisma/adapter-libsql keeps native memory
 * per distinct SQL text (see lib/signals/write-signal-rows.ts). JSON columns are sent as their
 * `JSON.stringify` text (SQLite stores it verbatim, like Prisma), floats as JSON numbers (SQLite
 * 3.44 parses every 1-decimal score and 4-decimal probability back to the identical double).
 */
export async function replaceScores(db: Exec, p: Provider, accountIds: string[], from: Date, to: Date, rows: ScoreInsert[], now: Date): Promise<void> {
  for (let i = 0; i < accountIds.length; i += IDS_PER_STATEMENT) {
    const ids = JSON.stringify(accountIds.slice(i, i + IDS_PER_STATEMENT));
    await db.$executeRawUnsafe(DELETE_SCORES[p], ids, bind(p, from, "ts"), bind(p, to, "ts"));
  }
  const nowMs = now.getTime();
  for (let i = 0; i < rows.length; i += SCORE_ROWS_PER_INSERT) {
    const part = rows.slice(i, i + SCORE_ROWS_PER_INSERT);
    if (p === "postgresql") {
      const createdAt = now.toISOString();
      const recs = part.map((r) => ({
        ...r, id: newScoreId(nowMs), createdAt, day: r.day.toISOString(),
      }));
      await db.$executeRawUnsafe(PG_SCORE_INSERT, JSON.stringify(recs));
    } else {
      const createdAt = sqliteTs(now);
      const tuples = part.map((r) => {
        const rec: Record<string, unknown> = { ...r, id: newScoreId(nowMs), createdAt };
        return SCORE_COLS.map(([c, t]) => {
          const v = rec[c];
          if (v === null || v === undefined) return null;
          if (t === "json") return JSON.stringify(v);
          if (t === "ts") return v instanceof Date ? sqliteTs(v) : v;
          return v;
        });
      });
      await db.$executeRawUnsafe(SQLITE_SCORE_INSERT, JSON.stringify(tuples));
    }
  }
}

/** New denormalised latest-score values of one account (mrr columns only when known). */
export type AccountColumns = {
  id: string;
  healthScore: number;
  /** NULL for accounts that are not paying (see ScoreInsert.riskLevel). */
  riskLevel: "healthy" | "at_risk" | "critical" | null;
  churnProbability: number | null;
  trend: "improving" | "stable" | "declining" | null;
  topReason: string | null;
  scoredAt: Date;
  mrrCents: number | null;
  mrrCurrency: string | null;
  /** Next renewal (scored day + daysUntilRenewal), null when unknown or no live subscription. */
  renewalDate: Date | null;
};

const ACC_COLS: [keyof AccountColumns, ColType][] = [
  ["id", "text"], ["healthScore", "float"], ["riskLevel", "risk"], ["churnProbability", "float"], ["trend", "trend"],
  ["topReason", "text"], ["scoredAt", "ts"], ["mrrCents", "int"], ["mrrCurrency", "text"], ["renewalDate", "ts"],
];

/** Write the latest-score columns of many accounts (mrrCents/mrrCurrency kept when the new value is null). */
export async function updateAccountColumns(db: Exec, p: Provider, rows: AccountColumns[]): Promise<void> {
  const perRow = ACC_COLS.length;
  const chunk = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  const names = ACC_COLS.map(([c]) => `"${c}"`).join(", ");
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const args: unknown[] = [];
    const tuples = part.map((r, k) => `(${ACC_COLS.map(([c, t], j) => {
      args.push(bind(p, r[c], t));
      return ph(p, k * perRow + j, t);
    }).join(", ")})`);
    const sql =
      `WITH v(${names}) AS (VALUES ${tuples.join(", ")}) ` +
      `UPDATE "Account" SET "healthScore" = v."healthScore", "riskLevel" = v."riskLevel", "churnProbability" = v."churnProbability", ` +
      `"trend" = v."trend", "topReason" = v."topReason", "scoredAt" = v."scoredAt", ` +
      `"mrrCents" = COALESCE(v."mrrCents", "Account"."mrrCents"), "mrrCurrency" = CASE WHEN v."mrrCents" IS NULL THEN "Account"."mrrCurrency" ELSE v."mrrCurrency" END, ` +
      `"renewalDate" = v."renewalDate", ` +
      `"updatedAt" = v."scoredAt" FROM v WHERE "Account"."id" = v."id"`;
    await db.$executeRawUnsafe(sql, ...args);
  }
}

/** accountId → newest stored score day (ms) among days > `after`, for the given accounts. */
export async function newestScoreDayAfter(db: Exec, p: Provider, accountIds: string[], after: Date): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < accountIds.length; i += 5000) {
    const ids = accountIds.slice(i, i + 5000);
    const rows = (await db.$queryRawUnsafe(
      `SELECT "accountId", MAX("day") AS "maxDay" FROM "ChurnScoreDaily" WHERE "day" > ${ph(p, 0, "ts")} AND "accountId" IN (${ids.map((_, k) => ph(p, k + 1, "text")).join(",")}) GROUP BY "accountId"`,
      bind(p, after, "ts"), ...ids,
    )) as { accountId: string; maxDay: Date | string }[];
    for (const r of rows) out.set(r.accountId, new Date(r.maxDay).getTime());
  }
  return out;
}

/**
 * The scoring run's database access, one implementation per provider:
 * - SQLite: a synchronous libsql connection of its own to the same file (found with
 *   `PRAGMA database_list`; 64 MB page cache, WAL autocheckpoint every 10,000 pages). Reads are
 *   prepared `.raw(true)` statements; score rows are inserted by one prepared INSERT per row
 *   (measured faster than `INSERT … SELECT … FROM json_each(?)` for these ~3 KB rows, see
 *   docs/scoring.md), the Account columns by one `UPDATE … FROM json_each(?)` per ≤ 1,000 accounts. Through Prisma's driver adapter
 *   every raw statement passes its parameters through the query compiler (measured on 20,000 real
 *   score rows: 4.4 s CPU with one JSON parameter per 500 rows vs 0.65 s direct; RavenStack's
 *   191,260 history rows ≈ 480 MB of JSON), and interactive transactions leak native memory.
 *   Each write (delete + insert + account columns) runs as synchronous `BEGIN IMMEDIATE … COMMIT`s
 *   of whole accounts, ≤ ~4,000 rows each, so no lock is held across an `await` (another Prisma
 *   write in this process would otherwise wait on it while blocking the event loop); when another
 *   connection holds the lock, the transaction is retried after an asynchronous pause (≤ 30 s).
 * - PostgreSQL (pgStore): a node-postgres pool of its own (≤ 3 connections, the Prisma client's
 *   connection settings; Prisma raw SQL when those are not reachable). Every read returns ONE JSON
 *   text (`json_agg(json_build_array(…))::text`); id lists are one JSON parameter
 *   (`= ANY(ARRAY(SELECT jsonb_array_elements_text($n::jsonb)))`); each write is one transaction:
 *   DELETE, `INSERT … FROM jsonb_to_recordset` per ≤ 2,000 score rows, `UPDATE "Account" … FROM
 *   jsonb_to_recordset` per ≤ 2,000 accounts.
 * Call `close()` when done (closes the SQLite connection / the PostgreSQL pool).
 */
export type ScoreStore = {
  provider: Provider;
  /** Every AccountSignalDaily row of `accountIds` with day in [from, to], ordered by accountId, day. */
  readSignalHistory(orgId: string, accountIds: string[], from: Date, to: Date): Promise<SignalHistoryRow[]>;
  /**
   * One keyset page of `day`'s AccountSignalDaily rows of organization `orgId`: accountId > `after`
   * (null = from the start), ascending by accountId, at most `limit` rows — scoreOrganization's input.
   */
  readSignalDay(orgId: string, day: Date, after: string | null, limit: number, until?: string | null): Promise<SignalHistoryRow[]>;
  /**
   * Stored health scores of `accountIds` on `day` made with scoring config `configVersion`: accountId → score
   * (accounts without one, or whose score was made with another config version, are absent).
   */
  scoresOnDay(accountIds: string[], day: Date, configVersion: number): Promise<Map<string, number>>;
  /** Stored health scores of `accountIds` with day in [from, to) and config `configVersion`: `${accountId}|${dayMs}` → score. */
  scoresBetween(accountIds: string[], from: Date, toExclusive: Date, configVersion: number): Promise<Map<string, number>>;
  /** accountId → newest stored score day (ms) among days > `after`. */
  newestScoreDayAfter(accountIds: string[], after: Date): Promise<Map<string, number>>;
  /**
   * Atomically per group of accounts: delete the ChurnScoreDaily rows of `accountIds` with day in
   * [from, to], insert `rows`, write `accounts`' latest-score columns. Rows and account columns must
   * belong to `accountIds`.
   */
  write(w: { accountIds: string[]; from: Date; to: Date; rows: ScoreInsert[]; accounts: AccountColumns[]; now: Date }): Promise<void>;
  close(): Promise<void>;
};

/** Score rows per synchronous SQLite write transaction (whole accounts; ~4,000 rows ≈ 0.15 s of CPU). */
const SQLITE_ROWS_PER_TX = 4_000;

/** Open the scoring store of `db` (see ScoreStore). */
export async function openScoreStore(db: Db): Promise<ScoreStore> {
  const p = providerOf(db);
  if (p === "sqlite") {
    const list = (await db.$queryRawUnsafe(`PRAGMA database_list`)) as { name: string; file: string }[];
    const file = list.find((x) => x.name === "main")?.file;
    if (file) return openDirectSqliteStore(file);
  }
  return prismaStore(db, p);
}

/** Keys of a prior-score map. */
const scoreKey = (accountId: string, dayMs: number) => `${accountId}|${dayMs}`;

function prismaStore(db: Db, p: Provider): ScoreStore {
  if (p === "postgresql") return pgStore(db);
  return {
    provider: p,
    readSignalHistory: (orgId, ids, from, to) => readSignalHistory(db, p, orgId, ids, from, to),
    readSignalDay: (orgId, day, after, limit, until) => readSignalBatch(db, p, orgId, day, after, limit, until ?? null),
    scoresOnDay: (ids, day, version) => scoresOnDay(db, p, ids, day, version),
    async scoresBetween(ids, from, toExclusive, version) {
      const prior = await db.churnScoreDaily.findMany({
        where: { accountId: { in: ids }, day: { gte: from, lt: toExclusive }, scoringConfigVersion: version },
        select: { accountId: true, day: true, healthScore: true },
      });
      return new Map(prior.map((r) => [scoreKey(r.accountId, r.day.getTime()), r.healthScore]));
    },
    newestScoreDayAfter: (ids, after) => newestScoreDayAfter(db, p, ids, after),
    async write({ accountIds, from, to, rows, accounts, now }) {
      await db.$transaction(async (tx) => {
        await replaceScores(tx, p, accountIds, from, to, rows, now);
        await updateAccountColumns(tx, p, accounts);
      }, { timeout: 120_000, maxWait: 30_000 });
    },
    close: async () => {},
  };
}

/** A PostgreSQL id-list condition on `col` from JSON parameter `$n` (drives the index even without table statistics). */
const pgIdsIn = (col: string, n: number) => `${col} = ANY(ARRAY(SELECT jsonb_array_elements_text($${n}::jsonb)))`;

/** HISTORY_COLS as a PostgreSQL select list. */
const PG_HISTORY_LIST = HISTORY_COLS.map(([c]) => `"${c}"`).join(", ");

/**
 * One keyset page of a day's signal rows as ONE JSON text (json_agg of HISTORY_COLS arrays, ascending
 * accountId): $1 organizationId, $2 day, $3 limit[, $4 after].
 */
const PG_READ_DAY = (withAfter: boolean, withUntil: boolean) =>
  `SELECT COALESCE(json_agg(json_build_array(${PG_HISTORY_LIST}) ORDER BY "accountId")::text, '[]') AS "rows" ` +
  `FROM (SELECT ${PG_HISTORY_LIST} FROM "AccountSignalDaily" WHERE "organizationId" = $1 AND "day" = CAST($2 AS timestamp(3))` +
  `${withAfter ? ` AND "accountId" > $4` : ""}${withUntil ? ` AND "accountId" <= $${withAfter ? 5 : 4}` : ""} ORDER BY "accountId" LIMIT CAST($3 AS bigint)) AS s`;
const PG_READ_DAY_FIRST = PG_READ_DAY(false, false);
const PG_READ_DAY_NEXT = PG_READ_DAY(true, false);
/** A shard's page (sharded-run.ts): also `"accountId" <= until` (the last $n), by PostgreSQL's collation. */
const PG_READ_DAY_FIRST_UNTIL = PG_READ_DAY(false, true);
const PG_READ_DAY_NEXT_UNTIL = PG_READ_DAY(true, true);

/** Stored scores (config version $3) of the JSON id list $1 on day $2 as one JSON text of [accountId, healthScore] pairs. */
const PG_SCORES_ON_DAY =
  `SELECT COALESCE(json_agg(json_build_array("accountId", "healthScore"))::text, '[]') AS "rows" FROM "ChurnScoreDaily" ` +
  `WHERE ${pgIdsIn(`"accountId"`, 1)} AND "day" = CAST($2 AS timestamp(3)) AND "scoringConfigVersion" = CAST($3 AS integer)`;

/** Stored scores (config version $4) of the JSON id list $1 with day in [$2, $3) as one JSON text of [accountId, day, healthScore]. */
const PG_SCORES_BETWEEN =
  `SELECT COALESCE(json_agg(json_build_array("accountId", "day", "healthScore"))::text, '[]') AS "rows" FROM "ChurnScoreDaily" ` +
  `WHERE ${pgIdsIn(`"accountId"`, 1)} AND "day" >= CAST($2 AS timestamp(3)) AND "day" < CAST($3 AS timestamp(3)) ` +
  `AND "scoringConfigVersion" = CAST($4 AS integer)`;

/** Newest stored score day > $2 per account of the JSON id list $1, one JSON text of [accountId, day]. */
const PG_NEWEST_AFTER =
  `SELECT COALESCE(json_agg(json_build_array("accountId", "maxDay"))::text, '[]') AS "rows" FROM (` +
  `SELECT "accountId", MAX("day") AS "maxDay" FROM "ChurnScoreDaily" WHERE ${pgIdsIn(`"accountId"`, 1)} ` +
  `AND "day" > CAST($2 AS timestamp(3)) GROUP BY "accountId") AS s`;

/**
 * The Account latest-score columns from one JSON array of AccountColumns objects ($1; dates as ISO
 * UTC text): mrrCents kept when the new value is null, and then mrrCurrency too; updatedAt = scoredAt.
 * Same semantics as SQLITE_ACCOUNT_UPDATE / updateAccountColumns.
 */
const PG_ACCOUNT_UPDATE =
  `UPDATE "Account" AS a SET "healthScore" = v."healthScore", "riskLevel" = CAST(v."riskLevel" AS "RiskLevel"), ` +
  `"churnProbability" = v."churnProbability", "trend" = CAST(v."trend" AS "Trend"), "topReason" = v."topReason", "scoredAt" = v."scoredAt", ` +
  `"mrrCents" = COALESCE(v."mrrCents", a."mrrCents"), ` +
  `"mrrCurrency" = CASE WHEN v."mrrCents" IS NULL THEN a."mrrCurrency" ELSE v."mrrCurrency" END, ` +
  `"renewalDate" = v."renewalDate", "updatedAt" = v."scoredAt" ` +
  `FROM jsonb_to_recordset($1::jsonb) AS v(${ACC_COLS.map(([c, t]) => `"${c}" ${t === "risk" || t === "trend" ? "text" : PG_CAST[t]}`).join(", ")}) ` +
  `WHERE a."id" = v."id"`;

/** Score rows (and accounts) per PostgreSQL INSERT/UPDATE statement (one JSON parameter; ~2.5 KB per score row). */
const PG_ROWS_PER_STATEMENT = 2_000;

/**
 * How the PostgreSQL store reaches the database: `json` runs a one-text-value query (`AS "rows"`) and
 * parses its JSON array; `transaction` runs `fn`'s statements in one transaction (rolled back when `fn` throws).
 */
type PgRunner = {
  json<T>(sql: string, args: unknown[]): Promise<T[]>;
  transaction(fn: (exec: (sql: string, args: unknown[]) => Promise<void>) => Promise<void>): Promise<void>;
  close(): Promise<void>;
};

/** PgRunner over Prisma raw SQL (fallback when the client's pg connection settings are not reachable). */
function prismaPgRunner(db: Db): PgRunner {
  return {
    async json<T>(sql: string, args: unknown[]) {
      const res = (await db.$queryRawUnsafe(sql, ...args)) as { rows: string | null }[];
      return JSON.parse(res[0]?.rows ?? "[]") as T[];
    },
    async transaction(fn) {
      await db.$transaction(async (tx) => { await fn(async (sql, args) => { await tx.$executeRawUnsafe(sql, ...args); }); }, { timeout: 120_000, maxWait: 30_000 });
    },
    close: async () => {},
  };
}

/** The node-postgres settings of a client made by `createPrisma` (its URL), or null (the Prisma path is used). */
function pgConfigOf(db: Db): pg.PoolConfig | null {
  const url = postgresUrlOf(db);
  return url ? { connectionString: url } : null;
}

/**
 * PgRunner over a node-postgres pool of its own (≤ 3 connections: a write transaction in flight plus the
 * next batch's reads). Through Prisma every raw statement's parameters pass the query compiler (measured:
 * ~130 ms of Node CPU per 1,000-row score INSERT, a 2.8 MB JSON parameter — as much as PostgreSQL's own
 * work on it); here the JSON text goes to the socket as it is.
 */
function directPgRunner(config: pg.PoolConfig): PgRunner {
  const pool = new pg.Pool({ ...config, max: 3 });
  return {
    async json<T>(sql: string, args: unknown[]) {
      const res = await pool.query<{ rows: string | null }>(sql, args);
      return JSON.parse(res.rows[0]?.rows ?? "[]") as T[];
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await fn(async (sql, args) => { await client.query(sql, args); });
        await client.query("COMMIT");
        client.release();
      } catch (e) {
        // A connection whose ROLLBACK fails is dropped from the pool, not reused.
        await client.query("ROLLBACK").then(() => client.release(), (err: Error) => client.release(err));
        throw e;
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The PostgreSQL store: every read returns ONE JSON text per statement (`json_agg(json_build_array(…))::text`),
 * parsed in one `JSON.parse` — Prisma's per-row, per-column result handling is what it avoids. Id lists are one
 * JSON parameter. Each write is one transaction: DELETE of the range, `INSERT … SELECT … FROM
 * jsonb_to_recordset($1::jsonb)` per ≤ 2,000 score rows and `UPDATE "Account" … FROM jsonb_to_recordset($1::jsonb)`
 * per ≤ 2,000 accounts (atomic replace: readers see the old rows or the new ones). Runs on a node-postgres pool
 * of its own with the Prisma client's connection settings (see directPgRunner), else through Prisma raw SQL.
 */
function pgStore(db: Db): ScoreStore {
  const p: Provider = "postgresql";
  const config = pgConfigOf(db);
  const run = config ? directPgRunner(config) : prismaPgRunner(db);
  const ts = (d: Date) => bind(p, d, "ts");
  return {
    provider: p,
    async readSignalHistory(orgId, ids, from, to) {
      if (ids.length === 0) return [];
      const out = decodeHistoryArrays(await run.json<unknown[]>(READ_HISTORY.postgresql, [orgId, JSON.stringify(ids), ts(from), ts(to)]));
      out.sort((x, y) => (x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : x.day.getTime() - y.day.getTime()));
      return out;
    },
    async readSignalDay(orgId, day, after, limit, until) {
      const n = Math.max(1, Math.floor(limit));
      const rows = await (until != null
        ? (after === null ? run.json<unknown[]>(PG_READ_DAY_FIRST_UNTIL, [orgId, ts(day), n, until]) : run.json<unknown[]>(PG_READ_DAY_NEXT_UNTIL, [orgId, ts(day), n, after, until]))
        : (after === null ? run.json<unknown[]>(PG_READ_DAY_FIRST, [orgId, ts(day), n]) : run.json<unknown[]>(PG_READ_DAY_NEXT, [orgId, ts(day), n, after])));
      return decodeHistoryArrays(rows);
    },
    async scoresOnDay(ids, day, version) {
      if (ids.length === 0) return new Map();
      const rows = await run.json<[string, number]>(PG_SCORES_ON_DAY, [JSON.stringify(ids), ts(day), version]);
      return new Map(rows.map(([a, h]) => [a, Number(h)]));
    },
    async scoresBetween(ids, from, toExclusive, version) {
      if (ids.length === 0) return new Map();
      const rows = await run.json<[string, string, number]>(PG_SCORES_BETWEEN, [JSON.stringify(ids), ts(from), ts(toExclusive), version]);
      return new Map(rows.map(([a, d, h]) => [scoreKey(a, parseTs(d).getTime()), Number(h)]));
    },
    async newestScoreDayAfter(ids, after) {
      if (ids.length === 0) return new Map();
      const rows = await run.json<[string, string]>(PG_NEWEST_AFTER, [JSON.stringify(ids), ts(after)]);
      return new Map(rows.map(([a, d]) => [a, parseTs(d).getTime()]));
    },
    async write({ accountIds, from, to, rows, accounts, now }) {
      // Encoded before the transaction opens, so it stays open only while PostgreSQL works.
      const nowMs = now.getTime();
      const createdAt = now.toISOString();
      const inserts: string[] = [];
      for (let i = 0; i < rows.length; i += PG_ROWS_PER_STATEMENT) {
        inserts.push(JSON.stringify(rows.slice(i, i + PG_ROWS_PER_STATEMENT).map((r) => ({ ...r, id: newScoreId(nowMs), createdAt, day: r.day.toISOString() }))));
      }
      const updates: string[] = [];
      for (let i = 0; i < accounts.length; i += PG_ROWS_PER_STATEMENT) updates.push(JSON.stringify(accounts.slice(i, i + PG_ROWS_PER_STATEMENT)));
      const deletes: string[] = [];
      for (let i = 0; i < accountIds.length; i += IDS_PER_STATEMENT) deletes.push(JSON.stringify(accountIds.slice(i, i + IDS_PER_STATEMENT)));
      await run.transaction(async (exec) => {
        for (const ids of deletes) await exec(DELETE_SCORES.postgresql, [ids, ts(from), ts(to)]);
        for (const json of inserts) await exec(PG_SCORE_INSERT, [json]);
        for (const json of updates) await exec(PG_ACCOUNT_UPDATE, [json]);
      });
    },
    close: () => run.close(),
  };
}

/** How long a scoring write waits for another connection's write lock before failing. */
const SQLITE_LOCK_WAIT_MS = 30_000;

/** Accounts per `UPDATE "Account" … FROM json_each(?)` of the direct SQLite store. */
const SQLITE_ACCOUNTS_PER_UPDATE = 1_000;

/** SCORE_COLS' encode kinds (0 as is, 1 timestamp, 2 JSON text), for the hot loop. */
const SCORE_KIND: number[] = SCORE_COLS.map(([, t]) => (t === "ts" ? 1 : t === "json" ? 2 : 0));

/**
 * One ChurnScoreDaily row as the positional parameters of the direct store's INSERT (SCORE_COLS order):
 * dates as Prisma's SQLite text, JSON columns as their JSON.stringify text (stored verbatim, as
 * Prisma writes them), null/undefined as null. `id`/`createdAt` come from the caller.
 */
function sqliteScoreTuple(r: ScoreInsert, id: string, createdAt: string): unknown[] {
  const out: unknown[] = new Array(SCORE_COLS.length);
  for (let i = 0; i < SCORE_COLS.length; i++) {
    const c = SCORE_COLS[i][0];
    const v = c === "id" ? id : c === "createdAt" ? createdAt : r[c];
    const k = SCORE_KIND[i];
    out[i] = v === null || v === undefined ? null : k === 1 ? (v instanceof Date ? sqliteTs(v) : v) : k === 2 ? JSON.stringify(v) : v;
  }
  return out;
}

/** One AccountColumns as the positional array SQLITE_ACCOUNT_UPDATE reads (ACC_COLS order, dates as Prisma text). */
function sqliteAccountTuple(a: AccountColumns): unknown[] {
  return [
    a.id, a.healthScore, a.riskLevel, a.churnProbability, a.trend, a.topReason, sqliteTs(a.scoredAt),
    a.mrrCents, a.mrrCurrency, a.renewalDate === null ? null : sqliteTs(a.renewalDate),
  ];
}

/**
 * The latest-score columns of many accounts from one JSON array of sqliteAccountTuple()s
 * (UPDATE … FROM, SQLite ≥ 3.33): mrrCents kept when the new value is null, and then mrrCurrency too;
 * updatedAt = scoredAt. Same semantics as updateAccountColumns.
 */
const SQLITE_ACCOUNT_UPDATE =
  `UPDATE "Account" SET "healthScore" = v."healthScore", "riskLevel" = v."riskLevel", "churnProbability" = v."churnProbability", ` +
  `"trend" = v."trend", "topReason" = v."topReason", "scoredAt" = v."scoredAt", ` +
  `"mrrCents" = COALESCE(v."mrrCents", "Account"."mrrCents"), ` +
  `"mrrCurrency" = CASE WHEN v."mrrCents" IS NULL THEN "Account"."mrrCurrency" ELSE v."mrrCurrency" END, ` +
  `"renewalDate" = v."renewalDate", "updatedAt" = v."scoredAt" ` +
  `FROM (SELECT ${ACC_COLS.map(([c], i) => `value ->> ${i} AS "${c}"`).join(", ")} FROM json_each(?)) AS v WHERE "Account"."id" = v."id"`;

/** Page cache of the direct SQLite connection, KiB. */
const SQLITE_CACHE_KB = 65_536;
/** WAL pages after which a commit of the direct connection checkpoints (SQLite's default: 1,000). */
const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000;

function openDirectSqliteStore(file: string): ScoreStore {
  const conn = new Database(file);
  // No busy waiting inside SQLite: it would block this process's event loop, so a Prisma write of
  // this same process holding the lock (across its awaits) could never finish. writeLocked() waits
  // asynchronously instead.
  conn.pragma("busy_timeout = 0");
  conn.pragma("foreign_keys = ON");
  // WAL + NORMAL: commits no longer fsync (the WAL is synced at checkpoints); a power cut can lose
  // the last scoring transactions, never corrupt the file — and scores are recomputable.
  conn.pragma("synchronous = NORMAL");
  // A 64 MB page cache (default 2 MB): at 100,000 accounts the Account table and its console indexes
  // (~110 MB) are updated at random keys; with the default cache most page reads were syscalls
  // (measured: 9 s → 5 s of system time per 100,000 accounts). Allocated only as pages are used.
  conn.pragma(`cache_size = -${SQLITE_CACHE_KB}`);
  // Checkpoint after ~40 MB of WAL instead of ~4 MB: pages rewritten by several transactions (index
  // pages) are copied into the database once, and fewer checkpoints fsync the file.
  conn.pragma(`wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`);
  const ids = (a: string[]) => JSON.stringify(a);
  const readHistory = conn.prepare(
    `SELECT ${HISTORY_COLS.map(([c]) => `"${c}"`).join(", ")} FROM "AccountSignalDaily" ` +
      `WHERE "organizationId" = ? AND "accountId" IN (SELECT value FROM json_each(?)) AND "day" >= ? AND "day" <= ? ORDER BY "accountId", "day"`,
  ).raw(true);
  const dayCols = HISTORY_COLS.map(([c]) => `"${c}"`).join(", ");
  const readDayFirst = conn.prepare(
    `SELECT ${dayCols} FROM "AccountSignalDaily" WHERE "organizationId" = ? AND "day" = ? ORDER BY "accountId" LIMIT ?`,
  ).raw(true);
  const readDayNext = conn.prepare(
    `SELECT ${dayCols} FROM "AccountSignalDaily" WHERE "organizationId" = ? AND "day" = ? AND "accountId" > ? ORDER BY "accountId" LIMIT ?`,
  ).raw(true);
  // a shard's pages (sharded-run.ts): also accountId <= its upper bound
  const readDayFirstUntil = conn.prepare(
    `SELECT ${dayCols} FROM "AccountSignalDaily" WHERE "organizationId" = ? AND "day" = ? AND "accountId" <= ? ORDER BY "accountId" LIMIT ?`,
  ).raw(true);
  const readDayNextUntil = conn.prepare(
    `SELECT ${dayCols} FROM "AccountSignalDaily" WHERE "organizationId" = ? AND "day" = ? AND "accountId" > ? AND "accountId" <= ? ORDER BY "accountId" LIMIT ?`,
  ).raw(true);
  const readScoresOnDay = conn.prepare(
    `SELECT "accountId", "healthScore" FROM "ChurnScoreDaily" WHERE "accountId" IN (SELECT value FROM json_each(?)) AND "day" = ? AND "scoringConfigVersion" = ?`,
  ).raw(true);
  const readScores = conn.prepare(
    `SELECT "accountId", "day", "healthScore" FROM "ChurnScoreDaily" WHERE "accountId" IN (SELECT value FROM json_each(?)) AND "day" >= ? AND "day" < ? AND "scoringConfigVersion" = ?`,
  ).raw(true);
  const readNewest = conn.prepare(
    `SELECT "accountId", MAX("day") FROM "ChurnScoreDaily" WHERE "day" > ? AND "accountId" IN (SELECT value FROM json_each(?)) GROUP BY "accountId"`,
  ).raw(true);
  const del = conn.prepare(`DELETE FROM "ChurnScoreDaily" WHERE "accountId" IN (SELECT value FROM json_each(?)) AND "day" >= ? AND "day" <= ?`);
  const ins = conn.prepare(`INSERT INTO "ChurnScoreDaily" (${SCORE_COLS.map(([c]) => `"${c}"`).join(", ")}) VALUES (${SCORE_COLS.map(() => "?").join(", ")})`);
  const upd = conn.prepare(SQLITE_ACCOUNT_UPDATE);
  /**
   * Run `fn` in BEGIN IMMEDIATE … COMMIT. When another connection holds the write lock (SQLITE_BUSY)
   * the whole transaction is rolled back and retried after an asynchronous pause (1, 2, 4 … 50 ms),
   * for up to SQLITE_LOCK_WAIT_MS; `fn` must be synchronous and safe to repeat.
   * @throws the SQLite error when it is not SQLITE_BUSY or the wait is over.
   */
  const writeLocked = async (fn: () => void) => {
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        conn.exec("BEGIN IMMEDIATE");
        fn();
        conn.exec("COMMIT");
        return;
      } catch (e) {
        if (conn.inTransaction) conn.exec("ROLLBACK");
        if (!isSqliteBusy(e) || Date.now() > deadline) throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt)));
    }
  };
  return {
    provider: "sqlite",
    async readSignalHistory(orgId, accountIds, from, to) {
      if (accountIds.length === 0) return [];
      return (readHistory.all(orgId, ids(accountIds), sqliteTs(from), sqliteTs(to)) as unknown[][]).map(decodeSqliteHistoryRow);
    },
    async readSignalDay(orgId, day, after, limit, until) {
      const n = Math.max(1, Math.floor(limit));
      const raw = (until != null
        ? (after === null ? readDayFirstUntil.all(orgId, sqliteTs(day), until, n) : readDayNextUntil.all(orgId, sqliteTs(day), after, until, n))
        : (after === null ? readDayFirst.all(orgId, sqliteTs(day), n) : readDayNext.all(orgId, sqliteTs(day), after, n))) as unknown[][];
      return raw.map(decodeSqliteHistoryRow);
    },
    async scoresOnDay(accountIds, day, version) {
      const out = new Map<string, number>();
      if (accountIds.length === 0) return out;
      for (const [a, h] of readScoresOnDay.all(ids(accountIds), sqliteTs(day), version) as [string, number][]) out.set(a, Number(h));
      return out;
    },
    async scoresBetween(accountIds, from, toExclusive, version) {
      const out = new Map<string, number>();
      if (accountIds.length === 0) return out;
      for (const [a, d, h] of readScores.all(ids(accountIds), sqliteTs(from), sqliteTs(toExclusive), version) as [string, string, number][]) {
        out.set(scoreKey(a, parseTs(d).getTime()), Number(h));
      }
      return out;
    },
    async newestScoreDayAfter(accountIds, after) {
      const out = new Map<string, number>();
      if (accountIds.length === 0) return out;
      for (const [a, d] of readNewest.all(sqliteTs(after), ids(accountIds)) as [string, string][]) out.set(a, parseTs(d).getTime());
      return out;
    },
    async write({ accountIds, from, to, rows, accounts, now }) {
      const createdAt = sqliteTs(now);
      const nowMs = now.getTime();
      const rowsOf = new Map<string, ScoreInsert[]>();
      for (const r of rows) {
        const list = rowsOf.get(r.accountId);
        if (list) list.push(r);
        else rowsOf.set(r.accountId, [r]);
      }
      const accOf = new Map(accounts.map((a) => [a.id, a]));
      for (let i = 0; i < accountIds.length;) {
        // Whole accounts, up to ~SQLITE_ROWS_PER_TX rows (at least one account).
        const group: string[] = [];
        for (let n = 0; i < accountIds.length && (group.length === 0 || n + (rowsOf.get(accountIds[i])?.length ?? 0) <= SQLITE_ROWS_PER_TX); i++) {
          n += rowsOf.get(accountIds[i])?.length ?? 0;
          group.push(accountIds[i]);
        }
        // Encoded before BEGIN, so the write lock is held only while SQLite works.
        const tuples: unknown[][] = [];
        const accTuples: unknown[][] = [];
        for (const accountId of group) {
          for (const r of rowsOf.get(accountId) ?? []) tuples.push(sqliteScoreTuple(r, newScoreId(nowMs), createdAt));
          const a = accOf.get(accountId);
          if (a) accTuples.push(sqliteAccountTuple(a));
        }
        const accJson: string[] = [];
        for (let k = 0; k < accTuples.length; k += SQLITE_ACCOUNTS_PER_UPDATE) accJson.push(JSON.stringify(accTuples.slice(k, k + SQLITE_ACCOUNTS_PER_UPDATE)));
        const groupIds = ids(group);
        const fromTs = sqliteTs(from);
        const toTs = sqliteTs(to);
        // Synchronous from BEGIN to COMMIT: nothing else in this process runs in between.
        await writeLocked(() => {
          del.run(groupIds, fromTs, toTs);
          for (const t of tuples) ins.run(t);
          for (const j of accJson) upd.run(j);
        });
        // Let other work in this process run between transactions.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close: async () => { conn.close(); },
  };
}
