/**
 * HubSpot webhooks v3 (https://developers.hubspot.com/docs/api/webhooks#security): receive fast,
 * apply in a job.
 *
 * `receiveHubspotWebhook(db, {method, uri, rawBody, signature, timestamp, connectionId?})` — `POST
 * /api/webhooks/hubspot[?connection=<id>]`:
 * 1. Verifies `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(secret, method + uri + rawBody + timestamp)) with a
 *    constant-time compare (crypto.timingSafeEqual), and `X-HubSpot-Request-Timestamp` no older than 5 minutes
 *    (nor > 5 minutes ahead) — https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 *    ("Validate the v3 request signature"). This happens on the raw bytes BEFORE the body is parsed: the
 *    secrets tried never depend on the body — env HUBSPOT_CLIENT_SECRET (the operator's app), plus the
 *    webhook secret of the connection named by `?connection=<id>` (the per-connection URL an organization's
 *    own app calls; one HMAC), or, on the bare URL, of every connected HubSpot connection that stored one
 *    (one HMAC each). Anything else → AppError unauthorized (401), nothing parsed, stored or processed.
 * 2. Parses the verified body, binds each event to the verifying connection(s) owning its portal, stores it
 *    in WebhookEvent (unique provider + connection + eventId: duplicates are ignored), then enqueues ONE
 *    `hubspot-webhook-job` per connection with the new event ids. No HubSpot call on this path.
 *
 * `hubspot-webhook-job` ({connectionId, eventIds}): batch-reads the changed objects (≤ 100 ids per
 * `POST /crm/v3/objects/{type}/batch/read`; contacts/deals/tickets also get their company associations
 * in one v4 batch read), upserts them (same writers as the sync), marks deletions archived, marks
 * the events processed, calls resolveIdentities, and — when `refresh-accounts-job` is registered —
 * enqueues it for the affected accounts.
 */
import { salesMrrPropertyOf } from "@/lib/sales-activity/config";
import { queueSalesActivityRefresh, SALES_ACTIVITY_REFRESH_JOB } from "@/lib/sales-activity/jobs";
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
import { chunks } from "@/lib/db/chunks";
import { enqueueAccountRefresh, REFRESH_ACCOUNTS_JOB } from "@/lib/pipeline/enqueue-account-refresh";

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

/** A v3 signature header is present and its timestamp (ms) is within {@link SIGNATURE_MAX_AGE_MS} of now (either way). */
function signatureInWindow(p: { signature: string | null; timestamp: string | null; now?: number }): boolean {
  if (!p.signature || !p.timestamp || !/^\d+$/.test(p.timestamp)) return false;
  return Math.abs((p.now ?? Date.now()) - Number(p.timestamp)) <= SIGNATURE_MAX_AGE_MS;
}

/** Constant-time check of a v3 signature against several candidate secrets, with the 5-minute window. */
export function verifyHubspotV3(p: { secrets: string[]; method: string; uri: string; rawBody: string; signature: string | null; timestamp: string | null; now?: number }): boolean {
  if (!signatureInWindow(p)) return false;
  const given = Buffer.from(p.signature!, "base64");
  let ok = false;
  for (const s of p.secrets) {
    const expected = Buffer.from(signHubspotV3(s, p.method, p.uri, p.rawBody, p.timestamp!), "base64");
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

/** Ids per `IN (…)` list (well under SQLite's bound-parameter limit and PostgreSQL's). */
const ID_CHUNK = 500;
/** Ids per `POST /crm/v3/objects/{type}/batch/read` (HubSpot's batch limit). */
const BATCH_READ_MAX = 100;

const STREAM_OF: Record<string, StreamName> = { company: "companies", contact: "contacts", deal: "deals", ticket: "tickets" };

/** received: event rows stored (one per event and receiving connection); refused: events for a portal no verifying connection owns. */
export type HubspotReceiveResult = { received: number; duplicates: number; refused: number; enqueued: string[] };

/** A HubSpot connection that may receive webhook events (what the verification needs of it). */
type WebhookConnection = { id: string; organizationId: string; externalAccountId: string; webhookSecretEnc: string | null };
const WEBHOOK_CONNECTION_SELECT = { id: true, organizationId: true, externalAccountId: true, webhookSecretEnc: true } as const;

/** What a v3 signature is computed over (the raw request, never re-serialised JSON). */
type SignedRequest = { method: string; uri: string; rawBody: string; signature: string | null; timestamp: string | null };

/**
 * Who signed a delivery, decided on the raw bytes before anything is parsed. A connection's own webhook secret
 * (the client secret of the app whose token it holds, entered by that organization's admin) vouches for that
 * connection only. The operator's app secret (env HUBSPOT_CLIENT_SECRET, which no tenant knows) vouches for
 * every connection of the portals the events name. HubSpot signs every delivery with the client secret of
 * the app whose webhook subscription fired
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests), so a delivery
 * signed with organization B's secret reaches only B's connection, whatever portal ids its events name.
 *
 * Candidate connection secrets come from the URL, never the body: `?connection=<id>` → that connection only;
 * the bare URL → every connected HubSpot connection with a stored secret.
 * @returns the connections whose secret verified the request, and whether the operator's secret did.
 */
async function verifySigner(db: Db, p: SignedRequest, connectionId: string | undefined): Promise<{ conns: WebhookConnection[]; operator: boolean }> {
  // Stale or missing timestamps are refused before any secret is loaded or any HMAC computed.
  if (!signatureInWindow(p)) return { conns: [], operator: false };
  const envSecret = env().HUBSPOT_CLIENT_SECRET;
  const operator = envSecret ? verifyHubspotV3({ secrets: [envSecret], ...p }) : false;
  if (operator) return { conns: [], operator };
  const candidates: WebhookConnection[] = await db.connection.findMany({
    where: { provider: "hubspot", credentialsEnc: { not: null }, webhookSecretEnc: { not: null }, ...(connectionId ? { id: connectionId } : {}) },
    select: WEBHOOK_CONNECTION_SELECT,
    orderBy: { createdAt: "asc" },
  });
  return { conns: candidates.filter((c) => verifyHubspotV3({ secrets: [decryptSecret(c.webhookSecretEnc!)], ...p })), operator };
}

/**
 * Verify, store and enqueue a webhook delivery (see module doc).
 *
 * Order: the signature is verified on the raw bytes first (the candidate secrets depend only on the URL's
 * `connectionId`), the body is parsed only after that. Tenant binding: each event is stored for, and applied
 * to, only the connections whose secret verified the request AND that own the event's portal (`portalId` =
 * the connection's `externalAccountId`); with the operator's secret, every connected HubSpot connection of
 * the event's portal. Events naming a portal that no such connection owns are refused (counted in `refused`,
 * not stored). When several organizations connected the same portal through the same app, each of their
 * connections gets the event (one WebhookEvent row per connection; dedupe is per connection + event id).
 * @param p.connectionId `?connection=<id>` of the URL HubSpot called (the per-connection webhook URL), if any.
 * @throws AppError unauthorized (bad/stale signature, or one no candidate secret verifies), bad_request
 *   (verified but not a HubSpot event array).
 */
export async function receiveHubspotWebhook(db: Db, p: SignedRequest & { connectionId?: string }): Promise<HubspotReceiveResult> {
  const { connectionId, ...signed } = p;
  const signer = await verifySigner(db, signed, connectionId);
  // A delivery of our own app for a portal no connection holds any more is genuine: acknowledged (so HubSpot
  // stops retrying), nothing stored. Anything else unverified is refused — and was never parsed.
  if (!signer.conns.length && !signer.operator) throw new AppError("unauthorized", "invalid or stale X-HubSpot-Signature-v3: request refused");

  let body: unknown;
  try {
    body = JSON.parse(p.rawBody);
  } catch {
    throw new AppError("bad_request", "expected HubSpot's webhook payload: a JSON array of events");
  }
  const parsed = ZEvents.safeParse(body);
  if (!parsed.success) throw new AppError("bad_request", "expected HubSpot's webhook payload: a JSON array of events");
  // The operator's app vouches for the portals its events name: their connections, looked up after verification.
  const verified: WebhookConnection[] = signer.operator
    ? await db.connection.findMany({
      where: { provider: "hubspot", credentialsEnc: { not: null }, externalAccountId: { in: [...new Set(parsed.data.map((e) => e.portalId))] } },
      select: WEBHOOK_CONNECTION_SELECT,
      orderBy: { createdAt: "asc" },
    })
    : signer.conns;
  const byConn = new Map<string, string[]>();
  let received = 0, duplicates = 0, refused = 0;
  for (const e of parsed.data) {
    const targets = verified.filter((c) => c.externalAccountId === e.portalId);
    if (!targets.length) { refused++; continue; }
    const handled = Boolean(STREAM_OF[e.subscriptionType.split(".")[0]]);
    for (const conn of targets) {
      try {
        const row = await db.webhookEvent.create({
          data: {
            provider: "hubspot", eventId: e.eventId, type: e.subscriptionType, organizationId: conn.organizationId, connectionId: conn.id,
            occurredAt: e.occurredAt ? new Date(e.occurredAt) : null, payload: e as object,
            status: handled ? "received" : "ignored",
          },
        });
        received++;
        if (row.status === "received") byConn.set(conn.id, [...(byConn.get(conn.id) ?? []), row.id]);
      } catch (err) {
        if ((err as { code?: string }).code === "P2002") { duplicates++; continue; }
        throw err;
      }
    }
  }
  const enqueued: string[] = [];
  for (const [connectionId, eventIds] of byConn) {
    const conn = verified.find((c) => c.id === connectionId)!;
    const { job } = await enqueueJob(db, HUBSPOT_WEBHOOK_JOB, { connectionId, eventIds }, { organizationId: conn.organizationId });
    enqueued.push(job.id);
  }
  return { received, duplicates, refused, enqueued };
}

/**
 * Apply stored webhook events of one connection (see module doc).
 * @returns counts of records upserted/archived and the accounts to rescore.
 */
export async function applyHubspotWebhookEvents(db: Db, p: { connectionId: string; eventIds: string[]; jobId?: string }): Promise<{ upserted: number; archived: number; accountIds: string[] }> {
  // Id lists in chunks: one `IN (…)` of a 1,000-event delivery exceeds what the SQLite driver binds.
  const events: { id: string; payload: unknown }[] = [];
  for (const ids of chunks(p.eventIds, ID_CHUNK)) {
    // Only this connection's rows: a job never applies another connection's (or organization's) events.
    events.push(...await db.webhookEvent.findMany({ where: { id: { in: ids }, connectionId: p.connectionId, status: "received" }, select: { id: true, payload: true } }));
  }
  if (events.length === 0) return { upserted: 0, archived: 0, accountIds: [] };
  const { client, settings, organizationId } = await openClient(db, p.connectionId, hubspotClientDefaults());
  const w = { organizationId, connectionId: p.connectionId, dealStageMap: settings.dealStageMap, dealMrrProperty: await salesMrrPropertyOf(db, organizationId) };
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
  // A deletion is confirmed with HubSpot before anything is archived: ids the batch read still returns (live,
  // not archived) were not deleted — whoever sent the event — and are re-read as changes instead.
  for (const [stream, idSet] of deleted) {
    const def = STREAMS.find((s) => s.name === stream)!;
    for (const ids of chunks([...idSet], BATCH_READ_MAX)) {
      const items: PageItem[] = await client.batchRead(stream, ids, ["hs_object_id"], def.scope);
      for (const it of items) {
        if (!it.ok) continue;
        idSet.delete(it.record.id);
        if (!changed.has(stream)) changed.set(stream, new Set());
        changed.get(stream)!.add(it.record.id);
      }
    }
  }
  let upserted = 0, archived = 0;
  const touched: { stream: StreamName; ids: string[] }[] = [];
  for (const [stream, idSet] of changed) {
    const def = STREAMS.find((s) => s.name === stream)!;
    const ids = [...idSet].filter((id) => !deleted.get(stream)?.has(id));
    for (const chunk of chunks(ids, BATCH_READ_MAX)) {
      const items: PageItem[] = await client.batchRead(stream, chunk, def.properties(settings, w), def.scope);
      const recs = items.filter((x): x is Extract<PageItem, { ok: true }> => x.ok).map((x) => x.record);
      const assoc = def.assoc && recs.length ? await client.associations(stream, "companies", recs.map((r) => r.id), def.scope) : new Map<string, string[]>();
      // Calls/meetings: their contacts too (sales-activity decision-maker rule, issue 17).
      const contacts = def.contactAssoc && recs.length ? await client.associations(stream, "contacts", recs.map((r) => r.id), def.scope) : null;
      const res = await db.$transaction((tx) => def.write(tx, w, recs, assoc, contacts), { timeout: 60_000 });
      upserted += res.processed - res.unchanged;
      touched.push({ stream, ids: recs.map((r) => r.id) });
    }
  }
  for (const [stream, idSet] of deleted) {
    if (!idSet.size) continue;
    archived += await db.$transaction((tx) => markArchived(tx, w, stream, [...idSet], new Date()));
    touched.push({ stream, ids: [...idSet] });
  }
  for (const ids of chunks(events.map((e) => e.id), ID_CHUNK)) {
    await db.webhookEvent.updateMany({ where: { id: { in: ids } }, data: { status: "processed", processedAt: new Date() } });
  }
  // The sales-activity pre-aggregates (issue 17): the writers marked the days they touched; a background job
  // rebuilds them (reads never do). The events are applied either way: the next refresh covers what is marked.
  if (registeredJobNames().includes(SALES_ACTIVITY_REFRESH_JOB) && await db.salesActivityDirtyDay.count({ where: { organizationId } })) {
    await queueSalesActivityRefresh(db, organizationId).catch(() => undefined);
  }
  await resolveIdentities(db, { organizationId, connectionId: p.connectionId });
  const accountIds = await affectedAccounts(db, p.connectionId, touched);
  if (accountIds.length && registeredJobNames().includes(REFRESH_ACCOUNTS_JOB)) {
    // One re-score per organization for a burst of webhooks (joined while it waits a few seconds).
    await enqueueAccountRefresh(db, { organizationId, accountIds });
  }
  return { upserted, archived, accountIds };
}

async function affectedAccounts(db: Db, connectionId: string, touched: { stream: StreamName; ids: string[] }[]): Promise<string[]> {
  const out = new Set<string>();
  for (const t of touched) {
    for (const ids of chunks(t.ids, ID_CHUNK)) {
    const where = { connectionId, externalId: { in: ids } };
    const rows: { accountId: string | null }[] =
      t.stream === "companies" ? await db.sourceRecord.findMany({ where: { ...where, objectType: "company" }, select: { accountId: true } })
      : t.stream === "contacts" ? await db.contact.findMany({ where, select: { accountId: true } })
      : t.stream === "deals" ? await db.deal.findMany({ where, select: { accountId: true } })
      : await db.ticket.findMany({ where, select: { accountId: true } });
    for (const r of rows) if (r.accountId) out.add(r.accountId);
    }
  }
  return [...out];
}

export const hubspotWebhookJob = defineJob({
  name: HUBSPOT_WEBHOOK_JOB,
  schema: z.object({ connectionId: z.string(), eventIds: z.array(z.string()).min(1).max(1000) }),
  maxAttempts: 3,
  handle: async (payload, ctx) => applyHubspotWebhookEvents(ctx.db, { ...payload, jobId: ctx.jobId }),
});
