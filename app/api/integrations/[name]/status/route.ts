// GET /api/integrations/{name}/status – a provider's connections with live sync progress, last runs and errors.
import { statusRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { summarizeConnections } from "@/lib/integrations/connection-summary";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(statusRoute, async ({ caller, params, query }) => {
  if (caller.kind !== "user") throw new AppError("bad_request", "status is per organization: call it with a signed-in session");
  let connections = await summarizeConnections(getDb(), { organizationId: caller.organizationId, provider: params.name });
  if (query.connection_id) {
    connections = connections.filter((c) => c.id === query.connection_id);
    if (!connections.length) throw new AppError("not_found", `${params.name} connection ${query.connection_id} not found`);
  }
  return { name: params.name, connected: connections.length > 0, connections };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
