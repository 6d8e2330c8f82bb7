// GET /api/revenue – the MRR bridge, movements, logos, GRR/NRR per month and trailing 12 months (JSON or CSV).
import { revenueOverviewRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleOverview } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueOverviewRoute, async ({ req, caller, query }) => handleOverview(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
