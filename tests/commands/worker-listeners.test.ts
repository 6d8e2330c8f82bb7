// The worker logged MaxListenersExceededWarning (issue 18): every job it ran added an "abort" listener to the
// worker's one stop signal and never removed it, so the 11th job made Node warn. Jobs now remove theirs.
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeJob } from "@/lib/jobs/run-job";
import { createTestDb, type TestDb } from "@/tests/helpers/db";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(async () => { await t?.cleanup(); });

describe("jobs run with the worker's stop signal", () => {
  it("leave no abort listener behind and never make Node warn, over 15 jobs", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const stop = new AbortController();
    try {
      for (let i = 0; i < 15; i++) {
        const job = await t.db.job.create({ data: { name: "noop-job", payload: { steps: 1 }, status: "running" } });
        const r = await executeJob(t.db, job, { signal: stop.signal, requeueOnAbort: true });
        expect(r.status).toBe("succeeded");
      }
      await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
      expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
      expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("still stops a running job when the worker stops", async () => {
    const stop = new AbortController();
    const job = await t.db.job.create({ data: { name: "noop-job", payload: { steps: 5, stepMs: 2_000 }, status: "running" } });
    const p = executeJob(t.db, job, { signal: stop.signal, requeueOnAbort: true });
    setTimeout(() => stop.abort(new Error("worker stopping")), 100);
    expect((await p).status).toBe("queued");
  });
});
