// GET /api/sales-activity – the sales-activity scorecard per HubSpot owner and week/month (JSON or CSV).
import { salesActivityRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handleScorecard } from "@/lib/sales-activity/api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(salesActivityRoute, async ({ req, caller, query }) => handleScorecard(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
