-- DropIndex
DROP INDEX "Account_organizationId_name_idx";

-- DropIndex
DROP INDEX "Account_organizationId_healthScore_idx";

-- DropIndex
DROP INDEX "Account_organizationId_riskLevel_idx";

-- DropIndex
DROP INDEX "ChurnScoreDaily_organizationId_day_riskLevel_idx";

-- CreateIndex
CREATE INDEX "Account_organizationId_riskLevel_archivedAt_mrrCurrency_mrrCents_healthScore_idx" ON "Account"("organizationId", "riskLevel", "archivedAt", "mrrCurrency", "mrrCents", "healthScore");

-- CreateIndex
CREATE INDEX "Account_organizationId_healthScore_id_idx" ON "Account"("organizationId", "healthScore", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_name_id_idx" ON "Account"("organizationId", "name", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_churnProbability_id_idx" ON "Account"("organizationId", "churnProbability", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_mrrCents_id_idx" ON "Account"("organizationId", "mrrCents", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_renewalDate_id_idx" ON "Account"("organizationId", "renewalDate", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_scoredAt_id_idx" ON "Account"("organizationId", "scoredAt", "id");

-- CreateIndex
CREATE INDEX "Account_organizationId_trend_idx" ON "Account"("organizationId", "trend");

-- CreateIndex
CREATE INDEX "ChurnScoreDaily_organizationId_day_accountId_healthScore_riskLevel_idx" ON "ChurnScoreDaily"("organizationId", "day", "accountId", "healthScore", "riskLevel");
