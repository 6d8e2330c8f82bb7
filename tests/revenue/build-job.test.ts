/**
 * The movements are built by a background job after each sync (issue 17, brief H17r item 2), incrementally, and a
 * read never builds: the synthetic revenue portfolio (tests/revenue/portfolio.ts) through the sandbox and the real
 * Stripe connector (official SDK over HTTP); the sync runs as `sync-connection-job`, which requests
 * `revenue-movements-job`; a job worker runs it. Then changes come by incremental syncs WITHOUT the job: a read
 * returns the last figures, says "updating" (a build queued) and leaves every movement row as it was; the job then
 * recomputes only the accounts that changed, and its movements and summary equal a full rebuild's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "@/tests/connectors/stripe-fixtures";
import { runJobInline, startWorker } from "@/lib/jobs";
import { REVENUE_BUILD_JOB, rebuildRevenueMovements, updateRevenueMovements, type RevenueSummary } from "@/lib/revenue/build-movements";
import { getRevenueOverview, listMovements } from "@/lib/revenue/report";
import { STEPS, T0, buildRevenuePortfolio } from "./portfolio";

let env: StripeTestEnv;
let connectionId: string;

/** Run queued jobs with a worker until the organization's revenue build has finished; its result. */
async function drainRevenueBuild(): Promise<{ mode: string; accounts: number; movements: number }> {
  const w = startWorker(env.db, { concurrency: 1, pollMs: 50 });
  try {
    for (let i = 0; i < 3_000; i++) {
      const live = await env.db.job.count({ where: { name: REVENUE_BUILD_JOB, organizationId: env.orgId, status: { in: ["queued", "running"] } } });
      if (!live) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await w.stop();
  }
  const job = await env.db.job.findFirstOrThrow({ where: { name: REVENUE_BUILD_JOB, organizationId: env.orgId }, orderBy: { createdAt: "desc" } });
  expect(job.status).toBe("succeeded");
  return job.result as { mode: string; accounts: number; movements: number };
}

async function movementKeys(): Promise<string[]> {
  const rows = await env.db.revenueMovement.findMany({ where: { organizationId: env.orgId }, select: { id: true, accountKey: true, currency: true, at: true, kind: true, deltaCents: true } });
  return rows.map((r) => `${r.accountKey}|${r.currency}|${r.at.toISOString()}|${r.kind}|${r.deltaCents}`).sort();
}

function canonical(s: RevenueSummary) {
  const sort = <T>(a: T[]) => a.map((x) => JSON.stringify(x)).sort();
  return { ...s, asOfMs: 0, cells: sort(s.cells), cohortCells: sort(s.cohortCells), logoCells: sort(s.logoCells), logoCohortCells: sort(s.logoCohortCells) };
}

beforeAll(async () => {
  env = await setupStripe({ portfolio: buildRevenuePortfolio() as never });
  env.sb.clock.set(Date.parse(T0));
  connectionId = await connectKey(env);
}, 120_000);
afterAll(async () => env?.close());

describe("revenue-movements-job", () => {
  it("after a sync the movements exist without any read having happened", async () => {
    const job = await runJobInline(env.db, "sync-connection-job", { connectionId, full: true }, { organizationId: env.orgId });
    expect(job.status).toBe("succeeded");
    expect(await env.db.revenueMovement.count({ where: { organizationId: env.orgId } })).toBe(0);
    const queued = await env.db.job.findMany({ where: { name: REVENUE_BUILD_JOB, organizationId: env.orgId } });
    expect(queued.map((j) => j.status)).toEqual(["queued"]);
    // The worker runs the post-sync pipeline (identity resolution, signals, scores) and then the build.
    const r = await drainRevenueBuild();
    expect(r.mode).toBe("full");
    expect(await env.db.revenueMovement.count({ where: { organizationId: env.orgId } })).toBeGreaterThan(0);
    expect((await env.db.revenueSettings.findUniqueOrThrow({ where: { organizationId: env.orgId } })).summary).not.toBeNull();
  }, 120_000);

  it("a read never builds: it shows the last figures and 'updating'; the job then recomputes only the changed accounts", async () => {
    // Identity resolution linked the customers after the first build: bring the build to the linked state first.
    await drainRevenueBuildAfterRequest();
    const before = await movementKeys();
    const mrrBefore = (await getRevenueOverview(env.db, { organizationId: env.orgId })).series.map((s) => [s.currency, s.currentMrrCents]);
    // Three changes read by incremental syncs that do not request a build (the test's own sync helper).
    for (const step of STEPS.slice(0, 3)) {
      env.sb.clock.set(Date.parse(step.at));
      await env.sb.control.mutate("stripe", { type: "subscriptions", op: step.op, ...(step.id ? { id: step.id } : {}), ...(step.data ? { data: step.data } : {}) });
      await sync(env, connectionId);
    }
    const read = await getRevenueOverview(env.db, { organizationId: env.orgId });
    expect(read.build.state).toBe("queued");
    expect(read.build.stale).toBe(true);
    expect(read.series.map((s) => [s.currency, s.currentMrrCents])).toEqual(mrrBefore);
    await listMovements(env.db, { organizationId: env.orgId });
    expect(await movementKeys()).toEqual(before);

    const r = await drainRevenueBuild();
    expect(r.mode).toBe("incremental");
    const accounts = await env.db.account.count({ where: { organizationId: env.orgId } });
    expect(r.accounts).toBeGreaterThan(0);
    expect(r.accounts).toBeLessThan(accounts);
    const after = await movementKeys();
    expect(after).not.toEqual(before);
    const settings = await env.db.revenueSettings.findUniqueOrThrow({ where: { organizationId: env.orgId } });
    const incremental = settings.summary as RevenueSummary;
    // The same instant, fully rebuilt: the same movements and the same summary.
    await rebuildRevenueMovements(env.db, { organizationId: env.orgId, asOf: settings.builtAsOf! });
    expect(await movementKeys()).toEqual(after);
    const full = (await env.db.revenueSettings.findUniqueOrThrow({ where: { organizationId: env.orgId } })).summary as RevenueSummary;
    expect(canonical(incremental)).toEqual(canonical(full));
    const fresh = await getRevenueOverview(env.db, { organizationId: env.orgId });
    expect(fresh.build.state).toBe("idle");
  }, 180_000);

  it("concurrent builds of one organization join: no movement is doubled", async () => {
    await Promise.all([1, 2, 3].map(() => updateRevenueMovements(env.db, { organizationId: env.orgId })));
    const keys = await movementKeys();
    expect(new Set(keys).size).toBe(keys.length);
  }, 120_000);
});

/** A read requests the build when the inputs changed; run it. */
async function drainRevenueBuildAfterRequest() {
  await getRevenueOverview(env.db, { organizationId: env.orgId });
  if (await env.db.job.count({ where: { name: REVENUE_BUILD_JOB, organizationId: env.orgId, status: "queued" } })) await drainRevenueBuild();
}
