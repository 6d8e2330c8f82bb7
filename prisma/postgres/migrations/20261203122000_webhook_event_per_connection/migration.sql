-- One WebhookEvent row per receiving connection (two organizations on one portal / Stripe account each keep the event).
-- DropIndex
DROP INDEX "WebhookEvent_provider_eventId_key";

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_provider_connectionId_eventId_key" ON "WebhookEvent"("provider", "connectionId", "eventId");
