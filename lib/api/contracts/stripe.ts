/**
 * Contracts of the Stripe-specific routes (the generic /api/integrations/{name}/… routes live in
 * ./integrations.ts): Connect OAuth start + callback, and the signed webhook endpoint.
 */
import { z } from "zod";
import { defineRoute } from "../contract";
import { ZInAppPath } from "./core";
import { ZStripeCallbackQuery } from "@/lib/connectors/stripe/connect";

export const ZStripeConnectBody = z.object({
  /** Where the browser lands after the callback (a path inside the app). */
  redirect_to: ZInAppPath.optional(),
});

export const stripeConnectRoute = defineRoute({
  method: "POST", path: "/api/integrations/stripe/connect", tags: ["integrations"],
  summary: "Start Stripe Connect OAuth (scope=read_only): returns the authorize URL to send the browser to",
  auth: { role: "admin" }, body: ZStripeConnectBody,
  response: z.object({ authorize_url: z.string(), expires_at: z.string() }),
});

export const stripeCallbackRoute = defineRoute({
  method: "GET", path: "/api/integrations/stripe/callback", tags: ["integrations"],
  summary: "Stripe Connect OAuth callback: consumes the signed state, exchanges the code, stores the connection, starts the first sync, redirects to the app",
  auth: { role: "admin" }, query: ZStripeCallbackQuery, produces: ["text/html"],
});

export const ZStripeWebhookQuery = z.object({
  /** Optional: the connection whose signing secret to use (otherwise matched by event.account / tried per connection). */
  connection: z.string().optional(),
});

export const stripeWebhookRoute = defineRoute({
  method: "POST", path: "/api/webhooks/stripe", tags: ["webhooks"],
  summary: "Stripe webhook endpoint: verifies Stripe-Signature, stores the event once, processes it in the background",
  auth: "public", query: ZStripeWebhookQuery,
  // One event per delivery; its data.object is one API object (lists inside are truncated to 10 items), so
  // events are a few KB to tens of KB: 1 MiB leaves a wide margin.
  maxBodyBytes: 1024 * 1024,
  response: z.object({ received: z.literal(true), event_id: z.string(), duplicate: z.boolean(), status: z.enum(["received", "ignored"]) }),
});

export const stripeRoutes = [stripeConnectRoute, stripeCallbackRoute, stripeWebhookRoute];
