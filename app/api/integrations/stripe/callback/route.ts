// GET /api/integrations/stripe/callback – Stripe Connect OAuth callback: store the connection, start the
// first (full) sync, redirect to the app (errors are shown there as ?stripe_error=…).
import { NextResponse } from "next/server";
import { stripeCallbackRoute } from "@/lib/api/contracts/stripe";
import { completeStripeOAuth } from "@/lib/connectors/stripe/connect";
import { getDb } from "@/lib/db";
import { appBaseUrl } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { withApi } from "@/lib/http/with-api";
import { startConnectionSync } from "@/lib/integrations/manage-connections";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(stripeCallbackRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin to connect Stripe");
  const db = getDb();
  try {
    const r = await completeStripeOAuth(db, { query, organizationId: caller.organizationId });
    await startConnectionSync(db, { organizationId: caller.organizationId, connectionId: r.connectionId, full: true, trigger: "connect" });
    const to = new URL(r.redirectTo, appBaseUrl());
    to.searchParams.set("connected", "stripe");
    to.searchParams.set("connection_id", r.connectionId);
    return NextResponse.redirect(to, 303);
  } catch (err) {
    // Every failure ends on the Integrations page with a message (never a raw JSON error page): a server that
    // is not configured for Connect (503 not_configured) and Stripe being unreachable (502) included.
    if (!isAppError(err)) logger.error({ err: err instanceof Error ? err.message : String(err) }, "stripe oauth callback failed");
    const to = new URL("/integrations", appBaseUrl());
    to.searchParams.set("stripe_error", isAppError(err) ? err.message : "Connecting Stripe failed unexpectedly: try again, or connect with a restricted key (Test & Save).");
    return NextResponse.redirect(to, 303);
  }
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
