/**
 * fit-scoring-job: "Fit to our history" in the background (enqueued by `POST /api/scoring/fit`).
 * Payload {organizationId}; progress {phase, done, total}; result = the FitReport
 * (lib/scoring/fit-history.ts): candidate config + before/after figures. Saves nothing: an admin
 * applies the candidate with `POST /api/scoring/fit/{jobId}/apply` (a new config version).
 */
import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";
import { fitToHistory } from "./fit-history";

export const fitScoringJob = defineJob({
  name: "fit-scoring-job",
  schema: z.object({ organizationId: z.string().min(1) }),
  handle: async (p, ctx) =>
    fitToHistory(ctx.db, {
      organizationId: p.organizationId,
      now: new Date(),
      onProgress: (pr) => ctx.progress(pr, { force: pr.phase === "done" }),
    }),
});
