// GET /api/integrations – all connectors with their connections and sync status (seed 01).
import { listIntegrationsRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { PROVIDERS } from "@/lib/connectors/registry";
import { AppError } from "@/lib/errors";
import { summarizeConnections } from "@/lib/integrations/connection-summary";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listIntegrationsRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("bad_request", "cron callers use /api/integrations/{name}/sync; this list is per organization");
  const all = await summarizeConnections(getDb(), { organizationId: caller.organizationId });
  return { data: PROVIDERS.map((name) => { const connections = all.filter((c) => c.provider === name); return { name, connected: connections.length > 0, connections }; }) };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
