// PUT /api/views/owners/{id} – map a HubSpot owner to a user (admin).
import { setOwnerMappingRoute } from "@/lib/api/contracts/alerts";
import { setOwnerMapping } from "@/lib/book/csm";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PUT = withApi(setOwnerMappingRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  await setOwnerMapping(getDb(), caller.organizationId, params.id, body.user_id);
  return { ownerId: params.id, userId: body.user_id };
});

export const { GET, POST, PATCH, DELETE } = methodsNotAllowed(["PUT"]);
