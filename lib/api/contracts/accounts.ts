/** Contracts of the accounts, scores and dashboard routes (issue 6; seed 01 forms kept). */
import { z } from "zod";
import { ZAccountListQuery } from "@/lib/queries/list-account-scores";
import { defineRoute } from "../contract";

const ZOrgQuery = { organization: z.string().optional().describe("Cron only: organization id or slug (default: the only one)") };
export const ZAccountsQuery = ZAccountListQuery.extend(ZOrgQuery).strict();

export const ZAccountScoreRow = z.object({
  account_id: z.string(), name: z.string(), domain: z.string().nullable(),
  owner: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }).nullable(),
  health_score: z.number().nullable().describe("0-100, higher is healthier"),
  risk_level: z.enum(["healthy", "at_risk", "critical"]).nullable().describe("Only paying customers have one (lifecycle customer/past_due with MRR)"),
  lifecycle_state: z.enum(["prospect", "trialing", "customer", "past_due", "paused", "churned"]).nullable().describe("Lifecycle state on the latest signal day"),
  churned_at: z.string().nullable().describe("When the revenue ended (lifecycle churned)"),
  trend: z.enum(["improving", "stable", "declining"]).nullable(),
  churn_probability: z.number().nullable().describe("0-1"),
  mrr_cents: z.number().nullable().describe("MRR in minor units of mrr_currency"), arr_cents: z.number().nullable(), mrr_currency: z.string().nullable(),
  renewal_date: z.string().nullable(), top_reason: z.string().nullable(), scored_at: z.string().nullable(),
});
const ZList = (item: z.ZodType) => z.object({ data: z.array(item), total: z.number(), next_cursor: z.string().nullable() });

export const latestScoresRoute = defineRoute({
  method: "GET", path: "/api/integrations/scores/latest", summary: "Latest churn scores: one row per account (sort, filter, search, paginate; CSV)", tags: ["scores"],
  auth: { role: "csm", cron: true }, query: ZAccountsQuery, response: ZList(ZAccountScoreRow), produces: ["text/csv"],
});
export const listAccountsRoute = defineRoute({
  method: "GET", path: "/api/accounts", summary: "Accounts with their latest health score (same filters as scores/latest; CSV)", tags: ["accounts"],
  auth: { role: "csm", cron: true }, query: ZAccountsQuery, response: ZList(ZAccountScoreRow), produces: ["text/csv"],
});
export const ZAccountParams = z.object({ id: z.string().min(1) });
export const getAccountRoute = defineRoute({
  method: "GET", path: "/api/accounts/{id}", summary: "Account detail: score history, factors, why it changed, signals, contacts, deals, billing, sources", tags: ["accounts"],
  auth: { role: "csm", cron: true }, params: ZAccountParams, query: z.object(ZOrgQuery).strict(),
});
export const syncedAccountsRoute = defineRoute({
  method: "GET", path: "/api/integrations/accounts", summary: "Synced accounts with their source links (HubSpot companies, Stripe customers)", tags: ["accounts"],
  auth: { role: "csm", cron: true }, query: z.object({ limit: ZAccountListQuery.shape.limit, cursor: ZAccountListQuery.shape.cursor, ...ZOrgQuery }).strict(),
});
export const dashboardSummaryRoute = defineRoute({
  method: "GET", path: "/api/dashboard/summary", summary: "Totals, MRR/ARR, MRR at risk, average score, distribution by level, movers, renewals at risk, freshness", tags: ["dashboard"],
  auth: { role: "csm", cron: true },
  query: z.object({
    ...ZOrgQuery,
    csm: z.string().trim().min(1).max(64).optional().describe("Whose book (issue 16): 'me' (the caller's accounts), 'all' (default: every account), or a user id of the organization; scopes the tiles, distribution, movers and renewals"),
  }).strict(),
});
export const scoreRoute = defineRoute({
  method: "POST", path: "/api/integrations/score", summary: "Score all accounts now (identity → today's signals → scores); returns counts and duration", tags: ["scores"],
  auth: { role: "admin", cron: true },
  query: z.object({ ...ZOrgQuery, async: z.enum(["true", "false"]).optional().describe("true = return the job at once instead of waiting") }).strict(),
});

export const accountRoutes = [latestScoresRoute, listAccountsRoute, getAccountRoute, syncedAccountsRoute, dashboardSummaryRoute, scoreRoute];
