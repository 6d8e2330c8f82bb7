// PUT /api/sales-activity/targets – set or remove one owner's targets per week or month (admin).
import { putSalesTargetsRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handlePutTargets } from "@/lib/sales-activity/api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PUT = withApi(putSalesTargetsRoute, async ({ caller, body }) => handlePutTargets(caller, body));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PATCH, DELETE } = methodsNotAllowed(["PUT"]);
