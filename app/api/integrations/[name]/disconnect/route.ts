// DELETE /api/integrations/{name}/disconnect – stop syncing, forget credentials, keep the data.
import { disconnectRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { disconnectConnection } from "@/lib/integrations/manage-connections";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const DELETE = withApi(disconnectRoute, async ({ caller, params, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  return disconnectConnection(getDb(), { organizationId: caller.organizationId, provider: params.name, connectionId: query.connection_id });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PUT, PATCH } = methodsNotAllowed(["DELETE"]);
