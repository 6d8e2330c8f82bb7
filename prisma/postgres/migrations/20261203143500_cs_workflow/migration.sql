-- issue 16: customer-success workflow (book of business, alerts, digest, tasks/notes, saved views)
-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "csmAssignedAt" TIMESTAMP(3),
ADD COLUMN     "csmUserId" TEXT;

-- CreateTable
CREATE TABLE "OwnerUserMapping" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "userId" TEXT,
    "source" TEXT NOT NULL DEFAULT 'email',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OwnerUserMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertSettings" (
    "organizationId" TEXT NOT NULL,
    "slackWebhookEnc" TEXT,
    "slackWebhookHint" TEXT,
    "digestEnabled" BOOLEAN NOT NULL DEFAULT true,
    "digestMinuteUtc" INTEGER NOT NULL DEFAULT 480,
    "lastDigestDay" TIMESTAMP(3),
    "hubspotWriteBack" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertSettings_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "slackEnabled" BOOLEAN NOT NULL DEFAULT false,
    "slackWebhookEnc" TEXT,
    "slackWebhookHint" TEXT,
    "emailEnabled" BOOLEAN NOT NULL DEFAULT false,
    "emailTo" TEXT NOT NULL DEFAULT 'csm',
    "emailList" JSONB,
    "cooldownHours" INTEGER NOT NULL DEFAULT 24,
    "playbook" JSONB,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "firedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "eventId" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'alert',
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3),
    "assigneeUserId" TEXT,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "doneAt" TIMESTAMP(3),
    "createdByUserId" TEXT,
    "alertEventId" TEXT,
    "hubspotId" TEXT,
    "hubspotError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Note" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "authorUserId" TEXT,
    "hubspotId" TEXT,
    "hubspotError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SavedView" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "filters" JSONB NOT NULL,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SavedView_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OwnerUserMapping_ownerId_key" ON "OwnerUserMapping"("ownerId");

-- CreateIndex
CREATE INDEX "OwnerUserMapping_organizationId_userId_idx" ON "OwnerUserMapping"("organizationId", "userId");

-- CreateIndex
CREATE INDEX "AlertRule_organizationId_idx" ON "AlertRule"("organizationId");

-- CreateIndex
CREATE INDEX "AlertEvent_ruleId_accountId_firedAt_idx" ON "AlertEvent"("ruleId", "accountId", "firedAt");

-- CreateIndex
CREATE INDEX "AlertEvent_organizationId_firedAt_idx" ON "AlertEvent"("organizationId", "firedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertEvent_ruleId_accountId_dedupeKey_key" ON "AlertEvent"("ruleId", "accountId", "dedupeKey");

-- CreateIndex
CREATE UNIQUE INDEX "AlertDelivery_idempotencyKey_key" ON "AlertDelivery"("idempotencyKey");

-- CreateIndex
CREATE INDEX "AlertDelivery_organizationId_status_createdAt_idx" ON "AlertDelivery"("organizationId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_organizationId_createdAt_idx" ON "AlertDelivery"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "Task_organizationId_accountId_done_idx" ON "Task"("organizationId", "accountId", "done");

-- CreateIndex
CREATE INDEX "Task_organizationId_assigneeUserId_done_idx" ON "Task"("organizationId", "assigneeUserId", "done");

-- CreateIndex
CREATE UNIQUE INDEX "Task_alertEventId_title_key" ON "Task"("alertEventId", "title");

-- CreateIndex
CREATE INDEX "Note_organizationId_accountId_createdAt_idx" ON "Note"("organizationId", "accountId", "createdAt");

-- CreateIndex
CREATE INDEX "SavedView_organizationId_userId_idx" ON "SavedView"("organizationId", "userId");

-- CreateIndex
CREATE INDEX "Account_organizationId_csmUserId_idx" ON "Account"("organizationId", "csmUserId");

