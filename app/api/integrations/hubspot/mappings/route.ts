// PUT /api/integrations/hubspot/mappings – map HubSpot company properties to account fields (validated against the portal).
import { hubspotMappingsRoute } from "@/lib/api/contracts/hubspot";
import { setPropertyMappings } from "@/lib/connectors/hubspot/mappings";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PUT = withApi(hubspotMappingsRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin to change mappings");
  return setPropertyMappings(getDb(), { organizationId: caller.organizationId, connectionId: body.connection_id, mappings: body.mappings });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PATCH, DELETE } = methodsNotAllowed(["PUT"]);
