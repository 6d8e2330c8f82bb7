/**
 * Issue 15 (CPU per webhook event): a job kind's definition is loaded once per process. Every job run and every
 * enqueue asks the registry for the definition; under tsx (`npm run worker`) each dynamic import() went through
 * the loader hooks again (~0.7 ms CPU per call, twice per Stripe webhook event in the worker). A loader that
 * fails is tried again on the next call (a transient import error does not poison the kind).
 */
import { describe, expect, it } from "vitest";
import { defineJob, type JobDefinition } from "@/lib/jobs/define-job";
import { getJobDefinition, registerJob } from "@/lib/jobs/registry";
import { z } from "zod";

const def = defineJob({ name: "h15c-load-once-job", schema: z.object({}), handle: async () => ({}) }) as JobDefinition;

describe("job registry", () => {
  it("loads a kind's definition once, however many runs and enqueues ask for it", async () => {
    let loads = 0;
    registerJob("h15c-load-once-job", async () => { loads++; return def; });
    const got = await Promise.all([getJobDefinition("h15c-load-once-job"), getJobDefinition("h15c-load-once-job")]);
    await getJobDefinition("h15c-load-once-job");
    expect(got[0]).toBe(def);
    expect(got[1]).toBe(def);
    expect(loads).toBe(1);
  });

  it("tries a failed load again, and a re-registration replaces the definition", async () => {
    let loads = 0;
    registerJob("h15c-flaky-job", async () => { loads++; if (loads === 1) throw new Error("import failed"); return def; });
    await expect(getJobDefinition("h15c-flaky-job")).rejects.toThrow("import failed");
    await expect(getJobDefinition("h15c-flaky-job")).resolves.toBe(def);
    expect(loads).toBe(2);
    const other = { ...def, maxAttempts: 7 } as JobDefinition;
    registerJob("h15c-flaky-job", async () => other);
    await expect(getJobDefinition("h15c-flaky-job")).resolves.toBe(other);
  });
});
