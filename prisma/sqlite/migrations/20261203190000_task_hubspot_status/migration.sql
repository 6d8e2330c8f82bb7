-- Task.hubspotStatus: the hs_task_status last written to HubSpot (issue 16, task completion write-back).
ALTER TABLE "Task" ADD COLUMN "hubspotStatus" TEXT;
