/**
 * Route handlers' one call each (app/api/revenue/**): organization scoping, CSV, settings and rates.
 * Every function resolves the caller's organization first; nothing reads across organizations.
 * @throws AppError as the functions they call (not_found for another organization's account, validation_failed).
 */
import type { NextRequest } from "next/server";
import type { CallerContext } from "@/lib/auth/context";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb, type Db } from "@/lib/db";
import { csvResponse, wantsCsv } from "@/lib/http/csv";
import { getCohorts, getRenewalForecast, getRevenueOverview, listMovements, type RevenueOverview } from "./report";
import { getReportingCurrency, parseRatesCsv, setReportingCurrency, upsertRates, type RateInput } from "./currency";

type Org = { organization?: string };

function cell(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows → CSV text (header first), RFC 4180 quoting. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** The bridge as CSV: one line per currency and month; amounts in minor units. */
export function bridgeCsv(o: RevenueOverview): string {
  const rows: unknown[][] = [];
  for (const s of o.series)
    for (const m of s.months)
      rows.push([s.currency, m.month, m.startCents, m.newCents, m.expansionCents, m.contractionCents, m.churnCents, m.reactivationCents, m.endCents, m.arrCents,
        m.logosStart, m.logosNew, m.logosChurned, m.logosReactivated, m.logosEnd, m.logoChurnRate, m.grr, m.nrr]);
  return toCsv(["currency", "month", "start_mrr_cents", "new_cents", "expansion_cents", "contraction_cents", "churn_cents", "reactivation_cents", "end_mrr_cents", "arr_cents",
    "logos_start", "logos_new", "logos_churned", "logos_reactivated", "logos_end", "logo_churn_rate", "grr", "nrr"], rows);
}

export async function handleOverview(req: NextRequest, caller: CallerContext, q: { months?: number; format?: string } & Org) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const o = await getRevenueOverview(db, { organizationId, months: q.months });
  if (wantsCsv(req, q.format)) return csvResponse(bridgeCsv(o), `mrr-bridge-${o.asOf.slice(0, 10)}.csv`);
  return o;
}

export async function handleCohorts(req: NextRequest, caller: CallerContext, q: { cohorts?: number; format?: string } & Org) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const c = await getCohorts(db, { organizationId, cohorts: q.cohorts });
  if (wantsCsv(req, q.format)) {
    const rows: unknown[][] = [];
    for (const r of c.cohorts) r.revenueCents.forEach((v, i) => rows.push([r.cohort, r.currency, i, r.logos[i], r.logoRetention[i], v, r.revenueRetention[i]]));
    return csvResponse(toCsv(["cohort", "currency", "months_since_start", "logos", "logo_retention", "mrr_cents", "revenue_retention"], rows), "mrr-cohorts.csv");
  }
  return c;
}

/** The forecast's totals and one page of its accounts (`cursor` = the previous page's nextCursor); CSV = that page. */
export async function handleForecast(req: NextRequest, caller: CallerContext, q: { days?: number; limit?: number; cursor?: string; format?: string } & Org) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const f = await getRenewalForecast(db, { organizationId, days: q.days, limit: q.limit, cursor: q.cursor });
  if (wantsCsv(req, q.format))
    return csvResponse(toCsv(["account_id", "account", "currency", "renewal_date", "mrr_cents", "churn_probability", "effective_churn_probability", "expected_retained_cents", "expected_loss_cents"],
      f.accounts.map((a) => [a.accountId, a.accountName, a.currency, a.renewalDate, a.mrrCents, a.churnProbability, a.effectiveChurnProbability, a.expectedRetainedCents, a.expectedLossCents])), `renewal-forecast-${f.days}d.csv`);
  return f;
}

export async function handleMovements(
  req: NextRequest, caller: CallerContext,
  q: { account_id?: string; from?: string; to?: string; kind?: string; limit?: number; cursor?: string; format?: string } & Org,
) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const csv = wantsCsv(req, q.format);
  const r = await listMovements(db, { organizationId, accountId: q.account_id, from: q.from, to: q.to, kind: q.kind, limit: q.limit ?? (csv ? 10_000 : 100), cursor: q.cursor });
  if (csv) {
    const explain = (d: unknown) => (Array.isArray(d) ? d : []).map((x: { subscription?: string; change?: string; items?: { item: string; priceBefore: string | null; priceAfter: string | null; quantityBefore: number | null; quantityAfter: number | null }[] }) =>
      `${x.subscription} ${x.change}${(x.items ?? []).map((i) => ` ${i.item}: ${i.priceBefore ?? "-"}×${i.quantityBefore ?? 0} → ${i.priceAfter ?? "-"}×${i.quantityAfter ?? 0}`).join(";")}`).join(" | ");
    return csvResponse(toCsv(["at", "account_id", "account", "currency", "kind", "delta_cents", "mrr_before_cents", "mrr_after_cents", "reporting_delta_cents", "explanation"],
      r.data.map((m) => [m.at, m.accountId, m.accountName, m.currency, m.kind, m.deltaCents, m.mrrBeforeCents, m.mrrAfterCents, m.reportingDeltaCents, explain(m.details)])), "mrr-movements.csv");
  }
  return r;
}

export async function handleGetSettings(caller: CallerContext, q: Org) {
  const db = getDb();
  return getRevenueSettings(db, await organizationIdFor(db, caller, q.organization));
}

/** Reporting currency, the currencies of the organization's subscriptions, and a summary of its rates per pair. */
export async function getRevenueSettings(db: Db, organizationId: string) {
  const [reporting, currencies, rates] = await Promise.all([
    getReportingCurrency(db, organizationId),
    db.subscription.groupBy({ by: ["currency"], where: { organizationId } }),
    db.exchangeRate.groupBy({ by: ["currency", "quoteCurrency"], where: { organizationId }, _count: { _all: true }, _min: { day: true }, _max: { day: true } }),
  ]);
  return {
    reportingCurrency: reporting,
    currencies: currencies.map((c) => c.currency).sort(),
    rates: rates.map((r) => ({ currency: r.currency, quoteCurrency: r.quoteCurrency, days: r._count._all, firstDay: r._min.day?.toISOString().slice(0, 10) ?? null, lastDay: r._max.day?.toISOString().slice(0, 10) ?? null })),
  };
}

export async function handlePutSettings(caller: CallerContext, q: Org, body: { reporting_currency: string | null }) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  await setReportingCurrency(db, organizationId, body.reporting_currency);
  return handleGetSettings(caller, q);
}

export async function handleListRates(caller: CallerContext, q: { limit?: number } & Org) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const rows = await db.exchangeRate.findMany({ where: { organizationId }, orderBy: [{ day: "desc" }, { currency: "asc" }], take: q.limit ?? 500 });
  const total = await db.exchangeRate.count({ where: { organizationId } });
  return { data: rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), currency: r.currency, quoteCurrency: r.quoteCurrency, rate: r.rate, source: r.source })), total, nextCursor: null };
}

export async function handlePostRates(caller: CallerContext, q: Org, body: { rates?: RateInput[]; csv?: string }) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const input = body.csv !== undefined ? parseRatesCsv(body.csv) : (body.rates ?? []);
  const stored = await upsertRates(db, organizationId, input, body.csv !== undefined ? "csv" : "api");
  return { stored };
}
