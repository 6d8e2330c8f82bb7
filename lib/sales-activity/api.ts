/**
 * Route handlers' one call each (app/api/sales-activity/**): organization scoping, date parsing, CSV.
 * @throws AppError as the functions they call (not_found for another organization's owner, validation_failed).
 */
import type { NextRequest } from "next/server";
import type { CallerContext } from "@/lib/auth/context";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { csvResponse, wantsCsv } from "@/lib/http/csv";
import { getSalesActivityConfig, saveSalesActivityConfig, type SalesActivityConfig, type SalesActivityConfigInput } from "./config";
import { scorecardCsv } from "./csv";
import { queueSalesActivityRefresh } from "./jobs";
import { rollupConfigHash } from "./rollup";
import type { Granularity } from "./periods";
import { salesActivityRecords, salesActivityScorecard, type SalesMetric } from "./scorecard";
import { setSalesTargets, type SalesTargetsInput } from "./targets";

/** "2026-12-01" or an ISO date-time → Date (UTC). @throws AppError validation_failed */
export function parseDay(v: string, field: string): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new AppError("validation_failed", `${field}: not a date`, { fields: { [field]: "not a date" } });
  return d;
}

export async function handleScorecard(req: NextRequest, caller: CallerContext, q: { granularity: Granularity; periods: number; end?: string; format?: string; organization?: string }) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const card = await salesActivityScorecard(db, organizationId, { granularity: q.granularity, periods: q.periods, end: q.end ? parseDay(q.end, "end") : undefined });
  if (wantsCsv(req, q.format)) return csvResponse(scorecardCsv(card), `sales-activity-${q.granularity}-${card.periods.at(-1)?.label ?? "now"}.csv`);
  return card;
}

export async function handleRecords(caller: CallerContext, q: { owner: string; metric: SalesMetric; granularity: Granularity; period_start: string; organization?: string }) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, q.organization);
  const r = await salesActivityRecords(db, organizationId, { ownerKey: q.owner, metric: q.metric, granularity: q.granularity, periodStart: parseDay(q.period_start, "period_start") });
  return { period: { start: r.period.start, end: r.period.end, label: r.period.label }, total: r.total, records: r.records };
}

function configOut(c: SalesActivityConfig) {
  return { decisionMakerTitles: c.decisionMakerTitles, noteKeywords: c.noteKeywords, keywordRule: c.keywordRule, dealValue: c.dealValue, mrrProperty: c.mrrProperty };
}

export async function handleGetConfig(caller: CallerContext, q: { organization?: string }) {
  const db = getDb();
  return configOut(await getSalesActivityConfig(db, await organizationIdFor(db, caller, q.organization)));
}

/**
 * Save the settings; when the decision-maker rules changed, queue the full rebuild of the pre-aggregates
 * (sales-activity-refresh-job) — until it has run, the scorecard answers with `rollup.status` "stale".
 */
export async function handlePutConfig(caller: CallerContext, body: SalesActivityConfigInput) {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller);
  const before = rollupConfigHash(await getSalesActivityConfig(db, organizationId));
  const saved = await saveSalesActivityConfig(db, organizationId, body);
  if (rollupConfigHash(saved) !== before) await queueSalesActivityRefresh(db, organizationId);
  return configOut(saved);
}

export async function handlePutTargets(caller: CallerContext, body: SalesTargetsInput) {
  const db = getDb();
  const targets = await setSalesTargets(db, await organizationIdFor(db, caller), body);
  return { ownerId: body.owner_id, period: body.period, targets };
}
