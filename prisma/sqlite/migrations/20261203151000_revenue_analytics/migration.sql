-- Revenue analytics (issue 17): reporting currency, exchange rates, subscription versions, MRR movements.
-- CreateTable
CREATE TABLE "RevenueSettings" (
    "organizationId" TEXT NOT NULL PRIMARY KEY,
    "reportingCurrency" TEXT,
    "builtAt" DATETIME,
    "builtAsOf" DATETIME,
    "builtStamp" TEXT,
    "nextChangeAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ExchangeRate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "currency" TEXT NOT NULL,
    "quoteCurrency" TEXT NOT NULL,
    "rate" REAL NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SubscriptionVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "effectiveAt" DATETIME,
    "observedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "discounts" JSONB,
    "stateHash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "RevenueMovement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT,
    "accountKey" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "month" DATETIME NOT NULL,
    "kind" TEXT NOT NULL,
    "deltaCents" INTEGER NOT NULL,
    "mrrBeforeCents" INTEGER NOT NULL,
    "mrrAfterCents" INTEGER NOT NULL,
    "cohortMonth" DATETIME NOT NULL,
    "existingAtMonthStart" BOOLEAN NOT NULL,
    "reportingDeltaCents" INTEGER,
    "details" JSONB NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "ExchangeRate_organizationId_currency_quoteCurrency_day_key" ON "ExchangeRate"("organizationId", "currency", "quoteCurrency", "day");

-- CreateIndex
CREATE INDEX "SubscriptionVersion_subscriptionId_effectiveAt_idx" ON "SubscriptionVersion"("subscriptionId", "effectiveAt");

-- CreateIndex
CREATE INDEX "SubscriptionVersion_organizationId_observedAt_idx" ON "SubscriptionVersion"("organizationId", "observedAt");

-- CreateIndex
CREATE INDEX "RevenueMovement_organizationId_month_currency_kind_idx" ON "RevenueMovement"("organizationId", "month", "currency", "kind");

-- CreateIndex
CREATE INDEX "RevenueMovement_organizationId_accountKey_at_idx" ON "RevenueMovement"("organizationId", "accountKey", "at");

-- CreateIndex
CREATE INDEX "RevenueMovement_organizationId_cohortMonth_month_idx" ON "RevenueMovement"("organizationId", "cohortMonth", "month");

