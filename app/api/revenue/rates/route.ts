// GET /api/revenue/rates – the organization's exchange rates; POST (admin) – add rates from JSON or an uploaded CSV.
import { putRevenueRatesRoute, revenueRatesRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleListRates, handlePostRates } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueRatesRoute, async ({ caller, query }) => handleListRates(caller, query));
export const POST = withApi(putRevenueRatesRoute, async ({ caller, query, body }) => handlePostRates(caller, query, body));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
