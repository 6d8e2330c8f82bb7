/**
 * Issue 12, done-when: a RavenStack sync whose events and webhooks are rendered in an older API version
 * (2024-06-20, before 2025-03-31.basil) stores exactly the same subscriptions, items, invoices, charges and
 * MRR as one at the pinned version. Runs on SQLite, and on PostgreSQL with CHURNWATCH_TEST_DB=postgres.
 *
 * Stripe renders an event's `data.object` in the account's default API version when the event is created
 * (or in the webhook endpoint's version), not in the version the SDK pins (docs.stripe.com/webhooks). The
 * sandbox does the same (portfolio `stripe.api_version`), so each scenario runs once per account version:
 *   A. events only: the 30 days of RavenStack events applied by an incremental sync to an empty database
 *      (every subscription event must map: before the fix 268 of 269 were skipped as malformed);
 *   B. a full sync on top (lists come in the pinned version: same rows);
 *   C. changes after the full sync (a discount added, a cancellation requested, an invoice paid, a failed
 *      charge, a new subscription, a cancellation) delivered as signed webhooks AND read by an incremental
 *      sync (at the pinned version the discount arrives as an id — events are never expanded — and is read once
 *      from Stripe); then an event whose discount ids cannot be resolved must not drop the stored discount.
 * Kept fast: the RavenStack customers with recent events, first 30 by id; HubSpot left empty; limits off;
 * the sandbox clock stopped (both runs see the same timestamps).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPortfolio, type Portfolio } from "@/sandbox/portfolio/index";
import { LEGACY_API_VERSION, PINNED_API_VERSION } from "@/sandbox/stripe/versions";
import { setDb, type Db } from "@/lib/db";
import { claimNextJob } from "@/lib/jobs/queue";
import { executeJob } from "@/lib/jobs/run-job";
import { saveCheckpoint } from "@/lib/sync/checkpoints";
import { POST } from "@/app/api/webhooks/stripe/route";
import { connectKey, setupStripe, sync, type StripeTestEnv } from "./stripe-fixtures";

const CUSTOMERS = 30;
let base: Portfolio;

/** RavenStack reduced to CUSTOMERS customers that have recent events, and everything of theirs. */
function subset(p: Portfolio, apiVersion: string | undefined): Portfolio {
  const st = p.stripe;
  const custOf = (o: unknown) => (o as { customer?: unknown }).customer;
  const withEvents = new Set((st.events ?? []).map((e) => custOf(e.data.object)).filter((c): c is string => typeof c === "string"));
  const keep = new Set([...withEvents].sort().slice(0, CUSTOMERS));
  const mine = <T,>(list: T[]) => list.filter((r) => keep.has(custOf(r) as string));
  return {
    ...p,
    hubspot: { ...p.hubspot, owners: [], companies: [], contacts: [], deals: [], calls: [], meetings: [], notes: [], tickets: [] },
    groundTruth: undefined,
    stripe: {
      ...st,
      ...(apiVersion ? { api_version: apiVersion } : {}),
      customers: st.customers.filter((c) => keep.has(c.id)),
      subscriptions: mine(st.subscriptions),
      invoices: mine(st.invoices),
      charges: mine(st.charges),
      payment_methods: mine(st.payment_methods ?? []),
      events: (st.events ?? []).filter((e) => keep.has(custOf(e.data.object) as string)),
    },
  } as Portfolio;
}

/** What the connector stored, without row ids and bookkeeping timestamps. */
async function snapshot(db: Db, connectionId: string) {
  const subs = await db.subscription.findMany({ where: { connectionId }, include: { items: { orderBy: { externalId: "asc" } } }, orderBy: { externalId: "asc" } });
  const invoices = await db.invoice.findMany({ where: { connectionId }, orderBy: { externalId: "asc" } });
  const charges = await db.charge.findMany({ where: { connectionId }, orderBy: { externalId: "asc" } });
  const customers = await db.sourceRecord.findMany({ where: { connectionId, objectType: "customer" }, orderBy: { externalId: "asc" } });
  const t = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    subscriptions: subs.map((s) => ({
      id: s.externalId, customer: s.customerExternalId, status: s.status, currency: s.currency, mrrCents: s.mrrCents,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd, cancelAt: t(s.cancelAt), canceledAt: t(s.canceledAt), endedAt: t(s.endedAt),
      startDate: t(s.startDate), trialStart: t(s.trialStart), trialEnd: t(s.trialEnd),
      currentPeriodStart: t(s.currentPeriodStart), currentPeriodEnd: t(s.currentPeriodEnd), collectionMethod: s.collectionMethod,
      defaultPaymentMethodType: s.defaultPaymentMethodType, discounts: s.discounts, metadata: s.metadata, created: t(s.sourceCreatedAt),
      items: s.items.map((i) => ({
        id: i.externalId, priceId: i.priceId, productId: i.productId, productName: i.productName, unitAmountCents: i.unitAmountCents,
        currency: i.currency, quantity: i.quantity, interval: i.interval, intervalCount: i.intervalCount, usageType: i.usageType,
        currentPeriodStart: t(i.currentPeriodStart), currentPeriodEnd: t(i.currentPeriodEnd),
      })),
    })),
    invoices: invoices.map((i) => ({
      id: i.externalId, customer: i.customerExternalId, subscription: i.subscriptionExternalId, status: i.status, currency: i.currency,
      due: i.amountDueCents, paid: i.amountPaidCents, remaining: i.amountRemainingCents, attempts: i.attemptCount, dueDate: t(i.dueDate),
      paidAt: t(i.paidAt), collectionMethod: i.collectionMethod, billingReason: i.billingReason, periodStart: t(i.periodStart), periodEnd: t(i.periodEnd),
    })),
    charges: charges.map((c) => ({
      id: c.externalId, customer: c.customerExternalId, invoice: c.invoiceExternalId, status: c.status, amount: c.amountCents,
      refunded: c.amountRefundedCents, currency: c.currency, failureCode: c.failureCode, failureMessage: c.failureMessage, pm: c.paymentMethodType,
    })),
    customers: customers.map((c) => ({ id: c.externalId, name: c.name, email: c.email, domain: c.domain, archived: c.archivedAt !== null })),
    mrrCents: subs.reduce((n, s) => n + (s.mrrCents ?? 0), 0),
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** Receives the sandbox's webhook deliveries and hands them to POST /api/webhooks/stripe in-process. */
async function webhookRelay() {
  const statuses: number[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const headers = new Headers({ "content-type": "application/json", "stripe-signature": String(req.headers["stripe-signature"] ?? "") });
      void POST(new NextRequest("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers, body })).then(
        (r) => {
          statuses.push(r.status);
          res.writeHead(r.status).end();
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/stripe`,
    statuses,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function drainJobs(db: Db) {
  for (let job = await claimNextJob(db, "test"); job; job = await claimNextJob(db, "test")) await executeJob(db, job);
}

type Run = { a: Snapshot; b: Snapshot; c: Snapshot; subscriptionSkipsA: number; subscriptionEventsA: number; eventVersions: Set<string>; webhookVersions: Set<string>; keptDiscount: { discounts: unknown; mrrCents: number | null; before: number | null } };

/** The whole scenario against a sandbox whose account default API version is `apiVersion`. */
async function scenario(apiVersion: string | undefined): Promise<Run> {
  const env: StripeTestEnv = await setupStripe({ portfolio: subset(base, apiVersion), clock: { speed: 0 } });
  setDb(env.db);
  const relay = await webhookRelay();
  try {
    const u = new URL(env.sb.stripeUrl);
    const api = new Stripe(env.info.secretKey, { host: u.hostname, port: u.port, protocol: "http" });
    const connectionId = await connectKey(env, env.info.secretKey, env.info.webhook.secret);

    // A. events only.
    const eventVersions = new Set<string>();
    let subscriptionEventsA = 0;
    for await (const e of api.events.list({ limit: 100 })) {
      eventVersions.add(e.api_version ?? "null");
      if (e.type.startsWith("customer.subscription.")) subscriptionEventsA++;
    }
    await saveCheckpoint(env.db, connectionId, "events", { created: null, id: null });
    await env.db.connection.update({ where: { id: connectionId }, data: { lastFullSyncAt: new Date() } });
    const incA = await sync(env, connectionId);
    expect(incA.mode).toBe("incremental");
    const a = await snapshot(env.db, connectionId);

    // B. full sync on top.
    expect((await sync(env, connectionId, { full: true })).mode).toBe("full");
    const b = await snapshot(env.db, connectionId);

    // C. changes, as webhooks and through the events list.
    env.sb.control.setWebhook("stripe", { url: relay.url });
    const subs = await env.db.subscription.findMany({ where: { connectionId, status: "active" }, orderBy: { externalId: "asc" }, include: { items: true } });
    const [s1, s2, s3] = [subs[0]!, subs[1]!, subs[2]!];
    const discount = {
      id: "di_issue12test01", object: "discount", checkout_session: null, customer: s1.customerExternalId, end: null, invoice: null, invoice_item: null,
      promotion_code: null, start: 1_700_000_000, subscription: s1.externalId, subscription_item: null,
      source: { type: "coupon", coupon: { id: "co_issue12", object: "coupon", percent_off: 25, amount_off: null, currency: null, duration: "forever", name: "Loyal" } },
    };
    const tick = () => env.sb.clock.advance(1_000);
    tick();
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: "update", id: s1.externalId, data: { discounts: [discount] } });
    tick();
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: "update", id: s1.externalId, data: { metadata: { renewal_call: "booked" } } });
    tick();
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: "update", id: s2.externalId, data: { cancel_at_period_end: true } });
    tick();
    await env.sb.control.mutate("stripe", { type: "subscriptions", op: "delete", id: s3.externalId });
    const open = await env.db.invoice.findFirst({ where: { connectionId, status: "open" }, orderBy: { externalId: "asc" } });
    if (open) {
      tick();
      await env.sb.control.mutate("stripe", { type: "invoices", op: "update", id: open.externalId, data: { status: "paid", amount_paid: open.amountDueCents, attempt_count: 2 } });
    }
    tick();
    await env.sb.control.mutate("stripe", {
      type: "charges", op: "create",
      data: { amount: 4_900, currency: "usd", status: "failed", customer: s1.customerExternalId, failure_code: "card_declined", failure_message: "Your card was declined." },
    });
    tick();
    const item = s1.items[0]!;
    const now = Math.floor(env.sb.clock.now() / 1000);
    await env.sb.control.mutate("stripe", {
      type: "subscriptions", op: "create",
      data: { customer: s1.customerExternalId, status: "active", currency: "usd", items: { data: [{ price: item.priceId, quantity: 3, current_period_start: now, current_period_end: now + 30 * 86_400 }] } },
    });
    for (let i = 0; i < 300 && Number(env.sb.control.stats().stripe.webhooksPending) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(env.sb.control.stats().stripe.webhooksPending).toBe(0);
    expect(relay.statuses.length).toBeGreaterThanOrEqual(8);
    expect(relay.statuses.every((s) => s === 200)).toBe(true);
    await drainJobs(env.db);
    const rows = await env.db.webhookEvent.findMany({ where: { connectionId } });
    const webhookVersions = new Set(rows.map((r) => String((r.payload as { api_version?: unknown }).api_version)));
    expect(rows.filter((r) => r.status === "failed")).toEqual([]);
    expect((await sync(env, connectionId)).mode).toBe("incremental");
    const c = await snapshot(env.db, connectionId);

    // A pinned-version event for s1 whose discount id Stripe no longer knows (removed since): unresolvable → keep stored.
    const before = (await env.db.subscription.findUniqueOrThrow({ where: { connectionId_externalId: { connectionId, externalId: s1.externalId } } })).mrrCents;
    const current = await api.subscriptions.retrieve(s1.externalId, { expand: ["items.data.price"] });
    tick();
    const idOnly = {
      id: "evt_issue12idsonly", object: "event", api_version: PINNED_API_VERSION, created: Math.floor(env.sb.clock.now() / 1000) + 60,
      type: "customer.subscription.updated", livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
      data: { object: { ...current, discounts: ["di_issue12gone"], metadata: { renewal_call: "done" } } },
    };
    const payload = JSON.stringify(idOnly);
    const res = await POST(new NextRequest("http://localhost:3000/api/webhooks/stripe", {
      method: "POST", headers: { "content-type": "application/json", "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: env.info.webhook.secret }) }, body: payload,
    }));
    expect(res.status).toBe(200);
    await drainJobs(env.db);
    const after = await env.db.subscription.findUniqueOrThrow({ where: { connectionId_externalId: { connectionId, externalId: s1.externalId } } });
    expect(after.metadata).toEqual({ renewal_call: "done" });
    return {
      a, b, c, eventVersions, webhookVersions,
      subscriptionSkipsA: incA.objects.subscriptions!.skipped,
      subscriptionEventsA,
      keptDiscount: { discounts: after.discounts, mrrCents: after.mrrCents, before },
    };
  } finally {
    await relay.close();
    await env.close();
  }
}

let pinned: Run;
let legacy: Run;

beforeAll(async () => {
  base = await loadPortfolio("ravenstack");
  pinned = await scenario(undefined);
  legacy = await scenario(LEGACY_API_VERSION);
}, 600_000);


describe("RavenStack with events and webhooks in the pinned vs the pre-basil API version", () => {
  it("really renders the legacy run's events and webhooks in 2024-06-20, the other in the pinned version", () => {
    expect([...pinned.eventVersions]).toEqual([PINNED_API_VERSION]);
    expect([...legacy.eventVersions]).toEqual([LEGACY_API_VERSION]);
    expect([...legacy.webhookVersions]).toEqual([LEGACY_API_VERSION]);
    expect(pinned.webhookVersions.has(PINNED_API_VERSION)).toBe(true);
  });

  it("maps every subscription event (none skipped as malformed) in both versions", () => {
    for (const run of [pinned, legacy]) {
      expect(run.subscriptionEventsA).toBeGreaterThan(50);
      expect(run.subscriptionSkipsA).toBe(0);
      const live = run.a.subscriptions.filter((s) => s.status === "active");
      expect(live.length).toBeGreaterThan(5);
      expect(live.every((s) => s.currentPeriodEnd !== null && s.items.every((i) => i.currentPeriodEnd !== null && i.unitAmountCents !== null))).toBe(true);
    }
  });

  it("stores the same subscriptions, items, invoices, charges and MRR from events alone", () => {
    expect(legacy.a).toEqual(pinned.a);
    expect(pinned.a.mrrCents).toBeGreaterThan(0);
  });

  it("stores the same after the full sync and after webhooks + incremental sync of later changes", () => {
    expect(legacy.b).toEqual(pinned.b);
    expect(legacy.c).toEqual(pinned.c);
    const s = pinned.c.subscriptions.find((x) => (x.discounts as { coupon: string }[]).some((d) => d.coupon === "co_issue12"));
    expect(s).toBeDefined();
    expect(pinned.c.charges.some((ch) => ch.failureCode === "card_declined" && ch.amount === 4_900)).toBe(true);
    expect(pinned.c.subscriptions.length).toBe(pinned.b.subscriptions.length + 1);
  });

  it("an event whose discount ids cannot be resolved keeps the stored discount and its MRR", () => {
    for (const run of [pinned, legacy]) {
      expect(run.keptDiscount.discounts).toEqual([{ coupon: "co_issue12", percentOff: 25, amountOffCents: null, currency: null, duration: "forever" }]);
      expect(run.keptDiscount.mrrCents).toBe(run.keptDiscount.before);
    }
  });
});
