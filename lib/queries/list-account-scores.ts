/**
 * The Latest Churn Scores list (GET /api/integrations/scores/latest, GET /api/accounts, the /accounts page
 * and its CSV export): one row per account with its newest health score, risk level, trend, churn
 * probability, MRR/ARR (minor units), renewal date, owner and top reason. Reads the denormalised latest-score
 * columns of Account (kept by lib/scoring/run-scoring.ts), so sorting/filtering 50,000 accounts stays fast.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/sqlite/client";
import { offsetFromCursor, offsetPage, ZListQuery } from "@/lib/http/pagination";

const csvList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)), z.array(item).optional());

export const SORT_FIELDS = ["health_score", "churn_probability", "mrr", "name", "renewal_date", "scored_at"] as const;

export const ZAccountListQuery = ZListQuery.extend({
  sort: z.enum(SORT_FIELDS).default("health_score").describe("Sort field"),
  order: z.enum(["asc", "desc"]).optional().describe("Default: asc for health_score/name/renewal_date, desc otherwise"),
  risk_level: csvList(z.enum(["healthy", "at_risk", "critical"])).describe("Filter by risk level (comma list)"),
  trend: csvList(z.enum(["improving", "stable", "declining"])).describe("Filter by trend (comma list)"),
  owner: z.string().optional().describe("Owner id, or 'none' for unassigned accounts"),
  q: z.string().trim().max(200).optional().describe("Search in account name and domain"),
  min_mrr: z.coerce.number().int().min(0).optional().describe("Minimum MRR in minor units (cents)"),
  renewal_within_days: z.coerce.number().int().min(0).max(3650).optional().describe("Only accounts renewing within N days"),
  format: z.enum(["json", "csv"]).optional().describe("csv = download the current view as CSV (also via Accept: text/csv)"),
}).strict();
export type AccountListQuery = z.infer<typeof ZAccountListQuery>;

export type AccountScoreRow = {
  accountId: string;
  name: string;
  domain: string | null;
  owner: { id: string; name: string; email: string | null } | null;
  healthScore: number | null;
  riskLevel: "healthy" | "at_risk" | "critical" | null;
  trend: "improving" | "stable" | "declining" | null;
  churnProbability: number | null;
  mrrCents: number | null;
  arrCents: number | null;
  mrrCurrency: string | null;
  renewalDate: Date | null;
  topReason: string | null;
  scoredAt: Date | null;
};

/** True when `db` talks to PostgreSQL (each generated Prisma client records its provider). */
export function isPostgresDb(db: Db): boolean {
  const p = (db as unknown as { _activeProvider?: string })._activeProvider;
  return p === "postgresql" || p === "postgres";
}

export function accountWhere(db: Db, organizationId: string, q: Omit<AccountListQuery, "limit" | "cursor" | "sort" | "order" | "format">, now = new Date()): Prisma.AccountWhereInput {
  const insensitive = isPostgresDb(db) ? { mode: "insensitive" as const } : {};
  return {
    organizationId,
    archivedAt: null,
    ...(q.risk_level?.length ? { riskLevel: { in: q.risk_level } } : {}),
    ...(q.trend?.length ? { trend: { in: q.trend } } : {}),
    ...(q.owner ? { ownerId: q.owner === "none" ? null : q.owner } : {}),
    ...(q.min_mrr !== undefined ? { mrrCents: { gte: q.min_mrr } } : {}),
    ...(q.renewal_within_days !== undefined ? { renewalDate: { gte: now, lte: new Date(now.getTime() + q.renewal_within_days * 86_400_000) } } : {}),
    ...(q.q ? { OR: [{ name: { contains: q.q, ...insensitive } }, { domain: { contains: q.q.toLowerCase() } }] } : {}),
  };
}

function orderBy(q: AccountListQuery): Prisma.AccountOrderByWithRelationInput[] {
  const field = { health_score: "healthScore", churn_probability: "churnProbability", mrr: "mrrCents", name: "name", renewal_date: "renewalDate", scored_at: "scoredAt" }[q.sort] as keyof Prisma.AccountOrderByWithRelationInput;
  const dir = q.order ?? (["health_score", "name", "renewal_date"].includes(q.sort) ? "asc" : "desc");
  // `name` is NOT NULL: Prisma rejects a nulls option on it.
  return [field === "name" ? { name: dir } : { [field]: { sort: dir, nulls: "last" } }, { id: "asc" }];
}

export async function listAccountScores(db: Db, organizationId: string, q: AccountListQuery) {
  const offset = offsetFromCursor(q.cursor);
  const where = accountWhere(db, organizationId, q);
  const [total, rows] = await Promise.all([
    db.account.count({ where }),
    db.account.findMany({ where, orderBy: orderBy(q), skip: offset, take: q.limit, include: { owner: true } }),
  ]);
  const data: AccountScoreRow[] = rows.map((a) => ({
    accountId: a.id,
    name: a.name,
    domain: a.domain,
    owner: a.owner ? { id: a.owner.id, name: [a.owner.firstName, a.owner.lastName].filter(Boolean).join(" ") || (a.owner.email ?? a.owner.externalId), email: a.owner.email } : null,
    healthScore: a.healthScore,
    riskLevel: a.riskLevel,
    trend: a.trend,
    churnProbability: a.churnProbability,
    mrrCents: a.mrrCents,
    arrCents: a.mrrCents === null ? null : a.mrrCents * 12,
    mrrCurrency: a.mrrCurrency,
    renewalDate: a.renewalDate,
    topReason: a.topReason,
    scoredAt: a.scoredAt,
  }));
  return offsetPage(data, total, offset);
}

const CSV_COLUMNS: [string, (r: AccountScoreRow) => unknown][] = [
  ["account_id", (r) => r.accountId], ["name", (r) => r.name], ["domain", (r) => r.domain], ["owner", (r) => r.owner?.name],
  ["health_score", (r) => r.healthScore], ["risk_level", (r) => r.riskLevel], ["trend", (r) => r.trend],
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

/** Every row of the current view (all pages) as CSV, streamed page by page (≤ 50,000 rows). */
export function accountScoresCsv(db: Db, organizationId: string, q: AccountListQuery): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: string | undefined;
  let i = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode(CSV_COLUMNS.map(([h]) => h).join(",") + "\n"));
        return;
      }
      const page = await listAccountScores(db, organizationId, { ...q, limit: 200, cursor });
      const lines: string[] = [];
      for (const r of page.data) lines.push(CSV_COLUMNS.map(([, f]) => csvCell(f(r))).join(",") + "\n");
      if (lines.length) controller.enqueue(enc.encode(lines.join("")));
      i++;
      if (!page.next_cursor || i >= 250) controller.close();
      cursor = page.next_cursor ?? undefined;
    },
  });
}
