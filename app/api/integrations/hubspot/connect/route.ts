// POST /api/integrations/hubspot/connect – start HubSpot OAuth: returns {authorize_url} for the browser.
import { hubspotConnectRoute } from "@/lib/api/contracts/hubspot";
import { startHubspotOAuth } from "@/lib/connectors/hubspot/connect";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(hubspotConnectRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin to connect HubSpot");
  const r = await startHubspotOAuth(getDb(), { organizationId: caller.organizationId, userId: caller.userId, writeBack: body.write_back, redirectTo: body.redirect_to });
  return { authorizeUrl: r.authorizeUrl, expiresAt: r.expiresAt.toISOString() };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
