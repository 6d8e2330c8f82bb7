/**
 * The 365-day backfill: reconstructs, point-in-time, the daily signals of the past `days` days
 * (asOf − days + 1 … asOf) for every account of an organization, so trends, history charts and
 * model training work right after the first sync (issue 6, "Backfill").
 *
 * Only days an account existed get a row: days before its start (compute-signals.ts) are skipped,
 * and rows an earlier run left there are deleted, so history charts, scores and training rows begin
 * on the account's first day. An account with no known start keeps all days.
 *
 * Efficient by construction: each batch of accounts has its records loaded ONCE (a fixed number of
 * queries per batch, see load-account-history.ts) and all days are computed in memory, then
 * upserted in chunks of ≤ 5,000 rows (write-signal-rows.ts).
 */
import type { Db } from "@/lib/db";
import { iterateSignalChunks, type SignalRunOptions } from "./compute-signals";
import { DAY_MS, utcDayStartMs } from "./utc-day";
import { writeSignalChunk } from "./write-signal-rows";

export type BackfillProgress = { accountsDone: number; accountsTotal: number; rowsWritten: number; elapsedMs: number };

export type BackfillInput = SignalRunOptions & {
  /** Number of days, ending with (and including) `asOf`. Default 365. */
  days?: number;
  /** The last day (any instant of it; truncated to midnight UTC). Its row has `isBackfill` false. */
  asOf: Date;
  /** Called after each written chunk. */
  onProgress?: (p: BackfillProgress) => void;
};

/**
 * `accounts`: accounts that got at least one row; `rows`: rows written (≤ accounts × days: days
 * before an account's start have none); `days`, `firstDay`, `lastDay`: the requested range.
 */
export type BackfillResult = { accounts: number; rows: number; days: number; firstDay: Date; lastDay: Date; durationMs: number };

/**
 * Write the rows of asOf − days + 1 … asOf for the organization's (selected) accounts, from each
 * account's first signal day on, replacing any existing rows of those days (rows of the range before
 * an account's start are deleted). All rows but the asOf day's are flagged `isBackfill`.
 * @throws RangeError when `days` is not a positive integer (max 3,650).
 */
export async function backfillSignals(db: Db, input: BackfillInput): Promise<BackfillResult> {
  const started = Date.now();
  const n = input.days ?? 365;
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new RangeError(`days must be an integer from 1 to 3650; got ${n}`);
  const lastDayMs = utcDayStartMs(input.asOf);
  const firstDayMs = lastDayMs - (n - 1) * DAY_MS;
  const days = Array.from({ length: n }, (_, i) => firstDayMs + i * DAY_MS);
  let accounts = 0;
  let rows = 0;
  // 100 accounts × 365 days = 36,500 rows per loaded batch (the default 500 is for one-day runs).
  for await (const chunk of iterateSignalChunks(db, { ...input, batchSize: input.batchSize ?? 100, days })) {
    // one transaction per chunk: a crash never leaves an account half-written (writeSignalChunk)
    await writeSignalChunk(db, input.organizationId, chunk, (d) => d < lastDayMs, { fromDayMs: firstDayMs, toDayMs: lastDayMs });
    accounts += new Set(chunk.rows.map((r) => r.accountId)).size;
    rows += chunk.rows.length;
    input.onProgress?.({ accountsDone: chunk.accountsDone, accountsTotal: chunk.accountsTotal, rowsWritten: rows, elapsedMs: Date.now() - started });
  }
  return { accounts, rows, days: n, firstDay: new Date(firstDayMs), lastDay: new Date(lastDayMs), durationMs: Date.now() - started };
}
