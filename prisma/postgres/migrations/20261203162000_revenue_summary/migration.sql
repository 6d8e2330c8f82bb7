-- Revenue analytics (issue 17): build summary (the reports read one row) and movements by time.
-- AlterTable
ALTER TABLE "RevenueSettings" ADD COLUMN     "summary" JSONB;

-- CreateIndex
CREATE INDEX "RevenueMovement_organizationId_at_idx" ON "RevenueMovement"("organizationId", "at");

