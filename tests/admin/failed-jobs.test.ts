/**
 * The dead-letter list of /settings/jobs (lib/admin/failed-jobs.ts): an admin sees their organization's failed
 * jobs in words — kind, the connection's name, the error explained, attempts, when — and never another
 * organization's; a retried job leaves the list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { errorInWords, jobKindInWords, listFailedJobs } from "@/lib/admin/failed-jobs";
import { retryJob } from "@/lib/jobs";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

async function org(slug: string) {
  const o = await t.db.organization.create({ data: { name: slug, slug: `${slug}-${Math.random().toString(36).slice(2, 8)}` } });
  const c = await t.db.connection.create({ data: { organizationId: o.id, provider: "hubspot", externalAccountId: `p-${slug}`, displayName: `${slug} portal` } });
  return { o, c };
}

const failed = (organizationId: string, name: string, payload: object, error: string, attempts = 3) =>
  t.db.job.create({ data: { organizationId, name, payload, status: "failed", error, attempts, maxAttempts: 3, finishedAt: new Date() } });

describe(`failed jobs list on ${testDbProvider()}`, () => {
  it("lists one organization's failed jobs in words, with the connection's name, never another organization's", async () => {
    const a = await org("acme");
    const b = await org("globex");
    const j1 = await failed(a.o.id, "sync-connection-job", { connectionId: a.c.id, full: true }, "HubSpot request failed: HTTP-Code: 401\nMessage: Authentication credentials not found\n    at sync (lib/sync/x.ts:1:1)");
    await failed(a.o.id, "score-organization-job", { organizationId: a.o.id }, "Error: connect ECONNREFUSED 127.0.0.1:5432", 2);
    await t.db.job.create({ data: { organizationId: a.o.id, name: "noop-job", payload: {}, status: "succeeded" } });
    // organization B: a failed job naming A's connection must not show A's name; B's own job must not show in A's list
    await failed(b.o.id, "sync-connection-job", { connectionId: a.c.id }, "boom");
    await failed(b.o.id, "sync-connection-job", { connectionId: b.c.id }, "rate limit exceeded (429)");

    const listA = await listFailedJobs(t.db, a.o.id);
    expect(listA.total).toBe(2);
    expect(listA.data.map((r) => r.kind).sort()).toEqual(["HubSpot sync", "Scoring run"]);
    const sync = listA.data.find((r) => r.id === j1.id)!;
    expect(sync.connection).toEqual({ id: a.c.id, name: "acme portal", provider: "HubSpot" });
    expect(sync.error).toMatch(/^The vendor refused the connection's credentials: reconnect it/);
    expect(sync.error).not.toMatch(/at sync/);
    expect(sync.attempts).toBe(3);
    expect(sync.failedAt).toBeInstanceOf(Date);
    expect(listA.data.find((r) => r.name === "score-organization-job")!.connection).toBeNull();

    const listB = await listFailedJobs(t.db, b.o.id);
    expect(listB.total).toBe(2);
    expect(listB.data.map((r) => r.connection?.name ?? null).sort()).toEqual(["globex portal", null]);
    expect(listB.data.some((r) => r.id === j1.id)).toBe(false);

    // retried: back in the queue, off the list
    await retryJob(t.db, j1.id, a.o.id);
    expect((await listFailedJobs(t.db, a.o.id)).data.map((r) => r.id)).not.toContain(j1.id);
    // another organization cannot retry it
    const j2 = listA.data.find((r) => r.name === "score-organization-job")!;
    await expect(retryJob(t.db, j2.id, b.o.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("explains errors in words", () => {
    expect(errorInWords(null)).toBe("Failed without an error message.");
    expect(errorInWords("fetch failed")).toMatch(/^The vendor's API could not be reached/);
    expect(errorInWords("Error: connect ECONNREFUSED 127.0.0.1:5432")).toMatch(/^The database could not be reached/);
    expect(errorInWords("worker stopped while running (no heartbeat); resumed")).toMatch(/^The worker running it stopped/);
    expect(errorInWords("Error: the shard table is gone")).toBe("the shard table is gone");
    expect(jobKindInWords("some-new-thing-job")).toBe("Some new thing");
  });
});
