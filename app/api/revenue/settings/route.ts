// GET /api/revenue/settings – reporting currency and currencies in use; PUT (admin) – set the reporting currency.
import { putRevenueSettingsRoute, revenueSettingsRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleGetSettings, handlePutSettings } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueSettingsRoute, async ({ caller, query }) => handleGetSettings(caller, query));
export const PUT = withApi(putRevenueSettingsRoute, async ({ caller, query, body }) => handlePutSettings(caller, query, body));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PATCH, DELETE } = methodsNotAllowed(["GET", "PUT"]);
