-- DropIndex
DROP INDEX "AccountSignalDaily_organizationId_day_idx";

-- CreateIndex
CREATE INDEX "AccountSignalDaily_organizationId_day_accountId_idx" ON "AccountSignalDaily"("organizationId", "day", "accountId");
