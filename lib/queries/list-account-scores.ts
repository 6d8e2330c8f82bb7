/**
 * The Latest Churn Scores list (GET /api/integrations/scores/latest, GET /api/accounts, the /accounts page
 * and its CSV export): one row per account with its newest health score, risk level, trend, churn
 * probability, MRR/ARR (minor units), renewal date, owner and top reason. Reads the denormalised latest-score
 * columns of Account (kept by lib/scoring/run-scoring.ts), so sorting/filtering 50,000 accounts stays fast:
 * pages are read in index order (see readOrdered; indexes in prisma/models.prisma), the CSV export streams.
 * Measured with scripts/bench/console.ts (50,000 accounts, SQLite, 2 busy cores): every page < 100 ms p50,
 * CSV of all rows ≈ 2 s.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import type { Prisma } from "@/lib/generated/sqlite/client";
import { offsetFromCursor, offsetPage, ZListQuery } from "@/lib/http/pagination";
import { ACCOUNT_FIELD_RE, customFieldWhere, readCustomFields } from "./custom-fields";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { isPayingAccount, LIFECYCLE_STATES, PAYING_LIFECYCLE_STATES, type LifecycleState } from "@/lib/signals/types";

const csvList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)), z.array(item).optional());

/**
 * Lifecycle filter values: a state (lib/signals/types.ts), `paying` (customer or past_due with MRR > 0:
 * the accounts that carry a risk level) or `all`.
 */
export const LIFECYCLE_FILTERS = [...LIFECYCLE_STATES, "paying", "all"] as const;
export type LifecycleFilter = (typeof LIFECYCLE_FILTERS)[number];

/**
 * Paying customers (the only accounts with a risk level; issue 13): lifecycle customer/past_due and MRR > 0.
 * An account whose lifecycle was never computed (signals from before the lifecycle states) counts by its MRR.
 */
export const PAYING_WHERE: Prisma.AccountWhereInput = {
  mrrCents: { gt: 0 },
  OR: [{ lifecycleState: { in: [...PAYING_LIFECYCLE_STATES] } }, { lifecycleState: null }],
};

/** The same rule as PAYING_WHERE on one row (lib/signals/types.ts). */
export { isPayingAccount };

export const SORT_FIELDS = ["health_score", "churn_probability", "mrr", "name", "renewal_date", "scored_at"] as const;

export const ZAccountListQuery = ZListQuery.extend({
  sort: z.enum(SORT_FIELDS).default("health_score").describe("Sort field"),
  order: z.enum(["asc", "desc"]).optional().describe("Default: asc for health_score/name/renewal_date, desc otherwise"),
  risk_level: csvList(z.enum(["healthy", "at_risk", "critical"])).describe("Filter by risk level (comma list; only paying customers have one)"),
  lifecycle: csvList(z.enum(LIFECYCLE_FILTERS)).describe(
    "Lifecycle filter (comma list): paying (customer or past_due with MRR), customer, past_due, trialing, paused, prospect, churned, all. " +
      "Default: paying on GET /api/accounts and the accounts table; all on GET /api/integrations/scores/latest (risk levels only on paying rows)",
  ),
  trend: csvList(z.enum(["improving", "stable", "declining"])).describe("Filter by trend (comma list)"),
  owner: z.string().optional().describe("Owner id, or 'none' for unassigned accounts"),
  csm: z.string().max(64).optional().describe("CSM filter (issue 16): 'me' (the caller), a user id, 'unassigned', or 'all' (the default for admins; a CSM's accounts table defaults to 'me')"),
  q: z.string().trim().max(200).optional().describe("Search in account name and domain"),
  min_mrr: z.coerce.number().int().min(0).optional().describe("Minimum MRR in minor units (cents)"),
  renewal_within_days: z.coerce.number().int().min(0).max(3650).optional().describe("Only accounts renewing within N days"),
  format: z.enum(["json", "csv"]).optional().describe("csv = download the current view as CSV (also via Accept: text/csv)"),
  custom_field: z.string().max(200).optional().describe("Filter on a mapped HubSpot property: field:value (case-insensitive; field: = empty). See GET /api/integrations/hubspot/mappings"),
  columns: csvList(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/)).describe("Mapped custom fields to return per row (comma list), as custom_fields"),
}).strict();
export type AccountListQuery = z.infer<typeof ZAccountListQuery>;

export type AccountScoreRow = {
  accountId: string;
  name: string;
  domain: string | null;
  owner: { id: string; name: string; email: string | null } | null;
  healthScore: number | null;
  /** NULL unless the account is a paying customer (isPayingAccount): prospects and churned accounts have no risk level. */
  riskLevel: "healthy" | "at_risk" | "critical" | null;
  lifecycleState: LifecycleState | null;
  /** When its revenue ended (lifecycle churned). */
  churnedAt: Date | null;
  trend: "improving" | "stable" | "declining" | null;
  churnProbability: number | null;
  mrrCents: number | null;
  arrCents: number | null;
  mrrCurrency: string | null;
  renewalDate: Date | null;
  topReason: string | null;
  scoredAt: Date | null;
  /** Values of the mapped custom fields asked for with `columns` (absent otherwise). */
  customFields?: Record<string, string | null>;
};


/** The lifecycle part of the filter: OR of the chosen values; `all` (or nothing chosen) → no condition. */
function lifecycleWhere(values: readonly LifecycleFilter[] | undefined): Prisma.AccountWhereInput | null {
  if (!values?.length || values.includes("all")) return null;
  const states = values.filter((v): v is LifecycleState => v !== "paying" && v !== "all");
  const parts: Prisma.AccountWhereInput[] = [];
  if (values.includes("paying")) parts.push(PAYING_WHERE);
  if (states.length) parts.push({ lifecycleState: { in: states } });
  return parts.length === 1 ? parts[0]! : { OR: parts };
}

/**
 * The filter of a list view (one organization, live accounts). `defaultLifecycle` applies when the query has
 * no `lifecycle` (the accounts table: paying customers). A risk-level filter only ever matches paying customers.
 */
export function accountWhere(
  db: Db,
  organizationId: string,
  q: Omit<AccountListQuery, "limit" | "cursor" | "sort" | "order" | "format">,
  now = new Date(),
  defaultLifecycle: readonly LifecycleFilter[] = ["paying"],
  /** The `q` condition from literalSearchWhere (SQLite searches with `%`/`_`), replacing the `contains` one. */
  literalSearch: Prisma.AccountWhereInput | null = null,
): Prisma.AccountWhereInput {
  const insensitive = providerOf(db) === "postgresql" ? { mode: "insensitive" as const } : {};
  const and: Prisma.AccountWhereInput[] = [];
  const life = lifecycleWhere(q.lifecycle ?? defaultLifecycle);
  if (life) and.push(life);
  if (q.risk_level?.length) and.push(PAYING_WHERE);
  return {
    organizationId,
    archivedAt: null,
    ...(and.length ? { AND: and } : {}),
    ...(q.risk_level?.length ? { riskLevel: { in: q.risk_level } } : {}),
    ...(q.trend?.length ? { trend: { in: q.trend } } : {}),
    ...(q.owner ? { ownerId: q.owner === "none" ? null : q.owner } : {}),
    // "me" is resolved to the caller's user id by the route/page (account-list-handler.ts, accounts-page-data.ts).
    ...(q.csm && q.csm !== "all" && q.csm !== "me" ? { csmUserId: q.csm === "unassigned" ? null : q.csm } : {}),
    ...(q.min_mrr !== undefined ? { mrrCents: { gte: q.min_mrr } } : {}),
    ...(q.renewal_within_days !== undefined ? { renewalDate: { gte: now, lte: new Date(now.getTime() + q.renewal_within_days * 86_400_000) } } : {}),
    ...(q.q ? (literalSearch ?? { OR: [{ name: { contains: likeOperand(db, q.q), ...insensitive } }, { domain: { contains: likeOperand(db, q.q.toLowerCase()) } }] }) : {}),
  };
}

/** `where` AND the custom-field filter (lib/queries/custom-fields.ts), when there is one. */
function withCustomField(where: Prisma.AccountWhereInput, custom: Prisma.AccountWhereInput | null): Prisma.AccountWhereInput {
  return custom ? { AND: [where, custom] } : where;
}

/** Most accounts a literal `_` / `%` search on SQLite hands on as an id list (see literalSearchWhere). */
const LITERAL_SEARCH_MAX_IDS = 20_000;

/**
 * The `q` condition when Prisma's `contains` cannot express it: on SQLite a search text with `%` or `_`.
 * SQLite's LIKE has no escape character unless the statement names one, and Prisma's SQLite `contains` names
 * none (checked: tests/commands/search-escaping.test.ts), so a backslash-escaped operand would look for a
 * backslash. These searches run as one `LIKE ? ESCAPE '\\'` statement of this organization's live accounts
 * and return `{id: {in: […]}}` (at most 20,000 ids, name order). Null otherwise (PostgreSQL, or no wildcard).
 */
export async function literalSearchWhere(db: Db, organizationId: string, q: string | undefined): Promise<Prisma.AccountWhereInput | null> {
  if (!q || providerOf(db) === "postgresql" || !/[%_]/.test(q)) return null;
  const pattern = `%${escapeLike(q)}%`;
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT "id" FROM "Account" WHERE "organizationId" = ? AND "archivedAt" IS NULL AND ("name" LIKE ? ESCAPE '\\' OR "domain" LIKE ? ESCAPE '\\') ORDER BY "name" LIMIT ${LITERAL_SEARCH_MAX_IDS}`,
    organizationId, pattern, pattern.toLowerCase(),
  );
  return { id: { in: rows.map((r) => r.id) } };
}

/**
 * `text` with LIKE's wildcards `%` and `_` and the escape character `\\` itself escaped by a backslash, so a
 * LIKE whose escape character is `\\` matches them literally (issue 18).
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The operand of a Prisma `contains` that matches `text` literally. Prisma lowers `contains` to LIKE without
 * escaping the operand (prisma/prisma#19506; the Prisma docs' filtering FAQ says to escape `%`/`_` yourself).
 * PostgreSQL's LIKE escapes with `\\` by default, so the escaped text works there. SQLite's LIKE has no escape
 * character and Prisma names none, so the text is passed as is: without `%`/`_` it is already literal (a
 * backslash is a plain character), and texts with them go through literalSearchWhere instead.
 */
function likeOperand(db: Db, text: string): string {
  return providerOf(db) === "postgresql" ? escapeLike(text) : text;
}

/** Account column behind each `sort` value. */
const SORT_COLUMN = {
  health_score: "healthScore", churn_probability: "churnProbability", mrr: "mrrCents", name: "name", renewal_date: "renewalDate", scored_at: "scoredAt",
} as const satisfies Record<(typeof SORT_FIELDS)[number], keyof Prisma.AccountOrderByWithRelationInput>;
type SortColumn = (typeof SORT_COLUMN)[keyof typeof SORT_COLUMN];
type Dir = "asc" | "desc";

function sortOf(q: Pick<AccountListQuery, "sort" | "order">): { column: SortColumn; dir: Dir } {
  return { column: SORT_COLUMN[q.sort], dir: q.order ?? (["health_score", "name", "renewal_date"].includes(q.sort) ? "asc" : "desc") };
}

type Fetch<T> = (where: Prisma.AccountWhereInput, orderBy: Prisma.AccountOrderByWithRelationInput[], skip: number, take: number | undefined) => Promise<T[]>;

/**
 * Rows [offset, offset + limit) (all from `offset` when limit is undefined) of `where` in the order
 * `column dir NULLS LAST, id dir` (ties by account id in the same direction). Read as two index-ordered
 * parts — rows with a value (ORDER BY column dir, id dir: a forward or backward walk of the
 * (organizationId, column, id) index), then rows without one (ORDER BY id dir) — because neither SQLite
 * (ASC/DESC) nor PostgreSQL (DESC) can walk an index for `NULLS LAST`, and a tie-breaker in the other
 * direction needs a sort too: both sorted every matching row (≈ 100-300 ms at 50,000 accounts, a deep
 * page as much again; sort=scored_at, where every account ties, was the slowest).
 */
async function readOrdered<T>(db: Db, where: Prisma.AccountWhereInput, column: SortColumn, dir: Dir, offset: number, limit: number | undefined, fetch: Fetch<T>): Promise<T[]> {
  if (column === "name") return fetch(where, [{ name: dir }, { id: dir }], offset, limit); // NOT NULL
  // MRR of different currencies is never compared (issue 17, docs/revenue.md): sort=mrr groups by currency (a → z),
  // then the amount in `dir`.
  const order: Prisma.AccountOrderByWithRelationInput[] = column === "mrrCents" ? [{ mrrCurrency: "asc" }, { mrrCents: dir }, { id: dir }] : [{ [column]: dir }, { id: dir }];
  const present = await fetch({ AND: [where, { [column]: { not: null } }] }, order, offset, limit);
  if (limit !== undefined && present.length >= limit) return present;
  // The page reaches the rows without a value. Their offset: 0 when this page holds rows with a value
  // (or starts at 0); else `offset` minus the number of rows with a value (counted only in that case).
  const nullOffset = present.length > 0 || offset === 0 ? 0 : offset - (await db.account.count({ where: { AND: [where, { [column]: { not: null } }] } }));
  const rest = await fetch({ AND: [where, { [column]: null }] }, [{ id: dir }], nullOffset, limit === undefined ? undefined : limit - present.length);
  return present.length ? [...present, ...rest] : rest;
}

/** The columns a list row / CSV line needs (not the JSON columns: customFields, mrrByCurrency), as readRowsById returns them. */
type RowSelect = {
  id: true; name: true; domain: true; healthScore: true; riskLevel: true; trend: true; churnProbability: true; mrrCents: true;
  mrrCurrency: true; renewalDate: true; topReason: true; scoredAt: true; lifecycleState: true; churnedAt: true;
  owner: { select: { id: true; firstName: true; lastName: true; email: true; externalId: true } };
};
type AccountWithOwner = Prisma.AccountGetPayload<{ select: RowSelect }>;

function toRow(a: AccountWithOwner): AccountScoreRow {
  return {
    accountId: a.id,
    name: a.name,
    domain: a.domain,
    owner: a.owner ? { id: a.owner.id, name: [a.owner.firstName, a.owner.lastName].filter(Boolean).join(" ") || (a.owner.email ?? a.owner.externalId), email: a.owner.email } : null,
    healthScore: a.healthScore,
    riskLevel: isPayingAccount(a) ? a.riskLevel : null,
    lifecycleState: (LIFECYCLE_STATES as readonly string[]).includes(a.lifecycleState ?? "") ? (a.lifecycleState as LifecycleState) : null,
    churnedAt: a.churnedAt,
    trend: a.trend,
    churnProbability: a.churnProbability,
    mrrCents: a.mrrCents,
    arrCents: a.mrrCents === null ? null : a.mrrCents * 12,
    mrrCurrency: a.mrrCurrency,
    renewalDate: a.renewalDate,
    topReason: a.topReason,
    scoredAt: a.scoredAt,
  };
}

/**
 * One page of the list: `{data: AccountScoreRow[], total, next_cursor}` (offset cursor, like every list route).
 * Order: the sort column (NULLS LAST), then account id in the same direction. `total` counts the whole filtered view.
 * @throws AppError validation_failed for a cursor not made by this list.
 */
export async function listAccountScores(db: Db, organizationId: string, q: AccountListQuery, defaultLifecycle: readonly LifecycleFilter[] = ["paying"]) {
  const offset = offsetFromCursor(q.cursor);
  const pg = providerOf(db) === "postgresql";
  const { column, dir } = sortOf(q);
  // ONE raw statement: the total, the page's ids in index order and their rows (with the owner) as one JSON text
  // (listPageSql). Each Prisma statement cost ~1.3 ms CPU and decoding columns per row more: under 50
  // concurrent clients that CPU is the latency (issue 14 item 10, scripts/bench/console.ts --load).
  const { sql, params } = listPageSql(pg, accountWhereSql(pg, organizationId, q, new Date(), defaultLifecycle), column, dir, offset, q.limit);
  const [res] = await db.$queryRawUnsafe<{ total: number | bigint; rows: string | null }[]>(sql, ...params);
  const out = (res?.rows ? (JSON.parse(res.rows) as ChunkTuple[]) : []).map((t) => toRow(fromTuple(t)));
  if (q.columns?.length) {
    const values = await readCustomFields(db, organizationId, out.map((r) => r.accountId));
    for (const r of out) r.customFields = Object.fromEntries(q.columns.map((f) => [f, values.get(r.accountId)?.[f] ?? null]));
  }
  return offsetPage(out, Number(res?.total ?? 0), offset);
}

const CSV_COLUMNS: [string, (r: AccountScoreRow) => unknown][] = [
  ["account_id", (r) => r.accountId], ["name", (r) => r.name], ["domain", (r) => r.domain], ["owner", (r) => r.owner?.name],
  ["health_score", (r) => r.healthScore], ["risk_level", (r) => r.riskLevel], ["lifecycle_state", (r) => r.lifecycleState],
  ["churned_at", (r) => r.churnedAt?.toISOString().slice(0, 10)], ["trend", (r) => r.trend],
  ["churn_probability", (r) => r.churnProbability], ["mrr_cents", (r) => r.mrrCents], ["arr_cents", (r) => r.arrCents],
  ["currency", (r) => r.mrrCurrency], ["renewal_date", (r) => r.renewalDate?.toISOString().slice(0, 10)], ["top_reason", (r) => r.topReason],
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  // Neutralise spreadsheet formulas (CSV injection) from vendor-supplied names.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Columns of one exported row, in the order the chunk query returns them. */
const CHUNK_COLS = [
  `a."id"`, `a."name"`, `a."domain"`, `a."healthScore"`, `a."riskLevel"`, `a."trend"`, `a."churnProbability"`, `a."mrrCents"`, `a."mrrCurrency"`,
  `a."renewalDate"`, `a."topReason"`, `a."scoredAt"`, `o."id"`, `o."firstName"`, `o."lastName"`, `o."email"`, `o."externalId"`,
  `a."lifecycleState"`, `a."churnedAt"`,
].join(", ");
const CHUNK_FROM = `FROM "Account" a LEFT JOIN "Owner" o ON o."id" = a."ownerId" WHERE a."id" IN `;
/** PostgreSQL: `= ANY(ARRAY(…))` expands the id list once and lets it drive the primary key (an `IN (SELECT
 * jsonb_…)` can be planned as a nested loop re-expanding the JSON per stored row on tables without statistics). */
const CHUNK_FROM_PG = `FROM "Account" a LEFT JOIN "Owner" o ON o."id" = a."ownerId" WHERE a."id" = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`;
const CHUNK_SQL = {
  sqlite: `SELECT json_group_array(json_array(${CHUNK_COLS})) AS "rows" ${CHUNK_FROM}(SELECT value FROM json_each(?))`,
  postgresql: `SELECT json_agg(json_build_array(${CHUNK_COLS}))::text AS "rows" ${CHUNK_FROM_PG}`,
};
type ChunkTuple = [
  id: string, name: string, domain: string | null, healthScore: number | null, riskLevel: AccountWithOwner["riskLevel"], trend: AccountWithOwner["trend"],
  churnProbability: number | null, mrrCents: number | null, mrrCurrency: string | null, renewalDate: string | null, topReason: string | null,
  scoredAt: string | null, ownerId: string | null, firstName: string | null, lastName: string | null, email: string | null, externalId: string | null,
  lifecycleState: string | null, churnedAt: string | null,
];
// ───────────────────────────── the list page as raw SQL (issue 14 item 10) ─────────────────────────────

/** A WHERE clause over `"Account" a` with numbered placeholders (`?N` on SQLite, `$N` on PostgreSQL) into `params`. */
type SqlWhere = { sql: string; params: unknown[] };

/** The SQL column behind each sort column (Account alias `a`). */
const SORT_SQL: Record<SortColumn, string> = {
  healthScore: `a."healthScore"`, churnProbability: `a."churnProbability"`, mrrCents: `a."mrrCents"`, name: `a."name"`, renewalDate: `a."renewalDate"`, scoredAt: `a."scoredAt"`,
};

/**
 * accountWhere + literalSearchWhere + customFieldWhere as ONE SQL condition on `"Account" a` (same rows):
 * organization, live accounts, lifecycle (paying = MRR > 0 and customer/past_due or not computed), risk level
 * (paying only), trend, owner, CSM, minimum MRR (minor units), renewal within N days of `now`, `q` (name or
 * domain contains the text literally: `LIKE … ESCAPE '\\'` on SQLite, `ILIKE` on the name on PostgreSQL, as
 * Prisma's `contains`/`mode: insensitive` did) and a custom field's value (lib/queries/custom-fields.ts rules).
 * Values are always parameters; only validated names (enum values, ACCOUNT_FIELD_RE field names) are in the text.
 */
function accountWhereSql(pg: boolean, organizationId: string, q: Omit<AccountListQuery, "limit" | "cursor" | "sort" | "order" | "format">, now: Date, defaultLifecycle: readonly LifecycleFilter[]): SqlWhere {
  const params: unknown[] = [];
  const p = (v: unknown) => { params.push(v); return pg ? `$${params.length}` : `?${params.length}`; };
  const list = (vs: readonly string[], pgType?: string) => vs.map((v) => (pg && pgType ? `CAST(${p(v)} AS "${pgType}")` : p(v))).join(", ");
  const ts = (d: Date) => (pg ? `CAST(${p(d.toISOString())} AS timestamp(3))` : p(sqliteDateText(d)));
  const paying = () => `(a."mrrCents" > 0 AND (a."lifecycleState" IN (${list(PAYING_LIFECYCLE_STATES)}) OR a."lifecycleState" IS NULL))`;
  const and: string[] = [`a."organizationId" = ${p(organizationId)}`, `a."archivedAt" IS NULL`];
  const life = q.lifecycle ?? defaultLifecycle;
  if (life.length && !life.includes("all")) {
    const states = life.filter((v): v is LifecycleState => v !== "paying" && v !== "all");
    const parts = [...(life.includes("paying") ? [paying()] : []), ...(states.length ? [`a."lifecycleState" IN (${list(states)})`] : [])];
    and.push(parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`);
  }
  if (q.risk_level?.length) and.push(paying(), `a."riskLevel" IN (${list(q.risk_level, "RiskLevel")})`);
  if (q.trend?.length) and.push(`a."trend" IN (${list(q.trend, "Trend")})`);
  if (q.owner) and.push(q.owner === "none" ? `a."ownerId" IS NULL` : `a."ownerId" = ${p(q.owner)}`);
  if (q.csm && q.csm !== "all" && q.csm !== "me") and.push(q.csm === "unassigned" ? `a."csmUserId" IS NULL` : `a."csmUserId" = ${p(q.csm)}`);
  if (q.min_mrr !== undefined) and.push(`a."mrrCents" >= ${p(q.min_mrr)}`);
  if (q.renewal_within_days !== undefined) and.push(`a."renewalDate" >= ${ts(now)}`, `a."renewalDate" <= ${ts(new Date(now.getTime() + q.renewal_within_days * 86_400_000))}`);
  if (q.q) {
    const pattern = `%${escapeLike(q.q)}%`;
    and.push(pg
      ? `(a."name" ILIKE ${p(pattern)} OR a."domain" LIKE ${p(pattern.toLowerCase())})`
      : `(a."name" LIKE ${p(pattern)} ESCAPE '\\' OR a."domain" LIKE ${p(pattern.toLowerCase())} ESCAPE '\\')`);
  }
  if (q.custom_field) {
    const i = q.custom_field.indexOf(":");
    const field = i < 0 ? q.custom_field : q.custom_field.slice(0, i);
    const value = (i < 0 ? "" : q.custom_field.slice(i + 1)).trim().toLowerCase();
    if (!ACCOUNT_FIELD_RE.test(field)) and.push("1 = 0");
    else {
      const expr = pg ? `(a."customFields"->>'${field}')` : `json_extract(a."customFields", '$.${field}')`;
      and.push(value ? `lower(trim(${expr})) = ${p(value)}` : `(${expr} IS NULL OR trim(${expr}) = '')`);
    }
  }
  return { sql: and.join(" AND "), params };
}

/** Columns of one list row as a JSON array, in ChunkTuple order (CHUNK_COLS), for json_group_array / json_agg. */
const ROW_JSON = { sqlite: `json_array(${CHUNK_COLS})`, postgresql: `json_build_array(${CHUNK_COLS})` };

/**
 * ONE statement for a list page: `{total, rows}` where rows is a JSON text of ChunkTuple in page order.
 * `c` counts the filtered view and its rows with a value in the sort column; the page's ids are read as
 * readOrdered does (rows with a value in index order `column dir, id dir`, then rows without one by `id dir`,
 * the second part's offset/limit computed from `c` inside the statement), then joined to their columns and the
 * owner and aggregated into one JSON text ordered by (part, sort column, id) — a sort of ≤ 200 rows.
 */
function listPageSql(pg: boolean, where: SqlWhere, column: SortColumn, dir: Dir, offset: number, limit: number): { sql: string; params: unknown[] } {
  const params = [...where.params, offset, limit];
  const O = pg ? `$${params.length - 1}` : `?${params.length - 1}`;
  const L = pg ? `$${params.length}` : `?${params.length}`;
  const D = dir === "asc" ? "ASC" : "DESC";
  const col = SORT_SQL[column];
  const order = column === "mrrCents" ? `a."mrrCurrency" ASC, a."mrrCents" ${D}, a."id" ${D}` : `${col} ${D}, a."id" ${D}`;
  const big = pg ? "greatest" : "max";
  const small = pg ? "least" : "min";
  const int = (x: string) => (pg ? `CAST(${x} AS bigint)` : x);
  const W = where.sql;
  const agg = pg
    ? `json_agg(${ROW_JSON.postgresql} ORDER BY ids."part", ${order})::text`
    : `'[' || group_concat(${ROW_JSON.sqlite}, ',' ORDER BY ids."part", ${order}) || ']'`; // json_group_array(… ORDER BY …) loses the JSON subtype (rows come back as strings)
  const sql = `WITH c AS (SELECT count(*) AS "total", count(${col}) AS "present" FROM "Account" a WHERE ${W}),
ids AS (
  SELECT "id", 0 AS "part" FROM (SELECT a."id" FROM "Account" a WHERE ${W} AND ${col} IS NOT NULL ORDER BY ${order} LIMIT ${int(L)} OFFSET ${int(O)}) p1
  UNION ALL
  SELECT "id", 1 AS "part" FROM (SELECT a."id" FROM "Account" a WHERE ${W} AND ${col} IS NULL ORDER BY a."id" ${D}
    LIMIT (SELECT ${int(L)} - ${small}(${int(L)}, ${big}(0, c."present" - ${int(O)})) FROM c) OFFSET (SELECT ${big}(0, ${int(O)} - c."present") FROM c)) p2
)
SELECT (SELECT "total" FROM c) AS "total",
  (SELECT ${agg} FROM ids JOIN "Account" a ON a."id" = ids."id" LEFT JOIN "Owner" o ON o."id" = a."ownerId") AS "rows"`;
  return { sql, params };
}

/** A timestamp as JSON text: SQLite keeps Prisma's `…+00:00`; PostgreSQL `timestamp(3)` has no zone (it is UTC). */
const utcDate = (t: string | null) => (t === null ? null : new Date(/(Z|[+-]\d\d:\d\d)$/i.test(t) ? t : `${t}Z`));

/**
 * The list columns of the accounts `ids` (any order). ONE statement, ids as one JSON parameter, the rows
 * back as one JSON text (json_group_array / json_agg): Prisma decodes one value instead of 17 per row,
 * ~5× faster than findMany + the owner relation for the CSV export's 1,000-row chunks.
 */
async function readRowsById(db: Db, ids: string[]): Promise<AccountWithOwner[]> {
  const [res] = await db.$queryRawUnsafe<{ rows: string | null }[]>(providerOf(db) === "postgresql" ? CHUNK_SQL.postgresql : CHUNK_SQL.sqlite, JSON.stringify(ids));
  const tuples = res?.rows ? (JSON.parse(res.rows) as ChunkTuple[]) : [];
  return tuples.map(fromTuple);
}

/** One ChunkTuple (CHUNK_COLS order) as the row shape toRow reads. */
function fromTuple(t: ChunkTuple): AccountWithOwner {
  return {
    id: t[0], name: t[1], domain: t[2], healthScore: t[3], riskLevel: t[4], trend: t[5], churnProbability: t[6], mrrCents: t[7], mrrCurrency: t[8],
    renewalDate: utcDate(t[9]), topReason: t[10], scoredAt: utcDate(t[11]), lifecycleState: t[17], churnedAt: utcDate(t[18]),
    owner: t[12] === null ? null : { id: t[12], firstName: t[13], lastName: t[14], email: t[15], externalId: t[16] ?? "" },
  };
}

/** Rows per query while exporting. */
const CSV_CHUNK = 1_000;

/**
 * Every row of the current view (filters and sort of `q`; `limit`/`cursor` ignored) as CSV (header line,
 * then one line per account, `\n` line ends), streamed: the ordered account ids are read before this
 * resolves (one index-ordered query, ~40 bytes per account — so a database error still becomes an error
 * response, not a cut-off download), then the rows 1,000 at a time as the stream is read, so memory stays
 * flat at 50,000 accounts instead of holding the whole file. Cells that a spreadsheet would run as a
 * formula are prefixed with `'`.
 */
export async function accountScoresCsv(db: Db, organizationId: string, q: AccountListQuery, defaultLifecycle: readonly LifecycleFilter[] = ["paying"]): Promise<ReadableStream<Uint8Array>> {
  const enc = new TextEncoder();
  const { column, dir } = sortOf(q);
  const ids = (await readOrdered(db, withCustomField(accountWhere(db, organizationId, q, new Date(), defaultLifecycle, await literalSearchWhere(db, organizationId, q.q)), await customFieldWhere(db, organizationId, q.custom_field)), column, dir, 0, undefined, (where, orderBy, skip, take) =>
    db.account.findMany({ where, orderBy, skip, take, select: { id: true } }))).map((a) => a.id);
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(CSV_COLUMNS.map(([h]) => h).join(",") + "\n"));
    },
    async pull(controller) {
      if (next >= ids.length) {
        controller.close();
        return;
      }
      const chunk = ids.slice(next, next + CSV_CHUNK);
      next += chunk.length;
      const byId = new Map((await readRowsById(db, chunk)).map((a) => [a.id, a]));
      let text = "";
      for (const id of chunk) {
        const a = byId.get(id);
        if (a) text += CSV_COLUMNS.map(([, f]) => csvCell(f(toRow(a)))).join(",") + "\n";
      }
      controller.enqueue(enc.encode(text));
    },
  });
}
