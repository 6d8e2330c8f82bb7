import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { cancelJob, enqueueJob, getJobOrThrow, runJobInline, startWorker } from "@/lib/jobs";
import { REQUEUED_ON_STOP } from "@/lib/jobs/run-job";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

async function waitFor(id: string, states: string[]) {
  for (let i = 0; i < 100; i++) {
    const j = await getJobOrThrow(t.db, id);
    if (states.includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timeout");
}

describe("background jobs", () => {
  it("a worker picks up an enqueued job, records progress and the result", async () => {
    const w = startWorker(t.db, { pollMs: 50 });
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 4 });
    expect(job.status).toBe("queued");
    const done = await waitFor(job.id, ["succeeded", "failed"]);
    await w.stop();
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ steps: 4 });
    expect(done.progress).toMatchObject({ step: 4, of: 4 });
  });

  it("a failing job is marked failed with its error; a dedupe key returns the live job", async () => {
    const failed = await runJobInline(t.db, "noop-job", { steps: 3, failAt: 2 });
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("failed at step 2");
    const a = await enqueueJob(t.db, "noop-job", { steps: 1 }, { dedupeKey: "x" });
    const b = await enqueueJob(t.db, "noop-job", { steps: 1 }, { dedupeKey: "x" });
    expect(b.deduplicated).toBe(true);
    expect(b.job.id).toBe(a.job.id);
  });

  it("rejects a payload that does not match the job schema", async () => {
    await expect(enqueueJob(t.db, "noop-job", { steps: "many" })).rejects.toMatchObject({ code: "bad_request" });
  });

  it("stopping a worker puts its running job back in the queue; a user's cancel still cancels", async () => {
    const w = startWorker(t.db, { pollMs: 50 });
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 50, stepMs: 50 });
    await waitFor(job.id, ["running"]);
    await w.stop();
    const stopped = await getJobOrThrow(t.db, job.id);
    expect(stopped).toMatchObject({ status: "queued", error: REQUEUED_ON_STOP, finishedAt: null });

    const w2 = startWorker(t.db, { pollMs: 50 });
    try {
      await waitFor(job.id, ["running"]);
      await cancelJob(t.db, job.id);
      const cancelled = await waitFor(job.id, ["cancelled", "succeeded", "failed", "queued"]);
      expect(cancelled.status).toBe("cancelled");
    } finally {
      await w2.stop();
    }
  });
});
