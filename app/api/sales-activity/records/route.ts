// GET /api/sales-activity/records – the calls, meetings, notes or deals behind one scorecard count.
import { salesActivityRecordsRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handleRecords } from "@/lib/sales-activity/api";

export const dynamic = "force-dynamic";

export const GET = withApi(salesActivityRecordsRoute, async ({ caller, query }) => handleRecords(caller, query));
