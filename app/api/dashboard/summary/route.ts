// GET /api/dashboard/summary – totals, MRR/ARR at risk, average score, distribution by level, movers, renewals, freshness.
import { dashboardSummaryRoute } from "@/lib/api/contracts/accounts";
import { organizationIdFor } from "@/lib/auth/organization-scope";
import { getDb } from "@/lib/db";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";
import { resolveBookScope } from "@/lib/book/csm";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(dashboardSummaryRoute, async ({ caller, query }) => {
  const db = getDb();
  const organizationId = await organizationIdFor(db, caller, query.organization);
  // ?csm=me|all|<user id>: the same My/All choice as the accounts table (issue 16); default all.
  const csmUserId = await resolveBookScope(db, organizationId, caller, query.csm);
  return { ...(await getDashboardSummary(db, organizationId, undefined, csmUserId ? { csmUserId } : {})), csmUserId: csmUserId ?? null };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
