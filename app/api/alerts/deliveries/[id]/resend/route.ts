// POST /api/alerts/deliveries/{id}/resend – "send again" for a failed delivery.
import { resendDeliveryRoute } from "@/lib/api/contracts/alerts";
import { resendDelivery } from "@/lib/alerts/deliver";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(resendDeliveryRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  await resendDelivery(getDb(), caller.organizationId, params.id);
  return { id: params.id, status: "pending" };
});

export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
