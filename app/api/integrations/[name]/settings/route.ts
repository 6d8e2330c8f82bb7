// PATCH /api/integrations/{name}/settings – webhook signing secret (stored encrypted) and write-back toggle.
import { settingsRoute } from "@/lib/api/contracts/integrations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { summarizeConnections } from "@/lib/integrations/connection-summary";
import { updateConnectionSettings } from "@/lib/integrations/manage-connections";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PATCH = withApi(settingsRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  const db = getDb();
  const id = await updateConnectionSettings(db, {
    organizationId: caller.organizationId, provider: params.name, connectionId: body.connection_id,
    webhookSecret: body.webhook_secret, writeBack: body.write_back,
  });
  const [connection] = (await summarizeConnections(db, { organizationId: caller.organizationId })).filter((c) => c.id === id);
  return { connection };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, POST, PUT, DELETE } = methodsNotAllowed(["PATCH"]);
