/**
 * Webhook events that were accepted but never applied get applied: `sweepWebhookEvents` finds WebhookEvent rows
 * still `received` some minutes after they arrived (their job failed every attempt — e.g. a database error — or
 * was lost) and queues their processing job again: HubSpot per connection (`hubspot-webhook-job`, ≤ 1,000
 * events a job), Stripe per event (`stripe-webhook-job`). Each is deduplicated per connection / event, so
 * several workers sweeping at once queue it once, and applying is idempotent (only `received` rows are applied).
 * Rows older than `maxAgeMs` are left alone (HubSpot and Stripe stop retrying after about 3 days; the next
 * incremental sync covers them). Runs from the job worker's maintenance timer (lib/jobs/worker.ts).
 */
import type { Db } from "@/lib/db";
import { enqueueJob } from "@/lib/jobs/queue";

/** A `received` event younger than this (ms) may still be waiting for its own job: not swept. */
export const SWEEP_AFTER_MS = 5 * 60_000;
/** Events older than this (ms) are not swept any more. */
export const SWEEP_MAX_AGE_MS = 3 * 24 * 60 * 60_000;
const BATCH = 1_000;

/** @returns how many events were queued again, per provider. */
export async function sweepWebhookEvents(db: Db, opts: { now?: number; afterMs?: number; maxAgeMs?: number } = {}): Promise<{ hubspot: number; stripe: number }> {
  const now = opts.now ?? Date.now();
  const rows = await db.webhookEvent.findMany({
    where: {
      status: "received",
      connectionId: { not: null },
      organizationId: { not: null },
      receivedAt: { lt: new Date(now - (opts.afterMs ?? SWEEP_AFTER_MS)), gt: new Date(now - (opts.maxAgeMs ?? SWEEP_MAX_AGE_MS)) },
    },
    select: { id: true, provider: true, connectionId: true, organizationId: true },
    orderBy: { receivedAt: "asc" },
    take: 10 * BATCH,
  });
  const out = { hubspot: 0, stripe: 0 };
  const hubspot = new Map<string, { organizationId: string; ids: string[] }>();
  for (const r of rows) {
    if (r.provider === "hubspot") {
      const g = hubspot.get(r.connectionId!) ?? { organizationId: r.organizationId!, ids: [] };
      g.ids.push(r.id);
      hubspot.set(r.connectionId!, g);
    } else {
      const { deduplicated } = await enqueueJob(db, "stripe-webhook-job", { webhookEventId: r.id }, { organizationId: r.organizationId!, dedupeKey: `webhook-sweep:${r.id}` });
      if (!deduplicated) out.stripe++;
    }
  }
  for (const [connectionId, g] of hubspot) {
    const eventIds = g.ids.slice(0, BATCH);
    const { deduplicated } = await enqueueJob(db, "hubspot-webhook-job", { connectionId, eventIds }, { organizationId: g.organizationId, dedupeKey: `webhook-sweep:${connectionId}` });
    if (!deduplicated) out.hubspot += eventIds.length;
  }
  return out;
}

/**
 * What an admin sees about a connection's webhooks: events accepted but not applied after {@link SWEEP_AFTER_MS}
 * (`pending`), events whose processing failed (`failed`) in the last {@link SWEEP_MAX_AGE_MS}, and the newest error.
 */
export async function webhookHealth(db: Db, connectionId: string, now = Date.now()): Promise<{ pending: number; failed: number; lastError: string | null }> {
  const since = new Date(now - SWEEP_MAX_AGE_MS);
  const [pending, failed, last] = await Promise.all([
    db.webhookEvent.count({ where: { connectionId, status: "received", receivedAt: { lt: new Date(now - SWEEP_AFTER_MS), gt: since } } }),
    db.webhookEvent.count({ where: { connectionId, status: "failed", receivedAt: { gt: since } } }),
    db.webhookEvent.findFirst({ where: { connectionId, status: "failed", receivedAt: { gt: since } }, orderBy: { receivedAt: "desc" }, select: { error: true } }),
  ]);
  return { pending, failed, lastError: last?.error ?? null };
}
