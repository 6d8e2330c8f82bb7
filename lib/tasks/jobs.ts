/**
 * hubspot-task-write-back-job {organizationId}: writes the organization's unsent tasks and notes to HubSpot
 * (lib/tasks/hubspot-write-back.ts). Queued when a task or note is added while write-back is on; one job per
 * organization at a time (coalesced while queued).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import { writeBackTasksAndNotes } from "./hubspot-write-back";

export const hubspotTaskWriteBackJob = defineJob({
  name: "hubspot-task-write-back-job",
  schema: z.object({ organizationId: z.string() }),
  maxAttempts: 3,
  handle: async (p, ctx) => writeBackTasksAndNotes(ctx.db, { organizationId: p.organizationId }),
});
