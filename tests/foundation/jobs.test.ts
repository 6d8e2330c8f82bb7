import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { cancelJob, enqueueJob, getJobOrThrow, runJobInline, startWorker } from "@/lib/jobs";
import { delegateInlineJobs, REQUEUED_ON_STOP } from "@/lib/jobs/run-job";

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

describe("a job whose process died (issue 14 item 2)", () => {
  /** A job row left `running` by a process killed with SIGKILL: its heartbeat stopped `ageMs` ago. */
  async function deadJob(dedupeKey: string, ageMs: number) {
    const { job } = await enqueueJob(t.db, "noop-job", { steps: 2 }, { dedupeKey });
    const beat = new Date(Date.now() - ageMs);
    await t.db.job.update({ where: { id: job.id }, data: { status: "running", lockedBy: "dead-host-1-x", startedAt: beat, heartbeatAt: beat, attempts: 1 } });
    return job.id;
  }
  const within = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`still waiting after ${ms} ms`)), ms))]);

  it("a restarted run that dedupes onto the dead job re-queues it and runs it to the end instead of waiting forever", async () => {
    const id = await deadJob("sync:conn-dead", 10 * 60_000);
    const done = await within(runJobInline(t.db, "noop-job", { steps: 2 }, { dedupeKey: "sync:conn-dead" }), 15_000);
    expect(done.id).toBe(id);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ steps: 2 });
  });

  it("a job with a recent heartbeat is not taken over", async () => {
    const id = await deadJob("sync:conn-alive", 5_000);
    const r = await enqueueJob(t.db, "noop-job", { steps: 2 }, { dedupeKey: "sync:conn-alive" });
    expect(r).toMatchObject({ deduplicated: true, job: { id, status: "running" } });
    await t.db.job.update({ where: { id }, data: { status: "cancelled" } });
  });

  it("a request waiting on a job through the worker gets it re-queued and finished when its process dies", async () => {
    const w = startWorker(t.db, { pollMs: 50 }); // its start-up sweep has run before the job dies
    await new Promise((r) => setTimeout(r, 200));
    const id = await deadJob("sync:conn-wait", 10 * 60_000);
    delegateInlineJobs(true);
    try {
      const done = await within(runJobInline(t.db, "noop-job", { steps: 2 }, { dedupeKey: "sync:conn-wait" }), 15_000);
      expect(done).toMatchObject({ id, status: "succeeded" });
    } finally {
      delegateInlineJobs(false);
      await w.stop();
    }
  });
});
