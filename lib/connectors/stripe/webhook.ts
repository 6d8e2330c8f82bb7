/**
 * Stripe webhooks (https://docs.stripe.com/webhooks): receive fast, apply in a job.
 *
 * `receiveStripeWebhook(db, {rawBody, signature, connectionId?})` — used by `POST /api/webhooks/stripe`:
 * 1. Verifies `Stripe-Signature` with `stripe.webhooks.constructEvent(rawBody, header, whsec)` (HMAC-SHA256,
 *    300 s tolerance) against the signing secret of the candidate connections: the one named by
 *    `?connection=<id>` when given; else, for Connect events (`event.account`), the Stripe connections
 *    whose account id matches; else every active Stripe connection with a stored secret (a few per
 *    installation; each check is one HMAC). Missing/invalid signature → AppError bad_request (400),
 *    nothing stored.
 * 2. Stores the event in WebhookEvent (unique provider + event id: a repeat delivery is a no-op answered
 *    2xx with `duplicate: true`), and enqueues `stripe-webhook-job` for the types we handle (others are
 *    stored with status "ignored"). No Stripe API call on this path, so it answers well under 200 ms.
 *
 * API versions: a delivery's `data.object` is in the webhook endpoint's `api_version` (else the account default
 * when the event was created), which may predate the pinned version (e.g. 2024-06-20). It goes through the same
 * `applyEvents` → map.ts mappers as the events list, which read both shapes and never write null for a field the
 * event's version does not carry (docs/stripe.md "Versions and vendor rules").
 *
 * `stripe-webhook-job` ({webhookEventId}) applies data.object with version = event.created (an older
 * event never overwrites newer state, so duplicates and out-of-order deliveries converge), marks the
 * row processed, then enqueues `refresh-accounts-job` {organizationId, accountIds, identity, sourceRecordIds} (if
 * registered): that job resolves the organization's identities once for every event of its short coalescing window
 * and re-scores the affected accounts (issue 15). Without that job, or for subscription events, identity resolution
 * runs here as before.
 */
import Stripe from "stripe";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { defineJob } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import { webhookSecretOf, clientForConnection, stripeSettings } from "./connection";
import { eventObjectType, RELEVANT_EVENT_TYPES, ZEvent, type StripeEventLike } from "./map";
import { applyEvents, resolveDiscountIds, SUBSCRIPTION_EXPAND } from "./sync";
import { enqueueAccountRefresh, REFRESH_ACCOUNTS_JOB } from "@/lib/pipeline/enqueue-account-refresh";
import { REVENUE_BUILD_JOB, requestRevenueBuild } from "@/lib/revenue/build-movements";

export const STRIPE_WEBHOOK_JOB = "stripe-webhook-job";

const HANDLED = new Set<string>(RELEVANT_EVENT_TYPES);

export type ReceiveResult = { received: true; eventId: string; duplicate: boolean; status: "received" | "ignored" };

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

/**
 * Verify, store and enqueue one webhook delivery. See the module doc.
 * @throws AppError bad_request for a missing/invalid signature or a body that is not a Stripe event.
 */
export async function receiveStripeWebhook(
  db: Db,
  input: { rawBody: string; signature: string | null; connectionId?: string },
): Promise<ReceiveResult> {
  if (!input.signature) throw new AppError("bad_request", "missing Stripe-Signature header: only Stripe's signed webhook deliveries are accepted");
  // Parsed ONCE: the signature is checked on the raw bytes below (verifyHeader), not by constructEvent, which
  // would JSON.parse the body again for every candidate secret (issue 15: CPU per delivery).
  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch {
    throw new AppError("bad_request", "webhook body is not JSON");
  }
  const hint = (typeof body === "object" && body !== null ? body : {}) as { account?: unknown };
  const account = typeof hint.account === "string" ? hint.account : null;
  const candidates = await db.connection.findMany({
    where: {
      provider: "stripe",
      webhookSecretEnc: { not: null },
      status: { not: "disconnected" },
      ...(input.connectionId ? { id: input.connectionId } : account ? { externalAccountId: account } : {}),
    },
    select: { id: true, organizationId: true, externalAccountId: true, webhookSecretEnc: true },
    orderBy: { createdAt: "asc" },
  });
  // Every connection whose signing secret verifies the delivery receives it (two organizations that entered
  // the same endpoint's secret for the same Stripe account each get the event); a connection whose secret
  // does not verify never does, whatever the body says.
  let event: StripeEventLike | null = null;
  const verified: (typeof candidates)[number][] = [];
  // `Stripe.webhooks.signature.verifyHeader(rawBody, header, secret)` is the SDK's check alone (HMAC-SHA256 of
  // `${t}.${rawBody}`, the 300 s tolerance by default) — what constructEvent runs before its JSON.parse; the SDK's
  // types document it as "useful for quickly validating incoming webhooks before storing them"
  // (node_modules/stripe/cjs/Webhooks.d.ts, https://docs.stripe.com/webhooks#verify-official-libraries).
  const signature = Stripe.webhooks.signature!;
  for (const conn of candidates) {
    const secret = webhookSecretOf(conn);
    if (!secret) continue;
    try {
      signature.verifyHeader(input.rawBody, input.signature, secret);
    } catch {
      continue; // signature mismatch for this connection's secret: try the next one
    }
    if (!event) {
      const parsed = ZEvent.safeParse(body);
      if (!parsed.success) throw new AppError("bad_request", "signed webhook body is not a Stripe event");
      event = parsed.data;
    }
    verified.push(conn);
  }
  if (!event || !verified.length) {
    throw new AppError("bad_request", "Stripe-Signature verification failed: the signature does not match any configured webhook signing secret (or the timestamp is older than 5 minutes). Check the whsec_… secret in Settings → Integrations → Stripe → Webhook secret.");
  }
  // A Connect event names the connected account it is about (`event.account`,
  // https://docs.stripe.com/connect/webhooks): it belongs only to the connections of that account.
  const eventAccount = event.account ?? account;
  const owners = eventAccount ? verified.filter((c) => c.externalAccountId === eventAccount) : verified;
  if (!owners.length) {
    throw new AppError("bad_request", `the signed event is about Stripe account ${eventAccount}, which the connection whose secret signed it does not hold: nothing stored`);
  }
  const status = HANDLED.has(event.type) ? "received" : "ignored";
  let stored = 0;
  for (const conn of owners) {
    let row: { id: string };
    try {
      row = await db.webhookEvent.create({
        data: {
          organizationId: conn.organizationId, connectionId: conn.id, provider: "stripe", eventId: event.id, type: event.type,
          occurredAt: new Date(event.created * 1000), status, payload: event as object,
        },
        select: { id: true },
      });
    } catch (err) {
      if (isUniqueViolation(err)) continue;
      throw err;
    }
    stored++;
    if (status === "received") {
      await enqueueJob(db, STRIPE_WEBHOOK_JOB, { webhookEventId: row.id }, { organizationId: conn.organizationId });
    }
  }
  return { received: true, eventId: event.id, duplicate: stored === 0, status };
}

/**
 * Apply one stored webhook event. Returns what was done. Idempotent: a processed row is skipped.
 * @throws Error when the database write fails (the row is marked failed first).
 */
export async function processStripeWebhookEvent(db: Db, webhookEventId: string): Promise<{ applied: boolean; stale: boolean; accountIds: string[]; refreshJobId: string | null }> {
  const row = await db.webhookEvent.findUniqueOrThrow({ where: { id: webhookEventId } });
  if (row.status === "processed" || !row.connectionId || !row.organizationId) return { applied: false, stale: false, accountIds: [], refreshJobId: null };
  const conn = await db.connection.findUniqueOrThrow({ where: { id: row.connectionId } });
  const skipped: string[] = [];
  // Two changes of one object within the same second cannot be ordered by `created` (second resolution), and
  // webhook deliveries come in any order: on such a tie the object is read from Stripe as it is now.
  const parsed = ZEvent.parse(row.payload);
  // A customer event's stored record, read once: its version for the tie check below and, when the event is
  // about it alone, its id/account afterwards (applying never writes SourceRecord.accountId, write.ts), which
  // saves a second read per event (issue 15: every Prisma statement costs ~1-2 ms of worker CPU).
  const customerRecord = eventObjectType(parsed.type) === "customer" && parsed.data.object.id
    ? await db.sourceRecord.findFirst({ where: { connectionId: conn.id, objectType: "customer", externalId: parsed.data.object.id }, select: { id: true, accountId: true, sourceUpdatedAt: true } })
    : undefined;
  const event = await rereadOnSameSecondTie(db, conn, parsed, customerRecord);
  const productNames = await productNamesFor(db, conn.id, event, conn);
  // Discount ids (events are never expanded) → discount objects, read once from Stripe (best effort).
  if (conn.credentialsEnc && eventObjectType(event.type) === "subscription") await resolveDiscountIds(clientForConnection(conn).stripe, [event]);
  try {
    const result = await db.$transaction(async (tx) => {
      const r = await applyEvents(
        tx,
        { organizationId: conn.organizationId, connectionId: conn.id, mrr: { applyNonForeverDiscounts: stripeSettings(conn.settings).applyNonForeverDiscounts } },
        [event], productNames, (_s, id, reason) => skipped.push(`${id ?? "?"}: ${reason}`),
      );
      await tx.webhookEvent.update({
        where: { id: row.id },
        data: { status: "processed", processedAt: new Date(), error: skipped.length ? skipped.join("; ") : null },
      });
      return r;
    });
    const stale = Object.values(result.counts).some((c) => c.stale > 0);
    const isSubscription = eventObjectType(event.type) === "subscription";
    const touched = [...result.customerIds];
    const records = customerRecord && touched.length === 1 && touched[0] === parsed.data.object.id
      ? [{ id: customerRecord.id, accountId: customerRecord.accountId }]
      : await db.sourceRecord.findMany({
        where: { connectionId: conn.id, objectType: "customer", externalId: { in: touched } },
        select: { id: true, accountId: true },
      });
    // Identity resolution covers the whole organization: at 50 events/s it was ~70 % of this job's CPU (issue 15,
    // docs/deploy.md). It runs once per coalesced refresh-accounts-job instead (for every event of its window),
    // which then re-scores the accounts of these customers as linked after it. Inline as before when there is no
    // such job, and for subscription events (the revenue build below reads their links).
    const deferIdentity = records.length > 0 && !isSubscription && registeredJobNames().includes(REFRESH_ACCOUNTS_JOB);
    if (!deferIdentity) await resolveIdentities(db, { organizationId: conn.organizationId, connectionId: conn.id });
    // A subscription changed: the MRR movements are brought up to date in the background (issue 17).
    if (isSubscription && !stale && registeredJobNames().includes(REVENUE_BUILD_JOB)) await requestRevenueBuild(db, conn.organizationId);
    const links = deferIdentity ? records : await db.sourceRecord.findMany({ where: { id: { in: records.map((r) => r.id) } }, select: { id: true, accountId: true } });
    const accountIds = [...new Set(links.filter((l) => l.accountId).map((l) => l.accountId!))];
    let refreshJobId: string | null = null;
    if ((accountIds.length || deferIdentity) && registeredJobNames().includes(REFRESH_ACCOUNTS_JOB)) {
      // One re-score per organization for a burst of webhooks (joined while it waits its short window).
      const { job } = await enqueueAccountRefresh(db, {
        organizationId: conn.organizationId, accountIds,
        ...(deferIdentity ? { identity: true, sourceRecordIds: records.map((r) => r.id) } : {}),
      });
      refreshJobId = job.id;
    }
    return { applied: !stale && !skipped.length, stale, accountIds, refreshJobId };
  } catch (err) {
    await db.webhookEvent.update({ where: { id: row.id }, data: { status: "failed", error: err instanceof Error ? err.message : String(err) } });
    throw err;
  }
}

/**
 * The event to apply, with its object re-read from Stripe when the stored copy has the same version second as
 * the event (`created` ties: two updates of one object in one second). Stripe's event `created` has one-second
 * resolution and webhook deliveries are not ordered (https://docs.stripe.com/webhooks#event-ordering), so the
 * event that arrives second may hold the older state; the object as it is now (`GET /v1/{objects}/{id}` at the
 * pinned version, which the mapper reads) is newer than or equal to both. It is applied with the event's
 * `created` as its version, so a later-second event still wins. Deletions, a read error or a connection
 * without credentials keep the event's own object.
 */
async function rereadOnSameSecondTie(
  db: Db, conn: Parameters<typeof clientForConnection>[0] & { id: string }, event: StripeEventLike,
  customerRecord?: { sourceUpdatedAt: Date | null } | null, // a customer event's stored record, already read (null: none stored)
): Promise<StripeEventLike> {
  const kind = eventObjectType(event.type);
  const id = event.data.object.id;
  if (!kind || !id || !conn.credentialsEnc || event.type === "customer.deleted" || (event.data.object as { deleted?: unknown }).deleted) return event;
  const at = event.created * 1000;
  const where = { connectionId: conn.id, externalId: id };
  const stored: Date | null | undefined =
    kind === "customer" ? (customerRecord !== undefined ? customerRecord : await db.sourceRecord.findFirst({ where: { ...where, objectType: "customer" }, select: { sourceUpdatedAt: true } }))?.sourceUpdatedAt
    : kind === "subscription" ? (await db.subscription.findFirst({ where, select: { sourceVersionAt: true } }))?.sourceVersionAt
    : kind === "invoice" ? (await db.invoice.findFirst({ where, select: { sourceVersionAt: true } }))?.sourceVersionAt
    : (await db.charge.findFirst({ where, select: { sourceVersionAt: true } }))?.sourceVersionAt;
  if (!stored || stored.getTime() !== at) return event;
  try {
    const { stripe } = clientForConnection(conn);
    const fresh: unknown =
      kind === "customer" ? await stripe.customers.retrieve(id)
      : kind === "subscription" ? await stripe.subscriptions.retrieve(id, { expand: SUBSCRIPTION_EXPAND.map((p) => p.replace(/^data\./, "")) }) // the full sync's expansions, for one object
      : kind === "invoice" ? await stripe.invoices.retrieve(id)
      : await stripe.charges.retrieve(id);
    const obj = fresh as { id?: string; object?: string; deleted?: unknown };
    if (!obj?.object || obj.deleted) return event;
    return { ...event, data: { ...event.data, object: obj as StripeEventLike["data"]["object"] } };
  } catch {
    return event; // best effort: the event's own object, as before
  }
}

/** Product names for a subscription event: stored ones, plus a fetch of unknown products (best effort). */
async function productNamesFor(db: Db, connectionId: string, event: StripeEventLike, conn: Parameters<typeof clientForConnection>[0]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (eventObjectType(event.type) !== "subscription") return names;
  const items = (event.data.object as { items?: { data?: { price?: { product?: unknown } }[] } }).items?.data ?? [];
  const ids = [...new Set(items.map((i) => i.price?.product).filter((p): p is string => typeof p === "string"))];
  if (!ids.length) return names;
  const rows = await db.subscriptionItem.findMany({
    where: { subscription: { connectionId }, productId: { in: ids }, productName: { not: null } },
    select: { productId: true, productName: true },
    distinct: ["productId"],
  });
  for (const r of rows) names.set(r.productId!, r.productName!);
  const missing = ids.filter((id) => !names.has(id));
  if (missing.length && conn.credentialsEnc) {
    const { stripe } = clientForConnection(conn);
    for (const id of missing) {
      const p = await stripe.products.retrieve(id).catch(() => null);
      if (p?.name) names.set(id, p.name);
    }
  }
  return names;
}

export const stripeWebhookJob = defineJob({
  name: STRIPE_WEBHOOK_JOB,
  schema: z.object({ webhookEventId: z.string() }),
  maxAttempts: 3,
  handle: async (payload, ctx) => processStripeWebhookEvent(ctx.db, payload.webhookEventId),
});
