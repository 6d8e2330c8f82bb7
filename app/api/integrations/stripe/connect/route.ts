// POST /api/integrations/stripe/connect – start Stripe Connect OAuth (scope=read_only); returns the authorize URL.
import { stripeConnectRoute } from "@/lib/api/contracts/stripe";
import { startStripeOAuth } from "@/lib/connectors/stripe/connect";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(stripeConnectRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin to connect Stripe");
  const r = await startStripeOAuth(getDb(), { organizationId: caller.organizationId, userId: caller.userId, redirectTo: body.redirect_to });
  return { authorizeUrl: r.url, expiresAt: r.expiresAt.toISOString() };
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
