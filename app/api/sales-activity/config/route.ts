// GET/PUT /api/sales-activity/config – decision-maker rules and the MRR deal property.
import { getSalesActivityConfigRoute, putSalesActivityConfigRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handleGetConfig, handlePutConfig } from "@/lib/sales-activity/api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(getSalesActivityConfigRoute, async ({ caller, query }) => handleGetConfig(caller, query));
export const PUT = withApi(putSalesActivityConfigRoute, async ({ caller, body }) => handlePutConfig(caller, body));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PATCH, DELETE } = methodsNotAllowed(["GET", "PUT"]);
