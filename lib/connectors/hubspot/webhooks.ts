/**
 * HubSpot webhooks v3 (https://developers.hubspot.com/docs/api/webhooks#security): receive fast,
 * apply in a job.
 *
 * `receiveHubspotWebhook(db, {method, uri, rawBody, signature, timestamp})` — `POST /api/webhooks/hubspot`:
 * 1. Verifies `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app client secret, method + uri + rawBody +
 *    timestamp)) with a constant-time compare (crypto.timingSafeEqual), and `X-HubSpot-Request-Timestamp`
 *    no older than 5 minutes (nor > 5 minutes ahead). Secrets tried: env HUBSPOT_CLIENT_SECRET, then the
 *    webhookSecretEnc of the HubSpot connections of the portal named in the events (matched by portalId).
 *    Anything else → AppError unauthorized (401), nothing stored or processed.
 * 2. Stores each event in WebhookEvent (unique provider + eventId: duplicates are ignored), then enqueues
 *    ONE `hubspot-webhook-job` per connection with the new event ids. No HubSpot call on this path.
 *
 * `hubspot-webhook-job` ({connectionId, eventIds}): batch-reads the changed objects (≤ 100 ids per
 * `POST /crm/v3/objects/{type}/batch/read`; contacts/deals/tickets also get their company associations
 * in one v4 batch read), upserts them (same writers as the sync), marks deletions archived, marks
 * the events processed, calls resolveIdentities, and — when `refresh-accounts-job` is registered —
 * enqueues it for the affected accounts.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { decryptSecret } from "@/lib/crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { defineJob } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/queue";
import { registeredJobNames } from "@/lib/jobs/registry";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";
import type { PageItem } from "./client";
import { openClient } from "./connection";
import { STREAMS, hubspotClientDefaults, type StreamName } from "./sync";
import { markArchived } from "./write";

export const HUBSPOT_WEBHOOK_JOB = "hubspot-webhook-job";
/** Maximum age (and clock skew) of a signed request. */
export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

const ZEvent = z.object({
  eventId: z.union([z.number(), z.string()]).transform(String),
  portalId: z.union([z.number(), z.string()]).transform(String),
  occurredAt: z.number().optional(),
  subscriptionType: z.string(),
  objectId: z.union([z.number(), z.string()]).transform(String),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
}).loose();
const ZEvents = z.array(ZEvent).max(1000);

/** The v3 signature of a request (base64 HMAC-SHA256). */
export function signHubspotV3(secret: string, method: string, uri: string, rawBody: string, timestamp: string): string {
  return createHmac("sha256", secret).update(method + uri + rawBody + timestamp).digest("base64");
}

/** Constant-time check of a v3 signature against several candidate secrets, with the 5-minute window. */
export function verifyHubspotV3(p: { secrets: string[]; method: string; uri: string; rawBody: string; signature: string | null; timestamp: string | null; now?: number }): boolean {
  if (!p.signature || !p.timestamp || !/^\d+$/.test(p.timestamp)) return false;
  const age = (p.now ?? Date.now()) - Number(p.timestamp);
  if (Math.abs(age) > SIGNATURE_MAX_AGE_MS) return false;
  const given = Buffer.from(p.signature, "base64");
  let ok = false;
  for (const s of p.secrets) {
    const expected = Buffer.from(signHubspotV3(s, p.method, p.uri, p.rawBody, p.timestamp), "base64");
    // timingSafeEqual needs equal lengths; compare every candidate (no early exit on a match).
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** The public URL HubSpot called: x-forwarded-proto/host when a proxy set them, else the request URL. */
export function publicRequestUri(url: string, headers: Headers): string {
  const u = new URL(url);
  const proto = headers.get("x-forwarded-proto")?.split(",")[0].trim();
  const host = headers.get("x-forwarded-host")?.split(",")[0].trim();
  if (proto) u.protocol = `${proto}:`;
  if (host) u.host = host;
  return u.toString();
}

const STREAM_OF: Record<string, StreamName> = { company: "companies", contact: "contacts", deal: "deals", ticket: "tickets" };

export type HubspotReceiveResult = { received: number; duplicates: number; enqueued: string[] };

/**
 * Verify, store and enqueue a webhook delivery (see module doc).
 * @throws AppError unauthorized (bad/stale signature), bad_request (verified but not a HubSpot event array).
 */
export async function receiveHubspotWebhook(db: Db, p: { method: string; uri: string; rawBody: string; signature: string | null; timestamp: string | null }): Promise<HubspotReceiveResult> {
  let portalIds: string[] = [];
  try {
    const peek = JSON.parse(p.rawBody) as unknown;
    if (Array.isArray(peek)) portalIds = [...new Set(peek.map((e) => String((e as { portalId?: unknown })?.portalId ?? "")).filter(Boolean))];
  } catch { /* verified below; a body that is not JSON cannot carry a valid signature for us anyway */ }
  const conns = portalIds.length
    ? await db.connection.findMany({ where: { provider: "hubspot", externalAccountId: { in: portalIds }, credentialsEnc: { not: null } } })
    : [];
  const secrets: string[] = [];
  const envSecret = env().HUBSPOT_CLIENT_SECRET;
  if (envSecret) secrets.push(envSecret);
  for (const c of conns) if (c.webhookSecretEnc) secrets.push(decryptSecret(c.webhookSecretEnc));
  if (!verifyHubspotV3({ secrets, ...p })) throw new AppError("unauthorized", "invalid or stale X-HubSpot-Signature-v3: request refused");

  const parsed = ZEvents.safeParse(JSON.parse(p.rawBody));
  if (!parsed.success) throw new AppError("bad_request", "expected HubSpot's webhook payload: a JSON array of events");
  const byConn = new Map<string, string[]>();
  let received = 0, duplicates = 0;
  for (const e of parsed.data) {
    const conn = conns.find((c) => c.externalAccountId === e.portalId);
    try {
      const row = await db.webhookEvent.create({
        data: {
          provider: "hubspot", eventId: e.eventId, type: e.subscriptionType, organizationId: conn?.organizationId, connectionId: conn?.id,
          occurredAt: e.occurredAt ? new Date(e.occurredAt) : null, payload: e as object,
          status: conn && STREAM_OF[e.subscriptionType.split(".")[0]] ? "received" : "ignored",
        },
      });
      received++;
      if (conn && row.status === "received") byConn.set(conn.id, [...(byConn.get(conn.id) ?? []), row.id]);
    } catch (err) {
      if ((err as { code?: string }).code === "P2002") { duplicates++; continue; }
      throw err;
    }
  }
  const enqueued: string[] = [];
  for (const [connectionId, eventIds] of byConn) {
    const conn = conns.find((c) => c.id === connectionId)!;
    const { job } = await enqueueJob(db, HUBSPOT_WEBHOOK_JOB, { connectionId, eventIds }, { organizationId: conn.organizationId });
    enqueued.push(job.id);
  }
  return { received, duplicates, enqueued };
}

/**
 * Apply stored webhook events of one connection (see module doc).
 * @returns counts of records upserted/archived and the accounts to rescore.
 */
export async function applyHubspotWebhookEvents(db: Db, p: { connectionId: string; eventIds: string[]; jobId?: string }): Promise<{ upserted: number; archived: number; accountIds: string[] }> {
  const events = await db.webhookEvent.findMany({ where: { id: { in: p.eventIds }, status: "received" } });
  if (events.length === 0) return { upserted: 0, archived: 0, accountIds: [] };
  const { client, settings, organizationId } = await openClient(db, p.connectionId, hubspotClientDefaults());
  const w = { organizationId, connectionId: p.connectionId, dealStageMap: settings.dealStageMap };
  const changed = new Map<StreamName, Set<string>>();
  const deleted = new Map<StreamName, Set<string>>();
  for (const ev of events) {
    const e = ev.payload as { subscriptionType: string; objectId: string };
    const [kind, action] = e.subscriptionType.split(".");
    const stream = STREAM_OF[kind];
    if (!stream) continue;
    const target = action === "deletion" ? deleted : changed;
    if (!target.has(stream)) target.set(stream, new Set());
    target.get(stream)!.add(String(e.objectId));
  }
  let upserted = 0, archived = 0;
  const touched: { stream: StreamName; ids: string[] }[] = [];
  for (const [stream, idSet] of changed) {
    const def = STREAMS.find((s) => s.name === stream)!;
    const ids = [...idSet].filter((id) => !deleted.get(stream)?.has(id));
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const items: PageItem[] = await client.batchRead(stream, chunk, def.properties(settings), def.scope);
      const recs = items.filter((x): x is Extract<PageItem, { ok: true }> => x.ok).map((x) => x.record);
      const assoc = def.assoc && recs.length ? await client.associations(stream, "companies", recs.map((r) => r.id), def.scope) : new Map<string, string[]>();
      const res = await db.$transaction((tx) => def.write(tx, w, recs, assoc), { timeout: 60_000 });
      upserted += res.processed - res.unchanged;
      touched.push({ stream, ids: recs.map((r) => r.id) });
    }
  }
  for (const [stream, idSet] of deleted) {
    archived += await db.$transaction((tx) => markArchived(tx, w, stream, [...idSet], new Date()));
    touched.push({ stream, ids: [...idSet] });
  }
  await db.webhookEvent.updateMany({ where: { id: { in: events.map((e) => e.id) } }, data: { status: "processed", processedAt: new Date() } });
  await resolveIdentities(db, { organizationId, connectionId: p.connectionId });
  const accountIds = await affectedAccounts(db, p.connectionId, touched);
  if (accountIds.length && registeredJobNames().includes("refresh-accounts-job")) {
    await enqueueJob(db, "refresh-accounts-job", { organizationId, accountIds: accountIds.slice(0, 10_000) }, { organizationId });
  }
  return { upserted, archived, accountIds };
}

async function affectedAccounts(db: Db, connectionId: string, touched: { stream: StreamName; ids: string[] }[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of touched) {
    if (!t.ids.length) continue;
    const where = { connectionId, externalId: { in: t.ids } };
    const rows: { accountId: string | null }[] =
      t.stream === "companies" ? await db.sourceRecord.findMany({ where: { ...where, objectType: "company" }, select: { accountId: true } })
      : t.stream === "contacts" ? await db.contact.findMany({ where, select: { accountId: true } })
      : t.stream === "deals" ? await db.deal.findMany({ where, select: { accountId: true } })
      : await db.ticket.findMany({ where, select: { accountId: true } });
    for (const r of rows) if (r.accountId) out.add(r.accountId);
  }
  return [...out];
}

export const hubspotWebhookJob = defineJob({
  name: HUBSPOT_WEBHOOK_JOB,
  schema: z.object({ connectionId: z.string(), eventIds: z.array(z.string()).min(1).max(1000) }),
  maxAttempts: 3,
  handle: async (payload, ctx) => applyHubspotWebhookEvents(ctx.db, { ...payload, jobId: ctx.jobId }),
});
