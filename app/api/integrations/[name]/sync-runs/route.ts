// GET /api/integrations/{name}/sync-runs – a connection's sync history (90 days), filterable, newest first.
import { syncHistoryRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { getConnectionOrThrow } from "@/lib/integrations/manage-connections";
import { listSyncHistory } from "@/lib/sync/sync-history";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(syncHistoryRoute, async ({ caller, params, query }) => {
  if (caller.kind !== "user") throw new AppError("bad_request", "sync history is per organization: call it with a signed-in session");
  const db = getDb();
  const conn = await getConnectionOrThrow(db, caller.organizationId, params.name, query.connection_id);
  return listSyncHistory(db, {
    organizationId: caller.organizationId, connectionId: conn.id, limit: query.limit, cursor: query.cursor,
    filter: {
      mode: query.mode, status: query.status, trigger: query.trigger, objectType: query.object_type,
      since: query.since ? new Date(query.since) : undefined, until: query.until ? new Date(query.until) : undefined,
    },
  });
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
