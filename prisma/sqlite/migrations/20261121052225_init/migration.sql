-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL,
    "token" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "userId" TEXT NOT NULL,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuthAccount" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "idToken" TEXT,
    "accessTokenExpiresAt" DATETIME,
    "refreshTokenExpiresAt" DATETIME,
    "scope" TEXT,
    "password" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AuthAccount_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Verification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identifier" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Membership" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Membership_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'live',
    "authType" TEXT NOT NULL DEFAULT 'token',
    "externalAccountId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'connected',
    "credentialsEnc" TEXT,
    "credentialsHint" TEXT,
    "webhookSecretEnc" TEXT,
    "webhookSecretHint" TEXT,
    "scopes" JSONB,
    "settings" JSONB,
    "lastSyncAt" DATETIME,
    "lastFullSyncAt" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "disconnectedAt" DATETIME,
    CONSTRAINT "Connection_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncCheckpoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "connectionId" TEXT NOT NULL,
    "stream" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SyncCheckpoint_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "jobId" TEXT,
    "objectType" TEXT NOT NULL,
    "direction" TEXT NOT NULL DEFAULT 'inbound',
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "recordsProcessed" INTEGER NOT NULL DEFAULT 0,
    "recordsSkipped" INTEGER NOT NULL DEFAULT 0,
    "recordsTotal" INTEGER,
    "requestCount" INTEGER NOT NULL DEFAULT 0,
    "skipReasons" JSONB,
    "error" TEXT,
    "errorGuidance" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    CONSTRAINT "SyncRun_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT,
    "connectionId" TEXT,
    "provider" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "occurredAt" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'received',
    "error" TEXT,
    "payload" JSONB NOT NULL
);

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT,
    "name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "dedupeKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" JSONB,
    "result" JSONB,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "runAfter" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "heartbeatAt" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "OAuthState" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "stateHash" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT,
    "context" JSONB,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "domain" TEXT,
    "industry" TEXT,
    "country" TEXT,
    "annualRevenue" REAL,
    "employeeCount" INTEGER,
    "lifecycleStage" TEXT,
    "ownerId" TEXT,
    "customFields" JSONB,
    "customerSince" DATETIME,
    "mrrCents" INTEGER,
    "mrrCurrency" TEXT,
    "mrrByCurrency" JSONB,
    "renewalDate" DATETIME,
    "healthScore" REAL,
    "riskLevel" TEXT,
    "churnProbability" REAL,
    "trend" TEXT,
    "topReason" TEXT,
    "scoredAt" DATETIME,
    "archivedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Account_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Account_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SourceRecord" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "objectType" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "name" TEXT,
    "domain" TEXT,
    "email" TEXT,
    "properties" JSONB,
    "matchRule" TEXT,
    "matchConfidence" REAL,
    "isManual" BOOLEAN NOT NULL DEFAULT false,
    "matchedAt" DATETIME,
    "sourceCreatedAt" DATETIME,
    "sourceUpdatedAt" DATETIME,
    "archivedAt" DATETIME,
    "pushedValues" JSONB,
    "pushedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SourceRecord_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SourceRecord_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MatchCandidate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "sourceRecordId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "confidence" REAL NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "decidedById" TEXT,
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MatchCandidate_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Owner" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "archived" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "companyExternalId" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "jobTitle" TEXT,
    "phone" TEXT,
    "lifecycleStage" TEXT,
    "lastActivityAt" DATETIME,
    "sourceCreatedAt" DATETIME,
    "sourceUpdatedAt" DATETIME,
    "archivedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Contact_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Deal" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "companyExternalId" TEXT,
    "name" TEXT,
    "amountCents" INTEGER,
    "currency" TEXT,
    "dealStage" TEXT,
    "pipeline" TEXT,
    "renewalStage" TEXT,
    "closeDate" DATETIME,
    "isClosed" BOOLEAN NOT NULL DEFAULT false,
    "isWon" BOOLEAN NOT NULL DEFAULT false,
    "ownerExternalId" TEXT,
    "sourceCreatedAt" DATETIME,
    "sourceUpdatedAt" DATETIME,
    "archivedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Deal_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Engagement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "companyExternalId" TEXT,
    "ownerExternalId" TEXT,
    "occurredAt" DATETIME NOT NULL,
    "title" TEXT,
    "outcome" TEXT,
    "durationMs" INTEGER,
    "isDecisionMaker" BOOLEAN,
    "sourceUpdatedAt" DATETIME,
    "archivedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Engagement_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Ticket" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "companyExternalId" TEXT,
    "subject" TEXT,
    "priority" TEXT,
    "status" TEXT,
    "isOpen" BOOLEAN NOT NULL DEFAULT true,
    "openedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "sourceUpdatedAt" DATETIME,
    "archivedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Ticket_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Subscription" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "customerExternalId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "mrrCents" INTEGER NOT NULL DEFAULT 0,
    "cancelAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
    "cancelAt" DATETIME,
    "canceledAt" DATETIME,
    "endedAt" DATETIME,
    "startDate" DATETIME,
    "trialStart" DATETIME,
    "trialEnd" DATETIME,
    "currentPeriodStart" DATETIME,
    "currentPeriodEnd" DATETIME,
    "collectionMethod" TEXT,
    "defaultPaymentMethodType" TEXT,
    "discounts" JSONB,
    "metadata" JSONB,
    "sourceCreatedAt" DATETIME,
    "sourceVersionAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Subscription_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SubscriptionItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "subscriptionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "priceId" TEXT,
    "productId" TEXT,
    "productName" TEXT,
    "unitAmountCents" INTEGER,
    "currency" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL DEFAULT 1,
    "interval" TEXT,
    "intervalCount" INTEGER NOT NULL DEFAULT 1,
    "usageType" TEXT NOT NULL DEFAULT 'licensed',
    "currentPeriodStart" DATETIME,
    "currentPeriodEnd" DATETIME,
    CONSTRAINT "SubscriptionItem_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "Subscription" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Invoice" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "customerExternalId" TEXT NOT NULL,
    "subscriptionExternalId" TEXT,
    "status" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "amountDueCents" INTEGER NOT NULL,
    "amountPaidCents" INTEGER NOT NULL,
    "amountRemainingCents" INTEGER NOT NULL,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "dueDate" DATETIME,
    "paidAt" DATETIME,
    "collectionMethod" TEXT,
    "billingReason" TEXT,
    "periodStart" DATETIME,
    "periodEnd" DATETIME,
    "sourceCreatedAt" DATETIME NOT NULL,
    "sourceVersionAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Invoice_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Charge" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "accountId" TEXT,
    "customerExternalId" TEXT NOT NULL,
    "invoiceExternalId" TEXT,
    "status" TEXT NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "amountRefundedCents" INTEGER NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL,
    "failureCode" TEXT,
    "failureMessage" TEXT,
    "paymentMethodType" TEXT,
    "sourceCreatedAt" DATETIME NOT NULL,
    "sourceVersionAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Charge_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AccountSignalDaily" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "mrrCents" INTEGER,
    "mrrCurrency" TEXT,
    "mrrChange30dCents" INTEGER,
    "mrrChange60dCents" INTEGER,
    "mrrChange90dCents" INTEGER,
    "seats" INTEGER,
    "activeContacts" INTEGER,
    "openDeals" INTEGER,
    "renewalDealStage" TEXT,
    "daysUntilRenewal" INTEGER,
    "autoRenew" BOOLEAN,
    "cancellationPending" BOOLEAN,
    "failedPayments30d" INTEGER,
    "daysSinceLastPayment" INTEGER,
    "pastDueInvoices" INTEGER,
    "calls30d" INTEGER,
    "meetings30d" INTEGER,
    "notes30d" INTEGER,
    "daysSinceLastEngagement" INTEGER,
    "openTickets" INTEGER,
    "urgentTickets" INTEGER,
    "tenureDays" INTEGER,
    "billingInterval" TEXT,
    "commitmentTermMonths" INTEGER,
    "collectionMethod" TEXT,
    "paymentMethodType" TEXT,
    "productCount" INTEGER,
    "itemCount" INTEGER,
    "products" JSONB,
    "freshness" JSONB,
    "extra" JSONB,
    "isBackfill" BOOLEAN NOT NULL DEFAULT false,
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AccountSignalDaily_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ChurnScoreDaily" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "healthScore" REAL NOT NULL,
    "riskLevel" TEXT NOT NULL,
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

-- CreateTable
CREATE TABLE "ScoringConfig" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "weights" JSONB NOT NULL,
    "penalties" JSONB NOT NULL,
    "thresholds" JSONB NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ScoringConfig_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ChurnModel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "horizonDays" INTEGER NOT NULL DEFAULT 90,
    "features" JSONB NOT NULL,
    "parameters" JSONB,
    "metrics" JSONB,
    "trainingRows" INTEGER NOT NULL DEFAULT 0,
    "positives" INTEGER NOT NULL DEFAULT 0,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "notes" TEXT,
    "trainedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ChurnModel_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_token_key" ON "Session"("token");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "AuthAccount_userId_idx" ON "AuthAccount"("userId");

-- CreateIndex
CREATE INDEX "Verification_identifier_idx" ON "Verification"("identifier");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

-- CreateIndex
CREATE INDEX "Membership_userId_idx" ON "Membership"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_organizationId_userId_key" ON "Membership"("organizationId", "userId");

-- CreateIndex
CREATE INDEX "Connection_organizationId_provider_idx" ON "Connection"("organizationId", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_organizationId_provider_externalAccountId_key" ON "Connection"("organizationId", "provider", "externalAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "SyncCheckpoint_connectionId_stream_key" ON "SyncCheckpoint"("connectionId", "stream");

-- CreateIndex
CREATE INDEX "SyncRun_connectionId_objectType_startedAt_idx" ON "SyncRun"("connectionId", "objectType", "startedAt");

-- CreateIndex
CREATE INDEX "SyncRun_organizationId_startedAt_idx" ON "SyncRun"("organizationId", "startedAt");

-- CreateIndex
CREATE INDEX "SyncRun_jobId_idx" ON "SyncRun"("jobId");

-- CreateIndex
CREATE INDEX "WebhookEvent_connectionId_receivedAt_idx" ON "WebhookEvent"("connectionId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_provider_eventId_key" ON "WebhookEvent"("provider", "eventId");

-- CreateIndex
CREATE INDEX "Job_status_runAfter_idx" ON "Job"("status", "runAfter");

-- CreateIndex
CREATE INDEX "Job_dedupeKey_status_idx" ON "Job"("dedupeKey", "status");

-- CreateIndex
CREATE INDEX "Job_organizationId_createdAt_idx" ON "Job"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "OAuthState_stateHash_key" ON "OAuthState"("stateHash");

-- CreateIndex
CREATE INDEX "Account_organizationId_riskLevel_idx" ON "Account"("organizationId", "riskLevel");

-- CreateIndex
CREATE INDEX "Account_organizationId_healthScore_idx" ON "Account"("organizationId", "healthScore");

-- CreateIndex
CREATE INDEX "Account_organizationId_name_idx" ON "Account"("organizationId", "name");

-- CreateIndex
CREATE INDEX "Account_organizationId_domain_idx" ON "Account"("organizationId", "domain");

-- CreateIndex
CREATE INDEX "Account_organizationId_ownerId_idx" ON "Account"("organizationId", "ownerId");

-- CreateIndex
CREATE INDEX "SourceRecord_organizationId_domain_idx" ON "SourceRecord"("organizationId", "domain");

-- CreateIndex
CREATE INDEX "SourceRecord_accountId_idx" ON "SourceRecord"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "SourceRecord_connectionId_objectType_externalId_key" ON "SourceRecord"("connectionId", "objectType", "externalId");

-- CreateIndex
CREATE INDEX "MatchCandidate_organizationId_status_idx" ON "MatchCandidate"("organizationId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "MatchCandidate_sourceRecordId_accountId_key" ON "MatchCandidate"("sourceRecordId", "accountId");

-- CreateIndex
CREATE INDEX "Owner_organizationId_idx" ON "Owner"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "Owner_connectionId_externalId_key" ON "Owner"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "Contact_accountId_idx" ON "Contact"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_connectionId_externalId_key" ON "Contact"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "Deal_accountId_idx" ON "Deal"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "Deal_connectionId_externalId_key" ON "Deal"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "Engagement_accountId_occurredAt_idx" ON "Engagement"("accountId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "Engagement_connectionId_type_externalId_key" ON "Engagement"("connectionId", "type", "externalId");

-- CreateIndex
CREATE INDEX "Ticket_accountId_openedAt_idx" ON "Ticket"("accountId", "openedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Ticket_connectionId_externalId_key" ON "Ticket"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "Subscription_accountId_idx" ON "Subscription"("accountId");

-- CreateIndex
CREATE INDEX "Subscription_connectionId_customerExternalId_idx" ON "Subscription"("connectionId", "customerExternalId");

-- CreateIndex
CREATE UNIQUE INDEX "Subscription_connectionId_externalId_key" ON "Subscription"("connectionId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "SubscriptionItem_subscriptionId_externalId_key" ON "SubscriptionItem"("subscriptionId", "externalId");

-- CreateIndex
CREATE INDEX "Invoice_accountId_sourceCreatedAt_idx" ON "Invoice"("accountId", "sourceCreatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_connectionId_externalId_key" ON "Invoice"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "Charge_accountId_sourceCreatedAt_idx" ON "Charge"("accountId", "sourceCreatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Charge_connectionId_externalId_key" ON "Charge"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "AccountSignalDaily_organizationId_day_idx" ON "AccountSignalDaily"("organizationId", "day");

-- CreateIndex
CREATE UNIQUE INDEX "AccountSignalDaily_accountId_day_key" ON "AccountSignalDaily"("accountId", "day");

-- CreateIndex
CREATE INDEX "ChurnScoreDaily_organizationId_day_riskLevel_idx" ON "ChurnScoreDaily"("organizationId", "day", "riskLevel");

-- CreateIndex
CREATE UNIQUE INDEX "ChurnScoreDaily_accountId_day_key" ON "ChurnScoreDaily"("accountId", "day");

-- CreateIndex
CREATE UNIQUE INDEX "ScoringConfig_organizationId_version_key" ON "ScoringConfig"("organizationId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ChurnModel_organizationId_version_key" ON "ChurnModel"("organizationId", "version");
