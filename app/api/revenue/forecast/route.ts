// GET /api/revenue/forecast – renewals of the next 90 days weighted by churn probability (JSON or CSV).
import { revenueForecastRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleForecast } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueForecastRoute, async ({ req, caller, query }) => handleForecast(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
