-- Sales-activity scorecard (issue 17, H17s): closed-won deals in the daily pre-aggregate (kind "won", per currency)
-- and the weekly/monthly roll-up the scorecard reads. Existing organizations are rebuilt in full by their next
-- refresh (the roll-up's version is part of SalesActivityRollupState.configHash).
-- AlterTable
ALTER TABLE "SalesActivityDay" ADD COLUMN "currency" TEXT NOT NULL DEFAULT '';
ALTER TABLE "SalesActivityDay" ADD COLUMN "wonDeals" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "SalesActivityDay" ADD COLUMN "wonAmountCents" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "SalesActivityDay" ADD COLUMN "wonMrrCents" BIGINT NOT NULL DEFAULT 0;

-- DropIndex
DROP INDEX "SalesActivityDay_org_day_kind_conn_owner_key";

-- CreateIndex
CREATE UNIQUE INDEX "SalesActivityDay_org_day_kind_conn_owner_cur_key" ON "SalesActivityDay"("organizationId", "day", "kind", "connectionId", "ownerExternalId", "currency");

-- CreateTable
CREATE TABLE "SalesActivityPeriod" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "granularity" TEXT NOT NULL,
    "periodStart" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "ownerExternalId" TEXT NOT NULL,
    "currency" TEXT NOT NULL DEFAULT '',
    "dials" INTEGER NOT NULL DEFAULT 0,
    "dmConversations" INTEGER NOT NULL DEFAULT 0,
    "meetingsHeld" INTEGER NOT NULL DEFAULT 0,
    "meetingsSet" INTEGER NOT NULL DEFAULT 0,
    "wonDeals" INTEGER NOT NULL DEFAULT 0,
    "wonAmountCents" BIGINT NOT NULL DEFAULT 0,
    "wonMrrCents" BIGINT NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE UNIQUE INDEX "SalesActivityPeriod_org_gran_start_conn_owner_cur_key" ON "SalesActivityPeriod"("organizationId", "granularity", "periodStart", "connectionId", "ownerExternalId", "currency");
