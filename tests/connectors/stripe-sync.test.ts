/**
 * Stripe sync against the sandbox over HTTP: full sync, re-run idempotency, incremental via events
 * (updates AND creations), 30-day cursor → full reconciliation, anonymous charges skipped, MRR stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectKey, counts, sandboxCounts, setupStripe, sync, type StripeTestEnv } from "./stripe-fixtures";

let env: StripeTestEnv;
let connectionId: string;

beforeAll(async () => {
  env = await setupStripe();
  connectionId = await connectKey(env);
});
afterAll(async () => env?.close());

describe("full sync", () => {
  it("lands every customer, subscription (all statuses), item, invoice and 395-day charge exactly once", async () => {
    const expected = await sandboxCounts(env);
    expect(expected.customers).toBeGreaterThan(100);
    const summary = await sync(env, connectionId);
    expect(summary.mode).toBe("full");
    const got = await counts(env.db, connectionId);
    expect(got).toEqual({ customers: expected.customers, subscriptions: expected.subscriptions, items: expected.items, invoices: expected.invoices, charges: expected.charges });
    expect(summary.objects.customers).toMatchObject({ processed: expected.customers, status: "succeeded" });
    const runs = await env.db.syncRun.findMany({ where: { connectionId, mode: "full" } });
    expect(runs.map((r) => r.objectType).sort()).toEqual(["charges", "customers", "invoices", "subscriptions"]);
    expect(runs.every((r) => r.requestCount > 0 && r.status === "succeeded")).toBe(true);
    // Checkpoints of the full phase are gone; the event cursor exists.
    const cps = await env.db.syncCheckpoint.findMany({ where: { connectionId } });
    expect(cps.map((c) => c.stream)).toEqual(["events"]);
  });

  it("stores MRR and item details from the expanded price/product", async () => {
    const sub = await env.db.subscription.findFirstOrThrow({ where: { connectionId, status: "active" }, include: { items: true } });
    const item = sub.items[0]!;
    expect(item.productName).toBeTruthy();
    expect(item.unitAmountCents).toBeGreaterThan(0);
    expect(item.currentPeriodEnd).toBeInstanceOf(Date);
    const perMonth = item.interval === "year" ? (item.unitAmountCents! * item.quantity) / (12 * item.intervalCount) : (item.unitAmountCents! * item.quantity) / item.intervalCount;
    if (sub.items.length === 1 && item.interval !== "week" && !(sub.discounts as unknown[]).length) expect(sub.mrrCents).toBe(Math.round(perMonth));
    const canceled = await env.db.subscription.findFirst({ where: { connectionId, status: "canceled" } });
    if (canceled) expect(canceled.mrrCents).toBe(0);
  });

  it("a second full sync duplicates nothing", async () => {
    const before = await counts(env.db, connectionId);
    const summary = await sync(env, connectionId, { full: true });
    expect(summary.mode).toBe("full");
    expect(await counts(env.db, connectionId)).toEqual(before);
  });
});

describe("incremental sync via /v1/events", () => {
  it("picks up updates and creations made after the full sync, with few requests", async () => {
    const before = await counts(env.db, connectionId);
    const cust = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer" } });
    await env.sb.control.mutate("stripe", { type: "customers", op: "update", id: cust.externalId, data: { name: "Renamed Corp", metadata: { hubspot_company_id: "42" } } });
    const created = (await env.sb.control.mutate("stripe", { type: "customers", op: "create", data: { name: "Brand New GmbH", email: "ops@brandnew.example" } })) as { id: string };
    const sub = await env.db.subscription.findFirstOrThrow({ where: { connectionId, status: "active" }, include: { items: true } });
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: "update", id: sub.externalId, data: { cancel_at_period_end: true } });
    const ch = (await env.sb.control.mutate("stripe", {
      type: "charges", op: "create",
      data: { amount: 4900, currency: "usd", status: "failed", customer: created.id, failure_code: "card_declined", failure_message: "Your card was declined." },
    })) as { id: string };

    const summary = await sync(env, connectionId);
    expect(summary.mode).toBe("incremental");
    expect(summary.requestCount).toBeLessThanOrEqual(3);
    const renamed = await env.db.sourceRecord.findUniqueOrThrow({ where: { id: cust.id } });
    expect(renamed.name).toBe("Renamed Corp");
    expect((renamed.properties as { metadata: Record<string, string> }).metadata.hubspot_company_id).toBe("42");
    const fresh = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, externalId: created.id } });
    expect(fresh.email).toBe("ops@brandnew.example");
    expect(fresh.domain).toBe("brandnew.example");
    const sub2 = await env.db.subscription.findUniqueOrThrow({ where: { id: sub.id }, include: { items: true } });
    expect(sub2.cancelAtPeriodEnd).toBe(true);
    expect(sub2.items[0]!.productName).toBe(sub.items[0]!.productName);
    const charge = await env.db.charge.findFirstOrThrow({ where: { connectionId, externalId: ch.id } });
    expect(charge).toMatchObject({ status: "failed", failureCode: "card_declined", amountCents: 4900 });
    expect(await counts(env.db, connectionId)).toEqual({ ...before, customers: before.customers + 1, charges: before.charges + 1 });
  });

  it("an incremental run with nothing new changes nothing", async () => {
    const before = await counts(env.db, connectionId);
    const summary = await sync(env, connectionId);
    expect(summary.mode).toBe("incremental");
    expect(summary.requestCount).toBe(1);
    expect(await counts(env.db, connectionId)).toEqual(before);
  });

  it("skips anonymous charges with reason 'no customer' and counts them", async () => {
    await env.sb.control.mutate("stripe", { type: "charges", op: "create", data: { amount: 100, currency: "usd", status: "succeeded", customer: null } });
    const summary = await sync(env, connectionId, { full: true });
    expect(summary.objects.charges!.skipped).toBe(1);
    const run = await env.db.syncRun.findFirstOrThrow({ where: { connectionId, objectType: "charges", mode: "full" }, orderBy: { startedAt: "desc" } });
    expect(run.status).toBe("partial");
    expect(run.skipReasons).toEqual([expect.objectContaining({ reason: "no customer" })]);
  });

  it("falls back to a full reconciliation when the cursor is older than the 30-day event retention", async () => {
    const cust = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer", archivedAt: null }, orderBy: { externalId: "desc" } });
    await env.sb.control.mutate("stripe", { type: "customers", op: "update", id: cust.externalId, data: { name: "Before The Gap" } });
    expect((await sync(env, connectionId)).mode).toBe("incremental");
    env.sb.clock.advance(31 * 86_400_000);
    await env.sb.control.mutate("stripe", { type: "customers", op: "update", id: cust.externalId, data: { name: "After The Gap" } });
    const summary = await sync(env, connectionId);
    expect(summary.mode).toBe("full");
    const row = await env.db.sourceRecord.findUniqueOrThrow({ where: { id: cust.id } });
    expect(row.name).toBe("After The Gap");
    expect((await sync(env, connectionId)).mode).toBe("incremental");
  });

  it("runs the periodic full reconciliation when the last full sync is older than fullReconcileDays", async () => {
    await env.db.connection.update({ where: { id: connectionId }, data: { lastFullSyncAt: new Date(Date.now() - 8 * 86_400_000) } });
    expect((await sync(env, connectionId)).mode).toBe("full");
    expect((await sync(env, connectionId)).mode).toBe("incremental");
  });

  it("archives customers deleted in Stripe (data kept)", async () => {
    const cust = await env.db.sourceRecord.findFirstOrThrow({ where: { connectionId, objectType: "customer", archivedAt: null } });
    await env.sb.control.mutate("stripe", { type: "customers", op: "delete", id: cust.externalId });
    await sync(env, connectionId);
    const row = await env.db.sourceRecord.findUniqueOrThrow({ where: { id: cust.id } });
    expect(row.archivedAt).toBeInstanceOf(Date);
    expect(row.name).toBe(cust.name);
  });
});
