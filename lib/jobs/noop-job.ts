/** A job that reports progress in `steps` steps and returns {steps}; used by the job-queue tests and health checks. */
import { z } from "zod";
import { defineJob } from "./define-job";

export const noopJob = defineJob({
  name: "noop-job",
  schema: z.object({ steps: z.number().int().min(0).max(100).default(3), failAt: z.number().int().optional() }),
  handle: async ({ steps, failAt }, ctx) => {
    for (let i = 1; i <= steps; i++) {
      if (failAt === i) throw new Error(`failed at step ${i}`);
      await ctx.progress({ step: i, of: steps }, { force: true });
    }
    return { steps };
  },
});
