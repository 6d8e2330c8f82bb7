// GET /api/sales-activity/records – the calls, meetings, notes or deals behind one scorecard count.
import { salesActivityRecordsRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handleRecords } from "@/lib/sales-activity/api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(salesActivityRecordsRoute, async ({ caller, query }) => handleRecords(caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
