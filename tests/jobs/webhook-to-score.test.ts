/**
 * Issue 15: a Stripe webhook's effect reaches the account's latest health score quickly, on the engine of the test
 * database — the Job table's worker on SQLite (woken on enqueue, as the web server wakes its worker child), pg-boss on
 * PostgreSQL (CHURNWATCH_TEST_DB=postgres; woken by NOTIFY). Signed deliveries into the route handler, the Stripe
 * sandbox over HTTP, the app's real jobs (stripe-webhook-job → refresh-accounts-job with identity resolution).
 * The bound here is generous (2 s, a wait a user would notice); the p50/p99 figures are `npm run bench:webhooks`'s.
 * Also: the refresh job re-scores only accounts of ITS organization, whatever record ids its payload names.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { NextRequest } from "next/server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDb } from "@/lib/db";
import { setJobEngine } from "@/lib/jobs/engine";
import { registeredJobNames } from "@/lib/jobs/registry";
import { startWorker, type Worker } from "@/lib/jobs/worker";
import { startPgBossEngine, type PgBossEngine } from "@/lib/jobs/pgboss/engine";
import { startPgBossWorker, type PgBossWorker } from "@/lib/jobs/pgboss/worker";
import { enqueueAccountRefresh } from "@/lib/pipeline/enqueue-account-refresh";
import { refreshOrganization } from "@/lib/pipeline/refresh-organization";
import { POST } from "@/app/api/webhooks/stripe/route";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "../connectors/stripe-fixtures";
import { testDbProvider } from "../helpers/db";

const engine = testDbProvider() === "postgresql" ? "pg-boss" : "table";

let env: StripeTestEnv;
let connectionId: string;
let api: Stripe;
let pb: PgBossEngine | undefined;
let worker: Worker | PgBossWorker;

async function deliver(payload: string) {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: env.info.webhook.secret });
  const res = await POST(new NextRequest("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload }));
  expect(res.status).toBe(200);
}

/** The newest sandbox event of a type for an object, as Stripe would POST it. */
async function latestEvent(type: string, objectId: string): Promise<string> {
  const page = await api.events.list({ type, limit: 20 });
  const ev = page.data.find((e) => (e.data.object as { id?: string }).id === objectId);
  if (!ev) throw new Error(`no ${type} event for ${objectId}`);
  return JSON.stringify(ev);
}

/** ms from delivery until the account's score was made after the event was applied (Account.scoredAt ≥ processedAt). */
async function reflectedMs(eventId: string, accountId: string, sentAt: number, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    const ev = await env.db.webhookEvent.findFirst({ where: { eventId }, select: { processedAt: true } });
    const acc = await env.db.account.findUniqueOrThrow({ where: { id: accountId }, select: { scoredAt: true } });
    if (ev?.processedAt && acc.scoredAt && acc.scoredAt >= ev.processedAt) return Date.now() - sentAt;
    if (Date.now() - sentAt > timeoutMs) throw new Error(`event ${eventId} not reflected in ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A failed charge for the customer of `record` in the sandbox, delivered as Stripe would; returns timing. */
async function failedChargeFor(record: { externalId: string; accountId: string | null }) {
  const ch = (await env.sb.control.mutate("stripe", {
    type: "charges", op: "create",
    data: { amount: 9_900, currency: "usd", status: "failed", customer: record.externalId, failure_code: "card_declined", failure_message: "Your card was declined." },
  })) as { id: string };
  const payload = await latestEvent("charge.failed", ch.id);
  const sentAt = Date.now();
  await deliver(payload);
  return { chargeId: ch.id, ms: await reflectedMs(JSON.parse(payload).id, record.accountId!, sentAt) };
}

describe(`a webhook reaches the account's score (${engine} engine)`, () => {
  beforeAll(async () => {
    env = await setupStripe({ portfolio: { synthetic: { companies: 5, customers: 30, subscriptionsPerCustomer: 1, invoicesMonths: 2, seed: 11 } } });
    setDb(env.db);
    connectionId = await connectKey(env, env.info.secretKey, env.info.webhook.secret);
    await sync(env, connectionId, { full: true });
    await refreshOrganization(env.db, { organizationId: env.orgId }); // identity, a year of signals, model, scores
    await env.db.job.deleteMany({});
    const u = new URL(env.sb.stripeUrl);
    api = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
    if (engine === "pg-boss") {
      pb = await startPgBossEngine({ connectionString: env.t.url, names: registeredJobNames(), supervise: true });
      setJobEngine(pb.engine);
      worker = await startPgBossWorker(env.db, pb, { names: registeredJobNames(), concurrency: 2, maintenanceMs: 0 });
    } else {
      worker = startWorker(env.db, { concurrency: 2, maintenanceMs: 0 }); // woken by this process's enqueues
    }
  }, 240_000);
  afterAll(async () => {
    await worker?.stop({ graceMs: 2_000 });
    setJobEngine(null);
    await env?.close();
  });

  it("a failed payment's webhook is in the account's latest score within 2 s", async () => {
    const records = await env.db.sourceRecord.findMany({ where: { connectionId, objectType: "customer", accountId: { not: null } }, orderBy: { externalId: "asc" }, take: 4 });
    expect(records.length).toBe(4);
    await failedChargeFor(records[0]!); // warm-up: the jobs' modules load on first use
    for (const r of records.slice(1)) {
      const { chargeId, ms } = await failedChargeFor(r);
      expect(await env.db.charge.findFirst({ where: { connectionId, externalId: chargeId }, select: { status: true } })).toMatchObject({ status: "failed" });
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("a re-score queued for another organization never re-scores this organization's accounts", async () => {
    const other = await env.db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
    const records = await env.db.sourceRecord.findMany({ where: { connectionId, accountId: { not: null } }, select: { id: true, accountId: true }, take: 5 });
    const before = await env.db.account.findMany({ where: { id: { in: records.map((r) => r.accountId!) } }, select: { id: true, scoredAt: true } });
    const { job } = await enqueueAccountRefresh(env.db, { organizationId: other.id, accountIds: records.map((r) => r.accountId!), identity: true, sourceRecordIds: records.map((r) => r.id) });
    for (let i = 0; ; i++) {
      const row = await env.db.job.findUniqueOrThrow({ where: { id: job.id } });
      if (row.status === "succeeded" || row.status === "failed") break;
      if (i > 300) throw new Error(`job still ${row.status}`);
      await sleep(50);
    }
    const after = await env.db.account.findMany({ where: { id: { in: before.map((a) => a.id) } }, select: { id: true, scoredAt: true } });
    expect(after).toEqual(before);
  });
});
