// PUT /api/sales-activity/targets – set or remove one owner's targets per week or month (admin).
import { putSalesTargetsRoute } from "@/lib/api/contracts/sales-activity";
import { withApi } from "@/lib/http/with-api";
import { handlePutTargets } from "@/lib/sales-activity/api";

export const dynamic = "force-dynamic";

export const PUT = withApi(putSalesTargetsRoute, async ({ caller, body }) => handlePutTargets(caller, body));
