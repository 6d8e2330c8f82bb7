// POST /api/webhooks/stripe – Stripe webhooks: verify Stripe-Signature on the raw body, store once, process in a job.
import { stripeWebhookRoute } from "@/lib/api/contracts/stripe";
import { receiveStripeWebhook } from "@/lib/connectors/stripe/webhook";
import { getDb } from "@/lib/db";
import { readBodyText, withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(stripeWebhookRoute, async ({ req, query }) =>
  receiveStripeWebhook(getDb(), {
    rawBody: await readBodyText(req, stripeWebhookRoute.maxBodyBytes), // the exact bytes Stripe signed (never re-serialised JSON); 413 past maxBodyBytes, before any parsing
    signature: req.headers.get("stripe-signature"),
    connectionId: query.connection,
  }),
);

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
