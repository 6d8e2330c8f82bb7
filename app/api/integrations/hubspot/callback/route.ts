// GET /api/integrations/hubspot/callback – HubSpot OAuth callback: consume the single-use state, exchange the
// code, store the tokens, start the first sync, redirect to the `redirect_to` given at connect (default
// /integrations) with ?connected=hubspot (or /integrations?error=…).
import { NextResponse } from "next/server";
import { hubspotCallbackRoute } from "@/lib/api/contracts/hubspot";
import { completeHubspotOAuth } from "@/lib/connectors/hubspot/connect";
import { getDb } from "@/lib/db";
import { appBaseUrl } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { startConnectionSync } from "@/lib/integrations/manage-connections";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(hubspotCallbackRoute, async ({ query }) => {
  let to = new URL("/integrations", appBaseUrl());
  try {
    if (query.error) throw Object.assign(new Error(`HubSpot: ${query.error_description ?? query.error}`), { userFacing: true });
    if (!query.code || !query.state) throw Object.assign(new Error("the HubSpot callback is missing code or state: start the connection again"), { userFacing: true });
    const db = getDb();
    const r = await completeHubspotOAuth(db, { code: query.code, state: query.state });
    await startConnectionSync(db, { organizationId: r.organizationId, connectionId: r.connectionId, full: true, trigger: "connect" });
    to = new URL(r.redirectTo, appBaseUrl());
    to.searchParams.set("connected", "hubspot");
    to.searchParams.set("connection_id", r.connectionId);
  } catch (err) {
    const userFacing = (isAppError(err) && err.status < 500) || (err as { userFacing?: boolean }).userFacing;
    if (!userFacing) throw err;
    to.searchParams.set("error", (err as Error).message);
  }
  return NextResponse.redirect(to, 303);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
