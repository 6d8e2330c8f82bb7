-- Sharded scoring (issue 15): a scoring run split into account-id-range shards run by any worker.
-- CreateTable
CREATE TABLE "ScoreRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "jobId" TEXT,
    "shardSize" INTEGER NOT NULL,
    "shardsTotal" INTEGER NOT NULL,
    "accountsTotal" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "result" JSONB
);

-- CreateTable
CREATE TABLE "ScoreShard" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "afterAccountId" TEXT,
    "untilAccountId" TEXT,
    "planned" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "claimedBy" TEXT,
    "heartbeatAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "checkpoint" TEXT,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "jobId" TEXT,
    "finishedAt" DATETIME,
    CONSTRAINT "ScoreShard_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ScoreRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ScoreRun_organizationId_day_status_idx" ON "ScoreRun"("organizationId", "day", "status");

-- CreateIndex
CREATE INDEX "ScoreRun_jobId_idx" ON "ScoreRun"("jobId");

-- CreateIndex
CREATE INDEX "ScoreShard_runId_status_idx" ON "ScoreShard"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ScoreShard_runId_index_key" ON "ScoreShard"("runId", "index");
