/**
 * Contracts of the HubSpot-specific routes (the generic /api/integrations/{name}/… routes live in
 * ./integrations.ts): OAuth start + callback, property mappings, on-demand write-back, webhooks.
 */
import { z } from "zod";
import { defineRoute } from "../contract";
import { ZInAppPath } from "./core";
import { ZMappingsBody } from "@/lib/connectors/hubspot/mappings";

export const ZHubspotConnectBody = z.object({
  /** Also request the write-back scopes (crm.objects.companies.write, crm.schemas.companies.write). */
  write_back: z.boolean().optional(),
  /** Where the browser lands after the callback (a path inside the app; default /integrations). */
  redirect_to: ZInAppPath.optional(),
}).strict();

export const hubspotConnectRoute = defineRoute({
  method: "POST", path: "/api/integrations/hubspot/connect", tags: ["integrations"],
  summary: "Start HubSpot OAuth: returns the authorize URL (with a single-use state valid 10 minutes) to send the browser to",
  auth: { role: "admin" }, body: ZHubspotConnectBody,
  response: z.object({ authorize_url: z.string(), expires_at: z.string() }),
});

export const ZHubspotCallbackQuery = z.object({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
}).loose();

export const hubspotCallbackRoute = defineRoute({
  method: "GET", path: "/api/integrations/hubspot/callback", tags: ["integrations"],
  summary: "HubSpot OAuth callback (public; the single-use state names the organization): exchanges the code, stores the tokens encrypted, starts the first sync, redirects to /integrations?connected=hubspot or ?error=…",
  auth: "public", query: ZHubspotCallbackQuery, produces: ["text/html"],
});

export const hubspotMappingsRoute = defineRoute({
  method: "PUT", path: "/api/integrations/hubspot/mappings", tags: ["integrations"],
  summary: "Map HubSpot company properties to account fields ({hubspot_property: account_field}); validated against the portal's properties, applied on the next sync",
  auth: { role: "admin" }, body: ZMappingsBody,
  response: z.object({ connection_id: z.string(), mappings: z.record(z.string(), z.string()) }),
});

export const ZPushScoresBody = z.object({ connection_id: z.string().optional() }).strict();

export const hubspotPushScoresRoute = defineRoute({
  method: "POST", path: "/api/integrations/hubspot/push-scores", tags: ["integrations"],
  summary: "Push changed health scores to HubSpot company properties now (connections with write-back on); runs in the background",
  auth: { role: "admin", cron: true }, body: ZPushScoresBody,
  response: z.object({ jobs: z.array(z.object({ id: z.string(), status: z.string() })) }),
});

export const ZHubspotWebhookQuery = z.object({
  /** Optional: the connection whose webhook secret signs this URL's deliveries (per-connection URL; else the operator's app secret and every connection's secret are tried). */
  connection: z.string().max(64).optional(),
});

export const hubspotWebhookRoute = defineRoute({
  method: "POST", path: "/api/webhooks/hubspot", tags: ["webhooks"],
  summary: "HubSpot webhook endpoint (v3 signatures): verifies X-HubSpot-Signature-v3 on the raw body before parsing it, stores each event once, applies them in the background. An organization's own app calls /api/webhooks/hubspot?connection=<id>",
  auth: "public", query: ZHubspotWebhookQuery,
  // HubSpot batches up to 100 events (~0.4 KB each) per delivery; we accept up to 1,000: 1 MiB is ample.
  maxBodyBytes: 1024 * 1024,
  response: z.object({ received: z.number(), duplicates: z.number(), refused: z.number(), enqueued: z.array(z.string()) }),
});

export const hubspotRoutes = [hubspotConnectRoute, hubspotCallbackRoute, hubspotMappingsRoute, hubspotPushScoresRoute, hubspotWebhookRoute];
