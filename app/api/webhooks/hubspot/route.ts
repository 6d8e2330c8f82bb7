// POST /api/webhooks/hubspot – HubSpot webhooks v3: verify the signature on the raw body, store each event once,
// apply them in hubspot-webhook-job (answers fast; no HubSpot call on this path).
import { hubspotWebhookRoute } from "@/lib/api/contracts/hubspot";
import { publicRequestUri, receiveHubspotWebhook } from "@/lib/connectors/hubspot/webhooks";
import { getDb } from "@/lib/db";
import { readBodyText, withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const POST = withApi(hubspotWebhookRoute, async ({ req, query }) =>
  receiveHubspotWebhook(getDb(), {
    method: req.method,
    uri: publicRequestUri(req.url, req.headers), // the URL HubSpot signed (behind a proxy: x-forwarded-proto/host)
    rawBody: await readBodyText(req, hubspotWebhookRoute.maxBodyBytes), // the exact bytes HubSpot signed; 413 past maxBodyBytes, before any parsing
    signature: req.headers.get("x-hubspot-signature-v3"),
    timestamp: req.headers.get("x-hubspot-request-timestamp"),
    connectionId: query.connection, // per-connection URL: only that connection's secret (and the operator's) is tried
  }),
);

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
