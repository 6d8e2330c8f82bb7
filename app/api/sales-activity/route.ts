// GET /api/sales-activity – the sales-activity scorecard per HubSpot owner and week/month (JSON or CSV).
import { salesActivityRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handleScorecard } from "@/lib/sales-activity/api";

export const dynamic = "force-dynamic";

export const GET = withApi(salesActivityRoute, async ({ req, caller, query }) => handleScorecard(req, caller, query));
