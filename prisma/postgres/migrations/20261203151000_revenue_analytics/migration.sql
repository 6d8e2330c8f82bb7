-- Revenue analytics (issue 17): reporting currency, exchange rates, subscription versions, MRR movements.
-- CreateTable
CREATE TABLE "RevenueSettings" (
    "organizationId" TEXT NOT NULL,
    "reportingCurrency" TEXT,
    "builtAt" TIMESTAMP(3),
    "builtAsOf" TIMESTAMP(3),
    "builtStamp" TEXT,
    "nextChangeAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RevenueSettings_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "ExchangeRate" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "currency" TEXT NOT NULL,
    "quoteCurrency" TEXT NOT NULL,
    "rate" DOUBLE PRECISION NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExchangeRate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SubscriptionVersion" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "effectiveAt" TIMESTAMP(3),
    "observedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "discounts" JSONB,
    "stateHash" TEXT NOT NULL,

    CONSTRAINT "SubscriptionVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RevenueMovement" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT,
    "accountKey" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "month" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "deltaCents" INTEGER NOT NULL,
    "mrrBeforeCents" INTEGER NOT NULL,
    "mrrAfterCents" INTEGER NOT NULL,
    "cohortMonth" TIMESTAMP(3) NOT NULL,
    "existingAtMonthStart" BOOLEAN NOT NULL,
    "reportingDeltaCents" INTEGER,
    "details" JSONB NOT NULL,

    CONSTRAINT "RevenueMovement_pkey" PRIMARY KEY ("id")
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

