/**
 * The 365-day backfill: reconstructs, point-in-time, the daily signals of the past `days` days
 * (asOf − days + 1 … asOf) for every account of an organization, so trends, history charts and
 * model training work right after the first sync (issue 6, "Backfill").
 *
 * Efficient by construction: each batch of accounts has its records loaded ONCE (a fixed number of
 * queries per batch, see load-account-history.ts) and all days are computed in memory, then
 * upserted in chunks of ≤ 5,000 rows (write-signal-rows.ts).
 */
import type { Db } from "@/lib/db";
import { iterateSignalChunks, type SignalRunOptions } from "./compute-signals";
import { DAY_MS, utcDayStartMs } from "./utc-day";
import { upsertSignalRows } from "./write-signal-rows";

export type BackfillProgress = { accountsDone: number; accountsTotal: number; rowsWritten: number; elapsedMs: number };

export type BackfillInput = SignalRunOptions & {
  /** Number of days, ending with (and including) `asOf`. Default 365. */
  days?: number;
  /** The last day (any instant of it; truncated to midnight UTC). Its row has `isBackfill` false. */
  asOf: Date;
  /** Called after each written chunk. */
  onProgress?: (p: BackfillProgress) => void;
};

export type BackfillResult = { accounts: number; rows: number; days: number; firstDay: Date; lastDay: Date; durationMs: number };

/**
 * Write the rows of asOf − days + 1 … asOf for the organization's (selected) accounts, replacing any
 * existing rows of those days. All rows but the asOf day's are flagged `isBackfill`.
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
    await upsertSignalRows(db, chunk.rows, (d) => d < lastDayMs);
    accounts += chunk.accountIds.length;
    rows += chunk.rows.length;
    input.onProgress?.({ accountsDone: chunk.accountsDone, accountsTotal: chunk.accountsTotal, rowsWritten: rows, elapsedMs: Date.now() - started });
  }
  return { accounts, rows, days: n, firstDay: new Date(firstDayMs), lastDay: new Date(lastDayMs), durationMs: Date.now() - started };
}
