/**
 * The Stripe connector module (lib/connectors/types.ts `ConnectorModule`), registered as "stripe" in
 * lib/connectors/registry.ts. Pieces: client.ts (paced SDK client, 429 policy), connect.ts (Test & Save,
 * Connect OAuth, deauthorize), sync.ts (full + event-driven sync), webhook.ts (signed webhooks + job),
 * map.ts / write.ts (Stripe objects → rows). See docs/stripe.md.
 */
import type { ConnectorModule } from "@/lib/connectors/types";
import { configureStripe, disconnectStripe, ZStripeConfigureBody } from "./connect";
import { runStripeSync } from "./sync";

export const stripeConnector: ConnectorModule = {
  provider: "stripe",
  configureBody: ZStripeConfigureBody,
  configure: configureStripe,
  runSync: runStripeSync,
  onDisconnect: disconnectStripe,
};

export { configureStripe, startStripeOAuth, completeStripeOAuth, disconnectStripe, ZStripeConfigureBody, ZStripeCallbackQuery } from "./connect";
export { runStripeSync } from "./sync";
export { receiveStripeWebhook, processStripeWebhookEvent, STRIPE_WEBHOOK_JOB } from "./webhook";
export { createStripeClient, decideRetry, Pacer, STRIPE_API_VERSION } from "./client";
