/**
 * Webhook-driven re-scores are coalesced (issue 14 item 10): many requests of one organization within the
 * window become one refresh-accounts-job holding every account once; a running job is never joined; each
 * organization has its own job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { DEFAULT_COALESCE_MS, enqueueAccountRefresh, MAX_ACCOUNTS_PER_REFRESH, REFRESH_ACCOUNTS_JOB } from "@/lib/pipeline/enqueue-account-refresh";

let t: TestDb;
let orgA: string, orgB: string;
beforeAll(async () => {
  t = await createTestDb();
  orgA = (await t.db.organization.create({ data: { name: "A", slug: `a-${Date.now()}` } })).id;
  orgB = (await t.db.organization.create({ data: { name: "B", slug: `b-${Date.now()}` } })).id;
});
afterAll(() => t.cleanup());

const jobsOf = (organizationId: string) => t.db.job.findMany({ where: { name: REFRESH_ACCOUNTS_JOB, organizationId }, orderBy: { createdAt: "asc" } });

describe("coalesced account re-scores", () => {
  it("500 webhook re-score requests about 210 accounts queue one job with the 210 accounts", async () => {
    const t0 = Date.now();
    for (let i = 0; i < 500; i++) await enqueueAccountRefresh(t.db, { organizationId: orgA, accountIds: [`acc-${i % 210}`] });
    const jobs = await jobsOf(orgA);
    expect(jobs).toHaveLength(1);
    const ids = (jobs[0]!.payload as { accountIds: string[] }).accountIds;
    expect(new Set(ids).size).toBe(210);
    expect(ids).toHaveLength(210);
    // waits the coalescing window for more changes (counted from the row's creation, which is after t0)
    expect(jobs[0]!.runAfter.getTime()).toBeGreaterThanOrEqual(t0 + DEFAULT_COALESCE_MS);
  });

  it("another organization's requests never join it", async () => {
    const r = await enqueueAccountRefresh(t.db, { organizationId: orgB, accountIds: ["b-1"] });
    expect(r.coalesced).toBe(false);
    expect((await jobsOf(orgB))).toHaveLength(1);
    expect(((await jobsOf(orgA))[0]!.payload as { accountIds: string[] }).accountIds).not.toContain("b-1");
  });

  it("once the job runs, a new request queues a new job (its payload was already read)", async () => {
    const [job] = await jobsOf(orgA);
    await t.db.job.update({ where: { id: job!.id }, data: { status: "running" } });
    const r = await enqueueAccountRefresh(t.db, { organizationId: orgA, accountIds: ["acc-late"] });
    expect(r.coalesced).toBe(false);
    expect(r.job.id).not.toBe(job!.id);
    expect((await jobsOf(orgA))).toHaveLength(2);
  });

  it("a full job is not joined: the next accounts go to a new job", async () => {
    const many = Array.from({ length: MAX_ACCOUNTS_PER_REFRESH }, (_, i) => `bulk-${i}`);
    const first = await enqueueAccountRefresh(t.db, { organizationId: orgB, accountIds: many });
    const next = await enqueueAccountRefresh(t.db, { organizationId: orgB, accountIds: ["one-more"] });
    expect(next.job.id).not.toBe(first.job.id);
  });

  it("a request the queued job already covers answers with that job and leaves it as it is; new records or identity still join (issue 15)", async () => {
    const org = (await t.db.organization.create({ data: { name: "C", slug: `c-${Date.now()}` } })).id;
    const first = await enqueueAccountRefresh(t.db, { organizationId: org, accountIds: ["c-1", "c-2"], identity: true, sourceRecordIds: ["r-1"] });
    const before = await t.db.job.findUniqueOrThrow({ where: { id: first.job.id } });
    const same = await enqueueAccountRefresh(t.db, { organizationId: org, accountIds: ["c-2"], identity: true, sourceRecordIds: ["r-1"] });
    expect(same).toMatchObject({ coalesced: true, job: { id: first.job.id, status: "queued" } });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: first.job.id } })).toEqual(before);
    // something new for the same organization: joined into the same job
    const more = await enqueueAccountRefresh(t.db, { organizationId: org, accountIds: ["c-2"], identity: true, sourceRecordIds: ["r-2"] });
    expect(more.job.id).toBe(first.job.id);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: first.job.id } })).payload).toMatchObject({ accountIds: ["c-1", "c-2"], identity: true, sourceRecordIds: ["r-1", "r-2"] });
    // a queued job without the identity pass is joined (and gets it) by a request that needs it
    const org2 = (await t.db.organization.create({ data: { name: "D", slug: `d-${Date.now()}` } })).id;
    const plain = await enqueueAccountRefresh(t.db, { organizationId: org2, accountIds: ["d-1"] });
    const withIdentity = await enqueueAccountRefresh(t.db, { organizationId: org2, accountIds: ["d-1"], identity: true, sourceRecordIds: ["rd-1"] });
    expect(withIdentity.job.id).toBe(plain.job.id);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: plain.job.id } })).payload).toMatchObject({ identity: true, sourceRecordIds: ["rd-1"] });
    // never another organization's job, even when its payload would "cover" the request
    const other = await enqueueAccountRefresh(t.db, { organizationId: org2, accountIds: ["c-1"] });
    expect(other.job.id).not.toBe(first.job.id);
  });
});
