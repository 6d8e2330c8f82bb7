// GET /api/alerts – alert and digest deliveries with their status and errors (the alerts page).
import { listAlertsRoute } from "@/lib/api/contracts/alerts";
import { deliveryCounts, listDeliveries } from "@/lib/alerts/queries";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listAlertsRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const data = await listDeliveries(getDb(), caller.organizationId, { status: query.status, limit: query.limit });
  return { data, total: data.length, next_cursor: null, counts: await deliveryCounts(getDb(), caller.organizationId) };
});

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
