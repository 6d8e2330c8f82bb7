/**
 * Revenue reports read from the materialized RevenueMovement rows (lib/revenue/build-movements.ts): the MRR
 * bridge and movements per month, GRR/NRR (per month and trailing 12 months), logo churn, cohort retention,
 * and the 90-day renewal forecast weighted by churn probability. Formulas: docs/revenue.md.
 *
 * Every figure is in integer minor units of ONE currency: per currency (`mode: "per_currency"`), or in the
 * organization's reporting currency (`mode: "reporting"`) when one is set and every movement could be converted
 * with a rate of its day. Every query is scoped to one organization.
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { providerOf } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { readRevenueSummary, type RevenueBuildStatus, type RevenueSummary } from "./build-movements";
import { MOVEMENT_KINDS, monthStartMs, type MovementKind } from "./movements";
import { convertMinor, rateLookup } from "./currency";

const DAY_MS = 86_400_000;

export type BridgeMonth = {
  /** YYYY-MM */
  month: string;
  startCents: number;
  newCents: number;
  expansionCents: number;
  contractionCents: number;
  churnCents: number;
  reactivationCents: number;
  netNewCents: number;
  endCents: number;
  /** 12 × endCents */
  arrCents: number;
  logosStart: number;
  logosNew: number;
  logosChurned: number;
  logosReactivated: number;
  logosEnd: number;
  /** churned logos that existed at the start ÷ logosStart; null when logosStart = 0 */
  logoChurnRate: number | null;
  /** (start − contraction − churn of accounts existing at the start) ÷ start; null when start = 0 */
  grr: number | null;
  /** (start + every movement of accounts existing at the start) ÷ start; null when start = 0 */
  nrr: number | null;
};

export type RevenueSeries = {
  currency: string;
  months: BridgeMonth[];
  currentMrrCents: number;
  currentArrCents: number;
  trailing12: { windowStart: string; windowEnd: string; startCents: number; retainedCents: number; grossRetainedCents: number; grr: number | null; nrr: number | null };
};

/** Logos of ACCOUNTS (an account billed in several currencies is one logo), per month. */
export type CustomerMonth = Pick<BridgeMonth, "month" | "logosStart" | "logosNew" | "logosChurned" | "logosReactivated" | "logosEnd" | "logoChurnRate">;

export type RevenueOverview = {
  /** "updating…": whether a movement build is queued or running; the figures are those of the last complete build. */
  build: RevenueBuildStatus;
  /** Paying accounts per month, whatever their currencies (the customer count). */
  customers: CustomerMonth[];
  mode: "reporting" | "per_currency";
  reportingCurrency: string | null;
  /** Currencies without a rate to the reporting currency (the reason the mode is per_currency). */
  unconvertedCurrencies: string[];
  asOf: string;
  series: RevenueSeries[];
};

function ym(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function addMonths(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

function ratio(num: number, den: number): number | null {
  return den > 0 ? Math.round((num / den) * 10_000) / 10_000 : null;
}

/**
 * The MRR bridge, movements, logos and retention per month (the last `months` months up to the current one) and
 * trailing-12-month GRR/NRR, per currency or in the reporting currency. Reads the build's summary (one row).
 */
export async function getRevenueOverview(db: Db, opts: { organizationId: string; months?: number; now?: Date }): Promise<RevenueOverview> {
  const now = opts.now ?? new Date();
  const months = Math.min(Math.max(opts.months ?? 12, 1), 120);
  const { summary: sum, build } = await readRevenueSummary(db, opts.organizationId, now);
  const reporting = sum.reportingCurrency;
  const useReporting = reporting !== null && sum.unconverted.length === 0;
  const currentMonth = monthStartMs(now.getTime());
  const firstShown = addMonths(currentMonth, -(months - 1));
  const customers = accountLogos(sum, firstShown, currentMonth);
  type Cell = { sum: Record<MovementKind, number>; count: Record<MovementKind, number>; existingDelta: number; existingLoss: number; existingChurnCount: number };
  const blank = (): Cell => ({
    sum: { new: 0, expansion: 0, contraction: 0, churn: 0, reactivation: 0 },
    count: { new: 0, expansion: 0, contraction: 0, churn: 0, reactivation: 0 },
    existingDelta: 0, existingLoss: 0, existingChurnCount: 0,
  });
  const byCur = new Map<string, Map<number, Cell>>();
  for (const g of sum.cells) {
    const cur = useReporting ? reporting! : g.c;
    const cents = useReporting ? g.r : g.s;
    const cells = byCur.get(cur) ?? new Map<number, Cell>();
    byCur.set(cur, cells);
    const c = cells.get(g.m) ?? blank();
    cells.set(g.m, c);
    c.sum[g.k] += cents;
    c.count[g.k] += g.n;
    if (g.e) {
      c.existingDelta += cents;
      if (g.k === "contraction" || g.k === "churn") c.existingLoss += cents;
      if (g.k === "churn") c.existingChurnCount += g.n;
    }
  }
  const series: RevenueSeries[] = [];
  for (const [currency, cells] of [...byCur.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const first = Math.min(...cells.keys());
    let mrr = 0;
    let logos = 0;
    const out: BridgeMonth[] = [];
    for (let m = first; m <= currentMonth; m = addMonths(m, 1)) {
      const c = cells.get(m) ?? blank();
      const start = mrr;
      const logosStart = logos;
      const net = MOVEMENT_KINDS.reduce((a, k) => a + c.sum[k], 0);
      mrr = start + net;
      logos = logosStart + c.count.new + c.count.reactivation - c.count.churn;
      // One series in the reporting currency: its logos are the ACCOUNTS (one logo whatever their currencies).
      const acc = useReporting ? customers.find((x) => x.month === ym(m)) : undefined;
      if (m >= firstShown)
        out.push({
          month: ym(m), startCents: start, newCents: c.sum.new, expansionCents: c.sum.expansion, contractionCents: c.sum.contraction,
          churnCents: c.sum.churn, reactivationCents: c.sum.reactivation, netNewCents: net, endCents: mrr, arrCents: 12 * mrr,
          logosStart, logosNew: c.count.new, logosChurned: c.count.churn, logosReactivated: c.count.reactivation, logosEnd: logos,
          logoChurnRate: ratio(c.existingChurnCount, logosStart),
          ...(acc ? { logosStart: acc.logosStart, logosNew: acc.logosNew, logosChurned: acc.logosChurned, logosReactivated: acc.logosReactivated, logosEnd: acc.logosEnd, logoChurnRate: acc.logoChurnRate } : {}),
          grr: start > 0 ? ratio(Math.max(0, start + c.existingLoss), start) : null,
          nrr: start > 0 ? ratio(Math.max(0, start + c.existingDelta), start) : null,
        });
    }
    const t = (useReporting ? sum.trailing12.reporting : sum.trailing12.perCurrency.find((x) => x.c === currency)) ?? { start: 0, retained: 0, gross: 0 };
    series.push({
      currency, months: out, currentMrrCents: mrr, currentArrCents: 12 * mrr,
      trailing12: {
        windowStart: new Date(sum.trailing12.startMs).toISOString().slice(0, 10), windowEnd: new Date(sum.trailing12.endMs).toISOString().slice(0, 10),
        startCents: t.start, retainedCents: t.retained, grossRetainedCents: t.gross, grr: ratio(t.gross, t.start), nrr: ratio(t.retained, t.start),
      },
    });
  }
  return { build, customers, mode: useReporting ? "reporting" : "per_currency", reportingCurrency: reporting, unconvertedCurrencies: sum.unconverted, asOf: now.toISOString(), series };
}

/** Paying ACCOUNTS per month from the summary's account logo events (months [firstShown, currentMonth]). */
function accountLogos(sum: RevenueSummary, firstShown: number, currentMonth: number): CustomerMonth[] {
  const by = new Map<number, { new: number; churn: number; reactivation: number; existingChurn: number }>();
  for (const c of sum.logoCells ?? []) {
    const x = by.get(c.m) ?? { new: 0, churn: 0, reactivation: 0, existingChurn: 0 };
    x[c.k] += c.n;
    if (c.k === "churn" && c.e) x.existingChurn += c.n;
    by.set(c.m, x);
  }
  const out: CustomerMonth[] = [];
  if (!by.size) return out;
  let logos = 0;
  for (let m = Math.min(...by.keys()); m <= currentMonth; m = addMonths(m, 1)) {
    const x = by.get(m) ?? { new: 0, churn: 0, reactivation: 0, existingChurn: 0 };
    const start = logos;
    logos = start + x.new + x.reactivation - x.churn;
    if (m >= firstShown)
      out.push({ month: ym(m), logosStart: start, logosNew: x.new, logosChurned: x.churn, logosReactivated: x.reactivation, logosEnd: logos, logoChurnRate: ratio(x.existingChurn, start) });
  }
  return out;
}

export type CohortRow = {
  /** YYYY-MM of the cohort's first revenue. */
  cohort: string;
  currency: string;
  startLogos: number;
  startCents: number;
  /** Index 0 = the cohort month's end, 1 = one month later, … up to the current month. */
  logos: number[];
  revenueCents: number[];
  logoRetention: (number | null)[];
  revenueRetention: (number | null)[];
};

/** Cohort retention by start month (logos and revenue), the last `cohorts` cohorts. Reads the build's summary. */
export async function getCohorts(db: Db, opts: { organizationId: string; cohorts?: number; now?: Date }): Promise<{ mode: "reporting" | "per_currency"; cohorts: CohortRow[] }> {
  const now = opts.now ?? new Date();
  const { summary: sum } = await readRevenueSummary(db, opts.organizationId, now);
  const reporting = sum.reportingCurrency;
  const useReporting = reporting !== null && sum.unconverted.length === 0;
  const currentMonth = monthStartMs(now.getTime());
  // Logos of a cohort are its ACCOUNTS (one whatever their currencies), the same on each currency row of the cohort.
  const cohortLogos = new Map<number, Map<number, number>>();
  for (const g of sum.logoCohortCells ?? []) {
    const m = cohortLogos.get(g.cm) ?? new Map<number, number>();
    cohortLogos.set(g.cm, m);
    m.set(g.m, (m.get(g.m) ?? 0) + (g.k === "churn" ? -g.n : g.n));
  }
  const firstCohort = addMonths(currentMonth, -((opts.cohorts ?? 12) - 1));
  const cells = new Map<string, Map<number, { cents: number; logos: number }>>();
  for (const g of sum.cohortCells) {
    if (g.cm < firstCohort) continue;
    const cur = useReporting ? reporting! : g.c;
    const key = `${g.cm}|${cur}`;
    const m = cells.get(key) ?? new Map();
    cells.set(key, m);
    const c = m.get(g.m) ?? { cents: 0, logos: 0 };
    c.cents += useReporting ? g.r : g.s;
    m.set(g.m, c);
  }
  const rows: CohortRow[] = [];
  for (const [key, m] of cells) {
    const [cm, currency] = key.split("|") as [string, string];
    const cohortMs = Number(cm);
    let cents = 0;
    let logos = 0;
    const lc: number[] = [];
    const rc: number[] = [];
    for (let x = cohortMs; x <= currentMonth; x = addMonths(x, 1)) {
      cents += m.get(x)?.cents ?? 0;
      logos += cohortLogos.get(cohortMs)?.get(x) ?? 0;
      lc.push(logos);
      rc.push(cents);
    }
    rows.push({
      cohort: ym(cohortMs), currency, startLogos: lc[0] ?? 0, startCents: rc[0] ?? 0, logos: lc, revenueCents: rc,
      logoRetention: lc.map((v) => ratio(v, lc[0] ?? 0)), revenueRetention: rc.map((v) => ratio(v, rc[0] ?? 0)),
    });
  }
  rows.sort((a, b) => (a.cohort === b.cohort ? a.currency.localeCompare(b.currency) : a.cohort.localeCompare(b.cohort)));
  return { mode: useReporting ? "reporting" : "per_currency", cohorts: rows };
}

export type ForecastAccount = {
  accountId: string;
  accountName: string;
  currency: string;
  renewalDate: string;
  mrrCents: number;
  /** Latest ChurnScoreDaily probability (0-1); null = not scored (counted as retained, listed). */
  churnProbability: number | null;
  /** 1 when a cancellation is already scheduled. */
  effectiveChurnProbability: number;
  expectedRetainedCents: number;
  expectedLossCents: number;
};

export type RenewalForecast = {
  days: number;
  from: string;
  to: string;
  mode: "reporting" | "per_currency";
  totals: { currency: string; renewals: number; renewingMrrCents: number; expectedRetainedCents: number; expectedLossCents: number; unscored: number }[];
  /** The accounts that weigh most (largest expected loss first): one page of `limit` from `cursor`. */
  accounts: ForecastAccount[];
  /** Renewing (account, currency) rows in the whole list (= the sum of `totals[].renewals`). */
  total: number;
  /** Offset of the next page as text (pass as `cursor`), null on the last page. */
  nextCursor: string | null;
};

/**
 * Renewals in the next `days` (default 90): live (active/past_due) subscriptions with MRR whose current period ends
 * in [now, now + days], grouped per account and currency, weighted by the account's latest churn probability
 * (the ChurnScoreDaily row of the organization's newest scored day; none = unscored, counted as retained) →
 * expected retained MRR = MRR × (1 − p). A scheduled cancellation counts as p = 1. Aggregated in SQL: totals are
 * rounded once per currency, listed accounts once each.
 *
 * The list is paged: `limit` (1-200, default 20) rows from offset `cursor` (text, default "0"), ordered by expected
 * loss, then MRR (both descending, in the subscription currency), account id and currency; `total` counts every row.
 * Cost (50,000 accounts, 37,261 renewing, docs/revenue.md "Benchmark"): one statement; the (account, currency)
 * aggregation streams from the covering index Subscription_renewal_forecast_idx, the top page is a LIMITed sort,
 * only the page's rows (and their names) come back to JS.
 */
export async function getRenewalForecast(
  db: Db, opts: { organizationId: string; days?: number; now?: Date; limit?: number; cursor?: string },
): Promise<RenewalForecast> {
  const now = opts.now ?? new Date();
  const days = Math.min(Math.max(opts.days ?? 90, 1), 366);
  const to = new Date(now.getTime() + days * DAY_MS);
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 200);
  const offset = Math.min(Math.max(0, Math.floor(Number(opts.cursor ?? 0)) || 0), 10_000_000);
  const [newest, settings] = await Promise.all([
    db.churnScoreDaily.findFirst({ where: { organizationId: opts.organizationId }, orderBy: { day: "desc" }, select: { day: true } }),
    db.revenueSettings.findUnique({ where: { organizationId: opts.organizationId }, select: { reportingCurrency: true } }),
  ]);
  // One statement per question, aggregated in the database (50,000 accounts: no row per account comes back).
  const pg = providerOf(db) === "postgresql";
  const args: unknown[] = [];
  const arg = (v: unknown) => {
    args.push(v instanceof Date && !pg ? sqliteDateText(v) : v);
    return pg ? `$${args.length}` : "?";
  };
  const cte =
    `WITH s AS (SELECT "accountId" AS a, "currency" AS c, SUM("mrrCents") AS mrr, MIN("currentPeriodEnd") AS renewal, ` +
    `MAX(CASE WHEN "cancelAtPeriodEnd" OR ("cancelAt" IS NOT NULL AND "cancelAt" <= ${arg(to)}) THEN 1 ELSE 0 END) AS canceling ` +
    `FROM "Subscription" WHERE "organizationId" = ${arg(opts.organizationId)} AND "status" IN ('active', 'past_due') AND "mrrCents" > 0 ` +
    `AND "accountId" IS NOT NULL AND "currentPeriodEnd" >= ${arg(now)} AND "currentPeriodEnd" <= ${arg(to)} GROUP BY "accountId", "currency"), ` +
    // MATERIALIZED (SQLite ≥ 3.35, PostgreSQL ≥ 12): j is computed once for both parts of the UNION.
    `j AS MATERIALIZED (SELECT s.*, cs."churnProbability" AS p, s.mrr * (CASE WHEN s.canceling = 1 THEN 1.0 ELSE COALESCE(cs."churnProbability", 0) END) AS loss ` +
    `FROM s LEFT JOIN "ChurnScoreDaily" cs ON cs."accountId" = s.a AND cs."day" = ${arg(newest?.day ?? new Date(0))}) `;
  type Out = { t: string; a: string | null; c: string; n: unknown; mrr: unknown; loss: unknown; unscored: unknown; renewal: unknown; canceling: unknown; p: unknown };
  const rows = await db.$queryRawUnsafe<Out[]>(
    `${cte}SELECT 't' AS t, NULL AS a, c, COUNT(*) AS n, SUM(mrr) AS mrr, SUM(loss) AS loss, SUM(CASE WHEN p IS NULL THEN 1 ELSE 0 END) AS unscored, ` +
    `NULL AS renewal, NULL AS canceling, NULL AS p FROM j GROUP BY c ` +
    `UNION ALL SELECT * FROM (SELECT 'a' AS t, a, c, 1 AS n, mrr, loss, 0 AS unscored, renewal, canceling, p FROM j ORDER BY loss DESC, mrr DESC, a ASC, c ASC LIMIT ${arg(limit)} OFFSET ${arg(offset)}) top`,
    ...args,
  );
  const totalsRows = rows.filter((r) => r.t === "t");
  const topRows = rows.filter((r) => r.t === "a").map((r) => ({ ...r, a: r.a! }));
  const reporting = settings?.reportingCurrency ?? null;
  let lookup: ((c: string, d: number) => number | null) | null = null;
  if (reporting) lookup = rateLookup(await db.exchangeRate.findMany({ where: { organizationId: opts.organizationId, quoteCurrency: reporting } }), reporting);
  const useReporting = reporting !== null && totalsRows.every((r) => lookup!(r.c, now.getTime()) !== null);
  const conv = (cents: number, c: string) => (useReporting ? convertMinor(cents, c, reporting!, lookup!(c, now.getTime())!) : cents);
  const totals = new Map<string, RenewalForecast["totals"][number]>();
  for (const r of totalsRows) {
    const currency = useReporting ? reporting! : r.c;
    const t = totals.get(currency) ?? { currency, renewals: 0, renewingMrrCents: 0, expectedRetainedCents: 0, expectedLossCents: 0, unscored: 0 };
    const mrr = conv(Number(r.mrr), r.c);
    const loss = conv(Math.round(Number(r.loss)), r.c);
    t.renewals += Number(r.n);
    t.renewingMrrCents += mrr;
    t.expectedLossCents += loss;
    t.expectedRetainedCents += mrr - loss;
    t.unscored += Number(r.unscored);
    totals.set(currency, t);
  }
  const total = totalsRows.reduce((a, r) => a + Number(r.n), 0);
  const list: ForecastAccount[] = topRows.map((r) => {
    const mrr = conv(Number(r.mrr), r.c);
    const loss = conv(Math.round(Number(r.loss)), r.c);
    const p = r.p === null || r.p === undefined ? null : Number(r.p);
    const renewal = r.renewal instanceof Date ? r.renewal : new Date(String(r.renewal));
    return {
      accountId: r.a, accountName: r.a, currency: useReporting ? reporting! : r.c, renewalDate: renewal.toISOString(), mrrCents: mrr, churnProbability: p,
      effectiveChurnProbability: Number(r.canceling) === 1 ? 1 : (p ?? 0), expectedRetainedCents: mrr - loss, expectedLossCents: loss,
    };
  });
  if (useReporting) list.sort((a, b) => b.expectedLossCents - a.expectedLossCents || b.mrrCents - a.mrrCents);
  const names = new Map((await db.account.findMany({ where: { organizationId: opts.organizationId, id: { in: list.map((a) => a.accountId) } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  for (const a of list) a.accountName = names.get(a.accountId) ?? a.accountId;
  return {
    days, from: now.toISOString(), to: to.toISOString(), mode: useReporting ? "reporting" : "per_currency",
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)), accounts: list,
    total, nextCursor: offset + topRows.length < total ? String(offset + topRows.length) : null,
  };
}

export type MovementRow = {
  id: string;
  accountId: string | null;
  accountName: string | null;
  currency: string;
  at: string;
  kind: string;
  deltaCents: number;
  mrrBeforeCents: number;
  mrrAfterCents: number;
  reportingDeltaCents: number | null;
  details: unknown;
};

/**
 * Movements, newest first, optionally of one account and/or a month range ([from, to) as YYYY-MM).
 * Paged by offset (`cursor` = the offset as text).
 * @throws AppError not_found for an account of another organization.
 */
export async function listMovements(
  db: Db,
  opts: { organizationId: string; accountId?: string; from?: string; to?: string; kind?: string; limit?: number; cursor?: string; now?: Date },
): Promise<{ data: MovementRow[]; total: number; nextCursor: string | null }> {
  const { summary: sum } = await readRevenueSummary(db, opts.organizationId, opts.now ?? new Date());
  if (opts.accountId) {
    const a = await db.account.findFirst({ where: { id: opts.accountId, organizationId: opts.organizationId }, select: { id: true } });
    if (!a) throw new AppError("not_found", `account ${opts.accountId} not found`);
  }
  const where = {
    organizationId: opts.organizationId,
    ...(opts.accountId ? { accountKey: opts.accountId } : {}),
    ...(opts.kind ? { kind: opts.kind } : {}),
    ...(opts.from || opts.to
      ? { month: { ...(opts.from ? { gte: new Date(`${opts.from}-01T00:00:00.000Z`) } : {}), ...(opts.to ? { lt: new Date(`${opts.to}-01T00:00:00.000Z`) } : {}) } }
      : {}),
  };
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 10_000);
  const offset = Math.max(0, Number(opts.cursor ?? 0) || 0);
  const [rows, total] = await Promise.all([
    db.revenueMovement.findMany({ where, orderBy: [{ at: "desc" }, { id: "asc" }], skip: offset, take: limit }),
    opts.accountId || opts.kind || opts.from || opts.to ? db.revenueMovement.count({ where }) : Promise.resolve(sum.total),
  ]);
  const ids = [...new Set(rows.map((r) => r.accountId).filter((x): x is string => !!x))];
  const names = new Map((await db.account.findMany({ where: { organizationId: opts.organizationId, id: { in: ids } }, select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  return {
    data: rows.map((r) => ({
      id: r.id, accountId: r.accountId, accountName: r.accountId ? (names.get(r.accountId) ?? null) : null, currency: r.currency,
      at: r.at.toISOString(), kind: r.kind, deltaCents: r.deltaCents, mrrBeforeCents: r.mrrBeforeCents, mrrAfterCents: r.mrrAfterCents,
      reportingDeltaCents: r.reportingDeltaCents, details: r.details,
    })),
    total,
    nextCursor: offset + rows.length < total ? String(offset + rows.length) : null,
  };
}
