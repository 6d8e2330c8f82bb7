/** Contracts of the sales-activity scorecard (issue 17; docs/sales-activity.md). */
import { z } from "zod";
import { ZSalesActivityConfigInput } from "@/lib/sales-activity/config";
import { SALES_METRICS } from "@/lib/sales-activity/scorecard";
import { ZSalesTargetsInput } from "@/lib/sales-activity/targets";
import { defineRoute } from "../contract";

const ZOrgQuery = { organization: z.string().optional().describe("Cron only: organization id or slug (default: the only one)") };
const ZGranularity = z.enum(["week", "month"]).default("week").describe("ISO weeks (Monday 00:00 UTC) or calendar months (UTC)");
const ZMetricValues = z.object(Object.fromEntries(SALES_METRICS.map((m) => [m, z.number()])) as Record<(typeof SALES_METRICS)[number], z.ZodNumber>);

export const ZScorecardQuery = z.object({
  granularity: ZGranularity,
  periods: z.coerce.number().int().min(1).max(53).default(12).describe("How many periods, ending with the current one (default 12: the 12-week trend)"),
  end: z.string().datetime({ offset: true }).or(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).optional().describe("A date in the last period (default now)"),
  format: z.enum(["json", "csv"]).optional(),
  ...ZOrgQuery,
}).strict();

const ZSalesConfig = z.object({
  decision_maker_titles: z.array(z.string()), note_keywords: z.array(z.string()), keyword_rule: z.boolean(),
  deal_value: z.enum(["amount", "mrr"]), mrr_property: z.string(),
});

export const ZScorecard = z.object({
  granularity: z.enum(["week", "month"]),
  periods: z.array(z.object({ start: z.string(), end: z.string(), label: z.string() })),
  owners: z.array(z.object({
    key: z.string().describe("Owner id, or unknown:<connection>:<hubspot owner id|none> for records of an owner that is not synced"),
    owner_id: z.string().nullable(), connection_id: z.string(), hubspot_owner_id: z.string().nullable(), name: z.string(), email: z.string().nullable(),
    archived: z.boolean(), periods: z.array(ZMetricValues), totals: ZMetricValues,
    mrr_closed_by_currency: z.record(z.string(), z.array(z.number())).describe("Minor units per currency per period (\"\" = portal default currency)"),
    targets: ZMetricValues.partial(),
  })),
  totals: z.array(ZMetricValues),
  currencies: z.array(z.string()).describe("First = the currency of mrr_closed_cents"),
  config: ZSalesConfig,
  missing_scopes: z.array(z.object({ connection_id: z.string(), portal_id: z.string(), scopes: z.array(z.string()) })),
  rollup: z.object({
    status: z.enum(["current", "pending", "stale", "none"]), built_at: z.string().nullable(), pending_days: z.number(),
  }).describe("How current the pre-aggregates behind the figures are: current; pending = days changed since built_at (a refresh job is queued); stale = settings changed (a full rebuild is queued); none = not built yet. A read never rebuilds them"),
  generated_ms: z.number(),
});

export const salesActivityRoute = defineRoute({
  method: "GET", path: "/api/sales-activity", summary: "Sales-activity scorecard per HubSpot owner and week/month: dials, decision-maker conversations, meetings set/held, MRR closed, targets (CSV)", tags: ["sales-activity"],
  auth: { role: "csm", cron: true }, query: ZScorecardQuery, response: ZScorecard, produces: ["text/csv"],
});

export const ZRecordsQuery = z.object({
  owner: z.string().min(1).describe("The scorecard owner key"),
  metric: z.enum(SALES_METRICS),
  granularity: ZGranularity,
  period_start: z.string().datetime({ offset: true }).or(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).describe("Start of the week (Monday) or month (1st), UTC"),
  ...ZOrgQuery,
}).strict();
export const salesActivityRecordsRoute = defineRoute({
  method: "GET", path: "/api/sales-activity/records", summary: "The calls, meetings, notes or deals behind one scorecard count", tags: ["sales-activity"],
  auth: { role: "csm", cron: true }, query: ZRecordsQuery,
  response: z.object({
    period: z.object({ start: z.string(), end: z.string(), label: z.string() }), total: z.number(),
    records: z.array(z.object({
      kind: z.enum(["call", "meeting", "note", "deal"]), hubspot_id: z.string(), connection_id: z.string(), account_id: z.string().nullable(), at: z.string(),
      title: z.string().nullable(), outcome: z.string().nullable(), direction: z.string().nullable(), duration_ms: z.number().nullable(),
      contact: z.object({ hubspot_id: z.string(), name: z.string().nullable(), job_title: z.string().nullable() }).nullable(),
      reason: z.string().nullable(), amount_cents: z.number().nullable(), currency: z.string().nullable(),
    })),
  }),
});

export const getSalesActivityConfigRoute = defineRoute({
  method: "GET", path: "/api/sales-activity/config", summary: "Decision-maker job titles, note keywords, and which deal property is MRR", tags: ["sales-activity"],
  auth: { role: "csm", cron: true }, query: z.object(ZOrgQuery).strict(), response: ZSalesConfig,
});
export const putSalesActivityConfigRoute = defineRoute({
  method: "PUT", path: "/api/sales-activity/config", summary: "Change the decision-maker rules or the MRR deal property (admin)", tags: ["sales-activity"],
  auth: { role: "admin" }, body: ZSalesActivityConfigInput, response: ZSalesConfig,
});
export const putSalesTargetsRoute = defineRoute({
  method: "PUT", path: "/api/sales-activity/targets", summary: "Set or remove one owner's targets per week or month (admin)", tags: ["sales-activity"],
  auth: { role: "admin" }, body: ZSalesTargetsInput, response: z.object({ owner_id: z.string(), period: z.enum(["week", "month"]), targets: ZMetricValues.partial() }),
});

export const salesActivityRoutes = [salesActivityRoute, salesActivityRecordsRoute, getSalesActivityConfigRoute, putSalesActivityConfigRoute, putSalesTargetsRoute];
