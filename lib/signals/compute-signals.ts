/**
 * Daily account signals (account_signals_daily) from the synced HubSpot/Stripe tables.
 *
 *   const rows = await computeSignalsForDay(db, { organizationId, day });           // compute only
 *   const res  = await writeSignalsForDay(db, { organizationId, day });             // compute + replace rows
 *
 * Accounts (not archived) are processed in batches (default 500) with a fixed number of queries per
 * batch, so 50,000 accounts run in bounded memory. `day` is truncated to midnight UTC; the row
 * describes that day as known at its end (see lib/signals/account-history.ts and docs/signals.md).
 * An account gets no row for a day before its start (`accountStartMs`: the earliest of customerSince,
 * subscription start/created, Stripe customer created, HubSpot company createdate); an account with
 * no known start gets every day.
 * Plain async functions: no HTTP, no global state; callers are background jobs and scripts.
 */
import type { Db } from "@/lib/db";
import { firstSignalDayMs, signalsOnDay, type MrrCache } from "./account-history";
import { loadAccountHistories, loadOrgContext } from "./load-account-history";
import type { SignalRow } from "./types";
import { utcDayStartMs } from "./utc-day";
import { writeSignalChunk } from "./write-signal-rows";

// SignalRow lives in ./types (write-signal-rows needs it too, without importing this module back).
export type { SignalRow } from "./types";

export type SignalRunOptions = {
  organizationId: string;
  /** Only these accounts (default: every non-archived account of the organization). */
  accountIds?: readonly string[];
  /** Accounts loaded per batch (default 500). */
  batchSize?: number;
  /** Apply `once`/`repeating` coupons to MRR (default false: only `forever`). */
  applyNonForeverDiscounts?: boolean;
  /**
   * Days of charge history the Stripe connector listed on its first full sync. Default: each Stripe
   * connection's `settings.chargesLookbackDays`, else 395 (DEFAULT_CHARGE_HISTORY_DAYS). Failed-payment
   * counts are NULL for windows starting before that history.
   */
  chargeHistoryDays?: number;
};

/**
 * A chunk of computed rows (for one group of accounts, all requested days on or after each account's
 * first signal day). `firstDayMs`: per account of the group, its first signal day (midnight UTC ms;
 * −Infinity when its start is unknown).
 */
export type SignalChunk = {
  accountIds: string[];
  rows: SignalRow[];
  firstDayMs: Map<string, number>;
  accountsDone: number;
  accountsTotal: number;
};

const MAX_ROWS_PER_CHUNK = 5_000;

/**
 * Compute the rows of `days` (midnight-UTC ms, any order) for the organization's accounts, yielding
 * chunks of at most ~5,000 rows (whole accounts) so callers can write as they go. Days before an
 * account's first signal day are skipped (no row).
 */
export async function* iterateSignalChunks(db: Db, opts: SignalRunOptions & { days: readonly number[] }): AsyncGenerator<SignalChunk> {
  const days = [...opts.days].sort((a, b) => a - b);
  if (days.length === 0) return;
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const ctx = await loadOrgContext(db, opts.organizationId, opts.chargeHistoryDays);
  const range = { firstDayMs: days[0]!, lastDayMs: days[days.length - 1]! };
  const where = { organizationId: opts.organizationId, archivedAt: null, ...(opts.accountIds ? { id: { in: [...opts.accountIds] } } : {}) };
  const accountsTotal = opts.accountIds ? opts.accountIds.length : await db.account.count({ where });
  const accountsPerChunk = Math.max(1, Math.floor(MAX_ROWS_PER_CHUNK / days.length));
  let accountsDone = 0;
  let after: string | null = null;
  for (;;) {
    const batch: { id: string }[] = await db.account.findMany({
      where: after ? { ...where, id: { ...(opts.accountIds ? { in: [...opts.accountIds] } : {}), gt: after } } : where,
      select: { id: true },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.id;
    const histories = await loadAccountHistories(db, ctx, batch.map((a) => a.id), range);
    for (let i = 0; i < histories.length; i += accountsPerChunk) {
      const group = histories.slice(i, i + accountsPerChunk);
      const rows: SignalRow[] = [];
      const firstDayMs = new Map<string, number>();
      for (const h of group) {
        const cache: MrrCache = new Map();
        const first = firstSignalDayMs(h);
        firstDayMs.set(h.accountId, first);
        for (const day of days) {
          if (day < first) continue; // the account did not exist yet: no row, not a row of NULLs
          rows.push({ organizationId: opts.organizationId, accountId: h.accountId, ...signalsOnDay(h, day, opts, cache) });
        }
      }
      accountsDone += group.length;
      yield { accountIds: group.map((h) => h.accountId), rows, firstDayMs, accountsDone, accountsTotal };
    }
    if (batch.length < batchSize) break;
  }
}

/**
 * The signals of every (selected) account on `day`, without writing them.
 * @param input.day any instant of the day; truncated to midnight UTC.
 * @returns one row per non-archived account that existed by the end of `day`, ordered by account id.
 */
export async function computeSignalsForDay(db: Db, input: SignalRunOptions & { day: Date }): Promise<SignalRow[]> {
  const out: SignalRow[] = [];
  for await (const chunk of iterateSignalChunks(db, { ...input, days: [utcDayStartMs(input.day)] })) out.push(...chunk.rows);
  return out;
}

/** `accounts`: accounts that got a row (those that existed by the end of the day); `rows` = rows written. */
export type WriteSignalsResult = { accounts: number; rows: number; durationMs: number };

/**
 * Compute and store the signals of `day` (rows replace any existing row of the same account and
 * day; `isBackfill` false). An account whose start is after `day` gets no row, and a row left for
 * that day by an earlier run is deleted. Account.lifecycleState/churnedAt follow the newest signal day
 * (updateAccountLifecycle). Runs in bounded memory: each chunk is written before the
 * next is computed.
 */
export async function writeSignalsForDay(db: Db, input: SignalRunOptions & { day: Date }): Promise<WriteSignalsResult> {
  const started = Date.now();
  const day = utcDayStartMs(input.day);
  let accounts = 0;
  let rows = 0;
  for await (const chunk of iterateSignalChunks(db, { ...input, days: [day] })) {
    await writeSignalChunk(db, input.organizationId, chunk, () => false, { fromDayMs: day, toDayMs: day });
    accounts += new Set(chunk.rows.map((r) => r.accountId)).size;
    rows += chunk.rows.length;
  }
  return { accounts, rows, durationMs: Date.now() - started };
}
