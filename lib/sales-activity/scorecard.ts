/**
 * The sales-activity scorecard (issue 17, seed 05; definitions and formulas in docs/sales-activity.md): per HubSpot
 * owner and period (ISO week or calendar month, UTC), from the synced HubSpot engagements and deals:
 *
 * - dials            = calls with hs_timestamp in the period and direction ≠ INBOUND (OUTBOUND, or not recorded)
 * - conversation     = a connected call (disposition "connected") or a held meeting (outcome COMPLETED)
 * - dm_conversations = conversations whose associated contact's job title matches a decision-maker phrase,
 *                      + (keyword rule on) conversations and notes whose text contains a keyword; each record once
 * - meetings_set     = meetings whose hs_createdate (booking time) is in the period, whatever their outcome
 * - meetings_held    = meetings with hs_timestamp in the period and outcome COMPLETED
 * - mrr_closed_cents = Σ value of closed-won deals whose closedate is in the period; value = amount, or the
 *                      configured MRR property (config.dealValue), minor units, per currency (never added across)
 *
 * Every figure comes from the weekly/monthly roll-up SalesActivityPeriod (rollup.ts: built from the daily
 * pre-aggregate by the HubSpot sync job and `sales-activity-refresh-job`, for the days the HubSpot writers marked):
 * one indexed read of ~owners × periods rows. A read never writes; `rollup` in the answer says how current the
 * rows are. The drill-down (`salesActivityRecords`) runs the SAME predicates live on the records, so a count and its
 * records agree once the refresh after a write has run. Archived records never count. Every query is scoped to one
 * organization.
 */
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import { AppError } from "@/lib/errors";
import { getSalesActivityConfig, matchesAnyPhrase, phrasePatterns, type SalesActivityConfig } from "./config";
import { periodAt, periodsEndingAt, type Granularity, type Period } from "./periods";
import { readSalesActivityPeriods, salesActivityRollupStatus, type RollupStatus } from "./rollup";
import { num, SqlParams } from "./sql";

export const SALES_METRICS = ["dials", "dm_conversations", "meetings_set", "meetings_held", "mrr_closed_cents"] as const;
export type SalesMetric = (typeof SALES_METRICS)[number];
export type MetricValues = Record<SalesMetric, number>;

/** Scopes the scorecard reads with (developers.hubspot.com/docs/api-reference/latest/crm/owners/guide: owners;
 * …/activities/calls/guide and …/meetings/guide: calls, meetings and notes need crm.objects.contacts.read). */
export const SALES_ACTIVITY_SCOPES = ["crm.objects.owners.read", "crm.objects.contacts.read", "crm.objects.deals.read"] as const;

export type ScorecardOwner = {
  /** Owner.id, or `unknown:<connectionId>:<hubspot owner id | none>` for records whose owner is not (yet) synced. */
  key: string;
  ownerId: string | null;
  connectionId: string;
  hubspotOwnerId: string | null;
  name: string;
  email: string | null;
  archived: boolean;
  /** One entry per period (same order as `periods`). */
  periods: MetricValues[];
  /** MRR closed per currency per period (lower-case ISO code; "" = the portal's default currency). */
  mrrClosedByCurrency: Record<string, number[]>;
  totals: MetricValues;
  /** Targets per period of this granularity that an admin set (absent metric = none). */
  targets: Partial<MetricValues>;
};

export type Scorecard = {
  granularity: Granularity;
  periods: { start: string; end: string; label: string }[];
  owners: ScorecardOwner[];
  /** Column totals per period (all owners). */
  totals: MetricValues[];
  currencies: string[];
  config: SalesActivityConfig;
  /** Per HubSpot connection, the scopes the scorecard needs that its token lacks (exact HubSpot scope names). */
  missingScopes: { connectionId: string; portalId: string; scopes: string[] }[];
  /** How current the pre-aggregates behind these figures are (a read never rebuilds them). */
  rollup: RollupStatus;
  generatedMs: number;
};

const zero = (): MetricValues => ({ dials: 0, dm_conversations: 0, meetings_set: 0, meetings_held: 0, mrr_closed_cents: 0 });

const CONVERSATION = `((e."type" = 'call' AND e."outcome" = 'connected') OR (e."type" = 'meeting' AND e."outcome" = 'completed'))`;
const DIAL = `(e."type" = 'call' AND (e."direction" IS NULL OR e."direction" <> 'INBOUND'))`;
const HELD = `(e."type" = 'meeting' AND e."outcome" = 'completed')`;

type Ctx = { config: SalesActivityConfig; dmTitles: string[] };

/** The decision-maker predicate (needs `e` and `c` = the associated contact, LEFT JOINed). */
function dmPredicate(q: SqlParams, ctx: Ctx): string {
  const byTitle = `(${CONVERSATION} AND ${q.inList(`c."jobTitle"`, ctx.dmTitles)})`;
  const kws = ctx.config.keywordRule ? phrasePatterns(ctx.config.noteKeywords) : [];
  if (!kws.length) return byTitle;
  const likes = kws.map((k) => `e."searchText" LIKE ${q.ph(`%${k}%`)}`).join(" OR ");
  return `(${byTitle} OR ((${CONVERSATION} OR e."type" = 'note') AND (${likes})))`;
}

/**
 * The connection filter of the drill-down queries, written so no index on connectionId is used: SQLite would
 * otherwise pick Engagement(connectionId, contactExternalId) for the equality and scan every engagement of the
 * connection (1,000,000 at 50,000 accounts: 2-16 s) instead of the (organizationId, occurredAt) range.
 */
const NO_INDEX_CONN = `(e."connectionId" || '')`;

const CONTACT_JOIN = `LEFT JOIN "Contact" c ON c."connectionId" = e."connectionId" AND c."externalId" = e."contactExternalId"`;

/**
 * The job titles (as stored) of the contacts associated with one owner's engagements in [from, to) that
 * match a decision-maker phrase: titles are few, so they are matched in JS (whole words) and the aggregate
 * compares the stored title with this list.
 */
async function decisionMakerTitles(db: Db, organizationId: string, cell: OwnerCell, from: Date, to: Date, config: SalesActivityConfig): Promise<string[]> {
  const q = new SqlParams(providerOf(db));
  const sql = `SELECT DISTINCT c."jobTitle" AS t FROM "Engagement" e JOIN "Contact" c ON c."connectionId" = e."connectionId" AND c."externalId" = e."contactExternalId" ` +
    `WHERE e."organizationId" = ${q.ph(organizationId)} AND e."occurredAt" >= ${q.ph(from, "ts")} AND e."occurredAt" < ${q.ph(to, "ts")} ` +
    `AND ${NO_INDEX_CONN} = ${q.ph(cell.connectionId)} AND ${cell.ownerExternalId === null ? `e."ownerExternalId" IS NULL` : `e."ownerExternalId" = ${q.ph(cell.ownerExternalId)}`} ` +
    `AND e."type" IN ('call', 'meeting') AND c."jobTitle" IS NOT NULL`;
  const rows = (await db.$queryRawUnsafe(sql, ...q.args)) as { t: string }[];
  return rows.map((r) => r.t).filter((t) => matchesAnyPhrase(t, config.decisionMakerTitles));
}

type OwnerCell = { connectionId: string; ownerExternalId: string | null };
const cellKey = (c: OwnerCell) => `${c.connectionId}\u0000${c.ownerExternalId ?? ""}`;

export type ScorecardQuery = { granularity?: Granularity; periods?: number; end?: Date };

/**
 * The scorecard of one organization: `periods` (default 12) weeks or months ending with the one containing
 * `end` (default now), every owner with activity or a target in them, with column totals, targets and the
 * missing scopes of each HubSpot connection.
 */
export async function salesActivityScorecard(db: Db, organizationId: string, query: ScorecardQuery = {}): Promise<Scorecard> {
  const t0 = Date.now();
  const granularity = query.granularity ?? "week";
  const periods = periodsEndingAt(query.end ?? new Date(), granularity, Math.min(Math.max(query.periods ?? 12, 1), 53));
  const starts = periods.map((p) => p.start);
  const config = await getSalesActivityConfig(db, organizationId);
  // Every figure from the weekly/monthly roll-up (rollup.ts); read-only.
  const dayStr = (d: Date) => d.toISOString().slice(0, 10);
  const [rows0, rollup, owners, targets, conns] = await Promise.all([
    readSalesActivityPeriods(db, organizationId, granularity, starts.map(dayStr)),
    salesActivityRollupStatus(db, organizationId, config),
    db.owner.findMany({ where: { organizationId } }),
    db.salesTarget.findMany({ where: { organizationId, period: granularity } }),
    db.connection.findMany({ where: { organizationId, provider: "hubspot" }, select: { id: true, externalAccountId: true, scopes: true, status: true } }),
  ]);

  const ownerByCell = new Map(owners.map((o) => [cellKey({ connectionId: o.connectionId, ownerExternalId: o.externalId }), o]));
  const ownerById = new Map(owners.map((o) => [o.id, o]));
  const rows = new Map<string, ScorecardOwner>();
  const rowFor = (cell: OwnerCell): ScorecardOwner => {
    const k = cellKey(cell);
    let r = rows.get(k);
    if (!r) {
      const o = ownerByCell.get(k);
      const name = o ? [o.firstName, o.lastName].filter(Boolean).join(" ") || o.email || `Owner ${o.externalId}` : cell.ownerExternalId ? `Owner ${cell.ownerExternalId} (not synced)` : "No owner";
      r = {
        key: o ? o.id : `unknown:${cell.connectionId}:${cell.ownerExternalId ?? "none"}`, ownerId: o?.id ?? null, connectionId: cell.connectionId,
        hubspotOwnerId: cell.ownerExternalId, name, email: o?.email ?? null, archived: o?.archived ?? false,
        periods: periods.map(zero), mrrClosedByCurrency: {}, totals: zero(), targets: {},
      };
      rows.set(k, r);
    }
    return r;
  };
  const currencies = new Set<string>();
  for (const x of rows0) {
    const r = rowFor(x);
    const cell = r.periods[x.b];
    cell.dials += x.dials;
    cell.dm_conversations += x.dm;
    cell.meetings_held += x.held;
    cell.meetings_set += x.set;
    if (x.wonDeals > 0) {
      currencies.add(x.currency);
      (r.mrrClosedByCurrency[x.currency] ??= periods.map(() => 0))[x.b] += config.dealValue === "mrr" ? x.wonMrrCents : x.wonAmountCents;
    }
  }
  // "MRR closed" in the table is the main currency (the one with the most closed value); others stay per currency.
  const mainCurrency = [...currencies].sort((a, b) => sumCur(rows, b) - sumCur(rows, a))[0] ?? "";
  for (const r of rows.values()) {
    const main = r.mrrClosedByCurrency[mainCurrency];
    if (main) main.forEach((v, i) => (r.periods[i].mrr_closed_cents = v));
  }
  for (const t of targets) {
    const o = ownerById.get(t.ownerId);
    if (!o) continue;
    const r = rowFor({ connectionId: o.connectionId, ownerExternalId: o.externalId });
    if ((SALES_METRICS as readonly string[]).includes(t.metric)) r.targets[t.metric as SalesMetric] = t.target;
  }
  const totals = periods.map(zero);
  for (const r of rows.values()) {
    r.periods.forEach((v, i) => {
      for (const m of SALES_METRICS) {
        r.totals[m] += v[m];
        totals[i][m] += v[m];
      }
    });
  }
  const missingScopes = conns.map((c) => {
    const have = new Set(Array.isArray(c.scopes) ? (c.scopes as string[]) : []);
    return { connectionId: c.id, portalId: c.externalAccountId, scopes: SALES_ACTIVITY_SCOPES.filter((s) => !have.has(s)) };
  }).filter((c) => c.scopes.length > 0);
  const list = [...rows.values()].sort((a, b) => Number(a.hubspotOwnerId === null) - Number(b.hubspotOwnerId === null) || a.name.localeCompare(b.name));
  return {
    granularity,
    periods: periods.map((x) => ({ start: x.start.toISOString(), end: x.end.toISOString(), label: x.label })),
    owners: list, totals, currencies: mainCurrency ? [mainCurrency, ...[...currencies].filter((c) => c !== mainCurrency)] : [...currencies],
    config, missingScopes, rollup, generatedMs: Date.now() - t0,
  };
}

function sumCur(rows: Map<string, ScorecardOwner>, cur: string): number {
  let s = 0;
  for (const r of rows.values()) for (const v of r.mrrClosedByCurrency[cur] ?? []) s += v;
  return s;
}

export type SalesActivityRecord = {
  kind: "call" | "meeting" | "note" | "deal";
  hubspotId: string;
  connectionId: string;
  accountId: string | null;
  at: string;
  title: string | null;
  outcome: string | null;
  direction: string | null;
  durationMs: number | null;
  contact: { hubspotId: string; name: string | null; jobTitle: string | null } | null;
  /** dm_conversations: why the record counts ("job title" | "keyword"). */
  reason: string | null;
  amountCents: number | null;
  currency: string | null;
};

/** `key` of a scorecard owner → the (connection, HubSpot owner id) its records carry. @throws AppError not_found */
async function ownerCellOf(db: Db, organizationId: string, key: string): Promise<OwnerCell> {
  const m = /^unknown:([^:]+):(.+)$/.exec(key);
  if (m) {
    const conn = await db.connection.findFirst({ where: { id: m[1], organizationId }, select: { id: true } });
    if (!conn) throw new AppError("not_found", `owner ${key} not found`);
    return { connectionId: conn.id, ownerExternalId: m[2] === "none" ? null : m[2] };
  }
  const o = await db.owner.findFirst({ where: { id: key, organizationId } });
  if (!o) throw new AppError("not_found", `owner ${key} not found`);
  return { connectionId: o.connectionId, ownerExternalId: o.externalId };
}

/** Most records one drill-down returns. */
export const RECORDS_LIMIT = 500;

/**
 * The records behind one scorecard count: owner `key` (ScorecardOwner.key), metric, and the period starting at
 * `periodStart` (a week's Monday / a month's 1st, UTC). Same predicates as the scorecard, newest first, at most
 * RECORDS_LIMIT (total = the full count).
 * @throws AppError not_found (owner of another organization / unknown), validation_failed (not a period start).
 */
export async function salesActivityRecords(
  db: Db, organizationId: string, input: { ownerKey: string; metric: SalesMetric; granularity: Granularity; periodStart: Date },
): Promise<{ period: Period; total: number; records: SalesActivityRecord[] }> {
  const period = periodAt(input.periodStart, input.granularity);
  if (!period) throw new AppError("validation_failed", `period_start must be the start of a ${input.granularity} (UTC ${input.granularity === "week" ? "Monday" : "1st of the month"} 00:00)`, { fields: { period_start: "not a period start" } });
  const cell = await ownerCellOf(db, organizationId, input.ownerKey);
  const config = await getSalesActivityConfig(db, organizationId);
  const p = providerOf(db);
  const q = new SqlParams(p);
  const ownerSql = (alias: string) => cell.ownerExternalId === null ? `${alias}."ownerExternalId" IS NULL` : `${alias}."ownerExternalId" = ${q.ph(cell.ownerExternalId)}`;

  if (input.metric === "mrr_closed_cents") {
    // By (organizationId, closeDate) — the connection is filtered here, not in SQL (see NO_INDEX_CONN).
    const rows = (await db.deal.findMany({
      where: { organizationId, ownerExternalId: cell.ownerExternalId, isWon: true, archivedAt: null, closeDate: { gte: period.start, lt: period.end } },
      orderBy: [{ closeDate: "desc" }, { externalId: "asc" }],
    })).filter((d) => d.connectionId === cell.connectionId);
    return {
      period, total: rows.length,
      records: rows.slice(0, RECORDS_LIMIT).map((d) => ({
        kind: "deal", hubspotId: d.externalId, connectionId: d.connectionId, accountId: d.accountId, at: d.closeDate!.toISOString(), title: d.name,
        outcome: d.dealStage, direction: null, durationMs: null, contact: null, reason: null,
        amountCents: config.dealValue === "mrr" ? d.mrrCents : d.amountCents, currency: d.currency,
      })),
    };
  }
  const dmTitles = input.metric === "dm_conversations" ? await decisionMakerTitles(db, organizationId, cell, period.start, period.end, config) : [];
  const ctx: Ctx = { config, dmTitles };
  const timeCol = input.metric === "meetings_set" ? `e."sourceCreatedAt"` : `e."occurredAt"`;
  const predicate = input.metric === "dials" ? DIAL : input.metric === "meetings_held" ? HELD : input.metric === "meetings_set" ? `e."type" = 'meeting'` : dmPredicate(q, ctx);
  const sql = `SELECT e."type" AS "type", e."externalId" AS "externalId", e."connectionId" AS "connectionId", e."accountId" AS "accountId", ${timeCol} AS at, ` +
    `e."title" AS title, e."outcome" AS outcome, e."direction" AS direction, e."durationMs" AS "durationMs", e."searchText" AS "searchText", ` +
    `c."externalId" AS "contactId", c."firstName" AS "firstName", c."lastName" AS "lastName", c."jobTitle" AS "jobTitle" ` +
    `FROM "Engagement" e ${CONTACT_JOIN} WHERE ${predicate} AND e."organizationId" = ${q.ph(organizationId)} AND ${NO_INDEX_CONN} = ${q.ph(cell.connectionId)} ` +
    `AND ${ownerSql("e")} AND ${timeCol} >= ${q.ph(period.start, "ts")} AND ${timeCol} < ${q.ph(period.end, "ts")} AND e."archivedAt" IS NULL ` +
    `ORDER BY ${timeCol} DESC, e."externalId" ASC`;
  type Row = { type: string; externalId: string; connectionId: string; accountId: string | null; at: unknown; title: string | null; outcome: string | null;
    direction: string | null; durationMs: unknown; searchText: string | null; contactId: string | null; firstName: string | null; lastName: string | null; jobTitle: string | null };
  const rows = (await db.$queryRawUnsafe(sql, ...q.args)) as Row[];
  const titleSet = new Set(dmTitles);
  return {
    period, total: rows.length,
    records: rows.slice(0, RECORDS_LIMIT).map((r) => ({
      kind: r.type as SalesActivityRecord["kind"], hubspotId: r.externalId, connectionId: r.connectionId, accountId: r.accountId,
      at: new Date(r.at as string).toISOString(), title: r.title, outcome: r.outcome, direction: r.direction,
      durationMs: r.durationMs === null || r.durationMs === undefined ? null : num(r.durationMs),
      contact: r.contactId ? { hubspotId: r.contactId, name: [r.firstName, r.lastName].filter(Boolean).join(" ") || null, jobTitle: r.jobTitle } : null,
      reason: input.metric !== "dm_conversations" ? null : r.type !== "note" && r.jobTitle && titleSet.has(r.jobTitle) ? "job title" : "keyword",
      amountCents: null, currency: null,
    })),
  };
}
