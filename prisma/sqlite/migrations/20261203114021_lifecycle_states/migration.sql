-- AlterTable
ALTER TABLE "Account" ADD COLUMN "churnedAt" DATETIME;
ALTER TABLE "Account" ADD COLUMN "lifecycleState" TEXT;

-- AlterTable
ALTER TABLE "AccountSignalDaily" ADD COLUMN "cancelingMrrShare" REAL;
ALTER TABLE "AccountSignalDaily" ADD COLUMN "lifecycleState" TEXT;
ALTER TABLE "AccountSignalDaily" ADD COLUMN "newCustomer" BOOLEAN;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ChurnScoreDaily" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "healthScore" REAL NOT NULL,
    "riskLevel" TEXT,
    "churnProbability" REAL,
    "probabilitySource" TEXT,
    "trend" TEXT,
    "factors" JSONB NOT NULL,
    "penalties" JSONB,
    "missingFactors" JSONB,
    "drivers" JSONB,
    "inputs" JSONB,
    "scoringConfigId" TEXT,
    "scoringConfigVersion" INTEGER NOT NULL,
    "churnModelId" TEXT,
    "churnModelVersion" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ChurnScoreDaily_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ChurnScoreDaily" ("accountId", "churnModelId", "churnModelVersion", "churnProbability", "createdAt", "day", "drivers", "factors", "healthScore", "id", "inputs", "missingFactors", "organizationId", "penalties", "probabilitySource", "riskLevel", "scoringConfigId", "scoringConfigVersion", "trend") SELECT "accountId", "churnModelId", "churnModelVersion", "churnProbability", "createdAt", "day", "drivers", "factors", "healthScore", "id", "inputs", "missingFactors", "organizationId", "penalties", "probabilitySource", "riskLevel", "scoringConfigId", "scoringConfigVersion", "trend" FROM "ChurnScoreDaily";
DROP TABLE "ChurnScoreDaily";
ALTER TABLE "new_ChurnScoreDaily" RENAME TO "ChurnScoreDaily";
CREATE INDEX "ChurnScoreDaily_organizationId_day_accountId_healthScore_riskLevel_idx" ON "ChurnScoreDaily"("organizationId", "day", "accountId", "healthScore", "riskLevel");
CREATE UNIQUE INDEX "ChurnScoreDaily_accountId_day_key" ON "ChurnScoreDaily"("accountId", "day");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Account_organizationId_lifecycleState_idx" ON "Account"("organizationId", "lifecycleState");
