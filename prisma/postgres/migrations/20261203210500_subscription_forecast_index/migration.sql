-- The renewal forecast's covering index (issue 17, H17f): one organization's subscriptions in (account, currency) order
-- with every column the forecast reads.
CREATE INDEX "Subscription_renewal_forecast_idx" ON "Subscription"("organizationId", "accountId", "currency", "status", "currentPeriodEnd", "mrrCents", "cancelAtPeriodEnd", "cancelAt");
