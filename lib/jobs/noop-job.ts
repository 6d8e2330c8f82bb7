/**
 * A job that reports progress in `steps` steps and returns {steps}; used by the job-queue and worker-process
 * tests and health checks. `stepMs` (0-10,000 ms) waits before each step, so a test can keep it running;
 * the wait and each step stop at `ctx.signal` (worker shutdown / cancel). `failAt` throws at that step.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineJob } from "./define-job";

export const noopJob = defineJob({
  name: "noop-job",
  schema: z.object({
    steps: z.number().int().min(0).max(100).default(3),
    failAt: z.number().int().optional(),
    stepMs: z.number().int().min(0).max(10_000).default(0),
  }),
  handle: async ({ steps, failAt, stepMs }, ctx) => {
    for (let i = 1; i <= steps; i++) {
      if (stepMs > 0) await sleep(stepMs, undefined, { signal: ctx.signal });
      ctx.signal.throwIfAborted();
      if (failAt === i) throw new Error(`failed at step ${i}`);
      await ctx.progress({ step: i, of: steps }, { force: true });
    }
    return { steps };
  },
});
