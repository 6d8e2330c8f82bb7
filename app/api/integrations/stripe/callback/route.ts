// GET /api/integrations/stripe/callback – Stripe Connect OAuth callback: store the connection, start the
// first (full) sync, redirect to the app (errors are shown there as ?stripe_error=…).
import { NextResponse } from "next/server";
import { stripeCallbackRoute } from "@/lib/api/contracts/stripe";
import { completeStripeOAuth } from "@/lib/connectors/stripe/connect";
import { getDb } from "@/lib/db";
import { appBaseUrl } from "@/lib/env";
import { AppError, isAppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { startConnectionSync } from "@/lib/integrations/manage-connections";

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
    if (!isAppError(err) || err.status >= 500) throw err;
    const to = new URL("/integrations", appBaseUrl());
    to.searchParams.set("stripe_error", err.message);
    return NextResponse.redirect(to, 303);
  }
});
