/**
 * Issue 15 (CPU per webhook event): the Stripe webhook job reads a customer event's stored record once and reuses
 * it to name the re-score (its SourceRecord id and account) instead of reading it again after applying. These
 * guard what a user sees either way: a known customer's change and a brand-new customer (no record before the
 * event, so nothing to reuse) both reach a re-score of the right account; on SQLite and PostgreSQL
 * (CHURNWATCH_TEST_DB=postgres). The receive path verifies the signature once per candidate secret on the raw
 * bytes (stripe-webhooks.test.ts and webhook-tenants.test.ts cover forged, tampered and multi-tenant deliveries).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { NextRequest } from "next/server";
import { setDb } from "@/lib/db";
import { claimNextJob } from "@/lib/jobs/queue";
import { executeJob } from "@/lib/jobs/run-job";
import { refreshOrganization } from "@/lib/pipeline/refresh-organization";
import { POST } from "@/app/api/webhooks/stripe/route";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "./stripe-fixtures";

let env: StripeTestEnv;
let connectionId: string;
let api: Stripe;

beforeAll(async () => {
  env = await setupStripe({ portfolio: { synthetic: { companies: 5, customers: 20, subscriptionsPerCustomer: 1, invoicesMonths: 1, seed: 7 } } });
  setDb(env.db);
  connectionId = await connectKey(env, env.info.secretKey, env.info.webhook.secret);
  await sync(env, connectionId, { full: true });
  await refreshOrganization(env.db, { organizationId: env.orgId });
  await env.db.job.deleteMany({});
  const u = new URL(env.sb.stripeUrl);
  api = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
}, 240_000);
afterAll(async () => env?.close());

async function deliver(payload: string) {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: env.info.webhook.secret });
  const res = await POST(new NextRequest("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload }));
  expect(res.status).toBe(200);
}

async function latestEvent(type: string, objectId: string): Promise<string> {
  const page = await api.events.list({ type, limit: 20 });
  const ev = page.data.find((e) => (e.data.object as { id?: string }).id === objectId);
  if (!ev) throw new Error(`no ${type} event for ${objectId}`);
  return JSON.stringify(ev);
}

/** Run the queued jobs (the webhook job, then the re-score after its 200 ms window), like a worker. */
async function drain() {
  for (let round = 0; round < 2; round++) {
    for (let job = await claimNextJob(env.db, "test"); job; job = await claimNextJob(env.db, "test")) await executeJob(env.db, job);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("Stripe webhook → the re-score names the event's customer", () => {
  it("a known customer's update re-scores its account", async () => {
    const rec = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer", accountId: { not: null } }, orderBy: { externalId: "asc" } });
    const before = await env.db.account.findUniqueOrThrow({ where: { id: rec.accountId! }, select: { scoredAt: true } });
    await env.sb.control.mutate("stripe", { type: "customers", op: "update", id: rec.externalId, data: { name: "Known Customer Renamed" } });
    await deliver(await latestEvent("customer.updated", rec.externalId));
    await drain();
    const refresh = await env.db.job.findFirstOrThrow({ where: { name: "refresh-accounts-job" }, orderBy: { createdAt: "desc" } });
    const p = refresh.payload as { accountIds: string[]; sourceRecordIds?: string[] };
    expect(p.sourceRecordIds).toContain(rec.id);
    expect(p.accountIds).toContain(rec.accountId);
    expect(refresh.status).toBe("succeeded");
    const after = await env.db.account.findUniqueOrThrow({ where: { id: rec.accountId! }, select: { scoredAt: true } });
    expect(after.scoredAt!.getTime()).toBeGreaterThan(before.scoredAt!.getTime());
    expect((await env.db.sourceRecord.findUniqueOrThrow({ where: { id: rec.id } })).name).toBe("Known Customer Renamed");
  });

  it("a brand-new customer's webhook creates its record, links an account and scores it", async () => {
    const created = (await env.sb.control.mutate("stripe", { type: "customers", op: "create", data: { name: "Brand New Co", email: "ops@brand-new-co.example" } })) as { id: string };
    await deliver(await latestEvent("customer.created", created.id));
    await drain();
    const rec = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer", externalId: created.id } });
    const refresh = await env.db.job.findFirstOrThrow({ where: { name: "refresh-accounts-job" }, orderBy: { createdAt: "desc" } });
    expect((refresh.payload as { sourceRecordIds?: string[] }).sourceRecordIds).toContain(rec.id);
    expect(rec.accountId).toBeTruthy();
    const acc = await env.db.account.findUniqueOrThrow({ where: { id: rec.accountId! }, select: { scoredAt: true, organizationId: true } });
    expect(acc.organizationId).toBe(env.orgId);
    expect(acc.scoredAt).toBeTruthy();
  });
});
