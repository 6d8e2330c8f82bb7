/**
 * The Stripe sync under adverse conditions, against the sandbox over HTTP: a 429 storm plus 5 % 5xx,
 * a killed sync resuming from its checkpoints, a malformed record, and request pacing under real limits.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connectKey, counts, jobCtx, sandboxCounts, setupStripe, sync, type StripeTestEnv } from "./stripe-fixtures";

let env: StripeTestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const rows = (c: Awaited<ReturnType<typeof counts>>) => c.customers + c.subscriptions + c.invoices + c.charges;

describe("faults", () => {
  it("a 429 storm plus 5 % 5xx finishes with nothing lost or duplicated", async () => {
    env = await setupStripe();
    const expected = await sandboxCounts(env);
    const id = await connectKey(env);
    env.sb.control.setFaults("stripe", { errorRate5xx: 0.05, rateLimitStormForMs: 1_200 });
    const summary = await sync(env, id);
    const stats = env.sb.control.stats().stripe!;
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(Object.values(summary.objects).map((o) => o.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const got = await counts(env.db, id);
    expect(got).toEqual({ customers: expected.customers, subscriptions: expected.subscriptions, items: expected.items, invoices: expected.invoices, charges: expected.charges });
    // Every 429 and 5xx answer was retried: more requests were sent than pages exist.
    expect(summary.requestCount).toBeGreaterThan(Math.ceil(expected.customers / 100) + Math.ceil(expected.invoices / 100));
  });

  it("a killed sync resumes from the last committed page and lands every object once", async () => {
    env = await setupStripe();
    const expected = await sandboxCounts(env);
    const id = await connectKey(env);
    const ctx = jobCtx(env.db, { abortAfterProgress: 4 });
    await expect(sync(env, id, { ctx })).rejects.toThrow(/cancelled/);
    const partial = await counts(env.db, id);
    expect(rows(partial)).toBeGreaterThan(0);
    expect(rows(partial)).toBeLessThan(expected.customers + expected.subscriptions + expected.invoices + expected.charges);
    const cps = await env.db.syncCheckpoint.findMany({ where: { connectionId: id } });
    expect(cps.map((c) => c.stream)).toContain("full");

    const resumed = await sync(env, id);
    expect(resumed.mode).toBe("full");
    const processed = Object.values(resumed.objects).reduce((n, o) => n + o.processed, 0);
    expect(processed).toBeLessThan(expected.customers + expected.subscriptions + expected.invoices + expected.charges);
    expect(await counts(env.db, id)).toEqual({ customers: expected.customers, subscriptions: expected.subscriptions, items: expected.items, invoices: expected.invoices, charges: expected.charges });
    expect((await env.db.syncCheckpoint.findMany({ where: { connectionId: id } })).map((c) => c.stream)).toEqual(["events"]);
  });

  it("lists a dense stream as parallel created-range slices, and a kill mid-way resumes every slice: each invoice once", async () => {
    // 400 customers × 6 months: a first page of 100 invoices spans days, so the invoice stream is split.
    env = await setupStripe({ portfolio: { synthetic: { companies: 20, customers: 400, subscriptionsPerCustomer: 1, invoicesMonths: 6, seed: 5 } } });
    const expected = await sandboxCounts(env);
    const id = await connectKey(env);
    await expect(sync(env, id, { ctx: jobCtx(env.db, { abortAfterProgress: 6 }) })).rejects.toThrow(/cancelled/);
    const cp = await env.db.syncCheckpoint.findFirst({ where: { connectionId: id, stream: "full:invoices" } });
    const slices = (cp?.state as { slices?: { gte: number | null; lt: number | null; done: boolean }[] } | undefined)?.slices ?? [];
    expect(slices.length).toBeGreaterThan(2);
    // The ranges tile the timeline: each slice ends where the next (older) one starts.
    for (let i = 2; i < slices.length; i++) expect(slices[i]!.lt).toBe(slices[i - 1]!.gte);
    expect((await counts(env.db, id)).invoices).toBeLessThan(expected.invoices);

    const resumed = await sync(env, id);
    expect(resumed.objects.invoices!.status).toBe("succeeded");
    expect(await counts(env.db, id)).toEqual({ customers: expected.customers, subscriptions: expected.subscriptions, items: expected.items, invoices: expected.invoices, charges: expected.charges });
    // A second full sync lands nothing twice either.
    await sync(env, id, { full: true });
    expect(await counts(env.db, id)).toEqual({ customers: expected.customers, subscriptions: expected.subscriptions, items: expected.items, invoices: expected.invoices, charges: expected.charges });
  });

  it("skips a malformed record with its reason and keeps the rest of the page", async () => {
    env = await setupStripe({ faults: { stripe: { malformedRecordIn: ["customers"] } } });
    const id = await connectKey(env);
    const summary = await sync(env, id);
    expect(summary.objects.customers!.status).toBe("partial");
    expect(summary.objects.customers!.skipped).toBeGreaterThan(0);
    const run = await env.db.syncRun.findFirstOrThrow({ where: { connectionId: id, objectType: "customers" } });
    expect((run.skipReasons as { reason: string }[])[0]!.reason).toMatch(/^malformed record: /);
    expect(summary.objects.customers!.processed).toBeGreaterThan(100);
  });
});

describe("pacing", () => {
  // The client is configured 20 % under the sandbox's limit (4 vs 5 req/s), as we advise users: the sandbox runs in
  // this test's process and stamps a request when its handler runs, so while a synchronous SQLite write blocks the
  // event loop, requests the pacer spaced out are stamped late and bunched (real Stripe sees the same from network
  // jitter). At exactly the limit this failed ~1 run in 2 on a busy machine. An unpaced client still gets dozens of
  // 429s here, and the elapsed-time bound below proves the configured rate is not exceeded.
  it("stays under the configured request rate: no 429 from a sandbox enforcing a limit 20 % above it", async () => {
    env = await setupStripe({ limits: { stripe: { enabled: true, testRps: 5, liveRps: 5 } } });
    const id = await connectKey(env);
    await env.db.connection.update({ where: { id }, data: { settings: { requestsPerSecond: 4 } } });
    await new Promise((r) => setTimeout(r, 1_100)); // let the window of the connect calls pass
    const before = env.sb.control.stats().stripe!.rateLimited!;
    const t0 = Date.now();
    const summary = await sync(env, id);
    const elapsed = Date.now() - t0;
    expect(env.sb.control.stats().stripe!.rateLimited).toBe(before);
    expect(summary.requestCount).toBeGreaterThan(10);
    // n requests at 4/s need at least (n - 4) / 4 seconds.
    expect(elapsed).toBeGreaterThanOrEqual(((summary.requestCount - 4) / 4) * 1000 - 50);
  });
});
