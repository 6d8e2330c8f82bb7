-- Sales-activity scorecard (issue 17): daily pre-aggregate, its state and dirty days.
-- CreateTable
CREATE TABLE "SalesActivityDay" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "ownerExternalId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dials" INTEGER NOT NULL DEFAULT 0,
    "dmConversations" INTEGER NOT NULL DEFAULT 0,
    "meetingsHeld" INTEGER NOT NULL DEFAULT 0,
    "meetingsSet" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SalesActivityDay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SalesActivityRollupState" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "configHash" TEXT NOT NULL,
    "dirtyAll" BOOLEAN NOT NULL DEFAULT false,
    "builtAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SalesActivityRollupState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SalesActivityDirtyDay" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "markedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SalesActivityDirtyDay_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SalesActivityDay_org_day_kind_conn_owner_key" ON "SalesActivityDay"("organizationId", "day", "kind", "connectionId", "ownerExternalId");
CREATE UNIQUE INDEX "SalesActivityRollupState_organizationId_key" ON "SalesActivityRollupState"("organizationId");
CREATE UNIQUE INDEX "SalesActivityDirtyDay_organizationId_day_key" ON "SalesActivityDirtyDay"("organizationId", "day");
