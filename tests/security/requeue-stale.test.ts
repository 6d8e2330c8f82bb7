/**
 * Issue 14 item 2 follow-up: a dead job is re-queued the same way whether a waiter finds it (`requeueIfStale`)
 * or the worker's start-up / maintenance sweep does (`requeueStaleJobs`) — one implementation: the same reason
 * shown to the user, runnable at once, and this process's worker woken instead of waiting for its next poll.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { enqueueJob, getJobOrThrow } from "@/lib/jobs";
import { onJobEnqueued, requeueIfStale, REQUEUED_STALE, STALE_MS } from "@/lib/jobs/queue";
import { requeueStaleJobs } from "@/lib/jobs/worker";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

/** A job left `running` by a process that died `ageMs` ago (heartbeat that old, runAfter an hour in the future). */
async function deadJob(ageMs: number) {
  const { job } = await enqueueJob(t.db, "noop-job", { steps: 1 });
  const past = new Date(Date.now() - ageMs);
  await t.db.job.update({ where: { id: job.id }, data: { status: "running", lockedBy: "dead-worker", startedAt: past, heartbeatAt: past, runAfter: new Date(Date.now() + 3_600_000) } });
  return job.id;
}

describe("stale jobs are re-queued by one implementation", () => {
  it("the sweep and the waiter leave the same state: queued, runnable now, the same reason, worker woken", async () => {
    const a = await deadJob(STALE_MS + 60_000);
    const b = await deadJob(STALE_MS + 60_000);
    const fresh = await deadJob(1_000); // heartbeat 1 s old: alive, never touched
    let woken = 0;
    const off = onJobEnqueued(() => { woken++; });
    try {
      expect(await requeueIfStale(t.db, a)).toBe(true);
      const byWaiter = await t.db.job.findUniqueOrThrow({ where: { id: a } });
      const swept = await requeueStaleJobs(t.db);
      expect(swept).toBe(1); // b only: a is queued already, fresh is alive
      const bySweep = await t.db.job.findUniqueOrThrow({ where: { id: b } });
      for (const j of [byWaiter, bySweep]) {
        expect(j.status).toBe("queued");
        expect(j.lockedBy).toBeNull();
        expect(j.error).toBe(REQUEUED_STALE);
        expect(j.runAfter.getTime()).toBeLessThanOrEqual(Date.now());
      }
      expect(woken).toBe(2);
      expect((await getJobOrThrow(t.db, fresh)).status).toBe("running");
    } finally {
      off();
    }
  });
});
