/**
 * Stores computed signal rows: for a group of accounts and a day range, the existing
 * AccountSignalDaily rows are deleted and the new ones inserted in ONE transaction, so a re-run
 * replaces rows (the unique key is accountId + day) and readers never see a half-written group.
 * Multi-row inserts of ≤ 400 rows keep each statement under the bind-parameter limits of SQLite
 * (32,766) and PostgreSQL (65,535).
 */
import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/sqlite/client";
import type { SignalRow } from "./compute-signals";
import { DAY_MS } from "./utc-day";

const ROWS_PER_INSERT = 400;

/** Prisma input of one row; JSON columns are omitted (→ NULL) when the value is null. */
export function toCreateInput(row: SignalRow, isBackfill: boolean): Prisma.AccountSignalDailyCreateManyInput {
  const { products, freshness, extra, ...scalars } = row;
  return {
    ...scalars,
    ...(products !== null ? { products } : {}),
    ...(freshness !== null ? { freshness } : {}),
    ...(extra !== null ? { extra: extra as Prisma.InputJsonObject } : {}),
    isBackfill,
  };
}

/**
 * Replace the rows of `accountIds` for days `firstDayMs` … `lastDayMs` (midnight UTC, inclusive) by `rows`.
 * @param isBackfill decides the `isBackfill` flag per row day (ms).
 */
export async function replaceSignalRows(
  db: Db,
  accountIds: readonly string[],
  range: { firstDayMs: number; lastDayMs: number },
  rows: readonly SignalRow[],
  isBackfill: (dayMs: number) => boolean,
): Promise<void> {
  if (accountIds.length === 0) return;
  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const data = rows.slice(i, i + ROWS_PER_INSERT).map((r) => toCreateInput(r, isBackfill(r.day.getTime())));
    inserts.push(db.accountSignalDaily.createMany({ data }));
  }
  await db.$transaction([
    db.accountSignalDaily.deleteMany({
      where: {
        accountId: { in: [...accountIds] },
        day: { gte: new Date(range.firstDayMs), lt: new Date(range.lastDayMs + DAY_MS) },
      },
    }),
    ...inserts,
  ]);
}
