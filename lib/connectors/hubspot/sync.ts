/**
 * HubSpot sync (`runHubspotSync`, the connector's `runSync`): owners, companies, contacts, deals,
 * calls, meetings, notes (first sync: last 395 days; later full re-syncs: 90) and tickets, one SyncRun per object type.
 *
 * Full (first sync, or `full: true`): a high-water probe (search, newest record by modification
 * time, limit 1 — also gives the total for progress), then `GET /crm/v3/objects/{type}` pages of 100
 * with the properties named, 10 pages per batch, company associations for the batch's 1,000 ids in
 * ONE v4 batch read, then the `archived=true` list to mark archived records. Calls/meetings/notes
 * use search on hs_timestamp ≥ 395 days (first sync; 90 on a full re-sync) before the newer of now and
 * the portal's newest change.
 * Afterwards the stream's cursor is the high-water mark, so changes made during the full sync are
 * picked up by the next incremental one.
 *
 * Incremental: search on hs_lastmodifieddate (contacts: lastmodifieddate) from the cursor, sorted
 * ascending, 200 per page, window restarts before the 10,000 cap with an hs_object_id tie-break
 * (search-window.ts). Deletions are not visible to search: webhooks mark them, and a full re-sync
 * reconciles (archived list).
 *
 * Checkpoints: every batch's upserts and the stream's checkpoint are committed in ONE transaction
 * (a batch = ≤ 10 list pages or ≤ 5 search pages, ≤ 1,000 records — the unit one association
 * request covers), so a killed sync resumes at the last committed batch. The next batch is fetched
 * while the current one is written (one batch of prefetch).
 *
 * Minimum requests for N records of a type: ⌈N/100⌉ list pages + ⌈N/1000⌉ association reads (+1
 * archived page, +1 probe search); calls and meetings read their contacts too (+⌈N/1000⌉ association reads:
 * the sales-activity decision-maker rule, issue 17). Each SyncRun records the requests it made.
 */
import type { Db } from "@/lib/db";
import type { JobContext } from "@/lib/jobs";
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from "@/lib/sync/checkpoints";
import { startSyncRun, type SyncRunHandle } from "@/lib/sync/sync-runs";
import type { SyncOptions, SyncSummary } from "@/lib/connectors/types";
import type { HubspotClient, HubspotRecord, PageItem, SearchFilter } from "./client";
import { openClient, type HubspotSettings, type OpenClientOptions } from "./connection";
import { HubspotError, isHubspotError } from "./errors";
import {
  CALL_PROPERTIES, CHURNWATCH_PROPERTIES, COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_PROPERTIES, MEETING_PROPERTIES, NOTE_PROPERTIES,
  TICKET_PROPERTIES, DEFAULT_DEAL_MRR_PROPERTY, parseHsDate, type EngagementType,
} from "./mappers";
import { getSalesActivityConfig, salesMrrPropertyOf } from "@/lib/sales-activity/config";
import { queueSalesActivityRefresh } from "@/lib/sales-activity/jobs";
import { ensureSalesActivityRollup } from "@/lib/sales-activity/rollup";
import { probeHighWater, searchWindowPages, type SearchCursor, type SearchPage } from "./search-window";
import {
  writeCompanies, writeContacts, writeDeals, writeEngagements, writeTickets, type Assoc, type WriteContext, type WriteResult,
} from "./write";
import type { Tx } from "@/lib/db";

/** List pages per batch (100 records each) = one association read of ≤ 1,000 ids. */
export const LIST_PAGES_PER_BATCH = 10;
/** Search pages per batch (200 records each). */
export const SEARCH_PAGES_PER_BATCH = 5;
/** Engagements older than this are not read by a full RE-sync (the weekly reconciliation). */
export const ENGAGEMENT_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;
/**
 * The FIRST sync of a connection reads engagements of the whole signal backfill: 365 days + the
 * 30-day window of its first day (as the Stripe charges' 395 days, lib/signals), so every backfilled
 * month has its calls/meetings/notes (with 90 days, 9 of 12 backfilled months had none and long-time
 * customers read "never engaged"). Incremental syncs then keep that cutoff (state.cutoff).
 */
export const FIRST_SYNC_ENGAGEMENT_WINDOW_MS = 395 * 24 * 60 * 60 * 1000;

export type StreamName = "companies" | "contacts" | "deals" | "calls" | "meetings" | "notes" | "tickets";

export type StreamDef = {
  name: StreamName;
  scope: string;
  modifiedProp: string;
  assoc: boolean;
  engagement?: EngagementType;
  /** Calls/meetings: also read the associated contacts (decision-maker rule by job title, issue 17). */
  contactAssoc?: boolean;
  properties(settings: HubspotSettings, w: WriteContext): string[];
  /** assoc null: associations not read (archived listing) — stored companies are kept; contactAssoc likewise. */
  write(tx: Tx, w: WriteContext, recs: HubspotRecord[], assoc: Assoc | null, contactAssoc?: Assoc | null): Promise<WriteResult>;
};

export const STREAMS: StreamDef[] = [
  { name: "companies", scope: "crm.objects.companies.read", modifiedProp: "hs_lastmodifieddate", assoc: false,
    properties: (s) => [...new Set([...COMPANY_PROPERTIES, ...CHURNWATCH_PROPERTIES.filter(() => s.writeBack), ...Object.keys(s.propertyMappings)])],
    write: (tx, w, recs) => writeCompanies(tx, w, recs) },
  { name: "contacts", scope: "crm.objects.contacts.read", modifiedProp: "lastmodifieddate", assoc: true, properties: () => CONTACT_PROPERTIES, write: writeContacts },
  { name: "deals", scope: "crm.objects.deals.read", modifiedProp: "hs_lastmodifieddate", assoc: true,
    properties: (_s, w) => [...new Set([...DEAL_PROPERTIES, w.dealMrrProperty ?? DEFAULT_DEAL_MRR_PROPERTY])], write: writeDeals },
  { name: "calls", scope: "crm.objects.contacts.read", modifiedProp: "hs_lastmodifieddate", assoc: true, contactAssoc: true, engagement: "call", properties: () => CALL_PROPERTIES, write: (tx, w, r, a, c) => writeEngagements(tx, w, "call", r, a, c) },
  { name: "meetings", scope: "crm.objects.contacts.read", modifiedProp: "hs_lastmodifieddate", assoc: true, contactAssoc: true, engagement: "meeting", properties: () => MEETING_PROPERTIES, write: (tx, w, r, a, c) => writeEngagements(tx, w, "meeting", r, a, c) },
  { name: "notes", scope: "crm.objects.contacts.read", modifiedProp: "hs_lastmodifieddate", assoc: true, engagement: "note", properties: () => NOTE_PROPERTIES, write: (tx, w, r, a) => writeEngagements(tx, w, "note", r, a) },
  { name: "tickets", scope: "tickets", modifiedProp: "hs_lastmodifieddate", assoc: true, properties: () => TICKET_PROPERTIES, write: writeTickets },
];

/** Checkpoint state of one stream (SyncCheckpoint.state). Small and bounded. */
export type StreamState =
  | { mode: "full"; phase: "active" | "archived"; after: string | null; hw: SearchCursor; total: number }
  | { mode: "full-search"; cursor: SearchCursor; cutoff: number; hw: SearchCursor; total: number }
  | { mode: "incremental"; cursor: SearchCursor; cutoff?: number };

type Batch = { items: PageItem[]; assoc: Assoc | null; contactAssoc?: Assoc | null; state: StreamState; total: number | null };

export type HubspotObjectSummary = {
  processed: number; skipped: number; unchanged: number; requests: number; status: string; error?: string | null; guidance?: string | null;
  /** Wall time of the object type and the part spent writing to the database (ms). */
  ms?: number; writeMs?: number;
};
export type HubspotSyncSummary = SyncSummary & { objects: Record<string, HubspotObjectSummary>; requestsByOp: Record<string, number>; retries: number };

/** Process-wide defaults for clients the sync opens (tests and benchmarks: pacing, time scale). */
let clientDefaults: OpenClientOptions = {};
/** Set defaults for clients opened by syncs/jobs in this process (tests, benchmarks, the demo). */
export function setHubspotClientDefaults(o: OpenClientOptions): void {
  clientDefaults = o;
}
export function hubspotClientDefaults(): OpenClientOptions {
  return clientDefaults;
}

/** Batches fetched ahead of the one being written (fetching is paced, writing is database-bound). */
export const PREFETCH_DEPTH = 3;

/**
 * Wrap an async generator so up to `depth` elements are fetched while the consumer handles the
 * current one. Errors surface in order, after the elements before them were consumed.
 */
async function* prefetch<T>(gen: AsyncGenerator<T>, depth = PREFETCH_DEPTH): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  // Generators serialise next() calls, so queuing several is safe and keeps their order.
  const fill = () => {
    while (!ended && queue.length < depth) {
      const p = gen.next();
      p.then((r) => { if (r.done) ended = true; }, () => { ended = true; });
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  fill();
  while (queue.length) {
    const r = await queue.shift()!;
    if (r.done) return;
    fill();
    yield r.value;
  }
}

async function associationsFor(client: HubspotClient, def: StreamDef, items: PageItem[], to: "companies" | "contacts" = "companies"): Promise<Assoc> {
  if (!def.assoc) return new Map();
  const ids = items.filter((i): i is Extract<PageItem, { ok: true }> => i.ok && !i.record.archived).map((i) => i.record.id);
  const out: Assoc = new Map();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const [k, v] of await client.associations(def.name, to, ids.slice(i, i + 1000), def.scope)) out.set(k, v);
  }
  return out;
}

/** Calls/meetings: their contacts (one more v4 batch read per ≤ 1,000 records); other streams: not read. */
async function contactsFor(client: HubspotClient, def: StreamDef, items: PageItem[]): Promise<Assoc | null> {
  return def.contactAssoc ? associationsFor(client, def, items, "contacts") : null;
}

async function* fullListBatches(client: HubspotClient, def: StreamDef, start: Extract<StreamState, { mode: "full" }>, props: string[]): AsyncGenerator<Batch> {
  let st = { ...start, hw: { ...start.hw } };
  for (;;) {
    const archived = st.phase === "archived";
    const items: PageItem[] = [];
    let after = st.after;
    let pages = 0;
    do {
      const p = await client.listPage(def.name, { after, properties: props, archived }, def.scope);
      items.push(...p.items);
      after = p.nextAfter;
      pages++;
    } while (after && pages < LIST_PAGES_PER_BATCH);
    // Records at exactly the high-water timestamp existed when we started: remember the largest id seen there.
    for (const it of items) {
      if (!it.ok) continue;
      const ts = parseHsDate(it.record.properties[def.modifiedProp])?.getTime();
      if (ts === st.hw.since && (st.hw.lastId === null || BigInt(it.record.id) > BigInt(st.hw.lastId))) st.hw = { since: ts, lastId: it.record.id };
    }
    // Archived records: their associations are not read (one request per 1,000 ids for data nobody shows); the
    // company they had stays stored.
    const assoc = archived ? null : await associationsFor(client, def, items);
    const contactAssoc = archived ? null : await contactsFor(client, def, items);
    let next: StreamState;
    if (after) next = { ...st, after };
    else if (!archived) next = { ...st, phase: "archived", after: null };
    else next = { mode: "incremental", cursor: st.hw };
    yield { items, assoc, contactAssoc, state: next, total: st.total };
    if (next.mode === "incremental") return;
    st = next;
  }
}

async function* gatherSearch(client: HubspotClient, def: StreamDef, pages: AsyncGenerator<SearchPage>, toState: (c: SearchCursor) => StreamState, done: StreamState | null): AsyncGenerator<Batch> {
  let buf: PageItem[] = [];
  let n = 0;
  let cursor: SearchCursor | null = null;
  let total: number | null = null;
  for await (const p of pages) {
    buf.push(...p.items);
    cursor = p.cursor;
    total = p.total;
    if (++n >= SEARCH_PAGES_PER_BATCH) {
      yield { items: buf, assoc: await associationsFor(client, def, buf), contactAssoc: await contactsFor(client, def, buf), state: toState(cursor), total };
      buf = [];
      n = 0;
    }
  }
  const final = done ?? (cursor ? toState(cursor) : null);
  if (final) yield { items: buf, assoc: await associationsFor(client, def, buf), contactAssoc: await contactsFor(client, def, buf), state: final, total };
}

function engagementCutoff(hw: SearchCursor, windowMs = ENGAGEMENT_WINDOW_MS): number {
  const newest = hw.since > 0 ? Math.min(Date.now(), hw.since) : Date.now();
  return newest - windowMs;
}

/** The batches of one stream from its checkpoint (or a fresh full sync). */
async function* streamBatches(client: HubspotClient, def: StreamDef, state: StreamState, settings: HubspotSettings, w: WriteContext): AsyncGenerator<Batch> {
  const props = def.properties(settings, w);
  if (state.mode === "full") {
    yield* fullListBatches(client, def, state, props);
    return;
  }
  if (state.mode === "full-search") {
    const pages = searchWindowPages(client, def.name, { prop: "hs_timestamp", start: state.cursor, properties: props, scope: def.scope });
    yield* gatherSearch(client, def, pages, (c) => ({ ...state, cursor: c }), { mode: "incremental", cursor: state.hw, cutoff: state.cutoff });
    return;
  }
  const extra: SearchFilter[] = def.engagement ? [{ propertyName: "hs_timestamp", operator: "GTE", value: String(state.cutoff ?? engagementCutoff(state.cursor)) }] : [];
  const pages = searchWindowPages(client, def.name, { prop: def.modifiedProp, start: state.cursor, properties: props, extraFilters: extra, scope: def.scope });
  yield* gatherSearch(client, def, pages, (c) => ({ mode: "incremental", cursor: c, ...(state.cutoff ? { cutoff: state.cutoff } : {}) }), null);
}

async function initialState(client: HubspotClient, def: StreamDef, saved: StreamState | null, full: boolean): Promise<StreamState> {
  if (saved && (saved.mode === "full" || saved.mode === "full-search")) return saved; // resume an interrupted full sync
  if (saved && saved.mode === "incremental" && !full) return saved;
  const hw = await probeHighWater(client, def.name, def.modifiedProp, def.scope);
  if (def.engagement) {
    const cutoff = engagementCutoff(hw.cursor, saved === null ? FIRST_SYNC_ENGAGEMENT_WINDOW_MS : ENGAGEMENT_WINDOW_MS);
    return { mode: "full-search", cursor: { since: cutoff, lastId: null }, cutoff, hw: hw.cursor, total: hw.total };
  }
  return { mode: "full", phase: "active", after: null, hw: hw.cursor, total: hw.total };
}

class SyncCancelled extends Error {
  constructor() { super("sync cancelled; the next sync resumes from the last checkpoint"); }
}

async function syncOwners(db: Db, client: HubspotClient, w: WriteContext, run: SyncRunHandle): Promise<void> {
  for (const archived of [false, true]) {
    let after: string | null = null;
    do {
      const page = await client.ownersPage(after, archived);
      for (const o of page.owners) {
        const data = { email: o.email?.toLowerCase() ?? null, firstName: o.firstName, lastName: o.lastName, archived: archived || o.archived };
        await db.owner.upsert({
          where: { connectionId_externalId: { connectionId: w.connectionId, externalId: o.id } },
          create: { ...data, organizationId: w.organizationId, connectionId: w.connectionId, externalId: o.id },
          update: data,
        });
      }
      run.addProcessed(page.owners.length);
      after = page.nextAfter;
    } while (after);
  }
}

/**
 * Run a HubSpot sync for one connection (see module doc).
 * @throws Error when cancelled through ctx.signal (after closing the current SyncRun as cancelled);
 *   AppError not_found/conflict for an unknown/disconnected connection. HubSpot failures do not throw:
 *   they end the affected SyncRun as failed with an error and guidance (auth failures also mark the
 *   connection reconnect_needed and stop the remaining object types).
 */
export async function runHubspotSync(db: Db, opts: SyncOptions & { clientOptions?: OpenClientOptions; only?: StreamName[] }, ctx: JobContext): Promise<HubspotSyncSummary> {
  const started = Date.now();
  const summary: HubspotSyncSummary = { connectionId: opts.connectionId, mode: "incremental", objects: {}, requestCount: 0, durationMs: 0, requestsByOp: {}, retries: 0 };
  let opened;
  try {
    opened = await openClient(db, opts.connectionId, { ...clientDefaults, ...opts.clientOptions });
  } catch (e) {
    if (isHubspotError(e)) {
      summary.objects.connection = { processed: 0, skipped: 0, unchanged: 0, requests: 0, status: "failed", error: e.message, guidance: e.guidance ?? null };
      summary.durationMs = Date.now() - started;
      return summary;
    }
    throw e;
  }
  const { client, settings, organizationId } = opened;
  const w: WriteContext = {
    organizationId, connectionId: opts.connectionId, dealStageMap: settings.dealStageMap,
    dealMrrProperty: await salesMrrPropertyOf(db, organizationId),
  };
  const progress: Record<string, { processed: number; total: number | null; ratePerSec: number; etaMs: number | null }> = {};
  let stop = false;

  const fail = async (run: SyncRunHandle, name: string, e: unknown): Promise<void> => {
    const he = isHubspotError(e) ? e : null;
    const message = he?.kind === "missing_scope" && he.scope ? `token lacks ${he.scope}` : e instanceof Error ? e.message : String(e);
    await run.finish("failed", { message, guidance: he?.guidance });
    summary.objects[name] = { processed: run.processed, skipped: run.skipped, unchanged: summary.objects[name]?.unchanged ?? 0, requests: run.requests, status: "failed", error: message, guidance: he?.guidance ?? null };
    if (he?.kind === "auth_revoked") {
      const conn = await db.connection.findUnique({ where: { id: opts.connectionId } });
      if (conn?.status !== "reconnect_needed") {
        await db.connection.update({ where: { id: opts.connectionId }, data: { status: "reconnect_needed", lastError: message.startsWith("reconnect needed") ? message : `reconnect needed: ${message}` } });
      }
    }
    if (!he || !["missing_scope", "not_found"].includes(he.kind)) stop = true;
    ctx.log.warn({ objectType: name, err: message }, "hubspot stream failed");
  };

  // Owners: a handful of records, always a full read.
  if (!opts.only || opts.only.length === 0) {
    const run = await startSyncRun(db, { organizationId, connectionId: opts.connectionId, objectType: "owners", mode: "full", jobId: ctx.jobId });
    const before = client.requestCount;
    try {
      await syncOwners(db, client, w, run);
      run.addRequests(client.requestCount - before);
      await run.finish("succeeded");
      summary.objects.owners = { processed: run.processed, skipped: 0, unchanged: 0, requests: run.requests, status: "succeeded" };
    } catch (e) {
      run.addRequests(client.requestCount - before);
      await fail(run, "owners", e);
    }
  }

  for (const def of STREAMS) {
    if (stop) break;
    if (opts.only && !opts.only.includes(def.name)) continue;
    if (ctx.signal.aborted) throw new SyncCancelled();
    const saved = await loadCheckpoint<StreamState>(db, opts.connectionId, def.name);
    const before = client.requestCount;
    let state: StreamState;
    let run: SyncRunHandle | null = null;
    const t0 = Date.now();
    let unchanged = 0;
    let writeMs = 0;
    try {
      state = await initialState(client, def, saved, opts.full);
      const mode = state.mode === "incremental" ? "incremental" : "full";
      if (mode === "full") summary.mode = "full";
      run = await startSyncRun(db, { organizationId, connectionId: opts.connectionId, objectType: def.name, mode, jobId: ctx.jobId });
      const r = run;
      for await (const batch of prefetch(streamBatches(client, def, state, settings, w))) {
        const good = batch.items.filter((i): i is Extract<PageItem, { ok: true }> => i.ok).map((i) => i.record);
        for (const bad of batch.items) if (!bad.ok) r.skip(bad.externalId, bad.reason);
        const tw = Date.now();
        const res = await db.$transaction(async (tx) => {
          const out = await def.write(tx, w, good, batch.assoc, batch.contactAssoc);
          await saveCheckpoint(tx, opts.connectionId, def.name, batch.state);
          return out;
        }, { timeout: 120_000, maxWait: 30_000 });
        writeMs += Date.now() - tw;
        for (const s of res.skipped) r.skip(s.externalId, s.reason);
        r.addProcessed(res.processed);
        unchanged += res.unchanged;
        r.requests = client.requestCount - before;
        const total = batch.total ?? null;
        await r.flush(total !== null ? { recordsTotal: total } : undefined);
        const secs = Math.max(0.001, (Date.now() - t0) / 1000);
        const rate = r.processed / secs;
        progress[def.name] = { processed: r.processed, total, ratePerSec: Math.round(rate), etaMs: total !== null && rate > 0 ? Math.max(0, Math.round(((total - r.processed) / rate) * 1000)) : null };
        await ctx.progress({ streams: { ...progress }, requestCount: client.requestCount });
        if (ctx.signal.aborted) {
          await r.finish("cancelled", { message: "cancelled; the next sync resumes from the last checkpoint" });
          throw new SyncCancelled();
        }
      }
      r.requests = client.requestCount - before;
      const status = r.skipped > 0 ? "partial" : "succeeded";
      await r.finish(status);
      summary.objects[def.name] = { processed: r.processed, skipped: r.skipped, unchanged, requests: r.requests, status, ms: Date.now() - t0, writeMs };
      ctx.log.info({ objectType: def.name, requests: r.requests, processed: r.processed, skipped: r.skipped, unchanged, ms: Date.now() - t0 }, "hubspot stream synced");
    } catch (e) {
      if (e instanceof SyncCancelled) {
        summary.requestCount = client.requestCount;
        throw e;
      }
      if (!run) run = await startSyncRun(db, { organizationId, connectionId: opts.connectionId, objectType: def.name, mode: opts.full || !saved ? "full" : "incremental", jobId: ctx.jobId });
      run.requests = client.requestCount - before;
      if (!isHubspotError(e)) {
        await run.finish("failed", { message: e instanceof Error ? e.message : String(e) });
        throw e;
      }
      await fail(run, def.name, e);
      if (e.kind === "missing_scope" && saved === null) await clearCheckpoint(db, opts.connectionId, def.name);
    }
  }

  // The sales-activity pre-aggregates: this (background) sync job rebuilds the days it touched, and their weeks
  // and months, at its end — reads never rebuild (issue 17). Never fails the sync: on an error the refresh job is
  // queued, and the page says its figures are pending meanwhile.
  try {
    const r = await ensureSalesActivityRollup(db, organizationId, await getSalesActivityConfig(db, organizationId));
    ctx.log.info({ rebuilt: r.rebuilt, ms: r.ms }, "sales-activity pre-aggregate refreshed");
  } catch (e) {
    ctx.log.warn({ err: e instanceof Error ? e.message : String(e) }, "sales-activity pre-aggregate refresh failed; queued as a job");
    await queueSalesActivityRefresh(db, organizationId).catch(() => undefined);
  }

  summary.requestCount = client.requestCount;
  summary.requestsByOp = { ...client.requestsByOp };
  summary.retries = client.retries;
  summary.durationMs = Date.now() - started;
  ctx.log.info({ connectionId: opts.connectionId, requests: summary.requestCount, byOp: summary.requestsByOp, retries: summary.retries, ms: summary.durationMs }, "hubspot sync finished");
  return summary;
}

export { HubspotError };
