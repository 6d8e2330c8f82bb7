/**
 * Daily pre-aggregate of the scorecard's engagement counts (SalesActivityDay), so the scorecard reads
 * owners × days rows instead of every call, meeting and note (50,000 accounts: ~230,000 engagements in 12 weeks →
 * ~40 owners × 84 days). Per organization, connection, HubSpot owner ("" = none) and UTC day:
 *   kind "occurred" (by hs_timestamp): dials, dmConversations, meetingsHeld — the predicates of scorecard.ts;
 *   kind "set" (meetings by hs_createdate): meetingsSet.
 * The rows depend on the decision-maker settings (SalesActivityRollupState.configHash) and on the contacts' job
 * titles, so they are rebuilt:
 * - all of them when there is no state yet, the settings changed, or a `*` dirty mark exists;
 * - the days in SalesActivityDirtyDay: the HubSpot engagement writer marks, in the sync's own transaction, every day a
 *   written call/meeting/note occurred or was created on, before AND after the write (a rescheduled meeting
 *   leaves its old day too); the contact writer marks the days of a contact's calls/meetings when its job title is
 *   new or changed.
 * The HubSpot sync calls ensureSalesActivityRollup at its end (so the first view after a sync does not pay for it);
 * webhook writes are rebuilt by the next read.
 * A mark is removed only when its `markedAt` is not later than the start of the rebuild that covered it, so a write
 * that lands during a rebuild is rebuilt next time. Rebuilding is `DELETE` + `INSERT … SELECT … GROUP BY` in one
 * transaction (SQL on both databases); the read path calls `ensureSalesActivityRollup` first.
 * Engagements written by anything other than the HubSpot writers (tests, scripts) are seen after a full rebuild.
 */
import { createHash } from "node:crypto";
import type { Db, Tx } from "@/lib/db";
import { chunks } from "@/lib/db/chunks";
import { defineJsonUpsert } from "@/lib/db/json-upsert";
import { providerOf, type Provider } from "@/lib/db/prisma";
import { matchesAnyPhrase, phrasePatterns, type SalesActivityConfig } from "./config";
import { num, SqlParams } from "./sql";

/** The "every day" dirty mark. */
export const ALL_DAYS = "*";

const DIRTY = defineJsonUpsert({
  table: "SalesActivityDirtyDay",
  columns: { organizationId: "text", day: "text" },
  conflict: ["organizationId", "day"],
  touch: { column: "markedAt", when: "always" },
});

/** UTC day "YYYY-MM-DD" of a Date / ISO text (SQLite) / null. */
export function utcDay(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/** Mark days (or ALL_DAYS) of an organization for rebuilding, in the caller's transaction. */
export async function markSalesActivityDays(tx: Db | Tx, organizationId: string, days: Iterable<string | null>): Promise<void> {
  const set = new Set([...days].filter((d): d is string => !!d));
  if (!set.size) return;
  await DIRTY.run(tx, [...set].map((day) => ({ organizationId, day })));
}

/** SQL: the UTC day of a timestamp column as "YYYY-MM-DD" text. */
function dayOf(p: Provider, col: string): string {
  return p === "postgresql" ? `to_char(${col}, 'YYYY-MM-DD')` : `substr(${col}, 1, 10)`;
}

/** The settings the rollup depends on, hashed. */
export function rollupConfigHash(config: SalesActivityConfig): string {
  const key = { t: [...config.decisionMakerTitles].sort(), k: config.keywordRule ? [...config.noteKeywords].sort() : [] };
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 32);
}

/** The organization's stored job titles that are decision-maker titles (few distinct titles: matched in JS). */
async function dmTitlesOf(db: Db | Tx, organizationId: string, config: SalesActivityConfig): Promise<string[]> {
  // SELECT DISTINCT in SQL (Prisma's `distinct` reads every row and de-duplicates in JS: 150,000 contacts ≈ 1 s).
  const q = new SqlParams(providerOf(db));
  const rows = (await db.$queryRawUnsafe(`SELECT DISTINCT "jobTitle" AS t FROM "Contact" WHERE "organizationId" = ${q.ph(organizationId)} AND "jobTitle" IS NOT NULL`, ...q.args)) as { t: string }[];
  return rows.map((r) => r.t).filter((t) => matchesAnyPhrase(t, config.decisionMakerTitles));
}

/**
 * Rebuild the rows of `days` (null = all) of one organization, in `tx`.
 * Day filters are bounded by the smallest and largest day so the (organizationId, occurredAt) and
 * (organizationId, type, sourceCreatedAt) indexes are used.
 */
async function rebuild(tx: Tx, organizationId: string, config: SalesActivityConfig, days: string[] | null): Promise<void> {
  const p = providerOf(tx);
  const dmTitles = await dmTitlesOf(tx, organizationId, config);
  const kws = config.keywordRule ? phrasePatterns(config.noteKeywords) : [];
  const sorted = days ? [...days].sort() : null;
  const lo = sorted ? new Date(`${sorted[0]}T00:00:00Z`) : null;
  const hi = sorted ? new Date(Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`) + 86_400_000) : null;

  const del = new SqlParams(p);
  await tx.$executeRawUnsafe(`DELETE FROM "SalesActivityDay" WHERE "organizationId" = ${del.ph(organizationId)}${sorted ? ` AND ${del.inList(`"day"`, sorted)}` : ""}`, ...del.args);

  const CONV = `((e."type" = 'call' AND e."outcome" = 'connected') OR (e."type" = 'meeting' AND e."outcome" = 'completed'))`;
  const idExpr = `e."organizationId" || '|' || e."connectionId" || '|' || COALESCE(e."ownerExternalId", '') || '|' || `;
  // kind "occurred"
  const q = new SqlParams(p);
  const kw = () => (kws.length ? `(${kws.map((k) => `e."searchText" LIKE ${q.ph(`%${k}%`)}`).join(" OR ")})` : "1 = 0");
  const day = dayOf(p, `e."occurredAt"`);
  const dm = `CASE WHEN ${CONV} AND (SELECT c."jobTitle" FROM "Contact" c WHERE c."connectionId" = e."connectionId" AND c."externalId" = e."contactExternalId") ` +
    `IN (SELECT ${p === "postgresql" ? `jsonb_array_elements_text(${q.ph(dmTitles, "json")})` : `value FROM json_each(${q.ph(dmTitles, "json")})`}) THEN 1 ` +
    `WHEN (${CONV} OR e."type" = 'note') AND ${kw()} THEN 1 ELSE 0 END`;
  let where = `e."organizationId" = ${q.ph(organizationId)} AND e."archivedAt" IS NULL`;
  if (sorted) where += ` AND e."occurredAt" >= ${q.ph(lo, "ts")} AND e."occurredAt" < ${q.ph(hi, "ts")} AND ${q.inList(day, sorted)}`;
  await tx.$executeRawUnsafe(
    `INSERT INTO "SalesActivityDay" ("id", "organizationId", "connectionId", "ownerExternalId", "day", "kind", "dials", "dmConversations", "meetingsHeld", "meetingsSet") ` +
    `SELECT ${idExpr}${day} || '|occurred', e."organizationId", e."connectionId", COALESCE(e."ownerExternalId", ''), ${day}, 'occurred', ` +
    `SUM(CASE WHEN e."type" = 'call' AND (e."direction" IS NULL OR e."direction" <> 'INBOUND') THEN 1 ELSE 0 END), SUM(${dm}), ` +
    `SUM(CASE WHEN e."type" = 'meeting' AND e."outcome" = 'completed' THEN 1 ELSE 0 END), 0 ` +
    `FROM "Engagement" e WHERE ${where} GROUP BY e."organizationId", e."connectionId", COALESCE(e."ownerExternalId", ''), ${day}`,
    ...q.args,
  );
  // kind "set"
  const s = new SqlParams(p);
  const sday = dayOf(p, `e."sourceCreatedAt"`);
  let swhere = `e."organizationId" = ${s.ph(organizationId)} AND e."type" = 'meeting' AND e."sourceCreatedAt" IS NOT NULL AND e."archivedAt" IS NULL`;
  if (sorted) swhere += ` AND e."sourceCreatedAt" >= ${s.ph(lo, "ts")} AND e."sourceCreatedAt" < ${s.ph(hi, "ts")} AND ${s.inList(sday, sorted)}`;
  await tx.$executeRawUnsafe(
    `INSERT INTO "SalesActivityDay" ("id", "organizationId", "connectionId", "ownerExternalId", "day", "kind", "dials", "dmConversations", "meetingsHeld", "meetingsSet") ` +
    `SELECT ${idExpr}${sday} || '|set', e."organizationId", e."connectionId", COALESCE(e."ownerExternalId", ''), ${sday}, 'set', 0, 0, 0, COUNT(*) ` +
    `FROM "Engagement" e WHERE ${swhere} GROUP BY e."organizationId", e."connectionId", COALESCE(e."ownerExternalId", ''), ${sday}`,
    ...s.args,
  );
}

export type RollupRefresh = { rebuilt: "all" | "none" | number; ms: number };

/**
 * Bring the organization's SalesActivityDay rows up to date (see module doc). Serialised per organization by the
 * database: the whole refresh is one transaction.
 * @returns what was rebuilt ("all", "none", or the number of days) and how long it took (ms).
 */
export async function ensureSalesActivityRollup(db: Db, organizationId: string, config: SalesActivityConfig): Promise<RollupRefresh> {
  const t0 = Date.now();
  const hash = rollupConfigHash(config);
  const [state, dirty] = await Promise.all([
    db.salesActivityRollupState.findUnique({ where: { organizationId } }),
    db.salesActivityDirtyDay.findMany({ where: { organizationId }, select: { day: true } }),
  ]);
  const full = !state || state.configHash !== hash || state.dirtyAll || dirty.some((d) => d.day === ALL_DAYS);
  if (!full && dirty.length === 0) return { rebuilt: "none", ms: Date.now() - t0 };
  const startedAt = new Date();
  const days = full ? null : [...new Set(dirty.map((d) => d.day))];
  await db.$transaction(async (tx) => {
    await rebuild(tx, organizationId, config, days);
    if (!days) await tx.salesActivityDirtyDay.deleteMany({ where: { organizationId, markedAt: { lte: startedAt } } });
    // ≤ 300 days per statement (SQLite's bound-parameter cap).
    else for (const part of chunks(days, 300)) await tx.salesActivityDirtyDay.deleteMany({ where: { organizationId, markedAt: { lte: startedAt }, day: { in: part } } });
    await tx.salesActivityRollupState.upsert({
      where: { organizationId },
      create: { organizationId, configHash: hash, dirtyAll: false, builtAt: startedAt },
      update: { configHash: hash, dirtyAll: false, builtAt: startedAt },
    });
  }, { timeout: 600_000, maxWait: 60_000 });
  return { rebuilt: full ? "all" : days!.length, ms: Date.now() - t0 };
}

export type RollupRow = { connectionId: string; ownerExternalId: string | null; b: number; dials: number; dm: number; held: number; set: number };

/** Σ of the rollup rows per (connection, owner, period) for periods starting on `startDays` (ascending "YYYY-MM-DD"), up to `endDay` (exclusive). */
export async function readSalesActivityRollup(db: Db, organizationId: string, startDays: string[], endDay: string): Promise<RollupRow[]> {
  const q = new SqlParams(providerOf(db));
  const whens: string[] = [];
  for (let i = startDays.length - 1; i >= 1; i--) whens.push(`WHEN "day" >= ${q.ph(startDays[i])} THEN ${i}`);
  const bucket = whens.length ? `CASE ${whens.join(" ")} ELSE 0 END` : "0";
  const sql = `SELECT "connectionId" AS "connectionId", "ownerExternalId" AS "ownerExternalId", ${bucket} AS b, SUM("dials") AS dials, SUM("dmConversations") AS dm, ` +
    `SUM("meetingsHeld") AS held, SUM("meetingsSet") AS "set" FROM "SalesActivityDay" WHERE "organizationId" = ${q.ph(organizationId)} ` +
    `AND "day" >= ${q.ph(startDays[0])} AND "day" < ${q.ph(endDay)} GROUP BY 1, 2, 3`;
  const rows = (await db.$queryRawUnsafe(sql, ...q.args)) as Record<string, unknown>[];
  return rows.map((r) => ({
    connectionId: String(r.connectionId), ownerExternalId: r.ownerExternalId === "" || r.ownerExternalId === null ? null : String(r.ownerExternalId),
    b: num(r.b), dials: num(r.dials), dm: num(r.dm), held: num(r.held), set: num(r.set),
  }));
}
