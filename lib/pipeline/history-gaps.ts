/**
 * Which accounts' stored history the post-sync pipeline must (re)build, so that a history run that failed midway
 * (a crash, a database error, a stopped worker) is completed by the next pipeline run instead of leaving accounts
 * without history for good (issue 13: 1,423 accounts kept no history after a failed scoring run).
 *
 * Both checks are per-account index probes (a few per account on the unique (accountId, day) indexes of
 * AccountSignalDaily and ChurnScoreDaily), not scans of the year of rows, so they run on every pipeline run:
 * - missing signal history: the account's newest signal row before today is missing, or was computed before the
 *   newest source's first full sync completed (the backfill that this source triggered stopped before reaching the
 *   account; the backfill writes accounts in id order), or is a backfill row older than yesterday (the backfill
 *   stopped within the account: it writes each account's days in ascending order, up to the day before its run, in
 *   statements of ≤ 1,000 rows that are not one transaction). Not caught: such an account that a run for a few
 *   accounts (after a webhook) gave a newer row before the next full run;
 * - unscored or stale-config history: on the account's first and last signal day of the window before today there
 *   is no score made with the active scoring config version (a history scoring run writes each account's days in one
 *   transaction, so an account is scored entirely or not at all; a config change leaves every account's history on
 *   the old version until it is re-scored).
 * Queries are scoped to one organization; archived accounts are left out (the backfill skips them too).
 */
import type { Db } from "@/lib/db";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { providerOf } from "@/lib/db/prisma";

export type HistoryGaps = {
  /** Accounts whose signal history is missing (see module doc): backfill them. */
  missingSignals: string[];
  /** Accounts with signal days but no score on their first or last one: score their history. */
  unscored: string[];
  /** Accounts whose history was scored with another scoring config version: re-score their history. */
  staleConfig: string[];
};

type Probe = { id: string; firstVersion: number | string | null; lastVersion: number | string | null };

/**
 * Find the accounts of `organizationId` whose history in [fromDay, day) is incomplete (see module doc).
 * @param day today (midnight UTC): its rows are the current run's, not history.
 * @param fromDay first day of the history window (midnight UTC).
 * @param configVersion the active scoring config version.
 * @param sourcesSince the latest first-full-sync completion among the organization's live connections (null: none).
 */
export async function findHistoryGaps(
  db: Db,
  opts: { organizationId: string; day: Date; fromDay: Date; configVersion: number; sourcesSince: Date | null },
): Promise<HistoryGaps> {
  const pg = providerOf(db) === "postgresql";
  const ts = (d: Date) => (pg ? d.toISOString() : sqliteDateText(d));
  const p = (i: number, type?: string) => (pg ? (type ? `CAST($${i} AS ${type})` : `$${i}`) : `?${i}`);
  const T = "timestamp(3)";
  const since = opts.sourcesSince ?? new Date(0);
  // The newest signal row before today of each account (r): missing, computed before the newest source, or a
  // backfill row that is not yesterday's (a backfill writes every day up to the day before its run day).
  const missing = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT x."id" AS "id" FROM (SELECT a."id" AS "id", ` +
      `(SELECT MAX(s."day") FROM "AccountSignalDaily" s WHERE s."accountId" = a."id" AND s."day" < ${p(2, T)}) AS "lastDay" ` +
      `FROM "Account" a WHERE a."organizationId" = ${p(1)} AND a."archivedAt" IS NULL) x ` +
      `LEFT JOIN "AccountSignalDaily" r ON r."accountId" = x."id" AND r."day" = x."lastDay" ` +
      `WHERE x."lastDay" IS NULL OR r."computedAt" < ${p(3, T)} OR (r."isBackfill" ${pg ? "" : "= 1 "}AND r."day" < ${p(4, T)}) ORDER BY x."id"`,
    opts.organizationId, ts(opts.day), ts(since), ts(new Date(opts.day.getTime() - 86_400_000)),
  );
  const range = `s."accountId" = a."id" AND s."day" >= ${p(2, T)} AND s."day" < ${p(3, T)}`;
  const versionOn = (col: string) => `(SELECT c."scoringConfigVersion" FROM "ChurnScoreDaily" c WHERE c."accountId" = x."id" AND c."day" = x."${col}")`;
  const probes = await db.$queryRawUnsafe<Probe[]>(
    `SELECT y."id" AS "id", y."firstVersion" AS "firstVersion", y."lastVersion" AS "lastVersion" FROM (` +
      `SELECT x."id" AS "id", ${versionOn("firstDay")} AS "firstVersion", ${versionOn("lastDay")} AS "lastVersion" FROM (` +
      `SELECT a."id" AS "id", (SELECT MIN(s."day") FROM "AccountSignalDaily" s WHERE ${range}) AS "firstDay", ` +
      `(SELECT MAX(s."day") FROM "AccountSignalDaily" s WHERE ${range}) AS "lastDay" ` +
      `FROM "Account" a WHERE a."organizationId" = ${p(1)} AND a."archivedAt" IS NULL) x WHERE x."lastDay" IS NOT NULL) y ` +
      `WHERE y."firstVersion" IS NULL OR y."lastVersion" IS NULL OR y."firstVersion" <> ${p(4, "integer")} OR y."lastVersion" <> ${p(4, "integer")} ` +
      `ORDER BY y."id"`,
    opts.organizationId, ts(opts.fromDay), ts(opts.day), opts.configVersion,
  );
  const unscored: string[] = [];
  const staleConfig: string[] = [];
  for (const r of probes) (r.firstVersion === null || r.lastVersion === null ? unscored : staleConfig).push(r.id);
  return { missingSignals: missing.map((r) => r.id), unscored, staleConfig };
}

/**
 * When the organization's newest source arrived: the latest, over live connections, of each one's first successful
 * (or partial) full sync completion; null before any. History computed before it lacks that source's data.
 */
export async function newestSourceSince(db: Db, organizationId: string): Promise<Date | null> {
  const firsts = await db.syncRun.groupBy({
    by: ["connectionId"],
    where: { organizationId, mode: "full", status: { in: ["succeeded", "partial"] }, completedAt: { not: null }, connection: { disconnectedAt: null } },
    _min: { completedAt: true },
  });
  let out: Date | null = null;
  for (const f of firsts) if (f._min.completedAt && (!out || f._min.completedAt > out)) out = f._min.completedAt;
  return out;
}
