/** Contracts of the revenue-analytics routes (issue 17): MRR bridge and movements, retention, cohorts, forecast, rates. */
import { z } from "zod";
import { ZCurrency, ZRateInput } from "@/lib/revenue/currency";
import { defineRoute } from "../contract";

const ZOrgQuery = { organization: z.string().optional().describe("Cron only: organization id or slug (default: the only one)") };
const ZMonth = z.string().regex(/^\d{4}-\d{2}$/, "YYYY-MM");
const ZFormat = z.enum(["json", "csv"]).optional().describe("csv = download as CSV (also via Accept: text/csv)");

export const ZRevenueQuery = z.object({
  months: z.coerce.number().int().min(1).max(120).optional().describe("Months shown, up to the current one (default 12)"),
  format: ZFormat, ...ZOrgQuery,
}).strict();
export const revenueOverviewRoute = defineRoute({
  method: "GET", path: "/api/revenue", tags: ["revenue"],
  summary: "MRR bridge per month (start, new, expansion, contraction, churn, reactivation, end; ARR = 12 × MRR), logos, GRR/NRR per month and trailing 12 months; per currency or in the reporting currency (CSV)",
  auth: { role: "csm", cron: true }, query: ZRevenueQuery, produces: ["text/csv"],
});

export const ZCohortsQuery = z.object({ cohorts: z.coerce.number().int().min(1).max(60).optional().describe("Start months (default 12)"), format: ZFormat, ...ZOrgQuery }).strict();
export const revenueCohortsRoute = defineRoute({
  method: "GET", path: "/api/revenue/cohorts", tags: ["revenue"], summary: "Cohort retention by start month: logos and revenue per month since the start (CSV)",
  auth: { role: "csm", cron: true }, query: ZCohortsQuery, produces: ["text/csv"],
});

export const ZForecastQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).optional().describe("Horizon (default 90)"),
  limit: z.coerce.number().int().min(1).max(200).optional().describe("Accounts listed (default 20)"),
  cursor: z.string().regex(/^\d{1,8}$/).optional().describe("Offset of the page in the list (the previous answer's next_cursor)"), format: ZFormat, ...ZOrgQuery,
}).strict();
export const revenueForecastRoute = defineRoute({
  method: "GET", path: "/api/revenue/forecast", tags: ["revenue"],
  summary: "Renewals of the next N days weighted by each account's latest churn probability → expected retained MRR, and the accounts that weigh most (CSV)",
  auth: { role: "csm", cron: true }, query: ZForecastQuery, produces: ["text/csv"],
});

export const ZMovementsQuery = z.object({
  account_id: z.string().min(1).optional(), from: ZMonth.optional().describe("First month (YYYY-MM)"), to: ZMonth.optional().describe("Month after the last (exclusive)"),
  kind: z.enum(["new", "expansion", "contraction", "churn", "reactivation"]).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(), cursor: z.string().max(20).optional(), format: ZFormat, ...ZOrgQuery,
}).strict();
export const revenueMovementsRoute = defineRoute({
  method: "GET", path: "/api/revenue/movements", tags: ["revenue"],
  summary: "MRR movements, newest first, each explained by subscription, item and price; one account or a month range (CSV)",
  auth: { role: "csm", cron: true }, query: ZMovementsQuery, produces: ["text/csv"],
});

export const revenueRatesRoute = defineRoute({
  method: "GET", path: "/api/revenue/rates", tags: ["revenue"], summary: "Exchange rates of the organization (newest day first)",
  auth: { role: "csm", cron: true }, query: z.object({ limit: z.coerce.number().int().min(1).max(5_000).optional(), ...ZOrgQuery }).strict(),
});
export const ZRatesBody = z.object({
  rates: z.array(ZRateInput).max(20_000).optional().describe("[{day: YYYY-MM-DD, currency, quote_currency?, rate}]"),
  csv: z.string().max(2_000_000).optional().describe("CSV text with a header day,currency,rate[,quote_currency]"),
}).strict().refine((b) => (b.rates ? 1 : 0) + (b.csv ? 1 : 0) === 1, { message: "give either rates or csv" });
export const putRevenueRatesRoute = defineRoute({
  method: "POST", path: "/api/revenue/rates", tags: ["revenue"],
  summary: "Add or replace daily exchange rates (JSON list or an uploaded CSV); 1 unit of currency = rate units of quote_currency (default: the reporting currency)",
  auth: { role: "admin", cron: true }, query: z.object(ZOrgQuery).strict(), body: ZRatesBody, maxBodyBytes: 2_100_000,
});

export const revenueSettingsRoute = defineRoute({
  method: "GET", path: "/api/revenue/settings", tags: ["revenue"], summary: "Reporting currency and the currencies of the organization's subscriptions",
  auth: { role: "csm", cron: true }, query: z.object(ZOrgQuery).strict(),
});
export const putRevenueSettingsRoute = defineRoute({
  method: "PUT", path: "/api/revenue/settings", tags: ["revenue"], summary: "Set (or clear with null) the reporting currency",
  auth: { role: "admin", cron: true }, query: z.object(ZOrgQuery).strict(), body: z.object({ reporting_currency: ZCurrency.nullable() }).strict(),
});

export const revenueRoutes = [
  revenueOverviewRoute, revenueCohortsRoute, revenueForecastRoute, revenueMovementsRoute, revenueRatesRoute, putRevenueRatesRoute,
  revenueSettingsRoute, putRevenueSettingsRoute,
];
