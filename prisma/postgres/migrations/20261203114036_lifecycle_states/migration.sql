-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "churnedAt" TIMESTAMP(3),
ADD COLUMN     "lifecycleState" TEXT;

-- AlterTable
ALTER TABLE "AccountSignalDaily" ADD COLUMN     "cancelingMrrShare" DOUBLE PRECISION,
ADD COLUMN     "lifecycleState" TEXT,
ADD COLUMN     "newCustomer" BOOLEAN;

-- AlterTable
ALTER TABLE "ChurnScoreDaily" ALTER COLUMN "riskLevel" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "Account_organizationId_lifecycleState_idx" ON "Account"("organizationId", "lifecycleState");
