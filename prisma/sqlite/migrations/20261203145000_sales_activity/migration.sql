-- Sales-activity scorecard (issue 17): engagement facts, deal MRR, settings and targets.
-- AlterTable
ALTER TABLE "Engagement" ADD COLUMN "direction" TEXT;
ALTER TABLE "Engagement" ADD COLUMN "sourceCreatedAt" DATETIME;
ALTER TABLE "Engagement" ADD COLUMN "contactExternalId" TEXT;
ALTER TABLE "Engagement" ADD COLUMN "searchText" TEXT;
ALTER TABLE "Deal" ADD COLUMN "mrrCents" INTEGER;

-- CreateTable
CREATE TABLE "SalesActivityConfig" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "decisionMakerTitles" JSONB NOT NULL,
    "noteKeywords" JSONB NOT NULL,
    "keywordRule" BOOLEAN NOT NULL DEFAULT true,
    "dealValue" TEXT NOT NULL DEFAULT 'amount',
    "mrrProperty" TEXT NOT NULL DEFAULT 'hs_mrr',
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SalesTarget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "target" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Engagement_organizationId_occurredAt_idx" ON "Engagement"("organizationId", "occurredAt");
CREATE INDEX "Engagement_organizationId_type_sourceCreatedAt_idx" ON "Engagement"("organizationId", "type", "sourceCreatedAt");
CREATE INDEX "Deal_organizationId_closeDate_idx" ON "Deal"("organizationId", "closeDate");
CREATE UNIQUE INDEX "SalesActivityConfig_organizationId_key" ON "SalesActivityConfig"("organizationId");
CREATE UNIQUE INDEX "SalesTarget_organizationId_ownerId_metric_period_key" ON "SalesTarget"("organizationId", "ownerId", "metric", "period");
