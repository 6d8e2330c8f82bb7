/**
 * pg-boss workers as processes (`npm run worker`-style children, CHURNWATCH_QUEUE=pg-boss) against the Stripe
 * sandbox over HTTP, on PostgreSQL (skipped on SQLite):
 * - a worker SIGKILLed in the middle of a full sync: another worker finds the dead job by its heartbeat, pg-boss
 *   retries it, the sync resumes and the stored counts equal what Stripe serves (nothing lost or duplicated);
 * - a webhook is acknowledged (200) before its job runs; repeated deliveries make no second event nor job; once
 *   a worker runs, the change is applied exactly once.
 */
import { fork, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { NextRequest } from "next/server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDb } from "@/lib/db";
import { setJobEngine } from "@/lib/jobs/engine";
import { enqueueJob, getJobOrThrow, type JobView } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { delegateInlineJobs } from "@/lib/jobs/run-job";
import { startPgBossEngine, type PgBossEngine } from "@/lib/jobs/pgboss/engine";
import { connectKey, counts, sandboxCounts, setupStripe, type StripeTestEnv } from "../connectors/stripe-fixtures";
import { testDbProvider } from "../helpers/db";

const onPg = testDbProvider() === "postgresql";

let env: StripeTestEnv;
let pb: PgBossEngine;
let connectionId: string;
const children: ChildProcess[] = [];

/** One `npm run worker` process on the test database (pg-boss engine, no schedules). */
function spawnWorker(extra: string[] = []): ChildProcess {
  const child = fork("scripts/worker.ts", ["--concurrency", "1", "--no-schedules", "--dotenv", "/dev/null", ...extra], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env, DATABASE_URL: env.t.url, CHURNWATCH_QUEUE: "pg-boss", CHURNWATCH_WORKER: "off", LOG_LEVEL: "warn",
      APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY, STRIPE_API_BASE_URL: env.sb.stripeUrl,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  return child;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!onPg)("pg-boss worker processes (PostgreSQL + Stripe sandbox)", () => {
  beforeAll(async () => {
    // ~40 ms per Stripe request: a full sync of the small portfolio takes a few seconds, long enough to kill mid-way.
    env = await setupStripe({ latency: { fixedMs: 40, jitterMs: 0 } });
    setDb(env.db);
    connectionId = await connectKey(env, env.info.secretKey, env.info.webhook.secret);
    await env.db.job.deleteMany({}); // whatever connecting queued; this test enqueues its own
    // This process plays the web server: the engine only (enqueue → pg-boss), no worker; sync retries after ~1-2 s.
    pb = await startPgBossEngine({ connectionString: env.t.url, names: registeredJobNames(), supervise: false, overrides: { sync: { retryDelay: 1 }, webhook: { retryDelay: 1 } } });
    setJobEngine(pb.engine);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    setJobEngine(null);
    delegateInlineJobs(false);
    await pb?.stop({ timeoutMs: 1_000 });
    await env?.close();
  });

  it("a worker SIGKILLed mid-sync: another worker retries the job, the sync resumes and the counts equal what Stripe serves", async () => {
    const a = spawnWorker();
    const { job } = await enqueueJob(env.db, "sync-connection-job", { connectionId, full: true, trigger: "test", skipPostProcessing: true }, {
      organizationId: env.orgId, dedupeKey: `sync:${connectionId}`,
    });
    // running in A, with some records stored but not all
    const midway = await waitFor("the sync to be under way in worker A", async () => {
      const row = await env.db.job.findUniqueOrThrow({ where: { id: job.id } });
      const c = await counts(env.db, connectionId);
      return row.status === "running" && row.lockedBy?.includes(`-${a.pid}-`) && c.customers > 0 ? c : null;
    });
    a.kill("SIGKILL");
    await new Promise((r) => a.once("exit", r));
    const want = await sandboxCounts(env);
    expect(midway.customers + midway.invoices).toBeLessThan(want.customers + want.invoices); // really mid-way

    const b = spawnWorker(["--stale-ms", "3000", "--maintenance-ms", "500"]);
    const done = await waitFor("the job to end in worker B", async () => {
      const j: JobView = await getJobOrThrow(env.db, job.id);
      return ["succeeded", "failed", "cancelled"].includes(j.status) ? j : null;
    }, 90_000);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(2); // the killed attempt + the retry
    const row = await env.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.lockedBy).toContain(`-${b.pid}-`);
    const got = await counts(env.db, connectionId);
    expect(got).toMatchObject({ customers: want.customers, subscriptions: want.subscriptions, invoices: want.invoices, charges: want.charges });
    // one sync job for the connection, and pg-boss's copy completed after one retry
    expect(await env.db.job.count({ where: { name: "sync-connection-job" } })).toBe(1);
    const boss = await pb.boss.getDb().executeSql(`SELECT state, retry_count FROM pgboss.job WHERE name = 'sync-connection-job' AND data->>'jobId' = $1`, [job.id]);
    expect(boss.rows).toEqual([{ state: "completed", retry_count: 1 }]);
    b.kill("SIGTERM");
    await new Promise((r) => b.once("exit", r));
  }, 150_000);

  it("a webhook is acknowledged before its job runs, repeats make no second job, and a worker applies it exactly once", async () => {
    const { POST } = await import("@/app/api/webhooks/stripe/route");
    const u = new URL(env.sb.stripeUrl);
    const api = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
    const cust = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer" }, orderBy: { externalId: "asc" } });
    await env.sb.control.mutate("stripe", { type: "customers", op: "update", id: cust.externalId, data: { name: "Acked Before Run Ltd" } });
    const page = await api.events.list({ type: "customer.updated", limit: 20 });
    const ev = page.data.find((e) => (e.data.object as { id?: string }).id === cust.externalId)!;
    const payload = JSON.stringify(ev);
    const deliver = async () => {
      const headers = new Headers({ "content-type": "application/json", "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: env.info.webhook.secret }) });
      const res = await POST(new NextRequest("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers, body: payload }));
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const first = await deliver();
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ received: true, duplicate: false });
    // acknowledged, not yet applied: no worker is running
    const stored = await env.db.webhookEvent.findFirstOrThrow({ where: { eventId: ev.id } });
    expect(stored.status).toBe("received");
    const hookJobs = () => env.db.job.findMany({ where: { name: "stripe-webhook-job" } });
    expect((await hookJobs()).map((j) => j.status)).toEqual(["queued"]);
    expect((await env.db.sourceRecord.findUniqueOrThrow({ where: { id: cust.id } })).name).not.toBe("Acked Before Run Ltd");
    // Stripe retries the delivery (e.g. it did not see our 200): one event, one job
    for (let i = 0; i < 3; i++) expect((await deliver()).json).toMatchObject({ duplicate: true });
    expect(await env.db.webhookEvent.count({ where: { eventId: ev.id } })).toBe(1);
    expect(await hookJobs()).toHaveLength(1);

    const w = spawnWorker();
    await waitFor("the webhook job to end", async () => (await hookJobs()).every((j) => ["succeeded", "failed"].includes(j.status)), 30_000);
    expect((await env.db.webhookEvent.findFirstOrThrow({ where: { eventId: ev.id } })).status).toBe("processed");
    expect((await env.db.sourceRecord.findUniqueOrThrow({ where: { id: cust.id } })).name).toBe("Acked Before Run Ltd");
    expect((await hookJobs()).map((j) => [j.status, j.attempts])).toEqual([["succeeded", 1]]);
    // a late duplicate after processing changes nothing either
    expect((await deliver()).json).toMatchObject({ duplicate: true });
    expect(await hookJobs()).toHaveLength(1);
    w.kill("SIGTERM");
    await new Promise((r) => w.once("exit", r));
  }, 90_000);
});
