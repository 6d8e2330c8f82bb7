// GET /api/revenue/cohorts – cohort retention by start month, logos and revenue (JSON or CSV).
import { revenueCohortsRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleCohorts } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueCohortsRoute, async ({ req, caller, query }) => handleCohorts(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
